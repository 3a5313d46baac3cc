"""``pancommons harvest``: run sources from ``harvesters/`` (or TOML files) into the graph."""

from __future__ import annotations

import logging
import time

import click

from pancommons.config import Settings

EXIT_HARVEST = 6


@click.command("harvest")
@click.argument("sources", nargs=-1, metavar="[SOURCE...]")
@click.option("--all", "all_sources", is_flag=True, help="Every source in harvesters/.")
@click.option("--since", metavar="DATE", help="Only records changed since DATE; merge them.")
@click.option("--resume", is_flag=True, help="Go on with an interrupted run of each source.")
@click.option(
    "--errors", "show_errors", is_flag=True, help="Show the records the last run refused."
)
@click.option("--list", "list_sources", is_flag=True, help="List the sources in harvesters/.")
@click.pass_context
def harvest_cmd(
    ctx: click.Context,
    sources: tuple[str, ...],
    all_sources: bool,
    since: str | None,
    resume: bool,
    show_errors: bool,
    list_sources: bool,
) -> None:
    """Harvest SOURCE (a name from harvesters/ or the path of a TOML file) into its graph
    {base}/graph/source/{name}. The previous graph stays until the run completes."""
    from pancommons.cli import EXIT_INPUT, EXIT_USAGE, _open, errors_as_exit_codes, fail
    from pancommons.harvest.config import SourceConfigError, available_sources, find_source

    settings: Settings = ctx.obj
    try:
        if list_sources:
            for name, cfg in available_sources().items():
                kind = f"files/{cfg.format}" if cfg.kind == "files" else cfg.kind
                click.echo(f"{name}\t{kind}\t{cfg.location}")
            return
        if all_sources:
            configs = list(available_sources().values())
        elif sources:
            configs = [find_source(s) for s in sources]
        else:
            fail("name a SOURCE (see `pancommons harvest --list`) or give --all", EXIT_USAGE)
    except SourceConfigError as exc:
        fail(str(exc), EXIT_INPUT)
    if since is not None and not _is_date(since):
        fail(f"--since {since!r}: expected an ISO 8601 date such as 2024-01-31", EXIT_USAGE)

    with errors_as_exit_codes(), _open(ctx, read_only=show_errors) as store:
        if show_errors:
            for cfg in configs:
                _print_errors(store, settings.base, cfg.name)
            return
        failed = [
            cfg.name
            for cfg in configs
            if not _run_one(store, settings, cfg, since or cfg.since, resume)
        ]
        if len(failed) < len(configs):
            _link(store, settings.base)
    if failed:
        fail(f"{len(failed)} of {len(configs)} harvests failed: {', '.join(failed)}", EXIT_HARVEST)


def _is_date(text: str) -> bool:
    from pancommons.harvest.mapping.common import MappingError, date_term

    try:
        return date_term(text) is not None
    except MappingError:
        return False


def _run_one(store, settings: Settings, cfg, since: str | None, resume: bool) -> bool:  # type: ignore[no-untyped-def]
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from pancommons.cli import _stderr_console
    from pancommons.harvest.runner import HarvestError, harvest
    from pancommons.store.base import StoreError

    console = _stderr_console()
    logging.getLogger("pancommons.harvest").setLevel(logging.ERROR)
    started = time.perf_counter()
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(cfg.name, total=None, counts="starting…")

        def on_progress(p) -> None:  # type: ignore[no-untyped-def]
            bar.update(
                task,
                counts=(
                    f"{p.seen:,} records · {p.pages:,} pages · {p.quarantined:,} errors"
                    f" · {p.retries:,} retries · {p.collection}"
                ),
            )

        try:
            run = harvest(
                store,
                cfg,
                state_dir=settings.state,
                base=settings.base,
                since=since,
                resume=resume,
                on_progress=on_progress,
            )
        except (HarvestError, StoreError, OSError, RuntimeError, ValueError) as exc:
            # A damaged checkpoint, a bad option, an unwritable state directory: this source
            # failed, say why in one line and go on with the others.
            console.print(f"[red]{cfg.name}: failed[/red]: {' '.join(str(exc).split())}")
            return False
    seconds = time.perf_counter() - started
    rate = run.seen / seconds if seconds > 0 else 0.0
    errors = f", {run.quarantined:,} quarantined (see --errors)" if run.quarantined else ""
    click.echo(
        f"{cfg.name}: {run.seen:,} records, {run.mapped:,} mapped{errors}; "
        f"{run.triples or 0:,} triples in <{run.graph}> ({run.mode}, {seconds:.1f} s, "
        f"{rate:,.0f} records/s)"
    )
    return True


def _link(store, base: str) -> None:  # type: ignore[no-untyped-def]
    """Re-link the graph across sources (harvest/linking.py) after the runs."""
    from pancommons.harvest.linking import link

    report = link(store, base)
    rules = ", ".join(f"{n} {c:,}" for n, c in report.per_rule.items())
    click.echo(f"links: {report.total:,} triples in <{report.graph}> ({rules})")


def _print_errors(store, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    from pancommons.harvest.prov import last_runs, quarantined

    runs = last_runs(store, base, name)
    if not runs:
        click.echo(f"{name}: never harvested")
        return
    run = runs[0]
    rows = quarantined(store, base, run["run"])
    click.echo(
        f"{name}: last run {run['started']} {run['status']}: {run['seen']} records, "
        f"{run['quarantined']} quarantined"
        + (f"; error: {run['error']}" if run.get("error") else "")
    )
    for r in rows:
        click.echo(f"  {r['collection']}[{r['position']}] {r['id'] or '(no id)'}: {r['reason']}")
