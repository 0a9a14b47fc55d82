"""Cohort figures stay legible at 60, 200 and 1,000 patients (recist.plots paging).

Each page is drawn at the size the report gives it and laid out; then every patient
label must be at least 8 pt and clear of its neighbours, and the pages together must
show every patient once, in the order of the whole figure.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from recist.plots import (
    PER_PAGE,
    best_pct_change,
    page_count,
    page_figure_size,
    page_margins,
    page_rows,
    plot_spider,
    plot_swimmer,
    plot_waterfall,
)

from support.large_cohort import large_cohort

SIZES = {60: 1, 200: 4, 1000: 17}  # patients -> pages at PER_PAGE = 60


def _laid_out(size: tuple[float, float], kind: str | None = None, longest: int = 5):
    """Axes on a figure laid out as the cohort report does: fixed margins
    (``page_margins``) for ``kind``, else the constrained layout."""
    figure = Figure(figsize=size, layout=None if kind else "constrained")
    if kind:
        figure.subplots_adjust(**page_margins(kind, size, longest))
    canvas = FigureCanvasAgg(figure)
    return figure.add_subplot(), canvas


def _assert_inside(figure, canvas) -> None:
    """Everything drawn (labels, titles, legends) lies within the figure: the fixed
    margins clip nothing."""
    canvas.draw()
    drawn = figure.get_tightbbox(canvas.get_renderer())  # inches
    width, height = figure.get_size_inches()
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01, drawn
    assert drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01, drawn


def _assert_labels_legible(labels, canvas, axis: str) -> None:
    """Every label ≥ 8 pt, none touching the next one along ``axis`` (x or y)."""
    canvas.draw()
    renderer = canvas.get_renderer()
    assert labels, "no label drawn"
    assert min(label.get_fontsize() for label in labels) >= 8
    boxes = sorted((label.get_window_extent(renderer) for label in labels),
                   key=lambda box: getattr(box, f"{axis}0"))
    for low, high in zip(boxes, boxes[1:]):
        assert getattr(high, f"{axis}0") >= getattr(low, f"{axis}1"), (low, high)


def _pages_checked(n: int) -> list[int]:
    pages = page_count(n)
    return list(range(pages)) if pages <= 4 else [0, pages // 2, pages - 1]


def test_pages_cover_every_row_once_in_order():
    for n, pages in SIZES.items():
        assert page_count(n) == pages
        rows = [i for page in range(pages) for i in range(n)[page_rows(n, page)]]
        assert rows == list(range(n))
        sizes = {len(range(n)[page_rows(n, page)]) for page in range(pages)}
        assert max(sizes) <= PER_PAGE and max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError, match="page 4 does not exist: 200 patient"):
        page_rows(200, 4)


@pytest.mark.parametrize("n", sorted(SIZES))
def test_swimmer_pages_are_legible(n):
    timepoints, summary, patients = large_cohort(n)
    shown: list[str] = []
    for page in range(page_count(n)):
        rows = page_rows(n, page)
        ax, canvas = _laid_out(page_figure_size("swimmer", rows.stop - rows.start),
                               "swimmer")
        plot_swimmer(summary, timepoints, patients, ax=ax, page=page)
        labels = ax.get_yticklabels()
        shown.extend(t.get_text() for t in reversed(labels))  # top of the page first
        if page in _pages_checked(n):
            _assert_labels_legible(labels, canvas, "y")
            _assert_inside(ax.figure, canvas)
            assert ax.get_xlim()[1] > 0
    # longest time on study first, every patient once
    assert len(shown) == n and len(set(shown)) == n
    table = patients.set_index("patient_id")
    last = timepoints.groupby("patient_id")["date"].max()
    ends = pd.concat([pd.to_datetime(last), pd.to_datetime(table["death_date"]),
                      pd.to_datetime(table["last_contact_date"])], axis=1).max(axis=1)
    days = (ends - pd.to_datetime(table["start_date"])).dt.days
    assert list(days[shown]) == sorted(days, reverse=True)


def test_swimmer_pages_share_the_time_axis_and_say_which_patients():
    timepoints, summary, patients = large_cohort(200)
    limits, titles = set(), []
    for page in range(4):
        ax, _ = _laid_out(page_figure_size("swimmer", 50))
        plot_swimmer(summary, timepoints, patients, ax=ax, page=page)
        limits.add(ax.get_xlim())
        titles.append(ax.get_title())
    assert len(limits) == 1
    assert titles == [f"Swimmer plot (patients {a}–{b} of 200)"
                      for a, b in ((1, 50), (51, 100), (101, 150), (151, 200))]


@pytest.mark.parametrize("n", sorted(SIZES))
def test_waterfall_pages_are_legible(n):
    timepoints, summary, patients = large_cohort(n)
    best = best_pct_change(timepoints)
    heights: list[float] = []
    limits = set()
    for page in range(page_count(len(best))):
        rows = page_rows(len(best), page)
        ax, canvas = _laid_out(page_figure_size("waterfall", rows.stop - rows.start),
                               "waterfall")
        plot_waterfall(timepoints, summary, patients, ax=ax, color_by="arm", by_arm=True,
                       page=page)
        heights.extend(bar.get_height() for bar in ax.patches)
        limits.add(ax.get_ylim())
        if page in _pages_checked(len(best)):
            _assert_labels_legible(ax.get_xticklabels(), canvas, "x")
            _assert_inside(ax.figure, canvas)
            bor = [t for t in ax.texts if t.get_text() in ("PR", "SD", "PD")]
            assert bor and min(t.get_fontsize() for t in bor) >= 8
    arm = patients.set_index("patient_id")["arm"]
    expected = [value for name in sorted(arm.unique())  # a block per arm, each sorted
                for value in sorted(best[arm[best.index] == name], reverse=True)]
    assert heights == expected  # one bar per patient, in order
    assert len(limits) == 1  # every page on the same scale


def test_spider_one_panel_per_arm_on_a_common_scale():
    timepoints, summary, patients = large_cohort(200)
    colours, limits = {}, set()
    for arm in ("Arm A", "Arm B"):
        ax, canvas = _laid_out((11.0, 4.6), "spider")
        plot_spider(timepoints, patients, ax=ax, color_by="arm", group=arm)
        _assert_inside(ax.figure, canvas)
        data = [line for line in ax.get_lines() if line.get_marker() == "o"]
        assert len(data) == 100  # every patient of the arm, no other
        colours[arm] = {matplotlib.colors.to_hex(line.get_color()) for line in data}
        limits.add((ax.get_xlim(), ax.get_ylim()))
        assert ax.get_title() == f"Spider plot: {arm}"
        alphas = {line.get_alpha() for line in data}  # 100 lines fade (1/sqrt(n))
        assert len(alphas) == 1 and alphas.pop() == pytest.approx(0.85 * (60 / 100) ** .5)
    assert colours == {"Arm A": {"#0072b2"}, "Arm B": {"#e69f00"}}
    ax, canvas = _laid_out((11.0, 4.6), "spider")  # both arms, the legend above
    plot_spider(timepoints, patients, ax=ax, color_by="arm")
    _assert_inside(ax.figure, canvas)
    assert len(limits) == 1
    low, high = limits.pop()[1]
    assert low < -30 and high > 20  # both reference lines inside
    with pytest.raises(ValueError, match="no line has arm 'Arm C'"):
        plot_spider(timepoints, patients, color_by="arm", group="Arm C")
