"""``recist demo`` end to end in a subprocess: the sample scenario's responses and reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import REPO

SAMPLE = REPO / "sample_data"
RECIST = Path(sys.executable).with_name("recist")


@pytest.fixture(scope="module")
def sample_data_ready():
    """Generate the follow-up CT series if missing (what ``make demo`` does first)."""
    subprocess.run([sys.executable, str(SAMPLE / "make_sample_data.py"), "--if-missing"],
                   check=True, cwd=REPO, capture_output=True, timeout=600)
    return SAMPLE


def _paths(root: Path) -> set[Path]:
    # compared as sets of paths: robust to other tests rebuilding sample data in parallel
    return {p for p in root.rglob("*") if "__pycache__" not in p.parts}


def test_demo_end_to_end(tmp_path, sample_data_ready):
    assert RECIST.is_file(), f"console script {RECIST} is not installed"
    before = _paths(SAMPLE)
    run = subprocess.run([str(RECIST), "demo", "--out", "demo_out"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg"}, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    out = tmp_path / "demo_out"
    # sample_data/README.md, "Scenarios": LUNG1 PR at V1, confirmed at V2, PD at V3
    # (2024-07-01); LUNG2 SD at V1 (56 days after start), PD at V2 (new lesion, 2024-05-06).
    lung1 = next(line for line in lines if line.startswith("LUNG1:"))
    lung2 = next(line for line in lines if line.startswith("LUNG2:"))
    assert "BOR PR, confirmed BOR PR, PD 2024-07-01" in lung1
    assert "BOR SD, confirmed BOR SD, PD 2024-05-06" in lung2
    # report paths as given on the command line (relative to the working folder)
    assert lung1.endswith("-> demo_out/report/patient_LUNG1.html")
    assert lung2.endswith("-> demo_out/report/patient_LUNG2.html")
    assert "cohort report: demo_out/report/cohort.html" in lines
    # the README tour shows this run's output (with --out out)
    from support.readme import output_matches, tour_commands

    shown = dict(tour_commands())[".venv/bin/recist demo --out out"]
    assert output_matches(shown, run.stdout.replace("demo_out/", "out/").splitlines()), (
        run.stdout)
    # step 6, the synthetic oligometastatic trial (sample_data/oligo_trial/README.md)
    assert "oligometastatic trial cohort report: demo_out/oligo_trial/cohort.html" in lines
    trial_page = (out / "oligo_trial" / "cohort.html").read_text(encoding="utf-8")
    assert 'id="oligo"' in trial_page and "<script" not in trial_page
    assert (out / "oligo_trial" / "local_control.csv").is_file()
    for name in ("patient_LUNG1.html", "patient_LUNG2.html", "cohort.html"):
        page = (out / "report" / name).read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    # each step's output is there: scan, both measurements, baseline, respond, pictures
    for name in ("scan.csv", "measurements.csv", "measurements_masks.csv",
                 "baseline/lesions.csv", "baseline/patients.csv", "respond/timepoints.csv",
                 "respond/patient_summary.csv", "overlays/LUNG2_V2_NEW1.png"):
        assert (out / name).is_file(), name
    assert "LD lines vs masks within" in run.stderr
    page = (out / "report" / "patient_LUNG1.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 4  # one picture per visit
    # writes only under --out: nothing new in the working folder or in sample_data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_out"]
    assert _paths(SAMPLE) == before


def test_demo_refuses_a_folder_without_sample_data(tmp_path):
    from recist.cli import main

    status = main(["demo", "--out", str(tmp_path / "o"), "--data", str(tmp_path)])
    assert status == 2
    assert not (tmp_path / "o").exists()


def test_the_oligo_step_reports_its_progress(tmp_path):
    # issue 14: the demo's step 6 took ~7 s on a terminal without a sign of life
    from recist.pipeline.demo import _oligo_trial

    calls: list[tuple[int, int]] = []
    page = _oligo_trial(SAMPLE / "oligo_trial", tmp_path / "oligo", lambda _line: None,
                        lambda done, total: calls.append((done, total)))
    assert page.is_file() and calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
