"""Reading nodes from the store: labels, properties, concise bounded descriptions.

Every query here is built from validated ``pyoxigraph`` terms only (``str(NamedNode)`` is the
escaped ``<iri>`` form, ``str(Literal)`` the escaped quoted form), never by pasting user text.
Results are read completely on the calling thread and returned as plain values.
"""

from __future__ import annotations

from collections import defaultdict

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from pancommons import vocab
from pancommons.store.base import Store

Term = NamedNode | BlankNode | Literal

RDF_TYPE = NamedNode(vocab.RDF + "type")
LABEL_PROPERTIES = (
    vocab.SKOS + "prefLabel",
    vocab.RDFS + "label",
    vocab.DCT + "title",
    vocab.FOAF + "name",
    vocab.SCHEMA + "name",
    vocab.PAN + "name",
)


def compact(iri: str) -> str:
    """``dct:title`` for a known namespace, else the IRI itself."""
    best = ""
    for prefix, ns in vocab.PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, f"{prefix}:{iri[len(ns) :]}"
    return name if best else iri


def best_literal(literals: list[Literal]) -> Literal:
    """English or untagged first, then the others, each group in a stable order."""

    def rank(lit: Literal) -> tuple[int, str]:
        lang = (lit.language or "").lower()
        return (0 if lang in ("", "en") or lang.startswith("en-") else 1, lit.value)

    return min(literals, key=rank)


def select(store: Store, sparql: str) -> list[dict[str, Term | None]]:
    """The rows of a SELECT query, read completely, as dicts of variable name → term."""
    result = store.query(sparql)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: row[n] for n in names} for row in result]  # type: ignore[union-attr]


def values_clause(nodes: list[NamedNode] | set[NamedNode]) -> str:
    return " ".join(sorted(str(n) for n in nodes))


def exists(store: Store, node: NamedNode) -> bool:
    """True when the node is the subject or object of any triple."""
    return bool(store.query(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}"))


def cbd(store: Store, node: NamedNode) -> list[Triple]:
    """The node's concise bounded description: its triples and, through blank nodes, those of
    its structured values (two levels deep), each triple once."""
    result = store.query(
        f"""CONSTRUCT {{ {node} ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 }} WHERE {{
          {node} ?p ?o .
          OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2 .
                      OPTIONAL {{ FILTER(isBlank(?o2)) ?o2 ?p3 ?o3 }} }} }}"""
    )
    return list(dict.fromkeys(result))  # type: ignore[arg-type]


def labels(store: Store, nodes: set[NamedNode]) -> dict[str, str]:
    """The best stored label of each node (PaNET and ontology labels included)."""
    if not nodes:
        return {}
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    found: dict[str, list[Literal]] = defaultdict(list)
    ranked = {p: i for i, p in enumerate(LABEL_PROPERTIES)}
    best: dict[str, int] = {}
    nodes_list = sorted(nodes, key=str)
    for start in range(0, len(nodes_list), 400):
        chunk = nodes_list[start : start + 400]
        rows = select(
            store,
            f"""SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values_clause(chunk)} }}
              VALUES ?p {{ {props} }} ?x ?p ?l FILTER(isLiteral(?l)) }}""",
        )
        for r in rows:
            x, p, lit = r["x"].value, r["p"].value, r["l"]  # type: ignore[union-attr]
            rank = ranked[p]
            if rank < best.get(x, 99):
                best[x], found[x] = rank, []
            if rank == best[x]:
                found[x].append(lit)  # type: ignore[arg-type]
    return {x: best_literal(lits).value for x, lits in found.items()}


def properties(store: Store, nodes: set[NamedNode]) -> dict[str, dict[str, list[Term]]]:
    """node → predicate → values, for the outgoing triples of several nodes at once."""
    out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    ordered = sorted(nodes, key=str)
    for start in range(0, len(ordered), 400):
        rows = select(
            store,
            f"SELECT ?x ?p ?o WHERE {{ "
            f"VALUES ?x {{ {values_clause(ordered[start : start + 400])} }} ?x ?p ?o }}",
        )
        for r in rows:
            values = out[r["x"].value][r["p"].value]  # type: ignore[union-attr]
            if r["o"] not in values:
                values.append(r["o"])  # type: ignore[arg-type]
    return out


def graphs_of(store: Store, node: NamedNode) -> list[str]:
    """The named graphs that hold a triple about ``node``, sorted."""
    rows = select(store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }} ORDER BY ?g")
    return [r["g"].value for r in rows]  # type: ignore[union-attr]
