"""DataCite DOI metadata (REST API ``data`` items, or kernel-4 XML through ``datacite_xml``) →
DESIGN §4, with the conventions of ``mapping/panosc.py`` and ``mapping/scicat.py`` and the
relationType table of reference/catalogues-and-mapping.md §7.4.

The DOI is the node (``https://doi.org/{lower case}``), typed by ``resourceTypeGeneral``; its
registered spelling (the identifier of the registered XML, upper case at ESRF, while the API
answers lower case) is kept in ``dct:identifier``. PaN conventions (ESRF, §5): ``subjects`` with
subjectScheme "Instrument" and "Proposal" become the instrument and proposal of the experiment
that generated the dataset (minted ``experiment/{source}/{doi}``, with the Collected dates as its
times), a proposal also a ``dcat:DatasetSeries``; PaNET subjects are techniques. People: ORCID
IRIs, else minted from the name; parts in ``datacite_agents`` (creators, contributors,
publisher, funding) and ``datacite_relations`` (relatedIdentifiers). A REST API record's DOI
records with ``dct:source`` its URL in the API, ``{api}/dois/{doi}``; an instrument (subject or
PIDINST relation) is the dataset's ``pan:instrument`` and its experiment's ``prov:used``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from contextlib import suppress
from typing import Any
from urllib.parse import quote

from pancommons import vocab
from pancommons.harvest.mapping import datacite_agents, datacite_relations
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    Context,
    MappingError,
    add_date,
    add_source,
    date_term,
    doi_or_none,
    pid_iri,
    technique_iri,
)
from pancommons.harvest.mapping.datacite_resource import (
    DATA_TYPES,
    PUBLICATION_TYPES,
    Resource,
    items,
    one_line,
    text,
)
from pancommons.harvest.mapping.nt import XSD, TermError, Triples, iri, literal

ALTERNATIVE = f"<{vocab.DCT}alternative>"
TABLE_OF_CONTENTS = f"<{vocab.DCT}tableOfContents>"
EXTENT = f"<{vocab.DCT}extent>"
VERSION = f"<{vocab.DCAT}version>"
RESOURCE = f"<{vocab.DCAT}Resource>"

# dateType → predicate on the DOI (Collected goes to the experiment, Issued falls back on
# publicationYear; Coverage, Withdrawn and Other are not mapped)
DATE_TYPES = {
    "issued": T.ISSUED,
    "available": T.AVAILABLE,  # end of embargo (ESRF)
    "created": T.CREATED,
    "updated": T.MODIFIED,
    "accepted": f"<{vocab.DCT}dateAccepted>",
    "submitted": f"<{vocab.DCT}dateSubmitted>",
    "copyrighted": f"<{vocab.DCT}dateCopyrighted>",
    "valid": f"<{vocab.DCT}valid>",
}
_UNITS = {"b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"pb": 10**15, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50}
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)$")
_YEAR_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")  # ASCII digits: \d matches "٢٠٢٠"
_XML_IDENTIFIER = re.compile(rb"<(?:\w+:)?identifier\b[^>]*>\s*([^<\s][^<]*?)\s*</")


def map_record(ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
    """A DataCite REST API ``data`` item ``{id, type, attributes, relationships}``."""
    if collection != "dois":
        raise MappingError(f"unknown DataCite collection {collection!r}")
    attrs = record.get("attributes")
    if not isinstance(attrs, dict):
        raise MappingError("DataCite record without attributes")
    doi = text(attrs.get("doi")) or text(record.get("id"))
    registered = registered_spelling(attrs.get("xml"), doi)
    t = map_attributes(ctx, {**attrs, "doi": registered})
    node = iri(doi_or_none(registered) or "")  # map_attributes refused a registered non-DOI
    add_source(ctx, t, node, f"dois/{quote(doi, safe='/')}", "dois.json")
    return t


def registered_spelling(xml_b64: Any, doi: str) -> str:
    """The DOI as registered (the ``<identifier>`` of the base64 XML the API carries) when it
    is the same DOI; else ``doi`` as the API spells it (lower case)."""
    if not isinstance(xml_b64, str) or not xml_b64:
        return doi
    try:
        m = _XML_IDENTIFIER.search(base64.b64decode(xml_b64, validate=True))
    except (binascii.Error, ValueError):
        return doi
    if m:
        found = m.group(1).decode("utf-8", "replace")
        if doi_or_none(found) is not None and doi_or_none(found) == doi_or_none(doi):
            return found
    return doi


def map_attributes(ctx: Context, attributes: dict[str, Any]) -> Triples:
    """DataCite attributes (REST API shape; ``datacite_xml.resource_to_attributes`` for XML)."""
    registered = text(attributes.get("doi"))
    doi_node = doi_or_none(registered)
    if doi_node is None:
        raise MappingError(f"doi: not a DOI: {registered!r}" if registered else "no doi")
    t = Triples()
    types = attributes.get("types") if isinstance(attributes.get("types"), dict) else {}
    general = text(types.get("resourceTypeGeneral"))
    res = Resource(ctx, t, iri(doi_node), vocab.normalize_doi(registered), _kind(general))
    res.owned.append(res.node)
    node = res.node
    t.type(node, *_classes(res.kind))
    t.add(node, T.IDENTIFIER, literal(registered))
    t.text(node, T.TYPE, text(types.get("resourceType")) or general)
    _titles(t, node, attributes)
    _descriptions(t, node, attributes)
    _dates(res, attributes)
    for rights in items(attributes, "rightsList"):
        datacite_agents.add_rights(t, node, rights)
    _subjects(res, attributes)
    datacite_agents.add_agents(res, attributes)
    datacite_agents.add_publisher(res, attributes.get("publisher"))
    datacite_agents.add_funding(res, attributes)
    datacite_relations.add_related(res, items(attributes, "relatedIdentifiers"))
    for size in _strings(attributes.get("sizes")):
        _size(t, node, size)
    for fmt in _strings(attributes.get("formats")):
        t.text(node, T.FORMAT, fmt)
    t.text(node, VERSION, text(attributes.get("version")))
    url = text(attributes.get("url"))
    if url.startswith(("https://", "http://")):
        with suppress(TermError):  # a landing page that is no IRI is left out, not fatal
            t.add(node, T.LANDING_PAGE, iri(url))
    t.owned.extend(res.owned)
    return t


def _strings(value: Any) -> list[str]:
    return [x for x in (text(v) for v in value) if x] if isinstance(value, list) else []


def _kind(general: str) -> str:
    key = general.lower()
    if key in DATA_TYPES:
        return "dataset"
    if key in PUBLICATION_TYPES:
        return "publication"
    return "instrument" if key == "instrument" else "other"


def _classes(kind: str) -> tuple[str, ...]:
    return {
        "dataset": (T.DATASET,),
        "publication": (T.PUBLICATION, T.SCHOLARLY_ARTICLE),
        "instrument": (T.INSTRUMENT,),
    }.get(kind, (RESOURCE,))


def _titles(t: Triples, node: str, attrs: dict[str, Any]) -> None:
    """The main title(s) (no titleType) → dct:title; subtitles, translated and alternative
    titles → dct:alternative. Line breaks of the registered XML are spaces."""
    for title in items(attrs, "titles"):
        t.text(
            node,
            ALTERNATIVE if text(title.get("titleType")) else T.TITLE,
            one_line(title.get("title")),
        )


def _descriptions(t: Triples, node: str, attrs: dict[str, Any]) -> None:
    """Abstract (and the other types: Methods, TechnicalInfo…) → dct:description;
    TableOfContents → dct:tableOfContents."""
    for d in items(attrs, "descriptions"):
        toc = text(d.get("descriptionType")).lower() == "tableofcontents"
        t.text(node, TABLE_OF_CONTENTS if toc else T.DESCRIPTION, text(d.get("description")))


def _dates(res: Resource, attrs: dict[str, Any]) -> None:
    issued = False
    for d in items(attrs, "dates"):
        kind, value = text(d.get("dateType")).lower(), text(d.get("date"))
        if not value:
            continue
        start, _, end = value.partition("/")  # RKMS-ISO8601 ranges "start/end", either open
        if kind == "collected":
            exp = res.experiment()
            if exp:
                _date(res.t, exp, T.STARTED, start)
                _date(res.t, exp, T.ENDED, end)
        elif kind in DATE_TYPES:
            _date(res.t, res.node, DATE_TYPES[kind], start or end)
            issued = issued or kind == "issued"
    if not issued:  # the API adds Issued = publicationYear; registered XML may not have it
        _date(res.t, res.node, T.ISSUED, text(attrs.get("publicationYear")))


def _date(t: Triples, s: str, p: str, value: str) -> None:
    value = value.strip()
    if _YEAR_MONTH.match(value):  # DataCite allows YYYY-MM, common for Collected
        t.add(s, p, literal(value, XSD + "gYearMonth"))
    elif value:
        try:
            date_term(value)
        except MappingError as exc:
            raise MappingError(f"dates: {exc}") from None
        add_date(t, s, p, value)


def _size(t: Triples, node: str, value: str) -> None:
    """dcat:byteSize when the size is an amount of bytes ("1.5 GB", "1024 bytes"); anything
    else ("90 pages", a bare number) is kept as dct:extent text."""
    m = _SIZE.match(value)
    unit = _UNITS.get(m.group(2).lower()) if m else None
    size = float(m.group(1)) * unit if m and unit else math.inf  # "9…9 GB" is inf too
    if math.isfinite(size):
        t.add(node, T.BYTE_SIZE, literal(str(round(size)), XSD + "nonNegativeInteger"))
    else:
        t.text(node, EXTENT, value)


def _subjects(res: Resource, attrs: dict[str, Any]) -> None:
    """PaNET terms → dcat:theme (and the experiment's pan:technique); ESRF's subjectScheme
    "Instrument" and "Proposal" → the experiment's instrument and proposal(s); the rest →
    dcat:keyword. Instruments and proposals of a non-dataset DOI stay keywords."""
    t, ctx = res.t, res.ctx
    awards = {
        text(f.get("awardNumber")): one_line(f.get("awardTitle"))
        for f in items(attrs, "fundingReferences")
    }
    for s in items(attrs, "subjects"):
        value = one_line(s.get("subject"))
        scheme = text(s.get("subjectScheme")).lower()
        panet = technique_iri(s.get("valueUri"), s.get("classificationCode"), value)
        exp = res.experiment() if panet or scheme in ("instrument", "proposal") else None
        if panet:
            t.link(res.node, T.THEME, panet)
            if exp:
                t.link(exp, T.P_TECHNIQUE, panet)
        elif exp and scheme == "instrument" and value:
            inst = _instrument(ctx, t, value, text(s.get("valueUri")))
            t.add(res.node, T.P_INSTRUMENT, inst)
            t.add(exp, T.USED, inst)
        elif exp and scheme == "proposal" and value:
            for pid in (x.strip() for x in value.split(",")):
                if pid:
                    _proposal(res, exp, pid, awards.get(pid, ""))
        else:
            t.text(res.node, T.KEYWORD, value)


def _instrument(ctx: Context, t: Triples, name: str, value_uri: str) -> str:
    """A beamline named in a subject; its PID (a PIDINST DOI or Handle in valueURI) when given."""
    pid = pid_iri(value_uri) if value_uri else None
    node = iri(pid or ctx.mint("instrument", name))
    t.type(node, T.INSTRUMENT)
    t.text(node, T.TITLE, name)
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.P_FACILITY, fac)
    return node


def _proposal(res: Resource, exp: str, pid: str, title: str) -> None:
    """The proposal (ESRF puts its number in awardNumber too: the award title is its title)
    and its series, which the dataset joins."""
    t, ctx = res.t, res.ctx
    prop = iri(ctx.mint("proposal", pid))
    t.type(prop, T.PROPOSAL)
    t.add(prop, T.IDENTIFIER, literal(pid))
    t.text(prop, T.TITLE, title)
    fac = ctx.facility_node(t)
    if fac:
        t.add(prop, T.P_FACILITY, fac)
    series = iri(ctx.mint("series", pid))
    t.type(series, T.SERIES)
    t.text(series, T.TITLE, title)
    t.add(series, T.P_PROPOSAL, prop)
    t.add(res.node, T.IN_SERIES, series)
    t.add(exp, T.P_PROPOSAL, prop)
