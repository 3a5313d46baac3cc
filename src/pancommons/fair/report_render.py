"""The FAIR report (``report.build_report``) as HTML, Markdown, JSON or Turtle.

HTML is one self-contained file: inline CSS and SVG (``charts``), no script, no external request,
headings, table headers and chart descriptions for screen readers, a print style. Markdown is
for wikis and issues. Turtle gives the aggregates as DQV quality measurements on the scope's
node (the catalogue, a facility, an instrument, a technique or a source graph).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from pancommons import vocab
from pancommons.fair import charts
from pancommons.fair.charts import PRINCIPLES, pct
from pancommons.fair.report import EMBARGO_STATES

DQV = Namespace("http://www.w3.org/ns/dqv#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCT = Namespace("http://purl.org/dc/terms/")
PAN = Namespace(str(vocab.PAN))
DIMENSION = "https://w3id.org/pan-commons/dimension/"
EMBARGO_LABELS = dict(
    zip(
        EMBARGO_STATES,
        ("Under embargo", "Release overdue", "Released", "No end of embargo stated"),
        strict=True,
    )
)


def thousands(n: int | float | None) -> str:
    return "0" if n is None else f"{n:,}"


def href(value: str) -> str:
    """A link target for an IRI from the graph: http(s) only (a harvested ``javascript:`` IRI
    must not become a link), else none."""
    return value if value.startswith(("http://", "https://")) else "#"


@cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["thousands"] = thousands
    env.filters["href"] = href
    return env


def render(report: dict[str, Any], fmt: str, base: str = vocab.DEFAULT_BASE) -> str:
    """``report`` as ``fmt`` (html, md, json or ttl)."""
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return html(report)
    if fmt == "md":
        return markdown(report)
    if fmt == "ttl":
        return turtle(report, base).serialize(format="turtle")
    raise ValueError(f"report format {fmt!r}: one of html, md, json, ttl")


def _breakdowns(r: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    return [
        ("instruments", "Per instrument", r["instruments"]),
        ("techniques", "Per technique", r["techniques"]),
        ("facilities", "Comparison with the other facilities in the graph", r["facilities"]),
    ]


def html(r: dict[str, Any]) -> str:
    svg = {
        "principles": charts.principles(r["principles"], r["fuji"]["principles"]),
        "distribution": charts.histogram(r["distribution"]),
        "trend": charts.trend([(t["started"], t["score"]) for t in r["trend"]]),
    }
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            r=r,
            charts=svg,
            principle_names=PRINCIPLES,
            embargo_labels=list(EMBARGO_LABELS.items()),
            breakdowns=_breakdowns(r),
        )
    )


def _cell(text: object) -> str:
    """A Markdown table cell: one line; pipes and angle brackets escaped (no raw HTML)."""
    line = " ".join(str(text).split()).replace("|", "\\|")
    return line.replace("<", "&lt;").replace(">", "&gt;")


def _url(iri: str) -> str:
    """An IRI as a Markdown link destination (percent-encoded where Markdown would break)."""
    return quote(iri, safe=":/?#[]@!$&'*+,;=%~")


def _link(text: str, target: str) -> str:
    """A Markdown link to an http(s) IRI (else the text alone), brackets in the text escaped;
    table cells are escaped further by ``_cell``."""
    text = text.replace("[", "\\[").replace("]", "\\]")
    return f"[{text}]({_url(target)})" if href(target) != "#" else text


def _code(text: str) -> str:
    """``text`` as one inline code span (a remediation snippet: XML and JSON shown as typed)."""
    line = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall("`+", line)), default=0) + 1)
    return f"{fence} {line} {fence}"


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def markdown(r: dict[str, Any]) -> str:
    run = r["run"]
    lines = [
        f"# {r['title']}",
        "",
        f"{thousands(r['datasets'])} datasets assessed · metric set {r['metric_set']} · latest run "
        f"{run['started'][:19].replace('T', ' ') + ' UTC' if run else 'none'} · generated "
        f"{r['generated'][:19].replace('T', ' ')} UTC by PaN Commons {r['software_version']}",
        "",
        "## Headline scores",
        "",
    ]
    rows: list[list[object]] = [["**FAIR score**", pct(r["score"]), pct(r["fuji"]["score"])]]
    rows += [
        [name, pct(r["principles"][k]), pct(r["fuji"]["principles"][k])] for k, name in PRINCIPLES
    ]
    lines += _table(["", "PaN", f"F-UJI v{r['fuji']['version']}"], rows)
    lines += ["## Score distribution", ""]
    lines += _table(
        ["Score band", "Datasets"],
        [[f"{10 * i}–{10 * (i + 1)} %", n] for i, n in enumerate(r["distribution"])],
    )
    lines += ["## Trend over runs", ""]
    if len(r["trend"]) < 2:
        lines += ["Only one assessment run so far: the trend starts with the next run.", ""]
    lines += _table(
        ["Run started", "Datasets", "Mean score"],
        [[t["started"][:19].replace("T", " "), thousands(t["datasets"]), pct(t["score"])]
         for t in r["trend"]],
    )  # fmt: skip
    lines += ["## Top fixes", ""]
    for i, f in enumerate(r["fixes"], 1):
        s = "" if f["datasets"] == 1 else "s"
        lines += [
            f"{i}. **{f['message'] or f['name']}** Fix {thousands(f['datasets'])} dataset{s}: "
            f"+{f['gain']:.1f} points on average (test `{f['name']}`, {f['principle']})",
        ]
        if f["remediation"]:
            lines += ["", f"   {_code(f['remediation'])}", ""]
    if not r["fixes"]:
        lines += ["Nothing to fix: no test failed."]
    lines += ["", "## Metrics", ""]
    lines += _table(
        ["Principle", "Metric", "Pass rate", *[f"Maturity {k}" for k in range(4)]],
        [
            [m["principle"], m["title"] or m["metric"], pct(m["pass_rate"]),
             *[thousands(m["maturity"][str(k)]) for k in range(4)]]
            for m in r["metrics"]
        ],
    )  # fmt: skip
    lines += ["## Lowest-scoring datasets", ""]
    lines += _table(
        ["Dataset", "Score", "Failing checks"],
        [
            [_link(w["title"] or w["dataset"], w["dataset"]), pct(w["score"]),
             ", ".join(f["name"] for f in w["failing"])]
            for w in r["worst"]
        ],
    )  # fmt: skip
    lines += ["## Embargo status", ""]
    lines += _table(
        [f"Status on {r['embargo']['as_of']}", "Datasets"],
        [[label, thousands(r["embargo"]["counts"][k])] for k, label in EMBARGO_LABELS.items()],
    )
    for o in r["embargo"]["overdue"]:
        link = _cell(_link(o["dataset"], o["dataset"]))
        lines.append(f"- overdue: {link} (ended {o['release_date']})")
    for key, title, groups in _breakdowns(r):
        lines += ["", f"## {title}", ""]
        lines += _table(
            [key[:-1].capitalize(), "Datasets", "Score", *"FAIR", "F-UJI"],
            [
                [f"**{g['label']}**" if g.get("in_scope") else g["label"],
                 thousands(g["datasets"]), pct(g["score"]),
                 *[pct(g["principles"][k]) for k in "FAIR"], pct(g["fuji"])]
                for g in groups
            ],
        )  # fmt: skip
    lines += ["## Appendix: the metrics", ""]
    lines += _table(
        ["Metric", "Test", "What it checks", "Points", "Maturity", "FsF", "ESRF"],
        [
            [f"{m['principle']} {m['title']}", t["name"], t["message"], t["points"],
             t["maturity"], ", ".join(t["maps_to"]["fsf"]), ", ".join(t["maps_to"]["esrf"])]
            for m in r["appendix"]
            for t in m["tests"]
        ],
    )  # fmt: skip
    return "\n".join(lines)


def scope_node(r: dict[str, Any], base: str) -> URIRef:
    """What the aggregates are computed on: the catalogue (all), the facility (when the scope's
    datasets are one facility's), the instrument or technique IRI, the source graph; else a
    node minted for the scope."""
    kind, _, value = r["scope"].partition(":")
    if kind == "all":
        return URIRef(base.rstrip("/") + "/dcat")  # the DCAT-AP catalogue (``/dcat``)
    if kind in ("instrument", "technique"):
        return URIRef(value)
    if kind == "source":
        return URIRef(vocab.source_graph(value, base))
    mine = [g["key"] for g in r["facilities"] if g.get("in_scope")]
    if len(mine) == 1:
        return URIRef(mine[0])
    return URIRef(vocab.mint("assessment", "report", r["scope"], base=base))


def turtle(r: dict[str, Any], base: str = vocab.DEFAULT_BASE) -> Graph:
    """The aggregates as DQV: the mean score, per principle, the F-UJI view and per metric the
    pass rate, each a ``dqv:QualityMeasurement`` computed on the scope's node."""
    g = Graph()
    for prefix, ns in (("dqv", DQV), ("prov", PROV), ("dct", DCT), ("pan", PAN)):
        g.bind(prefix, ns)
    on = scope_node(r, base)
    as_of = r["run"]["started"] if r["run"] else "none"  # one set of nodes per scope and run
    node_base = vocab.mint("assessment", "report", f"{r['scope']} {as_of}", base=base)
    run = URIRef(r["run"]["iri"]) if r["run"] else None
    metric_base = base.rstrip("/") + "/metric/"

    def measure(key: str, metric: str, value: float | None, label: str) -> None:
        if value is None:
            return
        m = URIRef(f"{node_base}/{key}")
        g.add((m, RDF.type, DQV.QualityMeasurement))
        g.add((m, DQV.computedOn, on))
        g.add((m, DQV.isMeasurementOf, URIRef(metric)))
        g.add((m, DQV.value, Literal(f"{value:.4f}", datatype=XSD.decimal)))
        g.add((m, RDFS.label, Literal(label, lang="en")))
        g.add((m, PAN.datasets, Literal(r["datasets"])))
        g.add((m, PAN.metricSetVersion, Literal(r["metric_set"])))
        g.add((m, DCT.issued, Literal(r["generated"], datatype=XSD.dateTime)))
        if run is not None:
            g.add((m, PROV.wasDerivedFrom, run))

    measure("score", metric_base + "score", r["score"], "mean FAIR score")
    measure("fuji", metric_base + "fuji-score", r["fuji"]["score"], "F-UJI-compatible score")
    for k, name in PRINCIPLES:
        metric = URIRef(f"{metric_base}score/{name}")
        g.add((metric, RDF.type, DQV.Metric))
        g.add((metric, DQV.inDimension, URIRef(DIMENSION + name)))
        measure(f"score-{k}", str(metric), r["principles"][k], f"mean {name} score")
    for m in r["metrics"]:
        name = m["metric"].rsplit("/", 1)[-1]
        measure(f"pass-rate-{name}", m["metric"], m["pass_rate"], f"pass rate: {m['title']}")
    return g
