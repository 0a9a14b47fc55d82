"""Maximum 3-D diameter: the grid lines' extreme surface points give exactly the largest
distance between two vertices of marching cubes' mesh (recist.measure.diameter_3d)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError, cKDTree
from scipy.spatial.distance import pdist
from skimage.measure import marching_cubes

from recist.measure import max_3d_diameter_mm
from recist.measure.diameter_3d import line_ends, max_pair_distance, surface_extreme_points


def _all_midpoints(mask: np.ndarray, spacing) -> np.ndarray:
    """Every midpoint between two 6-neighbour voxels of different value (the mask padded
    with background), in mm: computed voxel pair by voxel pair, independently."""
    padded = np.pad(mask, 1)
    points = []
    for axis in range(3):
        low = [slice(None)] * 3
        high = [slice(None)] * 3
        low[axis], high[axis] = slice(None, -1), slice(1, None)
        differ = np.argwhere(padded[tuple(low)] != padded[tuple(high)]).astype(float)
        differ[:, axis] += 0.5  # between index i and i + 1 along the axis
        points.append(differ)
    return (np.concatenate(points) - 1.0) * np.asarray(spacing, dtype=float)


def _marching_cubes_vertices(mask: np.ndarray, spacing) -> np.ndarray:
    vertices = marching_cubes(np.pad(mask.astype(np.float32), 1), 0.5,
                              spacing=tuple(float(s) for s in spacing))[0]
    return vertices - np.asarray(spacing, dtype=float)


def _random_masks(n: int, seed: int = 7):
    """Blobs with holes and several pieces, touching the array's border, and sparse noise."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        shape = tuple(int(v) for v in rng.integers(1, 14, 3))
        noise = ndimage.gaussian_filter(rng.normal(size=shape), sigma=rng.uniform(0.5, 2.5))
        mask = noise > np.quantile(noise, rng.uniform(0.3, 0.9))
        if i % 5 == 0:
            mask = rng.uniform(size=shape) < 0.05  # scattered voxels
        if not mask.any():
            mask.flat[0] = True
        spacing = tuple(float(s) for s in rng.uniform(0.3, 5.0, 3))
        yield mask, spacing


def test_vertex_set_is_the_set_of_edge_midpoints():
    """What the module docstring relies on: marching cubes at 0.5 on a binary mask puts a
    vertex on the midpoint of every edge joining lesion and background, and its other
    vertices (Lewiner's cube centres, in ambiguous cubes) half-way between two of those."""
    centres = 0
    for mask, spacing in _random_masks(40):
        mine = _all_midpoints(mask, spacing)
        theirs = _marching_cubes_vertices(mask, spacing)
        tree = cKDTree(mine)
        assert cKDTree(theirs).query(mine)[0].max() < 1e-9  # every midpoint is a vertex
        distance = tree.query(theirs)[0]
        for vertex in theirs[distance > 1e-9]:  # not a midpoint: the mean of two
            centres += 1
            near = mine[tree.query_ball_point(vertex, np.linalg.norm(spacing))]
            assert tree.query(2 * vertex - near)[0].min() < 1e-9
    assert centres > 0  # the case is exercised


def test_diameter_equals_brute_force_over_every_surface_vertex():
    """Exactly the largest of all pairwise distances between the surface's vertices (the
    same coordinates), and to 1e-9 mm the one over marching cubes' own vertices."""
    for mask, spacing in _random_masks(60):
        midpoints = _all_midpoints(mask, spacing)
        assert max_3d_diameter_mm(mask, spacing) == float(pdist(midpoints).max())
        mesh = _marching_cubes_vertices(mask, spacing)
        assert max_3d_diameter_mm(mask, spacing) == pytest.approx(
            float(pdist(mesh).max()), abs=1e-9)


def test_real_tumours_same_as_the_mesh_hull(lung_labels):
    """On the lung1 / lung2 masks: the value the marching-cubes mesh, its convex hull and
    all pairs of hull vertices give (the former implementation)."""
    for name, (mask, spacing) in lung_labels.items():
        vertices = _marching_cubes_vertices(mask, spacing)
        hull = vertices[ConvexHull(vertices).vertices]
        assert max_3d_diameter_mm(mask, spacing) == pytest.approx(
            float(pdist(hull).max()), abs=1e-9), name


def test_box_by_hand():
    """A box of 3 slices x 4 rows x 5 columns of unit voxels: its surface vertices are the
    centres of the outer voxel faces. The farthest pair are centres on the two column-end
    faces at opposite corners: sqrt(2^2 + 3^2 + 5^2) = sqrt(38) (rows: sqrt(2^2+4^2+4^2) =
    6; slices: sqrt(3^2+3^2+4^2) = sqrt(34)). With slices 2.5 mm apart: the slice faces'
    pair sqrt(7.5^2 + 3^2 + 4^2) = sqrt(81.25) wins."""
    box = np.ones((3, 4, 5), dtype=bool)
    assert max_3d_diameter_mm(box, (1.0, 1.0, 1.0)) == pytest.approx(np.sqrt(38.0), abs=1e-12)
    assert max_3d_diameter_mm(box, (2.5, 1.0, 1.0)) == pytest.approx(np.sqrt(81.25),
                                                                     abs=1e-12)


def test_large_sphere_where_nothing_can_be_pruned():
    """A digitised ball of radius 30 voxels (every surface point about as far from the
    centre): the pruning keeps many points and the hull is still exact."""
    z, y, x = np.mgrid[-31:32, -31:32, -31:32]
    ball = x * x + y * y + z * z <= 30.3 ** 2
    points = surface_extreme_points(ball, (1.0, 0.8, 0.8))
    hull = points[ConvexHull(points).vertices]
    assert max_3d_diameter_mm(ball, (1.0, 0.8, 0.8)) == float(pdist(hull).max())


def test_candidates_hold_the_extreme_vertices_and_stay_in_the_hull():
    """The points built from each row's first and last column (module docstring): every
    vertex of the convex hull of all surface midpoints is among them, and none lies
    outside that hull (so both sets have the same farthest pair)."""
    checked = 0
    for mask, spacing in _random_masks(80, seed=11):
        midpoints = _all_midpoints(mask, spacing)
        candidates = surface_extreme_points(mask, spacing)
        try:
            hull = ConvexHull(midpoints)
        except QhullError:  # flat: no 3-D hull
            continue
        mine = {tuple(p) for p in candidates.tolist()}
        assert {tuple(p) for p in midpoints[hull.vertices].tolist()} <= mine
        outside = candidates @ hull.equations[:, :3].T + hull.equations[:, 3]
        assert outside.max() <= 1e-9
        checked += 1
    assert checked > 40


def test_max_pair_distance_degenerate_sets():
    """Points on a plane or a line (no 3-D hull), one point, none."""
    rng = np.random.default_rng(3)
    flat = np.c_[rng.uniform(size=(200, 2)), np.zeros(200)]
    assert max_pair_distance(flat) == float(pdist(flat).max())
    line = np.outer(rng.uniform(size=100), [1.0, 2.0, 3.0])
    assert max_pair_distance(line) == pytest.approx(float(pdist(line).max()), abs=1e-12)
    assert max_pair_distance(np.zeros((1, 3))) == 0.0
    assert max_pair_distance(np.zeros((0, 3))) == 0.0


def test_line_ends_against_argmax():
    rng = np.random.default_rng(5)
    mask = rng.uniform(size=(7, 9, 300)) < 0.01  # a long axis: 16-bit indices
    for axis in range(3):
        first, last = line_ends(mask, axis)
        present = mask.any(axis=axis)
        n = mask.shape[axis]
        want_first = np.where(present, np.argmax(mask, axis=axis), -1)
        want_last = np.where(present, n - 1 - np.argmax(np.flip(mask, axis), axis=axis), -1)
        np.testing.assert_array_equal(first, want_first)
        np.testing.assert_array_equal(last, want_last)
