"""The online FAIR checks (``pancommons assess --online``): the four tests that need the network.

- ``F1-pid-resolves``: the PID (DOI, Handle or ARK, from ``dct:identifier`` or the dataset IRI)
  resolves through its authority's resolver to a 2xx answer (FsF-F1-02MD-2);
- ``A1-landing-page-resolves``: the landing page (``dcat:landingPage``, else where the PID led)
  answers 2xx and mentions the identifier: a DOI that resolves to a page that does not name it
  is not retrievable metadata (F-UJI issue 111) (FsF-A1-02MD-1);
- ``A1-data-retrievable``: the first ``max_data_urls`` access/download URLs answer 2xx, or 401/403
  (an authentication challenge: restricted data is still retrievable) (FsF-A1-02MD-2);
- ``I1-content-negotiation``: the PID offers machine-readable metadata (DataCite JSON, JSON-LD,
  Turtle or RDF/XML that parses) by content negotiation (FsF-I1-01M-2).

One run: one SPARQL query collects identifiers, landing pages and data URLs; every distinct
fetch is planned once (two datasets sharing a URL share its fetch) and run on a bounded thread
pool, so different hosts proceed in parallel while each host is rate limited
(``online_fetch``). Landing pages are fetched after the PIDs, so a landing page the PID already
led to is not fetched again. The PID is fetched twice on purpose: as a browser would (F1, A1)
and asking for metadata (I1), since a resolver redirects the two to different places. Every
failure is a failed :class:`Check` with a one-line reason naming the URL; nothing raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from pancommons.fair.online_cache import Answer, AnswerCache
from pancommons.fair.online_fetch import (
    MACHINE_TYPES,
    Fetcher,
    Job,
    OnlineStats,
    is_http,
)
from pancommons.harvest.http import redact
from pancommons.store.base import Store
from pancommons.vocab import (
    DCAT,
    DCT,
    InvalidIdentifier,
    doi_iri,
    handle_iri,
    normalize_doi,
    normalize_handle,
)

__all__ = [
    "ONLINE_TESTS",
    "Check",
    "OnlineConfig",
    "OnlineStats",
    "check_online",
    "check_online_with_stats",
]

TEST = "https://w3id.org/pan-commons/test/"
ONLINE_TESTS: dict[str, str] = {
    name: TEST + name
    for name in (
        "F1-pid-resolves",
        "A1-landing-page-resolves",
        "A1-data-retrievable",
        "I1-content-negotiation",
    )
}
_ARK = re.compile(r"^(?:https?://[^/\s]+/)?ark:/?([0-9b-df-hj-km-np-tv-z]{5,})/(\S+)$", re.I)


@dataclass(frozen=True)
class OnlineConfig:
    doi_resolver: str = "https://doi.org/"
    """Prefix a DOI is appended to for resolving."""
    handle_resolver: str = "https://hdl.handle.net/"
    """Prefix a Handle is appended to."""
    ark_resolver: str = "https://n2t.net/"
    """Prefix ``ark:/NAAN/name`` is appended to."""
    timeout: float = 10.0
    """Connect and read timeout of each request, in seconds."""
    rate: float = 2.0
    """Requests per second to one host, across threads (0: no limit)."""
    workers: int = 4
    """Fetches in parallel."""
    max_data_urls: int = 3
    """Data URLs checked per dataset (http(s) ones first, in IRI order)."""
    cache_dir: Path | None = None
    """Where ``online-cache.sqlite`` keeps answers between runs (None: not kept)."""
    max_age: float = 86400.0
    """Seconds an answer is reused without asking; older ones are revalidated."""


@dataclass(frozen=True)
class Check:
    passed: bool
    detail: str
    """One line: what was fetched and what happened."""


@dataclass(frozen=True)
class Pid:
    kind: str
    name: str
    url: str
    """Where its resolver answers for it."""


@dataclass(frozen=True)
class _Plan:
    pid: Pid | None
    needles: tuple[str, ...]
    landing: str | None
    data: tuple[str, ...]
    data_total: int


def check_online(
    store: Store,
    datasets: set[str] | None,
    config: OnlineConfig = OnlineConfig(),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[tuple[str, str], Check]:
    """(dataset IRI, test IRI) -> Check for every dataset in ``datasets`` (None: every
    dcat:Dataset) and each of the four online tests."""
    return check_online_with_stats(store, datasets, config, progress=progress)[0]


def check_online_with_stats(
    store: Store,
    datasets: set[str] | None,
    config: OnlineConfig = OnlineConfig(),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[tuple[str, str], Check], OnlineStats]:
    """:func:`check_online` and what it cost (requests, cache hits, 304s, per host)."""
    plans = _plans(store, datasets, config)
    first = {j for p in plans.values() for j in _pid_jobs(p) + _data_jobs(p)}
    landings = {Job("page", p.landing, p.needles) for p in plans.values() if p.landing}
    landings -= first
    total = len(first) + len(landings)
    answers: dict[Job, Answer] = {}
    cache = AnswerCache(config.cache_dir)
    fetcher = Fetcher(timeout=config.timeout, rate=config.rate, max_age=config.max_age, cache=cache)
    try:
        with ThreadPoolExecutor(max_workers=max(1, config.workers)) as pool:
            _run(pool, fetcher, first, answers, total, progress)
            led_to = {
                (a.final_url, j.needles): a for j, a in answers.items() if j.kind == "page" and a.ok
            }
            rest: set[Job] = set()
            for job in landings:
                if (job.url, job.needles) in led_to:
                    answers[job] = led_to[job.url, job.needles]
                else:
                    rest.add(job)
            if progress and len(rest) < len(landings):
                progress(len(answers), total)
            _run(pool, fetcher, rest, answers, total, progress)
    finally:
        fetcher.close()
        cache.close()
    results: dict[tuple[str, str], Check] = {}
    for d, plan in plans.items():
        for name, check in _verdicts(plan, answers).items():
            results[d, ONLINE_TESTS[name]] = check
    return results, fetcher.stats()


def _run(
    pool: ThreadPoolExecutor,
    fetcher: Fetcher,
    jobs: set[Job],
    answers: dict[Job, Answer],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    futures = {pool.submit(fetcher.fetch, j): j for j in sorted(jobs, key=lambda j: j.key)}
    for future in as_completed(futures):
        answers[futures[future]] = future.result()
        if progress:
            progress(len(answers), total)


# --- what to fetch ------------------------------------------------------------------------------


def _pid_jobs(plan: _Plan) -> list[Job]:
    if plan.pid is None:
        return []
    return [Job("page", plan.pid.url, plan.needles), Job("conneg", plan.pid.url)]


def _data_jobs(plan: _Plan) -> list[Job]:
    return [Job("data", u) for u in plan.data]


def _plans(store: Store, datasets: set[str] | None, config: OnlineConfig) -> dict[str, _Plan]:
    values, invalid = "", set[str]()
    if datasets is not None:
        valid = set[str]()
        for d in datasets:
            try:
                valid.add(str(NamedNode(d)))
            except ValueError:
                invalid.add(d)
        values = "VALUES ?d { " + " ".join(sorted(valid)) + " }"
    sparql = f"""SELECT ?d ?k ?v WHERE {{ {values} ?d a <{DCAT}Dataset> .
      OPTIONAL {{ {{ ?d <{DCT}identifier> ?v BIND("id" AS ?k) }}
        UNION {{ ?d <{DCAT}landingPage> ?v BIND("lp" AS ?k) }}
        UNION {{ ?d <{DCAT}distribution> ?x . ?x <{DCAT}accessURL>|<{DCAT}downloadURL> ?v
                 BIND("u" AS ?k) }} }} }}"""
    found: dict[str, dict[str, set[str]]] = {d: {} for d in (datasets or set()) - invalid}
    for row in store.query(sparql):  # type: ignore[union-attr]
        slots = found.setdefault(row["d"].value, {})
        k, v = row["k"], row["v"]
        if k is not None and isinstance(v, NamedNode | Literal):
            slots.setdefault(k.value, set()).add(v.value.strip())
    plans = {d: _plan(d, s, config) for d, s in found.items()}
    plans.update({d: _Plan(None, (), None, (), 0) for d in invalid})
    return plans


def _plan(dataset: str, slots: dict[str, set[str]], config: OnlineConfig) -> _Plan:
    ids = sorted(slots.get("id", set()))
    pid = find_pid([*ids, dataset], config)
    needles = (pid.name.lower(),) if pid else tuple(i.lower() for i in ids if i)
    landing = sorted(slots.get("lp", set()))
    urls = sorted(slots.get("u", set()), key=lambda u: (not is_http(u), u))
    data = tuple(urls[: max(0, config.max_data_urls)])
    return _Plan(pid, needles, landing[0] if landing else None, data, len(urls))


def find_pid(candidates: Iterable[str], config: OnlineConfig = OnlineConfig()) -> Pid | None:
    """The first DOI among ``candidates``, else the first Handle, else the first ARK."""
    values = [c.strip() for c in candidates if c.strip()]
    for value in values:
        try:
            name = normalize_doi(value)
        except InvalidIdentifier:
            continue
        return Pid(
            "DOI", name, config.doi_resolver + doi_iri(value).removeprefix("https://doi.org/")
        )
    for value in values:
        try:
            name = normalize_handle(value)
        except InvalidIdentifier:
            continue
        path = handle_iri(value).removeprefix("https://hdl.handle.net/")
        return Pid("Handle", name, config.handle_resolver + path)
    for value in values:
        m = _ARK.match(value)
        if m:
            name = f"{m[1]}/{m[2]}"
            return Pid("ARK", "ark:/" + name, config.ark_resolver + quote("ark:/" + name, "/:"))
    return None


# --- verdicts ---------------------------------------------------------------------------------


def _verdicts(plan: _Plan, answers: dict[Job, Answer]) -> dict[str, Check]:
    pid, page, conneg = plan.pid, None, None
    if pid is not None:
        page, conneg = answers[Job("page", pid.url, plan.needles)], answers[Job("conneg", pid.url)]
    landing = answers[Job("page", plan.landing, plan.needles)] if plan.landing else None
    data = [answers[j] for j in _data_jobs(plan)]
    return {
        "F1-pid-resolves": _resolves(pid, page),
        "A1-landing-page-resolves": _landing(plan, landing, page),
        "A1-data-retrievable": _retrievable(data, plan.data_total),
        "I1-content-negotiation": _negotiates(conneg),
    }


_NO_PID = "no persistent identifier (DOI, Handle or ARK) in dct:identifier"


def said(a: Answer) -> str:
    """``GET url → final: HTTP 200`` or ``GET url: timed out after 10 s``."""
    to = f" → {a.final_url}" if a.final_url != a.url else ""
    what = f"HTTP {a.status}" if a.status is not None else ""
    if a.note and (a.status is None or not a.ok):
        what = f"{what}, {a.note}" if what else a.note
    return redact(f"{a.method} {a.url}{to}: {what}")


def _resolves(pid: Pid | None, page: Answer | None) -> Check:
    if pid is None or page is None:
        return Check(False, _NO_PID)
    return Check(page.ok, f"{pid.kind} {pid.name}: {said(page)}")


def _landing(plan: _Plan, landing: Answer | None, page: Answer | None) -> Check:
    if landing is None:
        if page is None:
            return Check(False, f"no landing page in the metadata and {_NO_PID}")
        if not page.ok:
            return Check(
                False, f"no landing page in the metadata and the PID does not resolve: {said(page)}"
            )
        landing = page
    if not landing.ok:
        return Check(False, said(landing))
    if landing.body_ok is None:
        return Check(True, f"{said(landing)} (no identifier to look for)")
    wanted = " or ".join(plan.needles)
    if landing.body_ok:
        return Check(True, f"{said(landing)}, the page mentions {wanted}")
    return Check(False, f"{said(landing)}, but the page does not mention {wanted}")


def _retrievable(data: list[Answer], total: int) -> Check:
    if not data:
        none = f"{total} data URLs, none checked (max_data_urls is 0)"
        return Check(False, none if total else "no access URL in the metadata")
    bad = [a for a in data if not (a.ok or a.status in (401, 403))]
    of = f" (the first {len(data)} of {total})" if total > len(data) else ""
    if bad:
        return Check(
            False,
            f"{len(bad)} of {len(data)} data URLs{of} not retrievable: "
            + "; ".join(said(a) for a in bad),
        )
    shown = "; ".join(
        said(a) + (" (authentication required)" if a.status in (401, 403) else "") for a in data
    )
    return Check(True, f"{len(data)} data URLs{of} retrievable: {shown}")


def _negotiates(conneg: Answer | None) -> Check:
    if conneg is None:
        return Check(False, f"{_NO_PID} to negotiate content on")
    asked = f"{said(conneg)} (asked for machine-readable metadata)"
    if not conneg.ok:
        return Check(False, asked)
    offered = conneg.media_type or "no media type"
    if offered not in MACHINE_TYPES:
        return Check(False, f"{asked}, offered {offered}, not one of {', '.join(MACHINE_TYPES)}")
    if not conneg.body_ok:
        return Check(False, f"{asked}, offered {offered} that does not parse: {conneg.note}")
    return Check(True, f"{asked}, offered {offered} that parses")
