"""``pancommons report``: the FAIR self-evaluation report of a scope (DESIGN §8) as HTML,
Markdown, JSON or Turtle."""

from __future__ import annotations

from pathlib import Path

import click

from pancommons.cli_scores import scope_option
from pancommons.config import Settings

SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".json": "json", ".ttl": "ttl"}


@click.command("report")
@scope_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "json", "ttl"]),
    help="Output format [default: from the -o suffix, else html].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE (folders created) instead of standard output.",
)
@click.pass_context
def report_cmd(ctx: click.Context, scope: str, fmt: str | None, output: Path | None) -> None:
    """Write the FAIR self-evaluation report of a scope from the latest assessment results
    (no new assessment: run `pancommons assess` first)."""
    from pancommons.cli import EXIT_INPUT, _open, errors_as_exit_codes, fail
    from pancommons.fair.report import build_report
    from pancommons.fair.report_render import render
    from pancommons.fair.scope import ScopeError, parse_scope
    from pancommons.fair.shapes import load_shapes

    settings: Settings = ctx.obj
    try:
        parsed = parse_scope(scope)
    except ScopeError as exc:
        fail(str(exc), EXIT_INPUT)
    fmt = fmt or (SUFFIXES.get(output.suffix.lower(), "html") if output else "html")
    with errors_as_exit_codes(), _open(ctx, read_only=True) as store:
        report = build_report(store, load_shapes(), settings.base, parsed)
    text = render(report, fmt, settings.base)
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    score = "n/a" if report["score"] is None else f"{100 * report['score']:.1f} %"
    click.echo(
        f"report of {report['scope']} ({report['datasets']:,} datasets, score {score}) "
        f"written to {output} ({fmt})",
        err=True,
    )
