"""Objects written by other software: what recist must do with each, and why.

The corpus is described in ``tests/data/third_party/dicom/README.md`` and listed, with
repository, commit, path, licence and SHA-256, in ``files.csv`` beside it. The files are
not in the repository (third-party data is placed, not committed): the tests look for them
in ``$RECIST_THIRD_PARTY_DICOM``, else ``tests/data/third_party/dicom/files``, else the
team's shared data folder beside the clone (``shared/data/third_party_dicom``), check every
file's SHA-256, and are skipped when the corpus is absent. pydicom's own files are read from
the installed wheel when the corpus is absent, and highdicom and dcmjs (installed packages)
write further objects at test time, so that those writers run in CI without any
third-party file committed (``tests/data/third_party/README.md``).

Every "loaded" case compares our diameters with an independent computation on the same
file (pydicom + scipy, none of recist's code): for masks, the convex-hull diameter of the
foreground pixel centres, which our 0.5 iso-contour exceeds by 0 to 1 pixel (half a pixel
at each end, less the smoothing); for contours and lines, distances between the written
points, exact.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError
from scipy.spatial.distance import pdist

from dicom_io.errors import DicomInputError
from dicom_io.sr import read_measurement_report
from dicom_io.testing import write_ct_series
from recist.pipeline.sources.rtstruct import measure_rtstruct
from recist.pipeline.sources.seg import measure_seg
from recist.pipeline.sources.sr import measure_sr

from support.paths import REPO
from support.system_tools import require_tool

CORPUS = REPO / "tests" / "data" / "third_party" / "dicom"
NODE_DIR = REPO / "tests" / "node"
_CANDIDATES = [Path(os.environ["RECIST_THIRD_PARTY_DICOM"])] if os.environ.get(
    "RECIST_THIRD_PARTY_DICOM") else []
_CANDIDATES += [CORPUS / "files", REPO.parent / "shared" / "data" / "third_party_dicom"]


def _listed() -> list[dict[str, str]]:
    with (CORPUS / "files.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def corpus() -> Path:
    """The folder holding the corpus, every file checked against files.csv."""
    listed = _listed()
    for folder in _CANDIDATES:
        if all((folder / row["file"]).is_file() for row in listed):
            break
    else:
        pytest.skip("the third-party DICOM corpus is not placed (see "
                    "tests/data/third_party/dicom/README.md)")
    for row in listed:
        digest = hashlib.sha256((folder / row["file"]).read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{row['file']} differs from {row['repository']}@" \
                                        f"{row['commit'][:8]}:{row['path']}"
    return folder


# --- independent computations -------------------------------------------------------------
def _axial_slices(folder: Path) -> list[pydicom.Dataset]:
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in sorted(folder.iterdir())]
    return sorted(headers, key=lambda ds: float(ds.ImagePositionPatient[2]))


def _segment_masks(seg_path: Path, ct_folder: Path) -> tuple[dict[int, np.ndarray], float]:
    """Each segment's voxels, frames matched to axial slices by their z position."""
    slices = _axial_slices(ct_folder)
    z = np.array([float(ds.ImagePositionPatient[2]) for ds in slices])
    seg = pydicom.dcmread(seg_path)
    pixels = seg.pixel_array.reshape((-1, int(seg.Rows), int(seg.Columns)))
    fractional = seg.SegmentationType == "FRACTIONAL"
    maximum = float(seg.get("MaximumFractionalValue", 1))
    masks: dict[int, np.ndarray] = {}
    shared = seg.SharedFunctionalGroupsSequence[0]
    for index, frame in enumerate(seg.PerFrameFunctionalGroupsSequence):
        k = int(np.argmin(np.abs(z - float(frame.PlanePositionSequence[0]
                                           .ImagePositionPatient[2]))))
        # one segment only: its identification may be shared by all frames (highdicom)
        identification = frame.get("SegmentIdentificationSequence") or \
            shared.SegmentIdentificationSequence
        number = int(identification[0].ReferencedSegmentNumber)
        mask = masks.setdefault(number, np.zeros((len(slices),) + pixels.shape[1:], bool))
        mask[k] |= pixels[index] >= 0.5 * maximum if fractional else pixels[index] > 0
    spacing = [float(v) for v in slices[0].PixelSpacing]
    assert spacing[0] == spacing[1]
    return masks, spacing[0]


def _centre_hull_diameter(mask: np.ndarray, pixel_mm: float) -> float:
    """Largest pixel-centre distance on any slice, strays (< 3 pixels) left out."""
    best = 0.0
    for plane in mask:
        labels, _ = ndimage.label(plane, np.ones((3, 3)))
        sizes = np.bincount(labels.ravel())
        keep = plane & (sizes[labels] >= 3)
        points = np.argwhere(keep) * pixel_mm
        if len(points) > 2:
            try:
                points = points[ConvexHull(points).vertices]
            except QhullError:  # all on one row or column: every point is kept
                pass
        if len(points) > 1:
            best = max(best, float(pdist(points).max()))
    return best


def _assert_masks_measured(table, seg_path: Path, ct_folder: Path) -> None:
    masks, pixel_mm = _segment_masks(seg_path, ct_folder)
    ours = table["ld_mm"].to_numpy(dtype=float)
    independent = np.array([_centre_hull_diameter(masks[n], pixel_mm)
                            for n in sorted(masks)])
    assert len(ours) == len(independent)
    assert np.all(ours - independent >= 0) and np.all(ours - independent <= pixel_mm), (
        ours, independent)
    assert np.all(table["sa_mm"] <= table["ld_mm"])


# --- dcmqi (QIICR): SEG without SpatialLocationsPreserved, overlapping segments, an SR ------
def test_dcmqi_liver_seg_is_placed_by_position_and_its_strays_dropped(corpus):
    # dcmqi leaves out SpatialLocationsPreserved: highdicom refuses to place such frames by
    # their source image; we place them by position. The liver label has 3 stray pieces of
    # 1-2 voxels, which must not become fragments.
    ct, seg = corpus / "dcmqi" / "ct-3slice", corpus / "dcmqi" / "liver.dcm"
    result = measure_seg(seg, ct)
    row = result.table.iloc[0]
    assert (row["lesion_id"], row["slice_index"], row["n_fragments"]) == ("Liver", 0, 1)
    assert (row["ld_mm"], row["sa_mm"]) == pytest.approx((239.642, 128.589), abs=1e-3)
    assert [f.code for f in result.findings if f.code == "stray-voxels"] == ["stray-voxels"]
    _assert_masks_measured(result.table, seg, ct)


def test_dcmqi_overlapping_segments_are_each_measured(corpus):
    # Organ and tumour segmentations overlap routinely: segments 1, 2 and 3 share voxels.
    ct, seg = corpus / "dcmqi" / "ct-3slice", corpus / "dcmqi" / "partial_overlaps.dcm"
    result = measure_seg(seg, ct)
    table = result.table
    assert list(table["lesion_id"]) == ["GREEN", "ORANGE", "PURPLE", "LIGHT_BLUE",
                                        "DARK_BLUE"]
    assert list(table["ld_mm"]) == pytest.approx(
        [114.772, 122.957, 161.3, 84.178, 72.593], abs=1e-3)
    overlap = [f for f in result.findings if f.code == "seg-overlap"]
    assert len(overlap) == 1 and "1 and 2, 1 and 3, 2 and 3" in overlap[0].message
    _assert_masks_measured(table, seg, ct)


def test_dcmqi_sr_of_another_study_is_refused_not_an_empty_table(corpus):
    # A TID 1500 report of SUVs and volumes on a PET study: measured on another CT it must
    # be refused (it was exit 0 with "no linear measurement").
    with pytest.raises(DicomInputError, match="none of which is in the series given"):
        measure_sr([corpus / "dcmqi" / "sr.dcm"], [corpus / "dcmqi" / "ct-3slice"])


# --- highdicom: FRACTIONAL SEGs, overlap on a broken series, circles in an SR ----------------
@pytest.mark.parametrize("name", ["seg_image_ct_true_fractional",
                                  "seg_image_ct_binary_fractional"])
def test_highdicom_fractional_seg_is_thresholded_at_one_half(corpus, name):
    # Fractions 64/255 and 128/255 (true fractional) or 0/255 (binary values): >= 0.5 in.
    ct, seg = corpus / "pydicom" / "CT2", corpus / "highdicom" / f"{name}.dcm"
    table = measure_seg(seg, ct).table
    assert table.loc[0, "method"] == "mask (fractional >= 0.5)"
    assert table.loc[0, "ld_mm"] == pytest.approx(10.536, abs=1e-3)
    _assert_masks_measured(table, seg, ct)


def test_highdicom_seg_derived_from_an_image_outside_the_series_is_refused(corpus):
    # Its frames come from the 4 files of pydicom's CT2, whose first slice is 202.5 mm
    # away from the others (a broken series); measured on the 3 contiguous slices, the
    # frames of the fourth must be named, not silently dropped.
    with pytest.raises(DicomInputError) as caught:
        measure_seg(corpus / "highdicom" / "seg_image_ct_binary_overlap.dcm",
                    corpus / "pydicom" / "CT2")
    assert caught.value.keyword == "SourceImageSequence"
    assert "1.3.6.1.4.1.5962.1.1.0.0.0.1196530851.28319.0.93" in str(caught.value)


def test_highdicom_sr_circle_is_a_diameter_with_a_warning(corpus):
    # TID 1410 with a CIRCLE image region and an area in cm2: the circle gives 2 x radius,
    # the area is not a length.
    ct = corpus / "highdicom" / "ct"
    result = measure_sr([corpus / "highdicom" / "sr_document.dcm"], [ct])
    row = result.table.iloc[0]
    image = pydicom.dcmread(next(ct.iterdir()), stop_before_pixels=True)
    radius_px = 11.0  # centre (58, 52), point (58, 41): 11 rows
    want = 2 * radius_px * float(image.PixelSpacing[0])
    assert (row["lesion_id"], row["ld_mm"]) == ("Spinal cord", pytest.approx(want, abs=1e-3))
    assert {"sr-circle", "sr-not-a-length"} <= {f.code for f in result.findings}


def test_highdicom_sr_with_several_groups_keeps_the_circle_and_flags_its_stated_value(
        corpus):
    # Group 2 states a 10 mm diameter for a circle of radius 10 pixels (13.23 mm here);
    # groups of HU means, open polylines and volumes are reported, not measured.
    result = measure_sr([corpus / "highdicom" / "sr_document_with_multiple_groups.dcm"],
                        [corpus / "highdicom" / "ct"])
    assert list(result.table["lesion_id"]) == ["LungNodule0001"]
    assert result.table.loc[0, "ld_mm"] == pytest.approx(13.229, abs=1e-3)
    found = {f.code for f in result.findings}
    assert {"sr-length-mismatch", "sr-not-measurable", "sr-not-a-length"} <= found


# --- pydicom's test files: an SR that is no measurement report ----------------------------------
_PYDICOM_FILES = ["pydicom/test-SR.dcm", "pydicom/CT2/17136", "pydicom/CT2/17166",
                  "pydicom/CT2/17196"]


@pytest.fixture(scope="module")
def pydicom_files(tmp_path_factory) -> Path:
    """pydicom's test-SR.dcm and the 3 contiguous slices of its CT2: from the placed corpus,
    else from the installed pydicom wheel (its bundled test files, never downloaded), so
    that these cases run in CI. Either way each file must have the SHA-256 of files.csv."""
    sha = {row["file"]: row["sha256"] for row in _listed() if row["file"] in _PYDICOM_FILES}
    for folder in _CANDIDATES:
        if all((folder / name).is_file() for name in _PYDICOM_FILES):
            break
    else:
        bundled = get_testdata_file("test-SR.dcm", download=False)
        if bundled is None:
            pytest.skip("pydicom's test files are not installed")
        wheel = Path(bundled).parent
        folder = tmp_path_factory.mktemp("pydicom-files")
        (folder / "pydicom" / "CT2").mkdir(parents=True)
        shutil.copy(wheel / "test-SR.dcm", folder / "pydicom" / "test-SR.dcm")
        for name in _PYDICOM_FILES[1:]:
            shutil.copy(wheel / "dicomdirtests" / "77654033" / "CT2" / Path(name).name,
                        folder / name)
    for name in _PYDICOM_FILES:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha[name], name
    return folder / "pydicom"


def test_pydicom_test_sr_without_measurement_groups_is_refused(pydicom_files):
    # A structured report that is no TID 1500 report (no measurement group) must be
    # refused, not give an empty table. Measured on pydicom's own CT2 (any CT would do:
    # the report is refused before its references are looked up).
    with pytest.raises(DicomInputError, match="no measurable lesion in SR test-SR.dcm: "
                                              "test-SR.dcm: no measurement group"):
        measure_sr([pydicom_files / "test-SR.dcm"], [pydicom_files / "CT2"])


# --- rt-utils and MIM: RTSTRUCT ------------------------------------------------------------------
def _polygon_diameter(points_mm: np.ndarray) -> float:
    return float(pdist(points_mm).max())


def test_rt_utils_rtstruct_is_measured_on_its_contours(corpus, tmp_path):
    path = corpus / "rt-utils" / "rt.dcm"
    table = measure_rtstruct(path, corpus / "rt-utils" / "ct", overlays_dir=tmp_path).table
    assert list(table["lesion_id"]) == ["ROI-1"]
    ds = pydicom.dcmread(path)
    loops = [np.asarray(c.ContourData, dtype=float).reshape(-1, 3)
             for c in ds.ROIContourSequence[0].ContourSequence]
    # all loops of the slice together: LD is the largest distance between their points
    assert table.loc[0, "ld_mm"] == pytest.approx(_polygon_diameter(np.concatenate(loops)),
                                                  abs=1e-3)
    assert (table.loc[0, "ld_mm"], table.loc[0, "sa_mm"]) == pytest.approx(
        (33.941, 12.728), abs=1e-3)
    # its picture draws both loops as the outline (#ffd400), around the long axis
    from matplotlib.image import imread

    pixels = imread(tmp_path / "PHANTOM_EXAMPLE_2020-11-12_ROI-1.png")[..., :3]
    yellow = (pixels[..., 0] > 0.85) & (pixels[..., 1] > 0.65) & (
        pixels[..., 0] - pixels[..., 1] > 0.1) & (pixels[..., 2] < 0.3)
    assert yellow.sum() > 1000


def test_mim_rtstruct_on_images_absent_from_the_series_names_them(corpus):
    # MIM 7 contours on three images; the rt-utils test series holds two of them.
    with pytest.raises(DicomInputError) as caught:
        measure_rtstruct(corpus / "rt-utils" / "non_existent_reference_rt.dcm",
                         corpus / "rt-utils" / "ct")
    assert "1 image(s) that are not in series" in str(caught.value)
    assert "2.16.840.1.114362.1.11940992.23790159890.563423471.995.90" in str(caught.value)


def test_varian_rtstruct_from_dicompyler_core_on_one_slice_is_refused(corpus):
    # A planning structure set over a whole CT, of which dicompyler-core ships one slice.
    with pytest.raises(DicomInputError, match=r"drawn on 49 image\(s\) that are not in"):
        measure_rtstruct(corpus / "dicompyler-core" / "rtss.dcm",
                         corpus / "dicompyler-core" / "ct")


# --- dcmjs / OHIF: unlabelled measurements, ellipses, Cornerstone3D units -------------------------
_DCMJS_ROOT = "1.3.6.1.4.1.25403.52237031786.3872.20100510032220"


@pytest.fixture(scope="module")
def dcmjs_series(tmp_path_factory) -> Path:
    """A CT carrying the two images dcmjs' example report references (512 x 512, pixels of
    0.9765625 mm: the spacing its stated lengths imply, e.g. 39.366 mm for 40.31 px)."""
    folder = tmp_path_factory.mktemp("dcmjs-ct")

    def name(k, ds):
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{_DCMJS_ROOT}.{11 + k}"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{_DCMJS_ROOT}.1", f"{_DCMJS_ROOT}.2"

    write_ct_series(folder, (2, 512, 512), pixel_spacing_mm=(0.9765625, 0.9765625),
                    slice_spacing_mm=5.0, slice_hook=name, patient_id="DCMJS",
                    study_date="20100510")
    return folder


def test_dcmjs_unlabelled_measurements_are_one_lesion_each(corpus, dcmjs_series):
    # OHIF v2 (cornerstoneTools 4) without labels: two Length measurements on two images
    # were one 173 mm "lesion"; each group now is its own lesion, named from its Tracking
    # UID; the report's empty PatientID and StudyDate come from the CT.
    path = corpus / "dcmjs" / "structured_report.dcm"
    result = measure_sr([path], [dcmjs_series])
    table = result.table.set_index("lesion_id")
    tools = [name.split("-")[0] for name in table.index]
    assert tools == ["EllipticalRoi", "Bidirectional", "Length", "Length", "EllipticalRoi"]
    spacing = 0.9765625
    ds = pydicom.dcmread(path)
    groups = ds.ContentSequence[-1].ContentSequence
    lines = {}
    for index, group in enumerate(groups):
        for num in group.ContentSequence:
            if num.ValueType == "NUM" and "ContentSequence" in num and len(
                    num.ContentSequence[0].GraphicData) == 4:
                x1, y1, x2, y2 = (float(v) for v in num.ContentSequence[0].GraphicData)
                lines.setdefault(index, []).append(np.hypot(x2 - x1, y2 - y1) * spacing)
    ld = table["ld_mm"].to_numpy(dtype=float)
    assert ld[1] == pytest.approx(max(lines[2]), abs=1e-3)      # Bidirectional 93.913
    assert ld[2:4] == pytest.approx([lines[3][0], lines[4][0]], abs=1e-3)  # 39.37, 133.99
    assert list(ld) == pytest.approx([90.82, 93.913, 39.366, 133.992, 77.148], abs=1e-3)
    assert set(table["patient_id"]) == {"DCMJS"} and set(table["n_fragments"]) == {1}
    codes = [f.code for f in result.findings]
    assert codes.count("sr-unnamed-lesion") == 5 and codes.count("sr-context-from-ct") == 2
    assert "sr-not-measurable" in codes  # the arrow annotation: a point


def test_cornerstone3d_report_on_an_absent_image_is_refused_naming_it(corpus,
                                                                    dcmjs_series):
    # OHIF v3 writes its lengths with unit "1"; the report reads, and is refused on a
    # series that does not hold its image.
    path = corpus / "dcmjs" / "sample-sr.dcm"
    report = read_measurement_report(path)
    assert [(line.axis, line.stated_unit, line.named) for line in report.lines] == [
        ("long", "1", False), ("short", "1", False)]
    with pytest.raises(DicomInputError) as caught:
        measure_sr([path], [dcmjs_series])
    assert "1.3.6.1.4.1.14519.5.2.1.3098.5025.258689768683178195119522016250" in str(
        caught.value)


def test_qiicr_pet_seg_on_a_ct_of_another_patient_is_refused(corpus):
    with pytest.raises(DicomInputError) as caught:
        measure_seg(corpus / "dcmjs" / "tumor_User1_Manual_Trial1.dcm",
                    corpus / "dcmqi" / "ct-3slice")
    assert caught.value.keyword in ("FrameOfReferenceUID", "ReferencedSeriesSequence")


# --- highdicom, written at test time: SEGs and a TID 1500 SR on a synthetic CT ------------------
# highdicom is a dependency (installed by ``make install``): these objects are written by its
# own encoders when the test runs, so nothing third-party is committed or downloaded. The
# expected numbers are the analytic geometry of the drawn shapes (pixel centres on a
# 0.7 mm grid), checked again on the written file by the independent computation above.
_PX = 0.7


def _rectangle(shape, rows, columns, value=True):
    plane = np.zeros(shape[1:], type(value))
    plane[rows[0]:rows[1] + 1, columns[0]:columns[1] + 1] = value
    return plane


def _rectangle_diameter(rows, columns) -> float:
    """Diagonal between the centres of opposite corner pixels, in mm."""
    return float(np.hypot((rows[1] - rows[0]) * _PX, (columns[1] - columns[0]) * _PX))


@pytest.fixture(scope="module")
def synthetic_ct(tmp_path_factory):
    return write_ct_series(tmp_path_factory.mktemp("hd-ct"), (4, 48, 48),
                           pixel_spacing_mm=(_PX, _PX), slice_spacing_mm=2.5)


def _hd_seg(ct, folder, pixels, labels, kind="BINARY", name="seg.dcm") -> Path:
    import highdicom as hd
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    seg = hd.seg.Segmentation(
        source_images=[pydicom.dcmread(p) for p in ct.paths], pixel_array=pixels,
        segmentation_type=getattr(hd.seg.SegmentationTypeValues, kind),
        segment_descriptions=[hd.seg.SegmentDescription(
            segment_number=i + 1, segment_label=label,
            segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
            segmented_property_type=codes.SCT.Lesion,
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
            for i, label in enumerate(labels)],
        series_instance_uid=generate_uid(), series_number=20,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="highdicom test",
        manufacturer_model_name="test", software_versions=hd.__version__,
        device_serial_number="0")
    path = folder / name
    seg.save_as(path)
    return path


def test_highdicom_written_binary_seg_is_measured_as_drawn(synthetic_ct, tmp_path):
    # A 20 x 16 pixel rectangle on slice 1 and a 9 x 9 one on slice 2: LD is on slice 1,
    # the rectangle's centre diagonal (16.945 mm) plus at most one pixel.
    rows, columns = (10, 29), (8, 23)
    volume = np.zeros(synthetic_ct.volume.shape, bool)
    volume[1] = _rectangle(volume.shape, rows, columns)
    volume[2] = _rectangle(volume.shape, (15, 23), (12, 20))
    seg = _hd_seg(synthetic_ct, tmp_path, volume, ["Lesion A"])
    table = measure_seg(seg, synthetic_ct.folder).table
    row = table.iloc[0]
    analytic = _rectangle_diameter(rows, columns)
    assert analytic == pytest.approx(16.945, abs=1e-3)
    assert (row["lesion_id"], row["slice_index"]) == ("Lesion A", 1)
    assert 0 <= row["ld_mm"] - analytic <= _PX, (row["ld_mm"], analytic)
    _assert_masks_measured(table, seg, synthetic_ct.folder)


def test_highdicom_written_fractional_seg_is_thresholded_at_one_half(synthetic_ct, tmp_path):
    # Fraction 0.75 inside the rectangle, 0.25 in a 3-pixel frame around it: the frame is
    # out (< 0.5), so LD is the inner rectangle's, not the frame's.
    rows, columns = (12, 27), (10, 21)
    volume = np.zeros(synthetic_ct.volume.shape, np.float32)
    volume[2] = _rectangle(volume.shape, (rows[0] - 3, rows[1] + 3),
                           (columns[0] - 3, columns[1] + 3), np.float32(0.25))
    volume[2][rows[0]:rows[1] + 1, columns[0]:columns[1] + 1] = 0.75
    seg = _hd_seg(synthetic_ct, tmp_path, volume, ["Lesion F"], kind="FRACTIONAL")
    table = measure_seg(seg, synthetic_ct.folder).table
    assert table.loc[0, "method"] == "mask (fractional >= 0.5)"
    analytic = _rectangle_diameter(rows, columns)
    assert 0 <= table.loc[0, "ld_mm"] - analytic <= _PX, (table.loc[0, "ld_mm"], analytic)
    _assert_masks_measured(table, seg, synthetic_ct.folder)


def test_highdicom_written_overlapping_segments_are_each_measured_whole(synthetic_ct, tmp_path):
    # An organ and a tumour that shares its voxels: each measured whole, the overlap named.
    organ, tumour = ((6, 37), (5, 40)), ((20, 29), (30, 44))
    volume = np.zeros(synthetic_ct.volume.shape + (2,), bool)
    volume[1, ..., 0] = _rectangle(synthetic_ct.volume.shape, *organ)
    volume[1, ..., 1] = _rectangle(synthetic_ct.volume.shape, *tumour)
    seg = _hd_seg(synthetic_ct, tmp_path, volume, ["Organ", "Tumour"])
    result = measure_seg(seg, synthetic_ct.folder)
    table = result.table.set_index("lesion_id")
    for name, shape in (("Organ", organ), ("Tumour", tumour)):
        analytic = _rectangle_diameter(*shape)
        assert 0 <= table.loc[name, "ld_mm"] - analytic <= _PX, (name, analytic)
    overlap = [f for f in result.findings if f.code == "seg-overlap"]
    assert len(overlap) == 1 and "1 and 2" in overlap[0].message
    _assert_masks_measured(result.table, seg, synthetic_ct.folder)


def test_highdicom_written_tid1500_sr_lines_and_polygon_are_measured_from_their_points(
        synthetic_ct, tmp_path):
    # TID 1501 long and short axes as 2-point POLYLINE coordinates (SCOORD), and a TID 1410
    # planar ROI whose region is a closed polygon: LD/SA are the distances between the
    # written points, exact.
    import highdicom as hd
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    image = pydicom.dcmread(synthetic_ct.paths[2], stop_before_pixels=True)
    source = hd.sr.SourceImageForRegion(image.SOPClassUID, image.SOPInstanceUID)
    mm = hd.sr.CodedConcept("mm", "UCUM", "millimeter")
    long_axis, short_axis = [[8.0, 10.0], [32.0, 20.0]], [[18.0, 19.0], [22.0, 11.0]]

    def axis(code, points):
        length = float(np.hypot(*np.subtract(points[1], points[0])) * _PX)
        return hd.sr.Measurement(
            name=code, value=round(length, 2), unit=mm,
            referenced_coordinates=[hd.sr.CoordinatesForMeasurement(
                "POLYLINE", np.array(points), source)])

    lines = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="T1"),
        finding_sites=[hd.sr.FindingSite(codes.SCT.Liver)],
        measurements=[axis(codes.SCT.LongAxis, long_axis),
                      axis(codes.SCT.ShortAxis, short_axis)])
    polygon = np.array([[10.0, 30.0], [20.0, 28.0], [24.0, 40.0], [12.0, 42.0],
                        [10.0, 30.0]])
    contour = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="T2"),
        referenced_region=hd.sr.ImageRegion("POLYLINE", polygon, source),
        finding_sites=[hd.sr.FindingSite(codes.SCT.Liver)])
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion,
        imaging_measurements=[lines, contour])
    sr = hd.sr.Comprehensive3DSR(evidence=[image], content=report,
                                 series_instance_uid=generate_uid(), series_number=5,
                                 sop_instance_uid=generate_uid(), instance_number=1)
    path = tmp_path / "tid1500.dcm"
    sr.save_as(path)

    result = measure_sr([path], [synthetic_ct.folder])
    table = result.table.set_index("lesion_id")
    want_ld = float(np.hypot(24, 10) * _PX)  # 18.2 mm
    want_sa = float(np.hypot(4, 8) * _PX)
    assert (table.loc["T1", "ld_mm"], table.loc["T1", "sa_mm"]) == pytest.approx(
        (want_ld, want_sa), abs=1e-3)
    assert table.loc["T2", "ld_mm"] == pytest.approx(
        float(pdist(polygon * _PX).max()), abs=1e-3)


# --- dcmjs, written at test time: OHIF v2's Length and Bidirectional tools ---------------------
# dcmjs is the npm package pinned in tests/node (``make node-tools``); its Cornerstone
# adapter writes the report from a cornerstoneTools 4 tool state, as OHIF v2 saves it.
def test_dcmjs_written_length_and_bidirectional_are_read_from_their_handles(
        synthetic_ct, tmp_path):
    node = shutil.which("node")
    require_tool("node with dcmjs (make node-tools: npm ci in tests/node)",
                 node is not None and (NODE_DIR / "node_modules" / "dcmjs").is_dir())
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in synthetic_ct.paths]

    def point(x, y):
        return {"x": x, "y": y, "highlight": True, "active": False}

    length = {"handles": {"start": point(6.0, 8.0), "end": point(30.0, 26.0)},
              "length": 21.0, "finding": None}  # 30 px = 21 mm
    bidirectional = {"handles": {"start": point(10.0, 30.0), "end": point(34.0, 40.0),
                                 "perpendicularStart": point(20.0, 39.0),
                                 "perpendicularEnd": point(24.0, 31.0)},
                     "longestDiameter": 18.2, "shortestDiameter": 6.261}
    state = {"studyInstanceUID": synthetic_ct.study_instance_uid,
             "seriesInstanceUID": synthetic_ct.series_instance_uid,
             "sopClassUID": str(headers[0].SOPClassUID),
             "images": {headers[1].SOPInstanceUID: {"Length": [length]},
                        headers[2].SOPInstanceUID: {"Bidirectional": [bidirectional]}}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    out = tmp_path / "dcmjs.dcm"
    subprocess.run([node, str(NODE_DIR / "write_sr_with_dcmjs.js"),
                    str(tmp_path / "state.json"), str(out)], check=True, cwd=NODE_DIR,
                   timeout=60)
    assert pydicom.dcmread(out).SOPClassUID.name == "Enhanced SR Storage"
    result = measure_sr([out], [synthetic_ct.folder])
    table = result.table
    assert [name.split("-")[0] for name in table["lesion_id"]] == ["Length",
                                                                   "Bidirectional"]
    assert list(table["slice_index"]) == [1, 2]

    def mm(a, b):  # independent: the handles given to dcmjs, on the 0.7 mm grid
        return float(np.hypot(a["x"] - b["x"], a["y"] - b["y"]) * _PX)

    handles = bidirectional["handles"]
    want_ld = [mm(length["handles"]["start"], length["handles"]["end"]),
               mm(handles["start"], handles["end"])]
    assert list(table["ld_mm"]) == pytest.approx(want_ld, abs=0.1)  # 21.0, 18.2
    assert table.loc[1, "sa_mm"] == pytest.approx(
        mm(handles["perpendicularStart"], handles["perpendicularEnd"]), abs=0.1)  # 6.261
    codes = sorted(f.code for f in result.findings)
    # unlabelled tools, no PatientID/StudyDate in dcmjs' report, its unit "1" for mm
    assert codes == ["sr-context-from-ct"] * 2 + ["sr-unit"] * 2 + ["sr-unnamed-lesion"] * 2
