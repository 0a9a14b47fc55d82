"""The load benchmark runs end to end on a tiny series (the timings are not checked)."""

from __future__ import annotations

import subprocess
import sys

from support.paths import REPO

SCRIPT = REPO / "benchmarks" / "load_series.py"


def test_benchmark_runs_on_eight_slices(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--slices", "8", "--size", "64", "--rounds", "1",
         "--scaling", "16", "--no-save", "--workdir", str(tmp_path)], capture_output=True,
        text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    for label in ("uncompressed", "rle-lossless"):
        lines = [line.split()[1:3] for line in result.stdout.splitlines()
                 if line.startswith(label)]
        assert lines == [["8", "scan"], ["8", "recist"], ["8", "bare"], ["8", "sitk"],
                         ["8", "memory"], ["16", "scan"], ["16", "recist"]]
    assert "recist speed-up over SimpleITK" in result.stdout
    assert "no sorting, no rescale, no checks in the bare loop" in result.stdout
    assert "validation" not in result.stdout


def test_scan_only_times_the_scan_rows_alone(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--slices", "8", "--size", "64", "--rounds", "1",
         "--scaling", "16", "--scan-only", "--workdir", str(tmp_path)], capture_output=True,
        text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    for label in ("uncompressed", "rle-lossless"):
        lines = [line.split()[1:3] for line in result.stdout.splitlines()
                 if line.startswith(label)]
        assert lines == [["8", "scan"], ["16", "scan"]]
    pairs = [line for line in result.stdout.splitlines() if line.startswith("scan pair")]
    assert [line.split()[2] for line in pairs] == ["8", "16"]
