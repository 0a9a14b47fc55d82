"""R11 Table 3 (CONF-T3-1..11) cell by cell, and every (first, subsequent) combination.

Each case is two post-baseline time points 28 days apart (exactly the default
confirmation interval, CONF-2 inclusive). "SD minimum met": the first time point is on
day 42 after start_date (and the second on day 70); "not met": days 7 and 35, both
before the 42-day minimum (BOR-4). The expected BOR is that of the rule book's general
algorithm CONF-5 (what the code implements); where it differs from R11's literal cell the
note says so.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from recist.best_response import confirmed_best_overall_response
from recist.criteria import Criteria

START = date(2024, 1, 1)
CONFIRMED = Criteria(confirmation=True)
CATEGORIES = ("CR", "PR", "SD", "PD", "NE")
DAYS = {"met": (42, 70), "not-met": (7, 35)}

# (first, subsequent) -> (BOR when SD minimum met, BOR when not met, rule / note)
EXPECTED: dict[tuple[str, str], tuple[str, str, str]] = {
    ("CR", "CR"): ("CR", "CR", "CONF-T3-1"),
    ("CR", "PR"): ("SD", "NE", "CONF-T3-2, DEC-2: labels kept, CONF-5 (no later PD -> NE)"),
    ("CR", "SD"): ("SD", "NE", "CONF-T3-3, DEC-3: R11 says PD when not met; CONF-5 gives NE"),
    ("CR", "PD"): ("SD", "PD", "CONF-T3-4"),
    ("CR", "NE"): ("SD", "NE", "CONF-T3-5"),
    ("PR", "CR"): ("PR", "PR", "CONF-T3-6"),
    ("PR", "PR"): ("PR", "PR", "CONF-T3-7"),
    ("PR", "SD"): ("SD", "NE", "CONF-T3-8: CONF-5 needs the SD minimum, R11 says SD"),
    ("PR", "PD"): ("SD", "PD", "CONF-T3-9"),
    ("PR", "NE"): ("SD", "NE", "CONF-T3-10"),
    ("NE", "NE"): ("NE", "NE", "CONF-T3-11"),
    # Not in Table 3: CONF-5 general algorithm.
    ("SD", "CR"): ("SD", "NE", "CONF-5: CR unconfirmed at the last time point"),
    ("SD", "PR"): ("SD", "NE", "CONF-5: PR unconfirmed at the last time point"),
    ("SD", "SD"): ("SD", "NE", "CONF-5 / BOR-4"),
    ("SD", "PD"): ("SD", "PD", "CONF-5 / BOR-5"),
    ("SD", "NE"): ("SD", "NE", "CONF-5 / BOR-5"),
    ("PD", "CR"): ("PD", "PD", "BOR-1: nothing after the first PD counts"),
    ("PD", "PR"): ("PD", "PD", "BOR-1"),
    ("PD", "SD"): ("PD", "PD", "BOR-1"),
    ("PD", "PD"): ("PD", "PD", "BOR-1"),
    ("PD", "NE"): ("PD", "PD", "BOR-1"),
    ("NE", "CR"): ("SD", "NE", "CONF-5: CR unconfirmed at the last time point"),
    ("NE", "PR"): ("SD", "NE", "CONF-5: PR unconfirmed at the last time point"),
    ("NE", "SD"): ("SD", "NE", "CONF-5 / BOR-4"),
    ("NE", "PD"): ("PD", "PD", "CONF-5"),
}

TABLE3_CELLS = [pair for pair, (_, _, rule) in EXPECTED.items() if rule.startswith("CONF-T3")]


def _bor(first: str, subsequent: str, sd_minimum: str) -> str:
    d1, d2 = DAYS[sd_minimum]
    dates = [START + timedelta(days=d1), START + timedelta(days=d2)]
    return confirmed_best_overall_response([first, subsequent], dates, START,
                                           CONFIRMED).response


def _cases(pairs):
    for first, subsequent in pairs:
        met, not_met, _ = EXPECTED[(first, subsequent)]
        for sd_minimum, expected in (("met", met), ("not-met", not_met)):
            yield pytest.param(first, subsequent, sd_minimum, expected,
                               id=f"table3-{first.lower()}-{subsequent.lower()}-sdmin-{sd_minimum}")


@pytest.mark.parametrize("first, subsequent, sd_minimum, expected", list(_cases(TABLE3_CELLS)))
def test_table3_cell(first, subsequent, sd_minimum, expected):
    assert _bor(first, subsequent, sd_minimum) == expected


def test_table3_has_its_eleven_cells():
    rules = sorted(EXPECTED[pair][2].split(":")[0].split(",")[0] for pair in TABLE3_CELLS)
    assert rules == sorted(f"CONF-T3-{n}" for n in range(1, 12))


def test_every_combination_is_documented():
    assert set(EXPECTED) == set(itertools.product(CATEGORIES, CATEGORIES))


@pytest.mark.parametrize("first, subsequent, sd_minimum, expected",
                         list(_cases(itertools.product(CATEGORIES, CATEGORIES))))
def test_every_combination_gives_documented_result(first, subsequent, sd_minimum, expected):
    assert _bor(first, subsequent, sd_minimum) == expected


def test_either_time_point_may_meet_the_sd_minimum():
    """CONF-5 vs literal Table 3: CR (day 21) then SD (day 49) is SD, not PD."""
    dates = [START + timedelta(days=21), START + timedelta(days=49)]
    assert confirmed_best_overall_response(["CR", "SD"], dates, START,
                                           CONFIRMED).response == "SD"


def test_cr_then_pr_then_pd_is_pd_when_sd_minimum_not_met():
    """CONF-T3-2 footnote: a real CR followed by reappearing disease ends in PD."""
    dates = [START + timedelta(days=d) for d in (14, 28, 40)]
    result = confirmed_best_overall_response(["CR", "PR", "PD"], dates, START, CONFIRMED)
    assert result.response == "PD"

