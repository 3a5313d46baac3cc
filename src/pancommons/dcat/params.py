"""What a catalogue request asks for: page, page size, ``modified_since``, facility.

Each reader takes the text as given (query string, CLI option) and returns a checked value or
raises ``ParamError`` naming the parameter; a facility becomes a ``Scope`` (or
``UnknownFacility``). Nothing here builds SPARQL from the text: the facility is looked up with
escaped terms (``queries.facilities``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from pancommons import vocab
from pancommons.dcat.queries import facilities
from pancommons.fair.scope import Scope
from pancommons.store.base import Store

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_PAGE = 10_000_000
MAX_FACILITY = 300
"""Longest facility name or IRI looked up (longer ones are unknown)."""

_INTEGER = re.compile(r"[0-9]{1,9}")
_SINCE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?)(?P<tz>Z|[+-][0-9]{2}:[0-9]{2}))?"
)


class ParamError(ValueError):
    """A request parameter that is not of its kind; the message says what is accepted."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"parameter {param!r}: {message}")
        self.param = param


class UnknownFacility(LookupError):
    """No ``pan:Facility`` has that name or IRI."""


def _integer(param: str, text: str | None, default: int, low: int, high: int) -> int:
    if text is None:
        return default
    if not _INTEGER.fullmatch(text) or not low <= int(text) <= high:
        raise ParamError(param, f"{text!r} is not an integer from {low} to {high}")
    return int(text)


def parse_page(text: str | None) -> int:
    """``?page=``: 1-based page number (default 1)."""
    return _integer("page", text, 1, 1, MAX_PAGE)


def parse_limit(text: str | None) -> int:
    """``?limit=``: datasets per page (default 100, at most 1000)."""
    return _integer("limit", text, DEFAULT_LIMIT, 1, MAX_LIMIT)


def parse_since(text: str | None) -> datetime.datetime | None:
    """``?modified_since=YYYY-MM-DD`` (midnight UTC) or ``YYYY-MM-DDTHH:MM:SS`` with ``Z`` or
    an offset, as an aware UTC datetime."""
    if text is None or not text.strip():
        return None
    m = _SINCE.fullmatch(text.strip())
    problem = "is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (a time needs Z or an offset)"
    if not m:
        raise ParamError("modified_since", f"{text!r} {problem}")
    iso = m.group("date") + (f"T{m.group('time')}{m.group('tz')}" if m.group("time") else "")
    try:
        if not m.group("time"):
            day = datetime.date.fromisoformat(iso)
            return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
        return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(datetime.UTC)
    except ValueError as exc:
        raise ParamError("modified_since", f"{text!r} is not a valid date ({exc})") from None


def since_literal(since: datetime.datetime) -> Literal:
    """``since`` as the ``xsd:dateTime`` literal the listing compares with."""
    text = since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if since.microsecond:
        text += f".{since.microsecond:06d}".rstrip("0")
    return Literal(text + "Z", datatype=NamedNode(vocab.XSD + "dateTime"))


@dataclass(frozen=True)
class Facility:
    """A facility a catalogue is restricted to: the scope of its datasets and its name."""

    scope: Scope
    name: str
    iri: str


def _ror(text: str) -> str | None:
    try:
        return vocab.ror_iri(text)
    except vocab.InvalidIdentifier:
        return None


def resolve_facility(store: Store, text: str) -> Facility:
    """The facility named ``text`` (``foaf:name``, ``skos:altLabel`` or ``dct:title``, any
    case) or identified by it (a ROR IRI or bare ROR id, an http(s) IRI). UnknownFacility when
    no ``pan:Facility`` matches."""
    value = text.strip()
    if not value or len(value) > MAX_FACILITY:
        raise UnknownFacility(text)
    iri = _ror(value) or (value if value.startswith(("http://", "https://")) else None)
    if iri is not None:
        try:
            key: NamedNode | Literal = NamedNode(iri)
        except ValueError:
            raise UnknownFacility(text) from None
        found = facilities(store, key)
        if not found:
            raise UnknownFacility(text)
        node, name = found[0]
        return Facility(Scope("facility", node.value), name or value, node.value)
    try:
        found = facilities(store, Literal(value.lower()))
    except ValueError:  # not valid Unicode text
        raise UnknownFacility(text) from None
    if not found:
        raise UnknownFacility(text)
    node, name = found[0]
    return Facility(Scope("facility", value), name or value, node.value)
