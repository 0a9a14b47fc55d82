"""Series consistency and plausible header values (issue #13): a series whose files
disagree, share a SOP Instance UID, have no scan date, or carry impossible or implausible
numbers is refused naming the file and its instance number, never the PatientID; a scan
gives each series its own verdict."""

from __future__ import annotations

import re
import warnings

import pytest

from dicom_io import DicomInputError, discover_series, load_series
from dicom_io.testing import write_ct_series

SHAPE = (4, 8, 8)


def _on(index, **values):
    def hook(k, ds):
        if k == index or index is None:
            for keyword, value in values.items():
                if value is None:
                    delattr(ds, keyword)
                else:
                    setattr(ds, keyword, value)
                if keyword == "SOPInstanceUID":
                    ds.file_meta.MediaStorageSOPInstanceUID = value
    return hook


@pytest.mark.parametrize("keyword,value", [
    ("PatientID", "OTHER-PATIENT-77"),
    ("StudyInstanceUID", "1.2.3.4.5.6"),
    ("FrameOfReferenceUID", "1.2.3.4.5.7"),
    ("Modality", "MR"),
    ("StudyDate", "20240116"),
])
def test_a_file_that_disagrees_with_its_series_is_refused(tmp_path, keyword, value):
    write_ct_series(tmp_path, SHAPE, patient_id="SECRET-ID-1", slice_hook=_on(2, **{
        keyword: value}))
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    message = str(info.value)
    assert f"IM0003.dcm (instance 3) has another {keyword} than IM0001.dcm (instance 1)" \
        in message
    assert info.value.keyword == keyword
    assert "SECRET-ID-1" not in message and "OTHER-PATIENT-77" not in message
    record = discover_series(tmp_path).series[0]
    assert record.verdict.startswith("IM0003.dcm (instance 3) has another")


@pytest.mark.parametrize("files", [(1, 2), None], ids=["two-files", "every-file"])
def test_a_shared_sop_instance_uid_is_refused(tmp_path, files):
    # Regression: every slice with one SOP Instance UID was "ok" for scan and an
    # IndexError for measure.
    def hook(k, ds):
        if files is None or k in files:
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.99"
    write_ct_series(tmp_path, SHAPE, slice_hook=hook)
    with pytest.raises(DicomInputError, match=r"have the same SOP Instance UID 1\.2\.3\.99"):
        load_series(tmp_path)
    assert "have the same SOP Instance UID" in discover_series(tmp_path).series[0].verdict


def test_a_series_without_any_date_loads_but_has_no_study_date(tmp_path):
    # Regression: StudyDate missing from every file wrote rows with an empty date.
    write_ct_series(tmp_path, SHAPE, slice_hook=_on(None, StudyDate=None))
    assert "scan date is unknown" in discover_series(tmp_path).series[0].verdict
    loaded = load_series(tmp_path)  # a manifest may give the date
    with pytest.raises(DicomInputError, match="no file has a StudyDate .*manifest's date"):
        loaded.info.study_date  # noqa: B018


def test_the_scan_date_falls_back_on_another_date_with_a_note(tmp_path):
    write_ct_series(tmp_path, SHAPE, slice_hook=_on(None, StudyDate=None,
                                                    SeriesDate="20240117"))
    loaded = load_series(tmp_path)
    assert loaded.info.study_date == "2024-01-17"
    assert any("taken from SeriesDate" in note for note in loaded.notes)
    record = discover_series(tmp_path).series[0]
    assert record.verdict == "ok" and any("SeriesDate" in n for n in record.notes)


@pytest.mark.parametrize("date,words", [("18500101", "before 1900-01-01"),
                                        ("20240230", "not a calendar date"),
                                        ("Doe^Jane", "is not a date of 8 digits")])
def test_an_impossible_or_implausible_study_date(tmp_path, date, words, monkeypatch):
    monkeypatch.delenv("RECIST_ALLOW_IMPLAUSIBLE", raising=False)
    _write(tmp_path, study_date=date)
    verdict = discover_series(tmp_path).series[0].verdict
    assert words in verdict and "Doe" not in verdict


@pytest.mark.parametrize("value,words", [
    (-1.0, "SliceThickness -1 mm, expected finite values > 0"),
    (0.0, "SliceThickness 0 mm, expected finite values > 0"),
    (float("inf"), "SliceThickness inf mm"),
    (float("nan"), "SliceThickness nan mm"),
    (1e308, "SliceThickness 1e+308 mm, over the plausible 20 mm"),
])
def test_an_impossible_slice_thickness_is_refused(tmp_path, value, words, monkeypatch):
    # Regression: -1, inf, NaN and 1e308 were "ok" and written into the measurements.
    monkeypatch.delenv("RECIST_ALLOW_IMPLAUSIBLE", raising=False)
    _write(tmp_path, slice_hook=_on(1, SliceThickness=value))
    with pytest.raises(DicomInputError, match=re.escape("IM0002.dcm (instance 2) has " + words)):
        load_series(tmp_path)
    assert words in discover_series(tmp_path).series[0].verdict


def test_an_implausible_thickness_is_accepted_when_allowed(tmp_path, monkeypatch):
    write_ct_series(tmp_path, SHAPE, slice_hook=_on(None, SliceThickness=25.0))
    with pytest.raises(DicomInputError, match="--allow-implausible"):
        load_series(tmp_path)
    monkeypatch.setenv("RECIST_ALLOW_IMPLAUSIBLE", "1")
    assert load_series(tmp_path).geometry.slice_thickness_mm == 25.0


def test_nan_pixel_spacing_is_the_verdict_of_its_series_only(tmp_path):
    # Regression: scan exited 2 for the whole folder on one series' NaN PixelSpacing.
    good = write_ct_series(tmp_path / "good", SHAPE, seed="good")
    bad = _write(tmp_path / "bad", seed="bad", slice_hook=_on(None, PixelSpacing=["nan", "nan"]))
    verdicts = {r.series_instance_uid: r.verdict for r in discover_series(tmp_path).series}
    assert verdicts[good.series_instance_uid] == "ok"
    assert "PixelSpacing nan\\nan mm, expected finite values > 0" in \
        verdicts[bad.series_instance_uid]


def test_an_infinite_position_is_refused(tmp_path):
    _write(tmp_path, slice_hook=_on(0, ImagePositionPatient=[0, 0, "inf"]))
    with pytest.raises(DicomInputError, match="ImagePositionPatient that is not finite"):
        load_series(tmp_path)


def _write(folder, **kwargs):
    """Write a series whose values pydicom warns about when writing them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return write_ct_series(folder, SHAPE, **kwargs)


def test_reader_warnings_become_one_note_without_values(tmp_path):
    from pydicom.dataelem import RawDataElement

    def hook(k, ds):
        ds.SpecificCharacterSet = "ISO 2022 IR 87"  # read by pydicom, which warns
        value = b"Doe^Jane " * 8  # longer than LO's 64 characters
        ds[0x0008103E] = RawDataElement(0x0008103E, "LO", len(value), value, 0, False, True)

    _write(tmp_path, slice_hook=hook)
    record = discover_series(tmp_path).series[0]
    assert record.verdict == "ok"
    assert ("the DICOM reader warned about a value that does not match its VR LO in 4 "
            "file(s), e.g. IM0001.dcm; it was ignored or read as is") in record.notes
    assert "Doe" not in " ".join(record.notes)
    loaded = load_series(tmp_path)
    assert any("VR LO in 4 file(s)" in note for note in loaded.notes)


@pytest.mark.parametrize("keyword", ["SOPInstanceUID", "SeriesInstanceUID",
                                     "StudyInstanceUID", "FrameOfReferenceUID"])
def test_a_uid_holding_letters_is_refused(tmp_path, keyword):
    # A damaged UID may hold a patient's name; every other message prints UIDs.
    from pydicom.datadict import tag_for_keyword
    from pydicom.dataelem import RawDataElement

    def hook(k, ds):
        tag = tag_for_keyword(keyword)
        ds[tag] = RawDataElement(tag, "UI", 10, b"HOSP123456", 0, False, True)
        if keyword == "SOPInstanceUID":
            ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3"

    _write(tmp_path, slice_hook=hook)
    verdict = discover_series(tmp_path).series[0].verdict
    assert f"has a {keyword} that is not a UID" in verdict and "HOSP" not in verdict


def test_the_at_a_glance_test_agrees_with_the_file_by_file_loops(tmp_path, monkeypatch):
    """``check_consistency`` first tests the distinct values of each element at once; it
    must pass exactly the series its file-by-file loops pass (these then name the
    problem): headers altered at random, one element at a time or several."""
    import dataclasses
    import random

    from dicom_io import stack

    write_ct_series(tmp_path, (6, 4, 4))
    record = discover_series(tmp_path).series[0]
    changes = [("sop_instance_uid", lambda h, i, rng: record.headers[rng.randrange(6)]
                .sop_instance_uid),
               ("sop_instance_uid", lambda h, i, rng: "1.2.x.3"),
               ("series_instance_uid", lambda h, i, rng: "9" * 65),
               ("study_instance_uid", lambda h, i, rng: ""),
               ("study_instance_uid", lambda h, i, rng: "1.2.3"),
               ("frame_of_reference_uid", lambda h, i, rng: "1.2.\u0663"),
               ("sop_instance_uid", lambda h, i, rng: "1.2\n3.4"),  # a line break inside
               ("frame_of_reference_uid", lambda h, i, rng: h.frame_of_reference_uid + "\n"),
               ("patient_id", lambda h, i, rng: "ANOTHER"),
               ("modality", lambda h, i, rng: "MR"),
               ("study_date", lambda h, i, rng: "")]
    rng = random.Random(5)
    outcomes = set()
    for _ in range(300):
        headers = list(record.headers)
        for _ in range(rng.randrange(1, 3)):
            i = rng.randrange(len(headers))
            attribute, value = rng.choice(changes)
            headers[i] = dataclasses.replace(headers[i],
                                             **{attribute: value(headers[i], i, rng)})
        altered = dataclasses.replace(record, headers=tuple(headers))
        glance = stack._consistent_at_a_glance(altered.headers)
        with monkeypatch.context() as patch:  # the loops alone
            patch.setattr(stack, "_consistent_at_a_glance", lambda headers: False)
            try:
                stack.check_consistency(altered)
                loops = True
            except DicomInputError:
                loops = False
        assert glance == loops
        outcomes.add(glance)
    assert outcomes == {True, False}
