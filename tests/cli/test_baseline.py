"""``recist baseline`` in a subprocess: outputs, printed verdicts, exit codes, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from support.paths import SAMPLE_DATA as SAMPLE

PROTOCOLS = SAMPLE / "protocols"


def recist(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recist", "baseline", *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=120)


def test_baseline_with_protocol_writes_tables_and_verdicts(tmp_path):
    combined = tmp_path / "screening.csv"
    pd.concat([pd.read_csv(SAMPLE / "measurements_expected.csv", dtype=str),
               pd.read_csv(PROTOCOLS / "screening_measurements.csv", dtype=str)]
              ).to_csv(combined, index=False)
    out = tmp_path / "out"
    done = recist(combined, "-v", "--out", out, "--protocol",
                  PROTOCOLS / "oligometastatic_crc_lung.toml",
                  "--clinical", PROTOCOLS / "clinical_example.csv")
    assert done.returncode == 0, done.stderr  # ineligible patients are a result
    assert sorted(p.name for p in out.iterdir()) == [
        "eligibility.csv", "findings.csv", "lesions.csv", "patients.csv", "provenance.json"]
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["protocol"]["name"] == "oligometastatic_crc_lung"
    assert provenance["criteria"]["measurable_ld_mm"] == 10.0
    assert provenance["rows"]["eligibility"] == 8 * 12
    findings = pd.read_csv(out / "findings.csv")
    assert set(findings["code"]) == {"non-measurable-target", "new-at-baseline"}
    assert "lesion N1: recorded as new at the baseline time point" in done.stderr
    patients = pd.read_csv(out / "patients.csv").set_index("patient_id")
    assert patients.loc["LUNG1", "baseline_date"] == "2024-01-08"
    assert bool(patients.loc["SCR-06", "selection_valid"]) is False
    eligibility = pd.read_csv(out / "eligibility.csv")
    verdicts = eligibility.drop_duplicates("patient_id").set_index("patient_id")["verdict"]
    assert verdicts.to_dict() == {
        "LUNG1": "eligible", "LUNG2": "incomplete data", "SCR-01": "ineligible",
        "SCR-02": "ineligible", "SCR-03": "ineligible", "SCR-04": "eligible",
        "SCR-05": "incomplete data", "SCR-06": "ineligible"}
    assert "LUNG1 (baseline 2024-01-08): measurable disease yes" in done.stdout
    assert "  eligibility: INELIGIBLE" in done.stdout
    assert "[not met] IC-4" in done.stdout
    assert "problem: target T1 is not measurable" in done.stdout
    assert done.stdout.strip().endswith(f"written to {out}")


def test_baseline_without_protocol(tmp_path):
    done = recist(SAMPLE / "measurements_expected.csv", "--verbose", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "eligibility.csv").exists()
    lesions = pd.read_csv(tmp_path / "lesions.csv")
    assert lesions["lesion_id"].tolist() == ["T1", "T1"]
    assert lesions["category"].tolist() == ["measurable", "measurable"]
    assert "selection valid yes" in done.stdout


def _one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_missing_file_exits_2(tmp_path):
    line = _one_line_error(recist(tmp_path / "nope.csv", "--out", tmp_path / "o"))
    assert line.startswith("recist baseline: error: measurements table") and "nope.csv" in line


def test_contradictory_input_exits_2_naming_patient_date_lesion(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,date,lesion_id,kind,organ,nodal,ld_mm,status\n"
                   "P1,2024-01-10,T1,target,liver,false,20,measured\n"
                   "P1,2024-03-10,T1,target,liver,false,4,absent\n", encoding="utf-8")
    line = _one_line_error(recist(bad, "--out", tmp_path / "o"))
    assert "patient P1, 2024-03-10, lesion T1: status absent but a diameter" in line
    assert not (tmp_path / "o").exists()


def test_clinical_without_protocol_and_bad_protocol(tmp_path):
    line = _one_line_error(recist(SAMPLE / "measurements_expected.csv", "--out", tmp_path,
                                  "--clinical", PROTOCOLS / "clinical_example.csv"))
    assert "--clinical needs --protocol" in line
    toml = tmp_path / "p.toml"
    toml.write_text('[[eligibility]]\nid = "X"\ntext = "t"\ncheck = "magic"\n',
                    encoding="utf-8")
    line = _one_line_error(recist(SAMPLE / "measurements_expected.csv", "--out", tmp_path,
                                  "--protocol", toml))
    assert "unknown check 'magic'" in line and "p.toml" in line


def test_bad_clinical_cell_exits_2(tmp_path):
    clinical = tmp_path / "clinical.csv"
    clinical.write_text("patient_id,ecog\nLUNG1,two\n", encoding="utf-8")
    line = _one_line_error(recist(SAMPLE / "measurements_expected.csv", "--out", tmp_path,
                                  "--protocol", PROTOCOLS / "oligometastatic_crc_lung.toml",
                                  "--clinical", clinical))
    assert "row 2, patient LUNG1, column ecog: 'two' is not a number" in line


def test_criteria_file_overrides_thresholds(tmp_path):
    criteria = tmp_path / "strict.toml"
    criteria.write_text("[criteria]\nmeasurable_ld_mm = 20.0\n", encoding="utf-8")
    done = recist(SAMPLE / "measurements_expected.csv", "--out", tmp_path / "o",
                  "--criteria", criteria, "-v")
    assert done.returncode == 0, done.stderr
    patients = pd.read_csv(tmp_path / "o" / "patients.csv").set_index("patient_id")
    # LUNG1's 16.7 mm lesion is below a 20 mm threshold; LUNG2's 55.9 mm is not.
    assert patients["measurable_disease"].to_dict() == {"LUNG1": False, "LUNG2": True}
    assert "LUNG1 (baseline 2024-01-08): measurable disease no" in done.stdout
