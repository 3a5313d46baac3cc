"""PaNOSC records from the graph: select the nodes a filter keeps (``sparql.py``), read their
fields in one query per model, and attach their included relations, recursively.

A field with several values shows the smallest (``keywords`` shows them all, sorted). Fields
without a value are left out, as LoopBack leaves out undefined properties. A parameter found
through a condition with a unit is shown in that unit (``units.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pyoxigraph import Literal, NamedNode

from pancommons.api.panosc.filters import Filter, parse
from pancommons.api.panosc.graph import GRAPH, PREFIXES, Vars, instantiate
from pancommons.api.panosc.models import MODELS
from pancommons.api.panosc.score import (
    Scoring,
    document_frequencies_query,
    terms,
    weights,
)
from pancommons.api.panosc.sparql import Translator, count_nodes, select_nodes
from pancommons.api.panosc.units import Conversion
from pancommons.store.base import Store

XSD = "http://www.w3.org/2001/XMLSchema#"
TOP_MODELS = {"Datasets": "Dataset", "Documents": "Document", "Instruments": "Instrument"}
_LISTS = {("Document", "keywords")}
_REQUIRED = {
    ("Dataset", "title"): "",
    ("Document", "title"): "",
    ("Instrument", "name"): "pid",
    ("Parameter", "unit"): "",
}
_SCORED = {"Dataset", "Document", "Instrument"}
Check = Callable[[], None]


def _noop() -> None:
    pass


class Reader:
    """Reads PaNOSC records from ``store``; ``check`` is called between queries (it raises to
    stop a request past its deadline)."""

    def __init__(self, store: Store, check: Check = _noop) -> None:
        self.store = store
        self.check = check

    def _rows(self, sparql: str) -> list[Any]:
        self.check()
        return list(self.store.query(sparql))  # type: ignore[arg-type]

    # --- the endpoints ---------------------------------------------------------------------

    def search(self, model: str, flt: Filter) -> list[dict[str, Any]]:
        scoring = self.scoring(model, flt.query)
        if flt.query and scoring is None:
            return []
        rows = self._rows(select_nodes(flt, scoring=scoring))
        nodes = [r["x"].value for r in rows]
        scores = {r["x"].value: float(r["score"].value) for r in rows} if scoring else {}
        return self.records(model, flt, nodes, top=True, scores=scores)

    def count(self, model: str, flt: Filter) -> int:
        scoring = self.scoring(model, flt.query)
        if flt.query and scoring is None:
            return 0
        rows = self._rows(count_nodes(flt, scoring))
        return int(rows[0]["n"].value) if rows else 0

    def by_pid(self, model: str, pid: str, flt: Filter) -> dict[str, Any] | None:
        """One record by pid, with ``flt``'s includes (a scoped include narrows what is
        included; it does not hide the record)."""
        node = self.node(model, pid)
        if node is None:
            return None
        return self.records(model, flt, [node], top=True)[0]

    def node(self, model: str, pid: str) -> str | None:
        scoped = parse({"where": {"pid": pid}}, model)
        rows = self._rows(select_nodes(Filter(MODELS[model], scoped.where, (), 1, 0, ())))
        return rows[0]["x"].value if rows else None

    def related(
        self, model: str, pid: str, relation: str, flt: Filter
    ) -> list[dict[str, Any]] | None:
        """``/Datasets/{pid}/files``: the records of ``relation`` of one record; None when
        there is no record ``pid``."""
        node = self.node(model, pid)
        if node is None:
            return None
        return self.children(model, relation, flt, [node]).get(node, [])

    def count_related(self, model: str, pid: str, relation: str, flt: Filter) -> int | None:
        node = self.node(model, pid)
        if node is None:
            return None
        paged = Filter(flt.model, flt.where, flt.include)
        return len(self.children(model, relation, paged, [node]).get(node, []))

    # --- scoring -------------------------------------------------------------------------------

    def scoring(self, model: str, query: str | None) -> Scoring | None:
        if not query:
            return None
        words = terms(query)
        if not words:
            return None
        row = self._rows(document_frequencies_query(model, words))[0]
        total = int(row["n"].value)
        counts = [_int(row[f"c{i}"]) for i in range(len(words))]
        return Scoring(model, tuple(words), weights(total, counts))

    # --- records -------------------------------------------------------------------------------

    def records(
        self,
        model: str,
        flt: Filter,
        nodes: list[str],
        *,
        top: bool = False,
        scores: dict[str, float] | None = None,
        conversion: Conversion | None = None,
    ) -> list[dict[str, Any]]:
        """The records of ``nodes`` (in that order) with ``flt``'s includes."""
        if not nodes:
            return []
        values = self.fields(model, nodes) if model != "Member" else {}
        out = []
        for node in nodes:
            rec = self.shape(model, values.get(node, {}))
            if top and model in _SCORED:
                rec["score"] = (scores or {}).get(node, 0)
            if conversion is not None and model == "Parameter":
                _show_in(rec, values.get(node, {}), conversion)
            out.append(rec)
        for inc in flt.include:
            many = GRAPH[model].relations[inc.relation].many
            children = self.children(model, inc.relation, inc.scope, list(dict.fromkeys(nodes)))
            for node, rec in zip(nodes, out, strict=True):
                found = children.get(node, [])
                if many:
                    rec[inc.relation] = found
                elif found:
                    rec[inc.relation] = found[0]
        return out

    def children(
        self, model: str, relation: str, scope: Filter, parents: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """The related records of each parent, in the scope's order, paged per parent."""
        target = MODELS[model].relations[relation]
        tr = Translator()
        sparql = select_nodes(
            scope, parents=parents, relation=relation, parent_model=model, translator=tr
        )
        pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in self._rows(sparql):
            e = r["e"]
            pairs[r["p"].value].append((r["x"].value, e.value if e is not None else ""))
        for parent, found in pairs.items():
            end = None if scope.limit is None else scope.skip + scope.limit
            pairs[parent] = found[scope.skip : end]
        every = list(dict.fromkeys(x for found in pairs.values() for x, _ in found))
        recs = self.records(target, scope, every, conversion=tr.conversions.get(id(scope)))
        by_node = dict(zip(every, recs, strict=True))
        if target == "Member":  # a member is a person on an edge: one per (person, role)
            return {
                parent: [{**by_node[x], "id": f"{x}#{e}", "role": e} for x, e in found]
                for parent, found in pairs.items()
            }
        return {parent: [by_node[x] for x, _ in found] for parent, found in pairs.items()}

    def fields(self, model: str, nodes: list[str]) -> dict[str, dict[str, list[Any]]]:
        """Every value of every field of ``nodes``: node → field → values."""
        vars = Vars()
        values = " ".join(f"<{n}>" for n in dict.fromkeys(nodes))
        branches = []
        for name, pattern in GRAPH[model].fields.items():
            if "?E" in pattern:
                continue
            body = instantiate(pattern, vars, "?x", v="?v")
            # the nodes in each branch: a branch is evaluated on its own (SPARQL algebra)
            branches.append(f"{{ VALUES ?x {{ {values} }}\n{body} BIND({Literal(name)} AS ?f) }}")
        sparql = f"{PREFIXES}SELECT ?x ?f ?v WHERE {{\n" + "\nUNION ".join(branches) + "\n}"
        out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for r in self._rows(sparql):
            v = r["v"]
            if v is None:
                continue
            out[r["x"].value][r["f"].value].append(python(v))
        return out

    def shape(self, model: str, values: dict[str, list[Any]]) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        if model == "Member":
            return {"id": "", "role": ""}  # filled from the edge by children()
        for name in MODELS[model].fields:
            if name == "score":
                continue
            found = values.get(name)
            if not found:
                if (model, name) in _REQUIRED:
                    # The PaNOSC model requires it: an empty title (nothing invented), an
                    # instrument's pid as its name (clients require a non-empty one).
                    fallback = _REQUIRED[(model, name)]
                    rec[name] = rec.get("pid", "") if fallback == "pid" else fallback
                continue
            if (model, name) in _LISTS:
                rec[name] = sorted(set(found))
            else:
                rec[name] = min(found, key=_order_key)
        return rec


def _int(term: Any) -> int:
    return int(term.value) if term is not None else 0


def _order_key(v: Any) -> tuple[int, Any]:
    if isinstance(v, bool):
        return (0, v)
    if isinstance(v, int | float):
        return (1, v)
    return (2, str(v))


def _show_in(rec: dict[str, Any], values: dict[str, list[Any]], conv: Conversion) -> None:
    """A parameter's value in the unit the query asked in, when its SI unit is that one's."""
    si, unit = values.get("siValue"), values.get("siUnit")
    if si and unit and unit[0] == conv.si_unit and isinstance(si[0], int | float):
        value = conv.from_si(float(si[0]))
        rec["value"] = float(f"{value:.12g}")  # 0.93 keV, not 0.9299999999999999
        rec["unit"] = conv.unit


_NUMERIC = {
    XSD + t
    for t in [
        "integer",
        "decimal",
        "double",
        "float",
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
    ]
}
_INTEGER = _NUMERIC - {XSD + "decimal", XSD + "double", XSD + "float"}


def python(term: Any) -> Any:
    """An RDF term as a JSON value: numbers, booleans, dates as ISO text, else its text."""
    if isinstance(term, Literal):
        dt = term.datatype.value if term.datatype else ""
        if dt in _INTEGER:
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if dt in _NUMERIC:
            try:
                number = float(term.value)
            except ValueError:
                return term.value
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        if dt == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, NamedNode):
        return term.value
    return str(term)
