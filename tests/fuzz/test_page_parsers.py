"""Fuzzing the JSON page parsers of the harvest: what the PaNOSC, SciCat, ICAT and DataCite
kinds read from a catalogue over HTTP (a server on 127.0.0.1 answering mutated real pages,
truncated pages, random JSON and random bytes), and the snapshot files of the ``files`` kind.

Property: paging either yields pages of records, each of which validates and maps or is
refused with a documented per-record error (``record_inputs.check_record``), or stops with the
documented page error of the source (``HarvestHttpError``, ``PagingError``, ``SnapshotError``),
never with another exception and never looping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pancommons.harvest.config import parse_source
from pancommons.harvest.http import HarvestHttpError
from pancommons.harvest.sources import Source, source_class
from pancommons.harvest.sources.base import PagingError
from pancommons.harvest.sources.files import SnapshotError
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.page_server import PageServer, client, page_server
from tests.fuzz.record_inputs import (
    BIG_JSON_VALUES,
    NASTY,
    Seeds,
    check_record,
    contexts,
    mutated,
    panosc_seeds,
    pick,
    snapshot,
)

PAGE_ERRORS = (HarvestHttpError, PagingError)
PANOSC_COLLECTIONS = ("Instruments", "Documents", "Datasets")
SCICAT_COLLECTIONS = ("Instruments", "Proposals", "Samples", "Datasets", "OrigDatablocks")
ICAT_COLLECTIONS = ("Facility", "Investigation", "Dataset")
MAX_REQUESTS = 40


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with page_server() as s:
        yield s


def body(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


@st.composite
def json_answer(draw: st.DrawFn, pages: Seeds) -> bytes:
    """A real page (a list of real records) mutated, cut short, deeply nested or replaced by
    random JSON or bytes."""
    how = draw(st.sampled_from(["mutated", "mutated", "cut", "random", "bytes", "deep", "real"]))
    if how == "mutated":
        return body(draw(mutated(pages, 3)))
    if how == "cut":
        data = body(pages[draw(st.integers(0, len(pages) - 1))])
        return data[: draw(st.integers(0, len(data)))]
    if how == "random":
        return body(draw(BIG_JSON_VALUES))
    if how == "bytes":
        return draw(st.binary(max_size=100))
    if how == "deep":  # as deep as json.loads reads (deeper: see test_json_nested_too_deep…)
        depth = draw(st.integers(100, 900))
        return b"[" * depth + b"]" * draw(st.sampled_from([depth, 0]))
    return body(pages[draw(st.integers(0, len(pages) - 1))])


def read(src: Source, server: PageServer, since: str | None = None) -> list[tuple[str, Any]]:
    """(collection, record) of every page the source reads before it ends or stops with a
    documented page error."""
    out: list[tuple[str, Any]] = []
    try:
        for page in src.pages(None, since):
            assert isinstance(page.records, list)
            out += [(page.collection, r) for r in page.records]
            assert len(server.requests) <= MAX_REQUESTS, "the source pages on and on"
    except PAGE_ERRORS as exc:
        assert str(exc).strip()
    finally:
        src.close()
    return out


def live(kind: str, server: PageServer, **extra: Any) -> Source:
    config = parse_source(
        {"name": f"fuzz-{kind}", "kind": kind, "url": server.url + "/api", "page_size": 3, **extra}
    )
    return source_class(kind)(config, client())


# --- PaNOSC, SciCat, ICAT: skip/limit pages of JSON arrays ------------------------------------------

KIND_PAGES = {
    "panosc": Seeds("PaNOSC pages", [panosc_seeds(c) for c in PANOSC_COLLECTIONS]),
    "scicat": Seeds("SciCat pages", [snapshot("demo-scicat", c)[:3] for c in SCICAT_COLLECTIONS]),
    "icat": Seeds("ICAT pages", [snapshot("demo-icat", c)[:3] for c in ICAT_COLLECTIONS]),
}
SESSION = st.sampled_from([b'{"sessionId": "s-1"}'] * 4 + [b"{}", b'{"sessionId": 1}', b"[]", b"{"])
"""ICAT's answer to the login (POST /icat/session): mostly a session id."""


@pytest.mark.parametrize("kind", sorted(KIND_PAGES))
@fuzz_settings(ci=80, large=2500)
@given(data=st.data())
def test_json_pages(server: PageServer, kind: str, data: st.DataObject) -> None:
    counted(f"pages/{kind}")
    answers = data.draw(st.lists(json_answer(KIND_PAGES[kind]), min_size=1, max_size=3))
    if kind == "icat":
        answers.insert(0, data.draw(SESSION))
    server.serve(*answers, b"[]")  # a catalogue ends each collection with an empty page
    src = live(kind, server)
    ctx = contexts(src)[0]
    for collection, record in read(src, server, data.draw(st.sampled_from([None, "2024-01-01"]))):
        check_record(src, ctx, collection, record)


# --- DataCite REST API: JSON:API pages with links.next -------------------------------------------

DOIS = snapshot("demo-datacite", "dois")
DOI_ANSWERS = Seeds("DataCite answers", [{"data": DOIS}, {"data": DOIS[0]}])


@st.composite
def next_link(draw: st.DrawFn, base: str) -> Any:
    return draw(
        st.sampled_from(
            [
                None,
                "",
                f"{base}/dois?page[cursor]=abc",
                f"{base}/dois?page[cursor]=abc",
                base.replace("127.0.0.1", "localhost") + "/dois",
                "https://api.datacite.org/dois?page[cursor]=x",
                "http://[::1",
                "http://[",
                "http://a:99999/",
                f"{base}:99999/dois",
                "//127.0.0.1/x",
                "javascript:alert(1)",
                0,
                [],
                {"href": "x"},
            ]
        )
        | NASTY
        | NASTY.map(lambda tail: f"{base}/dois?page[cursor]={tail}")
    )


@st.composite
def datacite_answer(draw: st.DrawFn, base: str) -> bytes:
    how = draw(st.sampled_from(["page", "page", "page", "other"]))
    if how == "other":
        return draw(json_answer(DOI_ANSWERS))
    records = draw(st.lists(pick(DOIS) | mutated(DOIS, 2), max_size=3))
    links: Any = {"self": base, "next": draw(next_link(base))}
    if draw(st.integers(0, 4)) == 0:
        links = draw(BIG_JSON_VALUES)
    answer: Any = {"data": records, "links": links, "meta": {"total": len(records)}}
    if draw(st.integers(0, 4)) == 0:
        answer = draw(mutated(Seeds("DataCite page", [answer]), 2))
    return body(answer)


@fuzz_settings(ci=120, large=4000)
@given(data=st.data())
def test_datacite_api_pages(server: PageServer, data: st.DataObject) -> None:
    counted("pages/datacite")
    answers = data.draw(st.lists(datacite_answer(server.url + "/api"), min_size=1, max_size=3))
    server.serve(*answers)
    extra: dict[str, Any] = {"client_id": "inist.esrf"}
    if data.draw(st.booleans()):  # a DOI list, one GET each
        extra["options"] = {"dois": ["10.15151/ESRF-ES-1", "10.15151/ESRF-ES-2"]}
    src = live("datacite", server, **extra)
    ctx = contexts(src)[0]
    for collection, record in read(src, server, data.draw(st.sampled_from([None, "2024-01-01"]))):
        check_record(src, ctx, collection, record)


# --- the files kind: snapshot files on disk -------------------------------------------------------


@fuzz_settings(ci=100, large=2500)
@given(
    answer=json_answer(Seeds("PaNOSC pages", [panosc_seeds("Datasets")]))
    | st.sampled_from([900, 3000, 100_000]).map(lambda n: b"[" * n + b"]" * n),
)
def test_snapshot_files(tmp_path_factory: pytest.TempPathFactory, answer: bytes) -> None:
    counted("pages/files")
    folder: Path = tmp_path_factory.mktemp("snapshot")
    (folder / "Datasets.json").write_bytes(answer)
    config = parse_source(
        {"name": "fuzz-files", "kind": "files", "format": "panosc", "url": str(folder)}
    )
    src = source_class("files")(config)
    ctx = contexts(src)[0]
    try:
        records = [(p.collection, r) for p in src.pages(None, None) for r in p.records]
    except SnapshotError as exc:
        assert str(folder) in str(exc)
        return
    for collection, record in records:
        check_record(src, ctx, collection, record)


def test_json_nested_too_deep_is_a_page_error(server: PageServer) -> None:
    """Regression: json.loads raised RecursionError out of the source for JSON nested ~1000
    deep; it is a page error naming the URL, and not retried."""
    server.serve(b"[" * 5000 + b"]" * 5000)
    with pytest.raises(HarvestHttpError, match="nested too deeply"):
        list(live("panosc", server).pages(None, None))
    assert len(server.requests) == 1
