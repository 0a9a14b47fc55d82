"""A lesions table given to ``check_target_selection`` with ids that differ only after a
NUL character: pandas' hashing took them as one text, so one patient's finding listed
another patient's lesions without a word. Such a table is refused, and the listing
numbers its texts by Python's equality."""

import numpy as np
import pandas as pd
import pytest

from recist.baseline_rules import (
    _in_organs,
    _organ_texts,
    check_target_selection,
    classify_lesions,
)
from recist.errors import RecistDataError


def _two_crowded_livers() -> pd.DataFrame:
    rows = [dict(patient_id=p, lesion_id=lesion, date=pd.Timestamp("2024-01-02"),
                 kind="target", status="measured", organ="liver", nodal=False, ld_mm=30.0,
                 sa_mm=np.nan, slice_thickness_mm=np.nan)
            for p, ids in (("P", ["A1", "A2", "A3"]), ("Q", ["B1", "B2", "B3"]))
            for lesion in ids]
    return pd.DataFrame(rows)


def test_each_patient_lists_its_own_lesions():
    found = [f for f in check_target_selection(classify_lesions(_two_crowded_livers()))
             if f.code == "too-many-targets-in-organ"]
    assert [(f.patient_id, "B1 (liver)" in f.message) for f in found] == [("P", False),
                                                                         ("Q", True)]


def test_a_lesions_table_with_a_nul_is_refused():
    lesions = classify_lesions(_two_crowded_livers())
    lesions["lesion_id"] = ["T\x00" + str(v) for v in lesions["lesion_id"]]
    with pytest.raises(RecistDataError, match=r"^lesions row at index 0: lesion_id holds a NUL"):
        check_target_selection(lesions)


def test_texts_differing_after_a_nul_are_numbered_apart():
    lesions = pd.DataFrame({"lesion_id": ["T\x00a", "T\x00b"], "organ": ["liver", "liver"]})
    ids = np.array(["T\x00a", "T\x00b"], dtype=object)
    organs = np.array(["liver", "liver"], dtype=object)
    members = np.array([0, 1])
    texts, codes = _organ_texts(lesions, members,
                                lambda at: _in_organs(ids[members[at]], organs[members[at]]))
    assert texts[codes].tolist() == ["T\x00a (liver)", "T\x00b (liver)"]
    assert codes.tolist() == [0, 1]
