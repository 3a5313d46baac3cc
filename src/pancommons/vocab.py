"""Namespaces and the IRI rules of DESIGN §4.

Things with a persistent identifier get the resolvable HTTP form of that identifier as their IRI,
so the same thing harvested from two sources is one node:

* DOI → ``https://doi.org/{doi}``: prefixes (``doi:``, ``https://doi.org/``, ``dx.doi.org``…)
  removed, ASCII letters lower-cased (DOIs are case-insensitive; DataCite answers in lower case,
  landing pages show upper case), characters that are not allowed or not safe in an IRI path
  percent-encoded. The registered spelling is kept by the mappings in ``dct:identifier``.
* Handle → ``https://hdl.handle.net/{handle}`` (case kept: handle services may be case-sensitive).
* ORCID → ``https://orcid.org/{id}`` (checksum verified, ``x`` upper-cased).
* ROR → ``https://ror.org/{id}`` (checksum verified, lower case).
* PaNET technique → ``http://purl.org/pan-science/PaNET/PaNET{digits}`` (short ``PaNET01168`` form
  accepted). Techniques are matched on IRIs, never on labels.
* anything else is minted: ``{base}/id/{kind}/{source}/{local id, percent-encoded}``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote

DEFAULT_BASE = "https://w3id.org/pan-commons"

# Namespaces (DESIGN §4). Values are IRI prefixes; append a local name to get a term.
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ADMS = "http://www.w3.org/ns/adms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
FABIO = "http://purl.org/spar/fabio/"
CITO = "http://purl.org/spar/cito/"
DQV = "http://www.w3.org/ns/dqv#"
EARL = "http://www.w3.org/ns/earl#"
FTR = "https://w3id.org/ftr#"
SH = "http://www.w3.org/ns/shacl#"
PANET = "http://purl.org/pan-science/PaNET/"
NX = "http://purl.org/nexusformat/definitions/"
PAN = "https://w3id.org/pan-commons/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES: dict[str, str] = {
    "dcat": DCAT,
    "dct": DCT,
    "prov": PROV,
    "foaf": FOAF,
    "vcard": VCARD,
    "adms": ADMS,
    "skos": SKOS,
    "schema": SCHEMA,
    "fabio": FABIO,
    "cito": CITO,
    "dqv": DQV,
    "earl": EARL,
    "ftr": FTR,
    "sh": SH,
    "panet": PANET,
    "nx": NX,
    "pan": PAN,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
}


def sparql_prefixes() -> str:
    """``PREFIX`` declarations for every namespace above, to prepend to a query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


class InvalidIdentifier(ValueError):
    """An identifier that does not follow its scheme's syntax (or checksum)."""


# --- DOI ---------------------------------------------------------------------------------------

_DOI_PREFIXES = re.compile(
    r"^(?:doi:\s*|info:doi/|urn:doi:|https?://(?:dx\.|www\.)?doi\.org/|(?:dx\.|www\.)?doi\.org/)",
    re.IGNORECASE,
)
_DOI_SYNTAX = re.compile(r"^10\.\d{4,9}(?:\.\d+)*/\S(?:.*\S)?$", re.DOTALL)
# Characters percent-encoded in a DOI IRI: those not allowed in an IRI path (RFC 3987 / the DOI
# Handbook's list) plus "%" itself, "?" and "#", which would end the path.
_DOI_UNSAFE = re.compile(r'[%"#?<>{}^\[\]`|\\ \x00-\x1f\x7f]')
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalize_doi(raw: str) -> str:
    """The DOI name in ``raw`` (any usual spelling), ASCII letters lower-cased, no prefix.

    Raises InvalidIdentifier when ``raw`` is not a DOI.
    """
    value = raw.strip()
    had_url_prefix = value.lower().startswith(("http://", "https://", "doi.org", "dx.doi.org"))
    value = _DOI_PREFIXES.sub("", value, count=1).strip()
    if had_url_prefix or "%" in value:
        # URL forms carry percent-encoded characters; undo them so both spellings are one DOI.
        value = unquote(value)
    if not _DOI_SYNTAX.match(value):
        raise InvalidIdentifier(f"not a DOI: {raw!r} (expected 10.<registrant>/<suffix>)")
    return value.translate(_ASCII_LOWER)


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote(text, safe="")


def _percent(match: re.Match[str]) -> str:
    # The runs to encode repeat ("/" in every Handle, ":" in every URL): quote() once each.
    return _quoted(match.group(0))


def percent_encode(value: str, unsafe: re.Pattern[str]) -> str:
    """``value`` with every character ``unsafe`` matches percent-encoded (its UTF-8 bytes)."""
    return unsafe.sub(_percent, value)


# What quote(value, safe="") leaves alone; the rest is percent-encoded (UTF-8 bytes).
_NOT_UNRESERVED = re.compile(r"[^A-Za-z0-9_.~-]+")


def quote_all(value: str) -> str:
    """``urllib.parse.quote(value, safe="")``, without its per-byte Python loop (hot path)."""
    return _NOT_UNRESERVED.sub(_percent, value)


def doi_iri(raw: str) -> str:
    """``https://doi.org/{doi}`` for any spelling of a DOI."""
    return "https://doi.org/" + percent_encode(normalize_doi(raw), _DOI_UNSAFE)


def is_doi(raw: str) -> bool:
    try:
        normalize_doi(raw)
    except InvalidIdentifier:
        return False
    return True


# --- Handle ------------------------------------------------------------------------------------

_HANDLE_PREFIXES = re.compile(
    r"^(?:hdl:\s*|info:hdl/|https?://hdl\.handle\.net/|hdl\.handle\.net/)", re.IGNORECASE
)
_HANDLE_SYNTAX = re.compile(r"^\d+(?:\.[\w-]+)*/\S(?:.*\S)?$")


def normalize_handle(raw: str) -> str:
    """The handle in ``raw`` (``hdl:`` and resolver prefixes removed). Raises InvalidIdentifier."""
    value = raw.strip()
    had_url = value.lower().startswith(("http://", "https://", "hdl.handle.net"))
    value = _HANDLE_PREFIXES.sub("", value, count=1)
    if had_url:
        value = unquote(value)
    if not _HANDLE_SYNTAX.match(value) or value.startswith("10."):
        raise InvalidIdentifier(f"not a Handle: {raw!r} (expected <prefix>/<suffix>, not a DOI)")
    return value


def handle_iri(raw: str) -> str:
    """``https://hdl.handle.net/{handle}``."""
    return "https://hdl.handle.net/" + percent_encode(normalize_handle(raw), _DOI_UNSAFE)


# --- ORCID -------------------------------------------------------------------------------------

_ORCID = re.compile(
    r"^(?:https?://(?:www\.)?orcid\.org/|orcid\.org/|orcid:\s*)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])$",
    re.IGNORECASE,
)


def _orcid_checksum(base_digits: str) -> str:
    total = 0
    for d in base_digits:
        total = (total + int(d)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalize_orcid(raw: str) -> str:
    """``0000-0002-1825-0097`` form of an ORCID iD; the ISO 7064 checksum is verified."""
    m = _ORCID.match(raw.strip())
    if not m:
        raise InvalidIdentifier(f"not an ORCID iD: {raw!r} (expected 0000-0000-0000-000X)")
    digits = "".join(m.groups()).upper()
    if _orcid_checksum(digits[:15]) != digits[15]:
        raise InvalidIdentifier(f"ORCID iD {raw!r} has a wrong check digit")
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def orcid_iri(raw: str) -> str:
    return "https://orcid.org/" + normalize_orcid(raw)


# --- ROR ---------------------------------------------------------------------------------------

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR = re.compile(r"^(?:https?://(?:www\.)?ror\.org/|ror\.org/|ror:)?(0[0-9a-z]{6}\d{2})$", re.I)


def normalize_ror(raw: str) -> str:
    """The 9-character ROR id (``02550n020``), lower case; the ISO 7064 checksum is verified."""
    m = _ROR.match(raw.strip())
    if not m:
        raise InvalidIdentifier(f"not a ROR id: {raw!r} (expected https://ror.org/0xxxxxxNN)")
    ror = m.group(1).lower()
    number = 0
    for ch in ror[1:7]:
        if ch not in _CROCKFORD:
            raise InvalidIdentifier(f"ROR id {raw!r} has a character outside Crockford base32")
        number = number * 32 + _CROCKFORD.index(ch)
    if 98 - (number * 100) % 97 != int(ror[7:]):
        raise InvalidIdentifier(f"ROR id {raw!r} has a wrong checksum")
    return ror


def ror_iri(raw: str) -> str:
    return "https://ror.org/" + normalize_ror(raw)


# --- PaNET -------------------------------------------------------------------------------------

_PANET = re.compile(
    r"^(?:https?://purl\.org/pan-science/PaNET/|panet:)?PaNET(\d{5,7})$", re.IGNORECASE
)


def panet_iri(raw: str) -> str:
    """The PaNET term IRI for ``PaNET01168``, ``panet:PaNET01168`` or the full purl."""
    m = _PANET.match(raw.strip())
    if not m:
        raise InvalidIdentifier(f"not a PaNET term: {raw!r} (expected PaNET01168 or its purl)")
    return f"{PANET}PaNET{m.group(1)}"


def is_panet_technique(iri: str) -> bool:
    """True for PaNET technique classes (``PaNET0xxxx``), false for specifiers and properties."""
    return iri.startswith(PANET + "PaNET0")


# --- minted IRIs and graphs --------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
KINDS = frozenset(
    {
        "dataset",
        "distribution",
        "experiment",
        "proposal",
        "series",
        "instrument",
        "facility",
        "publication",
        "person",
        "organization",
        "sample",
        "parameter",
        "record",
        "catalog",
        "harvest",
        "technique",
        "grant",
        "assessment",
    }
)


def _slug(value: str, what: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{what} {value!r} must be lower-case letters, digits, '.', '_' or '-'")
    return value


def mint(kind: str, source: str, local_id: str, base: str = DEFAULT_BASE) -> str:
    """``{base}/id/{kind}/{source}/{local id, percent-encoded}`` for things without a PID."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(sorted(KINDS))}")
    if not local_id:
        raise ValueError("an empty local id cannot be minted into an IRI")
    return f"{base.rstrip('/')}/id/{kind}/{_slug(source, 'source name')}/{quote_all(local_id)}"


def parse_minted(iri: str, base: str = DEFAULT_BASE) -> tuple[str, str, str] | None:
    """(kind, source, local id) of a minted IRI, or None if ``iri`` was not minted under base."""
    prefix = base.rstrip("/") + "/id/"
    if not iri.startswith(prefix):
        return None
    parts = iri[len(prefix) :].split("/")
    if len(parts) != 3 or parts[0] not in KINDS:
        return None
    return parts[0], parts[1], unquote(parts[2])


def pid_iri(raw: str) -> str | None:
    """The IRI of any persistent identifier we know (DOI, Handle, ORCID, ROR), else None."""
    for rule in (doi_iri, orcid_iri, ror_iri, handle_iri):
        try:
            return rule(raw)
        except InvalidIdentifier:
            continue
    return None


def source_graph(name: str, base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/graph/source/{_slug(name, 'source name')}"


def ontology_graph(name: str, base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/graph/ontology/{_slug(name, 'ontology name')}"


def fair_graph(run_id: str, base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/graph/fair/{quote(run_id, safe='')}"


def meta_graph(base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/graph/meta"
