"""Units of parameters: the source's unit kept as text, the value also given in SI (pint).

Conversions are linear (``si = a * value + b``; b is non-zero only for temperature scales), so
pint is asked once per unit string and the factors are cached: a harvest sees a handful of
distinct units across millions of parameters.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import Any

from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.nt import Triples, iri, literal, number

QUDT_UNIT = "http://qudt.org/vocab/unit/"

# pint's SI base-unit dimensionality → the QUDT unit of the SI value.
_QUDT_BY_DIMENSION: dict[frozenset[tuple[str, float]], str] = {
    frozenset({("[length]", 1)}): "M",
    frozenset({("[mass]", 1)}): "KiloGM",
    frozenset({("[time]", 1)}): "SEC",
    frozenset({("[time]", -1)}): "HZ",
    frozenset({("[temperature]", 1)}): "K",
    frozenset({("[current]", 1)}): "A",
    frozenset({("[substance]", 1)}): "MOL",
    frozenset({("[luminosity]", 1)}): "CD",
    frozenset({("[mass]", 1), ("[length]", 2), ("[time]", -2)}): "J",
    frozenset({("[mass]", 1), ("[length]", 2), ("[time]", -3)}): "W",
    frozenset({("[mass]", 1), ("[length]", 1), ("[time]", -2)}): "N",
    frozenset({("[mass]", 1), ("[length]", -1), ("[time]", -2)}): "PA",
    frozenset({("[current]", 1), ("[time]", 1)}): "C",
    frozenset({("[mass]", 1), ("[length]", 2), ("[time]", -3), ("[current]", -1)}): "V",
    frozenset({("[mass]", 1), ("[time]", -2), ("[current]", -1)}): "T",
    frozenset({("[length]", 2)}): "M2",
    frozenset({("[length]", 3)}): "M3",
    frozenset({("[length]", -1)}): "PER-M",
    frozenset(): "RAD",  # angles are dimensionless in pint; only angle units get here (below)
}

# Spellings seen in PaN catalogues that pint does not read as meant.
_ALIASES = {
    "celsius": "degC",
    "°c": "degC",
    "deg c": "degC",
    "degc": "degC",
    "cel": "degC",
    "fahrenheit": "degF",
    "°f": "degF",
    "°": "degree",
    "deg": "degree",
    "a": "angstrom",  # PaNOSC: "A" for ångström in wavelengths is rarer than ampere... see below
    "å": "angstrom",
    "angstroms": "angstrom",
    "angstrom": "angstrom",  # NeXus writes "Angstrom", which pint does not know
    "ang": "angstrom",
    "um": "micrometer",
    "µm": "micrometer",
    "us": "microsecond",
    "µs": "microsecond",
    "mbar": "millibar",
}
_ANGLES = {"radian", "degree", "arcminute", "arcsecond", "gradian", "milliradian"}

_lock = threading.Lock()
_registry: Any = None


def _ureg() -> Any:
    global _registry
    with _lock:
        if _registry is None:
            import pint

            _registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
        return _registry


MAX_UNIT_LENGTH = 64
"""Longer text is no unit ("(kg m^2) / s^2" is 14 characters); pint is not asked."""
_POWER = re.compile(r"\*\*|\^")
# A power pint may compute: a unit name or a number raised to a literal of at most two digits
# ("m^2", "s**-1", "mm^3"), not to another power nor a parenthesised expression.
_SMALL_POWER = re.compile(
    r"(?<=[^\s()*^])\s*(?:\*\*|\^)\s*[+-]?[0-9]{1,2}(?:\.[0-9]{1,3})?(?![\w.]|\s*(?:\*\*|\^))"
)


def _bounded(text: str) -> bool:
    """Whether pint can read ``text`` in bounded time. pint evaluates the numbers in a unit
    string with Python arithmetic: "10**10**8 m" would compute a 100-million-digit integer
    (minutes of CPU, gigabytes), so powers other than small literals are refused."""
    return len(text) <= MAX_UNIT_LENGTH and not _POWER.search(_SMALL_POWER.sub("", text))


@lru_cache(maxsize=4096)
def si_factors(unit: str) -> tuple[float, float, str] | None:
    """``(a, b, qudt IRI)`` with ``si = a * value + b``, or None for a unit we cannot convert
    (or that is too long or has powers too big to be a unit: see ``_bounded``)."""
    text = unit.strip()
    if not text or not _bounded(text):
        return None
    key = text.lower()
    # Upper-case "A" is ampere; lower-case "a" and "Å" mean ångström in PaN wavelength fields.
    name = "ampere" if text == "A" else _ALIASES.get(key, text)
    ureg = _ureg()
    try:
        q = ureg.Quantity
        u = ureg.Unit(name)
        zero = q(0.0, u).to_base_units()
        one = q(1.0, u).to_base_units()
    except Exception:  # noqa: BLE001 - pint raises many kinds of errors for unknown text
        return None
    dims = frozenset((str(k), float(v)) for k, v in one.dimensionality.items())
    if not dims and str(u) not in _ANGLES:
        return None  # dimensionless counts/ratios: nothing to normalise
    qudt = _QUDT_BY_DIMENSION.get(dims)
    if qudt is None:
        return None
    b = float(zero.magnitude)
    a = float(one.magnitude) - b
    return a, b, QUDT_UNIT + qudt


def add_parameter(t: Triples, node: str, name: str, value: object, unit: object) -> None:
    """A pan:Parameter at IRI ``node`` (already written as a term): name, value, unit, SI value."""
    t.type(node, T.PARAMETER)
    t.add(node, T.P_NAME, literal(name))
    numeric: float | None = None
    if isinstance(value, bool):
        t.add(node, T.P_VALUE, literal("true" if value else "false"))
    elif isinstance(value, int | float):
        t.add(node, T.P_VALUE, number(value))
        numeric = finite(value)
    elif value is not None:
        t.text(node, T.P_VALUE, value if not isinstance(value, dict | list) else str(value))
    unit_text = str(unit).strip() if isinstance(unit, str | int | float) else ""
    if unit_text:
        t.add(node, T.P_UNIT, literal(unit_text))
        if numeric is not None:
            factors = si_factors(unit_text)
            si = finite(factors[0] * numeric + factors[1]) if factors else None
            if factors and si is not None:  # no SI value where it would overflow a double
                t.add(node, T.P_SI_VALUE, number(si))
                t.add(node, T.P_SI_UNIT, iri(factors[2]))


def finite(value: int | float) -> float | None:
    """``value`` as a finite double; None for NaN, ±inf and an integer beyond 1.8e308 (which
    float() refuses with OverflowError)."""
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None
