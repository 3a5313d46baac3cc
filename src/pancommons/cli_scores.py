"""``pancommons scores``: the latest FAIR scores of a scope, aggregated, with the trend over runs
and breakdowns per facility, instrument, technique, year or source."""

from __future__ import annotations

import json

import click

from pancommons.config import Settings
from pancommons.fair.scope import GROUPS, SCOPE_HELP

scope_option = click.option("--scope", default="all", show_default=True, help=SCOPE_HELP)
"""``--scope`` of the commands that read a part of the graph (``scores``, ``export``)."""


@click.command("scores")
@scope_option
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice(GROUPS),
    help="Also break the scores down per group (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def scores_cmd(ctx: click.Context, scope: str, by: tuple[str, ...], fmt: str) -> None:
    """Show the latest FAIR scores (no new assessment: run `pancommons assess` first)."""
    from pancommons.cli import EXIT_INPUT, _open, errors_as_exit_codes, fail
    from pancommons.fair.aggregate import scores_summary
    from pancommons.fair.scope import ScopeError, parse_scope
    from pancommons.fair.shapes import load_shapes
    from pancommons.fair.tests import fair_tests

    settings: Settings = ctx.obj
    try:
        parsed = parse_scope(scope)
    except ScopeError as exc:
        fail(str(exc), EXIT_INPUT)
    with errors_as_exit_codes(), _open(ctx, read_only=True) as store:
        tests = fair_tests(load_shapes().graph)
        summary = scores_summary(store, tests, settings.base, parsed, by)
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    if not summary["datasets"]:
        click.echo(f"no assessed dataset in scope {summary['scope']} (run `pancommons assess`)")
        return

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{100 * v:.1f} %"

    run = summary["run"]
    click.echo(
        f"scope {summary['scope']}: {summary['datasets']:,} datasets, metric set "
        f"{summary['metric_set']}, latest run {run['started'] if run else '–'}"
    )
    fuji = summary["fuji"]
    click.echo(f"score {pct(summary['score'])}   F-UJI v{fuji['version']}: {pct(fuji['score'])}")
    for k, v in summary["principles"].items():
        click.echo(f"  {k}  {pct(v):>8}   (F-UJI {pct(fuji['principles'][k])})")
    if len(summary["trend"]) > 1:
        click.echo("trend: " + " → ".join(pct(t["score"]) for t in summary["trend"]))
    click.echo("top fixes (mean score gain over the scope):")
    for f in summary["fixes"][:5]:
        name = f["test"].rsplit("/", 1)[-1]
        click.echo(f"  +{f['gain']:5.2f} points  {name} ({f['datasets']:,} datasets)")
    for key, rows in summary["groups"].items():
        click.echo(f"per {key}:")
        for g in rows:
            click.echo(f"  {pct(g['score']):>8}  {g['datasets']:>7,}  {g['label']}")
