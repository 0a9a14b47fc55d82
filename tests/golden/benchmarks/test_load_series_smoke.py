"""The load benchmark runs end to end on a tiny series (the timings are not checked)."""

from __future__ import annotations

import subprocess
import sys

from support.paths import REPO

SCRIPT = REPO / "benchmarks" / "load_series.py"


def _run(tmp_path, *options: str) -> str:
    """The benchmark's output on 8 (and 16, for scaling) slices of 64 x 64, one round."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--slices", "8", "--size", "64", "--rounds", "1",
         "--scaling", "16", *options, "--workdir", str(tmp_path)], capture_output=True,
        text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _rows(output: str, label: str) -> list[list[str]]:
    """(slices, what) of each row of one transfer syntax."""
    return [line.split()[1:3] for line in output.splitlines() if line.startswith(label)]


def test_benchmark_runs_on_eight_slices(tmp_path):
    output = _run(tmp_path, "--no-save")
    for label in ("uncompressed", "rle-lossless"):
        assert _rows(output, label) == [["8", "scan"], ["8", "recist"], ["8", "bare"],
                                        ["8", "sitk"], ["8", "memory"], ["16", "scan"],
                                        ["16", "recist"]]
    assert "recist speed-up over SimpleITK" in output
    assert "no sorting, no rescale, no checks in the bare loop" in output
    assert "validation" not in output


def test_scan_only_times_the_scan_rows_alone(tmp_path):
    output = _run(tmp_path, "--scan-only")
    for label in ("uncompressed", "rle-lossless"):
        assert _rows(output, label) == [["8", "scan"], ["16", "scan"]]
    pairs = [line for line in output.splitlines() if line.startswith("scan pair")]
    assert [line.split()[2] for line in pairs] == ["8", "16"]
