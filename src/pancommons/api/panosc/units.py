"""Parameter conditions with units, compared in SI.

PaNOSC clients ask for a quantity in a unit of their choice::

    {"and": [{"name": "photon_energy"}, {"value": {"between": [880, 990]}}, {"unit": "eV"}]}

Harvesting stored every numeric parameter with a known unit also in SI (``pan:siValue``,
``pan:siUnit``; harvest/mapping/units.py, pint). Here the numbers of such a condition are
converted to SI the same way, and the condition becomes one on the SI value and unit: so a
value stored as 0.93 keV matches, and one in a unit of another dimension does not.

Only an ``and`` that holds ``{"unit": U}`` (equality) is rewritten, and only when pint knows
``U``; its ``value`` comparisons with numbers (or numeric strings, which the portal sends)
become ``siValue`` comparisons. Anything else is left as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from pancommons.api.panosc.filters import Compare, Condition, Junction
from pancommons.harvest.mapping.units import si_factors

_NUMERIC_OPS = {"eq", "neq", "gt", "gte", "lt", "lte", "between", "inq", "nin"}


@dataclass(frozen=True)
class Conversion:
    """The unit a query asked in: ``si = a * value + b``."""

    unit: str
    a: float
    b: float
    si_unit: str

    def to_si(self, value: float) -> float:
        return self.a * value + self.b

    def from_si(self, value: float) -> float:
        return (value - self.b) / self.a


def to_si(where: Condition | None) -> tuple[Condition | None, Conversion | None]:
    """``where`` (of Parameters) with its unit conditions in SI, and the unit asked in (the
    first one found), in which results can be shown."""
    found: list[Conversion] = []
    return (_rewrite(where, found) if where is not None else None), (found[0] if found else None)


def _rewrite(cond: Condition, found: list[Conversion]) -> Condition:
    if isinstance(cond, Compare):
        if cond.field == "unit" and cond.op == "eq" and isinstance(cond.value, str):
            # {"unit": "eV"} alone (no value condition beside it): any value in that dimension
            conv = _conversion(cond.value)
            if conv:
                found.append(conv)
                return Compare("siUnit", "eq", conv.si_unit)
        return cond
    parts = tuple(_rewrite(p, found) if isinstance(p, Junction) else p for p in cond.parts)
    if cond.op == "and":
        unit = next(
            (
                p
                for p in parts
                if isinstance(p, Compare)
                and p.field == "unit"
                and p.op == "eq"
                and isinstance(p.value, str)
            ),
            None,
        )
        conv = _conversion(unit.value) if unit else None
        if conv and all(_numeric(p) for p in parts if _is_value(p)):
            found.append(conv)
            parts = tuple(_convert(p, conv) for p in parts)
    else:
        parts = tuple(_rewrite(p, found) if isinstance(p, Compare) else p for p in parts)
    return Junction(cond.op, parts)


def _conversion(unit: str) -> Conversion | None:
    factors = si_factors(unit)
    if factors is None:
        return None
    a, b, si_unit = factors
    return Conversion(unit, a, b, si_unit)


def _is_value(p: Condition) -> bool:
    return isinstance(p, Compare) and p.field == "value"


def _number(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _numeric(p: Condition) -> bool:
    assert isinstance(p, Compare)
    if p.op not in _NUMERIC_OPS:
        return False
    values = p.value if isinstance(p.value, list) else [p.value]
    return all(_number(v) is not None for v in values)


def _convert(p: Condition, conv: Conversion) -> Condition:
    if not isinstance(p, Compare):
        return p
    if p.field == "unit" and p.op == "eq":
        return Compare("siUnit", "eq", conv.si_unit)
    if p.field != "value":
        return p
    if isinstance(p.value, list):
        values = [conv.to_si(_number(v) or 0.0) for v in p.value]
        if p.op == "between" and conv.a < 0:  # no negative scale among units; kept exact
            values.reverse()
        return Compare("siValue", p.op, values)
    return Compare("siValue", p.op, conv.to_si(_number(p.value) or 0.0))
