"""RTSTRUCT in: ROI contours measured in patient mm against analytic rectangles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom
import pytest

from dicom_io.errors import DicomInputError
from dicom_io.rtstruct import read_rtstruct
from recist.pipeline.sources.rtstruct import measure_rtstruct

from support.annotation_files import _rectangle, write_rtstruct, z_of


@pytest.fixture
def structure(ct_series, tmp_path):
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in ct_series]
    rois = [
        (1, "GTV_lung", "GTV", [(1, _rectangle(-15, -25, 20, 10, z_of(1))),
                                (2, _rectangle(-14, -24, 16, 8, z_of(2)))]),
        (2, "node_7", "GTV", [(1, _rectangle(-15, -10, 20, 6, z_of(1))),
                              (2, _rectangle(-15, -10, 14, 10, z_of(2)))]),
        (3, "BODY", "EXTERNAL", [(1, _rectangle(-19, -29, 26, 36, z_of(1)))]),
    ]
    return headers, rois


def test_lesion_rois_are_measured_on_their_largest_slice(ct_series, tmp_path, structure):
    headers, rois = structure
    path = write_rtstruct(tmp_path / "rs.dcm", headers, rois)
    result = measure_rtstruct(path, ct_series[0].parent, visit="baseline")
    table = result.table.set_index("lesion_id")
    assert list(table.index) == ["GTV_lung", "node_7"]  # BODY skipped
    lung = table.loc["GTV_lung"]
    # a x b rectangle: LD = diagonal; SA = longest chord perpendicular to it = b * LD / a.
    assert lung["ld_mm"] == pytest.approx(np.hypot(20, 10), abs=1e-3)
    assert lung["sa_mm"] == pytest.approx(10 * np.hypot(20, 10) / 20, abs=1e-3)
    assert lung["slice_index"] == 1 and lung["sop_instance_uid"] == headers[1].SOPInstanceUID
    assert lung["method"] == "contour" and lung["status"] == "measured"
    assert {lung["ld_z1"], lung["ld_z2"]} == {z_of(1)}
    assert [f.code for f in result.findings] == ["rtstruct-not-lesion"]


def test_nodal_lesion_takes_the_slice_of_largest_short_axis(ct_series, tmp_path, structure):
    headers, rois = structure
    path = write_rtstruct(tmp_path / "rs.dcm", headers, rois, image_refs=False)
    lesions = tmp_path / "lesions.csv"
    pd.DataFrame({"label": [2, 3], "lesion_id": ["N7", "BODY"], "kind": ["target",
                  "non-target"], "organ": ["lymph node", "body"],
                  "nodal": [True, False]}).to_csv(lesions, index=False)
    table = measure_rtstruct(path, ct_series[0].parent, lesions=lesions).table
    table = table.set_index("lesion_id")
    assert list(table.index) == ["N7", "BODY"]
    node = table.loc["N7"]
    # slice 1: 20 x 6 (LD 20.88, SA 6.26); slice 2: 14 x 10 (LD 17.20, SA 12.29)
    assert node["slice_index"] == 2  # matched by position: no ContourImageSequence
    assert node["sa_mm"] == pytest.approx(10 * np.hypot(14, 10) / 14, abs=1e-3)
    assert bool(node["nodal"]) and node["organ"] == "lymph node"
    assert table.loc["BODY", "status"] == "present"


def test_reader_keeps_names_types_and_image_references(ct_series, tmp_path, structure):
    headers, rois = structure
    read = read_rtstruct(write_rtstruct(tmp_path / "rs.dcm", headers, rois))
    assert [(r.number, r.name, r.interpreted_type, len(r.contours)) for r in read.rois] == [
        (1, "GTV_lung", "GTV", 2), (2, "node_7", "GTV", 2), (3, "BODY", "EXTERNAL", 1)]
    assert read.rois[0].contours[0].sop_instance_uid == headers[1].SOPInstanceUID
    assert read.rois[0].contours[0].points_mm.shape == (4, 3)


def test_contour_off_every_slice_is_refused(ct_series, tmp_path, structure):
    headers, _ = structure
    rois = [(1, "GTV", "GTV", [(0, _rectangle(-15, -25, 20, 10, z_of(1) + 1.25))])]
    path = write_rtstruct(tmp_path / "rs.dcm", headers, rois, image_refs=False)
    with pytest.raises(DicomInputError, match="lies on no slice"):
        measure_rtstruct(path, ct_series[0].parent)


def test_an_image_is_not_an_rtstruct(ct_series):
    with pytest.raises(DicomInputError) as caught:
        read_rtstruct(ct_series[0])
    assert caught.value.keyword == "SOPClassUID" and caught.value.path == ct_series[0]


def _unmeasurable(headers, tmp_path):
    """ROI 1 without a contour, ROI 2 with one open contour, ROI 3 the body outline."""
    rois = [(1, "GTV_empty", "GTV", []),
            (2, "GTV_open", "GTV", [(1, _rectangle(-15, -25, 20, 10, z_of(1)))]),
            (3, "BODY", "EXTERNAL", [(1, _rectangle(-19, -29, 26, 36, z_of(1)))])]
    path = write_rtstruct(tmp_path / "rs.dcm", headers, rois)
    dataset = pydicom.dcmread(path)
    dataset.ROIContourSequence[1].ContourSequence[0].ContourGeometricType = "OPEN_PLANAR"
    dataset.save_as(path)
    return path


def test_no_measurable_roi_is_refused_naming_each_roi_and_why(ct_series, tmp_path, structure):
    headers, _ = structure
    path = _unmeasurable(headers, tmp_path)
    with pytest.raises(DicomInputError) as caught:
        measure_rtstruct(path, ct_series[0].parent)
    assert str(caught.value).startswith(
        "no measurable lesion in RTSTRUCT rs.dcm: ROI 1 (GTV_empty): no contour; ROI 2 "
        "(GTV_open): only OPEN_PLANAR contours (1), no closed one; ROI 3 (BODY): type "
        "EXTERNAL, not a lesion; nothing written")
    assert caught.value.path == path


def test_a_listed_roi_without_closed_contour_is_refused(ct_series, tmp_path, structure):
    headers, rois = structure
    path = _unmeasurable(headers, tmp_path)
    lesions = tmp_path / "lesions.csv"
    pd.DataFrame({"label": [3, 2], "lesion_id": ["B", "T2"], "kind": ["non-target", "target"],
                  "organ": ["body", "lung"], "nodal": [False, False]}).to_csv(lesions,
                                                                       index=False)
    with pytest.raises(DicomInputError, match=r"rs.dcm: ROI 2 \(GTV_open\), lesion T2 of the "
                       r"lesions CSV, has only OPEN_PLANAR contours \(1\), no closed one"):
        measure_rtstruct(path, ct_series[0].parent, lesions=lesions)


def test_a_measurable_roi_beside_unmeasurable_ones_is_measured_with_findings(
        ct_series, tmp_path, structure):
    headers, rois = structure
    rois = [*rois[:1], (4, "GTV_empty", "GTV", [])]
    result = measure_rtstruct(write_rtstruct(tmp_path / "rs.dcm", headers, rois),
                              ct_series[0].parent)
    assert list(result.table["lesion_id"]) == ["GTV_lung"]
    assert [(f.code, f.message) for f in result.findings] == [
        ("rtstruct-skipped", "rs.dcm: ROI 4 (GTV_empty) has no closed contour")]


def test_the_reader_keeps_the_types_of_the_contours_it_skipped(ct_series, tmp_path,
                                                                structure):
    headers, _ = structure
    path = _unmeasurable(headers, tmp_path)
    read = read_rtstruct(path)
    assert [(r.number, len(r.contours), r.skipped_types) for r in read.rois] == [
        (1, 0, ()), (2, 0, ("OPEN_PLANAR",)), (3, 1, ())]


def test_a_contour_of_no_known_type_is_named_so(ct_series, tmp_path, structure):
    # the reason is built from the skipped types, not from the wording of the notes
    headers, _ = structure
    path = _unmeasurable(headers, tmp_path)
    dataset = pydicom.dcmread(path)
    sequence = dataset.ROIContourSequence[1].ContourSequence
    sequence[0].ContourGeometricType = "SPLINE"  # not a defined term
    dataset.save_as(path)
    assert read_rtstruct(path).rois[1].skipped_types == (None,)
    with pytest.raises(DicomInputError) as caught:
        measure_rtstruct(path, ct_series[0].parent)
    assert "ROI 2 (GTV_open): only a contour of no known type (1), no closed one; ROI 3" in \
        str(caught.value)
