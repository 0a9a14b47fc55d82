"""Builders for small measurements tables used by the time point tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.table import normalise_measurements

COLUMNS = ["patient_id", "date", "visit", "lesion_id", "kind", "nodal", "ld_mm", "sa_mm",
           "status"]


def table(rows, *, visits: bool = True) -> pd.DataFrame:
    """A normalised measurements table from tuples in ``COLUMNS`` order.

    Short forms: a row may omit patient_id (then "P1" is used) when it has 8 items.
    """
    full = [(("P1",) + tuple(r)) if len(r) == len(COLUMNS) - 1 else tuple(r) for r in rows]
    frame = pd.DataFrame(full, columns=COLUMNS)
    if not visits:
        frame = frame.drop(columns="visit")
    return normalise_measurements(frame)


def targets(date: str, visit: str, *lesions) -> list[tuple]:
    """Target rows: each lesion is (lesion_id, mm) non-nodal measured, or
    (lesion_id, mm, status) or (lesion_id, mm, status, nodal)."""
    rows = []
    for lesion in lesions:
        lesion_id, mm = lesion[0], lesion[1]
        status = lesion[2] if len(lesion) > 2 else "measured"
        nodal = lesion[3] if len(lesion) > 3 else False
        ld = None if nodal else mm
        sa = mm if nodal else None
        rows.append((date, visit, lesion_id, "target", nodal, ld, sa, status))
    return rows


def random_cohort(n_patients: int, seed: int) -> pd.DataFrame:
    """A random but valid cohort exercising every status (unnormalised frame)."""
    rng = np.random.default_rng(seed)
    records = []
    t_status = np.array(["measured"] * 8 + ["too_small", "absent", "merged", "not_evaluated"])
    nt_status = np.array(["present"] * 3 + ["absent"] * 2 + ["progression", "not_evaluated"])
    for p in range(n_patients):
        pid = f"R{p:03d}"
        n_t = int(rng.integers(0, 4))
        n_nt = int(rng.integers(0, 3))
        if n_t + n_nt == 0:
            n_nt = 1
        nodal_t = rng.random(n_t) < 0.3
        base = rng.integers(10, 60, n_t).astype(float)
        n_visits = int(rng.integers(2, 6))
        for v in range(n_visits):
            date = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=42 * v)).strftime("%Y-%m-%d")
            visit = f"V{v}"
            for t in range(n_t):
                nodal = bool(nodal_t[t])
                if v == 0:
                    status, mm = "measured", base[t] + (15 if nodal else 0)
                else:
                    status = str(rng.choice(t_status))
                    mm = float(np.round(base[t] * rng.uniform(0, 1.6) * 4) / 4)
                    if nodal and status == "merged":
                        status = "measured"
                    if status == "absent":
                        mm = 0.0
                # occasional split lesion (two fragments of unequal size, adding up to mm
                # exactly: rows equal in every column would be refused as a duplicate)
                parts = 2 if (v > 0 and status == "measured" and rng.random() < 0.1) else 1
                if mm < 0.25:
                    parts = 1
                for part in range(parts):
                    value = (mm / parts + (0.125 - 0.25 * part if parts > 1 else 0.0)
                             if status == "measured" else None)
                    records.append((pid, date, visit, f"T{t}", "target", nodal,
                                    None if nodal else value, value if nodal else None,
                                    status))
            for n in range(n_nt):
                status = "present" if v == 0 else str(rng.choice(nt_status))
                records.append((pid, date, visit, f"N{n}", "non-target", False, None, None,
                                status))
            if v > 0 and rng.random() < 0.15:
                status = "equivocal" if rng.random() < 0.6 else "unequivocal"
                records.append((pid, date, visit, f"X{int(rng.integers(0, 2))}", "new", False,
                                None, None, status))
    return pd.DataFrame(records, columns=COLUMNS)

