"""Hand-checked patients for the subtle rules (docs/rules.md section 15)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recist.criteria import Criteria
from recist.errors import RecistDataError
from recist.timepoints import TIMEPOINT_COLUMNS, assess_timepoints

from support.timepoint_rows import table, targets

D = ["2024-01-01", "2024-02-26", "2024-04-22", "2024-06-17"]


def series(*sums_per_visit, nodal=False):
    """One patient, one target lesion T1 with the given diameter at each visit."""
    rows = []
    for i, mm in enumerate(sums_per_visit):
        rows += targets(D[i], f"V{i}", ("T1", mm, "measured", nodal))
    return assess_timepoints(table(rows))


def test_columns_and_baseline_row():
    tp = series(50.0, 40.0)
    assert tuple(tp.columns) == TIMEPOINT_COLUMNS
    first = tp.iloc[0]
    assert first["reasons"] == "baseline"
    for column in ("target_response", "nontarget_response", "new_lesions",
                   "overall_response"):
        assert pd.isna(first[column])
    assert first["sum_mm"] == 50.0 and first["baseline_sum_mm"] == 50.0
    assert math.isnan(first["nadir_mm"])
    assert str(tp["date"].dtype).startswith("datetime64")


def test_nadir_includes_baseline():
    # 40 -> 45 -> 48: the nadir is the baseline 40, so +8 mm and +20 % -> PD
    tp = series(40.0, 45.0, 48.0)
    assert list(tp["nadir_mm"][1:]) == [40.0, 40.0]
    assert list(tp["target_response"][1:]) == ["SD", "PD"]
    assert tp["pct_from_nadir"].iloc[2] == 20.0


def test_pd_against_nadir_while_still_30pct_below_baseline():
    tp = series(100.0, 20.0, 25.0)
    assert list(tp["target_response"][1:]) == ["PR", "PD"]
    assert tp["pct_from_baseline"].iloc[2] == -75.0
    assert tp["reasons"].iloc[2].startswith(
        "target PD (TGT-PD, R11 4.3.1): sum 25.00 mm is +5.00 mm and +25.00% over nadir "
        "20.00 mm")


def test_25_to_30_is_pd_exactly():
    tp = series(25.0, 30.0)
    assert tp["target_response"].iloc[1] == "PD"
    assert tp["overall_response"].iloc[1] == "PD"
    assert tp["pct_from_nadir"].iloc[1] == 20.0
    assert "(OVR-T1-7)" in tp["reasons"].iloc[1]


def test_50_to_35_is_pr_exactly():
    tp = series(50.0, 35.0)
    assert tp["target_response"].iloc[1] == "PR"
    assert tp["pct_from_baseline"].iloc[1] == -30.0
    assert series(50.0, 35.01)["target_response"].iloc[1] == "SD"


def test_21_to_25_2_is_not_pd():
    # +20 % but only +4.2 mm (PYR example)
    tp = series(21.0, 25.2)
    assert tp["target_response"].iloc[1] == "SD"
    assert tp["pct_from_nadir"].iloc[1] == 20.0


def test_5mm_but_less_than_20pct_is_not_pd():
    assert series(50.0, 59.9)["target_response"].iloc[1] == "SD"
    assert series(50.0, 60.0)["target_response"].iloc[1] == "PD"


def test_nadir_zero_then_5mm_is_pd():
    rows = (targets(D[0], "V0", ("T1", 20.0)) + targets(D[1], "V1", ("T1", 0.0, "absent"))
            + targets(D[2], "V2", ("T1", 5.0)))
    tp = assess_timepoints(table(rows))
    assert list(tp["target_response"][1:]) == ["CR", "PD"]
    assert tp["nadir_mm"].iloc[2] == 0.0
    assert math.isnan(tp["pct_from_nadir"].iloc[2])  # never divides by a zero nadir
    rows[-1] = rows[-1][:5] + (4.99,) + rows[-1][6:]
    tp = assess_timepoints(table(rows))
    assert tp["target_response"].iloc[2] == "PR"  # < 5 mm over 0; 75 % below baseline


def test_nodal_cr_short_axis_9_9_vs_10_0():
    assert series(20.0, 9.9, nodal=True)["target_response"].iloc[1] == "CR"
    tp = series(20.0, 10.0, nodal=True)
    assert tp["target_response"].iloc[1] == "PR"
    assert tp["sum_mm"].iloc[1] == 10.0  # a node keeps its actual SA in the sum (SUM-3)


def test_too_small_non_nodal_blocks_cr_but_too_small_node_is_cr():
    rows = targets(D[0], "V0", ("T1", 20.0)) + targets(D[1], "V1", ("T1", None, "too_small"))
    tp = assess_timepoints(table(rows))
    assert tp["sum_mm"].iloc[1] == 5.0 and tp["target_response"].iloc[1] == "PR"
    rows = (targets(D[0], "V0", ("N1", 20.0, "measured", True))
            + targets(D[1], "V1", ("N1", None, "too_small", True)))
    tp = assess_timepoints(table(rows))
    assert tp["sum_mm"].iloc[1] == 5.0 and tp["target_response"].iloc[1] == "CR"  # DEC-10
    criteria = Criteria(too_small_mm=3.0)
    assert assess_timepoints(table(rows), criteria)["sum_mm"].iloc[1] == 3.0


def test_merged_counts_zero_but_is_evaluable():
    rows = (targets(D[0], "V0", ("T1", 20.0), ("T2", 20.0))
            + targets(D[1], "V1", ("T1", 30.0), ("T2", None, "merged")))
    tp = assess_timepoints(table(rows))
    assert tp["sum_mm"].iloc[1] == 30.0
    assert tp["target_response"].iloc[1] == "SD"
    assert tp["nadir_mm"].iloc[1] == 40.0


def test_fragments_of_a_split_lesion_add():
    rows = (targets(D[0], "V0", ("T1", 30.0))
            + targets(D[1], "V1", ("T1", 10.0), ("T1", 11.0)))
    tp = assess_timepoints(table(rows))
    assert tp["sum_mm"].iloc[1] == 21.0
    assert tp["target_response"].iloc[1] == "PR"  # exactly -30 %
    # split node: the SAs of the fragments add (DEC-11): 6 + 6 = 12 mm, not CR
    rows = (targets(D[0], "V0", ("N1", 30.0, "measured", True))
            + targets(D[1], "V1", ("N1", 6.0, "measured", True), ("N1", 6.0, "measured", True)))
    assert assess_timepoints(table(rows))["target_response"].iloc[1] == "PR"


def test_r11_4_4_2_missing_target_partial_sum_pd():
    """R11 4.4.2: baseline 50 mm over three targets; two assessed targets sum to 80 mm."""
    rows = (targets(D[0], "V0", ("T1", 20.0), ("T2", 20.0), ("T3", 10.0))
            + targets(D[1], "V1", ("T1", 40.0), ("T2", 40.0), ("T3", None, "not_evaluated")))
    tp = assess_timepoints(table(rows))
    assert tp["target_response"].iloc[1] == "PD"
    assert tp["overall_response"].iloc[1] == "PD"
    assert math.isnan(tp["sum_mm"].iloc[1])  # no evaluable sum (SUM-7)
    assert "the evaluated targets alone sum to 80.00 mm" in tp["reasons"].iloc[1]
    # a target simply not reported is also not evaluated
    rows = rows[:3] + rows[3:5]
    assert assess_timepoints(table(rows))["target_response"].iloc[1] == "PD"


def test_missing_target_is_ne_and_never_a_nadir():
    rows = (targets(D[0], "V0", ("T1", 20.0), ("T2", 20.0), ("T3", 10.0))
            + targets(D[1], "V1", ("T1", 5.0), ("T2", 5.0), ("T3", None, "not_evaluated"))
            + targets(D[2], "V2", ("T1", 12.0), ("T2", 12.0), ("T3", 10.0)))
    tp = assess_timepoints(table(rows))
    assert list(tp["target_response"][1:]) == ["NE", "PR"]
    assert list(tp["overall_response"][1:]) == ["NE", "PR"]
    # V2: sum 34 is +24 mm over the partial 10 mm of V1, but V1 is not a nadir
    assert tp["nadir_mm"].iloc[2] == 50.0
    assert "1 target(s) not evaluated; the partial sum 10.00 mm" in tp["reasons"].iloc[1]


def test_target_cr_with_non_target_present_is_pr():
    rows = (targets(D[0], "V0", ("T1", 20.0))
            + [(D[0], "V0", "NT1", "non-target", False, None, None, "present")]
            + targets(D[1], "V1", ("T1", 0.0, "absent"))
            + [(D[1], "V1", "NT1", "non-target", False, None, None, "present")]
            + targets(D[2], "V2", ("T1", 0.0, "absent"))
            + [(D[2], "V2", "NT1", "non-target", False, None, None, "not_evaluated")])
    tp = assess_timepoints(table(rows))
    assert list(tp["target_response"][1:]) == ["CR", "CR"]
    assert list(tp["nontarget_response"][1:]) == ["NON-CR/NON-PD", "NE"]
    assert list(tp["overall_response"][1:]) == ["PR", "PR"]
    assert tp["reasons"].iloc[1].endswith("overall PR (OVR-T1-2)")
    assert tp["reasons"].iloc[2].endswith("overall PR (OVR-T1-3)")


def test_target_cr_without_non_targets_is_cr_dec19():
    tp = series(20.0, 0.0)
    assert tp["overall_response"].iloc[1] == "CR"
    assert tp["reasons"].iloc[1].endswith("(OVR-T1-1, DEC-19)")


def test_non_target_only_patient():
    nt = [(D[0], "V0", "NT1", "non-target", False, None, None, "present"),
          (D[0], "V0", "NT2", "non-target", True, None, 12.0, "present"),
          (D[1], "V1", "NT1", "non-target", False, None, None, "present"),
          (D[1], "V1", "NT2", "non-target", True, None, 12.0, "present"),
          (D[2], "V2", "NT1", "non-target", False, None, None, "absent"),
          (D[2], "V2", "NT2", "non-target", True, None, None, "absent"),
          (D[3], "V3", "NT1", "non-target", False, None, None, "present")]
    tp = assess_timepoints(table(nt))
    assert list(tp["target_response"][1:]) == ["NA", "NA", "NA"]
    assert list(tp["nontarget_response"][1:]) == ["NON-CR/NON-PD", "CR", "NE"]  # DEC-5
    assert list(tp["overall_response"][1:]) == ["NON-CR/NON-PD", "CR", "NE"]
    assert tp["sum_mm"].isna().all()


def test_equivocal_new_lesion_is_not_pd_and_is_backdated_when_confirmed():
    base = targets(D[0], "V0", ("T1", 40.0))
    rows = (base + targets(D[1], "V1", ("T1", 38.0))
            + [(D[1], "V1", "NEW1", "new", False, None, None, "equivocal")]
            + targets(D[2], "V2", ("T1", 37.0)))
    tp = assess_timepoints(table(rows))
    assert tp["new_lesions"].iloc[1] == "EQUIVOCAL"
    assert tp["overall_response"].iloc[1] == "SD"  # DEC-14
    rows += [(D[2], "V2", "NEW1", "new", False, None, None, "unequivocal")]
    tp = assess_timepoints(table(rows))
    assert list(tp["overall_response"][1:]) == ["PD", "PD"]
    assert tp["new_lesions"].iloc[1] == "EQUIVOCAL"  # other labels kept
    assert tp["target_response"].iloc[1] == "SD"
    assert ("new lesion NEW1 first seen here, confirmed on 2024-04-22"
            in tp["reasons"].iloc[1])
    assert tp["reasons"].iloc[1].endswith("overall PD (NEW-3, DEC-13)")
    assert tp["date"].iloc[1] == pd.Timestamp(D[1])
    # a different new lesion seen unequivocally does not back-date NEW1
    rows[-1] = (D[2], "V2", "NEW2", "new", False, None, None, "unequivocal")
    tp = assess_timepoints(table(rows))
    assert list(tp["overall_response"][1:]) == ["SD", "PD"]


def test_pd_time_point_date_is_earliest_documenting_scan_dec20():
    rows = (targets(D[0], "V0", ("T1", 40.0))
            + [(D[0], "V0", "NT1", "non-target", False, None, None, "present")]
            + targets("2024-03-05", "V1", ("T1", 39.0))
            + [("2024-03-02", "V1", "NT1", "non-target", False, None, None, "present"),
               ("2024-03-04", "V1", "NEW1", "new", False, None, None, "unequivocal")]
            + targets("2024-05-03", "V2", ("T1", 38.0))
            + [("2024-05-01", "V2", "NT1", "non-target", False, None, None, "present")])
    tp = assess_timepoints(table(rows))
    assert list(tp["overall_response"][1:]) == ["PD", "SD"]
    assert tp["date"].iloc[1] == pd.Timestamp("2024-03-04")  # the new-lesion scan
    assert tp["date"].iloc[2] == pd.Timestamp("2024-05-03")  # latest scan otherwise


def test_without_visit_column_each_date_is_a_time_point():
    rows = targets(D[0], "", ("T1", 30.0)) + targets(D[1], "", ("T1", 20.0))
    tp = assess_timepoints(table(rows, visits=False))
    assert list(tp["visit"]) == [D[0], D[1]]
    assert tp["target_response"].iloc[1] == "PR"


def test_patients_sorted_and_independent():
    rows = ([("P2",) + r for r in targets(D[0], "V0", ("T1", 10.0))]
            + [("P2",) + r for r in targets(D[1], "V1", ("T1", 20.0))]
            + [("P1",) + r for r in targets(D[1], "V1", ("T1", 20.0))]
            + [("P1",) + r for r in targets(D[0], "V0", ("T1", 40.0))])
    tp = assess_timepoints(table(rows))
    assert list(tp["patient_id"]) == ["P1", "P1", "P2", "P2"]
    assert list(tp["target_response"]) == [None, "PR", None, "PD"]


def test_measured_target_without_diameter_is_an_error():
    rows = targets(D[0], "V0", ("T1", 20.0)) + targets(D[1], "V1", ("T1", None))
    with pytest.raises(RecistDataError, match="patient P1, date 2024-02-26, lesion T1"):
        assess_timepoints(table(rows))


def test_input_is_not_modified():
    frame = table(targets(D[0], "V0", ("T1", 20.0)) + targets(D[1], "V1", ("T1", 10.0)))
    copy = frame.copy()
    assess_timepoints(frame)
    pd.testing.assert_frame_equal(frame, copy)


def test_nodal_non_target_needs_short_axis_below_10mm_for_cr():
    rows = (targets(D[0], "V0", ("T1", 20.0))
            + [(D[0], "V0", "NT1", "non-target", True, None, 14.0, "present")]
            + targets(D[1], "V1", ("T1", 0.0, "absent"))
            + [(D[1], "V1", "NT1", "non-target", True, None, 10.0, "absent")]
            + targets(D[2], "V2", ("T1", 0.0, "absent"))
            + [(D[2], "V2", "NT1", "non-target", True, None, 9.9, "absent")])
    tp = assess_timepoints(table(rows))
    assert list(tp["nontarget_response"][1:]) == ["NON-CR/NON-PD", "CR"]
    assert list(tp["overall_response"][1:]) == ["PR", "CR"]  # DEC-4, OVR-T1-2 / OVR-T1-1


def test_non_target_progression_alone_is_pd_with_its_scan_date():
    rows = (targets(D[0], "V0", ("T1", 20.0))
            + [(D[0], "V0", "NT1", "non-target", False, None, None, "present")]
            + targets("2024-03-01", "V1", ("T1", 10.0))
            + [("2024-02-27", "V1", "NT1", "non-target", False, None, None, "progression")])
    tp = assess_timepoints(table(rows))
    assert (tp["target_response"].iloc[1], tp["nontarget_response"].iloc[1],
            tp["overall_response"].iloc[1]) == ("PR", "PD", "PD")
    assert tp["reasons"].iloc[1].endswith("overall PD (OVR-T1-8)")
    assert tp["date"].iloc[1] == pd.Timestamp("2024-02-27")
