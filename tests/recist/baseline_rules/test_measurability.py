"""Per-lesion measurability at baseline: MEAS-1..6, MEAS-13 boundaries, DEC-12."""

from __future__ import annotations

import numpy as np
import pytest

from recist.baseline_rules import (
    _CATEGORY_VALUES,
    LesionCategory,
    _classify_arrays,
    classify_measurability,
)
from recist.criteria import RECIST_1_1, Criteria

M = LesionCategory.MEASURABLE
NM = LesionCategory.NON_MEASURABLE
PN = LesionCategory.PATHOLOGICAL_NODE
NN = LesionCategory.NORMAL_NODE
NA = LesionCategory.NOT_ASSESSABLE


@pytest.mark.parametrize(
    ("ld", "sa", "nodal", "slice_mm", "expected"),
    [
        pytest.param(10.0, None, False, None, M, id="meas1-ld-10.0-measurable"),
        pytest.param(9.9, None, False, None, NM, id="meas13-ld-9.9-not"),
        pytest.param(9.995, None, False, None, M, id="dec22-9.995-rounds-to-10.00"),
        pytest.param(9.994, None, False, None, NM, id="dec22-9.994-rounds-to-9.99"),
        pytest.param(10.0, None, False, 5.0, M, id="meas2-5mm-slices-fixed-10"),
        pytest.param(11.9, None, False, 6.0, NM, id="meas2-6mm-slices-11.9-not"),
        pytest.param(12.0, None, False, 6.0, M, id="meas2-6mm-slices-12.0"),
        pytest.param(20.0, 15.0, True, None, M, id="meas4-sa-15.0-measurable"),
        pytest.param(20.0, 14.9, True, None, PN, id="meas5-sa-14.9-pathological"),
        pytest.param(12.0, 10.0, True, None, PN, id="meas5-sa-10.0-pathological"),
        pytest.param(12.0, 9.9, True, None, NN, id="meas6-sa-9.9-normal"),
        pytest.param(30.0, None, True, None, NA, id="node-without-sa"),
        pytest.param(None, None, False, None, NA, id="no-ld"),
        pytest.param(None, 16.0, True, 8.0, M, id="dec12-node-thick-slices-fixed-15"),
    ],
)
def test_measurability_boundaries(ld, sa, nodal, slice_mm, expected):
    assert classify_measurability(ld, sa, nodal, slice_mm).category == expected


def test_node_uses_short_axis_only():
    # A node reported 30 x 12 mm: SA 12 mm decides (MEAS-4), the LD of 30 mm is ignored.
    result = classify_measurability(30.0, 12.0, nodal=True)
    assert result.category == PN and not result.measurable
    assert result.reason.startswith("nodal SA 12.0 mm is ≥ 10.0 and < 15.0 mm")
    assert "MEAS-5" in result.reason


def test_reason_texts_name_numbers_and_rules():
    assert (classify_measurability(8.2, None, False).reason
            == "non-nodal LD 8.2 mm < 10.0 mm (MEAS-1, R11 3.1.1)")
    assert (classify_measurability(16.0, None, False).reason
            == "non-nodal LD 16.0 mm ≥ 10.0 mm (MEAS-1, R11 3.1.1)")
    assert (classify_measurability(12.0, None, False, 6.0).reason
            == "non-nodal LD 12.0 mm ≥ 12.0 mm = 2 × 6.0 mm slice thickness "
               "(MEAS-2, R11 3.1.1)")
    assert classify_measurability(None, 8.0, True).reason == (
        "nodal SA 8.0 mm < 10.0 mm: normal node, not to be recorded (MEAS-6, R11 4.2)")


def test_dec12_note_only_for_thick_slice_nodes():
    thick = classify_measurability(None, 16.0, True, 7.0)
    assert len(thick.notes) == 1 and "DEC-12" in thick.notes[0]
    assert classify_measurability(None, 16.0, True, 5.0).notes == ()
    assert classify_measurability(20.0, None, False, 7.0).notes == ()


def test_thresholds_come_from_criteria():
    strict = Criteria(measurable_ld_mm=20.0, node_measurable_sa_mm=20.0)
    assert classify_measurability(19.9, None, False, criteria=strict).category == NM
    assert classify_measurability(None, 19.9, True, criteria=strict).category == PN
    assert classify_measurability(None, 20.0, True, criteria=strict).category == M


def test_lesions_classified_together_as_each_alone():
    # the lesions are grouped by their recorded values and rounded per group (DEC-22):
    # values that differ as recorded but round alike (9.995 and 9.9950001, -0.0 and 0.0,
    # NaNs) get the verdict and reason each gets alone
    ld = [9.995, 9.9950001, 9.994, -0.0, 0.0, np.nan, float("nan"), 12.0, 11.996, 20.0]
    sa = [np.nan, 14.995, 14.9949, 9.995, 10.0, -0.0, 0.0, np.nan, 15.0, 9.99]
    nodal = [False, True, True, True, True, False, True, False, False, True]
    thickness = [np.nan, 6.0, 6.0, np.nan, 5.0, 6.0, 6.0, 6.0, 5.999, np.nan]
    codes, reasons, notes = _classify_arrays(ld, sa, nodal, thickness, RECIST_1_1)
    for i in range(len(ld)):
        alone = classify_measurability(ld[i], sa[i], nodal[i], thickness[i])
        assert (_CATEGORY_VALUES[codes[i]], reasons[i], notes[i]) == (
            alone.category.value, alone.reason, "; ".join(alone.notes)), i
