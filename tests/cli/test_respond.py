"""``recist respond`` in a subprocess, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from support.paths import REPO as ROOT

MEASUREMENTS = """patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status
P1,2024-01-02,BL,T1,target,lung,false,30,,measured
P1,2024-01-02,BL,T2,target,lymph node,true,25,20,measured
P1,2024-02-27,W8,T1,target,lung,false,14,,measured
P1,2024-02-27,W8,T2,target,lymph node,true,18,8,measured
P1,2024-04-23,W16,T1,target,lung,false,15,,measured
P1,2024-04-23,W16,T2,target,lymph node,true,17,9,measured
P1,2024-06-18,W24,T1,target,lung,false,25,,measured
P1,2024-06-18,W24,T2,target,lymph node,true,18,9,measured
P2,2024-01-05,BL,N1,non-target,liver,false,,,present
P2,2024-03-01,W8,N1,non-target,liver,false,,,present
"""
PATIENTS = """patient_id,start_date
P1,2024-01-01
P2,2024-01-04
"""


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "recist", "respond", *map(str, args)],
                          check=False, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_respond_writes_tables_and_prints_one_line_per_patient(tmp_path):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    (tmp_path / "p.csv").write_text(PATIENTS)
    done = _run("m.csv", "--patients", "p.csv", "--out", "out", "--confirm",
                "--sd-min-days", "42", "-v", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "P1: confirmed BOR PR, PD 2024-06-18" in done.stdout
    assert "P2: confirmed BOR NON-CR/NON-PD, PD -" in done.stdout
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv")
    p1 = timepoints[timepoints.patient_id == "P1"]
    # 50 -> 22 (PR) -> 24 (PR) -> 34: +10 mm, +45 % over nadir 22 -> PD
    assert list(p1["overall_response"][1:]) == ["PR", "PR", "PD"]
    assert list(p1["sum_mm"]) == [50.0, 22.0, 24.0, 34.0]
    summary = pd.read_csv(tmp_path / "out" / "patient_summary.csv")
    assert "confirmed_bor" in summary.columns
    for name in ("findings.csv", "provenance.json"):
        assert (tmp_path / "out" / name).is_file()


def test_criteria_file_and_flag_override(tmp_path):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    (tmp_path / "c.toml").write_text("[criteria]\nconfirmation = true\n"
                                     "confirmation_min_days = 100\n")
    done = _run("m.csv", "--out", "out", "--criteria", "c.toml", "-v", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # PR on 02-27 and 04-23 are 56 days apart: not confirmed with a 100-day interval
    assert "P1: confirmed BOR SD" in done.stdout
    done = _run("m.csv", "--out", "out", "--criteria", "c.toml", "--confirm-min-days", "28",
                "-v", cwd=tmp_path)
    assert "P1: confirmed BOR PR" in done.stdout


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "m.csv").write_text(MEASUREMENTS.replace("2024-02-27,W8,T1", "2024-02-31,W8,T1"))
    done = _run("m.csv", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("recist respond: error:")
    assert "2024-02-31" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    done = _run("missing.csv", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2 and "missing.csv" in done.stderr
    (tmp_path / "bad.toml").write_text("[criteria]\nconfirmation = 3\n")
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    done = _run("m.csv", "--out", "out", "--criteria", "bad.toml", cwd=tmp_path)
    assert done.returncode == 2 and "confirmation" in done.stderr


def test_out_must_be_a_folder_and_help_works(tmp_path):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    (tmp_path / "taken").write_text("not a folder")
    done = _run("m.csv", "--out", "taken", cwd=tmp_path)
    assert done.returncode == 2 and "is a file" in done.stderr
    assert (tmp_path / "taken").read_text() == "not a folder"
    done = _run("--help", cwd=tmp_path)
    assert done.returncode == 0 and "--confirm-min-days" in done.stdout


def test_notes_are_written_but_never_printed(tmp_path, monkeypatch, capsys):
    # respond's findings go to report_findings whole: it leaves out the notes (severity
    # info) itself, in the one-line count and with -v; findings.csv lists them all
    import dataclasses

    import recist.response
    from recist.cli import main
    from recist.findings import Finding, Severity

    assess = recist.response.respond

    def with_a_note(*args, **kwargs):
        result = assess(*args, **kwargs)
        note = Finding("a-note", "P1: a note", Severity.INFO, patient_id="P1")
        warning = Finding("a-warning", "P1: a warning", patient_id="P1")
        return dataclasses.replace(result, findings=(*result.findings, note, warning))

    monkeypatch.setattr(recist.response, "respond", with_a_note)
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    for verbose in ([], ["-v"]):
        out = tmp_path / f"out{len(verbose)}"
        assert main(["respond", str(tmp_path / "m.csv"), "--out", str(out), *verbose]) == 0
        err = capsys.readouterr().err
        assert "a-warning" in err or "P1: a warning" in err
        assert "a-note" not in err and "a note" not in err
        codes = pd.read_csv(out / "findings.csv")["code"].tolist()
        assert "a-note" in codes and "a-warning" in codes
