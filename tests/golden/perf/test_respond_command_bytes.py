"""``recist respond`` writes the same bytes as before the speed work on its reading and
writing (issue 15): every output file of the command, byte for byte.

The input (``data/respond_command_measurements.csv.gz`` and ``..._patients.csv.gz``) is a
150-patient cohort of the benchmark generator made hostile where the writer quotes and
formats: patient ids and visit labels with a comma, a quote, a line break, a carriage
return, a tab, non-ASCII letters and padding; diameters at rounding ties; patients with
a new anticancer therapy (DEC-17 reasons), a death, a last contact and an arm; patients
without a start date. Three cases: ``--confirm``, neither confirmation nor options, and a
criteria file (continuing response, DEC-1; another confirmation interval; new therapy
ignored, DEC-17). ``data/respond_command_<case>_<file>.gz`` hold what the command
wrote from it before that work (``python tests/golden/perf/test_respond_command_bytes.py``
wrote both; regenerate the outputs only for an intended change of a rule or of a table's
format, never for speed). ``provenance.json`` is compared without the package version.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recist.cli import main

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]  # not support.paths: this file also runs as a script
DATA = HERE / "data"
INPUTS = {"m.csv": DATA / "respond_command_measurements.csv.gz",
          "p.csv": DATA / "respond_command_patients.csv.gz"}
TABLES = ("timepoints.csv", "patient_summary.csv", "findings.csv")
CASES = {"confirm": ["--confirm"], "plain": [],
         "continuing": ["--confirm", "--criteria", "c.toml"]}
CRITERIA_FILE = ("[criteria]\ncontinuing_response = true\nconfirmation_min_days = 35\n"
                 "censor_at_new_therapy = false\n")


def _hostile_cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark generator's cohort with hostile text, ties and patient dates."""
    spec = importlib.util.spec_from_file_location("respond_cohort_bytes",
                                                  REPO / "benchmarks" / "respond_cohort.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    raw, patients = module.make_cohort(150, seed=1515)
    rng = np.random.default_rng(1515)
    renamed = {"S00003": 'S,"3"', "S00007": "S\n7", "S00011": "Sé11", "S00013": "S\r13",
               "S00017": "S\t17", "S00019": " S19 ", "S00023": '"S23"', "S00029": "S 29,"}
    raw["patient_id"] = raw["patient_id"].replace(renamed)
    patients["patient_id"] = patients["patient_id"].replace(renamed)
    visits = raw["visit"].to_numpy(dtype=object).copy()
    odd = np.isin(raw["patient_id"].to_numpy(dtype=object), ["S00005", "S00031", "S00037"])
    visits[odd] = np.char.add(visits[odd].astype(str), ', "week\u20288"').astype(object)
    raw["visit"] = visits
    ld = raw["ld_mm"].to_numpy(dtype=float).copy()
    ties = rng.random(len(ld)) < 0.05
    ld[ties & ~np.isnan(ld)] = np.round(ld[ties & ~np.isnan(ld)]) + 0.125  # x.125, x.625 ...
    raw["ld_mm"] = ld
    n = len(patients)
    start = pd.to_datetime(patients["start_date"])
    pick = rng.random(n)
    days = lambda low, high: pd.to_timedelta(rng.integers(low, high, n), unit="D")  # noqa: E731
    patients["death_date"] = (start + days(520, 900)).dt.strftime("%Y-%m-%d").where(pick < 0.2)
    patients["last_contact_date"] = (start + days(300, 800)).dt.strftime("%Y-%m-%d").where(
        pick > 0.5)
    patients["new_therapy_date"] = (start + days(60, 400)).dt.strftime("%Y-%m-%d").where(
        (pick > 0.3) & (pick < 0.45))
    patients["arm"] = np.where(pick < 0.5, "A, high dose", 'B "low"')
    patients.loc[patients.index[pick > 0.97], "start_date"] = ""
    return raw, patients


def _run(folder: Path, options: list[str]) -> dict[str, bytes]:
    """``recist respond`` on the golden input in ``folder``; the output files' bytes."""
    for name, source in INPUTS.items():
        (folder / name).write_bytes(gzip.decompress(source.read_bytes()))
    (folder / "c.toml").write_text(CRITERIA_FILE, encoding="utf-8")
    before = Path.cwd()
    os.chdir(folder)  # relative paths in provenance.json
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            status = main(["respond", "m.csv", "--patients", "p.csv", *options,
                           "--out", "out"])
    finally:
        os.chdir(before)
    assert status == 0
    return {path.name: path.read_bytes() for path in (folder / "out").iterdir()}


def _without_version(text: bytes) -> dict:
    provenance = json.loads(text)
    provenance.pop("version")
    return provenance


@pytest.mark.parametrize("case", sorted(CASES))
def test_respond_writes_the_bytes_it_wrote_before(tmp_path, case):
    written = _run(tmp_path, CASES[case])
    assert sorted(written) == sorted([*TABLES, "provenance.json"])
    for name in TABLES:
        golden = gzip.decompress((DATA / f"respond_command_{case}_{name}.gz").read_bytes())
        got = written[name]
        if got != golden:  # the first differing line, for the message
            lines = zip(got.split(b"\n"), golden.split(b"\n"))
            first = next(((i, a, b) for i, (a, b) in enumerate(lines) if a != b), None)
            pytest.fail(f"{name} differs from the golden copy ({len(got)} vs {len(golden)} "
                        f"bytes); first differing line (number, got, golden): {first}")
    golden = (DATA / f"respond_command_{case}_provenance.json.gz").read_bytes()
    assert _without_version(written["provenance.json"]) == _without_version(
        gzip.decompress(golden))


def test_golden_input_is_hostile_where_the_writer_quotes():
    timepoints = gzip.decompress(
        (DATA / "respond_command_confirm_timepoints.csv.gz").read_bytes()).decode()
    for text in ('"S,""3"""', '"S\n7"', "Sé11", "S\r13", "S\t17", '"V3, ""week\u20288"""',
                 '"""S23"""', '"S 29,"'):
        assert text in timepoints, text
    findings = gzip.decompress(
        (DATA / "respond_command_confirm_findings.csv.gz").read_bytes()).decode()
    summary = gzip.decompress(
        (DATA / "respond_command_confirm_patient_summary.csv.gz").read_bytes()).decode()
    assert "DEC-17" in timepoints and ",PD," in summary and ",CR," in summary
    assert len(findings.splitlines()) > 100


if __name__ == "__main__":  # regenerate the golden files (an intended change of format)
    if "--outputs-only" not in sys.argv:
        measurements, patients_table = _hostile_cohort()
        for table, target in ((measurements, INPUTS["m.csv"]), (patients_table, INPUTS["p.csv"])):
            text = table.to_csv(index=False, lineterminator="\n")
            # the csv module leaves a lone carriage return unquoted with "\n" line ends
            text = text.replace("\nS\r13,", '\n"S\r13",')
            target.write_bytes(gzip.compress(text.encode(), mtime=0))
    for case, options in CASES.items():
        with tempfile.TemporaryDirectory() as work:
            for name, data in _run(Path(work), options).items():
                (DATA / f"respond_command_{case}_{name}.gz").write_bytes(
                    gzip.compress(data, mtime=0))
    print(f"wrote {DATA}/respond_command_*")
