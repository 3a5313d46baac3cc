"""What the record-parser fuzz targets share: the real records they start from, the strategies
that mutate them, and the property every record must satisfy.

The property (DESIGN §11: bad input never loses data and never crashes a run): whatever a
catalogue sends, ``validate`` + ``map`` (as ``harvest/runner.py`` calls them, per record) either
succeeds or raises one of the documented per-record errors (``RecordInvalid``, ``MappingError``,
``TermError``: the runner quarantines the record with that message), the source names the
record without failing (``record_key``, used in the quarantine entry), and what a mapping
produces is N-Triples that pyoxigraph parses back, one triple per line, including the merge
marks written for its ``owned`` nodes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph
from hypothesis import strategies as st
from pyoxigraph import RdfFormat

from pancommons.harvest.config import SourceConfig, parse_source
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.nt import XSD, TermError, Triples, page_ntriples
from pancommons.harvest.sources import Source, source_class
from pancommons.harvest.validate import RecordInvalid, validate
from pancommons.store.base import REPLACES

REPO = Path(__file__).resolve().parents[2]
SNAPSHOTS = REPO / "harvesters" / "snapshots"
DATA = REPO / "tests" / "data"
PANOSC_DATA = REPO / "tests" / "api" / "panosc" / "data"

RECORD_ERRORS: tuple[type[Exception], ...] = (RecordInvalid, MappingError, TermError)
"""What validate + map may raise for one bad record (the runner quarantines it)."""

API = "https://catalogue.example.org/api/v3"

# --- real records ---------------------------------------------------------------------------------


class Seeds(list[Any]):
    """Real inputs a strategy starts from, shown by name and size: hypothesis writes the
    arguments of a strategy into its messages, and whole records run to tens of kB."""

    def __init__(self, name: str, items: Iterable[Any]) -> None:
        super().__init__(items)
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}: {len(self)} items>"


def pick(items: Seeds) -> st.SearchStrategy[Any]:
    """One of ``items`` (a sampled_from would show them all in its repr)."""
    return st.integers(0, len(items) - 1).map(items.__getitem__)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def snapshot(folder: str, collection: str) -> Seeds:
    path = SNAPSHOTS / folder / f"{collection}.json"
    return Seeds(f"{folder}/{collection}", load_json(path) if path.is_file() else [])


def panosc_seeds(collection: str) -> Seeds:
    """Every real PaNOSC record of ``collection``: the demo snapshots, the federated search's
    answers and the Search API documentation's examples (with their includes)."""
    out: list[dict[str, Any]] = []
    for folder in ("demo-panosc-reference", "demo-ess", "demo-esrf"):
        out += snapshot(folder, collection)
    stem = {"Datasets": "datasets", "Documents": "documents"}.get(collection)
    if stem:
        for path in sorted(PANOSC_DATA.glob(f"federated-{stem}-q*.json")):
            out += load_json(path)
    for example in load_json(PANOSC_DATA / "reference-search-api-doc-examples.json")["examples"]:
        if example["endpoint"].endswith(f"/{collection}") and isinstance(example["response"], list):
            out += example["response"]
    return Seeds(f"PaNOSC {collection}", (r for r in out if isinstance(r, dict)))


# --- sources and contexts -------------------------------------------------------------------------


def source(kind: str, **extra: Any) -> Source:
    """A source of ``kind`` as the runner opens it (no HTTP client: mapping needs none)."""
    config: SourceConfig = parse_source({"name": f"fuzz-{kind}", "kind": kind, "url": API, **extra})
    return source_class(kind)(config, None)


def contexts(src: Source) -> list[Context]:
    """The contexts a run gives the mappings: with a facility ROR, with a name only, without."""
    name = src.config.name
    return [
        src.context(Context(name, facility_name="ESRF", facility_ror="https://ror.org/02550n020")),
        src.context(Context(name, facility_name="Some Facility")),
        src.context(Context(name)),
    ]


# --- the property ---------------------------------------------------------------------------------


_TZ = r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
XSD_LEXICAL = {
    f"{XSD}{name}": re.compile(pattern)
    for name, pattern in {
        "dateTime": rf"-?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]+)?{_TZ}",
        "date": rf"-?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}}{_TZ}",
        "gYearMonth": rf"-?[0-9]{{4,}}-(?:0[1-9]|1[0-2]){_TZ}",
        "gYear": rf"-?[0-9]{{4,}}{_TZ}",
        "integer": r"[+-]?[0-9]+",
        "nonNegativeInteger": r"\+?[0-9]+",
        "double": r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?",
        "boolean": r"true|false|1|0",
    }.items()
}
"""The lexical forms of the XSD datatypes the mappings write (ASCII digits only: ``\\d`` would
let "٢٠٢٠" through as an xsd:gYear, which the store keeps but no query can compare)."""


def check_ntriples(t: Triples) -> None:
    """The lines (and merge marks of the owned nodes) as the runner writes them parse back,
    one triple per line, and every typed literal has its datatype's lexical form."""
    marks = [f"{s} <{REPLACES}> <urn:x-pancommons:all> .\n" for s in t.owned]
    for line in t.lines:
        assert line.endswith(" .\n") and line.count("\n") == 1, repr(line)
    data = page_ntriples(t.lines + marks)  # raises on text that is no UTF-8 (lone surrogates)
    parsed = list(pyoxigraph.parse(data, format=RdfFormat.N_TRIPLES))
    assert len(parsed) == len(dict.fromkeys(t.lines + marks))
    for triple in parsed:
        o = triple.object
        if isinstance(o, pyoxigraph.Literal) and o.datatype.value in XSD_LEXICAL:
            assert XSD_LEXICAL[o.datatype.value].fullmatch(o.value), (o, triple)


def check_record(src: Source, ctx: Context, collection: str, record: Any) -> Triples | None:
    """Validate and map one record as the runner does; the triples, or None when refused."""
    key = src.record_key(collection, record)
    assert key is None or isinstance(key, str)
    try:
        validate(src.schema_name(collection), record)
        t = src.map(ctx, collection, record)
    except RECORD_ERRORS as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return None
    check_ntriples(t)
    return t


# --- values a catalogue may send ------------------------------------------------------------------

NASTY_STRINGS = [
    "", " ", "\t\n ", "\x00", "a\x00b", "\x07\x1b[31mred", "\x7f\x85", "\u2028\u2029",
    "\ufeff", "\ud800", "a\udfffb", "\udbff\udfff", "\U0001f600", "e\u0301", "\u202etxt",
    "\ue000", "\U0010ffff", "\ufffe\uffff", "Ω µm Å °C", "ĳ", "\\", "\\u0000", '"', "'",
    '"quoted" and \\escaped\\', "line\nbreak\r\n", "x@en", "x@en-", "<http://a.example/>",
    "_:b0", "^^<http://www.w3.org/2001/XMLSchema#int>", 'x" <http://a> <http://b> .\n',
    "<script>alert(1)</script>", "http://example.org/a b>c", "https://doi.org/10.1234/a b",
    "https://example.org/\x00", "http://[::1", "http://a:99999/x", "http://a b/", "//no-scheme",
    "file:///etc/passwd", "urn:x", "mailto:a@b.example", "javascript:alert(1)", "#frag",
    "?q=1", "%", "%zz", "a%2Fb", "../../etc/passwd", "10.1234/x>y", "10.1234/ ", "10.",
    "10.1234/", "10.1234/\ue000", "doi:10.5555/ABC def", "https://doi.org/10.5555%2Fx",
    "hdl:20.500.12345/\x00", "20.500.12269/a b", "0000-0002-1825-0097", "0000-0002-1825-0098",
    "https://orcid.org/0000-0002-1825-0097", "https://ror.org/02550n020", "ror.org/zzzzzzzzz",
    "https://ror.org/02550n021", "PaNET01168", "PaNET", "panet:PaNET99999999",
    "http://purl.org/pan-science/PaNET/PaNET01168", "CC-BY-4.0", "cc by 4.0",
    "https://creativecommons.org/licenses/by/4.0/", "https://spdx.org/licenses/MIT.html",
    "2020-13-45", "2020-02-30", "2021-02-29T10:00:00Z", "2020-01-01T25:61:61Z",
    "2020-01-01T10:00:00+99:99", "2020-01-01T10:00:00+0100", "2020-01-01 10:00",
    "2020-01-01T24:00:00", "0000", "0000-01-01", "9999-12-31T23:59:59.999999999Z",
    "-2020-01-01", "2020", "2020-05", "\u0662\u0660\u0662\u0660", "\u0662\u0660\u0662\u0660-01-01",
    "2020-01-01/2020-13-01", "/", "1e309", "NaN", "Infinity", "-0", "true", "null", "{}", "[]",
    "proposal", "Principal Investigator", "IsCitedBy", "DOI", "Instrument", "ORCID",
    "degC", "°", "A", "a", "keV", "m/s^2", "(kg m^2) / s^2", "1/0", "m**99999",
    "10**10**8 m", "(10**50)**(10**50)", "2**2**2**2**2**2 m",
]  # fmt: skip
"""Strings seen in, or aimed at, catalogue fields: control and non-characters, lone surrogates
(valid JSON escapes, no UTF-8), N-Triples syntax, broken IRIs, PIDs with bad checksums or
characters, impossible dates, units pint would compute forever."""

HUGE_NUMBERS = [
    0, -1, 1, 2**31, -(2**63), 2**64, 10**400, -(10**400), 1e308, -1e308, 5e-324, -0.0,
    math.inf, -math.inf, math.nan, 0.1, 1.5e300,
]  # fmt: skip

FIELD_NAMES: list[str] = []
"""Every key of every real record (filled below): mutations put values under names the
mappings read, in places they do not expect them."""


def remember_fields(records: list[Any]) -> None:
    names = set(FIELD_NAMES)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                names.add(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(records)
    FIELD_NAMES[:] = sorted(names)


def _all_seed_records() -> list[Any]:
    return [load_json(p) for p in sorted(SNAPSHOTS.glob("*/*.json"))] + [
        load_json(p) for p in sorted(PANOSC_DATA.glob("*.json"))
    ]


remember_fields(_all_seed_records())

# Strategies are built once: building one (st.recursive above all) costs more than a draw.
LONG_STRINGS = st.sampled_from([("9", 5000), ("x", 20_000), ("\u00e9", 70_000)]).map(
    lambda pair: pair[0] * pair[1]
)
"""A 5000-digit number (beyond int()'s limit), texts longer than any field should be."""
NASTY = st.sampled_from(NASTY_STRINGS) | LONG_STRINGS
FIELD = st.sampled_from(FIELD_NAMES)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
"""Random text of every code point, lone surrogates included."""
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    NASTY,
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8) | FIELD, inner, max_size=4),
    )


def _json_values(max_leaves: int) -> st.SearchStrategy[Any]:
    return st.recursive(JSON_SCALARS, _containers, max_leaves=max_leaves)


JSON_VALUES = _json_values(8)
"""Any value ``json.loads`` can return (NaN and ±Infinity included: Python reads them)."""
BIG_JSON_VALUES = _json_values(20)


def deep(value: Any, depth: int, as_list: bool) -> Any:
    for _ in range(depth):
        value = [value] if as_list else {"value": value}
    return value


# --- mutations ------------------------------------------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (the root itself is ``()``)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


_STRING_EDITS = st.sampled_from(["insert", "replace", "truncate", "prefix", "double", "random"])
_PREFIXES = st.sampled_from(["", " ", "doi:", "hdl:", "https://", "PaNET", "10."])
_WRONG_TYPES = [None, True, 0, 1.5, "", "x", [], {}]
_NUMBERS = st.sampled_from(HUGE_NUMBERS) | st.integers() | st.floats()


def _pick(draw: st.DrawFn, items: list[Any]) -> Any:
    """One of ``items`` (cheaper than building a sampled_from strategy per draw)."""
    return items[draw(st.integers(0, len(items) - 1))]


def _mutate_string(draw: st.DrawFn, text: str) -> str:
    how = draw(_STRING_EDITS)
    nasty = draw(NASTY)
    if how == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + (nasty or draw(ANY_TEXT)) + text[at:]
    if how == "replace":
        return nasty
    if how == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if how == "prefix":
        return draw(_PREFIXES) + text
    if how == "double":
        return text + text
    return draw(ANY_TEXT)


def mutate_value(draw: st.DrawFn, value: Any) -> Any:
    """One mutation at one random place in ``value`` (a copy; ``value`` is not changed)."""
    value = json.loads(json.dumps(value))
    paths = _paths(value)
    path = _pick(draw, paths)
    target = _get(value, path)
    parent = _get(value, path[:-1]) if path else None
    kinds = ["replace", "nasty", "wrong-type", "deep", "add-field"]
    if isinstance(target, str):
        kinds += ["string"] * 6
    if isinstance(target, int | float) and not isinstance(target, bool):
        kinds += ["number"] * 2
    if path and isinstance(parent, dict | list):
        kinds += ["delete"] * 3
    if isinstance(parent, list):
        kinds += ["duplicate"]
    kind = _pick(draw, kinds)
    if kind == "string":
        new: Any = _mutate_string(draw, target)
    elif kind == "number":
        new = draw(_NUMBERS)
    elif kind == "replace":
        new = draw(JSON_VALUES)
    elif kind == "nasty":
        new = draw(NASTY)
    elif kind == "wrong-type":
        new = _pick(draw, [*_WRONG_TYPES, [target], {"x": target}])
    elif kind == "deep":
        new = deep(target, draw(st.integers(1, 200)), draw(st.booleans()))
    elif kind == "add-field":
        if isinstance(target, dict):
            target[draw(FIELD)] = draw(JSON_VALUES)
            return value
        if isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(JSON_VALUES))
            return value
        new = {draw(FIELD): target}
    elif kind == "delete":
        assert isinstance(parent, dict | list)
        del parent[path[-1]]
        return value
    else:  # duplicate
        assert isinstance(parent, list)
        parent.insert(path[-1], json.loads(json.dumps(target)))
        return value
    if not path:
        return new
    parent[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, seeds: Seeds, max_mutations: int = 4) -> Any:
    """A real record with 1..``max_mutations`` mutations (at most one in ten left as is)."""
    value = _pick(draw, seeds)
    for _ in range(draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, max_mutations))):
        value = mutate_value(draw, value)
    return value


def mutated_or_random(seeds: Seeds) -> st.SearchStrategy[Any]:
    """Mostly mutated real records, some random JSON objects."""
    return st.one_of(
        mutated(seeds),
        mutated(seeds),
        mutated(seeds),
        st.dictionaries(FIELD, JSON_VALUES, max_size=8),
    )
