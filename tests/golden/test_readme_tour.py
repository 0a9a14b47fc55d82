"""The README tour is what the tool does: every command of it runs here, in a scratch
folder holding the sample data and the virtual environment, and prints what the README
shows (``support.readme``: ``…`` elides). The demo's command is checked by
``tests/recist/pipeline/test_demo.py`` on the run it already makes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import REPO
from support.readme import output_matches, tour_commands

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
