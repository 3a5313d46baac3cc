"""Settings: one declared object, each setting with a default, overridable from the environment.

Every setting can be set with an environment variable named ``PANCOMMONS_`` + its upper-case name
(e.g. ``PANCOMMONS_STORE``). Secrets (store credentials, tokens) are read only from the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

ENV_PREFIX = "PANCOMMONS_"


@dataclass(frozen=True)
class Settings:
    """PaN Commons settings. Field docstrings are the documentation (see docs/configuration.md)."""

    store: str = "./data/store"
    """Where the graph lives: a directory (embedded Oxigraph, created if missing) or an
    ``http(s)://`` URL of a SPARQL 1.1 query endpoint (remote store)."""

    store_update_url: str | None = None
    """Remote store only: SPARQL 1.1 Update endpoint. Derived from ``store`` when unset
    (``…/query`` → ``…/update``; otherwise the query URL itself)."""

    store_gsp_url: str | None = None
    """Remote store only: SPARQL 1.1 Graph Store endpoint. Derived from ``store`` when unset
    (``…/query`` → ``…/store``; ``…/sparql`` → ``…/sparql-graph-crud``)."""

    store_user: str | None = field(default=None, repr=False)
    """Remote store only: user for HTTP authentication (environment only)."""

    store_password: str | None = field(default=None, repr=False)
    """Remote store only: password for HTTP authentication (environment only)."""

    store_timeout: float = 300.0
    """Remote store only: seconds to wait for an answer from the SPARQL server."""

    store_external_writes: bool = False
    """Remote store only: true when clients other than PaN Commons write to the SPARQL server
    directly. PaN Commons writes (harvests, FAIR runs, loads, ``/sparql`` updates, ``/store``
    writes) move a version kept in the store, and ``pancommons serve`` keeps answers until it
    moves (``query_cache_mb``); a direct write does not, so with this set nothing is kept."""

    state: str = "./data/state"
    """Directory for harvest checkpoints (``--resume``), the records mapped so far and the
    quarantine of the run in progress. Nothing here is needed once a run has completed."""

    base: str = "https://w3id.org/pan-commons"
    """Base IRI of minted IRIs (``{base}/id/...``) and named graphs (``{base}/graph/...``)."""

    host: str = "127.0.0.1"
    """Address ``pancommons serve`` listens on."""

    port: int = 8000
    """Port ``pancommons serve`` listens on."""

    workers: int = 1
    """``pancommons serve``: server processes. More than one needs a remote store (the
    embedded store can be opened by one process only); each keeps its own cache."""

    doi_resolver: str = "https://doi.org/"
    """``assess --online``: resolver the DOIs are resolved through (DOI appended)."""

    handle_resolver: str = "https://hdl.handle.net/"
    """``assess --online``: resolver the Handles are resolved through (Handle appended)."""

    online_rate: float = 2.0
    """``assess --online``: requests per second to any one host (answers are cached for a day
    under ``{state}/online``, then re-checked with conditional GETs)."""

    online_timeout: float = 10.0
    """``assess --online``: seconds to wait for a host to connect or answer."""

    update_token: str | None = field(default=None, repr=False)
    """Bearer token that SPARQL updates on ``/sparql`` and writes on ``/store`` must present
    (``Authorization: Bearer …``); environment only. Unset: updates and writes are off (403)."""

    query_timeout: float = 30.0
    """``/sparql`` and ``/store`` GET: seconds a query may run; then the client gets 503 and
    the query is abandoned (see docs/sparql.md for how)."""

    max_rows: int = 100_000
    """``/sparql``: most result rows (or triples of a CONSTRUCT/DESCRIBE) one query may return;
    more is refused with 413 (page with LIMIT/OFFSET)."""

    query_cache_mb: int = 64
    """MiB of answers kept for repeated requests (``/sparql`` and ``/store`` GET, named
    queries, the PaNOSC API, landing pages, DCAT, VoID, FAIR reports), served until the graph
    changes (``X-Cache: hit``); 0 turns the cache off. A remote store written directly by other
    clients: see ``store_external_writes``."""

    query_cache_ttl: float = 60.0
    """Seconds an answer is kept at most, even when no write was seen: the bound on how stale
    an answer can be after a write that did not move the store's version."""

    max_body_bytes: int = 64 * 1024 * 1024
    """``/sparql`` and ``/store``: largest request body accepted; larger gets 413."""

    service_allow: str = ""
    """``/sparql``: space-separated IRI prefixes that SPARQL ``SERVICE`` and update ``LOAD`` may
    reach. Empty (the default): every ``SERVICE`` and ``LOAD`` is refused with 400."""

    oai_repository_name: str = "PaN Commons"
    """``/oai``: the ``repositoryName`` of Identify."""

    oai_repository_id: str = ""
    """``/oai``: the repository identifier in ``oai:{id}:{dataset IRI}`` (a domain name you
    control). Empty: the host of ``base`` (``w3id.org`` by default)."""

    oai_admin_email: str = "pancommons-admin@localhost.localdomain"
    """``/oai``: the ``adminEmail`` of Identify: whom harvesters write to. Set it."""

    oai_page_size: int = 100
    """``/oai``: records (or headers) per ListRecords/ListIdentifiers response; longer lists
    continue with a resumption token, valid for a day."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from defaults, then ``PANCOMMONS_*`` environment variables, then overrides
        (e.g. from CLI options; ``None`` values are ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            if f.type in ("bool", bool):
                values[f.name] = _flag(f.name, raw)
            elif f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        return replace(settings, base=settings.base.rstrip("/"))

    @property
    def is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r}: expected true or false")
