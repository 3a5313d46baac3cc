"""An independent reference evaluator of PaNOSC filters over the demo graph, for the property
tests of the facade (``test_properties.py``).

It reads every triple once (one ``SELECT ?s ?p ?o`` over the union of the graphs) into Python
dictionaries and answers a parsed ``Filter`` for Datasets, Documents and Instruments without
SPARQL: the RDF shape of each PaNOSC model, field and relation (``api/panosc/graph.py``) is
written out again here by hand, and the semantics are those the facade documents
(``api/panosc/sparql.py``):

- a comparison holds when some value of the field satisfies it; ``neq``, ``nin``, ``nlike``,
  ``nilike`` hold when no value satisfies ``eq``, ``inq``, ``like``, ``ilike``;
- strings compare by code point, numbers numerically, dates as instants (values in UTC: a year
  is 1 January, a date midnight, a date-time without zone is taken as UTC; a filter value is
  ISO 8601, UTC when it has no zone);
- ``like``/``ilike`` are case-insensitive and unanchored (``%`` any text, ``_`` one
  character); ``text`` is a case-insensitive substring of one of the model's text fields;
- Parameter ``value``: numbers compare with numeric values, strings with the others (as text),
  booleans with the text ``true``/``false``; conditions with a unit are rewritten to SI by
  ``units.to_si`` (the documented conversion) and compare ``pan:siValue``/``pan:siUnit``;
- a Technique condition on ``pid`` or ``name`` holds when it holds for the technique or one of
  its broader PaNET classes;
- an include whose scope has a ``where`` (or such a nested include) keeps only the records
  with a related record that satisfies it;
- order: each key ascending by the smallest value of the record, descending by the largest;
  a record without a value first ascending, last descending; ties by node IRI; no order: node
  IRI. Then ``skip`` and ``limit``. The pid shown is the smallest pid value.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from pancommons.api.panosc.filters import Compare, Condition, Filter, Junction
from pancommons.api.panosc.models import MODELS
from pancommons.api.panosc.units import to_si

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "http://schema.org/"
FABIO = "http://purl.org/spar/fabio/"
CITO = "http://purl.org/spar/cito/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PAN = "https://w3id.org/pan-commons/ns#"
PANET = "http://purl.org/pan-science/PaNET/"
TYPE = RDF + "type"

DOI = "https://doi.org/"
HANDLE = "https://hdl.handle.net/"
ORCID = "https://orcid.org/"
SPDX = "https://spdx.org/licenses/"

EU_ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
COAR = "http://purl.org/coar/access_right/"
NOT_PUBLIC = {
    EU_ACCESS + "NON_PUBLIC",
    EU_ACCESS + "RESTRICTED",
    EU_ACCESS + "CONFIDENTIAL",
    COAR + "c_16ec",
    COAR + "c_f1cf",
    COAR + "c_14cb",
}

_INTEGERS = {
    "integer",
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
}
INTEGER_TYPES = {XSD + t for t in _INTEGERS}
NUMERIC_TYPES = INTEGER_TYPES | {XSD + "decimal", XSD + "double", XSD + "float"}
_NEGATED = {"neq": "eq", "nin": "inq", "nlike": "like", "nilike": "ilike"}
_DATETIME = re.compile(
    r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?", re.ASCII
)


# --- terms -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Iri:
    value: str


@dataclass(frozen=True, slots=True)
class Lit:
    value: str
    datatype: str


@dataclass(frozen=True, slots=True)
class Blank:
    value: str


Term = Iri | Lit | Blank


def term_of(t: Any) -> Term:
    if isinstance(t, NamedNode):
        return Iri(t.value)
    if isinstance(t, BlankNode):
        return Blank(t.value)
    if isinstance(t, Literal):
        return Lit(t.value, t.datatype.value if t.datatype else XSD + "string")
    raise TypeError(f"not an RDF term: {t!r}")


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A value of a field: ``text`` is its SPARQL ``STR``, ``typed`` what comparisons use."""

    kind: str  # "string", "number", "boolean", "date"
    text: str
    typed: Any

    def sort_key(self) -> tuple[int, Any]:
        rank = {"boolean": 0, "number": 1, "date": 2, "string": 3}[self.kind]
        return (rank, self.text if self.kind == "string" else self.typed)


def string(text: str) -> Value:
    return Value("string", text, text)


def strings(terms: Iterable[Term]) -> list[Value]:
    """``STR`` of each term (a blank node has none)."""
    return [string(t.value) for t in terms if not isinstance(t, Blank)]


def boolean(flag: bool) -> Value:
    return Value("boolean", "true" if flag else "false", flag)


def raw(term: Term) -> Value:
    """A term as it is (``?X pred ?V``): numbers are numbers, booleans booleans, else text."""
    if isinstance(term, Lit):
        if term.datatype in NUMERIC_TYPES:
            try:
                number: float | int = (
                    int(term.value) if term.datatype in INTEGER_TYPES else float(term.value)
                )
            except ValueError:
                return string(term.value)
            return Value("number", term.value, number)
        if term.datatype == XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return Value("boolean", term.value, term.value in ("true", "1"))
    return string(term.value)


def parse_xsd_datetime(text: str) -> datetime | None:
    """An xsd:dateTime lexical form as an aware datetime (no zone: UTC); None if invalid."""
    m = _DATETIME.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    fraction, zone = m.group(7), m.group(8)
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    tz = UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        if hour == 24 and minute == 0 and second == 0 and not micro:
            return datetime(year, month, day, tzinfo=tz) + timedelta(days=1)
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        return None


def date_value(term: Term) -> Value | None:
    """A date as graph.py's ``_DATE`` reads it: years on 1 January, dates at midnight UTC,
    date-times as they are (text that is a date-time lexical form too); else no value."""
    if not isinstance(term, Lit):
        return None
    lexical = term.value
    if term.datatype == XSD + "gYear":
        lexical = f"{term.value}-01-01T00:00:00Z"
    elif term.datatype == XSD + "date":
        lexical = f"{term.value}T00:00:00Z"
    elif term.datatype not in (XSD + "dateTime", XSD + "string"):
        return None
    parsed = parse_xsd_datetime(lexical)
    return None if parsed is None else Value("date", lexical, parsed)


class InvalidDate(ValueError):
    """A date operand that is not ISO 8601 (the API answers 400)."""


def operand_date(text: str) -> datetime:
    """A filter's date: ISO 8601, UTC when it has no zone."""
    raw_text = text.strip()
    try:
        parsed = datetime.fromisoformat(raw_text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidDate(text) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def simple_fold(c: str) -> str:
    """``c`` under Unicode simple case folding (what case-insensitive regular expressions use;
    Python's ``re.IGNORECASE`` also equates İ and ı with i, which folding does not)."""
    for folded in (c.casefold(), c.lower()):
        if len(folded) == 1:
            return folded
    return c


@functools.cache
def fold_classes() -> dict[str, str]:
    """Each character that has case variants → all the characters that fold as it does."""
    groups: dict[str, list[str]] = defaultdict(list)
    for cp in range(0x110000):
        if not 0xD800 <= cp <= 0xDFFF:
            groups[simple_fold(chr(cp))].append(chr(cp))
    return {c: "".join(g) for g in groups.values() if len(g) > 1 for c in g}


def like_pattern(pattern: str) -> re.Pattern[str]:
    """A LIKE pattern as a case-insensitive (simple case folding), unanchored expression."""
    classes = fold_classes()
    parts = []
    for c in pattern:
        if c == "%":
            parts.append(".*")
        elif c == "_":
            parts.append(".")
        elif c in classes:
            parts.append("[" + "".join(re.escape(x) for x in classes[c]) + "]")
        else:
            parts.append(re.escape(c))
    return re.compile("".join(parts), re.DOTALL)


def _compare(a: Any, b: Any, op: str) -> bool:
    if op == "eq":
        return bool(a == b)
    if op == "gt":
        return bool(a > b)
    if op == "gte":
        return bool(a >= b)
    if op == "lt":
        return bool(a < b)
    if op == "lte":
        return bool(a <= b)
    raise ValueError(op)


def test_value(value: Value, op: str, operand: Any, kind: str) -> bool:
    """Whether one value satisfies a positive comparison (never a negated one)."""
    if op in ("like", "ilike"):
        return like_pattern(operand).search(value.text) is not None
    if op == "inq":
        return any(test_value(value, "eq", x, kind) for x in operand)
    if op == "between":
        low, high = operand
        return test_value(value, "gte", low, kind) and test_value(value, "lte", high, kind)
    if isinstance(operand, bool):
        if kind == "any":
            return _compare(value.text, "true" if operand else "false", op)
        return value.kind == "boolean" and _compare(value.typed, operand, op)
    if isinstance(operand, int | float):
        return value.kind == "number" and _compare(value.typed, operand, op)
    if kind == "date":
        return value.kind == "date" and _compare(value.typed, operand_date(operand), op)
    if kind == "any":
        return value.kind != "number" and _compare(value.text, operand, op)
    return value.kind == "string" and _compare(value.text, operand, op)


# --- the graph -------------------------------------------------------------------------------

Edge = str | None
FieldFn = Callable[[Term, Edge], list[Value]]
RelationFn = Callable[[Term], list[tuple[Term, Edge]]]


@dataclass(frozen=True)
class ModelMap:
    """Where a model lives in the graph, in Python."""

    nodes: Callable[[], Iterable[Term]]
    fields: dict[str, FieldFn]
    relations: dict[str, RelationFn]


class Oracle:
    def __init__(self, triples: Iterable[tuple[Term, Term, Term]]) -> None:
        self.out: dict[Term, dict[str, set[Term]]] = defaultdict(lambda: defaultdict(set))
        self.into: dict[Term, dict[str, set[Term]]] = defaultdict(lambda: defaultdict(set))
        for s, p, o in triples:
            assert isinstance(p, Iri)
            self.out[s][p.value].add(o)
            self.into[o][p.value].add(s)
        self.maps = self._maps()

    @classmethod
    def from_store(cls, store: Any) -> Oracle:
        rows = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        return cls((term_of(r["s"]), term_of(r["p"]), term_of(r["o"])) for r in rows)

    # --- graph access ----------------------------------------------------------------------

    def objects(self, s: Term, p: str) -> set[Term]:
        found = self.out.get(s)
        return found.get(p, set()) if found is not None else set()

    def subjects(self, p: str, o: Term) -> set[Term]:
        found = self.into.get(o)
        return found.get(p, set()) if found is not None else set()

    def path(self, s: Term, *preds: str) -> set[Term]:
        here = {s}
        for p in preds:
            here = {o for x in here for o in self.objects(x, p)}
        return here

    def blanks(self, s: Term, p: str) -> list[Term]:
        return [o for o in self.objects(s, p) if isinstance(o, Blank)]

    def typed(self, s: Term) -> bool:
        return bool(self.objects(s, TYPE))

    def is_a(self, s: Term, cls: str) -> bool:
        return Iri(cls) in self.objects(s, TYPE)

    def instances(self, cls: str) -> set[Term]:
        return self.subjects(TYPE, Iri(cls))

    # --- fields ----------------------------------------------------------------------------

    def text_of(self, *preds: str) -> FieldFn:
        return lambda x, e: strings(self.path(x, *preds))

    def raw_of(self, pred: str) -> FieldFn:
        return lambda x, e: [raw(t) for t in self.objects(x, pred) if not isinstance(t, Blank)]

    def dates(self, terms: Iterable[Term]) -> list[Value]:
        return [v for v in map(date_value, terms) if v is not None]

    def iri_id(self, x: Term, e: Edge) -> list[Value]:
        return [string(x.value)] if self.typed(x) else []

    def pid(self, x: Term, e: Edge = None) -> list[Value]:
        """Its dct:identifier values, else the DOI or Handle its IRI names, else the IRI (of a
        typed node)."""
        if not self.typed(x):
            return []
        derived = x.value
        for prefix in (DOI, HANDLE):
            if x.value.startswith(prefix):
                derived = x.value[len(prefix) :]
                break
        ids = self.objects(x, DCT + "identifier")
        return [string(i.value if not isinstance(i, Blank) else derived) for i in ids] or [
            string(derived)
        ]

    def is_document(self, y: Term) -> bool:
        return self.is_a(y, PAN + "Proposal") or self.is_a(y, FABIO + "Expression")

    # --- relations -------------------------------------------------------------------------

    def dataset_documents(self, x: Term) -> list[tuple[Term, Edge]]:
        found = self.path(x, DCAT + "inSeries", PAN + "proposal")
        found |= self.path(x, PROV + "wasGeneratedBy", PAN + "proposal")
        found |= self.objects(x, DCT + "isReferencedBy")
        found |= self.subjects(CITO + "citesAsDataSource", x)
        for series in self.objects(x, DCAT + "inSeries"):
            found |= self.subjects(CITO + "citesAsDataSource", series)
        return [(y, None) for y in found if self.is_document(y)]

    def document_datasets(self, x: Term) -> list[tuple[Term, Edge]]:
        found: set[Term] = set()
        for series in self.subjects(PAN + "proposal", x):
            found |= self.subjects(DCAT + "inSeries", series)
            found |= self.subjects(PROV + "wasGeneratedBy", series)
        found |= self.subjects(DCT + "isReferencedBy", x)
        cited = self.objects(x, CITO + "citesAsDataSource")
        found |= cited
        for series in cited:
            found |= self.subjects(DCAT + "inSeries", series)
        return [(y, None) for y in found if self.is_a(y, DCAT + "Dataset")]

    def dataset_instrument(self, x: Term) -> list[tuple[Term, Edge]]:
        found = self.objects(x, PAN + "instrument") | self.path(
            x, PROV + "wasGeneratedBy", PROV + "used"
        )
        return [(y, None) for y in found if self.is_a(y, PAN + "Instrument")]

    def instrument_datasets(self, x: Term) -> list[tuple[Term, Edge]]:
        if not self.is_a(x, PAN + "Instrument"):
            return []
        found = set(self.subjects(PAN + "instrument", x))
        for activity in self.subjects(PROV + "used", x):
            found |= self.subjects(PROV + "wasGeneratedBy", activity)
        return [(y, None) for y in found if self.is_a(y, DCAT + "Dataset")]

    def is_technique(self, y: Term) -> bool:
        return isinstance(y, Iri) and (y.value.startswith(PANET) or self.is_a(y, SKOS + "Concept"))

    def dataset_techniques(self, x: Term) -> list[tuple[Term, Edge]]:
        return [(y, None) for y in self.objects(x, DCAT + "theme") if self.is_technique(y)]

    def dataset_parameters(self, x: Term) -> list[tuple[Term, Edge]]:
        found = self.objects(x, PAN + "parameter") | self.path(
            x, PROV + "wasGeneratedBy", PAN + "parameter"
        )
        return [(y, None) for y in found]

    def document_members(self, x: Term) -> list[tuple[Term, Edge]]:
        creator = "principal investigator" if self.is_a(x, PAN + "Proposal") else "author"
        edges = [(y, creator) for y in self.objects(x, DCT + "creator")]
        edges += [(y, "contributor") for y in self.objects(x, DCT + "contributor")]
        return [(y, e) for y, e in edges if self.is_a(y, FOAF + "Person")]

    def follow(self, pred: str) -> RelationFn:
        return lambda x: [(y, None) for y in self.objects(x, pred)]

    # --- the models ------------------------------------------------------------------------

    def _maps(self) -> dict[str, ModelMap]:
        def documentId(x: Term, e: Edge) -> list[Value]:
            return [v for y, _ in self.dataset_documents(x) for v in self.pid(y)]

        def instrumentId(x: Term, e: Edge) -> list[Value]:
            return [v for y, _ in self.dataset_instrument(x) for v in self.pid(y)]

        def creation(x: Term, e: Edge) -> list[Value]:
            created = self.objects(x, DCT + "created")
            return self.dates(created or self.objects(x, DCT + "issued"))

        def is_public(x: Term, e: Edge) -> list[Value]:
            """Public unless access rights restrict it."""
            if not self.typed(x):
                return []
            rights = {a.value for a in self.objects(x, DCT + "accessRights")}
            return [boolean(not rights & NOT_PUBLIC)]

        def document_type(x: Term, e: Edge) -> list[Value]:
            if not self.typed(x):
                return []
            return [string("proposal" if self.is_a(x, PAN + "Proposal") else "publication")]

        def doi(x: Term, e: Edge) -> list[Value]:
            """The DOI the IRI names, as an identifier spells it (case aside) if one does."""
            if not x.value.startswith(DOI):
                return []
            named = x.value[len(DOI) :]
            spelt = [
                i for i in strings(self.objects(x, DCT + "identifier")) if i.text.lower() == named
            ]
            if spelt:
                return spelt
            return [string(named)] if self.typed(x) else []

        def experiment_dates(pred: str) -> FieldFn:
            def read(x: Term, e: Edge) -> list[Value]:
                runs = self.subjects(PAN + "proposal", x)
                return self.dates(d for s in runs for d in self.objects(s, pred))

            return read

        def license_(x: Term, e: Edge) -> list[Value]:
            out = []
            for lic in self.objects(x, DCT + "license") - set(self.blanks(x, DCT + "license")):
                text = lic.value
                if text.startswith(SPDX):
                    text = text[len(SPDX) :]
                out.append(string(text))
            return out

        def facility(x: Term, e: Edge) -> list[Value]:
            orgs = self.objects(x, PAN + "facility") or self.objects(x, DCT + "publisher")
            return strings(n for f in orgs for n in self.objects(f, FOAF + "name"))

        def technique_pid(x: Term, e: Edge) -> list[Value]:
            """A PaNET class's IRI; a label matched to PaNET: that class's; else its own."""
            if not self.typed(x):
                return []
            if x.value.startswith(PANET):
                return [string(x.value)]
            matches = self.objects(x, SKOS + "exactMatch")
            panet = [m for m in matches if not isinstance(m, Blank) and m.value.startswith(PANET)]
            return strings(panet) or [string(x.value)]

        def sample_pid(x: Term, e: Edge) -> list[Value]:
            if not self.subjects(PAN + "sample", x):
                return []
            ids = self.objects(x, DCT + "identifier")
            return [string(i.value if not isinstance(i, Blank) else x.value) for i in ids] or [
                string(x.value)
            ]

        def orcid(x: Term, e: Edge) -> list[Value]:
            if self.is_a(x, FOAF + "Person") and x.value.startswith(ORCID):
                return [string(x.value[len(ORCID) :])]
            return []

        def member_id(x: Term, e: Edge) -> list[Value]:
            return [string(f"{x.value}#{e}")] if e is not None else []

        def member_role(x: Term, e: Edge) -> list[Value]:
            return [string(e)] if e is not None else []

        address = SCHEMA + "address"
        return {
            "Dataset": ModelMap(
                lambda: self.instances(DCAT + "Dataset"),
                {
                    "pid": self.pid,
                    "title": self.text_of(DCT + "title"),
                    "isPublic": is_public,
                    "creationDate": creation,
                    "size": self.raw_of(DCAT + "byteSize"),
                    "documentId": documentId,
                    "instrumentId": instrumentId,
                    "score": lambda x, e: [],
                },
                {
                    "documents": self.dataset_documents,
                    "techniques": self.dataset_techniques,
                    "instrument": self.dataset_instrument,
                    "files": self.follow(DCAT + "distribution"),
                    "parameters": self.dataset_parameters,
                    "samples": self.follow(PAN + "sample"),
                },
            ),
            "Document": ModelMap(
                lambda: self.instances(PAN + "Proposal") | self.instances(FABIO + "Expression"),
                {
                    "pid": self.pid,
                    "isPublic": is_public,
                    "type": document_type,
                    "title": self.text_of(DCT + "title"),
                    "summary": lambda x, e: strings(
                        self.objects(x, DCT + "description") | self.objects(x, DCT + "abstract")
                    ),
                    "doi": doi,
                    "startDate": experiment_dates(PROV + "startedAtTime"),
                    "endDate": experiment_dates(PROV + "endedAtTime"),
                    "releaseDate": lambda x, e: self.dates(self.objects(x, DCT + "available")),
                    "license": license_,
                    "keywords": self.text_of(DCAT + "keyword"),
                    "score": lambda x, e: [],
                },
                {
                    "datasets": self.document_datasets,
                    "members": self.document_members,
                    "parameters": self.follow(PAN + "parameter"),
                },
            ),
            "Instrument": ModelMap(
                lambda: self.instances(PAN + "Instrument"),
                {
                    "pid": self.pid,
                    "name": self.text_of(DCT + "title"),
                    "facility": facility,
                    "score": lambda x, e: [],
                },
                {"datasets": self.instrument_datasets},
            ),
            "Technique": ModelMap(
                lambda: {
                    y
                    for d in self.instances(DCAT + "Dataset")
                    for y, _ in self.dataset_techniques(d)
                },
                {
                    "pid": technique_pid,
                    "name": lambda x, e: strings(
                        self.objects(x, RDFS + "label") | self.objects(x, SKOS + "prefLabel")
                    ),
                },
                {},
            ),
            "Parameter": ModelMap(
                lambda: self.instances(PAN + "Parameter"),
                {
                    "id": self.iri_id,
                    "name": self.text_of(PAN + "name"),
                    "value": self.raw_of(PAN + "value"),
                    "unit": self.text_of(PAN + "unit"),
                    "siValue": self.raw_of(PAN + "siValue"),
                    "siUnit": self.text_of(PAN + "siUnit"),
                },
                {},
            ),
            "File": ModelMap(
                lambda: self.instances(DCAT + "Distribution"),
                {
                    "id": self.iri_id,
                    "name": self.text_of(DCT + "title"),
                    "path": self.text_of(PAN + "path"),
                    "size": self.raw_of(DCAT + "byteSize"),
                },
                {},
            ),
            "Sample": ModelMap(
                lambda: {o for o, ps in self.into.items() if PAN + "sample" in ps},
                {
                    "pid": sample_pid,
                    "name": self.text_of(DCT + "title"),
                    "description": self.text_of(DCT + "description"),
                },
                {},
            ),
            "Member": ModelMap(
                lambda: self.instances(FOAF + "Person"),
                {"id": member_id, "role": member_role},
                {
                    "person": lambda x: [(x, None)],
                    "affiliation": self.follow(PAN + "affiliation"),
                },
            ),
            "Person": ModelMap(
                lambda: self.instances(FOAF + "Person"),
                {
                    "id": self.iri_id,
                    "fullName": self.text_of(FOAF + "name"),
                    "orcid": orcid,
                    "researcherId": self.text_of(DCT + "identifier"),
                    "firstName": self.text_of(FOAF + "givenName"),
                    "lastName": self.text_of(FOAF + "familyName"),
                },
                {},
            ),
            "Affiliation": ModelMap(
                lambda: self.instances(FOAF + "Organization"),
                {
                    "id": self.iri_id,
                    "name": self.text_of(FOAF + "name"),
                    "address": self.text_of(address, SCHEMA + "streetAddress"),
                    "city": self.text_of(address, SCHEMA + "addressLocality"),
                    "country": self.text_of(address, SCHEMA + "addressCountry"),
                },
                {},
            ),
        }

    # --- evaluation ------------------------------------------------------------------------

    def values(self, model: str, name: str, x: Term, e: Edge = None) -> list[Value]:
        return self.maps[model].fields[name](x, e)

    def related(self, model: str, relation: str, x: Term) -> list[tuple[Term, Edge]]:
        return self.maps[model].relations[relation](x)

    def broader(self, x: Term) -> set[Term]:
        """The technique and every broader one: ``?X skos:exactMatch? ?m . ?m
        rdfs:subClassOf? ?A`` (the graph holds the closure of the class hierarchy)."""
        found: set[Term] = set()
        for m in {x} | self.objects(x, SKOS + "exactMatch"):
            found |= {m} | self.objects(m, RDFS + "subClassOf")
        return found

    def holds(self, model: str, cond: Condition, x: Term, e: Edge = None) -> bool:
        if isinstance(cond, Junction):
            parts = (self.holds(model, p, x, e) for p in cond.parts)
            return all(parts) if cond.op == "and" else any(parts)
        if cond.op == "text":
            needle = cond.value.lower()
            return any(
                needle in v.text.lower()
                for name in MODELS[model].text
                for v in self.values(model, name, x, e)
            )
        op = _NEGATED.get(cond.op, cond.op)
        kind = self.kind(model, cond.field)
        if model == "Technique" and cond.field in ("pid", "name"):
            found = [v for a in self.broader(x) for v in self.values(model, cond.field, a, e)]
        else:
            found = self.values(model, cond.field, x, e)
        some = any(test_value(v, op, cond.value, kind) for v in found)
        return not some if cond.op in _NEGATED else some

    @staticmethod
    def kind(model: str, name: str) -> str:
        internal = {("Parameter", "siValue"): "number", ("Parameter", "siUnit"): "string"}
        return internal.get((model, name)) or MODELS[model].fields[name]

    def keeps(self, flt: Filter, x: Term, e: Edge = None) -> bool:
        """Whether node ``x`` satisfies ``flt``'s where and its restrictive includes."""
        model = flt.model.name
        where = flt.where
        if model == "Parameter":
            where, _ = to_si(where)
        if where is not None and not self.holds(model, where, x, e):
            return False
        for inc in flt.include:
            if not restrictive(inc.scope):
                continue
            if not any(
                isinstance(y, Iri) and self.keeps(inc.scope, y, ye)
                for y, ye in self.related(model, inc.relation, x)
            ):
                return False
        return True

    def nodes(self, model: str) -> list[Term]:
        return sorted((n for n in self.maps[model].nodes() if isinstance(n, Iri)), key=_iri)

    def select(self, flt: Filter) -> list[Term]:
        """The nodes ``flt`` keeps, in its order, paged."""
        check_dates(flt)
        model = flt.model.name
        kept = [x for x in self.nodes(model) if self.keeps(flt, x)]
        if flt.order:
            keys = {
                x: [self.order_key(model, name, desc, x) for name, desc in flt.order] for x in kept
            }

            def compare(a: Term, b: Term) -> int:
                for (_, desc), ka, kb in zip(flt.order, keys[a], keys[b], strict=True):
                    c = _cmp_keys(ka, kb)
                    if c:
                        return -c if desc else c
                return _cmp(_iri(a), _iri(b))

            kept.sort(key=functools.cmp_to_key(compare))
        end = None if flt.limit is None else flt.skip + flt.limit
        return kept[flt.skip : end]

    def order_key(self, model: str, name: str, desc: bool, x: Term) -> tuple[int, Any] | None:
        found = [v.sort_key() for v in self.values(model, name, x)]
        if not found:
            return None
        return max(found) if desc else min(found)

    def shown_pid(self, model: str, x: Term) -> str:
        return min(v.text for v in self.values(model, "pid", x))

    def search(self, flt: Filter) -> list[str]:
        """The pids ``GET /api/<Model>s?filter=`` lists."""
        return [self.shown_pid(flt.model.name, x) for x in self.select(flt)]

    def count(self, flt: Filter) -> int:
        check_dates(flt)
        model = flt.model.name
        return sum(1 for x in self.nodes(model) if self.keeps(flt, x))

    # --- what the graph holds, for generating filters --------------------------------------

    def reachable(self, model: str) -> Iterator[tuple[str, Term, Edge]]:
        """Every (model, node, edge) reachable from the nodes of ``model`` by relations."""
        seen: set[tuple[str, Term, Edge]] = set()
        todo = [(model, x, None) for x in self.nodes(model)]
        while todo:
            item = todo.pop()
            if item in seen:
                continue
            seen.add(item)
            yield item
            m, x, _ = item
            for relation, target in MODELS[m].relations.items():
                for y, ye in self.related(m, relation, x):
                    if isinstance(y, Iri):
                        todo.append((target, y, ye))

    def samples(self) -> dict[tuple[str, str], list[Value]]:
        """Every value of every field of every model, reached from the top-level models (a
        technique's broader classes included)."""
        out: dict[tuple[str, str], set[Value]] = defaultdict(set)
        for top in ("Dataset", "Document", "Instrument"):
            for model, x, e in self.reachable(top):
                nodes = self.broader(x) if model == "Technique" else {x}
                for name in self.maps[model].fields:
                    for node in nodes:
                        out[(model, name)].update(self.values(model, name, node, e))
        return {k: sorted(v, key=lambda v: (v.sort_key(), v.text)) for k, v in out.items()}


def restrictive(flt: Filter) -> bool:
    return flt.where is not None or any(restrictive(i.scope) for i in flt.include)


def check_dates(flt: Filter) -> None:
    """Raise InvalidDate when a date operand anywhere in ``flt`` is not ISO 8601."""

    def walk(model: str, cond: Condition | None) -> None:
        if isinstance(cond, Junction):
            for p in cond.parts:
                walk(model, p)
        elif isinstance(cond, Compare) and cond.op != "text":
            if Oracle.kind(model, cond.field) != "date":
                return
            if cond.op in ("like", "nlike", "ilike", "nilike"):
                return
            for v in cond.value if isinstance(cond.value, list) else [cond.value]:
                operand_date(v)

    walk(flt.model.name, flt.where)
    for inc in flt.include:
        check_dates(inc.scope)


def _iri(x: Term) -> str:
    return x.value


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def _cmp_keys(a: tuple[int, Any] | None, b: tuple[int, Any] | None) -> int:
    """Unbound sorts lowest (first ascending, last descending)."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    return _cmp(a, b)
