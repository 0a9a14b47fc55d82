"""``recist report`` on the command line."""

from __future__ import annotations

from pathlib import Path

from recist.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def test_cli_writes_a_page_per_patient_and_the_cohort(tmp_path, capsys):
    status = main(["report", "--measurements", str(SAMPLE / "measurements_expected.csv"),
                   "--patients", str(SAMPLE / "patients.csv"), "--confirm",
                   "--out", str(tmp_path)])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cohort.html", "patient_LUNG1.html", "patient_LUNG2.html"]
    out = capsys.readouterr().out
    assert "LUNG1: " in out and "cohort.html written" in out
    page = (tmp_path / "patient_LUNG1.html").read_text(encoding="utf-8")
    assert "Confirmed BOR" in page and "confirmation" in page  # criteria changed


def test_cli_missing_input_is_one_line_exit_2(tmp_path, capsys):
    status = main(["report", "--measurements", str(tmp_path / "none.csv"),
                   "--out", str(tmp_path / "out")])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("recist report: error:") and "none.csv" in err
    assert "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_overlays_must_be_a_folder(tmp_path, capsys):
    status = main(["report", "--measurements", str(SAMPLE / "measurements_expected.csv"),
                   "--overlays", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    assert status == 2
    assert "--overlays" in capsys.readouterr().err
