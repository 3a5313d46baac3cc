"""Pages kept until the graph changes (``api.page_cache``): landing pages, DCAT, VoID, FAIR
reports, home. A hit is the same answer, headers and security headers included; any write,
here or by a PaN Commons process elsewhere, retires it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.remote import RemoteStore
from tests.api.conftest import TOKEN

BASE = "https://w3id.org/pan-commons"
DS = f"{BASE}/id/dataset/cache-test"
G = f"{BASE}/graph/source/cache-test"
DATA = f"""<{DS}> a <http://www.w3.org/ns/dcat#Dataset> ;
  <http://purl.org/dc/terms/title> "First title" .
""".encode()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = EmbeddedStore(tmp_path / "store")
    store.load(DATA, graph=G, format=RdfFormat.TURTLE)
    settings = Settings(store=store.location, update_token=TOKEN)
    with TestClient(create_app(settings, store=store)) as c:
        yield c
    store.close()


def _retitle(client: TestClient, old: str, new: str) -> None:
    r = client.post(
        "/sparql",
        content=f'DELETE DATA {{ GRAPH <{G}> {{ <{DS}> <http://purl.org/dc/terms/title> "{old}" }} }} ; '
        f'INSERT DATA {{ GRAPH <{G}> {{ <{DS}> <http://purl.org/dc/terms/title> "{new}" }} }}',
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 204


def test_a_landing_page_is_kept_until_a_write(client: TestClient) -> None:
    first = client.get("/id/dataset/cache-test", headers={"Accept": "text/html"})
    again = client.get("/id/dataset/cache-test", headers={"Accept": "text/html"})
    assert first.status_code == again.status_code == 200
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content and "First title" in again.text
    for name in ("content-type", "content-security-policy", "x-content-type-options"):
        assert again.headers[name] == first.headers[name]
    assert int(again.headers["content-length"]) == len(again.content)

    turtle = client.get("/id/dataset/cache-test", headers={"Accept": "text/turtle"})
    assert turtle.headers["x-cache"] == "miss"  # another representation, another entry
    assert turtle.headers["content-type"].startswith("text/turtle")

    _retitle(client, "First title", "Second title")
    after = client.get("/id/dataset/cache-test", headers={"Accept": "text/html"})
    assert after.headers["x-cache"] == "miss"
    assert "Second title" in after.text and "First title" not in after.text


@pytest.mark.parametrize(
    "path",
    ["/dcat", "/void", "/fair/report?scope=all&format=json", "/", "/sitemap.xml"],
)
def test_graph_pages_are_kept(client: TestClient, path: str) -> None:
    first, again = client.get(path), client.get(path)
    assert first.status_code == 200, first.text
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content


def test_errors_live_answers_and_other_methods_are_not_kept(client: TestClient) -> None:
    for _ in range(2):
        missing = client.get("/id/dataset/no-such-thing", headers={"Accept": "text/html"})
        assert missing.status_code == 404 and missing.headers.get("x-cache") != "hit"
    for path in ("/health", "/oai?verb=Identify"):
        answers = [client.get(path) for _ in range(2)]
        assert all(a.status_code == 200 and "x-cache" not in a.headers for a in answers)
    head = client.head("/void")
    assert head.status_code in (200, 405) and "x-cache" not in head.headers


def test_the_cache_off_keeps_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.load(DATA, graph=G, format=RdfFormat.TURTLE)
    with TestClient(create_app(Settings(store=store.location, query_cache_mb=0), store)) as c:
        answers = [c.get("/id/dataset/cache-test") for _ in range(2)]
        assert all(a.status_code == 200 and "x-cache" not in a.headers for a in answers)
    store.close()


def test_a_page_over_a_remote_store_is_retired_by_a_write_elsewhere(
    remote_server: str, oxigraph_url: str
) -> None:
    """A harvest or FAIR run in another process writes through its own RemoteStore: the
    server's kept pages are not served again."""
    writer = RemoteStore(oxigraph_url)
    writer.replace_graph(DATA, graph=G, format=RdfFormat.TURTLE)
    url = remote_server + "/id/dataset/cache-test"
    html = {"Accept": "text/html"}
    first, again = httpx.get(url, headers=html), httpx.get(url, headers=html)
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    writer.replace_graph(DATA.replace(b"First", b"Third"), graph=G, format=RdfFormat.TURTLE)
    after = httpx.get(url, headers=html)
    assert after.headers["x-cache"] == "miss" and "Third title" in after.text
    writer.drop_graph(G)
    assert httpx.get(url, headers=html).status_code == 404
    writer.close()


class _Slow(EmbeddedStore):
    """An embedded store whose queries take a while and are counted."""

    queries = 0

    def query(self, sparql: str, **kwargs: object):  # type: ignore[no-untyped-def,override]
        type(self).queries += 1
        time.sleep(0.01)
        return super().query(sparql, **kwargs)  # type: ignore[arg-type]


def test_requests_for_a_page_being_computed_wait_for_it(tmp_path: Path) -> None:
    """Right after a write, fifty clients asking for the same page cost one evaluation: the
    others wait for it and get its answer (``coalesced`` in /health)."""
    store = _Slow(tmp_path / "store")
    store.load(DATA, graph=G, format=RdfFormat.TURTLE)
    app = create_app(Settings(store=store.location), store=store)

    async def many(path: str, n: int) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await asyncio.gather(*(c.get(path) for _ in range(n)))

    async def run() -> None:
        alone = (await many("/void", 1))[0]
        _Slow.queries = 0
        store.update(f"INSERT DATA {{ GRAPH <{G}> {{ <{DS}> a <http://x/C> }} }}")
        answers = await many("/void", 12)
        assert [a.status_code for a in answers] == [200] * 12
        assert sorted(a.headers["x-cache"] for a in answers) == ["hit"] * 11 + ["miss"]
        assert len({a.content for a in answers}) == 1 and answers[0].content != alone.content
        once = _Slow.queries
        _Slow.queries = 0
        store.update(f"INSERT DATA {{ GRAPH <{G}> {{ <{DS}> a <http://x/D> }} }}")
        await many("/void", 1)
        assert once == _Slow.queries > 0  # twelve requests, the queries of one
        assert app.state.result_cache.stats()["coalesced"] >= 11

    asyncio.run(run())
    store.close()


def test_the_formats_of_a_report_share_its_data(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTML, Markdown and JSON of one report scope are three pages but one computation of the
    report, until the next write."""
    from pancommons.fair import report

    built: list[str] = []
    real = report.build_report

    def counted(store, shapes, base, scope):  # type: ignore[no-untyped-def]
        built.append(str(scope))
        return real(store, shapes, base, scope)

    monkeypatch.setattr(report, "build_report", counted)
    pages = [client.get("/fair/report", params={"format": f}) for f in ("html", "md", "json")]
    assert [p.status_code for p in pages] == [200] * 3
    assert [p.headers["x-cache"] for p in pages] == ["miss"] * 3
    assert built == ["all"]
    client.get("/fair/report", params={"format": "json", "scope": "source:cache-test"})
    assert built == ["all", "source:cache-test"]
    _retitle(client, "First title", "Second title")
    again = client.get("/fair/report", params={"format": "md"})
    assert again.headers["x-cache"] == "miss" and built[-1] == "all" and len(built) == 3


def test_concurrent_requests_share_one_version_read(oxigraph_url: str) -> None:
    """Over a remote store the version is a request to the server: requests that need it while
    one is under way share it (a hit then costs less than one request to the store each)."""
    reads: list[int] = []

    class Counted(RemoteStore):
        def version(self) -> int | None:
            reads.append(1)
            time.sleep(0.02)
            return super().version()

    store = Counted(oxigraph_url)
    store.replace_graph(DATA, graph=G, format=RdfFormat.TURTLE)
    app = create_app(Settings(store=oxigraph_url), store=store)

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            await c.get("/void")  # kept
            reads.clear()
            return await asyncio.gather(*(c.get("/void") for _ in range(20)))

    answers = asyncio.run(run())
    assert [a.headers["x-cache"] for a in answers] == ["hit"] * 20
    assert 1 <= len(reads) <= 5, len(reads)
    store.drop_graph(G)
    store.close()
