"""``make_finding`` builds the very ``Finding`` that the dataclass constructor builds."""

from __future__ import annotations

import dataclasses

import pytest

from recist.findings import Finding, Severity, findings_frame, make_finding

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
