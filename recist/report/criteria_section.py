"""The cohort-page section "Robustness and other criteria" (UNC-1..6, IR, WHO, VOL, AGR).

Shown when the page gets ``extras["criteria"]``, the
``recist.pipeline.response_criteria.ExtendedResult`` of the cohort (``recist report
--uncertainty --response-criteria …``):

* with the uncertainty: per patient how robust the (confirmed) BOR and the PD date are,
  a flag and a sentence for each fragile call (e.g. "PD by 0.41 mm: within measurement
  error"), ORR and DCR with their measurement-error intervals, and a figure of every
  call's distance to its threshold;
* with other criteria: each patient's best response under every criterion side by side,
  the agreement with RECIST 1.1 (cross-table counts, Cohen's kappa, a figure), and the
  reason of every time point on which they differ.
"""

from __future__ import annotations

import pandas as pd

from recist.report.figures import figure_img
from recist.report.html import esc, table
from recist.report.sections import CohortContext, CohortSection

__all__ = ["CRITERIA_SECTION", "criteria_section"]

_HEADERS = {"patient_id": "patient", "bor": "BOR", "confirmed_bor": "confirmed BOR",
            "p_bor_same": "P(BOR stays)", "p_confirmed_bor_same": "P(confirmed BOR stays)",
            "pd_date": "PD date", "p_pd_date_same": "P(PD date stays)",
            "bor_fragile": "fragile", "bor_fragility": "why",
            "irecist_bor": "iRECIST", "who_bor": "WHO", "volume_bor": "volumetric",
            "who_confirmed_bor": "WHO confirmed", "volume_confirmed_bor": "volumetric confirmed",
            "icpd_date": "iCPD date", "fragility": "margin", "overall_response": "response",
            "recist_response": "RECIST 1.1", "other_response": "other"}


def criteria_section(context: CohortContext) -> str:
    """The section's HTML, or ``""`` without ``extras["criteria"]``."""
    extended = context.extras.get("criteria")
    if extended is None:
        return ""
    from recist.plots_criteria import plot_criteria_agreement, plot_threshold_margins

    result = extended.result  # type: ignore[attr-defined]
    tables = extended.tables  # type: ignore[attr-defined]
    summary, tp = result.patient_summary, result.timepoints
    parts: list[str] = []
    if extended.uncertainty:  # type: ignore[attr-defined]
        model = context.criteria
        parts.append(
            "<h3>How robust each patient's response is</h3>"
            f'<p class="note">Each measured diameter is given an error of SD '
            f"√({model.error_floor_mm:g}² + ({model.error_relative_pct:g} % × d)²) mm "
            "(UNC-1, after "
            f"Oxnard et al. 2011), drawn {model.uncertainty_draws} times (seed "
            f"{model.uncertainty_seed}); a call holding in under "
            f"{model.fragile_below_pct:g} % of the draws is fragile (UNC-4, UNC-5).</p>")
        parts.append('<div class="wide">' + table(
            summary, ("patient_id", "bor", "confirmed_bor", "p_bor_same",
                      "p_confirmed_bor_same", "pd_date", "p_pd_date_same", "bor_fragile",
                      "bor_fragility"), headers=_HEADERS,
            decimals={"p_bor_same": 2, "p_confirmed_bor_same": 2, "p_pd_date_same": 2})
            + "</div>")
        fragile = tp[tp["fragile"].astype(bool)]
        parts.append(f"<h3>Fragile time points ({len(fragile)})</h3>" + table(
            fragile, ("patient_id", "visit", "overall_response", "fragility"),
            headers=_HEADERS, empty="none: every call holds in at least "
                                    f"{model.fragile_below_pct:g} % of the draws"))
        cohort = tables.get("uncertainty_cohort.csv")
        if cohort is not None:
            parts.append("<h3>Response rates with measurement error</h3>" + table(
                cohort)
                + '<p class="note">Percentages; error_low_pct–error_high_pct: 2.5th–97.5th '
                  "percentiles over the draws; ci_low_pct–ci_high_pct: with the "
                  "Clopper-Pearson 95 % interval (UNC-6)."
                  "</p>")
        if tp["flip_mm"].notna().any():
            parts.append('<div class="figures">' + figure_img(
                lambda ax: plot_threshold_margins(tp, ax=ax),
                "Distance of each call to its threshold against the SD of its sum",
                figsize=(7.0, 4.0)) + "</div>")
    names = extended.criteria_names  # type: ignore[attr-defined]
    if len(names) > 1:
        columns = ["patient_id", "confirmed_bor" if "confirmed_bor" in summary else "bor",
                   "irecist_bor", "icpd_date", "who_bor", "who_confirmed_bor", "volume_bor",
                   "volume_confirmed_bor"]
        parts.append("<h3>Best response under each criterion</h3>"
                     f'<p class="note">Criteria: {esc(", ".join(names))} (docs/rules.md '
                     "sections 17–19).</p>"
                     + '<div class="wide">' + table(summary, columns, headers=_HEADERS)
                     + "</div>")
        kappa = tables.get("criteria_kappa.csv", pd.DataFrame())
        parts.append("<h3>Agreement with RECIST 1.1</h3>" + table(
            kappa, decimals={"agreement": 3, "kappa": 3})
            + '<p class="note">iRECIST read in RECIST terms (iUPD and iCPD as PD; AGR-1); '
              "Cohen's kappa (AGR-2).</p>")
        if len(kappa):
            parts.append('<div class="figures">' + figure_img(
                lambda ax: plot_criteria_agreement(kappa, ax=ax),
                "Agreement of each criterion with RECIST 1.1",
                figsize=(7.0, 0.5 * len(kappa) + 1.5)) + "</div>")
        cross = tables.get("criteria_agreement.csv", pd.DataFrame())
        parts.append("<h4>Cross-tables</h4>" + table(cross, headers=_HEADERS))
        differ = tables.get("criteria_disagreements.csv", pd.DataFrame())
        parts.append(f"<h3>Why they differ ({len(differ)} time points)</h3>"
                     + '<div class="wide">' + table(differ, headers=_HEADERS,
                                                    empty="they agree everywhere")
                     + "</div>")
    return "\n".join(parts)


CRITERIA_SECTION = CohortSection("criteria", "Robustness and other criteria", criteria_section)
