"""Small SVG charts drawn on the server: no script, no CDN, readable without colour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Sparkline:
    """A small line of values, one dot each, on a scale its reader can see.

    Probabilities are drawn on a fixed scale (0 to 1 by default) with a dashed guide at the
    level that matters, so a line near the top reads 1.0 and not "the largest so far"; the
    ends and the guide are labelled in a narrow gutter. ``scale=None`` fits the scale to the
    values (counts) and labels their minimum and maximum. A dot past the guide on the ``bad``
    side is marked ``neg``; one on the guide is not (a reflection rated 4, "can't tell", is not
    a warning). The title says the values, and the worst of them, in words.
    """

    width: int = 220
    height: int = 56
    pad: int = 6
    gutter: int = 26

    def render(
        self,
        values: Sequence[float],
        title: str,
        point: str = "turn",
        bad: str = "high",
        scale: tuple[float, float] | None = (0.0, 1.0),
        guide: float | None = 0.5,
    ) -> Markup:
        if bad not in ("high", "low"):
            raise ValueError(f"bad must be 'high' or 'low', not {bad!r}")
        if not values:
            return Markup("")
        low, high = scale or (min(values), max(values))
        if low == high:  # counts all alike: drawn from 0, not on a scale of one number
            low, high = min(low, 0.0), max(high, 1.0)
        guide = guide if scale else None
        span = (high - low) or 1.0
        ticks = [low, high, *([] if guide is None else [guide])]
        left = max(self.gutter, 8 + 6 * max(len(_tick(t)) for t in ticks))  # "1,200" fits
        inner_w, inner_h = self.width - left - self.pad, self.height - 2 * self.pad

        def y_of(v: float) -> float:
            return self.pad + (1 - (min(max(v, low), high) - low) / span) * inner_h

        step = inner_w / max(len(values) - 1, 1)
        points = [(left + i * step, y_of(v)) for i, v in enumerate(values)]
        show = _shower([*values, low, high])
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="{_dot_class(v, bad, guide)}">'
            f"<title>{escape(point)} {i + 1}: {show(v)}</title></circle>"
            for i, ((x, y), v) in enumerate(zip(points, values, strict=True))
        )
        scale_marks = self._scale_marks(left, ticks, guide, y_of)
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        return Markup(  # noqa: S704 - only numbers and escaped text go in
            f'<svg class="sparkline" role="img" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" font-size="10">'
            f"<title>{_spoken(values, title, point, bad, show)}</title>"
            f"<desc>{_scale_said(low, high, guide, point)}</desc>{scale_marks}"
            f'<polyline points="{path}" fill="none"/>{dots}</svg>'
        )

    def _scale_marks(
        self, left: int, ticks: list[float], guide: float | None, y_of: Callable[[float], float]
    ) -> str:
        """The scale's rule in the gutter, the dashed guide, and their labels (the guide's only
        where it would not touch an end's)."""
        top, foot = y_of(ticks[1]), y_of(ticks[0])
        marks = (
            f'<line x1="{left - 2}" x2="{left - 2}" y1="{top:.1f}" y2="{foot:.1f}" class="axis"/>'
        )
        if guide is not None:
            gy = y_of(guide)
            marks += f'<line x1="{left}" x2="{self.width - self.pad}" y1="{gy:.1f}" '
            marks += f'y2="{gy:.1f}" class="guide"/>'
            if min(gy - top, foot - gy) < 10:
                ticks = ticks[:2]
        return marks + "".join(
            f'<text x="{left - 5}" y="{y_of(t) + 3:.1f}" text-anchor="end">{_tick(t)}</text>'
            for t in ticks
        )


def _shower(numbers: Sequence[float]) -> Callable[[float], str]:
    """Whole numbers (counts, ratings 1–7) read as such; probabilities with two decimals."""
    if all(float(n).is_integer() for n in numbers):
        return lambda v: f"{v:,.0f}"
    return lambda v: f"{v:.2f}"


def _tick(value: float) -> str:
    """A scale label as short as it can be: 0, 0.5, 1, 1,024."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _spoken(
    values: Sequence[float], title: str, point: str, bad: str, show: Callable[[float], str]
) -> str:
    """The chart's name with its figures: "Negativity of each customer turn: 0.12, 0.91
    (peak turn 2)". role="img" hides the dots' own titles, so the name carries the values."""
    worst = max if bad == "high" else min
    at = values.index(worst(values)) + 1
    word = "peak" if bad == "high" else "lowest"
    shown = [show(v) for v in values]
    said = ("; " if any("," in v for v in shown) else ", ").join(shown)  # 3; 1,200; 5
    return f"{escape(title)}: {said} ({word} {escape(point)} {at})"


def _scale_said(low: float, high: float, guide: float | None, point: str) -> str:
    line = f"; dashed line at {_tick(guide)}" if guide is not None else ""
    return (
        f"Scale {_tick(low)} (bottom) to {_tick(high)} (top){line}. "
        f"One dot per {escape(point)}, the first on the left."
    )


def _dot_class(value: float, bad: str, guide: float | None) -> str:
    if guide is None:
        return "plain"
    past_guide = value > guide if bad == "high" else value < guide
    return "neg" if past_guide else "ok"


def sparkline(
    values: Sequence[float],
    title: str = "trend",
    point: str = "turn",
    bad: str = "high",
    scale: tuple[float, float] | None = (0.0, 1.0),
    guide: float | None = 0.5,
) -> Markup:
    """Jinja helper: ``{{ sparkline(conv.signal_trend, "Negativity by customer turn") }}``;
    ``point`` names a dot, ``bad`` says which side of the guide is a warning; ratings pass
    ``scale=(1, 7), guide=4``, counts ``scale=None`` (their minimum and maximum labelled)."""
    return Sparkline().render(values, title, point, bad, scale, guide)


def bar_chart(rows: Sequence[tuple[str, int]], title: str, width: int = 420) -> Markup:
    """Horizontal bars with labels and counts: readable at a glance, no colour needed."""
    if not rows:
        return Markup("")
    bar_h, gap, label_w = 18, 6, 110
    top = max(n for _, n in rows) or 1
    height = len(rows) * (bar_h + gap)
    bars = []
    for i, (label, n) in enumerate(rows):
        y = i * (bar_h + gap)
        w = (width - label_w - 60) * n / top
        bars.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}">{n:,}</text>'
        )
    # the labels and counts drawn as text are hidden by role="img": said again as its description
    said = ", ".join(f"{escape(label)}: {n:,}" for label, n in rows)
    return Markup(  # noqa: S704 - labels are escaped, the rest are numbers
        f'<svg class="bars" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title><desc>{said}</desc>{"".join(bars)}</svg>'
    )


@dataclass(frozen=True)
class PairedBars:
    """Two counts side by side per period (e.g. negativity absorbed vs praise received).

    Both series share one scale, from 0 to the largest count, both ends labelled; each bar
    has its count written above it (when a bar is wide enough to carry it) and in its title,
    and a legend names the series in words.
    """

    width: int = 640
    height: int = 180
    pad: int = 24
    side: int = 36  # room at the right for the scale's labels, drawn larger on a phone

    def render(
        self,
        labels: Sequence[str],
        first: Sequence[int],
        second: Sequence[int],
        names: tuple[str, str],
        title: str,
    ) -> Markup:
        if not labels:
            return Markup("")
        top = max([*first, *second, 1])
        inner_w, inner_h = self.width - self.pad - self.side, self.height - 2 * self.pad
        slot = inner_w / len(labels)
        bar = max(slot * 0.36, 2.0)
        parts = []
        for i, label in enumerate(labels):
            x = self.pad + i * slot + slot * 0.12
            for j, (value, css) in enumerate(((first[i], "a"), (second[i], "b"))):
                h = inner_h * value / top
                y = self.pad + inner_h - h
                parts.append(
                    f'<rect class="{css}" x="{x + j * bar:.1f}" y="{y:.1f}" '
                    f'width="{bar - 1:.1f}" height="{h:.1f}"><title>{escape(label)}: '
                    f"{escape(names[j])} {value}</title></rect>"
                )
                if bar >= 14:  # room for the figure itself above its bar
                    parts.append(
                        f'<text x="{x + j * bar + bar / 2:.1f}" y="{y - 2:.1f}" '
                        f'text-anchor="middle" class="value">{value:,}</text>'
                    )
            alt = " alt" if i % 2 and len(labels) > 6 else ""  # every other week, on a phone
            parts.append(
                f'<text x="{x + bar:.1f}" y="{self.height - 6}" text-anchor="middle" '
                f'class="week{alt}">{escape(label)}</text>'
            )
        base = self.pad + inner_h
        # the scale in the right margin: its top and its foot, so a bar reads against both
        parts.append(
            f'<line x1="{self.pad}" x2="{self.width - self.side}" y1="{self.pad}" '
            f'y2="{self.pad}" class="guide"/><text x="{self.width - self.side + 3}" '
            f'y="{self.pad + 3}" class="scale">{top:,}</text><text '
            f'x="{self.width - self.side + 3}" y="{base + 3:.1f}" class="scale">0</text>'
        )
        key_x = self.pad + 24 + 10 * len(names[0])  # clear of the first name at any size
        legend = (
            f'<rect class="a" x="{self.pad}" y="4" width="10" height="10"/>'
            f'<text x="{self.pad + 14}" y="13">{escape(names[0])}</text>'
            f'<rect class="b" x="{key_x}" y="4" width="10" height="10"/>'
            f'<text x="{key_x + 14}" y="13">{escape(names[1])}</text>'
        )
        # role="img" hides the bars' titles and the legend: the figures are said again as the
        # description ("01 Dec — negative turns absorbed 3, praise received 1; …"), a dash after
        # the week so the bars' own "week: name n" titles stay the only ones of their kind
        said = "; ".join(
            f"{escape(label)} — {escape(names[0])} {a}, {escape(names[1])} {b}"
            for label, a, b in zip(labels, first, second, strict=True)
        )
        return Markup(  # noqa: S704 - numbers and escaped text only
            f'<svg class="paired-bars" role="img" viewBox="0 0 {self.width} {self.height}" '
            f'width="100%" preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
            f"<desc>{said}</desc>"
            f'{legend}<line x1="{self.pad}" x2="{self.width - self.side}" y1="{base:.1f}" '
            f'y2="{base:.1f}" class="axis"/>{"".join(parts)}</svg>'
        )


def paired_bars(
    labels: Sequence[str],
    first: Sequence[int],
    second: Sequence[int],
    names: tuple[str, str],
    title: str = "chart",
) -> Markup:
    """Jinja helper: two series of counts as side-by-side bars per label."""
    return PairedBars().render(labels, first, second, names, title)
