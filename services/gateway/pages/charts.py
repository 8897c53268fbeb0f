"""Charts drawn on the server as inline SVG: no script, no style attribute (the CSP allows
neither), presentation attributes and CSS classes only. Each has a title and a text
description for screen readers; the pages print the numbers beside them as well."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 44, 28, 12


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # a class of app.css that colours it (the legend names it too)
    values: Sequence[float]


def _frame(title: str, description: str, body: str, legend: Sequence[Series] = ()) -> Markup:
    keys = "".join(
        f'<g class="legend"><rect x="{PAD_LEFT + 120 * i}" y="{HEIGHT - 12}" width="10" '
        f'height="10" class="{escape(s.css)}"/><text x="{PAD_LEFT + 14 + 120 * i}" '
        f'y="{HEIGHT - 3}">{escape(s.name)}</text></g>'
        for i, s in enumerate(legend)
    )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + (14 if legend else 0)}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        f"{body}{keys}</svg>"
    )


def _axis(top: float, labels: Sequence[str]) -> str:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    lines = [
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" '
        f'y2="{PAD_TOP + plot_h}"/>',
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH}" '
        f'y2="{PAD_TOP + plot_h}"/>',
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end">'
        f"{escape(_num(top))}</text>",
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    if labels:
        step = (WIDTH - PAD_LEFT) / len(labels)
        every = max(1, len(labels) // 8)
        for i, label in enumerate(labels):
            if i % every == 0 or i == len(labels) - 1:
                x = PAD_LEFT + step * (i + 0.5)
                lines.append(
                    f'<text class="tick" x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" '
                    f'text-anchor="middle">{escape(label)}</text>'
                )
    return "".join(lines)


def _num(value: float) -> str:
    return f"{value:.2f}" if value < 10 and value != int(value) else f"{value:,.0f}"


def stacked_bars(
    title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = ""
) -> Markup:
    """One bar per label, the series stacked (e.g. classifications per day)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = (WIDTH - PAD_LEFT) / max(len(labels), 1)
    bars = []
    width = min(step * 0.7, 48.0)  # one or two days must not draw a wall
    for i, label in enumerate(labels):
        y = float(PAD_TOP + plot_h)
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            bars.append(
                f'<rect class="{escape(s.css)}" x="{PAD_LEFT + step * (i + 0.5) - width / 2:.1f}" '
                f'y="{y:.1f}" width="{width:.1f}" height="{h:.1f}">'
                f"<title>{escape(label)}: {escape(s.name)} {escape(_num(value))}{unit}"
                f"</title></rect>"
            )
    description = "; ".join(
        f"{label}: " + ", ".join(f"{s.name} {_num(s.values[i])}{unit}" for s in series)
        for i, label in enumerate(labels)
    )
    return _frame(title, description or "no data", _axis(top, labels) + "".join(bars), series)


def line(title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "") -> Markup:
    """A line with a dot per point (e.g. failure rate per build, 0..1 as percent)."""
    top = max(values, default=0) or 1
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = (WIDTH - PAD_LEFT) / max(len(values), 1)
    points = [
        (PAD_LEFT + step * (i + 0.5), PAD_TOP + plot_h - plot_h * v / top)
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
        f"<title>{escape(labels[i])}: {escape(_num(values[i]))}{unit}</title></circle>"
        for i, (x, y) in enumerate(points)
    )
    body = _axis(top, labels)
    if points:
        body += f'<polyline class="trend" fill="none" points="{path}"/>' + dots
    description = ", ".join(
        f"{label}: {_num(v)}{unit}" for label, v in zip(labels, values, strict=True)
    )
    return _frame(title, description or "no data", body)
