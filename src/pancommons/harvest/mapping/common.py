"""What every catalogue mapping shares: identity of nodes, dates, licences, access rights."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pancommons import vocab
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.nt import XSD, TermError, Triples, iri, literal
from pancommons.vocab import InvalidIdentifier


class MappingError(ValueError):
    """A record cannot be mapped; the message says which field and why."""


@dataclass(frozen=True)
class Context:
    """Who is harvesting what: the source name (for minted IRIs), its facility, and where its
    records can be fetched (for ``dct:source``, see ``add_source``)."""

    source: str
    base: str = vocab.DEFAULT_BASE
    facility_name: str | None = None
    facility_ror: str | None = None
    api: str | None = None
    """The base URL of the API the records are read (or were recorded) from, without a
    trailing slash and never with credentials; None when unknown."""
    files: str | None = None
    """For records read from files (``files`` kind, NeXus): the ``file:`` URL of their folder."""

    @property
    def facility(self) -> str | None:
        """The facility node: its ROR IRI, or a minted IRI from its name."""
        return _facility_iri(self.facility_ror, self.facility_name, self.source, self.base)

    def mint(self, kind: str, local_id: str) -> str:
        """``{base}/id/{kind}/{source}/{local id}``; TermError for a local id that is no
        Unicode text (a lone surrogate: it has no UTF-8 bytes to percent-encode)."""
        if _SAFE_ID.match(local_id):  # nothing to percent-encode: skip quote() (hot path)
            return f"{_mint_prefix(kind, self.source, self.base)}{local_id}"
        try:
            return vocab.mint(kind, self.source, local_id, self.base)
        except UnicodeEncodeError:
            raise TermError(
                f"{kind} identifier {local_id[:80]!r} is not Unicode text (a lone surrogate)"
            ) from None

    def node(self, kind: str, raw: object) -> str:
        """The IRI of a thing with identifier ``raw``: its PID IRI (DOI, Handle, ORCID, ROR)
        when ``raw`` is one, else minted ``{base}/id/{kind}/{source}/{raw}``."""
        text = _text(raw)
        if not text:
            raise MappingError(f"{kind}: empty identifier")
        return pid_iri(text) or self.mint(kind, text)

    def facility_node(self, t: Triples) -> str | None:
        """Write the facility (once per record is fine: duplicates vanish in the store)."""
        fac = self.facility
        if fac is None:
            return None
        node, lines = _facility_lines(fac, self.facility_name)
        t.lines.extend(lines)
        return node


_SAFE_ID = re.compile(r"^[A-Za-z0-9._~-]+$")


@lru_cache(maxsize=1024)
def _mint_prefix(kind: str, source: str, base: str) -> str:
    return vocab.mint(kind, source, "x", base)[:-1]


@lru_cache(maxsize=64)
def _facility_iri(ror: str | None, name: str | None, source: str, base: str) -> str | None:
    if ror:
        return vocab.ror_iri(ror)
    if name:
        return vocab.mint("facility", source, name, base)
    return None


@lru_cache(maxsize=64)
def _facility_lines(fac: str, name: str | None) -> tuple[str, tuple[str, ...]]:
    t = Triples()
    node = iri(fac)
    t.type(node, T.FACILITY, T.ORGANIZATION)
    t.text(node, T.NAME, name)
    return node, tuple(t.lines)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def listed(rec: dict[str, Any], key: str) -> list[Any]:
    """The list under ``key`` ([] when missing or null). Anything else is refused with
    MappingError naming the field, as a record's schema refuses it at the top level: includes
    and nested objects are not all covered by the schemas, and iterating a number, a string or
    an object there would fail (or read its characters or keys as items)."""
    value = rec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError(
            f"{key}: expected a list (or null), got {type(value).__name__} {str(value)[:40]!r}"
        )
    return value


def add_source(ctx: Context, t: Triples, node: str, path: str | None, file: str) -> None:
    """``node dct:source <record>``: where the record ``node`` was mapped from can be fetched in
    machine-readable form (FAIR I1): ``{ctx.api}/{path}`` (``path`` already percent-encoded by
    the caller; None when the record cannot be named under the API), else, for records read
    from files, ``{ctx.files}/{file}``; nothing when neither is known."""
    if ctx.api and path is not None:
        url = f"{ctx.api}/{path}"
    elif ctx.files:
        url = f"{ctx.files}/{file}"
    else:
        return
    t.add(node, T.SOURCE, iri(url))


@lru_cache(maxsize=65536)
def pid_iri(raw: str) -> str | None:
    """DOI or Handle IRI for ``raw`` (cached: the same PIDs recur across records)."""
    if raw.startswith(("10.", "doi:", "https://doi.org/", "http://doi.org/", "http://dx.doi")):
        try:
            return vocab.doi_iri(raw)
        except InvalidIdentifier:
            return None
    if raw.startswith(("https://orcid.org/", "https://ror.org/")):
        return vocab.pid_iri(raw)
    try:
        return vocab.handle_iri(raw)
    except InvalidIdentifier:
        return None


def doi_or_none(raw: object) -> str | None:
    """The DOI IRI of ``raw``, None when it is missing, blank (ESRF sends ``" "``) or not a DOI."""
    text = _text(raw)
    if not text:
        return None
    try:
        return vocab.doi_iri(text)
    except InvalidIdentifier:
        return None


@lru_cache(maxsize=65536)
def orcid_or_none(raw: str) -> str | None:
    try:
        return vocab.orcid_iri(raw)
    except InvalidIdentifier:
        return None


def ror_or_none(raw: object) -> str | None:
    text = _text(raw)
    if not text:
        return None
    try:
        return vocab.ror_iri(text)
    except InvalidIdentifier:
        return None


def technique_iri(*candidates: object) -> str | None:
    """The PaNET IRI among the candidates (``panetId``, ``pid``: purl or short form)."""
    for c in candidates:
        text = _text(c)
        if "PaNET" in text or "panet" in text:
            try:
                return vocab.panet_iri(text.rsplit("/", 1)[-1] if "/" in text else text)
            except InvalidIdentifier:
                continue
    return None


# --- dates ---------------------------------------------------------------------------------------

# ASCII digits only: \d also matches "٢٠٢٠" and "２０２０", no xsd:gYear (nor xsd:date).
_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")


def date_term(value: object) -> str | None:
    """An xsd:dateTime, xsd:date or xsd:gYear literal, or None when absent.

    Raises MappingError for a value that is not an ISO 8601 date: a catalogue that sends
    garbage in a date field should hear about it (quarantine), not get a wrong date.
    """
    text = _text(value)
    if not text:
        return None
    if _DATETIME.match(text):
        text = text.replace(" ", "T", 1)
        if len(text) == 16 or (len(text) > 16 and text[16] in "Z+-"):
            text = text[:16] + ":00" + text[16:]  # hh:mm → hh:mm:ss
        if text[-5] in "+-" and text[-3] != ":":
            text = text[:-2] + ":" + text[-2:]  # +0100 → +01:00
        _check_date(text, datetime.fromisoformat)
        return literal(text, XSD + "dateTime")
    if _DATE.match(text):
        _check_date(text, date.fromisoformat)
        return literal(text, XSD + "date")
    if _YEAR.match(text) and text != "0000":
        return literal(text, XSD + "gYear")
    raise MappingError(f"not an ISO 8601 date: {text!r}")


def _check_date(text: str, parse: Callable[[str], object]) -> None:
    """Calendar check (month 13, 30 February, 25 o'clock, offset +99:99 are refused)."""
    try:
        parse(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"not a valid date: {text!r} ({exc})") from None


def add_date(t: Triples, s: str, p: str, value: object) -> None:
    term = date_term(value)
    if term:
        t.add(s, p, term)


# --- licences and access -------------------------------------------------------------------------

# SPDX ids seen in PaN catalogues, by lower-case id; URLs of the Creative Commons deeds too.
_SPDX_IDS = (
    "CC0-1.0 CC-BY-4.0 CC-BY-3.0 CC-BY-SA-4.0 CC-BY-NC-4.0 CC-BY-NC-SA-4.0 CC-BY-ND-4.0 "
    "CC-BY-NC-ND-4.0 CC-PDDC ODbL-1.0 ODC-By-1.0 PDDL-1.0 MIT Apache-2.0 BSD-3-Clause "
    "BSD-2-Clause GPL-3.0-or-later GPL-3.0-only LGPL-3.0-or-later etalab-2.0"
)
_SPDX = {x.lower(): x for x in _SPDX_IDS.split()}
_CC_URL = re.compile(
    r"^https?://creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.IGNORECASE
)


def license_iri(value: object) -> str | None:
    """``https://spdx.org/licenses/{id}`` for an SPDX id, a spdx.org URL or a CC deed URL."""
    text = _text(value)
    if not text:
        return None
    key = text.lower().removeprefix("https://spdx.org/licenses/").removesuffix(".html")
    key = key.replace(" ", "-")
    if key in _SPDX:
        return f"https://spdx.org/licenses/{_SPDX[key]}"
    m = _CC_URL.match(text)
    if m:
        kind, name, version = m.group(1).lower(), m.group(2).lower(), m.group(3)
        spdx = "CC0-1.0" if kind == "publicdomain" and name == "zero" else f"CC-{name}-{version}"
        if spdx.lower() in _SPDX:
            return f"https://spdx.org/licenses/{_SPDX[spdx.lower()]}"
    return None


def add_license(t: Triples, s: str, value: object) -> None:
    """dct:license as an SPDX IRI; text that is no licence we know is kept as dct:rights."""
    lic = license_iri(value)
    if lic:
        t.link(s, T.LICENSE, lic)
    else:
        t.text(s, T.RIGHTS, value)


def access_rights(is_public: object) -> str | None:
    if is_public is True:
        return T.ACCESS_PUBLIC
    if is_public is False:
        return T.ACCESS_NON_PUBLIC
    return None


def add_size(t: Triples, s: str, value: object) -> None:
    """dcat:byteSize for a non-negative integer size (0 is common and means 'unknown' in PaNOSC
    responses, so it is left out)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        t.add(s, T.BYTE_SIZE, literal(str(value), XSD + "nonNegativeInteger"))


def parameter_iri(ctx: Context, owner: str, name: str, seen: set[str]) -> str:
    """``{base}/id/parameter/{source}/{owner}/{name}``, numbered when a name repeats: IRIs, not
    blank nodes, so that a re-harvest of unchanged records writes nothing."""
    key = name
    n = 1
    while key in seen:
        n += 1
        key = f"{name}#{n}"
    seen.add(key)
    return iri(ctx.mint("parameter", f"{owner}/{key}"))


def add_technique(
    ctx: Context,
    t: Triples,
    dataset: str,
    experiment: str | None,
    ids: tuple[object, ...],
    label: object,
) -> None:
    """dcat:theme of ``dataset`` (and pan:technique of ``experiment``): the PaNET IRI among
    ``ids`` (purls, short ``PaNET01168`` forms); else, when there is a label, a skos:Concept
    minted from it with the raw label, which harvest/linking.py matches to PaNET by label and
    synonym. Match on IRIs first: PaNET labels are being renamed upstream."""
    panet = technique_iri(*ids)
    if panet:
        t.link(dataset, T.THEME, panet)
        if experiment:
            t.link(experiment, T.P_TECHNIQUE, panet)
        return
    text = _text(label)
    if not text:
        return
    concept = iri(ctx.mint("technique", text))
    t.type(concept, T.CONCEPT)
    t.add(concept, T.PREF_LABEL, literal(text))
    t.add(dataset, T.THEME, concept)
    t.add(dataset, T.KEYWORD, literal(text))


# --- people and organisations (one identity rule for every mapping) ------------------------------


def person_node(
    ctx: Context,
    t: Triples,
    *,
    orcid: str | None,
    key: str,
    name: str = "",
    given: object = None,
    family: object = None,
) -> str | None:
    """A foaf:Person: its ORCID IRI when there is one, else minted from ``key`` (a stable local
    key: the name, a login); None without either. Writes the type and the names given."""
    if orcid:
        node = iri(orcid)
    elif key:
        node = iri(ctx.mint("person", key))
    else:
        return None
    t.type(node, T.PERSON)
    t.text(node, T.NAME, name)
    t.text(node, T.GIVEN_NAME, given)
    t.text(node, T.FAMILY_NAME, family)
    return node


def organization_node(ctx: Context, t: Triples, *, ror: str | None, name: str) -> str | None:
    """A foaf:Organization: its ROR (or other PID) IRI when there is one, else minted from its
    name; None without either. Writes the type and the name."""
    if ror:
        node = iri(ror)
    elif name:
        node = iri(ctx.mint("organization", name))
    else:
        return None
    t.type(node, T.ORGANIZATION)
    t.text(node, T.NAME, name)
    return node
