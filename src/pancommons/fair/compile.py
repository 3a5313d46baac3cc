"""Compile the shapes model to SPARQL: one SELECT per property shape, run inside the store.

Each query returns ``?focus ?c`` rows: the focus node and the constraint component it violates.
The semantics are pyshacl's (the reference, ``inference='none'``):

- focus nodes: ``?focus rdf:type/rdfs:subClassOf* <target class>`` in the data graph;
- value nodes: ``?focus <path> ?v`` (a predicate, ``^p`` for inverse paths, ``a/b`` for
  sequences), counted as distinct RDF terms;
- ``sh:minCount``/``sh:maxCount`` by ``COUNT(DISTINCT ?v)``; ``sh:hasValue`` is violated when no
  value is that exact term; these give one result per focus node (so does pyshacl);
- value constraints (datatype, nodeKind, class, pattern, minLength, in, node) give one row per
  focus node and component, whereas pyshacl gives one result per *value node*: results are
  compared as sets of (focus, shape, component), where the multiplicity does not count;
- ``sh:datatype``: a literal whose ``DATATYPE`` is that IRI (plain literals are ``xsd:string``,
  language-tagged ones ``rdf:langString``) and, for the XSD types pyshacl checks (integer,
  decimal, float, double, boolean, date, time, dateTime), whose lexical form casts (ill-typed
  literals violate); ``rdfs:Literal`` accepts every literal;
- ``sh:pattern``: ``REGEX(STR(?v), pattern, flags)`` with only the ``i`` and ``m`` flags (pyshacl
  ignores the others); blank nodes violate. Python ``re`` and the store's regex engine agree on
  the common syntax (classes, anchors, quantifiers); avoid look-arounds and back-references;
- ``sh:minLength``: ``STRLEN(STR(?v))``, blank nodes violate;
- ``sh:in``/``sh:hasValue`` compare terms with ``sameTerm`` (RDF term equality, as rdflib);
- ``sh:class``: ``?v rdf:type/rdfs:subClassOf* <class>``;
- ``sh:node``: the value conforms to every property shape of the nested node shape; the
  nested checks compile to ``EXISTS``/``NOT EXISTS`` expressions on the value (cardinalities
  as n pairwise-distinct values), so the whole shape stays one query.

Every IRI and literal from the shapes graph is written through pyoxigraph terms (``str`` of a
``NamedNode``/``Literal`` is its escaped SPARQL form): shapes are data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode
from rdflib import BNode, URIRef
from rdflib import Literal as RLiteral
from rdflib.term import Node

from pancommons.fair.shapes import (
    SH,
    Inverse,
    NodeShape,
    Path_,
    Pred,
    PropertyShape,
    Sequence,
    Shapes,
)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
RDFS_LITERAL = "http://www.w3.org/2000/01/rdf-schema#Literal"
XSD = "http://www.w3.org/2001/XMLSchema#"
_CASTABLE = {XSD + t for t in ("integer", "decimal", "float", "double", "boolean")} | {
    XSD + t for t in ("date", "time", "dateTime")
}


def component(name: str) -> str:
    return f"{SH}{name}ConstraintComponent"


@dataclass(frozen=True)
class CompiledShape:
    node_shape: str
    shape: str
    """The property shape (the results' ``sh:sourceShape``)."""
    target_class: str
    branches: tuple[tuple[str, str, str], ...]
    """Per constraint component: (kind, component IRI, group pattern binding ``?focus`` and
    ``?c``). The pattern holds ``#FOCUS#`` where the focus-node pattern goes, ``#VALUE#`` where
    "?focus has the value ?v" goes and, for ``min`` (minimum count 1), ``#ABSENT#`` where the
    test for "no value" goes (an anti-join over the whole graph, or NOT EXISTS per restricted
    focus)."""
    value: tuple[str, str, str] = ("", "", "")
    """The pattern "?focus has the value ?v" three ways: as a property path (the anti-join of
    ``min`` over the whole graph, and value checks from given focus nodes); as nested EXISTS
    steps (``min`` per restricted focus: Oxigraph evaluates a sequence path, or a join, in NOT
    EXISTS for every node of the graph first: 0.5 s per shape at 20k datasets, against 1 ms
    stepping from each focus node); and backward, one triple pattern per step from the value
    to the focus node (value checks over the whole graph, see ``bodies``)."""

    checks: tuple[tuple[str, str], ...] = ()
    """The value checks that are a FILTER on ``?v``: (component IRI, expression true when the
    value violates it), so that checks of the same values can share one query (``sweep``)."""
    flags: tuple[tuple[str, str], ...] = ()
    """Per constraint component: (component IRI, expression true when ``?focus`` violates it),
    walked from ``?focus`` (``property_violation(stepwise=True)``): a restricted run evaluates
    every shape of a target class in one query, a flag per component (``engine``)."""
    last: str = ""
    """The triples of the path's last step (``?_s <p> ?_o``): counting them is cheap, and tells
    roughly how many focus nodes can have a value (``sweep`` chooses what to list by it; a node
    that several focus nodes reach counts once, so it is only a guide)."""
    instance: str = ""
    """For ``sh:class``: "``?v`` is an instance of the class" (``sweep`` asks first whether any
    value is one: when none is, every focus node with a value violates, and nothing is
    listed)."""

    def bodies(
        self,
        focus: set[str] | None = None,
        *,
        classes: tuple[str, ...] | None = None,
        unjoined: bool = False,
    ) -> list[tuple[str, str, str]]:
        """Per constraint component: (kind, component IRI, group pattern binding ``?focus``).

        ``focus`` restricts the focus nodes (``VALUES``); ``classes`` is the target class and
        its subclasses in the data (``target_classes``), else the closure is a property path.

        ``unjoined`` (whole graph only): value checks walk backward from the values and do not
        check that ``?focus`` is a focus node; the caller keeps the rows of its focus nodes.
        Measured at 100k datasets: a media type check 1.73 s joined, 0.82 s unjoined; a
        node kind check on access URLs 0.87 s → 0.20 s.
        """
        assert not (unjoined and focus is not None)
        pattern = _focus_group(self.target_class, classes, focus)
        joined = "" if unjoined else focus_pattern(self.target_class, classes, joined=True)
        out = []
        for kind, comp, branch in self.branches:
            branch = branch.replace("#VALUE#", self.value[2] if unjoined else self.value[0])
            body = branch.replace("#FOCUS#", joined if kind == "value" else pattern)
            if kind == "min":  # an anti-join for the whole graph; per node when restricted
                absent = (
                    f"FILTER NOT EXISTS {{ {self.value[1]} }}"
                    if focus is not None
                    else f"MINUS {{ {self.value[0]} }}"
                )
                body = body.replace("#ABSENT#", absent)
            elif kind == "value" and focus is not None:  # start from the few focus nodes
                body = f"{pattern} {branch.replace('#FOCUS#', '')}"
            out.append((kind, comp, body))
        return out

    def query(
        self,
        focus: set[str] | None = None,
        *,
        split: bool = False,
        classes: tuple[str, ...] | None = None,
    ) -> list[str]:
        """The query (the UNION of the ``bodies``) returning ``?focus ?c``, or with ``split``
        one query per branch (Virtuoso 7 fails on some UNIONs of sub-SELECTs and EXISTS)."""
        parts = [b for _, _, b in self.bodies(focus, classes=classes)]
        if not parts:
            return ["SELECT ?focus ?c WHERE { FILTER(false) }"]
        if split:
            return [f"SELECT DISTINCT ?focus ?c WHERE {{ {b} }}" for b in parts]
        body = "\n  UNION\n  ".join(f"{{ {b} }}" for b in parts)
        return [f"SELECT DISTINCT ?focus ?c WHERE {{\n  {body}\n}}"]

    @property
    def sparql(self) -> str:
        """The one query over every focus node (the class closure as a property path)."""
        return self.query()[0]


def iri(value: str) -> str:
    return str(NamedNode(value))


def term(node: Node) -> str:
    """An rdflib term from the shapes graph as escaped SPARQL."""
    if isinstance(node, URIRef):
        return iri(str(node))
    if isinstance(node, RLiteral):
        if node.language:
            return str(Literal(str(node), language=node.language))
        if node.datatype is not None:
            return str(Literal(str(node), datatype=NamedNode(str(node.datatype))))
        return str(Literal(str(node)))
    if isinstance(node, BNode):
        raise ValueError("blank nodes cannot be compiled")
    raise TypeError(node)


def path_sparql(path: Path_) -> str:
    if isinstance(path, Pred):
        return iri(path.iri)
    if isinstance(path, Inverse):
        return f"^({path_sparql(path.path)})"
    if isinstance(path, Sequence):
        return "(" + "/".join(path_sparql(s) for s in path.steps) + ")"
    raise TypeError(path)


def focus_pattern(
    target_class: str, classes: tuple[str, ...] | None = None, *, joined: bool = False
) -> str:
    """``?focus`` bound to the instances of the target class and of its subclasses.

    With the classes known (one query per run, ``target_classes``), plain type patterns, which
    Oxigraph evaluates several times faster than the ``rdf:type/rdfs:subClassOf*`` path: a
    UNION when the pattern produces the focus nodes, an ``IN`` filter when it only checks nodes
    an earlier pattern bound (``joined``). Measured at 100k datasets and three classes: a value
    check 0.33 s with ``VALUES ?cls`` → 0.06 s with the filter; a missing value 0.29 → 0.26 s."""
    if classes is None:
        return (
            f"{{ SELECT DISTINCT ?focus WHERE {{ ?focus <{RDF_TYPE}>/<{SUBCLASS}>* "
            f"{iri(target_class)} }} }}"
        )
    if len(classes) == 1:
        return f"?focus <{RDF_TYPE}> {iri(classes[0])} ."
    if joined:
        listed = ", ".join(iri(c) for c in classes)
        return f"?focus <{RDF_TYPE}> ?_cls . FILTER(?_cls IN ({listed}))"
    return "{ " + " } UNION { ".join(f"?focus <{RDF_TYPE}> {iri(c)}" for c in classes) + " }"


def restricted(pattern: str, focus: set[str] | None) -> str:
    """``pattern`` preceded by ``VALUES ?focus`` when only some focus nodes are wanted."""
    if focus is None:
        return pattern
    values = " ".join(str(NamedNode(f)) for f in sorted(focus))
    return f"VALUES ?focus {{ {values} }} {pattern}"


def _focus_group(target_class: str, classes: tuple[str, ...] | None, focus: set[str] | None) -> str:
    """``?focus`` bound to the focus nodes of a target class, or to those of ``focus`` among
    them, each checked for its class (844 of 100k datasets: 23 ms -> 15 ms)."""
    return restricted(focus_pattern(target_class, classes, joined=focus is not None), focus)


def target_classes(target_class: str) -> str:
    """The query for a target class and its subclasses in the data (``?cls``)."""
    return f"SELECT DISTINCT ?cls WHERE {{ ?cls <{SUBCLASS}>* {iri(target_class)} }}"


class _Vars:
    def __init__(self) -> None:
        self._n = itertools.count()

    def new(self) -> str:
        return f"?x{next(self._n)}"


def value_checks(ps: PropertyShape, v: str, vars_: _Vars) -> list[tuple[str, str]]:
    """(component, SPARQL expression true when the value ``v`` violates it)."""
    checks: list[tuple[str, str]] = []
    if ps.datatype is not None:
        dt = iri(ps.datatype)
        if ps.datatype == RDFS_LITERAL:
            ok = f"isLiteral({v})"
        else:
            ok = f"isLiteral({v}) && sameTerm(DATATYPE({v}), {dt})"
            if ps.datatype in _CASTABLE:
                ok += f" && COALESCE(isLiteral({dt}(STR({v}))), false)"
        checks.append((component("Datatype"), f"!({ok})"))
    if ps.node_kind is not None:
        kind = ps.node_kind.rsplit("#", 1)[1]
        bad = {
            "IRI": f"!isIRI({v})",
            "Literal": f"!isLiteral({v})",
            "BlankNode": f"!isBlank({v})",
            "BlankNodeOrIRI": f"isLiteral({v})",
            "IRIOrLiteral": f"isBlank({v})",
            "BlankNodeOrLiteral": f"isIRI({v})",
        }[kind]
        checks.append((component("NodeKind"), bad))
    if ps.class_ is not None:
        checks.append(
            (
                component("Class"),
                f"NOT EXISTS {{ {v} <{RDF_TYPE}>/<{SUBCLASS}>* {iri(ps.class_)} }}",
            )
        )
    if ps.pattern is not None:
        flags = "".join(f for f in "im" if f in ps.flags.lower())
        regex = f"REGEX(STR({v}), {Literal(ps.pattern)}, {Literal(flags)})"
        checks.append((component("Pattern"), f"(isBlank({v}) || !{regex})"))
    if ps.min_length is not None:
        checks.append(
            (component("MinLength"), f"(isBlank({v}) || STRLEN(STR({v})) < {ps.min_length})")
        )
    if ps.in_ is not None:
        allowed = " || ".join(f"sameTerm({v}, {term(t)})" for t in ps.in_) or "false"
        checks.append((component("In"), f"!({allowed})"))
    if ps.node is not None:
        checks.append((component("Node"), node_violation(ps.node, v, vars_)))
    return checks


def _distinct_values(x: str, path: str, n: int, vars_: _Vars) -> str:
    """A pattern matching when ``x`` has at least ``n`` distinct values on ``path``."""
    names = [vars_.new() for _ in range(n)]
    triples = " ".join(f"{x} {path} {a} ." for a in names)
    diffs = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
    return triples + (f" FILTER({' && '.join(diffs)})" if diffs else "")


def property_violation(
    ps: PropertyShape, x: str, vars_: _Vars, *, stepwise: bool = False
) -> list[tuple[str, str]]:
    """(component, SPARQL expression true when the node ``x`` violates it), no aggregates.

    ``stepwise``: a sequence path is walked from ``x`` one step at a time (``_stepwise``) for a
    minimum count of one and for value checks, so that evaluating the expressions for a few
    nodes costs those nodes, not the graph (Oxigraph evaluates a whole path inside EXISTS)."""
    path = path_sparql(ps.path)
    out: list[tuple[str, str]] = []
    if ps.min_count:
        if stepwise and ps.min_count == 1:
            pattern = _stepwise(ps.path, x, vars_.new(), vars_)
        else:
            pattern = _distinct_values(x, path, ps.min_count, vars_)
        out.append((component("MinCount"), f"NOT EXISTS {{ {pattern} }}"))
    if ps.max_count is not None:
        pattern = _distinct_values(x, path, ps.max_count + 1, vars_)
        out.append((component("MaxCount"), f"EXISTS {{ {pattern} }}"))
    if ps.has_value is not None:
        out.append((component("HasValue"), f"NOT EXISTS {{ {x} {path} {term(ps.has_value)} }}"))
    w = vars_.new()
    for comp, check in value_checks(ps, w, vars_):
        if stepwise:
            pattern = _stepwise(ps.path, x, w, vars_, f"FILTER({check})")
        else:
            pattern = f"{x} {path} {w} . FILTER({check})"
        out.append((comp, f"EXISTS {{ {pattern} }}"))
    return out


def node_violation(ns: NodeShape, x: str, vars_: _Vars) -> str:
    """A SPARQL expression true when ``x`` does not conform to the node shape ``ns``."""
    parts = [check for ps in ns.properties for _, check in property_violation(ps, x, vars_)]
    return "(" + " || ".join(parts) + ")" if parts else "false"


def compile_property(ns: NodeShape, ps: PropertyShape) -> CompiledShape:
    """The branches of one property shape. Measured on Oxigraph (100k datasets): a minimum
    count of one as an anti-join (MINUS) takes a third of GROUP BY/COUNT; a value constraint
    written value pattern first, focus pattern after, runs 2–3x faster than focus first."""
    assert ns.target_class is not None
    path = path_sparql(ps.path)
    vars_ = _Vars()
    branches: list[tuple[str, str, str]] = []
    checks: list[tuple[str, str]] = []

    def bind(name: str) -> str:
        return f"BIND({iri(component(name))} AS ?c)"

    value = (
        f"?focus {path} ?v",
        _stepwise(ps.path, "?focus", "?v", vars_),
        _backward(ps.path, "?focus", "?v", vars_),
    )
    if ps.min_count == 1:
        branches.append(("min", component("MinCount"), f"#FOCUS# #ABSENT# {bind('MinCount')}"))
    elif ps.min_count:
        branches.append(
            (
                "count",
                component("MinCount"),
                f"{{ SELECT ?focus WHERE {{ #FOCUS# OPTIONAL {{ ?focus {path} ?v }} }} "
                f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) < {ps.min_count}) }} "
                f"{bind('MinCount')}",
            )
        )
    if ps.max_count is not None:
        branches.append(
            (
                "count",
                component("MaxCount"),
                f"{{ SELECT ?focus WHERE {{ ?focus {path} ?v }} GROUP BY ?focus "
                f"HAVING (COUNT(DISTINCT ?v) > {ps.max_count}) }} #FOCUS# {bind('MaxCount')}",
            )
        )
    if ps.has_value is not None:
        branches.append(
            (
                "count",
                component("HasValue"),
                f"#FOCUS# FILTER NOT EXISTS {{ ?focus {path} {term(ps.has_value)} }} "
                f"{bind('HasValue')}",
            )
        )
    instance = f"?v <{RDF_TYPE}>/<{SUBCLASS}>* {iri(ps.class_)}" if ps.class_ else ""
    for comp, check in value_checks(ps, "?v", vars_):
        if comp == component("Class"):
            # MINUS computes the class's instances once (a hash anti-join); NOT EXISTS per
            # value was quadratic when many foci share a value (measured: 2.6 s at 20k).
            check = f"MINUS {{ {instance} }}"
            branches.append(("value", comp, f"#VALUE# . {check} #FOCUS# {bind('Class')}"))
            continue
        body = f"#VALUE# . FILTER({check}) #FOCUS# BIND({iri(comp)} AS ?c)"
        branches.append(("value", comp, body))
        checks.append((comp, check))
    flags = tuple(property_violation(ps, "?focus", vars_, stepwise=True))
    assert [c for c, _ in flags] == [c for _, c, _ in branches], "one flag per branch"
    step = ps.path.steps[-1] if isinstance(ps.path, Sequence) else ps.path
    last = f"?_s {path_sparql(step)} ?_o"
    return CompiledShape(
        ns.iri,
        ps.iri,
        ns.target_class,
        tuple(branches),
        value,
        tuple(checks),
        flags,
        last,
        instance,
    )


def _stepwise(path: Path_, s: str, o: str, vars_: _Vars, inner: str = "") -> str:
    """``s path o`` for a sequence of predicates as one triple pattern per step, each next
    step in a FILTER EXISTS of the one before (evaluated from the node reached); other paths
    as they are. ``inner`` goes into the innermost group (a FILTER on ``o``)."""
    if not (isinstance(path, Sequence) and all(isinstance(p, Pred) for p in path.steps)):
        return f"{s} {path_sparql(path)} {o} {inner}".rstrip()
    nodes = [s, *(vars_.new() for _ in path.steps[1:]), o]
    out = f"{nodes[-2]} {path_sparql(path.steps[-1])} {o} {inner}".rstrip()
    for i in range(len(path.steps) - 2, -1, -1):
        out = f"{nodes[i]} {path_sparql(path.steps[i])} {nodes[i + 1]} FILTER EXISTS {{ {out} }}"
    return out


def _backward(path: Path_, s: str, o: str, vars_: _Vars) -> str:
    """``s path o`` for a sequence of predicates as one triple pattern per step, the last step
    first (Oxigraph joins in the order written); other paths as they are."""
    if not (isinstance(path, Sequence) and all(isinstance(p, Pred) for p in path.steps)):
        return f"{s} {path_sparql(path)} {o}"
    nodes = [s, *(vars_.new() for _ in path.steps[1:]), o]
    steps = [f"{nodes[i]} {path_sparql(p)} {nodes[i + 1]}" for i, p in enumerate(path.steps)]
    return " . ".join(reversed(steps))


def compile_shapes(shapes: Shapes) -> list[CompiledShape]:
    return [compile_property(ns, ps) for ns in shapes.node_shapes for ps in ns.properties]


def compile_focus(
    ns: NodeShape, focus: set[str] | None = None, classes: tuple[str, ...] | None = None
) -> str:
    """The query listing the focus nodes of a node shape."""
    assert ns.target_class is not None
    return focus_query(ns.target_class, classes, focus)


def focus_query(
    target_class: str, classes: tuple[str, ...] | None = None, focus: set[str] | None = None
) -> str:
    """The query listing the focus nodes of a target class (``?focus``)."""
    return f"SELECT DISTINCT ?focus WHERE {{ {_focus_group(target_class, classes, focus)} }}"
