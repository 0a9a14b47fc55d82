"""DEC-1 continuing response: keep a reached (and confirmed) response as PR until PD.

RECIST 1.1 judges PR against the baseline sum at every time point, so 100 → 70 → 80 mm
reads PR then SD. The RECIST FAQ ("The definition of SD: a clarification", "Managing PR
when TP measurements change slightly over time") keeps the response until PD. The project
default is the paper (``Criteria.continuing_response = False``); with the option on,
``apply_continuing_response`` relabels the time point table accordingly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import run_starts
from recist.best_response import (
    CR,
    PD,
    PR,
    RESPONSE_RANK,
    SD,
    confirming_time_point,
    counted_time_points,
    response_ranks,
)
from recist.cohort_confirmation import confirming_rows
from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.reason_text import distinct_texts
from recist.sums import NewTherapyCutoffs

_NEEDED_COLUMNS = ("patient_id", "date", "target_response", "overall_response")

__all__ = ["apply_continuing_response", "continued_positions", "continuing_response_start"]


def continuing_response_start(
    responses: Sequence[str], dates: Sequence[date], criteria: Criteria = RECIST_1_1
) -> int | None:
    """Position of the time point from which a response is carried forward, or None.

    DEC-1 (TGT-after-PR; FAQ "The definition of SD: a clarification").

    1. Only time points before the first PD are considered (BOR-1).
    2. Without ``criteria.confirmation``: the first CR or PR time point.
    3. With it: the earliest time point that confirms some CR or PR
       (``confirming_time_point``) — a response is carried only once it is confirmed.

    Interpretation: carrying starts *after* that time point, so a carried label can never
    be what confirms the response it continues.

    >>> d = [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    >>> continuing_response_start(["SD", "PR", "SD"], d)
    1
    >>> continuing_response_start(["PR", "SD", "SD"], d, Criteria(confirmation=True)) is None
    True
    """
    count = counted_time_points(responses)
    if responses[:count] and responses[count - 1] == PD:
        count -= 1
    if not criteria.confirmation:
        for position in range(count):
            if responses[position] in (CR, PR):
                return position
        return None
    earliest = None
    for position in range(count):
        if responses[position] in (CR, PR):
            confirmer = confirming_time_point(responses[:count], dates[:count], position,
                                              criteria)
            if confirmer is not None and (earliest is None or confirmer < earliest):
                earliest = confirmer
    return earliest


def continued_positions(
    target_responses: Sequence[str | None],
    responses: Sequence[str],
    dates: Sequence[date],
    criteria: Criteria = RECIST_1_1,
) -> list[int]:
    """Positions whose target SD is relabelled PR under continuing response.

    DEC-1. With ``criteria.continuing_response`` off → none.

    1. Find the start with ``continuing_response_start``; none → none.
    2. Every later time point before the first PD whose target response is SD and whose
       overall response is SD (target SD, non-targets not PD, no new lesion: OVR-T1-5) is
       relabelled: target PR and overall PR (OVR-T1-4).
    3. A CR is never carried forward: the carried label is PR even after a CR.

    >>> d = [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    >>> continued_positions(["PR", "SD", "PD"], ["PR", "SD", "PD"], d,
    ...                     Criteria(continuing_response=True))
    [1]
    """
    if not criteria.continuing_response:
        return []
    start = continuing_response_start(responses, dates, criteria)
    if start is None:
        return []
    relabelled = []
    for position in range(start + 1, len(responses)):
        if responses[position] == PD:
            break
        if target_responses[position] == SD and responses[position] == SD:
            relabelled.append(position)
    return relabelled


def apply_continuing_response(
    timepoints: pd.DataFrame, criteria: Criteria = RECIST_1_1,
    cutoffs: NewTherapyCutoffs | None = None,
) -> pd.DataFrame:
    """Return a copy of the time point table with DEC-1 continuing response applied.

    DEC-1. With ``criteria.continuing_response`` off the copy is unchanged. Otherwise, per
    patient (rows whose ``overall_response`` is missing, such as the baseline row, are not
    assessments), the positions of ``continued_positions`` get ``target_response`` and
    ``overall_response`` PR and the reason "DEC-1 continuing response: …" appended to
    ``reasons``. The input is not modified; row order is kept.

    DEC-17: ``cutoffs`` (optional) maps patient_id → ``new_therapy_date``; that patient's
    time points dated on or after it are left out: they neither start, confirm nor
    receive a continued response (``recist.respond`` passes the cut-offs when
    ``criteria.censor_at_new_therapy``).

    Examples
    --------
    FAQ example 100 → 70 → 80 mm:

    >>> table = pd.DataFrame({
    ...     "patient_id": ["p1"] * 3,
    ...     "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-05-01"]),
    ...     "target_response": [None, "PR", "SD"], "overall_response": [None, "PR", "SD"],
    ...     "reasons": ["baseline", "TGT-PR", "TGT-SD"]})
    >>> list(apply_continuing_response(table)["overall_response"])
    [None, 'PR', 'SD']
    >>> out = apply_continuing_response(table, Criteria(continuing_response=True))
    >>> list(out["overall_response"]), list(out["target_response"])
    ([None, 'PR', 'PR'], [None, 'PR', 'PR'])

    New therapy on 2024-04-01: the SD of 2024-05-01 is after it and stays SD.

    >>> out = apply_continuing_response(table, Criteria(continuing_response=True),
    ...                                 cutoffs={"p1": "2024-04-01"})
    >>> list(out["overall_response"])
    [None, 'PR', 'SD']
    """
    table = timepoints.copy()
    if not criteria.continuing_response or table.empty:
        return table
    missing = [c for c in _NEEDED_COLUMNS if c not in table.columns]
    if missing:
        raise RecistDataError(
            f"timepoints table: missing column(s) {', '.join(missing)}; continuing response "
            f"(DEC-1) needs {', '.join(_NEEDED_COLUMNS)}"
        )
    patient_codes, patient_ids = pd.factorize(table["patient_id"], sort=True)
    order = np.lexsort((table["date"].to_numpy("datetime64[ns]"), patient_codes))
    changed, since = _continued_rows(table, order, patient_codes[order] + 1,
                                     np.r_[[None], np.asarray(patient_ids, dtype=object)],
                                     criteria, cutoffs)
    changed_rows = order[changed].tolist()
    texts, codes = distinct_texts(since, "%s")
    changed_reasons = np.array([
        f"DEC-1 continuing response: target SD kept as PR, response reached on {day} "
        "continues until PD" for day in texts.tolist()], dtype=object)[codes]
    if changed_rows:
        index = table.index[changed_rows]
        for column in ("target_response", "overall_response"):
            table.loc[index, column] = PR
        if "reasons" in table.columns:
            old = table.loc[index, "reasons"].astype(object).where(
                table.loc[index, "reasons"].notna(), "")
            text = old.to_numpy(dtype=object)
            table.loc[index, "reasons"] = np.where(text != "", text + "; " + changed_reasons,
                                                   changed_reasons)
    return table


def _continued_rows(
    table: pd.DataFrame, order: npt.NDArray[np.intp], group_all: npt.NDArray[np.intp],
    patient_ids: npt.NDArray[np.object_], criteria: Criteria,
    cutoffs: NewTherapyCutoffs | None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
    """``continued_positions`` of every patient at once: the positions in ``order`` (the
    rows sorted by patient and date; ``group_all`` their patients, ascending, and
    ``patient_ids`` the ids of those codes) relabelled PR, and for each the ISO date of
    the time point the response is carried from (``continuing_response_start``).

    Each patient's sequence is their rows with an overall response dated before their
    cut-off (DEC-17); the start is the first CR/PR before the first PD, or with
    confirmation the earliest time point confirming one (``recist.cohort_confirmation``).
    """
    overall = table["overall_response"].to_numpy(object)[order]
    target = table["target_response"].to_numpy(object)[order]
    days_all = table["date"].to_numpy("datetime64[D]")[order].view(np.int64)
    assessed = ~pd.isna(overall)
    given = {} if cutoffs is None else cutoffs
    cut = {str(k): pd.Timestamp(v).date() for k, v in given.items() if not pd.isna(v)}
    if cut:  # each patient's first excluded day
        limit = np.full(len(patient_ids), np.iinfo(np.int64).max, dtype=np.int64)
        at = pd.Index(np.asarray(patient_ids).astype(str)).get_indexer(list(cut))
        limit[at[at >= 0]] = np.array(list(cut.values()), dtype="datetime64[D]").view(
            np.int64)[at >= 0]
        assessed &= days_all < limit[group_all]
    rows = np.flatnonzero(assessed)
    group, days = group_all[rows], days_all[rows]
    rank = response_ranks(overall[rows])[0]  # another label: after NE, never a response
    is_pd = rank == _PD
    pd_so_far = np.cumsum(is_pd)
    first_of_group = run_starts(group)
    pd_before_group = (pd_so_far - is_pd)[np.maximum.accumulate(
        np.where(first_of_group, np.arange(len(rows)), 0))]
    before_pd = pd_so_far - pd_before_group == 0  # strictly before the patient's first PD
    n_patients = len(patient_ids)
    none = len(rows)
    start = np.full(n_patients, none, dtype=np.intp)
    if criteria.confirmation:
        confirmer = confirming_rows(rank, days, group, before_pd, criteria)
        np.minimum.at(start, group[confirmer >= 0], confirmer[confirmer >= 0])
    else:
        responding = np.flatnonzero(before_pd & ((rank == _CR) | (rank == _PR)))
        np.minimum.at(start, group[responding], responding)
    started = start[group]
    relabel = (before_pd & (np.arange(len(rows)) > started) & (started < none)
               & (target[rows] == SD) & (overall[rows] == SD))
    changed = rows[relabel]
    since = np.datetime_as_string(days[started[relabel]].view("datetime64[D]"))
    return changed, since.astype(object)


_CR, _PR, _PD = RESPONSE_RANK[CR], RESPONSE_RANK[PR], RESPONSE_RANK[PD]
