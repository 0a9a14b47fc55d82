"""LD by hull + rotating calipers, SA by inside perpendicular chords: analytic oracles,
brute force, and the laws of STYLE.md section 14."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist.measure import (
    caliper_width_mm,
    longest_diameter_2d,
    longest_perpendicular_chord,
    measure_outline_2d,
    measure_planar_contours,
)


def brute_force_diameter(points):
    d = np.linalg.norm(points[:, None] - points[None], axis=-1)
    return d.max()


def brute_force_inside_chord(loop, direction, n=4001):
    """Longest inside chord perpendicular to direction by dense sampling of positions."""
    from matplotlib.path import Path as MplPath

    u = direction / np.linalg.norm(direction)
    nrm = np.array([-u[1], u[0]])
    t = loop @ u
    s = loop @ nrm
    best = 0.0
    path = MplPath(loop)
    for tt in np.linspace(t.min(), t.max(), 301)[1:-1]:
        ss = np.linspace(s.min() - 1, s.max() + 1, n)
        pts = tt * u + ss[:, None] * nrm
        inside = path.contains_points(pts)
        # longest run of inside samples
        run = 0
        for flag in inside:
            run = run + 1 if flag else 0
            best = max(best, run * (ss[1] - ss[0]))
    return best


@pytest.mark.parametrize("n_points", [3, 10, 200])
def test_longest_diameter_equals_brute_force(n_points):
    rng = np.random.default_rng(n_points)
    for _ in range(50):
        points = rng.normal(size=(n_points, 2)) * rng.uniform(0.5, 30, size=2)
        length, a, b = longest_diameter_2d(points)
        assert length == pytest.approx(brute_force_diameter(points), abs=1e-9)
        assert np.linalg.norm(b - a) == pytest.approx(length, abs=1e-12)


def test_degenerate_point_sets():
    assert longest_diameter_2d(np.array([[1.0, 2.0]]))[0] == 0.0
    assert longest_diameter_2d(np.array([[0, 0], [1, 1], [2, 2.0]]))[0] == pytest.approx(
        np.sqrt(8))
    with pytest.raises(ValueError, match="empty"):
        longest_diameter_2d(np.empty((0, 2)))


def test_polygon_ellipse_exact():
    """A finely sampled analytic ellipse: LD = 2a, SA = caliper = 2b (convex)."""
    theta = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    a, b, rot = 40.0, 15.0, 0.7
    pts = np.stack([a * np.cos(theta), b * np.sin(theta)], axis=1)
    c, s = np.cos(rot), np.sin(rot)
    pts = pts @ np.array([[c, s], [-s, c]]) + [12.0, -7.0]
    m = measure_outline_2d([pts])
    assert m.ld_mm == pytest.approx(2 * a, abs=1e-6)
    assert m.sa_mm == pytest.approx(2 * b, abs=1e-3)
    assert m.sa_caliper_mm == pytest.approx(2 * b, abs=1e-3)
    assert m.area_mm2 == pytest.approx(np.pi * a * b, rel=1e-5)


def test_non_convex_sa_shorter_than_caliper_and_matches_brute_force():
    """A crescent-like C: the inside chord is much shorter than the caliper width."""
    c_shape = np.array([[0, 0], [30, 0], [30, 6], [6, 6], [6, 14], [30, 14], [30, 20],
                        [0, 20.0]])
    direction = np.array([1.0, 0.0])
    length, start, end = longest_perpendicular_chord([c_shape], direction)
    assert length == pytest.approx(20.0)  # the back of the C, x in [0, 6]
    assert abs((end - start) @ direction) < 1e-9
    assert caliper_width_mm(c_shape, direction) == pytest.approx(20.0)
    chevron = np.array([[0, 0], [20, 20], [40, 0], [40, 8], [20, 28], [0, 8.0]])
    length, _, _ = longest_perpendicular_chord([chevron], direction)
    assert length == pytest.approx(8.0)
    assert caliper_width_mm(chevron, direction) == pytest.approx(28.0)
    assert brute_force_inside_chord(chevron, direction) == pytest.approx(8.0, abs=0.05)


def test_hole_is_outside():
    outer = np.array([[0, 0], [20, 0], [20, 20], [0, 20.0]])
    hole = np.array([[5, 5], [5, 15], [15, 15], [15, 5.0]])
    length, _, _ = longest_perpendicular_chord([outer, hole], np.array([0.0, 1.0]))
    assert length == pytest.approx(20.0)  # rows y<5 or y>15 cross the whole square
    length, _, _ = longest_perpendicular_chord([outer[[0, 1, 2, 3]] * [1, 0.5] + [0, 0],
                                                ], np.array([1.0, 0.0]))
    assert length == pytest.approx(10.0)


def _random_star(seed: int, n: int = 24) -> np.ndarray:
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(5, 30, n)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), dx=st.floats(-500, 500), dy=st.floats(-500, 500))
def test_law_translation_invariance(seed, dx, dy):
    star = _random_star(seed)
    a = measure_outline_2d([star])
    b = measure_outline_2d([star + [dx, dy]])
    assert b.ld_mm == pytest.approx(a.ld_mm, abs=1e-7)
    assert b.sa_mm == pytest.approx(a.sa_mm, abs=1e-6)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.floats(0.1, 10))
def test_law_scaling_spacing_scales_diameters(seed, k):
    star = _random_star(seed)
    a = measure_outline_2d([star])
    b = measure_outline_2d([star * k])
    assert b.ld_mm == pytest.approx(k * a.ld_mm, rel=1e-9)
    assert b.sa_mm == pytest.approx(k * a.sa_mm, rel=1e-7)
    assert b.sa_caliper_mm == pytest.approx(k * a.sa_caliper_mm, rel=1e-9)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), angle=st.floats(0, 2 * np.pi))
def test_law_rotation_invariance(seed, angle):
    """Exact for LD; SA can change only if the rotation changes which pair is the LD
    (ties), which random stars do not have."""
    star = _random_star(seed)
    c, s = np.cos(angle), np.sin(angle)
    rotated = star @ np.array([[c, s], [-s, c]])
    a, b = measure_outline_2d([star]), measure_outline_2d([rotated])
    assert b.ld_mm == pytest.approx(a.ld_mm, abs=1e-7)
    assert b.sa_mm == pytest.approx(a.sa_mm, abs=1e-6)


def test_planar_contour_oblique_equals_2d():
    """A 2-D outline placed on an oblique plane in 3-D measures the same."""
    star = _random_star(7)
    u = np.array([1.0, 2.0, 2.0]) / 3.0
    v = np.cross(u, [0, 0, 1.0])
    v /= np.linalg.norm(v)
    loop3 = star[:, :1] * u + star[:, 1:] * v + [100.0, -50.0, 30.0]
    flat = measure_outline_2d([star])
    m = measure_planar_contours([loop3])
    assert m.ld_mm == pytest.approx(flat.ld_mm, abs=1e-7)
    assert m.sa_mm == pytest.approx(flat.sa_mm, abs=1e-6)
    assert np.linalg.norm(m.ld_end_mm - m.ld_start_mm) == pytest.approx(m.ld_mm)
    bent = loop3.copy()
    bent[0] += 2.0 * np.cross(u, v)
    with pytest.raises(ValueError, match="off their plane"):
        measure_planar_contours([bent])


def test_all_pairs_of_a_small_hull_give_the_calipers_pair():
    """Hulls of up to 256 vertices compare all vertex pairs: the same length and the same
    endpoints (tie rule included) as the rotating calipers, on random sets and on
    lattice outlines full of equal diameters."""
    from recist.measure.calipers import _longest_pair_of_hull, _rotating_calipers, convex_hull_2d

    rng = np.random.default_rng(11)
    sets = [rng.normal(size=(n, 2)) * rng.uniform(0.5, 30, size=2)
            for n in rng.integers(3, 400, 60)]
    sets += [np.argwhere(rng.uniform(size=(9, 9)) < 0.5) * 0.25 for _ in range(60)]
    for points in sets:
        hull = convex_hull_2d(points)
        if len(hull) < 3:
            continue
        got, want = _longest_pair_of_hull(hull), _rotating_calipers(hull)
        assert got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[2], want[2])


def test_pruned_pairs_give_the_hull_pair():
    """``spans_area=True`` (no hull, only the points that can be farthest compared): the
    same length and endpoints, bit for bit, as through the hull, on random sets, on
    near-circles (little pruned) and on smoothed lattice outlines (many equal
    diameters)."""
    from recist.measure.outline import smoothed_outline_edges

    rng = np.random.default_rng(12)
    sets = [rng.normal(size=(n, 2)) * rng.uniform(0.5, 30, size=2)
            for n in rng.integers(3, 600, 60)]
    angles = [rng.uniform(0, 2 * np.pi, n) for n in rng.integers(20, 400, 20)]
    sets += [np.c_[np.cos(t), np.sin(t)] * rng.uniform(1, 50) for t in angles]
    for _ in range(80):
        blob = rng.uniform(size=tuple(rng.integers(1, 40, 2))) < rng.uniform(0.3, 1.0)
        if blob.any():
            vertices, _ = smoothed_outline_edges(blob)
            sets.append(vertices * rng.uniform(0.3, 1.0, 2))
    for points in sets:
        got = longest_diameter_2d(points, spans_area=True)
        want = longest_diameter_2d(points)
        assert got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[2], want[2])


def test_sorted_unique_is_numpys_unique():
    """The short axis' positions: ``np.unique`` without its overhead, the same array
    (repeats, signed zeros, infinities and NaNs included)."""
    from recist.measure.short_axis import _sorted_unique

    rng = np.random.default_rng(4)
    cases = [np.round(rng.normal(size=n) * 4) / 4 for n in (0, 1, 2, 50, 300)]
    cases += [np.array([0.0, -0.0, 1.0, -np.inf, np.inf, 1.0]),
              np.array([np.nan, 1.0, np.nan, 0.5]), np.array([np.nan])]
    for values in cases:
        np.testing.assert_array_equal(_sorted_unique(values), np.unique(values))
        assert _sorted_unique(values).dtype == np.unique(values).dtype
