"""A harvest source: one TOML file in ``harvesters/`` (DESIGN §5), or any TOML file a user keeps.

```toml
name = "esrf-panosc"                  # also names the graph {base}/graph/source/{name}
kind = "panosc"                       # panosc | scicat | icat | datacite | oaipmh | nexus | files
url = "https://icatplus.esrf.fr/api"  # for kind = "files": a directory, relative to this file
page_size = 100                       # records per request
rate_limit = 2.0                      # requests per second to this host (0: no limit)
since = "2024-01-01"                  # optional default for incremental runs
[facility]
name = "ESRF"
ror = "https://ror.org/02550n020"
[options]                             # kind-specific, documented in docs/harvesting.md
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pancommons.resources import resource_dir
from pancommons.vocab import InvalidIdentifier, normalize_ror

KNOWN_KINDS = ("panosc", "scicat", "icat", "datacite", "oaipmh", "nexus", "files")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_KEYS = {
    "name", "kind", "url", "description", "facility", "page_size", "rate_limit", "timeout",
    "retries", "since", "set", "metadata_prefix", "client_id", "options", "format", "demo",
}  # fmt: skip


class SourceConfigError(ValueError):
    """A source TOML file is missing, unreadable or wrong; the message names the file."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    url: str
    path: Path | None = None
    description: str = ""
    facility_name: str | None = None
    facility_ror: str | None = None
    page_size: int = 100
    rate_limit: float = 0.0
    timeout: float = 60.0
    retries: int = 5
    since: str | None = None
    set: str | None = None
    metadata_prefix: str | None = None
    client_id: str | None = None
    format: str | None = None
    demo: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """The URL, or for a ``files`` source the directory it reads (resolved)."""
        if self.kind == "files" and self.path is not None:
            return str((self.path.parent / self.url).resolve())
        return self.url


def parse_source(data: dict[str, Any], path: Path | None = None) -> SourceConfig:
    where = str(path) if path else "<source>"
    unknown = set(data) - _KEYS
    if unknown:
        raise SourceConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    for key in ("name", "kind", "url"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise SourceConfigError(f"{where}: '{key}' is required (a string)")
    name, kind = data["name"].strip(), data["kind"].strip()
    if not _NAME.match(name):
        raise SourceConfigError(
            f"{where}: name {name!r} must be lower-case letters, digits, '.', '_' or '-'"
        )
    if kind not in KNOWN_KINDS:
        raise SourceConfigError(f"{where}: kind {kind!r} is not one of {', '.join(KNOWN_KINDS)}")
    formats = ("panosc", "scicat", "icat", "datacite", "oaipmh")
    if kind == "files" and data.get("format") not in formats:
        raise SourceConfigError(f"{where}: a files source needs format = {', '.join(formats)}")
    facility = data.get("facility") or {}
    if not isinstance(facility, dict):
        raise SourceConfigError(f"{where}: [facility] must be a table with name and ror")
    ror = facility.get("ror")
    if ror:
        try:
            ror = "https://ror.org/" + normalize_ror(str(ror))
        except InvalidIdentifier as exc:
            raise SourceConfigError(f"{where}: facility.ror: {exc}") from exc
    try:
        page_size = int(data.get("page_size", 100))
        rate_limit = float(data.get("rate_limit", 0.0))
        timeout = float(data.get("timeout", 60.0))
        retries = int(data.get("retries", 5))
    except (TypeError, ValueError) as exc:
        raise SourceConfigError(f"{where}: {exc}") from exc
    if page_size < 1 or rate_limit < 0 or timeout <= 0 or retries < 0:
        raise SourceConfigError(
            f"{where}: page_size ≥ 1, rate_limit ≥ 0, timeout > 0 and retries ≥ 0 are required"
        )
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise SourceConfigError(f"{where}: [options] must be a table")
    return SourceConfig(
        name=name,
        kind=kind,
        url=data["url"].strip(),
        path=path,
        description=str(data.get("description", "")),
        facility_name=facility.get("name"),
        facility_ror=ror or None,
        page_size=page_size,
        rate_limit=rate_limit,
        timeout=timeout,
        retries=retries,
        since=str(data["since"]) if data.get("since") else None,
        set=data.get("set"),
        metadata_prefix=data.get("metadata_prefix"),
        client_id=data.get("client_id"),
        format=data.get("format"),
        demo=bool(data.get("demo", False)),
        options=options,
    )


def read_source(path: Path) -> SourceConfig:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise SourceConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_source(data, path.resolve())


def available_sources(folder: Path | None = None) -> dict[str, SourceConfig]:
    """Every source in ``harvesters/`` by name."""
    folder = folder or resource_dir("harvesters")
    sources: dict[str, SourceConfig] = {}
    for path in sorted(folder.glob("*.toml")):
        cfg = read_source(path)
        if cfg.name in sources:
            raise SourceConfigError(f"{path}: source name {cfg.name!r} is used twice")
        sources[cfg.name] = cfg
    return sources


def find_source(ref: str, folder: Path | None = None) -> SourceConfig:
    """A source by name (from ``harvesters/``) or by the path of a TOML file."""
    if ref.endswith(".toml") or "/" in ref or Path(ref).is_file():
        return read_source(Path(ref))
    sources = available_sources(folder)
    if ref not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise SourceConfigError(
            f"no source named {ref!r} in harvesters/ (known: {known}); give a TOML path instead"
        )
    return sources[ref]
