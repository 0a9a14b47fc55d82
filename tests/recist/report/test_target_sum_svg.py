"""The patient page's target-sum SVG draws the numbers of plot_target_sum (sample LUNG1,
worked out by hand in test_layout: PR at 11.66 mm, PD steps 21.66, 14.70, 13.91 mm)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from recist.report.target_sum_svg import BOTTOM, HEIGHT, TOP, nice_ticks, target_sum_svg
from recist.response import respond

SVG = "{http://www.w3.org/2000/svg}"


def test_lines_and_labels_are_at_the_hand_checked_values(sample_measurements):
    result = respond(sample_measurements)
    root = ET.fromstring(target_sum_svg(result.timepoints, "LUNG1"))
    ticks = [float(t.text) for t in root.iter(f"{SVG}text")
             if t.text and re.fullmatch(r"\d+(\.\d+)?", t.text)]
    assert ticks == nice_ticks(max(21.664, 16.664) * 1.2 + 1) == [0, 10, 20, 30]

    def mm(y: float) -> float:  # back from SVG y to millimetres (y axis 0..30 mm)
        plot_h = HEIGHT - TOP - BOTTOM
        return (TOP + plot_h - y) / plot_h * 30.0

    pr = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "pr")
    assert mm(float(pr.get("y1"))) == pytest.approx(16.664 * 0.7, abs=0.01)
    pd_points = next(e for e in root.iter(f"{SVG}polyline") if e.get("class") == "pd")
    levels = [round(mm(float(p.split(",")[1])), 2) for p in pd_points.get("points").split()]
    assert sorted(set(levels), reverse=True) == pytest.approx([21.66, 14.70, 13.91], abs=0.01)
    sums = next(e for e in root.iter(f"{SVG}polyline") if e.get("class") == "sum")
    values = [round(mm(float(p.split(",")[1])), 2) for p in sums.get("points").split()]
    assert values == pytest.approx([16.66, 9.70, 8.91, 16.66], abs=0.01)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "response"]
    assert labels == ["baseline", "PR", "PR", "PD"]


def test_patient_id_is_escaped_and_no_target_is_an_error(sample_measurements):
    from recist.errors import RecistDataError

    result = respond(sample_measurements)
    tp = result.timepoints.copy()
    tp["patient_id"] = tp["patient_id"].replace({"LUNG1": "<b>&"})
    svg = target_sum_svg(tp, "<b>&").decode()
    ET.fromstring(svg)  # well-formed
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    with pytest.raises(RecistDataError, match="no sum of target diameters"):
        target_sum_svg(tp.assign(sum_mm=float("nan")), "<b>&")
