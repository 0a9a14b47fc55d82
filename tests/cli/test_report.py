"""``recist report`` on the command line."""

from __future__ import annotations

from recist.cli import main

from support.paths import SAMPLE_DATA as SAMPLE


def test_cli_writes_a_page_per_patient_and_the_cohort(tmp_path, capsys):
    status = main(["report", "--measurements", str(SAMPLE / "measurements_expected.csv"),
                   "--patients", str(SAMPLE / "patients.csv"), "--confirm",
                   "--out", str(tmp_path)])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cohort.html", "patient_LUNG1.html", "patient_LUNG2.html"]
    out = capsys.readouterr().out
    # one summary line (per-patient lines with -v only), no progress bar off a terminal
    assert out.count("\n") == 1
    assert out.startswith("recist report: 2 patient page(s) and cohort.html written to ")
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


def test_cli_protocol_adds_the_eligibility_section(tmp_path, capsys):
    protocols = SAMPLE / "protocols"
    status = main(["report", "--measurements", str(SAMPLE / "measurements_expected.csv"),
                   "--protocol", str(protocols / "oligometastatic_crc_lung.toml"),
                   "--clinical", str(protocols / "clinical_example.csv"),
                   "--out", str(tmp_path)])
    assert status == 0, capsys.readouterr().err
    lung1 = (tmp_path / "patient_LUNG1.html").read_text(encoding="utf-8")
    lung2 = (tmp_path / "patient_LUNG2.html").read_text(encoding="utf-8")
    # clinical_example.csv: LUNG1 meets every criterion; LUNG2 has no consent date (IC-12)
    assert "Verdict: <strong>eligible</strong>" in lung1
    assert "Verdict: <strong>incomplete data</strong>" in lung2
    assert "consent_date not recorded" in lung2
    # the screening patients of the clinical table are not in the measurements: no page
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cohort.html", "patient_LUNG1.html", "patient_LUNG2.html"]


def test_cli_clinical_needs_protocol(tmp_path, capsys):
    status = main(["report", "--measurements", str(SAMPLE / "measurements_expected.csv"),
                   "--clinical", str(SAMPLE / "protocols" / "clinical_example.csv"),
                   "--out", str(tmp_path / "o")])
    assert status == 2 and "--clinical needs --protocol" in capsys.readouterr().err
