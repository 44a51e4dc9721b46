"""Seeded generator of synthetic cooperation graphs in coopkg's own vocabulary.

The graph copies the shape of the real data in graph/*.ttl: partnerships between local
authorities of several countries, people in posts over time (org:Membership with periods),
conventions with periods, programmes, indicators with yearly observations (value, unit,
qualifier, aggregation, period, source), budgets, source documents (every fact is
prov:wasDerivedFrom one), French and English labels. It conforms to shapes/.

The output is streamed, one partnership at a time, so a million triples never sit in memory:

    python bench/generate.py --triples 100000 --seed 1 --out /tmp/synthetic.ttl
    python bench/generate.py --triples 1000000 --format nt --out /tmp/synthetic.nt

The same seed and size give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

ID = "https://w3id.org/coopkg/id/"
DEF = "https://w3id.org/coopkg/def/"
PREFIXES = {
    "coop": DEF,
    "role": DEF + "role/",
    "unit": DEF + "unit/",
    "qualifier": DEF + "qualifier/",
    "aggregation": DEF + "aggregation/",
    "source": ID + "source/",
    "organisation": ID + "organisation/",
    "person": ID + "person/",
    "post": ID + "post/",
    "membership": ID + "membership/",
    "period": ID + "period/",
    "instant": ID + "instant/",
    "country": ID + "country/",
    "partnership": ID + "partnership/",
    "convention": ID + "convention/",
    "programme": ID + "programme/",
    "policy": ID + "policy/",
    "dataset": ID + "dataset/",
    "indicator": ID + "indicator/",
    "observation": ID + "observation/",
    "scheme": ID + "scheme/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# (slug, French name, English name); the first is the home country of every lead authority.
COUNTRIES = [
    ("france", "France", "France"),
    ("benin", "Bénin", "Benin"),
    ("armenia", "Arménie", "Armenia"),
    ("cambodia", "Cambodge", "Cambodia"),
    ("haiti", "Haïti", "Haiti"),
    ("senegal", "Sénégal", "Senegal"),
    ("mali", "Mali", "Mali"),
    ("madagascar", "Madagascar", "Madagascar"),
    ("vietnam", "Viêt Nam", "Vietnam"),
    ("morocco", "Maroc", "Morocco"),
    ("burkina-faso", "Burkina Faso", "Burkina Faso"),
    ("lebanon", "Liban", "Lebanon"),
]
KINDS = [
    ("departement", "Département", "Département"),
    ("commune", "Commune", "Municipality"),
    ("region", "Région", "Region"),
    ("cc", "Communauté de communes", "Community of communes"),
]
SYLLABLES = [
    "ba",
    "bo",
    "da",
    "di",
    "ga",
    "ko",
    "la",
    "lo",
    "ma",
    "mo",
    "na",
    "no",
    "pa",
    "ri",
    "sa",
    "so",
    "ta",
    "to",
    "va",
    "zou",
    "ké",
    "lé",
    "mè",
    "rè",
    "sè",
]
GIVEN = [
    "Anne",
    "Jean",
    "Marie",
    "Luc",
    "Awa",
    "Koffi",
    "Sophie",
    "Paul",
    "Aïcha",
    "Henri",
    "Élise",
    "Moussa",
    "Claire",
    "Yao",
    "Nadia",
    "Pierre",
]
FAMILY = [
    "Martin",
    "Dossou",
    "Bernard",
    "Sarr",
    "Petit",
    "Kone",
    "Durand",
    "Hakobyan",
    "Leroy",
    "Sok",
    "Moreau",
    "Diallo",
    "Roux",
    "Tran",
]
THEMES = [
    ("agriculture familiale", "family farming", "family-farm", "exploitations accompagnées", "farms supported"),
    ("accès à l'eau", "access to water", "person", "personnes desservies en eau", "people served with water"),
    ("santé maternelle", "maternal health", "person", "femmes suivies", "women followed up"),
    ("formation professionnelle", "vocational training", "person", "jeunes formés", "young people trained"),
    ("filière soja", "soy value chain", "tonne", "tonnes vendues", "tonnes sold"),
    ("entrepreneuriat solidaire", "solidarity entrepreneurship", "enterprise", "entreprises créées", "firms set up"),
]
YEARS = list(range(2008, 2025))


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def _lit(text: str, lang: str | None = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{esc}"@{lang}' if lang else f'"{esc}"'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^xsd:{datatype}'


class Block:
    """The triples of one subject, in Turtle terms (prefixed names, Turtle literals)."""

    __slots__ = ("pairs", "subject")

    def __init__(self, subject: str, *types: str) -> None:
        self.subject = subject
        self.pairs: list[tuple[str, str]] = [("a", t) for t in types]

    def add(self, predicate: str, *objects: str) -> Block:
        self.pairs.extend((predicate, o) for o in objects)
        return self

    def labels(self, fr: str, en: str, predicate: str = "rdfs:label") -> Block:
        return self.add(predicate, _lit(fr, "fr"), _lit(en, "en"))


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names: set[str] = set()

    def _place_name(self) -> str:
        """A made-up place name, new while names are left (IRIs stay unique anyway: they carry a key)."""
        for _ in range(20):
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3))).capitalize()
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def header(self) -> Iterator[Block]:
        doc = Block("source:synthetic-registry", "coop:PressRelease")
        doc.labels("Registre synthétique des partenariats", "Synthetic register of partnerships")
        doc.add("dct:title", _lit("Registre synthétique des partenariats de coopération", "fr"))
        doc.add("dct:publisher", "organisation:synthetic-registry-publisher")
        doc.add("dct:identifier", _lit("synthetic-registry"))
        yield doc
        pub = Block("organisation:synthetic-registry-publisher", "org:Organization")
        pub.labels("Éditeur du registre synthétique", "Publisher of the synthetic register")
        pub.add("prov:wasDerivedFrom", "source:synthetic-registry")
        yield pub
        for slug, fr, en in COUNTRIES:
            yield (
                Block(f"country:{slug}", "schema:Country")
                .labels(fr, en)
                .add("prov:wasDerivedFrom", "source:synthetic-registry")
            )
        ds = Block("dataset:synthetic-cooperation-figures", "qb:DataSet")
        ds.labels("Chiffres synthétiques de la coopération", "Synthetic cooperation figures")
        ds.add("qb:structure", "coop:IndicatorStructure")
        ds.add("prov:wasDerivedFrom", "source:synthetic-registry")
        yield ds
        scheme = Block("scheme:synthetic-indicators", "skos:ConceptScheme")
        scheme.labels("Indicateurs synthétiques", "Synthetic indicators", "skos:prefLabel")
        scheme.add("prov:wasDerivedFrom", "source:synthetic-registry")
        yield scheme
        for year in YEARS:
            yield (
                Block(f"period:year-{year}", "dct:PeriodOfTime", "time:Interval")
                .labels(f"année {year}", f"year {year}")
                .add("dcat:startDate", _typed(str(year), "gYear"))
                .add("dcat:endDate", _typed(str(year), "gYear"))
                .add("prov:wasDerivedFrom", "source:synthetic-registry")
            )

    def _authority(self, key: str, country: tuple[str, str, str], src: str) -> tuple[Block, str, str]:
        kind, kind_fr, kind_en = self.rng.choice(KINDS)
        name = self._place_name()
        org = Block(f"organisation:{kind}-{_slug(name)}-{key}", "coop:LocalAuthority")
        fr, en = f"{kind_fr} de {name}", f"{name} {kind_en}"
        org.labels(fr, en).add("skos:altLabel", _lit(name, "fr")).add("coop:country", f"country:{country[0]}")
        org.add("prov:wasDerivedFrom", src)
        return org, fr, en

    def partnership(self, n: int) -> Iterator[Block]:
        """One partnership and everything around it; about 250 to 450 triples."""
        rng = self.rng
        key = f"{n:06d}"
        src = f"source:partnership-news-{key}"
        partner_country = COUNTRIES[1 + n % (len(COUNTRIES) - 1)]
        lead, lead_fr, lead_en = self._authority(key + "a", COUNTRIES[0], src)
        local, local_fr, local_en = self._authority(key + "b", partner_country, src)
        doc = Block(src, "coop:PressRelease")
        doc.labels(f"Communiqué : partenariat avec {local_fr}", f"Press release: partnership with {local_en}")
        doc.add("dct:title", _lit(f"Partenariat entre {lead_fr} et {local_fr}", "fr"))
        doc.add("dct:publisher", lead.subject).add("dct:identifier", _lit(f"news-{key}"))
        doc.add("dct:issued", _typed(str(rng.choice(YEARS)), "gYear"))
        yield doc
        yield lead
        yield local

        # people in posts over time: successive presidencies of each authority
        for org, org_fr, org_en in ((lead, lead_fr, lead_en), (local, local_fr, local_en)):
            post = Block(f"post:president-{org.subject.split(':', 1)[1]}", "org:Post")
            post.labels(f"Présidence : {org_fr}", f"Presidency of {org_en}")
            post.add("org:postIn", org.subject).add("org:role", "role:president").add("prov:wasDerivedFrom", src)
            start = rng.randint(2001, 2010)
            for k in range(rng.randint(2, 4)):
                end = start + rng.randint(3, 6)
                given, family = rng.choice(GIVEN), rng.choice(FAMILY)
                pslug = _slug(f"{given}-{family}-{key}-{org.subject[-1]}{k}")
                person = Block(f"person:{pslug}", "foaf:Person")
                person.add("rdfs:label", _lit(f"{given} {family}", "fr")).add("foaf:name", _lit(f"{given} {family}"))
                person.add("prov:wasDerivedFrom", src)
                yield person
                post.add("org:heldBy", person.subject)
                period = Block(f"period:{pslug}-presidency", "dct:PeriodOfTime", "time:Interval")
                period.labels(f"de {start} à {end}", f"from {start} to {end}")
                period.add("dcat:startDate", _typed(str(start), "gYear"))
                period.add("dcat:endDate", _typed(str(end), "gYear"))
                period.add("prov:wasDerivedFrom", src)
                yield period
                mem = Block(f"membership:{pslug}-president", "org:Membership")
                mem.labels(f"{given} {family}, président·e : {org_fr}", f"{given} {family}, President of {org_en}")
                mem.add("org:member", person.subject).add("org:organization", org.subject)
                mem.add("org:role", "role:president").add("org:memberDuring", period.subject)
                mem.add("prov:wasDerivedFrom", src)
                yield mem
                start = end
            yield post

        # the partnership, its conventions with periods, its programme
        pid = f"{lead.subject.split(':', 1)[1]}-{local.subject.split(':', 1)[1]}"
        part = Block(f"partnership:{pid}", "coop:Partnership")
        part.labels(f"Partenariat entre {lead_fr} et {local_fr}", f"Partnership between {lead_en} and {local_en}")
        part.add("org:hasMember", lead.subject, local.subject)
        theme = rng.choice(THEMES)
        prog = Block(f"programme:{pid}", "coop:Programme")
        part.add("coop:programme", prog.subject).add("prov:wasDerivedFrom", src)
        yield part
        first = rng.randint(2008, 2016)
        previous = None
        year = first
        for _c in range(rng.randint(1, 3)):
            length = rng.randint(2, 5)
            conv = Block(f"convention:{pid}-{year}", "coop:Convention")
            conv.labels(
                f"Convention {year}–{year + length} : {local_fr}", f"Convention {year}–{year + length} with {local_en}"
            )
            conv.add("coop:party", lead.subject, local.subject).add("coop:formalises", part.subject)
            conv.add("dct:issued", _typed(str(year), "gYear"))
            period = Block(f"period:{pid}-convention-{year}", "dct:PeriodOfTime", "time:ProperInterval")
            period.labels(f"{year}–{year + length}", f"{year}–{year + length}")
            period.add("dcat:startDate", _typed(str(year), "gYear"))
            period.add("dcat:endDate", _typed(str(year + length), "gYear"))
            period.add("time:hasXSDDuration", _typed(f"P{length}Y", "duration"))
            period.add("prov:wasDerivedFrom", src)
            conv.add("dct:temporal", period.subject)
            if previous:
                conv.add("coop:renews", previous)
            conv.add("coop:purpose", _lit(f"soutenir {theme[0]}", "fr"), _lit(f"support {theme[1]}", "en"))
            conv.add("prov:wasDerivedFrom", src)
            yield conv
            yield period
            previous = conv.subject
            year += length
        prog.labels(
            f"Programme {theme[0]} : {local_fr} ({partner_country[1]})",
            f"{theme[1].capitalize()} programme: {local_en} ({partner_country[2]})",
        )
        prog.add("coop:country", f"country:{partner_country[0]}")
        since = Block(f"period:{pid}-programme", "dct:PeriodOfTime", "time:Interval")
        since.labels(f"depuis {first}", f"since {first}").add("dcat:startDate", _typed(str(first), "gYear"))
        since.add("prov:wasDerivedFrom", src)
        prog.add("dct:temporal", since.subject).add("prov:wasAssociatedWith", lead.subject, local.subject)
        prog.add("coop:aim", _lit(f"améliorer {theme[0]} dans les villages", "fr"), _lit(f"improve {theme[1]}", "en"))
        prog.add("prov:wasDerivedFrom", src)
        yield prog
        yield since

        # indicators with yearly observations: one outcome and one budget
        years = [y for y in YEARS if y >= first]
        for ikey, ifr, ien, unit, agg in (
            ("outcome", theme[3], theme[4], theme[2], "at-date"),
            ("budget", "budget annuel", "annual budget", "euro", "per-year"),
        ):
            ind = Block(f"indicator:{pid}-{ikey}", "coop:Indicator")
            ind.add("skos:inScheme", "scheme:synthetic-indicators")
            ind.labels(f"{ifr.capitalize()} : {local_fr}", f"{ien.capitalize()}: {local_en}", "skos:prefLabel")
            ind.add("coop:indicatorOf", prog.subject).add("prov:wasDerivedFrom", src)
            yield ind
            value = rng.randint(10, 500) if unit != "euro" else rng.randint(20, 400) * 1000
            for y in years:
                value = max(1, int(value * rng.uniform(0.85, 1.3)))
                shown = f"{value}" if unit != "euro" else f"{value:,}".replace(",", " ")
                obs = Block(f"observation:{pid}-{ikey}-{y}", "qb:Observation")
                obs.labels(f"{shown} {ifr} en {y}", f"{shown} {ien} in {y}")
                obs.add("qb:dataSet", "dataset:synthetic-cooperation-figures")
                obs.add("coop:indicator", ind.subject).add("sdmx-dimension:refPeriod", f"period:year-{y}")
                obs.add("sdmx-measure:obsValue", _typed(str(value), "decimal") if unit == "euro" else str(value))
                obs.add("sdmx-attribute:unitMeasure", f"unit:{unit}")
                qualifier = "more-than" if rng.random() < 0.1 else "as-stated"
                obs.add("coop:valueQualifier", f"qualifier:{qualifier}").add("coop:aggregation", f"aggregation:{agg}")
                obs.add("coop:statedAs", _lit(f"{shown} {ifr} en {y}", "fr")).add("prov:wasDerivedFrom", src)
                yield obs


def expand(term: str) -> str:
    """A Turtle term of this module as an N-Triples term."""
    if term == "a":
        return f"<{PREFIXES['rdf']}type>"
    if term.startswith('"'):
        if "^^xsd:" in term:
            value, datatype = term.rsplit("^^xsd:", 1)
            return f"{value}^^<{PREFIXES['xsd']}{datatype}>"
        return term
    if term[0].isdigit():
        return f'"{term}"^^<{PREFIXES["xsd"]}integer>'
    prefix, local = term.split(":", 1)
    return f"<{PREFIXES[prefix]}{local}>"


def generate(out, triples: int, seed: int, fmt: str = "ttl") -> int:
    """Write about `triples` triples (never fewer) to the text stream `out`; return the count."""
    gen = Generator(seed)
    count = 0
    if fmt == "ttl":
        out.write(f"# Synthetic cooperation graph for benchmarks (bench/generate.py, seed {seed}).\n")
        for prefix, ns in PREFIXES.items():
            out.write(f"@prefix {prefix}: <{ns}> .\n")

    def emit(block: Block) -> int:
        if fmt == "ttl":
            body = " ;\n    ".join(f"{p} {o}" for p, o in block.pairs)
            out.write(f"\n{block.subject} {body} .\n")
        else:
            s = expand(block.subject)
            out.write("".join(f"{s} {expand(p)} {expand(o)} .\n" for p, o in block.pairs))
        return len(block.pairs)

    for block in gen.header():
        count += emit(block)
    n = 0
    while count < triples:
        for block in gen.partnership(n):
            count += emit(block)
        n += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10000, help="about how many triples (at least this many)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["ttl", "nt"], default=None, help="default: from the file's suffix")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    fmt = args.format or ("nt" if args.out.suffix == ".nt" else "ttl")
    with args.out.open("w", encoding="utf-8", newline="\n") as out:
        count = generate(out, args.triples, args.seed, fmt)
    print(f"{count} triples written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
