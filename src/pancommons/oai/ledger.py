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
runner syncs after every completed run; ``pancommons load`` too.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import QueryResultsFormat, RdfFormat

from pancommons import vocab
from pancommons.fair.scope import groups
from pancommons.harvest.mapping.nt import iri, literal
from pancommons.store.base import Store, StoreError

log = logging.getLogger(__name__)

PAN = str(vocab.PAN)
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
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


def current(store: Store, base: str = vocab.DEFAULT_BASE) -> dict[str, tuple[str, set[str]]]:
    """Every dataset in the source graphs now: IRI → (content hash, sets)."""
    prefix = literal(f"{base.rstrip('/')}/graph/source/")
    result = store.query(
        f"SELECT ?d ?p ?o WHERE {{ GRAPH ?g {{ ?d a <{DCAT}Dataset> ; ?p ?o }} "
        f"FILTER(STRSTARTS(STR(?g), {prefix})) }}"
    )
    lines: dict[str, list[str]] = defaultdict(list)
    tsv = result.serialize(format=QueryResultsFormat.TSV)  # type: ignore[union-attr]
    for line in tsv.decode().split("\n")[1:]:
        if not line:
            continue
        d, rest = line.split("\t", 1)
        # blank node labels differ between harvests of the same record: not a change
        lines[d[1:-1]].append(_BLANK.sub("_:b", rest))
    hashes = {
        d: hashlib.sha1("\n".join(sorted(set(ls))).encode(), usedforsecurity=False).hexdigest()
        for d, ls in lines.items()
    }
    sets = _sets(store, set(hashes), base)
    return {d: (h, sets.get(d, set())) for d, h in hashes.items()}


def _sets(store: Store, datasets: set[str], base: str) -> dict[str, set[str]]:
    """``facility:NAME``, ``source:NAME`` and ``openaire_data`` memberships."""
    out: dict[str, set[str]] = defaultdict(set)
    for by in ("facility", "source"):
        for key, (label, members) in groups(store, by, datasets, base).items():
            spec = f"{by}:{spec_part(label if by == 'facility' else key)}"
            for d in members:
                out[d].add(spec)
    for d in openaire(store, datasets):
        out[d].add(OPENAIRE_SET)
    return out


def openaire(store: Store, datasets: set[str]) -> set[str]:
    """The datasets in ``openaire_data``: those with a persistent identifier (a DOI or Handle
    as node, or a DOI/Handle in ``dct:identifier``) and a title, which OpenAIRE's guidelines
    require of every record it aggregates."""
    rows = store.query(
        f"SELECT DISTINCT ?d ?id WHERE {{ ?d a <{DCAT}Dataset> ; <{DCT}title> ?t . "
        f"OPTIONAL {{ ?d <{DCT}identifier> ?id }} }}"
    )
    out: set[str] = set()
    for r in rows:  # type: ignore[union-attr]
        d = r["d"].value
        if d not in datasets:
            continue
        if d.startswith(("https://doi.org/", "https://hdl.handle.net/")) or (
            r["id"] is not None and _PID.match(r["id"].value)
        ):
            out.add(d)
    return out


def sync(store: Store, base: str = vocab.DEFAULT_BASE, *, at: str | None = None) -> SyncReport:
    """Bring the ledger up to date with the graph (see the module docstring); atomic."""
    stamp = at or now()
    before = read(store, base)
    after: dict[str, Entry] = {}
    report = SyncReport()
    for d, (h, sets) in current(store, base).items():
        old = before.get(d)
        if old is None:
            report.added += 1
        elif old.deleted or old.content_hash != h or old.sets != sets:
            report.changed += 1
        else:
            report.unchanged += 1
            after[d] = old
            continue
        after[d] = Entry(d, stamp, h, sets)
    for d, old in before.items():
        if d in after:
            continue
        if not old.deleted:
            report.deleted += 1
            old = Entry(d, stamp, "", old.sets, deleted=True)
        after[d] = old
    if report.added or report.changed or report.deleted:
        store.replace_graph(
            _ntriples(after.values()).encode(), graph=oai_graph(base), format=RdfFormat.N_TRIPLES
        )
    log.info("OAI-PMH ledger: %s", report)
    return report


def try_sync(store: Store, base: str = vocab.DEFAULT_BASE) -> None:
    """``sync`` after a change of the source graphs (a harvest, a load). A failure here leaves
    that change done: the next sync catches up."""
    try:
        sync(store, base)
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
    labels = {
        f"facility:{spec_part(label)}": label
        for label, _ in groups(store, "facility", None, base).values()
    }
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
