"""Laws of the mask measurement (STYLE.md section 14), derandomised hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist.measure import measure_mask

from support.masks import ellipse_mask


@st.composite
def lesions(draw):
    a = draw(st.floats(3.0, 15.0))
    b = draw(st.floats(2.5, a))
    angle = draw(st.floats(0.0, np.pi))
    spacing = (draw(st.floats(0.5, 1.0)), draw(st.floats(0.5, 1.0)))
    blob = ellipse_mask(a, b, angle, spacing)
    # a second, smaller slice and a notch make it 3-D and non-convex
    notch = draw(st.integers(0, blob.shape[1] // 3))
    second = np.roll(blob, draw(st.integers(-2, 2)), axis=1)
    second[:, :notch] = False
    mask = np.stack([np.zeros_like(blob), blob, second])
    return mask, (draw(st.floats(1.0, 5.0)), *spacing), draw(st.booleans())


def _key(m):
    return np.array([m.ld_mm, m.sa_mm, m.fragments[0].sa_caliper_mm, m.volume_mm3])


@settings(derandomize=True, max_examples=25, deadline=None)
@given(lesions(), st.integers(0, 5), st.integers(0, 7), st.integers(0, 7))
def test_translation_invariance(lesion, dk, dj, di):
    mask, spacing, nodal = lesion
    moved = np.pad(mask, ((dk, 1), (dj, 2), (di, 3)))
    a, b = measure_mask(mask, spacing, nodal=nodal), measure_mask(moved, spacing, nodal=nodal)
    np.testing.assert_allclose(_key(a), _key(b), rtol=1e-9, atol=1e-9)
    assert b.slice_index == a.slice_index + dk


@settings(derandomize=True, max_examples=25, deadline=None)
@given(lesions(), st.floats(0.2, 5.0))
def test_scaling_the_spacing_scales_every_diameter(lesion, k):
    mask, spacing, nodal = lesion
    a = measure_mask(mask, spacing, nodal=nodal)
    b = measure_mask(mask, tuple(k * s for s in spacing), nodal=nodal)
    np.testing.assert_allclose(_key(b)[:3], k * _key(a)[:3], rtol=1e-7)
    assert b.max_3d_diameter_mm == pytest.approx(k * a.max_3d_diameter_mm, rel=1e-6)
    assert b.volume_mm3 == pytest.approx(k ** 3 * a.volume_mm3, rel=1e-9)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(lesions())
def test_quarter_turn_and_mirror_invariance(lesion):
    """Rotating the grid by 90 degrees (swapping the spacings) or mirroring it is the
    same lesion; the digitisation is identical, so the values agree to rounding."""
    mask, (sk, sr, sc), nodal = lesion
    a = measure_mask(mask, (sk, sr, sc), nodal=nodal)
    turned = measure_mask(np.rot90(mask, axes=(1, 2)), (sk, sc, sr), nodal=nodal)
    mirrored = measure_mask(mask[:, ::-1, :], (sk, sr, sc), nodal=nodal)
    for other in (turned, mirrored):
        np.testing.assert_allclose(_key(other), _key(a), rtol=1e-7, atol=1e-7)
