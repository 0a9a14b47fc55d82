"""Digitised analytic shapes for the measurement tests."""

from __future__ import annotations

import numpy as np


def ellipse_mask(a_mm, b_mm, angle_rad, spacing_rc, offset=(0.0, 0.0)):
    """Digitise an ellipse (semi-axes a >= b, in mm) on a pixel grid: a pixel is inside
    when its centre is. ``spacing_rc`` is (row spacing, column spacing); ``offset`` moves
    the centre by a fraction of a pixel."""
    sr, sc = spacing_rc
    nr, nc = int(a_mm / sr) + 4, int(a_mm / sc) + 4
    r = (np.arange(-nr, nr + 1) + offset[0]) * sr
    c = (np.arange(-nc, nc + 1) + offset[1]) * sc
    rr, cc = np.meshgrid(r, c, indexing="ij")
    u = cc * np.cos(angle_rad) + rr * np.sin(angle_rad)
    v = -cc * np.sin(angle_rad) + rr * np.cos(angle_rad)
    return (u / a_mm) ** 2 + (v / b_mm) ** 2 <= 1.0
