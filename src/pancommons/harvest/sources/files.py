"""Recorded catalogue responses on disk, through the same mapping as the live kind.

The directory named by ``url`` (relative to the TOML file) holds one JSON array per collection
of the kind given by ``format``: ``Datasets.json``, ``Documents.json``... (see each kind's
``collections``). The demo and the tests harvest bundled snapshots this way.

``[options] recorded_from``: the API base URL the responses were recorded from, when known;
each record's ``dct:source`` is then its URL under that API, as the live kind writes it, and
otherwise the ``file:`` URL of the JSON file it was read from.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HttpClient
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Source, public_url


class SnapshotError(RuntimeError):
    """A snapshot file is missing or is not a JSON array."""


class FilesSource(Source):
    kind = "files"
    collections: tuple[str, ...] = ()

    def __init__(self, config: SourceConfig, http: HttpClient | None = None) -> None:
        from pancommons.harvest.sources import source_class

        super().__init__(config, None)
        inner_cls = source_class(str(config.format))
        self.inner = inner_cls(config, None)
        self.collections = inner_cls.collections  # type: ignore[misc]
        self.directory = Path(config.location)
        self._cache: dict[str, list[Any]] = {}

    def _records(self, collection: str) -> list[Any]:
        if collection not in self._cache:
            path = self.directory / f"{collection}.json"
            if not path.is_file():
                self._cache[collection] = []
            else:
                try:
                    data = json.loads(path.read_bytes())
                except ValueError as exc:
                    raise SnapshotError(f"{path}: not valid JSON: {exc}") from exc
                except RecursionError:  # json.loads gives up on arrays nested ~1000 deep
                    raise SnapshotError(
                        f"{path}: JSON nested too deep to read (a snapshot is an array of records)"
                    ) from None
                if not isinstance(data, list):
                    raise SnapshotError(f"{path}: expected a JSON array of records")
                self._cache[collection] = data
        return self._cache[collection]

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        path = self.directory / f"{collection}.json"
        return self._records(collection)[skip : skip + limit], f"{path.as_uri()}#{skip}"

    def context(self, ctx: Context) -> Context:
        recorded = str(self.config.options.get("recorded_from") or "").strip()
        return replace(
            ctx,
            api=public_url(recorded) if recorded else None,
            files=self.directory.resolve().as_uri(),
        )

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return self.inner.map(ctx, collection, record)

    def record_key(self, collection: str, record: Any) -> str | None:
        return self.inner.record_key(collection, record)

    def schema_name(self, collection: str) -> str:
        return self.inner.schema_name(collection)
