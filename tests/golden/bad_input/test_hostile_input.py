"""Hostile input (issue #13), one named regression per cause the fuzz run found: every
command ends with a result or one refusal line, never an internal error or a hang, and
no output stream carries an identifier planted in the DICOM (damaged elements included)."""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from .conftest import BIRTH_DATE, MEASUREMENTS_HEADER, PATIENT_ID, PATIENT_NAME, REPO, Workspace

SECRETS = (PATIENT_NAME, "Doe^", PATIENT_ID, BIRTH_DATE)


def _run(workspace: Workspace, *argv, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recist", *map(str, argv)],
                          capture_output=True, text=True, cwd=workspace.root, timeout=timeout,
                          check=False, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                            "PYTHONPATH": str(REPO)})


def _clean(result: subprocess.CompletedProcess, *, scan: bool = False) -> None:
    """No internal error, a refusal in one short line, no planted identifier anywhere
    (but in the patient column of scan's listing, which shows the PatientID by design)."""
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error:" in line]
    if result.returncode == 2:
        assert len(errors) == 1 and len(errors[0]) <= 300, result.stderr
    assert all(line.isprintable() for line in result.stderr.splitlines())
    for secret in SECRETS:
        assert secret not in result.stderr, secret
        for line in result.stdout.splitlines():
            listed = line.split(None, 1)[1] if scan and " " in line else line
            assert secret not in listed, (secret, line)


def _measure(ws: Workspace, written) -> list:
    return ["measure", "--series", written.folder, "--lines", ws.lines(written),
            "--out", ws.out("m.csv")]


def _elements(data: bytes):
    """(offset, tag, vr) of the explicit VR little endian top-level elements."""
    pos, found = 132, []
    while pos + 8 <= len(data):
        group, element = struct.unpack_from("<HH", data, pos)
        vr = data[pos + 4:pos + 6]
        long = vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"UC", b"UR")
        length = struct.unpack_from("<I" if long else "<H", data, pos + (8 if long else 6))[0]
        found.append((pos, (group << 16) | element, vr))
        if (group, element) == (0x7FE0, 0x0010):
            break
        pos += (12 if long else 8) + length
    return found


def _damage(path, tag: int, change) -> None:
    data = bytearray(path.read_bytes())
    offset = next(pos for pos, t, _ in _elements(bytes(data)) if t == tag)
    change(data, offset)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("vr", [b"ZZ", b"\x01\x02"])
def test_unknown_vr_in_a_header_element(workspace: Workspace, vr):
    written = workspace.pii_series()
    _damage(written.paths[1], 0x0008103E, lambda d, o: d.__setitem__(slice(o + 4, o + 6), vr))
    _clean(_run(workspace, "scan", written.folder), scan=True)
    _clean(_run(workspace, *_measure(workspace, written)))


@pytest.mark.parametrize("tag", [0x00100010, 0x0008103E],
                         ids=["PatientName", "SeriesDescription"])
@pytest.mark.parametrize("delta", [-1, 300])
def test_damaged_length_of_a_small_element_prints_no_identifier(workspace: Workspace, tag,
                                                                delta):
    written = workspace.pii_series()

    def change(data, offset):
        length = struct.unpack_from("<H", data, offset + 6)[0]
        struct.pack_into("<H", data, offset + 6, max(length + delta, 0))

    _damage(written.paths[1], tag, change)
    _clean(_run(workspace, "scan", written.folder), scan=True)
    _clean(_run(workspace, *_measure(workspace, written)))


def test_deflated_transfer_syntax_over_plain_data(workspace: Workspace):
    written = workspace.pii_series()
    path = written.paths[2]
    data = bytearray(path.read_bytes())
    found = {tag: pos for pos, tag, _ in _elements(bytes(data))}
    syntax, group = found[0x00020010], found[0x00020000]
    assert data[syntax + 8:syntax + 28] == b"1.2.840.10008.1.2.1\x00"
    data[syntax + 8:syntax + 28] = b"1.2.840.10008.1.2.1.99"  # deflated, the data are not
    struct.pack_into("<H", data, syntax + 6, 22)
    struct.pack_into("<I", data, group + 8, struct.unpack_from("<I", data, group + 8)[0] + 2)
    path.write_bytes(bytes(data))
    result = _run(workspace, "scan", written.folder)
    _clean(result, scan=True)
    assert "IM0003.dcm" in result.stdout and "inflated" in result.stdout
    _clean(_run(workspace, *_measure(workspace, written)))


def test_looping_and_dangling_links_in_the_series_folder(workspace: Workspace):
    written = workspace.pii_series()
    os.symlink("self", written.folder / "self")
    os.symlink("b", written.folder / "a")
    os.symlink("a", written.folder / "b")
    os.symlink(str(workspace.root / "gone"), written.folder / "dangling")
    result = _run(workspace, "scan", written.folder)
    _clean(result, scan=True)
    assert result.returncode == 0 and "a looping link" in result.stdout
    result = _run(workspace, *_measure(workspace, written))
    _clean(result)
    assert result.returncode == 0


def test_a_fifo_in_the_series_folder_never_hangs(workspace: Workspace):
    written = workspace.pii_series()
    os.mkfifo(written.folder / "pipe.dcm")
    start = time.monotonic()
    result = _run(workspace, "scan", written.folder, timeout=30)
    _clean(result, scan=True)
    assert "a FIFO (named pipe)" in result.stdout
    result = _run(workspace, *_measure(workspace, written), timeout=30)
    _clean(result)
    assert result.returncode == 0 and time.monotonic() - start < 30


def test_every_slice_with_one_sop_instance_uid(workspace: Workspace):
    def same_uid(index, dataset):
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"

    written = workspace.pii_series(defect=same_uid)
    result = _run(workspace, "scan", written.folder)
    _clean(result, scan=True)
    assert "have the same SOP Instance UID" in result.stdout
    result = _run(workspace, "measure", "--series", written.folder, "--lines",
                  workspace.file("lines.csv", "lesion_id,kind,organ,nodal,axis,"
                                 "sop_instance_uid,x1,y1,x2,y2\nT1,target,lung,false,long,"
                                 "1.2.3.4,2.5,2.5,12.5,12.5\n"), "--out", workspace.out("m.csv"))
    _clean(result)
    assert result.returncode == 2 and "IM0001.dcm (instance 1)" in result.stderr


def test_a_slice_of_another_patient(workspace: Workspace):
    def other(index, dataset):
        if index == 2:
            dataset.PatientID = "OTHER-PATIENT-9"

    written = workspace.pii_series(defect=other)
    result = _run(workspace, *_measure(workspace, written))
    _clean(result)
    assert result.returncode == 2 and "another PatientID" in result.stderr
    assert "OTHER-PATIENT-9" not in result.stderr
    assert workspace.written_outputs() == []


@pytest.mark.parametrize("value", [float("nan"), 1e308])
def test_an_impossible_slice_thickness_is_never_written(workspace: Workspace, value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = workspace.pii_series(defect=lambda k, ds: setattr(ds, "SliceThickness",
                                                                     value))
    result = _run(workspace, "scan", written.folder)
    _clean(result, scan=True)
    assert "SliceThickness" in result.stdout and " ok\n" not in result.stdout
    result = _run(workspace, *_measure(workspace, written))
    _clean(result)
    assert result.returncode == 2 and workspace.written_outputs() == []


def test_no_study_date_in_any_file(workspace: Workspace):
    written = workspace.pii_series(defect=lambda k, ds: delattr(ds, "StudyDate"))
    result = _run(workspace, *_measure(workspace, written))
    _clean(result)
    assert result.returncode == 2 and "no file has a StudyDate" in result.stderr


def test_identifiers_in_values_pydicom_warns_about(workspace: Workspace):
    # Read by pydicom (an ISO 2022 character set): its UserWarnings quote the raw values.
    from pydicom.dataelem import RawDataElement

    def planted(index, dataset):
        dataset.SpecificCharacterSet = "ISO 2022 IR 87"
        for tag, vr, value in ((0x00200052, "UI", PATIENT_NAME), (0x00201041, "DS", PATIENT_ID),
                               (0x00180050, "DS", f"{BIRTH_DATE}x")):
            raw = value.encode() + b" " * (len(value) % 2)
            dataset[tag] = RawDataElement(tag, vr, len(raw), raw, 0, False, True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = workspace.pii_series(defect=planted)
    result = _run(workspace, "scan", written.folder)
    _clean(result, scan=True)
    assert result.returncode == 0
    _clean(_run(workspace, *_measure(workspace, written)))


def test_infinite_thickness_with_a_duplicated_row(workspace: Workspace):
    row = "P1,2024-01-08,V0,T1,target,lung,false,20.0,,measured,inf"
    measurements = workspace.measurements(row, row,
                                          "P1,2024-03-11,V1,T1,target,lung,false,10,,measured,5")
    result = _run(workspace, "respond", measurements, "--out", workspace.out("r"))
    _clean(result)
    assert result.returncode == 2 and "slice_thickness_mm infinite" in result.stderr


def test_a_diameter_of_1e308_never_becomes_an_infinite_sum(workspace: Workspace):
    measurements = workspace.measurements(
        "P1,2024-01-08,V0,T1,target,lung,false,1e308,,measured,5",
        "P1,2024-03-11,V1,T1,target,lung,false,1e308,,measured,5")
    result = _run(workspace, "respond", measurements, "--out", workspace.out("r"))
    _clean(result)
    assert result.returncode == 2 and "ld_mm 1e+308" in result.stderr
    result = _run(workspace, "respond", measurements, "--out", workspace.out("r"),
                  "--allow-implausible")
    _clean(result)  # over 1000 mm is implausible, over 10^6 mm impossible (no exact sum)
    assert result.returncode == 2 and "1e+308" in result.stderr
    assert "--allow-implausible" not in result.stderr


def test_a_measurements_field_over_128_kb(workspace: Workspace):
    measurements = workspace.file("m.csv", MEASUREMENTS_HEADER + "\n"
                                  "P1,2024-01-08,V0,T1,target," + "x" * 140_000
                                  + ",false,20,,measured,5\n")
    result = _run(workspace, "respond", measurements, "--out", workspace.out("r"))
    _clean(result)
    assert result.returncode == 0


def test_a_lines_field_over_128_kb(workspace: Workspace):
    written = workspace.pii_series()
    uid = written.sop_instance_uids[1]
    lines = workspace.file("lines.csv", "lesion_id,kind,organ,nodal,axis,sop_instance_uid,"
                           f"x1,y1,x2,y2\nT1,target,{'x' * 140_000},false,long,{uid},"
                           "2.5,2.5,12.5,12.5\n")
    result = _run(workspace, "measure", "--series", written.folder, "--lines", lines,
                  "--out", workspace.out("m.csv"))
    _clean(result)
    assert result.returncode == 2
    assert "lines.csv row 2: a field longer than 131,072 characters" in result.stderr


def test_a_million_row_lines_csv_is_refused_up_front(workspace: Workspace):
    written = workspace.pii_series()
    uid = written.sop_instance_uids[1]
    row = f"T1,target,lung,false,long,{uid},2.5,2.5,12.5,12.5\n"
    lines = workspace.file("lines.csv", "lesion_id,kind,organ,nodal,axis,sop_instance_uid,"
                           "x1,y1,x2,y2\n" + row * 10 ** 6)
    # CPU seconds of the command (the machine may be shared: wall time is bounded by the
    # 60 s timeout); the refusal reads line ends only, ~1.5 s with the interpreter's start.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = _run(workspace, "measure", "--series", written.folder, "--lines", lines,
                  "--out", workspace.out("m.csv"), timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    _clean(result)
    assert result.returncode == 2 and seconds <= 20, seconds
    assert "lines.csv: 104.0 MiB, over the 39 MiB of a line annotations CSV of at most " \
        "10,000 rows; split it by series or raise RECIST_MAX_ANNOTATION_ROWS" in result.stderr
    assert not workspace.out("m.csv").exists()


@pytest.mark.parametrize("source", ["lines", "masks"])
def test_measure_reports_the_images_its_series_left_out(workspace: Workspace, source):
    """A localizer left out of the stack and a FIFO skipped are findings of ``measure``
    (code series-note), not only notes of ``scan``; the measurement itself is unchanged."""
    from dicom_io.testing import write_series_with_localizer

    written = write_series_with_localizer(workspace.inputs / "ct", shape=(4, 16, 16))
    os.mkfifo(written.folder / "pipe.dcm")
    if source == "lines":
        argv = _measure(workspace, written)
    else:
        argv = ["measure", "--series", written.folder, "--masks", workspace.labels(written),
                "--lesions", workspace.lesions("1,T1,target,lung,false"),
                "--out", workspace.out("m.csv")]
    result = _run(workspace, *argv)
    _clean(result)
    assert result.returncode == 0, result.stderr
    assert "recist measure: findings: 2 warnings (series-note 2); -v prints each" \
        in result.stderr.splitlines()
    result = _run(workspace, *argv, "-v")  # each finding on its own line
    _clean(result)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "warning: series " in line]
    assert len(notes) == 2, result.stderr
    assert "excluded 1 localizer/scout image(s)" in notes[0]
    assert "pipe.dcm" in notes[1] and "skipped without being opened" in notes[1]
    assert all(line.startswith("recist measure: warning: series 1.") for line in notes)


# ---- identifiers planted in the annotation objects (SR, SEG, RTSTRUCT) ------------------
def _plant(path, **values) -> None:
    """Every element of these keywords, at any depth, holds the given raw bytes (a damaged
    or hostile writer), the patient's name, ID and birth date kept in the header."""
    import pydicom
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    from pydicom.dataelem import RawDataElement
    from pydicom.tag import Tag

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(path)
        dataset.PatientName, dataset.PatientID = PATIENT_NAME, PATIENT_ID
        dataset.PatientBirthDate = BIRTH_DATE
        targets = {tag_for_keyword(k): v for k, v in values.items()}

        def walk(item) -> None:
            for element in list(item):
                if element.VR == "SQ":
                    for child in element.value:
                        walk(child)
            for tag, value in targets.items():
                if tag in item:
                    raw = value.encode() + b" " * (len(value) % 2)
                    item[tag] = RawDataElement(Tag(tag), dictionary_VR(tag), len(raw), raw,
                                               0, False, True)

        walk(dataset)
        dataset.save_as(path)


def _rtstruct(workspace: Workspace, written):
    import pydicom

    from support.annotation_files import write_rtstruct

    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in written.paths]
    header = next(h for h in headers if h.SOPInstanceUID == written.sop_instance_uids[1])
    x, y, z = (float(v) for v in header.ImagePositionPatient)
    square = [x + 2, y + 2, z, x + 8, y + 2, z, x + 8, y + 7, z, x + 2, y + 7, z]
    k = headers.index(header)
    return write_rtstruct(workspace.inputs / "rt.dcm", headers, [(1, "T1", "GTV", [(k, square)])])


def _seg(workspace: Workspace, written):
    from recist.pipeline.sources.seg import export_seg

    return export_seg(workspace.labels(written), workspace.lesions(), written.folder,
                      workspace.inputs / "seg.dcm")


def _sr(workspace: Workspace, written):
    import pandas as pd
    import pydicom

    from dicom_io.sr import ImagePlane
    from recist.pipeline.sources.sr import export_sr

    header = pydicom.dcmread(written.paths[1], stop_before_pixels=True)
    plane = ImagePlane.from_dataset(header)
    ld = plane.pixel_to_patient_mm(np.array([[2.5, 4.5], [12.5, 4.5]]))  # 7 mm
    sa = plane.pixel_to_patient_mm(np.array([[7.5, 2.5], [7.5, 7.5]]))   # 3.5 mm
    row = {"patient_id": "P1", "date": "2024-03-01", "lesion_id": "L1", "kind": "target",
           "organ": "lung", "nodal": False, "status": "measured", "ld_mm": 7.0, "sa_mm": 3.5,
           "sop_instance_uid": header.SOPInstanceUID}
    for prefix, ends in (("ld", ld), ("sa", sa)):
        row.update({f"{prefix}_{a}{i + 1}": float(ends[i][j]) for i in (0, 1)
                    for j, a in enumerate("xyz")})
    return export_sr(pd.DataFrame([row]), written.folder, workspace.inputs / "sr.dcm")[0]


_PLANTED = {  # object, elements planted -> the exit status expected
    "rtstruct-image": ("rtstruct", {"ReferencedSOPInstanceUID": PATIENT_ID,
                                    "SOPInstanceUID": PATIENT_NAME,
                                    "RTROIInterpretedType": BIRTH_DATE}, 2),
    "rtstruct-number": ("rtstruct", {"ROINumber": f"{BIRTH_DATE}x"}, 2),
    "seg-frame": ("seg", {"FrameOfReferenceUID": PATIENT_ID, "SOPInstanceUID": PATIENT_NAME},
                  2),
    "sr-image": ("sr", {"ReferencedSOPInstanceUID": PATIENT_ID,
                        "SOPInstanceUID": PATIENT_NAME}, 2),
    "sr-graphic": ("sr", {"GraphicType": PATIENT_NAME, "NumericValue": f"{BIRTH_DATE}x"}, 2),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(_PLANTED))
def test_identifiers_planted_in_annotation_objects_reach_no_stream(workspace: Workspace,
                                                                   case):
    """Names, IDs and birth dates planted in the UIDs, numbers and codes of an SR, a SEG or
    an RTSTRUCT: ``measure`` refuses in one line (or measures), never printing them."""
    kind, values, status = _PLANTED[case]
    written = workspace.pii_series()
    path = {"rtstruct": _rtstruct, "seg": _seg, "sr": _sr}[kind](workspace, written)
    _plant(path, **values)
    result = _run(workspace, "measure", "--series", written.folder, f"--{kind}", path,
                  "--out", workspace.out("m.csv"))
    _clean(result)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr


def test_a_patients_table_of_a_header_only(workspace: Workspace):
    """make fuzz seed 1007592: an IndexError; a header without rows is a table in which no
    patient is listed (DEC-7: durations from the baseline scan, with a warning each)."""
    result = _run(workspace, "respond", workspace.measurements(), "--patients",
                  workspace.patients("", header="patient_id,start_date"),
                  "--out", workspace.out("r"), "-v")
    _clean(result)
    assert result.returncode == 0, result.stderr
    assert "patient P1: is not in the patients table" in result.stderr
    summary = (workspace.out("r") / "patient_summary.csv").read_text().splitlines()
    # from the baseline scan 2024-01-08 to 2024-03-11: 63 days later, day 64 (day 1 = start)
    assert summary[1].startswith("P1,PR,2024-03-11,,false,2024-03-11,64,")
