"""What the graph says about one node, for its landing page: its facts (with labels), the
nodes that point at it, related datasets, publications and instruments, its PaNET techniques
with their parents, and its FAIR score from the latest assessment run that assessed it.

Queries are built from validated ``pyoxigraph`` terms only (see ``nodes.py``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode

from pancommons import vocab
from pancommons.api.nodes import (
    LABEL_PROPERTIES,
    RDF_TYPE,
    Term,
    best_literal,
    compact,
    exists,
    labels,
    select,
    values_clause,
)
from pancommons.store.base import Store

PUBLICATION_CLASSES = (vocab.FABIO + "Expression", vocab.SCHEMA + "ScholarlyArticle")
MAX_VALUES = 500
"""At most this many values per list on a page (incoming links, related datasets...)."""


@dataclass
class Fact:
    """One property of the node with its values; a blank-node value has its own facts."""

    predicate: NamedNode
    values: list[Term] = field(default_factory=list)
    nested: dict[BlankNode, list[tuple[NamedNode, Term]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Technique:
    iri: NamedNode
    label: str
    parents: list[tuple[NamedNode, str]]
    ancestors: list[tuple[NamedNode, str]]


@dataclass(frozen=True)
class Score:
    """The node's FAIR score from the latest assessment run that assessed it."""

    value: float
    points: float | None
    possible: float | None
    run: NamedNode
    started: str
    metric_set: str
    metrics: list[tuple[NamedNode, float, str]]
    """(metric, points earned, EARL outcome: passed, failed, inapplicable, untested...)"""


@dataclass
class Description:
    node: NamedNode
    types: list[NamedNode]
    facts: list[Fact]
    incoming: list[tuple[NamedNode, NamedNode]]
    labels: dict[str, str]
    related: dict[str, list[NamedNode]]
    techniques: list[Technique]
    score: Score | None

    def label(self, term: Term) -> str:
        """A human label for ``term``: its stored label, else a prefixed name, else itself."""
        if isinstance(term, Literal):
            return term.value
        if isinstance(term, BlankNode):
            return "(structured value)"
        return self.labels.get(term.value) or compact(term.value)

    def predicate_label(self, predicate: NamedNode) -> str:
        """A property's stored label, else its local name in words (``inSeries`` → in series)."""
        if found := self.labels.get(predicate.value):
            return found
        local = re.split(r"[#/]", predicate.value.rstrip("/#"))[-1]
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower() or predicate.value

    def values(self, predicate: str) -> list[Term]:
        for fact in self.facts:
            if fact.predicate.value == predicate:
                return fact.values
        return []

    def first(self, predicate: str) -> str | None:
        values = self.values(predicate)
        return values[0].value if values else None

    @property
    def title(self) -> str:
        for p in LABEL_PROPERTIES:
            literals = [v for v in self.values(p) if isinstance(v, Literal)]
            if literals:
                return best_literal(literals).value
        return compact(self.node.value)

    def is_a(self, *classes: str) -> bool:
        return any(t.value in classes for t in self.types)


def _facts(store: Store, node: NamedNode) -> list[Fact]:
    rows = select(
        store,
        f"""SELECT ?p ?o ?p2 ?o2 WHERE {{ {node} ?p ?o .
          OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2 }} }}""",
    )
    facts: dict[str, Fact] = {}
    for row in rows:
        p, o = row["p"], row["o"]
        assert isinstance(p, NamedNode) and o is not None
        fact = facts.setdefault(p.value, Fact(p))
        if o not in fact.values and len(fact.values) < MAX_VALUES:
            fact.values.append(o)
        if isinstance(o, BlankNode) and isinstance(row["p2"], NamedNode) and row["o2"]:
            pairs = fact.nested.setdefault(o, [])
            pair = (row["p2"], row["o2"])
            if pair not in pairs:
                pairs.append(pair)
    order = {p: i for i, p in enumerate(LABEL_PROPERTIES)}
    return sorted(
        facts.values(),
        key=lambda f: (f.predicate != RDF_TYPE, order.get(f.predicate.value, 99), f.predicate),
    )


def _incoming(store: Store, node: NamedNode, base: str) -> list[tuple[NamedNode, NamedNode]]:
    fair = Literal(f"{base}/graph/fair/")
    rows = select(
        store,
        f"""SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {node} }}
          FILTER(isIRI(?s) && !STRSTARTS(STR(?g), {fair})) }} ORDER BY ?p ?s LIMIT {MAX_VALUES}""",
    )
    return [(r["s"], r["p"]) for r in rows]  # type: ignore[misc]


def _related(store: Store, node: NamedNode) -> dict[str, list[NamedNode]]:
    pan, prov, dcat = vocab.PAN, vocab.PROV, vocab.DCAT
    pubs = " ".join(f"<{c}>" for c in PUBLICATION_CLASSES)
    queries = {
        "datasets": f"""{{ {node} ?x ?r }} UNION {{ ?r ?x {node} }} ?r a <{dcat}Dataset>""",
        "publications": f"""{{ {node} ?x ?r }} UNION {{ ?r ?x {node} }}
            ?r a ?c FILTER(?c IN ({pubs.replace(" ", ", ")}))""",
        "instruments": f"""{{ {node} <{pan}instrument> ?r }}
            UNION {{ {node} <{prov}wasGeneratedBy>/<{prov}used> ?r }}
            UNION {{ {node} <{prov}used> ?r }} ?r a <{pan}Instrument>""",
    }
    out: dict[str, list[NamedNode]] = {}
    for key, pattern in queries.items():
        rows = select(
            store,
            f"SELECT DISTINCT ?r WHERE {{ {pattern} FILTER(isIRI(?r) && ?r != {node}) }} "
            f"ORDER BY ?r LIMIT {MAX_VALUES}",
        )
        out[key] = [r["r"] for r in rows]  # type: ignore[misc]
    return out


def _techniques(store: Store, node: NamedNode, base: str) -> list[Technique]:
    pan, prov, dcat = vocab.PAN, vocab.PROV, vocab.DCAT
    panet = Literal(vocab.PANET + "PaNET")
    rows = select(
        store,
        f"""SELECT DISTINCT ?t WHERE {{
          {{ {node} <{dcat}theme> ?t }} UNION {{ {node} <{pan}technique> ?t }}
          UNION {{ {node} <{prov}wasGeneratedBy>/<{pan}technique> ?t }}
          FILTER(isIRI(?t) && STRSTARTS(STR(?t), {panet})) }} ORDER BY ?t LIMIT 50""",
    )
    terms = [r["t"] for r in rows if isinstance(r["t"], NamedNode)]
    if not terms:
        return []
    graph = NamedNode(vocab.ontology_graph("panet", base))
    closure = NamedNode(vocab.ontology_graph("panet-inferred", base))
    up = select(
        store,
        f"""SELECT DISTINCT ?t ?up ?direct WHERE {{ VALUES ?t {{ {values_clause(terms)} }}
          {{ GRAPH {graph} {{ ?t <{vocab.RDFS}subClassOf> ?up }} BIND(true AS ?direct) }}
          UNION {{ GRAPH {closure} {{ ?t <{vocab.RDFS}subClassOf> ?up }} BIND(false AS ?direct) }}
          FILTER(isIRI(?up) && ?up != ?t && STRSTARTS(STR(?up), {panet})) }}""",
    )
    names = labels(store, set(terms) | {r["up"] for r in up})  # type: ignore[arg-type]
    parents: dict[str, set[NamedNode]] = defaultdict(set)
    ancestors: dict[str, set[NamedNode]] = defaultdict(set)
    for r in up:
        target = parents if r["direct"].value == "true" else ancestors  # type: ignore[union-attr]
        target[r["t"].value].add(r["up"])  # type: ignore[union-attr,arg-type]

    def named(items: set[NamedNode]) -> list[tuple[NamedNode, str]]:
        pairs = [(i, names.get(i.value, compact(i.value))) for i in items]
        return sorted(pairs, key=lambda p: p[1].lower())

    return [
        Technique(
            t,  # type: ignore[arg-type]
            names.get(t.value, compact(t.value)),  # type: ignore[union-attr]
            named(parents[t.value]),  # type: ignore[union-attr]
            named(ancestors[t.value] | parents[t.value]),  # type: ignore[union-attr]
        )
        for t in terms
    ]


def latest_score(store: Store, node: NamedNode, base: str) -> Score | None:
    """The total score and per-metric values of the latest run that assessed ``node``."""
    dqv, prov, pan = vocab.DQV, vocab.PROV, vocab.PAN
    total = NamedNode(f"{base}/metric/score")
    meta = NamedNode(vocab.meta_graph(base))
    rows = select(
        store,
        f"""SELECT ?v ?points ?possible ?run ?start ?set WHERE {{
          GRAPH ?g {{ ?m <{dqv}computedOn> {node} ; <{dqv}isMeasurementOf> {total} ;
                         <{dqv}value> ?v ; <{prov}wasGeneratedBy> ?run .
                      OPTIONAL {{ ?m <{pan}points> ?points }}
                      OPTIONAL {{ ?m <{pan}pointsPossible> ?possible }} }}
          GRAPH {meta} {{ ?run <{prov}startedAtTime> ?start
                          OPTIONAL {{ ?run <{pan}metricSetVersion> ?set }} }}
        }} ORDER BY DESC(?start) LIMIT 1""",
    )
    if not rows:
        return None
    r = rows[0]
    run = r["run"]
    metrics = select(
        store,
        f"""SELECT DISTINCT ?metric ?v ?outcome WHERE {{ GRAPH ?g {{
          ?m <{dqv}computedOn> {node} ; <{dqv}isMeasurementOf> ?metric ; <{dqv}value> ?v ;
             <{prov}wasGeneratedBy> {run} .
          OPTIONAL {{ ?m <{vocab.EARL}result>/<{vocab.EARL}outcome> ?outcome }} }}
          FILTER(?metric != {total}) }} ORDER BY ?metric""",
    )

    def num(term: Term | None) -> float | None:
        return float(term.value) if term is not None else None

    return Score(
        value=float(r["v"].value),  # type: ignore[union-attr]
        points=num(r["points"]),
        possible=num(r["possible"]),
        run=run,  # type: ignore[arg-type]
        started=r["start"].value,  # type: ignore[union-attr]
        metric_set=r["set"].value if r["set"] is not None else "",
        metrics=[
            (
                m["metric"],  # type: ignore[misc]
                float(m["v"].value),  # type: ignore[union-attr]
                m["outcome"].value.rsplit("#", 1)[-1] if m["outcome"] else "",  # type: ignore[union-attr]
            )
            for m in metrics
        ],
    )


def describe(store: Store, node: NamedNode, base: str) -> Description | None:
    """Everything a landing page shows about ``node``, or None when the graph has no triple
    about it."""
    if not exists(store, node):
        return None
    facts = _facts(store, node)
    types = [v for f in facts if f.predicate == RDF_TYPE for v in f.values]
    incoming = _incoming(store, node, base)
    related = _related(store, node)
    techniques = _techniques(store, node, base)
    seen: set[NamedNode] = {node}
    for fact in facts:
        seen.add(fact.predicate)
        seen.update(v for v in fact.values if isinstance(v, NamedNode))
        for pairs in fact.nested.values():
            seen.update(t for pair in pairs for t in pair if isinstance(t, NamedNode))
    for s, p in incoming:
        seen.update((s, p))
    for nodes in related.values():
        seen.update(nodes)
    return Description(
        node=node,
        types=[t for t in types if isinstance(t, NamedNode)],
        facts=facts,
        incoming=incoming,
        labels=labels(store, seen),
        related=related,
        techniques=techniques,
        score=latest_score(store, node, base),
    )
