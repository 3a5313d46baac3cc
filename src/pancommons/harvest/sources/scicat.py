"""SciCat backend REST API, v3 or v4 (``GET {url}/{collection}?filter=<JSON>``).

``url`` is the versioned API root (``https://scicat.ess.eu/api/v3``); ``[options]``:
- ``api_version`` = ``"v3"`` (default) or ``"v4"``: the filter dialect and field names;
- ``token_env``: the name of an environment variable holding a bearer token (the token itself
  never goes into the TOML file); without one only public records are answered;
- ``public_routes``: ask ``datasets/public`` and ``origdatablocks/public`` (v4's anonymous
  routes); default: on for v4 without a token.

Filters (reference/catalogues-and-mapping.md §2.1). v3 is LoopBack style (``skip``, ``limit``,
``order`` at the top) as the old LoopBack backend reads it; scicat-backend-next reads paging
only from ``limits`` even on its v3 routes (``parseLimitFilters(filter.limits)``; without it
the first 10 or 100 records), so the v3 filter carries both. v4: ``where`` + ``limits``. A
server that still ignores ``skip`` would answer the first page forever: ``fetch`` stops the run
instead.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HarvestHttpError, HttpClient
from pancommons.harvest.mapping import scicat as mapping
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Source

PATHS = {
    "Instruments": "instruments",
    "Proposals": "proposals",
    "Samples": "samples",
    "Datasets": "datasets",
    "OrigDatablocks": "origdatablocks",
    "PublishedData": "publisheddata",
}
PUBLIC_V4 = {"Datasets", "OrigDatablocks"}
KEYS = {
    "Instruments": ("pid", "uniqueName", "_id", "name"),
    "Proposals": ("proposalId", "_id"),
    "Samples": ("sampleId", "_id"),
    "Datasets": ("pid", "_id"),
    "OrigDatablocks": ("_id", "id", "datasetId"),
    "PublishedData": ("doi", "pid", "_id"),
}


class ScicatSource(Source):
    kind = "scicat"
    collections = (
        "Instruments",
        "Proposals",
        "Samples",
        "Datasets",
        "OrigDatablocks",
        "PublishedData",
    )

    def __init__(self, config: SourceConfig, http: HttpClient | None = None) -> None:
        super().__init__(config, http)
        version = str(config.options.get("api_version", "v3")).strip().lower()
        if version not in ("v3", "v4"):
            raise ValueError(f"{config.name}: options.api_version must be 'v3' or 'v4'")
        self.api_version = version
        env = config.options.get("token_env")
        self.token = os.environ.get(str(env), "").strip() if env else ""
        public = config.options.get("public_routes")
        self.public_routes = (
            bool(public) if public is not None else (version == "v4" and not self.token)
        )
        self._first_keys: dict[str, str | None] = {}

    def filter_for(self, skip: int, limit: int, since: str | None) -> dict[str, Any]:
        if self.api_version == "v4":
            where = {"updatedAt": {"$gt": since}} if since else {}
            return {
                "where": where,
                "limits": {"skip": skip, "limit": limit, "order": "createdAt:asc"},
            }
        flt: dict[str, Any] = {}
        if since:
            flt["where"] = {"updatedAt": {"gt": since}}
        flt.update(skip=skip, limit=limit, order="createdAt ASC")
        flt["limits"] = {"skip": skip, "limit": limit, "order": "createdAt:asc"}
        return flt

    def url_for(self, collection: str) -> str:
        path = PATHS[collection]
        if self.api_version == "v4" and self.public_routes and collection in PUBLIC_V4:
            path += "/public"
        return f"{self.config.url.rstrip('/')}/{path}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        assert self.http is not None
        url = self.url_for(collection)
        flt = json.dumps(self.filter_for(skip, limit, since), separators=(",", ":"))
        data = self.http.get_json(url, params={"filter": flt}, headers=self.headers())
        if not isinstance(data, list):
            raise HarvestHttpError(
                f"GET {url}: expected a JSON array of {collection}, got {type(data).__name__}",
                url=url,
            )
        self._check_paging(collection, skip, data, url)
        return data, f"{url}?filter={flt}"

    def _check_paging(self, collection: str, skip: int, data: list[Any], url: str) -> None:
        """Refuse a server that answers a later page with the first one (it ignored skip)."""
        first = self.record_key(collection, data[0]) if data else None
        if skip == 0:
            self._first_keys[collection] = first
        elif first is not None and first == self._first_keys.get(collection):
            raise HarvestHttpError(
                f"GET {url}: the page at skip={skip} starts with the first record again "
                f"({first!r}); the server ignores the paging in the filter",
                url=url,
            )

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return mapping.map_record(ctx, collection, record)

    def record_key(self, collection: str, record: Any) -> str | None:
        if isinstance(record, dict):
            for key in KEYS.get(collection, ()):
                value = record.get(key)
                if isinstance(value, str | int) and str(value).strip():
                    return str(value).strip()
        return super().record_key(collection, record)
