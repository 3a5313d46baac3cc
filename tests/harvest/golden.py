"""Golden mapping tests: map a snapshot with the real source code, compare by isomorphism."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from pancommons.harvest.config import parse_source
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.sources import source_class
from pancommons.harvest.validate import validate

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = Path(__file__).resolve().parents[2]
SNAPSHOTS = REPO / "harvesters" / "snapshots"
SNAPSHOTS_IRI = "file:///snapshots"
"""What the ``file:`` URL of the snapshot folder is written as in golden files (dct:source of
records read from files), so that they do not depend on where the checkout is."""


def map_snapshot(
    fmt: str, snapshot: str, *, source: str, facility: dict[str, str] | None = None
) -> tuple[Graph, list[tuple[str, str]]]:
    """Every record of ``harvesters/snapshots/{snapshot}`` through validation and mapping of
    kind ``fmt``, with the ``[options]`` of ``harvesters/{snapshot}.toml`` (``recorded_from``):
    (graph, [(record key, reason) for refused records]). The snapshot folder's ``file:`` URL is
    written ``SNAPSHOTS_IRI``."""
    toml = REPO / "harvesters" / f"{snapshot}.toml"
    options = tomllib.loads(toml.read_text()).get("options", {}) if toml.is_file() else {}
    config = parse_source(
        {
            "name": source,
            "kind": "files",
            "format": fmt,
            "url": str(SNAPSHOTS / snapshot),
            "facility": facility or {},
            "options": options,
        }
    )
    src = source_class("files")(config)
    ctx = src.context(
        Context(source, facility_name=config.facility_name, facility_ror=config.facility_ror)
    )
    lines: list[str] = []
    refused: list[tuple[str, str]] = []
    for page in src.pages(None, None):
        for record in page.records:
            try:
                validate(src.schema_name(page.collection), record)
                lines.extend(src.map(ctx, page.collection, record).lines)
            except Exception as exc:  # noqa: BLE001 - reported to the test
                refused.append((str(src.record_key(page.collection, record)), str(exc)))
    text = "".join(lines).replace(f"<{SNAPSHOTS.as_uri()}/", f"<{SNAPSHOTS_IRI}/")
    g = Graph()
    g.parse(data=text, format="nt")
    return g, refused


def _write_turtle(graph: Graph, path: Path) -> None:
    """Turtle without rdflib's shorthand for xsd:double, which rounds to 7 digits."""
    from rdflib import XSD, term

    for prefix, ns in {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "prov": "http://www.w3.org/ns/prov#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "schema": "http://schema.org/",
        "fabio": "http://purl.org/spar/fabio/",
        "cito": "http://purl.org/spar/cito/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "pan": "https://w3id.org/pan-commons/ns#",
        "panet": "http://purl.org/pan-science/PaNET/",
        "unit": "http://qudt.org/vocab/unit/",
        "id": "https://w3id.org/pan-commons/id/",
    }.items():
        graph.bind(prefix, ns, override=True, replace=True)
    plain = term._PLAIN_LITERAL_TYPES  # no public switch for this
    term._PLAIN_LITERAL_TYPES = tuple(t for t in plain if t != XSD.double)  # type: ignore[assignment]
    try:
        graph.serialize(path, format="turtle")
    finally:
        term._PLAIN_LITERAL_TYPES = plain  # type: ignore[assignment]


def assert_golden(graph: Graph, name: str) -> None:
    """``graph`` is isomorphic to ``tests/data/{name}.ttl``. With PANCOMMONS_REGOLD=1 the file
    is (re)written instead: review the diff before committing it."""
    path = DATA / f"{name}.ttl"
    if os.environ.get("PANCOMMONS_REGOLD") == "1":
        _write_turtle(graph, path)
    expected = Graph().parse(path, format="turtle")
    if not isomorphic(graph, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(graph), to_isomorphic(expected))
        got = sorted(only_got.serialize(format="nt").splitlines())[:20]
        exp = sorted(only_expected.serialize(format="nt").splitlines())[:20]
        raise AssertionError(
            f"mapping differs from {path.name}:\n  only in output:\n    "
            + "\n    ".join(got)
            + "\n  only in golden file:\n    "
            + "\n    ".join(exp)
        )
