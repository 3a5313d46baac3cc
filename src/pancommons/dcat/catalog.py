"""One page of the DCAT-AP 3.0.1 catalogue: the ``dcat:Catalog``, a ``dcat:CatalogRecord`` and
the DCAT-AP description of each dataset on the page, and the Hydra paging controls.

Datasets are ordered by IRI, so consecutive pages hold every dataset of the scope exactly once.
A record's ``dct:modified`` (and what ``modified_since`` compares) is when the record last
changed here: the end of the latest completed harvest run that replaced a source graph holding
the dataset, read from the PROV of the meta graph; a dataset in no harvested graph falls back to
its own ``dct:modified``, and with neither it gets no record and is left out when
``modified_since`` is given.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Triple

from pancommons import vocab
from pancommons.dcat import ns
from pancommons.dcat import vocabularies as cv
from pancommons.dcat.mapping import Mapper, record_languages
from pancommons.dcat.params import DEFAULT_LIMIT, Facility, since_literal
from pancommons.dcat.queries import (
    Facts,
    count_query,
    describe_nodes,
    first_harvest,
    instrument_facilities,
    listing,
    page_query,
    select,
)
from pancommons.dcat.values import Graph, Out
from pancommons.fair.scope import Scope
from pancommons.store.base import Store

PUBLISHER_NAME = "PaN Commons"
PageUrl = Callable[[int], str]
"""Page number → the URL of that page (the Hydra view IRIs)."""

# Dataset properties whose values are described on the page too (round 2), and theirs (round 3).
_RELATED = (
    vocab.DCAT + "distribution",
    vocab.DCT + "publisher",
    vocab.DCT + "creator",
    vocab.DCAT + "inSeries",
    vocab.PROV + "wasGeneratedBy",
    vocab.DCAT + "theme",
    vocab.DCAT + "contactPoint",
)
_RELATED_2 = (vocab.PAN + "technique", vocab.PAN + "proposal", vocab.DCT + "publisher")


@dataclass(frozen=True)
class CatalogInfo:
    """Which catalogue: its IRI, title and description, and the datasets it holds."""

    iri: str
    title: str
    description: str
    scope: Scope


def catalog_info(
    base: str, scope: Scope | None = None, facility: Facility | None = None
) -> CatalogInfo:
    """The whole catalogue (``{base}/dcat``), one facility's (``{base}/dcat/{name}``) or the
    datasets of another scope (``{base}/dcat#{scope}``)."""
    root = f"{base.rstrip('/')}/dcat"
    if facility is not None:
        return CatalogInfo(
            f"{root}/{quote(facility.name, safe='')}",
            f"PaN Commons: datasets of {facility.name}",
            f"The datasets of {facility.name} in PaN Commons, harvested from the catalogues "
            "of photon and neutron facilities.",
            facility.scope,
        )
    if scope is None or scope.kind == "all":
        return CatalogInfo(
            root,
            "PaN Commons: photon and neutron science datasets",
            "Datasets of photon and neutron facilities (synchrotrons, neutron sources, "
            "free-electron lasers) harvested from their catalogues into one knowledge graph, "
            "with their instruments, techniques, proposals and publications.",
            Scope(),
        )
    return CatalogInfo(
        f"{root}#{quote(str(scope), safe=':')}",
        f"PaN Commons: datasets of {scope}",
        f"The datasets of PaN Commons in scope {scope}.",
        scope,
    )


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    limit: int = DEFAULT_LIMIT
    since: datetime.datetime | None = None


@dataclass
class CatalogPage:
    triples: list[Triple]
    datasets: list[str]
    """The IRIs of the datasets on the page, in order."""
    total: int
    number: int
    limit: int

    @property
    def last(self) -> int:
        """The number of the last page (1 when the catalogue is empty)."""
        return max(1, math.ceil(self.total / self.limit))


class PageOutOfRange(LookupError):
    """A page after the last one."""


def _gather(store: Store, datasets: list[NamedNode]) -> Graph:
    facts: Facts = describe_nodes(store, datasets)
    graph = Graph(facts, instrument_facilities(store, datasets))
    level = set(datasets)
    for predicates in (_RELATED, _RELATED_2):
        nxt = {
            v
            for node in level
            for p in predicates
            for v in graph.iris(node, p)
            if v.value not in facts
        }
        if predicates is _RELATED:
            nxt.update(NamedNode(f) for fs in graph.instrument_facilities.values() for f in fs)
        describe_nodes(store, nxt, into=facts)
        level = nxt
    return graph


def build_page(
    store: Store,
    base: str,
    catalog: CatalogInfo,
    request: PageRequest = PageRequest(),
    page_url: PageUrl | None = None,
    today: datetime.date | None = None,
) -> CatalogPage:
    """The triples of one page; ``page_url`` adds the Hydra view (no paging controls without).
    PageOutOfRange for a page after the last."""
    since = since_literal(request.since) if request.since is not None else None
    inner = listing(catalog.scope.pattern(base), base, since)
    counted = select(store, count_query(inner))
    total_term = counted[0]["n"] if counted else None
    total = int(total_term.value) if total_term is not None else 0
    latest = counted[0]["latest"] if counted else None
    page = CatalogPage([], [], total, request.number, request.limit)
    if request.number > page.last:
        raise PageOutOfRange(f"page {request.number} is after the last page, {page.last}")
    rows = select(store, page_query(inner, request.limit, (request.number - 1) * request.limit))
    datasets = [r["d"] for r in rows if isinstance(r["d"], NamedNode)]
    modified = {r["d"].value: r["modified"] for r in rows if r["d"] is not None}
    out = Out()
    cat = NamedNode(catalog.iri)
    mapper = Mapper(
        _gather(store, datasets), out, base, today or datetime.datetime.now(datetime.UTC).date()
    )
    _catalog(mapper, cat, catalog, base, store, latest if isinstance(latest, Literal) else None)
    if page_url is not None:
        _hydra(out, cat, page, page_url)
    for d in datasets:
        out.add(cat, ns.DCAT_DATASET, d)
        when = modified.get(d.value)
        if isinstance(when, Literal):
            record = NamedNode(vocab.mint("record", "dcat", d.value, base))
            out.add(cat, ns.RECORD, record)
            _record(mapper, record, d, when)
    for d in datasets:
        mapper.dataset(d)
    page.triples = list(out.triples())
    page.datasets = [d.value for d in datasets]
    return page


def _catalog(
    m: Mapper, cat: NamedNode, info: CatalogInfo, base: str, store: Store, latest: Literal | None
) -> None:
    out = m.out
    out.type(cat, ns.CATALOG)
    out.add(cat, ns.TITLE, Literal(info.title, language="en"))
    out.add(cat, ns.DESCRIPTION, Literal(info.description, language="en"))
    publisher = NamedNode(vocab.mint("organization", "dcat", "pan-commons", base))
    out.add(cat, ns.PUBLISHER, publisher)
    out.type(publisher, ns.AGENT, ns.ORGANIZATION)
    out.add(publisher, ns.NAME, Literal(PUBLISHER_NAME))
    home = NamedNode(f"{base.rstrip('/')}/")
    out.add(cat, ns.HOMEPAGE, home)
    out.type(home, ns.DOCUMENT)
    out.add(cat, ns.LANGUAGE, m.concept(cv.ENGLISH, ns.LINGUISTIC_SYSTEM))
    issued = first_harvest(store, base)
    if issued is not None:
        out.add(cat, ns.ISSUED, issued)
    if latest is not None:
        out.add(cat, ns.MODIFIED, latest)
    for scheme in (cv.DATA_THEME, cv.PANET_SCHEME):
        out.add(cat, ns.THEME_TAXONOMY, m.scheme(scheme))


def _hydra(out: Out, cat: NamedNode, page: CatalogPage, page_url: PageUrl) -> None:
    out.type(cat, ns.HYDRA_COLLECTION)
    out.add(cat, ns.HYDRA_TOTAL, Literal(page.total))
    out.add(cat, ns.HYDRA_PER_PAGE, Literal(page.limit))
    view = NamedNode(page_url(page.number))
    out.add(cat, ns.HYDRA_VIEW, view)
    out.type(view, ns.HYDRA_VIEW_CLASS)
    out.add(view, ns.HYDRA_FIRST, NamedNode(page_url(1)))
    out.add(view, ns.HYDRA_LAST, NamedNode(page_url(page.last)))
    if page.number > 1:
        out.add(view, ns.HYDRA_PREVIOUS, NamedNode(page_url(page.number - 1)))
    if page.number < page.last:
        out.add(view, ns.HYDRA_NEXT, NamedNode(page_url(page.number + 1)))


def _record(m: Mapper, record: NamedNode, d: NamedNode, modified: Literal) -> None:
    out = m.out
    out.type(record, ns.CATALOG_RECORD)
    out.add(record, ns.PRIMARY_TOPIC, d)
    out.add(record, ns.MODIFIED, modified)
    standard = NamedNode(ns.DCAT_AP_301)
    out.add(record, ns.CONFORMS_TO, standard)
    out.type(standard, ns.STANDARD)
    for lang in record_languages(m.graph, d):
        out.add(record, ns.LANGUAGE, m.concept(lang, ns.LINGUISTIC_SYSTEM))
