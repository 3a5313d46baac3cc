"""Request bodies beyond ``max_body_bytes`` get 413 on every route that takes a body: ``/sparql``
(queries and updates, direct and urlencoded), ``/store`` (PUT and POST, indirect, direct and
multipart), ``POST /fair/assess`` and ``POST /oai``; with a Content-Length, and chunked without
one; and the server goes on serving."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from tests.security.conftest import TOKEN, LiveServer, app_client, dump, live_server

LIMIT = 2000
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FORM = "application/x-www-form-urlencoded"


def _turtle(size: int) -> bytes:
    """Valid Turtle of exactly ``size`` bytes (a literal padded to fit)."""
    head, tail = b'<http://example.org/s> <http://example.org/p> "', b'" .\n'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def _query(size: int) -> bytes:
    text = b"ASK {}"
    return text + b" " * (size - len(text))


def _update(size: int) -> bytes:
    text = b'INSERT DATA { <http://example.org/u> <http://example.org/p> "'
    return text + b"y" * (size - len(text) - 3) + b'" }'


def _form(name: str, body: bytes) -> bytes:
    return name.encode() + b"=" + body.replace(b" ", b"+")


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "b0undary"
    head = f"--{boundary}\r\nContent-Type: text/turtle\r\n\r\n".encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + _turtle(size - len(head) - len(tail)) + tail, (
        f"multipart/form-data; boundary={boundary}"
    )


# (name, method, path, content type, body of a given size, answer below the limit)
ROUTES: list[tuple[str, str, str, str, object, set[int]]] = [
    ("sparql query", "POST", "/sparql", "application/sparql-query", _query, {200}),
    ("sparql form query", "POST", "/sparql", FORM, lambda n: _form("query", _query(n - 6)), {200}),
    ("sparql update", "POST", "/sparql", "application/sparql-update", _update, {204}),
    (
        "sparql form update",
        "POST",
        "/sparql",
        FORM,
        lambda n: _form("update", _update(n - 7)),
        {204},
    ),
    ("store put", "PUT", "/store?graph=http://example.org/g", "text/turtle", _turtle, {201, 204}),
    ("store post", "POST", "/store?graph=http://example.org/g", "text/turtle", _turtle, {201, 204}),
    ("store post new", "POST", "/store", "text/turtle", _turtle, {201}),
    ("store default", "PUT", "/store?default", "text/turtle", _turtle, {204}),
    ("store direct", "PUT", "/store/direct/g", "text/turtle", _turtle, {201, 204}),
    ("fair assess", "POST", "/fair/assess", "text/turtle", _turtle, {400}),
    ("oai", "POST", "/oai", FORM, lambda n: b"verb=Identify&x=" + b"z" * (n - 16), {200}),
]
IDS = [r[0] for r in ROUTES]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, object]]:
    with app_client(tmp_path, update_token=TOKEN, max_body_bytes=LIMIT) as c:
        yield c


def _body(route: tuple[str, str, str, str, object, set[int]], size: int) -> tuple[bytes, str]:
    _, _, _, ctype, make, _ = route
    return make(size), ctype  # type: ignore[operator]


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_413_beyond_the_limit_with_or_without_content_length(
    client: tuple[TestClient, object], route: tuple[str, str, str, str, object, set[int]]
) -> None:
    c, store = client
    name, method, path, _, _, fine = route
    small, ctype = _body(route, LIMIT)
    big, _ = _body(route, LIMIT + 1)
    assert len(small) == LIMIT and len(big) == LIMIT + 1
    headers = {"Content-Type": ctype, **BEARER}
    before = dump(store)
    r = c.request(method, path, content=big, headers=headers)
    assert r.status_code == 413, (name, r.status_code, r.text)
    assert r.json()["error"] == "request too large" and str(LIMIT) in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        for i in range(0, len(big), 300):
            yield big[i : i + 300]

    r = c.request(method, path, content=chunks(), headers=headers)
    assert "content-length" not in r.request.headers
    assert r.status_code == 413, (name, "chunked", r.status_code, r.text)
    assert dump(store) == before, "nothing written by a refused request"
    r = c.request(method, path, content=small, headers=headers)
    assert r.status_code in fine, (name, "at the limit", r.status_code, r.text)
    assert c.get("/health").status_code == 200


def test_multipart_store_post_is_limited(client: tuple[TestClient, object]) -> None:
    c, _ = client
    for size, expected in ((LIMIT + 1, {413}), (LIMIT, {201, 204})):
        body, ctype = _multipart(size)
        r = c.post(
            "/store",
            params={"graph": "http://example.org/m"},
            content=body,
            headers={"Content-Type": ctype, **BEARER},
        )
        assert r.status_code in expected, (size, r.text)


# --- over a real socket ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("limits"), update_token=TOKEN, max_body_bytes=LIMIT
    ) as s:
        yield s


def _raw(server: LiveServer, head: str, chunks: list[bytes], *, chunked: bool) -> bytes:
    """Send a request by hand (headers, then the body, chunked or as is); the answer's bytes."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode())
        try:
            for chunk in chunks:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent: fine
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                data = s.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


@pytest.mark.parametrize(
    "path,ctype",
    [
        ("/sparql", "application/sparql-query"),
        ("/sparql", "application/sparql-update"),
        ("/store?graph=http://example.org/g", "text/turtle"),
        ("/fair/assess", "text/turtle"),
        ("/oai", FORM),
    ],
)
def test_chunked_bodies_over_a_socket(server: LiveServer, path: str, ctype: str) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    answer = _raw(server, head, [b"x" * 500] * 10, chunked=True)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"request too large" in answer
    assert requests.get(server.url + "/health", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "path", ["/sparql", "/store?graph=http://example.org/g", "/fair/assess", "/oai"]
)
def test_a_huge_declared_length_is_refused_without_waiting_for_the_body(
    server: LiveServer, path: str
) -> None:
    ctype = FORM if path in ("/oai",) else "text/turtle"
    if path == "/sparql":
        ctype = "application/sparql-update"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {10 * 2**30}\r\n\r\n"
    )
    started = time.monotonic()
    answer = _raw(server, head, [b"x" * 100], chunked=False)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert time.monotonic() - started < 5
    r = requests.post(
        server.url + "/sparql",
        data=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
        timeout=5,
    )
    assert r.status_code == 200 and server.alive()
