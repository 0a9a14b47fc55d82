"""Best overall response examples from the rule book (BOR-1..8, CONF-2..7, DEC-6, DEC-8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist.best_response import (
    RESPONSE_RANK,
    RESPONSES,
    best_overall_response,
    confirmed_best_overall_response,
    first_response_index,
)
from recist.criteria import Criteria

START = date(2024, 1, 1)
CONFIRMED = Criteria(confirmation=True)


def at(*days: int) -> list[date]:
    return [START + timedelta(days=d) for d in days]


# --- without confirmation (BOR-1..8) -------------------------------------------------

@pytest.mark.parametrize("responses, days, expected, index", [
    pytest.param(["SD", "PR", "PD"], (42, 84, 126), "PR", 1, id="bor2-sd-pr-pd-is-pr"),
    pytest.param(["SD", "PD"], (21, 63), "PD", 1, id="bor5-sd-too-early-then-pd-is-pd"),
    pytest.param(["SD"], (21,), "NE", 0, id="bor5-sd-too-early-then-nothing-is-ne"),
    pytest.param(["SD"], (42,), "SD", 0, id="bor4-sd-on-day-42-inclusive"),
    pytest.param(["SD"], (41,), "NE", 0, id="bor4-sd-on-day-41-too-early"),
    pytest.param(["SD", "SD"], (21, 49), "SD", 1, id="bor8-sd-date-is-first-late-enough"),
    pytest.param(["PR", "CR"], (28, 56), "CR", 1, id="bor2-cr-beats-pr"),
    pytest.param(["PR"], (14,), "PR", 0, id="bor3-pr-counts-at-any-time"),
    pytest.param(["SD", "PD", "CR"], (14, 28, 56), "PD", 1, id="bor1-nothing-after-first-pd"),
    pytest.param(["NE", "NE"], (42, 84), "NE", 0, id="bor-all-ne"),
    pytest.param(["NON-CR/NON-PD"], (21,), "NE", 0, id="dec6-non-cr-non-pd-day-21-is-ne"),
    pytest.param(["NON-CR/NON-PD"], (42,), "NON-CR/NON-PD", 0, id="dec6-non-cr-non-pd-day-42"),
    pytest.param([], (), "NE", None, id="bor7-no-post-baseline-time-point"),
])
def test_best_overall_response(responses, days, expected, index):
    assert best_overall_response(responses, at(*days), START) == (expected, index)


def test_non_cr_non_pd_without_sd_minimum_option():
    """DEC-6 option off (R11 literal): a NON-CR/NON-PD on day 21 is the BOR."""
    criteria = Criteria(sd_min_for_non_cr_non_pd=False)
    assert best_overall_response(["NON-CR/NON-PD"], at(21), START, criteria).response == \
        "NON-CR/NON-PD"


def test_sd_minimum_from_criteria():
    criteria = Criteria(sd_min_days=56)
    assert best_overall_response(["SD"], at(49), START, criteria).response == "NE"
    assert best_overall_response(["SD"], at(56), START, criteria).response == "SD"


def test_first_response_index_stops_at_pd():
    assert first_response_index(["SD", "PD", "PR"]) is None
    assert first_response_index(["NE", "SD", "PR", "CR"]) == 2


# --- with confirmation (CONF-2..7, DEC-8) --------------------------------------------

def confirmed(responses, days, criteria=CONFIRMED, **kw):
    return confirmed_best_overall_response(responses, at(*days), START, criteria, **kw)


def test_pr_ne_pr_is_confirmed():
    result = confirmed(["PR", "NE", "PR"], (42, 70, 98))
    assert (result.response, result.index, result.confirmed_by) == ("PR", 0, 2)


def test_two_ne_between_do_not_confirm_by_default():
    assert confirmed(["PR", "NE", "NE", "PR"], (42, 56, 70, 98)).response == "SD"
    relaxed = Criteria(confirmation=True, max_ne_between=2)
    assert confirmed(["PR", "NE", "NE", "PR"], (42, 56, 70, 98), relaxed).response == "PR"


def test_pr_sd_pr_needs_accept_sd():
    assert confirmed(["PR", "SD", "PR"], (42, 70, 98)).response == "SD"
    accept = Criteria(confirmation=True, accept_sd=True)
    assert confirmed(["PR", "SD", "PR"], (42, 70, 98), accept).response == "PR"
    # ADM: at most one SD in between, even with accept_sd.
    assert confirmed(["PR", "SD", "SD", "PR"], (42, 56, 70, 98), accept).response == "SD"


def test_two_crs_less_than_28_days_apart_do_not_confirm():
    """CONF-6 (PS17): CR on day 42 and day 69 (27 days) -> unconfirmed -> SD."""
    assert confirmed(["CR", "CR"], (42, 69)).response == "SD"


def test_confirmation_interval_is_inclusive():
    """CONF-2: exactly 28 days later confirms."""
    result = confirmed(["CR", "CR"], (42, 70))
    assert (result.response, result.index, result.confirmed_by) == ("CR", 0, 1)


def test_later_cr_confirms_pr_as_pr_with_first_pr_as_response_date():
    """CONF-3, CONF-7: PR day 42 confirmed by CR day 84; CR unconfirmed -> BOR PR."""
    result = confirmed(["PR", "CR"], (42, 84))
    assert (result.response, result.index, result.response_index) == ("PR", 0, 0)


def test_response_date_is_first_confirmed_response_even_when_cr_is_best():
    result = confirmed(["PR", "CR", "CR"], (28, 56, 84))
    assert (result.response, result.index, result.response_index) == ("CR", 1, 0)


def test_pr_after_cr_inside_the_window_blocks_confirmation():
    """CONF-3 (ADM): PR day 42, CR day 56, PR day 77 -> the PR is not confirmed."""
    assert confirmed(["PR", "CR", "PR"], (42, 56, 77)).response == "SD"


def test_pd_between_blocks_confirmation():
    assert confirmed(["PR", "PD", "PR"], (14, 28, 56)).response == "PD"


def test_lone_cr_at_last_time_point_is_unconfirmed():
    """CONF-5: treated like CR followed by NE: SD if late enough, else NE."""
    assert confirmed(["SD", "CR"], (42, 84)).response == "SD"
    assert confirmed(["CR"], (21,)).response == "NE"


def test_interval_from_criteria():
    criteria = Criteria(confirmation=True, confirmation_min_days=56)
    assert confirmed(["PR", "PR"], (42, 84), criteria).response == "SD"
    assert confirmed(["PR", "PR"], (42, 98), criteria).response == "PR"


def test_non_target_only_unconfirmed_cr_is_non_cr_non_pd():
    """R11 Table 2 footnote: no SD without measurable disease."""
    assert confirmed(["CR"], (56,), non_target_only=True).response == "NON-CR/NON-PD"
    assert confirmed(["CR", "CR"], (56, 84), non_target_only=True).response == "CR"
    assert confirmed(["NON-CR/NON-PD"], (21,), non_target_only=True).response == "NE"


# --- laws -----------------------------------------------------------------------------

sequences = st.lists(
    st.tuples(st.sampled_from(RESPONSES), st.integers(min_value=1, max_value=60)),
    min_size=0, max_size=8,
)
options = st.builds(
    Criteria, confirmation=st.just(True), accept_sd=st.booleans(),
    max_ne_between=st.integers(0, 2), confirmation_min_days=st.sampled_from([21, 28, 35]),
    sd_min_days=st.sampled_from([35, 42, 56]), sd_min_for_non_cr_non_pd=st.booleans(),
)


def _unpack(steps):
    responses, dates, offset = [], [], 0
    for response, gap in steps:
        offset += gap
        responses.append(response)
        dates.append(START + timedelta(days=offset))
    return responses, dates


@settings(derandomize=True, max_examples=400, deadline=None)
@given(steps=sequences, criteria=options, non_target_only=st.booleans())
def test_confirmed_bor_never_better_than_unconfirmed(steps, criteria, non_target_only):
    responses, dates = _unpack(steps)
    plain = best_overall_response(responses, dates, START, criteria)
    strict = confirmed_best_overall_response(responses, dates, START, criteria,
                                             non_target_only=non_target_only)
    assert RESPONSE_RANK[strict.response] >= RESPONSE_RANK[plain.response]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(steps=sequences, criteria=options)
def test_accepting_sd_never_worsens_confirmed_bor(steps, criteria):
    responses, dates = _unpack(steps)
    strict = confirmed_best_overall_response(responses, dates, START,
                                             criteria.replace(accept_sd=False))
    lenient = confirmed_best_overall_response(responses, dates, START,
                                              criteria.replace(accept_sd=True))
    assert RESPONSE_RANK[lenient.response] <= RESPONSE_RANK[strict.response]
