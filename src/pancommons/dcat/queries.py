"""The SPARQL the DCAT-AP view runs, and reading its answers.

The templates are constants; what fills their slots is either a group pattern from
``pancommons.fair.scope`` (which escapes its values), a pyoxigraph term written by pyoxigraph
(``str(NamedNode)`` / ``str(Literal)`` is the escaped SPARQL form) or an integer that was
checked to be one. No text from a request is pasted into a query. Answers are read completely
on the calling thread and returned as plain values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from string import Template

from pyoxigraph import BlankNode, Literal, NamedNode

from pancommons import vocab
from pancommons.store.base import Store

Term = NamedNode | BlankNode | Literal
Row = dict[str, Term | None]
Facts = dict[str, dict[str, list[Term]]]
"""node (an IRI, or ``_:id`` for a blank node) → predicate IRI → values, in answer order."""

CHUNK = 400
"""Nodes per ``VALUES`` block."""

PREFIXES = (
    f"PREFIX dcat: <{vocab.DCAT}>\nPREFIX dct: <{vocab.DCT}>\nPREFIX prov: <{vocab.PROV}>\n"
    f"PREFIX pan: <{vocab.PAN}>\nPREFIX foaf: <{vocab.FOAF}>\nPREFIX skos: <{vocab.SKOS}>\n"
    f"PREFIX xsd: <{vocab.XSD}>\n"
)

LISTING = Template(
    """SELECT ?d (COALESCE(MAX(?harvested), MAX(?own)) AS ?modified) WHERE {
  { $scope }
  FILTER(isIRI(?d))
  OPTIONAL {
    GRAPH ?g { ?d a dcat:Dataset }
    GRAPH $meta { ?run prov:generated ?g ; prov:endedAtTime ?harvested ; pan:status "completed" }
  }
  OPTIONAL {
    ?d dct:modified ?stated
    BIND(IF(DATATYPE(?stated) = xsd:dateTime, ?stated,
            IF(DATATYPE(?stated) = xsd:date, xsd:dateTime(CONCAT(STR(?stated), "T00:00:00Z")),
               ?nothing)) AS ?own)
  }
} GROUP BY ?d $having"""
)
"""Every dataset of a scope with the time its catalogue record last changed: the end of the
latest completed harvest run that replaced a source graph holding it (PROV of the meta graph),
else its own ``dct:modified``."""

SINCE = Template("HAVING (COALESCE(MAX(?harvested), MAX(?own)) >= $since)")

PAGE = Template(
    PREFIXES + "SELECT ?d ?modified WHERE { { $listing } } ORDER BY ?d LIMIT $limit OFFSET $offset"
)
COUNT = Template(
    PREFIXES + "SELECT (COUNT(?d) AS ?n) (MAX(?modified) AS ?latest) WHERE { { $listing } }"
)
FIRST_HARVEST = Template(
    PREFIXES
    + """SELECT (MIN(?started) AS ?first) WHERE { GRAPH $meta {
  ?run a pan:HarvestRun ; prov:startedAtTime ?started ; pan:status "completed" } }"""
)
FACILITY_BY_IRI = Template(
    PREFIXES + "SELECT DISTINCT ?f ?name WHERE { VALUES ?f { $iri } ?f a pan:Facility . "
    "OPTIONAL { ?f foaf:name ?name } } ORDER BY ?f ?name"
)
FACILITY_BY_NAME = Template(
    PREFIXES
    + """SELECT DISTINCT ?f ?name WHERE { ?f a pan:Facility ;
  (foaf:name|skos:altLabel|dct:title) ?key . FILTER(LCASE(STR(?key)) = $name)
  OPTIONAL { ?f foaf:name ?name } } ORDER BY ?f ?name"""
)
INSTRUMENT_FACILITIES = Template(
    PREFIXES
    + """SELECT DISTINCT ?d ?f WHERE { VALUES ?d { $nodes }
  ?d (pan:instrument|prov:wasGeneratedBy/prov:used) ?i .
  ?i a pan:Instrument ; pan:facility ?f . FILTER(isIRI(?f)) } ORDER BY ?d ?f"""
)
FACTS = Template(
    """SELECT ?x ?p ?o ?p2 ?o2 WHERE { VALUES ?x { $nodes } ?x ?p ?o
  OPTIONAL { FILTER(isBlank(?o)) ?o ?p2 ?o2 } }"""
)


def select(store: Store, sparql: str) -> list[Row]:
    """The rows of a SELECT query, read completely."""
    result = store.query(sparql)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: row[n] for n in names} for row in result]  # type: ignore[union-attr]


def listing(scope_pattern: str, base: str, since: Literal | None) -> str:
    """The group of ``LISTING`` for a scope (``?d`` bound by ``scope_pattern``), optionally
    keeping only records modified at or after ``since`` (an ``xsd:dateTime`` literal)."""
    if since is not None and not isinstance(since, Literal):
        raise TypeError("since must be a pyoxigraph Literal")
    having = SINCE.substitute(since=str(since)) if since is not None else ""
    return LISTING.substitute(
        scope=scope_pattern, meta=str(NamedNode(vocab.meta_graph(base))), having=having
    )


def page_query(listing_text: str, limit: int, offset: int) -> str:
    if not (isinstance(limit, int) and isinstance(offset, int) and limit > 0 and offset >= 0):
        raise ValueError("limit and offset must be non-negative integers")
    return PAGE.substitute(listing=listing_text, limit=limit, offset=offset)


def count_query(listing_text: str) -> str:
    return COUNT.substitute(listing=listing_text)


def first_harvest(store: Store, base: str) -> Literal | None:
    """When the first completed harvest run started (the catalogue's ``dct:issued``)."""
    rows = select(store, FIRST_HARVEST.substitute(meta=str(NamedNode(vocab.meta_graph(base)))))
    first = rows[0]["first"] if rows else None
    return first if isinstance(first, Literal) else None


def facilities(store: Store, key: NamedNode | Literal) -> list[tuple[NamedNode, str]]:
    """The ``pan:Facility`` nodes with IRI ``key``, or named ``key`` (a lower-cased literal,
    compared with the lower-cased ``foaf:name``, ``skos:altLabel`` or ``dct:title``), each
    with its ``foaf:name`` ('' when it has none)."""
    if isinstance(key, NamedNode):
        text = FACILITY_BY_IRI.substitute(iri=str(key))
    else:
        text = FACILITY_BY_NAME.substitute(name=str(key))
    found: dict[str, tuple[NamedNode, str]] = {}
    for r in select(store, text):
        f, name = r["f"], r["name"]
        if isinstance(f, NamedNode) and f.value not in found:
            found[f.value] = (f, name.value if isinstance(name, Literal) else "")
    return list(found.values())


def _chunks(nodes: Iterable[NamedNode]) -> Iterable[str]:
    ordered = sorted(set(nodes), key=str)
    for start in range(0, len(ordered), CHUNK):
        yield " ".join(str(n) for n in ordered[start : start + CHUNK])


def instrument_facilities(store: Store, datasets: Iterable[NamedNode]) -> dict[str, list[str]]:
    """Dataset → the facilities operating the instruments that made it."""
    out: dict[str, list[str]] = defaultdict(list)
    for values in _chunks(datasets):
        for r in select(store, INSTRUMENT_FACILITIES.substitute(nodes=values)):
            d, f = r["d"], r["f"]
            if isinstance(d, NamedNode) and isinstance(f, NamedNode):
                out[d.value].append(f.value)
    return out


def key(term: Term) -> str:
    """The key of a node in ``Facts``."""
    return f"_:{term.value}" if isinstance(term, BlankNode) else term.value


def describe_nodes(store: Store, nodes: Iterable[NamedNode], into: Facts | None = None) -> Facts:
    """The outgoing triples of ``nodes`` and of their blank-node values (one level), over the
    union of all graphs, each value once."""
    out: Facts = into if into is not None else {}
    todo = [n for n in set(nodes) if n.value not in out]
    for values in _chunks(todo):
        for r in select(store, FACTS.substitute(nodes=values)):
            x, p, o = r["x"], r["p"], r["o"]
            if not isinstance(x, NamedNode) or not isinstance(p, NamedNode) or o is None:
                continue
            _add(out, x.value, p.value, o)
            p2, o2 = r["p2"], r["o2"]
            if isinstance(o, BlankNode) and isinstance(p2, NamedNode) and o2 is not None:
                _add(out, key(o), p2.value, o2)
    for n in todo:
        out.setdefault(n.value, {})
    return out


def _add(out: Facts, node: str, predicate: str, value: Term) -> None:
    values = out.setdefault(node, {}).setdefault(predicate, [])
    if value not in values:
        values.append(value)
