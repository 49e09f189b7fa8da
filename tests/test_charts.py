"""Server-drawn charts: dots past the guide on the bad side are marked, and only those."""

from __future__ import annotations

import re

import pytest

from poise.insights.charts import trend_chart
from poise.web.charts import bar_chart, paired_bars, sparkline


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


def test_a_trend_chart_says_both_periods_week_by_week() -> None:
    """The insights trend charts gave a screen reader only their title."""
    svg = str(
        trend_chart(
            ["01 Dec", "08 Dec"],
            [0.5, None],
            [0.25, 0.75],
            "FCR by week",
            lambda v: f"{100 * v:.0f}%",
        )
    )
    assert (
        "<title>FCR by week</title><desc>this period: 01 Dec 50%, 08 Dec no data; "
        "previous: 01 Dec 25%, 08 Dec 75%</desc>"
    ) in svg
    empty = str(trend_chart(["01 Dec"], [None], [None], "t", str))
    assert "<desc>No data</desc>" in empty


def test_paired_bars_say_each_week_s_two_counts() -> None:
    svg = str(
        paired_bars(["01 Dec", "08 Dec"], [3, 0], [1, 2], ("negative <turns>", "praise"), "Balance")
    )
    assert (
        "<title>Balance</title><desc>01 Dec — negative &lt;turns&gt; 3, praise 1; "
        "08 Dec — negative &lt;turns&gt; 0, praise 2</desc>"
    ) in svg
    # the bars' own titles ("week: name n") are not said twice by the description
    assert svg.count(": negative &lt;turns&gt; ") == 2
