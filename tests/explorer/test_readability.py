"""Colours readable on Textual's light and dark themes (WCAG contrast ratios)."""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import Color

from explorer.widgets.colormap import (READABLE_GREEN, contrast_ratio, diverging, relative_luminance, sequential,
                                       text_on)
from explorer.widgets.line_chart import _style

LIGHT_BG, DARK_BG = Color.parse("#e0e0e0"), Color.parse("#121212")


def test_contrast_ratio_matches_the_wcag_definition():
    assert contrast_ratio(Color.parse("#000000"), Color.parse("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(Color.parse("#777777"), Color.parse("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert relative_luminance(Color.parse("#ffffff")) == pytest.approx(1.0)


@pytest.mark.parametrize("cmap", [sequential, diverging])
def test_token_text_reads_on_every_colour_of_the_maps(cmap):
    lo = 0.0 if cmap is sequential else -1.0
    for v in np.linspace(lo, 1.0, 41):
        bg = cmap(float(v), lo, 1.0)
        assert contrast_ratio(Color.parse(text_on(bg)), bg) >= 4.5, (cmap.__name__, v)


def test_green_reads_on_both_themes():
    green = Color.parse(READABLE_GREEN.split()[-1])
    assert contrast_ratio(green, LIGHT_BG) >= 3.0 and contrast_ratio(green, DARK_BG) >= 4.5


@pytest.mark.parametrize("colour", ["#7f7f7f", "bold #1f77b4", "bold #d62728", "#2ca02c", "bold #ff7f0e",
                                    "bold #9467bd"])
def test_chart_colours_are_darkened_on_light_themes(colour):
    light, dark = _style(colour, dark=False).color, _style(colour, dark=True).color
    assert contrast_ratio(light, LIGHT_BG) >= 3.0
    assert contrast_ratio(dark, DARK_BG) >= 3.0
