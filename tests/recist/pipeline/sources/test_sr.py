"""DICOM SR TID 1500: reading foreign reports, writing ours, validators, round trip."""

from __future__ import annotations

import subprocess

import highdicom as hd
import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from dicom_io.errors import DicomInputError
from dicom_io.sr import ImagePlane, read_measurement_report, tracking_uid_for
from recist.pipeline.sources.sr import export_sr, measure_sr, read_sr_lines


def headers_of(paths):
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in paths]


# Series geometry of make_ct_series: rows 0.8 mm apart, columns 0.7 mm apart.
ROW_MM, COL_MM = 0.8, 0.7


def _table_for(headers, patient_id="P001", visit="baseline", date="2024-03-01"):
    """Three lesions with endpoints in patient mm on slices 1 and 2 (pixel centres)."""
    specs = [
        # lesion, kind, organ, nodal, slice, long (x1,y1,x2,y2), short
        ("L1", "target", "lung", False, 1, (10.5, 12.5, 30.5, 20.5), (18.5, 22.5, 22.5, 10.5)),
        ("N1", "target", "lymph node", True, 2, (5.5, 5.5, 15.5, 5.5), (10.5, 2.5, 10.5, 9.5)),
        ("X1", "non-target", "omentum", False, 2, (20.5, 30.5, 25.5, 34.5), None),
    ]
    rows = []
    for lesion, kind, organ, nodal, k, ld, sa in specs:
        plane = ImagePlane.from_dataset(headers[k])
        row = {"patient_id": patient_id, "date": date, "visit": visit, "lesion_id": lesion,
               "kind": kind, "organ": organ, "nodal": nodal,
               "status": "measured" if kind == "target" else "present",
               "sop_instance_uid": headers[k].SOPInstanceUID, "method": "line"}
        for prefix, line in (("ld", ld), ("sa", sa)):
            if line is None:
                continue
            mm = plane.pixel_to_patient_mm(np.array([[line[0], line[1]], [line[2], line[3]]]))
            row[f"{prefix}_mm"] = float(np.linalg.norm(mm[1] - mm[0]))
            for i in (0, 1):
                for a, v in zip("xyz", mm[i]):
                    row[f"{prefix}_{a}{i + 1}"] = float(v)
        rows.append(row)
    return pd.DataFrame(rows)


def test_ld_of_known_line_follows_anisotropic_spacing(ct_series):
    # 20 px along x (0.7 mm) and 8 px along y (0.8 mm): hypot(14, 6.4) mm.
    table = _table_for(headers_of(ct_series))
    assert table.loc[0, "ld_mm"] == pytest.approx(np.hypot(20 * COL_MM, 8 * ROW_MM), abs=1e-9)


def test_export_then_read_gives_identical_measurements(ct_series, tmp_path):
    headers = headers_of(ct_series)
    table = _table_for(headers)
    out, findings = export_sr(table, ct_series[0].parent, tmp_path / "sr" / "report.dcm")
    assert findings == []
    result = measure_sr([out], [ct_series[0].parent])
    back, read_findings = result.table, list(result.findings)
    assert read_findings == []
    back = back.set_index("lesion_id").sort_index()
    want = table.set_index("lesion_id").sort_index()
    assert list(back.index) == ["L1", "N1", "X1"]
    assert list(back["kind"]) == list(want["kind"])
    assert list(back["organ"]) == ["lung", "lymph node", "omentum"]
    assert list(back["nodal"]) == [False, True, False]
    assert set(back["visit"]) == {"baseline"}
    assert list(back["sop_instance_uid"]) == list(want["sop_instance_uid"])
    # SCOORD stores float32 pixel coordinates: 1e-4 mm bounds that error; diameters are
    # rounded to 0.001 mm and endpoints to 0.0001 mm as for every source.
    for column, atol in (("ld_mm", 6e-4), ("ld_x1", 2e-4), ("ld_y1", 2e-4),
                         ("ld_z2", 2e-4), ("sa_x2", 2e-4), ("sa_y1", 2e-4)):
        np.testing.assert_allclose(back[column].astype(float), want[column].astype(float),
                                   atol=atol, equal_nan=True)
    assert pd.isna(back.loc["X1", "sa_mm"])
    assert set(back["method"]) == {"sr"}
    assert back.loc["L1", "slice_thickness_mm"] == pytest.approx(2.5)
    assert back["slice_index"].tolist() == [1, 2, 2]


def test_written_sr_carries_study_identity_recist_method_and_stable_tracking(ct_series,
                                                                             tmp_path):
    headers = headers_of(ct_series)
    out, _ = export_sr(_table_for(headers), ct_series[0].parent, tmp_path / "r.dcm")
    sr = pydicom.dcmread(out)
    for keyword in ("PatientID", "PatientName", "StudyInstanceUID", "StudyDate",
                    "AccessionNumber"):
        assert sr.get(keyword) == headers[0].get(keyword), keyword
    assert sr.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"
    groups = sr.ContentSequence[-1].ContentSequence
    methods = [item for g in groups for item in g.ContentSequence
               if item.ConceptNameCodeSequence[0].CodeValue == "370129005"]
    assert len(methods) == 3
    for item in methods:
        assert item.RelationshipType == "HAS CONCEPT MOD"
        assert (item.ConceptCodeSequence[0].CodeValue,
                item.ConceptCodeSequence[0].CodingSchemeDesignator) == ("126081", "DCM")
    report = read_measurement_report(out)
    assert {line.tracking_uid for line in report.lines if line.lesion_id == "L1"} == {
        tracking_uid_for("P001", "L1")}


def test_written_sr_passes_dciodvfy(ct_series, tmp_path, dciodvfy):
    out, _ = export_sr(_table_for(headers_of(ct_series)), ct_series[0].parent,
                       tmp_path / "r.dcm")
    errors, output = dciodvfy(out)
    assert errors == [], output
    assert "Comprehensive3DSR" in output


def test_written_sr_passes_pixelmed_sr_validator(ct_series, tmp_path, sr_validator):
    out, _ = export_sr(_table_for(headers_of(ct_series)), ct_series[0].parent,
                       tmp_path / "r.dcm")
    done = subprocess.run([*sr_validator, str(out)], check=False, capture_output=True,
                          text=True, timeout=120)
    output = done.stdout + done.stderr
    assert "Found Root Template TID_1500" in output, output
    assert "Root Template Validation Complete" in output, output
    assert [line for line in output.splitlines() if line.startswith("Error")] == [], output


def test_several_reports_one_per_visit_load_into_one_table(tmp_path, ct_factory):
    base = ct_factory(tmp_path / "v0", seed="v0", study_date="20240301")
    follow = ct_factory(tmp_path / "v1", seed="v1", study_date="20240501")
    t0 = _table_for(headers_of(base), visit="baseline", date="2024-03-01")
    t1 = _table_for(headers_of(follow), visit="week8", date="2024-05-01")
    sr0, _ = export_sr(t0, base[0].parent, tmp_path / "sr0.dcm")
    sr1, _ = export_sr(t1, follow[0].parent, tmp_path / "sr1.dcm")
    result = measure_sr([sr0, sr1], [base[0].parent, follow[0].parent])
    table, _ = result.table, list(result.findings)
    assert sorted(table["visit"].unique()) == ["baseline", "week8"]
    assert sorted(str(d.date()) for d in table["date"].unique()) == ["2024-03-01",
                                                                       "2024-05-01"]
    assert len(table) == 6
    uids = {line.tracking_uid for path in (sr0, sr1)
            for line in read_measurement_report(path).lines if line.lesion_id == "N1"}
    assert len(uids) == 1


def _foreign_sr(headers, tmp_path, *, long_code, short_code, stated_unit, long_value,
                name="ohif.dcm"):
    """An OHIF-style report: tool name as tracking id, label in the finding's meaning."""
    image = headers[1]
    source = hd.sr.SourceImageForRegion(image.SOPClassUID, image.SOPInstanceUID)

    def measurement(code, value, points):
        return hd.sr.Measurement(
            name=code, value=value, unit=stated_unit,
            referenced_coordinates=[hd.sr.CoordinatesForMeasurement(
                "POLYLINE", np.array(points, dtype=float), source)])

    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(), identifier="Cornerstone3DTools@^0.1.0:Bidirectional"),
        finding_type=hd.sr.CodedConcept("Target 1", "CORNERSTONEFREETEXT", "Target 1"),
        finding_sites=[hd.sr.FindingSite(hd.sr.CodedConcept("T-C4000", "SRT",
                                                            "Lymph node"))],
        measurements=[measurement(long_code, long_value, [[10, 10], [30, 10]]),
                      measurement(short_code, 5.6, [[20, 6], [20, 13]])],
    )
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion, imaging_measurements=[group])
    sr = hd.sr.Comprehensive3DSR(evidence=[image], content=report,
                                 series_instance_uid=generate_uid(), series_number=5,
                                 sop_instance_uid=generate_uid(), instance_number=1)
    path = tmp_path / name
    sr.save_as(path)
    return path


OLD_LONG = hd.sr.CodedConcept("G-A185", "SRT", "Long Axis")
OLD_SHORT = hd.sr.CodedConcept("G-A186", "SRT", "Short Axis")
MM = hd.sr.CodedConcept("mm", "UCUM", "millimeter")
PIXEL = hd.sr.CodedConcept("{pixel}", "UCUM", "pixel")


@pytest.mark.filterwarnings("ignore:The value length")
def test_ohif_style_report_with_old_codes_reads_label_site_and_recomputes(ct_series,
                                                                          tmp_path):
    headers = headers_of(ct_series)
    # Long axis: 20 px along x = 14.0 mm; short axis: 7 px along y = 5.6 mm.
    path = _foreign_sr(headers, tmp_path, long_code=OLD_LONG, short_code=OLD_SHORT,
                       stated_unit=MM, long_value=14.0)
    lines, findings = read_sr_lines([path], headers)
    # OHIF's free-text code values are longer than SH allows: pydicom's warning is an
    # info finding naming the VR, never a line on stderr nor the value.
    assert [(f.code, f.severity) for f in findings] == [("sr-reader-warning", "info")]
    assert findings[0].message.startswith("ohif.dcm: the DICOM reader warned about a value "
                                          "that does not match its VR ")
    assert list(lines["lesion_id"]) == ["Target 1", "Target 1"]
    assert list(lines["axis"]) == ["long", "short"]
    assert list(lines["organ"]) == ["lymph node"] * 2
    assert list(lines["nodal"]) == [True, True]
    assert lines["length_mm"].tolist() == pytest.approx([14.0, 5.6], abs=1e-6)
    assert list(lines[["x1", "y1", "x2", "y2"]].iloc[0]) == [10, 10, 30, 10]


@pytest.mark.filterwarnings("ignore:The value length")
def test_stated_value_in_pixels_is_recomputed_with_a_finding(ct_series, tmp_path):
    headers = headers_of(ct_series)
    path = _foreign_sr(headers, tmp_path, long_code=codes.SCT.LongAxis,
                       short_code=codes.SCT.ShortAxis, stated_unit=PIXEL, long_value=20.0)
    result = measure_sr([path], [ct_series[0].parent])
    table, findings = result.table, list(result.findings)
    assert table.loc[0, "ld_mm"] == pytest.approx(14.0, abs=1e-6)
    assert table.loc[0, "sa_mm"] == pytest.approx(5.6, abs=1e-6)
    assert table.loc[0, "kind"] == "target"  # no baseline category: the default
    # the private free-text codes of _foreign_sr are longer than SH allows (an info)
    assert [f.code for f in findings] == ["sr-reader-warning", "sr-unit", "sr-unit"]
    assert "'{pixel}'" in findings[1].message and "14.00 mm" in findings[1].message


@pytest.mark.filterwarnings("ignore:The value length")
def test_stated_mm_disagreeing_beyond_half_a_millimetre_is_a_finding(ct_series, tmp_path):
    headers = headers_of(ct_series)
    ok = _foreign_sr(headers, tmp_path, long_code=OLD_LONG, short_code=OLD_SHORT,
                     stated_unit=MM, long_value=14.4, name="ok.dcm")
    bad = _foreign_sr(headers, tmp_path, long_code=OLD_LONG, short_code=OLD_SHORT,
                      stated_unit=MM, long_value=14.6, name="bad.dcm")
    assert [f.code for f in read_sr_lines([ok], headers)[1]] == ["sr-reader-warning"]
    _, findings = read_sr_lines([bad], headers)
    assert [f.code for f in findings] == ["sr-reader-warning", "sr-length-mismatch"]
    assert "14.60 mm" in findings[1].message and "14.00 mm" in findings[1].message


def test_slicer_style_single_length_in_3d_is_placed_on_its_slice(ct_series, tmp_path):
    headers = headers_of(ct_series)
    plane = ImagePlane.from_dataset(headers[3])
    ends = plane.pixel_to_patient_mm(np.array([[4.5, 8.5], [4.5, 33.5]]))  # 25 rows: 20 mm
    group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="T07"),
        referenced_region=hd.sr.ImageRegion3D("POLYLINE", ends,
                                              headers[3].FrameOfReferenceUID),
        finding_sites=[hd.sr.FindingSite(codes.SCT.Liver)],
        measurements=[hd.sr.Measurement(name=codes.SCT.Length, value=20.0, unit=MM)],
    )
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion, imaging_measurements=[group])
    sr = hd.sr.Comprehensive3DSR(evidence=[headers[3]], content=report,
                                 series_instance_uid=generate_uid(), series_number=5,
                                 sop_instance_uid=generate_uid(), instance_number=1)
    sr.save_as(tmp_path / "slicer.dcm")
    lines, findings = read_sr_lines([tmp_path / "slicer.dcm"], headers)
    assert findings == []
    row = lines.iloc[0]
    assert (row["lesion_id"], row["axis"], row["organ"], row["nodal"]) == (
        "T07", "length", "liver", False)
    assert row["sop_instance_uid"] == headers[3].SOPInstanceUID
    assert [row["x1"], row["y1"], row["x2"], row["y2"]] == pytest.approx([4.5, 8.5, 4.5, 33.5])
    assert row["length_mm"] == pytest.approx(20.0)


def test_reading_an_image_as_sr_names_file_and_class(ct_series):
    with pytest.raises(DicomInputError) as caught:
        read_measurement_report(ct_series[0])
    assert caught.value.path == ct_series[0]
    assert caught.value.keyword == "SOPClassUID"
    assert "expected a structured report" in str(caught.value)
    assert "P001" not in str(caught.value)


def _edit_group(path, edit):
    ds = pydicom.dcmread(path)
    group = ds.ContentSequence[-1].ContentSequence[0]
    edit(group)
    ds.save_as(path)
    return path


@pytest.mark.filterwarnings("ignore:The value length")
def test_ohif3_label_in_a_comment_and_legacy_label_as_finding_site(ct_series, tmp_path):
    headers = headers_of(ct_series)

    def comment_label(group):  # OHIF 3.x: TEXT (121106, DCM, "Comment") holds the label
        items = [i for i in group.ContentSequence
                 if i.ConceptNameCodeSequence[0].CodeValue != "121071"]
        items.append(hd.sr.TextContentItem(
            name=hd.sr.CodedConcept("121106", "DCM", "Comment"), value="Liver met 2",
            relationship_type="CONTAINS"))
        group.ContentSequence = items

    def site_label(group):  # older OHIF: the label as a free-text finding site
        items = [i for i in group.ContentSequence
                 if i.ConceptNameCodeSequence[0].CodeValue != "121071"]
        items.append(hd.sr.CodeContentItem(
            name=hd.sr.CodedConcept("363698007", "SCT", "Finding Site"),
            value=hd.sr.CodedConcept("CS3DTEXT", "99dcmjs", "Node 4R"),
            relationship_type="HAS CONCEPT MOD"))
        group.ContentSequence = items

    found = {}
    for name, edit in (("comment", comment_label), ("site", site_label)):
        path = _foreign_sr(headers, tmp_path, long_code=OLD_LONG, short_code=OLD_SHORT,
                           stated_unit=MM, long_value=14.0, name=f"{name}.dcm")
        lines, _ = read_sr_lines([_edit_group(path, edit)], headers)
        found[name] = lines[["lesion_id", "organ", "nodal"]].iloc[0].tolist()
    # the free-text site is a label, not an organ: the lymph node site stays the organ
    assert found == {"comment": ["Liver met 2", "lymph node", True],
                     "site": ["Node 4R", "lymph node", True]}


def _length_group(tracking_id, ends_mm, frame_uid, value_mm):
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(),
                                                     identifier=tracking_id),
        referenced_region=hd.sr.ImageRegion3D("POLYLINE", ends_mm, frame_uid),
        finding_sites=[hd.sr.FindingSite(codes.SCT.Lung)],
        measurements=[hd.sr.Measurement(name=codes.SCT.Length, value=value_mm, unit=MM)])


def test_single_lengths_of_one_lesion_pair_into_long_and_short_axes(ct_series, tmp_path):
    headers = headers_of(ct_series)
    plane = ImagePlane.from_dataset(headers[2])
    frame = headers[2].FrameOfReferenceUID
    short = plane.pixel_to_patient_mm(np.array([[10.5, 20.5], [10.5, 30.5]]))  # 8 mm
    long = plane.pixel_to_patient_mm(np.array([[2.5, 25.5], [22.5, 25.5]]))   # 14 mm
    other = plane.pixel_to_patient_mm(np.array([[30.5, 5.5], [30.5, 20.5]]))  # 12 mm
    groups = [_length_group("T3", short, frame, 8.0), _length_group("T3", long, frame, 14.0),
              _length_group("T4", other, frame, 12.0)]
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion, imaging_measurements=groups)
    sr = hd.sr.Comprehensive3DSR(evidence=[headers[2]], content=report,
                                 series_instance_uid=generate_uid(), series_number=5,
                                 sop_instance_uid=generate_uid(), instance_number=1)
    sr.save_as(tmp_path / "lengths.dcm")
    result = measure_sr([tmp_path / "lengths.dcm"], [ct_series[0].parent])
    table, findings = result.table, list(result.findings)
    assert findings == []
    table = table.set_index("lesion_id")
    assert list(table.index) == ["T3", "T4"]
    assert table.loc["T3", "ld_mm"] == pytest.approx(14.0)
    assert table.loc["T3", "sa_mm"] == pytest.approx(8.0)
    assert table.loc["T4", "ld_mm"] == pytest.approx(12.0)
    assert pd.isna(table.loc["T4", "sa_mm"])
