"""Small SVG charts drawn on the server: no script, no CDN, readable without colour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Sparkline:
    """A line of values in [0, 1] with dots, a 0.5 guide and a title for screen readers.

    A dot past the guide on the ``bad`` side is marked ``neg``; one on the guide is not (a
    reflection rated 4, "can't tell", is not a warning).
    """

    width: int = 220
    height: int = 56
    pad: int = 6

    def render(
        self, values: Sequence[float], title: str, point: str = "turn", bad: str = "high"
    ) -> Markup:
        if bad not in ("high", "low"):
            raise ValueError(f"bad must be 'high' or 'low', not {bad!r}")
        if not values:
            return Markup("")
        inner_w, inner_h = self.width - 2 * self.pad, self.height - 2 * self.pad
        step = inner_w / max(len(values) - 1, 1)
        points = [
            (self.pad + i * step, self.pad + (1 - min(max(v, 0.0), 1.0)) * inner_h)
            for i, v in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        mid = self.pad + inner_h / 2
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="{_dot_class(v, bad)}">'
            f"<title>{escape(point)} {i + 1}: {v:.2f}</title></circle>"
            for i, ((x, y), v) in enumerate(zip(points, values, strict=True))
        )
        # role="img" hides the dots' own titles from screen readers: the values are said in
        # the chart's description instead, so the chart has a text alternative, not only a name
        said = ", ".join(f"{escape(point)} {i + 1}: {v:.2f}" for i, v in enumerate(values))
        return Markup(  # noqa: S704 - only numbers and the escaped title go in
            f'<svg class="sparkline" role="img" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}"><title>{escape(title)}</title>'
            f"<desc>{said}</desc>"
            f'<line x1="{self.pad}" x2="{self.width - self.pad}" y1="{mid:.1f}" y2="{mid:.1f}" '
            f'class="guide"/><polyline points="{path}" fill="none"/>{dots}</svg>'
        )


def _dot_class(value: float, bad: str) -> str:
    past_guide = value > 0.5 if bad == "high" else value < 0.5
    return "neg" if past_guide else "ok"


def sparkline(
    values: Sequence[float], title: str = "trend", point: str = "turn", bad: str = "high"
) -> Markup:
    """Jinja helper: ``{{ sparkline(conv.signal_trend, "Negativity by customer turn") }}``;
    ``point`` names a dot in its tooltip, ``bad`` says which side of the guide is a warning."""
    return Sparkline().render(values, title, point, bad)


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

    Both series share one scale, so a tall red bar next to a short green one reads at a
    glance; each bar has a title with its number, and a legend names the series in words.
    """

    width: int = 640
    height: int = 180
    pad: int = 24

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
        inner_w, inner_h = self.width - 2 * self.pad, self.height - 2 * self.pad
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
            parts.append(
                f'<text x="{x + bar:.1f}" y="{self.height - 6}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
        base = self.pad + inner_h
        parts.append(
            f'<line x1="{self.pad}" x2="{self.width - self.pad}" y1="{self.pad}" '
            f'y2="{self.pad}" class="guide"/><text x="{self.width - self.pad}" '
            f'y="{self.pad - 3}" text-anchor="end">{top}</text>'
        )
        legend = (
            f'<rect class="a" x="{self.pad}" y="4" width="10" height="10"/>'
            f'<text x="{self.pad + 14}" y="13">{escape(names[0])}</text>'
            f'<rect class="b" x="{self.pad + 200}" y="4" width="10" height="10"/>'
            f'<text x="{self.pad + 214}" y="13">{escape(names[1])}</text>'
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
            f'{legend}<line x1="{self.pad}" x2="{self.width - self.pad}" y1="{base:.1f}" '
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
