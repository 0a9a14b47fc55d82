"""``make_finding`` and ``make_findings`` build the very ``Finding`` that the dataclass
constructor builds; ``raise_for_errors`` raises on errors only."""

from __future__ import annotations

import dataclasses

import pytest

from recist.errors import RecistDataError
from recist.findings import (
    Finding,
    Severity,
    findings_frame,
    make_finding,
    make_findings,
    raise_for_errors,
)

FIELDS = {"code": "cr-then-pr", "message": "patient P1, 2024-01-02: text",
          "severity": Severity.ERROR, "rule": "DEC-2", "patient_id": "P1",
          "date": "2024-01-02", "visit": "V1", "lesion_id": None}


def test_finding_has_no_post_init():
    # make_finding skips __init__: valid only while Finding validates nothing on creation
    assert not hasattr(Finding, "__post_init__")
    assert set(FIELDS) == {f.name for f in dataclasses.fields(Finding)}


@pytest.mark.parametrize("lesion_id", [None, "T1"])
def test_make_finding_equals_constructor(lesion_id):
    fields = {**FIELDS, "lesion_id": lesion_id}
    fast, slow = make_finding(**fields), Finding(**fields)
    assert fast == slow and hash(fast) == hash(slow)
    assert repr(fast) == repr(slow) and str(fast) == str(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert list(vars(fast)) == list(vars(slow))  # same field order
    assert findings_frame([fast]).equals(findings_frame([slow]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.code = "other"  # type: ignore[misc]


def test_make_findings_equals_constructor_per_finding():
    rows = [{**FIELDS, "lesion_id": lesion, "patient_id": patient}
            for lesion, patient in [(None, "P1"), ("T1", "P2"), ("T2", None)]]
    columns = {name: [row[name] for row in rows] for name in FIELDS}
    fast = make_findings(columns["code"], columns["message"], columns["severity"],
                         columns["rule"], columns["patient_id"], columns["date"],
                         columns["visit"], columns["lesion_id"])
    slow = [Finding(**row) for row in rows]
    assert fast == slow
    assert [list(vars(f).items()) for f in fast] == [list(vars(f).items()) for f in slow]


def test_make_findings_refuses_columns_of_different_lengths():
    # a short column would otherwise drop findings without a word
    with pytest.raises(ValueError, match="zip"):
        make_findings(["x", "y"], ["m"], [Severity.INFO] * 2, [None] * 2, [None] * 2,
                      [None] * 2, [None] * 2, [None] * 2)


@pytest.mark.parametrize("severity", [Severity.ERROR, "error"])
def test_raise_for_errors_raises_on_errors_only(severity):
    warning = Finding("w", "a warning")
    errors = [Finding("e1", "first error", severity), Finding("e2", "second", Severity.ERROR)]
    raise_for_errors([warning, Finding("i", "note", Severity.INFO)])  # nothing to raise
    with pytest.raises(RecistDataError) as raised:
        raise_for_errors(iter([warning, *errors]))
    assert str(raised.value) == "first error (and 1 more error(s))"
    assert raised.value.findings == tuple(errors)
