"""DICOM SEG as other writers make them: no SpatialLocationsPreserved (dcmqi, 3D Slicer),
overlapping segments (organ + tumour), FRACTIONAL segments, another frame of reference.

The SEGs are written with highdicom on the 4-slice CT of ``tests/conftest.py`` (rows
0.8 mm apart, columns 0.7 mm apart); every expected number is an independent computation
on the same numpy masks (``recist.measure.measure_mask``) or a voxel count.
"""

from __future__ import annotations

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from dicom_io.errors import DicomInputError
from dicom_io.seg import read_segmentation
from dicom_io.series import load_series
from recist.measure import measure_mask
from recist.pipeline.sources.seg import measure_seg


def _description(number, label):
    return hd.seg.SegmentDescription(
        segment_number=number, segment_label=label,
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Lesion,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)


def _write_seg(ct_series, tmp_path, pixels, labels, *, kind="BINARY", name="seg.dcm"):
    sources = [pydicom.dcmread(p) for p in ct_series]
    seg = hd.seg.Segmentation(
        source_images=sources, pixel_array=pixels,
        segmentation_type=getattr(hd.seg.SegmentationTypeValues, kind),
        segment_descriptions=[_description(i + 1, label) for i, label in enumerate(labels)],
        series_instance_uid=generate_uid(), series_number=20,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="test",
        manufacturer_model_name="test", software_versions="0", device_serial_number="0")
    path = tmp_path / name
    seg.save_as(path)
    return path


@pytest.fixture
def organ_and_tumour(ct_series):
    """An 'organ' segment and a 'tumour' segment inside it (they overlap)."""
    series = load_series(ct_series[0].parent)
    organ = np.zeros(series.geometry.shape, bool)
    organ[1:3, 5:40, 4:36] = True
    tumour = np.zeros(series.geometry.shape, bool)
    tumour[2, 15:27, 10:20] = True  # 12 rows x 10 columns inside the organ
    return series, organ, tumour


def test_overlapping_segments_are_each_measured_whole(ct_series, tmp_path,
                                                      organ_and_tumour):
    series, organ, tumour = organ_and_tumour
    path = _write_seg(ct_series, tmp_path, np.stack([organ, tumour], axis=-1),
                      ["Liver", "Tumour"])
    result = measure_seg(path, ct_series[0].parent)
    table = result.table.set_index("lesion_id")
    spacing = series.geometry.voxel_spacing_mm
    for name, mask in (("Liver", organ), ("Tumour", tumour)):
        want = measure_mask(mask, spacing)
        assert table.loc[name, "ld_mm"] == pytest.approx(want.ld_mm, abs=1e-3)
        assert table.loc[name, "sa_mm"] == pytest.approx(want.sa_mm, abs=1e-3)
        assert table.loc[name, "volume_mm3"] == pytest.approx(
            mask.sum() * np.prod(spacing), abs=0.01)
    assert "seg-overlap" in [f.code for f in result.findings]


def test_frames_without_spatial_locations_preserved_are_placed_by_position(
        ct_series, tmp_path, organ_and_tumour):
    series, organ, tumour = organ_and_tumour
    path = _write_seg(ct_series, tmp_path, np.stack([organ, tumour], axis=-1),
                      ["Liver", "Tumour"])
    ds = pydicom.dcmread(path)  # as dcmqi writes them: the optional attribute left out
    for frame in ds.PerFrameFunctionalGroupsSequence:
        for item in frame.DerivationImageSequence[0].SourceImageSequence:
            del item.SpatialLocationsPreserved
    ds.save_as(path)
    seg = read_segmentation(path, series.geometry,
                            frame_of_reference_uid=series.info.frame_of_reference_uid)
    for number, mask in ((1, organ), (2, tumour)):
        item = seg.masks[number]
        k, r, c = item.offset
        full = np.zeros_like(mask)
        full[k:k + item.mask.shape[0], r:r + item.mask.shape[1],
             c:c + item.mask.shape[2]] = item.mask
        np.testing.assert_array_equal(full, mask)
    assert seg.overlapping == [(1, 2)]
    with pytest.raises(ValueError, match="overlaps"):
        _ = seg.labels


def test_fractional_segments_are_thresholded_at_one_half_and_say_so(ct_series, tmp_path):
    series = load_series(ct_series[0].parent)
    fraction = np.zeros(series.geometry.shape, np.float32)
    fraction[1, 10:20, 10:20] = 0.6   # in: 100 voxels
    fraction[1, 20:25, 10:20] = 0.4   # out: below one half
    path = _write_seg(ct_series, tmp_path, fraction[..., None], ["Nodule"],
                      kind="FRACTIONAL")
    table = measure_seg(path, ct_series[0].parent).table
    assert table.loc[0, "method"] == "mask (fractional >= 0.5)"
    assert table.loc[0, "volume_mm3"] == pytest.approx(
        100 * np.prod(series.geometry.voxel_spacing_mm), abs=0.01)
    want = measure_mask(fraction >= 0.5, series.geometry.voxel_spacing_mm)
    assert table.loc[0, "ld_mm"] == pytest.approx(want.ld_mm, abs=1e-3)


def test_a_seg_in_another_frame_of_reference_is_refused(ct_series, tmp_path,
                                                        organ_and_tumour):
    series, organ, _ = organ_and_tumour
    path = _write_seg(ct_series, tmp_path, organ[..., None], ["Liver"])
    ds = pydicom.dcmread(path)
    ds.FrameOfReferenceUID = "1.2.3.4.5"
    ds.save_as(path)
    with pytest.raises(DicomInputError) as caught:
        measure_seg(path, ct_series[0].parent)
    assert caught.value.keyword == "FrameOfReferenceUID"
    assert "1.2.3.4.5" in str(caught.value) and str(path) in str(caught.value)
    assert series.info.frame_of_reference_uid in str(caught.value)


def test_stray_voxels_of_a_segment_are_dropped_with_a_finding(ct_series, tmp_path,
                                                              organ_and_tumour):
    series, _, tumour = organ_and_tumour
    stray = tumour.copy()
    stray[2, 40, 35] = True          # one voxel far from the tumour
    stray[1, 2, 2:4] = True          # two voxels on another slice
    path = _write_seg(ct_series, tmp_path, stray[..., None], ["Tumour"])
    result = measure_seg(path, ct_series[0].parent)
    row = result.table.iloc[0]
    want = measure_mask(tumour, series.geometry.voxel_spacing_mm)
    assert len(result.table) == 1 and row["n_fragments"] == 1
    assert row["ld_mm"] == pytest.approx(want.ld_mm, abs=1e-3)
    assert row["volume_mm3"] == pytest.approx(want.volume_mm3, abs=0.01)
    stray_findings = [f for f in result.findings if f.code == "stray-voxels"]
    assert len(stray_findings) == 1 and "2 stray piece(s)" in stray_findings[0].message
