"""``apply_continuing_response`` (DEC-1 for every patient at once, as arrays) against the
rule functions ``continued_positions`` and ``continuing_response_start`` applied patient
by patient, on random seeded time point tables: confirmation on and off, baseline rows
without a response, new-therapy cut-offs (DEC-17), shuffled rows."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recist.continuing import (
    apply_continuing_response,
    continued_positions,
    continuing_response_start,
)
from recist.criteria import RECIST_1_1

LABELS = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]


def _table(seed: int):
    rng = np.random.default_rng(seed)
    rows, cutoffs = [], {}
    for p in range(300):
        pid = f"P{p:03d}"
        day = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 60)))
        rows.append((pid, day, None, None, "baseline"))
        for _ in range(int(rng.integers(0, 9))):
            day += timedelta(days=int(rng.choice([14, 27, 28, 35, 56])))
            overall = LABELS[rng.choice(6, p=[0.1, 0.3, 0.35, 0.05, 0.08, 0.12])]
            target = "SD" if overall == "SD" and rng.random() < 0.9 else overall
            rows.append((pid, day, target, overall, f"reason {overall}"))
        if rng.random() < 0.25:
            cutoffs[pid] = (date(2024, 1, 1) + timedelta(days=int(rng.integers(60, 400))))
    table = pd.DataFrame(rows, columns=["patient_id", "date", "target_response",
                                        "overall_response", "reasons"])
    table["date"] = pd.to_datetime(table["date"])
    return table.sample(frac=1.0, random_state=seed).reset_index(drop=True), cutoffs


def _plain(table, criteria, cutoffs):
    """The rule functions, patient by patient: row label -> (target, overall, reasons)."""
    out = {}
    for pid, rows in table.sort_values(["patient_id", "date"], kind="stable").groupby(
            "patient_id"):
        limit = cutoffs.get(pid)
        kept = [r for r in rows.itertuples() if r.overall_response is not None
                and (limit is None or r.date.date() < limit)]
        responses = [r.overall_response for r in kept]
        dates = [r.date.date() for r in kept]
        positions = continued_positions([r.target_response for r in kept], responses, dates,
                                        criteria)
        if positions:
            since = dates[continuing_response_start(responses, dates, criteria)].isoformat()
            for position in positions:
                row = kept[position]
                out[row.Index] = ("PR", "PR", f"{row.reasons}; DEC-1 continuing response: "
                                  f"target SD kept as PR, response reached on {since} "
                                  "continues until PD")
    return out


@pytest.mark.parametrize("seed,confirmation", [(1, False), (2, True), (3, True), (4, False)])
def test_continuing_response_equals_the_rule_functions(seed, confirmation):
    criteria = RECIST_1_1.replace(continuing_response=True, confirmation=confirmation)
    table, cutoffs = _table(seed)
    got = apply_continuing_response(table, criteria, cutoffs)
    changed = _plain(table, criteria, cutoffs)
    expected = table.copy()
    for label, (target, overall, reasons) in changed.items():
        expected.loc[label, ["target_response", "overall_response", "reasons"]] = [
            target, overall, reasons]
    pd.testing.assert_frame_equal(got, expected)
    assert len(changed) > 20  # the tables exercise the rule
