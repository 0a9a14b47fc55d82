"""Lesion pictures render headless and show what was measured."""

from __future__ import annotations

import numpy as np
import pytest

from recist.overlays import (
    BONE_WINDOW,
    LUNG_WINDOW,
    SOFT_TISSUE_WINDOW,
    orientation_letters,
    render_lesion_overlay,
    window_for_organ,
)


def test_overlay_draws_both_axes_zoomed_with_window(tmp_path):
    image = np.full((100, 120), -800.0)
    image[40:60, 50:80] = 30.0
    path = tmp_path / "lesion.png"
    axes = render_lesion_overlay(
        image, (0.5, 0.8), path, ld_xy=np.array([[50, 50], [80, 50.0]]),
        sa_xy=np.array([[65, 40], [65, 60.0]]), ld_mm=24.0, sa_mm=10.0, lesion_id="T1",
        date="2024-01-08", organ="Left lung")
    assert path.stat().st_size > 5_000
    lines = axes.get_lines()
    ld = lines[0].get_xydata()  # in mm: x * column spacing, y * row spacing
    np.testing.assert_allclose(ld, [[40.0, 25.0], [64.0, 25.0]])
    np.testing.assert_allclose(lines[1].get_xydata(), [[52.0, 20.0], [52.0, 30.0]])
    x0, x1 = axes.get_xlim()
    assert x1 - x0 == 24.0 + 2 * 15.0  # zoomed: the 24 mm lesion and 15 mm on each side
    assert axes.images[0].get_clim() == LUNG_WINDOW.limits
    title = " ".join(t.get_text() for t in axes.figure.texts)
    assert "T1" in title and "2024-01-08" in title and "LD 24.0 mm" in title
    soft = render_lesion_overlay(image, (0.5, 0.8), tmp_path / "liver.png",
                                 ld_xy=np.array([[50, 50], [80, 50.0]]), organ="liver")
    assert soft.images[0].get_clim() == SOFT_TISSUE_WINDOW.limits


@pytest.mark.parametrize("organ, nodal, window", [
    ("RUL", False, LUNG_WINDOW), ("pulmonary", False, LUNG_WINDOW),
    ("pleura", False, SOFT_TISSUE_WINDOW), ("liver", False, SOFT_TISSUE_WINDOW),
    ("hilar lung node", True, SOFT_TISSUE_WINDOW), ("L3 vertebra", False, BONE_WINDOW),
    ("left iliac bone", False, BONE_WINDOW), (None, False, SOFT_TISSUE_WINDOW)])
def test_window_by_organ(organ, nodal, window):
    assert window_for_organ(organ, nodal) == window


def test_orientation_letters_follow_the_direction_cosines():
    assert orientation_letters((1, 0, 0), (0, 1, 0)) == {
        "left": "R", "right": "L", "top": "A", "bottom": "P"}
    # a coronal slice: rows to the patient's left, columns downwards (feet)
    assert orientation_letters((1, 0, 0), (0, 0, -1)) == {
        "left": "R", "right": "L", "top": "H", "bottom": "F"}
    # an axial slice displayed flipped left-right
    assert orientation_letters((-1, 0, 0), (0, 1, 0))["left"] == "L"


def test_outline_letters_slice_position_and_context(tmp_path):
    image = np.full((200, 200), 40.0)
    mask = np.zeros((200, 200), dtype=bool)
    mask[95:105, 96:104] = True  # a 8 x 10 px lesion, 1 mm pixels
    axes = render_lesion_overlay(
        image, (1.0, 1.0), tmp_path / "small.png", ld_xy=np.array([[96, 100], [104, 100.0]]),
        outline=mask, orientation=((1, 0, 0), (0, 1, 0)), slice_label="slice 3/9 · -12.5 mm",
        window="bone", organ="lung")
    # the view holds the 10 mm lesion (outline extent) and 15 mm on each side
    x0, x1 = axes.get_xlim()
    assert x1 - x0 == pytest.approx(10.0 + 30.0)
    assert axes.images[0].get_clim() == BONE_WINDOW.limits  # named window overrides organ
    contours = [c for c in axes.collections if c.__class__.__name__ == "QuadContourSet"
                or hasattr(c, "get_paths")]
    vertices = np.concatenate([p.vertices for c in contours for p in c.get_paths()])
    # the outline runs half way between the edge pixels' centres and the outside ones
    assert vertices[:, 0].min() >= 96.0 and vertices[:, 0].max() <= 104.0
    assert vertices[:, 1].min() >= 95.0 and vertices[:, 1].max() <= 105.0
    texts = {t.get_text() for t in axes.texts}
    assert {"R", "L", "A", "P", "slice 3/9\n-12.5 mm", "10 mm", "W2000/L500"} <= texts
    # the scale bar is 10 mm long and carries a dark halo
    bar = next(line for line in axes.get_lines() if line.get_label() == "_scale")
    assert np.ptp(bar.get_xdata()) == 10.0 and bar.get_path_effects()
    with pytest.raises(ValueError, match="window 'brain' is not one of"):
        render_lesion_overlay(image, (1.0, 1.0), tmp_path / "x.png", ld_xy=None,
                              window="brain")


def test_contour_polygons_are_drawn_closed_where_they_are_and_widen_the_view(tmp_path):
    image = np.full((120, 120), -800.0)
    square = np.array([[40, 50], [70, 50], [70, 80], [40, 80.0]])  # 30 x 30 px
    axes = render_lesion_overlay(
        image, (0.5, 0.5), tmp_path / "rt.png", ld_xy=np.array([[45, 60], [55, 60.0]]),
        contours=[square], organ="lung")
    drawn = [line for line in axes.get_lines() if line.get_label() == "_contour"]
    assert len(drawn) == 1
    # in mm (0.5 mm pixels), closed back to the first point
    np.testing.assert_allclose(drawn[0].get_xydata(), np.vstack([square, square[:1]]) * 0.5)
    assert drawn[0].get_color() == "#ffd400"
    x0, x1 = axes.get_xlim()  # the view holds the 15 mm contour, not only the 5 mm LD
    assert x1 - x0 == pytest.approx(15.0 + 2 * 15.0)
