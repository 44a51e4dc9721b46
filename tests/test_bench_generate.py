"""bench/generate.py: the synthetic cooperation graph conforms to the shapes, is the same for the
same seed, and has what the benchmark's queries look for."""

from __future__ import annotations

import importlib.util

import pytest
import rdflib
import rdflib.compare
from rdflib.namespace import RDF

from server.cli import main
from server.config import PROJECT_ROOT

QB = rdflib.Namespace("http://purl.org/linked-data/cube#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("bench_generate", PROJECT_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_generated_graph_conforms_to_the_shapes(generate, runner, tmp_path):
    out = tmp_path / "synthetic.ttl"
    assert generate(["--triples", "2000", "--seed", "7", "--out", str(out)]) == 0
    result = runner.invoke(main, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output

    graph = rdflib.Graph().parse(out)
    assert 2000 <= len(graph) < 3000
    assert len(set(graph.subjects(RDF.type, QB.Observation))) > 20
    assert len(set(graph.subjects(RDF.type, ORG.Membership))) >= 4
    typed = set(graph.subjects(RDF.type, None))
    assert all((s, PROV.wasDerivedFrom, None) in graph for s in typed if "/id/source/" not in str(s))
    languages = {o.language for o in graph.objects(None, rdflib.RDFS.label)}
    assert languages == {"fr", "en"}


def test_same_seed_same_bytes_and_formats_agree(generate, tmp_path):
    paths = [tmp_path / "a.ttl", tmp_path / "b.ttl", tmp_path / "c.ttl", tmp_path / "a.nt"]
    for path, seed in zip(paths, (3, 3, 4, 3), strict=True):
        assert generate(["--triples", "2000", "--seed", str(seed), "--out", str(path)]) == 0
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    turtle = rdflib.Graph().parse(paths[0])
    ntriples = rdflib.Graph().parse(paths[3], format="nt")
    assert rdflib.compare.isomorphic(turtle, ntriples)
