"""What a page tells search engines about itself: a one-sentence description (the page's
`<meta name="description">`) and, for organisations, programmes, partnerships and data sets,
a schema.org description as JSON-LD for the page's head (search engines read it for rich
results). Plain data from an Entity and its domain view; the template writes it.
"""

from __future__ import annotations

from .catalog import CatalogSummary
from .domain import CooperationView, OrganisationView
from .entities import Entity
from .labels import pick_label
from .namespaces import PREFIXES
from .words import words

COOP, ORG, QB, DCAT = PREFIXES["coop"], PREFIXES["org"], PREFIXES["qb"], PREFIXES["dcat"]
# the properties whose text describes an entity, best first
DESCRIBING = (
    PREFIXES["dct"] + "description",
    PREFIXES["skos"] + "definition",
    COOP + "aim",
    COOP + "purpose",
    PREFIXES["rdfs"] + "comment",
)
SCHEMA_TYPES = (  # (our class, schema.org type), most specific first
    (COOP + "LocalAuthority", "GovernmentOrganization"),
    (ORG + "Organization", "Organization"),
    (COOP + "Programme", "Project"),
    (COOP + "Partnership", "Project"),
    (QB + "DataSet", "Dataset"),
    (DCAT + "Dataset", "Dataset"),
)
HOMEPAGE = PREFIXES["foaf"] + "homepage"


def page_description(entity: Entity, lang: str) -> str:
    """Return a sentence describing the entity in `lang`: the text of its description,
    definition, aim, purpose or comment, else its type and name."""
    for prop in DESCRIBING:
        texts = [
            (v.literal.text, v.literal.lang) for f in entity.facts if f.prop.iri == prop for v in f.values if v.literal
        ]
        text = pick_label(texts, lang)
        if text:
            return text
    kind = entity.types[0].label(lang).capitalize() if entity.types else "coopkg"
    return words(lang).entity_description.format(name=entity.label(lang), kind=kind)


def schema_org(entity: Entity, view, lang: str, url: str) -> dict | None:
    """Return the schema.org JSON-LD of an organisation, programme, partnership or data set
    page (`url`, absolute), or None for other entities."""
    kind = next((schema for cls, schema in SCHEMA_TYPES if entity.has_type(cls)), None)
    if kind is None:
        return None
    data = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": entity.iri,
        "name": entity.label(lang),
        "description": page_description(entity, lang),
        "url": url,
        "inLanguage": lang,
    }
    same_as = [v.resource.iri for f in entity.facts if f.prop.iri == HOMEPAGE for v in f.values if v.resource]
    if same_as:
        data["sameAs"] = same_as
    if isinstance(view, OrganisationView) and view.countries:
        data["areaServed"] = [{"@type": "Country", "name": c.label(lang)} for c in view.countries]
    if isinstance(view, CooperationView):
        if view.partners:
            data["member"] = [
                {"@type": "Organization", "@id": p.agent.iri, "name": p.agent.label(lang)} for p in view.partners
            ]
        if view.period and view.period.start:
            data["startDate"] = str(view.period.start)
        if view.period and view.period.end:
            data["endDate"] = str(view.period.end)
    if kind == "Dataset":
        data["isAccessibleForFree"] = True
    return data


def _organisation(agent, lang: str) -> dict:
    return {"@type": "Organization", "@id": agent.iri, "name": agent.label(lang)}


def catalogue_dataset(summary: CatalogSummary, dataset_iri: str, url: str, lang: str) -> dict:
    """Return the schema.org Dataset JSON-LD of the catalogue page (`url`, absolute): the
    whole dataset with its licence, dates, version and every download."""
    data = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": dataset_iri,
        "name": summary.title,
        "description": summary.description,
        "url": url,
        "inLanguage": lang,
        "version": summary.version,
        "datePublished": summary.issued,
        "dateModified": summary.modified,
        "keywords": list(summary.keywords),
        "isAccessibleForFree": True,
        "distribution": [
            {
                "@type": "DataDownload",
                "name": row.title,
                "contentUrl": row.url,
                "encodingFormat": row.media_type,
                "contentSize": str(row.byte_size),
            }
            for row in summary.distributions
        ],
    }
    if summary.licence_url:
        data["license"] = summary.licence_url
    if summary.period[0] or summary.period[1]:
        data["temporalCoverage"] = f"{summary.period[0] or '..'}/{summary.period[1] or '..'}"
    return data
