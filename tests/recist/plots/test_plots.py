"""Plots render headless and draw what the tables say (recist.plots)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from recist.cdisc import read_sdtm
from recist.criteria import RECIST_1_1
from recist.plots import (
    BOR_COLOURS,
    best_pct_change,
    plot_kaplan_meier,
    plot_lesion_trajectories,
    plot_spider,
    plot_swimmer,
    plot_waterfall,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_best_pct_change(timepoints):
    assert best_pct_change(timepoints).to_dict() == {"A": -60.0, "B": 10.0, "C": 5.0}


def test_waterfall_bars_sorted_and_coloured(timepoints, patient_summary):
    ax = plot_waterfall(timepoints, patient_summary)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [10.0, 5.0, -60.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["B", "C", "A"]
    colour = matplotlib.colors.to_rgba(BOR_COLOURS["PR"])
    assert ax.patches[2].get_facecolor() == pytest.approx(colour)
    lines = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert lines == [-RECIST_1_1.pr_decrease_pct, 0, RECIST_1_1.pd_increase_pct]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["PR", "SD"]


def test_waterfall_by_arm_groups_bars(timepoints, patient_summary, patients):
    ax = plot_waterfall(timepoints, patient_summary, patients, by_arm=True)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    texts = {t.get_text() for t in ax.texts}
    assert {"Deferred", "Immediate"} <= texts  # the arm names above their bars
    assert {" PD +20%", " PR −30%"} <= texts  # the labelled reference lines
    assert {"PR", "SD"} <= texts  # coloured by arm, each bar says its BOR


def test_spider_lines_follow_pct_change(timepoints, patients):
    ax = plot_spider(timepoints, patients, by_arm=True)
    data = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert len(data) == 3
    first = data[0]  # patient A, start 2024-01-01
    assert list(first.get_xdata()) == [0, 60, 121]
    assert list(first.get_ydata()) == [0.0, -40.0, -60.0]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "Deferred", "Immediate"]


def test_swimmer_bars_and_markers(timepoints, patient_summary, patients):
    ax = plot_swimmer(patient_summary, timepoints, patients)
    widths = {label.get_text(): bar.get_width() for label, bar in
              zip(ax.get_yticklabels(), ax.patches)}
    # A: last contact 2024-06-01 (152 d); B: last contact 2024-05-20 (131 d);
    # C: death 2024-06-01 from 2024-02-01 (121 d)
    assert widths == {"C": 121.0, "B": 131.0, "A": 152.0}
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == ["Response onset", "Progression", "Death", "Ongoing"]
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 1  # only A is progression-free and alive
    response = ax.collections[0].get_offsets()
    finite = response[~np.isnan(np.asarray(response[:, 0], dtype=float))]
    assert finite.tolist() == [[60.0, 2.0]]  # A responded at day 60, top bar


def test_kaplan_meier_per_arm(patient_summary, patients):
    ax = plot_kaplan_meier(patient_summary, patients)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Deferred", "Immediate"]
    immediate = next(line for line in ax.get_lines() if line.get_label() == "Immediate")
    # both Immediate patients have an event at 122 days: S drops from 1 to 0
    assert immediate.get_ydata()[0] == 1.0 and immediate.get_ydata()[-1] == 0.0
    assert len(ax.figure.axes) >= 2  # the at-risk table


def test_lesion_trajectories(small_tu, small_tr):
    measurements = read_sdtm(small_tu, small_tr).measurements
    ax = plot_lesion_trajectories(measurements, "P1")
    lines = {line.get_label(): line for line in ax.get_lines()
             if not line.get_label().startswith("_")}
    assert set(lines) == {"T01 (LD, target)", "T02 (LD, target)", "T03 (LD, target)",
                          "T04 (SA, target)"}
    # T01: 20 mm, then fragments 8 + 6 = 14 mm, then 12 mm
    assert list(lines["T01 (LD, target)"].get_ydata()) == [20.0, 14.0, 12.0]
    # T02: 15, too small (5 mm), then the merged mass 21 mm
    assert list(lines["T02 (LD, target)"].get_ydata()) == [15.0, 5.0, 21.0]
    # T03: 12, absent (0), merged (0)
    assert list(lines["T03 (LD, target)"].get_ydata()) == [12.0, 0.0, 0.0]
    y = np.asarray(lines["T04 (SA, target)"].get_ydata(), dtype=float)
    assert y[:2].tolist() == [18.0, 9.0] and np.isnan(y[2])


def test_plots_save_png_and_svg(tmp_path, timepoints, patient_summary):
    ax = plot_waterfall(timepoints, patient_summary)
    ax.figure.savefig(tmp_path / "w.png")
    ax.figure.savefig(tmp_path / "w.svg")
    assert (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "w.svg").read_bytes()[:400]


def test_waterfall_without_follow_up_is_an_error(patient_summary):
    only_baseline = pd.DataFrame({"patient_id": ["A"], "date": ["2024-01-01"],
                                  "pct_from_baseline": [None]})
    with pytest.raises(ValueError, match="no patient has a % change"):
        plot_waterfall(only_baseline, patient_summary)


def test_color_by_a_column_of_the_plotted_table_splits_its_rows(timepoints, patient_summary):
    # two readers of the same patients: one bar and one line per patient and reader
    second = timepoints.assign(evaluator="R2", pct_from_baseline=pd.to_numeric(
        timepoints["pct_from_baseline"], errors="coerce") + 5.0)
    both = pd.concat([timepoints.assign(evaluator="R1"), second], ignore_index=True)
    ax = plot_waterfall(both, patient_summary, color_by="evaluator")
    assert len(ax.patches) == 6
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"R1", "R2"}
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert colours == {"#0072b2", "#e69f00"}  # Okabe-Ito, in order
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == [-60.0, -55.0, 5.0, 10.0, 10.0, 15.0]
    spider = plot_spider(both, color_by="evaluator", ax=plt.figure().add_subplot())
    data = [line for line in spider.get_lines() if line.get_marker() == "o"]
    assert len(data) == 6
    with pytest.raises(ValueError, match="color_by='site': no such column"):
        plot_waterfall(timepoints, patient_summary, color_by="site")


def _references(ax) -> dict[float, str]:
    """Horizontal reference line → the label written at its right end."""
    texts = {round(t.get_position()[1], 6): t.get_text().strip() for t in ax.texts}
    return {float(line.get_ydata()[0]): texts[round(float(line.get_ydata()[0]), 6)]
            for line in ax.get_lines() if line.get_label().startswith("_reference")}


def test_lesion_trajectories_reference_lines_and_colours(small_tu, small_tr):
    measurements = read_sdtm(small_tu, small_tr).measurements
    ax = plot_lesion_trajectories(measurements, "P1")
    # P1 has a node (T04): the node lines join the 10 mm long-axis line
    assert _references(ax) == {10.0: "measurable LD 10 mm · normal node SA < 10 mm",
                               15.0: "measurable node SA 15 mm"}
    assert ax.get_ylim()[0] == 0
    drawn = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    colours = [matplotlib.colors.to_hex(line.get_color()) for line in drawn]
    assert colours == ["#0072b2", "#e69f00", "#009e73", "#cc79a7"]  # Okabe-Ito per lesion
    assert all(t.get_fontsize() >= 8 for t in ax.texts)
    stricter = RECIST_1_1.replace(measurable_ld_mm=12.0)
    ax = plot_lesion_trajectories(measurements, "P2", criteria=stricter,
                                  ax=plt.figure().add_subplot())
    assert _references(ax) == {12.0: "measurable LD 12 mm"}  # no node, no node lines


def test_lesion_trajectories_color_by_any_column(small_tu, small_tr):
    measurements = read_sdtm(small_tu, small_tr).measurements
    ax = plot_lesion_trajectories(measurements, "P1", color_by="organ")
    drawn = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    by_organ: dict[str, set[str]] = {}
    for line in drawn:
        organ = line.get_label().split(" · ")[1]
        by_organ.setdefault(organ, set()).add(matplotlib.colors.to_hex(line.get_color()))
    assert all(len(colours) == 1 for colours in by_organ.values())
    assert len({c for colours in by_organ.values() for c in colours}) == len(by_organ)
    # two readers of the same lesions: one line per lesion and reader
    second = measurements.assign(reader="R2")
    both = pd.concat([measurements.assign(reader="R1"), second], ignore_index=True)
    ax = plot_lesion_trajectories(both, "P1", color_by="reader",
                                  ax=plt.figure().add_subplot())
    drawn = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(drawn) == 8
    assert {matplotlib.colors.to_hex(line.get_color()) for line in drawn
            if line.get_label().endswith("R2")} == {"#e69f00"}
    with pytest.raises(ValueError, match="color_by='site': no such column"):
        plot_lesion_trajectories(measurements, "P1", color_by="site")


def test_reference_lines_labelled_where_drawn(timepoints, patient_summary, patients):
    for ax in (plot_waterfall(timepoints, patient_summary),
               plot_spider(timepoints, patients, ax=plt.figure().add_subplot())):
        assert _references(ax) == {20.0: "PD +20%", -30.0: "PR −30%"}
    looser = RECIST_1_1.replace(pd_increase_pct=25.0)
    ax = plot_waterfall(timepoints, patient_summary, criteria=looser,
                        ax=plt.figure().add_subplot())
    assert _references(ax)[25.0] == "PD +25%"


def test_kaplan_meier_medians_bands_and_at_risk(patient_summary, patients):
    from matplotlib.collections import PolyCollection

    ax = plot_kaplan_meier(patient_summary, patients)
    medians = [line for line in ax.get_lines() if line.get_label() == "_median"]
    # Immediate: both events at 122 days, the median is 122 d; Deferred never drops to 0.5
    assert len(medians) == 1
    assert list(medians[0].get_xdata()) == [0, 122.0, 122.0]
    assert list(medians[0].get_ydata()) == [0.5, 0.5, 0]
    assert [t.get_text() for t in ax.texts] == ["median 122 d"]
    immediate = next(line for line in ax.get_lines() if line.get_label() == "Immediate")
    assert medians[0].get_color() == immediate.get_color() == "#E69F00"
    # bands: dotted step lines of the curve's colour, no filled areas to blend
    bands = [line for line in ax.get_lines() if line.get_label() == "_band"]
    assert len(bands) == 4 and {line.get_linestyle() for line in bands} == {":"}
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    at_risk = ax.figure.axes[1]
    counts = [t.get_text() for t in at_risk.get_xticklabels()]
    assert [row.split() for row in counts[0].splitlines()] == [
        ["At", "risk"], ["Deferred", "1"], ["Immediate", "2"]]  # under the curves, per arm
    sizes = [t.get_fontsize() for a in ax.figure.axes
             for t in a.get_xticklabels() + a.get_yticklabels()] + [
        t.get_fontsize() for t in ax.get_legend().get_texts()]
    assert min(sizes) >= 8
