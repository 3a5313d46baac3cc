"""Fuzzing the XML parsers of the harvest: DataCite kernel-4 XML (as the OAI-PMH kind and the
what-if assessment read it) and OAI-PMH ``ListRecords`` pages (read over HTTP from a server on
127.0.0.1 by the oaipmh source's real client).

Inputs are the real ESRF and DataCite example records and the ESRF OAI-PMH records, mutated as
trees (elements dropped, duplicated, moved or renamed; text and attributes replaced with
nasty values) and as bytes (cut short, bytes flipped or inserted, other encodings declared, a
DOCTYPE with entities), and random bytes. Properties: a record maps or is refused with a
documented per-record error (``record_inputs.check_record``); a page is read or refused with a
documented page error (``PAGE_ERRORS``), never with another exception.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from pancommons.harvest.config import parse_source
from pancommons.harvest.http import HarvestHttpError
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.datacite import map_attributes
from pancommons.harvest.mapping.datacite_xml import parse_resource, resource_to_attributes
from pancommons.harvest.mapping.nt import TermError
from pancommons.harvest.sources.base import PagingError
from pancommons.harvest.sources.oaipmh import OaiPmhError, OaipmhSource
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.page_server import PageServer, client, page_server
from tests.fuzz.record_inputs import (
    ANY_TEXT,
    DATA,
    NASTY_STRINGS,
    Seeds,
    check_ntriples,
    check_record,
    contexts,
    pick,
    snapshot,
    source,
)

OAI = source("oaipmh")
CTX = contexts(OAI)
WHATIF = Context("fuzz-xml", facility_name="ESRF", facility_ror="https://ror.org/02550n020")
KERNEL4_FILES = [
    "esrf-dc-2493599001.datacite-kernel4.xml",
    "esrf-es-2210534378.datacite-kernel4.xml",
    "datacite-example-full-v4.xml",
    "datacite-example-instrument-v4.xml",
]
KERNEL4 = Seeds("kernel-4 XML", [(DATA / name).read_bytes() for name in KERNEL4_FILES])
OAI_RECORDS = snapshot("demo-oai", "records")
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
PAGE_ERRORS = (OaiPmhError, PagingError, HarvestHttpError, MappingError)
"""What reading an OAI-PMH answer may raise: an OAI error, a repository that pages forever, an
answer that is no XML (after the retries), an unsafe document (UnsafeXml, a MappingError)."""

DC_ELEMENTS = [
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
    "format", "identifier", "source", "language", "relation", "coverage", "rights",
]  # fmt: skip
ATTRIBUTES = [
    "identifierType", "nameType", "nameIdentifierScheme", "schemeURI", "contributorType",
    "titleType", "subjectScheme", "valueURI", "classificationCode", "dateType",
    "resourceTypeGeneral", "relatedIdentifierType", "relationType", "rightsURI",
    "rightsIdentifier", "descriptionType", "affiliationIdentifier", "affiliationIdentifierScheme",
    "publisherIdentifier", "funderIdentifierType", "awardURI", "{http://www.w3.org/XML/1998/namespace}lang",
    "status",
]  # fmt: skip
HOSTILE_DOCTYPES = [
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd">',
    b'<!DOCTYPE r PUBLIC "-//X//Y" "x.dtd">',
    b"<!DOCTYPE r>",
    b'<!DOCTYPE r [<!ELEMENT r ANY>]>',
]  # fmt: skip
OAI_ERRORS = [
    "",
    '<error code="badArgument">no</error>',
    '<error code="noRecordsMatch"/>',
    '<error code="badResumptionToken">expired</error>',
    "<error>no code</error>",
]
ENCODINGS = [b"UTF-8", b"UTF-16", b"ISO-8859-1", b"ASCII", b"EBCDIC", b"bogus", b"UTF-32", b""]


def xml_text(value: str) -> str:
    """``value`` with what XML 1.0 cannot hold (control characters, lone surrogates,
    U+FFFE/U+FFFF) left out, so that lxml accepts it as text or attribute."""
    return "".join(
        c
        for c in value
        if c in "\t\n\r"
        or 0x20 <= ord(c) <= 0xD7FF
        or 0xE000 <= ord(c) <= 0xFFFD
        or ord(c) >= 0x10000
    )


TEXT = st.sampled_from(NASTY_STRINGS).map(xml_text) | ANY_TEXT.map(xml_text)


# --- tree mutations -----------------------------------------------------------------------------


@st.composite
def mutated_tree(draw: st.DrawFn, documents: Seeds, max_edits: int = 4) -> bytes:
    """A real XML document with 1..``max_edits`` element-level edits."""
    root = etree.fromstring(documents[draw(st.integers(0, len(documents) - 1))])
    tags = sorted({el.tag for el in root.iter() if isinstance(el.tag, str)})
    for _ in range(draw(st.integers(1, max_edits))):
        elements = [el for el in root.iter() if isinstance(el.tag, str)]
        el = elements[draw(st.integers(0, len(elements) - 1))]
        parent = el.getparent()
        edit = draw(
            st.sampled_from(["text", "text", "attr", "attr", "drop", "dup", "add", "rename", "br"])
        )
        if edit == "text":
            el.text = draw(TEXT)
        elif edit == "attr":
            el.set(draw(st.sampled_from(ATTRIBUTES)), draw(TEXT))
        elif edit == "drop" and parent is not None:
            parent.remove(el)
        elif edit == "dup" and parent is not None:
            parent.insert(parent.index(el), copy.deepcopy(el))
        elif edit == "add":
            child = etree.SubElement(el, draw(st.sampled_from(tags)))
            child.text = draw(TEXT)
        elif edit == "rename":
            el.tag = draw(st.sampled_from(tags))
        elif edit == "br":
            br = etree.SubElement(el, f"{{{etree.QName(el).namespace or ''}}}br")
            br.tail = draw(TEXT)
    return etree.tostring(root, encoding="utf-8", xml_declaration=draw(st.booleans()))


@st.composite
def mutated_bytes(draw: st.DrawFn, documents: Seeds) -> bytes:
    """A real XML document cut, with bytes flipped or inserted, another encoding declared, a
    DOCTYPE or a BOM added; or random bytes."""
    data = documents[draw(st.integers(0, len(documents) - 1))]
    edit = draw(st.sampled_from(["cut", "flip", "insert", "encoding", "doctype", "bom", "random"]))
    if edit == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if edit == "flip":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if edit == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    if edit == "encoding":
        encoding = draw(st.sampled_from(ENCODINGS))
        return b'<?xml version="1.0" encoding="' + encoding + b'"?>' + body
    if edit == "doctype":
        return draw(st.sampled_from(HOSTILE_DOCTYPES)) + body
    if edit == "bom":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b" \n"])) + data
    return draw(st.binary(max_size=300))


def dc_metadata(draw: st.DrawFn) -> str:
    """An ``oai_dc:dc`` element with random Dublin Core elements and values."""
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from([*DC_ELEMENTS, "titel"]))
        lang = draw(st.sampled_from(["", ' xml:lang="en"', ' xml:lang="x y"', ' xml:lang="de-CH"']))
        parts.append(f"<dc:{name}{lang}>{escape(draw(TEXT))}</dc:{name}>")
    return f'<oai_dc:dc xmlns:oai_dc="{OAI_DC}" xmlns:dc="{DC}">' + "".join(parts) + "</oai_dc:dc>"


def wrapped(resource: bytes, wrapper: int) -> str:
    """A kernel-4 resource as OAI-PMH metadata: bare, or in the oai_datacite wrapper."""
    text = resource.decode("utf-8", "replace")
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1]
    if wrapper == 0:
        return text
    ns = "http://schema.datacite.org/oai/oai-1.1/" if wrapper == 1 else "urn:other"
    return (
        f'<oai_datacite xmlns="{ns}"><schemaVersion>4</schemaVersion>'
        f"<datacentreSymbol>X.Y</datacentreSymbol><payload>{text}</payload></oai_datacite>"
    )


# --- DataCite kernel-4 XML ----------------------------------------------------------------------


def check_datacite_xml(data: bytes) -> None:
    """The what-if path (``fair/whatif.py``): parse_resource, resource_to_attributes,
    map_attributes; refused only with MappingError or TermError."""
    try:
        attributes = resource_to_attributes(parse_resource(data))
        t = map_attributes(WHATIF, attributes)
    except (MappingError, TermError) as exc:
        assert str(exc).strip()
        return
    check_ntriples(t)


@fuzz_settings(ci=150, large=5000)
@given(data=mutated_tree(KERNEL4), wrapper=st.integers(0, 2), ctx=st.sampled_from(CTX))
def test_datacite_xml_trees(data: bytes, wrapper: int, ctx: Context) -> None:
    counted("xml/datacite-kernel4-trees")
    check_datacite_xml(data)
    record = {
        "identifier": "oai:x.org:10.1234/X",
        "deleted": False,
        "metadata": wrapped(data, wrapper),
    }
    check_record(OAI, ctx, "records", record)


@fuzz_settings(ci=150, large=5000)
@given(data=mutated_bytes(KERNEL4), ctx=st.sampled_from(CTX))
def test_datacite_xml_bytes(data: bytes, ctx: Context) -> None:
    counted("xml/datacite-kernel4-bytes")
    check_datacite_xml(data)
    text = data.decode("utf-8", "surrogateescape")  # what a JSON snapshot could hold
    check_record(OAI, ctx, "records", {"identifier": "oai:x:1", "deleted": False, "metadata": text})


@fuzz_settings(ci=150, large=4000)
@given(data=st.data())
def test_oai_dc_records(data: st.DataObject) -> None:
    counted("xml/oai-dc-records")
    identifier = data.draw(st.sampled_from(["oai:x.org:10.1234/A", "oai:x:1", "x"]) | TEXT)
    record = {"identifier": identifier, "deleted": False, "metadata": dc_metadata(data.draw)}
    check_record(OAI, data.draw(st.sampled_from(CTX)), "records", record)


# --- OAI-PMH ListRecords pages over HTTP ---------------------------------------------------------


def page(records: list[str], token: str | None = None, errors: str = "") -> bytes:
    body = "".join(records)
    resumption = "" if token is None else f"<resumptionToken>{escape(token)}</resumptionToken>"
    listing = f"<ListRecords>{body}{resumption}</ListRecords>" if records or token else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}"><responseDate>2025-01-01T00:00:00Z</responseDate>'
        f'<request verb="ListRecords">http://x/oai</request>{errors}{listing}</OAI-PMH>'
    ).encode()


def record_xml(
    identifier: str, metadata: str | None, *, deleted: bool = False, sets: Sequence[str] = ()
) -> str:
    status = ' status="deleted"' if deleted else ""
    spec = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in sets)
    meta = "" if metadata is None else f"<metadata>{metadata}</metadata>"
    return (
        f"<record><header{status}><identifier>{escape(identifier)}</identifier>"
        f"<datestamp>2025-01-01</datestamp>{spec}</header>{meta}</record>"
    )


REAL_PAGES = Seeds(
    "ListRecords pages",
    [
        page([record_xml(r["identifier"], r["metadata"], sets=r["sets"]) for r in OAI_RECORDS]),
        page([record_xml(r["identifier"], r["metadata"]) for r in OAI_RECORDS[:1]], token="t-1"),
    ],
)


@st.composite
def structured_page(draw: st.DrawFn) -> bytes:
    """A ListRecords answer built from parts, each part right or wrong."""
    records = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["datacite", "dc", "none", "other", "two", "headless"]))
        identifier = draw(st.sampled_from(["oai:x.org:10.1234/A", "oai:x:1", "", " "]) | TEXT)
        if kind == "datacite":
            meta: str | None = wrapped(draw(mutated_tree(KERNEL4, 2)), draw(st.integers(0, 1)))
        elif kind == "dc":
            meta = dc_metadata(draw)
        elif kind == "other":
            meta = "<x:other xmlns:x='urn:x'>text</x:other>"
        elif kind == "two":
            meta = dc_metadata(draw) + dc_metadata(draw)
        else:
            meta = None
        xml = record_xml(
            identifier, meta, deleted=draw(st.booleans()), sets=draw(st.lists(TEXT, max_size=2))
        )
        if kind == "headless":
            xml = xml.replace("<header>", "<head>").replace("</header>", "</head>")
        records.append(xml)
    token = draw(st.none() | st.sampled_from(["", " ", "tok"]) | TEXT)
    errors = draw(st.sampled_from(OAI_ERRORS))
    data = page(records, token, errors)
    if draw(st.booleans()):
        data = data.replace(
            OAI_NS.encode(), draw(st.sampled_from([b"urn:x", b"", OAI_NS.encode()]))
        )
    return data


ANSWERS = st.one_of(
    mutated_bytes(REAL_PAGES),
    mutated_bytes(REAL_PAGES),
    structured_page(),
    structured_page(),
    st.binary(max_size=200),
    pick(REAL_PAGES),
)


@pytest.fixture(scope="module")
def oai_server() -> Iterator[PageServer]:
    with page_server("text/xml") as server:
        yield server


def harvest_pages(server: PageServer, since: str | None) -> list[dict[str, Any]]:
    """What the oaipmh source reads from the server: its pages' records (PAGE_ERRORS allowed)."""
    config = parse_source({"name": "fuzz-oai", "kind": "oaipmh", "url": server.url + "/oai"})
    src = OaipmhSource(config, client())
    records: list[dict[str, Any]] = []
    try:
        for p in src.pages(None, since):
            assert p.collection == "records" and p.offset == len(records)
            records += p.records
            assert len(server.requests) < 50, "the source pages on and on"
    except PAGE_ERRORS as exc:
        assert str(exc).strip()
    finally:
        src.close()
    return records


@fuzz_settings(ci=200, large=5000)
@given(
    answers=st.lists(ANSWERS, min_size=1, max_size=3),
    since=st.sampled_from([None, "2024-01-01"]),
    ctx=st.sampled_from(CTX),
)
def test_oai_pages(
    oai_server: PageServer, answers: list[bytes], since: str | None, ctx: Context
) -> None:
    counted("xml/oaipmh-pages")
    oai_server.serve(*answers)
    for record in harvest_pages(oai_server, since):
        json.dumps(record)  # a record is JSON-shaped (the quarantine file and snapshots store it)
        check_record(OAI, ctx, "records", record)


def test_real_pages_are_read() -> None:
    """The unmutated pages map (the mutations start from the parsed path)."""
    with page_server("text/xml") as server:
        server.serve(REAL_PAGES[0])
        records = harvest_pages(server, None)
    assert [r["identifier"] for r in records] == [r["identifier"] for r in OAI_RECORDS]
    assert all(check_record(OAI, CTX[0], "records", r) is not None for r in records)
