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

from recist.arrays import NAT_NS, first_row_of_each, first_seen_codes, run_starts
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
    response_ranks,
)
from recist.cohort_confirmation import confirmed_of_cohort
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
from recist.response_table import OVERALL_LABELS, TARGET_ORDER
from recist.timepoints import TimepointCodes
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
_NO_TARGET_OF_CODE = np.array([label in _NO_TARGET for label in [*TARGET_ORDER, None]])


def summary_columns(criteria: Criteria = RECIST_1_1) -> list[str]:
    """The ``patient_summary`` columns; ``confirmed_bor`` only with confirmation (CONF-1).

    >>> summary_columns()[:4]
    ['patient_id', 'bor', 'bor_date', 'pd_date']
    """
    return [c for c in SUMMARY_COLUMNS if c != "confirmed_bor" or criteria.confirmation]


def _text_or_none(values: pd.Series[Any], upper: bool = True
                  ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp], set[str | None]]:
    """Strings stripped (and upper-cased), missing → None: the distinct cleaned values
    (the last: None), each row's code into them (-1: missing) and the set of the values.

    Works on the distinct values only (a cohort has a handful of response labels).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned: list[str | None] = []
    for value in uniques:
        text = str(value).strip()
        text = text.upper() if upper else text
        cleaned.append(text if text else None)
    lookup = np.array(cleaned + [None], dtype=object)
    return lookup, np.asarray(codes, dtype=np.intp), set(cleaned)


class _TimepointArrays(TypedDict):
    """The time point table as arrays sorted by patient, then date."""

    ids: list[str]  # one per patient
    starts: npt.NDArray[np.intp]  # each patient's first row
    ends: npt.NDArray[np.intp]  # each patient's row after the last
    days: npt.NDArray[np.int64]  # the dates as days since 1970
    overall_labels: npt.NDArray[np.object_]  # cleaned labels, None when empty
    overall: npt.NDArray[np.intp]  # each row's label, its code into ``overall_labels``
    rank: npt.NDArray[np.int64]  # ``response_ranks`` of the labels
    missing: npt.NDArray[np.bool_]  # the label empty
    no_target: npt.NDArray[np.bool_]  # no target response (empty or NA)


def _patient_codes(column: pd.Series[Any]
                   ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Each row's patient as a code into the sorted, stripped ids (-1 for an empty id),
    and those ids with None last (code -1)."""
    # the texts are cleaned once per distinct value
    raw_codes, raw_uniques = pd.factorize(column, use_na_sentinel=True)
    cleaned = [str(value).strip() or None for value in raw_uniques]
    distinct = [text for text in cleaned if text is not None]
    ordered = all(a < b for a, b in zip(distinct, distinct[1:]))  # first seen in order: sorted
    if ordered and len(distinct) == len(cleaned):  # none empty either (as
        # ``recist.timepoints`` writes them): each id's code is its position already
        patient_codes = np.asarray(raw_codes, dtype=np.intp)
    else:
        if not ordered:
            distinct = sorted(set(distinct))
        position = {text: i for i, text in enumerate(distinct)}
        lookup = np.array([-1 if text is None else position[text] for text in cleaned] + [-1],
                          dtype=np.intp)
        patient_codes = lookup[raw_codes]
    return patient_codes, np.array([*distinct, None], dtype=object)


def _coded_patients(codes: TimepointCodes
                    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]] | None:
    """``_patient_codes`` of a table given with its ``codes``, read from them when its
    ids are clean already (text, stripped, not empty) and ascending, so that cleaning
    and sorting them would change nothing; else None."""
    texts = codes.patient_ids
    ids = texts.tolist()
    # each check a loop in C: text; strictly ascending (sorted and distinct, compared
    # as texts once they are), so "" (the smallest text) could only be the first; stripped
    if (set(map(type, ids)) <= {str} and bool(np.all(texts[1:] > texts[:-1]))
            and (not ids or ids[0] != "") and list(map(str.strip, ids)) == ids):
        return np.asarray(codes.patient, dtype=np.intp), np.array([*ids, None], dtype=object)
    return None


def _timepoint_arrays(timepoints: pd.DataFrame,
                      codes: TimepointCodes | None = None) -> _TimepointArrays:
    """Validate the time point table and return its columns sorted by patient and date.

    ``codes``: the table's ``TimepointCodes`` (``summarise_patients_with_findings``),
    read instead of its patient and response texts."""
    missing = [c for c in _REQUIRED_TIMEPOINT_COLUMNS if c not in timepoints.columns]
    if missing:
        raise RecistDataError(
            f"timepoints table: missing column(s) {', '.join(missing)}; it needs at least "
            f"{', '.join(_REQUIRED_TIMEPOINT_COLUMNS)} (recist.timepoints.assess_timepoints "
            "writes them)"
        )
    coded = None if codes is None else _coded_patients(codes)
    patient_codes, ids_of = (_patient_codes(timepoints["patient_id"]) if coded is None
                             else coded)
    empty = np.flatnonzero(patient_codes < 0)
    if len(empty):
        raise RecistDataError(
            f"timepoints table row {int(empty[0])}: patient_id is empty; every time point "
            "needs the patient it belongs to")
    dates = timepoints["date"]
    if dates.dtype == np.dtype("datetime64[ns]"):  # dates already: no conversion
        no_date = np.isnat(dates.to_numpy())
    else:
        dates = pd.to_datetime(dates, errors="coerce")
        no_date = dates.isna().to_numpy()
    if no_date.any():
        row = int(np.flatnonzero(no_date)[0])
        raise RecistDataError(
            f"timepoints table, patient_id {ids_of[patient_codes[row]]}: date "
            f"{timepoints['date'].iloc[row]!r} is missing or not a date; every time point "
            "needs its scan date"
        )
    labels: set[str | None] = set()  # the labels of OVERALL_ORDER: none to clean nor check
    if codes is not None:
        overall_labels, overall_codes = OVERALL_LABELS.copy(), codes.overall
    else:
        overall_labels, overall_codes, labels = _text_or_none(timepoints["overall_response"])
    if TargetResponse.NA in labels:  # a baseline row written with the literal label NA
        overall_labels[overall_labels == TargetResponse.NA] = None
        labels.discard(TargetResponse.NA)
    unknown = labels - set(RESPONSES) - {None}
    if unknown:
        overall = overall_labels[overall_codes]
        row = next(i for i, label in enumerate(overall) if label in unknown)
        raise RecistDataError(
            f"timepoints table, patient_id {ids_of[patient_codes[row]]}, date "
            f"{dates.iloc[row].date()}: overall_response {overall[row]!r} is not one of "
            f"{', '.join(RESPONSES)}"
        )
    if codes is not None:
        no_target = _NO_TARGET_OF_CODE[codes.target]
    elif "target_response" in timepoints.columns:
        target_labels, target_codes, _ = _text_or_none(timepoints["target_response"])
        no_target_of = np.array([label in _NO_TARGET for label in target_labels.tolist()])
        no_target = no_target_of[target_codes]
    else:
        no_target = np.ones(len(timepoints), dtype=bool)
    rank_of, missing_of = response_ranks(overall_labels)  # labels checked: empty ranks NE
    days = dates.to_numpy("datetime64[D]")
    day_numbers = days.view(np.int64)
    step = np.diff(patient_codes)
    if ((step > 0) | ((step == 0) & (day_numbers[1:] >= day_numbers[:-1]))).all():
        order: slice | npt.NDArray[np.intp] = slice(None)  # sorted already (as
        # ``recist.timepoints`` writes them)
    else:
        order = np.lexsort((days, patient_codes))
    by_row = patient_codes[order]
    starts = np.flatnonzero(run_starts(by_row))
    return {
        "ids": ids_of[by_row[starts]].tolist(),
        "starts": starts,
        "ends": np.r_[starts[1:], len(by_row)] if len(by_row) else starts,
        "days": day_numbers[order].copy(),
        "overall_labels": overall_labels,
        "overall": overall_codes[order],
        "rank": rank_of[overall_codes][order],
        "missing": missing_of[overall_codes][order],
        "no_target": no_target[order],
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


_PD_RANK, _NE_RANK = RESPONSE_RANK[PD], RESPONSE_RANK[NE]
_SD_RANK, _NCNP_RANK = RESPONSE_RANK[SD], RESPONSE_RANK[NON_CR_NON_PD]


def _vector_bor(
    rank: npt.NDArray[np.int64], days: npt.NDArray[np.int64], starts: npt.NDArray[np.intp],
    first: npt.NDArray[np.intp], group: npt.NDArray[np.intp], post: npt.NDArray[np.bool_],
    start_days: npt.NDArray[np.int64], criteria: Criteria,
) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``best_overall_response`` of every patient at once, on all their time points.

    ``rank``/``days`` are the sorted time point rows (``response_ranks``), ``starts``
    each patient's first row (the baseline row included when its response is empty),
    ``first`` its first post-baseline row, ``group`` each row's patient, ``post``
    whether a row is post-baseline, ``start_days`` each patient's reference date (days
    since 1970). Returns per patient the best response, the row reaching it (-1 when none,
    BOR-7), whether a CR or PR is among the counted time points, and per row whether it
    counts (BOR-1..8, as the rule function; the perf tests compare both on random
    cohorts).
    """
    n_patients = len(starts)
    if n_patients == 0:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), np.zeros(0, bool)
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
    reaching = reaching[run_starts(group[reaching])]  # rows by patient: each one's first
    first_reaching = np.full(n_patients, -1, dtype=np.int64)
    first_reaching[group[reaching]] = reaching
    has_response = np.zeros(n_patients, dtype=bool)
    has_response[group[counted & (rank <= RESPONSE_RANK[PR])]] = True
    labels = np.array([*RESPONSES, NE], dtype=object)  # rank _NE_RANK + 1: no time point
    # BOR-7: no counted time point -> NE without a row; NE never replaces the first row
    rows = np.where(best > _NE_RANK, -1, np.where(best == _NE_RANK, first, first_reaching))
    return labels[best].tolist(), rows.astype(np.int64), has_response, counted


def _first_response_rows(rank: npt.NDArray[np.int64], counted: npt.NDArray[np.bool_],
                         group: npt.NDArray[np.intp], n: int) -> npt.NDArray[np.int64]:
    """Each patient's first counted CR or PR row, -1 for none (``first_response_index``,
    TTE-6, TTE-9)."""
    rows = np.flatnonzero(counted & (rank <= RESPONSE_RANK[PR]))
    return first_row_of_each(group[rows], n, rows=rows)


def _positions(keys: npt.NDArray[np.object_], ids: list[str]) -> npt.NDArray[np.intp]:
    """Each id's row among ``keys`` (the patients table's ids, unique), -1 when absent:
    ``pandas.Index(keys).get_indexer(ids)``, without hashing when the table lists
    exactly these patients in this order (as a table sorted by id does).

    >>> _positions(np.array(["P1", "P2"], dtype=object), ["P1", "P2"]).tolist()
    [0, 1]
    >>> _positions(np.array(["P2", "P1"], dtype=object), ["P1", "P3"]).tolist()
    [1, -1]
    """
    if len(keys) == len(ids) and (keys == np.array(ids, dtype=object)).all():
        return np.arange(len(ids), dtype=np.intp)
    positions: npt.NDArray[np.intp] = pd.Index(keys).get_indexer(ids)
    return positions


def _record_days(table: pd.DataFrame | None, column: str,
                 position: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """A date column of the patients table at ``position`` (-1: none) as days since 1970,
    ``NAT_NS`` where missing."""
    if table is None or table.empty:  # no table, or a header without rows: nobody's
        return np.full(len(position), NAT_NS, dtype=np.int64)
    values = table[column].to_numpy("datetime64[D]").view(np.int64)
    return np.where(position >= 0, values[np.maximum(position, 0)], NAT_NS)


def _day(value: int) -> date | None:
    """Days since 1970 as a ``date`` (None for ``NAT_NS``)."""
    return None if value == NAT_NS else date.fromordinal(int(value) + _EPOCH_ORDINAL)


def _rows_of(labels: npt.NDArray[np.object_], overall: npt.NDArray[np.intp],
             days: npt.NDArray[np.int64], first: int, end: int) -> tuple[list[str], list[date]]:
    """One patient's post-baseline responses (``labels`` at its codes ``overall``; empty
    → NE) and dates, for the rule functions."""
    responses = [NE if r is None else r for r in labels[overall[first:end]].tolist()]
    dates = days[first:end].view("datetime64[D]").tolist()
    return responses, dates


def _dates_of(days: npt.NDArray[np.int64], more: list[date | None]) -> npt.NDArray[Any]:
    """Days since 1970 (``NAT_NS`` for none) and more ``date``/None as datetime64[ns]."""
    return np.r_[np.asarray(days, dtype=np.int64).view("datetime64[D]").astype(
        "datetime64[ns]"), _as_dates(more)]


def _texts_of(values: npt.NDArray[np.object_], more: list[Any]) -> npt.NDArray[np.object_]:
    """An object array and more values as one object array."""
    if not more:
        return np.asarray(values, dtype=object)
    return np.array([*values, *more], dtype=object)


def _integers_of(values: npt.NDArray[np.int64], more: list[int | None]) -> Any:
    """Whole days (``NAT_NS`` for none) and more int/None as a nullable Int64 array."""
    tail = np.array([NAT_NS if v is None else v for v in more], dtype=np.int64)
    every = np.r_[np.asarray(values, dtype=np.int64), tail]
    absent = every == NAT_NS
    return pd.arrays.IntegerArray(np.where(absent, 0, every), absent)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

def _as_dates(values: Sequence[date | None]) -> npt.NDArray[np.datetime64]:
    """``date``/None list → datetime64[ns] array (NaT for None), without per-item numpy."""
    days = np.array([NAT_NS if d is None else d.toordinal() - _EPOCH_ORDINAL for d in values],
                    dtype=np.int64)
    return days.view("datetime64[D]").astype("datetime64[ns]")


def _iso(days: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """Days since 1970 as ISO date strings (``2024-03-01``), vectorised."""
    return np.datetime_as_string(days.view("datetime64[D]"), unit="D").astype(object)


def _dated_texts(prefix: str, days: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """``prefix`` followed by each day as an ISO date (``_iso``), each distinct day's
    text written once (patients share their scan dates).

    >>> _dated_texts("on ", np.array([19783, 19723, 19783])).tolist()
    ['on 2024-03-01', 'on 2024-01-01', 'on 2024-03-01']
    """
    codes, distinct = first_seen_codes(days)
    texts: npt.NDArray[np.object_] = (prefix + _iso(distinct))[codes]
    return texts


def _vector_endpoints(
    responses: npt.NDArray[np.int64], days: npt.NDArray[np.int64],
    group: npt.NDArray[np.intp], post: npt.NDArray[np.bool_], n_patients: int,
    start_days: npt.NDArray[np.int64], death_days: npt.NDArray[np.int64],
    response_days: npt.NDArray[np.int64], criteria: Criteria,
) -> dict[str, Any]:
    """PD date, PFS and DoR of every patient at once (TTE-1, TTE-3, TTE-4, TTE-6, TTE-10,
    DEC-16), for patients without a new therapy and without the missed-assessment rule.

    ``responses`` are the ranks of the time point rows sorted by patient and date (an
    empty response ranked NE), ``post`` marks the post-baseline rows, ``group`` each
    row's patient (ascending); dates are
    days since 1970 with ``NAT_NS`` for none. Equal, patient by patient, to
    ``progression_free_survival`` and ``duration_of_response`` (the perf tests compare
    them on random cohorts):

    * PD date: the first PD; PFS event: the earlier of it and death (when
      ``death_is_pfs_event``), progression first on a tie; else censored at the last
      adequate (not NE) assessment, or at the start date when there is none.
    * DoR end (responders): the earlier of the first PD (which follows the response) and
      death (when ``death_is_dor_event``); else the last adequate assessment (the response
      at the latest).
    """
    big = np.iinfo(np.int64).max
    # rows by patient, then date: a patient's first PD row has its earliest PD date, its
    # last adequate row its latest adequate date
    pd_rows = np.flatnonzero(post & (responses == _PD_RANK))
    pd_rows = pd_rows[run_starts(group[pd_rows])]
    first_pd = np.full(n_patients, big, dtype=np.int64)
    first_pd[group[pd_rows]] = days[pd_rows]
    adequate = np.flatnonzero(post & (responses != _NE_RANK))
    adequate = adequate[np.r_[run_starts(group[adequate])[1:], True]] if len(adequate) else (
        adequate)
    last = np.full(n_patients, NAT_NS, dtype=np.int64)
    last[group[adequate]] = days[adequate]
    has_pd, has_last = first_pd != big, last != NAT_NS
    has_death = death_days != NAT_NS

    def end_of(death_counts: bool) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        death = np.where(has_death, death_days, big) if death_counts else np.full_like(
            first_pd, big)
        event_date = np.minimum(first_pd, death)
        return event_date != big, event_date

    pfs_event, event_date = end_of(criteria.death_is_pfs_event)
    pfs_date = np.where(pfs_event, event_date, np.where(has_last, last, start_days))
    reason = np.full(n_patients, None, dtype=object)
    never = ~pfs_event & ~has_last
    reason[never] = _dated_texts("no adequate post-baseline assessment: censored at start "
                                 "date ", start_days[never])
    uncounted = ~pfs_event & has_last & has_death & (not criteria.death_is_pfs_event)
    reason[uncounted] = ("death on " + _iso(death_days[uncounted])
                         + " not counted as an event: censored at last adequate "
                         "assessment " + _iso(last[uncounted]))
    plain = ~pfs_event & has_last & ~uncounted
    reason[plain] = _dated_texts("no progression or death: censored at last adequate "
                                 "assessment ", last[plain])
    responder = response_days != NAT_NS
    dor_event, dor_event_date = end_of(criteria.death_is_dor_event)
    dor_end = np.where(dor_event, dor_event_date, last)
    extra = 1 if criteria.add_one_day else 0
    return {
        "pd_date": np.where(has_pd, first_pd, NAT_NS),
        "pfs_event": pfs_event,
        "pfs_date": pfs_date,
        "pfs_days": pfs_date - start_days + extra,
        "censor_reason": reason,
        "dor_days": np.where(responder, dor_end - response_days + extra, NAT_NS),
    }



def summarise_patients_with_findings(
    timepoints: pd.DataFrame,
    patients: pd.DataFrame | None = None,
    criteria: Criteria = RECIST_1_1,
    *, normalised: bool = False, codes: TimepointCodes | None = None,
) -> tuple[pd.DataFrame, list[Finding]]:
    """``summarise_patients`` plus the findings it raised (DEC-7 fallbacks, …).

    ``normalised``: ``patients`` is already the result of
    ``recist.patients.normalise_patients`` (``recist.response.respond`` normalises it once).
    ``codes``: the ``recist.timepoints.TimepointCodes`` that
    ``assess_timepoints_with_findings`` gave with ``timepoints`` (the table unchanged
    since), read instead of hashing its patient and response texts (``recist.response``
    passes them).

    Findings (severity warning unless stated):

    * ``no-patients-table`` (info, DEC-7): no patients table was given; every duration
      runs from the patient's baseline scan date.
    * ``patient-not-in-patients-table`` (DEC-7): a patient of the time point table has no
      row in the patients table; baseline date used.
    * ``start-date-missing`` (DEC-7): the patient's start_date is empty; baseline date used.
    * ``no-assessment`` (info, DEC-16): a patient of the patients table has no time point.
    """
    findings: list[Finding] = []
    arrays = _timepoint_arrays(timepoints, codes)
    if patients is None:
        findings.append(Finding(
            "no-patients-table",
            "no patients table was given: the SD minimum and every duration run from each "
            "patient's baseline scan date, and deaths and new therapies are unknown (DEC-7); "
            "pass a patients table with start_date to use treatment start",
            Severity.INFO, rule="DEC-7"))
    ids, starts, ends, days = arrays["ids"], arrays["starts"], arrays["ends"], arrays["days"]
    overall = arrays["overall"]
    n = len(ids)
    table = patients if patients is None or normalised else normalise_patients(patients)
    # each patient's row of the patients table (-1: none), and its dates as days
    if table is None:
        position = np.full(n, -1, dtype=np.intp)
    else:
        position = _positions(table["patient_id"].astype(str).to_numpy(dtype=object), ids)
        seen = np.zeros(len(table), dtype=bool)  # the table's rows with a time point
        seen[position[position >= 0]] = True
    start_days, death_days, therapy_days = (_record_days(table, column, position)
                                            for column in ("start_date", "death_date",
                                                           "new_therapy_date"))
    baseline_days = days[starts]
    fallback = start_days == NAT_NS
    start_days = np.where(fallback, baseline_days, start_days)
    if table is not None:
        for i in np.flatnonzero(fallback).tolist():  # DEC-7 findings, one per such patient
            patient_id, baseline = ids[i], _iso(baseline_days[i:i + 1])[0]
            code, why = (("start-date-missing", "start_date is empty") if position[i] >= 0
                         else ("patient-not-in-patients-table",
                               "is not in the patients table"))
            findings.append(Finding(
                code,
                f"patient {patient_id}: {why}; the SD minimum and durations run from "
                f"the baseline scan date {baseline} instead (DEC-7)",
                Severity.WARNING, patient_id=patient_id, date=baseline, rule="DEC-7"))
    rank, missing = arrays["rank"], arrays["missing"]
    # every patient has a row; the first is the baseline when its response is empty
    group = np.repeat(np.arange(n), ends - starts)
    firsts = starts + missing[starts]
    post = np.arange(len(rank)) >= firsts[group]
    bests, best_rows, responders, counted = _vector_bor(rank, days, starts, firsts, group, post,
                                                        start_days, criteria)
    has_target = ~arrays["no_target"] & post
    non_target_only = np.bincount(group[has_target], minlength=n) == 0
    # the confirmed BOR and the response date (CONF-1..7, TTE-6): rule functions for the
    # patients with a CR or PR only
    confirmed = np.array(bests, dtype=object)
    response_days = np.full(n, NAT_NS, dtype=np.int64)
    if criteria.confirmation:  # the rule function for every patient at once
        labels, response_rows = confirmed_of_cohort(rank, days, group, counted, start_days,
                                                    non_target_only, criteria)
        confirmed = np.where(responders, labels, confirmed)
        response_days = np.where(responders & (response_rows >= 0),
                                 days[np.maximum(response_rows, 0)], NAT_NS)
    else:
        first_response = _first_response_rows(rank, counted, group, n)
        response_days = np.where(first_response >= 0, days[first_response], NAT_NS)
    ends_of = _vector_endpoints(rank, days, group, post, n, start_days, death_days,
                                response_days, criteria)
    columns: dict[str, Any] = {
        "patient_id": np.asarray(ids, dtype=object), "bor": np.array(bests, dtype=object),
        "bor_date": np.where(best_rows >= 0, days[np.maximum(best_rows, 0)], NAT_NS),
        "confirmed_bor": confirmed if criteria.confirmation else np.full(n, None, object),
        "response_date": response_days, **ends_of,
    }
    # patients whose time points a new therapy cuts (DEC-17), or with the missed-assessment
    # rule on (TTE-5): the rule functions, patient by patient
    slow = (therapy_days != NAT_NS) | criteria.censor_after_missed_assessments
    rows: dict[str, list[Any]] = {c: [] for c in SUMMARY_COLUMNS}
    slow_at = np.flatnonzero(slow).tolist()
    for i in slow_at:
        responses, dates = _rows_of(arrays["overall_labels"], overall, days, firsts[i],
                                    ends[i])
        _summarise_one(rows, ids[i], responses, dates, bool(non_target_only[i]),
                       _day(start_days[i]), _day(death_days[i]), _day(therapy_days[i]),
                       criteria)
    for column in SUMMARY_COLUMNS:
        if slow_at and column != "patient_id":
            values = rows[column]
            if column.endswith("_date"):
                values = [NAT_NS if v is None else v.toordinal() - _EPOCH_ORDINAL
                          for v in values]
            elif column.endswith("_days"):
                values = [NAT_NS if v is None else v for v in values]
            columns[column][slow_at] = values
    # patients of the patients table without any time point (DEC-16)
    extra: dict[str, list[Any]] = {c: [] for c in SUMMARY_COLUMNS}
    unseen = [] if table is None else np.flatnonzero(~seen).tolist()
    unseen_days = [] if table is None or not unseen else [  # each column once, not per row
        _record_days(table, c, np.array(unseen, dtype=np.intp))
        for c in ("start_date", "death_date", "new_therapy_date")]
    for k, row in enumerate(unseen):
        assert table is not None
        patient_id = str(table["patient_id"].iloc[row])
        findings.append(Finding(
            "no-assessment",
            f"patient {patient_id} is in the patients table but has no time point: BOR NE "
            "and PFS from start_date (DEC-16)", Severity.INFO, patient_id=patient_id,
            rule="DEC-16"))
        start, death, therapy = (_day(days[k]) for days in unseen_days)
        _summarise_one(extra, patient_id, [], [], False, start, death, therapy, criteria)
    data = {
        "patient_id": pd.array(_texts_of(columns["patient_id"], extra["patient_id"]),
                               dtype="string"),
        "bor": _texts_of(columns["bor"], extra["bor"]),
        "bor_date": _dates_of(columns["bor_date"], extra["bor_date"]),
        "confirmed_bor": _texts_of(columns["confirmed_bor"], extra["confirmed_bor"]),
        "pd_date": _dates_of(columns["pd_date"], extra["pd_date"]),
        "pfs_event": np.r_[columns["pfs_event"].astype(bool),
                           np.array(extra["pfs_event"], dtype=bool)],
        "pfs_date": _dates_of(columns["pfs_date"], extra["pfs_date"]),
        "pfs_days": _integers_of(columns["pfs_days"], extra["pfs_days"]),
        "response_date": _dates_of(columns["response_date"], extra["response_date"]),
        "dor_days": _integers_of(columns["dor_days"], extra["dor_days"]),
        "censor_reason": _texts_of(columns["censor_reason"], extra["censor_reason"]),
    }
    # the output's columns only, in their order (no second frame selecting them); the
    # arrays are this call's own, so the frame takes them without a copy
    frame = pd.DataFrame({column: data[column] for column in summary_columns(criteria)},
                         copy=False)
    if unseen:  # the time points' patients come sorted (``_timepoint_arrays``)
        frame = frame.sort_values("patient_id", kind="stable").reset_index(drop=True)
    return frame, findings


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
