"""The cohort benchmark's generator and runner still work (small cohort, no pyrecist)."""

from __future__ import annotations

import importlib.util
import json

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


def test_generator_is_deterministic_and_valid(capsys, tmp_path):
    bench = _module()
    first, patients = bench.make_cohort(60, seed=5)
    second, _ = bench.make_cohort(60, seed=5)
    pd.testing.assert_frame_equal(first, second)
    assert len(patients) == 60
    measurements = normalise_measurements(first)
    timepoints = assess_timepoints(measurements)
    assert len(timepoints) == 60 * bench.VISITS
    assert set(measurements["kind"]) == {"target", "non-target", "new"}
    assert bench.main(["--patients", "40", "--no-pyrecist", "--rounds", "1",
                       "--scaling", "700", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "rows/s" in out and "peak RSS" in out
    saved = json.loads((tmp_path / "respond_cohort.json").read_text())
    cases = [row["case"] for row in saved["rows"]]
    assert any(case.startswith("recist respond --confirm") for case in cases)
    wall = [row for row in saved["rows"] if row["case"].endswith(", wall clock")]
    assert len(wall) == 1 and wall[0]["ratio_median"] > 0 and wall[0]["target"] == ""
    assert any(case.startswith("respond(), ") for case in cases)
    assert [row["benchmark"] for row in saved["rows"]].count("scaling") == 1
    assert saved["machine"]["cores"] and len(saved["machine"]["load_average"]) == 3
    import recist.response

    assert recist.response.assess_timepoints is assess_timepoints  # stage timers removed
