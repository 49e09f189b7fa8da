"""The trend chart: a figure week by week, this period against the one before, drawn as SVG.

No script and no colour needed to read it: the previous period is dashed, every dot has a
title with its week and value, and a legend names both lines in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 320, 90, 18


def trend_chart(
    labels: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None],
    title: str,
    show: Callable[[float], str],
    names: tuple[str, str] = ("this period", "previous"),
) -> Markup:
    """Two lines on one scale; gaps (None) break a line rather than drawing a false zero.

    With no value in any week the chart says so: its scale was drawn up to a made-up 1, so an
    empty period read "100.0%" or "1 s" beside two flat, empty lines. The scale always starts
    at 0, and its foot says so: with only the top labelled, first contact resolution between
    89 and 92 % drawn on 0 to 93 % read like a line from nothing to the top."""
    if not labels:
        return Markup("")
    known = [v for v in (*current, *previous) if v is not None]
    top = max(known or [1.0]) or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / max(len(labels) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return PAD + i * step, PAD + (1 - v / top) * inner_h

    parts = [_line(previous, point, "previous"), _line(current, point, "current")]
    for i, value in enumerate(current):
        if value is not None:
            x, y = point(i, value)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="current" fill="#2f6f5a"><title>'
                f"{escape(labels[i])}: {escape(show(value))}</title></circle>"
            )
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 4}">{escape(labels[0])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 4}" text-anchor="end">{escape(labels[-1])}</text>'
        f'<text x="{PAD}" y="12">— {escape(names[0])}  ┄ {escape(names[1])}</text>'
        f'<text x="{WIDTH - PAD}" y="12" text-anchor="end">'
        f"{escape(show(top)) if known else 'no data'}</text>"
    )
    if known:
        parts.append(f'<text x="{PAD - 3}" y="{PAD + inner_h + 3}" text-anchor="end">0</text>')
    return Markup(  # noqa: S704 - numbers and escaped text only
        f'<svg class="trend" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" font-size="10" fill="#5f6b66"><title>{escape(title)}</title>'
        f"<desc>{_said(labels, (current, previous), show, names) if known else 'No data'}</desc>"
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{PAD + inner_h}" y2="{PAD + inner_h}" '
        f'class="axis" stroke="#dfe5e2"/>{"".join(parts)}</svg>'
    )


def _said(
    labels: Sequence[str],
    series: tuple[Sequence[float | None], Sequence[float | None]],
    show: Callable[[float], str],
    names: tuple[str, str],
) -> str:
    """The figures in words, week by week: role="img" hides the dots' titles and the legend
    from screen readers, so the description is the chart's text alternative, not its title."""
    return "; ".join(
        f"{escape(name)}: "
        + ", ".join(
            f"{escape(label)} {escape(show(v)) if v is not None else 'no data'}"
            for label, v in zip(labels, values, strict=False)
        )
        for name, values in zip(names, series, strict=True)
    )


def _line(
    values: Sequence[float | None],
    point: Callable[[int, float], tuple[float, float]],
    css: str,
) -> str:
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(point(i, value))
    look = (
        ' stroke="#9aa6a0" stroke-width="1.5" stroke-dasharray="4 3"'
        if css == "previous"
        else ' stroke="#2f6f5a" stroke-width="2"'
    )
    return "".join(
        f'<polyline class="{css}" fill="none"{look} points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        + '"/>'
        for run in runs
        if run
    )
