"""Output folders as one transaction (issue #13): respond, baseline, sdtm-out and report stage
their files beside ``--out`` and move them into place at the end, so a run that fails or is
killed midway leaves the folder as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from recist.outputs import output_transaction

from support.paths import REPO, SAMPLE_DATA

MEASUREMENTS = SAMPLE_DATA / "cohort" / "measurements.csv"
PATIENTS = SAMPLE_DATA / "cohort" / "patients.csv"

# A real `recist respond` (or `sdtm-out`) whose second file write waits until it is killed.
# Every output file is written by ``recist.outputs.write_atomic`` through a temporary file
# (``tempfile.mkstemp``), whatever name a module imported the writer under.
_SLOW_RUN = """
import sys, tempfile, time
original, calls = tempfile.mkstemp, []
def slow(*args, **kwargs):
    calls.append(kwargs.get("prefix"))
    if len(calls) == 2:
        open(sys.argv[1], "w").close()  # the test kills us now
        time.sleep(60)
    return original(*args, **kwargs)
tempfile.mkstemp = slow
from recist.cli import main
sys.exit(main(sys.argv[2:]))
"""
_KILLED = {  # argv, the file staged before the kill
    "respond": (["respond", MEASUREMENTS, "--confirm"], "timepoints.csv"),
    "sdtm-out": (["sdtm-out", MEASUREMENTS, "--patients", PATIENTS, "--studyid", "S1"],
                 "tu.csv"),
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() \
        else {}


def _hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _run(*argv) -> None:
    from recist.cli import main

    assert main([str(a) for a in argv]) == 0


@pytest.mark.parametrize("command", sorted(_KILLED))
def test_a_killed_run_leaves_the_previous_outputs_untouched(tmp_path, command):
    argv, staged_first = _KILLED[command]
    out = tmp_path / "r"
    _run(*argv, "--out", out)
    before = _snapshot(out)
    marker = tmp_path / "second-file"
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RUN, str(marker), *map(str, argv), "--out", str(out)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        staged = [p for p in tmp_path.iterdir() if p.name.startswith(".r.partial-")]
        assert len(staged) == 1 and [p.name for p in staged[0].iterdir()] == [staged_first]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert _snapshot(out) == before  # the killed run changed nothing
    # The next run into the folder removes the killed run's staging folder.
    _run(*argv, "--out", out)
    assert _hidden(tmp_path) == []
    assert set(_snapshot(out)) == set(before)


@pytest.mark.parametrize("command", ["respond", "baseline", "report", "sdtm-out"])
def test_a_failure_midway_changes_nothing(tmp_path, monkeypatch, command):
    out = tmp_path / "out"
    argv = {"respond": ["respond", MEASUREMENTS, "--out", out],
            "baseline": ["baseline", MEASUREMENTS, "--out", out],
            "report": ["report", "--measurements", MEASUREMENTS, "--out", out],
            "sdtm-out": ["sdtm-out", MEASUREMENTS, "--patients", PATIENTS, "--studyid", "S1",
                         "--out", out]}[command]
    if command == "report":  # a small table: the report draws a page per patient
        small = tmp_path / "m.csv"
        lines = MEASUREMENTS.read_text().splitlines()
        small.write_text("\n".join(lines[:40]) + "\n")
        argv[2] = small
    _run(*argv)
    before = _snapshot(out)
    original, calls = tempfile.mkstemp, []

    def failing(*args, **kwargs):  # every output file is written through one
        calls.append(kwargs.get("prefix"))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", failing)
    from recist.cli import main

    assert main([str(a) for a in argv]) == 2
    assert len(calls) == 2
    assert _snapshot(out) == before
    assert _hidden(tmp_path) == []


def test_a_user_file_in_the_folder_is_kept(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "timepoints.csv").write_text("old")
    with output_transaction(out, ["*.csv"]) as staging:
        (staging / "timepoints.csv").write_text("new")
    assert _snapshot(out) == {"notes.txt": b"mine", "timepoints.csv": b"new"}
    assert _hidden(tmp_path) == []


def test_a_rerun_replaces_the_previous_outputs_whole(tmp_path):
    out = tmp_path / "html"
    with output_transaction(out, ["patient_*.html", "cohort.html"]) as staging:
        for name in ("patient_A.html", "patient_B.html", "cohort.html"):
            (staging / name).write_text(name)
    with output_transaction(out, ["patient_*.html", "cohort.html"]) as staging:
        for name in ("patient_A.html", "cohort.html"):
            (staging / name).write_text("again")
    assert sorted(_snapshot(out)) == ["cohort.html", "patient_A.html"]  # B's page is gone
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)


def test_a_file_in_the_way_is_refused(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(NotADirectoryError, match="it is a file"), \
            output_transaction(tmp_path / "out", ["*.csv"]):
        pass
