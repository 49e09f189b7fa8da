"""Small SVG charts drawn on the server: no script, no CDN, readable without colour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Sparkline:
    """A line of values in [0, 1] with dots, a 0.5 guide and a title for screen readers."""

    width: int = 220
    height: int = 56
    pad: int = 6

    def render(self, values: Sequence[float], title: str) -> Markup:
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
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="{"neg" if v >= 0.5 else "ok"}">'
            f"<title>turn {i + 1}: {v:.2f}</title></circle>"
            for i, ((x, y), v) in enumerate(zip(points, values, strict=True))
        )
        return Markup(  # noqa: S704 - only numbers and the escaped title go in
            f'<svg class="sparkline" role="img" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}"><title>{escape(title)}</title>'
            f'<line x1="{self.pad}" x2="{self.width - self.pad}" y1="{mid:.1f}" y2="{mid:.1f}" '
            f'class="guide"/><polyline points="{path}" fill="none"/>{dots}</svg>'
        )


def sparkline(values: Sequence[float], title: str = "trend") -> Markup:
    """Jinja helper: ``{{ sparkline(conv.signal_trend, "Negativity by customer turn") }}``."""
    return Sparkline().render(values, title)


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
    return Markup(  # noqa: S704 - labels are escaped, the rest are numbers
        f'<svg class="bars" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title>{"".join(bars)}</svg>'
    )
