"""The README tour is what the tool does: every command of it runs here, in a scratch
folder holding the sample data and the virtual environment, and prints what the README
shows (``support.readme``: ``…`` elides). The demo's command is checked by
``tests/recist/pipeline/test_demo.py`` on the run it already makes. The error messages the
tour quotes in its prose are produced here too, from the smallest input that causes each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import REPO
from support.readme import output_matches, tour_commands, tour_error_examples

DEMO = ".venv/bin/recist demo --out out"


@pytest.fixture(scope="module")
def sample_data_ready():
    """Generate the follow-up CT series if missing (what ``make demo`` does first)."""
    subprocess.run([sys.executable, str(REPO / "sample_data" / "make_sample_data.py"),
                    "--if-missing"], check=True, cwd=REPO, capture_output=True, timeout=600)


def test_the_matcher_elides_lines_and_text():
    assert output_matches(["a", "…", "d"], ["a", "b", "c", "d"])
    assert output_matches(["a", "…", "b"], ["a", "b"])
    assert not output_matches(["a", "…", "d"], ["a", "b", "c"])
    assert output_matches(["x 1.2.…  ok"], ["x 1.2.345  ok"])
    assert not output_matches(["x 1.2.…  ok"], ["x 1.3.345  ok"])
    assert not output_matches(["a"], ["a", "extra"])


@pytest.mark.slow
def test_every_tour_command_prints_what_the_readme_shows(tmp_path, sample_data_ready):
    commands = tour_commands()
    assert len(commands) >= 9 and any(c == DEMO for c, _ in commands)
    (tmp_path / "sample_data").symlink_to(REPO / "sample_data")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    for command, expected in commands:
        if command == DEMO:
            continue
        done = subprocess.run(["bash", "-c", f"{command} 2>&1"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, check=False,
                              env={**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "200"})
        assert done.returncode == 0, (command, done.stdout[-2000:])
        actual = done.stdout.splitlines()
        assert output_matches(expected, actual), (
            f"README.md shows for `{command}`:\n" + "\n".join(expected)
            + "\n\nbut it prints:\n" + "\n".join(actual))


def _broken_series(folder: Path) -> list[str]:
    """``recist measure`` on a series with a slice missing (IM0003.dcm)."""
    from dicom_io.testing import write_series_missing_slice

    write_series_missing_slice(folder / "ct", seed="readme")
    (folder / "lines.csv").write_text(
        "lesion_id,kind,organ,nodal,axis,sop_instance_uid,x1,y1,x2,y2\n"
        "T1,target,lung,false,long,1.2.3,1,1,5,5\n", encoding="utf-8")
    return ["measure", "--series", "ct", "--lines", "lines.csv", "--out", "m.csv"]


def _contradictory_row(folder: Path) -> list[str]:
    """``recist respond`` on a non-nodal target ``absent`` with a diameter (DEC-18)."""
    (folder / "m.csv").write_text(
        "patient_id,date,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status\n"
        "P1,2024-01-01,T1,target,lung,false,12,,absent\n", encoding="utf-8")
    return ["respond", "m.csv", "--out", "respond"]


ERROR_INPUTS = {"measure": _broken_series, "respond": _contradictory_row}


def test_every_error_the_tour_quotes_is_what_the_command_prints(tmp_path):
    examples = tour_error_examples()
    verbs = [example.split(":")[0].removeprefix("recist ") for example in examples]
    assert sorted(verbs) == sorted(ERROR_INPUTS), "an error quoted without its input here"
    for verb, example in zip(verbs, examples):
        folder = tmp_path / verb
        folder.mkdir()
        arguments = ERROR_INPUTS[verb](folder)
        done = subprocess.run([sys.executable, "-m", "recist", *arguments], cwd=folder,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 2 and done.stdout == "", (verb, done.stderr)
        assert output_matches([example], done.stderr.splitlines()), (
            f"README.md quotes:\n{example}\n\nbut `recist {verb}` prints:\n{done.stderr}")
