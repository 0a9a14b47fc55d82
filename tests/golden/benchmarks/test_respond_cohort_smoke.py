"""The cohort benchmark's generator and runner still work (small cohort, no pyrecist)."""

from __future__ import annotations

import importlib.util

import pandas as pd

from recist.table import normalise_measurements
from recist.timepoints import assess_timepoints

from support.paths import REPO

SCRIPT = REPO / "benchmarks" / "respond_cohort.py"


def _module():
    spec = importlib.util.spec_from_file_location("respond_cohort", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_valid(capsys):
    bench = _module()
    first, patients = bench.make_cohort(60, seed=5)
    second, _ = bench.make_cohort(60, seed=5)
    pd.testing.assert_frame_equal(first, second)
    assert len(patients) == 60
    measurements = normalise_measurements(first)
    timepoints = assess_timepoints(measurements)
    assert len(timepoints) == 60 * bench.VISITS
    assert set(measurements["kind"]) == {"target", "non-target", "new"}
    assert bench.main(["--patients", "40", "--no-pyrecist"]) == 0
    out = capsys.readouterr().out
    assert "rows/s" in out and "peak RSS" in out
    import recist.response

    assert recist.response.assess_timepoints is assess_timepoints  # stage timers removed
