"""The SDTM benchmark runs end to end at a small size through the shared harness (figures
are printed, never asserted: the machine is shared)."""

from __future__ import annotations

import subprocess
import sys

from support.paths import REPO


def test_sdtm_benchmark_small():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "sdtm_pipeline.py"), "--patients", "40",
         "--visits", "3", "--rounds", "1", "--against", "none", "--no-save"],
        capture_output=True, text=True, check=False, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    for case in ("TR -> measurements (CSV)", "SDTM -> responses -> ADaM (CSV)",
                 "TR -> measurements peak memory", "TR read from XPT v5"):
        assert case in done.stdout
