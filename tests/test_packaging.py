"""The wheel carries the package data (ontologies, shapes, queries, harvesters, demo snapshots)
and the installed package finds it without the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import pancommons

ROOT = Path(__file__).resolve().parents[1]


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", *args], check=True, capture_output=True, timeout=300
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT))
    (found,) = out.glob("pancommons-*.whl")
    return found


def test_wheel_contains_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "pancommons/py.typed",
        "pancommons/_resources/ontologies/panet/PaNET-1.3.0.ttl",
        "pancommons/_resources/ontologies/nexus/NeXusOntology-v2020.10-1.1.owl",
        "pancommons/_resources/ontologies/pan-mapping/pan-mapping-0.1.owl",
        "pancommons/_resources/ontologies/pan-commons.ttl",
        "pancommons/_resources/ontologies/LICENSES.md",
        "pancommons/_resources/queries/datasets-by-technique.rq",
        "pancommons/_resources/shapes/README.md",
        "pancommons/_resources/harvesters/README.md",
        "pancommons/demo/nexus_files.py",
        "pancommons/_resources/harvesters/snapshots/demo-datacite/dois.json",
        "pancommons/_resources/harvesters/demo-ess.toml",
        "pancommons/_resources/harvesters/snapshots/demo-ess/Datasets.json",
        "pancommons/harvest/schemas/panosc-datasets.json",
        "pancommons/demo/records/PROVENANCE.md",
        "pancommons/dcat/context/dcat-ap.jsonld",
        "pancommons/harvest/schemas/xsd/oai-pmh/OAI-PMH.xsd",
        "pancommons/harvest/schemas/xsd/oai-pmh/oai-identifier.xsd",
    ):
        assert required in names, required


def test_installed_wheel_finds_its_data(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    _pip("install", "--no-deps", "-q", "--target", str(target), str(wheel))
    code = (
        "from pancommons.resources import resource_dir; from pancommons.queries import named_queries;"
        "from pancommons.demo import demo_sources;"
        "print(resource_dir('ontologies')); print(len(named_queries())); print(len(demo_sources()))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {code}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.split()
    assert out[0].startswith(str(target)) and out[0].endswith("_resources/ontologies")
    assert int(out[1]) >= 6 and int(out[2]) >= 5


def test_public_api() -> None:
    assert sorted(pancommons.__all__) == ["Settings", "Store", "__version__", "open_store"]
