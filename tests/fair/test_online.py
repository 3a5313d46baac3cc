"""The online FAIR checks against a real local web (tests/fair/online_server.py): every outcome
and its reason, the per-host rate limit, the disk cache and conditional requests, and that a
URL shared by datasets is fetched once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from pancommons.fair.online import (
    ONLINE_TESTS,
    Check,
    OnlineConfig,
    OnlineStats,
    check_online,
    check_online_with_stats,
    find_pid,
)
from pancommons.store.embedded import EmbeddedStore
from tests.fair.online_server import WebState, web
from tests.harvest.local_http import StateServer

ID = "https://w3id.org/pan-commons/id/dataset/test/"
F1, A1, DATA, I1 = (ONLINE_TESTS[k] for k in ONLINE_TESTS)
DATASETS = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix id: <https://w3id.org/pan-commons/id/dataset/test/> .

<https://doi.org/10.1234/good> a dcat:Dataset ; dct:identifier "10.1234/GOOD" ;
    dcat:distribution [ dcat:accessURL <{B}/data/open> ], [ dcat:accessURL <{B}/data/401> ],
        [ dcat:downloadURL <{B}/nohead/file> ] .
id:nomention a dcat:Dataset ; dct:identifier "doi:10.1234/nomention" ;
    dcat:landingPage <{B}/landing/nomention> ;
    dcat:distribution [ dcat:accessURL <{B}/data/404> ], [ dcat:accessURL <{B}/data/403> ] .
id:loop a dcat:Dataset ; dct:identifier "https://doi.org/10.1234/loop" .
id:missing a dcat:Dataset ; dct:identifier "10.1234/missing" ; dcat:landingPage <file:///etc/passwd> ;
    dcat:distribution [ dcat:accessURL <{B}/data/403> ] .
id:broken a dcat:Dataset ; dct:identifier "10.1234/broken" ; dcat:landingPage <{B}/toobusy/page> .
id:slow a dcat:Dataset ; dct:identifier "10.1234/slow" .
id:nopid a dcat:Dataset ; dct:identifier "ESRF-123" ; dcat:landingPage <{B}/landing/plain> ;
    dcat:distribution [ dcat:accessURL <{B}/data/open> ], [ dcat:accessURL <ftp://example.org/x> ] .
id:handle a dcat:Dataset ; dct:identifier "hdl:11304/abc-def" .
id:ark a dcat:Dataset ; dct:identifier "ark:/12345/x9" .
id:busy a dcat:Dataset ; dct:identifier "10.1234/busy" ;
    dcat:distribution [ dcat:accessURL <{B}/toobusy/file> ] .
id:many a dcat:Dataset ; dcat:distribution [ dcat:accessURL <{B}/data/open> ],
    [ dcat:accessURL <{B}/data/401> ], [ dcat:accessURL <{B}/data/403> ],
    [ dcat:accessURL <{B}/data/404> ], [ dcat:accessURL <{B}/nohead/file> ] .
"""
GOOD = "https://doi.org/10.1234/good"
NOT_MACHINE = "not one of application/vnd.datacite.datacite+json"
# (dataset, test) -> passed, and what the detail must say (the URL and the cause).
EXPECTED: dict[tuple[str, str], tuple[bool, tuple[str, ...]]] = {
    (GOOD, F1): (
        True,
        ("DOI 10.1234/good: GET {B}/doi/10.1234/good → {B}/landing/good: HTTP 200",),
    ),
    (GOOD, A1): (True, ("{B}/landing/good: HTTP 200", "mentions 10.1234/good")),
    (GOOD, DATA): (
        True,
        (
            "HEAD {B}/data/open: HTTP 200",
            "HEAD {B}/data/401: HTTP 401 (authentication required)",
            "GET {B}/nohead/file: HTTP 200",
        ),
    ),
    (GOOD, I1): (
        True,
        (
            "GET {B}/doi/10.1234/good → {B}/meta/good.json: HTTP 200",
            "offered application/vnd.datacite.datacite+json that parses",
        ),
    ),
    (ID + "nomention", F1): (True, ("{B}/landing/nomention: HTTP 200",)),
    (ID + "nomention", A1): (
        False,
        ("{B}/landing/nomention: HTTP 200", "does not mention 10.1234/nomention"),
    ),
    (ID + "nomention", DATA): (
        False,
        ("1 of 2 data URLs not retrievable: HEAD {B}/data/404: HTTP 404",),
    ),
    (ID + "nomention", I1): (False, ("offered text/html", NOT_MACHINE)),
    (ID + "loop", F1): (
        False,
        (
            "{B}/doi/10.1234/loop → {B}/loop/a: redirect loop ({B}/loop/a → {B}/loop/b → {B}/loop/a)",
        ),
    ),
    (ID + "loop", A1): (
        False,
        ("no landing page in the metadata and the PID does not resolve", "redirect loop"),
    ),
    (ID + "loop", DATA): (False, ("no access URL in the metadata",)),
    (ID + "loop", I1): (False, ("redirect loop",)),
    (ID + "missing", F1): (False, ("GET {B}/doi/10.1234/missing: HTTP 404",)),
    (ID + "missing", A1): (
        False,
        ("GET file:///etc/passwd: not fetched: only http and https URLs",),
    ),
    (ID + "missing", DATA): (True, ("HEAD {B}/data/403: HTTP 403 (authentication required)",)),
    (ID + "missing", I1): (False, ("GET {B}/doi/10.1234/missing: HTTP 404",)),
    (ID + "broken", F1): (False, ("GET {B}/doi/10.1234/broken: HTTP 500",)),
    (ID + "broken", A1): (
        False,
        ("GET {B}/toobusy/page: HTTP 429, Retry-After 60 s: not retried",),
    ),
    (ID + "broken", DATA): (False, ("no access URL",)),
    (ID + "broken", I1): (False, ("HTTP 500",)),
    (ID + "slow", F1): (False, ("GET {B}/doi/10.1234/slow: timed out after 0.5 s",)),
    (ID + "slow", A1): (False, ("the PID does not resolve", "timed out")),
    (ID + "slow", DATA): (False, ("no access URL",)),
    (ID + "slow", I1): (False, ("GET {B}/doi/10.1234/slow: timed out after 0.5 s",)),
    (ID + "nopid", F1): (False, ("no persistent identifier (DOI, Handle or ARK)",)),
    (ID + "nopid", A1): (True, ("GET {B}/landing/plain: HTTP 200, the page mentions esrf-123",)),
    (ID + "nopid", DATA): (False, ("ftp://example.org/x: not fetched: only http and https URLs",)),
    (ID + "nopid", I1): (False, ("no persistent identifier",)),
    (ID + "handle", F1): (
        True,
        ("Handle 11304/abc-def: GET {B}/hdl/11304/abc-def → {B}/landing/hdl: HTTP 200",),
    ),
    (ID + "handle", A1): (True, ("mentions 11304/abc-def",)),
    (ID + "handle", DATA): (False, ("no access URL",)),
    (ID + "handle", I1): (True, ("{B}/meta/hdl.ttl: HTTP 200", "offered text/turtle that parses")),
    (ID + "ark", F1): (
        True,
        ("ARK ark:/12345/x9: GET {B}/ark/ark:/12345/x9 → {B}/landing/ark: HTTP 200",),
    ),
    (ID + "ark", A1): (True, ("mentions ark:/12345/x9",)),
    (ID + "ark", DATA): (False, ("no access URL",)),
    (ID + "ark", I1): (
        False,
        ("{B}/meta/bad.ttl: HTTP 200", "offered text/turtle that does not parse"),
    ),
    (ID + "busy", F1): (True, ("GET {B}/doi/10.1234/busy → {B}/busy/page: HTTP 200",)),
    (ID + "busy", A1): (True, ("mentions 10.1234/busy",)),
    (ID + "busy", DATA): (
        False,
        ("HEAD {B}/toobusy/file: HTTP 429, Retry-After 60 s: not retried",),
    ),
    (ID + "busy", I1): (
        False,
        ("{B}/meta/bad.json: HTTP 200", "datacite+json that does not parse"),
    ),
    (ID + "many", F1): (False, ("no persistent identifier",)),
    (ID + "many", A1): (False, ("no landing page in the metadata and no persistent identifier",)),
    (ID + "many", DATA): (
        False,
        ("1 of 3 data URLs (the first 3 of 5) not retrievable: HEAD {B}/data/404: HTTP 404",),
    ),
    (ID + "many", I1): (False, ("no persistent identifier",)),
}


def _store(base: str) -> EmbeddedStore:
    store = EmbeddedStore(None)
    data = DATASETS.replace("{B}", base).encode()
    store.load(data, graph="https://example.org/graph/online", format=RdfFormat.TURTLE)
    return store


def _config(base: str, **kw: object) -> OnlineConfig:
    config = OnlineConfig(
        doi_resolver=f"{base}/doi/",
        handle_resolver=f"{base}/hdl/",
        ark_resolver=f"{base}/ark/",
        timeout=0.5,
        rate=0,
    )
    return replace(config, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[StateServer, dict[tuple[str, str], Check], OnlineStats, list[int]]]:
    with web() as server:
        calls: list[int] = []
        results, stats = check_online_with_stats(
            _store(server.url), None, _config(server.url), progress=lambda d, t: calls.append(t)
        )
        yield server, results, stats, calls


def test_every_outcome_and_its_reason(
    run: tuple[StateServer, dict, OnlineStats, list[int]],
) -> None:
    server, results, _, _ = run
    assert set(results) == set(EXPECTED)
    wrong = []
    for key, (passed, says) in EXPECTED.items():
        check = results[key]
        needed = [s.replace("{B}", server.url) for s in says]
        if check.passed != passed or not all(s in check.detail for s in needed):
            wrong.append(f"{key[0]} {key[1].rsplit('/', 1)[1]}: {check} (wanted {passed} {needed})")
        assert "\n" not in check.detail
    assert not wrong, "\n".join(wrong)


def test_one_fetch_per_url_and_polite_requests(
    run: tuple[StateServer, dict, OnlineStats, list[int]],
) -> None:
    server, _, stats, progress = run
    state: WebState = server.state
    # Shared by good, nopid and many: fetched once. The landing page nomention's PID already led
    # to is not fetched again (its second GET is the content negotiation, asking for metadata).
    assert len(state.hits("/data/open")) == 1
    assert len(state.hits("/data/404")) == 1
    pages = [h for h in state.hits("/landing/nomention") if "text/html" in h.headers["Accept"]]
    assert len(pages) == 1
    assert [h.method for h in state.hits("/nohead/file")] == ["HEAD", "GET"]
    assert [h.status for h in state.hits("/busy/page")] == [429, 200]  # Retry-After: 1 honoured
    assert len(state.hits("/toobusy/file")) == 1  # Retry-After: 60 is not waited for
    assert len(state.hits("/loop/a")) == 2  # page + conneg, each stops when the loop closes
    assert all(h.headers["User-Agent"].startswith("PaN-Commons/0.") for h in state.hits())
    assert "+https://w3id.org/pan-commons" in state.hits()[0].headers["User-Agent"]
    host = server.url.removeprefix("http://")
    assert stats.requests == len(state.hits()) and stats.per_host == {host: stats.requests}
    assert stats.cache_hits == 0 and stats.not_modified == 0
    assert progress and len(set(progress)) == 1 and len(progress) == progress[0]


def test_rate_limit_spaces_requests_to_one_host() -> None:
    with web() as server:
        b = server.url
        urls = " , ".join(f"<{b}/data/open?n={i}>" for i in range(6))
        ttl = f"<{ID}rated> a <http://www.w3.org/ns/dcat#Dataset> ; <http://www.w3.org/ns/dcat#distribution> [ <http://www.w3.org/ns/dcat#accessURL> {urls} ] ."
        store = EmbeddedStore(None)
        store.load(ttl.encode(), graph="https://example.org/g", format=RdfFormat.TURTLE)
        results = check_online(store, None, _config(b, rate=5.0, max_data_urls=6, workers=4))
        assert results[ID + "rated", DATA].passed
        times = sorted(h.at for h in server.state.hits())
        assert len(times) == 6
        assert times[-1] - times[0] >= 0.8  # (6 - 1) / 5 s = 1 s, with a margin


def test_cache_reuses_answers_then_revalidates(tmp_path: Path) -> None:
    chosen = {GOOD, ID + "handle", ID + "nopid"}
    with web() as server:
        store, state = _store(server.url), server.state
        fresh = _config(server.url, cache_dir=tmp_path / "state", max_age=3600)
        first, stats1 = check_online_with_stats(store, chosen, fresh)
        sent = len(state.hits())
        assert stats1.requests == sent > 0
        assert {d for d, _ in first} == chosen and len(first) == 12
        assert (tmp_path / "state" / "online-cache.sqlite").is_file()

        # Within max_age: no request at all, the same outcomes.
        second, stats2 = check_online_with_stats(store, chosen, fresh)
        assert len(state.hits()) == sent
        assert second == first
        assert stats2.requests == 0 and stats2.cache_hits > 0

        # Older than max_age: conditional requests, answered 304, the same outcomes.
        third, stats3 = check_online_with_stats(store, chosen, replace(fresh, max_age=0))
        again = state.hits()[sent:]
        not_modified = sum(h.status == 304 for h in again)
        assert not_modified == stats3.not_modified == 6  # 3 pages, 2 metadata, 1 data file
        assert all("If-None-Match" in h.headers for h in again if h.status == 304)
        assert third == first


def test_requested_datasets_only_and_no_network_without_urls() -> None:
    with web() as server:
        store = _store(server.url)
        results = check_online(
            store, {ID + "many", "not an iri"}, _config(server.url, max_data_urls=0)
        )
        assert not server.state.hits()
        assert {d for d, _ in results} == {ID + "many", "not an iri"}
        assert not any(results["not an iri", t].passed for t in ONLINE_TESTS.values())
        assert results[ID + "many", DATA].detail.startswith("5 data URLs, none checked")


def test_refused_endless_redirects_and_other_schemes(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with web() as server:
        b = server.url
        ttl = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
            <{ID}edge> a dcat:Dataset ; <http://purl.org/dc/terms/identifier> "10.1234/good" ;
                dcat:landingPage <{closed}/page> ;
                dcat:distribution [ dcat:accessURL <{b}/chain/0>, <{b}/toftp> ] ."""
        store = EmbeddedStore(None)
        store.load(ttl.encode(), graph="https://example.org/g", format=RdfFormat.TURTLE)
        config = _config(b, cache_dir=tmp_path)
        results = check_online(store, None, config)
        assert results[ID + "edge", F1].passed
        landing = results[ID + "edge", A1]
        assert not landing.passed
        assert landing.detail == f"GET {closed}/page: connection refused"
        data = results[ID + "edge", DATA].detail
        assert f"HEAD {b}/chain/0 → {b}/chain/11: too many redirects (more than 10)" in data
        assert f"HEAD {b}/toftp → ftp://example.org/file.h5: redirected to ftp" in data
        assert len(server.state.hits("/chain/")) == 11
        # A refused connection may pass next time: not cached, asked again.
        _, stats = check_online_with_stats(store, None, config)
        assert stats.per_host == {closed.removeprefix("http://"): 1}


def test_pid_spellings() -> None:
    config = OnlineConfig()
    doi = find_pid(["https://doi.org/10.15151/ESRF-DC-2493599001"], config)
    assert doi and doi.url == "https://doi.org/10.15151/esrf-dc-2493599001"
    assert find_pid(["ESRF-1", "hdl:11304/abc", "10.5555/x"], config).kind == "DOI"  # type: ignore[union-attr]
    handle = find_pid(["https://hdl.handle.net/11304/a b"], config)
    assert handle and (handle.kind, handle.url) == ("Handle", "https://hdl.handle.net/11304/a%20b")
    ark = find_pid(["https://n2t.net/ark:/13030/tf5p30086k"], config)
    assert ark and ark.url == "https://n2t.net/ark:/13030/tf5p30086k"
    assert find_pid(["ESRF-123", "https://w3id.org/pan-commons/id/dataset/x/y"], config) is None
