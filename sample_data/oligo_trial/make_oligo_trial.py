"""Generate the synthetic oligometastatic trial in this folder, deterministically.

The trial behind this project (docs/README.md), simulated as tables only: 40 colorectal
cancer patients with 1–5 lung metastases, all treated locally on their start date (SBRT,
surgery or radiofrequency ablation), then a CT every 3 months for 2 years. Along the way:
local failures at treated sites (growth over the post-treatment nadir, or a non-target the
reader calls progressing), new lung lesions (some may be first equivocal), extrapulmonary
spread (liver, mediastinal nodes, bone, adrenal; sometimes widespread), repeat local
treatments of oligoprogression, starts of systemic therapy (after which scans stop),
deaths; three patients carry a lung lesion treated by SBRT before baseline (MEAS-10, in
``lesions.csv``).

Outputs (committed, docs/tables.md formats): ``measurements.csv``, ``patients.csv``,
``therapies.csv`` and ``lesions.csv``. Run
``python sample_data/oligo_trial/make_oligo_trial.py`` (same bytes every time:
``numpy.random.default_rng(SEED)``, no clock); ``--out DIR`` writes elsewhere. Nothing
here is a real patient.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20260418
N_PATIENTS = 40
SCAN_INTERVAL_DAYS = 91
N_FOLLOW_UPS = 8
DATA_CUTOFF = pd.Timestamp("2024-09-30")
FIRST_START, LAST_START = pd.Timestamp("2021-03-01"), pd.Timestamp("2022-06-30")
MODALITIES = ("sbrt", "surgery", "rfa")
MODALITY_P = (0.55, 0.25, 0.20)
LOCAL_FAILURE_P = {"sbrt": 0.18, "rfa": 0.25, "surgery": 0.05}
EXTRAPULMONARY = (("liver", False), ("mediastinal lymph node", True), ("bone", False),
                  ("adrenal", False))
SYSTEMIC = ("FOLFOX", "FOLFIRI", "CAPOX")
MEAS_COLUMNS = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal",
                "ld_mm", "sa_mm", "status"]


@dataclass
class Lesion:
    """One lesion's state during the simulation."""

    lesion_id: str
    kind: str  # target / non-target / new
    organ: str
    nodal: bool
    size: float
    first_scan: int = 0  # scan index at which it is first recorded
    equivocal_scan: int | None = None  # recorded equivocal one scan earlier
    treated: list[tuple[pd.Timestamp, str]] = field(default_factory=list)
    fail_scan: int | None = None  # scan index of local failure in the current episode
    removed: bool = False  # surgically removed (absent, or no more rows if new)
    failed: bool = False


def _round(value: float) -> float:
    return float(np.round(value, 1))


def _date(start: pd.Timestamp, days: float) -> pd.Timestamp:
    return start + pd.Timedelta(days=int(days))


def simulate(rng: np.random.Generator, index: int) -> tuple[list, dict, list, list]:
    """One patient: measurement rows, patients row, therapy rows and lesion-history rows."""
    pid = f"OL{index:02d}"
    start = _date(FIRST_START, rng.integers(0, (LAST_START - FIRST_START).days))
    baseline = start - pd.Timedelta(days=int(rng.integers(7, 21)))
    modality = str(rng.choice(MODALITIES, p=MODALITY_P))
    prior = index in (5, 17, 29)  # a lung lesion treated by SBRT before baseline (MEAS-10)
    n_mets = int(rng.choice([1, 2, 3, 4, 5], p=[0.35, 0.25, 0.2, 0.12, 0.08]))
    n_mets = min(n_mets, 4) if prior else n_mets
    sizes = sorted([_round(rng.uniform(11, 28))]
                   + [_round(rng.uniform(6, 24)) for _ in range(n_mets - 1)], reverse=True)
    lesions: list[Lesion] = []
    for i, size in enumerate(sizes):
        target = i < 2 and size >= 10
        lid = f"T{i + 1}" if target else f"NT{i + 1 - sum(x.kind == 'target' for x in lesions)}"
        lesions.append(Lesion(lid, "target" if target else "non-target",
                              str(rng.choice(["left lung", "right lung", "lung"])), False, size))
    history = []
    if prior:
        treated_before = baseline - pd.Timedelta(days=int(rng.integers(240, 420)))
        lesions.append(Lesion("P1", "non-target", "lung", False, _round(rng.uniform(8, 14)),
                              treated=[(treated_before, "sbrt")]))
        history.append((pid, "P1", "lung", "sbrt", treated_before.strftime("%Y-%m-%d"),
                        "false"))
    therapies = [(pid, start, "local", ";".join(x.lesion_id for x in lesions if not x.treated),
                  modality)]
    for lesion in lesions:
        if not lesion.treated:
            lesion.treated.append((start, modality))
            lesion.removed = modality == "surgery"
            if rng.random() < LOCAL_FAILURE_P[modality]:
                lesion.fail_scan = int(rng.integers(2, N_FOLLOW_UPS + 1))
    # patient-level course
    new_lung = int(rng.integers(2, N_FOLLOW_UPS + 1)) if rng.random() < 0.35 else None
    extra = int(rng.integers(2, N_FOLLOW_UPS + 1)) if rng.random() < 0.2 else None
    death = (_date(start, rng.integers(120, SCAN_INTERVAL_DAYS * N_FOLLOW_UPS + 200))
             if rng.random() < 0.15 else None)
    if new_lung is not None:
        for k in range(1 + int(rng.random() < 0.3)):
            new = Lesion(f"NL{k + 1}", "new", "lung", False, _round(rng.uniform(6, 12)),
                         first_scan=new_lung)
            if k == 0 and new_lung >= 3 and rng.random() < 0.3:
                new.equivocal_scan = new_lung - 1
            lesions.append(new)
    if extra is not None:
        organ, nodal = EXTRAPULMONARY[int(rng.integers(0, len(EXTRAPULMONARY)))]
        lesions.append(Lesion("NE1", "new", organ, nodal, _round(rng.uniform(12, 25)),
                              first_scan=extra))
        if rng.random() < 0.3:  # widespread: five more liver lesions, no longer oligometastatic
            lesions += [Lesion(f"NE{k}", "new", "liver", False, _round(rng.uniform(8, 20)),
                               first_scan=extra) for k in range(2, 7)]
    rows = [(pid, baseline, "BL", x) for x in lesions if x.first_scan == 0]
    measurement_rows = [_row(pid, baseline, "BL", x, x.size, rng) for _, _, _, x in rows]
    systemic_date, repeats, last_scan = None, 0, baseline
    nadir: dict[str, float] = {}
    for k in range(1, N_FOLLOW_UPS + 1):
        when = _date(start, SCAN_INTERVAL_DAYS * k + int(rng.integers(-7, 8)))
        if (death is not None and when >= death) or when > DATA_CUTOFF:
            break
        last_scan = when
        recurrent: list[Lesion] = []
        for lesion in lesions:
            if lesion.first_scan > k and lesion.equivocal_scan != k:
                continue
            if lesion.removed and lesion.kind == "new":
                continue
            if lesion.equivocal_scan == k:
                measurement_rows.append((pid, when, f"M{3 * k}", lesion.lesion_id, "new",
                                         lesion.organ, lesion.nodal, 4.5, None, "equivocal"))
                continue
            size = _evolve(lesion, k, nadir, rng)
            if lesion.first_scan == k or (lesion.fail_scan == k and not lesion.failed):
                recurrent.append(lesion)
                lesion.failed = lesion.fail_scan == k
            measurement_rows.append(_row(pid, when, f"M{3 * k}", lesion, size, rng))
        if recurrent:
            active = [x for x in lesions if (x.failed or (x.kind == "new" and x.first_scan <= k
                                                          and not x.treated))]
            organs = {x.organ.split()[-1] for x in active}
            if (len(active) <= 3 and len(organs) <= 2 and repeats < 2
                    and rng.random() < 0.75 and k < N_FOLLOW_UPS):
                day = _date(when, rng.integers(14, 36))
                regimen = "surgery" if any(x.nodal for x in active) else str(
                    rng.choice(["sbrt", "rfa"], p=[0.8, 0.2]))
                therapies.append((pid, day, "local", ";".join(x.lesion_id for x in active),
                                  regimen))
                repeats += 1
                for lesion in active:
                    lesion.treated.append((day, regimen))
                    lesion.failed, lesion.fail_scan = False, None
                    nadir.pop(lesion.lesion_id, None)
                    lesion.removed = regimen == "surgery"
                    if not lesion.removed and rng.random() < 0.15 and k + 2 <= N_FOLLOW_UPS:
                        lesion.fail_scan = int(rng.integers(k + 2, N_FOLLOW_UPS + 1))
            else:
                systemic_date = _date(when, rng.integers(14, 43))
                therapies.append((pid, systemic_date, "systemic", "",
                                  str(rng.choice(SYSTEMIC))))
                break
    if death is not None and death <= DATA_CUTOFF:
        death_date, contact = death, death
    else:
        death_date = None
        contact = min(DATA_CUTOFF, _date(last_scan, rng.integers(0, 61)))
        if systemic_date is not None:
            contact = max(contact, systemic_date)
    patient = {"patient_id": pid, "start_date": start, "death_date": death_date,
               "last_contact_date": contact, "arm": "local treatment"}
    return measurement_rows, patient, therapies, history


def _evolve(lesion: Lesion, k: int, nadir: dict[str, float],
            rng: np.random.Generator) -> float | None:
    """The lesion's size at follow-up scan ``k`` (None: absent)."""
    key = lesion.lesion_id
    if lesion.fail_scan is not None and k >= lesion.fail_scan:
        low = nadir.get(key, 0.0)
        if k == lesion.fail_scan:
            lesion.size = _round(max(low * rng.uniform(1.35, 1.8), low + 5.5, 7.0))
        else:
            lesion.size = _round(lesion.size * rng.uniform(1.1, 1.3))
        return lesion.size
    if lesion.removed:
        nadir[key] = 0.0
        return None
    if not lesion.treated:  # an untreated new lesion grows after its first scan
        if lesion.first_scan < k:
            lesion.size = _round(lesion.size * rng.uniform(1.05, 1.25))
        return lesion.size
    factor = rng.uniform(0.5, 0.85) if key not in nadir else rng.uniform(0.88, 1.03)
    lesion.size = _round(max(lesion.size * factor, 4.0))  # treated: shrinks, then stable
    nadir[key] = min(nadir.get(key, lesion.size), lesion.size)
    return lesion.size


def _row(pid: str, when: pd.Timestamp, visit: str, lesion: Lesion, size: float | None,
         rng: np.random.Generator) -> tuple:
    """A measurements row for a lesion of a given size (None: absent)."""
    if lesion.kind == "new":
        status = "unequivocal"
    elif size is None:
        status = "absent"
    elif lesion.kind == "target":
        status = "measured"
    else:
        status = "progression" if lesion.failed else "present"
    sa = None
    if lesion.nodal and size is not None:
        sa, size = size, _round(size * rng.uniform(1.2, 1.5))
    return (pid, when, visit, lesion.lesion_id, lesion.kind, lesion.organ, lesion.nodal,
            size, sa, status)


def build() -> dict[str, pd.DataFrame]:
    """The four tables of the sample trial."""
    rng = np.random.default_rng(SEED)
    rows, patients, therapies, history = [], [], [], []
    for index in range(1, N_PATIENTS + 1):
        r, p, t, h = simulate(rng, index)
        rows += r
        patients.append(p)
        therapies += t
        history += h
    measurements = pd.DataFrame(rows, columns=MEAS_COLUMNS)
    measurements["nodal"] = measurements["nodal"].map({True: "true", False: "false"})
    out = {
        "measurements.csv": measurements,
        "patients.csv": pd.DataFrame(patients),
        "therapies.csv": pd.DataFrame(therapies, columns=["patient_id", "date", "kind",
                                                          "lesion_ids", "regimen"]),
        "lesions.csv": pd.DataFrame(history, columns=[
            "patient_id", "lesion_id", "organ", "local_therapy", "local_therapy_date",
            "progressed_since_therapy"]),
    }
    for table in out.values():
        for column in table.columns:
            if column.endswith("date"):
                table[column] = pd.to_datetime(table[column]).dt.strftime("%Y-%m-%d")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, table in build().items():
        table.to_csv(args.out / name, index=False, lineterminator="\n", float_format="%.1f")
    print(f"make_oligo_trial: wrote {', '.join(build())} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
