"""The store contract, run against every backend: embedded Oxigraph, `oxigraph serve`, Virtuoso."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, RdfFormat
from rdflib import Graph, URIRef

from pancommons.formats import serialize_result
from pancommons.store import QuerySyntaxError, RdfSyntaxError, Store, StoreError

EX = "http://example.org/"
G1, G2 = EX + "graph/one", EX + "graph/two"
G3 = EX + "graph/three"

TTL = b"""@prefix ex: <http://example.org/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
ex:d1 a dcat:Dataset ; dct:title "first dataset"@en ; ex:size 10 .
ex:d2 a dcat:Dataset ; dct:title "second \\"quoted\\" dataset" ; ex:size 20 .
ex:d3 a dcat:Dataset ; dct:title "caf\xc3\xa9 \xe2\x80\x94 unicode" ; ex:size 30 .
"""
NT_OTHER = b'<http://example.org/p1> <http://purl.org/dc/terms/title> "a paper" .\n'
BROKEN_TTL = b"""@prefix ex: <http://example.org/> .
ex:x1 ex:p "fine" .
ex:x2 ex:p "fine too" .
ex:x3 ex:p ex:missing-dot
ex:x4 ex:p "never reached" .
"""


def select(store: Store, sparql: str) -> list[dict[str, str]]:
    result = store.query(sparql)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def titles(store: Store, graph: str) -> set[str]:
    rows = select(
        store, f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?s <http://purl.org/dc/terms/title> ?t }} }}"
    )
    return {r["t"] for r in rows}


def test_empty_store_has_no_graphs(store: Store) -> None:
    assert store.graphs() == []
    assert store.count() == 0


def test_load_bytes_into_named_graph_and_count(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    assert store.graphs() == [G1]
    assert store.count(G1) == 9
    assert store.count() == 9
    assert titles(store, G1) == {"first dataset", 'second "quoted" dataset', "café — unicode"}


def test_load_file_guesses_format(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "data.ttl"
    path.write_bytes(TTL)
    seen: list[int] = []
    store.load(path, graph=G1, progress=seen.append)
    assert store.count(G1) == 9
    assert sum(seen) == len(TTL)  # progress reports every byte read


def test_load_stream(store: Store) -> None:
    store.load(io.BytesIO(NT_OTHER), graph=G2, format=RdfFormat.N_TRIPLES)
    assert titles(store, G2) == {"a paper"}


def test_load_is_all_or_nothing(store: Store) -> None:
    store.load(NT_OTHER, graph=G1, format=RdfFormat.N_TRIPLES)
    with pytest.raises(RdfSyntaxError, match="line"):
        store.load(BROKEN_TTL, graph=G1, format=RdfFormat.TURTLE)
    assert titles(store, G1) == {"a paper"}
    assert store.count(G1) == 1


def test_quads_keep_their_graphs(store: Store) -> None:
    nq = (
        b'<http://example.org/a> <http://example.org/p> "in default" .\n'
        b'<http://example.org/a> <http://example.org/p> "in two" <http://example.org/graph/two> .\n'
    )
    store.load(nq, graph=G1, format=RdfFormat.N_QUADS)
    assert store.graphs() == [G1, G2]
    assert store.count(G1) == 1 and store.count(G2) == 1


def test_union_default_graph(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    store.load(NT_OTHER, graph=G2, format=RdfFormat.N_TRIPLES)
    rows = select(store, "SELECT ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t }")
    assert {r["t"] for r in rows} == {
        "first dataset",
        'second "quoted" dataset',
        "café — unicode",
        "a paper",
    }


def test_select_aggregates_and_types(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    rows = select(store, f"SELECT (SUM(?n) AS ?total) WHERE {{ ?d <{EX}size> ?n }}")
    assert int(rows[0]["total"]) == 60


def test_ask(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    yes = store.query(f"ASK {{ <{EX}d1> ?p ?o }}")
    no = store.query(f"ASK {{ <{EX}nothing> ?p ?o }}")
    assert isinstance(yes, QueryBoolean) and bool(yes) is True
    assert bool(no) is False


def test_construct_parses_back(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    result = store.query(
        "CONSTRUCT { ?d <http://schema.org/name> ?t } "
        "WHERE { ?d <http://purl.org/dc/terms/title> ?t }"
    )
    g = Graph().parse(data=serialize_result(result, RdfFormat.TURTLE), format="turtle")
    assert len(g) == 3
    assert (URIRef(EX + "d1"), URIRef("http://schema.org/name"), None) in g


def test_describe(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    result = store.query(f"DESCRIBE <{EX}d2>")
    triples = list(result)  # type: ignore[arg-type]
    assert {t.predicate.value for t in triples} >= {"http://purl.org/dc/terms/title", EX + "size"}
    assert all(t.subject == NamedNode(EX + "d2") for t in triples)


def test_select_results_serialise_to_standard_json(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    from pyoxigraph import QueryResultsFormat

    data = json.loads(
        serialize_result(
            store.query(f"SELECT ?d ?n WHERE {{ ?d <{EX}size> ?n }} ORDER BY ?n"),
            QueryResultsFormat.JSON,
        )
    )
    assert data["head"]["vars"] == ["d", "n"]
    assert [b["d"]["value"] for b in data["results"]["bindings"]] == [
        EX + "d1",
        EX + "d2",
        EX + "d3",
    ]


def test_update_insert_delete(store: Store) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> "one", "two" }} }}')
    assert store.count(G1) == 2
    store.update(f'DELETE DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> "one" }} }}')
    assert select(store, f"SELECT ?o WHERE {{ <{EX}a> <{EX}p> ?o }}") == [{"o": "two"}]


def test_malformed_query_and_update(store: Store) -> None:
    with pytest.raises(QuerySyntaxError):
        store.query("SELEC ?x WHERE { ?x ?y }")
    with pytest.raises(QuerySyntaxError):
        store.update("INSERT DATA { <a> ")


def test_drop_graph(store: Store) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    store.load(NT_OTHER, graph=G2, format=RdfFormat.N_TRIPLES)
    store.drop_graph(G1)
    store.drop_graph(EX + "never/existed")  # silent
    assert store.graphs() == [G2]
    assert store.count() == 1


def test_bulk_load(store: Store, tmp_path: Path) -> None:
    lines = [f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(5000)]
    path = tmp_path / "big.nt"
    path.write_text("".join(lines))
    store.bulk_load(path, graph=G1)
    assert store.count(G1) == 5000


def test_replace_graph_replaces(store: Store, tmp_path: Path) -> None:
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    store.load(NT_OTHER, graph=G2, format=RdfFormat.N_TRIPLES)
    store.replace_graph(NT_OTHER, graph=G1, format=RdfFormat.N_TRIPLES)
    assert titles(store, G1) == {"a paper"}
    assert store.count(G2) == 1  # other graphs untouched
    assert store.graphs() == [G1, G2]  # no staging graph left behind


def test_replace_that_fails_halfway_leaves_old_graph(store: Store, tmp_path: Path) -> None:
    """Atomic replace: the new content is half loaded when the input breaks."""
    store.load(TTL, graph=G1, format=RdfFormat.TURTLE)
    before = sorted(
        select(store, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"), key=str
    )
    good = tmp_path / "part1.nt"
    good.write_text("".join(f'<{EX}new{i}> <{EX}p> "{i}" .\n' for i in range(1000)))
    bad = tmp_path / "part2.ttl"
    bad.write_bytes(BROKEN_TTL)
    with pytest.raises(RdfSyntaxError, match=r"part2\.ttl"):
        store.replace_graph([good, bad], graph=G1)
    after = sorted(
        select(store, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"), key=str
    )
    assert after == before
    assert store.graphs() == [G1]
    assert not select(store, f'SELECT ?s WHERE {{ ?s <{EX}p> "5" }}')


def test_staging_that_raises_leaves_old_graph(store: Store) -> None:
    store.load(NT_OTHER, graph=G1, format=RdfFormat.N_TRIPLES)
    with pytest.raises(RuntimeError, match="harvest died"), store.staging(G1) as stage:
        store.load(TTL, graph=stage, format=RdfFormat.TURTLE)
        assert store.graphs() == [G1]  # staging graphs are not listed
        raise RuntimeError("harvest died")
    assert titles(store, G1) == {"a paper"}
    assert store.graphs() == [G1]


def test_staging_swaps_on_success(store: Store) -> None:
    store.load(NT_OTHER, graph=G1, format=RdfFormat.N_TRIPLES)
    with store.staging(G1) as stage:
        store.load(TTL, graph=stage, format=RdfFormat.TURTLE)
        store.update(f"INSERT DATA {{ GRAPH <{stage}> {{ <{EX}d4> <{EX}size> 40 }} }}")
    assert store.count(G1) == 10
    assert "a paper" not in titles(store, G1)


def test_graph_iris_with_unusual_characters(store: Store) -> None:
    g = "https://w3id.org/pan-commons/graph/source/esrf-icat.v2_test"
    store.load(NT_OTHER, graph=g, format=RdfFormat.N_TRIPLES)
    assert store.graphs() == [g]
    rows = select(store, f"SELECT ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    assert rows == [{"o": "a paper"}]


def test_literal_round_trip(store: Store) -> None:
    value = 'multi\nline "quoted" \\ backslash ✓'
    nt = f"<{EX}s> <{EX}p> {Literal(value)} .\n".encode()
    store.load(nt, graph=G1, format=RdfFormat.N_TRIPLES)
    assert select(store, f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }}") == [{"o": value}]


def test_unknown_extension_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "data.xyz"
    path.write_bytes(NT_OTHER)
    with pytest.raises(RdfSyntaxError, match="extension"):
        store.load(path, graph=G1)


def test_missing_file_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(RdfSyntaxError, match="cannot read"):
        store.load(tmp_path / "missing.ttl", graph=G1)


def test_unreachable_remote_store_is_a_store_error() -> None:
    from pancommons.store.remote import RemoteStore
    from tests.servers import free_port

    remote = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(StoreError, match="did not answer"):
        remote.query("ASK {}")


def test_embedded_staging_is_hidden_from_the_union_while_it_fills(tmp_path: Path) -> None:
    from pancommons.store.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "s")
    ask = 'ASK { ?s <http://purl.org/dc/terms/title> "first dataset"@en }'
    with store.staging(G1) as stage:
        store.load(TTL, graph=stage, format=RdfFormat.TURTLE)
        assert bool(store.query(ask)) is False
    assert bool(store.query(ask)) is True
    store.close()


def test_embedded_drops_staging_left_by_a_dead_process(tmp_path: Path) -> None:
    """A harvest killed mid-load leaves a staging graph; the next writer removes it."""
    import pyoxigraph

    from pancommons.store.base import STAGING_MARKER
    from pancommons.store.embedded import EmbeddedStore

    raw = pyoxigraph.Store(str(tmp_path / "s"))
    stale = pyoxigraph.NamedNode(G1 + STAGING_MARKER + "dead")
    raw.add(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(EX + "a"), pyoxigraph.NamedNode(EX + "p"), Literal("x"), stale
        )
    )
    raw.flush()
    del raw
    store = EmbeddedStore(tmp_path / "s")
    assert list(store._store.named_graphs()) == []
    assert store.count() == 0
    store.close()


def test_embedded_replace_into_an_empty_graph_fails_cleanly(tmp_path: Path) -> None:
    """The in-place bulk load into a new graph: a broken input leaves no graph behind."""
    from pancommons.store.embedded import EmbeddedStore

    good = tmp_path / "good.nt"
    good.write_text("".join(f'<{EX}n{i}> <{EX}p> "{i}" .\n' for i in range(100)))
    bad = tmp_path / "bad.ttl"
    bad.write_bytes(BROKEN_TTL)
    with EmbeddedStore(tmp_path / "s") as store:
        with pytest.raises(RdfSyntaxError):
            store.replace_graph([good, bad], graph=G1)
        assert store.count(G1) == 0 and store.graphs() == []
        store.replace_graph(good, graph=G1)
        assert store.count(G1) == 100


def test_embedded_rolls_back_a_load_interrupted_by_death(tmp_path: Path) -> None:
    """A process killed while bulk-loading a new graph leaves a journal entry; the next writer
    empties the half-loaded graph again."""
    import pyoxigraph

    from pancommons.store.embedded import _JOURNAL, _JOURNAL_LOADING, EmbeddedStore

    raw = pyoxigraph.Store(str(tmp_path / "s"))
    g = pyoxigraph.NamedNode(G1)
    raw.add(pyoxigraph.Quad(g, _JOURNAL_LOADING, Literal("123"), _JOURNAL))
    raw.add(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(EX + "a"), pyoxigraph.NamedNode(EX + "p"), Literal("half"), g
        )
    )
    raw.add(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(EX + "b"),
            pyoxigraph.NamedNode(EX + "p"),
            Literal("kept"),
            pyoxigraph.NamedNode(G2),
        )
    )
    raw.flush()
    del raw
    with EmbeddedStore(tmp_path / "s") as store:
        assert store.graphs() == [G2]
        assert store.count() == 1


def test_embedded_replace_writes_only_the_difference(tmp_path: Path) -> None:
    from pancommons.store.embedded import EmbeddedStore

    v1 = tmp_path / "v1.nt"
    v1.write_text("".join(f'<{EX}n{i}> <{EX}p> "{i}" .\n' for i in range(1000)))
    v2 = tmp_path / "v2.nt"
    v2.write_text(
        "".join(f'<{EX}n{i}> <{EX}p> "{i if i != 7 else "seven"}" .\n' for i in range(1, 1001))
    )
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graph(v1, graph=G1)
        updates: list[str] = []
        real = store.update
        store.update = lambda q: (updates.append(q), real(q))[1]  # type: ignore[method-assign]
        store.replace_graph(v2, graph=G1)
        values = {r["o"] for r in select(store, f"SELECT ?o {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")}
    assert values == {str(i) for i in range(1, 1001) if i != 7} | {"seven"}
    assert len(updates) == 1
    # removed: n0 and the old n7; added: n1000 and the new n7 — nothing else is rewritten
    assert updates[0].count(" .\n") == 4


def test_embedded_replace_with_blank_nodes_takes_the_staging_path(tmp_path: Path) -> None:
    from pancommons.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graph(b'_:x <http://e/p> "1" .\n', graph=G1, format=RdfFormat.N_TRIPLES)
        store.replace_graph(b'_:y <http://e/p> "2" .\n', graph=G1, format=RdfFormat.N_TRIPLES)
        assert [r["o"] for r in select(store, f"SELECT ?o {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")] == [
            "2"
        ]


def test_merge_subjects_replaces_marked_descriptions(store: Store) -> None:
    from pancommons.store.base import REPLACES

    store.load(
        f'<{EX}a> <{EX}p> "old a" .\n<{EX}b> <{EX}p> "old b" .\n<{EX}c> <{EX}q> <{EX}a> .\n'.encode(),
        graph=G1,
        format=RdfFormat.N_TRIPLES,
    )
    increment = (
        f'<{EX}a> <{EX}p> "new a" .\n<{EX}a> <{REPLACES}> <urn:x-pancommons:all> .\n'
        f'<{EX}b> <{EX}r> "added to b" .\n'
    ).encode()
    assert store.merge_subjects(increment, graph=G1, format=RdfFormat.N_TRIPLES) == 1
    rows = select(store, f"SELECT ?s ?o {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    got = {(r["s"].rsplit("/", 1)[-1], r["o"].rsplit("/", 1)[-1]) for r in rows}
    assert got == {("a", "new a"), ("b", "old b"), ("b", "added to b"), ("c", "a")}
    assert not select(store, f"SELECT ?s {{ ?s <{REPLACES}> ?o }}")


def test_embedded_replace_from_a_stream_with_blank_nodes_loads_everything(tmp_path: Path) -> None:
    """Regression: the difference path read the stream, met a blank node and fell back to
    staging, which then read the rest of an exhausted stream."""
    import io

    from pancommons.store.embedded import EmbeddedStore

    data = (
        "".join(f'<{EX}n{i}> <{EX}p> "{i}" .\n' for i in range(1000)) + '_:b <http://e/p> "x" .\n'
    )
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graph(
            b'<http://e/a> <http://e/p> "old" .\n', graph=G1, format=RdfFormat.N_TRIPLES
        )
        store.replace_graph(io.BytesIO(data.encode()), graph=G1, format=RdfFormat.N_TRIPLES)
        assert store.count(G1) == 1001


def test_embedded_replace_with_quads_keeps_their_graphs(tmp_path: Path) -> None:
    """Regression: the difference path put quads of other graphs into the target."""
    from pancommons.store.embedded import EmbeddedStore

    nq = f'<{EX}a> <{EX}p> "in g1" .\n<{EX}b> <{EX}p> "in g2" <{G2}> .\n'.encode()
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graph(
            b'<http://e/a> <http://e/p> "old" .\n', graph=G1, format=RdfFormat.N_TRIPLES
        )
        store.replace_graph(nq, graph=G1, format=RdfFormat.N_QUADS)
        assert titles_in(store, G2) == {"in g2"} and "in g2" not in titles_in(store, G1)


def test_embedded_replace_of_unchanged_numbers_writes_nothing(tmp_path: Path) -> None:
    """Canonical forms: "1.0"^^xsd:double is stored as "1"; re-loading it is no change."""
    from pancommons.store.embedded import EmbeddedStore

    data = f'<{EX}a> <{EX}p> "1.0"^^<http://www.w3.org/2001/XMLSchema#double> .\n'.encode()
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graph(data, graph=G1, format=RdfFormat.N_TRIPLES)
        updates: list[str] = []
        real = store.update
        store.update = lambda q: (updates.append(q), real(q))[1]  # type: ignore[method-assign]
        store.replace_graph(data, graph=G1, format=RdfFormat.N_TRIPLES)
    assert updates == []


def titles_in(store: Store, graph: str) -> set[str]:
    return {r["o"] for r in select(store, f"SELECT ?o {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")}


def test_streaming_load_commit_and_abort(tmp_path: Path) -> None:
    from pancommons.store.embedded import EmbeddedStore

    lines = [f'<{EX}n{i}> <{EX}p> "{i}" .\n'.encode() for i in range(5000)]
    with EmbeddedStore(tmp_path / "s") as store:
        loader = store.open_loader(G1)
        assert loader is not None
        for line in lines[:2500]:
            loader.write(line)
        ask = f'ASK {{ <{EX}n1> <{EX}p> "1" }}'
        assert bool(store.query(ask)) is False, "hidden while it fills"
        for line in lines[2500:]:
            loader.write(line)
        loader.commit()
        assert store.count(G1) == 5000 and bool(store.query(ask)) is True
        assert store.open_loader(G1) is None, "only for an empty graph"

        broken = store.open_loader(G2)
        assert broken is not None
        broken.write(lines[0] + b"<not an iri .\n")
        with pytest.raises(RdfSyntaxError):
            broken.commit()
        assert store.count(G2) == 0 and store.graphs() == [G1]

        dropped = store.open_loader(G2)
        assert dropped is not None
        dropped.write(lines[0])
        dropped.abort()
        assert store.graphs() == [G1]


def test_streaming_load_in_segments_on_several_loaders(tmp_path: Path) -> None:
    """Output cut into many segments (chunks not aligned to lines) loaded by parallel bulk
    loads: every triple arrives once, nothing shows before commit; a broken segment in the
    middle fails the load and leaves the graph empty."""
    from pancommons.store.embedded import EmbeddedStore
    from pancommons.store.streaming import StreamingLoad

    data = b"".join(f'<{EX}n{i}> <{EX}p> "{i}" .\n'.encode() for i in range(20000))
    with EmbeddedStore(tmp_path / "s") as store:
        loader = StreamingLoad(store, G1, workers=3, segment_bytes=4096)
        for start in range(0, len(data), 1000):  # 1000-byte chunks: lines cut in two
            loader.write(data[start : start + 1000])
        assert loader._futures, "segments were handed to the loaders while writing"
        assert bool(store.query(f'ASK {{ <{EX}n1> <{EX}p> "1" }}')) is False
        loader.commit()
        assert store.count(G1) == 20000
        got = {int(r["o"]) for r in select(store, f"SELECT ?o {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")}
        assert got == set(range(20000))

        trusted = store.open_loader(G3, trusted=True)  # lenient parsing: the same graph
        assert trusted is not None
        trusted.write(data)
        trusted.commit()
        assert titles_in(store, G3) == titles_in(store, G1)
        store.drop_graph(G3)

        broken = StreamingLoad(store, G2, workers=2, segment_bytes=4096)
        broken.write(data[:50000] + b"<not an iri .\n" + data[50000:100000])
        with pytest.raises(RdfSyntaxError):
            for start in range(100000, len(data), 1000):
                broken.write(data[start : start + 1000])
            broken.commit()
        broken.abort()
        assert store.count(G2) == 0 and store.graphs() == [G1]


@pytest.fixture
def segments(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first line of each segment the segment loader bulk-loads."""
    from pancommons.store import streaming

    seen: list[int] = []
    real = streaming.StreamingLoad._load

    def counting(self, segment: bytes, first: int) -> None:  # type: ignore[no-untyped-def]
        seen.append(first)
        real(self, segment, first)

    monkeypatch.setattr(streaming.StreamingLoad, "_load", counting)
    return seen


def _three_segments() -> tuple[bytes, int]:
    """N-Triples that fill a bit more than two segments, and their number of lines."""
    from pancommons.store.streaming import SEGMENT_BYTES

    line = '<{ex}n{i}> <{ex}p> "a value long enough to fill segments quickly {i}" .\n'
    n = 1 + 2 * SEGMENT_BYTES // len(line.format(ex=EX, i=0))
    return "".join(line.format(ex=EX, i=i) for i in range(n)).encode(), n


def test_an_ntriples_file_loaded_into_a_new_graph_is_streamed_in_segments(
    tmp_path: Path, segments: list[int]
) -> None:
    """``replace_graph`` of one N-Triples file into an empty graph (``pancommons load``, the
    harvest of a re-built graph) goes through the segment loader: everything arrives, an error
    names the file and its line, and leaves no graph."""
    from pancommons.store.embedded import EmbeddedStore

    data, n = _three_segments()
    path = tmp_path / "big.nt"
    path.write_bytes(data)
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graph(path, graph=G1)
        assert store.count(G1) == n
        assert len(segments) >= 3 and segments[0] == 0 and segments == sorted(segments)

        broken = tmp_path / "broken.nt"
        lines = path.read_text().splitlines(keepends=True)
        lines[n - 10] = "<not an iri .\n"
        broken.write_text("".join(lines))
        with pytest.raises(RdfSyntaxError, match=rf"broken\.nt: .*line {n - 9}\b"):
            store.replace_graph(broken, graph=G2)
        assert store.count(G2) == 0 and store.graphs() == [G1]
        store.replace_graph(io.BytesIO(path.read_bytes()), graph=G2, format=RdfFormat.N_TRIPLES)
        assert store.count(G2) == n


def test_bulk_load_of_ntriples_adds_in_segments_to_a_graph_that_has_data(
    tmp_path: Path, segments: list[int]
) -> None:
    """``bulk_load`` of N-Triples (the OAI-PMH ledger's new entries, ``pancommons load``'s
    parts) goes through the segment loader without hiding the graph: what the graph held
    stays, the new triples are added, and an error names the line of the whole input."""
    from pancommons.store.embedded import EmbeddedStore

    data, n = _three_segments()
    with EmbeddedStore(tmp_path / "s") as store:
        store.load(f'<{EX}old> <{EX}p> "kept" .\n'.encode(), graph=G1, format=RdfFormat.N_TRIPLES)
        store.bulk_load(data, graph=G1, format=RdfFormat.N_TRIPLES)
        assert store.count(G1) == n + 1 and len(segments) >= 3
        assert bool(store.query(f'ASK {{ GRAPH <{G1}> {{ <{EX}old> <{EX}p> "kept" }} }}'))
        path = tmp_path / "broken.nt"
        path.write_bytes(data.replace(b"<" + EX.encode() + b"n7>", b"<not an iri", 1))
        with pytest.raises(RdfSyntaxError, match=r"broken\.nt: .*line 8\b"):
            store.bulk_load(path, graph=G2)


def test_streaming_load_keeps_blank_nodes_together(tmp_path: Path) -> None:
    """Separate bulk loads would make two nodes of one ``_:b`` label: from the first segment
    with a blank node on, the rest is loaded in one piece."""
    from pancommons.store.embedded import EmbeddedStore
    from pancommons.store.streaming import StreamingLoad

    plain = b"".join(f'<{EX}n{i}> <{EX}p> "{i}" .\n'.encode() for i in range(2000))
    blanks = b"".join(f'_:b <{EX}p> "b{i}" .\n'.encode() for i in range(2000))
    with EmbeddedStore(tmp_path / "s") as store:
        loader = StreamingLoad(store, G1, workers=2, segment_bytes=4096)
        for start in range(0, len(plain), 1000):
            loader.write(plain[start : start + 1000])
        for start in range(0, len(blanks), 1000):
            loader.write(blanks[start : start + 1000])
        loader.commit()
        query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ GRAPH <{G1}> {{ ?s ?p ?o FILTER isBlank(?s) }} }}"
        assert [int(r["n"]) for r in select(store, query)] == [1]
        assert store.count(G1) == 4000
