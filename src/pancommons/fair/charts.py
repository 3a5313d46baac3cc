"""Inline SVG charts for the FAIR report: no script, no external request, readable in print.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (what a screen reader
says: the figures themselves) and ``data-chart`` naming it; every text is XML-escaped here.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

INK, BAR, ALT, GRID = "#1d2b36", "#2f6f9f", "#c77c1e", "#d5dde3"
PRINCIPLES = (("F", "Findable"), ("A", "Accessible"), ("I", "Interoperable"), ("R", "Reusable"))


def pct(v: float | None) -> str:
    """A 0-1 score as a percentage, one decimal ("n/a" when nothing could be tested)."""
    return "n/a" if v is None else f"{100 * v:.1f} %"


def _svg(kind: str, title: str, desc: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" data-chart={quoteattr(kind)} '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{kind}-title {kind}-desc">'
        f'<title id="{kind}-title">{escape(title)}</title>'
        f'<desc id="{kind}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}">{escape(text)}</text>'
    )


def histogram(counts: list[int]) -> str:
    """Datasets per tenth of the score scale, as columns."""
    width, height, left, bottom, top = 520, 220, 40, 30, 20
    inner_w, inner_h = width - left - 10, height - bottom - top
    peak = max(counts) if any(counts) else 1
    step = inner_w / len(counts)
    body = [f'<line x1="{left}" y1="{top + inner_h}" x2="{width - 10}" y2="{top + inner_h}" '
            f'stroke="{INK}"/>']  # fmt: skip
    for i, n in enumerate(counts):
        h = inner_h * n / peak
        x = left + i * step
        low, high = 10 * i, 10 * (i + 1)
        body.append(
            f'<rect x="{x + 3:.1f}" y="{top + inner_h - h:.1f}" width="{step - 6:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{low}–{high} %: {n} datasets</title></rect>'
        )
        body.append(_text(x + step / 2, top + inner_h - h - 4, str(n), size=10))
        body.append(_text(x + step / 2, height - 12, f"{low}–{high}", size=10))
    desc = "; ".join(f"{10 * i}–{10 * (i + 1)} %: {n}" for i, n in enumerate(counts))
    return _svg("distribution", "Datasets per score band (%)", desc, width, height, body)


def trend(points: list[tuple[str, float]]) -> str:
    """The scope's mean score after each run (a line; one run is a single point)."""
    width, height, left, bottom, top = 520, 220, 44, 40, 20
    inner_w, inner_h = width - left - 20, height - bottom - top
    body = []
    for pct in (0, 50, 100):
        y = top + inner_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" '
                    f'stroke="{GRID}"/>')  # fmt: skip
        body.append(_text(left - 6, y + 4, f"{pct} %", anchor="end", size=10))
    n = len(points)
    xy = [
        (left + (inner_w * i / (n - 1) if n > 1 else inner_w / 2), top + inner_h * (1 - v))
        for i, (_, v) in enumerate(points)
    ]
    if n > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    for (label, v), (x, y) in zip(points, xy, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}">'
            f"<title>{escape(label)}: {100 * v:.1f} %</title></circle>"
        )
    if points:
        body.append(_text(xy[0][0], height - 14, points[0][0][:10], size=10))
        if n > 1:
            body.append(_text(xy[-1][0], height - 14, points[-1][0][:10], size=10))
    desc = "; ".join(f"{label}: {100 * v:.1f} %" for label, v in points) or "no run"
    return _svg("trend", "Mean score after each assessment run", desc, width, height, body)


def principles(ours: dict[str, float | None], fuji: dict[str, float | None]) -> str:
    """Per FAIR principle, our score and the F-UJI-compatible one, as paired bars."""
    width, height, left, row = 520, 190, 110, 40
    inner_w = width - left - 60
    body = []
    for i, (letter, name) in enumerate(PRINCIPLES):
        y = 14 + i * row
        body.append(_text(left - 8, y + 14, name, anchor="end"))
        for j, (values, colour, who) in enumerate(((ours, BAR, "PaN"), (fuji, ALT, "F-UJI"))):
            v = values.get(letter)
            w = inner_w * (v or 0)
            label = pct(v)
            body.append(
                f'<rect x="{left}" y="{y + j * 13}" width="{w:.1f}" height="11" fill="{colour}">'
                f"<title>{who} {name}: {label}</title></rect>"
            )
            body.append(_text(left + w + 4, y + j * 13 + 10, f"{who} {label}", anchor="start",
                              size=10))  # fmt: skip
    desc = "; ".join(f"{k}: PaN {pct(ours.get(k))}, F-UJI {pct(fuji.get(k))}" for k in "FAIR")
    return _svg("principles", "Score per FAIR principle, PaN and F-UJI", desc, width, height, body)
