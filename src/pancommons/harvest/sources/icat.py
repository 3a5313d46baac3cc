"""ICAT REST entity manager (icatproject/icat.server ``ICATRest``), read with JPQL-like queries.

``POST {url}/icat/session`` logs in (``json={"plugin": …, "credentials": [{…}, …]}`` →
``{"sessionId": …}``); ``GET {url}/icat/entityManager?sessionId=…&query=…`` answers a JSON list
of single-key objects, ``[{"Investigation": {…}}, …]``, which are the records. Each collection is
one entity, paged with ``LIMIT skip, count`` in ``ORDER BY o.id`` order and with the related
entities the mapping needs as ``INCLUDE`` paths (the grammar, from icat.server's
``SearchQuery``: ``SELECT … FROM … [WHERE …] [ORDER BY …] [INCLUDE …] [LIMIT …]``).

Options (``[options]`` in the source TOML): ``plugin`` (default ``anon``, whose authenticator
takes no credentials), ``username_env`` / ``password_env`` (names of the environment variables
holding the credentials: never the credentials themselves), ``include_files`` (default true:
include each dataset's datafiles). The session id is a credential while it lives, so it is kept
out of the URLs and error messages this module hands back.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HarvestHttpError, HttpClient
from pancommons.harvest.mapping import icat as mapping
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Source

log = logging.getLogger("pancommons.harvest")

INCLUDES: dict[str, tuple[str, ...]] = {
    "Facility": (),
    "Instrument": ("o.facility",),
    "Investigation": (
        "o.facility",
        "o.type",
        "o.investigationUsers.user",
        "o.investigationInstruments.instrument.facility",
        "o.keywords",
        "o.parameters.type",
        "o.publications",
        "o.samples.type",
    ),
    "Dataset": (
        "o.investigation.facility",
        "o.type",
        "o.sample.type",
        "o.datasetTechniques.technique",
        "o.datasetInstruments.instrument.facility",
        "o.parameters.type",
        "o.dataCollectionDatasets.dataCollection.dataPublications",
    ),
    "DataPublication": (
        "o.facility",
        "o.content.dataCollectionDatasets.dataset.investigation",
        "o.users.user",
        "o.users.affiliations",
        "o.dates",
        "o.relatedItems",
        "o.subjects",
        "o.fundingReferences.funding",
    ),
}
DATAFILES = "o.datafiles.datafileFormat"


def icat_timestamp(since: str) -> str:
    """``yyyy-mm-dd hh:mm:ss`` (UTC when ``since`` has a zone) for an ICAT ``{ts …}`` literal."""
    try:
        when = datetime.fromisoformat(since.strip())
    except ValueError:
        raise ValueError(f"since {since!r} is not an ISO 8601 date or date-time") from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%d %H:%M:%S")


class IcatSource(Source):
    kind = "icat"
    collections = ("Facility", "Instrument", "Investigation", "Dataset", "DataPublication")

    def __init__(self, config: SourceConfig, http: HttpClient | None = None) -> None:
        super().__init__(config, http)
        self.plugin = str(config.options.get("plugin", "anon"))
        self.include_files = bool(config.options.get("include_files", True))
        self._session: str | None = None

    # --- queries -----------------------------------------------------------------------------

    def includes(self, collection: str) -> tuple[str, ...]:
        paths = INCLUDES[collection]
        if collection == "Dataset" and self.include_files:
            paths = (*paths, DATAFILES)
        return paths

    def query(self, collection: str, skip: int, limit: int, since: str | None) -> str:
        """``SELECT o FROM {Entity} o [WHERE o.modTime > {ts …}] ORDER BY o.id [INCLUDE …]
        LIMIT skip, limit``. ICAT reads the timestamp in the server's time zone."""
        if collection not in INCLUDES:
            raise ValueError(f"unknown ICAT collection {collection!r}")
        parts = [f"SELECT o FROM {collection} o"]  # noqa: S608 - a known entity name
        if since:
            parts.append(f"WHERE o.modTime > {{ts {icat_timestamp(since)}}}")
        parts.append("ORDER BY o.id")
        includes = self.includes(collection)
        if includes:
            parts.append("INCLUDE " + ", ".join(includes))
        parts.append(f"LIMIT {int(skip)}, {int(limit)}")
        return " ".join(parts)

    # --- session -----------------------------------------------------------------------------

    def credentials(self) -> list[dict[str, str]]:
        """What the authenticator asks for, read from the environment variables the options
        name. ``anon`` (icatproject/authn.anon) declares no keys, so it gets none."""
        out: list[dict[str, str]] = []
        for key in ("username", "password"):
            var = self.config.options.get(f"{key}_env")
            if not var:
                continue
            value = os.environ.get(str(var))
            if value is None:
                raise HarvestHttpError(
                    f"{self.config.name}: the environment variable {var} ({key} for the ICAT "
                    f"plugin {self.plugin!r}) is not set",
                    url=self._base(),
                )
            out.append({key: value})
        return out

    def _base(self) -> str:
        return f"{self.config.url.rstrip('/')}/icat"

    def login(self) -> str:
        assert self.http is not None
        url = f"{self._base()}/session"
        body = json.dumps({"plugin": self.plugin, "credentials": self.credentials()})
        data = self.http.request_json("POST", url, data={"json": body})
        session = data.get("sessionId") if isinstance(data, dict) else None
        if not isinstance(session, str) or not session:
            raise HarvestHttpError(
                f"POST {url}: no sessionId in the answer (plugin {self.plugin!r})", url=url
            )
        self._session = session
        return session

    # --- paging ------------------------------------------------------------------------------

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        assert self.http is not None
        query = self.query(collection, skip, limit, since)
        url = f"{self._base()}/entityManager"
        shown = f"{url}?query={quote(query)}"  # without the session id
        session = self._session or self.login()
        try:
            data = self._get(url, session, query)
        except HarvestHttpError as exc:
            # ICAT answers 403 for a session that expired (code SESSION) and for
            # INSUFFICIENT_PRIVILEGES; only the first is cured by a new session.
            if exc.status == 403 and "INSUFFICIENT_PRIVILEGES" not in exc.body:
                log.info("%s: ICAT session refused; logging in again", self.config.name)
                session = self.login()
                data = self._get(url, session, query)
            else:
                raise
        if not isinstance(data, list):
            raise HarvestHttpError(
                f"GET {shown}: expected a JSON list of {collection}, got {type(data).__name__}",
                url=shown,
            )
        return data, shown

    def _get(self, url: str, session: str, query: str) -> Any:
        assert self.http is not None
        try:
            return self.http.get_json(url, params={"sessionId": session, "query": query})
        except HarvestHttpError as exc:
            raise HarvestHttpError(
                str(exc).replace(session, "…"),
                url=exc.url.replace(session, "…"),
                status=exc.status,
                body=exc.body.replace(session, "…"),
            ) from None

    def close(self) -> None:
        """Log out (best effort: the session expires anyway), then close the HTTP client."""
        if self.http is not None and self._session:
            try:
                self.http.session.delete(
                    f"{self._base()}/session/{self._session}", timeout=self.http.timeout
                )
            except requests.RequestException as exc:
                log.debug("%s: ICAT logout failed: %s", self.config.name, type(exc).__name__)
            self._session = None
        super().close()

    # --- records -----------------------------------------------------------------------------

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return mapping.map_record(ctx, collection, record)

    def record_key(self, collection: str, record: Any) -> str | None:
        """``Investigation 08100122-EF/1.1-P``: the natural key when there is one, else the id."""
        entity = record.get(collection) if isinstance(record, dict) else None
        if not isinstance(entity, dict):
            return None
        try:
            key = mapping.natural_key(collection, entity)
        except ValueError:
            key = None
        if key:
            return f"{collection} {key}"
        return f"{collection} id {entity['id']}" if entity.get("id") is not None else None
