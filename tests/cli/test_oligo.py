"""``recist respond`` and ``recist baseline`` with ``--lesions`` and ``--therapies``: the
hand-checked cohort of ``support.oligo_cohort`` written as a user writes it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from support.oligo_cohort import MEASUREMENTS_CSV, PATIENTS_CSV, THERAPIES_CSV
from support.paths import REPO as ROOT


def _recist(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "recist", *args], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _write(tmp_path):
    for name, text in (("m.csv", MEASUREMENTS_CSV), ("p.csv", PATIENTS_CSV),
                       ("t.csv", THERAPIES_CSV)):
        (tmp_path / name).write_text(text)


def test_respond_with_therapies_writes_the_follow_up_tables(tmp_path):
    _write(tmp_path)
    done = _recist(tmp_path, "respond", "-v", "m.csv", "--patients", "p.csv", "--therapies",
                   "t.csv", "--out", "out")
    assert done.returncode == 0, done.stderr
    assert ("A: BOR SD, PD 2024-10-01; first recurrence 2024-10-01 (local+intrapulmonary), "
            "repeat local 1, first systemic 2025-05-01") in done.stdout
    out = tmp_path / "out"
    summary = pd.read_csv(out / "patient_summary.csv", dtype=str, keep_default_na=False)
    row = summary.set_index("patient_id").loc["A"]
    assert (row["stfs_days"], row["pfs_local_days"], row["os_event"]) == ("478", "266", "false")
    control = pd.read_csv(out / "local_control.csv", dtype=str, keep_default_na=False)
    assert control["local_control_pct"].tolist() == ["40.0", ""]  # 2/5 as a percentage
    assert len(pd.read_csv(out / "recurrences.csv")) == 9
    assert (out / "lesion_control.csv").is_file() and (out / "local_failure.csv").is_file()


def test_a_bad_therapies_table_is_one_line_and_nothing_is_written(tmp_path):
    _write(tmp_path)
    (tmp_path / "t.csv").write_text(THERAPIES_CSV + "C,2024-05-01,local,T7,sbrt\n")
    done = _recist(tmp_path, "respond", "-v", "m.csv", "--patients", "p.csv", "--therapies",
                   "t.csv", "--out", "out")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "lesion T7 is not in the measurements table" in done.stderr
    assert not (tmp_path / "out").exists()


def test_baseline_with_a_lesions_table_applies_meas_10(tmp_path):
    _write(tmp_path)
    (tmp_path / "l.csv").write_text("patient_id,lesion_id,local_therapy,local_therapy_date\n"
                                    "A,T2,sbrt,2023-06-01\n")
    done = _recist(tmp_path, "baseline", "-v", "m.csv", "--lesions", "l.csv", "--out", "out")
    assert done.returncode == 0, done.stderr
    lesions = pd.read_csv(tmp_path / "out" / "lesions.csv").set_index(
        ["patient_id", "lesion_id"])
    assert lesions.loc[("A", "T2"), "category"] == "non-measurable"
    assert "MEAS-10" in lesions.loc[("A", "T2"), "reason"]
    assert "target T2 is not measurable" in done.stdout


def test_summary_with_therapies_prints_and_writes_the_trial_endpoints(tmp_path):
    _write(tmp_path)
    done = _recist(tmp_path, "summary", "m.csv", "--patients", "p.csv", "--therapies",
                   "t.csv", "--out", "out")
    assert done.returncode == 0, done.stderr
    # the hand-checked cohort: 1 year local control 2/5 (tests/recist/oligo/test_endpoints.py)
    assert ("Local control at 1 year: 40% of 6 treated lesions (3 local failures, 1 deaths "
            "first; Aalen-Johansen)") in done.stdout
    assert "Repeat local treatments: 1" in done.stdout
    endpoints = pd.read_csv(tmp_path / "out" / "oligo_endpoints.csv").set_index("endpoint")
    # STFS: events A (FOLFOX, day 478) and B (death, day 228); C censored at day 276
    assert endpoints.loc["stfs", "events"] == 2 and endpoints.loc["os", "events"] == 1
    # Kaplan-Meier by hand: S = 1 - 1/3 after day 228, 0 after day 478 (the median)
    assert endpoints.loc["stfs", "median_days"] == 478
    assert endpoints.loc["stfs", "rate_1y_pct"] == 66.67  # 2/3 as a percentage, 2 decimals
    assert pd.isna(endpoints.loc["stfs", "rate_2y_pct"])  # beyond the longest follow-up
    patterns = pd.read_csv(tmp_path / "out" / "recurrence_patterns.csv")
    assert patterns.values.tolist() == [["intrapulmonary", 1, 1],
                                        ["local+intrapulmonary", 1, 1], ["none", 1, 0]]


def test_follow_up_tables_refused_on_the_partitioned_path(tmp_path, capsys, monkeypatch):
    from recist.cli import main

    _write(tmp_path)
    monkeypatch.chdir(tmp_path)
    status = main(["respond", "m.csv", "--therapies", "t.csv", "--partitions", "2",
                   "--out", "out"])
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert "--lesions and --therapies need the whole table at once" in error
    assert error.count("\n") == 0 and not (tmp_path / "out").exists()


def test_sdtm_out_adtte_holds_the_endpoints_after_local_treatment(tmp_path):
    _write(tmp_path)
    done = _recist(tmp_path, "sdtm-out", "m.csv", "--patients", "p.csv", "--therapies",
                   "t.csv", "--adam", "--studyid", "OLIGO", "--out", "out")
    assert done.returncode == 0, done.stderr
    assert "ADTTE holds the endpoints after local treatment: STFS, PFSLT, TTLF" in done.stdout
    adtte = pd.read_csv(tmp_path / "out" / "adtte.csv", dtype=str, keep_default_na=False)
    assert {"STFS", "PFSLT", "TTLF"} <= set(adtte["PARAMCD"])
    # hand-checked in tests/recist/oligo/test_endpoints.py: A starts 2024-01-10 and gets
    # FOLFOX on 2025-05-01 (478 days, TTE-10); A's T1 fails locally 261 days after SBRT.
    a = adtte[adtte["USUBJID"] == "A"].set_index("PARAMCD")
    assert tuple(a.loc["STFS", ["PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC"]]) == (
        "Systemic Therapy Free Survival", "2024-01-10", "2025-05-01", "478", "0",
        "SYSTEMIC THERAPY")
    assert tuple(a.loc["PFSLT", ["AVAL", "CNSR"]]) == ("266", "0")
    ttlf = adtte[adtte["PARAMCD"] == "TTLF"].set_index(["USUBJID", "TRLNKID"])
    assert tuple(ttlf.loc[("A", "T1"), ["AVAL", "CNSR"]]) == ("261", "0")
    assert a["ASEQ"].astype(int).tolist() == list(range(1, len(a) + 1))
    # every record's dates are ISO dates, those of OS and PFS too (not "... 00:00:00")
    assert tuple(a.loc["OS", ["STARTDT", "ADT"]]) == ("2024-01-10", "2025-12-01")
    for column in ("STARTDT", "ADT"):
        assert adtte[column].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all(), column


def test_sdtm_out_without_adam_says_where_the_endpoints_go(tmp_path):
    _write(tmp_path)
    done = _recist(tmp_path, "sdtm-out", "m.csv", "--patients", "p.csv", "--therapies",
                   "t.csv", "--out", "out")
    assert done.returncode == 0, done.stderr
    assert ("note: the endpoints after local treatment (STFS, PFSLT, TTLF, DEC-27) are ADTTE "
            "parameters, written with --adam") in done.stderr
    assert not (tmp_path / "out" / "adtte.csv").exists()


def _one_reader(tmp_path, name="R1", other=None):
    table = pd.read_csv(tmp_path / "m.csv", dtype=str, keep_default_na=False)
    table["evaluator"] = name
    if other is not None:
        table.loc[:2, "evaluator"] = other
    table.to_csv(tmp_path / "m.csv", index=False)


def _readers(out, domain, columns):
    table = pd.read_csv(out / f"{domain}.csv", dtype=str, keep_default_na=False)
    return set(map(tuple, table[columns].to_numpy().tolist()))


def test_sdtm_out_with_therapies_carries_the_one_reader_into_rs_adrs_adtte(tmp_path):
    # the reader of the evaluator column is in TU/TR; RS, ADRS and ADTTE (the endpoints
    # after local treatment too) name the same reader, as sdtm-out without --therapies does
    _write(tmp_path)
    _one_reader(tmp_path)
    for name, extra in (("with", ["--therapies", "t.csv"]), ("without", [])):
        done = _recist(tmp_path, "sdtm-out", "m.csv", "--patients", "p.csv", *extra,
                       "--adam", "--out", name)
        assert done.returncode == 0, done.stderr
        out = tmp_path / name
        reader = {("INDEPENDENT ASSESSOR", "R1")}
        assert _readers(out, "tu", ["TUEVAL", "TUEVALID"]) == reader
        assert _readers(out, "tr", ["TREVAL", "TREVALID"]) == reader
        assert _readers(out, "rs", ["RSEVAL", "RSEVALID"]) == reader
        assert _readers(out, "adrs", ["EVALUATR", "RSEVAL", "RSEVALID"]) == {
            ("R1", "INDEPENDENT ASSESSOR", "R1")}
        assert _readers(out, "adtte", ["EVALUATR", "RSEVAL", "RSEVALID"]) == {
            ("R1", "INDEPENDENT ASSESSOR", "R1")}
    adtte = pd.read_csv(tmp_path / "with" / "adtte.csv", dtype=str, keep_default_na=False)
    assert {"STFS", "PFSLT", "TTLF"} <= set(adtte["PARAMCD"])
    # the reader changes who assessed, not what: RS's results as without the column
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "m.csv").write_text(MEASUREMENTS_CSV)
    for name in ("p.csv", "t.csv"):
        (plain / name).write_text((tmp_path / name).read_text())
    done = _recist(plain, "sdtm-out", "m.csv", "--patients", "p.csv", "--therapies", "t.csv",
                   "--out", "out")
    assert done.returncode == 0, done.stderr
    keys = ["USUBJID", "RSTESTCD", "RSDTC", "RSSTRESC"]
    rs = pd.read_csv(tmp_path / "with" / "rs.csv", dtype=str, keep_default_na=False)
    rs_plain = pd.read_csv(plain / "out" / "rs.csv", dtype=str, keep_default_na=False)
    assert rs[keys].equals(rs_plain[keys])


def test_sdtm_out_with_therapies_refuses_two_readers_in_one_line(tmp_path):
    _write(tmp_path)
    _one_reader(tmp_path, "R1", other="R2")
    done = _recist(tmp_path, "sdtm-out", "m.csv", "--patients", "p.csv", "--therapies",
                   "t.csv", "--out", "out")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "recist sdtm-out: error: --lesions and --therapies assess one reader: the "
        "measurements hold 2 in the evaluator column; keep one reader's rows (e.g. recist "
        "sdtm-in --evaluator NAME)"]
    assert not (tmp_path / "out").exists()
