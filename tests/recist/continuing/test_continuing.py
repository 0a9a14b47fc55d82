"""DEC-1 continuing response (FAQ "The definition of SD: a clarification")."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.continuing import apply_continuing_response
from recist.criteria import Criteria
from recist.errors import RecistDataError
from recist.patient_summary import summarise_patients

ON = Criteria(continuing_response=True)


def test_faq_100_70_80_default_reads_pr_then_sd(tables):
    """Sums 100 -> 70 -> 80 mm: PR (-30 %) then SD (-20 % from baseline) by default."""
    tp = tables.timepoints({"p1": [(56, "PR"), (112, "SD")]})
    out = apply_continuing_response(tp)
    assert list(out["overall_response"].iloc[1:]) == ["PR", "SD"]
    pd.testing.assert_frame_equal(out, tp)


def test_faq_100_70_80_with_option_reads_pr_then_pr(tables):
    tp = tables.timepoints({"p1": [(56, "PR"), (112, "SD")]})
    out = apply_continuing_response(tp, ON)
    assert list(out["overall_response"].iloc[1:]) == ["PR", "PR"]
    assert list(out["target_response"].iloc[1:]) == ["PR", "PR"]
    assert out["reasons"].iloc[2] == ("hand-built SD; DEC-1 continuing response: target SD "
                                      "kept as PR, response reached on 2024-02-26 continues "
                                      "until PD")
    assert list(tp["overall_response"].iloc[1:]) == ["PR", "SD"]  # input untouched


def test_carrying_stops_at_progression(tables):
    tp = tables.timepoints({"p1": [(56, "PR"), (112, "SD"), (168, "PD"), (224, "SD")]})
    out = apply_continuing_response(tp, ON)
    assert list(out["overall_response"].iloc[1:]) == ["PR", "PR", "PD", "SD"]


def test_cr_is_never_carried_forward(tables):
    tp = tables.timepoints({"p1": [(56, "CR"), (112, "SD")]})
    out = apply_continuing_response(tp, ON)
    assert list(out["overall_response"].iloc[1:]) == ["CR", "PR"]


def test_only_confirmed_responses_are_carried_with_confirmation(tables):
    both = ON.replace(confirmation=True)
    unconfirmed = tables.timepoints({"p1": [(56, "PR"), (84, "SD"), (112, "SD")]})
    out = apply_continuing_response(unconfirmed, both)
    assert list(out["overall_response"].iloc[1:]) == ["PR", "SD", "SD"]
    confirmed = tables.timepoints({"p1": [(56, "PR"), (84, "SD"), (112, "PR"), (168, "SD")]},)
    out = apply_continuing_response(confirmed, both.replace(accept_sd=True))
    # PR day 56 is confirmed on day 112 (SD between accepted); the SD between stays SD.
    assert list(out["overall_response"].iloc[1:]) == ["PR", "SD", "PR", "PR"]


def test_target_sd_with_non_target_progression_is_not_relabelled(tables):
    tp = tables.timepoints({"p1": [(56, "PR"), (112, "PD")]},
                           targets={"p1": ["PR", "SD"]})
    out = apply_continuing_response(tp, ON)
    assert list(out["target_response"].iloc[1:]) == ["PR", "SD"]
    assert list(out["overall_response"].iloc[1:]) == ["PR", "PD"]


def test_patient_summary_is_unchanged_by_continuing_response(tables):
    """Carried labels come after the (confirmed) response: BOR and dates do not move."""
    tp = tables.timepoints({
        "p1": [(56, "PR"), (112, "SD"), (168, "SD")],
        "p2": [(28, "PR"), (56, "PR"), (84, "SD"), (140, "PD")],
        "p3": [(28, "SD"), (84, "CR"), (112, "SD")],
    })
    for criteria in (ON, ON.replace(confirmation=True)):
        carried = apply_continuing_response(tp, criteria)
        assert not carried.equals(tp)
        pd.testing.assert_frame_equal(summarise_patients(carried, None, criteria),
                                      summarise_patients(tp, None, criteria))


def test_missing_column_is_an_error_naming_it(tables):
    tp = tables.timepoints({"p1": [(56, "PR")]}).drop(columns=["target_response"])
    with pytest.raises(RecistDataError, match="missing column\\(s\\) target_response"):
        apply_continuing_response(tp, ON)
