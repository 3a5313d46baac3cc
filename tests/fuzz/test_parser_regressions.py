"""What the record-parser fuzz targets found, one plain test per bug (named after what broke),
and the runner-level property: one bad record among good ones in a page is quarantined while
the others are mapped and loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pancommons import vocab
from pancommons.harvest.config import parse_source
from pancommons.harvest.mapping import datacite, icat, nexus, oai, panosc, scicat
from pancommons.harvest.mapping.common import Context, MappingError, date_term
from pancommons.harvest.mapping.datacite_xml import parse_resource, resource_to_attributes
from pancommons.harvest.mapping.nt import TermError
from pancommons.harvest.mapping.units import si_factors
from pancommons.harvest.runner import harvest
from pancommons.harvest.sources import source_class
from pancommons.harvest.sources.base import PagingError
from pancommons.harvest.sources.files import SnapshotError
from pancommons.harvest.sources.nexus import read_file
from pancommons.store.embedded import EmbeddedStore
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.page_server import client, page_server
from tests.fuzz.record_inputs import check_ntriples, check_record, mutated, snapshot, source

CTX = Context("fuzz", facility_name="ESRF", facility_ror="https://ror.org/02550n020")
PAN = "https://w3id.org/pan-commons/ns#"


def lines(t: Any) -> str:
    check_ntriples(t)
    return "".join(t.lines)


# --- records --------------------------------------------------------------------------------------


def test_included_field_that_is_no_list_is_refused_naming_it() -> None:
    """A Document's included dataset with ``techniques: true`` raised TypeError."""
    doc = {"pid": "d1", "title": "t", "datasets": [{"pid": "ds1", "techniques": True}]}
    with pytest.raises(MappingError, match="techniques: expected a list"):
        panosc.map_record(CTX, "Documents", doc)
    ds = {"pid": "ds1", "title": "t", "documents": [{"pid": "d1", "members": 5}]}
    with pytest.raises(MappingError, match="members: expected a list"):
        panosc.map_record(CTX, "Datasets", ds)
    with pytest.raises(MappingError, match="creators: expected a list"):
        scicat.map_record(CTX, "PublishedData", {"doi": "10.1/x", "metadata": {"creators": 1}})


@pytest.mark.parametrize(
    ("collection", "record"),
    [
        ("Datasets", {"pid": "x", "title": "a\ud800b"}),  # mapped, then failed the page's load
        ("Datasets", {"pid": "x\udfff", "title": "t"}),  # UnicodeEncodeError when minting
        ("Documents", {"pid": "d", "title": "t", "keywords": ["\udbff\udfff"]}),
    ],
)
def test_text_with_a_lone_surrogate_is_refused_not_written(
    collection: str, record: dict[str, Any]
) -> None:
    with pytest.raises(TermError, match="lone surrogate"):
        panosc.map_record(CTX, collection, record)


def test_parameter_beyond_a_double_keeps_its_value_without_si_value() -> None:
    """10**400 (valid JSON) raised OverflowError converting to float for the SI value."""
    for value in (10**400, -(10**400), 1e308):
        t = panosc.map_record(
            CTX, "Datasets", {"pid": "x", "title": "t", "parameters": [{"name": "n", "value": value, "unit": "km"}]}
        )  # fmt: skip
        text = lines(t)
        assert f'"{value!r}"' in text and f"<{PAN}unit>" in text
        assert f"<{PAN}siValue>" not in text
    meta = {"a": {"value": "x", "unit": "?", "valueSI": 10**400, "unitSI": "m"}}
    assert f"<{PAN}siValue>" not in lines(
        scicat.map_record(CTX, "Datasets", {"pid": "x", "scientificMetadata": meta})
    )
    param = {"type": {"name": "n", "units": "K"}, "numericValue": 10**400}
    inv = {"Investigation": {"name": "p", "visitId": "1", "parameters": [param]}}
    assert '"1000000000' in lines(icat.map_record(CTX, "Investigation", inv))


def test_unit_pint_would_compute_forever_is_not_converted() -> None:
    """``10**10**8 m`` made pint compute a 100-million-digit integer: a harvest hung."""
    code = (
        "from pancommons.harvest.mapping.units import si_factors\n"
        "for u in ('10**10**8 m', '(10**50)**(10**50)', 'm**99999', 'm^2**2**2**2**2', 'x' * 200):\n"
        "    assert si_factors(u) is None, u\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert si_factors("(kg m^2) / s^2") == (1.0, 0.0, "http://qudt.org/vocab/unit/J")
    assert si_factors("mm^3") == (1e-09, 0.0, "http://qudt.org/vocab/unit/M3")
    assert si_factors("s**-1") == si_factors("s^-1") == (1.0, 0.0, "http://qudt.org/vocab/unit/HZ")


def test_oai_metadata_with_a_lone_surrogate_is_refused() -> None:
    """The metadata string of a stored OAI record raised UnicodeEncodeError."""
    record = {"identifier": "oai:x:1", "deleted": False, "metadata": "<a>\udc80</a>"}
    with pytest.raises(MappingError, match="lone surrogate"):
        oai.map_record(CTX, "records", record)


def test_datacite_size_beyond_a_double_is_kept_as_extent() -> None:
    """``sizes: ["9…9 GB"]`` raised OverflowError (round(inf))."""
    size = "9" * 400 + " GB"
    text = lines(datacite.map_attributes(CTX, {"doi": "10.1234/x", "sizes": [size, "2 GB"]}))
    assert f'<{vocab.DCT}extent> "{size}"' in text
    assert '"2000000000"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in text


@pytest.mark.parametrize("year", ["²", "9" * 5000])
def test_publication_year_that_int_refuses_is_kept_as_text(year: str) -> None:
    """``"²".isdigit()`` is true and a 5000-digit year passes it too: int() raised ValueError."""
    xml = (
        '<resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">'
        f"10.1234/x</identifier><publicationYear>{year}</publicationYear></resource>"
    )
    attributes = resource_to_attributes(parse_resource(xml.encode()))
    assert attributes["publicationYear"] == year
    with pytest.raises(MappingError, match="dates: not an ISO 8601 date"):
        datacite.map_attributes(CTX, attributes)


@pytest.mark.parametrize("value", ["٢٠٢٠", "２０２０", "٢٠٢٠-05", "2020-٠١-01"])
def test_dates_in_other_digits_are_refused(value: str) -> None:
    """ "٢٠٢٠" (``\\d`` matches every Unicode digit) became an ill-typed xsd:gYear."""
    with pytest.raises(MappingError, match="not an ISO 8601 date"):
        date_term(value)
    with pytest.raises(MappingError, match="dates"):
        datacite.map_attributes(
            CTX, {"doi": "10.1234/x", "dates": [{"date": value, "dateType": "Issued"}]}
        )


def test_nexus_strings_that_are_no_utf8_are_read_with_replacement_characters(
    tmp_path: Path,
) -> None:
    """h5py reads variable-length strings with surrogateescape: bytes that are no UTF-8 came
    as lone surrogates, and the entry could not be written."""
    path = tmp_path / "x.nxs"
    with h5py.File(path, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        e.attrs.create("DOI", np.array(b"\xff10.5072/x", dtype=object), dtype=h5py.string_dtype())
        e.create_dataset(
            "title", data=np.array(b"caf\xe9", dtype=object), dtype=h5py.string_dtype()
        )
    (record,) = read_file(path, "x.nxs")
    assert record["title"] == "caf\ufffd" and record["doi"] == "\ufffd10.5072/x"
    check_record(source("nexus", url=str(tmp_path)), CTX, "entries", record)
    assert "caf\ufffd" in lines(nexus.map_record(CTX, "entries", record))


# --- pages ----------------------------------------------------------------------------------------


def test_snapshot_nested_too_deep_is_a_snapshot_error(tmp_path: Path) -> None:
    """json.loads raises RecursionError (no ValueError) for arrays nested ~1000 deep."""
    (tmp_path / "Datasets.json").write_bytes(b"[" * 5000 + b"]" * 5000)
    config = parse_source({"name": "x", "kind": "files", "format": "panosc", "url": str(tmp_path)})
    with pytest.raises(SnapshotError, match="nested too deep"):
        list(source_class("files")(config).pages(None, None))


@pytest.mark.parametrize("link", ["http://[", "http://[::1/dois"])
def test_datacite_next_link_that_is_no_url_is_a_paging_error(link: str) -> None:
    """``links.next = "http://["`` raised ValueError (urlsplit: Invalid IPv6 URL)."""
    dois = snapshot("demo-datacite", "dois")
    with page_server() as server:
        server.serve(json.dumps({"data": dois, "links": {"next": link}}).encode())
        config = parse_source(
            {"name": "x", "kind": "datacite", "url": server.url, "client_id": "a.b"}
        )
        src = source_class("datacite")(config, client())
        with pytest.raises(PagingError, match=r"links\.next is not a URL"):
            list(src.pages(None, None))


# --- one bad record among good ones, through the runner ------------------------------------------

GOOD = snapshot("demo-panosc-reference", "Datasets")
FILES_CTX = Context("fuzz-runner")


@fuzz_settings(ci=10, large=300)
@given(bad=mutated(GOOD, 3), at=st.integers(0, len(GOOD)))
@example(bad={"pid": "x", "title": "a\ud800b"}, at=1)  # was mapped, then failed the whole page
def test_one_bad_record_among_good_ones(
    tmp_path_factory: pytest.TempPathFactory, bad: Any, at: int
) -> None:
    counted("runner/one-bad-record")
    folder = tmp_path_factory.mktemp("snapshot")
    records = [*GOOD[:at], bad, *GOOD[at:]]
    (folder / "Datasets.json").write_text(
        json.dumps(records), encoding="utf-8", errors="surrogatepass"
    )
    config = parse_source(
        {"name": "fuzz-runner", "kind": "files", "format": "panosc", "url": str(folder), "page_size": 50}
    )  # fmt: skip
    src = source_class("files")(config)
    refused = check_record(src, src.context(FILES_CTX), "Datasets", bad) is None
    with EmbeddedStore(None) as store:
        run = harvest(store, config, state_dir=str(folder / "state"))
        graph = vocab.source_graph("fuzz-runner")
        subjects = {
            str(r["s"])[1:-1]
            for r in store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        }  # type: ignore[index]
    assert run.status == "completed" and run.seen == len(records)
    assert (run.quarantined, run.mapped) == ((1, len(GOOD)) if refused else (0, len(records)))
    if refused:
        (entry,) = run.quarantine
        assert entry["position"] == at and entry["reason"]
    for good in GOOD:
        assert vocab.handle_iri(good["pid"]) in subjects
