"""Server-drawn charts: dots past the guide on the bad side are marked, and only those."""

from __future__ import annotations

import re

import pytest

from poise.web.charts import bar_chart, sparkline


def dot_classes(svg: str) -> list[str]:
    return re.findall(r'<circle [^>]*class="(\w+)"', svg)


def test_negativity_marks_turns_above_the_guide() -> None:
    svg = str(sparkline([0.9, 0.5, 0.1], "Negativity"))
    assert dot_classes(svg) == ["neg", "ok", "ok"]
    assert "<title>turn 1: 0.90</title>" in svg


def test_a_rating_on_the_guide_is_not_a_warning_and_low_can_be_the_bad_side() -> None:
    reflections = [(r - 1) / 6 for r in (7, 4, 1)]
    assert dot_classes(str(sparkline(reflections, "t", point="reflection"))) == ["neg", "ok", "ok"]
    practice = str(sparkline([0.2, 0.5, 0.8], "t", point="reply", bad="low"))
    assert dot_classes(practice) == ["neg", "ok", "ok"]
    assert "<title>reply 3: 0.80</title>" in practice


def test_empty_and_invalid() -> None:
    assert str(sparkline([], "nothing")) == ""
    with pytest.raises(ValueError, match="high"):
        sparkline([0.1], "t", bad="sideways")
    assert "&lt;b&gt;" in str(sparkline([0.1], "<b>"))


def test_each_chart_says_its_figures_in_words() -> None:
    """role="img" hides what a chart draws (dots' titles, bar labels) from screen readers: its
    description says the figures, so the chart has a text alternative, not only a name."""
    line = str(sparkline([0.9, 0.25], "Negativity"))
    assert "<desc>turn 1: 0.90, turn 2: 0.25</desc>" in line
    bars = str(bar_chart([("anger", 1200), ("joy <3", 4)], "By emotion"))
    assert "<title>By emotion</title><desc>anger: 1,200, joy &lt;3: 4</desc>" in bars
