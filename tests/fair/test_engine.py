"""The fast SHACL engine (compiled SPARQL in the store) gives pyshacl's results, exactly."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat
from rdflib import Graph

from pancommons.fair.engine import (
    Result,
    _classes,
    _flags_run_on,
    _run,
    assess_fast,
    assess_reference,
    compiled,
    focus_nodes,
)
from pancommons.fair.shapes import Shapes, UnsupportedShape, load_shapes, parse_shapes
from pancommons.fair.synthetic import BASE, records
from pancommons.store import Store
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.remote import RemoteStore
from tests.conftest import _clear

SHAPES_FILE = Path(__file__).resolve().parents[1] / "data" / "fair-test-shapes.ttl"
EX = "https://example.org/test-shapes#"
SH = "http://www.w3.org/ns/shacl#"
GRAPH = "https://data.example.org/graph/test"


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    return load_shapes(files=[SHAPES_FILE])


def _data(n: int, seed: int, **kw: object) -> bytes:
    return "\n".join(records(n, seed, **kw)).encode()  # type: ignore[arg-type]


def _rdflib(nt: bytes) -> Graph:
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literals warn
    g = Graph()
    g.parse(data=nt.decode(), format="nt")
    return g


def _diff(fast: set[Result], ref: set[Result]) -> str:
    def short(r: Result) -> str:
        return f"{r.focus.removeprefix(BASE)} {r.shape.removeprefix(EX)} {r.component[len(SH) :]}"

    lines = [f"fast only: {short(r)}" for r in sorted(fast - ref)[:30]]
    lines += [f"pyshacl only: {short(r)}" for r in sorted(ref - fast)[:30]]
    return "\n".join(lines)


def test_parity_with_pyshacl(shapes: Shapes) -> None:
    nt = _data(500, seed=7)
    store = EmbeddedStore(None)
    store.load(nt, graph=GRAPH, format=RdfFormat.N_TRIPLES)
    fast = assess_fast(store, shapes)
    ref = assess_reference(_rdflib(nt), shapes)
    assert fast == ref, _diff(fast, ref)
    assert assess_fast(store, shapes, threads=2) == fast
    # The data exercises every constraint of the test shapes, each failing somewhere...
    seen = {(r.shape, r.component) for r in ref}
    expected = {
        (ps.iri, f"{SH}{c}ConstraintComponent")
        for ns in shapes.node_shapes
        for ps in ns.properties
        for c, on in [
            ("MinCount", ps.min_count),
            ("MaxCount", ps.max_count is not None),
            ("Datatype", ps.datatype),
            ("NodeKind", ps.node_kind),
            ("Class", ps.class_),
            ("Pattern", ps.pattern),
            ("MinLength", ps.min_length),
            ("In", ps.in_),
            ("HasValue", ps.has_value),
            ("Node", ps.node),
        ]
        if on
    }
    assert expected - seen == set()
    # ...and passing for most datasets.
    datasets = focus_nodes(store, shapes)[f"{EX}Dataset"]
    assert len(datasets) == 500
    failing = Counter(r.focus for r in ref if r.focus in datasets)
    assert sum(1 for d in datasets if d not in failing) > 0
    assert all(r.focus in datasets for r in ref if r.shape.startswith(f"{EX}Dataset"))


def test_targets_include_subclasses_and_skip_inactive(shapes: Shapes) -> None:
    nt = _data(60, seed=3)
    store = EmbeddedStore(None)
    store.load(nt, graph=GRAPH, format=RdfFormat.N_TRIPLES)
    datasets = focus_nodes(store, shapes)[f"{EX}Dataset"]
    sub = {
        line.split()[0][1:-1]
        for line in nt.decode().splitlines()
        if line.endswith("<https://w3id.org/pan-commons/ns#RawDataset> .")
    }
    assert sub and sub <= datasets
    shape_iris = {ps.iri for ns in shapes.node_shapes for ps in ns.properties}
    assert f"{EX}deactivated" not in shape_iris and f"{EX}online" not in shape_iris
    assert f"{EX}Resolvable" not in {ns.iri for ns in shapes.node_shapes}
    ref = assess_reference(_rdflib(nt), shapes)
    assert not {r for r in ref if r.shape in (f"{EX}online", f"{EX}deactivated")}


def test_incremental_focus(shapes: Shapes) -> None:
    nt = _data(200, seed=11)
    store = EmbeddedStore(None)
    store.load(nt, graph=GRAPH, format=RdfFormat.N_TRIPLES)
    everything = assess_fast(store, shapes)
    some = {f"{BASE}dataset/{i}" for i in (0, 5, 17, 42, 199)} | {f"{BASE}dataset/3/dist"}
    part = assess_fast(store, shapes, focus=some)
    assert part == {r for r in everything if r.focus in some}
    assert part and assess_fast(store, shapes, focus=set()) == set()


@pytest.mark.parametrize("n", [40])
def test_portable_sparql(
    store: Store, shapes: Shapes, n: int, request: pytest.FixtureRequest
) -> None:
    if "virtuoso" in request.node.callspec.id:
        # Known gap (strict: the test fails when Virtuoso starts agreeing): Virtuoso 7 differs
        # on `rdf:type/rdfs:subClassOf* <C>` inside NOT EXISTS, sameTerm on IRIs in sh:in and
        # DATATYPE of language-tagged literals; run the fast path on the embedded store.
        request.applymarker(pytest.mark.xfail(strict=True, reason="Virtuoso SPARQL gaps"))
    nt = _data(n, seed=5, ill_typed=False, bad=0.3)
    store.load(nt, graph=GRAPH, format=RdfFormat.N_TRIPLES)
    fast = assess_fast(store, shapes)
    ref = assess_reference(_rdflib(nt), shapes)
    assert fast == ref, _diff(fast, ref)
    # An incremental run (some focus nodes) on this store too.
    some = {f"{BASE}dataset/{i}" for i in range(0, n, 3)}
    assert assess_fast(store, shapes, focus=some) == {r for r in ref if r.focus in some}


def _shapes(body: str) -> Shapes:
    g = Graph()
    g.parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        + body,
        format="turtle",
    )
    return parse_shapes(g)


def test_unsupported_constraint_is_refused() -> None:
    with pytest.raises(UnsupportedShape, match=r"https://example.org/p.*shacl#or"):
        _shapes(
            "ex:S sh:targetClass ex:C ; sh:property ex:p . "
            "ex:p sh:path ex:q ; sh:or ( [ sh:minCount 1 ] ) ."
        )
    with pytest.raises(UnsupportedShape, match=r"alternativePath|path"):
        _shapes(
            "ex:S sh:targetClass ex:C ; sh:property [ sh:path [ sh:alternativePath (ex:a) ] ] ."
        )
    with pytest.raises(UnsupportedShape, match="targetNode"):
        _shapes("ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:a ; sh:minCount 1 ] .")
    # Deactivated and online shapes are not checked at all.
    ok = _shapes(
        "@prefix pan: <https://w3id.org/pan-commons/ns#> . ex:S sh:targetClass ex:C ; "
        "sh:property [ sh:path ex:a ; sh:or () ; pan:online true ] ."
    )
    assert ok.node_shapes[0].properties == ()


def test_shapes_are_escaped() -> None:
    shapes = _shapes(
        "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:a ; "
        'sh:hasValue "x\\" } UNION { ?s ?p ?o" ; sh:pattern "^a\\\\\\"b" ] .'
    )
    store = EmbeddedStore(None)
    store.load(
        b'<https://example.org/x> a <https://example.org/C> ; <https://example.org/a> "a\\"b" .',
        graph=GRAPH,
        format=RdfFormat.TURTLE,
    )
    results = assess_fast(store, shapes)
    assert {r.component.rsplit("#")[1] for r in results} == {"HasValueConstraintComponent"}


def test_restricted_focus_equals_the_whole_graph_with_the_real_shapes() -> None:
    """A restricted run writes "has no value" as NOT EXISTS over a chain of triple patterns
    (sequence paths such as dcat:distribution/dcat:accessURL); the anti-join over the whole
    graph writes it as MINUS over the path: both must find the same violations."""
    real = load_shapes(Path(__file__).resolve().parents[2] / "shapes")
    assert any("FILTER EXISTS" in q.value[1] for q in compiled(real)), "a sequence path, minCount 1"
    store = EmbeddedStore(None)
    store.load(
        ("\n".join(records(300, 5)) + "\n").encode(), graph=GRAPH, format=RdfFormat.N_TRIPLES
    )
    everything = assess_fast(store, real)
    datasets = set().union(*focus_nodes(store, real).values())
    assert assess_fast(store, real, focus=datasets) == everything
    some = set(sorted(datasets)[::7])
    assert assess_fast(store, real, focus=some) == {r for r in everything if r.focus in some}


@pytest.mark.parametrize("server", ["oxigraph", "virtuoso"])
def test_a_remote_oxigraph_takes_the_one_query_path_with_the_same_results(
    server: str, request: pytest.FixtureRequest
) -> None:
    """``/fair/dataset`` over a remote store: on Oxigraph, one query per target class instead
    of one per constraint (about 10x fewer round trips), with the violations of the portable
    path; any other server keeps the portable path."""
    store = RemoteStore(request.getfixturevalue(f"{server}_url"))
    _clear(store)
    real = load_shapes(Path(__file__).resolve().parents[2] / "shapes")
    store.load(
        ("\n".join(records(60, 11)) + "\n").encode(), graph=GRAPH, format=RdfFormat.N_TRIPLES
    )
    try:
        datasets = sorted(set().union(*focus_nodes(store, real).values()))
        assert _flags_run_on(store) is (server == "oxigraph"), store.software
        if server != "oxigraph":
            return
        queries, classes = compiled(real), _classes(store, real)
        for some in ({datasets[0]}, set(datasets[::5])):
            portable = {r for q in queries for r in _run(store, q, some, classes[q.target_class])}
            assert portable  # the records have violations to find
            assert assess_fast(store, real, focus=some) == portable
    finally:
        _clear(store)
        store.close()
