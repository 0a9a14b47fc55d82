"""The farthest-pair filter keeps every point of every near-farthest pair, in 2-D and 3-D."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from recist.measure.farthest import farthest_candidates


@pytest.mark.parametrize("dimensions", [2, 3])
@pytest.mark.parametrize("slack", [0.0, 1e-12, 0.05])
def test_every_point_of_a_near_farthest_pair_is_kept(dimensions, slack):
    rng = np.random.default_rng(dimensions)
    for trial in range(200):
        n = int(rng.integers(1, 300))
        points = rng.normal(size=(n, dimensions)) * rng.uniform(0.1, 100, dimensions)
        if trial % 2:  # lattice points (pixel outlines), with ties
            points = np.round(points)
        keep, lower = farthest_candidates(np.ascontiguousarray(points.T), slack=slack)
        distances = squareform(pdist(points)) if n > 1 else np.zeros((1, 1))
        longest = distances.max()
        assert lower <= longest
        assert np.isclose(distances, lower, rtol=0, atol=1e-9).any()  # a pair's distance
        a, b = np.nonzero(distances >= (1 - slack) * longest)
        assert keep[a].all() and keep[b].all()
        if slack == 0.0 and n > 50 and trial % 2 == 0:
            assert keep.sum() < n  # it does filter
