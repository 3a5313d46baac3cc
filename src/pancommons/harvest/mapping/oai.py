"""OAI-PMH records (``oai_datacite``, ``oai_dc``) → DESIGN §4, and the safe XML parsing they need.

A record is what ``sources/oaipmh.py`` yields and what ``harvesters/snapshots/demo-oai`` stores
(JSON): ``{"identifier", "datestamp", "sets", "deleted", "metadata"}``, ``metadata`` being the
record's metadata element as an XML string (None for a deleted record). The format is read from
the metadata's namespace, so the same mapping serves every ``metadata_prefix``.

- ``oai_datacite``: the kernel-4 ``<resource>``, bare or in DataCite's ``<oai_datacite>`` wrapper
  (oai-1.0 or oai-1.1), goes through ``datacite_xml.resource_to_attributes`` and
  ``datacite.map_attributes``: the same DOI gives the same node as the DataCite REST kind.
- ``oai_dc``: a dcat:Dataset whose node is the DOI (or else Handle) among the ``dc:identifier``s or
  in the OAI identifier, else minted from the OAI identifier.
- A deleted record: no triples, and its dataset node as ``owned``, so an incremental run removes
  what the graph said of it (a full run never sees it: the source leaves deleted records out).

Every piece of metadata is validated against its bundled XML Schema (``schemas/xsd/``, loaded
without network) first; a record that breaks it is quarantined with the schema's message.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from pancommons import vocab
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    Context,
    MappingError,
    add_date,
    add_license,
    doi_or_none,
)
from pancommons.harvest.mapping.nt import TermError, Triples, iri
from pancommons.store.base import SOURCED_BY

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_DATACITE = (
    "http://schema.datacite.org/oai/oai-1.0/",
    "http://schema.datacite.org/oai/oai-1.1/",
)
KERNEL_4 = "http://datacite.org/schema/kernel-4"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

XSD_DIR = Path(__file__).resolve().parents[1] / "schemas" / "xsd"
SCHEMAS = {
    OAI_DC: "oai-pmh/oai_dc.xsd",
    OAI_DATACITE[0]: "datacite/oai/oai-1.0/oai.xsd",
    OAI_DATACITE[1]: "datacite/oai/oai-1.1/oai.xsd",
    KERNEL_4: "datacite/kernel-4/metadata.xsd",
}
_XML_XSD = XSD_DIR / "datacite" / "kernel-4" / "include" / "xml.xsd"


class UnsafeXml(MappingError):
    """A document declares entities or an external DTD (XXE, billion laughs): never parsed on."""


# --- parsing ------------------------------------------------------------------------------------


def safe_parser() -> etree.XMLParser:
    """Entities not substituted, no DTD loaded, no network, no huge trees (a new one per call:
    lxml parsers must not be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_DOCTYPE = re.compile(rb"<!DOCTYPE\b([^\[>]*)(\[)?")
_ENTITIES = (
    "declares XML entities in a DOCTYPE; refused: entity expansion (billion laughs) and "
    "external entities (XXE) are never processed"
)
_EXTERNAL = "names an external DTD; refused (no file or network access)"


def parse_xml(data: bytes | str, where: str = "the document") -> Any:
    """The root element of ``data``; raises UnsafeXml for a DOCTYPE that declares entities or
    names an external DTD, etree.XMLSyntaxError for XML that is not well-formed, MappingError
    for text that is no Unicode (a lone surrogate, which a JSON string can hold).

    Looked for before parsing too: libxml2 already fails on a billion laughs (its amplification
    limit), and that must read as an attack, not as a page cut short to be fetched again."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MappingError(
                f"{where} is not Unicode text: a lone surrogate at position {exc.start}"
            ) from None
    m = _DOCTYPE.search(data)
    if m and m.group(2) and b"<!ENTITY" in data[m.end() :]:
        raise UnsafeXml(f"{where} {_ENTITIES}")
    if m and re.search(rb"\b(?:SYSTEM|PUBLIC)\b", m.group(1)):
        raise UnsafeXml(f"{where} {_EXTERNAL}")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        if any(s in str(exc) for s in ("amplification", "entity reference loop")):
            # a DOCTYPE the byte search above cannot see (UTF-16): an attack, not a cut page
            raise UnsafeXml(f"{where} {_ENTITIES}") from None
        raise
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXml(f"{where} {_ENTITIES}")
    if info.system_url or (dtd is not None and dtd.system_url):
        raise UnsafeXml(f"{where} {_EXTERNAL}")
    return root


# --- XML Schema ---------------------------------------------------------------------------------


class _BundledOnly(etree.Resolver):
    """Schema includes/imports come from ``schemas/xsd/`` only; the W3C ``xml.xsd`` that the
    Dublin Core schema imports by URL is the bundled copy. Nothing is fetched."""

    def resolve(self, url: str, public_id: str | None, context: Any) -> Any:
        if re.match(r"^https?://www\.w3\.org/(?:2001/(?:03/)?)?xml\.xsd$", url):
            return self.resolve_filename(str(_XML_XSD), context)
        path = Path(url.removeprefix("file://"))
        if path.is_absolute() and XSD_DIR in path.resolve().parents:
            return None  # the default loader reads the bundled file
        raise ValueError(f"XML Schema import {url!r} is not bundled in {XSD_DIR}")


_lock = threading.Lock()


@cache
def schema(namespace: str) -> etree.XMLSchema:
    """The compiled XML Schema of a metadata namespace (compiled once, without network)."""
    with _lock:
        parser = safe_parser()
        parser.resolvers.add(_BundledOnly())
        return etree.XMLSchema(etree.parse(str(XSD_DIR / SCHEMAS[namespace]), parser))


def check_schema(element: Any, namespace: str, what: str) -> None:
    """Raise MappingError with the schema's first complaint when ``element`` breaks it."""
    xsd = schema(namespace)
    try:
        xsd.assertValid(element)
    except etree.DocumentInvalid as exc:
        err = exc.error_log.last_error if exc.error_log else None
        where = f"line {err.line}: {err.message}" if err is not None else str(exc)
        raise MappingError(f"{what} breaks {SCHEMAS[namespace]}: {where}") from None


# --- records ------------------------------------------------------------------------------------


def map_record(ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
    identifier = str(record.get("identifier") or "").strip()
    if not identifier:
        raise MappingError("record without an OAI identifier")
    if record.get("deleted"):
        return deletion(ctx, identifier)
    text = record.get("metadata")
    if not isinstance(text, str) or not text.strip():
        raise MappingError(f"{identifier}: no metadata, and the header does not say deleted")
    try:
        root = parse_xml(text, "the record's metadata")
    except etree.XMLSyntaxError as exc:
        raise MappingError(f"the record's metadata is not well-formed XML: {exc}") from None
    ns = etree.QName(root).namespace or ""
    if ns == OAI_DC:
        t = dublin_core(ctx, identifier, root)
    elif ns in OAI_DATACITE or ns.startswith("http://datacite.org/schema/kernel-"):
        t = datacite(ctx, root)
    else:
        raise MappingError(f"metadata {root.tag} is neither oai_dc nor oai_datacite")
    # The nodes this record describes say so (dct:source: the harvest record, DESIGN §4), so
    # that a later deletion or change of the record finds them whatever their IRIs.
    record = iri(ctx.mint("record", identifier))
    for node in t.owned:
        t.add(node, T.SOURCE, record)
    t.owned.append(sourced_by(record))
    return t


def sourced_by(record: str) -> str:
    """The merge mark "replace every node whose dct:source is ``record``" (store/base.py)."""
    return f"<{SOURCED_BY}{record[1:-1]}>"


def deletion(ctx: Context, identifier: str) -> Triples:
    """What a deleted record says: its dataset is gone (no lines, the node as owned), and so is
    the experiment the DataCite mapping mints for a DOI (``experiment/{source}/{doi}``)."""
    t = Triples()
    node = dataset_iri(ctx, identifier)
    t.owned.append(iri(node))
    t.owned.append(sourced_by(iri(ctx.mint("record", identifier))))
    if node.startswith("https://doi.org/"):
        t.owned.append(iri(ctx.mint("experiment", vocab.normalize_doi(node))))
    return t


def dataset_iri(ctx: Context, identifier: str, dc_identifiers: Sequence[str] = ()) -> str:
    """DOI, else Handle, among the ``dc:identifier``s, else in the OAI identifier
    (``oai:icatplus.esrf.fr:10.15151/ESRF-ES-…``), else the OAI identifier's local part when
    that is an http(s) IRI (a provider publishing its linked-data IRIs, as PaN Commons' own
    ``/oai`` does: ``oai:w3id.org:https://w3id.org/pan-commons/id/dataset/…``), else minted
    from the OAI identifier."""
    for value in dc_identifiers:
        if doi := doi_or_none(value):
            return doi
    for value in dc_identifiers:
        if handle := _handle(value):
            return handle
    parts = identifier.split(":", 2)
    local = parts[2] if len(parts) == 3 and parts[0].lower() == "oai" else identifier
    found = doi_or_none(local) or _doi_in(local) or _handle(local)
    if found:
        return found
    if re.match(r"^https?://[^\s<>\"{}|\\^`]+$", local):
        return local
    return ctx.mint("dataset", identifier)


_DOI_IN = re.compile(r"(?:^|[/:])(10\.\d{4,9}/\S+)$")


def _doi_in(text: str) -> str | None:
    """A DOI ending ``text`` (``info:eu-repo/semantics/altIdentifier/doi/10.…``)."""
    m = _DOI_IN.search(text.strip())
    return doi_or_none(m.group(1)) if m else None


_HANDLE = re.compile(r"^(?:hdl:|info:hdl/|https?://hdl\.handle\.net/|\d+(?:\.\d+)+/)", re.I)


def _handle(text: str) -> str | None:
    """A Handle written as one (``hdl:``, a resolver URL, a dotted prefix as ``20.500.…/``):
    a bare ``2024/001`` is too likely something else."""
    if not _HANDLE.match(text.strip()):
        return None
    try:
        return vocab.handle_iri(text)
    except vocab.InvalidIdentifier:
        return None


def datacite(ctx: Context, root: Any) -> Triples:
    """The kernel-4 resource (bare or in the oai_datacite wrapper) → the DataCite mapping."""
    from pancommons.harvest.mapping import datacite as datacite_mapping
    from pancommons.harvest.mapping import datacite_xml

    ns = etree.QName(root).namespace or ""
    resource = root
    if ns in OAI_DATACITE:
        check_schema(root, ns, "the oai_datacite wrapper")
        payload = root.find(f"{{{ns}}}payload")
        inner = [c for c in payload if isinstance(c.tag, str)] if payload is not None else []
        if len(inner) != 1:
            raise MappingError("the oai_datacite payload must hold exactly one <resource>")
        resource = inner[0]
    name = etree.QName(resource)
    if name.localname != "resource" or not (name.namespace or "").startswith(
        "http://datacite.org/schema/kernel-"
    ):
        raise MappingError(f"expected a DataCite <resource>, found {resource.tag}")
    if name.namespace == KERNEL_4:
        check_schema(resource, KERNEL_4, "the DataCite resource")
    attributes = datacite_xml.resource_to_attributes(resource)
    return datacite_mapping.map_attributes(ctx, attributes)


# --- oai_dc -------------------------------------------------------------------------------------

_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_ACCESS = {
    "info:eu-repo/semantics/openaccess": T.ACCESS_PUBLIC,
    "info:eu-repo/semantics/restrictedaccess": T.ACCESS_RESTRICTED,
    "info:eu-repo/semantics/embargoedaccess": T.ACCESS_NON_PUBLIC,
    "info:eu-repo/semantics/closedaccess": T.ACCESS_NON_PUBLIC,
}
_EMBARGO_END = "info:eu-repo/date/embargoend/"


def dublin_core(ctx: Context, identifier: str, root: Any) -> Triples:
    check_schema(root, OAI_DC, "the oai_dc metadata")
    dc: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for el in root:
        if isinstance(el.tag, str) and etree.QName(el).namespace == DC:
            text = (el.text or "").strip()
            if text:
                lang = el.get(XML_LANG)
                dc[etree.QName(el).localname].append(
                    (text, lang if lang and _LANG.match(lang) else None)
                )
    ids = [v for v, _ in dc["identifier"]]
    node = iri(dataset_iri(ctx, identifier, ids))
    t = Triples()
    t.owned.append(node)
    t.type(node, T.DATASET)
    pid = next((v for v in ids if doi_or_none(v)), None) or next(filter(_handle, ids), None)
    t.text(node, T.IDENTIFIER, pid or identifier)
    for text, lang in dc["title"]:
        t.text(node, T.TITLE, text, lang=lang)
    for text, lang in dc["description"]:
        t.text(node, T.DESCRIPTION, text, lang=lang)
    for text, lang in dc["subject"]:
        t.text(node, T.KEYWORD, text, lang=lang)
    for text, _ in dc["type"]:
        t.text(node, T.TYPE, text)
    for prop, key in ((T.CREATOR, "creator"), (T.CONTRIBUTOR, "contributor")):
        for text, _ in dc[key]:
            t.add(node, prop, _agent(ctx, t, text, "person", T.PERSON))
    facility = ctx.facility_node(t)
    if facility:
        t.add(node, T.PUBLISHER, facility)
    else:
        for text, _ in dc["publisher"]:
            t.add(node, T.PUBLISHER, _agent(ctx, t, text, "organization", T.ORGANIZATION))
    _dates(t, node, [v for v, _ in dc["date"]])
    for text, _ in dc["rights"]:
        access = _ACCESS.get(text.lower())
        if access:
            t.link(node, T.ACCESS_RIGHTS, access)
        else:
            add_license(t, node, text)
    for text, _ in dc["relation"]:
        _link(
            t, node, T.RELATION, doi_or_none(text) or _doi_in(text) or _handle(text) or _url(text)
        )
    for value in ids:
        if _url(value) and not doi_or_none(value) and not _handle(value):
            _link(t, node, T.LANDING_PAGE, value)
    return t


def _agent(ctx: Context, t: Triples, name: str, kind: str, cls: str) -> str:
    """A person or organisation known by its name only (minted from it, as every mapping does)."""
    node = iri(ctx.mint(kind, name))
    t.type(node, cls)
    t.text(node, T.NAME, name)
    return node


def _dates(t: Triples, node: str, dates: list[str]) -> None:
    """The first plain ``dc:date`` is dct:issued (ISO 8601 or quarantined, as everywhere);
    ``info:eu-repo/date/embargoEnd/…`` is dct:available; other ``info:`` dates are skipped."""
    issued = False
    for text in dates:
        if text.lower().startswith(_EMBARGO_END):
            add_date(t, node, T.AVAILABLE, text[len(_EMBARGO_END) :])
        elif not text.lower().startswith("info:") and not issued:
            add_date(t, node, T.ISSUED, text)
            issued = True


def _url(text: str) -> str | None:
    return text if re.match(r"^https?://\S+$", text) else None


def _link(t: Triples, s: str, p: str, target: str | None) -> None:
    """A link to a resource; a value that is no valid IRI is left out, not fatal."""
    if target:
        with suppress(TermError):
            t.link(s, p, target)
