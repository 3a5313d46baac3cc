"""Run the shapes: the fast path (compiled SPARQL inside the store) and the reference (pyshacl).

Both return a set of ``Result(focus, shape, component)``: the ``sh:focusNode``,
``sh:sourceShape`` and ``sh:sourceConstraintComponent`` of each validation result. pyshacl gives
one result per value node for value constraints; as a set, that multiplicity disappears, which
is all scoring needs (a focus node with no result for a shape passed it).

Focus nodes are identified by IRI; a blank-node focus node (the shapes target classes of records,
which are IRIs) is written ``_:id`` and cannot be compared across engines.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from pyoxigraph import BlankNode, NamedNode
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from pancommons.fair.compile import CompiledShape, compile_focus, compile_shapes
from pancommons.fair.shapes import SH, Shapes
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


def _run(store: Store, q: CompiledShape, focus: set[str] | None) -> set[Result]:
    # The embedded store runs one query per shape; remote stores one per constraint component
    # (portable: Virtuoso 7 fails on some UNIONs of sub-SELECTs and EXISTS).
    split = not isinstance(store, EmbeddedStore)
    return {
        Result(_name(row["focus"]), q.shape, _name(row["c"]))
        for sparql in q.query(focus, split=split)
        for row in store.query(sparql)  # type: ignore[union-attr]
    }


def assess_fast(
    store: Store, shapes: Shapes, *, focus: set[str] | None = None, threads: int = 1
) -> set[Result]:
    """Every violation in ``store`` (union default graph), or only those of ``focus`` nodes.

    ``threads=2`` runs the per-shape queries on two threads (pyoxigraph releases the GIL).
    """
    if focus is not None and not focus:
        return set()
    queries = compiled(shapes)
    results: set[Result] = set()
    if threads <= 1:
        for q in queries:
            results |= _run(store, q, focus)
        return results
    with ThreadPoolExecutor(threads) as pool:
        for part in pool.map(lambda q: _run(store, q, focus), queries):
            results |= part
    return results


def focus_nodes(
    store: Store, shapes: Shapes, *, focus: set[str] | None = None
) -> dict[str, set[str]]:
    """The focus nodes of each node shape (a focus node with no result for a shape passed)."""
    out: dict[str, set[str]] = {}
    for ns in shapes.node_shapes:
        q = compile_focus(ns, focus)
        out[ns.iri] = {_name(row["focus"]) for row in store.query(q)}  # type: ignore[union-attr]
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
