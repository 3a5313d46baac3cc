"""What-if assessment (DESIGN §7): score a submitted record without storing it, and say which
checks would newly pass or fail compared with the stored record of the same dataset.

Accepted: DataCite kernel-4 XML, DataCite JSON (a REST API answer, its ``data`` item, or bare
``attributes``), schema.org JSON-LD (a Dataset as landing pages embed it, read as JSON by
``harvest/mapping/schemaorg.py``: no context is fetched), and RDF in Turtle or JSON-LD already in
the PaN Commons vocabulary. The JSON answer's shape is documented by ``schemas/assessment.json``
beside this file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat

from pancommons import vocab
from pancommons.fair.engine import assess_fast, focus_nodes
from pancommons.fair.scoring import DatasetScore, score
from pancommons.fair.shapes import Shapes, load_shapes
from pancommons.fair.tests import METRIC_SET_VERSION, FairTest, fair_tests
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.store.base import RdfSyntaxError, Store
from pancommons.store.embedded import EmbeddedStore

SCHEMA = Path(__file__).resolve().parent / "schemas" / "assessment.json"
FORMATS = ("datacite-xml", "datacite-json", "schemaorg", "turtle", "jsonld")
SUBMITTED = "submitted"
"""Source name of minted IRIs in a submitted record."""


class SubmissionError(ValueError):
    """The submission cannot be read; the message is the parser's."""


def guess_format(data: bytes, media_type: str | None = None) -> str:
    """The submission format from a media type, else from the content. JSON (``application/json``,
    ``application/ld+json`` or unlabelled) is "schemaorg" when it is schema.org JSON-LD (its
    @context says so, or a node is typed schema.org Dataset)."""
    mt = (media_type or "").split(";")[0].strip().lower()
    by_type = {
        "application/xml": "datacite-xml",
        "text/xml": "datacite-xml",
        "application/vnd.datacite.datacite+xml": "datacite-xml",
        "application/vnd.datacite.datacite+json": "datacite-json",
        "application/json": "datacite-json",
        "text/turtle": "turtle",
        "application/ld+json": "jsonld",
    }
    sniff = mt in ("application/json", "application/ld+json") or mt not in by_type
    if sniff and _is_schemaorg(data):
        return "schemaorg"
    if mt in by_type:
        return by_type[mt]
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return "datacite-xml"
    if head.startswith((b"{", b"[")):
        return "jsonld" if b'"@context"' in data[:4096] else "datacite-json"
    return "turtle"


def _is_schemaorg(data: bytes) -> bool:
    if data.lstrip()[:1] not in (b"{", b"["):
        return False
    from pancommons.harvest.mapping.schemaorg import is_schemaorg

    try:
        return is_schemaorg(json.loads(data))
    except (ValueError, RecursionError):  # broken JSON naming schema.org: say why it is broken
        return b"schema.org" in data[:4096]


def to_ntriples(data: bytes, fmt: str, base: str) -> bytes:
    """The submission as N-Triples in the PaN Commons model."""
    ctx = Context(SUBMITTED, base=base)
    try:
        if fmt == "datacite-xml":
            from pancommons.harvest.mapping.datacite import map_attributes
            from pancommons.harvest.mapping.datacite_xml import (
                parse_resource,
                resource_to_attributes,
            )

            return "".join(
                map_attributes(ctx, resource_to_attributes(parse_resource(data))).lines
            ).encode()
        if fmt == "datacite-json":
            from pancommons.harvest.mapping.datacite import map_attributes

            doc = json.loads(data)
            item = doc.get("data", doc) if isinstance(doc, dict) else None
            attrs = item.get("attributes", item) if isinstance(item, dict) else None
            if not isinstance(attrs, dict):
                raise SubmissionError("DataCite JSON: expected an object with attributes")
            return "".join(map_attributes(ctx, attrs).lines).encode()
        if fmt == "schemaorg":
            from pancommons.harvest.mapping.schemaorg import map_document

            return "".join(map_document(ctx, data).lines).encode()
    except (MappingError, ValueError, RecursionError) as exc:
        raise SubmissionError(str(exc)) from exc
    if fmt in ("turtle", "jsonld"):
        return data
    raise SubmissionError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def assess_record(
    data: bytes,
    fmt: str,
    *,
    base: str = vocab.DEFAULT_BASE,
    store: Store | None = None,
    shapes: Shapes | None = None,
) -> dict[str, Any]:
    """The assessment JSON of a submitted record (see ``schemas/assessment.json``)."""
    shapes = shapes or load_shapes()
    tests = fair_tests(shapes.graph)
    rdf_format = {"turtle": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD}.get(
        fmt, RdfFormat.N_TRIPLES
    )
    with EmbeddedStore(None) as scratch:
        try:
            scratch.load(
                to_ntriples(data, fmt, base), graph=f"{base}/graph/submitted", format=rdf_format
            )
        except RdfSyntaxError as exc:
            raise SubmissionError(str(exc)) from exc
        datasets = set().union(*focus_nodes(scratch, shapes).values())
        if len(datasets) != 1:
            raise SubmissionError(
                f"the submission describes {len(datasets)} datasets (dcat:Dataset); submit one"
            )
        (dataset,) = datasets
        new = score_one(scratch, shapes, tests, dataset)
    answer = as_json(new)
    if store is not None:
        stored_focus = {dataset}
        if set().union(*focus_nodes(store, shapes, focus=stored_focus).values()):
            old = score_one(store, shapes, tests, dataset)
            answer["diff"] = diff(old, new)
    return answer


def score_one(
    store: Store, shapes: Shapes, tests: dict[str, FairTest], dataset: str
) -> DatasetScore:
    """One dataset assessed in ``store`` now (guards applied, as in a run)."""
    from pancommons.fair.assess import guarded

    focus = {dataset}
    found = assess_fast(store, shapes, focus=focus)
    violations = ((r.focus, r.shape, r.component) for r in found)
    skip = guarded(store, shapes, tests, focus)
    return score([dataset], tests, violations, not_applicable=skip)[dataset]


def as_json(s: DatasetScore) -> dict[str, Any]:
    return {
        "dataset": s.dataset,
        "metric_set": METRIC_SET_VERSION,
        "score": round(s.score, 4),
        "points": s.earned,
        "points_possible": s.possible,
        "principles": {
            k: {"points": e, "points_possible": p} for k, (e, p) in s.by_principle().items()
        },
        "tests": [
            {
                "metric": o.test.metric,
                "test": o.test.iri,
                "principle": o.test.principle,
                "outcome": o.outcome,
                "points": o.test.points,
                "maturity": o.test.maturity,
                "mapsTo": list(o.test.maps_to),
                "path": list(o.paths),
                **({"remediation": o.test.remediation} if o.outcome == "failed" else {}),
            }
            for o in s.outcomes
        ],
    }


def diff(old: DatasetScore, new: DatasetScore) -> dict[str, Any]:
    """Which tests the submission would newly pass or fail against the stored record."""
    before = {o.test.iri: o.outcome for o in old.outcomes}
    after = {o.test.iri: o.outcome for o in new.outcomes}
    return {
        "stored_score": round(old.score, 4),
        "newly_passed": sorted(
            t for t, o in after.items() if o == "passed" and before.get(t) == "failed"
        ),
        "newly_failed": sorted(
            t for t, o in after.items() if o == "failed" and before.get(t) == "passed"
        ),
    }
