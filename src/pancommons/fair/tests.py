"""The FAIR tests of the metric catalogue: what each shape is worth (DESIGN §7).

A test is a SHACL shape in ``shapes/`` annotated with ``pan:points``, ``pan:maturity``,
``pan:principle``, ``pan:remediation``, ``pan:mapsTo`` and ``pan:metric``. The engines report
violations by the property shape that found them; a property shape belongs to the test it is
(annotated itself) or to the annotated node shape that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from pancommons.resources import resource_dir

PAN = Namespace("https://w3id.org/pan-commons/ns#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCT = Namespace("http://purl.org/dc/terms/")
METRIC_SET_VERSION = "1.0"


@dataclass(frozen=True)
class FairTest:
    iri: str
    metric: str
    principle: str
    points: float
    maturity: int
    remediation: str
    maps_to: tuple[str, ...]
    online: bool
    target_class: str | None
    property_shapes: frozenset[str] = field(default_factory=frozenset)
    """The property shapes whose violations fail this test."""
    applicable_if: str | None = None
    """A guard node shape: the test applies only to datasets that conform to it."""
    deactivated: bool = False
    """Switched off in shapes/ (``sh:deactivated``): reported untested. Online tests are not
    deactivated (``load_shapes`` only hides them from the engines)."""


def load_shapes_graph(folder: Path | None = None) -> Graph:
    g = Graph()
    for path in sorted((folder or resource_dir("shapes")).glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def _one(g: Graph, s: URIRef | BNode, p: URIRef) -> object | None:
    return next(iter(g.objects(s, p)), None)


def fair_tests(shapes: Graph) -> dict[str, FairTest]:
    """Every annotated test shape by IRI."""
    tests: dict[str, FairTest] = {}
    for shape in set(shapes.subjects(PAN.points, None)):
        if not isinstance(shape, URIRef):
            continue
        node_shape = shape if (shape, SH.property, None) in shapes else None
        parent = next(iter(shapes.subjects(SH.property, shape)), None)
        if node_shape is not None:
            props = frozenset(str(p) for p in shapes.objects(shape, SH.property))
            target = _one(shapes, shape, SH.targetClass)
        else:
            props = frozenset({str(shape)})
            target = _one(shapes, parent, SH.targetClass) if parent is not None else None
        points = _one(shapes, shape, PAN.points)
        maturity = _one(shapes, shape, PAN.maturity)
        online = _one(shapes, shape, PAN.online)
        metric = _one(shapes, shape, PAN.metric) or _one(shapes, shape, DCT.isPartOf)
        guard = _one(shapes, shape, PAN.applicableIf)
        online_flag = isinstance(online, Literal) and bool(online.toPython())
        tests[str(shape)] = FairTest(
            iri=str(shape),
            metric=str(metric) if metric is not None else "",
            principle=str(_one(shapes, shape, PAN.principle) or ""),
            points=float(points.toPython()) if isinstance(points, Literal) else 0.0,
            maturity=int(maturity.toPython()) if isinstance(maturity, Literal) else 1,
            remediation=str(_one(shapes, shape, PAN.remediation) or ""),
            maps_to=tuple(sorted(str(m) for m in shapes.objects(shape, PAN.mapsTo))),
            online=online_flag,
            target_class=str(target) if target is not None else None,
            property_shapes=props,
            applicable_if=str(guard) if guard is not None else None,
            # load_shapes deactivates the online shapes for the engines; they are not "off"
            deactivated=not online_flag
            and any(o.toPython() is True for o in shapes.objects(shape, SH.deactivated)),
        )
    return tests


def is_shape(g: Graph, node: object) -> bool:
    return (node, RDF.type, SH.NodeShape) in g or (node, RDF.type, SH.PropertyShape) in g
