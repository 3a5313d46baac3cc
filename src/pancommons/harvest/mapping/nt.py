"""Writing N-Triples lines fast: the mappings emit text, the store bulk-loads it.

Building rdflib or pyoxigraph objects per triple costs more than the rest of a mapping; a
mapping instead appends ready N-Triples lines to a ``Triples`` buffer. Terms are escaped here
and nowhere else, so a value from a catalogue can never break out of its term.
"""

from __future__ import annotations

import math
import re

from pyoxigraph import NamedNode

from pancommons.vocab import percent_encode

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

_LIT_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
# Characters an IRI may not contain (RFC 3987 plus N-Triples' IRIREF rule).
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
# Lone surrogates: valid in a JSON string ("\ud800"), but no Unicode text: no UTF-8, no RDF.
_SURROGATE = re.compile("[\ud800-\udfff]")


class TermError(ValueError):
    """A value cannot be written as the RDF term asked for."""


def iri(value: str) -> str:
    """``<value>``; characters that are not allowed in an IRI are percent-encoded, and what is
    still no valid IRI (a bad port, a stray ``%``, a private-use character...) raises TermError,
    so that the record is quarantined instead of breaking the load of the whole run."""
    if not _IRI_SCHEME.match(value):
        raise TermError(f"not an absolute IRI: {value!r}")
    if _IRI_BAD.search(value):
        value = percent_encode(value, _IRI_BAD)
    try:
        NamedNode(value)
    except ValueError as exc:
        raise TermError(f"not a valid IRI: {value!r} ({exc})") from None
    return f"<{value}>"


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    """A literal term; TermError for text with a lone surrogate (which JSON can carry but no
    RDF store can hold: written as is, it would fail the load of the whole page)."""
    if not value.isascii() and _SURROGATE.search(value):
        raise TermError(f"not Unicode text (a lone surrogate): {value[:80]!r}")
    text = f'"{value.translate(_LIT_ESCAPE)}"'
    if lang:
        if not _LANG.match(lang):
            raise TermError(f"not a language tag: {lang!r}")
        return f"{text}@{lang.lower()}"
    if datatype:
        return f"{text}^^<{datatype}>"
    return text


def number(value: int | float) -> str:
    """An xsd:integer or xsd:double literal (bool is refused: it is not a number)."""
    if isinstance(value, bool):
        raise TermError("a boolean is not a number")
    if isinstance(value, int):
        return f'"{value}"^^<{XSD}integer>'
    if not math.isfinite(value):
        raise TermError(f"not a finite number: {value!r}")
    return f'"{value!r}"^^<{XSD}double>'


def page_ntriples(lines: list[str]) -> bytes:
    """The N-Triples bytes of a page of mapped records, each line once.

    Records of one source repeat the nodes they share (the facility, an instrument, a
    proposal, a technique) in every record; a page written as is makes the store parse and sort
    each copy (a quarter of the lines of a typical PaNOSC page). Duplicate lines are one triple
    in N-Triples (a blank-node label, too, names one node across the whole document), so
    dropping them changes nothing but the work."""
    return "".join(dict.fromkeys(lines)).encode("utf-8")


class Triples:
    """A buffer of N-Triples lines about one record.

    ``owned`` lists the nodes (as written terms) whose whole description comes from this
    record: the record's own node and the nodes minted for its parts. An incremental harvest
    replaces what the graph says of them; of other nodes it mentions (a document's datasets, an
    included instrument) it only adds triples. Empty: every subject counts as owned.
    """

    __slots__ = ("lines", "owned")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.owned: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        """Append a triple of already written terms (``iri()``/``literal()`` output)."""
        self.lines.append(f"{s} {p} {o} .\n")

    def type(self, s: str, *classes: str) -> None:
        for c in classes:
            self.lines.append(f"{s} {RDF_TYPE} {c} .\n")

    def text(self, s: str, p: str, value: object, lang: str | None = None) -> None:
        """A plain string literal, skipped when the value is missing or blank."""
        if value is None:
            return
        text = str(value).strip()
        if text:
            self.lines.append(f"{s} {p} {literal(text, lang=lang)} .\n")

    def typed(self, s: str, p: str, value: str | None, datatype: str) -> None:
        if value:
            self.lines.append(f"{s} {p} {literal(value, XSD + datatype)} .\n")

    def link(self, s: str, p: str, o_iri: str | None) -> None:
        if o_iri:
            self.lines.append(f"{s} {p} {iri(o_iri)} .\n")

    def text_value(self) -> str:
        return "".join(self.lines)
