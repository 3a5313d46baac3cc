"""The named queries of ``queries/`` over the demo graph: headers, every query returns rows, the
parameters bind to what they say (checked against independent queries and the FAIR history), and
no parameter value can change a query's shape or the store (DESIGN §9, issue #7)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from pancommons.demo import build_demo
from pancommons.fair.assess import assess
from pancommons.fair.history import history
from pancommons.fair.scope import Scope, datasets_in
from pancommons.queries import KINDS, ParamError, QueryFileError, named_queries, parse_header
from pancommons.store.embedded import EmbeddedStore
from pancommons.vocab import DEFAULT_BASE

EXE = str(Path(sys.executable).with_name("pancommons"))
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
PAN = "https://w3id.org/pan-commons/ns#"
PROV = "http://www.w3.org/ns/prov#"
PANET = "http://purl.org/pan-science/PaNET/"
ESRF = "https://ror.org/02550n020"
ESS = "https://ror.org/01wv9cn34"
LIMESTONE = f"{DEFAULT_BASE}/id/dataset/demo-nexus/id19%2Fes1103%2Flimestone_0007.h5%2Fentry"
QUERIES = named_queries()
DEMO_VALUES = {
    # the default (ID30A-3, for the cross-source fixtures) has no citing paper in the demo
    "publications-by-instrument": {
        "instrument": f"{DEFAULT_BASE}/id/instrument/demo-scicat/desy_instrument1"
    },
}
WITH_PARAMS = [(q.name, p.name) for q in QUERIES.values() for p in q.params]
INJECTIONS = [
    '"> } ; DROP ALL #',
    "\"'",
    "}",
    "#",
    "\\",
    'x" || true || "',
    "1 } UNION { ?s ?p ?o }",
    "\n} ; INSERT DATA { <urn:a> <urn:b> <urn:c> } #",
    "http://example.org/x> } ; DROP ALL #",
    'http://example.org/"} UNION { ?dataset ?p ?o }',
    "PaNET01124> } #",
    "2020 } #",
    "today } #",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The demo store (assessed once), then a second run over ESRF only after the limestone
    dataset gained a licence, so that its current score comes from the later run."""
    root = tmp_path_factory.mktemp("named-queries")
    s = EmbeddedStore(root / "store")
    build_demo(s, state_dir=str(root / "state"))
    s.load(
        f'<{LIMESTONE}> <{DCT}license> <https://spdx.org/licenses/CC-BY-4.0> ; <{DCT}description> "A limestone core" .'.encode(),
        graph=f"{DEFAULT_BASE}/graph/source/nq-extra",
        format=RdfFormat.TURTLE,
    )
    assess(s, full=True, scope=Scope("facility", ESRF))
    yield s
    s.close()


def rows(store: EmbeddedStore, text: str) -> list[dict[str, str]]:
    result = store.query(text)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [
        {n: r[n].value for n in names if r[n] is not None}
        for r in result  # type: ignore[union-attr]
    ]


def column(store: EmbeddedStore, text: str, name: str) -> set[str]:
    return {r[name] for r in rows(store, text) if name in r}


def run_named(store: EmbeddedStore, name: str, **params: str) -> list[dict[str, str]]:
    return rows(store, QUERIES[name].bind(params))


# --- headers ------------------------------------------------------------------------------------


def test_at_least_twelve_queries_with_headers() -> None:
    assert len(QUERIES) >= 12
    for q in QUERIES.values():
        assert q.title and q.title != q.name, q.name
        assert len(q.description) > 20, q.name
        for p in q.params:
            assert p.kind in KINDS and p.description and p.default, (q.name, p.name)


def test_a_broken_header_is_refused(tmp_path: Path) -> None:
    cases = {
        "no-kind.rq": "# param: x — no kind (default: 1)\nSELECT * { VALUES ?x { 1 } }",
        "bad-kind.rq": "# param: x (colour) — what (default: 1)\nSELECT * { VALUES ?x { 1 } }",
        "no-default.rq": "# param: x (integer) — what\nSELECT * { VALUES ?x { 1 } }",
        "bad-default.rq": "# param: x (integer) — what (default: one)\nSELECT * { VALUES ?x { 1 } }",
        "no-block.rq": "# param: x (integer) — what (default: 1)\nSELECT * { ?s ?p ?x }",
        "two-blocks.rq": "# param: x (integer) — what (default: 1)\n"
        "SELECT * { VALUES ?x { 1 } VALUES ?x { 2 } }",
        "reserved.rq": "# param: format (literal) — what (default: a)\n"
        'SELECT * { VALUES ?format { "a" } }',
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(QueryFileError, match=name):
            parse_header(tmp_path / name)


# --- every query over the demo ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_returns_rows(store: EmbeddedStore, name: str) -> None:
    q = QUERIES[name]
    assert rows(store, q.bind(DEMO_VALUES.get(name))), f"{name} returns no rows on the demo"
    # the header's defaults are the defaults written in the file's VALUES blocks
    bound, as_written = rows(store, q.bind()), rows(store, q.text)
    assert sorted(map(sorted, (r.items() for r in bound))) == sorted(
        map(sorted, (r.items() for r in as_written))
    )


# --- parameters bind to what they say ------------------------------------------------------------


def test_technique_follows_panet_descendants(store: EmbeddedStore) -> None:
    for technique in ("PaNET01124", f"{PANET}PaNET01106", "panet:PaNET00001"):
        got = {r["dataset"] for r in run_named(store, "datasets-by-technique", technique=technique)}
        iri = technique if technique.startswith("http") else PANET + technique.split(":")[-1]
        assert got == datasets_in(store, Scope("technique", iri)), technique
    small_angle = {r["dataset"] for r in run_named(store, "datasets-by-technique")}
    imaging = {
        r["dataset"] for r in run_named(store, "datasets-by-technique", technique="PaNET01106")
    }
    assert small_angle and imaging and small_angle != imaging


def test_facility(store: EmbeddedStore) -> None:
    for facility in (ESRF, ESS):
        got = {r["dataset"] for r in run_named(store, "datasets-by-facility", facility=facility)}
        want = column(
            store,
            f"""SELECT ?d WHERE {{ ?d a <{DCAT}Dataset> .
              {{ ?d <{DCT}publisher> <{facility}> }} UNION
              {{ ?d <{PAN}instrument> ?i . ?i a <{PAN}Instrument> ; <{PAN}facility> <{facility}> }}
              UNION {{ ?d <{PROV}wasGeneratedBy> ?e . ?e <{PROV}used> ?i .
                       ?i a <{PAN}Instrument> ; <{PAN}facility> <{facility}> }} }}""",
            "d",
        )
        assert got == want and got, facility
        assert got >= datasets_in(store, Scope("facility", facility))


def test_instrument_through_either_link_and_same_as(store: EmbeddedStore) -> None:
    eddi = f"{DEFAULT_BASE}/id/instrument/demo-icat/DOI%3A00.0815%2Finst-00048"
    got = {r["dataset"] for r in run_named(store, "datasets-by-instrument", instrument=eddi)}
    assert got == datasets_in(store, Scope("instrument", eddi)) and len(got) == 4
    # ID30A-3 as the OAI source names it is owl:sameAs the DataCite one: same datasets
    oai = f"{DEFAULT_BASE}/id/instrument/demo-oai/ID30A-3"
    datacite = f"{DEFAULT_BASE}/id/instrument/demo-datacite/ID30A-3"
    a = {r["dataset"] for r in run_named(store, "datasets-by-instrument", instrument=oai)}
    b = {r["dataset"] for r in run_named(store, "datasets-by-instrument", instrument=datacite)}
    assert a == b == {"https://doi.org/10.15151/esrf-es-2210534378"}
    pubs = run_named(store, "publications-by-instrument", instrument=oai)
    assert pubs == run_named(store, "publications-by-instrument")


def test_year_is_the_earliest_date(store: EmbeddedStore) -> None:
    dates = rows(
        store,
        f"SELECT ?d ?date WHERE {{ ?d a <{DCAT}Dataset> ; "
        f"<{DCT}issued>|<{DCT}created>|<{DCT}available> ?date }}",
    )
    first: dict[str, int] = {}
    for r in dates:
        year = int(r["date"][:4])
        first[r["d"]] = min(year, first.get(r["d"], year))
    for year in (2019, 2020, 2026):
        got = {r["dataset"] for r in run_named(store, "datasets-by-year", year=str(year))}
        assert got == {d for d, y in first.items() if y == year}, year
    assert run_named(store, "datasets-by-year", year="1900") == []


def test_keyword_is_a_literal_matched_in_any_case(store: EmbeddedStore) -> None:
    keywords = rows(store, f"SELECT ?d ?k WHERE {{ ?d a <{DCAT}Dataset> ; <{DCAT}keyword> ?k }}")
    for text in ("crystal", "X-RAY", "sequence"):
        got = {r["dataset"] for r in run_named(store, "datasets-by-keyword", keyword=text)}
        assert got == {r["d"] for r in keywords if text.lower() in r["k"].lower()}, text
        assert got, text


def test_minimum_number_of_datasets(store: EmbeddedStore) -> None:
    everyone = run_named(store, "people-by-datasets")
    three = run_named(store, "people-by-datasets", minimum="3")
    assert three == [r for r in everyone if int(r["datasets"]) >= 3]
    assert 0 < len(three) < len(everyone)


def test_embargo_and_overdue_as_of_a_day(store: EmbeddedStore) -> None:
    esrf = "https://doi.org/10.15151/esrf-es-2210534378"  # dct:available 2028-09-06
    embargoed = {
        r["dataset"] for r in run_named(store, "datasets-under-embargo", asOf="2027-01-01")
    }
    assert esrf in embargoed
    overdue = {r["dataset"] for r in run_named(store, "overdue-releases", asOf="2027-01-01")}
    assert esrf not in overdue
    later = {r["dataset"] for r in run_named(store, "datasets-under-embargo", asOf="2029-01-01")}
    assert esrf not in later
    overdue = {r["dataset"] for r in run_named(store, "overdue-releases", asOf="2029-01-01")}
    assert esrf in overdue, "no access rights stated once the embargo is over"
    early = {r["dataset"] for r in run_named(store, "datasets-under-embargo", asOf="2000-01-01")}
    assert early > later and not {
        r["dataset"] for r in run_named(store, "overdue-releases", asOf="2000-01-01")
    }


# --- FAIR scores come from each dataset's latest run ---------------------------------------------


def test_fair_score_per_facility_and_instrument(store: EmbeddedStore) -> None:
    hist = history(store)
    assert len(hist.runs) == 2
    latest = hist.latest()
    assert (
        latest[LIMESTONE] == 1 and dict(hist.totals[LIMESTONE])[1] > dict(hist.totals[LIMESTONE])[0]
    )

    def mean(scope: Scope) -> tuple[int, float]:
        scores = [dict(hist.totals[d])[latest[d]] for d in datasets_in(store, scope) if d in latest]
        return len(scores), sum(scores) / len(scores)

    facilities = {r["facility"]: r for r in run_named(store, "fair-score-per-facility")}
    for facility in (ESRF, ESS):
        n, m = mean(Scope("facility", facility))
        assert int(facilities[facility]["datasets"]) == n
        assert float(facilities[facility]["meanScore"]) == pytest.approx(m, abs=1e-6)
    instruments = {r["instrument"]: r for r in run_named(store, "fair-score-per-instrument")}
    id19 = f"{DEFAULT_BASE}/id/instrument/demo-nexus/ID19"
    assert float(instruments[id19]["meanScore"]) == pytest.approx(dict(hist.totals[LIMESTONE])[1])
    for iri, row in instruments.items():
        n, m = mean(Scope("instrument", iri))
        assert (int(row["datasets"]), float(row["meanScore"])) == (n, pytest.approx(m, abs=1e-6))


# --- no value can change a query ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "param"), WITH_PARAMS)
def test_injection_is_refused_or_inert(store: EmbeddedStore, name: str, param: str) -> None:
    q = QUERIES[name]
    before = (store.count(), store.graphs())
    columns = [v.value for v in store.query(q.bind()).variables]  # type: ignore[union-attr]
    for evil in INJECTIONS:
        try:
            text = q.bind({param: evil})
        except ParamError as exc:
            assert exc.param == param and repr(param) in str(exc)
            continue
        # bound: only the VALUES block changed, and the query finds nothing for such a value
        head, tail = q.text.split(f"VALUES ?{param} {{", 1)
        assert text.startswith(head) and text.endswith(tail.split("}", 1)[1])
        result = store.query(text)
        assert [v.value for v in result.variables] == columns  # type: ignore[union-attr]
        assert list(result) == [], (name, evil)  # type: ignore[arg-type]
    assert (store.count(), store.graphs()) == before


def test_unknown_parameter() -> None:
    with pytest.raises(ParamError, match=r"'colour'.*no such parameter"):
        QUERIES["datasets-by-technique"].bind({"colour": "red"})


# --- the command line -----------------------------------------------------------------------------


def _cli(store: EmbeddedStore, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "--store", store.location, "query", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_binds_parameters(store: EmbeddedStore) -> None:
    r = _cli(store, "datasets-by-technique", "--param", "technique=PaNET01106", "--format", "json")
    assert r.returncode == 0, r.stderr
    got = {b["dataset"]["value"] for b in json.loads(r.stdout)["results"]["bindings"]}
    assert got == {
        r["dataset"] for r in run_named(store, "datasets-by-technique", technique="PaNET01106")
    }


def test_cli_parameter_errors(store: EmbeddedStore) -> None:
    r = _cli(store, "datasets-by-technique", "--param", 'technique="> } ; DROP ALL #')
    assert r.returncode == 5 and "parameter 'technique'" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _cli(store, "datasets-by-technique", "--param", "colour=red")
    assert r.returncode == 5 and "'colour'" in r.stderr
    r = _cli(store, "datasets-by-technique", "--param", "technique")
    assert r.returncode == 2 and "NAME=VALUE" in r.stderr
    r = _cli(store, "--param", "x=1", "--", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert r.returncode == 5 and "--param" in r.stderr
