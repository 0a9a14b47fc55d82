"""The floor of a lesion piece: strays of fewer than MIN_PIECE_VOXELS voxels on their slice
are dropped before measuring, never added up as fragments (SUM-5 is for real pieces)."""

from __future__ import annotations

import numpy as np
import pytest

from recist.measure import MIN_PIECE_VOXELS, drop_stray_pieces, measure_mask

SPACING = (2.5, 0.7, 0.7)


def _lesion():
    mask = np.zeros((3, 40, 40), dtype=bool)
    rr, cc = np.mgrid[:40, :40]
    mask[1] = (rr - 20) ** 2 + (cc - 15) ** 2 <= 8 ** 2   # a disc of 17 px
    return mask


def test_a_single_stray_voxel_is_no_fragment():
    clean = _lesion()
    noisy = clean.copy()
    noisy[1, 38, 38] = True            # the "LD 0.35 mm fragment" of the issue
    noisy[2, 5, 5:7] = True            # two voxels on the next slice
    got, want = measure_mask(noisy, SPACING), measure_mask(clean, SPACING)
    assert got.n_fragments == 1
    assert (got.ld_mm, got.sa_mm, got.volume_mm3) == (want.ld_mm, want.sa_mm, want.volume_mm3)
    assert got.max_3d_diameter_mm == pytest.approx(want.max_3d_diameter_mm)
    assert [(d.slice_index, d.n_voxels) for d in got.dropped] == [(1, 1), (2, 2)]


def test_a_real_second_piece_is_still_a_fragment():
    mask = _lesion()
    mask[1, 2:6, 30:34] = True         # 16 voxels: a piece, not a stray
    measured = measure_mask(mask, SPACING)
    assert measured.n_fragments == 2 and measured.dropped == ()


def test_the_floor_is_three_voxels_on_a_slice_and_can_be_switched_off():
    mask = _lesion()
    mask[1, 36, 36:36 + MIN_PIECE_VOXELS] = True   # exactly at the floor: kept
    assert measure_mask(mask, SPACING).n_fragments == 2
    mask = _lesion()
    mask[1, 36, 36] = True
    assert measure_mask(mask, SPACING, min_piece_voxels=1).n_fragments == 2


def test_pieces_touching_across_slices_are_judged_on_their_own_slice():
    mask = _lesion()
    mask[0, 20, 15] = True             # one voxel above the disc's centre: a stray
    _, dropped = drop_stray_pieces(mask)
    assert [(d.slice_index, d.row, d.column) for d in dropped] == [(0, 20, 15)]


def test_a_lesion_made_only_of_strays_is_kept_whole():
    mask = np.zeros((2, 10, 10), dtype=bool)
    mask[0, 4, 4] = mask[1, 4, 4:6] = True
    kept, dropped = drop_stray_pieces(mask)
    assert dropped == () and int(kept.sum()) == 3
    assert measure_mask(mask, SPACING).n_voxels == 3


def _strays_by_labelling_everything(mask, min_voxels=MIN_PIECE_VOXELS):
    """The reference: label every slice's 8-connected pieces, drop the small ones."""
    from scipy import ndimage

    in_plane = np.zeros((3, 3, 3), dtype=bool)
    in_plane[1] = True
    labels, count = ndimage.label(mask, structure=in_plane)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    small = sizes < min_voxels
    small[0] = False
    if not small.any() or small[1:].all():
        return mask, []
    dropped = []
    for number, box in enumerate(ndimage.find_objects(labels), start=1):
        if small[number]:
            k, r, c = np.argwhere(labels[box] == number)[0]
            dropped.append((k + box[0].start, r + box[1].start, c + box[2].start,
                            sizes[number]))
    return mask & ~small[labels], dropped


@pytest.mark.parametrize("min_voxels", [2, 3, 5])
def test_same_pieces_dropped_as_labelling_every_slice(min_voxels):
    """Only slices that are not one simple piece are labelled: the same voxels and the
    same pieces (in the same order) are dropped as when every slice is labelled."""
    from scipy import ndimage

    rng = np.random.default_rng(min_voxels)
    for _ in range(150):
        shape = tuple(int(v) for v in rng.integers(1, 12, 3))
        noise = ndimage.gaussian_filter(rng.normal(size=shape), sigma=rng.uniform(0.3, 2))
        mask = noise > np.quantile(noise, rng.uniform(0.4, 0.97))
        kept, dropped = drop_stray_pieces(mask, min_voxels)
        want_kept, want_dropped = _strays_by_labelling_everything(mask, min_voxels)
        np.testing.assert_array_equal(kept, want_kept)
        assert [(d.slice_index, d.row, d.column, d.n_voxels) for d in dropped] == want_dropped
