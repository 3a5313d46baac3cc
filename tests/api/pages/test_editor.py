"""The query editor page: named queries, local assets only, vendored YASGUI provenance, and
``editor_page`` for ``GET /sparql`` from browsers."""

from __future__ import annotations

import hashlib
import json

from fastapi.testclient import TestClient
from lxml import html

from pancommons.api.editor import editor_page
from pancommons.queries import named_queries
from tests.api.pages.helpers import (
    HTML,
    STATIC,
)


def test_editor_page_is_prefilled_with_every_named_query_and_loads_only_local_assets(
    client: TestClient,
) -> None:
    r = client.get("/editor")
    assert r.status_code == 200
    assert "connect-src 'self'" in r.headers["content-security-policy"]
    doc = html.fromstring(r.text)
    config = json.loads(doc.get_element_by_id("pancommons-editor-config").text)
    assert config["endpoint"] == "http://testserver/sparql"
    assert {q["name"] for q in config["queries"]} == set(named_queries())
    assert all(q["text"].strip() for q in config["queries"])
    buttons = doc.xpath("//button[@class='named-query']/@data-query")
    assert set(buttons) == set(named_queries())
    for url in doc.xpath("//script/@src | //link/@href"):
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200


def test_vendored_editor_matches_its_provenance_note() -> None:
    note = (STATIC / "yasgui" / "PROVENANCE.md").read_text()
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((STATIC / "yasgui" / name).read_bytes()).hexdigest()
        assert f"`{name}` | " in note and digest in note, name
    assert "MIT License" in (STATIC / "yasgui" / "LICENSE").read_text()


def test_static_files_cannot_escape_their_folder(client: TestClient) -> None:
    for path in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/..%2fpages.py"):
        assert client.get(path).status_code == 404, path


def _request(headers: dict[str, str], query: str = "") -> object:
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "root_path": "",
        "scheme": "http",
        "server": ("testserver", 80),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return Request(scope)


def test_editor_page_answers_browsers_only() -> None:
    page = editor_page(_request(HTML))  # type: ignore[arg-type]
    assert page is not None and page.status_code == 200
    assert b"pancommons-editor-config" in page.body
    for headers, query in [
        ({"Accept": "application/sparql-results+json"}, ""),
        ({"Accept": "*/*"}, ""),
        ({}, ""),
        (HTML, "query=ASK%7B%7D"),
    ]:
        assert editor_page(_request(headers, query)) is None  # type: ignore[arg-type]
