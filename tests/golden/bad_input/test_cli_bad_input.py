"""Every ``recist`` sub-command refuses bad input with one clear line and exit status 2.

Table-driven: each case builds tiny inputs in a temporary folder, runs
``python -m recist ...`` in a subprocess and asserts the exit status, exactly one line on
stderr with the key words of the message, no traceback, no identifying DICOM value, the
inputs unchanged and no output file written.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from dicom_io.testing import truncate_file

from .conftest import (
    IDENTIFYING,
    LINES_HEADER,
    MEASUREMENTS_HEADER,
    REPO,
    SAMPLE,
    Workspace,
)


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Workspace], list]
    words: tuple[str, ...]
    status: int = 2


def _any_lines(ws: Workspace) -> str:
    """A well-formed lines CSV (the series is what is wrong in these cases)."""
    return str(ws.file("lines.csv", LINES_HEADER + "\n" + BAD_LINE.format(uid="1.2.3.4") + "\n"))


def _m(ws: Workspace) -> str:
    return str(ws.measurements())


def _truncated_series(ws: Workspace, fraction: float, index: int = 1):
    written = ws.series()
    truncate_file(written.paths[index], fraction)
    return written


def _no_spacing(index, dataset):
    if index == 1:
        del dataset.PixelSpacing


def _pii_lines(ws: Workspace, defect=_no_spacing) -> list:
    written = ws.pii_series(defect=defect)
    return ["measure", "--series", str(written.folder), "--lines", str(ws.lines(written)),
            "--out", str(ws.out("m.csv"))]


def _measure_lines(ws: Workspace, *rows: str, written=None) -> list:
    written = written or ws.series()
    return ["measure", "--series", str(written.folder),
            "--lines", str(ws.lines(written, *rows)), "--out", str(ws.out("m.csv"))]


def _measure_masks(ws: Workspace, shape=None, lesion_rows=(), lesion_header=None,
                   written=None) -> list:
    written = written or ws.series()
    kwargs = {"header": lesion_header} if lesion_header else {}
    return ["measure", "--series", str(written.folder),
            "--masks", str(ws.labels(written, shape=shape)),
            "--lesions", str(ws.lesions(*lesion_rows, **kwargs)), "--out", str(ws.out("m.csv"))]


def _uid(ws: Workspace) -> str:
    return ws.series().sop_instance_uids[1]


def _manifest(ws: Workspace, row: str,
              header: str = "patient_id,visit,date,series_dir,lines,masks,lesions") -> list:
    return ["measure", "--manifest", str(ws.file("manifest.csv", f"{header}\n{row}\n")),
            "--workers", "1", "--out", str(ws.out("m.csv"))]


def _good_manifest_row(ws: Workspace, date: str = "2024-01-08") -> str:
    written = ws.series()
    ws.lines(written)
    return f"P1,V0,{date},ct,lines.csv,,"


BAD_LINE = "T1,target,lung,false,long,{uid},2.5,2.5,12.5,12.5"

CASES = [
    # ---- scan ---------------------------------------------------------------------------
    Case("scan-missing-path", lambda ws: ["scan", str(ws.missing("nowhere"))],
         ("does not exist",)),
    Case("scan-empty-folder", lambda ws: ["scan", str(ws.folder("empty"))], ("no dicom",)),
    Case("scan-random-dcm", lambda ws: ["scan", str(ws.random("noise.dcm"))], ("noise.dcm",)),
    Case("scan-random-zip", lambda ws: ["scan", str(ws.random("noise.zip"))], ("noise.zip",)),
    Case("scan-truncated-header-file",
         lambda ws: ["scan", str(truncate_file(ws.series().paths[0], 0.05))], ("im0001.dcm",)),
    # ---- measure: lines -----------------------------------------------------------------
    Case("measure-series-missing",
         lambda ws: ["measure", "--series", str(ws.missing("ct")), "--lines",
                     _any_lines(ws), "--out", str(ws.out("m.csv"))],
         ("does not exist",)),
    Case("measure-series-random-file",
         lambda ws: ["measure", "--series", str(ws.random("noise.dcm")), "--lines",
                     _any_lines(ws), "--out", str(ws.out("m.csv"))],
         ("noise.dcm",)),
    Case("measure-no-annotations",
         lambda ws: ["measure", "--series", str(ws.series().folder),
                     "--out", str(ws.out("m.csv"))], ("--lines",)),
    Case("measure-lines-is-folder",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--lines",
                     str(ws.folder("lines.csv")), "--out", str(ws.out("m.csv"))],
         ("lines.csv",)),
    Case("measure-lines-empty",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--lines",
                     str(ws.file("lines.csv")), "--out", str(ws.out("m.csv"))],
         ("lines.csv", "empty")),
    Case("measure-lines-random-bytes",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--lines",
                     str(ws.random("lines.csv")), "--out", str(ws.out("m.csv"))],
         ("lines.csv",)),
    Case("measure-lines-missing-column",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--lines",
                     str(ws.file("lines.csv", "lesion_id,kind,axis,x1,y1,x2,y2\n"
                                 "T1,target,long,1,1,5,5\n")), "--out", str(ws.out("m.csv"))],
         ("lines.csv", "sop_instance_uid")),
    Case("measure-lines-wrong-type",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid=_uid(ws)).replace("2.5,2.5",
                                                                             "abc,2.5")),
         ("lines.csv", "x1", "abc")),
    Case("measure-lines-uid-not-in-series",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid="1.2.3.4.5.6.7")),
         ("1.2.3.4.5.6.7",)),
    Case("measure-lines-duplicate-row",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid=_uid(ws)),
                                   BAD_LINE.format(uid=_uid(ws))),
         ("t1", "long")),
    Case("measure-lines-bad-axis",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid=_uid(ws)).replace("long", "diag")),
         ("lines.csv", "diag")),
    Case("measure-lines-outside-image",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid=_uid(ws)).replace("12.5,12.5",
                                                                             "900,12.5")),
         ("t1",)),
    Case("measure-lines-short-axis-only",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid=_uid(ws)).replace("long", "short")),
         ("lines.csv", "row 2", "t1", "no long axis")),
    Case("measure-lines-bad-kind",
         lambda ws: _measure_lines(ws, BAD_LINE.format(uid=_uid(ws)).replace("target",
                                                                             "tumour")),
         ("lines.csv", "row 2", "tumour")),
    Case("measure-series-truncated-pixels",
         lambda ws: ["measure", "--series", str(_truncated_series(ws, 0.9).folder), "--lines",
                     _any_lines(ws), "--out", str(ws.out("m.csv"))],
         ("im0002.dcm",)),
    Case("measure-series-truncated-header",
         lambda ws: ["measure", "--series", str(_truncated_series(ws, 0.05).folder),
                     "--lines", _any_lines(ws),
                     "--out", str(ws.out("m.csv"))],
         ("im0002.dcm",)),
    Case("measure-series-truncated-mid-header",
         lambda ws: ["measure", "--series", str(_truncated_series(ws, 0.3).folder),
                     "--lines", _any_lines(ws), "--out", str(ws.out("m.csv"))],
         ("im0002.dcm", "truncated")),
    Case("measure-series-uid-absent",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--series-uid",
                     "1.2.3.999", "--lines", _any_lines(ws), "--out", str(ws.out("m.csv"))],
         ("1.2.3.999",)),
    Case("measure-impossible-study-date",
         lambda ws: _measure_lines(ws, written=ws.series(study_date="20240230")),
         ("studydate", "20240230", "calendar date")),
    Case("measure-pii-no-pixel-spacing", _pii_lines, ("pixelspacing",)),
    Case("measure-out-parent-is-file",
         lambda ws: [*_measure_lines(ws)[:-1], str(ws.out_under_file("m.csv"))],
         ("blocker.txt",)),
    Case("measure-out-is-folder",
         lambda ws: [*_measure_lines(ws)[:-1], str(ws.folder("outdir"))], ("outdir",)),
    # ---- measure: masks -----------------------------------------------------------------
    Case("measure-masks-random-nrrd",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--masks",
                     str(ws.random("labels.nrrd")), "--lesions", str(ws.lesions()),
                     "--out", str(ws.out("m.csv"))], ("labels.nrrd",)),
    Case("measure-masks-wrong-size", lambda ws: _measure_masks(ws, shape=(3, 9, 9)),
         ("labels.nrrd", "--resample")),
    Case("measure-lesions-label-absent",
         lambda ws: _measure_masks(ws, lesion_rows=("7,T1,target,lung,false",)),
         ("7", "t1")),
    Case("measure-pii-lesions-label-absent",
         lambda ws: _measure_masks(ws, lesion_rows=("7,T1,target,lung,false",),
                                   written=ws.pii_series()),
         ("label 7", "t1", "series")),
    Case("measure-lesions-missing-column",
         lambda ws: _measure_masks(ws, lesion_rows=("1,T1",), lesion_header="label,lesion_id"),
         ("lesions.csv", "kind")),
    # ---- measure: manifest --------------------------------------------------------------
    Case("measure-manifest-missing",
         lambda ws: ["measure", "--manifest", str(ws.missing("manifest.csv")),
                     "--out", str(ws.out("m.csv"))], ("manifest.csv",)),
    Case("measure-manifest-missing-column",
         lambda ws: _manifest(ws, "P1,V0,ct", header="patient_id,visit,series_dir"),
         ("manifest.csv", "date")),
    Case("measure-manifest-impossible-date",
         lambda ws: _manifest(ws, _good_manifest_row(ws, "2024-02-30")),
         ("manifest.csv", "2024-02-30")),
    Case("measure-manifest-series-nowhere",
         lambda ws: _manifest(ws, "P1,V0,2024-01-08,nowhere,lines.csv,,"
                                  if _any_lines(ws) else ""),
         ("nowhere",)),
    Case("measure-manifest-workers-zero",
         lambda ws: ["measure", "--manifest", str(ws.missing("manifest.csv")), "--workers", "0",
                     "--out", str(ws.out("m.csv"))], ("--workers", "0")),
    # ---- measure: SR / SEG / RTSTRUCT ---------------------------------------------------
    Case("measure-sr-is-ct",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--sr",
                     str(ws.series().paths[0]), "--out", str(ws.out("m.csv"))],
         ("im0001.dcm",)),
    Case("measure-sr-random",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--sr",
                     str(ws.random("report.dcm")), "--out", str(ws.out("m.csv"))],
         ("report.dcm", "not a dicom file")),
    Case("measure-seg-is-ct",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--seg",
                     str(ws.series().paths[0]), "--out", str(ws.out("m.csv"))],
         ("im0001.dcm",)),
    Case("measure-rtstruct-is-ct",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--rtstruct",
                     str(ws.series().paths[0]), "--out", str(ws.out("m.csv"))],
         ("im0001.dcm",)),
    Case("measure-seg-random",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--seg",
                     str(ws.random("seg.dcm")), "--out", str(ws.out("m.csv"))],
         ("seg.dcm", "not a dicom file")),
    Case("measure-rtstruct-random",
         lambda ws: ["measure", "--series", str(ws.series().folder), "--rtstruct",
                     str(ws.random("rs.dcm")), "--out", str(ws.out("m.csv"))],
         ("rs.dcm", "not a dicom file")),
    # ---- baseline -----------------------------------------------------------------------
    Case("baseline-missing", lambda ws: ["baseline", str(ws.missing("m.csv")), "--out",
                                         str(ws.out("b"))], ("m.csv",)),
    Case("baseline-is-folder", lambda ws: ["baseline", str(ws.folder("m.csv")), "--out",
                                           str(ws.out("b"))], ("m.csv",)),
    Case("baseline-empty", lambda ws: ["baseline", str(ws.file("m.csv")), "--out",
                                       str(ws.out("b"))], ("m.csv", "empty")),
    Case("baseline-random-bytes", lambda ws: ["baseline", str(ws.random("m.csv")), "--out",
                                              str(ws.out("b"))], ("m.csv",)),
    Case("baseline-header-only",
         lambda ws: ["baseline", str(ws.file("m.csv", MEASUREMENTS_HEADER + "\n")),
                     "--out", str(ws.out("b"))], ("m.csv", "no rows")),
    Case("baseline-missing-columns",
         lambda ws: ["baseline", str(ws.file("m.csv", "patient_id,date\nP1,2024-01-08\n")),
                     "--out", str(ws.out("b"))], ("m.csv", "lesion_id")),
    Case("baseline-wrong-type",
         lambda ws: ["baseline", str(ws.measurements(
             "P1,2024-01-08,V0,T1,target,lung,false,abc,,measured,5.0")),
             "--out", str(ws.out("b"))], ("measurements.csv", "ld_mm", "abc")),
    Case("baseline-impossible-date",
         lambda ws: ["baseline", str(ws.measurements(
             "P1,2024-02-30,V0,T1,target,lung,false,20.0,,measured,5.0")),
             "--out", str(ws.out("b"))], ("measurements.csv", "2024-02-30")),
    # A target row written twice would count the lesion twice as split-lesion fragments
    # (SUM-5): refused (DEC-18). Equal fragments told apart by another column are accepted
    # with one warning, counted in one line (printed whole with -v).
    Case("baseline-duplicate-rows-refused",
         lambda ws: ["baseline", str(ws.measurements(*(GOOD_ROW0,) * 2)),
                     "--out", str(ws.out("b"))],
         ("lesion t1", "2 rows of this target are identical in every column"), 2),
    Case("baseline-equal-fragments-warn",
         lambda ws: ["baseline", str(ws.measurements(GOOD_ROW0 + ",upper", GOOD_ROW0 + ",lower",
                                                     header=MEASUREMENTS_HEADER + ",note")),
                     "--out", str(ws.out("b")), "-v"], ("lesion t1", "told apart by note"), 0),
    Case("baseline-equal-fragments-counted",
         lambda ws: ["baseline", str(ws.measurements(GOOD_ROW0 + ",upper", GOOD_ROW0 + ",lower",
                                                     header=MEASUREMENTS_HEADER + ",note")),
                     "--out", str(ws.out("b"))],
         ("findings: 1 warning (equal-fragments 1)", "findings.csv", "-v prints each"), 0),
    Case("baseline-protocol-random-toml",
         lambda ws: ["baseline", _m(ws), "--protocol", str(ws.random("p.toml")),
                     "--out", str(ws.out("b"))], ("p.toml",)),
    Case("baseline-criteria-unknown-key",
         lambda ws: ["baseline", _m(ws), "--criteria",
                     str(ws.file("c.toml", "[criteria]\nmax_targets_totl = 5\n")),
                     "--out", str(ws.out("b"))], ("c.toml", "max_targets_totl")),
    Case("baseline-criteria-wrong-type",
         lambda ws: ["baseline", _m(ws), "--criteria",
                     str(ws.file("c.toml", "[criteria]\nconfirmation = \"maybe\"\n")),
                     "--out", str(ws.out("b"))], ("c.toml", "confirmation")),
    Case("baseline-clinical-without-protocol",
         lambda ws: ["baseline", _m(ws), "--clinical", str(ws.file("cl.csv", "patient_id\n")),
                     "--out", str(ws.out("b"))], ("--protocol",)),
    Case("baseline-out-parent-is-file",
         lambda ws: ["baseline", _m(ws), "--out", str(ws.out_under_file("b"))],
         ("blocker.txt",)),
    # ---- respond ------------------------------------------------------------------------
    Case("respond-bad-kind",
         lambda ws: ["respond", str(ws.measurements(
             "P1,2024-01-08,V0,T1,tumour,lung,false,20.0,,measured,5.0")),
             "--out", str(ws.out("r"))], ("measurements.csv", "tumour")),
    # start_date may be missing (DEC-7): durations from the baseline scan, one warning
    # (printed whole with -v).
    Case("respond-patients-no-start-date-warn",
         lambda ws: ["respond", _m(ws), "--patients", str(ws.patients("P1,A", header=
                     "patient_id,arm")), "--out", str(ws.out("r")), "-v"],
         ("patient p1", "start_date is empty"), 0),
    Case("respond-patients-impossible-date",
         lambda ws: ["respond", _m(ws), "--patients", str(ws.patients("P1,2024-02-30,A")),
                     "--out", str(ws.out("r"))], ("patients.csv", "2024-02-30")),
    Case("respond-death-before-start",
         lambda ws: ["respond", _m(ws), "--patients", str(ws.patients(
             "P1,2024-01-15,2023-12-01", header="patient_id,start_date,death_date")),
             "--out", str(ws.out("r"))], ("patients.csv", "death_date", "p1")),
    Case("respond-last-contact-before-start",
         lambda ws: ["respond", _m(ws), "--patients", str(ws.patients(
             "P1,2024-01-15,2023-12-01", header="patient_id,start_date,last_contact_date")),
             "--out", str(ws.out("r"))], ("patients.csv", "last_contact_date", "p1")),
    Case("respond-patients-duplicate",
         lambda ws: ["respond", _m(ws), "--patients",
                     str(ws.patients("P1,2024-01-15,A", "P1,2024-01-16,A")),
                     "--out", str(ws.out("r"))], ("patients.csv", "p1")),
    Case("respond-criteria-random-toml",
         lambda ws: ["respond", _m(ws), "--criteria", str(ws.random("c.toml")),
                     "--out", str(ws.out("r"))], ("c.toml",)),
    Case("respond-negative-days",
         lambda ws: ["respond", _m(ws), "--confirm-min-days", "-5", "--out", str(ws.out("r"))],
         ("-5",)),
    Case("respond-out-parent-is-file",
         lambda ws: ["respond", _m(ws), "--out", str(ws.out_under_file("r"))],
         ("blocker.txt",)),
    Case("baseline-out-is-a-file",
         lambda ws: ["baseline", _m(ws), "--out", str(ws.file("b.txt", "x"))],
         ("b.txt", "is a file")),
    # ---- report -------------------------------------------------------------------------
    Case("report-missing", lambda ws: ["report", "--measurements", str(ws.missing("m.csv")),
                                       "--out", str(ws.out("h"))], ("m.csv",)),
    Case("report-overlays-missing",
         lambda ws: ["report", "--measurements", _m(ws), "--overlays",
                     str(ws.missing("overlays")), "--out", str(ws.out("h"))], ("overlays",)),
    Case("report-protocol-unknown-key",
         lambda ws: ["report", "--measurements", _m(ws), "--protocol",
                     str(ws.file("p.toml", "[protocl]\nname = 'x'\n")),
                     "--out", str(ws.out("h"))], ("p.toml", "protocl")),
    Case("report-out-parent-is-file",
         lambda ws: ["report", "--measurements", _m(ws), "--out", str(ws.out_under_file("h"))],
         ("blocker.txt",)),
    # ---- export-sr ----------------------------------------------------------------------
    Case("export-sr-no-provenance",
         lambda ws: ["export-sr", _m(ws), "--series", str(ws.series().folder),
                     "--out", str(ws.out("sr.dcm"))], ("measurements.csv", "sop_instance_uid")),
    Case("export-sr-series-missing",
         lambda ws: ["export-sr", str(ws.copy(SAMPLE / "measurements_expected.csv")),
                     "--series", str(ws.missing("ct")), "--out", str(ws.out("sr.dcm"))],
         ("does not exist",)),
    Case("export-sr-uids-not-in-series",
         lambda ws: ["export-sr", str(ws.copy(SAMPLE / "measurements_expected.csv")),
                     "--series", str(ws.series().folder), "--out", str(ws.out("sr.dcm"))],
         ("measurements_expected.csv",)),
    Case("export-sr-out-parent-is-file",
         lambda ws: ["export-sr", _m(ws), "--series", str(ws.series().folder),
                     "--out", str(ws.out_under_file("sr.dcm"))], ("blocker.txt",)),
    # ---- sdtm-in ------------------------------------------------------------------------
    Case("sdtm-in-tu-missing",
         lambda ws: ["sdtm-in", str(ws.missing("tu.csv")), str(ws.copy(SAMPLE / "cohort/tr.csv")),
                     "--out", str(ws.out("m.csv"))], ("tu.csv",)),
    Case("sdtm-in-random-xpt",
         lambda ws: ["sdtm-in", str(ws.random("tu.xpt")), str(ws.random("tr.xpt")),
                     "--out", str(ws.out("m.csv"))], ("tu.xpt",)),
    Case("sdtm-in-tu-missing-columns",
         lambda ws: ["sdtm-in", str(ws.file("tu.csv", "USUBJID,TULNKID\nS1,T01\n")),
                     str(ws.copy(SAMPLE / "cohort/tr.csv")), "--out", str(ws.out("m.csv"))],
         ("tu.csv",)),
    Case("sdtm-in-tr-impossible-date",
         lambda ws: ["sdtm-in", str(ws.copy(SAMPLE / "cohort/tu.csv")),
                     str(ws.file("tr.csv", _tr_with_date("2022-02-30"))),
                     "--out", str(ws.out("m.csv"))], ("tr.csv", "2022-02-30")),
    Case("sdtm-in-link-nowhere",
         lambda ws: ["sdtm-in", str(ws.copy(SAMPLE / "cohort/tu.csv")),
                     str(ws.file("tr.csv", _tr_with_link("T99"))),
                     "--out", str(ws.out("m.csv"))], ("tr.csv", "t99")),
    Case("sdtm-in-patients-out-without-dm",
         lambda ws: ["sdtm-in", str(ws.copy(SAMPLE / "cohort/tu.csv")),
                     str(ws.copy(SAMPLE / "cohort/tr.csv")), "--out", str(ws.out("m.csv")),
                     "--patients-out", str(ws.out("p.csv"))], ("--dm",)),
    Case("sdtm-in-out-parent-is-file",
         lambda ws: ["sdtm-in", str(ws.copy(SAMPLE / "cohort/tu.csv")),
                     str(ws.copy(SAMPLE / "cohort/tr.csv")),
                     "--out", str(ws.out_under_file("m.csv"))], ("blocker.txt",)),
    # ---- sdtm-out -----------------------------------------------------------------------
    Case("sdtm-out-patients-bad-date",
         lambda ws: ["sdtm-out", _m(ws), "--patients", str(ws.patients("P1,15/01/2024,A")),
                     "--out", str(ws.out("s"))], ("patients.csv", "15/01/2024")),
    Case("sdtm-out-random-bytes",
         lambda ws: ["sdtm-out", str(ws.random("m.csv")), "--out", str(ws.out("s"))],
         ("m.csv",)),
    # ---- summary ------------------------------------------------------------------------
    Case("summary-patients-empty",
         lambda ws: ["summary", _m(ws), "--patients", str(ws.file("patients.csv")),
                     "--out", str(ws.out("s"))], ("patients.csv", "empty")),
    Case("summary-out-parent-is-file",
         lambda ws: ["summary", _m(ws), "--patients", str(ws.patients()),
                     "--out", str(ws.out_under_file("s"))], ("blocker.txt",)),
    # ---- plot ---------------------------------------------------------------------------
    Case("plot-timepoints-missing",
         lambda ws: ["plot", "spider", "--timepoints", str(ws.missing("tp.csv")),
                     "--out", str(ws.out("f.png"))], ("tp.csv",)),
    Case("plot-timepoints-wrong-table",
         lambda ws: ["plot", "spider", "--timepoints", _m(ws), "--out", str(ws.out("f.png"))],
         ("measurements.csv", "pct_from_baseline", "timepoints.csv")),
    Case("plot-waterfall-needs-timepoints",
         lambda ws: ["plot", "waterfall", "--out", str(ws.out("f.png"))], ("--timepoints",)),
    Case("plot-summary-wrong-table",
         lambda ws: ["plot", "km", "--summary", _m(ws), "--out", str(ws.out("f.png"))],
         ("measurements.csv", "bor", "patient_summary.csv")),
    Case("plot-lesions-unknown-patient",
         lambda ws: ["plot", "lesions", "--measurements", _m(ws), "--patient", "P9",
                     "--out", str(ws.out("f.png"))], ("p9",)),
    Case("plot-bad-extension",
         lambda ws: ["plot", "lesions", "--measurements", _m(ws), "--patient", "P1",
                     "--out", str(ws.out("f.jpg"))], ("f.jpg",)),
    # ---- demo ---------------------------------------------------------------------------
    Case("demo-data-missing",
         lambda ws: ["demo", "--data", str(ws.missing("data")), "--out", str(ws.out("d"))],
         ("data",)),
]

GOOD_ROW0 = "P1,2024-01-08,V0,T1,target,lung,false,20.0,,measured,5.0"


def _tr_with_date(date: str) -> str:
    lines = (SAMPLE / "cohort/tr.csv").read_text().splitlines()
    first = lines[1].split(",")
    first[-1] = date
    return "\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n"


def _tr_with_link(link: str) -> str:
    lines = (SAMPLE / "cohort/tr.csv").read_text().splitlines()
    first = lines[1].split(",")
    first[5] = link
    return "\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n"


def _error_lines(stderr: str) -> list[str]:
    """stderr lines without progress bars."""
    return [line for line in stderr.replace("\r", "\n").splitlines()
            if line.strip() and "%|" not in line]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_clearly(case: Case, workspace: Workspace) -> None:
    argv = [str(a) for a in case.argv(workspace)]
    before = workspace.snapshot()
    result = subprocess.run([sys.executable, "-m", "recist", *argv], capture_output=True,
                            text=True, cwd=workspace.root, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                 "PYTHONPATH": str(REPO)})
    lines = _error_lines(result.stderr)
    assert result.returncode == case.status, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert len(lines) == 1, result.stderr  # the one error (or warning) line
    message = lines[0].lower()
    for word in case.words:
        assert word.lower() in message, f"{word!r} not in {lines[0]!r}"
    for secret in IDENTIFYING:
        assert secret not in result.stderr and secret not in result.stdout
    assert workspace.snapshot() == before, "an input file was changed"
    if case.status != 0:
        assert workspace.written_outputs() == [], "a failed command left output behind"
