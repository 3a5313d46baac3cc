"""Build ``harvesters/snapshots/demo-icat/`` from python-icat's ICAT 6.2 example dump.

The dump (``icatdata`` XML written by python-icat's ``icatdump``: fictitious facility ESNF) is
turned into what the ICAT REST entityManager answers to the queries of the ``icat`` source kind
(``pancommons.harvest.sources.icat``): for each collection, a JSON list of
``{"Entity": {…}}`` objects with the INCLUDEd related entities nested, as icat.server's
``ICATRest.jsonise`` writes them. The transformations are listed in the README this script
writes next to the snapshot.

    .venv/bin/python scripts/snapshot_icat.py [--shared ../shared] [--out DIR]

The XML is parsed with entity expansion and network access off; a dump holding an entity
reference is refused (icatdump never writes one: it writes character references).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from pancommons.harvest.sources.icat import DATAFILES, INCLUDES

REPO = Path(__file__).resolve().parents[1]
DUMP = Path("fixtures/icat/python-icat-icatdump-6.2.xml")
OUT = REPO / "harvesters" / "snapshots" / "demo-icat"
SOURCE = {
    "repository": "icatproject/python-icat",
    "path": "doc/examples/icatdump-6.2.xml",
    "commit": "7b9f438f710603a635d4038417900a1c498e27ff",
    "licence": "Apache-2.0",
}
# The dump element of each collection's entity.
ENTITIES = {
    "Facility": "facility",
    "Instrument": "instrument",
    "Investigation": "investigation",
    "Dataset": "dataset",
    "DataPublication": "dataPublication",
}
# Attribute types from the dump's XSD (python-icat doc/icatdata-6.2.xsd); the rest are strings
# (DataPublicationDate.date and DataPublicationUser.orderKey included).
DATETIME = {
    "startDate", "endDate", "releaseDate", "datafileCreateTime", "datafileModTime",
    "dateTimeValue", "publicationDate", "createTime", "modTime",
}  # fmt: skip
DOUBLE = {
    "numericValue", "rangeTop", "rangeBottom", "error", "minimumNumericValue",
    "maximumNumericValue",
}  # fmt: skip
INTEGER = {"fileSize", "fileCount", "daysUntilRelease"}
BOOLEAN = {
    "complete", "enforced", "verified", "applicableToDataCollection", "applicableToDatafile",
    "applicableToDataset", "applicableToInvestigation", "applicableToSample",
}  # fmt: skip
DROPPED = {"email"}
"""Left out of the snapshot: e-mail addresses (synthetic here, personal data in a real ICAT;
the mapping does not use them)."""
# One-to-many relations held by the other side in the dump: (entity, relation) → (the element
# naming the entity, in which field).
REVERSE = {
    ("investigation", "samples"): ("sample", "investigation"),
    ("investigation", "datasets"): ("dataset", "investigation"),
    ("dataset", "datafiles"): ("datafile", "dataset"),
    ("dataset", "dataCollectionDatasets"): ("dataCollectionDatasets", "dataset"),
    ("dataCollection", "dataPublications"): ("dataPublication", "content"),
    ("dataPublication", "users"): ("dataPublicationUser", "publication"),
}
# A nested element's field that points back at the element holding it.
PARENT_FIELDS = {"dataCollectionDatasets": "dataCollection"}
MANY = {
    "investigationUsers", "investigationInstruments", "keywords", "parameters", "publications",
    "samples", "datasets", "datafiles", "datasetTechniques", "datasetInstruments", "users",
    "affiliations", "dates", "relatedItems", "subjects", "fundingReferences",
    "dataCollectionDatasets", "dataPublications",
}  # fmt: skip


class DumpError(ValueError):
    """The dump cannot be read as an icatdata XML file."""


@dataclass(eq=False)
class Node:
    """One entity of the dump: top-level (with a dump ``key``) or nested in another."""

    tag: str
    key: str | None
    attrs: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    children: dict[str, list[Node]] = field(default_factory=dict)
    parent: Node | None = None
    id: int = 0


@dataclass
class Dump:
    date: str
    nodes: list[Node]
    by_key: dict[str, Node]


# --- reading -----------------------------------------------------------------------------------


def _text(el: Any) -> str:
    for child in el:
        if isinstance(child, etree._Entity):
            raise DumpError(f"<{el.tag}> holds the entity reference {child.text}: not expanded")
    return el.text or ""


def _node(el: Any, parent: Node | None, nodes: list[Node]) -> Node:
    node = Node(tag=el.tag, key=el.get("id"), parent=parent)
    nodes.append(node)
    node.id = len(nodes)  # ICAT numbers rows from one sequence, in ingest order
    for child in el:
        if not isinstance(child.tag, str):
            if isinstance(child, etree._Entity):
                _text(el)
            continue  # comments, processing instructions
        if child.get("ref") is not None:
            node.refs[child.tag] = child.get("ref")
        elif any(isinstance(c.tag, str) for c in child):
            node.children.setdefault(child.tag, []).append(_node(child, node, nodes))
        else:
            node.attrs[child.tag] = _text(child)
    return node


def parse_dump(path: Path) -> Dump:
    """The dump's entities, read without expanding entities or touching the network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise DumpError(f"{path}: not well-formed XML: {exc}") from exc
    if root.tag != "icatdata":
        raise DumpError(f"{path}: the root element is <{root.tag}>, not <icatdata>")
    date = root.findtext("head/date") or ""
    nodes: list[Node] = []
    for data in root.iterfind("data"):
        for el in data:
            if isinstance(el.tag, str):
                _node(el, None, nodes)
    by_key = {n.key: n for n in nodes if n.key}
    return Dump(date=date, nodes=nodes, by_key=by_key)


# --- writing as ICAT's entityManager would ----------------------------------------------------


def icat_date(text: str) -> str:
    """ICAT's JSON date form (``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``), here in UTC."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _value(name: str, text: str) -> Any:
    if name in DATETIME:
        return icat_date(text)
    if name in DOUBLE:
        return float(text)
    if name in INTEGER:
        return int(text)
    if name in BOOLEAN:
        if text not in ("true", "false"):
            raise DumpError(f"{name}: {text!r} is not a boolean")
        return text == "true"
    return text


def include_tree(paths: tuple[str, ...]) -> dict[str, Any]:
    """``("o.users.user", "o.users.affiliations")`` → ``{"users": {"user": {}, …}}``."""
    tree: dict[str, Any] = {}
    for path in paths:
        level = tree
        for step in path.split(".")[1:]:
            level = level.setdefault(step, {})
    return tree


def _many(dump: Dump, node: Node, rel: str) -> list[Node]:
    if rel in node.children:
        return node.children[rel]
    reverse = REVERSE.get((node.tag, rel))
    if reverse is None:
        return []
    tag, field_name = reverse
    return [n for n in dump.nodes if n.tag == tag and n.refs.get(field_name) == node.key]


def _one(dump: Dump, node: Node, rel: str) -> Node | None:
    if rel in node.refs:
        target = dump.by_key.get(node.refs[rel])
        if target is None:
            raise DumpError(f"<{node.tag}> {node.key or ''} refers to {node.refs[rel]!r}: absent")
        return target
    if node.parent is not None and PARENT_FIELDS.get(node.tag) == rel:
        return node.parent
    return None


def render(dump: Dump, node: Node, tree: dict[str, Any]) -> dict[str, Any]:
    """The entity as ICAT's JSON: id, create/mod times, attributes, then the included ones."""
    out: dict[str, Any] = {"id": node.id, "createTime": dump.date, "modTime": dump.date}
    for name in sorted(node.attrs):
        if name not in DROPPED:
            out[name] = _value(name, node.attrs[name])
    for rel, sub in tree.items():
        if rel in MANY:
            related = sorted(_many(dump, node, rel), key=lambda n: n.id)
            out[rel] = [render(dump, n, sub) for n in related]
        else:
            target = _one(dump, node, rel)
            if target is not None:
                out[rel] = render(dump, target, sub)
    return out


def build(dump: Dump) -> dict[str, list[dict[str, Any]]]:
    """Every collection of the ``icat`` kind, as the entityManager lists it (ORDER BY o.id)."""
    dump = Dump(date=icat_date(dump.date), nodes=dump.nodes, by_key=dump.by_key)
    out: dict[str, list[dict[str, Any]]] = {}
    for collection, tag in ENTITIES.items():
        paths = INCLUDES[collection] + ((DATAFILES,) if collection == "Dataset" else ())
        tree = include_tree(paths)
        entities = [n for n in dump.nodes if n.tag == tag and n.parent is None]
        out[collection] = [{collection: render(dump, n, tree)} for n in entities]
    return out


def readme(collections: dict[str, list[dict[str, Any]]], dump_date: str) -> str:
    counts = ", ".join(f"{len(v)} {k}" for k, v in collections.items())
    includes = "\n".join(
        f"  - {c}: "
        + (", ".join(f"`{p}`" for p in INCLUDES[c]) or "none")
        + (f", `{DATAFILES}`" if c == "Dataset" else "")
        for c in ENTITIES
    )
    return f"""# demo-icat: ICAT entityManager answers rebuilt from python-icat's example dump

What an ICAT 6.2 server would answer to the queries of the `icat` source kind, one JSON array
per collection, harvested by `harvesters/demo-icat.toml` (kind `files`, format `icat`) through
the same mapping as a live ICAT. Written by `scripts/snapshot_icat.py`; do not edit by hand.
Records: {counts}.

## Provenance

- Repository {SOURCE["repository"]}, file `{SOURCE["path"]}`, commit
  {SOURCE["commit"]}; licence {SOURCE["licence"]} (copied as data to
  `shared/fixtures/icat/python-icat-icatdump-6.2.xml`, see that folder's README).
- An `icatdata` XML dump written by python-icat's `icatdump` (dated {dump_date}).
  Synthetic example content of the fictitious facility ESNF (Example Synchrotron and Neutron
  Facility): no real people, proposals or data.

## Transformations

1. The XML is parsed with lxml with entity expansion, DTD loading and network access off; a dump
   holding an entity reference is refused.
2. Only the entities of the five collections of the `icat` kind are written (Facility,
   Instrument, Investigation, Dataset, DataPublication), each as `{{"Entity": {{…}}}}` with the
   related entities of the kind's `INCLUDE` paths nested as ICAT's JSON nests them (an included
   one-to-many relation without members is `[]`, a relation not included is absent):
{includes}
3. The dump's references (`ref="…"` to its own symbolic keys) are resolved into nested objects;
   relations the dump stores on the other side (sample, dataset → investigation; datafile →
   dataset; data collection member → dataset; data publication → content; data publication
   user → publication) are followed backwards.
4. `id`: the dump has none. Every entity, top-level or nested, gets a number from one sequence
   in dump order, starting at 1, as ICAT numbers rows on ingest. These ids are arbitrary: the
   mapping never builds an IRI from them.
5. `createTime` and `modTime`: not in the dump (icatdump writes user attributes only); set to
   the dump's date, {dump_date}. `createId` and `modId` are left out.
6. Dates are written in ICAT's JSON form, `yyyy-MM-ddTHH:mm:ss.SSSZ`, in UTC (the dump's are
   UTC). Numbers, integers and booleans are typed as the dump's XSD says; every other attribute
   is a string (DataPublicationDate `date` included, as in ICAT).
7. `email` attributes (users, data publication users) are left out.
8. Everything the includes do not reach is not written: groupings, rules and public steps,
   facility cycles, shifts, studies, jobs, applications, related datafiles.
9. Records are in `id` order (the queries say `ORDER BY o.id`), and so are nested lists.
   JSON with indent 1, UTF-8.

## What the content holds that a reader should know

- Its DOIs and instrument pids are spelled `DOI:00.0815/…`: not DOIs (no DOI prefix starts with
  `00.`), so datasets, series and instruments get minted IRIs and keep the string in
  `dct:identifier`. The publication `DOI:00.1002/adma.201101001` likewise.
- Its ORCID iDs (`0000-0002-3262`) have 15 digits: not ORCID iDs, so people get IRIs minted from
  their ICAT user name.
- Sample pids are IGSNs (`IGSN:ESNF…`); technique pids are PaNET terms (`PaNET:PaNET01103`).
- The parameter type "Sample temperature" exists in `C` (unitsFullName Celsius) and in `K`;
  dataset e208945 carries both, 3.92 °C and 277.07 K: the same temperature.
- The one DataPublication (pid `DOI:00.0815/pub-00027`) holds dataset pub-00027 of
  investigation 12100409-ST; its related item is a `References` link to a URL.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"), help="the shared folder")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the snapshot")
    args = ap.parse_args(argv)
    dump_path = args.shared / DUMP
    try:
        dump = parse_dump(dump_path)
        collections = build(dump)
    except (OSError, DumpError) as exc:
        print(f"snapshot_icat: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, records in collections.items():
        text = json.dumps(records, indent=1, ensure_ascii=False) + "\n"
        (args.out / f"{name}.json").write_text(text, encoding="utf-8")
    (args.out / "README.md").write_text(readme(collections, icat_date(dump.date)), "utf-8")
    print(", ".join(f"{len(v)} {k}" for k, v in collections.items()), "→", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
