"""Progression date and time-to-event endpoints of one patient: PFS, DoR, time to response.

Rule functions on one patient's post-baseline time points in date order (overall
responses and ``datetime.date`` dates) plus the dates of the patients table.
``recist.patient_summary`` applies them to a cohort.

Sources: R11 4.6.2, 4.7; docs/rules.md TTE-1..10, DEC-7, DEC-13, DEC-16, DEC-17; FDA
guidance (PFS censoring tables); admiralonco ``tte_sources`` (``pd_event``,
``death_event``, ``lastalive_censor``, ``rand_censor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from recist.best_response import NE, PD
from recist.criteria import RECIST_1_1, Criteria

__all__ = [
    "TimeToEvent",
    "duration_days",
    "duration_of_response",
    "is_adequate",
    "kept_before_new_therapy",
    "last_adequate_assessment",
    "progression_date",
    "progression_free_survival",
    "time_to_response_days",
]


class TimeToEvent(NamedTuple):
    """An event or censoring date, and in words why it is censored.

    ``reason`` is None for an event; ``event_kind`` is ``"progression"`` or ``"death"``
    for an event, None when censored.
    """

    event: bool
    date: date
    event_kind: str | None
    reason: str | None


def kept_before_new_therapy(
    dates: Sequence[date], new_therapy_date: date | None, criteria: Criteria = RECIST_1_1
) -> int:
    """How many time points precede a new anticancer therapy (they are the ones analysed).

    DEC-17 (TTE-5; ADM ``nactdt``): with ``criteria.censor_at_new_therapy`` and a
    ``new_therapy_date``, time points on or after that date are excluded from BOR and PFS.

    1. No new therapy date, or the option off → all time points.
    2. Otherwise the time points with ``date < new_therapy_date`` (dates are in order).

    >>> kept_before_new_therapy([date(2024, 2, 1), date(2024, 4, 1)], date(2024, 4, 1))
    1
    >>> kept_before_new_therapy([date(2024, 2, 1)], None)
    1
    """
    if new_therapy_date is None or not criteria.censor_at_new_therapy:
        return len(dates)
    kept = 0
    for when in dates:
        if when >= new_therapy_date:
            break
        kept += 1
    return kept


def progression_date(responses: Sequence[str], dates: Sequence[date]) -> date | None:
    """Date of the first time point whose overall response is PD.

    TTE-1 (R11 4.3.5, 4.6.2; FDA Appendix 2), TTE-3. The time point table already dates a
    confirmed equivocal new lesion back to its first sighting (DEC-13; only a confirming
    scan before new anticancer therapy counts, DEC-17) and a PD time point to its
    earliest progression scan (DEC-20); death never sets this date.

    1. Return the date of the first PD, or None when there is none.

    >>> progression_date(["SD", "PD", "PD"], [date(2024, 2, 1), date(2024, 4, 1), date(2024, 6, 1)])
    datetime.date(2024, 4, 1)
    """
    for response, when in zip(responses, dates):
        if response == PD:
            return when
    return None


def is_adequate(response: str | None) -> bool:
    """Whether a post-baseline time point is an adequate assessment.

    TTE-5 (FDA; ADM ``lastalive_censor`` on evaluable assessments): an assessment whose
    overall response is known, i.e. not NE (PD, CR, PR, SD, NON-CR/NON-PD are adequate).

    >>> is_adequate("SD"), is_adequate("NE"), is_adequate(None)
    (True, False, False)
    """
    return response is not None and response != NE


def last_adequate_assessment(
    responses: Sequence[str], dates: Sequence[date], before: date | None = None
) -> date | None:
    """Date of the last adequate assessment (strictly before ``before`` if given).

    TTE-5: the censoring date of PFS and DoR.

    1. Keep the time points with an adequate response (``is_adequate``),
    2. and, when ``before`` is given, ``date < before``;
    3. return the last one's date, or None.

    >>> d = [date(2024, 2, 1), date(2024, 4, 1), date(2024, 6, 1)]
    >>> last_adequate_assessment(["SD", "SD", "NE"], d)
    datetime.date(2024, 4, 1)
    >>> last_adequate_assessment(["SD", "SD", "NE"], d, before=date(2024, 4, 1))
    datetime.date(2024, 2, 1)
    """
    last = None
    for response, when in zip(responses, dates):
        if before is not None and when >= before:
            break
        if is_adequate(response):
            last = when
    return last


def duration_days(start: date, end: date, criteria: Criteria = RECIST_1_1) -> int:
    """Days from ``start`` to ``end``: ``end − start + 1`` with ``add_one_day`` (TTE-10).

    >>> duration_days(date(2024, 1, 1), date(2024, 1, 29))
    29
    >>> duration_days(date(2024, 1, 1), date(2024, 1, 29), Criteria(add_one_day=False))
    28
    """
    return (end - start).days + (1 if criteria.add_one_day else 0)


def _censored_by_missed_assessments(
    event_date: date, responses: Sequence[str], dates: Sequence[date], origin: date,
    criteria: Criteria,
) -> date | None:
    """TTE-5 [SAP] FDA: the censoring date when too many assessments were missed, else None.

    Interpretation: ``missed_assessments_limit`` or more scheduled assessments were missed
    when ``event_date − last adequate assessment before it`` (or ``origin`` when there is
    none) is > ``missed_assessments_limit × assessment_interval_days``.
    """
    if not criteria.censor_after_missed_assessments:
        return None
    last = last_adequate_assessment(responses, dates, before=event_date) or origin
    gap = (event_date - last).days
    if gap > criteria.missed_assessments_limit * criteria.assessment_interval_days:
        return last
    return None


def _end_of_follow_up(
    origin: date, origin_words: str, responses: Sequence[str], dates: Sequence[date],
    death_date: date | None, death_counts: bool, new_therapy_date: date | None,
    criteria: Criteria,
) -> TimeToEvent:
    """Shared event/censoring logic of PFS and DoR (TTE-4, TTE-5, TTE-6, DEC-17)."""
    kept = kept_before_new_therapy(dates, new_therapy_date, criteria)
    responses, dates = responses[:kept], dates[:kept]
    # the new-therapy date when it censors (DEC-17), else None
    therapy_cut = new_therapy_date if criteria.censor_at_new_therapy else None
    progression = progression_date(responses, dates)
    death = death_date if death_counts else None
    if death is not None and therapy_cut is not None and death >= therapy_cut:
        death = None
    candidates = [(when, kind) for when, kind in ((progression, "progression"),
                                                  (death, "death")) if when is not None]
    if candidates:
        event_date, kind = min(candidates, key=lambda item: item[0])
        censor_date = _censored_by_missed_assessments(event_date, responses, dates, origin,
                                                      criteria)
        if censor_date is None:
            return TimeToEvent(True, event_date, kind, None)
        where = ("last adequate assessment" if censor_date != origin else origin_words)
        return TimeToEvent(
            False, censor_date, None,
            f"{kind} on {event_date.isoformat()} after {criteria.missed_assessments_limit} "
            f"or more missed assessments: censored at {where} {censor_date.isoformat()}",
        )
    last = last_adequate_assessment(responses, dates)
    if therapy_cut is not None:
        if last is None:
            return TimeToEvent(
                False, origin, None,
                f"new anticancer therapy on {therapy_cut.isoformat()} before "
                f"progression and before any adequate assessment: censored at "
                f"{origin_words} {origin.isoformat()}",
            )
        return TimeToEvent(
            False, last, None,
            f"new anticancer therapy on {therapy_cut.isoformat()} before progression: "
            f"censored at last adequate assessment {last.isoformat()}",
        )
    if last is None:
        return TimeToEvent(False, origin, None,
                           f"no adequate post-baseline assessment: censored at "
                           f"{origin_words} {origin.isoformat()}")
    if death_date is not None and not death_counts:
        return TimeToEvent(False, last, None,
                           f"death on {death_date.isoformat()} not counted as an event: "
                           f"censored at last adequate assessment {last.isoformat()}")
    return TimeToEvent(False, last, None,
                       f"no progression or death: censored at last adequate assessment "
                       f"{last.isoformat()}")


def progression_free_survival(
    responses: Sequence[str],
    dates: Sequence[date],
    start_date: date,
    death_date: date | None = None,
    new_therapy_date: date | None = None,
    criteria: Criteria = RECIST_1_1,
) -> TimeToEvent:
    """PFS event or censoring date, with the censoring reason in words.

    TTE-3, TTE-4, TTE-5 (FDA tables; ADM ``pd_event``, ``death_event``,
    ``lastalive_censor``, ``rand_censor``), DEC-16, DEC-17. ``responses``/``dates``: the
    patient's post-baseline time points in date order.

    1. With ``criteria.censor_at_new_therapy`` and a ``new_therapy_date``, only time
       points with ``date < new_therapy_date`` are used, and a death on or after it is not
       an event (DEC-17). (``recist.respond`` also stops a scan on or after it from
       back-dating PD to an equivocal new lesion seen before it: DEC-13, DEC-14.)
    2. Event candidates: the first PD (TTE-1) and, if ``criteria.death_is_pfs_event``,
       death from any cause (TTE-4). Death is not PD (TTE-3). The earlier one is the event.
    3. With ``criteria.censor_after_missed_assessments``: if the event comes more than
       ``missed_assessments_limit × assessment_interval_days`` days after the last
       adequate assessment before it (or start_date), PFS is censored at that assessment
       instead (TTE-5 [SAP], FDA).
    4. No event, new therapy → censored at the last adequate assessment before it
       (start_date if none) (DEC-17).
    5. No event, no adequate post-baseline assessment → censored at start_date (DEC-16).
    6. Otherwise censored at the last adequate assessment (post-baseline, not NE).

    Examples
    --------
    >>> start = date(2024, 1, 1)
    >>> d = [date(2024, 2, 26), date(2024, 4, 22), date(2024, 6, 17)]
    >>> progression_free_survival(["SD", "SD", "NE"], d, start).reason
    'no progression or death: censored at last adequate assessment 2024-04-22'
    >>> pfs = progression_free_survival(["SD", "SD"], d[:2], start, death_date=date(2024, 5, 9))
    >>> pfs.event, pfs.date, pfs.event_kind
    (True, datetime.date(2024, 5, 9), 'death')
    """
    return _end_of_follow_up(start_date, "start date", list(responses), list(dates),
                             death_date, criteria.death_is_pfs_event, new_therapy_date,
                             criteria)


def duration_of_response(
    response_date: date | None,
    responses: Sequence[str],
    dates: Sequence[date],
    death_date: date | None = None,
    new_therapy_date: date | None = None,
    criteria: Criteria = RECIST_1_1,
) -> tuple[TimeToEvent, int] | None:
    """Duration of response: end date (event or censoring) and length in days.

    TTE-6 (R11 4.6.2), TTE-10, CONF-7. Only for responders: ``response_date`` is the first
    date CR or PR criteria were met (the first of the confirmed pair when confirmation is
    required); None → None.

    1. Only time points on or after ``response_date`` are followed.
    2. Event: the first PD, or death if ``criteria.death_is_dor_event`` ([SAP], ADM),
       whichever is first; the new-therapy and missed-assessment rules are those of PFS.
    3. No event → censored at the last adequate assessment (the response itself at the
       latest).
    4. Length ``duration_days(response_date, end)``.

    >>> d = [date(2024, 2, 26), date(2024, 4, 22), date(2024, 6, 17)]
    >>> end, days = duration_of_response(d[0], ["PR", "PR", "PD"], d)
    >>> end.event, end.date, days
    (True, datetime.date(2024, 6, 17), 113)
    """
    if response_date is None:
        return None
    kept_responses = [r for r, when in zip(responses, dates) if when >= response_date]
    kept_dates = [when for when in dates if when >= response_date]
    end = _end_of_follow_up(response_date, "response date", kept_responses, kept_dates,
                            death_date, criteria.death_is_dor_event, new_therapy_date,
                            criteria)
    return end, duration_days(response_date, end.date, criteria)


def time_to_response_days(
    start_date: date, response_date: date | None, criteria: Criteria = RECIST_1_1
) -> int | None:
    """Time to response in days: start_date to the response date (TTE-9 [SAP], CONF-7).

    1. None for a non-responder; otherwise ``duration_days(start_date, response_date)``.

    >>> time_to_response_days(date(2024, 1, 1), date(2024, 2, 26))
    57
    """
    if response_date is None:
        return None
    return duration_days(start_date, response_date, criteria)
