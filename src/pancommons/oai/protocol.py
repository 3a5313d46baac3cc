"""OAI-PMH 2.0 requests → responses (lxml documents), whatever the transport.

``respond(args, provider)`` takes the request's arguments as (name, value) pairs, in the order
received (GET query or POST form), and returns the XML bytes. Every OAI error is an ``<error>``
in a normal response (HTTP 200), as the protocol requires; ``request`` echoes the arguments
except on badVerb/badArgument. Identifiers are ``oai:{repository id}:{dataset IRI}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from pancommons.harvest.mapping.nt import TermError, iri
from pancommons.oai import ledger
from pancommons.oai.facts import gather
from pancommons.oai.formats import FORMATS, datacite, dublin_core
from pancommons.oai.lists import Lists
from pancommons.store.base import Store

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
Q = f"{{{OAI}}}"

VERBS: dict[str, tuple[set[str], set[str], str | None]] = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SET = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Provider:
    store: Store
    base: str
    base_url: str
    repository_name: str
    repository_id: str
    admin_email: str
    page_size: int
    lists: Lists

    def identifier(self, dataset: str) -> str:
        return f"oai:{self.repository_id}:{dataset}"

    def dataset(self, identifier: str) -> str:
        prefix = f"oai:{self.repository_id}:"
        if not identifier.startswith(prefix) or len(identifier) == len(prefix):
            raise OaiError(
                "idDoesNotExist", f"{identifier!r} is not an identifier of this repository"
            )
        dataset = identifier[len(prefix) :]
        try:
            iri(dataset)
        except TermError:
            raise OaiError(
                "idDoesNotExist", f"{identifier!r}: no dataset IRI after {prefix!r}"
            ) from None
        return dataset


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def respond(args: list[tuple[str, str]], p: Provider) -> bytes:
    root = etree.Element(Q + "OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    etree.SubElement(root, Q + "responseDate").text = now()
    request = etree.SubElement(root, Q + "request")
    request.text = p.base_url
    try:
        params = _arguments(args)
        for k, v in params.items():
            request.set(k, v)
        verb = params.pop("verb")
        root.append(HANDLERS[verb](params, p))
    except OaiError as exc:
        if exc.code in ("badVerb", "badArgument"):
            request.attrib.clear()
        error = etree.SubElement(root, Q + "error", code=exc.code)
        error.text = exc.message
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _arguments(args: list[tuple[str, str]]) -> dict[str, str]:
    names = [k for k, _ in args]
    verbs = [v for k, v in args if k == "verb"]
    if len(verbs) != 1:
        raise OaiError(
            "badVerb",
            "exactly one verb argument is required"
            if not verbs
            else "the verb argument is repeated",
        )
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb: one of {', '.join(VERBS)}")
    repeated = sorted({k for k in names if names.count(k) > 1})
    if repeated:
        raise OaiError("badArgument", f"repeated argument(s): {', '.join(repeated)}")
    params = dict(args)
    required, optional, exclusive = VERBS[verb]
    given = set(params) - {"verb"}
    allowed = required | optional | ({exclusive} if exclusive else set())
    illegal = sorted(given - allowed)
    if illegal:
        raise OaiError("badArgument", f"{verb} does not take {', '.join(illegal)}")
    if exclusive and exclusive in given:
        if given != {exclusive}:
            raise OaiError("badArgument", f"{exclusive} is exclusive: no other argument with it")
        return params
    missing = sorted(required - given)
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")
    for name, value in params.items():
        if name in _SYNTAX and not _well_formed(name, value):
            raise OaiError(
                "badArgument", f"{name} {value!r} is not of its syntax ({_SYNTAX[name]})"
            )
    return params


_SYNTAX = {
    "metadataPrefix": "letters, digits and -_.!~*'()",
    "set": "setSpec: parts of -_.!~*'() letters and digits, joined by ':'",
    "identifier": "a URI",
    "from": "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
    "until": "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
}
_PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
# RFC 3986 URI-reference, as libxml2 checks xs:anyURI (OAI-PMH.xsd identifierType), and a
# little stricter: no spaces or other characters that must be %-escaped, no IP-literal hosts.
_C = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2}|[^\x00-\x7f\s\ud800-\udfff\ufffe\uffff])"
_AUTHORITY = rf"(?:(?:{_C}|:)*@)?{_C}*(?::[0-9]{{1,9}})?"
_URI = re.compile(
    r"^(?=.)"
    r"(?:[A-Za-z][A-Za-z0-9+.\-]*:|(?![^/?#]*:))"  # a scheme, or no ':' in the first segment
    rf"(?://{_AUTHORITY}(?=[/?#]|$)|(?!//))"  # an authority whose port is digits
    rf"(?:{_C}|[:@/])*"  # path
    rf"(?:\?(?:{_C}|[:@/?])*)?"  # query
    rf"(?:#(?:{_C}|[:@/?])*)?$"  # fragment: one '#' only
)


def _well_formed(name: str, value: str) -> bool:
    """An argument's value is of its OAI-PMH.xsd type: otherwise it may not be echoed in
    ``<request>`` and the request is a badArgument (OAI-PMH 2.0 §3.6)."""
    if name == "metadataPrefix":
        return bool(_PREFIX.match(value))
    if name == "set":
        return bool(_SET.match(value))
    if name == "identifier":
        return bool(_URI.match(value))
    return _instant(value) is not None


def _instant(value: str, *, day_end: bool = False) -> tuple[str, str] | None:
    """A from/until value as (granularity, UTC datetime in seconds), a day standing for its
    first or (``day_end``) last second; None if it is not a date of either form."""
    if _DAY.match(value):
        form, full = "day", value + ("T23:59:59Z" if day_end else "T00:00:00Z")
    elif _SECOND.match(value):
        form, full = "second", value
    else:
        return None
    try:
        datetime.strptime(full, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return form, full


# --- verbs ------------------------------------------------------------------------------------


def identify(params: dict[str, str], p: Provider) -> etree._Element:
    el = etree.Element(Q + "Identify")
    for tag, text in (
        ("repositoryName", p.repository_name),
        ("baseURL", p.base_url),
        ("protocolVersion", "2.0"),
        ("adminEmail", p.admin_email),
        ("earliestDatestamp", ledger.earliest(p.store, p.base) or now()),
        ("deletedRecord", "persistent"),
        ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
    ):
        etree.SubElement(el, Q + tag).text = text
    desc = etree.SubElement(el, Q + "description")
    oid = etree.SubElement(desc, f"{{{OAI_ID}}}oai-identifier", nsmap={None: OAI_ID})
    oid.set(
        f"{{{XSI}}}schemaLocation",
        f"{OAI_ID} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
    )
    for tag, text in (
        ("scheme", "oai"),
        ("repositoryIdentifier", p.repository_id),
        ("delimiter", ":"),
        ("sampleIdentifier", p.identifier("https://doi.org/10.15151/ESRF-ES-000000")),
    ):
        etree.SubElement(oid, f"{{{OAI_ID}}}{tag}").text = text
    return el


def list_metadata_formats(params: dict[str, str], p: Provider) -> etree._Element:
    if "identifier" in params:
        d = p.dataset(params["identifier"])
        if not ledger.entries(p.store, [d], p.base):
            raise OaiError("idDoesNotExist", f"no record {params['identifier']!r}")
    el = etree.Element(Q + "ListMetadataFormats")
    for f in FORMATS.values():
        mf = etree.SubElement(el, Q + "metadataFormat")
        etree.SubElement(mf, Q + "metadataPrefix").text = f.prefix
        etree.SubElement(mf, Q + "schema").text = f.schema
        etree.SubElement(mf, Q + "metadataNamespace").text = f.namespace
    return el


def list_sets(params: dict[str, str], p: Provider) -> etree._Element:
    if "resumptionToken" in params:
        raise OaiError("badResumptionToken", "ListSets answers in one response; no token is valid")
    specs = ledger.set_specs(p.store, p.base)
    if not specs:
        raise OaiError("noSetHierarchy", "the repository has no records, so no sets yet")
    el = etree.Element(Q + "ListSets")
    for spec, name in specs.items():
        s = etree.SubElement(el, Q + "set")
        etree.SubElement(s, Q + "setSpec").text = spec
        etree.SubElement(s, Q + "setName").text = name
    return el


def get_record(params: dict[str, str], p: Provider) -> etree._Element:
    prefix = _prefix(params["metadataPrefix"])
    d = p.dataset(params["identifier"])
    entry = ledger.entries(p.store, [d], p.base).get(d)
    if entry is None:
        raise OaiError("idDoesNotExist", f"no record {params['identifier']!r}")
    el = etree.Element(Q + "GetRecord")
    el.extend(_records([entry], prefix, p, with_metadata=True))
    return el


def list_identifiers(params: dict[str, str], p: Provider) -> etree._Element:
    return _list("ListIdentifiers", params, p)


def list_records(params: dict[str, str], p: Provider) -> etree._Element:
    return _list("ListRecords", params, p)


def _prefix(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix!r} is not offered: one of {', '.join(FORMATS)}",
        )
    return prefix


def _list(verb: str, params: dict[str, str], p: Provider) -> etree._Element:
    if "resumptionToken" in params:
        resumed = p.lists.resume(params["resumptionToken"], verb)
        if resumed is None:
            raise OaiError(
                "badResumptionToken",
                f"{params['resumptionToken']!r} is not a valid token for {verb} (unknown, "
                "expired, or for another verb); start the harvest again",
            )
        frozen, pos = resumed
        prefix = frozen.prefix
    else:
        prefix = _prefix(params["metadataPrefix"])
        start, end = _range(params.get("from"), params.get("until"))
        set_spec = params.get("set")
        # The set's syntax is checked by _arguments.
        if set_spec is not None and not ledger.has_sets(p.store, p.base):
            raise OaiError("noSetHierarchy", "the repository has no sets yet")
        matched = ledger.select(p.store, p.base, start=start, end=end, set_spec=set_spec)
        if not matched:
            raise OaiError("noRecordsMatch", "no record matches these arguments")
        if len(matched) <= p.page_size:
            frozen, pos = None, 0
            page = matched
        else:
            frozen, pos = p.lists.freeze(verb, prefix, matched), 0
    if frozen is not None:
        page = p.lists.page(frozen, pos, p.page_size)
    found = ledger.entries(p.store, page, p.base)
    el = etree.Element(Q + verb)
    el.extend(_records([found[d] for d in page if d in found], prefix, p, verb == "ListRecords"))
    if frozen is not None:
        token = etree.SubElement(el, Q + "resumptionToken")
        token.set("completeListSize", str(frozen.total))
        token.set("cursor", str(pos))
        nxt = pos + p.page_size
        if nxt < frozen.total:
            token.text = f"{frozen.list_id}.{nxt}"
            token.set(
                "expirationDate",
                datetime.fromtimestamp(frozen.expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
    return el


def _range(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """The from/until bounds (already checked by ``_arguments``) as UTC datetimes."""

    def parse(value: str, what: str, day_end: bool) -> tuple[str, str]:
        instant = _instant(value, day_end=day_end)
        if instant is None:
            raise OaiError(
                "badArgument", f"{what} {value!r} is not of its syntax ({_SYNTAX[what]})"
            )
        return instant

    a = parse(start, "from", False) if start else None
    b = parse(end, "until", True) if end else None
    if a and b:
        if a[0] != b[0]:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if a[1] > b[1]:
            raise OaiError("badArgument", "from is later than until")
    return (a[1] if a else None), (b[1] if b else None)


def _records(
    entries: list[ledger.Entry], prefix: str, p: Provider, with_metadata: bool
) -> list[etree._Element]:
    live = [e.dataset for e in entries if not e.deleted]
    facts = gather(p.store, live) if with_metadata and live else None
    build = datacite if prefix == "oai_datacite" else dublin_core
    out = []
    for e in entries:
        header = etree.Element(Q + "header")
        if e.deleted:
            header.set("status", "deleted")
        etree.SubElement(header, Q + "identifier").text = p.identifier(e.dataset)
        etree.SubElement(header, Q + "datestamp").text = e.datestamp
        for spec in sorted(e.sets):
            etree.SubElement(header, Q + "setSpec").text = spec
        if not with_metadata:
            out.append(header)
            continue
        record = etree.Element(Q + "record")
        record.append(header)
        if not e.deleted and facts is not None:
            etree.SubElement(record, Q + "metadata").append(build(facts, e.dataset, e.datestamp))
        out.append(record)
    return out


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}
