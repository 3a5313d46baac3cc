"""Hostile XML for every XML input: external entities (a local file, a 127.0.0.1 HTTP server,
a parameter entity, an external DTD, XInclude) and entity amplification (billion laughs,
quadratic blowup), each built around a real document of the input's kind.

A document kind is a ``Shape``: its root element name (for the DOCTYPE) and its text with one
``{ref}`` where an entity reference goes. Every attack returns UTF-8 bytes, with a marker that
must never come back out: the file holds ``MARKER`` and the canary server answers ``MARKER``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MARKER = "PANCOMMONS-SECRET-MARKER-7f3a91"


@dataclass(frozen=True)
class Shape:
    root: str
    text: str
    """The document after its DOCTYPE, with ``{ref}`` where the entity reference goes."""

    def document(self, subset: str, ref: str, *, doctype: str | None = None) -> bytes:
        head = doctype if doctype is not None else f"<!DOCTYPE {self.root} [\n{subset}\n]>"
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n{self.text.format(ref=ref)}'.encode()
        )


@dataclass(frozen=True)
class Targets:
    """Where the external attacks point: a local file and a canary server's base URL."""

    secret_file: Path
    canary: str


def laughs_subset(levels: int) -> str:
    """``&l{levels};`` expands to 3·10^levels characters."""
    lines = ['<!ENTITY l0 "lol">']
    lines += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return "\n".join(lines)


Attack = Callable[[Shape, Targets], bytes]


def xxe_file(shape: Shape, t: Targets) -> bytes:
    return shape.document(f'<!ENTITY x SYSTEM "{t.secret_file.as_uri()}">', "&x;")


def xxe_http(shape: Shape, t: Targets) -> bytes:
    return shape.document(f'<!ENTITY x SYSTEM "{t.canary}/entity">', "&x;")


def xxe_parameter(shape: Shape, t: Targets) -> bytes:
    return shape.document(f'<!ENTITY % p SYSTEM "{t.canary}/remote.dtd">\n%p;', "&leak;")


def external_dtd(shape: Shape, t: Targets) -> bytes:
    return shape.document(
        "", "&leak;", doctype=f'<!DOCTYPE {shape.root} SYSTEM "{t.canary}/d.dtd">'
    )


def xinclude(shape: Shape, t: Targets) -> bytes:
    ref = (
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{t.secret_file.as_uri()}" parse="text"/>'
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{shape.text.format(ref=ref)}'.encode()


def billion_laughs(shape: Shape, t: Targets) -> bytes:
    return shape.document(laughs_subset(9), "&l9;")  # 3 GB expanded


def million_laughs(shape: Shape, t: Targets) -> bytes:
    """Small enough (3 MB expanded) that a regression is a failed assertion, not an OOM kill of
    the test process: for parsers called in-process."""
    return shape.document(laughs_subset(6), "&l6;")


def quadratic_blowup(shape: Shape, t: Targets) -> bytes:
    """One 50 kB entity referenced 20,000 times: 1 GB expanded, no nesting to detect."""
    return shape.document(f'<!ENTITY a "{"x" * 50_000}">', "&a;" * 20_000)


def small_quadratic(shape: Shape, t: Targets) -> bytes:
    """The same, 40 MB expanded: for parsers called in-process."""
    return shape.document(f'<!ENTITY a "{"x" * 20_000}">', "&a;" * 2_000)


EXTERNAL: dict[str, Attack] = {
    "xxe-file": xxe_file,
    "xxe-http": xxe_http,
    "xxe-parameter": xxe_parameter,
    "external-dtd": external_dtd,
    "xinclude": xinclude,
}
AMPLIFYING: dict[str, Attack] = {"billion-laughs": billion_laughs, "quadratic": quadratic_blowup}
AMPLIFYING_SMALL: dict[str, Attack] = {"laughs": million_laughs, "quadratic": small_quadratic}
ALL: dict[str, Attack] = {**EXTERNAL, **AMPLIFYING}
IN_PROCESS: dict[str, Attack] = {**EXTERNAL, **AMPLIFYING_SMALL}

RDF_XML = Shape(
    "rdf:RDF",
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/ns#"><rdf:Description rdf:about="http://example.org/s">'
    "<ex:p>{ref}</ex:p></rdf:Description></rdf:RDF>",
)
DATACITE = Shape(
    "resource",
    '<resource xmlns="http://datacite.org/schema/kernel-4">'
    '<identifier identifierType="DOI">10.5555/HOSTILE-1</identifier>'
    "<creators><creator><creatorName>Doe, Jane</creatorName></creator></creators>"
    "<titles><title>{ref}</title></titles><publisher>Test Facility</publisher>"
    "<publicationYear>2024</publicationYear>"
    '<resourceType resourceTypeGeneral="Dataset">Dataset</resourceType></resource>',
)
SPARQL_RESULTS = Shape(
    "sparql",
    '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="g"/></head>'
    '<results><result><binding name="g"><uri>http://example.org/{ref}</uri></binding>'
    "</result></results></sparql>",
)
OAI_PAGE = Shape(
    "OAI-PMH",
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2024-05-01T00:00:00Z</responseDate>"
    '<request verb="ListRecords">http://repo.example.org/oai</request><ListRecords><record>'
    "<header><identifier>oai:repo.example.org:1</identifier>"
    "<datestamp>2024-05-01T00:00:00Z</datestamp></header><metadata>"
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
    "<dc:title>{ref}</dc:title><dc:identifier>10.5555/HOSTILE-1</dc:identifier></oai_dc:dc>"
    "</metadata></record></ListRecords></OAI-PMH>",
)
ICAT_DUMP = Shape(
    "icatdata",
    "<icatdata><head><date>2025-12-01T16:03:43+00:00</date></head><data>"
    '<facility id="Facility_name-X"><fullName>{ref}</fullName><name>X</name></facility>'
    "</data></icatdata>",
)
