"""Confirmed best overall response of a whole cohort at once (CONF-1..7), as numpy.

``confirmed_best_overall_response`` (``recist.best_response``) is the rule, written for
one patient; ``confirmed_of_cohort`` applies the same steps to every patient of a sorted
time point table in one pass of array operations (no per-patient Python loop):

* the confirming time point of every CR/PR row (``confirming_time_point``, CONF-2, CONF-3,
  CONF-6, DEC-8) is the first later counted row of a confirming category at least
  ``confirmation_min_days`` later (a binary search on (patient, day) keys, then the next
  row of that category); the rows between are checked with prefix counts;
* then, per patient, the first confirmed CR, else the first confirmed PR, else SD, else
  NON-CR/NON-PD, else PD, else NE (CONF-4, CONF-5, DEC-6).

``tests/recist/cohort_confirmation`` compares it with the rule function on random cohorts
and criteria.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recist.arrays import first_row_of_each
from recist.best_response import CR, MAX_SD_BETWEEN, NE, NON_CR_NON_PD, PD, PR, RESPONSE_RANK, SD
from recist.criteria import RECIST_1_1, Criteria

__all__ = ["confirmed_of_cohort", "confirming_rows"]

_CR, _PR, _SD = RESPONSE_RANK[CR], RESPONSE_RANK[PR], RESPONSE_RANK[SD]
_NCNP, _PD, _NE = RESPONSE_RANK[NON_CR_NON_PD], RESPONSE_RANK[PD], RESPONSE_RANK[NE]
# per patient outcome code -> label (the order of the CONF-4/5 steps)
_OUTCOMES = np.array([CR, PR, SD, NON_CR_NON_PD, PD, NE], dtype=object)


def _next_true(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    """For each position k (and ``len(flags)``), the first position >= k where ``flags``
    holds, ``len(flags)`` for none: the flagged positions, each read at the number of
    flags before k.

    >>> _next_true(np.array([False, True, False, True, False])).tolist()
    [1, 1, 3, 3, 5, 5]
    """
    where = np.append(np.flatnonzero(flags), len(flags))
    found: npt.NDArray[np.intp] = where[_counts(flags)]
    return found


def _counts(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Prefix counts: ``counts[b] - counts[a]`` is the number of flags in ``[a, b)``."""
    return np.r_[0, np.cumsum(flags, dtype=np.int64)]


def confirming_rows(rank: npt.NDArray[np.int64], days: npt.NDArray[np.int64],
                group: npt.NDArray[np.intp], counted: npt.NDArray[np.bool_],
                criteria: Criteria) -> npt.NDArray[np.intp]:
    """``confirming_time_point`` of every counted CR/PR row (its row, -1 for none).

    Rows sorted by patient (``group``, ascending) then date (``days``); ``counted``: the
    rows each patient's sequence holds (a prefix of their rows); ``rank``: BOR-2 ranks.
    """
    n = len(rank)
    out = np.full(n, -1, dtype=np.intp)
    rows = np.flatnonzero(counted & ((rank == _CR) | (rank == _PR)))
    if not len(rows):
        return out
    # the first row of the same patient at least confirmation_min_days later, after the row
    span = int(days.max() - days.min()) + abs(criteria.confirmation_min_days) + 1
    key = group.astype(np.int64) * span + (days - days.min())
    earliest = np.searchsorted(key, key[rows] + criteria.confirmation_min_days, side="left")
    earliest = np.maximum(earliest, rows + 1)
    is_cr = counted & (rank == _CR)
    is_pr = counted & (rank == _PR)
    first_cr = rank[rows] == _CR
    candidate = np.where(first_cr, _next_true(is_cr)[earliest],
                         _next_true(is_cr | is_pr)[earliest])
    found = candidate < n
    found[found] = group[candidate[found]] == group[rows[found]]
    rows, candidate, first_cr = rows[found], candidate[found], first_cr[found]
    # the rows after the response up to and including the candidate: [row + 1, candidate]
    lo, hi = rows + 1, candidate + 1
    is_ne, is_sd = rank == _NE, rank == _SD
    allowed_after_pr = is_cr | is_pr | is_ne | (is_sd if criteria.accept_sd else False)
    bad_cr = _counts(~(is_cr | is_ne))
    bad_pr = _counts(~allowed_after_pr)
    bad = np.where(first_cr, bad_cr[hi] - bad_cr[lo], bad_pr[hi] - bad_pr[lo])
    ne, sd = _counts(is_ne), _counts(is_sd)
    ok = ((bad == 0) & (ne[hi] - ne[lo] <= criteria.max_ne_between)
          & (sd[hi] - sd[lo] <= MAX_SD_BETWEEN))
    # CONF-3: no PR after a CR inside a PR's window
    cr_at = _next_true(rank == _CR)[lo]
    pr = _counts(rank == _PR)
    pr_after_cr = (cr_at < hi) & (pr[hi] - pr[np.minimum(cr_at + 1, hi)] > 0)
    ok &= first_cr | ~pr_after_cr
    out[rows[ok]] = candidate[ok]
    return out


def confirmed_of_cohort(
    rank: npt.NDArray[np.int64], days: npt.NDArray[np.int64], group: npt.NDArray[np.intp],
    counted: npt.NDArray[np.bool_], start_days: npt.NDArray[np.int64],
    non_target_only: npt.NDArray[np.bool_], criteria: Criteria = RECIST_1_1,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """``confirmed_best_overall_response`` of every patient: its label and its
    ``response_index`` as a row (-1 for none).

    ``rank``: the BOR-2 rank of each row's overall response (an empty one NE), rows sorted
    by patient then date; ``days``: the dates as days since 1970; ``group``: each row's
    patient (0..n-1, ascending); ``counted``: the rows the rule sees (post-baseline, up to
    and including the first PD, BOR-1, after any new-therapy cut); ``start_days``
    and ``non_target_only``: per patient.
    """
    n_patients = len(start_days)
    confirmer = confirming_rows(rank, days, group, counted, criteria)
    confirmed = confirmer >= 0
    # CONF-7: the first row starting any confirmed pair
    response_row = first_row_of_each(group[confirmed], n_patients,
                                     rows=np.flatnonzero(confirmed))
    has = np.zeros((6, n_patients), dtype=bool)  # one line per CONF-4/5 step
    has[0][group[confirmed & (rank == _CR)]] = True
    has[1][group[confirmed & (rank == _PR)]] = True
    late = days - start_days[group] >= criteria.sd_min_days
    nto = non_target_only[group]
    stable = (rank == _PR) | (rank == _SD) | ((rank == _CR) & ~nto)
    has[2][group[counted & stable & late]] = True
    non_progressing = (rank == _NCNP) | ((rank == _CR) & nto)
    ncnp_counts = late if criteria.sd_min_for_non_cr_non_pd else True
    has[3][group[counted & non_progressing & ncnp_counts]] = True
    has[4][group[counted & (rank == _PD)]] = True  # a counted PD is the last counted row
    has[5] = True
    outcome = np.argmax(has, axis=0)
    return _OUTCOMES[outcome], response_row
