"""``/void``: a VoID description of the whole graph, with counts, by content negotiation.

The dataset ``{base}/void#dataset`` has the distinct triples, entities (IRI subjects), classes,
properties, subjects and objects of the union graph, a class partition per class (so the number
of ``dcat:Dataset`` is there), one ``void:subset`` per named graph with its own counts, and the
server's ``void:sparqlEndpoint``. Turtle by default; JSON-LD, N-Triples and RDF/XML on request.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pyoxigraph import Literal, NamedNode, Triple, serialize

from pancommons import __version__, vocab
from pancommons.api import openapi
from pancommons.api.web import base_of, root, used_prefixes
from pancommons.formats import RDF_FORMATS, RDF_MEDIA_TYPES, pick_media_type
from pancommons.store.base import Store

router = APIRouter(tags=["meta"])

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
XSD_INTEGER = NamedNode(vocab.XSD + "integer")
PREFIXES = {**vocab.PREFIXES, "void": VOID, "sd": SD}


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=XSD_INTEGER)


def v(name: str) -> NamedNode:
    """A term of the VoID vocabulary."""
    return NamedNode(VOID + name)


def _one(store: Store, sparql: str) -> int:
    row = next(iter(store.query(sparql)))  # type: ignore[call-overload]
    return int(row[0].value)


def void_triples(store: Store, base: str, server: str) -> list[Triple]:
    """The VoID description of ``store`` served by ``server``."""
    a = NamedNode(vocab.RDF + "type")
    root_ds = NamedNode(f"{base}/void#dataset")
    out = [
        Triple(root_ds, a, v("Dataset")),
        Triple(root_ds, NamedNode(vocab.DCT + "title"), Literal("PaN Commons knowledge graph")),
        Triple(
            root_ds,
            NamedNode(vocab.DCT + "description"),
            Literal(
                "Photon and neutron facility datasets, publications, instruments, techniques, "
                "proposals, samples and people, with FAIR assessments."
            ),
        ),
        Triple(root_ds, v("sparqlEndpoint"), NamedNode(f"{server}/sparql")),
        Triple(root_ds, v("uriSpace"), Literal(f"{base}/id/")),
        Triple(root_ds, v("feature"), NamedNode("http://www.w3.org/ns/formats/Turtle")),
        Triple(root_ds, v("feature"), NamedNode("http://www.w3.org/ns/formats/JSON-LD")),
        Triple(root_ds, v("feature"), NamedNode("http://www.w3.org/ns/formats/RDF_XML")),
        Triple(root_ds, v("feature"), NamedNode("http://www.w3.org/ns/formats/N-Triples")),
        Triple(root_ds, NamedNode(vocab.PAN + "softwareVersion"), Literal(__version__)),
    ]
    totals = {
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
        "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
        "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
        "distinctSubjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
        "distinctObjects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
    }
    for name, sparql in totals.items():
        out.append(Triple(root_ds, v(name), _int(_one(store, sparql))))
    classes = store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
        "GROUP BY ?c ORDER BY ?c"
    )
    for i, row in enumerate(classes):  # type: ignore[arg-type]
        part = NamedNode(f"{base}/void#class-{i}")
        out += [
            Triple(root_ds, v("classPartition"), part),
            Triple(part, v("class"), row["c"]),
            Triple(part, v("entities"), _int(int(row["n"].value))),
        ]
    graphs = store.query(
        "SELECT ?g (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?p) AS ?p_) "
        "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    for row in graphs:  # type: ignore[union-attr]
        g = row["g"]
        out += [
            Triple(root_ds, v("subset"), g),
            Triple(g, a, v("Dataset")),
            Triple(g, NamedNode(SD + "name"), g),
            Triple(g, v("triples"), _int(int(row["t"].value))),
            Triple(g, v("distinctSubjects"), _int(int(row["s_"].value))),
            Triple(g, v("properties"), _int(int(row["p_"].value))),
            Triple(g, v("sparqlEndpoint"), NamedNode(f"{server}/sparql")),
        ]
    return out


@router.get(
    "/void",
    response_class=Response,
    responses=openapi.answers({200: openapi.RDF}),
    openapi_extra=openapi.extra(openapi.param("format", "turtle, ntriples, jsonld or rdfxml")),
)
async def void(request: Request) -> Response:
    """The VoID description of the graph (Turtle, JSON-LD, N-Triples or RDF/XML)."""
    fmt = request.query_params.get("format", "")
    names = {n: mt for mt, f in RDF_MEDIA_TYPES.items() for n, g in RDF_FORMATS.items() if f == g}
    accept = names.get(fmt) or request.headers.get("accept", "")
    # A client that accepts none of the RDF formats (a browser) gets Turtle all the same.
    media = pick_media_type(accept, dict(RDF_MEDIA_TYPES), "text/turtle") or "text/turtle"
    triples = await run_in_threadpool(
        void_triples, request.app.state.store, base_of(request), root(request)
    )
    body = (
        serialize(triples, format=RDF_MEDIA_TYPES[media], prefixes=used_prefixes(triples, PREFIXES))
        or b""
    )
    charset = "" if media.endswith("json") else "; charset=utf-8"
    return Response(body, media_type=media + charset, headers={"Vary": "Accept"})
