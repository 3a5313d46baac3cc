"""``pancommons assess``: score every dataset against the FAIR metric catalogue in shapes/."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click

from pancommons.config import Settings


def _fetch_progress():  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pancommons.cli import _stderr_console

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=_stderr_console(),
    )


@click.command("assess")
@click.option("--full", is_flag=True, help="Assess every dataset, not only the changed ones.")
@click.option(
    "--online",
    is_flag=True,
    help="Also run the checks that need the network (PID resolves, landing page, data URLs, "
    "content negotiation); polite: rate-limited per host, cached for a day under {state}/online.",
)
@click.option(
    "--scope",
    default="all",
    show_default=True,
    help="Assess only part of the graph: facility:NAME|IRI, instrument:IRI, technique:IRI or "
    "source:NAME (does not count as the baseline of later incremental runs).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--file",
    "record",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Assess this record (DataCite XML/JSON, Turtle, JSON-LD) without storing it.",
)
@click.option(
    "--input-format",
    type=click.Choice(["datacite-xml", "datacite-json", "schemaorg", "turtle", "jsonld"]),
    help="Format of --file [default: guessed from the content].",
)
@click.pass_context
def assess_cmd(
    ctx: click.Context,
    full: bool,
    online: bool,
    scope: str,
    fmt: str,
    record: Path | None,
    input_format: str | None,
) -> None:
    """Assess the datasets' FAIRness; results go to {base}/graph/fair/{run} (history kept).
    With --file, assess one record without storing it (what POST /fair/assess does)."""
    from pancommons.cli import (
        EXIT_INPUT,
        EXIT_USAGE,
        _open,
        errors_as_exit_codes,
        fail,
    )
    from pancommons.fair.assess import assess

    if record is not None:
        from pancommons.fair.whatif import SubmissionError, assess_record, guess_format

        data = record.read_bytes()
        settings = ctx.obj
        with errors_as_exit_codes(), _open(ctx, read_only=True) as store:
            try:
                answer = assess_record(
                    data, input_format or guess_format(data), base=settings.base, store=store
                )
            except SubmissionError as exc:
                fail(f"{record}: {exc}", EXIT_INPUT)
        if fmt == "json":
            click.echo(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
        else:
            click.echo(f"{answer['dataset']}: score {100 * answer['score']:.1f} %")
            for t in answer["tests"]:
                click.echo(f"  {t['outcome']:<12} {t['principle']:<5} {t['test']}")
        return
    from pancommons.fair.online import OnlineConfig
    from pancommons.fair.scope import ScopeError, parse_scope

    settings: Settings = ctx.obj
    try:
        parsed = parse_scope(scope)
    except ScopeError as exc:
        fail(str(exc), EXIT_USAGE)
    config = None
    if online:
        config = OnlineConfig(
            doi_resolver=settings.doi_resolver,
            handle_resolver=settings.handle_resolver,
            rate=settings.online_rate,
            timeout=settings.online_timeout,
            cache_dir=Path(settings.state) / "online",
        )
    with errors_as_exit_codes(), _open(ctx) as store, _fetch_progress() as bar:
        task = bar.add_task("online checks", total=None, visible=online)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = assess(
            store, settings.base, full=full, scope=parsed, online=config, progress=progress
        )
    if result.online is not None:
        st = result.online
        click.echo(
            f"online: {st.requests:,} requests to {len(st.per_host):,} hosts, "
            f"{st.cache_hits:,} cached answers, {st.not_modified:,} not modified",
            err=True,
        )
    principles: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s in result.scores.values():
        for letter, (earned, possible) in s.by_letter().items():
            principles[letter][0] += earned
            principles[letter][1] += possible
    summary = {
        "run": result.run_id,
        "scope": str(parsed),
        "online": online,
        "graph": result.graph,
        "full": result.full,
        "datasets": len(result.scores),
        "mean_score": round(result.mean, 4),
        "distribution": result.distribution(),
        "principles": {
            k: round(v[0] / v[1], 4) if v[1] else None for k, v in sorted(principles.items())
        },
    }
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    mode = "all datasets" if result.full else "changed datasets"
    click.echo(f"assessed {len(result.scores):,} {mode} → <{result.graph}>")
    click.echo(f"mean score {100 * result.mean:.1f} %")
    for letter, share in summary["principles"].items():  # type: ignore[union-attr]
        click.echo(f"  {letter}  {'–' if share is None else f'{100 * share:.1f} %'}")
    click.echo("distribution (datasets per 10 % band):")
    for i, n in enumerate(result.distribution()):
        click.echo(f"  {10 * i:>3}–{10 * i + 10:<3} % {n:>6,}")
