"""DICOM SEG: our masks out (validated), segments in, measured like the label image."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom
import pytest
import SimpleITK as sitk

from dicom_io.errors import DicomInputError
from dicom_io.seg import SegmentInfo, read_segmentation, write_segmentation
from dicom_io.series import load_series
from recist.pipeline.measure import measure_study
from recist.pipeline.sources.seg import export_seg, measure_seg


@pytest.fixture
def labelled(ct_series, tmp_path):
    """Two lesions as a NRRD label image on the series grid + lesions CSV."""
    series = load_series(ct_series[0].parent)
    labels = np.zeros(series.geometry.shape, np.uint8)
    labels[1, 10:22, 6:16] = 1                      # 12 rows x 10 columns on slice 1
    labels[2, 9:22, 5:16] = 1                       # larger on slice 2
    labels[2, 30:36, 22:34] = 2                     # a node: 6 rows x 12 columns
    image = series.geometry.to_sitk_image(labels)
    sitk.WriteImage(image, str(tmp_path / "labels.nrrd"))
    pd.DataFrame({"label": [1, 2], "lesion_id": ["L1", "N1"], "kind": ["target", "non-target"],
                  "organ": ["lung", "lymph node"], "nodal": [False, True]}).to_csv(
        tmp_path / "lesions.csv", index=False)
    return series, labels, tmp_path / "labels.nrrd", tmp_path / "lesions.csv"


def test_export_seg_reads_back_to_the_same_labels_and_segments(labelled, ct_series,
                                                               tmp_path):
    series, labels, nrrd, lesions = labelled
    out = export_seg(nrrd, lesions, ct_series[0].parent, tmp_path / "seg.dcm")
    seg = read_segmentation(out, series.geometry)
    np.testing.assert_array_equal(seg.labels, labels)
    assert [(s.number, s.label, s.description, s.organ, s.nodal) for s in seg.segments] == [
        (1, "L1", "target", "lung", False), (2, "N1", "non-target", "lymph node", True)]


def test_seg_is_measured_exactly_like_the_label_image(labelled, ct_series, tmp_path):
    _, _, nrrd, lesions = labelled
    out = export_seg(nrrd, lesions, ct_series[0].parent, tmp_path / "seg.dcm")
    from_seg = measure_seg(out, ct_series[0].parent).table
    from_nrrd = measure_study(ct_series[0].parent, masks=nrrd, lesions=lesions).table
    columns = ["lesion_id", "kind", "organ", "nodal", "ld_mm", "sa_mm", "slice_index",
               "sop_instance_uid", "volume_mm3"]
    pd.testing.assert_frame_equal(from_seg[columns].reset_index(drop=True),
                                  from_nrrd[columns].reset_index(drop=True))
    # L1 is largest on slice 2 (13 rows x 11 columns of 0.8 x 0.7 mm pixels): its LD
    # cannot exceed the box diagonal and is at least the longer side.
    ld = float(from_seg.set_index("lesion_id").loc["L1", "ld_mm"])
    assert 12 * 0.8 <= ld <= np.hypot(13 * 0.8, 11 * 0.7)
    assert int(from_seg.set_index("lesion_id").loc["L1", "slice_index"]) == 2


def test_written_seg_passes_dciodvfy(labelled, ct_series, tmp_path, dciodvfy):
    _, _, nrrd, lesions = labelled
    out = export_seg(nrrd, lesions, ct_series[0].parent, tmp_path / "seg.dcm")
    errors, output = dciodvfy(out)
    assert errors == [], output
    assert pydicom.dcmread(out, stop_before_pixels=True).PatientID == "P001"


def test_segments_without_kind_take_the_default_with_a_finding(labelled, ct_series,
                                                                tmp_path):
    series, labels, _, _ = labelled
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in ct_series]
    out = write_segmentation(labels, [SegmentInfo(1, "Tumour A", organ="liver"),
                                      SegmentInfo(2, "Node B", nodal=True)],
                             headers, series.geometry, tmp_path / "foreign.dcm")
    result = measure_seg(out, ct_series[0].parent, visit="baseline")
    table = result.table.set_index("lesion_id")
    assert list(table.index) == ["Tumour A", "Node B"]
    assert list(table["kind"]) == ["target", "target"]
    assert list(table["nodal"]) == [False, True]
    assert table.loc["Tumour A", "organ"] == "liver"
    assert sorted(f.code for f in result.findings) == ["seg-default-kind"] * 2


def test_seg_on_another_series_is_refused_naming_the_file(labelled, ct_series, tmp_path,
                                                          ct_factory):
    _, _, nrrd, lesions = labelled
    out = export_seg(nrrd, lesions, ct_series[0].parent, tmp_path / "seg.dcm")
    other = load_series(ct_factory(tmp_path / "other", seed="other")[0].parent)
    with pytest.raises(DicomInputError) as caught:
        read_segmentation(out, other.geometry)
    assert caught.value.path == out
    assert "references none of the images" in str(caught.value)


def test_frames_without_source_references_are_placed_by_position(labelled, ct_series,
                                                                  tmp_path):
    series, labels, nrrd, lesions = labelled
    out = export_seg(nrrd, lesions, ct_series[0].parent, tmp_path / "seg.dcm")
    ds = pydicom.dcmread(out)
    for frame in ds.PerFrameFunctionalGroupsSequence:
        del frame.DerivationImageSequence
    del ds.ReferencedSeriesSequence
    ds.save_as(tmp_path / "positions.dcm")
    seg = read_segmentation(tmp_path / "positions.dcm", series.geometry)
    np.testing.assert_array_equal(seg.labels, labels)
    # shift every frame by half a pixel: no longer on the series grid
    for frame in ds.PerFrameFunctionalGroupsSequence:
        x, y, z = (float(v) for v in frame.PlanePositionSequence[0].ImagePositionPatient)
        frame.PlanePositionSequence[0].ImagePositionPatient = [x + 0.35, y, z]
    ds.save_as(tmp_path / "shifted.dcm")
    with pytest.raises(DicomInputError, match="lies on no slice") as caught:
        read_segmentation(tmp_path / "shifted.dcm", series.geometry)
    assert caught.value.keyword == "ImagePositionPatient"
