"""The SPARQL 1.1 Service Description of ``/sparql`` (what a plain GET without a query returns)."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from pancommons import __version__

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
MAX_LISTED_GRAPHS = 1000
PREFIXES = {"sd": SD, "format": FORMATS, "dct": "http://purl.org/dc/terms/"}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def description(endpoint: str, graphs: list[str], *, updates: bool) -> list[Triple]:
    """The triples describing the endpoint at ``endpoint`` serving named ``graphs``."""
    service = BlankNode()
    dataset = BlankNode()
    default = BlankNode()
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), NamedNode(endpoint)),
        Triple(
            service,
            NamedNode("http://purl.org/dc/terms/title"),
            Literal(f"PaN Commons SPARQL endpoint ({__version__})"),
        ),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(
            service,
            _sd("defaultEntailmentRegime"),
            NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default),
        Triple(default, RDF_TYPE, _sd("Graph")),
    ]
    if updates:
        triples.append(Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    triples += [
        Triple(service, _sd("resultFormat"), NamedNode(FORMATS + name)) for name in RESULT_FORMATS
    ]
    for graph in graphs[:MAX_LISTED_GRAPHS]:
        node = BlankNode()
        triples += [
            Triple(dataset, _sd("namedGraph"), node),
            Triple(node, RDF_TYPE, _sd("NamedGraph")),
            Triple(node, _sd("name"), NamedNode(graph)),
        ]
    return triples


def serialized(triples: list[Triple], fmt: RdfFormat) -> bytes:
    """``triples`` in ``fmt``, with readable prefixes where the format has them."""
    if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML):
        return serialize(triples, format=fmt, prefixes=PREFIXES) or b""
    return serialize(triples, format=fmt) or b""
