"""What the shape tests share: the prefixes their small Turtle graphs are written with."""

TURTLE_PREFIXES = """
@prefix coop: <https://w3id.org/coopkg/def/> .
@prefix role: <https://w3id.org/coopkg/def/role/> .
@prefix unit: <https://w3id.org/coopkg/def/unit/> .
@prefix qualifier: <https://w3id.org/coopkg/def/qualifier/> .
@prefix aggregation: <https://w3id.org/coopkg/def/aggregation/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
