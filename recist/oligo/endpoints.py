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

from dataclasses import dataclass

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


def _dates_of(table: pd.DataFrame | None, column: str) -> dict[str, pd.Timestamp]:
    """patient_id → the date in ``column`` (patients without one left out)."""
    if table is None or column not in table.columns:
        return {}
    return {str(p): pd.Timestamp(d) for p, d in zip(table["patient_id"], table[column])
            if not pd.isna(d)}


@dataclass(frozen=True)
class _Therapy:
    """One row of the therapies table, as the endpoints need it."""

    date: pd.Timestamp
    kind: str
    lesion_ids: tuple[str, ...]
    regimen: str | None
    repeat: bool  # a repeat local treatment (DEC-23)


def _therapy_text(rows: list[_Therapy]) -> str:
    """``2024-02-01 sbrt T1+T2; 2024-09-01 FOLFOX``."""
    parts = []
    for therapy in sorted(rows, key=lambda t: t.date):
        what = therapy.regimen or therapy.kind
        lesions = "+".join(therapy.lesion_ids)
        parts.append(" ".join(p for p in (f"{therapy.date:%Y-%m-%d}", what, lesions) if p))
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
    scan_dates = pd.DataFrame({"p": measurements["patient_id"].astype(str).to_numpy(),
                               "d": pd.to_datetime(measurements["date"]).to_numpy()})
    scan_dates = scan_dates.drop_duplicates().sort_values(["p", "d"], kind="stable")
    dates_of = {p: [pd.Timestamp(d) for d in group] for p, group in
                scan_dates.groupby("p", sort=True)["d"]}
    starts, deaths = _dates_of(patients, "start_date"), _dates_of(patients, "death_date")
    contacts = _dates_of(patients, "last_contact_date")
    by_patient: dict[str, list[_Therapy]] = {}
    if therapies is not None and len(therapies):
        flags = (repeat.to_numpy(dtype=bool) if repeat is not None
                 else [False] * len(therapies))
        for p, day, kind, ids, regimen, again in zip(
                therapies["patient_id"].astype(str), therapies["date"], therapies["kind"],
                therapies["lesion_ids"], therapies["regimen"], flags):
            by_patient.setdefault(p, []).append(_Therapy(
                pd.Timestamp(day), str(kind), tuple(ids),
                None if regimen is None or pd.isna(regimen) else str(regimen), bool(again)))
    status = pattern.recurrence_status
    first_status: dict[str, tuple[pd.Timestamp, str, bool]] = {}
    for p, when, patterns, oligo in zip(status["patient_id"], status["date"],
                                        status["patterns"], status["oligometastatic"]):
        if str(p) not in first_status:  # rows are in date order per patient
            first_status[str(p)] = (pd.Timestamp(when), str(patterns), bool(oligo))
    rows = []
    for pid, dates in dates_of.items():
        baseline, last_scan = dates[0], dates[-1]
        origin = starts.get(pid, baseline)
        death = deaths.get(pid)
        contact = contacts.get(pid)
        mine = by_patient.get(pid, [])
        local = [t for t in mine if t.kind == TherapyKind.LOCAL]
        systemic = [t for t in mine if t.kind == TherapyKind.SYSTEMIC]
        first_systemic = min(t.date for t in systemic) if systemic else None
        n_repeat = sum(t.repeat for t in local)
        last_follow_up = max([d for d in (contact, last_scan,
                                          max(t.date for t in mine) if mine else None)
                              if d is not None])
        first_recurrence, first_pattern, first_oligo = first_status.get(pid, (None, None, None))
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
        rows.append((pid, _therapy_text(local), _therapy_text(systemic), n_repeat,
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
    deaths = _dates_of(patients, "death_date")
    rows = []
    for record in first.itertuples():
        death = deaths.get(str(record.patient_id))
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
