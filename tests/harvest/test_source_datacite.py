"""The datacite kind over HTTP (tests/harvest/datacite_api.py): cursor paging, a checkpoint
cursor that resumes, --since, a DOI list, faults, and the same graph as the files snapshot."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from pancommons import vocab
from pancommons.harvest.config import SourceConfig, find_source, parse_source
from pancommons.harvest.http import HttpClient, RetryPolicy
from pancommons.harvest.runner import HarvestError, harvest
from pancommons.harvest.sources.datacite import DataciteSource
from pancommons.harvest.state import RunState
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.datacite_api import Fault, datacite_server, malformed_record
from tests.harvest.golden import SNAPSHOTS
from tests.harvest.test_runner import triples

FACILITY = {"name": "ESRF", "ror": "https://ror.org/02550n020"}
RECORDS: list[dict[str, Any]] = json.loads(
    (SNAPSHOTS / "demo-datacite" / "dois.json").read_text(encoding="utf-8")
)
POLICY = RetryPolicy(retries=2, backoff=0.01)
DCT_SOURCE = "http://purl.org/dc/terms/source"


def copies(n: int, client: str = "inist.esrf") -> list[dict[str, Any]]:
    """n DOIs like the ESRF session record, created one after the other."""
    out = []
    for i in range(n):
        r = copy.deepcopy(RECORDS[0])
        doi = f"10.15151/esrf-es-9{i:05d}"
        r["id"] = r["attributes"]["doi"] = doi
        del r["attributes"]["xml"]
        r["attributes"]["created"] = r["attributes"]["updated"] = f"2025-10-{i + 1:02d}T00:00:00Z"
        r["relationships"]["client"]["data"]["id"] = client
        out.append(r)
    return out


def config(url: str, name: str = "dc-test", **extra: Any) -> SourceConfig:
    data = {"name": name, "kind": "datacite", "url": url, "client_id": "inist.esrf"}
    return parse_source({**data, "facility": FACILITY, **extra})


def run(store: EmbeddedStore, cfg: SourceConfig, state: Path, **kw: Any) -> Any:
    http = HttpClient(policy=kw.pop("policy", POLICY), sleep=lambda _: None)
    return harvest(store, cfg, state_dir=str(state), source=DataciteSource(cfg, http), **kw)


def cursors(requests: list[str]) -> list[str]:
    return [
        parse_qs(urlsplit(r).query)["page[cursor]"][0]
        for r in requests
        if urlsplit(r).path == "/dois"
    ]


def test_pages_by_cursor_until_no_next(tmp_path: Path) -> None:
    records = [*copies(7), *copies(2, client="other.client")]
    with datacite_server(records) as (url, api):
        api.faults.append(Fault(503, match="page[size]=3&affiliation"))  # the first page, once
        with EmbeddedStore(tmp_path / "s") as store:
            result = run(store, config(url, page_size=3), tmp_path / "st")
            got = triples(store, vocab.source_graph("dc-test"))
    assert result.status == "completed" and (result.seen, result.pages) == (7, 3)
    seen = cursors(api.requests)
    assert seen[:2] == ["1", "1"] and len(seen) == 4  # 503, retry, then two opaque cursors
    assert all(c != "1" and c.isascii() for c in seen[2:]) and len(set(seen[2:])) == 2
    assert all("client-id=inist.esrf" in unquote(r) for r in api.requests)
    assert "https://doi.org/10.15151/esrf-es-900006" in "".join(got)


def test_resumes_from_the_checkpoint_cursor(tmp_path: Path) -> None:
    records = copies(7)
    with datacite_server(records) as (url, api):
        cfg = config(url, page_size=3)
        with EmbeddedStore(tmp_path / "full") as store:
            run(store, cfg, tmp_path / "st0")
            expected = triples(store, vocab.source_graph("dc-test"))
        api.requests.clear()
        # the third page fails for good: the run stops after two pages
        third = _cursor_after(records, 6)
        api.faults.append(Fault(503, match=f"page[cursor]={third}", times=10))
        with EmbeddedStore(tmp_path / "s") as store:
            with pytest.raises(HarvestError):
                run(store, cfg, tmp_path / "st", policy=RetryPolicy(retries=0))
            checkpoint = RunState(tmp_path / "st", "dc-test").load()
            assert checkpoint is not None and checkpoint.cursor["done_dois"] == 6
            assert f"page%5Bcursor%5D={third}" in checkpoint.cursor["next"]
            api.faults.clear()
            api.requests.clear()
            result = run(store, cfg, tmp_path / "st", resume=True)
            got = triples(store, vocab.source_graph("dc-test"))
    assert result.status == "completed" and result.seen == 7
    assert cursors(api.requests) == [third]  # straight to the page after the checkpoint
    assert got == expected


def _cursor_after(records: list[dict[str, Any]], n: int) -> str:
    """The server's cursor token after the n-th record (its sort key, as datacite_api encodes)."""
    from tests.harvest.datacite_api import _cursor, _sort_key

    return _cursor(_sort_key(sorted(records, key=_sort_key)[n - 1]))


def test_since_asks_for_updated_records_and_merges_them(tmp_path: Path) -> None:
    records = copies(4)
    with datacite_server(records) as (url, api):
        cfg = config(url, page_size=10)
        with EmbeddedStore(tmp_path / "s") as store:
            run(store, cfg, tmp_path / "st")
            changed = records[3]
            changed["attributes"]["titles"] = [{"title": "A new title"}]
            changed["attributes"]["updated"] = "2026-02-01T00:00:00Z"
            api.records[3] = changed
            api.requests.clear()
            result = run(store, cfg, tmp_path / "st", since="2026-01-01")
            got = "".join(triples(store, vocab.source_graph("dc-test")))
    assert result.seen == 1 and result.mode == "merge"
    query = parse_qs(urlsplit(api.requests[0]).query)["query"][0]
    assert query == "updated:[2026-01-01T00:00:00Z TO *]"
    assert '"A new title"' in got and got.count("Swiss consortium") > 0
    node = "<https://doi.org/10.15151/esrf-es-900003> <http://purl.org/dc/terms/title>"
    assert got.count(node) == 1  # the old title was replaced, not kept beside the new one


def test_doi_list_and_a_malformed_record(tmp_path: Path) -> None:
    records = [*copies(2), malformed_record("10.15151/bad-1", "inist.esrf")]
    dois = ["10.15151/ESRF-ES-900001", "10.15151/bad-1"]
    with datacite_server(records) as (url, api):
        cfg = config(url, options={"dois": dois})
        with EmbeddedStore(tmp_path / "s") as store:
            result = run(store, cfg, tmp_path / "st")
            got = "".join(triples(store, vocab.source_graph("dc-test")))
    assert (result.seen, result.mapped, result.quarantined) == (2, 1, 1)
    assert [urlsplit(r).path for r in api.requests] == [
        "/dois/10.15151/ESRF-ES-900001",
        "/dois/10.15151/bad-1",
    ]
    assert "esrf-es-900001" in got and "esrf-es-900000" not in got
    assert result.quarantine[0]["id"] == "10.15151/bad-1"
    assert "titles" in result.quarantine[0]["reason"]


def test_no_client_and_no_dois_is_an_error(tmp_path: Path) -> None:
    cfg = parse_source({"name": "x", "kind": "datacite", "url": "http://127.0.0.1:9"})
    with pytest.raises(ValueError, match="client_id"):
        list(DataciteSource(cfg).pages(None, None))


def test_live_kind_equals_the_files_snapshot(tmp_path: Path) -> None:
    with datacite_server(RECORDS) as (url, api):
        live = config(url, name="demo-datacite", page_size=1)
        with EmbeddedStore(tmp_path / "live") as store:
            run(store, live, tmp_path / "st1")
            got = triples(store, vocab.source_graph("demo-datacite"))
    assert len(cursors(api.requests)) == 2
    # the snapshot as if recorded from this server: the same dct:source URLs
    recorded = find_source("demo-datacite")
    recorded = replace(recorded, options={**recorded.options, "recorded_from": url})
    with EmbeddedStore(tmp_path / "files") as store:
        harvest(store, recorded, state_dir=str(tmp_path / "st2"))
        expected = triples(store, vocab.source_graph("demo-datacite"))
    assert got == expected and len(got) > 100
    sources = {t.split(" ")[2] for t in got if f"<{DCT_SOURCE}>" in t}
    assert sources == {f"<{url}/dois/{d['attributes']['doi']}>" for d in RECORDS}
