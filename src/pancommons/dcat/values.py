"""Reading values of the graph for the DCAT-AP view: texts, names, dates, and the triple sink.

Helpers of ``mapping.py``: they choose among the values a node has (one publisher, one issue
date...) where DCAT-AP allows one, and normalise dates to the datatypes DCAT-AP accepts.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from pancommons import vocab
from pancommons.dcat import ns
from pancommons.dcat.queries import Facts, Term, key

Subject = NamedNode | BlankNode

DATE_TYPES = frozenset(
    t.value for t in (ns.XSD_DATE, ns.XSD_DATETIME, ns.XSD_GYEAR, ns.XSD_GYEARMONTH)
)
"""The datatypes DCAT-AP 3 accepts for dates (``dct:issued``, ``dct:modified``...)."""
_TZ = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
_DATE_FORMS = (
    (
        re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?" + _TZ),
        ns.XSD_DATETIME,
    ),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}" + _TZ), ns.XSD_DATE),
    (re.compile(r"[0-9]{4}-[0-9]{2}" + _TZ), ns.XSD_GYEARMONTH),
    (re.compile(r"[0-9]{4}" + _TZ), ns.XSD_GYEAR),
)
"""The lexical forms DCAT-AP dates take, most precise first (four-digit years only)."""
NAME_PROPERTIES = (
    vocab.FOAF + "name",
    vocab.SCHEMA + "name",
    vocab.SKOS + "prefLabel",
    vocab.RDFS + "label",
    vocab.DCT + "title",
)


class Out:
    """The triples of a page, grouped by subject, each once, subjects in first-seen order."""

    def __init__(self) -> None:
        self._by_subject: dict[Subject, dict[tuple[NamedNode, Term], None]] = {}

    def add(self, s: Subject, p: NamedNode, o: Term) -> None:
        self._by_subject.setdefault(s, {})[(p, o)] = None

    def type(self, s: Subject, *classes: NamedNode) -> None:
        for c in classes:
            self.add(s, ns.RDF_TYPE, c)

    def has(self, s: Subject) -> bool:
        return s in self._by_subject

    def triples(self) -> Iterator[Triple]:
        for s, pairs in self._by_subject.items():
            for p, o in pairs:
                yield Triple(s, p, o)


@dataclass
class Graph:
    """What the graph says about the nodes of a page (``queries.describe_nodes``)."""

    facts: Facts
    instrument_facilities: dict[str, list[str]] = field(default_factory=dict)

    def values(self, node: Term, predicate: str) -> list[Term]:
        return self.facts.get(key(node), {}).get(predicate, [])

    def nodes(self, node: Term, predicate: str) -> list[NamedNode | BlankNode]:
        return [v for v in self.values(node, predicate) if isinstance(v, NamedNode | BlankNode)]

    def iris(self, node: Term, predicate: str) -> list[NamedNode]:
        return sorted(
            (v for v in self.values(node, predicate) if isinstance(v, NamedNode)), key=str
        )

    def literals(self, node: Term, predicate: str) -> list[Literal]:
        return [v for v in self.values(node, predicate) if isinstance(v, Literal)]

    def texts(self, node: Term, predicate: str) -> list[Literal]:
        """The non-empty text literals (plain or language-tagged), each once, sorted."""
        found = {
            v: None
            for v in self.literals(node, predicate)
            if v.value.strip() and (v.language or v.datatype == ns.XSD_STRING)
        }
        return sorted(found, key=lambda v: (v.language or "", v.value))

    def types(self, node: Term) -> set[str]:
        return {v.value for v in self.iris(node, vocab.RDF + "type")}

    def name(self, node: Term) -> list[Literal]:
        """The node's names: the first of ``NAME_PROPERTIES`` it has, else its given and
        family names joined."""
        for p in NAME_PROPERTIES:
            if found := self.texts(node, p):
                return found
        parts = [
            t[0].value
            for p in ("givenName", "familyName")
            if (t := self.texts(node, vocab.FOAF + p))
        ]
        return [Literal(" ".join(parts))] if parts else []

    def label(self, node: Term) -> Literal | None:
        """One label: English or untagged first."""
        names = self.name(node)
        return min(names, key=_english_first) if names else None


def _english_first(lit: Literal) -> tuple[int, str]:
    lang = (lit.language or "").lower()
    return (0 if lang in ("", "en") or lang.startswith("en-") else 1, lit.value)


def date_literal(term: Term) -> Literal | None:
    """``term`` as an ``xsd:dateTime``, ``date``, ``gYearMonth`` or ``gYear`` literal: a date
    literal whose text fits its datatype as it is, a plain ISO 8601 string (or a date literal
    whose text is another of these forms) with the datatype its text has; None when the text is
    no valid date."""
    if not isinstance(term, Literal) or term.language:
        return None
    if term.datatype.value not in DATE_TYPES and term.datatype != ns.XSD_STRING:
        return None
    text = term.value.strip()
    for pattern, datatype in _DATE_FORMS:
        if pattern.fullmatch(text):
            if not _valid_date(text):
                return None
            return (
                term
                if term.datatype == datatype and text == term.value
                else Literal(text, datatype=datatype)
            )
    return None


def _valid_date(text: str) -> bool:
    try:
        if len(text) >= 10 and text[4] == "-" and text[7] == "-":
            datetime.date.fromisoformat(text[:10])
            if "T" in text:
                hours, minutes, seconds = text[11:13], text[14:16], text[17:19]
                return int(hours) < 24 and int(minutes) < 60 and int(seconds) < 61
        elif len(text) >= 7 and text[4] == "-":
            return 1 <= int(text[5:7]) <= 12
    except ValueError:
        return False
    return True


def dates(values: list[Term]) -> list[Literal]:
    """The date values, sorted by their ISO text (earliest first)."""
    found = {d: None for v in values if (d := date_literal(v)) is not None}
    return sorted(found, key=lambda d: d.value)


def end_of(term: Literal) -> datetime.date | None:
    """The last day a date value covers (``2028`` → 2028-12-31), for embargo ends."""
    text = term.value.strip()
    try:
        if len(text) >= 10 and text[7:8] == "-":
            return datetime.date.fromisoformat(text[:10])
        year = int(text[:4])
        if len(text) >= 7 and text[4] == "-":
            month = int(text[5:7])
            return datetime.date(year, month, calendar.monthrange(year, month)[1])
        return datetime.date(year, 12, 31)
    except ValueError:
        return None


def non_negative_integer(values: list[Term]) -> Literal | None:
    """The first value that is a whole number ≥ 0, as ``xsd:nonNegativeInteger``."""
    for v in values:
        if isinstance(v, Literal) and re.fullmatch(r"\+?[0-9]+", v.value.strip()):
            return Literal(str(int(v.value.strip())), datatype=ns.XSD_NON_NEGATIVE)
    return None
