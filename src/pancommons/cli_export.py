"""``pancommons export oai-dc|datacite|dcat [--scope] -o DIR``: what ``/oai`` and ``/dcat`` serve,
as files (for a file-based harvest, a data deposit, or a diff between two graphs)."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import click

from pancommons.cli_scores import scope_option
from pancommons.config import Settings

FORMATS = ("oai-dc", "datacite", "dcat")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(dataset: str) -> str:
    """A portable file name for a dataset IRI: readable, unique (hash suffix), ≤ 120 chars."""
    readable = _UNSAFE.sub("_", dataset.split("://", 1)[-1]).strip("_")[:96]
    digest = hashlib.sha1(dataset.encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{readable}.{digest}.xml"


@click.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS))
@scope_option
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into (created if missing).",
)
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, scope: str, out: Path) -> None:
    """Write the datasets as oai_dc or DataCite XML (one file per dataset, with index.tsv) or
    as the DCAT-AP catalogue (Turtle, JSON-LD, RDF/XML)."""
    from pancommons.cli import EXIT_USAGE, _open, errors_as_exit_codes, fail
    from pancommons.fair.scope import ScopeError, parse_scope

    settings: Settings = ctx.obj
    try:
        parsed = parse_scope(scope)
    except ScopeError as exc:
        fail(str(exc), EXIT_USAGE)
    with errors_as_exit_codes(), _open(ctx, read_only=True) as store:
        if fmt == "dcat":
            from pancommons.dcat.export import export_dcat

            paths = export_dcat(store, settings.base, out, scope=str(parsed))
            for p in paths:
                click.echo(str(p))
            return
        written = export_xml(store, settings.base, out, fmt, parsed)
    click.echo(f"{written:,} records written to {out} (index: {out / 'index.tsv'})")


def export_xml(store, base: str, out: Path, fmt: str, scope) -> int:  # type: ignore[no-untyped-def]
    from lxml import etree

    from pancommons.fair.scope import datasets_in
    from pancommons.oai import ledger
    from pancommons.oai.facts import gather
    from pancommons.oai.formats import datacite, dublin_core

    build = datacite if fmt == "datacite" else dublin_core
    chosen = sorted(datasets_in(store, scope, base))
    stamps = ledger.entries(store, chosen, base)
    out.mkdir(parents=True, exist_ok=True)
    rows = ["file\tdataset\tdatestamp"]
    with click.progressbar(length=len(chosen), label=f"exporting {fmt}", file=sys.stderr) as bar:
        for i in range(0, len(chosen), 100):
            page = chosen[i : i + 100]
            facts = gather(store, page)
            for d in page:
                stamp = stamps[d].datestamp if d in stamps else ledger.now()
                name = file_name(d)
                xml = etree.tostring(
                    build(facts, d, stamp),
                    xml_declaration=True,
                    encoding="UTF-8",
                    pretty_print=True,
                )
                (out / name).write_bytes(xml)
                rows.append(f"{name}\t{d}\t{stamp}")
            bar.update(len(page))
    (out / "index.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(chosen)
