"""The braille line chart (explorer.widgets.line_chart): where the dots, threshold and marks land."""

from __future__ import annotations

from explorer.widgets.line_chart import ChartRender, Series


def test_a_rising_line_goes_from_bottom_left_to_top_right():
    chart = ChartRender([Series("loss", "red", [(0.0, 0.0), (10.0, 1.0)])], width=20, height=6)
    lines = chart.text().splitlines()
    assert lines[0].startswith("━ loss 1")  # the legend shows the latest value
    rows = lines[1:-1]  # plot rows between the legend and the axis
    assert rows[0].startswith("1 ┤") and rows[-1].startswith("0 ┤")
    top, bottom = rows[0][3:], rows[-1][3:]
    assert top.rstrip()[-1] != " " and top.strip() and top.index(top.strip()[0]) > len(top) // 2
    assert bottom.strip() and bottom.index(bottom.strip()[0]) == 0  # starts at the left edge
    assert all(ch == " " or 0x2800 <= ord(ch) <= 0x28FF for row in rows for ch in row[3:])
    assert lines[-1].split() == ["step", "0", "10"]


def test_threshold_and_marks_are_drawn_and_listed():
    chart = ChartRender([Series("grad", "green", [(1.0, 0.5), (2.0, 4.0), (3.0, 0.8)])], width=30, height=8,
                        threshold=1.0, threshold_label="clip norm", marks=[2.0])
    lines = chart.text().splitlines()
    assert "┄ clip norm 1" in lines[0] and "▲ clipped ×1" in lines[0]
    assert lines[-2].count("▲") == 1  # the mark row, above the axis
    assert lines[-2].index("▲") > 10  # x = 2 of 1..3: the middle of the plot
    styles = {style for line in chart.lines() for _, style in line}
    assert "bold #ff7f0e" in styles  # the threshold's dots


def test_empty_chart_says_so():
    chart = ChartRender([Series("loss", "red")], width=30, height=5, empty_text="nothing yet")
    lines = chart.text().splitlines()
    assert lines[0].startswith("━ loss –") and lines[1] == "nothing yet"


def reference_lines(chart: ChartRender) -> list:
    """The chart drawn point by point (Bresenham between every pair of consecutive points)."""
    import copy

    plotted = copy.deepcopy(chart)
    orig = ChartRender._plot_line

    def per_point(dxs, dys, finite, plot):
        prev = None
        for dx, dy, ok in zip(dxs.tolist(), dys.tolist(), finite.tolist()):
            if not ok:
                prev = None
                continue
            if prev is None:
                plot(dx, dy)
            else:
                ChartRender._line(prev, (dx, dy), plot)
            prev = (dx, dy)

    ChartRender._plot_line = staticmethod(per_point)
    try:
        return plotted.lines()
    finally:
        ChartRender._plot_line = orig


def test_column_runs_draw_exactly_what_every_segment_would():
    import math
    import random

    rng = random.Random(0)
    for _ in range(200):
        n = rng.choice([1, 2, 7, 60, 500, 2500])
        pts = [(float(i), rng.gauss(0, 1) if rng.random() > 0.02 else float("nan")) for i in range(n)]
        smooth = [(float(i), 3 * math.exp(-i / 90) + 0.05 * math.sin(i)) for i in range(n)]
        chart = ChartRender([Series("a", "red", pts), Series("b", "blue", smooth),
                             Series("v", "green", pts[::50], markers=True)],
                            rng.choice([12, 40, 86]), rng.choice([4, 9, 21]), threshold=rng.choice([None, 0.5]),
                            marks=[1.0] if rng.random() < 0.5 else [], log_y=rng.random() < 0.2)
        assert chart.lines() == reference_lines(chart)
