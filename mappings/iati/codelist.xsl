<?xml version="1.0" encoding="UTF-8"?>
<!-- Prepares one IATI codelist file for mappings/iati-codelists.rml.ttl.

     morph-kgc reads XML references downwards only (child elements and attributes of the
     node its iterator selects), so what a narrative inherits from above is written on it
     here: the code's IRI (coop-iri), the scheme's name (coop-list) and the narrative's
     language (coop-lang: its xml:lang, else the codelist's, else "en", IATI's default).
     The concept IRIs are coopkg's, one base per codelist (see ontology/iati.ttl), except
     the UN SDG goals and targets, which keep the UN's IRIs. Narrative text is
     whitespace-normalised; nothing else changes. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:variable name="list" select="/codelist/@name"/>
  <xsl:variable name="base">
    <xsl:choose>
      <xsl:when test="$list = 'UNSDG-Goals' or $list = 'UNSDG-Targets'">http://metadata.un.org/sdg/</xsl:when>
      <xsl:when test="$list = 'OrganisationRole'">https://w3id.org/coopkg/def/iati/organisation-role/</xsl:when>
      <xsl:when test="$list = 'OrganisationType'">https://w3id.org/coopkg/def/iati/organisation-type/</xsl:when>
      <xsl:when test="$list = 'ActivityDateType'">https://w3id.org/coopkg/def/iati/activity-date-type/</xsl:when>
      <xsl:when test="$list = 'ActivityStatus'">https://w3id.org/coopkg/def/iati/activity-status/</xsl:when>
      <xsl:when test="$list = 'BudgetType'">https://w3id.org/coopkg/def/iati/budget-type/</xsl:when>
      <xsl:when test="$list = 'BudgetStatus'">https://w3id.org/coopkg/def/iati/budget-status/</xsl:when>
      <xsl:when test="$list = 'TransactionType'">https://w3id.org/coopkg/def/iati/transaction-type/</xsl:when>
      <xsl:when test="$list = 'Currency'">https://w3id.org/coopkg/def/iati/currency/</xsl:when>
      <xsl:when test="$list = 'Country'">https://w3id.org/coopkg/def/iati/country/</xsl:when>
      <xsl:when test="$list = 'Region'">https://w3id.org/coopkg/def/iati/region/</xsl:when>
      <xsl:when test="$list = 'Sector'">https://w3id.org/coopkg/def/iati/sector/</xsl:when>
      <xsl:when test="$list = 'SectorCategory'">https://w3id.org/coopkg/def/iati/sector-category/</xsl:when>
      <xsl:when test="$list = 'IndicatorMeasure'">https://w3id.org/coopkg/def/iati/indicator-measure/</xsl:when>
      <xsl:when test="$list = 'ResultType'">https://w3id.org/coopkg/def/iati/result-type/</xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">codelist <xsl:value-of select="$list"/> has no IRI base in codelist.xsl</xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>

  <xsl:template match="comment()"/>

  <xsl:template match="codelist-item">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:attribute name="coop-list"><xsl:value-of select="$list"/></xsl:attribute>
      <xsl:attribute name="coop-iri"><xsl:value-of select="concat($base, normalize-space(code))"/></xsl:attribute>
      <xsl:if test="category">
        <xsl:attribute name="coop-broader">
          <xsl:choose>
            <xsl:when test="$list = 'Sector'">https://w3id.org/coopkg/def/iati/sector-category/</xsl:when>
            <xsl:otherwise><xsl:value-of select="$base"/></xsl:otherwise>
          </xsl:choose>
          <xsl:value-of select="normalize-space(category)"/>
        </xsl:attribute>
      </xsl:if>
      <xsl:if test="$list = 'UNSDG-Targets'">
        <xsl:attribute name="coop-broader">
          <xsl:value-of select="concat($base, substring-before(normalize-space(code), '.'))"/>
        </xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="codelist-item//narrative">
    <xsl:copy>
      <xsl:attribute name="coop-iri"><xsl:value-of select="concat($base, normalize-space(ancestor::codelist-item/code))"/></xsl:attribute>
      <xsl:attribute name="coop-lang">
        <xsl:choose>
          <xsl:when test="ancestor-or-self::*[@xml:lang]">
            <xsl:value-of select="ancestor-or-self::*[@xml:lang][1]/@xml:lang"/>
          </xsl:when>
          <xsl:otherwise>en</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <xsl:value-of select="normalize-space(.)"/>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>
