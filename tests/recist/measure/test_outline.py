"""The vectorised marching-squares outline equals skimage's find_contours outline."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.measure import find_contours

from recist.measure import measure_edges_2d, measure_outline_2d
from recist.measure.outline import smoothed_outline_edges


def _reference_loops(piece, smooth):
    loops = []
    for loop in find_contours(np.pad(piece.astype(float), 1), 0.5, fully_connected="high"):
        ring = loop[:-1] - 1.0
        if smooth:
            ring = 0.5 * ring + 0.25 * (np.roll(ring, 1, axis=0) + np.roll(ring, -1, axis=0))
        loops.append(ring)
    return loops


def _edge_set(starts, ends):
    return {frozenset((tuple(np.round(a, 9)), tuple(np.round(b, 9))))
            for a, b in zip(starts, ends)}


@pytest.mark.parametrize("smooth", [False, True])
def test_same_edges_and_measurements_as_find_contours(smooth):
    """Random noisy pieces (holes, saddles, spurs): identical edge sets, LD and SA."""
    rng = np.random.default_rng(11)
    for _ in range(150):
        noisy = rng.random(tuple(rng.integers(2, 25, 2))) < rng.uniform(0.3, 0.9)
        labels, count = ndimage.label(noisy, structure=np.ones((3, 3)))
        if count == 0:
            continue
        piece = labels == 1
        vertices, segments = smoothed_outline_edges(piece, smooth=smooth)
        assert np.all(np.bincount(segments.ravel(), minlength=len(vertices)) == 2)
        loops = _reference_loops(piece, smooth)
        ref_starts = np.concatenate(loops)
        ref_ends = np.concatenate([np.roll(loop, -1, axis=0) for loop in loops])
        assert _edge_set(vertices[segments[:, 0]], vertices[segments[:, 1]]) == _edge_set(
            ref_starts, ref_ends)
        ours = measure_edges_2d(vertices[segments[:, 0]], vertices[segments[:, 1]],
                                area_mm2=0.0)
        reference = measure_outline_2d(loops)
        assert ours.ld_mm == pytest.approx(reference.ld_mm, abs=1e-9)
        assert ours.sa_mm == pytest.approx(reference.sa_mm, abs=1e-9)
