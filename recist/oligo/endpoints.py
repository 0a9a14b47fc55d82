"""The endpoints of follow-up after local treatment (DEC-27).

Per patient: systemic-therapy-free survival (STFS), PFS after local treatment, overall
survival, the number of repeat local treatments (DEC-23), the first recurrence and its
pattern (DEC-25, DEC-26), and the therapies in words. Per treated lesion: time to local
failure with death as a competing risk (status 1 = local failure, 2 = death first,
0 = censored), for the cumulative incidence of ``recist.oligo.incidence``.

Durations run from ``start_date`` (DEC-7; the baseline scan when missing) and count
``end − start + 1`` days with ``add_one_day`` (TTE-10).
"""

from __future__ import annotations

import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.oligo.failure_pattern import FailurePattern
from recist.vocabulary import TherapyKind

__all__ = ["LESION_ENDPOINT_COLUMNS", "PATIENT_ENDPOINT_COLUMNS", "lesion_endpoints",
           "patient_endpoints"]

PATIENT_ENDPOINT_COLUMNS = (
    "patient_id", "local_therapies", "systemic_therapies", "n_repeat_local",
    "first_systemic_date", "first_recurrence_date", "first_recurrence_pattern",
    "first_recurrence_oligometastatic", "stfs_event", "stfs_date", "stfs_days",
    "pfs_local_event", "pfs_local_date", "pfs_local_days", "os_event", "os_date", "os_days",
)
LESION_ENDPOINT_COLUMNS = ("patient_id", "lesion_id", "organ", "treatment_date", "ttlf_status",
                           "ttlf_date", "ttlf_days")


def _days(start: pd.Timestamp, end: pd.Timestamp, criteria: Criteria) -> int:
    """``end − start (+ 1)`` days (TTE-10)."""
    return int((end - start).days) + (1 if criteria.add_one_day else 0)


def _column(table: pd.DataFrame | None, patient_id: str, column: str) -> pd.Timestamp | None:
    if table is None or column not in table.columns:
        return None
    rows = table[table["patient_id"].astype(str) == patient_id]
    if rows.empty or pd.isna(rows[column].iloc[0]):
        return None
    return pd.Timestamp(rows[column].iloc[0])


def _therapy_text(rows: pd.DataFrame) -> str:
    """``2024-02-01 sbrt T1+T2; 2024-09-01 FOLFOX``."""
    parts = []
    for record in rows.itertuples():
        what = record.regimen or str(record.kind)
        lesions = "+".join(record.lesion_ids)
        parts.append(" ".join(p for p in (f"{record.date:%Y-%m-%d}", what, lesions) if p))
    return "; ".join(parts)


def patient_endpoints(measurements: pd.DataFrame, patients: pd.DataFrame | None,
                      therapies: pd.DataFrame | None, pattern: FailurePattern,
                      criteria: Criteria = RECIST_1_1,
                      repeat: pd.Series | None = None) -> pd.DataFrame:
    """One row per patient of the measurements table: ``PATIENT_ENDPOINT_COLUMNS`` (DEC-27).

    ``patients`` is the normalised patients table (``start_date``, ``death_date``,
    ``last_contact_date``) or None; ``therapies`` the normalised therapies table or None;
    ``pattern`` the result of ``recist.oligo.failure_pattern.failure_pattern``;
    ``repeat`` flags the repeat local therapies (``recist.oligo.therapies.
    repeat_local_therapies``, aligned with ``therapies``).

    1. Origin: ``start_date``, else the baseline scan (DEC-7). Last follow-up: the latest
       of ``last_contact_date``, the last scan and the last therapy.
    2. STFS: event at min(first systemic therapy, death); else censored at last follow-up.
    3. PFS after local treatment: the first recurrence or death before the first systemic
       therapy is the event; otherwise censored at the last scan before that therapy (or
       the last scan), never before the origin.
    4. OS: event at death; else censored at last follow-up.
    """
    m = measurements.assign(patient_id=measurements["patient_id"].astype(str),
                            date=pd.to_datetime(measurements["date"]))
    rows = []
    events = pattern.recurrences
    status = pattern.recurrence_status
    for patient_id, scans in m.groupby("patient_id", sort=True):
        pid = str(patient_id)
        dates = sorted(scans["date"].unique())
        baseline, last_scan = pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])
        origin = _column(patients, pid, "start_date") or baseline
        death = _column(patients, pid, "death_date")
        contact = _column(patients, pid, "last_contact_date")
        mine = (therapies[therapies["patient_id"].astype(str) == pid]
                if therapies is not None else pd.DataFrame())
        local = mine[mine["kind"] == TherapyKind.LOCAL] if len(mine) else mine
        systemic = mine[mine["kind"] == TherapyKind.SYSTEMIC] if len(mine) else mine
        first_systemic = pd.Timestamp(systemic["date"].min()) if len(systemic) else None
        n_repeat = int(repeat.loc[local.index].sum()) if repeat is not None and len(local) \
            else 0
        last_follow_up = max([d for d in (contact, last_scan,
                                          pd.Timestamp(mine["date"].max()) if len(mine) else None)
                              if d is not None])
        recurrences = events[events["patient_id"] == pid] if len(events) else events
        first_recurrence = pd.Timestamp(recurrences["date"].min()) if len(recurrences) else None
        first_pattern, first_oligo = None, None
        if first_recurrence is not None:
            then = status[(status["patient_id"] == pid) & (status["date"] == first_recurrence)]
            first_pattern = str(then["patterns"].iloc[0])
            first_oligo = bool(then["oligometastatic"].iloc[0])
        stfs_end = min([d for d in (first_systemic, death) if d is not None], default=None)
        stfs = (True, stfs_end) if stfs_end is not None else (False, last_follow_up)
        candidates = [d for d in (first_recurrence, death) if d is not None
                      and (first_systemic is None or d < first_systemic)]
        if candidates:
            pfs = (True, min(candidates))
        else:
            seen = [pd.Timestamp(d) for d in dates
                    if first_systemic is None or pd.Timestamp(d) < first_systemic]
            pfs = (False, max([origin, *seen]))
        os_ = (True, death) if death is not None else (False, last_follow_up)
        rows.append((pid, _therapy_text(local) if len(local) else "",
                     _therapy_text(systemic) if len(systemic) else "", n_repeat,
                     first_systemic, first_recurrence, first_pattern, first_oligo,
                     stfs[0], stfs[1], _days(origin, stfs[1], criteria),
                     pfs[0], pfs[1], _days(origin, pfs[1], criteria),
                     os_[0], os_[1], _days(origin, os_[1], criteria)))
    out = pd.DataFrame(rows, columns=list(PATIENT_ENDPOINT_COLUMNS))
    for column in ("first_systemic_date", "first_recurrence_date", "stfs_date",
                   "pfs_local_date", "os_date"):
        out[column] = pd.to_datetime(out[column])
    out["first_recurrence_oligometastatic"] = out["first_recurrence_oligometastatic"].astype(
        "boolean")
    for column in ("stfs_event", "pfs_local_event", "os_event"):
        out[column] = out[column].astype(bool)
    return out


def lesion_endpoints(pattern: FailurePattern, patients: pd.DataFrame | None,
                     criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """Time to local failure of every treated lesion (DEC-27), death a competing risk.

    From the lesion's first treatment on or after its baseline scan (episode 1 of
    ``lesion_control``): status 1 at its local failure; else 2 at death (a competing
    event); else 0, censored at the episode's last assessment (the treatment date when
    there is none). Days count ``end − treatment (+ 1)`` (TTE-10).
    """
    control = pattern.lesion_control
    first = control[control["episode"] == 1] if len(control) else control
    rows = []
    for record in first.itertuples():
        death = _column(patients, str(record.patient_id), "death_date")
        if record.local_failure:
            status, end = 1, pd.Timestamp(record.local_failure_date)
        elif death is not None:
            status, end = 2, death
        else:
            last = record.last_assessment_date
            status, end = 0, pd.Timestamp(record.treatment_date if pd.isna(last) else last)
        rows.append((record.patient_id, record.lesion_id, record.organ, record.treatment_date,
                     status, end, _days(pd.Timestamp(record.treatment_date), end, criteria)))
    out = pd.DataFrame(rows, columns=list(LESION_ENDPOINT_COLUMNS))
    out["ttlf_date"] = pd.to_datetime(out["ttlf_date"])
    out["treatment_date"] = pd.to_datetime(out["treatment_date"])
    out["ttlf_status"] = out["ttlf_status"].astype(int)
    return out
