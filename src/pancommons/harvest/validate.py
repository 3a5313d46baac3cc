"""Record validation against the JSON Schemas in ``harvest/schemas/`` (one per kind and
collection), compiled once with fastjsonschema: a harvest validates every record, and a compiled
validator is ~50× faster than interpreting the schema."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_lock = threading.Lock()


class RecordInvalid(ValueError):
    """The record breaks its schema; the message names the field."""


@cache
def _compiled(name: str) -> Callable[[Any], Any] | None:
    path = SCHEMA_DIR / f"{name}.json"
    if not path.is_file():
        return None
    with _lock:
        return fastjsonschema.compile(json.loads(path.read_text(encoding="utf-8")))  # type: ignore[no-any-return]


def schema_names() -> list[str]:
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))


def validate(name: str, record: Any) -> None:
    """Raise RecordInvalid when ``record`` breaks schema ``name`` (no schema: any object)."""
    if not isinstance(record, dict):
        raise RecordInvalid(f"a record must be a JSON object, not {type(record).__name__}")
    check = _compiled(name)
    if check is None:
        return
    try:
        check(record)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = exc.name.replace("data", "record", 1) if exc.name else "record"
        raise RecordInvalid(f"{where}: {exc.message.replace(exc.name or '', '').strip()}") from None
