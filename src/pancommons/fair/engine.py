"""Run the shapes: the fast path (compiled SPARQL inside the store) and the reference (pyshacl).

Both return a set of ``Result(focus, shape, component)``: the ``sh:focusNode``,
``sh:sourceShape`` and ``sh:sourceConstraintComponent`` of each validation result. pyshacl gives
one result per value node for value constraints; as a set, that multiplicity disappears, which
is all scoring needs (a focus node with no result for a shape passed it).

Focus nodes are identified by IRI; a blank-node focus node (the shapes target classes of records,
which are IRIs) is written ``_:id`` and cannot be compared across engines.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from pyoxigraph import BlankNode, NamedNode
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from pancommons.fair.compile import (
    CompiledShape,
    compile_focus,
    compile_shapes,
    focus_pattern,
    restricted,
    target_classes,
)
from pancommons.fair.shapes import SH, Shapes
from pancommons.fair.sweep import TRUE, flagged_binds, sweep, tsv_name
from pancommons.store.base import Store
from pancommons.store.embedded import EmbeddedStore


class Result(NamedTuple):
    focus: str
    shape: str
    component: str


def _name(node: object) -> str:
    if isinstance(node, NamedNode | URIRef):
        return str(node.value if isinstance(node, NamedNode) else node)
    if isinstance(node, BlankNode):
        return f"_:{node.value}"
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


_COMPILED: dict[int, tuple[Shapes, list[CompiledShape]]] = {}


def compiled(shapes: Shapes) -> list[CompiledShape]:
    """The compiled queries of ``shapes`` (cached per Shapes object)."""
    hit = _COMPILED.get(id(shapes))
    if hit is None or hit[0] is not shapes:
        hit = (shapes, compile_shapes(shapes))
        _COMPILED[id(shapes)] = hit
    return hit[1]


def _classes(store: Store, shapes: Shapes) -> dict[str, tuple[str, ...]]:
    """Each target class with its subclasses in the data (one small query per class)."""
    out: dict[str, tuple[str, ...]] = {}
    for ns in shapes.node_shapes:
        if ns.target_class and ns.target_class not in out:
            rows = store.query(target_classes(ns.target_class))
            found = {_name(r["cls"]) for r in rows}  # type: ignore[union-attr]
            out[ns.target_class] = tuple(sorted(found | {ns.target_class}))
    return out


def _run(
    store: Store, q: CompiledShape, focus: set[str] | None, classes: tuple[str, ...]
) -> set[Result]:
    """One shape on a remote store: one query per constraint component (portable: Virtuoso 7
    fails on some UNIONs of sub-SELECTs and EXISTS)."""
    return {
        Result(_name(row["focus"]), q.shape, _name(row["c"]))
        for sparql in q.query(focus, split=True, classes=classes)
        for row in store.query(sparql)  # type: ignore[union-attr]
    }


FOCUS_CHUNK = 100
"""Focus nodes per query of a restricted run (the chunks run on the threads). A query's cost
grows faster than its number of nodes: 844 of 100k datasets took 1.13-1.36 s in chunks of
1000, 0.65 s in chunks of 250, 0.5-0.58 s in chunks of 100 or 50, 0.55-0.64 s in chunks of 25."""


def _flags_run_on(store: Store) -> bool:
    """Whether the one-query-per-class path of ``_some_focus`` gives the results of the
    portable path on ``store``: the embedded store, and a remote Oxigraph server (checked
    against the portable path on the demo catalogue: 582 identical violations, 5 ms a dataset
    instead of 60). Other servers get the portable path: Virtuoso 7 answers the flag queries
    differently (45 violations instead of 600 on the same graph)."""
    from pancommons.store.remote import RemoteStore

    if isinstance(store, EmbeddedStore):
        return True
    return isinstance(store, RemoteStore) and store.software.lower().startswith("oxigraph/")


def _some_focus(
    store: Store,
    queries: list[CompiledShape],
    classes: dict[str, tuple[str, ...]],
    focus: set[str],
    threads: int,
) -> set[Result]:
    """The violations of some focus nodes: per target class and chunk of nodes, one query
    binding a flag per (shape, component) (``CompiledShape.flags``), instead of a query per
    shape that parsed every node's IRI again and, through its focus pattern, read every
    instance of the class (measured: 844 of 100k datasets, 1.55 s → 0.86 s; an EXISTS costs
    about 10 µs per node in Oxigraph, at 100k as at 1M datasets)."""
    nodes = sorted(focus)
    jobs: list[tuple[list[tuple[str, str]], str]] = []
    for target in sorted({q.target_class for q in queries}):
        of_target = [
            (q.shape, c, e) for q in queries if q.target_class == target for c, e in q.flags
        ]
        if not of_target:
            continue
        checks = [(shape, comp) for shape, comp, _ in of_target]
        flags, binds = flagged_binds([e for _, _, e in of_target])
        pattern = focus_pattern(target, classes[target], joined=True)
        for i in range(0, len(nodes), FOCUS_CHUNK):
            values = restricted("", set(nodes[i : i + FOCUS_CHUNK]))
            sparql = (
                f"SELECT ?focus {' '.join(flags)} WHERE {{ {values} {pattern} {binds} "
                f"FILTER({' || '.join(flags)}) }}"
            )
            jobs.append((checks, sparql))

    def run(job: tuple[list[tuple[str, str]], str]) -> list[Result]:
        checks, sparql = job
        out = []
        for row in store.select_rows(sparql):
            name = tsv_name(row[0])
            for (shape, comp), cell in zip(checks, row[1:], strict=True):
                if cell in TRUE:
                    out.append(Result(name, shape, comp))
        return out

    results: set[Result] = set()
    with ThreadPoolExecutor(max(1, threads)) as pool:
        for part in pool.map(run, jobs):
            results.update(part)
    return results


def assess_fast(
    store: Store, shapes: Shapes, *, focus: set[str] | None = None, threads: int = 1
) -> set[Result]:
    """Every violation in ``store`` (union default graph), or only those of ``focus`` nodes.

    ``threads=2`` runs the queries on two threads (pyoxigraph releases the GIL).
    """
    if focus is not None and not focus:
        return set()
    queries = compiled(shapes)
    classes = _classes(store, shapes)
    if focus is None and isinstance(store, EmbeddedStore):
        return {Result(*v) for v in sweep(store, queries, classes, threads)}
    if focus is not None and _flags_run_on(store):
        return _some_focus(store, queries, classes, focus, threads)

    def run(q: CompiledShape) -> set[Result]:
        return _run(store, q, focus, classes[q.target_class])

    results: set[Result] = set()
    if threads <= 1:
        for q in queries:
            results |= run(q)
        return results
    with ThreadPoolExecutor(threads) as pool:
        for part in pool.map(run, queries):
            results |= part
    return results


def find_violations(
    store: Store, shapes: Shapes, *, focus: set[str] | None = None, threads: int = 1
) -> Collection[tuple[str, str, str]]:
    """``assess_fast`` as (focus, shape, component) tuples, compact for a whole embedded store
    (``sweep.Violations``: millions of violations share their strings and sets)."""
    if focus is None and isinstance(store, EmbeddedStore):
        return sweep(store, compiled(shapes), _classes(store, shapes), threads)
    return assess_fast(store, shapes, focus=focus, threads=threads)


def focus_nodes(
    store: Store, shapes: Shapes, *, focus: set[str] | None = None
) -> dict[str, frozenset[str]]:
    """The focus nodes of each node shape (a focus node with no result for a shape passed).
    Shapes with the same target class share one query and one set (the metric groups all
    target datasets: one query instead of five; 844 of 100k datasets, 0.13-0.2 s -> 0.015 s)."""
    out: dict[str, frozenset[str]] = {}
    classes = _classes(store, shapes)
    of_target: dict[str, frozenset[str]] = {}
    for ns in shapes.node_shapes:
        target = ns.target_class or ""
        if target not in of_target:
            q = compile_focus(ns, focus, classes.get(target))
            rows = store.query(q)
            of_target[target] = frozenset(_name(r["focus"]) for r in rows)  # type: ignore[union-attr]
        out[ns.iri] = of_target[target]
    return out


def assess_reference(data: Graph, shapes: Shapes) -> set[Result]:
    """pyshacl's results on an in-memory rdflib graph (copy a store's graph into one first:
    pyshacl over a store-backed graph is ~60x slower)."""
    import pyshacl

    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes.graph,
        inference="none",
        advanced=False,
        allow_warnings=True,
    )
    assert isinstance(report, Graph)
    return set(_results(report, report.objects(None, SH.result)))


def _results(report: Graph, nodes: Iterable[Node]) -> Iterable[Result]:
    for r in nodes:
        if (r, RDF.type, SH.ValidationResult) not in report:
            continue
        yield Result(
            _name(report.value(r, SH.focusNode)),
            _name(report.value(r, SH.sourceShape)),
            _name(report.value(r, SH.sourceConstraintComponent)),
        )
