"""DataCite REST API (JSON:API, https://api.datacite.org): the DOIs of a repository (client).

``url`` is the API root; ``client_id`` the DataCite repository (``inist.esrf``), whose DOIs are
listed with ``GET {url}/dois?client-id=…&page[cursor]=1&page[size]=N``, then by following
``links.next`` until a page has none (cursor paging: no 10,000-record limit, ordered by creation;
support.datacite.org/docs/pagination). ``[options] dois = [...]`` reads those DOIs instead, one
``GET {url}/dois/{doi}`` each. ``--since`` asks ``query=updated:[{since}T00:00:00Z TO *]``
(support.datacite.org: "search the date fields registered, created, and updated"; for a DOI
list it filters on ``attributes.updated``). Every request adds ``affiliation=true`` and
``publisher=true``, so that affiliations and publishers come with their ROR identifiers.

The checkpoint cursor is ``{"next": <URL of the next page or null>, "done_dois": n}``; a
resumed run goes on from that URL (or, for a DOI list, after the n DOIs done).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from pancommons.harvest.http import HarvestHttpError
from pancommons.harvest.mapping import datacite as mapping
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Page, PagingError, Source

MAX_PAGE_SIZE = 1000  # DataCite's limit for page[size]
EXTRA = {"affiliation": "true", "publisher": "true"}


class DataciteSource(Source):
    kind = "datacite"
    collections = ("dois",)

    # --- the live API ----------------------------------------------------------------------------

    def _dois(self) -> list[str]:
        dois = self.config.options.get("dois") or []
        if not isinstance(dois, list) or not all(isinstance(d, str) for d in dois):
            raise ValueError(f"{self.config.name}: options.dois must be a list of DOI strings")
        return [d.strip() for d in dois if d.strip()]

    def _root(self) -> str:
        return self.config.url.rstrip("/")

    def first_url(self, since: str | None) -> str:
        """The first page of the client's DOIs (cursor paging)."""
        client = (self.config.client_id or "").strip()
        if not client:
            raise ValueError(
                f"{self.config.name}: a datacite source needs client_id or options.dois"
            )
        size = min(self.config.page_size, MAX_PAGE_SIZE)
        params = {"client-id": client, "page[cursor]": "1", "page[size]": str(size), **EXTRA}
        if since:
            stamp = since if "T" in since else f"{since}T00:00:00Z"
            params["query"] = f"updated:[{stamp} TO *]"
        return f"{self._root()}/dois?{urlencode(params)}"

    def _get(self, url: str) -> dict[str, Any]:
        assert self.http is not None
        data = self.http.get_json(url)
        if not isinstance(data, dict) or "data" not in data:
            raise HarvestHttpError(f"GET {url}: not a DataCite JSON:API answer", url=url)
        return data

    def _same_host(self, url: str) -> str:
        """``links.next`` on the configured host (and scheme): never follow a link elsewhere
        (PagingError for one that is elsewhere or no URL at all)."""
        root = urlsplit(self._root())
        try:
            nxt = urlsplit(url)
        except ValueError as exc:  # "http://[": an IPv6 host not closed
            raise PagingError(f"links.next is not a URL: {url!r} ({exc})") from None
        if nxt.netloc.lower() != root.netloc.lower():
            raise PagingError(f"links.next points to another host: {url}")
        return urlunsplit((root.scheme, *nxt[1:]))

    def pages(self, cursor: dict[str, Any] | None, since: str | None) -> Iterator[Page]:
        done = int((cursor or {}).get("done_dois", 0))
        if self._dois():
            yield from self._doi_pages(done, since)
            return
        # A new run's checkpoint holds the base cursor ({"collection": 0, "skip": 0}), no "next".
        url = cursor.get("next") if cursor and "next" in cursor else self.first_url(since)
        while url:
            data = self._get(url)
            records = data["data"]
            if not isinstance(records, list):
                raise HarvestHttpError(f"GET {url}: 'data' is not a list of DOIs", url=url)
            links = data.get("links") if isinstance(data.get("links"), dict) else {}
            nxt = links.get("next") if records else None
            nxt = self._same_host(nxt) if isinstance(nxt, str) and nxt else None
            if nxt == url:
                raise PagingError(f"{url}: links.next is the page itself; the harvest would loop")
            yield Page("dois", records, url, done, {"next": nxt, "done_dois": done + len(records)})
            done += len(records)
            url = nxt

    def _doi_pages(self, done: int, since: str | None) -> Iterator[Page]:
        dois = self._dois()
        size = self.config.page_size
        for start in range(done, len(dois), size):
            chunk = dois[start : start + size]
            records = [self._get(self.doi_url(doi))["data"] for doi in chunk]
            if since:  # a DOI list is not a query: keep what was updated since
                records = [r for r in records if _updated(r) >= since]
            cursor = {"next": None, "done_dois": start + len(chunk)}
            yield Page("dois", records, self.doi_url(chunk[0]), start, cursor)

    def doi_url(self, doi: str) -> str:
        return f"{self._root()}/dois/{quote(doi, safe='/')}?{urlencode(EXTRA)}"

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        """Positional paging exists only for a DOI list; a client's DOIs page by cursor."""
        dois = self._dois()
        if not dois:
            raise PagingError("the DataCite API pages a client's DOIs by cursor: use pages()")
        chunk = dois[skip : skip + limit]
        url = self.doi_url(chunk[0]) if chunk else f"{self._root()}/dois"
        return [self._get(self.doi_url(d))["data"] for d in chunk], url

    # --- what does not depend on paging (FilesSource uses these) ------------------------------

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return mapping.map_record(ctx, collection, record)

    def record_key(self, collection: str, record: Any) -> str | None:
        if isinstance(record, dict):
            attrs = record.get("attributes")
            if isinstance(attrs, dict) and isinstance(attrs.get("doi"), str):
                return str(attrs["doi"])
            if isinstance(record.get("id"), str):
                return str(record["id"])
        return None


def _updated(record: Any) -> str:
    attrs = record.get("attributes") if isinstance(record, dict) else None
    value = attrs.get("updated") if isinstance(attrs, dict) else None
    return value if isinstance(value, str) else ""
