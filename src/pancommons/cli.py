"""The ``pancommons`` command line (DESIGN §10).

Exit codes (also in docs/cli.md):

==  =============================================================================
0   success
1   unexpected internal error (a bug: please report it with the command line)
2   usage error (unknown command or option, missing argument)
3   store error (cannot open or reach the store, write refused, server error)
4   SPARQL syntax error in a query or update
5   input error (a file that does not exist or does not parse as RDF, unknown named query,
    a source TOML that is missing or wrong)
6   a harvest failed (source unreachable or broken); its previous graph is kept
==  =============================================================================
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from pyoxigraph import QueryBoolean, QuerySolutions

from pancommons import __version__
from pancommons.config import Settings
from pancommons.formats import RDF_FORMATS, RESULT_FORMATS, is_tabular, serialize_result
from pancommons.store import QuerySyntaxError, RdfSyntaxError, Store, StoreError, open_store
from pancommons.store.base import guess_format

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_STORE, EXIT_QUERY, EXIT_INPUT = 0, 1, 2, 3, 4, 5


class InputError(Exception):
    """Bad input named on the command line."""


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"pancommons: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def errors_as_exit_codes() -> Iterator[None]:
    try:
        yield
    except QuerySyntaxError as exc:
        fail(f"SPARQL syntax error: {_one_line(str(exc))}", EXIT_QUERY)
    except RdfSyntaxError as exc:
        fail(_one_line(str(exc)), EXIT_INPUT)
    except InputError as exc:
        fail(str(exc), EXIT_INPUT)
    except StoreError as exc:
        fail(_one_line(str(exc)), EXIT_STORE)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_location",
    metavar="PATH|URL",
    help="Directory of the embedded store or URL of a SPARQL endpoint "
    "[env PANCOMMONS_STORE; default ./data/store].",
)
@click.option("--base", metavar="IRI", help="Base IRI [env PANCOMMONS_BASE].")
@click.version_option(__version__, prog_name="pancommons")
@click.pass_context
def cli(ctx: click.Context, store_location: str | None, base: str | None) -> None:
    """PaN Commons: harvest photon and neutron facility catalogues into one knowledge graph,
    assess their FAIRness and serve them."""
    ctx.obj = Settings.from_env(store=store_location, base=base)


def _open(ctx: click.Context, *, read_only: bool = False) -> Store:
    settings: Settings = ctx.obj
    # A command that only reads opens an existing store read-only, never for writing: a
    # writable open may compact and delete files that a read-only server beside it still reads.
    # Where there is no store yet, nobody can be reading it: an empty one is created.
    exists = settings.is_remote or (Path(settings.store) / "CURRENT").exists()
    return open_store(settings, read_only=read_only and exists)


def _progress():  # type: ignore[no-untyped-def]
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=_stderr_console(),
        transient=False,
    )


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


# --- load ---------------------------------------------------------------------------------------


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--graph",
    metavar="IRI",
    help="Named graph to load into [default: {base}/graph/source/{file name without extension}].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RDF_FORMATS)),
    help="RDF format [default: from the file extension].",
)
@click.option("--replace", is_flag=True, help="Replace the graph atomically instead of adding.")
@click.pass_context
def load(
    ctx: click.Context, files: tuple[Path, ...], graph: str | None, fmt: str | None, replace: bool
) -> None:
    """Load RDF FILEs into the store (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD)."""
    from pancommons.ontology import ensure_ontologies
    from pancommons.vocab import source_graph

    settings: Settings = ctx.obj
    with errors_as_exit_codes():
        for f in files:
            if not f.is_file():
                raise InputError(f"{f}: no such file")
            if not fmt:
                guess_format(f)
        with _open(ctx) as store:
            ensure_ontologies(store, settings.base)
            total = sum(f.stat().st_size for f in files)
            with _progress() as progress:
                task = progress.add_task("loading", total=total)
                for f in files:
                    target = graph or source_graph(_slugify(f.stem), settings.base)
                    progress.update(task, description=f"loading {f.name}")
                    before = store.count(target)
                    fmt_value = RDF_FORMATS[fmt] if fmt else None

                    def advance(n: int) -> None:
                        progress.advance(task, n)

                    if replace:
                        store.replace_graph(f, graph=target, format=fmt_value, progress=advance)
                    else:
                        store.load(f, graph=target, format=fmt_value, progress=advance)
                    after = store.count(target)
                    click.echo(f"{f}: <{target}> now has {after} triples ({after - before:+d})")
            sources = f"{settings.base.rstrip('/')}/graph/source/"
            if graph is None or graph.startswith(sources):  # datasets may have changed
                from pancommons.oai.ledger import try_sync

                # quads keep their own graphs: which changed is unknown, so compare them all
                quads = any(
                    (RDF_FORMATS[fmt] if fmt else guess_format(f)).supports_datasets for f in files
                )
                changed = {graph or source_graph(_slugify(f.stem), settings.base) for f in files}
                try_sync(store, settings.base, graphs=None if quads else changed)


def _slugify(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._")
    return slug or "file"


# --- load-ontologies ----------------------------------------------------------------------------


@cli.command("load-ontologies")
@click.pass_context
def load_ontologies_cmd(ctx: click.Context) -> None:
    """(Re)load PaNET, NeXus, PaN-mapping and the pan: vocabulary, and the PaNET closure."""
    from pancommons.ontology import load_ontologies

    settings: Settings = ctx.obj
    with errors_as_exit_codes(), _open(ctx) as store:
        load_ontologies(
            store,
            settings.base,
            on_loaded=lambda name, n: click.echo(f"{name}: {n} triples"),
        )


# --- query --------------------------------------------------------------------------------------

_SPARQL_START = re.compile(
    r"^\s*(?:#[^\n]*\n\s*)*(PREFIX|BASE|SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE
)


def resolve_query(arg: str, params: dict[str, str] | None = None) -> str:
    """SPARQL text for a named query, a file, ``-`` (stdin) or an inline query.

    A named query has its parameters bound (``params``, else the defaults of its header); a
    file takes ``params`` only when given, by the parameters its header declares. Inline and
    stdin queries take none. A bad parameter is an InputError naming it."""
    from pancommons.queries import ParamError, QueryFileError, named_queries, parse_header

    if arg == "-" or _SPARQL_START.match(arg):
        if params:
            raise InputError("--param applies to named queries and .rq files only")
        return sys.stdin.read() if arg == "-" else arg
    path = Path(arg)
    if path.is_file() and not params:
        return path.read_text(encoding="utf-8")
    try:
        if path.is_file():
            return parse_header(path).bind(params)
        named = named_queries()
        if arg not in named:
            raise InputError(
                f"{arg!r} is neither a file, a named query nor SPARQL; named queries: "
                f"{', '.join(named) or '(none)'} (inline SPARQL goes after --: "
                "query -- 'SELECT …')"
            )
        return named[arg].bind(params)
    except (ParamError, QueryFileError) as exc:
        raise InputError(str(exc)) from None


def _parse_params(
    ctx: click.Context, option: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a dict (a usage error without ``=`` or when repeated)."""
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", ctx=ctx, param=option)
        if name in params:
            raise click.BadParameter(f"{name!r} is given more than once", ctx=ctx, param=option)
        params[name] = value
    return params


@cli.command()
@click.argument("query_ref", metavar="NAME|FILE|-- 'SPARQL'")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *RESULT_FORMATS, *RDF_FORMATS]),
    default="table",
    show_default=True,
    help="table/json/csv/tsv/xml for SELECT and ASK (json = SPARQL 1.1 JSON results); "
    "turtle/ntriples/jsonld/rdfxml for CONSTRUCT and DESCRIBE (table prints Turtle).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_parse_params,
    help="Bind a parameter of a named query (repeatable); see queries/README.md. "
    "Unset parameters take their defaults.",
)
@click.pass_context
def query(ctx: click.Context, query_ref: str, fmt: str, params: dict[str, str]) -> None:
    """Run a SPARQL query: a named query from queries/, a .rq FILE, or inline after --."""
    with errors_as_exit_codes():
        text = resolve_query(query_ref, params)
        with _open(ctx, read_only=True) as store:
            result = store.query(text)
            out = sys.stdout.buffer
            if is_tabular(result):
                if fmt in RDF_FORMATS:
                    raise InputError(
                        f"--format {fmt} is for CONSTRUCT/DESCRIBE; use table/json/csv/tsv"
                    )
                if fmt == "table":
                    _print_table(result)  # type: ignore[arg-type]
                else:
                    out.write(serialize_result(result, RESULT_FORMATS[fmt]))
            else:
                if fmt in RESULT_FORMATS:
                    raise InputError(
                        f"--format {fmt} is for SELECT/ASK; use turtle/ntriples/jsonld/rdfxml"
                    )
                out.write(serialize_result(result, RDF_FORMATS.get(fmt, RDF_FORMATS["turtle"])))
            out.flush()


def _print_table(result: QuerySolutions | QueryBoolean) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if isinstance(result, QueryBoolean):
        console.print("true" if bool(result) else "false")
        return
    variables = [v.value for v in result.variables]
    table = Table(*variables, show_lines=False)
    rows = 0
    for solution in result:
        table.add_row(*[_cell(solution[v]) for v in variables])
        rows += 1
    console.print(table)
    console.print(f"{rows} row{'s' if rows != 1 else ''}", style="dim")


def _cell(term: object) -> str:
    if term is None:
        return ""
    value = getattr(term, "value", str(term))
    return str(value)


# --- stats --------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Counts: triples, graphs, datasets, publications, instruments, facilities, people."""
    from pancommons.stats import compute_stats

    with errors_as_exit_codes(), _open(ctx, read_only=True) as store:
        s = compute_stats(store)
        if fmt == "json":
            click.echo(json.dumps(s.as_dict(), indent=2))
            return
        for key in (
            "triples",
            "graphs",
            "datasets",
            "publications",
            "instruments",
            "facilities",
            "proposals",
            "people",
        ):
            click.echo(f"{key:<13}{getattr(s, key):>10,}")
        if s.datasets:
            click.echo("datasets linked to:")
            for what, n in s.datasets_linked.items():
                click.echo(f"  {what:<11}{n:>10,}  ({100 * n / s.datasets:.0f} %)")
        click.echo("per graph:")
        for g, n in s.per_graph.items():
            click.echo(f"  {n:>10,}  {g}")


# --- demo and serve -----------------------------------------------------------------------------


@cli.command()
@click.option("--no-serve", is_flag=True, help="Build the demo store and stop.")
@click.option("--host", help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=int, help="Port [default 8000].")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports/demo.html"),
    show_default=True,
    help="Where to write the demo's FAIR report (HTML; also served at /fair/report).",
)
@click.pass_context
def demo(
    ctx: click.Context, no_serve: bool, host: str | None, port: int | None, report_path: Path
) -> None:
    """Build the demo store from the bundled sample catalogues, write its FAIR report, then
    serve it."""
    from pancommons.demo import build_demo

    settings: Settings = ctx.obj
    with errors_as_exit_codes(), _open(ctx) as store:
        console = _stderr_console()
        with console.status("building the demo store…"):
            build_demo(
                store,
                settings.base,
                state_dir=settings.state,
                on_loaded=lambda name, n: console.print(f"{name}: {n:,} triples"),
            )
        from pancommons.stats import compute_stats

        s = compute_stats(store)
        click.echo(
            f"demo store at {store.location}: {s.triples:,} triples, {s.datasets} datasets, "
            f"{s.publications} publications, {s.instruments} instruments"
        )
        from pancommons.fair.report import build_report
        from pancommons.fair.report_render import render
        from pancommons.fair.shapes import load_shapes

        report = build_report(store, load_shapes(), settings.base)
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(render(report, "html", settings.base), encoding="utf-8")
        click.echo(
            f"FAIR report: {report_path} (mean score {100 * (report['score'] or 0):.1f} %; "
            "also at /fair/report)"
        )
        if not no_serve:
            _serve(settings, host, port, store)


@cli.command()
@click.option("--host", help="Address to listen on [default 127.0.0.1, env PANCOMMONS_HOST].")
@click.option("--port", type=int, help="Port [default 8000, env PANCOMMONS_PORT].")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Server processes [default 1, env PANCOMMONS_WORKERS]; more than one needs a remote "
    "store (the embedded store admits one process).",
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the graph over HTTP (/health, /sparql)."""
    with errors_as_exit_codes():
        _serve(ctx.obj, host, port, workers=workers)


def _serve(
    settings: Settings,
    host: str | None,
    port: int | None,
    store: Store | None = None,
    workers: int | None = None,
) -> None:
    import uvicorn

    from pancommons.api.app import create_app

    settings = Settings.from_env(
        store=settings.store,
        base=settings.base,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
    )
    if settings.workers > 1 and (store is not None or not settings.is_remote):
        raise click.UsageError(
            f"--workers {settings.workers} needs a remote store (--store URL): the embedded "
            f"store at {settings.store} can be opened by one process only"
        )
    from pancommons.store.remote import shown

    where = shown(settings.store) if settings.is_remote else settings.store
    many = f" ({settings.workers} worker processes)" if settings.workers > 1 else ""
    click.echo(f"serving {where} on http://{settings.host}:{settings.port}/{many}", err=True)
    # No per-request access log: it costs ~20% of point-lookup throughput (bench/sparql.py);
    # the reverse proxy in front of a deployment logs requests.
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": False,
        "server_header": False,  # no software banner; SecurityHeaders sets the headers that matter
    }
    if settings.workers == 1:
        uvicorn.run(create_app(settings, store=store), **options)
        return
    # Each worker builds its own app from the environment; the settings given on the command
    # line travel there. Each keeps its own answers; the store's version retires them all.
    for name, value in (("STORE", settings.store), ("BASE", settings.base)):
        os.environ[f"PANCOMMONS_{name}"] = value
    uvicorn.run("pancommons.api.app:create_app", factory=True, workers=settings.workers, **options)


def _register() -> None:
    from pancommons.cli_export import export_cmd
    from pancommons.cli_fair import assess_cmd
    from pancommons.cli_harvest import harvest_cmd
    from pancommons.cli_report import report_cmd
    from pancommons.cli_scores import scores_cmd

    cli.add_command(harvest_cmd)
    cli.add_command(assess_cmd)
    cli.add_command(scores_cmd)
    cli.add_command(report_cmd)
    cli.add_command(export_cmd)


_register()


def main() -> None:
    """Entry point: click handles usage errors (exit 2); anything unexpected is one line, exit 1."""
    try:
        cli.main(prog_name="pancommons")
    except Exception as exc:  # noqa: BLE001 - last resort: one line and a documented exit code
        fail(f"internal error: {type(exc).__name__}: {exc} (please report this)", EXIT_INTERNAL)


if __name__ == "__main__":
    main()
