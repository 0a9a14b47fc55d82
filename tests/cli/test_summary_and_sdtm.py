"""The statistician's commands in a subprocess: sdtm-in, sdtm-out, summary, plot."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from support.paths import SAMPLE_DATA

COHORT = SAMPLE_DATA / "cohort"


def _recist(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recist", *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=120)


def test_sdtm_in_writes_measurements_and_patients(tmp_path):
    done = _recist("sdtm-in", COHORT / "tu.xpt", COHORT / "tr.xpt", "--dm",
                   COHORT / "dm.xpt", "--out", tmp_path / "m.csv", "--patients-out",
                   tmp_path / "p.csv")
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(tmp_path / "m.csv")
    original = pd.read_csv(COHORT / "measurements.csv")
    assert len(written) == len(original)
    assert pd.read_csv(tmp_path / "p.csv")["patient_id"].nunique() == 60
    assert "measurement rows of 60 patient(s)" in done.stdout


def test_sdtm_in_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "tr.csv"
    bad.write_text("USUBJID,TRTESTCD\nP1,LDIAM\n")
    done = _recist("sdtm-in", COHORT / "tu.csv", bad, "--out", tmp_path / "m.csv")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "missing column(s) TRLNKID" in done.stderr
    assert not (tmp_path / "m.csv").exists()


def test_sdtm_out_with_adam(tmp_path):
    done = _recist("sdtm-out", COHORT / "measurements.csv", "--patients",
                   COHORT / "patients.csv", "--out", tmp_path, "--xpt", "--adam",
                   "--studyid", "CRC")
    assert done.returncode == 0, done.stderr
    for name in ("tu", "tr", "rs", "dm", "adsl", "adrs", "adtte"):
        assert (tmp_path / f"{name}.csv").is_file() and (tmp_path / f"{name}.xpt").is_file()
    rs = pd.read_csv(tmp_path / "rs.csv")
    assert set(rs["STUDYID"]) == {"CRC"} and (rs["RSTESTCD"] == "BESTRSP").sum() == 60


def test_summary_prints_and_writes(tmp_path):
    done = _recist("summary", COHORT / "measurements.csv", "--patients",
                   COHORT / "patients.csv", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    rates = pd.read_csv(tmp_path / "response_rates.csv").set_index("arm")
    assert list(rates.index) == ["Deferred therapy", "Immediate therapy", "All"]
    assert rates.loc["All", "n"] == 60
    assert "ORR" in done.stdout and "Kaplan" in done.stdout
    # one scale: percentages 0-100 in *_pct columns, 2 decimals at most, whole days
    assert rates.loc["All", "orr_pct"] == round(100 * rates.loc["All", "orr_n"] / 60, 2)
    assert 0 <= rates["orr_low_pct"].min() and rates["dcr_high_pct"].max() <= 100
    for name in ("response_rates.csv", "bor_distribution.csv", "pfs.csv", "dor.csv"):
        text = (tmp_path / name).read_text()
        assert not re.search(r"\d\.\d{3,}", text), (name, text)
    assert "rate_6m_pct" in (tmp_path / "pfs.csv").read_text()
    for name in ("bor_distribution.csv", "pfs.csv", "dor.csv"):
        assert (tmp_path / name).is_file()


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    out = tmp_path_factory.mktemp("respond")
    done = _recist("respond", COHORT / "measurements.csv", "--patients",
                   COHORT / "patients.csv", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_plot_in_a_subprocess(tmp_path, responses):
    out = tmp_path / "waterfall.svg"
    done = _recist("plot", "waterfall", "--timepoints", responses / "timepoints.csv",
                   "--summary", responses / "patient_summary.csv", "--patients",
                   COHORT / "patients.csv", "--by-arm", "--out", out)
    assert done.returncode == 0, done.stderr
    assert b"<svg" in out.read_bytes()[:400]


@pytest.mark.parametrize("kind,extra", [
    ("spider", ["--by-arm"]), ("swimmer", []), ("km", ["--endpoint", "dor"]),
    ("lesions", ["--measurements", str(COHORT / "measurements.csv"), "--patient",
                 "CRC-007"]),
])
def test_plot_kinds(tmp_path, responses, kind, extra):
    from recist.cli import main

    out = tmp_path / f"{kind}.png"
    status = main(["plot", kind, "--timepoints", str(responses / "timepoints.csv"),
                   "--summary", str(responses / "patient_summary.csv"), "--patients",
                   str(COHORT / "patients.csv"), "--out", str(out), *extra])
    assert status == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_plot_rejects_other_formats(tmp_path, responses):
    done = _recist("plot", "km", "--summary", responses / "patient_summary.csv", "--out",
                   tmp_path / "km.pdf")
    assert done.returncode == 2 and ".png or .svg" in done.stderr


def test_summary_confirm_uses_confirmed_bor(tmp_path, capsys):
    from recist.cli import main

    assert main(["summary", str(COHORT / "measurements.csv"), "--patients",
                 str(COHORT / "patients.csv"), "--out", str(tmp_path), "--confirm"]) == 0
    printed = capsys.readouterr().out
    assert "Best overall response (confirmed_bor)" in printed
    confirmed = pd.read_csv(tmp_path / "response_rates.csv").set_index("arm")
    assert main(["summary", str(COHORT / "measurements.csv"), "--patients",
                 str(COHORT / "patients.csv"), "--out", str(tmp_path / "u")]) == 0
    unconfirmed = pd.read_csv(tmp_path / "u" / "response_rates.csv").set_index("arm")
    # confirmation can only remove responders (CONF-1), never add them
    assert (confirmed["orr_n"] <= unconfirmed["orr_n"]).all()


def test_sdtm_in_counts_its_findings_and_prints_each_with_verbose(tmp_path, capsys, small_tu,
                                                                   small_tr, small_dm):
    from recist.cli import main

    small_tu.to_csv(tmp_path / "tu.csv", index=False)
    small_tr.to_csv(tmp_path / "tr.csv", index=False)
    small_dm.to_csv(tmp_path / "dm.csv", index=False)
    arguments = ["sdtm-in", str(tmp_path / "tu.csv"), str(tmp_path / "tr.csv"), "--dm",
                 str(tmp_path / "dm.csv"), "--out", str(tmp_path / "m.csv"),
                 "--patients-out", str(tmp_path / "p.csv")]
    assert main(arguments) == 0
    assert capsys.readouterr().err == ("recist sdtm-in: findings: 1 warning "
                                       "(sdtm-partial-date 1); -v prints each\n")
    assert main([*arguments, "-v"]) == 0
    captured = capsys.readouterr()
    assert "TRSEQ 2" in captured.err and "imputed" in captured.err
    assert pd.read_csv(tmp_path / "p.csv")["arm"].tolist() == ["Deferred therapy",
                                                               "Immediate therapy"]
    assert main(["sdtm-in", str(tmp_path / "tu.csv"), str(tmp_path / "tr.csv"), "--out",
                 str(tmp_path / "m2.csv"), "--patients-out", str(tmp_path / "p2.csv")]) == 2
    assert "--patients-out needs --dm" in capsys.readouterr().err


def test_sdtm_in_compares_with_rs(tmp_path, capsys):
    from recist.cli import main

    assert main(["sdtm-out", str(COHORT / "measurements.csv"), "--patients",
                 str(COHORT / "patients.csv"), "--out", str(tmp_path / "sdtm")]) == 0
    rs = pd.read_csv(tmp_path / "sdtm" / "rs.csv", dtype=str)
    first = rs.index[rs["RSTESTCD"] == "OVRLRESP"][0]
    rs.loc[first, ["RSORRES", "RSSTRESC"]] = "NE" if rs.at[first, "RSORRES"] != "NE" \
        else "SD"
    rs.to_csv(tmp_path / "rs_changed.csv", index=False)
    capsys.readouterr()
    status = main(["sdtm-in", str(COHORT / "tu.csv"), str(COHORT / "tr.csv"), "--dm",
                   str(COHORT / "dm.csv"), "--out", str(tmp_path / "m.csv"), "--rs",
                   str(tmp_path / "rs_changed.csv"), "--compare-out",
                   str(tmp_path / "compare.csv")])
    assert status == 0
    compare = pd.read_csv(tmp_path / "compare.csv")
    disagree = compare[~compare["agree"]]
    # the edited record, plus patients whose new-therapy date DM does not carry
    assert rs.at[first, "USUBJID"] in set(disagree["patient_id"])
    assert "OVRLRESP" in capsys.readouterr().out


SPONSOR = SAMPLE_DATA.parent / "tests" / "data" / "sponsor_sdtm"


def test_sdtm_in_rs_comparison_per_reader_without_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "recist", "sdtm-in", SPONSOR / "tu.csv",
         SPONSOR / "tr.csv", "--dm", SPONSOR / "dm.csv", "--out", tmp_path / "m.csv",
         "--rs", SPONSOR / "rs.csv", "--compare-out", tmp_path / "c.csv", "--impute-dates",
         "last"], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr.replace("warning: ", "")
    assert "3 readers: INVESTIGATOR, RADIOLOGIST 1, RADIOLOGIST 2" in done.stdout
    assert "RADIOLOGIST 1 TRGRESP" in done.stdout
    compare = pd.read_csv(tmp_path / "c.csv")
    assert set(compare["test"]) == {"OVRLRESP", "TRGRESP", "NTRGRESP", "NEWLIND", "NEWLPROG"}
    assert compare.loc[~compare["agree"], "explanation"].notna().all()
    measurements = pd.read_csv(tmp_path / "m.csv")
    assert "2024-05-31" in set(measurements["date"])  # the partial date, imputed last day


def test_bicr_command(tmp_path):
    done = _recist("bicr", SPONSOR / "tu.csv", SPONSOR / "tr.csv", "--dm", SPONSOR / "dm.csv",
                   "--out", tmp_path, "--report", tmp_path / "report")
    assert done.returncode == 0, done.stderr
    assert "Central review (BICR)" in (tmp_path / "report" / "cohort.html").read_text()
    assert "3 sent to adjudication" in done.stdout and "EDR  50.0%" in done.stdout
    final = pd.read_csv(tmp_path / "final.csv")
    assert set(final["source_reader"]) == {"RADIOLOGIST 1"}
    for name in ("timepoints", "reader_summary", "discordance", "agreement",
                 "site_vs_central", "findings"):
        assert (tmp_path / f"{name}.csv").is_file()
    bad = _recist("bicr", SPONSOR / "tu.csv", SPONSOR / "tr.csv", "--readers", "RADIOLOGIST 1",
                  "NOBODY", "--out", tmp_path / "b")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "no assessment by reader 'NOBODY'" in bad.stderr
