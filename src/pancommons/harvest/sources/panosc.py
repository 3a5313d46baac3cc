"""PaNOSC Search API (LoopBack 3 ``filter`` JSON, ``limit``/``skip`` paging).

``/Instruments``, then ``/Documents`` (with datasets, members → person/affiliation,
parameters), then ``/Datasets`` (with documents, techniques, instrument, samples, parameters,
files). Implementations model the dataset → document relation as ``documents`` (the spec) or
``document`` (SciCat, ILL, the federated service): the first one a server refuses is replaced
by the other for the rest of the run.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pancommons.harvest.http import HarvestHttpError
from pancommons.harvest.mapping import panosc as mapping
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Source

log = logging.getLogger("pancommons.harvest")

DOCUMENT_INCLUDE = [
    {"relation": "datasets"},
    {
        "relation": "members",
        "scope": {"include": [{"relation": "person"}, {"relation": "affiliation"}]},
    },
    {"relation": "parameters"},
]


class PanoscSource(Source):
    kind = "panosc"
    collections = ("Instruments", "Documents", "Datasets")

    def __init__(self, config, http=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(config, http)
        self.document_relation = str(config.options.get("document_relation", "documents"))
        self.include_files = bool(config.options.get("include_files", True))

    def dataset_include(self) -> list[dict[str, Any]]:
        rels = [self.document_relation, "techniques", "instrument", "samples", "parameters"]
        if self.include_files:
            rels.append("files")
        return [{"relation": r} for r in rels]

    def filter_for(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> dict[str, Any]:
        flt: dict[str, Any] = {"limit": limit, "skip": skip}
        if collection == "Documents":
            flt["include"] = DOCUMENT_INCLUDE
        elif collection == "Datasets":
            flt["include"] = self.dataset_include()
            if since:
                flt["where"] = {"creationDate": {"gt": since}}
        order = self.config.options.get("order")
        if order:
            flt["order"] = order
        return flt

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        assert self.http is not None
        url = f"{self.config.url.rstrip('/')}/{collection}"
        try:
            return self._get(url, collection, skip, limit, since)
        except HarvestHttpError as exc:
            refused = collection == "Datasets" and exc.status in (400, 404, 422)
            if refused and "relation" in exc.body.lower():
                other = "document" if self.document_relation == "documents" else "documents"
                log.warning(
                    "%s refuses the relation %r; using %r", url, self.document_relation, other
                )
                self.document_relation = other
                return self._get(url, collection, skip, limit, since)
            raise

    def _get(
        self, url: str, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        assert self.http is not None
        flt = json.dumps(self.filter_for(collection, skip, limit, since), separators=(",", ":"))
        data = self.http.get_json(url, params={"filter": flt})
        if not isinstance(data, list):
            raise HarvestHttpError(
                f"GET {url}: expected a JSON array of {collection}, got {type(data).__name__}",
                url=url,
            )
        return data, f"{url}?filter={flt}"

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return mapping.map_record(ctx, collection, record)
