"""Server-drawn charts: dots past the guide on the bad side are marked, and only those; every
chart shows its scale and says its figures in words."""

from __future__ import annotations

import re
from xml.etree import ElementTree

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
    reflections = str(sparkline([7, 4, 1], "t", point="reflection", scale=(1, 7), guide=4))
    assert dot_classes(reflections) == ["neg", "ok", "ok"]
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
    assert "<title>Negativity: 0.90, 0.25 (peak turn 1)</title>" in line
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


def drawn(svg: object) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg))  # noqa: S314 - our own charts, no entities


def charts_in(page: str, css: str) -> list[ElementTree.Element]:
    """The page's charts of one kind, each parsed (an SVG drawn by charts.py is well-formed)."""
    return [drawn(svg) for svg in re.findall(rf'<svg class="{css}".*?</svg>', page, re.S)]


def texts(chart: ElementTree.Element, css: str | None = None) -> list[str]:
    """The words drawn on a chart (its scale's labels, its figures), in drawing order."""
    return [t.text or "" for t in chart.iter("text") if css is None or t.get("class") == css]


def test_a_negativity_sparkline_shows_its_fixed_scale_and_says_its_values() -> None:
    """A line near the top read as "high" with nothing to say whether the top was 0.5 or 1:
    the scale is 0 to 1 whatever the values, its ends and the dashed 0.5 line labelled, and the
    chart's name says the values and the peak."""
    chart = drawn(sparkline([0.12, 0.45, 0.31], "Negativity of each customer turn"))
    assert texts(chart) == ["0", "1", "0.5"]
    assert chart.findtext("title") == (
        "Negativity of each customer turn: 0.12, 0.45, 0.31 (peak turn 2)"
    )
    assert chart.findtext("desc", "").startswith("Scale 0 (bottom) to 1 (top); dashed line at 0.5")
    (guide,) = [line for line in chart.iter("line") if line.get("class") == "guide"]
    assert guide.get("y1") == "28.0"  # the middle of 56: not the middle of 0.12 … 0.45
    tops = [float(c.get("cy", "")) for c in chart.iter("circle")]
    assert min(tops) > 28.0  # every value under 0.5 is drawn under the guide


def test_ratings_read_on_their_own_scale_and_counts_between_their_extremes() -> None:
    """Reflections were drawn as 0.00 … 1.00 (a 7 said "1.00"); counts have no fixed top."""
    ratings = drawn(sparkline([7, 4, 2], "Permanent", point="reflection", scale=(1, 7), guide=4))
    assert texts(ratings) == ["1", "7", "4"]
    assert ratings.findtext("title") == "Permanent: 7, 4, 2 (peak reflection 1)"
    assert next(c.findtext("title") for c in ratings.iter("circle")) == "reflection 1: 7"
    counts = drawn(sparkline([3, 1200, 5], "Messages a week", point="week", scale=None))
    assert texts(counts) == ["3", "1,200"]
    assert counts.findtext("title") == "Messages a week: 3; 1,200; 5 (peak week 2)"
    assert not [line for line in counts.iter("line") if line.get("class") == "guide"]
    assert texts(drawn(sparkline([3, 3], "Flat", scale=None))) == ["0", "3"]
    low = drawn(sparkline([0.8, 0.2, 0.6], "Share right", point="reply", bad="low"))
    assert low.findtext("title") == "Share right: 0.80, 0.20, 0.60 (lowest reply 2)"


def test_paired_bars_write_each_count_and_both_ends_of_their_scale() -> None:
    """The bars had only a hover title: a reader on a phone, or printing, saw no figure."""
    chart = drawn(paired_bars(["01 Dec", "08 Dec"], [3, 0], [12, 2], ("negative", "praise")))
    assert texts(chart, "value") == ["3", "12", "0", "2"]
    assert texts(chart)[-2:] == ["12", "0"]  # the scale: its top, its foot
    many = drawn(paired_bars([f"w{i}" for i in range(40)], [1] * 40, [2] * 40, ("a", "b")))
    assert texts(many, "value") == []  # no room above bars 5 units wide: the titles say them


def test_a_bar_chart_writes_each_count_beside_its_bar() -> None:
    chart = drawn(bar_chart([("anger", 1200), ("joy", 4)], "By emotion"))
    assert texts(chart) == ["anger", "1,200", "joy", "4"]
