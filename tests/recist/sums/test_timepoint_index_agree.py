"""The checks (``recist.baseline_rules.timepoint_index``) and the response engine
(``recist.sums.index_timepoints``) group rows into the same time points in the same
order, so both name the same baseline (docs/rules.md section 1) — including tables
where visit labels are missing for some rows and time points start on the same day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.baseline_rules import timepoint_index
from recist.response import respond
from recist.sums import index_timepoints
from recist.table import normalise_measurements


def _random_rows(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(40):
        for r in range(int(rng.integers(1, 12))):
            day = int(rng.choice([0, 0, 1, 14, 14, 30]))
            visit = rng.choice(["BL", "C2", "C3", "U1", None, None])
            rows.append({"patient_id": f"P{p}", "lesion_id": f"L{r}",
                         "date": (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)),
                         "visit": visit})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_same_time_points_same_order(seed):
    frame = _random_rows(seed)
    checks = timepoint_index(frame)
    row_tp, tps = index_timepoints(frame)
    engine_order = tps["tp_order"].to_numpy()[row_tp]
    engine_label = tps["visit"].to_numpy()[row_tp]
    assert list(checks["timepoint_order"]) == list(engine_order)
    assert list(checks["timepoint"]) == list(engine_label)


def test_mixed_visit_labels_on_the_baseline_day():
    """A labelled baseline row and an unlabelled row on the same day are two time points;
    the labelled one is the baseline for the checks and the engine alike, so the target
    is not reported as 'first recorded after baseline'."""
    frame = normalise_measurements(pd.DataFrame({
        "patient_id": ["P1"] * 4,
        "date": ["2024-01-01", "2024-01-01", "2024-02-12", "2024-02-12"],
        "visit": ["BL", None, "C2", "C2"],
        "lesion_id": ["T1", "NT1", "T1", "NT1"],
        "kind": ["target", "non-target", "target", "non-target"],
        "nodal": [False] * 4, "ld_mm": [50.0, None, 30.0, None], "sa_mm": [None] * 4,
        "status": ["measured", "present", "measured", "present"]}))
    result = respond(frame)
    assert list(result.timepoints["visit"]) == ["BL", "2024-01-01", "C2"]
    codes = {f.code for f in result.findings}
    assert "non-target-not-at-baseline" in codes and "target-not-at-baseline" not in codes
