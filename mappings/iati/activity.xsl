<?xml version="1.0" encoding="UTF-8"?>
<!-- Prepares IATI activity XML (2.01 to 2.03) for mappings/iati.rml.ttl.

     morph-kgc reads XML references downwards only: the child elements and attributes of the
     node its iterator selects, never an ancestor. What IATI lets an element inherit from
     above is therefore written on it here, as coop-* attributes; nothing is dropped or
     renamed, and the mapping says what becomes of each element.

       every element of an activity  coop-activity  the activity's iati-identifier
                                     coop-key       its path in the activity, one name-position
                                                    per level (result-1-indicator-2-period-1),
                                                    the last part of its IRI
       narrative                     coop-lang      its language: its xml:lang, else the nearest
                                                    ancestor's (IATI's default language rule);
                                                    absent when the file states none
                                     coop-owner     the key of the element it names or
                                                    describes (absent: the activity itself)
                                     coop-org       the identifier of the organisation it names
       *-org with a non-empty @ref   coop-org       that identifier, space-normalised
       value                         coop-currency  its @currency, else the activity's
                                                    @default-currency (IATI's rule)
       baseline, target, actual      coop-indicator the key of their indicator
                                     coop-measure   their indicator's @measure
       target, actual                coop-period    the key of their period
       point                         coop-lat, coop-long   the two numbers of its pos

     Narrative and value texts are whitespace-normalised. What the mapping never reads is left
     out (document-link, policy-marker, crs-add, a transaction's sector…: docs/imports-iati.md
     lists it), so that morph-kgc, which reads the file once per term it makes, reads less. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>

  <xsl:template match="comment()|processing-instruction()"/>

  <!-- what the mapping reads; everything else below an activity is left out -->
  <xsl:template priority="2" match="iati-activity/*[not(self::iati-identifier or self::reporting-org or self::title
      or self::description or self::participating-org or self::activity-status or self::activity-date
      or self::recipient-country or self::recipient-region or self::location or self::sector or self::budget
      or self::planned-disbursement or self::transaction or self::result)]"/>
  <xsl:template priority="2" match="iati-activity/location/*[not(self::name or self::description or self::point)]"/>
  <xsl:template priority="2" match="iati-activity/*[self::budget or self::planned-disbursement or self::transaction]/*[not(
      self::period-start or self::period-end or self::value or self::provider-org or self::receiver-org
      or self::transaction-type or self::transaction-date or self::description)]"/>
  <xsl:template priority="2" match="iati-activity/result/*[not(self::title or self::description or self::indicator)]"/>
  <xsl:template priority="2" match="iati-activity/result/indicator/*[not(self::title or self::description or self::baseline or self::period)]"/>
  <xsl:template priority="2" match="iati-activity/result/indicator/period/*[not(self::period-start or self::period-end or self::target or self::actual)]"/>
  <xsl:template priority="2" match="iati-activity/result/indicator//*[self::baseline or self::target or self::actual]/*[not(self::comment)]"/>

  <xsl:template name="key">
    <xsl:param name="node" select="."/>
    <xsl:for-each select="$node/ancestor-or-self::*[ancestor::iati-activity]">
      <xsl:if test="position() > 1">-</xsl:if>
      <xsl:value-of select="name()"/>-<xsl:value-of select="count(preceding-sibling::*[name() = name(current())]) + 1"/>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="context">
    <xsl:attribute name="coop-activity">
      <xsl:value-of select="normalize-space(ancestor-or-self::iati-activity/iati-identifier)"/>
    </xsl:attribute>
    <xsl:if test="ancestor::iati-activity">
      <xsl:attribute name="coop-key"><xsl:call-template name="key"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <xsl:template match="iati-activity|iati-activity//*">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:call-template name="context"/>
      <xsl:apply-templates select="node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="iati-activity//*[self::reporting-org or self::participating-org or self::provider-org or self::receiver-org]">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:call-template name="context"/>
      <xsl:if test="normalize-space(@ref) != ''">
        <xsl:attribute name="coop-org"><xsl:value-of select="normalize-space(@ref)"/></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="iati-activity//narrative">
    <xsl:variable name="owner" select="ancestor::*[not(self::title or self::description or self::comment or self::name or self::activity-description)][1]"/>
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:call-template name="context"/>
      <xsl:if test="ancestor-or-self::*[@xml:lang]">
        <xsl:attribute name="coop-lang">
          <xsl:value-of select="translate(normalize-space(ancestor-or-self::*[@xml:lang][1]/@xml:lang), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"/>
        </xsl:attribute>
      </xsl:if>
      <xsl:if test="not($owner/self::iati-activity)">
        <xsl:attribute name="coop-owner"><xsl:call-template name="key"><xsl:with-param name="node" select="$owner"/></xsl:call-template></xsl:attribute>
      </xsl:if>
      <xsl:if test="normalize-space($owner/@ref) != '' and ($owner/self::reporting-org or $owner/self::participating-org or $owner/self::provider-org or $owner/self::receiver-org)">
        <xsl:attribute name="coop-org"><xsl:value-of select="normalize-space($owner/@ref)"/></xsl:attribute>
      </xsl:if>
      <xsl:value-of select="normalize-space(.)"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="iati-activity//value">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:call-template name="context"/>
      <xsl:variable name="currency">
        <xsl:choose>
          <xsl:when test="normalize-space(@currency) != ''"><xsl:value-of select="normalize-space(@currency)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="normalize-space(ancestor::iati-activity/@default-currency)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:if test="$currency != ''">
        <xsl:attribute name="coop-currency"><xsl:value-of select="$currency"/></xsl:attribute>
      </xsl:if>
      <xsl:value-of select="normalize-space(.)"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="indicator/baseline|indicator/period/target|indicator/period/actual">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:call-template name="context"/>
      <xsl:attribute name="coop-indicator"><xsl:call-template name="key"><xsl:with-param name="node" select="ancestor::indicator[1]"/></xsl:call-template></xsl:attribute>
      <xsl:if test="ancestor::indicator[1]/@measure">
        <xsl:attribute name="coop-measure"><xsl:value-of select="normalize-space(ancestor::indicator[1]/@measure)"/></xsl:attribute>
      </xsl:if>
      <xsl:if test="parent::period">
        <xsl:attribute name="coop-period"><xsl:call-template name="key"><xsl:with-param name="node" select=".."/></xsl:call-template></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="location/point">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:call-template name="context"/>
      <xsl:variable name="pos" select="normalize-space(pos)"/>
      <xsl:if test="contains($pos, ' ')">
        <xsl:attribute name="coop-lat"><xsl:value-of select="substring-before($pos, ' ')"/></xsl:attribute>
        <xsl:attribute name="coop-long"><xsl:value-of select="substring-after($pos, ' ')"/></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="node()"/>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>
