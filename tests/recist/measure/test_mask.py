"""Masks: accuracy on digitised ellipses / ellipsoids, the real tumours against
pyradiomics, slice choice, fragments and empty masks."""

from __future__ import annotations

import numpy as np
import pytest

from recist.measure import measure_mask, measure_mask_slice

from support.masks import ellipse_mask


def _ellipse_cases(n: int, seed: int = 20240601):
    """Random ellipses: LD 5-100 mm, axis ratio 1 to 4, any angle, sub-pixel offset,
    pixels 0.5-1 mm, every other case anisotropic."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        a = rng.uniform(2.5, 50.0)
        b = rng.uniform(max(2.5, a / 4), a)
        sr = rng.uniform(0.5, 1.0)
        sc = rng.uniform(0.5, 1.0) if i % 2 else sr
        yield a, b, rng.uniform(0, np.pi), (sr, sc), tuple(rng.uniform(0, 1, 2))


def test_ellipse_accuracy_within_one_pixel_and_bias_stats(capsys):
    """Error in pixels (pixel = the larger spacing) of LD and SA on 400 ellipses.

    Estimator: smoothed 0.5 iso-contour (``recist.measure.mask`` docstring). Expected
    (measured when this test was written): LD mean +0.2, MAE 0.3; SA mean +0.2, MAE 0.2;
    worst below 0.9 pixel. The positive mean is the maximum-of-noise bias of a maximum
    (LD over directions, SA over chord positions).
    """
    errors = []
    for a, b, angle, spacing, offset in _ellipse_cases(400):
        m = measure_mask(ellipse_mask(a, b, angle, spacing, offset)[None],
                         (1.0, *spacing), with_3d_diameter=False)
        pixel = max(spacing)
        errors.append(((m.ld_mm - 2 * a) / pixel, (m.sa_mm - 2 * b) / pixel))
    errors = np.array(errors)
    with capsys.disabled():
        for name, column in (("LD", errors[:, 0]), ("SA", errors[:, 1])):
            print(f"\n{name} error (pixels) on {len(column)} ellipses: mean {column.mean():+.3f}"
                  f" MAE {np.abs(column).mean():.3f} min {column.min():+.3f}"
                  f" max {column.max():+.3f}")
    assert np.abs(errors).max() < 1.0
    assert np.abs(errors).mean(axis=0).max() <= 0.5
    assert 0.0 < errors[:, 0].mean() < 0.35  # the bias the docstring states


def _ellipsoid(axes_mm, rotation, spacing, centre_offset):
    """Digitised ellipsoid and its quadratic form A (x^T A x <= 1, x in mm, z y x)."""
    A = rotation @ np.diag(1.0 / np.asarray(axes_mm) ** 2) @ rotation.T
    n = [int(max(axes_mm) / s) + 3 for s in spacing]
    grids = [(np.arange(-k, k + 1) + o) * s for k, s, o in zip(n, spacing, centre_offset)]
    z, y, x = np.meshgrid(*grids, indexing="ij")
    p = np.stack([z, y, x], axis=-1)
    inside = np.einsum("...i,ij,...j->...", p, A, p) <= 1.0
    return inside, A, grids[0]


def _true_section(A, z):
    """LD and SA of the ellipse where the plane at height z cuts the ellipsoid."""
    App, Apz, Azz = A[1:, 1:], A[1:, 0], A[0, 0]
    r2 = 1 - z * z * Azz + z * z * Apz @ np.linalg.solve(App, Apz)
    if r2 <= 0:
        return 0.0, 0.0
    eig = np.linalg.eigvalsh(App)
    return 2 * np.sqrt(r2 / eig[0]), 2 * np.sqrt(r2 / eig[1])


def _random_rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def test_ellipsoids_best_slice_and_accuracy(capsys):
    """3-D ellipsoids (longest axis 5-100 mm, log-uniform) at random angles: the chosen
    slice's analytic section is the largest (within one pixel), and LD/SA match that
    section within one pixel."""
    rng = np.random.default_rng(7)
    errors = []
    for i in range(24):
        a = float(np.exp(rng.uniform(np.log(2.5), np.log(50.0))))  # LD 5-100 mm
        axes = (a, rng.uniform(max(2.5, a / 3), a), rng.uniform(max(2.5, a / 3), a))
        spacing = (rng.uniform(1.0, 3.0), rng.uniform(0.5, 1.0), rng.uniform(0.5, 1.0))
        mask, A, zs = _ellipsoid(axes, _random_rotation(rng), spacing,
                                 tuple(rng.uniform(0, 1, 3)))
        nodal = bool(i % 2)
        m = measure_mask(mask, spacing, nodal=nodal, with_3d_diameter=(i < 5))
        sections = np.array([_true_section(A, z) for z in zs])
        ld_true, sa_true = sections[m.slice_index]
        pixel = max(spacing[1:])
        best = sections[:, 1].max() if nodal else sections[:, 0].max()
        chosen = sa_true if nodal else ld_true
        assert chosen >= best - pixel, "the measured slice is not the largest section"
        errors.append(((m.ld_mm - ld_true) / pixel, (m.sa_mm - sa_true) / pixel))
        if i < 5:  # marching-cubes 3-D diameter: within 1.5 voxel of the longest axis
            assert abs(m.max_3d_diameter_mm - 2 * max(axes)) < 1.5 * max(spacing)
    errors = np.array(errors)
    with capsys.disabled():
        print(f"\nellipsoids: LD error mean {errors[:, 0].mean():+.3f} max |.| "
              f"{np.abs(errors[:, 0]).max():.3f}; SA error mean {errors[:, 1].mean():+.3f} "
              f"max |.| {np.abs(errors[:, 1]).max():.3f} (pixels)")
    assert np.abs(errors).max() < 1.0


def test_real_tumours_against_pyradiomics(lung_labels):
    """pyradiomics 3.0.1 publishes Maximum2DDiameterSlice 16.63 mm (lung1) and 55.80 mm
    (lung2). It takes the largest distance between *raw* marching-cubes vertices lying in
    one axial plane, over every plane of vertices of the 3-D mesh, including the vertex
    rings half-way between two slices (which can reach a little farther than either
    slice's own contour). Our estimator smooths the contour of each CT slice, removing
    most of the maximum-of-noise bias (+0.2 to +0.4 pixel, see recist.measure.mask), so we
    expect a value slightly *below* pyradiomics', by less than one pixel: measured 16.25
    (-0.38 mm, 0.67 pixel) and 55.59 (-0.21 mm, 0.33 pixel). Without smoothing, our lung2
    contour gives 55.80 exactly, pyradiomics' value.
    """
    published = {"lung1": 16.63, "lung2": 55.80}
    for name, (mask, spacing) in lung_labels.items():
        m = measure_mask(mask, spacing)
        pixel = spacing[1]
        assert 0.0 <= published[name] - m.ld_mm < pixel, name
        assert m.n_fragments == 1
        assert m.sa_mm <= m.fragments[0].sa_caliper_mm + 1e-9
        assert m.volume_mm3 == pytest.approx(mask.sum() * np.prod(spacing))
    # the non-convex lung2 tumour: inside SA clearly shorter than the caliper width
    m2 = measure_mask(*lung_labels["lung2"])
    assert 2.5 < m2.fragments[0].sa_caliper_mm - m2.sa_mm < 5.0


def test_empty_mask_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        measure_mask(np.zeros((3, 5, 5), bool), (1, 1, 1))


def test_fragments_each_measured_and_summed():
    """Two discs on one slice: two fragments with their own LD, summed for the slice."""
    yy, xx = np.mgrid[:40, :80]
    slice_ = (np.hypot(yy - 20, xx - 20) <= 8.5) | (np.hypot(yy - 20, xx - 60) <= 5.5)
    mask = np.zeros((3, 40, 80), bool)
    mask[1] = slice_
    mask[2] = np.hypot(yy - 20, xx - 20) <= 16.5  # one piece, LD 33 > 17 + 11
    m = measure_mask(mask, (2.0, 1.0, 1.0))
    assert m.slice_index == 2 and m.n_fragments == 1
    mask[2] = np.hypot(yy - 20, xx - 20) <= 9.5
    m = measure_mask(mask, (2.0, 1.0, 1.0))
    assert m.slice_index == 1 and m.n_fragments == 2
    big, small = m.fragments
    assert big.ld_mm == pytest.approx(17.0, abs=1.0)
    assert small.ld_mm == pytest.approx(11.0, abs=1.0)
    assert m.ld_mm == pytest.approx(big.ld_mm + small.ld_mm)
    # endpoints are voxel indices on the measured slice, inside each fragment's disc
    assert np.all(big.ld_index[:, 0] == 1)
    assert np.all(np.abs(big.ld_index[:, 2] - 20) < 10)
    assert np.all(np.abs(small.ld_index[:, 2] - 60) < 7)


def test_nodal_lesion_measured_where_sa_is_largest():
    """Slice 0: long thin (LD 40, SA 8); slice 1: round (LD 20, SA 20)."""
    mask = np.stack([ellipse_mask(20.0, 4.0, 0.3, (1, 1))[:, :],
                     np.zeros_like(ellipse_mask(20.0, 4.0, 0.3, (1, 1)))])
    rows, cols = mask.shape[1:]
    yy, xx = np.mgrid[:rows, :cols]
    mask[1] = np.hypot(yy - rows // 2, xx - cols // 2) <= 10.0
    assert measure_mask(mask, (1, 1, 1), nodal=False).slice_index == 0
    node = measure_mask(mask, (1, 1, 1), nodal=True)
    assert node.slice_index == 1
    assert node.sa_mm == pytest.approx(20.5, abs=1.0)


def test_slice_pieces_sorted_by_area():
    yy, xx = np.mgrid[:30, :60]
    pieces = measure_mask_slice((np.hypot(yy - 15, xx - 45) <= 4) | (np.hypot(yy - 15, xx - 12) <= 9),
                                (0.5, 0.5))
    assert [round(m.ld_mm) for m, _ in pieces] == [9, 4]


def _exhaustive_slice(mask, spacing, nodal):
    scores = []
    for k in range(mask.shape[0]):
        pieces = measure_mask_slice(mask[k], spacing[1:]) if mask[k].any() else []
        scores.append(sum((m.sa_mm if nodal else m.ld_mm) for m, _ in pieces))
    best = max(scores)  # ties (within 1e-9 mm, e.g. mirror-image slices) -> lowest index
    return next(k for k, score in enumerate(scores) if score >= best - 1e-9), best


@pytest.mark.parametrize("nodal", [False, True])
def test_pruned_slice_choice_equals_measuring_every_slice(lung_labels, nodal):
    """The upper-bound pruning is exact: same slice and value as the exhaustive loop."""
    from scipy import ndimage

    rng = np.random.default_rng(3)
    cases = list(lung_labels.values())
    for _ in range(16):
        a = rng.uniform(5, 25)
        spacing = (rng.uniform(1, 3), rng.uniform(0.5, 1.0), rng.uniform(0.5, 1.0))
        cases.append((_ellipsoid((a, a * rng.uniform(0.3, 1), a * rng.uniform(0.3, 1)),
                                 _random_rotation(rng), spacing, (0.3, 0.1, 0.7))[0], spacing))
    for _ in range(10):  # lumpy blobs: non-convex, sometimes in pieces
        noise = ndimage.gaussian_filter(rng.normal(size=(8, 40, 40)), (1, 4, 4))
        blob = noise > np.quantile(noise, rng.uniform(0.6, 0.9))
        cases.append((blob, (2.0, rng.uniform(0.5, 1.0), rng.uniform(0.5, 1.0))))
    for mask, spacing in cases:
        m = measure_mask(mask, spacing, nodal=nodal, with_3d_diameter=False)
        k, score = _exhaustive_slice(mask, spacing, nodal)
        assert m.slice_index == k
        assert (m.sa_mm if nodal else m.ld_mm) == pytest.approx(score, abs=1e-9)


@pytest.mark.parametrize("nodal", [False, True])
def test_pruned_slice_choice_equals_measuring_every_slice_on_large_lesions(nodal):
    """Large lesions at fine pixels (where the bounds prune most): the benchmark's 100 mm
    ellipsoid at 0.5 mm pixels, and rotated, anisotropic ones with near-equal slices."""
    rng = np.random.default_rng(11)
    spacing = (2.5, 0.5, 0.5)
    z, y, x = np.mgrid[-22:23, -105:106, -105:106].astype(float)
    cases = [((z * 2.5 / 45) ** 2 + (y * 0.5 / 40) ** 2 + (x * 0.5 / 50) ** 2 <= 1, spacing)]
    for _ in range(3):
        spacing = (rng.uniform(1.0, 3.0), rng.uniform(0.5, 0.8), rng.uniform(0.5, 0.8))
        a = rng.uniform(30, 50)
        cases.append((_ellipsoid((a, a * rng.uniform(0.6, 1), a * rng.uniform(0.6, 1)),
                                 _random_rotation(rng), spacing, (0.3, 0.1, 0.7))[0], spacing))
    for mask, spacing in cases:
        m = measure_mask(mask, spacing, nodal=nodal, with_3d_diameter=False)
        k, score = _exhaustive_slice(mask, spacing, nodal)
        assert m.slice_index == k
        assert (m.sa_mm if nodal else m.ld_mm) == pytest.approx(score, abs=1e-9)
