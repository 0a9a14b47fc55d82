"""The time point checks of ``recist.checks_response``: their searches at the patients'
edges (where a patient's rows end and the next one's begin)."""

from __future__ import annotations

import pandas as pd

from recist.checks_response import check_cr_then_pr, check_cr_then_sd


def _patients(**responses: list[str | None]) -> pd.DataFrame:
    """A timepoints table of one patient per keyword, its responses 8 weeks apart."""
    rows = []
    for patient, each in responses.items():
        dates = pd.date_range("2024-01-10", periods=len(each), freq="56D")
        rows += [{"patient_id": patient, "visit": f"V{i}", "date": day,
                  "overall_response": response}
                 for i, (day, response) in enumerate(zip(dates, each))]
    return pd.DataFrame(rows)


def test_cr_then_pr_looks_within_each_patient_only():
    # A: a CR and no PR after it (B's PR is B's own); C: a PD before the CR (D's PD is
    # D's own, so E's PR after a CR counts); F: a PD between the CR and the PR.
    tp = _patients(A=[None, "CR", "SD"], B=[None, "PR", "PR"], C=[None, "PD", "CR", "PR"],
                   D=[None, "PD"], E=[None, "CR", "PR", "PR"], F=[None, "CR", "PD", "PR"],
                   G=[None, "CR"])
    assert [(f.patient_id, f.visit) for f in check_cr_then_pr(tp)] == [("E", "V2")]
    assert [(f.patient_id, f.visit) for f in check_cr_then_sd(tp)] == [("A", "V2")]
    # the same table in another row order: the same findings
    shuffled = tp.iloc[::-1]
    assert [(f.patient_id, f.visit) for f in check_cr_then_pr(shuffled)] == [("E", "V2")]


def test_same_patients_numbered_alike_still_compares_the_ids():
    # the codes number the rows' patients as the encoding does and hold its ids
    # themselves (the fast path, no comparison), or equal texts, or another id
    import numpy as np

    from recist.checks_response import _same_patients
    from recist.timepoints import TimepointCodes

    def codes(*ids: str) -> TimepointCodes:
        return TimepointCodes(np.array([0, 0, 1, 2]), np.array(ids, dtype=object),
                              np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64))

    uniques = np.array(["P-1", "P-2", "P-3"], dtype=object)
    patient = np.array([0, 0, 1, 2])
    assert _same_patients(codes(*uniques), patient, uniques)
    copies = [f"P-{i}" for i in (1, 2, 3)]  # equal texts, other objects
    assert copies[1] is not uniques[1]
    assert _same_patients(codes(*copies), patient, uniques)
    assert not _same_patients(codes("P-1", "P-2", "P-4"), patient, uniques)
    assert not _same_patients(codes(*uniques), np.array([0, 1, 1, 2]), uniques)
