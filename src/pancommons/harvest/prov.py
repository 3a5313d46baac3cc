"""Harvest runs as PROV activities in ``{base}/graph/meta``, and reading them back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pancommons import vocab
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.nt import XSD, Triples, iri, literal, number
from pancommons.store.base import Store

MAX_QUARANTINE_IN_GRAPH = 10_000
"""More refused records than this are counted but not each described in the graph."""

_PAN = str(vocab.PAN)
ACTIVITY = f"<{vocab.PROV}Activity>"
HARVEST_RUN = f"<{_PAN}HarvestRun>"
QUARANTINED_RECORD = f"<{_PAN}QuarantinedRecord>"
GENERATED = f"<{vocab.PROV}generated>"


def _p(local: str) -> str:
    return f"<{_PAN}{local}>"


@dataclass
class RunRecord:
    """What a run did; written to the meta graph when it ends (completed or failed)."""

    source: str
    kind: str
    location: str
    run_id: str
    graph: str
    started: str
    ended: str = ""
    status: str = "running"
    mode: str = "replace"
    since: str | None = None
    pages: int = 0
    seen: int = 0
    mapped: int = 0
    quarantined: int = 0
    triples: int | None = None
    error: str | None = None
    resumed: bool = False
    quarantine: list[dict[str, Any]] = field(default_factory=list)

    def activity_iri(self, base: str) -> str:
        return vocab.mint("harvest", self.source, self.run_id, base)


def _location_iri(location: str) -> str:
    if location.startswith(("http://", "https://", "file:")):
        return location
    return Path(location).resolve().as_uri()


def record_run(store: Store, run: RunRecord, base: str) -> str:
    """Insert the activity (and its quarantined records) into the meta graph; its IRI."""
    t = Triples()
    act_iri = run.activity_iri(base)
    act = iri(act_iri)
    t.type(act, ACTIVITY, HARVEST_RUN)
    t.add(act, _p("sourceName"), literal(run.source))
    t.add(act, _p("sourceKind"), literal(run.kind))
    t.link(act, f"<{vocab.PROV}used>", _location_iri(run.location))
    t.add(act, T.STARTED, literal(run.started, XSD + "dateTime"))
    if run.ended:
        t.add(act, T.ENDED, literal(run.ended, XSD + "dateTime"))
    t.add(act, _p("status"), literal(run.status))
    t.add(act, _p("mode"), literal(run.mode))
    t.text(act, _p("since"), run.since)
    t.add(act, _p("pages"), number(run.pages))
    t.add(act, _p("recordsSeen"), number(run.seen))
    t.add(act, _p("recordsMapped"), number(run.mapped))
    t.add(act, _p("recordsQuarantined"), number(run.quarantined))
    if run.triples is not None:
        t.add(act, _p("triples"), number(run.triples))
    t.text(act, _p("error"), run.error)
    if run.resumed:
        t.add(act, _p("resumed"), literal("true", XSD + "boolean"))
    if run.status == "completed":
        t.link(act, GENERATED, run.graph)
    for n, q in enumerate(run.quarantine[:MAX_QUARANTINE_IN_GRAPH], 1):
        node = iri(vocab.mint("record", run.source, f"{run.run_id}/quarantine/{n}", base))
        t.add(act, _p("quarantined"), node)
        t.type(node, QUARANTINED_RECORD)
        t.text(node, _p("recordId"), q.get("id"))
        t.text(node, _p("collection"), q.get("collection"))
        if isinstance(q.get("position"), int):
            t.add(node, _p("position"), number(q["position"]))
        t.text(node, _p("reason"), q.get("reason"))
        t.text(node, _p("pageUrl"), q.get("url"))
    meta = vocab.meta_graph(base)
    store.update(f"INSERT DATA {{ GRAPH <{meta}> {{\n{t.text_value()}}} }}")
    return act_iri


def last_runs(store: Store, base: str, source: str | None = None) -> list[dict[str, Any]]:
    """The runs recorded for ``source`` (or all), newest first."""
    meta = vocab.meta_graph(base)
    name_filter = f"FILTER(?name = {literal(source)})" if source else ""
    rows = store.query(
        f"""SELECT ?run ?name ?status ?started ?ended ?seen ?mapped ?quarantined ?error WHERE {{
          GRAPH <{meta}> {{
            ?run a {HARVEST_RUN} ; {_p("sourceName")} ?name ; {_p("status")} ?status ;
                 {T.STARTED} ?started ; {_p("recordsSeen")} ?seen ;
                 {_p("recordsMapped")} ?mapped ; {_p("recordsQuarantined")} ?quarantined .
            OPTIONAL {{ ?run {T.ENDED} ?ended }}
            OPTIONAL {{ ?run {_p("error")} ?error }}
            {name_filter}
          }} }} ORDER BY DESC(?started) DESC(?ended)"""
    )
    out = []
    for row in rows:  # type: ignore[union-attr]
        out.append({k: (row[k].value if row[k] is not None else None) for k in _RUN_KEYS})
    return out


_RUN_KEYS = ("run", "name", "status", "started", "ended", "seen", "mapped", "quarantined", "error")


def quarantined(store: Store, base: str, run_iri: str) -> list[dict[str, Any]]:
    """The records a run refused, in order."""
    meta = vocab.meta_graph(base)
    rows = store.query(
        f"""SELECT ?id ?collection ?position ?reason ?url WHERE {{
          GRAPH <{meta}> {{
            {iri(run_iri)} {_p("quarantined")} ?q .
            OPTIONAL {{ ?q {_p("recordId")} ?id }}
            OPTIONAL {{ ?q {_p("collection")} ?collection }}
            OPTIONAL {{ ?q {_p("position")} ?position }}
            OPTIONAL {{ ?q {_p("reason")} ?reason }}
            OPTIONAL {{ ?q {_p("pageUrl")} ?url }}
          }} }} ORDER BY ?collection ?position"""
    )
    keys = ("id", "collection", "position", "reason", "url")
    return [
        {k: (row[k].value if row[k] is not None else None) for k in keys}
        for row in rows  # type: ignore[union-attr]
    ]
