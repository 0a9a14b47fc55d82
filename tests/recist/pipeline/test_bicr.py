"""BICR: two central readers + adjudicator, agreement, site vs central (recist.pipeline.bicr)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recist.cdisc import read_sdtm
from recist.errors import RecistDataError
from recist.pipeline.bicr import (
    accepted_readers,
    assess_bicr,
    cohen_kappa,
    discrepancy_rates,
)

from support.paths import TESTS

SPONSOR = TESTS / "data" / "sponsor_sdtm"
R1, R2 = "RADIOLOGIST 1", "RADIOLOGIST 2"


@pytest.fixture(scope="module")
def sdtm():
    return read_sdtm(SPONSOR / "tu.csv", SPONSOR / "tr.csv", SPONSOR / "dm.csv")


@pytest.fixture(scope="module")
def bicr(sdtm):
    return assess_bicr(sdtm.measurements, sdtm.patients, readers=(R1, R2),
                       adjudication=accepted_readers(SPONSOR / "tr.csv", (R1, R2)))


def test_kappa_against_a_hand_computed_table():
    # 10 pairs: 4 PR/PR, 3 SD/SD, 2 PR/SD, 1 SD/PR -> po 0.7; pe .6*.5 + .4*.5 = .5
    one = pd.Series(["PR"] * 4 + ["SD"] * 3 + ["PR"] * 2 + ["SD"])
    two = pd.Series(["PR"] * 4 + ["SD"] * 3 + ["SD"] * 2 + ["PR"])
    assert cohen_kappa(one, two) == pytest.approx((0.7 - 0.5) / 0.5)
    assert cohen_kappa(one, one) == 1.0


def test_discrepancy_rates_follow_amit_et_al():
    t = pd.Timestamp
    site = pd.Series([t("2024-01-01"), t("2024-02-01"), t("2024-05-01"), t("2024-03-01"),
                      pd.NaT, pd.NaT])
    central = pd.Series([t("2024-02-01"), t("2024-02-01"), t("2024-04-01"), pd.NaT,
                         t("2024-01-01"), pd.NaT])
    rates = discrepancy_rates(site, central)
    assert {k: rates[k] for k in ("a1", "a2", "a3", "b", "c", "d")} == {
        "a1": 1, "a2": 1, "a3": 1, "b": 1, "c": 1, "d": 1}
    assert rates["edr_pct"] == pytest.approx(100 * (1 + 1) / (3 + 1))
    assert rates["ldr_pct"] == pytest.approx(100 * (1 + 1) / (1 + 1 + 1 + 1))


def test_per_reader_results_and_discordance(bicr):
    summary = bicr.reader_summary.set_index(["evaluator", "patient_id"])
    assert summary.loc[(R1, "ONC-201-002"), "bor"] == "PR"
    assert summary.loc[(R2, "ONC-201-002"), "bor"] == "SD"
    discordance = bicr.discordance.set_index("patient_id")
    assert discordance.loc["ONC-201-001", "triggers"] == "pd-date"  # 2024-07-19 vs 04-26
    assert discordance.loc["ONC-201-001", "pd_days_apart"] == 84
    assert discordance.loc["ONC-201-002", "triggers"] == "bor"
    assert discordance.loc["ONC-201-003", "triggers"] == "bor; pd-date"
    assert discordance["adjudication_needed"].all()


def test_final_result_is_the_adjudicators_choice(bicr):
    final = bicr.final.set_index("patient_id")
    assert set(final["source_reader"]) == {R1}
    assert final.loc["ONC-201-001", "pd_date"] == pd.Timestamp("2024-07-19")
    assert final.loc["ONC-201-002", "status"] == "adjudicated"


def test_agreement_and_site_vs_central(bicr):
    agreement = dict(zip(bicr.agreement["metric"], bicr.agreement["value"], strict=True))
    assert agreement["bor agreement (%)"] == 33.33  # 1 of 3, a percentage with 2 decimals
    # readers: PR/PR, PR/SD, PD/NON-CR/NON-PD -> po 1/3; pe = (2/3)(1/3) = 2/9
    # kappa = (1/3 - 2/9) / (1 - 2/9) = 1/7 = 0.142857..., 3 decimals
    assert agreement["bor Cohen's kappa"] == 0.143
    assert agreement["PD-date discordance (%)"] == 100.0
    site = bicr.site_vs_central.set_index("arm")
    # site PD 2024-04-26 before central 2024-07-19 (early, a1); 003 same day (a2)
    assert (site.loc["All", "a1"], site.loc["All", "a2"]) == (1, 1)
    assert site.loc["All", "edr_pct"] == 50.0 and site.loc["All", "ldr_pct"] == 0.0
    assert set(site.index) == {"All", "Drug A", "Placebo"}


def test_concordant_readers_take_reader_1_and_window_and_triggers(sdtm):
    only_bor = assess_bicr(sdtm.measurements, sdtm.patients, readers=(R1, R2),
                           triggers=("bor",))
    final = only_bor.final.set_index("patient_id")
    assert final.loc["ONC-201-001", "status"] == "readers concordant"
    assert final.loc["ONC-201-001", "source_reader"] == R1
    # no adjudicator's choice given: the discordant patients wait, with a finding
    assert final.loc["ONC-201-002", "status"] == "awaiting adjudication"
    assert any(f.code == "bicr-adjudication-missing" for f in only_bor.findings)
    wide = assess_bicr(sdtm.measurements, sdtm.patients, readers=(R1, R2),
                       triggers=("pd-date",), pd_window_days=90)
    assert not wide.discordance.set_index("patient_id").loc["ONC-201-001",
                                                            "adjudication_needed"]


def test_bad_readers_are_named(sdtm):
    with pytest.raises(RecistDataError, match="no assessment by reader 'RADIOLOGIST 9'"):
        assess_bicr(sdtm.measurements, readers=(R1, "RADIOLOGIST 9"))
    with pytest.raises(ValueError, match="unknown adjudication trigger"):
        assess_bicr(sdtm.measurements, triggers=("volume",))
    assert math.isnan(cohen_kappa(pd.Series([], dtype=str), pd.Series([], dtype=str)))


def test_report_of_the_central_result_has_the_bicr_section(tmp_path, sdtm, bicr):
    """The central measurements are each patient's chosen reader's rows, and the cohort
    page shows the BICR section with the figures of the tables (hand-checked above)."""
    from recist.pipeline.bicr import central_measurements, write_bicr_report

    central = central_measurements(sdtm.measurements, bicr)
    assert "evaluator" not in central.columns
    chosen = bicr.final.set_index("patient_id")["source_reader"]
    for patient, rows in central.groupby("patient_id", observed=True):
        reader = sdtm.measurements[(sdtm.measurements["patient_id"] == patient)
                                   & (sdtm.measurements["evaluator"] == chosen[patient])]
        assert len(rows) == len(reader)
    page = write_bicr_report(sdtm.measurements, bicr, tmp_path, sdtm.patients).read_text()
    assert 'id="bicr"' in page and "Central review (BICR)" in page
    assert "33.3" in page and "0.143" in page  # BOR agreement (%), Cohen's kappa
    assert "EDR (%)" in page and "50.0" in page  # site vs central, All
    sent = bicr.discordance.loc[bicr.discordance["adjudication_needed"], "patient_id"]
    assert all(patient in page for patient in sent)
