"""What the command line prints: one summary line, per-patient lines with -v, nothing
with -q, a progress bar only on a terminal (recist.cli._terminal)."""

from __future__ import annotations

import argparse
import io

import pytest

from recist.cli import build_parser, main
from recist.cli._terminal import progress_bar, shows_progress

from support.paths import SAMPLE_DATA as SAMPLE


def _respond(tmp_path, capsys, *flags: str) -> str:
    status = main(["respond", str(SAMPLE / "measurements_expected.csv"), "--patients",
                   str(SAMPLE / "patients.csv"), "--out", str(tmp_path / "o"), *flags])
    assert status == 0
    return capsys.readouterr().out


def test_summary_line_by_default_patients_with_verbose_nothing_with_quiet(tmp_path, capsys):
    default = _respond(tmp_path, capsys)
    assert default.splitlines() == [
        f"recist respond: 7 time points of 2 patient(s) written to {tmp_path / 'o'}"]
    verbose = _respond(tmp_path, capsys, "-v")
    assert verbose.splitlines() == ["LUNG1: BOR PR, PD 2024-07-01",
                                    "LUNG2: BOR SD, PD 2024-05-06", *default.splitlines()]
    assert _respond(tmp_path, capsys, "--quiet") == ""
    assert (tmp_path / "o" / "timepoints.csv").is_file()  # quiet, not idle


def test_every_sub_command_takes_quiet_and_verbose():
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        options = {o for action in sub._actions for o in action.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= options, name
    with pytest.raises(SystemExit):
        parser.parse_args(["scan", "x", "-q", "-v"])  # one or the other


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_never_when_quiet(monkeypatch):
    args = argparse.Namespace(quiet=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not shows_progress(args)
    with progress_bar(args, "recist report") as progress:
        assert progress is None
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert shows_progress(args) and not shows_progress(argparse.Namespace(quiet=True))
    with progress_bar(args, "recist report") as progress:
        assert progress is not None
        for done in range(1, 4):
            progress(done, 3)
    drawn = terminal.getvalue()
    assert "recist report:" in drawn and "/3 [" in drawn  # drawn, then cleared
    assert drawn.endswith("\r")
