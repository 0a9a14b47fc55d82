"""The load benchmark runs end to end on a tiny series (the timings are not checked)."""

from __future__ import annotations

import subprocess
import sys

from support.paths import REPO

SCRIPT = REPO / "benchmarks" / "load_series.py"


def test_benchmark_runs_on_eight_slices(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--slices", "8", "--size", "64", "--repeat", "1",
         "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    for label in ("uncompressed", "rle-lossless"):
        lines = [line.split()[1] for line in result.stdout.splitlines()
                 if line.startswith(label)]
        assert lines == ["scan", "recist", "bare", "sitk", "memory"]
    assert "recist speed-up over SimpleITK" in result.stdout
