"""``recist bicr`` in a subprocess: its findings summary names findings.csv, which lists
every finding the line counts (those of reading the SDTM datasets too)."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd

from support.paths import TESTS

SPONSOR = TESTS / "data" / "sponsor_sdtm"


def test_findings_line_names_the_file_that_lists_them_all(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "recist", "bicr", str(SPONSOR / "tu.csv"),
         str(SPONSOR / "tr.csv"), "--dm", str(SPONSOR / "dm.csv"), "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = pd.read_csv(tmp_path / "findings.csv")
    line = [s for s in done.stderr.splitlines() if s.startswith("recist bicr: findings:")]
    warnings = listed[listed["severity"] == "warning"]
    assert len(warnings) == len(listed[listed["severity"] != "info"])
    assert line == [f"recist bicr: findings: {len(warnings)} warnings (sdtm-partial-date 1, "
                    f"sdtm-test-ignored 1, sdtm-sum-differs 1, …) written to "
                    f"{tmp_path / 'findings.csv'}; -v prints each"]
    # the SDTM reading's findings and the readers' assessments' findings, all in the file
    assert {"sdtm-partial-date", "sdtm-test-ignored", "sdtm-sum-differs",
            "equivocal-new-unresolved"} <= set(warnings["code"])
    assert re.search(r"findings: 5 warnings", line[0])


def test_findings_line_only_once_findings_csv_is_written(tmp_path):
    # a folder where the first table goes: writing fails before findings.csv exists, so
    # the line that says "written to …/findings.csv" must not be printed
    (tmp_path / "timepoints.csv").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "recist", "bicr", str(SPONSOR / "tu.csv"),
         str(SPONSOR / "tr.csv"), "--dm", str(SPONSOR / "dm.csv"), "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert not (tmp_path / "findings.csv").exists()
    assert "written to" not in done.stderr
    assert done.stderr.splitlines() == [
        f"recist bicr: error: cannot write {tmp_path / 'timepoints.csv'}: it is a folder; "
        "give a file name for the output"]
