"""The OAI-PMH record ledger: each dataset's datestamp, sets and deletion, kept in the graph.

OAI-PMH needs what a graph of replaced source graphs does not keep by itself: *when* a dataset's
record last changed (its datestamp, for ``from``/``until``) and *that* a dataset disappeared from
its source (a deleted record: the provider declares ``deletedRecord`` = persistent). The ledger
lives in ``{base}/graph/oai``, one subject per dataset (ever) seen::

    <dataset> pan:oaiDatestamp "2026-11-21T10:00:00Z"^^xsd:dateTime ;
              pan:contentHash "sha1 of the dataset's own triples, canonicalised" ;
              pan:setSpec "facility:esrf", "source:demo-icat", "openaire_data" ;
              pan:deleted true .          # only once it left every source graph

``sync`` compares the graph with the ledger: a new dataset, or one whose own triples (those with
it as subject, in the source graphs) or sets changed, gets the sync time as datestamp; one that no
longer exists is marked deleted (datestamp = when that was noticed) and keeps its sets, so that a
harvester of a set learns of the deletion; one that comes back is a new version. The harvest
runner syncs the graph it harvested after every completed run; ``pancommons load`` the graphs it
loaded.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import RdfFormat

from pancommons import vocab
from pancommons.fair.scope import facility_pattern
from pancommons.harvest.mapping.nt import iri, literal
from pancommons.store.base import Store, StoreError

log = logging.getLogger(__name__)

PAN = str(vocab.PAN)
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

DATESTAMP = f"{PAN}oaiDatestamp"
HASH = f"{PAN}contentHash"
SET_SPEC = f"{PAN}setSpec"
DELETED = f"{PAN}deleted"

OPENAIRE_SET = "openaire_data"
_SPEC_CHAR = re.compile(r"[^A-Za-z0-9\-_.!~*'()]+")
_BLANK = re.compile(r"_:[A-Za-z0-9_.\-]+")
_PID = re.compile(r"^(?:doi:|hdl:|10\.\d{4,9}/)", re.I)


def oai_graph(base: str = vocab.DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/graph/oai"


def spec_part(text: str) -> str:
    """``text`` as one setSpec part (OAI-PMH allows ``[A-Za-z0-9-_.!~*'()]``), lower-cased."""
    return _SPEC_CHAR.sub("-", text.strip().lower()).strip("-") or "unnamed"


def now() -> str:
    """Now, at the provider's granularity (seconds, UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Entry:
    """One dataset's record as the ledger knows it."""

    dataset: str
    datestamp: str
    content_hash: str = ""
    sets: set[str] = field(default_factory=set)
    deleted: bool = False


@dataclass
class SyncReport:
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.added} new, {self.changed} changed, {self.deleted} deleted, "
            f"{self.unchanged} unchanged"
        )


def read(store: Store, base: str = vocab.DEFAULT_BASE) -> dict[str, Entry]:
    """The ledger: dataset IRI → entry."""
    return _entries(store, base, "")


def _entries(store: Store, base: str, values: str) -> dict[str, Entry]:
    """The entries of the datasets in ``values`` (a VALUES block of escaped IRIs), or all."""
    rows = store.query(
        f"SELECT ?d ?ds ?h ?del (GROUP_CONCAT(?s; separator=' ') AS ?sets) WHERE {{ {values} "
        f"GRAPH {iri(oai_graph(base))} {{ ?d <{DATESTAMP}> ?ds . OPTIONAL {{ ?d <{HASH}> ?h }} "
        f"OPTIONAL {{ ?d <{DELETED}> ?del }} OPTIONAL {{ ?d <{SET_SPEC}> ?s }} }} }} "
        "GROUP BY ?d ?ds ?h ?del"
    )
    out: dict[str, Entry] = {}
    for r in rows:  # type: ignore[union-attr]
        d = r["d"].value
        out[d] = Entry(
            dataset=d,
            datestamp=r["ds"].value,
            content_hash=r["h"].value if r["h"] is not None else "",
            sets=set(r["sets"].value.split()) if r["sets"] is not None else set(),
            deleted=r["del"] is not None and r["del"].value == "true",
        )
    return out


def _heads(graphs: Iterable[str] | None, also: Iterable[str] = ()) -> list[str]:
    """Group patterns binding ``?d`` to the datasets a sync looks at, one query each: every
    dataset (``""``) for a full sync; else those typed ``dcat:Dataset`` in each of ``graphs``,
    and the datasets ``also`` names (500 to a VALUES block)."""
    heads = (
        [""] if graphs is None else [f"GRAPH {iri(g)} {{ ?d a <{DCAT}Dataset> }}" for g in graphs]
    )
    extra = sorted(set(also))
    for i in range(0, len(extra), 500):
        heads.append(f"VALUES ?d {{ {' '.join(iri(d) for d in extra[i : i + 500])} }}")
    return heads


def current(
    store: Store,
    base: str = vocab.DEFAULT_BASE,
    graphs: Iterable[str] | None = None,
    also: Iterable[str] = (),
) -> dict[str, tuple[str, set[str]]]:
    """The datasets in the source graphs now (with ``graphs``, only those in them and those
    ``also`` names): IRI → (content hash, sets). The hash is over the dataset's own statements
    (it is their subject) in every source graph that types it ``dcat:Dataset``; the ``source:``
    and ``openaire_data`` sets come from the same rows (read as TSV, which Oxigraph writes in
    Rust), the ``facility:`` sets from one more query."""
    prefix = f"{base.rstrip('/')}/graph/source/"
    lines: dict[str, set[str]] = defaultdict(set)
    sets: dict[str, set[str]] = defaultdict(set)
    titled: set[str] = set()
    pid: set[str] = set()
    specs: dict[str, str] = {}
    heads = _heads(graphs, also)
    with ThreadPoolExecutor(1) as pool:  # the facility query runs beside the main one
        facilities = [pool.submit(_facilities, store, head) for head in heads]
        for head in heads:
            rows = store.select_rows(
                f"SELECT ?d ?g ?p ?o WHERE {{ {head} GRAPH ?g {{ ?d a <{DCAT}Dataset> ; ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), {literal(prefix)})) }}"
            )
            for d, g, p, o in rows:
                d = d[1:-1]
                spec = specs.get(g)
                if spec is None:
                    spec = specs[g] = f"source:{spec_part(g[1 + len(prefix) : -1])}"
                sets[d].add(spec)
                if "_:" in o:  # blank node labels differ between harvests of the same record
                    o = _BLANK.sub("_:b", o)
                lines[d].add(f"{p}\t{o}")
                if p == _TITLE:
                    titled.add(d)
                elif p == _IDENTIFIER and _PID.match(o[1:]):
                    pid.add(d)
        pairs = [pair for f in facilities for pair in f.result()]
    for d in titled:
        if d in pid or d.startswith(("https://doi.org/", "https://hdl.handle.net/")):
            sets[d].add(OPENAIRE_SET)
    labels = facility_labels(store)
    names = {k: f"facility:{spec_part(labels.get(k, k))}" for k in {k for _, k in pairs}}
    for d, k in pairs:
        if d in sets:
            sets[d].add(names[k])
    return {d: (_digest(ls), sets[d]) for d, ls in lines.items()}


def _digest(statements: set[str]) -> str:
    return hashlib.sha1("\n".join(sorted(statements)).encode(), usedforsecurity=False).hexdigest()


_TITLE = f"<{DCT}title>"
_IDENTIFIER = f"<{DCT}identifier>"


def _facilities(store: Store, head: str) -> list[tuple[str, str]]:
    """(dataset, facility IRI) pairs, by the facility rule of scopes (``fair.scope``)."""
    rows = store.select_rows(
        f"SELECT DISTINCT ?d ?k WHERE {{ "
        f"{facility_pattern('?k', '?d', f'{head} ?d a <{DCAT}Dataset> .')} }}"
    )
    return [(d[1:-1], k[1:-1]) for d, k in rows if k.startswith("<")]


def facility_labels(store: Store) -> dict[str, str]:
    """Facility IRI → its name (``foaf:name``, else ``dct:title`` or ``rdfs:label``)."""
    rows = store.query(
        f"SELECT ?f (SAMPLE(?n) AS ?name) WHERE {{ ?f a <{PAN}Facility> . "
        f"OPTIONAL {{ ?f <{FOAF}name> ?n1 }} OPTIONAL {{ ?f <{DCT}title> ?n2 }} "
        f"OPTIONAL {{ ?f <{RDFS}label> ?n3 }} BIND(COALESCE(?n1, ?n2, ?n3) AS ?n) }} GROUP BY ?f"
    )
    return {
        r["f"].value: r["name"].value
        for r in rows  # type: ignore[union-attr]
        if r["name"] is not None
    }


def sync(
    store: Store,
    base: str = vocab.DEFAULT_BASE,
    *,
    at: str | None = None,
    graphs: Iterable[str] | None = None,
) -> SyncReport:
    """Bring the ledger up to date with the graph (see the module docstring). With ``graphs``
    (the source graphs that just changed), only the datasets in them now or before are
    compared; the others keep their entries. Only changed entries are written, each
    dataset's in one update."""
    graphs = None if graphs is None else sorted(set(graphs))
    stamp = at or now()
    before: dict[str, Entry] = {}
    for head in _heads(graphs):  # every entry, or those of the datasets in the graphs now...
        before.update(_entries(store, base, head))
    left: set[str] = set()  # ...and of those that were in them at the last sync
    prefix = f"{base.rstrip('/')}/graph/source/"
    for g in graphs or ():
        if g.startswith(prefix):
            spec = literal(f"source:{spec_part(g[len(prefix) :])}")
            was = _entries(
                store, base, f"GRAPH {iri(oai_graph(base))} {{ ?d <{SET_SPEC}> {spec} }}"
            )
            left.update(d for d in was if d not in before)
            before.update(was)
    now_there = current(store, base, graphs, also=left)
    changed: dict[str, Entry] = {}
    report = SyncReport()
    for d, (h, sets) in now_there.items():
        old = before.get(d)
        if old is None:
            report.added += 1
        elif old.deleted or old.content_hash != h or old.sets != sets:
            report.changed += 1
        else:
            report.unchanged += 1
            continue
        changed[d] = Entry(d, stamp, h, sets)
    for d, old in before.items():
        if d not in now_there and not old.deleted:
            report.deleted += 1
            changed[d] = Entry(d, stamp, "", old.sets, deleted=True)
    _write(store, base, changed, replaced={d for d in changed if d in before})
    log.info("OAI-PMH ledger: %s", report)
    return report


_CHUNK = 2000
_BULK = 10_000


def _write(store: Store, base: str, entries: dict[str, Entry], replaced: set[str]) -> None:
    """Write ``entries``: the new ones added in bulk, the ``replaced`` ones a chunk at a time
    (the old statements removed and the new written in the same update)."""
    graph = oai_graph(base)
    new = [e for d, e in entries.items() if d not in replaced]
    if len(new) > _BULK:
        # Not atomic, but a dataset whose statements are cut short is seen as changed and
        # rewritten by the next sync; many times faster than a transaction this size.
        store.bulk_load(_ntriples(new).encode(), graph=graph, format=RdfFormat.N_TRIPLES)
    elif new:
        store.load(_ntriples(new).encode(), graph=graph, format=RdfFormat.N_TRIPLES)
    old = [entries[d] for d in sorted(replaced)]
    for i in range(0, len(old), _CHUNK):
        chunk = old[i : i + _CHUNK]
        values = " ".join(iri(e.dataset) for e in chunk)
        store.update(
            f"DELETE {{ GRAPH {iri(graph)} {{ ?d ?p ?o }} }} WHERE {{ VALUES ?d {{ {values} }} "
            f"GRAPH {iri(graph)} {{ ?d ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH {iri(graph)} {{\n{_ntriples(chunk)}}} }}"
        )


def try_sync(
    store: Store, base: str = vocab.DEFAULT_BASE, graphs: Iterable[str] | None = None
) -> None:
    """``sync`` after a change of the source graphs (a harvest, a load; ``graphs``: those that
    changed). A failure here leaves that change done: the next sync catches up."""
    try:
        sync(store, base, graphs=graphs)
    except (StoreError, ValueError) as exc:
        log.warning("the OAI-PMH ledger could not be updated (%s); the next sync retries", exc)


def _ntriples(entries: Iterable[Entry]) -> str:
    out: list[str] = []
    for e in entries:
        s = iri(e.dataset)
        out.append(f'{s} <{DATESTAMP}> "{e.datestamp}"^^<{XSD}dateTime> .')
        if e.content_hash:
            out.append(f"{s} <{HASH}> {literal(e.content_hash)} .")
        out.extend(f"{s} <{SET_SPEC}> {literal(spec)} ." for spec in sorted(e.sets))
        if e.deleted:
            out.append(f'{s} <{DELETED}> "true"^^<{XSD}boolean> .')
    return "\n".join(out) + "\n"


# --- reading for the provider ---------------------------------------------------------------


def select(
    store: Store,
    base: str = vocab.DEFAULT_BASE,
    *,
    start: str | None = None,
    end: str | None = None,
    set_spec: str | None = None,
) -> list[str]:
    """The datasets whose record datestamp is in [start, end] (validated ``...Z`` datetimes)
    and that are in ``set_spec`` or one of its subsets, by datestamp then IRI."""
    filters = []
    if start:
        filters.append(f'FILTER(?ds >= "{_checked(start)}"^^<{XSD}dateTime>)')
    if end:
        filters.append(f'FILTER(?ds <= "{_checked(end)}"^^<{XSD}dateTime>)')
    if set_spec:
        spec = literal(set_spec)
        below = literal(set_spec + ":")
        filters.append(
            f"FILTER EXISTS {{ ?d <{SET_SPEC}> ?s FILTER(?s = {spec} || STRSTARTS(?s, {below})) }}"
        )
    rows = store.query(
        f"SELECT ?d WHERE {{ GRAPH {iri(oai_graph(base))} {{ ?d <{DATESTAMP}> ?ds "
        f"{' '.join(filters)} }} }} ORDER BY ?ds STR(?d)"
    )
    return [r["d"].value for r in rows]  # type: ignore[union-attr]


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _checked(value: str) -> str:
    if not _DATETIME.match(value):
        raise ValueError(f"not a UTC datetime at seconds: {value!r}")
    return value


def entries(store: Store, datasets: list[str], base: str = vocab.DEFAULT_BASE) -> dict[str, Entry]:
    """The ledger entries of ``datasets`` (those it has)."""
    out: dict[str, Entry] = {}
    for i in range(0, len(datasets), 500):
        values = " ".join(iri(d) for d in datasets[i : i + 500])
        out.update(_entries(store, base, f"VALUES ?d {{ {values} }}"))
    return out


def earliest(store: Store, base: str = vocab.DEFAULT_BASE) -> str | None:
    rows = list(
        store.query(  # type: ignore[arg-type]
            f"SELECT (MIN(?ds) AS ?m) WHERE {{ GRAPH {iri(oai_graph(base))} "
            f"{{ ?d <{DATESTAMP}> ?ds }} }}"
        )
    )
    return rows[0]["m"].value if rows and rows[0]["m"] is not None else None


def has_sets(store: Store, base: str = vocab.DEFAULT_BASE) -> bool:
    """Whether any record is in a set (else list requests with ``set`` get noSetHierarchy)."""
    return bool(store.query(f"ASK {{ GRAPH {iri(oai_graph(base))} {{ ?d <{SET_SPEC}> ?s }} }}"))


def set_specs(store: Store, base: str = vocab.DEFAULT_BASE) -> dict[str, str]:
    """Every set in the ledger (with the parents ``facility`` and ``source``) → its name."""
    rows = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH {iri(oai_graph(base))} {{ ?d <{SET_SPEC}> ?s }} }}"
    )
    specs = {r["s"].value for r in rows}  # type: ignore[union-attr]
    labels = {f"facility:{spec_part(label)}": label for label in facility_labels(store).values()}
    out: dict[str, str] = {}
    for spec in sorted(specs):
        kind, _, value = spec.partition(":")
        if spec == OPENAIRE_SET:
            out[spec] = "OpenAIRE"
        elif kind == "facility":
            out.setdefault("facility", "Datasets by facility")
            out[spec] = f"Facility {labels.get(spec, value)}"
        elif kind == "source":
            out.setdefault("source", "Datasets by harvest source")
            out[spec] = f"Harvest source {value}"
        else:
            out[spec] = spec
    return dict(sorted(out.items()))
