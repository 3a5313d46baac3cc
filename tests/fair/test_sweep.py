"""The whole-graph sweep (fair/sweep.py): the same violations as pyshacl, whichever way each
query is answered (violations listed, or the nodes that pass listed and the rest taken)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat
from rdflib import Graph

import pancommons.fair.sweep as sweep_module
from pancommons.fair.engine import (
    Result,
    assess_fast,
    assess_reference,
    find_violations,
    focus_nodes,
)
from pancommons.fair.shapes import load_shapes, parse_shapes
from pancommons.fair.sweep import Violations
from pancommons.fair.synthetic import records
from pancommons.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
GRAPH = "https://data.example.org/graph/test"
PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _rdflib(nt: str) -> Graph:
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    g = Graph()
    g.parse(data=nt, format="nt")
    return g


def _store(nt: str) -> EmbeddedStore:
    store = EmbeddedStore(None)
    store.load(nt.encode(), graph=GRAPH, format=RdfFormat.N_TRIPLES)
    return store


def _same_as_pyshacl(nt: str, shapes_ttl: str, threads: int = 1) -> set[Result]:
    """The sweep's violations of the shapes (Turtle, after ``PREFIXES``) on the N-Triples
    ``nt``, asserted equal to pyshacl's."""
    shapes = parse_shapes(Graph().parse(data=PREFIXES + shapes_ttl, format="turtle"))
    found = {Result(*v) for v in find_violations(_store(nt), shapes, threads=threads)}
    assert found == assess_reference(_rdflib(nt), shapes)
    return found


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SPARQL the embedded store was asked."""
    seen: list[str] = []
    real = EmbeddedStore.query

    def spy(self: EmbeddedStore, sparql: str, *args: object, **kw: object) -> object:
        seen.append(sparql)
        return real(self, sparql, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(EmbeddedStore, "query", spy)
    return seen


def test_real_shapes_equal_pyshacl() -> None:
    nt = "\n".join(records(300, 13)) + "\n"
    shapes = load_shapes(ROOT / "shapes")
    store = _store(nt)
    found = find_violations(store, shapes, threads=2)
    assert isinstance(found, Violations)
    ref = assess_reference(_rdflib(nt), shapes)
    assert {Result(*v) for v in found} == ref
    assert len(found) == len(ref) > 300
    datasets = set().union(*focus_nodes(store, shapes).values())
    assert assess_fast(store, shapes, focus=datasets) == ref


def test_both_ways_of_answering_a_missing_value(queries: list[str]) -> None:
    """ex:a is missing on 9 of 10 datasets (listed: the one that has it), ex:b on 1 of 10
    (listed: the violation); a distribution with ex:a is not a dataset and must not count.
    ex:c is missing on 9 of 10 datasets but common on 12 other nodes: listed, the violations."""
    lines = [
        '<https://example.org/dist> <https://example.org/a> "x" .',
        "<https://example.org/dist> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://example.org/Distribution> .",
    ]
    for i in range(10):
        d = f"<https://example.org/d{i}>"
        lines.append(
            f"{d} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/D> ."
        )
        if i == 0:
            lines.append(f'{d} <https://example.org/a> "value" .')
        if i != 3:
            lines.append(f'{d} <https://example.org/b> "value" .')
        if i == 5:
            lines.append(f'{d} <https://example.org/c> "value" .')
    lines += [f'<https://example.org/other{i}> <https://example.org/c> "x" .' for i in range(12)]
    nt = "\n".join(lines) + "\n"
    found = _same_as_pyshacl(
        nt,
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ;
             sh:property ex:A, ex:B, ex:C .
           ex:A sh:path ex:a ; sh:minCount 1 .
           ex:B sh:path ex:b ; sh:minCount 1 .
           ex:C sh:path ex:c ; sh:minCount 1 .""",
    )
    assert {r.focus for r in found if r.shape.endswith("A")} == {
        f"https://example.org/d{i}" for i in range(1, 10)
    }
    assert {r.focus for r in found if r.shape.endswith("B")} == {"https://example.org/d3"}
    # ex:a: the nodes with a value were listed (no MINUS); ex:b: the violations (MINUS).
    listed = [q for q in queries if "COUNT" not in q]
    a = [q for q in listed if "<https://example.org/a>" in q]
    b = [q for q in listed if "<https://example.org/b>" in q]
    c = [q for q in listed if "<https://example.org/c>" in q]
    assert a and all("MINUS" not in q for q in a)
    assert b and all("MINUS" in q for q in b)
    assert c and all("MINUS" in q for q in c)
    assert {r.focus for r in found if r.shape.endswith("C")} == {
        f"https://example.org/d{i}" for i in range(10) if i != 5
    }


def test_value_checks_keep_only_focus_nodes(queries: list[str]) -> None:
    """Value checks run backward from the values without the focus pattern: a bad value on a
    node that is not of the target class is dropped, as pyshacl never looks at it."""
    nt = (
        "<https://example.org/d1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/D> .\n"
        "<https://example.org/d1> <https://example.org/p> <https://example.org/x> .\n"
        "<https://example.org/d1> <https://example.org/q> <https://example.org/n1> .\n"
        '<https://example.org/n1> <https://example.org/r> "bad" .\n'
        "<https://example.org/other> <https://example.org/p> <https://example.org/y> .\n"
        "<https://example.org/other> <https://example.org/q> <https://example.org/n2> .\n"
        '<https://example.org/n2> <https://example.org/r> "bad" .\n'
    )
    found = _same_as_pyshacl(
        nt,
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:P, ex:R .
           ex:P sh:path ex:p ; sh:pattern "^https://example.org/z" .
           ex:R sh:path ( ex:q ex:r ) ; sh:nodeKind sh:IRI .""",
    )
    assert {r.focus for r in found} == {"https://example.org/d1"}
    assert {r.shape.rsplit("/", 1)[1] for r in found} == {"P", "R"}
    # Backward, unjoined: the last step first, no type pattern.
    seq = [q for q in queries if "<https://example.org/r>" in q and "<https://example.org/q>" in q]
    assert seq and all(
        q.index("<https://example.org/r>") < q.index("<https://example.org/q>") for q in seq
    )
    assert all("rdf-syntax-ns#type" not in q for q in seq)


def test_values_of_a_path_are_checked_before_they_are_joined_to_their_focus(
    queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check of the values of ``( ex:q ex:r )`` filters the ex:r values first and joins only
    the failing ones back to their dataset, with pyshacl's results: bad values reached from a
    dataset, from a node of another class, and shared by two datasets."""
    monkeypatch.setattr(sweep_module, "DISTINCT_VALUES", 0)
    ex = "https://example.org/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    lines = []
    for i in range(12):
        lines.append(f"<{ex}d{i}> {rdf_type} <{ex}D> .")
        lines.append(f"<{ex}d{i}> <{ex}q> <{ex}n{i}> .")
        lines.append(f"<{ex}d{i}> <{ex}q> <{ex}n{i % 3}> .")  # n0-n2 shared
        value = f'"bad {i}"' if i % 4 == 0 else f"<{ex}v{i}>"
        lines.append(f"<{ex}n{i}> <{ex}r> {value} .")
    lines.append(f"<{ex}other> <{ex}q> <{ex}n4> .")
    lines.append(f'<{ex}o1> <{ex}r> "bad too" .')
    lines.append(f"<{ex}other> <{ex}q> <{ex}o1> .")
    found = _same_as_pyshacl(
        "\n".join(lines) + "\n",
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:R .
           ex:R sh:path ( ex:q ex:r ) ; sh:nodeKind sh:IRI ; sh:pattern "^https://example.org/v" .""",
    )
    # n0 (shared by d0, d3, d6, d9), n4 and n8 hold literals.
    assert {r.focus.rsplit("/", 1)[1] for r in found} == {"d0", "d3", "d4", "d6", "d8", "d9"}
    flagged = [q for q in queries if " AS ?k0" in q and q.startswith("SELECT ?focus")]
    assert len(flagged) == 1
    assert flagged[0].index("FILTER(") < flagged[0].index(f"<{ex}q>")


def test_checks_of_the_same_values_share_one_query(
    queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two shapes checking the values of ex:p (a node kind, two patterns, one of which raises
    an error on a blank node) are one query with a flag per check, with pyshacl's results
    (however few the distinct values: the limit is 0 here)."""
    monkeypatch.setattr(sweep_module, "DISTINCT_VALUES", 0)
    nt = "".join(
        f"<https://example.org/d{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        f"<https://example.org/D> .\n<https://example.org/d{i}> <https://example.org/p> {o} .\n"
        for i, o in enumerate(
            ['"lit"', "<https://example.org/a>", "<http://other.org/b>", "_:b1", '"https://x"']
        )
    )
    found = _same_as_pyshacl(
        nt,
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:K, ex:P .
           ex:K sh:path ex:p ; sh:nodeKind sh:IRI .
           ex:P sh:path ex:p ; sh:pattern "^https://example.org/" ; sh:minLength 3 .""",
    )
    kinds = {(r.focus[-2:], r.shape[-1], r.component.split("#")[1][:-19]) for r in found}
    assert ("d0", "K", "NodeKind") in kinds and ("d1", "K", "NodeKind") not in kinds
    assert ("d2", "P", "Pattern") in kinds and ("d1", "P", "Pattern") not in kinds
    assert ("d3", "P", "MinLength") in kinds  # a blank node has no length: violates
    values = [q for q in queries if "<https://example.org/p>" in q and q.startswith("SELECT ?f")]
    assert len(values) == 1 and values[0].count(" AS ?k") == 3


def test_violations_share_sets_between_shapes() -> None:
    v = Violations()
    foci = frozenset({"a", "b"})
    v.add("s1", "c", foci)
    v.add("s2", "c", foci)
    v.add("s1", "c", frozenset({"c"}))
    assert len(v) == 5
    assert sorted(v) == [
        ("a", "s1", "c"),
        ("a", "s2", "c"),
        ("b", "s1", "c"),
        ("b", "s2", "c"),
        ("c", "s1", "c"),
    ]
    assert v.checks[("s2", "c")] is foci


def test_restricted_runs_flag_every_shape_in_one_query_per_chunk(
    queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some focus nodes (an incremental run): one query per target class and chunk of nodes,
    a flag per (shape, component), with the whole-graph results for those nodes."""
    import pancommons.fair.engine as engine

    nt = "\n".join(records(120, 17)) + "\n"
    shapes = load_shapes(ROOT / "shapes")
    store = _store(nt)
    everything = assess_fast(store, shapes)
    datasets = sorted(set().union(*focus_nodes(store, shapes).values()))
    some = set(datasets[::3])
    monkeypatch.setattr(engine, "FOCUS_CHUNK", 7)
    queries.clear()
    part = assess_fast(store, shapes, focus=some, threads=2)
    assert part == {r for r in everything if r.focus in some} and part
    selects = [q for q in queries if "VALUES ?focus" in q]
    assert len(selects) == -(-len(some) // 7)  # one target class, ceil(n / 7) chunks
    flags = sum(len(q.flags) for q in engine.compiled(shapes))
    assert all(f"?k{flags - 1} " in q and f"?k{flags} " not in q for q in selects)


@pytest.mark.parametrize("limit", [0, 1000])
def test_checks_on_few_distinct_values(
    limit: int, queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checks on few distinct values judge each value once: a check no value fails, one every
    value fails (the answer: every dataset with a value, from the missing-value query or, with
    no minimum count, listed), one a few values fail (listed by VALUES), one a blank node fails
    (not writable in VALUES: the flagged listing). With the limit at 0, every check takes the
    flagged listing. Both equal pyshacl."""
    monkeypatch.setattr(sweep_module, "DISTINCT_VALUES", limit)
    ex = "https://example.org/"
    values = ['"a"', '"b"', "<https://example.org/ok>", '"a"', '"c"@en']
    lines = []
    for i, v in enumerate(values * 3):
        d = f"<{ex}d{i}>"
        lines.append(f"{d} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ex}D> .")
        if i % 5:
            lines.append(f"{d} <{ex}p> {v} .")
            lines.append(f"{d} <{ex}n> {v} .")
            lines.append(f"{d} <{ex}b> {'_:blank' if i % 2 else v} .")
    lines.append(f'<{ex}other> <{ex}p> "zzz" .')
    nt = "\n".join(lines) + "\n"
    ref = _same_as_pyshacl(
        nt,
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ;
             sh:property ex:None, ex:All, ex:Some, ex:Blank, ex:AllNoMin .
           ex:None sh:path ex:p ; sh:minCount 1 ; sh:nodeKind sh:IRIOrLiteral .
           ex:All sh:path ex:p ; sh:pattern "^$" .
           ex:Some sh:path ex:p ; sh:in ( "a" <https://example.org/ok> "zzz" ) .
           ex:Blank sh:path ex:b ; sh:nodeKind sh:IRIOrLiteral .
           ex:AllNoMin sh:path ex:n ; sh:pattern "^$" .""",
        threads=2,
    )
    names = ("None", "All", "Some", "Blank", "AllNoMin")
    by_shape = {n: {r.focus for r in ref if r.shape == f"{ex}{n}"} for n in names}
    with_value = {f"{ex}d{i}" for i in range(len(values) * 3) if i % 5}
    assert by_shape["None"] == {f"{ex}d{i}" for i in range(len(values) * 3) if not i % 5}
    assert by_shape["All"] == by_shape["AllNoMin"] == with_value
    assert by_shape["Some"] and by_shape["Some"] < with_value
    assert by_shape["Blank"] and by_shape["Blank"] < with_value
    picked = [q for q in queries if q.startswith("SELECT ?focus WHERE { VALUES ?v")]
    assert bool(picked) == (limit > 0)


@pytest.mark.parametrize("sample", [1, 1000])
def test_a_check_failing_every_one_of_many_values_lists_nothing(
    sample: int, queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many distinct values (the limit at 0): a check that fails every value (here a pattern
    no value matches) is answered by a sample and an ASK, without listing its rows; a check
    some values pass (tried on one value, or on all of them) is listed. Both equal pyshacl."""
    monkeypatch.setattr(sweep_module, "DISTINCT_VALUES", 0)
    monkeypatch.setattr(sweep_module, "SAMPLE", sample)
    ex = "https://example.org/"
    lines = []
    for i in range(40):
        d = f"<{ex}d{i}>"
        lines.append(f"{d} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ex}D> .")
        if i % 4:
            lines.append(f'{d} <{ex}p> "{"a" if i % 3 else "b"}{i}" .')
    nt = "\n".join(lines) + "\n"
    ref = _same_as_pyshacl(
        nt,
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:All, ex:Mixed .
           ex:All sh:path ex:p ; sh:minCount 1 ; sh:pattern "^$" .
           ex:Mixed sh:path ex:p ; sh:pattern "^a" .""",
        threads=2,
    )
    with_value = {f"{ex}d{i}" for i in range(40) if i % 4}
    assert {r.focus for r in ref if r.shape == f"{ex}All" and "Pattern" in r.component} == (
        with_value
    )
    assert any(q.startswith("ASK") for q in queries)
    listed = [q for q in queries if q.startswith("SELECT ?focus ?k0")]
    assert len(listed) == 1 and listed[0].count(" AS ?k") == 1 and '"^a"' in listed[0]


@pytest.mark.parametrize("typed", [0, 3])
def test_a_class_check_no_value_passes_lists_nothing(typed: int, queries: list[str]) -> None:
    """``sh:class``: when no value is an instance of the class (an ASK says so), every dataset
    with a value violates and the class check lists nothing; with some typed values it lists
    the others. Both equal pyshacl, with and without a minimum count on the same path. An
    instance that is no value (``lonely``) does not count as a value that is one."""
    ex = "https://example.org/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    lines = [f"<{ex}lonely> {rdf_type} <{ex}E> ."]
    for i in range(20):
        d = f"<{ex}d{i}>"
        lines.append(f"{d} {rdf_type} <{ex}D> .")
        if i % 5:
            lines.append(f"{d} <{ex}p> <{ex}e{i}> .")
            lines.append(f"{d} <{ex}q> <{ex}e{i}> .")
            if i < typed * 2:
                lines.append(f"<{ex}e{i}> {rdf_type} <{ex}E> .")
    nt = "\n".join(lines) + "\n"
    ref = _same_as_pyshacl(
        nt,
        """ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:C, ex:CNoMin .
           ex:C sh:path ex:p ; sh:minCount 1 ; sh:class ex:E .
           ex:CNoMin sh:path ex:q ; sh:class ex:E .""",
        threads=2,
    )
    classed = {r.focus for r in ref if r.shape == f"{ex}C" and "Class" in r.component}
    with_value = {f"{ex}d{i}" for i in range(20) if i % 5}
    assert classed == ({d for d in with_value if int(d.rsplit("d", 1)[1]) >= typed * 2})
    listed = [q for q in queries if q.startswith("SELECT ?focus") and "MINUS { ?v" in q]
    assert len(listed) == (2 if typed else 0)
    assert sum(q.startswith("ASK") for q in queries) == 2
