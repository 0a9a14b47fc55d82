"""Best overall response (BOR) of one patient, with or without confirmation.

Rule functions on one patient's post-baseline time points, in date order: the overall
responses (``CR PR SD NON-CR/NON-PD PD NE``) and their dates (``datetime.date``). They
know nothing of tables; ``recist.patient_summary`` feeds them the whole cohort. Time points
on or after a new anticancer therapy (DEC-17) are removed by the caller before the call.

Sources: R11 4.4.3, 4.6.1 and Table 3; docs/rules.md BOR-1..8, CONF-1..7, DEC-2, DEC-3,
DEC-6, DEC-8, DEC-16; admiralonco ``derive_param_bor`` / ``derive_param_confirmed_bor``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.vocabulary import OverallResponse

__all__ = [
    "CR",
    "NE",
    "NON_CR_NON_PD",
    "PD",
    "PR",
    "RESPONSES",
    "RESPONSE_RANK",
    "SD",
    "BestResponse",
    "ConfirmedResponse",
    "best_overall_response",
    "confirmed_best_overall_response",
    "confirming_time_point",
    "counted_time_points",
    "first_response_index",
    "meets_sd_minimum",
    "response_ranks",
]

CR, PR, SD, NON_CR_NON_PD, PD, NE = (response.value for response in OverallResponse)
RESPONSES: tuple[str, ...] = (CR, PR, SD, NON_CR_NON_PD, PD, NE)
"""Overall time point responses, best first (BOR-2; ``recist.vocabulary.OverallResponse``)."""
RESPONSE_RANK: dict[str, int] = {str(response): response.rank for response in OverallResponse}
"""BOR-2 ranking: a smaller rank is a better response."""


class BestResponse(NamedTuple):
    """A best overall response and the time point that reached it.

    ``index`` points into the sequence given to the rule function (BOR-8: the first time
    point reaching the best category); it is None when there was no time point (BOR-7).
    """

    response: str
    # The public field shadows tuple.index (a method); callers read ``.index``.
    index: int | None  # type: ignore[assignment]


class ConfirmedResponse(NamedTuple):
    """A confirmed best overall response (CONF-5).

    ``index``: first time point reaching the category (for CR/PR the first of the
    confirmed pair); ``confirmed_by``: the confirming time point of that pair (CR/PR
    only); ``response_index``: the first time point that starts any confirmed CR or PR
    pair — the response date of CONF-7 — or None for a non-responder.
    """

    response: str
    # The public field shadows tuple.index (a method); callers read ``.index``.
    index: int | None  # type: ignore[assignment]
    confirmed_by: int | None
    response_index: int | None


def counted_time_points(responses: Sequence[str]) -> int:
    """Number of time points that count for BOR: up to and including the first PD.

    BOR-1 (R11 4.4.3; ADM ``source_pd``): BOR is the best response recorded from the start
    of treatment until disease progression; later time points are ignored.

    1. If some time point is PD, count the time points up to and including the first PD.
    2. Otherwise count all of them.

    >>> counted_time_points(["SD", "PD", "PR"])
    2
    >>> counted_time_points(["SD", "NE"])
    2
    """
    for position, response in enumerate(responses):
        if response == PD:
            return position + 1
    return len(responses)


def meets_sd_minimum(when: date, start_date: date, criteria: Criteria = RECIST_1_1) -> bool:
    """Whether a time point is late enough to count as SD (minimum duration).

    BOR-4 (R11 4.4.3, 4.6.1; ADM ``bor_sd``): SD counts for BOR only when measured at
    least ``sd_min_days`` after start_date.

    1. ``when − start_date ≥ sd_min_days`` (inclusive) → True, otherwise False.

    Interpretation: start_date is treatment start or randomisation; without one the
    caller passes the baseline scan date (DEC-7).

    >>> meets_sd_minimum(date(2024, 2, 12), date(2024, 1, 1))  # day 42
    True
    >>> meets_sd_minimum(date(2024, 2, 11), date(2024, 1, 1))  # day 41
    False
    """
    return (when - start_date).days >= criteria.sd_min_days


def _contribution(response: str, late_enough: bool, criteria: Criteria) -> str:
    """What one time point contributes to the unconfirmed BOR (BOR-3..6)."""
    if response == SD and not late_enough:
        return NE
    if response == NON_CR_NON_PD and criteria.sd_min_for_non_cr_non_pd and not late_enough:
        return NE
    return response


def best_overall_response(
    responses: Sequence[str],
    dates: Sequence[date],
    start_date: date,
    criteria: Criteria = RECIST_1_1,
) -> BestResponse:
    """Best overall response without confirmation.

    BOR-1..8 (R11 4.4.3; ADM ``derive_param_bor``), DEC-6, DEC-16. ``responses`` and
    ``dates`` are one patient's post-baseline time points in date order.

    1. Only time points up to and including the first PD count (BOR-1).
    2. No time point → NE, with no date (BOR-7, DEC-16).
    3. Each time point contributes its response, except: an SD with
       ``date − start_date < sd_min_days`` contributes NE (BOR-4); so does such an early
       NON-CR/NON-PD when ``criteria.sd_min_for_non_cr_non_pd`` (BOR-6, DEC-6). CR and PR
       count at any time (BOR-3).
    4. BOR is the best contribution in the ranking CR > PR > SD > NON-CR/NON-PD > PD > NE
       (BOR-2); so an SD too early followed by PD gives PD, followed by nothing NE (BOR-5).
    5. Its time point is the first one contributing that category (BOR-8).

    Examples
    --------
    >>> start = date(2024, 1, 1)
    >>> days = [date(2024, 2, 12), date(2024, 4, 8), date(2024, 6, 3)]
    >>> best_overall_response(["SD", "PR", "PD"], days, start)
    BestResponse(response='PR', index=1)
    >>> best_overall_response(["SD", "PD"], [date(2024, 1, 22), date(2024, 3, 4)], start)
    BestResponse(response='PD', index=1)
    >>> best_overall_response(["SD"], [date(2024, 1, 22)], start)
    BestResponse(response='NE', index=0)
    >>> best_overall_response([], [], start)
    BestResponse(response='NE', index=None)
    """
    count = counted_time_points(responses)
    if count == 0:
        return BestResponse(NE, None)
    best, best_index = NE, 0
    for position in range(count):
        late_enough = meets_sd_minimum(dates[position], start_date, criteria)
        contribution = _contribution(responses[position], late_enough, criteria)
        if RESPONSE_RANK[contribution] < RESPONSE_RANK[best]:
            best, best_index = contribution, position
    return BestResponse(best, best_index)


MAX_SD_BETWEEN = 1
"""With ``accept_sd``, at most one SD between a PR and its confirmation (step 3 of
``confirming_time_point``; as ADM, DEC-8)."""


def confirming_time_point(
    responses: Sequence[str],
    dates: Sequence[date],
    index: int,
    criteria: Criteria = RECIST_1_1,
) -> int | None:
    """The time point that confirms the CR or PR at ``index``, or None.

    CONF-2, CONF-3, CONF-6, DEC-8 (R11 4.4.3, 4.6.1; ADM ``derive_param_confirmed_bor``).

    1. A CR is confirmed only by a later CR; a PR by a later PR or CR (CONF-3).
    2. The candidate is the *first* later time point of a confirming category with
       ``date − date[index] ≥ confirmation_min_days`` (inclusive, CONF-2); two responses
       closer than that do not confirm each other (CONF-6).
    3. Every time point after ``index`` up to and including the candidate must be:
       for a CR, CR or NE; for a PR, CR, PR or NE — or SD when ``criteria.accept_sd``
       (at most one SD, as ADM). So no PD between, no SD between a PR and its
       confirmation by default (DEC-8).
    4. At most ``max_ne_between`` of them are NE (DEC-8).
    5. For a PR, no PR may follow a CR inside that window (CONF-3; ADM).
    6. If 2–5 hold, the candidate is returned; otherwise None (no later attempt, as ADM).

    Interpretation: no upper limit on the interval; unscheduled scans count (DEC-8).

    Examples
    --------
    >>> d = [date(2024, 2, 1), date(2024, 2, 15), date(2024, 3, 1)]
    >>> confirming_time_point(["PR", "NE", "PR"], d, 0)  # PR-NE-PR, 29 days apart
    2
    >>> confirming_time_point(["PR", "SD", "PR"], d, 0) is None
    True
    >>> confirming_time_point(["PR", "SD", "PR"], d, 0, Criteria(accept_sd=True))
    2
    >>> confirming_time_point(["CR", "CR"], [date(2024, 2, 1), date(2024, 2, 28)], 0) is None
    True
    """
    first = responses[index]
    if first not in (CR, PR):
        return None
    confirmers = (CR,) if first == CR else (CR, PR)
    candidate = None
    for later in range(index + 1, len(responses)):
        if (responses[later] in confirmers
                and (dates[later] - dates[index]).days >= criteria.confirmation_min_days):
            candidate = later
            break
    if candidate is None:
        return None
    allowed = {CR, NE} if first == CR else {CR, PR, NE}
    if first == PR and criteria.accept_sd:
        allowed.add(SD)
    ne_count = sd_count = 0
    seen_cr = False
    for later in range(index + 1, candidate + 1):
        response = responses[later]
        if response not in allowed:
            return None
        ne_count += response == NE
        sd_count += response == SD
        if response == CR:
            seen_cr = True
        elif response == PR and seen_cr:
            return None
    if ne_count > criteria.max_ne_between or sd_count > MAX_SD_BETWEEN:
        return None
    return candidate


def confirmed_best_overall_response(
    responses: Sequence[str],
    dates: Sequence[date],
    start_date: date,
    criteria: Criteria = RECIST_1_1,
    non_target_only: bool = False,
) -> ConfirmedResponse:
    """Best overall response when CR and PR need confirmation.

    CONF-4, CONF-5 (R11 4.4.3 Table 3, 4.6.1; ADM ``derive_param_confirmed_bor``), with
    DEC-2, DEC-3, DEC-6, DEC-8, DEC-16. ``responses`` and ``dates`` are one patient's
    post-baseline time points in date order.

    1. Only time points up to and including the first PD count (BOR-1).
    2. No time point → NE (BOR-7, DEC-16).
    3. CR if some CR is confirmed (``confirming_time_point``); its time point is the first
       confirmed CR.
    4. Else PR if some PR is confirmed; the first confirmed PR.
    5. Else SD if some CR, PR or SD time point has ``date − start_date ≥ sd_min_days``
       (an unconfirmed CR/PR counts as SD; a lone CR/PR at the last time point is thus
       "CR/PR followed by NE", CONF-5); the first such time point.
    6. Else NON-CR/NON-PD if some NON-CR/NON-PD time point counts (at or after the SD
       minimum when ``criteria.sd_min_for_non_cr_non_pd``, DEC-6).
    7. Else PD if PD was recorded; else NE (first time point).

    Table 3 follows cell by cell (CONF-T3-1..11), except where the SD minimum decides:
    CR→SD and PR→SD give SD when *either* time point meets the minimum, else NE (or PD if
    a PD follows) — R11's CR→SD cell says PD (CONF-5). CR→PR gives SD, PD or NE by the
    same steps, the time point labels staying as computed (DEC-2, DEC-3).

    Interpretation: with ``non_target_only`` (no target lesions at baseline, R11 Table 2)
    an unconfirmed CR counts in step 6 as NON-CR/NON-PD instead of SD in step 5, since SD
    is never assigned without measurable disease (R11 Table 2 footnote).

    Examples
    --------
    >>> start = date(2024, 1, 1)
    >>> d = [date(2024, 2, 12), date(2024, 3, 11), date(2024, 4, 8)]
    >>> confirmed_best_overall_response(["PR", "NE", "PR"], d, start)
    ConfirmedResponse(response='PR', index=0, confirmed_by=2, response_index=0)
    >>> confirmed_best_overall_response(["PR", "SD", "PR"], d, start)
    ConfirmedResponse(response='SD', index=0, confirmed_by=None, response_index=None)
    >>> confirmed_best_overall_response(["CR"], [date(2024, 1, 29)], start)
    ConfirmedResponse(response='NE', index=0, confirmed_by=None, response_index=None)
    """
    count = counted_time_points(responses)
    if count == 0:
        return ConfirmedResponse(NE, None, None, None)
    responses = list(responses[:count])
    dates = list(dates[:count])
    first_cr = first_pr = None
    response_index = None
    for position, response in enumerate(responses):
        if response not in (CR, PR):
            continue
        confirmer = confirming_time_point(responses, dates, position, criteria)
        if confirmer is None:
            continue
        if response_index is None:
            response_index = position
        if response == CR and first_cr is None:
            first_cr = (position, confirmer)
        elif response == PR and first_pr is None:
            first_pr = (position, confirmer)
    if first_cr is not None:
        return ConfirmedResponse(CR, first_cr[0], first_cr[1], response_index)
    if first_pr is not None:
        return ConfirmedResponse(PR, first_pr[0], first_pr[1], response_index)
    stable = (PR, SD) if non_target_only else (CR, PR, SD)
    for position, response in enumerate(responses):
        if response in stable and meets_sd_minimum(dates[position], start_date, criteria):
            return ConfirmedResponse(SD, position, None, None)
    non_progressing = (NON_CR_NON_PD, CR) if non_target_only else (NON_CR_NON_PD,)
    for position, response in enumerate(responses):
        if response in non_progressing and (
                not criteria.sd_min_for_non_cr_non_pd
                or meets_sd_minimum(dates[position], start_date, criteria)):
            return ConfirmedResponse(NON_CR_NON_PD, position, None, None)
    if responses[-1] == PD:
        return ConfirmedResponse(PD, count - 1, None, None)
    return ConfirmedResponse(NE, 0, None, None)


def first_response_index(responses: Sequence[str]) -> int | None:
    """First time point with CR or PR, up to the first PD (unconfirmed response date).

    TTE-6, TTE-9 (R11 4.6.2 "first met"): without confirmation the response date is the
    first time point meeting CR or PR criteria.

    1. Among the time points up to and including the first PD (BOR-1),
    2. return the position of the first CR or PR, or None.

    >>> first_response_index(["SD", "PR", "CR"])
    1
    >>> first_response_index(["SD", "PD", "PR"]) is None
    True
    """
    for position in range(counted_time_points(responses)):
        if responses[position] in (CR, PR):
            return position
    return None


def response_ranks(labels: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The BOR-2 rank (``RESPONSE_RANK``) of each overall response of a column, and which
    are missing; the array form of the ranking the rule functions above use.

    A missing response (None, NaN, ``pd.NA``) ranks as NE (an empty follow-up response
    counts as NE, BOR-5); any other text ranks after NE (``len(RESPONSE_RANK)``): it is
    never a response, a progression nor allowed between a response and its confirmation.
    Looked up once per distinct label.

    >>> ranks, missing = response_ranks(np.array(["PR", None, "PD", "XX"], dtype=object))
    >>> ranks.tolist(), missing.tolist()
    ([1, 5, 4, 6], [False, True, False, False])
    """
    codes, uniques = pd.factorize(np.asarray(labels, dtype=object), use_na_sentinel=True)
    lookup = np.array([RESPONSE_RANK.get(str(label), len(RESPONSE_RANK)) for label in uniques]
                      + [RESPONSE_RANK[NE]], dtype=np.int64)  # the last: missing (-1)
    ranks: npt.NDArray[np.int64] = lookup[codes]
    missing: npt.NDArray[np.bool_] = codes < 0
    return ranks, missing
