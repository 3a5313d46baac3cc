"""Load the SHACL shapes graph and parse it into a small typed model.

Only a SHACL Core subset is supported (the fast engine compiles exactly this subset to SPARQL):
node shapes with ``sh:targetClass`` (or none, when used through ``sh:node``) holding
``sh:property`` shapes whose ``sh:path`` is a predicate, ``[ sh:inversePath p ]`` or a sequence
(RDF list) of those, with ``sh:minCount``, ``sh:maxCount``, ``sh:nodeKind``, ``sh:datatype``,
``sh:class``, ``sh:pattern`` (+ ``sh:flags``), ``sh:minLength``, ``sh:in``, ``sh:hasValue`` and
``sh:node``. Any other constraint or target raises ``UnsupportedShape`` naming the shape.

Shapes marked ``pan:online true`` are checks that need the network: offline, both engines skip
them (``load_shapes`` marks them ``sh:deactivated`` in the graph given to pyshacl too).
Blank-node shapes are given stable IRIs (``{parent}/property/{n}``) so that a result's
``sh:sourceShape`` names the same shape in both engines and across runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
PAN = Namespace("https://w3id.org/pan-commons/ns#")
OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")


class UnsupportedShape(ValueError):
    """A shape uses SHACL outside the subset the fast engine compiles."""


@dataclass(frozen=True)
class Pred:
    iri: str


@dataclass(frozen=True)
class Inverse:
    path: Path_


@dataclass(frozen=True)
class Sequence:
    steps: tuple[Path_, ...]


Path_ = Pred | Inverse | Sequence


@dataclass(frozen=True)
class PropertyShape:
    iri: str
    path: Path_
    min_count: int | None = None
    max_count: int | None = None
    node_kind: str | None = None
    datatype: str | None = None
    class_: str | None = None
    pattern: str | None = None
    flags: str = ""
    min_length: int | None = None
    in_: tuple[Node, ...] | None = None
    has_value: Node | None = None
    node: NodeShape | None = None


@dataclass(frozen=True)
class NodeShape:
    iri: str
    target_class: str | None
    properties: tuple[PropertyShape, ...] = field(default=())


@dataclass(frozen=True)
class Shapes:
    graph: Graph
    """The shapes graph given to pyshacl (online shapes deactivated, blank shapes named)."""
    node_shapes: tuple[NodeShape, ...]
    """The active node shapes with a target class."""


_ANNOTATIONS = {
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
    SH.deactivated,
    RDF.type,
    RDFS.label,
    RDFS.comment,
}
PROPERTY_PARAMETERS = {
    # the SHACL Core subset the compiler supports on property shapes (docs/fair.md)
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.nodeKind,
    SH.datatype,
    SH["class"],
    SH.pattern,
    SH.flags,
    SH.minLength,
    SH["in"],
    SH.hasValue,
    SH.node,
}
NODE_PARAMETERS = {SH.targetClass, SH.property}
NODE_KINDS = {
    str(SH[k])
    for k in (
        "IRI",
        "Literal",
        "BlankNode",
        "BlankNodeOrIRI",
        "IRIOrLiteral",
        "BlankNodeOrLiteral",
    )
}


def load_shapes(folder: str | Path | None = None, *, files: list[Path] | None = None) -> Shapes:
    """Read every ``*.ttl`` of ``folder`` (default: the packaged ``shapes/``), or ``files``."""
    if files is None:
        if folder is None:
            from pancommons.resources import resource_dir

            folder = resource_dir("shapes")
        files = sorted(Path(folder).glob("*.ttl"))
    g = Graph()
    for f in files:
        g.parse(f, format="turtle")
    return parse_shapes(g)


def parse_shapes(graph: Graph) -> Shapes:
    """Name blank-node shapes, deactivate online shapes, and parse the active ones."""
    g = _prepare(graph)
    parser = _Parser(g)
    nodes = []
    for s in sorted(set(g.subjects(SH.targetClass, None)), key=str):
        if _is_true(g, s, SH.deactivated):
            continue
        nodes.append(parser.node_shape(s, top=True))
    for kind in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        for s in g.subjects(kind, None):
            if not _is_true(g, s, SH.deactivated):
                raise UnsupportedShape(f"shape {s}: {kind} is not supported (use sh:targetClass)")
    return Shapes(g, tuple(nodes))


def _is_true(g: Graph, s: Node, p: URIRef) -> bool:
    return any(isinstance(o, Literal) and o.toPython() is True for o in g.objects(s, p))


def _prepare(source: Graph) -> Graph:
    g = Graph()
    for t in source:
        g.add(t)
    for s in list(g.subjects(PAN.online, None)):
        if _is_true(g, s, PAN.online):
            g.set((s, SH.deactivated, Literal(True)))
    # Name blank-node shapes (those referenced by sh:property or sh:node) after their parent,
    # parents first so nested names are stable too.
    named: dict[BNode, URIRef] = {}
    todo = sorted({s for s in g.subjects(None, None) if isinstance(s, URIRef)}, key=str)
    while todo:
        parent = todo.pop(0)
        new: dict[BNode, URIRef] = {}
        for link in (SH.property, SH.node):
            children = [o for o in g.objects(parent, link) if isinstance(o, BNode)]
            for child in sorted(children, key=lambda b: _fingerprint(g, b)):
                if child in named:
                    continue
                n = 0
                while (iri := URIRef(f"{parent}/{link.split('#')[1]}/{n}")) in named.values():
                    n += 1
                named[child] = new[child] = iri
                todo.append(iri)
        _rename(g, new)
    return g


def _fingerprint(g: Graph, b: BNode) -> str:
    desc = sorted(f"{p} {o if not isinstance(o, BNode) else ''}" for p, o in g.predicate_objects(b))
    return hashlib.sha1("\n".join(desc).encode()).hexdigest()


def _rename(g: Graph, named: dict[BNode, URIRef]) -> None:
    for b, iri in named.items():
        for p, o in list(g.predicate_objects(b)):
            g.remove((b, p, o))
            g.add((iri, p, o))
        for s, p in list(g.subject_predicates(b)):
            g.remove((s, p, b))
            g.add((s, p, iri))


class _Parser:
    def __init__(self, g: Graph) -> None:
        self.g = g
        self.stack: list[Node] = []

    def _one(self, s: Node, p: URIRef) -> Node | None:
        values = list(self.g.objects(s, p))
        if len(values) > 1:
            raise UnsupportedShape(f"shape {s}: more than one {p} (not supported)")
        return values[0] if values else None

    def _check(self, s: Node, allowed: set[URIRef], what: str) -> None:
        for p in set(self.g.predicates(s, None)):
            if str(p).startswith(str(SH)) and p not in allowed | _ANNOTATIONS:
                raise UnsupportedShape(
                    f"{what} {s}: constraint {p} is not supported by the fast engine "
                    f"(supported: {', '.join(sorted(x.split('#')[1] for x in allowed))})"
                )
        for t in self.g.objects(s, RDF.type):
            if t in (RDFS.Class, OWL_CLASS):
                raise UnsupportedShape(f"{what} {s}: implicit class targets are not supported")

    def node_shape(self, s: Node, *, top: bool) -> NodeShape:
        if s in self.stack:
            raise UnsupportedShape(f"shape {s}: recursive sh:node is not supported")
        self._check(s, NODE_PARAMETERS, "node shape")
        target = self._one(s, SH.targetClass) if top else None
        self.stack.append(s)
        props = tuple(
            self.property_shape(p)
            for p in sorted(self.g.objects(s, SH.property), key=str)
            if not _is_true(self.g, p, SH.deactivated)
        )
        self.stack.pop()
        return NodeShape(str(s), str(target) if target is not None else None, props)

    def property_shape(self, s: Node) -> PropertyShape:
        self._check(s, PROPERTY_PARAMETERS, "property shape")
        path = self._one(s, SH.path)
        if path is None:
            raise UnsupportedShape(f"property shape {s}: no sh:path")
        kind = self._one(s, SH.nodeKind)
        if kind is not None and str(kind) not in NODE_KINDS:
            raise UnsupportedShape(f"property shape {s}: unknown sh:nodeKind {kind}")
        in_list = self._one(s, SH["in"])
        has_value = self._one(s, SH.hasValue)
        node = self._one(s, SH.node)
        for term in ([] if in_list is None else list(Collection(self.g, in_list))) + [has_value]:
            if isinstance(term, BNode):
                raise UnsupportedShape(f"property shape {s}: blank nodes in sh:in/sh:hasValue")
        nested = None
        if node is not None and not _is_true(self.g, node, SH.deactivated):
            nested = self.node_shape(node, top=False)
        return PropertyShape(
            iri=str(s),
            path=self.path(s, path),
            min_count=self._int(s, SH.minCount),
            max_count=self._int(s, SH.maxCount),
            node_kind=str(kind) if kind is not None else None,
            datatype=self._iri(s, SH.datatype),
            class_=self._iri(s, SH["class"]),
            pattern=self._str(s, SH.pattern),
            flags=self._str(s, SH.flags) or "",
            min_length=self._int(s, SH.minLength),
            in_=tuple(Collection(self.g, in_list)) if in_list is not None else None,
            has_value=has_value,
            node=nested,
        )

    def path(self, shape: Node, p: Node) -> Path_:
        if isinstance(p, URIRef):
            return Pred(str(p))
        if isinstance(p, BNode):
            inv = self._one(p, SH.inversePath)
            if inv is not None:
                return Inverse(self.path(shape, inv))
            if self._one(p, RDF.first) is not None:
                steps = tuple(self.path(shape, x) for x in Collection(self.g, p))
                return steps[0] if len(steps) == 1 else Sequence(steps)
        raise UnsupportedShape(
            f"property shape {shape}: path {p} is not supported "
            "(a predicate, sh:inversePath or a sequence of those)"
        )

    def _int(self, s: Node, p: URIRef) -> int | None:
        v = self._one(s, p)
        if v is None:
            return None
        if not isinstance(v, Literal) or not isinstance(v.toPython(), int):
            raise UnsupportedShape(f"shape {s}: {p} must be an integer, not {v!r}")
        return int(v.toPython())

    def _iri(self, s: Node, p: URIRef) -> str | None:
        v = self._one(s, p)
        if v is not None and not isinstance(v, URIRef):
            raise UnsupportedShape(f"shape {s}: {p} must be an IRI, not {v!r}")
        return str(v) if v is not None else None

    def _str(self, s: Node, p: URIRef) -> str | None:
        v = self._one(s, p)
        if v is not None and not isinstance(v, Literal):
            raise UnsupportedShape(f"shape {s}: {p} must be a literal, not {v!r}")
        return str(v) if v is not None else None
