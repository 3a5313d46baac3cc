"""The OAI-PMH provider over a real socket: every response of a full harvest valid against the
OAI-PMH, oai_dc and DataCite kernel-4 schemas; counts equal the graph's; every error code."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from lxml import etree

from pancommons.oai import ledger
from pancommons.store.embedded import EmbeddedStore
from tests.oai.conftest import NS, valid

DCAT_DATASETS = "SELECT DISTINCT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"


@pytest.fixture(scope="module")
def graph_datasets(demo_dir: Path) -> set[str]:
    with EmbeddedStore(demo_dir / "store", read_only=True) as store:
        return {r["d"].value for r in store.query(DCAT_DATASETS)}  # type: ignore[union-attr]


def get(url: str, **params: str) -> etree._Element:
    r = httpx.get(url, params=params, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    return valid(r.content)


def harvest(
    url: str, verb: str, **params: str
) -> tuple[list[etree._Element], list[etree._Element]]:
    """Every record (or header) of a list, following tokens; and the tokens seen."""
    items: list[etree._Element] = []
    tokens: list[etree._Element] = []
    root = get(url, verb=verb, **params)
    while True:
        assert root.find("o:error", NS) is None, etree.tostring(root)
        tag = "o:record" if verb == "ListRecords" else "o:header"
        items += root.findall(f"o:{verb}/{tag}", NS)
        token = root.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            if token is not None:
                tokens.append(token)
            return items, tokens
        tokens.append(token)
        root = get(url, verb=verb, resumptionToken=token.text)


def ident(el: etree._Element) -> str:
    return el.findtext(".//o:header/o:identifier", namespaces=NS) or el.findtext(
        "o:identifier", namespaces=NS
    )


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite"])
def test_full_harvest_is_valid_and_complete(
    demo_url: str, graph_datasets: set[str], prefix: str
) -> None:
    records, tokens = harvest(demo_url, "ListRecords", metadataPrefix=prefix)
    ids = [ident(r) for r in records]
    assert len(ids) == len(set(ids)) == len(graph_datasets)
    assert {i.split(":", 2)[2] for i in ids} == graph_datasets
    # tokens: completeListSize and cursor on every one; the last is empty
    assert len(tokens) == -(-len(graph_datasets) // 10)
    assert [int(t.get("cursor")) for t in tokens] == list(range(0, len(graph_datasets), 10))
    assert {t.get("completeListSize") for t in tokens} == {str(len(graph_datasets))}
    assert not (tokens[-1].text or "").strip() and all(t.text for t in tokens[:-1])
    assert all(t.get("expirationDate", "").endswith("Z") for t in tokens[:-1])
    ns = {
        "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
        "oai_datacite": "http://datacite.org/schema/kernel-4",
    }[prefix]
    assert all(
        r.find("o:metadata", NS)[0].nsmap.get(None, ns) == ns
        or etree.QName(r.find("o:metadata", NS)[0]).namespace == ns
        for r in records
    )
    headers, _ = harvest(demo_url, "ListIdentifiers", metadataPrefix=prefix)
    assert [ident(h) for h in headers] == ids


def test_identify_and_formats(demo_url: str) -> None:
    root = get(demo_url, verb="Identify")
    i = root.find("o:Identify", NS)
    assert i.findtext("o:baseURL", namespaces=NS) == demo_url
    assert i.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert i.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert i.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert i.findtext("o:earliestDatestamp", namespaces=NS).endswith("Z")
    root = get(demo_url, verb="ListMetadataFormats")
    assert {e.text for e in root.iterfind(".//o:metadataPrefix", NS)} == {"oai_dc", "oai_datacite"}


def test_get_record_carries_openaire_fields(demo_url: str) -> None:
    doi = "https://doi.org/10.15151/esrf-es-2210534378"  # under embargo until 2028-09-06
    root = get(
        demo_url, verb="GetRecord", identifier=f"oai:w3id.org:{doi}", metadataPrefix="oai_datacite"
    )
    dc = {"d": "http://datacite.org/schema/kernel-4"}
    res = root.find(".//d:resource", dc)
    assert res.findtext("d:identifier", namespaces=dc) == "10.15151/esrf-es-2210534378"
    assert res.find("d:identifier", dc).get("identifierType") == "DOI"
    rights = [r.get("rightsURI") for r in res.iterfind("d:rightsList/d:rights", dc)]
    assert "info:eu-repo/semantics/embargoedAccess" in rights
    assert "https://spdx.org/licenses/CC-BY-4.0" in rights
    dates = {d.get("dateType"): d.text for d in res.iterfind("d:dates/d:date", dc)}
    assert dates["Available"] == "2028-09-06"
    funder = res.find("d:fundingReferences/d:fundingReference", dc)
    assert funder.findtext("d:funderName", namespaces=dc) == "ESRF"
    assert funder.findtext("d:awardNumber", namespaces=dc) == "MX-2738"
    assert res.find("d:creators/d:creator/d:nameIdentifier", dc).text.startswith("https://orcid")


def test_sets(demo_url: str, demo_dir: Path, graph_datasets: set[str]) -> None:
    root = get(demo_url, verb="ListSets")
    specs = {
        s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS)
        for s in root.iterfind(".//o:set", NS)
    }
    assert {"openaire_data", "facility", "source", "facility:esrf", "source:demo-icat"} <= set(
        specs
    )
    assert specs["facility:esrf"] == "Facility ESRF"
    with EmbeddedStore(demo_dir / "store", read_only=True) as store:
        icat = {
            r["d"].value
            for r in store.query(  # type: ignore[union-attr]
                "SELECT DISTINCT ?d WHERE { GRAPH <https://w3id.org/pan-commons/graph/source/demo-icat>"
                " { ?d a <http://www.w3.org/ns/dcat#Dataset> } }"
            )
        }
    headers, _ = harvest(
        demo_url, "ListIdentifiers", metadataPrefix="oai_dc", set="source:demo-icat"
    )
    assert {ident(h).split(":", 2)[2] for h in headers} == icat
    assert all("source:demo-icat" in [s.text for s in h.iterfind("o:setSpec", NS)] for h in headers)
    # a parent set holds its subsets' records
    by_source, _ = harvest(demo_url, "ListIdentifiers", metadataPrefix="oai_dc", set="source")
    assert len(by_source) == len(graph_datasets)
    openaire, _ = harvest(
        demo_url, "ListIdentifiers", metadataPrefix="oai_datacite", set="openaire_data"
    )
    pids = {ident(h).split(":", 2)[2] for h in openaire}
    assert pids and all(
        p.startswith(("https://doi.org/", "https://hdl.handle.net/")) or p for p in pids
    )
    assert {d for d in graph_datasets if d.startswith("https://doi.org/")} <= pids


def test_from_until(demo_url: str, demo_dir: Path) -> None:
    with EmbeddedStore(demo_dir / "store", read_only=True) as store:
        stamps = sorted({e.datestamp for e in ledger.read(store).values()})
    first = stamps[0]
    everything, _ = harvest(demo_url, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": first})
    assert everything
    day = first[:10]
    same, _ = harvest(
        demo_url, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day}
    )
    assert len(same) == len(everything)
    root = get(demo_url, verb="ListIdentifiers", metadataPrefix="oai_dc", until="1999-12-31")
    assert root.find("o:error", NS).get("code") == "noRecordsMatch"
    later = get(
        demo_url,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2999-01-01T00:00:00Z"},
    )
    assert later.find("o:error", NS).get("code") == "noRecordsMatch"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Frobnicate"}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2020-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2021-01-01",
                "until": "2020-01-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "a b"}, "badArgument"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {
                "verb": "GetRecord",
                "metadataPrefix": "mods",
                "identifier": "oai:w3id.org:https://doi.org/10.15151/esrf-es-2210534378",
            },
            "cannotDisseminateFormat",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:w3id.org:nope"},
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere.org:x"},
            "idDoesNotExist",
        ),
        (
            # not a URI (a '"'): badArgument, which echoes no argument (it would be invalid)
            {"verb": "ListMetadataFormats", "identifier": 'oai:w3id.org:https://x.org/"}'},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "facility:nowhere"},
            "noRecordsMatch",
        ),
        (
            {"verb": "ListRecords", "resumptionToken": "0123456789abcdef01234567.10"},
            "badResumptionToken",
        ),
        ({"verb": "ListIdentifiers", "resumptionToken": "'; DROP"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
    ],
)
def test_errors(demo_url: str, params: dict[str, str], code: str) -> None:
    root = get(demo_url, **params)
    errors = root.findall("o:error", NS)
    assert [e.get("code") for e in errors] == [code], etree.tostring(root)
    assert errors[0].text
    request = root.find("o:request", NS)
    assert (dict(request.attrib) == {}) == (code in ("badVerb", "badArgument"))


def test_repeated_argument_and_post(demo_url: str) -> None:
    r = httpx.get(demo_url + "?verb=Identify&verb=Identify")
    assert valid(r.content).find("o:error", NS).get("code") == "badVerb"
    r = httpx.get(demo_url + "?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert valid(r.content).find("o:error", NS).get("code") == "badArgument"
    via_get = get(demo_url, verb="ListIdentifiers", metadataPrefix="oai_dc")
    r = httpx.post(demo_url, data={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    via_post = valid(r.content)
    assert [ident(h) for h in via_post.iterfind(".//o:header", NS)] == [
        ident(h) for h in via_get.iterfind(".//o:header", NS)
    ]


def test_token_is_idempotent_and_verb_bound(demo_url: str) -> None:
    root = get(demo_url, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.findtext(".//o:resumptionToken", namespaces=NS)
    a = get(demo_url, verb="ListIdentifiers", resumptionToken=token)
    b = get(demo_url, verb="ListIdentifiers", resumptionToken=token)
    assert [ident(h) for h in a.iterfind(".//o:header", NS)] == [
        ident(h) for h in b.iterfind(".//o:header", NS)
    ]
    other = get(demo_url, verb="ListRecords", resumptionToken=token)
    assert other.find("o:error", NS).get("code") == "badResumptionToken"


def test_an_empty_repository(tmp_path: Path) -> None:
    from tests.oai.conftest import serve

    with EmbeddedStore(tmp_path / "store") as store, serve(store, tmp_path) as url:
        assert get(url, verb="Identify").find("o:Identify", NS) is not None
        codes = {
            verb: get(url, verb=verb, **extra).find("o:error", NS).get("code")
            for verb, extra in (
                ("ListSets", {}),
                ("ListRecords", {"metadataPrefix": "oai_dc"}),
                ("ListIdentifiers", {"metadataPrefix": "oai_dc", "set": "facility:esrf"}),
            )
        }
    assert codes == {
        "ListSets": "noSetHierarchy",
        "ListRecords": "noRecordsMatch",
        "ListIdentifiers": "noSetHierarchy",
    }
