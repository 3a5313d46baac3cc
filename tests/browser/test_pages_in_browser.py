"""The query editor and a landing page in headless Chromium: offline, no console errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from tests.browser.conftest import Watched

ESRF_DOI = "https://doi.org/10.15151/esrf-dc-2493599001"
SAXS = "/id/dataset/demo-nexus/id02%2Fsc5123%2Fsaxs_sds_0042.nxs%2Fentry"


def _run_named_query(w: Watched, name: str) -> list[str]:
    page = w.page
    page.click(f"button.named-query[data-query='{name}']")  # type: ignore[attr-defined]
    page.click(".yasqe_queryButton")  # type: ignore[attr-defined]
    rows = page.locator(".yasr table.dataTable tbody tr")  # type: ignore[attr-defined]
    rows.first.wait_for(timeout=15_000)
    return rows.all_inner_texts()


def test_editor_runs_a_named_query_with_no_request_off_the_server(
    watched: Watched, site: str, artifacts: Path
) -> None:
    page = watched.page
    page.goto(site + "/editor", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-editor-ready='true']")  # type: ignore[attr-defined]
    assert page.locator(".CodeMirror").count() >= 1  # type: ignore[attr-defined]
    editor_text = page.evaluate("window.pancommonsYasgui.getTab().getQuery()")  # type: ignore[attr-defined]
    assert "SELECT" in editor_text.upper()  # prefilled with the first named query
    rows = _run_named_query(watched, "graphs")
    assert len(rows) >= 5
    assert any("graph/source/demo-" in r for r in rows)
    page.screenshot(path=str(artifacts / "editor-graphs.png"), full_page=True)  # type: ignore[attr-defined]
    with page.context.expect_page() as opened:  # type: ignore[attr-defined]
        # a DOM click on the first result IRI (the cell's ellipsis span overlaps its centre)
        page.locator(".yasr tbody a.iri").first.dispatch_event("click")  # type: ignore[attr-defined]
    landing = opened.value
    landing.wait_for_load_state()
    assert landing.url.startswith(
        site + "/describe?iri=https%3A%2F%2Fw3id.org%2Fpan-commons%2Fgraph"
    )
    assert watched.outside() == [], watched.outside()
    assert any(u.endswith("/sparql") for u in watched.requests)
    assert watched.errors == []


def test_browser_get_of_sparql_shows_the_editor(
    watched: Watched, site: str, artifacts: Path
) -> None:
    page = watched.page
    page.goto(site + "/sparql", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-editor-ready='true']")  # type: ignore[attr-defined]
    rows = _run_named_query(watched, "datasets-by-technique")
    assert rows and all("PaNET" not in r or "scattering" in r.lower() for r in rows)
    page.screenshot(path=str(artifacts / "sparql-editor.png"), full_page=True)  # type: ignore[attr-defined]
    assert watched.outside() == [] and watched.errors == []


def test_landing_page_renders(watched: Watched, site: str, artifacts: Path) -> None:
    page = watched.page
    for name, path in (("landing-doi", "/describe?iri=" + quote(ESRF_DOI, safe="")),
                       ("landing-minted", SAXS)):  # fmt: skip
        response = page.goto(site + path, wait_until="networkidle")  # type: ignore[attr-defined]
        assert response.status == 200
        assert page.locator("h1").inner_text().strip()  # type: ignore[attr-defined]
        assert page.locator("#facts table tr").count() > 5  # type: ignore[attr-defined]
        assert page.locator("#fair tbody tr").count() > 10  # type: ignore[attr-defined]
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.locator("#techniques").inner_text().count("scattering") >= 2  # type: ignore[attr-defined]
    page.click("#instruments a")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "/id/instrument/" in page.url  # type: ignore[attr-defined]
    assert watched.outside() == [] and watched.errors == []


def test_home_search_finds_a_dataset(watched: Watched, site: str, artifacts: Path) -> None:
    page = watched.page
    page.goto(site + "/", wait_until="networkidle")  # type: ignore[attr-defined]
    page.fill("main input[name='q']", "lysozyme")  # type: ignore[attr-defined]
    page.press("main input[name='q']", "Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("ol.results a")  # type: ignore[attr-defined]
    page.screenshot(path=str(artifacts / "search.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("ol.results a")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "lysozyme" in page.locator("h1").inner_text().lower()  # type: ignore[attr-defined]
    assert watched.outside() == [] and watched.errors == []


def test_fair_report_renders_offline_with_every_chart(
    watched: Watched, site: str, artifacts: Path
) -> None:
    page = watched.page
    response = page.goto(site + "/fair/report", wait_until="networkidle")  # type: ignore[attr-defined]
    assert response.status == 200
    charts = page.locator("svg[data-chart]")  # type: ignore[attr-defined]
    assert sorted(charts.evaluate_all("els => els.map(e => e.dataset.chart)")) == [
        "distribution",
        "principles",
        "trend",
    ]
    for i in range(charts.count()):  # drawn: each chart has a visible box and marks in it
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
        assert charts.nth(i).locator("rect, circle").count() >= 1
    score = page.locator("[data-figure='score']").inner_text()  # type: ignore[attr-defined]
    assert score.endswith("%")
    assert page.locator("[data-fix]").count() >= 1  # type: ignore[attr-defined]
    assert page.locator("h2").all_inner_texts()[0] == "Headline scores"  # type: ignore[attr-defined]
    page.screenshot(path=str(artifacts / "fair-report.png"), full_page=True)  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    page.pdf(path=str(artifacts / "fair-report.pdf"))  # type: ignore[attr-defined]
    assert watched.outside() == [], watched.outside()
    assert watched.requests == [site + "/fair/report"], "one request: the file is self-contained"
    assert watched.errors == []
