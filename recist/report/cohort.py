"""The cohort page: one row per patient with a link to their report, rates and figures.

Shows the best overall response (and confirmed BOR), PD and PFS dates per patient, ORR and
DCR with exact confidence intervals (``recist.stats``), and the waterfall, spider,
swimmer and Kaplan–Meier figures (``recist.plots``), plus the provenance block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from recist import __version__
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity
from recist.report.figures import figure_img
from recist.report.html import cell_text, esc, page, table, write_html
from recist.report.patient import provenance_block

__all__ = ["render_cohort_html", "write_cohort_report"]

_SUMMARY_COLUMNS = ("patient_id", "report", "arm", "bor", "confirmed_bor", "bor_date",
                    "pd_date", "pfs_date", "pfs_days", "pfs_event", "censor_reason",
                    "response_date", "dor_days")
_SUMMARY_HEADERS = {"patient_id": "patient", "bor": "BOR", "confirmed_bor": "confirmed BOR",
                    "bor_date": "BOR date", "pd_date": "PD date", "pfs_date": "PFS date",
                    "pfs_days": "PFS (days)", "pfs_event": "PFS event",
                    "censor_reason": "censoring", "response_date": "first response",
                    "dor_days": "DoR (days)"}


def _rates_table(patient_summary: pd.DataFrame, patients: pd.DataFrame | None) -> str:
    from recist.stats import response_rates

    rates = response_rates(patient_summary, patients)

    def interval(n, total, value, low, high) -> str:
        if pd.isna(value):
            return "—"
        return f"{n}/{total} = {100 * value:.1f}% ({100 * low:.1f}–{100 * high:.1f}%)"

    shown = pd.DataFrame({
        "arm": rates["arm"], "patients": rates["n"],
        "ORR (95% CI)": [interval(r.orr_n, r.n, r.orr, r.orr_low, r.orr_high)
                         for r in rates.itertuples()],
        "DCR (95% CI)": [interval(r.dcr_n, r.n, r.dcr, r.dcr_low, r.dcr_high)
                         for r in rates.itertuples()],
    })
    return table(shown)


def render_cohort_html(measurements: pd.DataFrame, timepoints: pd.DataFrame,
                       patient_summary: pd.DataFrame, *,
                       patients: pd.DataFrame | None = None,
                       patient_pages: Mapping[str, str] | None = None,
                       findings: Iterable[Finding] = (),
                       criteria: Criteria = RECIST_1_1,
                       inputs: Mapping[str, object] | None = None) -> str:
    """The HTML text of the cohort page.

    Parameters
    ----------
    measurements, timepoints, patient_summary
        The measurements table and the outputs of ``recist.response.respond``.
    patients
        The patients table (arm, dates) or None.
    patient_pages
        Patient id → relative link of their report (escaped into the page).
    findings
        Findings shown in a list (warnings and errors).
    criteria, inputs
        Shown in the provenance block.
    """
    from recist.plots import plot_kaplan_meier, plot_spider, plot_swimmer, plot_waterfall

    pages = {str(k): v for k, v in (patient_pages or {}).items()}
    summary = patient_summary.copy()
    if patients is not None and "arm" in patients.columns:
        arms = patients.set_index(patients["patient_id"].astype(str))["arm"]
        summary["arm"] = summary["patient_id"].astype(str).map(arms)
    links = []
    for patient_id in summary["patient_id"].astype(str):
        link = pages.get(patient_id)
        links.append(f'<a href="{esc(link)}">report</a>' if link else "—")
    body = ["<h1>RECIST 1.1 cohort report</h1>",
            (f'<p class="sub">{len(summary)} patient(s), '
             f"{timepoints['patient_id'].nunique() if len(timepoints) else 0} with time "
             f"points, {len(measurements)} measurement rows · recist {esc(__version__)}</p>"),
            "<h2>Patients</h2>",
            table(summary, _SUMMARY_COLUMNS, headers=_SUMMARY_HEADERS,
                  raw_html={"report": links}),
            "<h2>Response rates</h2>", _rates_table(patient_summary, patients),
            '<p class="note">ORR: CR or PR; DCR: CR, PR, SD or NON-CR/NON-PD; exact '
            "(Clopper–Pearson) intervals; "
            + ("confirmed BOR" if "confirmed_bor" in summary.columns else "unconfirmed BOR")
            + ".</p>",
            "<h2>Figures</h2>",
            figure_img(lambda ax: plot_waterfall(timepoints, patient_summary, patients,
                                                 ax=ax, criteria=criteria),
                       "Waterfall: best % change of the target sum from baseline"),
            figure_img(lambda ax: plot_spider(timepoints, patients, ax=ax,
                                              criteria=criteria),
                       "Spider: % change of the target sum over time"),
            figure_img(lambda ax: plot_swimmer(patient_summary, timepoints, patients, ax=ax),
                       "Swimmer: time on study, response and progression"),
            figure_img(lambda ax: plot_kaplan_meier(patient_summary, patients, ax=ax,
                                                    at_risk=False),
                       "Kaplan–Meier estimate of progression-free survival")]
    shown = [f for f in findings if f.severity != Severity.INFO]
    body.append("<h2>Findings</h2>")
    if shown:
        body.append("<ul>" + "".join(
            f'<li class="warning">{esc(f.severity)} [{esc(f.code)}]: {esc(f.message)}</li>'
            for f in shown) + "</ul>")
    else:
        body.append('<p class="note">no warning</p>')
    body.append(provenance_block(criteria, inputs))
    return page("RECIST 1.1 cohort report", "\n".join(body),
                footer=f"recist {esc(__version__)} · {esc(cell_text(len(summary)))} "
                       "patient(s) · offline report, no script")


def write_cohort_report(path: str | Path, measurements: pd.DataFrame,
                        timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                        **options) -> Path:
    """Write the cohort page to ``path`` atomically; ``options`` as ``render_cohort_html``."""
    text = render_cohort_html(measurements, timepoints, patient_summary, **options)
    return write_html(path, text)
