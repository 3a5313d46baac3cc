"""Constants and helpers shared by the page tests."""

from __future__ import annotations

import json
from pathlib import Path

import extruct
import pyshacl
import rdflib
from rdflib.namespace import RDF, SH

from pancommons import vocab
from pancommons.store.embedded import EmbeddedStore

BASE = vocab.DEFAULT_BASE
SHAPES = Path(__file__).resolve().parents[2] / "data" / "schema-org"
STATIC = Path(vocab.__file__).resolve().parent / "api" / "static"
ESRF_DOI = "https://doi.org/10.15151/esrf-dc-2493599001"
SAXS = f"{BASE}/id/dataset/demo-nexus/id02%2Fsc5123%2Fsaxs_sds_0042.nxs%2Fentry"
EVIL = f"{BASE}/id/dataset/test-evil/x%3Cscript%3E"
EVIL_TITLE = '<script>alert("title")</script> & "quotes"'
EVIL_DESCRIPTION = "</script><script>alert(1)</script> a description that is long enough, really."
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def count(store: EmbeddedStore, pattern: str) -> int:
    """COUNT(DISTINCT ?x) over ``pattern``."""
    rows = store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")
    return int(next(iter(rows))["n"].value)  # type: ignore[call-overload]


def jsonld(page: str, url: str) -> list[dict[str, object]]:
    """The JSON-LD blocks of an HTML page, extracted as a crawler does (extruct)."""
    return extruct.extract(page, base_url=url, syntaxes=["json-ld"], uniform=False)["json-ld"]


def as_graph(data: dict[str, object]) -> rdflib.Graph:
    return rdflib.Graph().parse(data=json.dumps(data), format="json-ld")


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple[str, str, str]]:
    """(path local name, constraint component, focus) of every sh:Violation."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(r, SH.resultSeverity) == SH.Violation:
            path = str(report.value(r, SH.resultPath) or "").rsplit("/", 1)[-1]
            component = str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
            out.append((path, component, str(report.value(r, SH.focusNode))))
    return sorted(out)
