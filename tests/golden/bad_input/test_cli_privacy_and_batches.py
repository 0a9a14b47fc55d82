"""Identifying DICOM values never reach a message; a manifest batch fails study by study."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from .conftest import BIRTH_DATE, PATIENT_ID, PATIENT_NAME, REPO, Workspace


def _run(workspace: Workspace, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recist", *map(str, argv)],
                          capture_output=True, text=True, cwd=workspace.root, timeout=60,
                          check=False, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                            "PYTHONPATH": str(REPO)})


def _no_spacing(index, dataset):
    if index == 1:
        del dataset.PixelSpacing


def test_scan_verdict_names_the_file_not_the_patient(workspace: Workspace) -> None:
    written = workspace.pii_series(defect=_no_spacing)
    before = workspace.snapshot()
    result = _run(workspace, "scan", written.folder)
    assert result.returncode == 0, result.stderr  # scanned; the verdict carries the problem
    verdict = result.stdout
    assert "IM0002.dcm" in verdict and "PixelSpacing" in verdict
    assert written.sop_instance_uids[1] in verdict
    # The listing's patient column is the header's PatientID by design (see the report);
    # the name and birth date appear nowhere, and no message on stderr names the patient.
    for secret in (PATIENT_NAME, "Doe", BIRTH_DATE):
        assert secret not in verdict and secret not in result.stderr
    assert PATIENT_ID not in result.stderr
    assert workspace.snapshot() == before


def test_manifest_with_one_bad_study_writes_the_good_one_and_exits_1(
        workspace: Workspace) -> None:
    written = workspace.series()
    workspace.lines(written)
    manifest = workspace.file("manifest.csv", (
        "patient_id,visit,date,series_dir,lines,masks,lesions\n"
        "P1,V0,2024-01-08,ct,lines.csv,,\n"
        "P1,V1,2024-03-11,missing_ct,lines.csv,,\n"))
    before = workspace.snapshot()
    out = workspace.out("m.csv")
    result = _run(workspace, "measure", "--manifest", manifest, "--workers", "1",
                  "--out", out)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "manifest row 3" in errors[0] and "missing_ct" in errors[0]
    assert "1 stud(y/ies) failed" in result.stderr
    table = pd.read_csv(out, dtype=str)
    assert set(table["visit"]) == {"V0"} and set(table["lesion_id"]) == {"T1"}
    # LD of the drawn long axis: 10 x 10 pixels of 0.7 mm = 9.899 mm (±0.001 rounding).
    assert abs(float(table["ld_mm"].iloc[0]) - 0.7 * 10 * 2 ** 0.5) < 1e-3
    assert workspace.snapshot() == before


def test_manifest_where_every_study_fails_writes_nothing(workspace: Workspace) -> None:
    workspace.lines(workspace.series())
    manifest = workspace.file("manifest.csv", (
        "patient_id,visit,date,series_dir,lines,masks,lesions\n"
        "P1,V0,2024-01-08,gone_a,lines.csv,,\n"
        "P1,V1,2024-03-11,gone_b,lines.csv,,\n"))
    result = _run(workspace, "measure", "--manifest", manifest, "--workers", "1",
                  "--out", workspace.out("m.csv"))
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 2 and "gone_a" in errors[0] and "gone_b" in errors[1]
    assert "nothing written" in errors[1]
    assert workspace.written_outputs() == []
