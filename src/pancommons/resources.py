"""Where the project's data files are: ontologies/, shapes/, queries/, harvesters/.

In an installed wheel they are package data under ``pancommons/_resources``; in a source checkout
(editable install, tests) they are the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_KINDS = ("ontologies", "shapes", "queries", "harvesters")


@cache
def resource_dir(kind: str) -> Path:
    """The folder holding ``kind`` (one of ontologies, shapes, queries, harvesters)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown resource folder {kind!r}")
    for candidate in (_PACKAGE / "_resources" / kind, _PACKAGE.parent.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the {kind}/ folder is missing from this installation of pancommons (reinstall it)"
    )
