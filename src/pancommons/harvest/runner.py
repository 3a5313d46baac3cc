"""One harvest run: page through a source, validate and map each record, then swap the result
into ``{base}/graph/source/{name}`` in one step (DESIGN §5).

Nothing is written to the store until every page has been read: records are mapped to
N-Triples in the run's state directory, with a checkpoint after each page. So a run that dies
leaves the previous graph exactly as it was, and ``resume=True`` continues after the last
complete page; the finished result is the same as that of an uninterrupted run.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyoxigraph import RdfFormat

from pancommons import vocab
from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import RetryPolicy
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.nt import page_ntriples
from pancommons.harvest.prov import RunRecord, record_run
from pancommons.harvest.sources import Source, open_source
from pancommons.harvest.state import Checkpoint, RunState, SourceBusy
from pancommons.harvest.validate import RecordInvalid, validate
from pancommons.oai.ledger import try_sync
from pancommons.store.base import REPLACES, Store, StoreError, SwapUncertain

log = logging.getLogger("pancommons.harvest")


class HarvestError(RuntimeError):
    """A run failed; the previous graph is untouched and the message says how to go on."""


@dataclass
class Progress:
    """Counts so far, passed to ``on_progress`` after every page."""

    source: str
    pages: int
    seen: int
    mapped: int
    quarantined: int
    retries: int
    collection: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def harvest(
    store: Store,
    config: SourceConfig,
    *,
    state_dir: str,
    base: str = vocab.DEFAULT_BASE,
    since: str | None = None,
    resume: bool = False,
    policy: RetryPolicy | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    source: Source | None = None,
) -> RunRecord:
    """Harvest ``config`` into ``store``; the PROV record of the run (also in the meta graph).

    ``since`` (ISO date) runs incrementally: only records changed since then are fetched, and
    they are merged into the source graph (each record's subjects replaced) instead of
    replacing the whole graph. Runs of one source are serialised: while one runs, another is
    refused with ``HarvestError`` (state.py, the source's lock).
    """
    state = RunState(state_dir, config.name)
    try:
        with state.lock():
            return _run(store, config, state, base, since, resume, policy, on_progress, source)
    except SourceBusy as exc:
        raise HarvestError(str(exc)) from None


def _run(
    store: Store,
    config: SourceConfig,
    state: RunState,
    base: str,
    since: str | None,
    resume: bool,
    policy: RetryPolicy | None,
    on_progress: Callable[[Progress], None] | None,
    source: Source | None,
) -> RunRecord:
    checkpoint = state.load() if resume else None
    if checkpoint is not None:
        state.reopen(checkpoint)
        checkpoint.attempt += 1
        state.save(checkpoint)
        since = checkpoint.since
        log.info(
            "%s: resuming run %s after %d pages (%d records)",
            config.name,
            checkpoint.run_id,
            checkpoint.pages,
            checkpoint.seen,
        )
    else:
        if resume:
            log.info("%s: no interrupted run to resume; starting a new one", config.name)
        started = _now()
        run_id = (
            started.replace(":", "").replace("-", "").replace(".", "") + "-" + uuid.uuid4().hex[:6]
        )
        checkpoint = Checkpoint(run_id=run_id, source=config.name, started=started, since=since)
        state.start(checkpoint)

    graph = vocab.source_graph(config.name, base)
    run = RunRecord(
        source=config.name,
        kind=config.format if config.kind == "files" and config.format else config.kind,
        location=config.location,
        run_id=checkpoint.run_id
        if checkpoint.attempt == 1
        else f"{checkpoint.run_id}-{checkpoint.attempt}",
        graph=graph,
        started=checkpoint.started if checkpoint.attempt == 1 else _now(),
        mode="merge" if since else "replace",
        since=since,
        resumed=resume and checkpoint.pages > 0,
    )
    src = source or open_source(config, policy)
    run.location = str(getattr(src, "location", None) or run.location)
    ctx = src.context(
        Context(
            source=config.name,
            base=base,
            facility_name=config.facility_name,
            facility_ror=config.facility_ror,
        )
    )
    # A first harvest into an empty graph is loaded while pages arrive (the loader runs on
    # another core); otherwise the finished file is swapped in at the end.
    loader = None if run.mode == "merge" else store.open_loader(graph, trusted=True)
    try:
        if loader is not None and checkpoint.nt_bytes:
            _feed(loader, state.nt_path)  # resumed: what earlier attempts mapped
        _pages(src, ctx, state, checkpoint, on_progress, loader)
    except Exception as exc:
        if loader is not None:
            loader.abort()
        _fail(store, run, checkpoint, base, f"{type(exc).__name__}: {exc}")
        hint = (
            f"`pancommons harvest {config.name} --resume` goes on from the last complete page."
            if getattr(exc, "resumable", True)
            else f"start over with `pancommons harvest {config.name}` (without --resume)."
        )
        raise HarvestError(
            f"harvest of {config.name} stopped after {checkpoint.pages} pages "
            f"({checkpoint.seen} records): {exc}. The graph <{graph}> is unchanged; {hint}"
        ) from exc
    finally:
        src.close()

    _counts(run, checkpoint)
    run.quarantine = state.quarantine()
    try:
        if loader is not None:
            loader.commit()
        elif run.mode == "merge":
            store.merge_subjects(state.nt_path, graph=graph, format=RdfFormat.N_TRIPLES)
        else:
            if checkpoint.mapped == 0 and store.count(graph) > 0:
                what = (
                    "returned no records at all"
                    if checkpoint.seen == 0
                    else f"had all {checkpoint.seen} records quarantined (see --errors)"
                )
                raise HarvestError(
                    f"{config.name} {what}; keeping the previous graph <{graph}> rather than "
                    f"emptying it (check the source {config.location})"
                )
            store.replace_graph(state.nt_path, graph=graph, format=RdfFormat.N_TRIPLES)
    except HarvestError as exc:
        _fail(store, run, checkpoint, base, str(exc))
        raise
    except StoreError as exc:
        _fail(store, run, checkpoint, base, str(exc))
        where = (
            f"the store failed while swapping the new graph in ({exc}): <{graph}> is either "
            "unchanged or already the new graph, whole, never a mix;"
            if isinstance(exc, SwapUncertain)
            else f"loading into the store failed ({exc}); the graph <{graph}> is unchanged and"
        )
        raise HarvestError(
            f"harvest of {config.name}: {where} `--resume` retries the load"
        ) from exc
    # The new graph is in place: from here on a store failure must not call the run failed.
    run.status = "completed"
    run.ended = _now()
    try:
        run.triples = store.count(graph)
        record_run(store, run, base)
    except StoreError as exc:
        raise HarvestError(
            f"harvest of {config.name}: the new graph <{graph}> is in place, but the store "
            f"failed before the run was recorded ({exc}); `--resume` loads the same records "
            "again and records the run"
        ) from exc
    state.clear()
    try_sync(store, base, graphs=[graph])
    log.info(
        "%s: %d records, %d mapped, %d quarantined, %d triples in <%s>",
        config.name,
        run.seen,
        run.mapped,
        run.quarantined,
        run.triples,
        graph,
    )
    return run


def _counts(run: RunRecord, cp: Checkpoint) -> None:
    run.pages, run.seen, run.mapped, run.quarantined = cp.pages, cp.seen, cp.mapped, cp.quarantined


def _fail(store: Store, run: RunRecord, cp: Checkpoint, base: str, message: str) -> None:
    _counts(run, cp)
    run.status = "failed"
    run.ended = _now()
    run.error = message
    try:
        record_run(store, run, base)
    except StoreError as exc:  # the store may be what failed; the error above matters more
        log.warning("%s: could not record the failed run in the meta graph: %s", run.source, exc)


def _feed(loader: Any, path: os.PathLike[str] | str) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            loader.write(chunk)


def _pages(
    src: Source,
    ctx: Context,
    state: RunState,
    cp: Checkpoint,
    on_progress: Callable[[Progress], None] | None,
    loader: Any = None,
) -> None:
    merge = cp.since is not None
    with open(state.nt_path, "ab") as nt, open(state.quarantine_path, "ab") as qf:
        for page in src.pages(cp.cursor, cp.since):
            schema = src.schema_name(page.collection)
            lines: list[str] = []
            refused = bytearray()
            for i, record in enumerate(page.records):
                cp.seen += 1
                try:
                    validate(schema, record)
                    mapped = src.map(ctx, page.collection, record)
                    lines += mapped.lines
                    if merge:
                        lines += [f"{s} {_REPLACES} .\n" for s in mapped.owned]
                    cp.mapped += 1
                except Exception as exc:  # noqa: BLE001 - one bad record must not stop the run
                    cp.quarantined += 1
                    entry: dict[str, Any] = {
                        "collection": page.collection,
                        "position": page.offset + i,
                        "id": _clean(src.record_key(page.collection, record)),
                        "reason": _clean(_reason(exc)),
                        "url": _clean(page.url),
                    }
                    log.warning(
                        "%s: %s record %s (#%d) quarantined: %s",
                        ctx.source,
                        page.collection,
                        entry["id"] or "without id",
                        entry["position"],
                        entry["reason"],
                    )
                    refused += (json.dumps(entry) + "\n").encode("ascii")
            out = page_ntriples(lines)
            nt.write(out)
            qf.write(refused)
            if loader is not None:
                loader.write(out)
            nt.flush()
            qf.flush()
            os.fsync(nt.fileno())  # the checkpoint below must never vouch for bytes not on disk
            os.fsync(qf.fileno())
            cp.pages += 1
            cp.cursor = page.cursor
            cp.nt_bytes = nt.tell()
            cp.quarantine_bytes = qf.tell()
            state.save(cp)
            if on_progress:
                retries = src.http.retried if src.http is not None else 0
                on_progress(
                    Progress(
                        ctx.source,
                        cp.pages,
                        cp.seen,
                        cp.mapped,
                        cp.quarantined,
                        retries,
                        page.collection,
                    )
                )


_REPLACES = f"<{REPLACES}> <urn:x-pancommons:all>"


def _clean(text: str | None) -> str | None:
    """Text that can be written anywhere: lone surrogates (valid in JSON, not in UTF-8) are
    shown as escapes."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecordInvalid | MappingError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
