"""SR reading as viewers write: lesion identity, shapes, units, context, references.

The reports are built with highdicom in the shapes OHIF / Cornerstone, 3D Slicer and
highdicom write (the real objects are in ``tests/data/third_party``); the series is the
4-slice CT of ``tests/conftest.py`` (rows 0.8 mm apart, columns 0.7 mm apart), so every
expected length below is computed by hand from pixel counts.
"""

from __future__ import annotations

import subprocess
import sys

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from dicom_io.errors import DicomInputError
from dicom_io.sr import read_measurement_report, unnamed_lesion_id
from recist.pipeline.sources.sr import measure_sr, read_sr_lines

ROW_MM, COL_MM = 0.8, 0.7
MM = hd.sr.CodedConcept("mm", "UCUM", "millimeter")
CM = hd.sr.CodedConcept("cm", "UCUM", "centimeter")
MM2 = hd.sr.CodedConcept("mm2", "UCUM", "square millimeter")
UNITLESS = hd.sr.CodedConcept("1", "UCUM", "no units")
LENGTH_TOOL = "cornerstoneTools@^4.0.0:Length"


def headers_of(paths):
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in paths]


def _source(image):
    return hd.sr.SourceImageForRegion(image.SOPClassUID, image.SOPInstanceUID)


def _line_group(image, points, *, identifier=LENGTH_TOOL, uid=None, value=None, unit=MM,
                name=codes.SCT.Length, finding=None):
    """A TID 1501 group with one NUM and its POLYLINE (OHIF's Length tool)."""
    points = np.asarray(points, dtype=float)
    if value is None:
        value = float(np.hypot((points[1, 0] - points[0, 0]) * COL_MM,
                               (points[1, 1] - points[0, 1]) * ROW_MM))
    measurement = hd.sr.Measurement(
        name=name, value=value, unit=unit,
        referenced_coordinates=[hd.sr.CoordinatesForMeasurement(
            "POLYLINE", points, _source(image))])
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=uid or generate_uid(),
                                                     identifier=identifier),
        finding_type=finding, measurements=[measurement])


def _region_group(image, graphic_type, points, *, identifier, area=100.0):
    """A TID 1410 group: an image region (CIRCLE, ELLIPSE, closed POLYLINE) and its area."""
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(),
                                                     identifier=identifier),
        referenced_region=hd.sr.ImageRegion(graphic_type, np.asarray(points, dtype=float),
                                            _source(image)),
        measurements=[hd.sr.Measurement(name=codes.SCT.Area, value=area, unit=MM2)])


def _write(tmp_path, evidence, groups, name="report.dcm"):
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion, imaging_measurements=groups)
    sr = hd.sr.Comprehensive3DSR(evidence=evidence, content=report,
                                 series_instance_uid=generate_uid(), series_number=7,
                                 sop_instance_uid=generate_uid(), instance_number=1)
    path = tmp_path / name
    sr.save_as(path)
    return path


# --- lesion identity (docs/tables.md) -------------------------------------------------------------
def test_unlabelled_lengths_on_two_slices_are_two_lesions_not_one_split_lesion(
        ct_series, tmp_path):
    headers = headers_of(ct_series)
    uids = [generate_uid(), generate_uid()]
    path = _write(tmp_path, headers[1:3], [
        _line_group(headers[1], [[10, 10], [30, 10]], uid=uids[0]),   # 20 px x 0.7 = 14 mm
        _line_group(headers[2], [[5, 5], [5, 30]], uid=uids[1])])     # 25 px x 0.8 = 20 mm
    result = measure_sr([path], [ct_series[0].parent])
    table = result.table.set_index("lesion_id")
    want = {unnamed_lesion_id(LENGTH_TOOL, uids[0], ""): 14.0,
            unnamed_lesion_id(LENGTH_TOOL, uids[1], ""): 20.0}
    assert table["ld_mm"].to_dict() == pytest.approx(want, abs=1e-3)
    assert list(table.index) == list(want)  # distinct ids, one row each: nothing summed
    assert all(name.startswith("Length-") for name in table.index)
    codes_found = [f.code for f in result.findings]
    assert codes_found.count("sr-unnamed-lesion") == 2
    assert "fragments" not in codes_found


def test_groups_sharing_a_tracking_uid_are_one_lesion(ct_series, tmp_path):
    headers = headers_of(ct_series)
    shared = generate_uid()
    path = _write(tmp_path, [headers[1]], [
        _line_group(headers[1], [[10, 20], [30, 20]], uid=shared),   # 14 mm
        _line_group(headers[1], [[20, 15], [20, 25]], uid=shared)])  # 8 mm, perpendicular
    table = measure_sr([path], [ct_series[0].parent]).table
    assert len(table) == 1
    assert table.loc[0, "lesion_id"] == unnamed_lesion_id(LENGTH_TOOL, shared, "")
    assert (table.loc[0, "ld_mm"], table.loc[0, "sa_mm"]) == pytest.approx((14.0, 8.0))


@pytest.mark.filterwarnings("ignore:The value length")  # CORNERSTONEFREETEXT: 19 chars
def test_same_label_merges_different_labels_do_not_whatever_the_tool(ct_series, tmp_path):
    headers = headers_of(ct_series)
    label = hd.sr.CodedConcept("Liver 1", "CORNERSTONEFREETEXT", "Liver 1")
    other = hd.sr.CodedConcept("Liver 2", "CORNERSTONEFREETEXT", "Liver 2")
    path = _write(tmp_path, [headers[2]], [
        _line_group(headers[2], [[10, 20], [30, 20]], finding=label),
        _line_group(headers[2], [[20, 15], [20, 25]], finding=label),
        _line_group(headers[2], [[5, 40], [15, 40]], finding=other)])
    result = measure_sr([path], [ct_series[0].parent])
    table = result.table.set_index("lesion_id")
    assert list(table.index) == ["Liver 1", "Liver 2"]
    assert (table.loc["Liver 1", "ld_mm"], table.loc["Liver 1", "sa_mm"]) == pytest.approx(
        (14.0, 8.0))
    assert table.loc["Liver 2", "ld_mm"] == pytest.approx(7.0)
    assert "sr-unnamed-lesion" not in [f.code for f in result.findings]


def test_lengths_of_one_named_lesion_on_two_slices_keep_the_longest_with_a_finding(
        ct_series, tmp_path):
    headers = headers_of(ct_series)
    path = _write(tmp_path, headers[1:3], [
        _line_group(headers[1], [[10, 10], [30, 10]], identifier="T1"),  # 14 mm
        _line_group(headers[2], [[5, 5], [5, 30]], identifier="T1")])    # 20 mm
    result = measure_sr([path], [ct_series[0].parent])
    assert len(result.table) == 1
    assert result.table.loc[0, "ld_mm"] == pytest.approx(20.0)
    assert result.table.loc[0, "sop_instance_uid"] == headers[2].SOPInstanceUID
    extra = [f for f in result.findings if f.code == "sr-extra-lengths"]
    assert len(extra) == 1 and headers[1].SOPInstanceUID in extra[0].message


# --- shapes ------------------------------------------------------------------------------------
def test_circle_gives_its_diameter_with_a_warning_that_it_is_no_long_axis(ct_series,
                                                                            tmp_path):
    headers = headers_of(ct_series)
    # centre (20, 24), a point 10 px to the right: diameters 20 px across columns
    # (14 mm) and 20 px across rows (16 mm) on this anisotropic grid.
    path = _write(tmp_path, [headers[1]], [
        _region_group(headers[1], "CIRCLE", [[20, 24], [30, 24]], identifier="N1")])
    result = measure_sr([path], [ct_series[0].parent])
    row = result.table.iloc[0]
    assert (row["lesion_id"], row["ld_mm"], row["sa_mm"]) == ("N1", 16.0, 14.0)
    circle = [f for f in result.findings if f.code == "sr-circle"]
    assert len(circle) == 1 and "not a RECIST long axis" in circle[0].message
    assert "sr-not-a-length" in [f.code for f in result.findings]  # the area


def test_ellipse_gives_its_two_axes(ct_series, tmp_path):
    headers = headers_of(ct_series)
    # major axis 30 px along a row (21 mm), minor axis 16 px along a column (12.8 mm)
    points = [[5, 20], [35, 20], [20, 12], [20, 28]]
    path = _write(tmp_path, [headers[2]], [
        _region_group(headers[2], "ELLIPSE", points,
                      identifier="cornerstoneTools@^4.0.0:EllipticalRoi")])
    table = measure_sr([path], [ct_series[0].parent]).table
    assert (table.loc[0, "ld_mm"], table.loc[0, "sa_mm"]) == pytest.approx((21.0, 12.8))
    assert table.loc[0, "lesion_id"].startswith("EllipticalRoi-")


def test_closed_polyline_is_measured_like_an_rtstruct_contour(ct_series, tmp_path):
    headers = headers_of(ct_series)
    # a rectangle 20 px x 10 px: 14 mm x 8 mm. LD = its diagonal, SA = the longest chord
    # perpendicular to it = 8 * LD / 14 (tests/recist/pipeline/sources/test_rtstruct.py).
    corners = [[10, 10], [30, 10], [30, 20], [10, 20], [10, 10]]
    path = _write(tmp_path, [headers[1]], [
        _region_group(headers[1], "POLYLINE", corners, identifier="T9")])
    result = measure_sr([path], [ct_series[0].parent])
    ld = np.hypot(14, 8)
    assert (result.table.loc[0, "ld_mm"], result.table.loc[0, "sa_mm"]) == pytest.approx(
        (ld, 8 * ld / 14), abs=1e-3)
    assert "sr-contour" in [f.code for f in result.findings]


def test_a_report_of_points_only_is_refused_not_an_empty_table(ct_series, tmp_path):
    headers = headers_of(ct_series)
    group = _line_group(headers[1], [[10, 10], [30, 10]])
    path = _write(tmp_path, [headers[1]], [group])
    ds = pydicom.dcmread(path)  # make the line a single point, as OHIF's arrow writes
    scoord = ds.ContentSequence[-1].ContentSequence[0].ContentSequence[-1].ContentSequence[0]
    scoord.GraphicType, scoord.GraphicData = "POINT", [10.0, 10.0]
    ds.save_as(path)
    lines, findings = read_sr_lines([path], headers)
    assert lines.empty and "sr-not-measurable" in [f.code for f in findings]
    with pytest.raises(DicomInputError, match="no measurable lesion in SR report.dcm"):
        measure_sr([path], [ct_series[0].parent])


# --- units ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("unit", "value", "codes_expected"), [
    (CM, 1.4, []),                                  # 1.4 cm = 14 mm: agrees
    (CM, 1.5, ["sr-length-mismatch"]),              # 15 mm vs 14 mm
    (UNITLESS, 14.0, ["sr-unit"]),                  # Cornerstone3D's "1", read as mm
    (UNITLESS, 16.0, ["sr-unit", "sr-length-mismatch"]),
])
def test_stated_units_are_converted_or_reported(ct_series, tmp_path, unit, value,
                                                codes_expected):
    headers = headers_of(ct_series)
    path = _write(tmp_path, [headers[1]], [
        _line_group(headers[1], [[10, 10], [30, 10]], identifier="T1", unit=unit,
                    value=value)])
    lines, findings = read_sr_lines([path], headers)
    assert lines.loc[0, "length_mm"] == pytest.approx(14.0)
    assert [f.code for f in findings] == codes_expected


def test_an_area_stated_as_a_length_concept_is_not_used(ct_series, tmp_path):
    headers = headers_of(ct_series)
    # dcmjs codes an EllipticalRoi's area as (SRT G-D7FE) "AREA" in mm2
    path = _write(tmp_path, [headers[1]], [
        _line_group(headers[1], [[10, 10], [30, 10]], identifier="T1", unit=MM2,
                    value=4806.4)])
    lines, findings = read_sr_lines([path], headers)
    assert lines.loc[0, "length_mm"] == pytest.approx(14.0)
    assert pd_isna(lines.loc[0, "stated_value"])
    assert [f.code for f in findings] == ["sr-not-a-length"]
    assert "4806.4 mm2 (an area)" in findings[0].message


def pd_isna(value):
    return value is None or value != value


# --- context and references -------------------------------------------------------------------
def test_empty_patient_id_and_study_date_are_taken_from_the_ct(ct_series, tmp_path):
    headers = headers_of(ct_series)
    path = _write(tmp_path, [headers[1]], [
        _line_group(headers[1], [[10, 10], [30, 10]], identifier="T1")])
    ds = pydicom.dcmread(path)
    ds.PatientID, ds.StudyDate = "", ""
    ds.save_as(path)
    result = measure_sr([path], [ct_series[0].parent])
    assert result.table.loc[0, "patient_id"] == "P001"
    assert str(result.table.loc[0, "date"].date()) == "2024-03-01"
    context = [f for f in result.findings if f.code == "sr-context-from-ct"]
    assert len(context) == 2 and "P001" not in " ".join(f.message for f in context)


def test_a_report_drawn_on_images_absent_from_the_series_names_them(ct_series, tmp_path,
                                                                     ct_factory):
    other = headers_of(ct_factory(tmp_path / "other", seed="other"))
    path = _write(tmp_path, other[1:3], [
        _line_group(other[1], [[10, 10], [30, 10]], identifier="T1"),
        _line_group(other[2], [[10, 10], [30, 10]], identifier="T2")])
    with pytest.raises(DicomInputError) as caught:
        measure_sr([path], [ct_series[0].parent])
    message = str(caught.value)
    assert "2 of the 2 image(s)" in message
    assert other[1].SOPInstanceUID in message and other[2].SOPInstanceUID in message
    assert caught.value.keyword == "ReferencedSOPInstanceUID"
    assert "P001" not in message
    done = subprocess.run(
        [sys.executable, "-m", "recist", "measure", "--series", str(ct_series[0].parent),
         "--sr", str(path), "--out", str(tmp_path / "m.csv")],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2, done.stderr
    # one line (the command line may shorten long UIDs and paths for the terminal)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "2 of the 2 image(s) its measurements are drawn on" in done.stderr
    assert not (tmp_path / "m.csv").exists()


def test_a_report_without_shapes_on_another_study_is_refused(ct_series, tmp_path,
                                                             ct_factory):
    other = headers_of(ct_factory(tmp_path / "other", seed="other"))
    group = hd.sr.MeasurementsAndQualitativeEvaluations(  # dcmqi: volumes and SUVs only
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(),
                                                     identifier="primary tumor"),
        measurements=[hd.sr.Measurement(name=codes.SCT.Volume, value=33.6,
                                        unit=hd.sr.CodedConcept("ml", "UCUM", "ml"))])
    path = _write(tmp_path, [other[1]], [group])
    report = read_measurement_report(path)
    assert report.lines == () and [n.code for n in report.notes] == [
        "sr-not-a-length", "sr-no-measurement"]
    with pytest.raises(DicomInputError, match="none of which is in the series given"):
        measure_sr([path], [ct_series[0].parent])
