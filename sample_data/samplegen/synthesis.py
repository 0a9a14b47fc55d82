"""Synthetic follow-up images: a tumour resized in place, a new solid nodule.

Everything here is deterministic (fixed seeds derived from text) and works on a cropped
region of interest, so the image outside the tumour neighbourhood stays bit-identical to
the baseline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = [
    "HU_MAX",
    "HU_MIN",
    "ScaledLesion",
    "add_solid_nodule",
    "find_aerated_lung_site",
    "scale_lesion",
    "seed_from_text",
]

HU_MIN, HU_MAX = -1024, 3071
#: Removal margin around the original tumour (partial-volume rim), mm, in-plane.
_REMOVE_MARGIN_MM = 2.5
#: Extra context around the region of interest for inpainting, mm, in-plane.
_CONTEXT_MM = 20.0
#: Soft edge of the pasted tumour: Gaussian sigma in pixels.
_ALPHA_SIGMA_PX = 0.6
#: Standard deviation of the texture noise added to inpainted background, HU.
_NOISE_HU = 18.0


def seed_from_text(*parts: str) -> int:
    """A 32-bit seed from text, stable across Python runs and platforms.

    >>> seed_from_text("LUNG1", "V1") == seed_from_text("LUNG1", "V1")
    True
    """
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "little")


@dataclass(frozen=True)
class ScaledLesion:
    """Result of :func:`scale_lesion`: the new image, the new mask, the changed region."""

    image_hu: np.ndarray
    mask: np.ndarray
    changed: np.ndarray


def _disk(radius_px_row: float, radius_px_col: float) -> np.ndarray:
    r0, r1 = int(np.ceil(radius_px_row)), int(np.ceil(radius_px_col))
    yy, xx = np.mgrid[-r0 : r0 + 1, -r1 : r1 + 1]
    return (yy / max(radius_px_row, 1e-9)) ** 2 + (xx / max(radius_px_col, 1e-9)) ** 2 <= 1.0


def _inpaint_slice(image: np.ndarray, hole: np.ndarray, sigma_px: float) -> np.ndarray:
    """Fill ``hole`` from its surroundings by multi-scale normalised convolution."""
    known = (~hole).astype(float)
    filled = image.astype(float).copy()
    todo = hole.copy()
    sigma = sigma_px
    while todo.any():
        num = ndimage.gaussian_filter(filled * known, sigma, mode="nearest")
        den = ndimage.gaussian_filter(known, sigma, mode="nearest")
        ok = todo & (den > 0.05)
        filled[ok] = num[ok] / den[ok]
        known[ok] = 1.0
        todo &= ~ok
        sigma *= 1.5
        if sigma > 10 * max(image.shape):
            filled[todo] = float(np.median(image[~hole])) if (~hole).any() else -800.0
            break
    # Smooth inside the hole only, so the fill has no terraces from the scale steps.
    smooth = ndimage.gaussian_filter(filled, sigma_px, mode="nearest")
    filled[hole] = smooth[hole]
    return filled


def scale_lesion(
    image_hu: np.ndarray,
    mask: np.ndarray,
    centre_kji: tuple[float, float, float],
    scale: float,
    spacing_kji_mm: tuple[float, float, float],
    seed: int,
) -> ScaledLesion:
    """Resize the lesion ``mask`` of ``image_hu`` by ``scale`` about ``centre_kji``.

    The scaling is isotropic in physical space; with an axis-aligned geometry it maps voxel
    index ``q`` of the result to ``centre + (q - centre) / scale`` of the baseline, on every
    axis (the spacing cancels). Steps: (1) the tumour and a 2.5 mm rim are removed slice by
    slice and the hole is filled from the surrounding lung by normalised convolution, plus
    smoothed deterministic noise; (2) the baseline image and mask are resampled by the
    scaling (linear); the new mask is the resampled mask >= 0.5; (3) the resampled tumour is
    pasted with a soft alpha edge. Voxels outside the returned ``changed`` region keep their
    baseline values exactly.
    """
    image_hu = np.asarray(image_hu)
    mask = np.asarray(mask, dtype=bool)
    centre = np.asarray(centre_kji, float)
    _sk, sj, si = spacing_kji_mm

    # Region of interest: bounding box of the original and the scaled lesion + context.
    idx = np.argwhere(mask)
    lo, hi = idx.min(0).astype(float), idx.max(0).astype(float)
    lo_s = centre + (lo - centre) * scale
    hi_s = centre + (hi - centre) * scale
    lo_all = np.minimum(lo, lo_s)
    hi_all = np.maximum(hi, hi_s)
    pad = np.array([1, _CONTEXT_MM / sj, _CONTEXT_MM / si])
    start = np.maximum(np.floor(lo_all - pad).astype(int) - 1, 0)
    stop = np.minimum(np.ceil(hi_all + pad).astype(int) + 2, image_hu.shape)
    roi = tuple(slice(a, b) for a, b in zip(start, stop))
    image = image_hu[roi].astype(float)
    lesion = mask[roi]
    c_roi = centre - start

    # (1) Remove the tumour with a rim, fill from surroundings, add texture.
    rim = _disk(_REMOVE_MARGIN_MM / sj, _REMOVE_MARGIN_MM / si)
    hole = np.stack([ndimage.binary_dilation(s, rim) if s.any() else s for s in lesion])
    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.standard_normal(image.shape), (0, 0.8, 0.8))
    noise *= _NOISE_HU / max(float(noise.std()), 1e-9)
    background = image.copy()
    for k in range(image.shape[0]):
        if hole[k].any():
            filled = _inpaint_slice(image[k], hole[k], sigma_px=1.5 / si)
            background[k][hole[k]] = filled[hole[k]] + noise[k][hole[k]]

    # (2) Resample tumour intensities and mask by the scaling about the centre.
    matrix = np.full(3, 1.0 / scale)
    offset = c_roi - matrix * c_roi
    tumour = ndimage.affine_transform(image, matrix, offset=offset, order=1, mode="nearest")
    soft = ndimage.affine_transform(
        lesion.astype(float), matrix, offset=offset, order=1, mode="constant", cval=0.0
    )
    new_lesion = soft >= 0.5

    # (3) Paste with a soft in-plane edge.
    alpha = ndimage.gaussian_filter(new_lesion.astype(float), (0, _ALPHA_SIGMA_PX, _ALPHA_SIGMA_PX))
    alpha = np.maximum(alpha, new_lesion * 0.85)
    composed = background * (1 - alpha) + tumour * alpha
    touched = hole | (alpha > 1e-3)
    result_roi = np.where(touched, np.rint(composed), image)
    result_roi = np.clip(result_roi, HU_MIN, HU_MAX).astype(image_hu.dtype)

    out = image_hu.copy()
    out[roi] = result_roi
    new_mask = np.zeros_like(mask)
    new_mask[roi] = new_lesion
    changed = np.zeros_like(mask)
    changed[roi] = touched
    return ScaledLesion(image_hu=out, mask=new_mask, changed=changed)


def find_aerated_lung_site(
    image_hu: np.ndarray,
    avoid_mask: np.ndarray,
    spacing_kji_mm: tuple[float, float, float],
    min_distance_from_avoid_mm: float = 40.0,
) -> tuple[int, int, int]:
    """Voxel deepest inside aerated lung and far from ``avoid_mask`` (deterministic).

    Aerated lung is the largest connected region of HU < -500 not touching the in-plane
    border of the volume (air outside the body does; the lungs may touch the first or
    last slice). The site maximises the distance (mm) to any non-aerated voxel, among voxels at
    least ``min_distance_from_avoid_mm`` from the lesion and away from the first and last
    two slices; ties go to the first voxel in array order.
    """
    air = image_hu < -500
    labels, _ = ndimage.label(air)
    border = np.unique(
        np.concatenate(
            [labels[:, 0].ravel(), labels[:, -1].ravel(), labels[:, :, 0].ravel(),
             labels[:, :, -1].ravel()]
        )
    )
    inside = np.where(np.isin(labels, border), 0, labels)
    sizes = np.bincount(inside.ravel())
    sizes[0] = 0
    if sizes.max() == 0:
        raise ValueError("no air-filled region inside the body: cannot find the lungs")
    # The lungs (joined through the airways) are by far the largest internal air region;
    # bowel gas and the stomach are excluded.
    lung = inside == int(np.argmax(sizes))
    depth = ndimage.distance_transform_edt(lung, sampling=spacing_kji_mm)
    far = ndimage.distance_transform_edt(~avoid_mask, sampling=spacing_kji_mm)
    score = np.where(far >= min_distance_from_avoid_mm, depth, 0.0)
    score[:2] = 0.0
    score[-2:] = 0.0
    if score.max() <= 0:
        raise ValueError("no aerated lung far enough from the lesion to place a nodule")
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(score)), score.shape))


def add_solid_nodule(
    image_hu: np.ndarray,
    centre_kji: tuple[int, int, int],
    diameter_mm: float,
    spacing_kji_mm: tuple[float, float, float],
    nodule_hu: float = 35.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Paint a spherical solid nodule with a soft edge; return (image, mask).

    The mask is every voxel whose centre lies within ``diameter_mm / 2`` of the nodule
    centre (a voxel centre); the image blends ``nodule_hu`` in with an alpha that falls
    from 1 to 0 over one pixel across the sphere surface.
    """
    radius = diameter_mm / 2.0
    sk, sj, si = spacing_kji_mm
    half = [int(np.ceil(radius / s)) + 2 for s in (sk, sj, si)]
    box = tuple(
        slice(max(c - h, 0), min(c + h + 1, n))
        for c, h, n in zip(centre_kji, half, image_hu.shape)
    )
    kk, jj, ii = np.indices(image_hu[box].shape, sparse=True)
    dist = np.sqrt(
        ((kk + box[0].start - centre_kji[0]) * sk) ** 2
        + ((jj + box[1].start - centre_kji[1]) * sj) ** 2
        + ((ii + box[2].start - centre_kji[2]) * si) ** 2
    )
    alpha = np.clip((radius - dist) / si + 0.5, 0.0, 1.0)
    local = image_hu[box].astype(float)
    painted = np.where(alpha > 0, np.rint(local * (1 - alpha) + nodule_hu * alpha), local)
    out = image_hu.copy()
    out[box] = np.clip(painted, HU_MIN, HU_MAX).astype(image_hu.dtype)
    mask = np.zeros(image_hu.shape, dtype=bool)
    mask[box] = dist <= radius
    return out, mask
