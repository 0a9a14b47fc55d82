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


def test_findings_are_one_counted_line_by_default_and_each_with_verbose(tmp_path, capsys):
    from recist.cli._terminal import report_findings
    from recist.findings import Finding

    findings = [Finding("b", "first b"), Finding("a", "an a", severity="error"),
                Finding("c", "a c"), Finding("b", "second b"), Finding("d", "a d"),
                Finding("n", "a note", severity="info")]
    args = argparse.Namespace(command="respond", verbose=False)
    report_findings(args, findings, "o/findings.csv")
    assert capsys.readouterr().err == (
        "recist respond: findings: 1 error, 4 warnings (b 2, a 1, c 1, …) written to "
        "o/findings.csv; -v prints each\n")
    report_findings(argparse.Namespace(command="respond", verbose=True), findings, None, "x: ")
    assert capsys.readouterr().err.splitlines() == [
        "x: warning: first b", "x: error: an a", "x: warning: a c", "x: warning: second b",
        "x: warning: a d"]
    report_findings(args, findings[-1:])  # notes only: nothing
    assert capsys.readouterr().err == ""


def test_respond_prints_one_findings_line_whatever_the_number_of_warnings(tmp_path, capsys):
    import pandas as pd

    # three patients whose baseline scan is 3 days after the start of treatment
    rows = [f"P{p},2024-0{m}-04,V{m - 1},T1,target,lung,false,{20 - m},,measured,1"
            for p in range(1, 4) for m in (1, 3)]
    (tmp_path / "m.csv").write_text("patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,"
                                    "sa_mm,status,slice_thickness_mm\n" + "\n".join(rows))
    (tmp_path / "p.csv").write_text("patient_id,start_date\nP1,2024-01-01\nP2,2024-01-01\n"
                                    "P3,2024-01-01\n")
    arguments = ["respond", str(tmp_path / "m.csv"), "--patients", str(tmp_path / "p.csv"),
                 "--out", str(tmp_path / "o")]
    assert main(arguments) == 0
    lines = capsys.readouterr().err.splitlines()
    written = pd.read_csv(tmp_path / "o" / "findings.csv")
    counts = written.loc[written["severity"] != "info", "code"].value_counts()
    assert counts["baseline-after-start"] == 3
    assert lines == [f"recist respond: findings: {counts.sum()} warnings ("
                     + ", ".join(f"{code} {n}" for code, n in counts.items())
                     + f") written to {tmp_path / 'o' / 'findings.csv'}; -v prints each"]
    assert main([*arguments, "-v"]) == 0
    assert len(capsys.readouterr().err.splitlines()) == counts.sum()


def test_a_closed_standard_output_ends_quietly(tmp_path):
    import subprocess
    import sys

    from recist.cli import EXIT_CLOSED_PIPE

    # standard output is a pipe whose reader has gone (what `| head` leaves behind)
    script = ("import os, sys\n"
              "read, write = os.pipe()\n"
              "os.close(read)\n"
              "os.dup2(write, 1)\n"
              "from recist.cli import main\n"
              f"sys.exit(main(['baseline', {str(SAMPLE / 'cohort' / 'measurements.csv')!r}, "
              f"'--out', {str(tmp_path / 'b')!r}, '-v']))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == EXIT_CLOSED_PIPE and done.stderr == ""
