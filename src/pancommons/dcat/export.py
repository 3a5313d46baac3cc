"""The whole DCAT-AP catalogue (or one scope of it) as files: one file per format.

Pages of ``MAX_LIMIT`` datasets are built one after the other and streamed into each file, so
memory does not grow with the catalogue. A node already written on an earlier page (an agent, a
concept, a series...) is not written again; the catalogue node gets its ``dcat:dataset`` and
``dcat:record`` links from every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from pancommons.dcat import ns
from pancommons.dcat.catalog import CatalogInfo, PageRequest, build_page, catalog_info
from pancommons.dcat.formats import Format, by_name, write
from pancommons.dcat.params import MAX_LIMIT, resolve_facility
from pancommons.fair.scope import parse_scope
from pancommons.store.base import Store

_CATALOG_LINKS = (ns.DCAT_DATASET, ns.RECORD)


def pages(
    store: Store, base: str, catalog: CatalogInfo, limit: int = MAX_LIMIT
) -> Iterator[list[Triple]]:
    """The triples of every page of ``catalog``, without repeating nodes of earlier pages."""
    written: set[NamedNode] = set()
    number, last = 1, 1
    while number <= last:
        page = build_page(store, base, catalog, PageRequest(number, limit))
        last = page.last
        keep = [
            t
            for t in page.triples
            if not isinstance(t.subject, NamedNode)
            or t.subject not in written
            or (t.subject.value == catalog.iri and t.predicate in _CATALOG_LINKS)
        ]
        written.update(t.subject for t in page.triples if isinstance(t.subject, NamedNode))
        yield keep
        number += 1


def _file_name(scope: str) -> str:
    if scope.strip() in ("", "all"):
        return "catalog"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", scope.strip()).strip("-.").lower()
    return f"catalog-{slug[:100]}"


def export_dcat(
    store: Store,
    base: str,
    out_dir: Path,
    *,
    scope: str = "all",
    formats: Iterable[str] = ("ttl", "jsonld", "rdf"),
) -> list[Path]:
    """Write the DCAT-AP 3.0.1 catalogue of ``scope`` (``all``, ``facility:NAME|ROR``,
    ``source:NAME``, ``instrument:IRI``, ``technique:IRI``) into ``out_dir``, one file per
    format (``ttl``, ``jsonld``, ``rdf``, ``nt``): ``catalog.ttl``... or
    ``catalog-facility-esrf.ttl``... Returns the paths written.

    Raises ValueError for an unknown format, ``ScopeError`` for a malformed scope and
    ``UnknownFacility`` for a facility the graph does not have."""
    chosen: list[Format] = [by_name(f) for f in formats]
    parsed = parse_scope(scope)
    if parsed.kind == "facility":
        info = catalog_info(base, facility=resolve_facility(store, parsed.value))
    else:
        info = catalog_info(base, parsed)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = _file_name(scope)
    written: list[Path] = []
    for fmt in dict.fromkeys(chosen):
        path = out_dir / f"{stem}{fmt.extension}"
        partial = path.with_name(path.name + ".partial")
        try:
            with open(partial, "wb") as f:
                write(pages(store, base, info), fmt, f)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        written.append(path)
    return written


__all__ = ["export_dcat", "pages"]
