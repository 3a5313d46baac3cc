"""Named SPARQL queries: the ``*.rq`` files of ``queries/`` with their header.

A header is the leading ``#`` comment block, one ``key: value`` per line::

    # title: Datasets by technique, with PaNET descendants
    # description: Every dataset tagged with the technique or any narrower PaNET technique.
    # param: technique — PaNET technique IRI (default: x-ray absorption spectroscopy)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pancommons.resources import resource_dir


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    title: str
    description: str
    params: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def parse_header(path: Path) -> NamedQuery:
    title, description, params = path.stem, "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line.lstrip("#").strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "title":
            title = value
        elif key == "description":
            description = f"{description} {value}".strip()
        elif key == "param":
            params.append(value)
    return NamedQuery(path.stem, path, title, description, params)


def named_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries, by name (file stem)."""
    folder = folder or resource_dir("queries")
    return {p.stem: parse_header(p) for p in sorted(folder.glob("*.rq"))}
