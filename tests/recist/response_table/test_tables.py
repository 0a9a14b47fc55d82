"""R11 Table 1 and Table 2, cell by cell (OVR-T1-1..9, OVR-T2-1..5, DEC-14, DEC-19)."""

from __future__ import annotations

import itertools

import pytest

import numpy as np

from recist.response_table import (
    CELLS,
    NEW_LESION_ORDER,
    NONTARGET_ORDER,
    OVERALL_CODES,
    OVERALL_ORDER,
    TARGET_ORDER,
    code_of,
    lookup,
)
from recist.timepoints import (
    NEW_LESION_VALUES,
    NONTARGET_RESPONSES,
    TARGET_RESPONSES,
    overall_response,
)


def _both_paths(key):
    """The scalar answer, checked against the coded lookup the vectorised engine runs."""
    scalar = overall_response(*key)
    overall, rule = lookup(*(code_of(np.array([value], dtype=object), order)
                             for value, order in zip(key, (TARGET_RESPONSES,
                                                           NONTARGET_RESPONSES,
                                                           NEW_LESION_VALUES))))
    assert (overall[0], rule[0]) == scalar
    return scalar

ANY = "*"
NON_PD = ("CR", "NON-CR/NON-PD", "NE", "NA")  # non-target "Non-PD or not all evaluated"
NO = ("N", "EQUIVOCAL")                        # "No" includes equivocal (DEC-14)

# R11 Table 1 as printed (plus DEC-19), written independently of the implementation.
# (rule, target, non-target(s), new(s), overall)
TABLE_1 = [
    ("OVR-T1-1", ("CR",), ("CR", "NA"), NO, "CR"),
    ("OVR-T1-2", ("CR",), ("NON-CR/NON-PD",), NO, "PR"),
    ("OVR-T1-3", ("CR",), ("NE",), NO, "PR"),
    ("OVR-T1-4", ("PR",), NON_PD, NO, "PR"),
    ("OVR-T1-5", ("SD",), NON_PD, NO, "SD"),
    ("OVR-T1-6", ("NE",), NON_PD, NO, "NE"),
    ("OVR-T1-7", ("PD",), ANY, ANY, "PD"),
    ("OVR-T1-8", ANY, ("PD",), ANY, "PD"),
    ("OVR-T1-9", ANY, ANY, ("Y",), "PD"),
]
TABLE_2 = [
    ("OVR-T2-1", ("CR",), NO, "CR"),
    ("OVR-T2-2", ("NON-CR/NON-PD",), NO, "NON-CR/NON-PD"),
    ("OVR-T2-3", ("NE",), NO, "NE"),
    ("OVR-T2-4", ("PD",), ANY, "PD"),
    ("OVR-T2-5", ANY, ("Y",), "PD"),
]
TABLE_1_TARGETS = tuple(t for t in TARGET_RESPONSES if t != "NA")
SHORT = {"CR": "cr", "PR": "pr", "SD": "sd", "PD": "pd", "NE": "ne", "NA": "na",
         "NON-CR/NON-PD": "noncr", "N": "no", "Y": "yes", "EQUIVOCAL": "equivocal"}


def _expand(values, universe):
    return universe if values == ANY else values


def _cases_table1():
    cases = {}
    for rule, targets, nontargets, news, overall in TABLE_1:
        for key in itertools.product(_expand(targets, TABLE_1_TARGETS),
                                     _expand(nontargets, NONTARGET_RESPONSES),
                                     _expand(news, NEW_LESION_VALUES)):
            cases.setdefault(key, []).append((rule, overall))
    return cases


def _cases_table2():
    cases = {}
    for rule, nontargets, news, overall in TABLE_2:
        for key in itertools.product(_expand(nontargets, NONTARGET_RESPONSES),
                                     _expand(news, NEW_LESION_VALUES)):
            cases.setdefault(("NA",) + key, []).append((rule, overall))
    return cases


CASES_1 = _cases_table1()
CASES_2 = _cases_table2()


def _id(key):
    target, nontarget, new = key
    table = "table1" if target != "NA" else "table2"
    return f"{table}-{SHORT[target]}-{SHORT[nontarget]}-{SHORT[new]}-new"


@pytest.mark.parametrize("key", sorted(CASES_1), ids=_id)
def test_table1_cell(key):
    rows = CASES_1[key]
    expected = {overall for _, overall in rows}
    assert len(expected) == 1, f"Table 1 rows disagree for {key}: {rows}"
    response, rule = _both_paths(key)
    assert response == expected.pop()
    # the rule cited is one of the rows that matches (PD rows in precedence order)
    assert rule.split(",")[0] in {r for r, _ in rows}


@pytest.mark.parametrize("key", sorted(CASES_2), ids=_id)
def test_table2_cell(key):
    rows = CASES_2[key]
    expected = {overall for _, overall in rows}
    assert len(expected) == 1
    response, rule = _both_paths(key)
    assert response == expected.pop()
    assert rule in {r for r, _ in rows}


def test_tables_cover_every_combination():
    """Every (target, non-target, new) combination is decided by some printed row, except
    the patient with no disease at all at baseline (target NA and non-target NA)."""
    every = set(itertools.product(TARGET_RESPONSES, NONTARGET_RESPONSES, NEW_LESION_VALUES))
    covered = set(CASES_1) | set(CASES_2)
    uncovered = every - covered
    assert uncovered == {("NA", "NA", "N"), ("NA", "NA", "EQUIVOCAL")}
    for key in uncovered:
        assert _both_paths(key) == ("NE", "no baseline disease")
    # and the implementation's table has exactly one answer for every combination
    assert every == set(CELLS)


def test_target_patients_never_get_non_cr_non_pd():
    for target, nontarget, new in itertools.product(TABLE_1_TARGETS, NONTARGET_RESPONSES,
                                                    NEW_LESION_VALUES):
        assert overall_response(target, nontarget, new)[0] != "NON-CR/NON-PD"


def test_unknown_category_is_a_clear_error():
    with pytest.raises(ValueError, match="expected target in"):
        overall_response("XX", "CR", "N")


def test_lookup_of_whole_columns_equals_the_cells_and_refuses_codes_outside_the_orders():
    keys = list(CELLS)
    codes = [code_of(np.array(column, dtype=object), order) for column, order in
             zip(zip(*keys), (TARGET_RESPONSES, NONTARGET_RESPONSES, NEW_LESION_VALUES))]
    overall, rule = lookup(*codes)
    assert list(zip(overall.tolist(), rule.tolist())) == [CELLS[key] for key in keys]
    # a code one past an order would otherwise read the next row of the cube
    with pytest.raises(ValueError, match="response code 5 is outside CR, NON-CR/NON-PD"):
        lookup([0], [len(NONTARGET_RESPONSES)], [0])
    with pytest.raises(ValueError, match="response code -1 is outside Y, N, EQUIVOCAL"):
        lookup([0], [0], [-1])


def test_overall_codes_are_tables_1_and_2_by_position():
    """``OVERALL_CODES`` holds each cell's overall response as in ``CELLS``, read-only."""
    for (target, nontarget, new), (overall, _rule) in CELLS.items():
        code = OVERALL_CODES[TARGET_ORDER.index(target), NONTARGET_ORDER.index(nontarget),
                             NEW_LESION_ORDER.index(new)]
        assert OVERALL_ORDER[code] == overall
    assert OVERALL_CODES.shape == (len(TARGET_ORDER), len(NONTARGET_ORDER),
                                   len(NEW_LESION_ORDER))
    with pytest.raises(ValueError):
        OVERALL_CODES[0, 0, 0] = np.int64(0)
