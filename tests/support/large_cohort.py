"""A synthetic cohort of any size for the figure tests (seeded; no respond run).

``large_cohort(n, seed)`` returns the three tables the cohort figures read, with the
columns ``recist.respond`` writes: ``timepoints`` (baseline at day 0, then a scan every
56 days with ``pct_from_baseline``), ``patient_summary`` (BOR, first response, PD date,
PFS event and date) and ``patients`` (two arms, start, death and last contact dates). The numbers
are random, not assessed: enough to lay figures out, not to check responses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ARMS = ("Arm A", "Arm B")
START = pd.Timestamp("2024-01-01")


def large_cohort(n_patients: int, seed: int = 14) -> tuple[pd.DataFrame, pd.DataFrame,
                                                           pd.DataFrame]:
    """(timepoints, patient_summary, patients) of ``n_patients`` synthetic patients."""
    rng = np.random.default_rng(seed)
    tp_rows, summary_rows, patient_rows = [], [], []
    for number in range(1, n_patients + 1):
        patient = f"P{number:04d}"
        start = START + pd.Timedelta(days=int(rng.integers(0, 365)))
        visits = int(rng.integers(2, 12))
        slope = float(rng.normal(-5.0, 12.0))
        pct = np.clip(slope * np.arange(visits) + rng.normal(0, 4, visits), -100, 150)
        pct[0] = np.nan
        dates = [start + pd.Timedelta(days=56 * k) for k in range(visits)]
        for k, (date, value) in enumerate(zip(dates, pct)):
            tp_rows.append({"patient_id": patient, "visit": f"V{k}",
                            "date": f"{date:%Y-%m-%d}", "sum_mm": 40.0,
                            "pct_from_baseline": None if k == 0 else round(float(value), 2)})
        best = float(np.nanmin(pct[1:]))
        bor = "PR" if best <= -30 else "PD" if pct[-1] >= 20 else "SD"
        progressed = bor == "PD"
        died = bool(rng.random() < 0.2)
        summary_rows.append({
            "patient_id": patient, "bor": bor,
            "response_date": f"{dates[1]:%Y-%m-%d}" if bor == "PR" else None,
            "pd_date": f"{dates[-1]:%Y-%m-%d}" if progressed else None,
            "pfs_event": "true" if progressed or died else "false",
            "pfs_date": f"{dates[-1]:%Y-%m-%d}", "pfs_days": (dates[-1] - start).days + 1})
        patient_rows.append({
            "patient_id": patient, "arm": ARMS[number % 2],
            "start_date": f"{start:%Y-%m-%d}",
            "death_date": f"{dates[-1] + pd.Timedelta(days=30):%Y-%m-%d}" if died else None,
            "last_contact_date": f"{dates[-1] + pd.Timedelta(days=20):%Y-%m-%d}"})
    return pd.DataFrame(tp_rows), pd.DataFrame(summary_rows), pd.DataFrame(patient_rows)
