"""Generate the synthetic trial cohort in this folder, deterministically.

The trial of docs/README.md, simulated: colorectal cancer patients with 1–5 lung metastases
after no evidence of disease, 60 patients randomised 1:1 to "Deferred therapy" (local
destructive treatment, systemic therapy deferred) or "Immediate therapy", CT every 8
weeks from the start date. The mix: responses (some complete), stable disease,
progression by target growth, by non-target progression or by a new lesion (a few first
equivocal, confirmed at the next scan), deaths with and without progression, dropouts,
missed and unscheduled visits, lesions not evaluated, too small to measure, a split
lesion and merged lesions, a few mediastinal lymph nodes (nodal targets, short axis).

Outputs (small, committed): ``measurements.csv`` and ``patients.csv`` (docs/tables.md
formats) and SDTM ``tu``, ``tr``, ``dm`` as ``.csv`` and ``.xpt`` (via
``recist.cdisc.sdtm_out``). Run ``python sample_data/cohort/make_cohort.py`` (same
bytes every time: ``numpy.random.default_rng(SEED)``, no clock).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from recist.criteria import RECIST_1_1 as CRITERIA

SEED = 20240601
N_PATIENTS = 60
ARMS = ("Deferred therapy", "Immediate therapy")
VISIT_INTERVAL_DAYS = 56
DATA_CUTOFF = pd.Timestamp("2025-06-30")
STUDYID = "CRC-LUNG-OLIGO"
XPT_CREATED = "30JUN25:00:00:00"  # fixed XPT header date-time: reproducible bytes

# Per-arm probabilities of the patient's underlying course.
COURSES = ("complete", "partial", "stable", "slow_growth", "fast_growth", "new_lesion",
           "nontarget_pd")
COURSE_PROBABILITIES = {
    "Deferred therapy": (0.05, 0.12, 0.33, 0.20, 0.10, 0.15, 0.05),
    "Immediate therapy": (0.10, 0.25, 0.30, 0.12, 0.06, 0.12, 0.05),
}


def _lesions(rng: np.random.Generator, patient: str) -> list[dict]:
    """Baseline lesions: 1–5 lung metastases (≤ 2 targets, R11 4.2), maybe one node."""
    n_lung = int(rng.choice([1, 2, 3, 4, 5], p=[0.3, 0.3, 0.2, 0.12, 0.08]))
    lesions = []
    sizes = np.sort(rng.uniform(10.0, 32.0, n_lung))[::-1]
    for index, size in enumerate(sizes):
        is_target = index < 2
        lesions.append({
            "lesion_id": f"T{index + 1:02d}" if is_target else f"NT{index - 1:02d}",
            "kind": "target" if is_target else "non-target", "organ": "lung",
            "laterality": str(rng.choice(["LEFT", "RIGHT"])), "nodal": False,
            "size": float(round(size, 1)) if is_target else np.nan,
        })
    if rng.random() < 0.15:
        node_targets = sum(1 for le in lesions if le["kind"] == "target")
        lesions.append({
            "lesion_id": f"T{node_targets + 1:02d}", "kind": "target",
            "organ": "mediastinal lymph node", "laterality": "", "nodal": True,
            "size": float(round(rng.uniform(15.0, 24.0), 1)),
        })
    if rng.random() < 0.2:  # a small pleural nodule followed as non-target
        lesions.append({"lesion_id": "NT09", "kind": "non-target", "organ": "pleura",
                        "laterality": "", "nodal": False, "size": np.nan})
    return lesions


def _factor(course: str, week: float, rng: np.random.Generator, speed: float = 1.0) -> float:
    """Size multiplier of a target at ``week`` for a course (plus measurement noise).

    ``speed`` scales the patient's clock: the same course runs faster or slower.
    """
    months = speed * week / 4.35
    if course == "complete":
        base = max(0.0, 1.0 - 0.45 * months)
    elif course == "partial":
        base = max(0.35, 1.0 - 0.18 * months) if months < 10 else 0.35 + 0.08 * (months - 10)
    elif course == "stable":
        base = 1.0 + 0.01 * months
    elif course == "slow_growth":
        base = 1.0 + 0.06 * months
    elif course == "fast_growth":
        base = 1.0 + 0.18 * months
    else:
        base = 1.0 - 0.02 * months
    return max(0.0, base * (1 + rng.normal(0, 0.04)))


def _target_sum_mm(rows: list[dict]) -> float | None:
    """Sum of target diameters of one visit (SUM-1..6), None if a target is missing."""
    total = 0.0
    for row in rows:
        if row["kind"] != "target":
            continue
        if row["status"] == "not_evaluated":
            return None
        if row["status"] == "too_small":
            total += CRITERIA.too_small_mm
        elif row["status"] == "measured":
            total += row["sa_mm"] if row["nodal"] else row["ld_mm"]
    return total


def _simulate_patient(rng: np.random.Generator, number: int) -> tuple[dict, list[dict]]:
    patient = f"CRC-{number:03d}"
    arm = ARMS[number % 2]
    course = str(rng.choice(COURSES, p=COURSE_PROBABILITIES[arm]))
    start = pd.Timestamp("2022-01-10") + pd.Timedelta(days=int(rng.integers(0, 540)))
    baseline = start - pd.Timedelta(days=int(rng.integers(3, 25)))
    thickness = float(rng.choice([1.25, 2.5]))
    speed = float(rng.uniform(0.5, 1.6))
    lesions = _lesions(rng, patient)
    dropout_week = 8 * int(rng.integers(2, 12)) if rng.random() < 0.12 else None
    death_without_pd = rng.random() < 0.06
    rows: list[dict] = []
    last_scan = baseline
    pd_seen = False
    new_lesion_week = 8 * int(rng.integers(1, 5)) if course == "new_lesion" else None
    equivocal_first = course == "new_lesion" and rng.random() < 0.4
    split_patient = number == 7
    merge_patient = number in (12, 31)
    nt_pd_week = 8 * int(rng.integers(2, 6)) if course == "nontarget_pd" else None

    visits = [("BASELINE", baseline, 0.0)]
    for k in range(1, 20):
        planned = start + pd.Timedelta(days=VISIT_INTERVAL_DAYS * k)
        date = planned + pd.Timedelta(days=int(rng.integers(-7, 8)))
        if date > DATA_CUTOFF:
            break
        if rng.random() < 0.06 and k > 1:  # missed visit
            continue
        if rng.random() < 0.04:  # unscheduled scan three weeks earlier
            extra = date - pd.Timedelta(days=21)
            visits.append((f"UNSCHEDULED WEEK {8 * k - 3}", extra, (extra - start).days / 7))
        visits.append((f"WEEK {8 * k}", date, (date - start).days / 7))
    visits.sort(key=lambda v: v[1])

    death_date = None
    nadir = None
    for visit, date, week in visits:
        if dropout_week is not None and week > dropout_week:
            break
        is_baseline = visit == "BASELINE"
        for lesion in lesions:
            row = {"patient_id": patient, "date": date.strftime("%Y-%m-%d"), "visit": visit,
                   "lesion_id": lesion["lesion_id"], "kind": lesion["kind"],
                   "organ": lesion["organ"], "nodal": lesion["nodal"],
                   "laterality": lesion["laterality"], "ld_mm": np.nan, "sa_mm": np.nan,
                   "slice_thickness_mm": thickness}
            if lesion["kind"] == "target":
                factor = 1.0 if is_baseline else _factor(course, week, rng, speed)
                size = lesion["size"] * factor
                if not is_baseline and rng.random() < 0.02:
                    row["status"] = "not_evaluated"
                elif lesion["nodal"]:
                    row["status"] = "measured"
                    row["sa_mm"] = round(max(size, 4.0), 1)
                    row["ld_mm"] = round(row["sa_mm"] * 1.4, 1)
                elif size < 2.0:
                    row["status"] = "absent"
                    row["ld_mm"] = 0.0
                elif size < 5.0:
                    row["status"] = "too_small"
                else:
                    row["status"] = "measured"
                    row["ld_mm"] = round(size, 1)
                if split_patient and lesion["lesion_id"] == "T01" and week >= 15 \
                        and row["status"] == "measured":
                    first = round(row["ld_mm"] * 0.6, 1)
                    rows.append({**row, "ld_mm": first})
                    row["ld_mm"] = round(row["ld_mm"] - first, 1)
                if merge_patient and week >= 15 and lesion["lesion_id"] == "T02" and \
                        not lesion["nodal"]:
                    row["status"], row["ld_mm"], row["sa_mm"] = "merged", np.nan, np.nan
                rows.append(row)
                continue
            if lesion["kind"] == "non-target":
                if nt_pd_week is not None and week >= nt_pd_week:
                    row["status"] = "progression"
                elif course == "complete" and week >= 24:
                    row["status"] = "absent"
                elif not is_baseline and rng.random() < 0.02:
                    row["status"] = "not_evaluated"
                else:
                    row["status"] = "present"
                rows.append(row)
        if merge_patient and week >= 15:
            # the coalesced mass is measured on T01: add T02's share to it
            t01 = [r for r in rows if r["patient_id"] == patient and r["visit"] == visit
                   and r["lesion_id"] == "T01" and r["status"] == "measured"]
            t02 = [le for le in lesions if le["lesion_id"] == "T02" and not le["nodal"]]
            if t01 and t02:
                t01[0]["ld_mm"] = round(t01[0]["ld_mm"] + 0.8 * t02[0]["size"]
                                        * _factor(course, week, rng, speed), 1)
        if new_lesion_week is not None and week >= new_lesion_week:
            status = "equivocal" if equivocal_first and week < new_lesion_week + 8 \
                else "unequivocal"
            rows.append({"patient_id": patient, "date": date.strftime("%Y-%m-%d"),
                         "visit": visit, "lesion_id": "NEW01", "kind": "new",
                         "organ": "liver", "nodal": False, "laterality": "",
                         "ld_mm": np.nan, "sa_mm": np.nan, "status": status,
                         "slice_thickness_mm": thickness})
            if status == "unequivocal":
                pd_seen = True
        last_scan = date
        current = [r for r in rows if r["visit"] == visit and r["patient_id"] == patient]
        if any(r["status"] == "progression" for r in current):
            pd_seen = True
        total = _target_sum_mm(current)
        if total is not None:
            if nadir is not None and total - nadir >= CRITERIA.pd_min_increase_mm and \
                    total >= nadir * (1 + CRITERIA.pd_increase_pct / 100):
                pd_seen = True
            nadir = total if nadir is None else min(nadir, total)
        if pd_seen:
            break  # off study imaging after progression
        if death_without_pd and week > 20:
            death_date = date + pd.Timedelta(days=int(rng.integers(10, 60)))
            break

    if pd_seen and rng.random() < 0.4:
        death_date = last_scan + pd.Timedelta(days=int(rng.integers(60, 400)))
    if death_date is not None and death_date > DATA_CUTOFF:
        death_date = None
    if death_date is not None:
        last_contact = death_date
    elif dropout_week is not None and not pd_seen:
        last_contact = last_scan + pd.Timedelta(days=int(rng.integers(0, 30)))
    else:
        last_contact = min(DATA_CUTOFF, last_scan + pd.Timedelta(days=int(rng.integers(
            20, 120))))
    new_therapy = None
    if dropout_week is not None and not pd_seen and rng.random() < 0.5:
        new_therapy = last_scan + pd.Timedelta(days=int(rng.integers(5, 25)))
    patient_row = {
        "patient_id": patient, "start_date": start.strftime("%Y-%m-%d"),
        "death_date": death_date.strftime("%Y-%m-%d") if death_date is not None else "",
        "last_contact_date": last_contact.strftime("%Y-%m-%d"),
        "new_therapy_date": new_therapy.strftime("%Y-%m-%d") if new_therapy is not None
        else "",
        "arm": arm,
    }
    return patient_row, rows


def make_cohort(out_dir: Path = HERE, n_patients: int = N_PATIENTS,
                seed: int = SEED) -> dict[str, Path]:
    """Simulate the cohort and write every output file into ``out_dir``."""
    from recist.cdisc.sdtm_out import dm_from_patients, measurements_to_sdtm, write_sdtm
    from recist.outputs import write_csv_atomic
    from recist.table import normalise_measurements, write_measurements

    rng = np.random.default_rng(seed)
    patients, rows = [], []
    for number in range(1, n_patients + 1):
        patient, lesion_rows = _simulate_patient(rng, number)
        patients.append(patient)
        rows.extend(lesion_rows)
    measurements = pd.DataFrame(rows)
    columns = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal",
               "ld_mm", "sa_mm", "status", "slice_thickness_mm", "laterality"]
    measurements = normalise_measurements(measurements[columns], source="cohort")
    patients_frame = pd.DataFrame(patients)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"measurements": write_measurements(measurements, out_dir / "measurements.csv"),
             "patients": write_csv_atomic(patients_frame, out_dir / "patients.csv")}
    tables = measurements_to_sdtm(measurements, studyid=STUDYID)
    tables["DM"] = dm_from_patients(patients_frame, studyid=STUDYID)
    for path in write_sdtm(tables, out_dir, xpt=True, created=XPT_CREATED):
        paths[path.name] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args(argv)
    for name, path in make_cohort(args.out).items():
        print(f"{name}: {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
