"""A remote store's version (``RemoteStore.version``): kept in the store, moved by every write
made through PaN Commons in any process, not by staging loads; the graph that holds it is
neither listed nor counted. On ``oxigraph serve`` and Virtuoso."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import RdfFormat

from pancommons.store.base import QuerySyntaxError
from pancommons.store.remote import VERSION_GRAPH, RemoteStore
from tests.conftest import _clear

G = "http://example.org/version/g"
DATA = b'<http://example.org/d1> <http://purl.org/dc/terms/title> "one" .\n'


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Iterator[RemoteStore]:
    s = RemoteStore(request.getfixturevalue(f"{request.param}_url"))
    _clear(s)
    yield s
    _clear(s)
    s.close()


def test_every_write_moves_the_version_and_every_client_sees_it(remote: RemoteStore) -> None:
    other = RemoteStore(remote.query_url)  # another process writing the same server
    remote.update(f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/d0> a <http://x/C> }} }}")
    seen = [remote.version()]
    assert isinstance(seen[0], int)

    def moved() -> None:
        now = remote.version()
        assert now is not None and now > seen[-1] and other.version() == now
        seen.append(now)

    other.load(DATA, graph=G + "2", format=RdfFormat.N_TRIPLES)
    moved()
    remote.replace_graph(DATA, graph=G + "3", format=RdfFormat.N_TRIPLES)
    moved()
    with other.staging(G) as stage:
        other.bulk_load(DATA, graph=stage, format=RdfFormat.N_TRIPLES)
        assert remote.version() == seen[-1]  # a staging graph is nobody's answer yet
    moved()  # the swap
    remote.merge_subjects(DATA, graph=G, format=RdfFormat.N_TRIPLES)
    moved()
    other.drop_graph(G + "2")
    moved()
    remote.update(f"DROP SILENT GRAPH <{G}-none>")
    moved()  # an update may change anything: it moves the version whatever it did
    with pytest.raises(QuerySyntaxError):
        remote.update("INSERT DATA { nonsense")
    assert remote.version() == seen[-1]  # refused: nothing was written

    assert VERSION_GRAPH not in remote.graphs()
    assert remote.count() == 2  # G and G3 hold DATA: the version triple is not counted
    other.close()


def test_a_store_written_by_others_has_no_version(remote: RemoteStore) -> None:
    remote.update(f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/d0> a <http://x/C> }} }}")
    assert remote.version() is not None
    shared = RemoteStore(remote.query_url, external_writes=True)
    assert shared.version() is None
    shared.close()
