"""VoID: the statistics of a release, counted with SPARQL on its store, and their graph.

The dataset is the union of the three named graphs (ontology, shapes, data); each graph is
also a void:subset with its own triple count. Entities are the IRIs under the data space
`{base}id/` that are the subject of a triple.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD

from .graphs import ReadGraph
from .links import PublicLinks
from .namespaces import data_prefixes
from .source_graphs import describe_source_graphs, subset_iri

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

# DatasetStatistics field -> VoID property stating it.
COUNTED = {
    "triples": VOID.triples,
    "entities": VOID.entities,
    "classes": VOID.classes,
    "properties": VOID.properties,
    "distinct_subjects": VOID.distinctSubjects,
    "distinct_objects": VOID.distinctObjects,
}


@dataclass(frozen=True)
class DatasetStatistics:
    """What VoID states about a release: counts over the union of its graphs, and per part."""

    uri_space: str
    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    graph_triples: dict[str, int]
    class_entities: dict[str, int]
    property_triples: dict[str, int]
    examples: tuple[str, ...]

    def as_json(self) -> dict:
        """Return the counts as JSON-ready data (for the release manifest)."""
        return {
            "triples": self.triples,
            "entities": self.entities,
            "classes": self.classes,
            "properties": self.properties,
            "graphs": self.graph_triples,
        }


def dataset_statistics(graph: ReadGraph, base: str) -> DatasetStatistics:
    """Return the statistics of `graph`, in six SPARQL queries run side by side.

    Each query reads every triple once; the totals come from the partitions (the triples are
    the sum of the property partitions, the classes and properties their number), so no count
    is made twice: at a million triples, 3 s instead of 6 s one after the other.
    """
    space = ox.Literal(base + "id/")
    with ThreadPoolExecutor(2, thread_name_prefix="void") as pool:
        properties = pool.submit(graph.select, "void_property_partitions")
        subjects_objects = pool.submit(graph.select, "void_subjects_objects")
        entities = pool.submit(graph.count, "void_entities", space=space)
        graphs = pool.submit(graph.select, "triples_per_graph")
        classes = pool.submit(graph.select, "void_class_partitions")
        examples = pool.submit(graph.select, "void_examples", space=space)
        property_triples = _grouped(properties.result(), "p")
        class_entities = _grouped(classes.result(), "c")
        distinct = subjects_objects.result()[0]
        return DatasetStatistics(
            uri_space=space.value,
            triples=sum(property_triples.values()),
            entities=entities.result(),
            classes=len(class_entities),
            properties=len(property_triples),
            distinct_subjects=int(distinct["subjects"].value),
            distinct_objects=int(distinct["objects"].value),
            graph_triples=_grouped(graphs.result(), "g"),
            class_entities=class_entities,
            property_triples=property_triples,
            examples=tuple(str(row["example"].value) for row in examples.result()),
        )


def _grouped(rows: Iterable, key: str) -> dict[str, int]:
    return {row[key].value: int(row["n"].value) for row in rows}


def void_graph(
    stats: DatasetStatistics, links: PublicLinks, dump_names: Iterable[str], base: str, sources: Iterable = ()
) -> rdflib.Graph:
    """Return the VoID description of the release's dataset (at links.void); `sources`
    (source_graphs.SourceGraph) adds what each source graph is and where it came from."""
    graph = rdflib.Graph(bind_namespaces="core")
    for prefix, namespace in {**data_prefixes(base), "void": str(VOID), "foaf": str(FOAF)}.items():
        graph.bind(prefix, namespace)
    dataset, description = rdflib.URIRef(links.dataset), rdflib.URIRef(links.void)
    graph.add((description, RDF.type, VOID.DatasetDescription))
    graph.add((description, DCTERMS.title, rdflib.Literal("VoID description of coopkg", lang="en")))
    graph.add((description, FOAF.primaryTopic, dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, rdflib.Literal("coopkg", lang="en")))
    for name, predicate in COUNTED.items():
        graph.add((dataset, predicate, rdflib.Literal(getattr(stats, name), datatype=XSD.integer)))
    graph.add((dataset, VOID.uriSpace, rdflib.Literal(stats.uri_space)))
    graph.add((dataset, VOID.sparqlEndpoint, rdflib.URIRef(links.sparql)))
    for name in dump_names:
        graph.add((dataset, VOID.dataDump, rdflib.URIRef(links.dump(name))))
    for example in stats.examples:
        graph.add((dataset, VOID.exampleResource, rdflib.URIRef(example)))
    _partitions(graph, dataset, stats)
    describe_source_graphs(graph, dataset, sources, in_catalogue=False)
    return graph


def _partitions(graph: rdflib.Graph, dataset: rdflib.URIRef, stats: DatasetStatistics) -> None:
    """Add the class and property partitions and one subset per named graph."""
    # Blank nodes named by their rank (the counts are sorted): the same data, the same file.
    for rank, (cls, entities) in enumerate(stats.class_entities.items(), 1):
        node = rdflib.BNode(f"class{rank}")
        graph.add((dataset, VOID.classPartition, node))
        graph.add((node, VOID["class"], rdflib.URIRef(cls)))
        graph.add((node, VOID.entities, rdflib.Literal(entities, datatype=XSD.integer)))
    for rank, (prop, triples) in enumerate(stats.property_triples.items(), 1):
        node = rdflib.BNode(f"property{rank}")
        graph.add((dataset, VOID.propertyPartition, node))
        graph.add((node, VOID.property, rdflib.URIRef(prop)))
        graph.add((node, VOID.triples, rdflib.Literal(triples, datatype=XSD.integer)))
    for name, triples in stats.graph_triples.items():
        subset = rdflib.URIRef(links_subset(dataset, name))
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, SD.name, rdflib.URIRef(name)))
        graph.add((subset, VOID.triples, rdflib.Literal(triples, datatype=XSD.integer)))


def links_subset(dataset: rdflib.URIRef, graph_name: str) -> str:
    """Return the IRI of the subset for the named graph `graph_name` ('...#dataset-ontology')."""
    return subset_iri(str(dataset), graph_name)
