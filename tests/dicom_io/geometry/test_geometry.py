"""SeriesGeometry against analytic oracles and laws."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from hypothesis import given, settings
from hypothesis import strategies as st

from dicom_io.errors import DicomInputError
from dicom_io.geometry import SeriesGeometry


def _rotation(angles):
    """Rotation matrix from three Euler angles (radians), columns orthonormal."""
    a, b, c = angles
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _oblique(angles=(0.3, -0.2, 0.5), spacing=(0.6, 0.9), slice_mm=2.5,
             origin=(-100.0, 50.0, 20.0), shape=(7, 11, 13)):
    rot = _rotation(angles)
    return SeriesGeometry(
        shape=shape, origin_mm=np.array(origin), row_direction=rot[:, 0],
        column_direction=rot[:, 1], slice_direction=rot[:, 2],
        pixel_spacing_mm=spacing, slice_spacing_mm=slice_mm,
        sop_instance_uids=tuple(f"1.2.3.{k}" for k in range(shape[0])),
        series_instance_uid="1.2.3", study_instance_uid="1.2",
    )


def test_axial_voxel_to_patient_matches_hand_computation():
    g = SeriesGeometry.axial((3, 4, 5), pixel_spacing_mm=(0.5, 0.7), slice_spacing_mm=2.0,
                             origin_mm=(10, 20, 30))
    # column index 3 moves along x by 3 * 0.7 (PixelSpacing[1]); row index 2 along y by
    # 2 * 0.5 (PixelSpacing[0]); slice 1 along z by 2.0.
    np.testing.assert_allclose(g.voxel_to_patient_mm([1, 2, 3]), [12.1, 21.0, 32.0])
    np.testing.assert_allclose(g.slice_positions_mm[:, 2], [30, 32, 34])
    assert g.voxel_spacing_mm == (2.0, 0.5, 0.7)


def test_pixel_coordinates_are_corner_based():
    g = SeriesGeometry.axial((2, 4, 4), pixel_spacing_mm=(1.0, 2.0))
    # The top-left corner of the first pixel is half a pixel before voxel centre [0,0,0].
    np.testing.assert_allclose(g.pixel_to_patient_mm(0, 0.0, 0.0), [-1.0, -0.5, 0.0])
    # Centre of row 1, column 2 is (x, y) = (2.5, 1.5).
    np.testing.assert_allclose(g.pixel_to_patient_mm(1, 2.5, 1.5),
                               g.voxel_to_patient_mm([1, 1, 2]))
    np.testing.assert_allclose(g.patient_mm_to_pixel(g.voxel_to_patient_mm([1, 1, 2])),
                               [1, 2.5, 1.5])


def test_affine_columns_are_scaled_directions():
    g = _oblique()
    a = g.affine()
    np.testing.assert_allclose(a[:3, 0], g.slice_direction * 2.5)
    np.testing.assert_allclose(a[:3, 1], g.column_direction * 0.6)
    np.testing.assert_allclose(a[:3, 2], g.row_direction * 0.9)
    np.testing.assert_allclose(a[:3, 3], g.origin_mm)
    np.testing.assert_allclose(a[3], [0, 0, 0, 1])


def test_oblique_distances_follow_pixel_spacing_order():
    g = _oblique()
    p = g.voxel_to_patient_mm([[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert np.linalg.norm(p[1] - p[0]) == pytest.approx(0.6)  # one row down
    assert np.linalg.norm(p[2] - p[0]) == pytest.approx(0.9)  # one column right
    assert np.linalg.norm(p[3] - p[0]) == pytest.approx(2.5)  # one slice up


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    angles=st.tuples(*[st.floats(-np.pi, np.pi)] * 3),
    spacing=st.tuples(st.floats(0.1, 5), st.floats(0.1, 5)),
    slice_mm=st.floats(0.2, 10),
    origin=st.tuples(*[st.floats(-500, 500)] * 3),
    kji=st.lists(st.tuples(*[st.floats(-50, 600)] * 3), min_size=1, max_size=5),
)
def test_round_trip_law(angles, spacing, slice_mm, origin, kji):
    g = _oblique(angles, spacing, slice_mm, origin)
    kji = np.array(kji)
    np.testing.assert_allclose(g.patient_mm_to_voxel(g.voxel_to_patient_mm(kji)), kji,
                               atol=1e-7)
    k, x, y = kji[:, 0], kji[:, 2], kji[:, 1]
    back = g.patient_mm_to_pixel(g.pixel_to_patient_mm(k, x, y))
    np.testing.assert_allclose(back, np.column_stack([k, x, y]), atol=1e-7)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    angles=st.tuples(*[st.floats(-np.pi, np.pi)] * 3),
    shift=st.tuples(*[st.floats(-100, 100)] * 3),
    scale=st.floats(0.25, 4),
)
def test_translation_and_scaling_laws(angles, shift, scale):
    g = _oblique(angles)
    moved = _oblique(angles, origin=np.array(g.origin_mm) + np.array(shift))
    scaled = _oblique(angles, spacing=(0.6 * scale, 0.9 * scale), slice_mm=2.5 * scale)
    a, b = np.array([1.0, 2.0, 3.0]), np.array([5.0, -3.0, 8.5])
    d = np.linalg.norm(g.voxel_to_patient_mm(a) - g.voxel_to_patient_mm(b))
    np.testing.assert_allclose(moved.voxel_to_patient_mm(a) - g.voxel_to_patient_mm(a), shift,
                               atol=1e-9)
    d_scaled = np.linalg.norm(scaled.voxel_to_patient_mm(a) - scaled.voxel_to_patient_mm(b))
    assert d_scaled == pytest.approx(scale * d, rel=1e-9)


def test_sitk_bridge_round_trip_matches_sitk_transform():
    g = _oblique()
    volume = np.arange(np.prod(g.shape), dtype=np.int16).reshape(g.shape)
    image = g.to_sitk_image(volume)
    assert image.GetSpacing() == pytest.approx((0.9, 0.6, 2.5))  # (column, row, slice)
    # SimpleITK indexes (i, j, k) = (column, row, slice).
    np.testing.assert_allclose(image.TransformIndexToPhysicalPoint((4, 3, 2)),
                               g.voxel_to_patient_mm([2, 3, 4]), atol=1e-9)
    assert image[4, 3, 2] == volume[2, 3, 4]
    back = SeriesGeometry.from_sitk_image(image, sop_instance_uids=g.sop_instance_uids,
                                          series_instance_uid="1.2.3", study_instance_uid="1.2")
    np.testing.assert_allclose(back.affine(), g.affine(), atol=1e-12)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), volume)


def test_slice_index_of_and_unknown_uid_error():
    g = _oblique()
    assert g.slice_index_of("1.2.3.4") == 4
    with pytest.raises(DicomInputError) as info:
        g.slice_index_of("9.9.9")
    assert info.value.sop_instance_uid == "9.9.9"
    assert info.value.keyword == "ReferencedSOPInstanceUID"
    assert "9.9.9 is not a slice of series 1.2.3 (7 slices)" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row_direction": [1, 0.1, 0]}, "row_direction must be a unit vector"),
        ({"column_direction": [1, 0, 0]}, "must be orthogonal"),
        ({"pixel_spacing_mm": (0.0, 1.0)}, "pixel_spacing_mm must be 2 positive"),
        ({"slice_spacing_mm": -1}, "slice_spacing_mm must be positive"),
        ({"shape": (0, 2, 2)}, "shape must be 3 positive"),
        ({"sop_instance_uids": ("1",)}, "one UID per slice (3), got 1"),
    ],
)
def test_invalid_geometry_is_refused(kwargs, message):
    base = {"shape": (3, 2, 2), "origin_mm": [0, 0, 0], "row_direction": [1, 0, 0],
            "column_direction": [0, 1, 0], "slice_direction": [0, 0, 1],
            "pixel_spacing_mm": (1, 1), "slice_spacing_mm": 1}
    base.update(kwargs)
    with pytest.raises(ValueError, match=None) as info:
        SeriesGeometry(**base)
    assert message in str(info.value)


def test_geometry_is_frozen_and_arrays_read_only():
    g = _oblique()
    with pytest.raises(AttributeError):
        g.slice_spacing_mm = 3.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        g.origin_mm[0] = 1.0
