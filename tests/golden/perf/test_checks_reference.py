"""The checks give the findings of the checks before issue 15's vectorisation (commit
c0985a8), on tables other than the messy cohort of ``test_checks_equivalence``:

* the sample cohort (``sample_data/cohort``) and a 400-patient benchmark cohort, input
  and time point checks through ``respond``;
* a benchmark cohort damaged where the target selection and lesion identity checks look:
  six or more targets, three targets in one organ, paired organs, missing organs,
  fragments of one lesion at baseline, normal and pathological nodes, a measurable
  lesion without any target, organs renamed at follow-up, nodal flags flipped, kinds
  changed, equivocal new lesions, slice thickness changed, CR followed by PR.

``data/findings_reference.csv.gz`` holds those findings (code, message, severity,
patient, date, visit, lesion, rule -- in order), written by that commit with ``python
tests/golden/perf/test_checks_reference.py``. Regenerate it only for an intended change
of a check, never for speed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from recist.checks import run_input_checks
from recist.criteria import RECIST_1_1
from recist.findings import findings_frame
from recist.patients import normalise_patients
from recist.response import respond
from recist.table import normalise_measurements

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]  # not support.paths: this file also runs as a script
GOLDEN = HERE / "data" / "findings_reference.csv.gz"
CRITERIA = RECIST_1_1.replace(confirmation=True)
TODAY = "2026-01-01"


def _make_cohort(n_patients: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = importlib.util.spec_from_file_location("respond_cohort_reference",
                                                  REPO / "benchmarks" / "respond_cohort.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_cohort(n_patients, seed=seed)


def damaged_cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 300-patient benchmark cohort, damaged where the selection checks look."""
    raw, patients = _make_cohort(300, seed=515)
    rng = np.random.default_rng(515)
    raw = raw.reset_index(drop=True)
    baseline = raw["visit"].to_numpy(dtype=object) == "V0"
    patient = raw["patient_id"].to_numpy(dtype=object)
    kind = raw["kind"].to_numpy(dtype=object).copy()
    organ = raw["organ"].to_numpy(dtype=object).copy()
    nodal = raw["nodal"].to_numpy(dtype=object).copy()
    status = raw["status"].to_numpy(dtype=object).copy()
    ld = raw["ld_mm"].to_numpy(dtype=object).copy()
    sa = raw["sa_mm"].to_numpy(dtype=object).copy()
    thickness = raw["slice_thickness_mm"].to_numpy(dtype=object).copy()
    pick = rng.random(len(raw))
    organ[(pick < 0.03)] = rng.choice(["left lung", "right lung", "lung", "liver", None,
                                       "Liver ", "kidney", "left kidney"], (pick < 0.03).sum())
    nodal[(pick > 0.1) & (pick < 0.11)] = "true"
    sa[(pick > 0.1) & (pick < 0.105)] = rng.choice(["8.0", "12.5", "16", "9.99"],
                                                    ((pick > 0.1) & (pick < 0.105)).sum())
    promoted = (pick > 0.2) & (pick < 0.23) & baseline & (kind == "non-target")
    kind[promoted], status[promoted] = "target", "measured"
    ld[promoted] = rng.choice(["4.0", "11.0", "25.5", ""], promoted.sum())
    demoted = (pick > 0.3) & (pick < 0.31) & ~baseline & (kind == "target")
    kind[demoted], status[demoted] = "non-target", "present"
    status[(pick > 0.4) & (pick < 0.402) & (kind == "target")] = "too_small"
    thickness[(pick > 0.5) & (pick < 0.51)] = rng.choice(["5.0", "7.5", ""],
                                                          ((pick > 0.5) & (pick < 0.51)).sum())
    untargeted = np.isin(patient, ["S00004", "S00017", "S00120"])
    kind[untargeted & (kind == "target")] = "non-target"
    status[untargeted & (kind == "non-target")] = "present"
    raw = raw.assign(kind=kind, organ=organ, nodal=nodal, status=status, ld_mm=ld, sa_mm=sa,
                     slice_thickness_mm=thickness)
    # fragments: a second baseline row of some targets (diameters add, SUM-5)
    fragments = raw[baseline & (kind == "target") & (pick > 0.6) & (pick < 0.65)].assign(
        ld_mm="3.5")
    return pd.concat([raw, fragments], ignore_index=True), patients


def all_findings() -> pd.DataFrame:
    findings = []
    for measurements_csv, patients_csv in (
            (REPO / "sample_data" / "cohort" / "measurements.csv",
             REPO / "sample_data" / "cohort" / "patients.csv"),):
        raw = pd.read_csv(measurements_csv, dtype=str, keep_default_na=False)
        patients_raw = pd.read_csv(patients_csv, dtype=str, keep_default_na=False)
        findings += respond(normalise_measurements(raw), normalise_patients(patients_raw),
                            CRITERIA).findings
    raw, patients_raw = _make_cohort(400, seed=616)  # time point checks (CR then PR, ...)
    findings += respond(normalise_measurements(raw), normalise_patients(patients_raw),
                        CRITERIA).findings
    raw, patients_raw = damaged_cohort()
    measurements = normalise_measurements(raw)
    patients = normalise_patients(patients_raw)
    findings += run_input_checks(measurements, CRITERIA, patients=patients, today=TODAY)
    return findings_frame(findings).astype(object).where(lambda f: f.notna(), "")


def test_findings_equal_those_of_the_checks_before_issue_15():
    got = all_findings()
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False)
    assert list(got.columns) == list(golden.columns)
    assert len(set(golden["code"])) >= 12, set(golden["code"])  # many checks reached
    assert len(got) == len(golden)
    for column in golden.columns:
        differ = np.flatnonzero(got[column].astype(str).to_numpy() != golden[column].to_numpy())
        assert len(differ) == 0, (column, got.iloc[differ[:3]].to_dict("records"),
                                  golden.iloc[differ[:3]].to_dict("records"))


if __name__ == "__main__":  # regenerate the golden file (an intended change of a check)
    all_findings().to_csv(GOLDEN, index=False)
    print(f"wrote {GOLDEN}")
