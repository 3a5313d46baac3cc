"""Read and run the W3C HTTP test manifests (SPARQL 1.1 Protocol, Graph Store Protocol).

Each test is a sequence of ``ht:Request``s with the expected response: status codes
(``mf:expectedStatus``), for the Protocol the kind of answer (``mf:expectedFormat``) and an
ASK answer (``mf:expectedBoolean``), for the Graph Store a Content-Type and a body compared as a
graph (isomorphism), and a ``Location`` carried into later requests (``mf:expectedLocation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import requests
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, parse_query_results
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

CONFORMANCE = Path(__file__).parents[1] / "conformance" / "w3c-rdf-tests" / "sparql" / "sparql11"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
STATUS = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404}}
RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class Expected:
    statuses: set[int]
    format: str | None = None
    boolean: bool | None = None
    content_type: str | None = None
    body: str | None = None
    location_var: str | None = None


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected


@dataclass
class HttpTest:
    name: str
    label: str
    requests: list[HttpRequest]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)


def _statuses(g: Graph, resp: BNode) -> set[int]:
    codes: set[int] = set()
    for s in g.objects(resp, MF.expectedStatus):
        local = str(s).rsplit("#", 1)[1]
        if local.startswith("StatusCode") and local.endswith("xx"):
            first = int(local[len("StatusCode")])
            codes |= set(range(first * 100, first * 100 + 100))
        else:
            codes |= STATUS[local]
    return codes


def _headers(g: Graph, node: BNode) -> dict[str, str]:
    out: dict[str, str] = {}
    for lst in g.objects(node, HT.headers):
        for h in Collection(g, lst):
            out[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
    return out


def _text(g: Graph, node: BNode) -> tuple[str, str] | None:
    body = g.value(node, HT.body)
    if body is None:
        return None
    return str(g.value(body, CNT.chars)), str(g.value(body, CNT.characterEncoding) or "UTF-8")


def _request(g: Graph, req: BNode) -> HttpRequest:
    resp = g.value(req, HT.resp)
    expected = Expected(_statuses(g, resp))
    fmt, boolean, location = (
        g.value(resp, MF.expectedFormat),
        g.value(resp, MF.expectedBoolean),
        g.value(resp, MF.expectedLocation),
    )
    expected.format = str(fmt) if fmt is not None else None
    expected.boolean = boolean.toPython() if isinstance(boolean, Literal) else None
    expected.location_var = str(location) if location is not None else None
    expected.content_type = _headers(g, resp).get("content-type")
    text = _text(g, resp)
    expected.body = text[0] if text else None
    body = _text(g, req)
    return HttpRequest(
        method=str(g.value(req, HT.methodName)),
        path=str(g.value(req, HT.absolutePath)),
        headers=_headers(g, req),
        body=body[0].encode(body[1]) if body else None,
        expected=expected,
    )


def load(manifest: Path) -> list[HttpTest]:
    """The tests listed in ``manifest``'s ``mf:entries`` (following ``mf:include``)."""
    g = Graph().parse(manifest, format="turtle")
    root = next(g.subjects(RDF.type, MF.Manifest))
    tests: list[HttpTest] = []
    for include in g.objects(root, MF.include):
        for item in Collection(g, include):
            tests += load(manifest.parent / str(item).rsplit("/", 1)[1])
    for entries in g.objects(root, MF.entries):
        for entry in Collection(g, entries):
            action = g.value(entry, MF.action)
            data = [
                (
                    manifest.parent / str(g.value(d, UT.graph)).rsplit("/", 1)[1],
                    str(g.value(d, RDFS.label)),
                )
                for d in g.objects(entry, UT.graphData)
            ]
            tests.append(
                HttpTest(
                    name=str(entry).rsplit("#", 1)[1],
                    label=str(g.value(entry, MF.name)),
                    requests=[_request(g, r) for r in Collection(g, g.value(action, HT.requests))],
                    graph_data=data,
                )
            )
    return tests


def _media(response: requests.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _same_header(a: str, b: str) -> bool:
    norm = lambda v: [p.strip().lower() for p in v.split(";")]  # noqa: E731
    return norm(a) == norm(b)


def check(response: requests.Response, expected: Expected, where: str) -> None:
    """Assert that ``response`` is what the manifest expects."""
    assert response.status_code in expected.statuses, (
        f"{where}: HTTP {response.status_code}: {response.text[:500]}"
    )
    media = _media(response)
    if expected.format in ("boolean", "tabular"):
        assert media in RESULT_TYPES, f"{where}: results as {media!r}"
        result = parse_query_results(response.content, RESULT_TYPES[media])
        kind = QueryBoolean if expected.format == "boolean" else QuerySolutions
        assert isinstance(result, kind), f"{where}: {type(result).__name__}, not {expected.format}"
        if expected.boolean is not None:
            assert bool(result) is expected.boolean, f"{where}: ASK answered {bool(result)}"
    elif expected.format == "RDF":
        assert media in RDF_TYPES, f"{where}: graph as {media!r}"
        Graph().parse(data=response.content, format=RDF_TYPES[media])
    if expected.content_type is not None:
        assert _same_header(response.headers.get("content-type", ""), expected.content_type), (
            f"{where}: Content-Type {response.headers.get('content-type')!r}"
        )
    if expected.body is not None:
        got = Graph().parse(data=response.content, format=RDF_TYPES[media])
        want = Graph().parse(data=expected.body, format="turtle")
        assert isomorphic(got, want), f"{where}: graph differs:\n{response.text}"
    if response.status_code >= 400 and response.request.method != "HEAD":
        error = response.json()
        assert error["status"] == response.status_code and error["error"] and error["detail"]


def run(test: HttpTest, base: str, prefixes: dict[str, str], token: str) -> None:
    """Send ``test``'s requests to the server at ``base`` and check every response.
    ``prefixes`` maps the manifest's path prefixes to ours; the token goes on every request."""
    variables: dict[str, str] = {}
    for i, req in enumerate(test.requests, 1):
        path, body = req.path, req.body
        for var, value in variables.items():
            path = path.replace(var, value)
            body = body.replace(var.encode(), value.encode()) if body else body
        for theirs, ours in prefixes.items():
            if path.startswith(theirs):
                path = ours + path[len(theirs) :]
                break
        headers = {**req.headers, "Authorization": f"Bearer {token}"}
        response = requests.request(
            req.method, base + path, data=body, headers=headers, timeout=30, allow_redirects=False
        )
        check(response, req.expected, f"{test.name} request {i} ({req.method} {path})")
        if req.expected.location_var:
            location = response.headers.get("location")
            assert location, f"{test.name} request {i}: no Location header"
            variables[req.expected.location_var] = location


def reset(base: str, token: str, graph_data: list[tuple[Path, str]]) -> None:
    """Empty the store and load ``graph_data`` (file, graph IRI) through SPARQL Update."""
    inserts = [
        f"INSERT DATA {{ GRAPH <{iri}> {{ {path.read_text()} }} }}" for path, iri in graph_data
    ]
    r = requests.post(
        base + "/sparql",
        data=" ;\n".join(["DROP ALL", *inserts]).encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 204, r.text
