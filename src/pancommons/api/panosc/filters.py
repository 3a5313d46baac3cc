"""LoopBack filters of the PaNOSC Search API, parsed and checked against the data model.

    {"where": {...}, "include": [...], "limit": 10, "skip": 0, "order": "title ASC",
     "query": "free text"}

- ``where``: ``{field: value}`` (equality), ``{field: {op: value}}`` with ``op`` one of
  ``eq neq gt gte lt lte between inq nin like nlike ilike nilike``, and ``and`` / ``or`` lists;
  several keys in one object are and-ed. ``text`` searches the model's text fields.
- ``include``: a relation name, a list of them, or ``{"relation": r, "scope": filter}``; a
  scope is a filter of the related model (``where``, ``include``, ``limit``, ``skip``,
  ``order``).
- ``limit``, ``skip``: non-negative integers; ``order``: ``"field [ASC|DESC]"`` or a list.

Anything else is a ``FilterError`` whose message names the offending part by its path in the
filter (``where.and[1].title.like``), which the API returns as a 400.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from pancommons.api.panosc.models import MODELS, Model

OPERATORS = (
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "inq",
    "nin",
    "like",
    "nlike",
    "ilike",
    "nilike",
)
MAX_LIMIT = 1000
MAX_DEPTH = 8
MAX_SKIP = 10**9


class FilterError(ValueError):
    """A filter that cannot be run; the message names the part and what is wrong."""


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Junction:
    op: Literal["and", "or"]
    parts: tuple[Condition, ...]


Condition = Compare | Junction


@dataclass(frozen=True)
class Include:
    relation: str
    scope: Filter


@dataclass(frozen=True)
class Filter:
    model: Model
    where: Condition | None = None
    include: tuple[Include, ...] = ()
    limit: int | None = None
    skip: int = 0
    order: tuple[tuple[str, bool], ...] = ()
    """(field, descending) pairs."""
    query: str | None = None


def parse(raw: str | dict[str, Any] | None, model: str) -> Filter:
    """The filter ``raw`` (the ``filter`` query parameter, JSON) for ``model``."""
    if raw is None or raw == "":
        return Filter(MODELS[model])
    data = load_json(raw, "filter") if isinstance(raw, str) else raw
    return _filter(data, MODELS[model], "filter", 0, top=True)


def load_json(text: str, name: str) -> Any:
    """The request parameter ``name`` as JSON, or a FilterError that says why not."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FilterError(f"{name}: not JSON ({exc})") from None
    except RecursionError:
        raise FilterError(f"{name}: nested more than {MAX_DEPTH} levels") from None


def _filter(data: Any, model: Model, path: str, depth: int, *, top: bool = False) -> Filter:
    if depth > MAX_DEPTH:
        raise FilterError(f"{path}: nested more than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise FilterError(f"{path}: a filter is a JSON object, not {_kind(data)}")
    allowed = {"where", "include", "limit", "skip", "offset", "order", "fields"}
    if top:
        allowed.add("query")
    for key in data:
        if key not in allowed:
            raise FilterError(f"{path}.{key}: unknown filter key; use {', '.join(sorted(allowed))}")
    where = None
    if data.get("where") is not None:
        where = _where(data["where"], model, f"{path}.where", depth + 1)
    include = tuple(_includes(data.get("include"), model, f"{path}.include", depth + 1))
    skip_key = "skip" if "skip" in data else "offset"
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise FilterError(f"{path}.query: a string of words, not {_kind(query)}")
    return Filter(
        model,
        where,
        include,
        _count(data.get("limit"), f"{path}.limit", MAX_LIMIT),
        _count(data.get(skip_key), f"{path}.{skip_key}", None) or 0,
        _order(data.get("order"), model, f"{path}.order"),
        query.strip() or None if isinstance(query, str) else None,
    )


def _count(value: Any, path: str, cap: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FilterError(f"{path}: a non-negative integer, not {json.dumps(value)}")
    if value > MAX_SKIP:
        raise FilterError(f"{path}: at most {MAX_SKIP}")
    if cap is not None and value > cap:
        raise FilterError(f"{path}: at most {cap}; page with skip")
    return value


def _order(value: Any, model: Model, path: str) -> tuple[tuple[str, bool], ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise FilterError(f'{path}: "field ASC|DESC" or a list of them')
    out = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]" if isinstance(value, list) else path
        words = item.split() if isinstance(item, str) else []
        if not 1 <= len(words) <= 2 or (
            len(words) == 2 and words[1].upper() not in ("ASC", "DESC")
        ):
            raise FilterError(f'{where}: "field ASC|DESC", not {json.dumps(item)}')
        _field(words[0], model, where)
        out.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    return tuple(out)


def _field(name: str, model: Model, path: str) -> str:
    if name not in model.fields:
        raise FilterError(
            f"{path}: {model.name} has no field {name!r}; its fields are {', '.join(model.fields)}"
        )
    return name


def _includes(value: Any, model: Model, path: str, depth: int) -> list[Include]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]" if isinstance(value, list) else path
        if isinstance(item, str):
            relation, scope = item, {}
        elif isinstance(item, dict):
            extra = set(item) - {"relation", "scope"}
            if extra:
                raise FilterError(f"{where}.{sorted(extra)[0]}: use 'relation' and 'scope'")
            relation, scope = item.get("relation"), item.get("scope") or {}
            if not isinstance(relation, str):
                raise FilterError(f"{where}.relation: a relation name, not {_kind(relation)}")
        else:
            raise FilterError(f"{where}: a relation name or {{relation, scope}}")
        if relation not in model.relations:
            raise FilterError(
                f"{where}: {model.name} has no relation {relation!r}; its relations are "
                f"{', '.join(model.relations) or 'none'}"
            )
        target = MODELS[model.relations[relation]]
        out.append(Include(relation, _filter(scope, target, f"{where}.scope", depth + 1)))
    return out


def _where(data: Any, model: Model, path: str, depth: int) -> Condition:
    if depth > MAX_DEPTH:
        raise FilterError(f"{path}: nested more than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise FilterError(f"{path}: a where clause is a JSON object, not {_kind(data)}")
    parts: list[Condition] = []
    for key, value in data.items():
        here = f"{path}.{key}"
        if key in ("and", "or"):
            if not isinstance(value, list) or not value:
                raise FilterError(f"{here}: a non-empty list of where clauses")
            subs = tuple(_where(v, model, f"{here}[{i}]", depth + 1) for i, v in enumerate(value))
            parts.append(Junction(key, subs))  # type: ignore[arg-type]
        elif key == "text":
            if not isinstance(value, str):
                raise FilterError(f"{here}: a string to search for, not {_kind(value)}")
            parts.append(Compare("text", "text", value))
        else:
            parts.append(_compare(key, value, model, here))
    if not parts:
        raise FilterError(f"{path}: an empty where clause")
    return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))


def _compare(name: str, value: Any, model: Model, path: str) -> Compare:
    _field(name, model, path)
    if name == "score":
        raise FilterError(
            f"{path}: the score is computed from 'query', not stored; give a query, results "
            "come ordered by score"
        )
    kind = model.fields[name]
    if isinstance(value, dict):
        if len(value) != 1:
            raise FilterError(f'{path}: one operator per field, e.g. {{"gt": 1}}')
        op, operand = next(iter(value.items()))
        if op not in OPERATORS:
            raise FilterError(f"{path}.{op}: unknown operator; use {', '.join(OPERATORS)}")
        path = f"{path}.{op}"
    else:
        op, operand = "eq", value
    if op == "between":
        if not isinstance(operand, list) or len(operand) != 2:
            raise FilterError(f"{path}: a list of two values [low, high]")
        operand = [_scalar(v, kind, f"{path}[{i}]") for i, v in enumerate(operand)]
        if any(isinstance(v, bool) for v in operand):
            raise FilterError(f"{path}: booleans cannot be ordered")
    elif op in ("inq", "nin"):
        if not isinstance(operand, list) or not operand:
            raise FilterError(f"{path}: a non-empty list of values")
        operand = [_scalar(v, kind, f"{path}[{i}]") for i, v in enumerate(operand)]
    elif op in ("like", "nlike", "ilike", "nilike"):
        if not isinstance(operand, str):
            raise FilterError(f"{path}: a pattern string (% any text, _ one character)")
    else:
        operand = _scalar(operand, kind, path)
        if op in ("gt", "gte", "lt", "lte") and isinstance(operand, bool):
            raise FilterError(f"{path}: booleans cannot be ordered")
    return Compare(name, op, operand)


def _scalar(value: Any, kind: str, path: str) -> Any:
    if isinstance(value, bool):
        if kind not in ("boolean", "any"):
            raise FilterError(f"{path}: a {kind}, not a boolean")
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise FilterError(f"{path}: a finite number")
        if kind not in ("number", "any"):
            raise FilterError(f"{path}: a {kind}, not a number")
        return value
    if isinstance(value, str):
        if kind in ("number", "boolean"):
            raise FilterError(f"{path}: a {kind}, not a string")
        return value
    raise FilterError(f"{path}: a {kind}, not {_kind(value)}")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )
