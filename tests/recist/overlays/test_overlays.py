"""Lesion pictures render headless and show what was measured."""

from __future__ import annotations

import numpy as np

from recist.overlays import LUNG_WINDOW, SOFT_TISSUE_WINDOW, render_lesion_overlay


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
    assert 40.0 < x1 - x0 < 60.0  # zoomed: twice the 24 mm extent, not the 96 mm slice
    assert axes.images[0].get_clim() == LUNG_WINDOW.limits
    title = axes.figure.texts[0].get_text()
    assert "T1" in title and "2024-01-08" in title and "LD 24.0 mm" in title
    soft = render_lesion_overlay(image, (0.5, 0.8), tmp_path / "liver.png",
                                 ld_xy=np.array([[50, 50], [80, 50.0]]), organ="liver")
    assert soft.images[0].get_clim() == SOFT_TISSUE_WINDOW.limits
