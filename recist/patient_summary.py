"""The patient summary: best overall response, progression and time-to-event per patient.

``summarise_patients(timepoints, patients, criteria)`` turns the time point table of
``recist.timepoints`` (one row per patient and time point, the baseline row first) and the
optional patients table (``recist.patients``) into ``patient_summary`` with exactly the
columns of docs/tables.md. The cohort is handled as numpy arrays and plain lists per patient
(no per-patient DataFrame), so 20,000 patients take about a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import first_row_of_each
from recist.best_response import (
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    RESPONSE_RANK,
    RESPONSES,
    SD,
    BestResponse,
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
from recist.vocabulary import TargetResponse

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
_NO_TARGET = {None, TargetResponse.NA.value}


def summary_columns(criteria: Criteria = RECIST_1_1) -> list[str]:
    """The ``patient_summary`` columns; ``confirmed_bor`` only with confirmation (CONF-1).

    >>> summary_columns()[:4]
    ['patient_id', 'bor', 'bor_date', 'pd_date']
    """
    return [c for c in SUMMARY_COLUMNS if c != "confirmed_bor" or criteria.confirmation]


def _text_or_none(values: pd.Series[Any],
                  upper: bool = True) -> tuple[npt.NDArray[np.object_], set[str | None]]:
    """Strings stripped (and upper-cased), missing → None, as an object array.

    Works on the distinct values only (a cohort has a handful of response labels), and
    returns the set of distinct cleaned values too.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned: list[str | None] = []
    for value in uniques:
        text = str(value).strip()
        text = text.upper() if upper else text
        cleaned.append(text if text else None)
    lookup = np.array(cleaned + [None], dtype=object)
    return lookup[codes], set(cleaned)


class _TimepointArrays(TypedDict):
    """The time point table as arrays and lists sorted by patient, then date."""

    ids: list[str]  # one per patient
    starts: npt.NDArray[np.intp]  # each patient's first row
    ends: npt.NDArray[np.intp]  # each patient's row after the last
    dates: list[date]  # one per row
    days: npt.NDArray[np.int64]  # the dates as days since 1970
    overall: list[str | None]
    target: list[str | None]


def _timepoint_arrays(timepoints: pd.DataFrame) -> _TimepointArrays:
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
    if TargetResponse.NA in labels:  # a baseline row written with the literal label NA
        overall[overall == TargetResponse.NA] = None
        labels.discard(TargetResponse.NA)
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
        "days": days[order].astype(np.int64),
        "overall": overall[order].tolist(),
        "target": target[order].tolist(),
    }


def _patient_records(
    patients: pd.DataFrame | None,
) -> dict[str, tuple[date | None, date | None, date | None]]:
    """patient_id → (start_date, death_date, new_therapy_date) as ``date`` or None."""
    if patients is None:
        return {}
    table = normalise_patients(patients)
    columns = [table[c].to_numpy("datetime64[D]").tolist()
               for c in ("start_date", "death_date", "new_therapy_date")]
    return {str(pid): record for pid, record in zip(table["patient_id"], zip(*columns))}


def _summarise_one(
    columns: dict[str, list[Any]], patient_id: str, responses: list[str], dates: list[date],
    non_target_only: bool, start: date | None, death: date | None,
    new_therapy: date | None, criteria: Criteria, best: BestResponse | None = None,
    has_response: bool = True,
) -> None:
    """Append one patient's summary (BOR, CONF, TTE rules) to the column lists.

    ``best``: the patient's ``best_overall_response`` when already known (computed for
    the cohort at once by ``_vector_bor``, valid only without a new therapy);
    ``has_response`` False: no CR/PR among the counted time points, so the confirmed BOR
    equals ``best`` and there is no response date (checked by the perf tests).
    """
    if start is None:  # no reference date at all (no start_date and no time point)
        for column, value in zip(SUMMARY_COLUMNS, (
                patient_id, NE, None, NE if criteria.confirmation else None, None, False,
                None, None, None, None,
                "no start date and no assessment: PFS cannot be dated")):
            columns[column].append(value)
        return
    kept = len(dates) if best is not None else kept_before_new_therapy(
        dates, new_therapy, criteria)
    analysed, analysed_dates = responses[:kept], dates[:kept]
    if best is None:
        best = best_overall_response(analysed, analysed_dates, start, criteria)
    confirmed_bor: str | None = None
    response_index: int | None = None
    if criteria.confirmation:
        if has_response:
            confirmed = confirmed_best_overall_response(
                analysed, analysed_dates, start, criteria, non_target_only=non_target_only)
            confirmed_bor, response_index = confirmed.response, confirmed.response_index
        else:
            confirmed_bor = best.response
    elif has_response:
        response_index = first_response_index(analysed)
    response_date = None if response_index is None else analysed_dates[response_index]
    pfs = progression_free_survival(responses, dates, start, death, new_therapy, criteria)
    dor = duration_of_response(response_date, responses, dates, death, new_therapy, criteria)
    for column, cell in zip(SUMMARY_COLUMNS, (
            patient_id, best.response,
            None if best.index is None else analysed_dates[best.index], confirmed_bor,
            progression_date(analysed, analysed_dates), pfs.event, pfs.date,
            (pfs.date - start).days + (1 if criteria.add_one_day else 0), response_date,
            None if dor is None else dor[1], pfs.reason)):
        columns[column].append(cell)


_RANK_OF: dict[str | None, int] = {None: RESPONSE_RANK[NE]}  # an empty response is NE
_RANK_OF.update(RESPONSE_RANK.items())
_PD_RANK, _NE_RANK = RESPONSE_RANK[PD], RESPONSE_RANK[NE]
_SD_RANK, _NCNP_RANK = RESPONSE_RANK[SD], RESPONSE_RANK[NON_CR_NON_PD]


def _vector_bor(
    overall: Sequence[str | None], days: npt.NDArray[np.int64], starts: npt.NDArray[np.intp],
    ends: npt.NDArray[np.intp], start_days: npt.NDArray[np.int64], criteria: Criteria,
) -> tuple[list[BestResponse], npt.NDArray[np.bool_]]:
    """``best_overall_response`` of every patient at once, on all their time points.

    ``overall``/``days`` are the sorted time point rows, ``starts``/``ends`` each
    patient's rows (baseline row included when its response is empty), ``start_days`` each
    patient's reference date (days since 1970). Returns the ``BestResponse`` per patient
    and whether a CR or PR is among the counted time points (BOR-1..8, as the rule
    function; the perf tests compare both on random cohorts).
    """
    n_rows, n_patients = len(overall), len(starts)
    if n_patients == 0:
        return [], np.zeros(0, dtype=bool)
    rank = np.array([_RANK_OF[r] for r in overall], dtype=np.int64)
    # every patient has a row; the first is the baseline when its response is empty
    first = starts + np.array([overall[i] is None for i in starts.tolist()], dtype=np.int64)
    group = np.repeat(np.arange(n_patients), ends - starts)
    position = np.arange(n_rows) - first[group]  # position among post-baseline rows
    post = position >= 0
    # BOR-1: rows up to and including the first PD
    is_pd = post & (rank == _PD_RANK)
    pd_before = np.cumsum(is_pd) - is_pd
    pd_before -= np.r_[0, np.cumsum(is_pd)][starts][group]
    counted = post & (pd_before == 0)
    late = (days - start_days[group]) >= criteria.sd_min_days  # BOR-4
    contribution = rank.copy()
    early = ~late & ((rank == _SD_RANK) | ((rank == _NCNP_RANK)
                                          & criteria.sd_min_for_non_cr_non_pd))
    contribution[early] = _NE_RANK
    contribution[~counted] = _NE_RANK + 1  # never the best
    best = np.full(n_patients, _NE_RANK + 1, dtype=np.int64)
    np.minimum.at(best, group, contribution)
    reaching = np.flatnonzero(counted & (contribution == best[group]))
    first_reaching = first_row_of_each(group[reaching], n_patients, rows=reaching)
    has_response = np.zeros(n_patients, dtype=bool)
    has_response[group[counted & (rank <= RESPONSE_RANK[PR])]] = True
    results: list[BestResponse] = []
    for rank_of, row, head in zip(best.tolist(), first_reaching.tolist(), first.tolist()):
        if rank_of > _NE_RANK:  # no counted time point (BOR-7)
            results.append(BestResponse(NE, None))
        elif rank_of == _NE_RANK:  # NE never replaces the first time point
            results.append(BestResponse(NE, 0))
        else:
            results.append(BestResponse(RESPONSES[rank_of], row - head))
    return results, has_response


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min


def _as_dates(values: Sequence[date | None]) -> npt.NDArray[np.datetime64]:
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
    columns: dict[str, list[Any]] = {c: [] for c in SUMMARY_COLUMNS}
    seen: set[str] = set()
    dates, overall, target = arrays["dates"], arrays["overall"], arrays["target"]
    ids, starts, ends = arrays["ids"], arrays["starts"], arrays["ends"]
    # (start, death, new_therapy, baseline fallback used) per patient
    references: list[tuple[date, date | None, date | None, bool]] = []
    for patient_id, begin in zip(ids, starts.tolist()):
        start, death, new_therapy = records.get(patient_id, (None, None, None))
        references.append((start or dates[begin], death, new_therapy, start is None))
    start_days = np.array([r[0].toordinal() - _EPOCH_ORDINAL for r in references],
                          dtype=np.int64)
    bests, responders = _vector_bor(overall, arrays["days"], starts, ends, start_days,
                                    criteria)
    assessed = [NE if r is None else r for r in overall]  # an empty response counts as NE
    firsts = starts + np.array([overall[i] is None for i in starts.tolist()], dtype=np.int64)
    with_target = np.r_[0, np.cumsum([t not in _NO_TARGET for t in target])]
    non_target_only = (with_target[ends] - with_target[firsts]) == 0
    for patient_id, begin, first, end, (start, death, new_therapy, fallback), best, responder, \
            no_target in zip(ids, starts.tolist(), firsts.tolist(), ends.tolist(), references,
                             bests, responders.tolist(), non_target_only.tolist()):
        seen.add(patient_id)
        baseline_date = dates[begin]
        if fallback and patients is not None:
            code, why = (("start-date-missing", "start_date is empty")
                         if patient_id in records else
                         ("patient-not-in-patients-table", "is not in the patients table"))
            findings.append(Finding(
                code,
                f"patient {patient_id}: {why}; the SD minimum and durations run from "
                f"the baseline scan date {baseline_date.isoformat()} instead (DEC-7)",
                Severity.WARNING, patient_id=patient_id, date=baseline_date.isoformat(),
                rule="DEC-7"))
        if new_therapy is not None:  # DEC-17 may drop time points: the rule functions
            best, responder = None, True
        _summarise_one(columns, patient_id, assessed[first:end], dates[first:end], no_target,
                       start, death, new_therapy, criteria, best, responder)
    for patient_id, (start, death, new_therapy) in records.items():
        if patient_id in seen:
            continue
        findings.append(Finding(
            "no-assessment",
            f"patient {patient_id} is in the patients table but has no time point: BOR NE "
            "and PFS from start_date (DEC-16)", Severity.INFO, patient_id=patient_id,
            rule="DEC-16"))
        _summarise_one(columns, patient_id, [], [], False, start, death, new_therapy,
                       criteria)
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

    BOR-1..8, CONF-1..7, TTE-1..10, DEC-7, DEC-16, DEC-17 (docs/rules.md).

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
