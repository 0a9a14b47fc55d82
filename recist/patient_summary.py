"""The patient summary: best overall response, progression and time-to-event per patient.

``summarise_patients(timepoints, patients, criteria)`` turns the time point table of
``recist.timepoints`` (one row per patient and time point, the baseline row first) and the
optional patients table (``recist.patients``) into ``patient_summary`` with exactly the
columns of DESIGN.md. The cohort is handled as numpy arrays and plain lists per patient
(no per-patient DataFrame), so 20,000 patients take about a second.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recist.best_response import (
    NE,
    RESPONSES,
    best_overall_response,
    confirmed_best_overall_response,
    first_response_index,
)
from recist.criteria import RECIST_1_1, Criteria
from recist.endpoints import (
    duration_of_response,
    kept_before_new_therapy,
    progression_date,
    progression_free_survival,
)
from recist.errors import RecistDataError
from recist.findings import Finding, Severity
from recist.patients import normalise_patients

__all__ = [
    "SUMMARY_COLUMNS",
    "summarise_patients",
    "summarise_patients_with_findings",
    "summary_columns",
]

SUMMARY_COLUMNS = (
    "patient_id", "bor", "bor_date", "confirmed_bor", "pd_date", "pfs_event", "pfs_date",
    "pfs_days", "response_date", "dor_days", "censor_reason",
)
_REQUIRED_TIMEPOINT_COLUMNS = ("patient_id", "date", "overall_response")
_NO_TARGET = {None, "NA"}


def summary_columns(criteria: Criteria = RECIST_1_1) -> list[str]:
    """The ``patient_summary`` columns; ``confirmed_bor`` only with confirmation (CONF-1).

    >>> summary_columns()[:4]
    ['patient_id', 'bor', 'bor_date', 'pd_date']
    """
    return [c for c in SUMMARY_COLUMNS if c != "confirmed_bor" or criteria.confirmation]


def _text_or_none(values: pd.Series, upper: bool = True) -> tuple[np.ndarray, set]:
    """Strings stripped (and upper-cased), missing → None, as an object array.

    Works on the distinct values only (a cohort has a handful of response labels), and
    returns the set of distinct cleaned values too.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = []
    for value in uniques:
        text = str(value).strip()
        text = text.upper() if upper else text
        cleaned.append(text if text else None)
    lookup = np.array(cleaned + [None], dtype=object)
    return lookup[codes], set(cleaned)


def _timepoint_arrays(timepoints: pd.DataFrame) -> dict[str, object]:
    """Validate the time point table and return its columns sorted by patient and date."""
    missing = [c for c in _REQUIRED_TIMEPOINT_COLUMNS if c not in timepoints.columns]
    if missing:
        raise RecistDataError(
            f"timepoints table: missing column(s) {', '.join(missing)}; it needs at least "
            f"{', '.join(_REQUIRED_TIMEPOINT_COLUMNS)} (recist.timepoints.assess_timepoints "
            "writes them)"
        )
    patient_ids, _ = _text_or_none(timepoints["patient_id"], upper=False)
    empty = np.flatnonzero(pd.isna(patient_ids))
    if len(empty):
        raise RecistDataError(
            f"timepoints table row {int(empty[0])}: patient_id is empty; every time point "
            "needs the patient it belongs to")
    dates = pd.to_datetime(timepoints["date"], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise RecistDataError(
            f"timepoints table, patient_id {patient_ids[row]}: date "
            f"{timepoints['date'].iloc[row]!r} is missing or not a date; every time point "
            "needs its scan date"
        )
    overall, labels = _text_or_none(timepoints["overall_response"])
    if "NA" in labels:  # a baseline row written with the literal label NA
        overall[overall == "NA"] = None
        labels.discard("NA")
    unknown = labels - set(RESPONSES) - {None}
    if unknown:
        row = next(i for i, label in enumerate(overall) if label in unknown)
        raise RecistDataError(
            f"timepoints table, patient_id {patient_ids[row]}, date "
            f"{dates.iloc[row].date()}: overall_response {overall[row]!r} is not one of "
            f"{', '.join(RESPONSES)}"
        )
    if "target_response" in timepoints.columns:
        target = _text_or_none(timepoints["target_response"])[0]
    else:
        target = np.full(len(timepoints), None, dtype=object)
    codes, uniques = pd.factorize(patient_ids, sort=True)
    days = dates.to_numpy("datetime64[D]")
    order = np.lexsort((days, codes))
    codes = codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    return {
        "ids": [str(uniques[c]) for c in codes[starts]],
        "starts": starts,
        "ends": np.r_[starts[1:], len(codes)] if len(codes) else starts,
        "dates": days[order].tolist(),
        "overall": overall[order].tolist(),
        "target": target[order].tolist(),
    }


def _patient_records(patients: pd.DataFrame | None) -> dict[str, tuple]:
    """patient_id → (start_date, death_date, new_therapy_date) as ``date`` or None."""
    if patients is None:
        return {}
    table = normalise_patients(patients)
    columns = [table[c].to_numpy("datetime64[D]").tolist()
               for c in ("start_date", "death_date", "new_therapy_date")]
    return {str(pid): record for pid, record in zip(table["patient_id"], zip(*columns))}


class _Rows:
    """Column lists of the summary being built."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {c: [] for c in SUMMARY_COLUMNS}

    def add(self, **values: object) -> None:
        for column, cells in self.columns.items():
            cells.append(values.get(column))


def _summarise_one(
    rows: _Rows, patient_id: str, responses: list[str], dates: list[date],
    non_target_only: bool, start: date | None, death: date | None,
    new_therapy: date | None, criteria: Criteria,
) -> None:
    """Append one patient's summary (BOR, CONF, TTE rules) to ``rows``."""
    if start is None:  # no reference date at all (no start_date and no time point)
        rows.add(patient_id=patient_id, bor=NE, confirmed_bor=NE if criteria.confirmation
                 else None, pfs_event=False,
                 censor_reason="no start date and no assessment: PFS cannot be dated")
        return
    kept = kept_before_new_therapy(dates, new_therapy, criteria)
    analysed, analysed_dates = responses[:kept], dates[:kept]
    best = best_overall_response(analysed, analysed_dates, start, criteria)
    confirmed_bor = None
    if criteria.confirmation:
        confirmed = confirmed_best_overall_response(analysed, analysed_dates, start, criteria,
                                                    non_target_only=non_target_only)
        confirmed_bor = confirmed.response
        response_index = confirmed.response_index
    else:
        response_index = first_response_index(analysed)
    response_date = None if response_index is None else analysed_dates[response_index]
    pfs = progression_free_survival(responses, dates, start, death, new_therapy, criteria)
    dor = duration_of_response(response_date, responses, dates, death, new_therapy, criteria)
    rows.add(
        patient_id=patient_id,
        bor=best.response,
        bor_date=None if best.index is None else analysed_dates[best.index],
        confirmed_bor=confirmed_bor,
        pd_date=progression_date(analysed, analysed_dates),
        pfs_event=pfs.event,
        pfs_date=pfs.date,
        pfs_days=(pfs.date - start).days + (1 if criteria.add_one_day else 0),
        response_date=response_date,
        dor_days=None if dor is None else dor[1],
        censor_reason=pfs.reason,
    )


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min


def _as_dates(values: list) -> np.ndarray:
    """``date``/None list → datetime64[ns] array (NaT for None), without per-item numpy."""
    days = np.array([_NAT if d is None else d.toordinal() - _EPOCH_ORDINAL for d in values],
                    dtype=np.int64)
    return days.view("datetime64[D]").astype("datetime64[ns]")


def summarise_patients_with_findings(
    timepoints: pd.DataFrame,
    patients: pd.DataFrame | None = None,
    criteria: Criteria = RECIST_1_1,
) -> tuple[pd.DataFrame, list[Finding]]:
    """``summarise_patients`` plus the findings it raised (DEC-7 fallbacks, …).

    Findings (severity warning unless stated):

    * ``no-patients-table`` (info, DEC-7): no patients table was given; every duration
      runs from the patient's baseline scan date.
    * ``patient-not-in-patients-table`` (DEC-7): a patient of the time point table has no
      row in the patients table; baseline date used.
    * ``start-date-missing`` (DEC-7): the patient's start_date is empty; baseline date used.
    * ``no-assessment`` (info, DEC-16): a patient of the patients table has no time point.
    """
    findings: list[Finding] = []
    arrays = _timepoint_arrays(timepoints)
    records = _patient_records(patients)
    if patients is None:
        findings.append(Finding(
            "no-patients-table",
            "no patients table was given: the SD minimum and every duration run from each "
            "patient's baseline scan date, and deaths and new therapies are unknown (DEC-7); "
            "pass a patients table with start_date to use treatment start",
            Severity.INFO, rule="DEC-7"))
    rows = _Rows()
    seen = set()
    dates, overall, target = arrays["dates"], arrays["overall"], arrays["target"]
    for patient_id, begin, end in zip(arrays["ids"], arrays["starts"], arrays["ends"]):
        seen.add(patient_id)
        baseline_date = dates[begin]
        first = begin + 1 if overall[begin] is None else begin
        responses = [NE if r is None else r for r in overall[first:end]]
        patient_dates = dates[first:end]
        non_target_only = all(t in _NO_TARGET for t in target[first:end])
        start, death, new_therapy = records.get(patient_id, (None, None, None))
        if start is None:
            start = baseline_date
            if patients is not None:
                code, why = (("start-date-missing", "start_date is empty")
                             if patient_id in records else
                             ("patient-not-in-patients-table",
                              "is not in the patients table"))
                findings.append(Finding(
                    code,
                    f"patient {patient_id}: {why}; the SD minimum and durations run from "
                    f"the baseline scan date {baseline_date.isoformat()} instead (DEC-7)",
                    Severity.WARNING, patient_id=patient_id, date=baseline_date.isoformat(),
                    rule="DEC-7"))
        _summarise_one(rows, patient_id, responses, patient_dates, non_target_only, start,
                       death, new_therapy, criteria)
    for patient_id, (start, death, new_therapy) in records.items():
        if patient_id in seen:
            continue
        findings.append(Finding(
            "no-assessment",
            f"patient {patient_id} is in the patients table but has no time point: BOR NE "
            "and PFS from start_date (DEC-16)", Severity.INFO, patient_id=patient_id,
            rule="DEC-16"))
        _summarise_one(rows, patient_id, [], [], False, start, death, new_therapy, criteria)
    columns = rows.columns
    frame = pd.DataFrame({
        "patient_id": pd.array(columns["patient_id"], dtype="string"),
        "bor": pd.Series(columns["bor"], dtype=object),
        "bor_date": _as_dates(columns["bor_date"]),
        "confirmed_bor": pd.Series(columns["confirmed_bor"], dtype=object),
        "pd_date": _as_dates(columns["pd_date"]),
        "pfs_event": np.array(columns["pfs_event"], dtype=bool),
        "pfs_date": _as_dates(columns["pfs_date"]),
        "pfs_days": pd.array(columns["pfs_days"], dtype="Int64"),
        "response_date": _as_dates(columns["response_date"]),
        "dor_days": pd.array(columns["dor_days"], dtype="Int64"),
        "censor_reason": pd.Series(columns["censor_reason"], dtype=object),
    })
    frame = frame.sort_values("patient_id", kind="stable").reset_index(drop=True)
    return frame[summary_columns(criteria)], findings


def summarise_patients(
    timepoints: pd.DataFrame,
    patients: pd.DataFrame | None = None,
    criteria: Criteria = RECIST_1_1,
) -> pd.DataFrame:
    """One row per patient: BOR, confirmed BOR, PD date, PFS and DoR, censoring reason.

    BOR-1..8, CONF-1..7, TTE-1..10, DEC-7, DEC-16, DEC-17 (RECIST_RULES.md).

    1. Per patient, the first row is the baseline when its ``overall_response`` is empty;
       the later rows are the assessments (an empty response there counts as NE).
    2. The reference date is ``start_date`` from ``patients``; if missing, the baseline
       scan date (DEC-7, with a finding: see ``summarise_patients_with_findings``).
    3. Time points on or after ``new_therapy_date`` are dropped for BOR and PFS events when
       ``criteria.censor_at_new_therapy`` (DEC-17).
    4. ``bor``/``bor_date``: ``best_overall_response``; ``confirmed_bor`` (only with
       ``criteria.confirmation``): ``confirmed_best_overall_response``, with a patient
       without any target response treated as non-target only.
    5. ``pd_date``: first PD among the time points of step 3 (TTE-1); ``pfs_*``:
       ``progression_free_survival``;
       ``pfs_days`` = pfs_date − reference (+1 with ``add_one_day``, TTE-10).
    6. ``response_date``: first CR/PR, or first of the confirmed pair when confirmation is
       on (CONF-7); ``dor_days``: ``duration_of_response`` (responders only).
    7. ``censor_reason``: why PFS is censored, in words; empty for a PFS event.

    Patients of the patients table without any time point get BOR NE and PFS from their
    start date (DEC-16). Rows are sorted by patient_id. The inputs are not modified.

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["p1"] * 3,
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-26", "2024-04-22"]),
    ...     "overall_response": [None, "SD", "PD"]})
    >>> pt = pd.DataFrame({"patient_id": ["p1"], "start_date": ["2024-01-05"]})
    >>> row = summarise_patients(tp, pt).iloc[0]
    >>> row["bor"], str(row["pd_date"].date()), bool(row["pfs_event"]), int(row["pfs_days"])
    ('SD', '2024-04-22', True, 109)
    """
    return summarise_patients_with_findings(timepoints, patients, criteria)[0]
