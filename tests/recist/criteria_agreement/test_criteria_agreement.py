"""Agreement between criteria (recist.criteria_agreement; docs/rules.md AGR-1..3) and its
figures, on hand-made cohorts whose disagreements are known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from recist.criteria import RECIST_1_1  # noqa: E402
from recist.criteria_agreement import agreement_tables, cohen_kappa, criteria_rates  # noqa: E402
from recist.pipeline.response_criteria import extend_result  # noqa: E402
from recist.plots_criteria import plot_criteria_agreement, plot_threshold_margins  # noqa: E402
from recist.response import respond  # noqa: E402
from recist.table import normalise_measurements  # noqa: E402


def _cohort() -> pd.DataFrame:
    rows = []
    # P1: LD 20 -> 14 (-30 %: RECIST PR), products 400 -> 280 (-30 %: WHO SD).
    # P2: LD 20 -> 10 (PR), products 200 -> 100 (-50 %: PR): they agree.
    # P3: LD 20 -> 26 (+30 %, +6 mm: PD), products 200 -> 260 (+30 %: PD); iUPD = PD.
    for patient, base, follow in (("P1", (20, 20), (14, 20)), ("P2", (20, 10), (10, 10)),
                                  ("P3", (20, 10), (26, 10))):
        for date, visit, (ld, sa) in (("2024-01-01", "BL", base), ("2024-03-01", "W8", follow)):
            rows.append({"patient_id": patient, "date": date, "visit": visit,
                         "lesion_id": "T1", "kind": "target", "organ": "lung",
                         "nodal": False, "ld_mm": ld, "sa_mm": sa, "status": "measured"})
    return normalise_measurements(pd.DataFrame(rows))


def test_agr_2_kappa_by_hand():
    # p_o = 3/4; p_e = .25*.25 + .5*.25 + .25*.5 = .3125; (.75-.3125)/.6875 = 7/11
    assert cohen_kappa(["PR", "SD", "SD", "PD"], ["PR", "SD", "PD", "PD"]) == pytest.approx(7 / 11)
    assert cohen_kappa(["SD", "SD"], ["SD", "SD"]) == 1.0


def test_agr_1_3_tables_and_reasons():
    measurements = _cohort()
    result = respond(measurements, None, RECIST_1_1)
    extended = extend_result(result, measurements, None,
                             criteria_names=("recist1.1", "irecist", "who"))
    tables = agreement_tables(extended.result.timepoints, extended.result.patient_summary,
                              ("recist1.1", "irecist", "who"))
    cross = tables["agreement"]
    who_tp = cross[(cross["criterion"] == "who") & (cross["level"] == "time point")]
    assert sorted(zip(who_tp["recist_response"], who_tp["other_response"],
                      who_tp["count"])) == [("PD", "PD", 1), ("PR", "PR", 1), ("PR", "SD", 1)]
    kappa = tables["kappa"].set_index(["criterion", "level"])
    assert kappa.loc[("irecist", "time point"), "agreeing"] == 3  # iUPD read as PD (AGR-1)
    assert kappa.loc[("who", "time point"), "agreement"] == pytest.approx(2 / 3)
    differ = tables["disagreements"]
    assert differ[["patient_id", "criterion", "recist_response", "other_response"]] \
        .values.tolist() == [["P1", "who", "PR", "SD"]]
    reason = differ["reason"].iat[0]
    assert "TGT-PR" in reason and "-30.00% from baseline 20.00 mm" in reason
    assert "who: target SD (WHO-2, WHO-3): sum 280.00 mm² is -30.00% from baseline" in reason
    rates = criteria_rates(extended.result.patient_summary, ("recist1.1", "irecist", "who"))
    assert rates["responders"].tolist() == [2, 2, 1]


def test_plots_draw_one_bar_per_row_and_every_point():
    measurements = _cohort()
    result = respond(measurements, None, RECIST_1_1)
    extended = extend_result(result, measurements, None, criteria_names=("recist1.1", "who"),
                             uncertainty=True)
    kappa = extended.tables["criteria_kappa.csv"]
    ax = plot_criteria_agreement(kappa)
    assert len(ax.patches) == len(kappa) == 2
    ax = plot_threshold_margins(extended.result.timepoints)
    plotted = sum(len(c.get_offsets()) for c in ax.collections)
    assert plotted == extended.result.timepoints["flip_mm"].notna().sum() == 3
    import matplotlib.pyplot as plt

    plt.close("all")
