"""A lesion does not move between organs: an organ change is a warning (SEL-5)."""

from __future__ import annotations

import pandas as pd

from recist.checks import check_lesion_ids_stable
from recist.table import normalise_measurements


def _table(organs_t1, organs_n1, nodal_n1=False):
    n = len(organs_t1)
    dates = ["2024-01-02", "2024-03-01", "2024-05-01"][:n]
    return normalise_measurements(pd.DataFrame({
        "patient_id": ["P"] * 2 * n,
        "date": dates * 2,
        "lesion_id": ["T1"] * n + ["N1"] * n,
        "kind": ["target"] * n + ["target"] * n,
        "status": ["measured"] * 2 * n,
        "ld_mm": [20.0] * n + [25.0] * n,
        "sa_mm": [None] * n + [16.0] * n,
        "nodal": [False] * n + [nodal_n1] * n,
        "organ": organs_t1 + organs_n1,
    }))


def _organ_findings(table):
    return [(f.lesion_id, f.date, f.message) for f in check_lesion_ids_stable(table)
            if f.code == "organ-changed"]


def test_paired_organ_spellings_and_case_are_the_same_organ():
    table = _table(["Left lung", "lung", "LUNG, LEFT"], ["liver", "Liver", "liver"])
    assert _organ_findings(table) == []


def test_a_lesion_that_changes_organ_is_named_once_with_both_organs():
    table = _table(["lung", "lung", "liver"], ["liver", "kidney", "adrenal"])
    assert _organ_findings(table) == [
        ("N1", "2024-03-01", (
            "patient P, 2024-03-01, lesion N1: organ is kidney here but liver at an earlier "
            "row of the same lesion; the same lesions are followed at every time point "
            "(SEL-5), so check the lesion_id or the organ")),
        ("T1", "2024-05-01", (
            "patient P, 2024-05-01, lesion T1: organ is liver here but lung at an earlier "
            "row of the same lesion; the same lesions are followed at every time point "
            "(SEL-5), so check the lesion_id or the organ")),
    ]


def test_lymph_node_stations_are_one_organ_and_missing_organs_are_ignored():
    table = _table(["lung", None, "lung"], ["mediastinum", "hilum", "axilla"], nodal_n1=True)
    assert _organ_findings(table) == []
