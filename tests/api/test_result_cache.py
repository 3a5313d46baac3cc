"""The answers kept for repeated queries (``api.result_cache``): served only while the graph is
the one they were computed on, whatever wrote to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from pancommons.api.app import create_app
from pancommons.api.result_cache import Answer, ResultCache, cacheable
from pancommons.config import Settings
from pancommons.store.changes import Changes
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.remote import RemoteStore
from tests.api.conftest import TOKEN, live_server

G = "http://example.org/cache/g"
DATA = b"""<http://example.org/d1> <http://purl.org/dc/terms/title> "one" .
<http://example.org/d2> <http://purl.org/dc/terms/title> "two" .
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://purl.org/dc/terms/title> ?t }"
JSON = {"Accept": "application/sparql-results+json"}


def _n(r: httpx.Response) -> int:
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "store")
    s.load(DATA, graph=G, format=RdfFormat.N_TRIPLES)
    yield s
    s.close()


def _client(store: EmbeddedStore, **settings: object) -> TestClient:
    return TestClient(
        create_app(Settings(store=store.location, update_token=TOKEN, **settings), store=store)  # type: ignore[arg-type]
    )


# --- the cache itself --------------------------------------------------------------------------


def test_entries_are_served_only_at_their_version_and_bounded_in_bytes() -> None:
    cache = ResultCache(800)  # entries up to 100 bytes, key text included
    cache.put("a", Answer(b"x" * 99, "text/plain", 1))
    assert cache.get("a", 1) == Answer(b"x" * 99, "text/plain", 1)
    assert cache.get("a", 2) is None and cache.get("a", None) is None
    cache.put("big", Answer(b"x" * 98, "text/plain", 1))  # 101 bytes: more than an eighth
    assert cache.get("big", 1) is None
    cache.put(("q" * 101,), Answer(b"", "text/plain", 1))  # a long query weighs its length
    assert cache.get(("q" * 101,), 1) is None
    for i in range(8):
        cache.put(i, Answer(b"y" * 100, "text/plain", 1))
    # 800 bytes hold eight: "a" was the least recently used, so it went first
    assert cache.get("a", 1) is None and all(cache.get(i, 1) for i in range(8))
    assert cache.stats()["bytes"] == 800 and cache.stats()["evictions"] == 1
    cache.put(0, Answer(b"z", "text/plain", 0))  # computed before a write newer ones saw
    assert cache.get(0, 1) is not None and cache.get(0, 0) is None
    cache.put("new", Answer(b"n", "text/plain", 2))  # a newer version retires every entry
    assert cache.stats()["entries"] == 1 and cache.stats()["bytes"] == 4  # "new" + body
    assert cache.get("new", 2) is not None and cache.get(1, 1) is None


def test_entries_are_kept_no_longer_than_their_time_limit() -> None:
    """The bound on staleness should a write not move the version (``query_cache_ttl``)."""
    cache = ResultCache(800, ttl=30.0)
    now = time.monotonic()
    cache.put("fresh", Answer(b"f", "text/plain", 1, now - 29.0))
    cache.put("old", Answer(b"o", "text/plain", 1, now - 31.0))
    assert cache.get("fresh", 1) is not None
    assert cache.get("old", 1) is None
    assert cache.stats()["entries"] == 1 and cache.stats()["bytes"] == len("fresh") + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (COUNT, True),
        ("SELECT ?p WHERE { ?s foaf:knows ?o ; ex:random ?r ; ex:nowhere ?x }", True),
        ("SELECT (NOW() AS ?t) {}", False),
        ("SELECT (rand () AS ?r) {}", False),
        ("SELECT (UUID() AS ?u) (STRUUID() AS ?v) {}", False),
        ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", False),
        ("SELECT (\\u004EOW() AS ?t) {}", False),  # NOW() spelt with an escape
    ],
)
def test_answers_that_may_change_by_themselves_are_not_kept(text: str, expected: bool) -> None:
    assert cacheable(text) is expected


def test_the_version_moves_around_every_write_and_is_unknown_during_one(
    store: EmbeddedStore,
) -> None:
    seen = [store.version()]

    def moved() -> None:
        now = store.version()
        assert now is not None and now not in seen
        seen.append(now)

    store.update(f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/d3> a <http://x/C> }} }}")
    moved()
    store.load(DATA, graph=G + "2", format=RdfFormat.N_TRIPLES)
    moved()
    store.replace_graph(DATA, graph=G + "3", format=RdfFormat.N_TRIPLES)  # hidden, then shown
    moved()
    with store.staging(G) as stage:
        store.bulk_load(DATA, graph=stage, format=RdfFormat.N_TRIPLES)
        moved()  # the staging graph is hidden: a write nonetheless
    moved()
    store.drop_graph(G + "2")
    moved()
    loader = store.open_loader(G + "4")
    assert loader is not None
    loader.write(DATA)
    loader.commit()
    moved()

    # Hiding a graph from the union (while it loads) changes what queries see: a write too.
    def titles() -> int:
        return int(next(iter(store.query(COUNT)))["n"].value)  # type: ignore[call-overload]

    shown = titles()
    store._hide(G)
    assert titles() == shown - 2  # G holds DATA since the staging swap
    moved()
    store._hide(G, hidden=False)
    assert titles() == shown
    moved()
    changes = Changes()
    changes.begin()
    assert changes.current() is None  # a query now may see half of a write
    changes.end()
    assert changes.current() == 2


def test_a_read_only_store_does_not_know_its_version(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "s").close()
    reader = EmbeddedStore(tmp_path / "s", read_only=True)
    assert reader.version() is None  # a writer in another process would go unseen
    reader.close()


# --- /sparql and /store --------------------------------------------------------------------------


def test_a_repeated_query_is_a_hit_until_an_update_changes_the_graph(store: EmbeddedStore) -> None:
    with _client(store) as client:
        first = client.get("/sparql", params={"query": COUNT}, headers=JSON)
        again = client.get("/sparql", params={"query": COUNT}, headers=JSON)
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
        assert again.content == first.content and _n(again) == 2
        assert again.headers["content-type"] == first.headers["content-type"]
        # another format is another answer
        tsv = client.get(
            "/sparql", params={"query": COUNT}, headers={"Accept": "text/tab-separated-values"}
        )
        assert tsv.headers["x-cache"] == "miss" and tsv.text.splitlines()[1] == "2"
        # a POSTed query shares the entry of the same text
        posted = client.post(
            "/sparql", content=COUNT, headers={**JSON, "Content-Type": "application/sparql-query"}
        )
        assert posted.headers["x-cache"] == "hit"

        r = client.post(
            "/sparql",
            content=f'INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/d3> <http://purl.org/dc/terms/title> "3" }} }}',
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": f"Bearer {TOKEN}",
            },
        )
        assert r.status_code == 204
        after = client.get("/sparql", params={"query": COUNT}, headers=JSON)
        assert after.headers["x-cache"] == "miss" and _n(after) == 3

        r = client.put(
            "/store",
            params={"graph": G},
            content=b'<http://example.org/only> <http://purl.org/dc/terms/title> "1" .',
            headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
        )
        assert r.status_code in (200, 204)
        assert _n(client.get("/sparql", params={"query": COUNT}, headers=JSON)) == 1
        health = client.get("/health").json()["query_cache"]
        assert health["hits"] == 2 and health["entries"] == 1


def test_the_dataset_is_part_of_the_key(store: EmbeddedStore) -> None:
    store.load(DATA, graph=G + "2", format=RdfFormat.N_TRIPLES)
    with _client(store) as client:
        union = client.get("/sparql", params={"query": COUNT}, headers=JSON)
        one = client.get("/sparql", params={"query": COUNT, "default-graph-uri": G}, headers=JSON)
        assert (_n(union), _n(one)) == (4, 2)
        assert one.headers["x-cache"] == "miss"
        again = client.get("/sparql", params={"query": COUNT, "default-graph-uri": G}, headers=JSON)
        assert again.headers["x-cache"] == "hit" and _n(again) == 2


def test_graphs_read_through_the_graph_store_are_kept_too(store: EmbeddedStore) -> None:
    with _client(store) as client:
        first = client.get(
            "/store", params={"graph": G}, headers={"Accept": "application/n-triples"}
        )
        again = client.get(
            "/store", params={"graph": G}, headers={"Accept": "application/n-triples"}
        )
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
        assert again.content == first.content and again.content.count(b"\n") == 2


def test_errors_and_volatile_answers_are_never_served_from_the_cache(store: EmbeddedStore) -> None:
    with _client(store) as client:
        for _ in range(2):
            bad = client.get("/sparql", params={"query": "SELECT ?x WHERE {"}, headers=JSON)
            assert bad.status_code == 400 and bad.headers.get("x-cache") != "hit"
        now = "SELECT (STRUUID() AS ?u) WHERE {}"
        answers = [client.get("/sparql", params={"query": now}, headers=JSON) for _ in range(2)]
        assert [a.headers["x-cache"] for a in answers] == ["miss", "miss"]
        values = {a.json()["results"]["bindings"][0]["u"]["value"] for a in answers}
        assert len(values) == 2


def test_a_cache_of_zero_is_off(store: EmbeddedStore) -> None:
    with _client(store, query_cache_mb=0) as client:
        for _ in range(2):
            r = client.get("/sparql", params={"query": COUNT}, headers=JSON)
            assert r.status_code == 200 and "x-cache" not in r.headers
        assert client.get("/health").json()["query_cache"]["entries"] == 0


def _remote_count(base: str, query: str) -> tuple[int, str | None]:
    r = httpx.get(base + "/sparql", params={"query": query}, headers=JSON)
    assert r.status_code == 200
    return int(json.loads(r.content)["results"]["bindings"][0]["n"]["value"]), r.headers.get(
        "x-cache"
    )


def _raw_insert(oxigraph_url: str, graph: str, i: int) -> None:
    """A write straight to the SPARQL server, as a client other than PaN Commons makes it."""
    httpx.post(
        oxigraph_url.rsplit("/", 1)[0] + "/update",
        content=f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/s{i}> <http://example.org/p> {i} }} }}",
        headers={"Content-Type": "application/sparql-update"},
    ).raise_for_status()


def test_a_remote_store_written_directly_by_others_is_always_asked(
    tmp_path: Path, oxigraph_url: str
) -> None:
    """``store_external_writes``: other clients write to the server behind our back, so nothing
    may be kept, whatever the store's version says."""
    graph = "http://example.org/cache/remote-external"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    RemoteStore(oxigraph_url).drop_graph(graph)  # and the store has a version
    with live_server(tmp_path, store=oxigraph_url, store_external_writes="true") as base:
        counts = []
        for i in range(3):
            n, cache = _remote_count(base, query)
            assert cache != "hit"
            counts.append(n)
            _raw_insert(oxigraph_url, graph, i)
    assert counts == [0, 1, 2]


def test_a_remote_store_written_by_pancommons_elsewhere_retires_the_answers(
    remote_server: str, oxigraph_url: str, tmp_path: Path
) -> None:
    """The server keeps answers over a remote store; a write by another PaN Commons process (a
    ``pancommons load``, as a harvest or FAIR run writes) moves the version kept in the store,
    and the next request is answered afresh. A direct write by another client moves nothing:
    that is what ``store_external_writes`` is for."""
    graph = "http://example.org/cache/remote-versioned"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    writer = RemoteStore(oxigraph_url)
    writer.drop_graph(graph)
    assert _remote_count(remote_server, query) == (0, "miss")
    assert _remote_count(remote_server, query) == (0, "hit")

    data = tmp_path / "one.nt"
    data.write_text('<http://example.org/a> <http://example.org/p> "1" .\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    subprocess.run(
        [str(Path(sys.executable).parent / "pancommons"), "--store", oxigraph_url, "load", str(data),
         "--graph", graph],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    assert _remote_count(remote_server, query) == (1, "miss")
    assert _remote_count(remote_server, query) == (1, "hit")

    _raw_insert(oxigraph_url, graph, 7)
    assert _remote_count(remote_server, query) == (1, "hit")  # unseen: not PaN Commons
    writer.update(
        f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/b> <http://example.org/p> 2 }} }}"
    )
    assert _remote_count(remote_server, query) == (3, "miss")
    writer.drop_graph(graph)
    assert _remote_count(remote_server, query) == (0, "miss")


def test_named_queries_are_kept_per_parameters_and_format(store: EmbeddedStore) -> None:
    store.update(
        f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/d1> a <http://www.w3.org/ns/dcat#Dataset> }} }}"
    )
    with _client(store) as client:
        url = "/queries/datasets-without-publication"
        first = client.get(url, params={"format": "json"})
        again = client.get(url, params={"format": "json"})
        page = client.get(url, headers={"Accept": "text/html"})
        assert [r.headers["x-cache"] for r in (first, again, page)] == ["miss", "hit", "miss"]
        assert again.content == first.content and len(first.json()["results"]["bindings"]) == 1
        assert client.get(url, headers={"Accept": "text/html"}).text == page.text
        store.update(
            f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/d2> a <http://www.w3.org/ns/dcat#Dataset> }} }}"
        )
        after = client.get(url, params={"format": "json"})
        assert after.headers["x-cache"] == "miss" and len(after.json()["results"]["bindings"]) == 2
