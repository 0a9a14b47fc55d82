"""Golden time point responses, one hand-checked patient per rule of docs/rules.md.

Each case is a patient (see ``conftest``), the expected labels of every follow-up time
point as ``"target nontarget new overall"``, and optionally the expected sums, nadirs,
percentages and dates of every time point (baseline first). Everything goes through
``recist.response.respond`` with a patients table whose start_date is the baseline date.
Sums are compared with an absolute tolerance of 0.005 mm (they are rounded to 0.01 mm,
DEC-22); categories and dates exactly.
"""

from __future__ import annotations

import math

import pytest

from recist.criteria import Criteria
from recist.response import respond

from .conftest import iso, patient, patients_table

B, D1, D2, D3, D4 = "2024-01-01", "2024-02-12", "2024-03-25", "2024-05-06", "2024-06-17"
NAN = float("nan")
TOL_MM = 0.005  # sums are rounded to 0.01 mm (DEC-22)

# (id, visits, labels per follow-up, extra expectations over all rows, criteria options)
CASES = [
    # --- SUM-1..8 -------------------------------------------------------------------
    ("sum-1-nodal-uses-sa", [(B, "LN1 20", "T2 30"), (D1, "LN1 12", "T2 30")],
     ["SD NA N SD"], {"sum_mm": [50, 42]}, {}),
    ("sum-3-cr-sum-not-zero", [(B, "LN1 20", "T2 30"), (D1, "LN1 8", "T2 absent")],
     ["CR NA N CR"], {"sum_mm": [50, 8]}, {}),
    ("sum-4-too-small-5mm-absent-0", [(B, "T1 30", "T2 20"), (D1, "T1 too_small", "T2 absent")],
     ["PR NA N PR"], {"sum_mm": [50, 5], "pct_from_baseline": [0, -90]}, {}),
    ("sum-4-reported-number-below-5-used", [(B, "T1 30"), (D1, "T1 3")],
     ["PR NA N PR"], {"sum_mm": [30, 3]}, {}),
    ("sum-5-split-fragments-add", [(B, "T1 30", "T2 20"), (D1, "T1 15", "T1 10", "T2 20")],
     ["SD NA N SD"], {"sum_mm": [50, 45]}, {}),
    ("sum-6-merged-0mm-evaluable", [(B, "T1 30", "T2 20"), (D1, "T1 45", "T2 merged")],
     ["SD NA N SD"], {"sum_mm": [50, 45], "nadir_mm": [NAN, 50]}, {}),
    ("sum-6-merged-into-disappeared-is-cr", [(B, "T1 30", "T2 20"), (D1, "T1 30", "T2 merged"),
                                            (D2, "T1 absent", "T2 merged")],
     ["PR NA N PR", "CR NA N CR"], {"sum_mm": [50, 30, 0]}, {}),
    ("sum-7-ne-no-sum-not-nadir", [(B, "T1 30", "T2 20"), (D1, "T1 5", "T2 not_evaluated"),
                                   (D2, "T1 10", "T2 10")],
     ["NE NA N NE", "PR NA N PR"],
     {"sum_mm": [50, NAN, 20], "nadir_mm": [NAN, 50, 50]}, {}),
    ("sum-8-nadir-includes-baseline", [(B, "T1 40"), (D1, "T1 45"), (D2, "T1 48")],
     ["SD NA N SD", "PD NA N PD"],
     {"nadir_mm": [NAN, 40, 40], "pct_from_nadir": [NAN, 12.5, 20]}, {}),
    ("sum-8-nadir-is-running-minimum", [(B, "T1 50"), (D1, "T1 30"), (D2, "T1 35"),
                                        (D3, "T1 36")],
     ["PR NA N PR", "PR NA N PR", "PD NA N PD"],
     {"nadir_mm": [NAN, 50, 30, 30], "pct_from_nadir": [NAN, -40, 16.67, 20]}, {}),
    # --- TGT-* ----------------------------------------------------------------------
    ("tgt-pd-inclusive-25-to-30", [(B, "T1 25"), (D1, "T1 30")], ["PD NA N PD"],
     {"pct_from_nadir": [NAN, 20]}, {}),
    ("tgt-pd-20pct-but-under-5mm", [(B, "T1 21"), (D1, "T1 25.2")], ["SD NA N SD"], {}, {}),
    ("tgt-pd-5mm-but-under-20pct", [(B, "T1 50"), (D1, "T1 59.9")], ["SD NA N SD"], {}, {}),
    ("tgt-pd-vs-nadir-not-previous", [(B, "T1 50"), (D1, "T1 40"), (D2, "T1 44"),
                                      (D3, "T1 48")],
     ["SD NA N SD", "SD NA N SD", "PD NA N PD"], {"nadir_mm": [NAN, 50, 40, 40]}, {}),
    ("tgt-pd-while-30pct-below-baseline", [(B, "T1 100"), (D1, "T1 20"), (D2, "T1 25")],
     ["PR NA N PR", "PD NA N PD"], {"pct_from_baseline": [0, -80, -75]}, {}),
    ("tgt-pd-nadir-zero-5mm", [(B, "T1 20"), (D1, "T1 absent"), (D2, "T1 5")],
     ["CR NA N CR", "PD NA N PD"], {"nadir_mm": [NAN, 20, 0], "pct_from_nadir": [NAN, -100, NAN]},
     {}),
    ("tgt-pd-nadir-zero-4.99-not-pd", [(B, "T1 20"), (D1, "T1 absent"), (D2, "T1 4.99")],
     ["CR NA N CR", "PR NA N PR"], {}, {}),
    ("tgt-cr-node-9.9", [(B, "LN1 20"), (D1, "LN1 9.9")], ["CR NA N CR"], {}, {}),
    ("tgt-cr-node-10.0-not-cr", [(B, "LN1 20"), (D1, "LN1 10")], ["PR NA N PR"], {}, {}),
    ("tgt-cr-too-small-nonnodal-not-cr", [(B, "T1 20"), (D1, "T1 too_small")],
     ["PR NA N PR"], {"sum_mm": [20, 5]}, {}),
    ("tgt-pr-inclusive-50-to-35", [(B, "T1 50"), (D1, "T1 35")], ["PR NA N PR"],
     {"pct_from_baseline": [0, -30]}, {}),
    ("tgt-pr-35.01-is-sd", [(B, "T1 50"), (D1, "T1 35.01")], ["SD NA N SD"], {}, {}),
    ("tgt-sd-neither", [(B, "T1 50"), (D1, "T1 40")], ["SD NA N SD"], {}, {}),
    ("tgt-ne-missing-target-row", [(B, "T1 30", "T2 20"), (D1, "T1 10")], ["NE NA N NE"],
     {"sum_mm": [50, NAN]}, {}),
    ("tgt-after-pr-default-paper-sd", [(B, "T1 100"), (D1, "T1 70"), (D2, "T1 80")],
     ["PR NA N PR", "SD NA N SD"], {}, {}),
    # --- NT-* -----------------------------------------------------------------------
    ("nt-cr-all-gone-node-absent", [(B, "T1 20", "NT1", "NTLN1 present 12"),
                                    (D1, "T1 absent", "NT1 absent", "NTLN1 absent")],
     ["CR CR N CR"], {}, {}),
    ("nt-non-cr-non-pd", [(B, "T1 20", "NT1", "NT2"), (D1, "T1 20", "NT1 absent", "NT2")],
     ["SD NON-CR/NON-PD N SD"], {}, {}),
    ("nt-pd-progression-status", [(B, "T1 20", "NT1"), (D1, "T1 10", "NT1 progression")],
     ["PR PD N PD"], {}, {}),
    ("nt-ne-partly-evaluated-dec-5", [(B, "T1 20", "NT1", "NT2"),
                                      (D1, "T1 20", "NT1", "NT2 not_evaluated")],
     ["SD NE N SD"], {}, {}),
    ("nt-reappearance-present-not-pd", [(B, "T1 20", "NT1"), (D1, "T1 20", "NT1 absent"),
                                        (D2, "T1 20", "NT1")],
     ["SD CR N SD", "SD NON-CR/NON-PD N SD"], {}, {}),
    # --- NEW-* ----------------------------------------------------------------------
    ("new-1-unequivocal-pd-despite-cr", [(B, "T1 20"), (D1, "T1 absent", "NEW1 unequivocal")],
     ["CR NA Y PD"], {}, {}),
    ("new-3-equivocal-not-pd", [(B, "T1 20"), (D1, "T1 12", "NEW1 equivocal")],
     ["PR NA EQUIVOCAL PR"], {}, {}),
    ("new-3-dec-13-backdated", [(B, "T1 50"), (D1, "T1 30"), (D2, "T1 30", "NEW1 equivocal"),
                                (D3, "T1 30", "NEW1 unequivocal")],
     ["PR NA N PR", "PR NA EQUIVOCAL PD", "PR NA Y PD"],
     {"date": [B, D1, D2, D3]}, {}),
    ("new-3-dec-13-backdated-through-two-equivocal",
     [(B, "T1 50"), (D1, "T1 50", "NEW1 equivocal"), (D2, "T1 50", "NEW1 equivocal"),
      (D3, "T1 50", "NEW1 unequivocal")],
     ["SD NA EQUIVOCAL PD", "SD NA EQUIVOCAL SD", "SD NA Y PD"], {}, {}),
    ("new-6-not-in-sum", [(B, "T1 50"), (D1, "T1 50", "NEW1 unequivocal 30")],
     ["SD NA Y PD"], {"sum_mm": [50, 50]}, {}),
    # --- OVR-T1 / OVR-T2 --------------------------------------------------------------
    ("ovr-t1-1-cr-cr", [(B, "T1 20", "NT1"), (D1, "T1 absent", "NT1 absent")],
     ["CR CR N CR"], {}, {}),
    ("ovr-t1-1-dec-19-cr-no-nontargets", [(B, "T1 20"), (D1, "T1 absent")],
     ["CR NA N CR"], {}, {}),
    ("ovr-t1-2-cr-noncr", [(B, "T1 20", "NT1"), (D1, "T1 absent", "NT1")],
     ["CR NON-CR/NON-PD N PR"], {}, {}),
    ("ovr-t1-3-cr-nt-ne", [(B, "T1 20", "NT1"), (D1, "T1 absent", "NT1 not_evaluated")],
     ["CR NE N PR"], {}, {}),
    ("ovr-t1-4-pr-nt-ne", [(B, "T1 20", "NT1"), (D1, "T1 10", "NT1 not_evaluated")],
     ["PR NE N PR"], {}, {}),
    ("ovr-t1-5-sd-nt-ne", [(B, "T1 20", "NT1"), (D1, "T1 20", "NT1 not_evaluated")],
     ["SD NE N SD"], {}, {}),
    ("ovr-t1-6-ne-non-pd", [(B, "T1 20", "T2 20", "NT1"),
                            (D1, "T1 10", "T2 not_evaluated", "NT1")],
     ["NE NON-CR/NON-PD N NE"], {}, {}),
    ("ovr-t1-7-target-pd", [(B, "T1 20", "NT1"), (D1, "T1 30", "NT1 absent")],
     ["PD CR N PD"], {}, {}),
    ("ovr-t1-8-nt-pd-target-pr", [(B, "T1 20", "NT1"), (D1, "T1 10", "NT1 progression")],
     ["PR PD N PD"], {}, {}),
    ("ovr-t1-9-new-target-sd", [(B, "T1 20", "NT1"), (D1, "T1 20", "NT1", "NEW1 unequivocal")],
     ["SD NON-CR/NON-PD Y PD"], {}, {}),
    ("ovr-t2-1-nt-cr", [(B, "NT1"), (D1, "NT1 absent")], ["NA CR N CR"], {}, {}),
    ("ovr-t2-2-non-cr-non-pd-never-sd", [(B, "NT1"), (D1, "NT1")],
     ["NA NON-CR/NON-PD N NON-CR/NON-PD"], {"sum_mm": [NAN, NAN]}, {}),
    ("ovr-t2-3-nt-ne", [(B, "NT1", "NT2"), (D1, "NT1", "NT2 not_evaluated")],
     ["NA NE N NE"], {}, {}),
    ("ovr-t2-4-nt-pd", [(B, "NT1"), (D1, "NT1 progression")], ["NA PD N PD"], {}, {}),
    ("ovr-t2-5-new", [(B, "NT1"), (D1, "NT1", "NEW1 unequivocal")],
     ["NA NON-CR/NON-PD Y PD"], {}, {}),
    ("ovr-t2-equivocal-reads-no", [(B, "NT1"), (D1, "NT1", "NEW1 equivocal")],
     ["NA NON-CR/NON-PD EQUIVOCAL NON-CR/NON-PD"], {}, {}),
    # --- NE-* -----------------------------------------------------------------------
    ("ne-1-nothing-evaluated", [(B, "T1 20", "NT1"), (D1, "T1 not_evaluated", "NT1 not_evaluated")],
     ["NE NE N NE"], {"sum_mm": [20, NAN]}, {}),
    ("ne-2a-r11-example-partial-sum-pd",
     [(B, "T1 20", "T2 20", "T3 10"), (D1, "T1 40", "T2 40", "T3 not_evaluated")],
     ["PD NA N PD"], {"sum_mm": [50, NAN]}, {}),
    ("ne-2a-partial-sum-vs-nadir-not-baseline",
     [(B, "T1 50", "T2 50"), (D1, "T1 20", "T2 20"), (D2, "T1 48", "T2 not_evaluated")],
     ["PR NA N PR", "PD NA N PD"], {"nadir_mm": [NAN, 100, 40]}, {}),
    ("ne-2b-nt-progression-with-target-missing",
     [(B, "T1 20", "T2 20", "NT1"), (D1, "T1 20", "T2 not_evaluated", "NT1 progression")],
     ["NE PD N PD"], {}, {}),
    ("ne-2c-new-lesion-with-target-missing",
     [(B, "T1 20", "T2 20"), (D1, "T1 20", "T2 not_evaluated", "NEW1 unequivocal")],
     ["NE NA Y PD"], {}, {}),
    ("ne-2-partial-never-cr", [(B, "T1 20", "T2 20"), (D1, "T1 absent", "T2 not_evaluated")],
     ["NE NA N NE"], {}, {}),
    ("ne-4-incomplete-never-nadir",
     [(B, "T1 50", "T2 50"), (D1, "T1 10", "T2 not_evaluated"), (D2, "T1 50", "T2 50")],
     ["NE NA N NE", "SD NA N SD"], {"nadir_mm": [NAN, 100, 100]}, {}),
    # --- decisions at time point level ------------------------------------------------
    ("dec-1-continuing-response", [(B, "T1 100"), (D1, "T1 70"), (D2, "T1 80"), (D3, "T1 80")],
     ["PR NA N PR", "PR NA N PR", "PR NA N PR"], {}, {"continuing_response": True}),
    ("dec-1-continuing-stops-at-pd", [(B, "T1 100", "NT1"), (D1, "T1 70", "NT1"),
                                      (D2, "T1 70", "NT1 progression"), (D3, "T1 80", "NT1")],
     ["PR NON-CR/NON-PD N PR", "PR PD N PD", "SD NON-CR/NON-PD N SD"], {},
     {"continuing_response": True}),
    ("dec-1-confirmed-only", [(B, "T1 100"), (D1, "T1 70"), (D2, "T1 80"), (D3, "T1 70"),
                              (D4, "T1 80")],
     ["PR NA N PR", "SD NA N SD", "PR NA N PR", "SD NA N SD"], {},
     {"continuing_response": True, "confirmation": True}),
    ("dec-3-cr-then-nodal-regrowth-sd", [(B, "LN1 16"), (D1, "LN1 8"), (D2, "LN1 12")],
     ["CR NA N CR", "SD NA N SD"], {"nadir_mm": [NAN, 16, 8]}, {}),
    ("dec-4-target-cr-nontarget-node-pathological",
     [(B, "T1 20", "NTLN1 present 12"), (D1, "T1 absent", "NTLN1 present 11")],
     ["CR NON-CR/NON-PD N PR"], {}, {}),
    ("dec-10-too-small-node-cr", [(B, "LN1 20"), (D1, "LN1 too_small")], ["CR NA N CR"],
     {"sum_mm": [20, 5]}, {}),
    ("dec-11-split-node-sa-added", [(B, "LN1 20"), (D1, "LN1 6", "LN1 6")], ["PR NA N PR"],
     {"sum_mm": [20, 12]}, {}),
    ("dec-14-equivocal-never-confirmed", [(B, "T1 50"), (D1, "T1 50", "NEW1 equivocal"),
                                          (D2, "T1 50")],
     ["SD NA EQUIVOCAL SD", "SD NA N SD"], {}, {}),
    ("dec-20-pd-date-earliest-documenting-row",
     [(B, "T1 50", "NT1"),
      (D2, "T1 50", "NT1 @2024-03-27", "NEW1 unequivocal @2024-03-22")],
     ["SD NON-CR/NON-PD Y PD"], {"date": [B, "2024-03-22"]}, {}),
    ("dec-20-sum-pd-date-earliest-target-row",
     [(B, "T1 50", "T2 10", "NT1"),
      (D2, "T1 60 @2024-03-24", "T2 20", "NT1 @2024-03-20")],
     ["PD NON-CR/NON-PD N PD"], {"date": [B, "2024-03-24"]}, {}),
    ("dec-20-other-timepoint-latest-scan",
     [(B, "T1 50", "NT1 @2023-12-28"), (D2, "T1 40", "NT1 @2024-03-29")],
     ["SD NON-CR/NON-PD N SD"], {"date": [B, "2024-03-29"]}, {}),
    ("dec-22-float-noise-sums", [(B, "T1 10.1", "T2 10.2", "T3 4.7"),
                                 (D1, "T1 7.07", "T2 7.14", "T3 3.29")],
     ["PR NA N PR"], {"sum_mm": [25, 17.5], "pct_from_baseline": [0, -30]}, {}),
]


def _labels(row) -> str:
    return " ".join(str(row[c]) for c in ("target_response", "nontarget_response",
                                          "new_lesions", "overall_response"))


@pytest.mark.parametrize("case_id, visits, labels, extra, options",
                         CASES, ids=[c[0] for c in CASES])
def test_golden_timepoints(case_id, visits, labels, extra, options):
    result = respond(patient(*visits), patients_table(B), Criteria(**options))
    tp = result.timepoints
    assert len(tp) == len(visits)
    assert tp["reasons"].iloc[0] == "baseline"
    assert [_labels(r) for _, r in tp.iloc[1:].iterrows()] == labels
    for column, expected in extra.items():
        got = tp[column].tolist()
        if column == "date":
            assert [iso(v) for v in got] == expected, column
            continue
        assert len(got) == len(expected), column
        for g, e in zip(got, expected):
            if isinstance(e, float) and math.isnan(e):
                assert math.isnan(g), (column, got)
            else:
                assert g == pytest.approx(e, abs=TOL_MM), (column, got)


def test_default_dates_are_latest_scan_of_each_visit():
    """DEC-20 default: each non-PD time point is dated by its latest scan."""
    tp = respond(patient((B, "T1 50"), (D1, "T1 40")), patients_table(B)).timepoints
    assert [iso(v) for v in tp["date"]] == [B, D1]
