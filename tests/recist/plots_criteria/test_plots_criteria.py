"""Criteria-agreement and threshold-margin figures: what they draw, colours, labels, sizes
(recist.plots_criteria)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from recist.plots_criteria import FLIP_SD, plot_criteria_agreement, plot_threshold_margins

KAPPA = pd.DataFrame({"criterion": ["who", "who", "irecist"],
                      "level": ["time point", "best response", "time point"],
                      "agreement": [0.9, 0.75, 1.0], "kappa": [0.81, float("nan"), 1.0],
                      "n": [40, 20, 40]})
TIMEPOINTS = pd.DataFrame({"evaluator": ["R1", "R1", "R2", "R2", "R2"],
                           "sum_sd_mm": [1.0, 2.0, 1.5, 0.5, 3.0],
                           "flip_mm": [4.0, 0.5, 6.0, 0.2, None],
                           "fragile": [False, True, False, True, False]})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _sizes(ax) -> list[float]:
    texts = ax.get_xticklabels() + ax.get_yticklabels() + list(ax.texts)
    if ax.get_legend() is not None:
        texts += ax.get_legend().get_texts()
    return [t.get_fontsize() for t in texts]


def test_agreement_bars_coloured_by_level_with_the_full_agreement_line():
    ax = plot_criteria_agreement(KAPPA)
    assert [round(bar.get_width(), 6) for bar in ax.patches[:3]] == [90.0, 75.0, 100.0]
    colours = [to_hex(bar.get_facecolor()) for bar in ax.patches[:3]]
    # Okabe-Ito by sorted level: best response blue, time point orange
    assert colours == ["#e69f00", "#0072b2", "#e69f00"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["best response",
                                                                   "time point"]
    texts = [t.get_text() for t in ax.texts]
    assert texts[:3] == ["90% of 40 · κ 0.81", "75% of 20 · κ n/a", "100% of 40 · κ 1.00"]
    assert "full agreement" in texts
    line = next(line for line in ax.get_lines() if line.get_label() == "_reference")
    assert list(line.get_xdata()) == [100.0, 100.0]
    assert min(_sizes(ax)) >= 8


def test_agreement_color_by_criterion_and_unknown_column():
    ax = plot_criteria_agreement(KAPPA, color_by="criterion")
    colours = [to_hex(bar.get_facecolor()) for bar in ax.patches[:3]]
    assert colours == ["#e69f00", "#e69f00", "#0072b2"]  # irecist, who in sorted order
    with pytest.raises(ValueError, match="color_by='reader': no such column"):
        plot_criteria_agreement(KAPPA, color_by="reader")


def test_margins_robust_and_fragile_with_the_labelled_guide():
    ax = plot_threshold_margins(TIMEPOINTS)
    robust, fragile = ax.collections[:2]
    assert robust.get_offsets().tolist() == [[1.0, 4.0], [1.5, 6.0]]
    assert fragile.get_offsets().tolist() == [[2.0, 0.5], [0.5, 0.2]]
    assert to_hex(robust.get_facecolor()[0]) == "#0072b2"
    assert to_hex(fragile.get_facecolor()[0]) == "#d55e00"
    guide = next(line for line in ax.get_lines() if line.get_label() == f"{FLIP_SD:g} × SD")
    x, y = guide.get_xdata(), guide.get_ydata()
    # up to 1.1 x the largest SD of a call with a flip distance (3.0 has none)
    assert y[-1] == pytest.approx(FLIP_SD * x[-1]) and x[-1] == pytest.approx(2.2)
    assert [t.get_text() for t in ax.texts] == ["1.645 × SD"]
    assert min(_sizes(ax)) >= 8


def test_margins_color_by_evaluator():
    ax = plot_threshold_margins(TIMEPOINTS, color_by="evaluator")
    drawn = {c.get_label(): c for c in ax.collections}
    assert set(drawn) == {"R1", "R1, fragile", "R2", "R2, fragile"}
    assert {to_hex(drawn[n].get_facecolor()[0]) for n in ("R1", "R1, fragile")} == {
        "#0072b2"}
    assert {to_hex(drawn[n].get_facecolor()[0]) for n in ("R2", "R2, fragile")} == {
        "#e69f00"}
    assert drawn["R2, fragile"].get_offsets().tolist() == [[0.5, 0.2]]
    with pytest.raises(ValueError, match="color_by='arm': no such column"):
        plot_threshold_margins(TIMEPOINTS, color_by="arm")
