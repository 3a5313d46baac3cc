"""PaNOSC filters (``api/panosc/filters.py``) → SPARQL over the patterns of ``graph.py``.

Every value from the request enters the query as an RDF term written by pyoxigraph
(``Literal``), so quotes, ``}``, ``#`` or ``>`` in it stay inside a string literal; LIKE
patterns are regular expressions in which every character but letters and digits is escaped.
Field names, relations and operators come from fixed tables, never from the request.

Semantics (the facade's documented contract, docs/panosc.md):

- a comparison holds when some value of the field satisfies it; ``neq``, ``nin``, ``nlike``,
  ``nilike`` hold when no value satisfies ``eq``, ``inq``, ``like``, ``ilike``;
- ``like`` and ``ilike`` are case-insensitive and unanchored (``%`` any text, ``_`` one
  character), as the PaNOSC deployments answer (``{"title": {"like": "data"}}`` finds
  "Sample Data"); ``text`` is a case-insensitive substring of a text field;
- an ``include`` whose scope has a ``where`` (or such an include inside it) keeps only the
  records with at least one related record that matches it (PaNOSC, not plain LoopBack);
- technique conditions on ``pid`` and ``name`` also match narrower PaNET techniques;
- parameter conditions with a unit compare in SI (``units.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pyoxigraph import Literal, NamedNode

from pancommons.api.panosc.filters import Condition, Filter, FilterError, Junction
from pancommons.api.panosc.graph import (
    GRAPH,
    PREFIXES,
    TECHNIQUE_ANCESTORS,
    Vars,
    instantiate,
)
from pancommons.api.panosc.models import MODELS
from pancommons.api.panosc.score import Scoring
from pancommons.api.panosc.units import Conversion, to_si

XSD = "http://www.w3.org/2001/XMLSchema#"
_NEGATED = {"neq": "eq", "nin": "inq", "nlike": "like", "nilike": "ilike"}
_CMP = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# The internal Parameter fields that unit conversion compares, with their kinds.
_INTERNAL = {("Parameter", "siValue"): "number", ("Parameter", "siUnit"): "string"}


def literal(value: Any, kind: str, where: str = "value") -> str:
    """A request value as a SPARQL term of the field's kind (escaped by pyoxigraph)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) < 2**63:
        return str(Literal(str(value), datatype=NamedNode(XSD + "integer")))
    if isinstance(value, int):  # beyond the store's 64-bit integers: compared as a double
        value = float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FilterError(f"{where}: a finite number")
        return str(Literal(repr(value), datatype=NamedNode(XSD + "double")))
    if kind == "date":
        return str(Literal(iso_datetime(str(value), where), datatype=NamedNode(XSD + "dateTime")))
    return str(Literal(str(value)))


def iso_datetime(text: str, where: str = "value") -> str:
    """An ISO 8601 date or date-time as an xsd:dateTime lexical form (UTC when no zone)."""
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise FilterError(f"{where}: an ISO 8601 date, not {text!r}") from None
    stamp = (
        f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}T"
        f"{parsed.hour:02d}:{parsed.minute:02d}:{parsed.second:02d}{_fraction(parsed)}"
    )
    offset = parsed.utcoffset()
    if offset is None or not offset:
        return stamp + "Z"
    minutes, rest = divmod(int(offset.total_seconds()), 60)
    if rest:
        raise FilterError(f"{where}: a time zone in whole minutes, not {text!r}")
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{stamp}{sign}{hours:02d}:{mins:02d}"


def _fraction(d: datetime) -> str:
    return f".{d.microsecond:06d}".rstrip("0") if d.microsecond else ""


def like_regex(pattern: str) -> str:
    """A LIKE pattern as a regular expression: ``%`` → ``.*``, ``_`` → ``.``, and every other
    character that is not a letter or digit escaped as ``\\xHH`` (the same in Python's ``re``
    and Rust's ``regex``, which Oxigraph uses)."""
    out = []
    for ch in pattern:
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch.isalnum() or ord(ch) > 127:
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}")
    return "".join(out)


def kind_of(model: str, name: str) -> str:
    return _INTERNAL.get((model, name)) or MODELS[model].fields[name]


@dataclass
class Translator:
    """Builds the conditions of one query."""

    vars: Vars = field(default_factory=Vars)
    conversions: dict[int, Conversion] = field(default_factory=dict)
    """Unit conversions found, by ``id`` of the Filter (scope) they were found in."""

    def condition(self, flt: Filter, x: str, e: str = "") -> str:
        """The boolean SPARQL expression that a node ``x`` of ``flt.model`` must satisfy: its
        ``where`` and its restrictive includes. ``true`` when there is none."""
        parts = []
        where = flt.where
        if flt.model.name == "Parameter":
            where, conv = to_si(where)
            if conv:
                self.conversions[id(flt)] = conv
        if where is not None:
            parts.append(self._cond(where, flt.model.name, x, e))
        for inc in flt.include:
            if restrictive(inc.scope):
                y, ye = self.vars.new("y"), self.vars.new("e")
                rel = GRAPH[flt.model.name].relations[inc.relation]
                pattern = instantiate(rel.pattern, self.vars, x, y=y, e=ye)
                inner = self.condition(inc.scope, y, ye)
                parts.append(f"EXISTS {{ {pattern} FILTER(isIRI({y}) && {inner}) }}")
        return " && ".join(f"({p})" for p in parts) if parts else "true"

    def _cond(self, cond: Condition, model: str, x: str, e: str) -> str:
        if isinstance(cond, Junction):
            glue = " && " if cond.op == "and" else " || "
            return "(" + glue.join(self._cond(p, model, x, e) for p in cond.parts) + ")"
        if cond.op == "text":
            return self._text(cond.value, model, x, e)
        negated = cond.op in _NEGATED
        op = _NEGATED.get(cond.op, cond.op)
        kind = kind_of(model, cond.field)
        v = self.vars.new("v")
        test = self._test(v, op, cond.value, kind, f"{model}.{cond.field}")
        pattern = GRAPH[model].fields[cond.field]
        if model == "Technique" and cond.field in ("pid", "name"):
            # the technique or any broader one satisfies it: narrower techniques match
            a = self.vars.new("a")
            hop = instantiate(TECHNIQUE_ANCESTORS, self.vars, x, a=a)
            pattern = hop + "\n" + instantiate(pattern, self.vars, a, v=v, e=e)
        else:
            pattern = instantiate(pattern, self.vars, x, v=v, e=e)
        exists = f"EXISTS {{ {pattern} FILTER({test}) }}"
        return f"!{exists}" if negated else exists

    def _text(self, value: str, model: str, x: str, e: str) -> str:
        needle = str(Literal(value))
        tests = []
        for name in MODELS[model].text:
            v = self.vars.new("v")
            pattern = instantiate(GRAPH[model].fields[name], self.vars, x, v=v, e=e)
            tests.append(
                f"EXISTS {{ {pattern} FILTER(CONTAINS(LCASE(STR({v})), LCASE({needle}))) }}"
            )
        return "(" + " || ".join(tests) + ")" if tests else "false"

    def _test(self, v: str, op: str, value: Any, kind: str, where: str) -> str:
        if op in ("like", "ilike"):
            return f'REGEX(STR({v}), {Literal(like_regex(value))}, "i")'
        if op == "inq":
            return "(" + " || ".join(self._test(v, "eq", x, kind, where) for x in value) + ")"
        if op == "between":
            low, high = value
            above = self._test(v, "gte", low, kind, where)
            return f"({above} && {self._test(v, 'lte', high, kind, where)})"
        sign = _CMP[op]
        term = literal(value, kind, where)
        if kind == "any":  # a parameter value: numbers with numbers, text with text
            if isinstance(value, bool):
                return f"(STR({v}) {sign} {Literal('true' if value else 'false')})"
            if isinstance(value, int | float):
                return f"(isNumeric({v}) && {v} {sign} {term})"
            return f"(!isNumeric({v}) && STR({v}) {sign} {term})"
        return f"{v} {sign} {term}"


def restrictive(flt: Filter) -> bool:
    """Whether an include scope filters its parents: it has a ``where``, or such an include."""
    return flt.where is not None or any(restrictive(i.scope) for i in flt.include)


def select_nodes(
    flt: Filter,
    *,
    parents: list[str] | None = None,
    relation: str = "",
    parent_model: str = "",
    paged: bool = True,
    scoring: Scoring | None = None,
    translator: Translator | None = None,
) -> str:
    """A SELECT of ``?x`` (and ``?e``, ``?p`` for related records; ``?score`` with a query)
    for the nodes ``flt`` keeps, in its order.

    Top level: every node of the model. With ``parents``: the nodes related to them by
    ``relation`` of ``parent_model``, each row with its parent ``?p``; paging is then per
    parent and left to the caller (``paged`` false)."""
    tr = translator or Translator()
    model = flt.model.name
    if parents is None:
        base = instantiate(GRAPH[model].nodes, tr.vars, "?x")
        head = "?x"
    else:
        rel = GRAPH[parent_model].relations[relation]
        values = " ".join(f"<{p}>" for p in parents)
        hop = instantiate(rel.pattern, tr.vars, "?p", y="?x", e="?e")
        base = f"VALUES ?p {{ {values} }}\n{hop}"
        head = "?p ?x ?e"
    cond = tr.condition(flt, "?x", "?e" if parents is not None else "")
    body = f"{base}\nFILTER(isIRI(?x) && {cond})"
    order_by = ["?p"] if parents is not None else []
    keys = []
    if scoring is not None:
        body += "\n" + scoring.pattern(tr.vars, "?x")
        head += " ?score"
        order_by.append("DESC(?score)")
    for i, (name, desc) in enumerate(flt.order):
        if name == "score":  # with a query, results already come by score; else all are 0
            continue
        k = f"?k{i}"
        pattern = instantiate(GRAPH[model].fields[name], tr.vars, "?x", v=k, e="?e")
        keys.append(f"({'MAX' if desc else 'MIN'}({k}) AS ?o{i})")
        body += f"\nOPTIONAL {{ {pattern} }}"
        order_by.append(f"{'DESC' if desc else 'ASC'}(?o{i})")
    order_by += ["?x"] + (["?e"] if parents is not None else [])
    if keys:
        select = f"SELECT {head} {' '.join(keys)} WHERE {{\n{body}\n}} GROUP BY {head}"
    else:
        select = f"SELECT DISTINCT {head} WHERE {{\n{body}\n}}"
    text = f"{PREFIXES}{select}\nORDER BY {' '.join(order_by)}"
    if paged and parents is None:
        if flt.limit is not None:
            text += f"\nLIMIT {int(flt.limit)}"
        if flt.skip:
            text += f"\nOFFSET {int(flt.skip)}"
    return text


def count_nodes(flt: Filter, scoring: Scoring | None = None) -> str:
    tr = Translator()
    base = instantiate(GRAPH[flt.model.name].nodes, tr.vars, "?x")
    body = f"{base}\nFILTER(isIRI(?x) && {tr.condition(flt, '?x')})"
    if scoring is not None:
        body += "\n" + scoring.pattern(tr.vars, "?x")
    return f"{PREFIXES}SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{\n{body}\n}}"
