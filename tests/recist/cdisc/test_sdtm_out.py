"""SDTM TU/TR/RS writing (recist.cdisc.sdtm_out): readers named alike in every domain."""

import pandas as pd

from recist.cdisc.sdtm_out import measurements_to_sdtm


def _two_visits(evaluators: list[str | None]) -> pd.DataFrame:
    """One target lesion of one patient at baseline and week 8, one row per visit."""
    return pd.DataFrame({
        "patient_id": ["P1", "P1"], "date": ["2024-01-05", "2024-03-01"],
        "visit": ["BASELINE", "WEEK 8"], "lesion_id": ["T1", "T1"],
        "kind": ["target", "target"], "organ": ["lung", "lung"], "nodal": [False, False],
        "ld_mm": [20.0, 15.0], "sa_mm": [None, None], "status": ["measured", "measured"],
        "evaluator": evaluators,
    })


def test_a_padded_reader_name_is_one_reader_in_tu_and_tr():
    # " R1 " at baseline and "R1" at week 8 are one reader (recist.response.reader_labels):
    # before, TU identified the lesion twice, once per spelling, and TR's TREVALID kept the
    # spaces that RS (written from respond's reader split) does not
    tables = measurements_to_sdtm(_two_visits([" R1 ", "R1"]))
    tu, tr = tables["TU"], tables["TR"]
    assert len(tu) == 1
    assert tu["TUEVALID"].tolist() == ["R1"]
    assert tu["TUEVAL"].tolist() == ["INDEPENDENT ASSESSOR"]
    assert set(tr["TREVALID"]) == {"R1"}


def test_a_missing_reader_is_the_investigator_in_every_row():
    tables = measurements_to_sdtm(_two_visits([None, ""]))
    tu, tr = tables["TU"], tables["TR"]
    assert len(tu) == 1
    assert tu["TUEVAL"].tolist() == ["INVESTIGATOR"]
    assert set(tr["TREVAL"]) == {"INVESTIGATOR"}
