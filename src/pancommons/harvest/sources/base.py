"""What a source kind provides: collections to page through, a mapping, a record schema."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HttpClient
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples


class PagingError(RuntimeError):
    """The source does not page as asked (it would make the harvest loop forever)."""


@dataclass
class Page:
    collection: str
    records: list[Any]
    url: str
    offset: int
    """Position of the first record in its collection."""
    cursor: dict[str, Any]
    """Where the next page starts: what a checkpoint stores so that ``--resume`` goes on."""


class Source(ABC):
    """A catalogue seen as collections of JSON records, fetched page by page (skip/limit)."""

    kind: ClassVar[str]
    collections: ClassVar[tuple[str, ...]]
    """Harvested in this order (instruments before the datasets that point at them)."""

    def __init__(self, config: SourceConfig, http: HttpClient | None = None) -> None:
        self.config = config
        self.http = http

    # --- what a kind defines ------------------------------------------------------------------

    @abstractmethod
    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        """One page of ``collection``: (records, the URL asked)."""

    @abstractmethod
    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        """The record as N-Triples lines (raises MappingError/ValueError when it cannot)."""

    def context(self, ctx: Context) -> Context:
        """``ctx`` with where this source's records can be fetched (``Context.api``: the API
        base URL, see ``public_url``), from which the mappings build the ``dct:source`` of
        what each record describes."""
        return replace(ctx, api=public_url(self.config.url))

    def record_key(self, collection: str, record: Any) -> str | None:
        """The record's own identifier, for quarantine messages."""
        if isinstance(record, dict):
            for key in ("pid", "doi", "id", "proposalId", "sampleId", "name"):
                if record.get(key):
                    return str(record[key])
        return None

    def schema_name(self, collection: str) -> str:
        """The JSON Schema (``harvest/schemas/{name}.json``) records of ``collection`` obey."""
        return f"{self.kind}-{collection.lower()}"

    # --- paging, shared ----------------------------------------------------------------------

    def pages(self, cursor: dict[str, Any] | None, since: str | None) -> Iterator[Page]:
        """Every page from ``cursor`` on. A collection ends at the first empty page (a server
        may cap ``limit`` below what was asked, so a short page does not mean the end)."""
        start = cursor or {"collection": 0, "skip": 0}
        limit = self.config.page_size
        for index in range(int(start["collection"]), len(self.collections)):
            collection = self.collections[index]
            skip = int(start["skip"]) if index == int(start["collection"]) else 0
            previous: list[Any] | None = None
            while True:
                records, url = self.fetch(collection, skip, limit, since)
                if not records:
                    break
                if records == previous:
                    raise PagingError(
                        f"{url}: the server answers the same page again for skip={skip}; it "
                        "ignores the paging parameters, so the harvest would never end"
                    )
                previous = records
                offset = skip
                skip += len(records)
                yield Page(collection, records, url, offset, {"collection": index, "skip": skip})

    def close(self) -> None:
        if self.http is not None:
            self.http.close()


def public_url(url: str) -> str:
    """``url`` without user name, password, query (which may carry a token), fragment and
    trailing slash: a base that may be written into the graph."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
