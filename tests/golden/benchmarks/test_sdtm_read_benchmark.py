"""The SDTM read benchmark's --read mode runs end to end at a small size (figures are
printed, never asserted: the machine is shared)."""

from __future__ import annotations

import subprocess
import sys

from support.paths import REPO


def test_sdtm_read_benchmark_small():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "sdtm_pipeline.py"), "--read",
         "--patients", "40", "--visits", "3", "--repeat", "1"],
        capture_output=True, text=True, check=False, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TR -> measurements" in done.stdout and "this tree" in done.stdout
    assert "peak MB" in done.stdout
