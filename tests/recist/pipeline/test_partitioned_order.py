"""``patient_ordered``: findings grouped by patient in Python's order of the ids (missing
first), each patient's in the order raised, whichever way the ids are ranked."""

from __future__ import annotations

import numpy as np

from recist.findings import Finding, Findings
from recist.pipeline.partitioned import patient_ordered


def _expected(ids: list) -> list[int]:
    """Positions in the stable order: missing ids first, then by Python's ``<``."""
    missing = [i for i, p in enumerate(ids) if p is None or p != p]
    present = sorted((i for i, p in enumerate(ids) if not (p is None or p != p)),
                     key=lambda i: ids[i])
    return missing + present


def _ordered(ids: list) -> list[int]:
    found = Findings.from_columns(len(ids), code="x", message=[str(i) for i in range(len(ids))],
                                  patient_id=np.array(ids, dtype=object))
    return [int(f.message) for f in patient_ordered(found)]


def test_text_ids_in_code_point_order_stable_and_missing_first():
    rng = np.random.default_rng(3)
    alphabet = ["", "P1", "P10", "P2", "p1", "Z", "é", "z", "ü1", "日本", "P1 ", "\U0001F600",
                None]
    ids = [alphabet[k] for k in rng.integers(0, len(alphabet), 2_000)]
    assert _ordered(ids) == _expected(ids)


def test_ids_arrow_cannot_hold_are_ranked_alike():
    surrogate = ["b", "\ud800", "a", None, "\ud800", "a"]  # not UTF-8
    assert _ordered(surrogate) == _expected(surrogate)
    not_text = ["b", float("nan"), "a", None, "b"]
    assert _ordered(not_text) == _expected(not_text)


def test_findings_made_one_by_one():
    found = [Finding("x", str(i), patient_id=p) for i, p in enumerate(["P2", None, "P1", "P2"])]
    assert [f.message for f in patient_ordered(found)] == ["1", "2", "0", "3"]
