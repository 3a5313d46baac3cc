"""``pancommons export oai-dc|datacite``: the same metadata as the provider, as valid files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from lxml import etree

from pancommons.harvest.mapping.oai import safe_parser, schema
from pancommons.oai.formats import DATACITE_NS, OAI_DC_NS
from tests.oai.conftest import NS

EXE = str(Path(sys.executable).with_name("pancommons"))


@pytest.mark.parametrize(
    ("fmt", "prefix", "ns"),
    [("oai-dc", "oai_dc", OAI_DC_NS), ("datacite", "oai_datacite", DATACITE_NS)],
)
def test_export_writes_what_the_provider_serves(
    demo_url: str, demo_dir: Path, tmp_path: Path, fmt: str, prefix: str, ns: str
) -> None:
    out = tmp_path / fmt
    r = subprocess.run(
        [
            EXE,
            "--store",
            str(demo_dir / "store"),
            "export",
            fmt,
            "--scope",
            "source:demo-icat",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    rows = [line.split("\t") for line in (out / "index.tsv").read_text().splitlines()[1:]]
    assert len(rows) == 10  # the ICAT demo's datasets
    for name, dataset, _ in rows:
        exported = etree.parse(str(out / name), safe_parser()).getroot()
        assert schema(ns).validate(exported), schema(ns).error_log.last_error
        served = etree.fromstring(
            httpx.get(
                demo_url,
                params={
                    "verb": "GetRecord",
                    "metadataPrefix": prefix,
                    "identifier": f"oai:w3id.org:{dataset}",
                },
            ).content
        ).find(".//o:metadata", NS)[0]
        assert _content(exported) == _content(served)


def _content(root: etree._Element) -> list[tuple[str, dict[str, str], str]]:
    return [(e.tag, dict(e.attrib), (e.text or "").strip()) for e in root.iter()]


def test_export_refuses_a_bad_scope(demo_dir: Path, tmp_path: Path) -> None:
    r = subprocess.run(
        [
            EXE,
            "--store",
            str(demo_dir / "store"),
            "export",
            "oai-dc",
            "--scope",
            "planet:x",
            "-o",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "scope" in r.stderr and "Traceback" not in r.stderr


def test_export_dcat_writes_the_catalogue(demo_dir: Path, tmp_path: Path) -> None:
    import rdflib

    out = tmp_path / "dcat"
    r = subprocess.run(
        [EXE, "--store", str(demo_dir / "store"), "export", "dcat", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    g = rdflib.Graph().parse(out / "catalog.ttl")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    catalogs = set(g.subjects(rdflib.RDF.type, dcat.Catalog))
    assert len(catalogs) == 1
    listed = {str(d) for d in g.objects(next(iter(catalogs)), dcat.dataset)}
    from pancommons.store.embedded import EmbeddedStore

    with EmbeddedStore(demo_dir / "store", read_only=True) as store:
        expected = {
            r["d"].value
            for r in store.query(  # type: ignore[union-attr]
                "SELECT DISTINCT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
            )
        }
    assert listed == expected
