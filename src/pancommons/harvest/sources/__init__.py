"""The registry of source kinds: one module per kind, one interface (``base.Source``)."""

from __future__ import annotations

from importlib import import_module

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HttpClient, RetryPolicy
from pancommons.harvest.sources.base import Page, Source

KINDS: dict[str, str] = {
    "panosc": "pancommons.harvest.sources.panosc:PanoscSource",
    "scicat": "pancommons.harvest.sources.scicat:ScicatSource",
    "icat": "pancommons.harvest.sources.icat:IcatSource",
    "datacite": "pancommons.harvest.sources.datacite:DataciteSource",
    "oaipmh": "pancommons.harvest.sources.oaipmh:OaipmhSource",
    "nexus": "pancommons.harvest.sources.nexus:NexusSource",
    "files": "pancommons.harvest.sources.files:FilesSource",
}


def source_class(kind: str) -> type[Source]:
    try:
        module, _, name = KINDS[kind].partition(":")
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r}; one of {', '.join(KINDS)}") from None
    return getattr(import_module(module), name)  # type: ignore[no-any-return]


def open_source(config: SourceConfig, policy: RetryPolicy | None = None) -> Source:
    """The source for ``config``, with an HTTP client set up from it (none for files)."""
    cls = source_class(config.kind)
    if config.kind == "files":
        return cls(config)
    http = HttpClient(
        timeout=config.timeout,
        rate_limit=config.rate_limit,
        policy=policy or RetryPolicy(retries=config.retries),
    )
    return cls(config, http)


__all__ = ["KINDS", "Page", "Source", "open_source", "source_class"]
