"""Follow-up figures after local treatment: curves, reference lines, colours, pages and
label sizes on the returned axes (recist.plots_oligo), on the hand-checked cohort of
``support.oligo_cohort`` (tests/recist/oligo/test_endpoints.py works its numbers out)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from recist.plots import page_count, page_figure_size, page_rows
from recist.plots_oligo import plot_cumulative_incidence, plot_therapy_swimmer

from support.oligo_cohort import oligo_result


@pytest.fixture(scope="module")
def oligo():
    return oligo_result()


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_cumulative_incidence_curves_and_labelled_year_lines(oligo):
    result, _patients = oligo
    ax = plot_cumulative_incidence(result.lesions)
    curves = {line.get_label(): line for line in ax.get_lines()
              if not line.get_label().startswith("_")}
    assert set(curves) == {"Local failure", "Death without local failure"}
    assert to_hex(curves["Local failure"].get_color()) == "#d55e00"
    # 6 lesions: 3 local failures (0.6) and 1 death first (0.2) by the end
    assert curves["Local failure"].get_ydata()[-1] == pytest.approx(0.6)
    assert curves["Death without local failure"].get_ydata()[-1] == pytest.approx(0.2)
    years = [line for line in ax.get_lines() if line.get_label() == "_reference"]
    assert [line.get_xdata()[0] for line in years] == [pytest.approx(12.0)]  # 1 year
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1 year", "local control 40%"]
    sizes = [t.get_fontsize() for t in ax.texts + ax.get_legend().get_texts()
             + ax.get_xticklabels() + ax.get_yticklabels()]
    assert min(sizes) >= 8


def test_cumulative_incidence_color_by(oligo):
    result, _patients = oligo
    ax = plot_cumulative_incidence(result.lesions, color_by="patient_id")
    curves = {line.get_label(): line for line in ax.get_lines()
              if not line.get_label().startswith("_")}
    assert len(curves) == 2 * result.lesions["patient_id"].nunique()
    colours = {label.split(":")[0]: to_hex(line.get_color()) for label, line in curves.items()}
    assert colours == {"A": "#0072b2", "B": "#e69f00", "C": "#009e73"}
    assert "local control 40%" not in [t.get_text() for t in ax.texts]
    with pytest.raises(ValueError, match="color_by='arm': no such column in the lesions "
                       r"table; name one of .*\borgan\b"):  # its columns listed
        plot_cumulative_incidence(result.lesions, color_by="arm")


def test_therapy_swimmer_markers_colours_and_8pt_labels(oligo):
    result, patients = oligo
    with_arm = patients.assign(arm=["X", "Y", "X"])
    ax = plot_therapy_swimmer(result.patients, result.therapies, with_arm)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["B", "C", "A"]  # shortest follow-up at the bottom
    assert {t.get_fontsize() for t in ax.get_yticklabels()} == {8.0}
    bars = {label: to_hex(bar.get_facecolor()) for label, bar in zip(labels, ax.patches)}
    assert bars == {"A": "#0072b2", "B": "#e69f00", "C": "#0072b2"}  # by arm
    local = next(c for c in ax.collections if c.get_label() == "Local therapy")
    # A from 2024-01-10: SBRT 01-15 (day 5), RFA 10-20 (day 284); B, C: day 4 (row 0, 1)
    assert local.get_offsets().tolist() == [[5.0, 2.0], [284.0, 2.0], [4.0, 0.0], [4.0, 1.0]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-2:] == ["X", "Y"] and min(
        t.get_fontsize() for t in ax.get_legend().get_texts()) >= 8


def _endpoints(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    days = rng.integers(30, 900, n)
    return pd.DataFrame({
        "patient_id": [f"P{i:04d}" for i in range(n)],
        "stfs_date": [start + pd.Timedelta(days=int(d) - 1) for d in days],
        "stfs_days": days, "os_date": [start + pd.Timedelta(days=int(d)) for d in days],
        "os_event": rng.random(n) < 0.3, "first_recurrence_date": pd.NaT,
        "first_recurrence_pattern": None})


@pytest.mark.parametrize("n", [60, 200])
def test_therapy_swimmer_pages_stay_legible(n):
    endpoints = _endpoints(n)
    shown = []
    for page in range(page_count(n)):
        rows = page_rows(n, page)
        figure = Figure(figsize=page_figure_size("swimmer", rows.stop - rows.start),
                        layout="constrained")
        canvas = FigureCanvasAgg(figure)
        ax = plot_therapy_swimmer(endpoints, None, ax=figure.add_subplot(), page=page)
        canvas.draw()
        labels = ax.get_yticklabels()
        boxes = [t.get_window_extent(canvas.get_renderer()) for t in labels]
        assert all(high.y0 >= low.y1 for low, high in zip(boxes, boxes[1:]))
        assert {t.get_fontsize() for t in labels} == {8.0}
        shown.extend(t.get_text() for t in reversed(labels))
    longest_first = endpoints.sort_values("stfs_days", ascending=False, kind="stable")
    assert len(shown) == n and sorted(shown) == sorted(longest_first["patient_id"])
    follow = endpoints.set_index("patient_id")["stfs_days"]
    assert list(follow[shown]) == sorted(follow, reverse=True)
