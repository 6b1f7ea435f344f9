"""Charts drawn on the server as SVG, so that they show without JavaScript (GOV.UK
"Data visualisation": every chart has its data in a table beside it, which the page
gives). Bars only: horizontal, one group per row, one bar per series, each series with
its own colour and pattern so that colour is not the only difference (WCAG 1.4.1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape

# GOV.UK Design System colours with a contrast of at least 3:1 on white (WCAG 1.4.11).
SERIES_STYLES = (
    ("#1d70b8", ""),  # blue, solid
    ("#d4351c", "app-chart-hatch"),  # red, hatched
    ("#00703c", "app-chart-dots"),  # green, dotted
    ("#505a5f", "app-chart-cross"),  # dark grey, cross-hatched
)
LABEL_WIDTH = 150
BAR_AREA = 360
BAR_HEIGHT = 14
GAP = 10


@dataclass(frozen=True)
class Bar:
    series: int
    x: int
    y: int
    width: int
    value: str


def bar_chart(
    *, uid: str, title: str, labels: list[str], series: list[tuple[str, list]], percent=False
) -> str:
    """An SVG bar chart: `series` is [(name, [value per label])]; None draws no bar. `uid`
    keeps its pattern ids apart from another chart's on the same page."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = max(values, default=0) or 1
    if percent:
        top = 1
    group = len(series) * BAR_HEIGHT + GAP
    height = max(len(labels), 1) * group + 30
    width = LABEL_WIDTH + BAR_AREA + 60
    parts = [
        f'<svg class="app-chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}. The data is in the table that follows." '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">',
        _patterns(uid),
    ]
    for i, label in enumerate(labels):
        y0 = i * group + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y0 + group / 2}" text-anchor="end" '
            f'class="app-chart__label">{escape(label)}</text>'
        )
        for s, (_, vs) in enumerate(series):
            value = vs[i] if i < len(vs) else None
            if value is None:
                continue
            w = round(BAR_AREA * value / top)
            y = y0 + s * BAR_HEIGHT
            colour, pattern = SERIES_STYLES[s % len(SERIES_STYLES)]
            fill = f"url(#{pattern}-{uid})" if pattern else colour
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{max(w, 1)}" height="{BAR_HEIGHT - 2}" '
                f'fill="{fill}" stroke="{colour}"/>'
                f'<text x="{LABEL_WIDTH + max(w, 1) + 4}" y="{y + BAR_HEIGHT - 4}" '
                f'class="app-chart__value">{escape(_shown(value, percent))}</text>'
            )
    legend_y = height - 10
    x = LABEL_WIDTH
    for s, (name, _) in enumerate(series):
        colour, pattern = SERIES_STYLES[s % len(SERIES_STYLES)]
        fill = f"url(#{pattern}-{uid})" if pattern else colour
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{fill}" '
            f'stroke="{colour}"/><text x="{x + 16}" y="{legend_y}" '
            f'class="app-chart__label">{escape(name)}</text>'
        )
        x += 16 + 8 * len(name) + 16
    parts.append("</svg>")
    return "".join(parts)


def _shown(value, percent: bool) -> str:
    return f"{value:.0%}" if percent else str(value)


def _patterns(uid: str) -> str:
    defs = []
    for colour, pattern in SERIES_STYLES:
        if pattern == "app-chart-hatch":
            body = f'<path d="M0,6 L6,0" stroke="{colour}" stroke-width="2"/>'
        elif pattern == "app-chart-dots":
            body = f'<circle cx="3" cy="3" r="2" fill="{colour}"/>'
        elif pattern == "app-chart-cross":
            body = f'<path d="M0,0 L6,6 M6,0 L0,6" stroke="{colour}" stroke-width="1.5"/>'
        else:
            continue
        defs.append(
            f'<pattern id="{pattern}-{uid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f"{body}</pattern>"
        )
    return "<defs>" + "".join(defs) + "</defs>"
