"""Drawn lines and label images through the composition layer, on factory-made series:
exact lengths on oblique anisotropic images, every line check, label grid checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicom_io.annotations import read_label_image, read_line_annotations
from dicom_io.errors import DicomInputError
from dicom_io.series import load_series
from dicom_io.testing import write_ct_series
from recist.errors import RecistDataError
from recist.measure import DrawnLine, image_point_to_patient_mm, measure_lines
from recist.pipeline.measure import measure_study

from support.measure_lines import _line, write_lines

# An oblique orientation (rotated about two axes) and anisotropic pixels.
_C, _S = np.cos(0.4), np.sin(0.4)
ROW_DIR = np.array([_C, _S, 0.0])
COL_DIR = np.array([-_S * np.cos(0.3), _C * np.cos(0.3), np.sin(0.3)])
OBLIQUE = (*ROW_DIR, *COL_DIR)
SPACING = (0.6, 0.9)  # row spacing, column spacing


@pytest.fixture(scope="module")
def oblique_series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oblique")
    return write_ct_series(folder / "ct", (4, 40, 48), pixel_spacing_mm=SPACING,
                           slice_spacing_mm=2.0, orientation=OBLIQUE, seed="oblique")


def test_pixel_to_patient_matches_series_geometry(oblique_series):
    geometry = oblique_series.geometry
    x, y = np.array([0.0, 3.25, 48.0]), np.array([0.0, 17.5, 40.0])
    ours = image_point_to_patient_mm(x, y, geometry.slice_positions_mm[2],
                                     geometry.row_direction, geometry.column_direction,
                                     geometry.pixel_spacing_mm)
    np.testing.assert_allclose(ours, geometry.pixel_to_patient_mm(2, x, y), atol=1e-9)
    # pixel -> patient -> pixel round trip
    back = geometry.patient_mm_to_pixel(ours)
    np.testing.assert_allclose(back[:, 1:], np.stack([x, y], axis=1), atol=1e-9)


def test_lines_exact_on_oblique_anisotropic_series(oblique_series, tmp_path):
    """Analytic length: in-plane pixel offsets times the spacings (directions are
    orthonormal), exact to 0.01 mm (in fact to 1e-6)."""
    uid = oblique_series.sop_instance_uids[1]
    lines = write_lines(tmp_path / "lines.csv", [
        _line("T1", "long", uid, 5.0, 7.5, 41.25, 30.0),
        _line("T1", "short", uid, 20.0, 25.0, 20.0 + 22.5 * 0.6 / 0.9 * 0.4,
              25.0 - 36.25 * 0.9 / 0.6 * 0.4),
        _line("N1", "short", uid, 10.0, 10.0, 10.0, 30.0, nodal="true", organ="node"),
    ])
    result = measure_study(oblique_series.folder, lines=lines, visit="V0")
    table = result.table.set_index("lesion_id")
    expected_ld = np.hypot(36.25 * 0.9, 22.5 * 0.6)
    assert table.at["T1", "ld_mm"] == pytest.approx(expected_ld, abs=0.001)
    dx, dy = 22.5 * 0.6 / 0.9 * 0.4, -36.25 * 0.9 / 0.6 * 0.4
    assert table.at["T1", "sa_mm"] == pytest.approx(np.hypot(dx * 0.9, dy * 0.6), abs=0.001)
    assert table.at["N1", "sa_mm"] == pytest.approx(20 * 0.6, abs=0.001)
    assert np.isnan(table.at["N1", "ld_mm"])
    assert result.findings == ()  # T1's axes are perpendicular in mm
    assert table.at["T1", "slice_index"] == 1 and table.at["T1", "sop_instance_uid"] == uid
    assert table.at["T1", "status"] == "measured" and table.at["T1", "method"] == "line"
    assert table.at["T1", "patient_id"] == "SYNTH-001"
    assert table.at["T1", "date"] == "2024-01-15" and table.at["T1", "visit"] == "V0"
    ld = table.loc["T1", ["ld_x1", "ld_y1", "ld_z1", "ld_x2", "ld_y2", "ld_z2"]].to_numpy(float)
    assert np.linalg.norm(ld[3:] - ld[:3]) == pytest.approx(expected_ld, abs=0.001)
    # the endpoints lie on slice 1's plane
    normal = np.cross(ROW_DIR, COL_DIR)
    plane = oblique_series.geometry.slice_positions_mm[1] @ normal
    assert ld[:3] @ normal == pytest.approx(plane, abs=1e-3)


@pytest.mark.parametrize(("rows", "error", "message"), [
    ([_line("T1", "long", "9.9.9", 1, 1, 5, 5)], DicomInputError,
     r"row 2: lesion T1 \(long axis\) is drawn on image 9\.9\.9, which is not in series"),
    ([_line("T1", "long", "UID0", 1, 1, 48.5, 5)], DicomInputError,
     r"row 2: lesion T1 \(long axis\) end point \(x=48\.5, y=5\) is outside image"),
    ([_line("T1", "long", "UID0", 1, 1, 11, 1), _line("T1", "short", "UID0", 5, 0, 5, 20)],
     RecistDataError, r"lesion T1: the short axis \(12\.00 mm.*is longer than the long"),
    ([_line("T1", "long", "UID0", 1, 1, 11, 1), _line("T1", "short", "UID1", 5, 0, 5, 2)],
     RecistDataError, r"lesion T1: the long axis .* is on image .* but the short axis"),
    ([_line("T1", "long", "UID0", 1, 1, 11, 1), _line("T1", "long", "UID0", 1, 2, 11, 2)],
     RecistDataError, r"lesion T1 has 2 long-axis lines \(.*row 2, .*row 3\)"),
    ([_line("T1", "long", "UID0", 1, 1, 1, 1)], RecistDataError, r"zero length"),
    ([_line("T1", "diagonal", "UID0", 1, 1, 1, 1)], DicomInputError,
     r"row 2: axis 'diagonal' is not 'long' or 'short'"),
    ([_line("T1", "long", "UID0", 1, "a", 1, 1)], DicomInputError,
     r"row 2: y1 'a' is not a number"),
])
def test_line_checks(oblique_series, tmp_path, rows, error, message):
    uids = oblique_series.sop_instance_uids
    for row in rows:
        row["sop_instance_uid"] = {"UID0": uids[0], "UID1": uids[1]}.get(
            row["sop_instance_uid"], row["sop_instance_uid"])
    lines = write_lines(tmp_path / "lines.csv", rows)
    with pytest.raises(error, match=message):
        measure_study(oblique_series.folder, lines=lines)


def test_not_perpendicular_is_a_finding_with_the_angle():
    long = DrawnLine("T1", "long", np.zeros(3), np.array([20.0, 0, 0]), "1.2")
    short = DrawnLine("T1", "short", np.array([10.0, -5, 0]),
                      np.array([10 + 10 * np.cos(np.radians(70)), -5 + 10 * np.sin(
                          np.radians(70)), 0]), "1.2")
    (m,) = measure_lines([long, short])
    assert m.angle_deg == pytest.approx(70.0)
    assert m.sa_mm == pytest.approx(10.0)
    (finding,) = m.findings
    assert finding.code == "axes-not-perpendicular" and "70.0 degrees" in finding.message
    nearly = DrawnLine("T1", "short", np.array([10.0, -5, 0]),
                       np.array([10 + 10 * np.cos(np.radians(81)), -5 + 10 * np.sin(
                           np.radians(81)), 0]), "1.2")
    assert measure_lines([long, nearly])[0].findings == ()


def test_line_csv_missing_column(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("lesion_id,axis\nT1,long\n")
    with pytest.raises(DicomInputError, match="missing column.*sop_instance_uid"):
        read_line_annotations(path)


# ----------------------------------------------------------------------- label images
@pytest.fixture(scope="module")
def axial_series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("axial")
    return write_ct_series(folder / "ct", (6, 48, 56), pixel_spacing_mm=(0.8, 0.7),
                           slice_spacing_mm=2.5, seed="axial")


def _write_labels(series, labels, path, shift_mm=(0.0, 0.0, 0.0)):
    import SimpleITK as sitk

    image = series.geometry.to_sitk_image(labels.astype(np.uint8))
    image.SetOrigin(tuple(np.array(image.GetOrigin()) + shift_mm))
    sitk.WriteImage(image, str(path))
    return path


def _two_lesions(shape):
    labels = np.zeros(shape, np.uint8)
    yy, xx = np.mgrid[:shape[1], :shape[2]]
    labels[2][np.hypot(yy - 20, xx - 20) <= 8.4] = 1
    labels[3][np.hypot(yy - 20, xx - 20) <= 6.4] = 1
    labels[2][(np.abs(yy - 35) <= 3) & (np.abs(xx - 42) <= 9)] = 2  # 19 x 7 px box
    labels[2][(np.abs(yy - 35) <= 3) & (np.abs(xx - 15) <= 2)] = 2  # a second piece
    return labels


def test_label_grid_mismatch_refused_then_resampled(axial_series, tmp_path):
    geometry = load_series(axial_series.folder).geometry
    labels = _two_lesions(geometry.shape)
    path = _write_labels(axial_series, labels, tmp_path / "shifted.nrrd",
                         shift_mm=(1.4, 0.0, 0.0))  # two columns to the left
    with pytest.raises(DicomInputError, match=r"not on the grid of series .*origin.*"
                       r"1\.400 mm apart.*--resample"):
        read_label_image(path, geometry)
    resampled = read_label_image(path, geometry, resample=True)
    np.testing.assert_array_equal(resampled[:, :, 2:], labels[:, :, :-2])
    aligned = _write_labels(axial_series, labels, tmp_path / "aligned.nrrd")
    np.testing.assert_array_equal(read_label_image(aligned, geometry), labels)


def test_masks_pipeline_fragments_and_empty_label(axial_series, tmp_path):
    labels = _two_lesions(axial_series.geometry.shape)
    masks = _write_labels(axial_series, labels, tmp_path / "labels.nrrd")
    lesions = tmp_path / "lesions.csv"
    lesions.write_text("label,lesion_id,kind,organ,nodal\n1,T1,target,liver,false\n"
                       "2,T2,non-target,Lung,no\n")
    result = measure_study(axial_series.folder, masks=masks, lesions=lesions)
    table = result.table
    t1 = table[table.lesion_id == "T1"].iloc[0]
    assert t1.slice_index == 2 and t1.method == "mask" and t1.n_fragments == 1
    assert t1.ld_mm == pytest.approx(16.8 * 0.8, abs=0.8)  # along the rows: 0.8 mm pixels
    assert t1.volume_mm3 == pytest.approx((labels == 1).sum() * 0.8 * 0.7 * 2.5)
    t2 = table[table.lesion_id == "T2"]
    assert len(t2) == 2 and set(t2.n_fragments) == {2}
    assert set(t2.status) == {"present"}
    assert t2.ld_mm.max() == pytest.approx(np.hypot(19 * 0.7, 7 * 0.8), abs=0.8)
    assert [f.code for f in result.findings] == ["fragments"]
    assert "T2 (label 2) is in 2 pieces" in result.findings[0].message
    lesions.write_text("label,lesion_id,kind,organ,nodal\n1,T1,target,liver,false\n"
                       "7,T7,target,liver,false\n")
    with pytest.raises(RecistDataError, match=r"no voxel carries label 7 \(lesion T7, "
                       r".*lesions.csv row 3\); the label image has labels \[1, 2\]"):
        measure_study(axial_series.folder, masks=masks, lesions=lesions)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.floats(0, 2 * np.pi), st.floats(-1.2, 1.2), st.floats(0.3, 2.0), st.floats(0.3, 2.0),
       st.floats(0, 512), st.floats(0, 512), st.floats(0, 512), st.floats(0, 512))
def test_law_pixel_patient_pixel_round_trip_and_exact_length(yaw, tilt, sr, sc, x1, y1,
                                                              x2, y2):
    """Any orientation and pixel shape: pixel -> patient mm -> pixel is the identity and
    the patient-mm length equals the analytic in-plane length."""
    from dicom_io.geometry import SeriesGeometry

    row_dir = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    col_dir = np.array([-np.sin(yaw) * np.cos(tilt), np.cos(yaw) * np.cos(tilt),
                        np.sin(tilt)])
    normal = np.cross(row_dir, col_dir)
    geometry = SeriesGeometry(shape=(3, 512, 512), origin_mm=np.array([-50.0, 20.0, 7.0]),
                              row_direction=row_dir, column_direction=col_dir,
                              slice_direction=normal, pixel_spacing_mm=(sr, sc),
                              slice_spacing_mm=1.5)
    points = image_point_to_patient_mm(np.array([x1, x2]), np.array([y1, y2]),
                                       geometry.origin_mm + 1.5 * normal, row_dir, col_dir,
                                       (sr, sc))
    back = geometry.patient_mm_to_pixel(points)
    np.testing.assert_allclose(back, [[1, x1, y1], [1, x2, y2]], atol=1e-8)
    expected = np.hypot((x2 - x1) * sc, (y2 - y1) * sr)
    assert np.linalg.norm(points[1] - points[0]) == pytest.approx(expected, abs=1e-8)
