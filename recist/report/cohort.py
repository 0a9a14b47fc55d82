"""The cohort page: the trial's efficacy first, then figures, findings and every patient.

The page is a list of sections (``recist.report.cohort_sections.COHORT_SECTIONS``, built
as ``recist.report.sections`` explains): response rates and BOR distribution per arm,
time-to-event medians, rates, hazard ratios and Kaplan–Meier curves, waterfall and
spider, swimmer, findings, the patient list linking to each page, provenance. A table of
contents at the top links to each section. Figures are drawn once, before the sections
(``recist.report.figures.render_figures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from recist import __version__
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding
from recist.report.html import cell_text, esc, page, write_html
from recist.report.sections import CohortContext, CohortSection, render_sections

__all__ = ["render_cohort_html", "write_cohort_report"]


def render_cohort_html(measurements: pd.DataFrame, timepoints: pd.DataFrame,
                       patient_summary: pd.DataFrame, *,
                       patients: pd.DataFrame | None = None,
                       patient_pages: Mapping[str, str] | None = None,
                       findings: Iterable[Finding] = (),
                       criteria: Criteria = RECIST_1_1,
                       inputs: Mapping[str, object] | None = None,
                       sections: Sequence[CohortSection] | None = None,
                       extra_sections: Sequence[CohortSection] = (),
                       extras: Mapping[str, object] | None = None) -> str:
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
    sections
        The sections in order (``COHORT_SECTIONS`` by default).
    extra_sections
        Sections added before the findings (after the default efficacy sections).
    extras
        Named inputs of optional sections (``CohortContext.extras``).
    """
    from recist.report.cohort_sections import COHORT_SECTIONS, cohort_figure_jobs
    from recist.report.figures import render_figures

    context = CohortContext(
        measurements=measurements, timepoints=timepoints, patient_summary=patient_summary,
        patients=patients, criteria=criteria, findings=tuple(findings),
        inputs=dict(inputs or {}),
        patient_pages={str(k): v for k, v in (patient_pages or {}).items()},
        extras=dict(extras or {}))
    chosen = list(COHORT_SECTIONS if sections is None else sections)
    if extra_sections:
        at = next((i for i, s in enumerate(chosen) if s.key == "findings"), len(chosen))
        chosen[at:at] = list(extra_sections)
    figures = render_figures(cohort_figure_jobs(context))
    context = CohortContext(**{**context.__dict__, "figures": figures})
    n_patients = len(patient_summary)
    with_tp = timepoints["patient_id"].nunique() if len(timepoints) else 0
    arms = context.arms
    arm_text = ""
    if arms is not None:
        counts = arms.reindex(patient_summary["patient_id"].astype(str)).value_counts()
        arm_text = " · " + ", ".join(f"{esc(a)}: {n}" for a, n in sorted(counts.items()))
    body = ["<h1>RECIST 1.1 cohort report</h1>",
            f'<p class="sub">{n_patients} patient(s){arm_text} · {with_tp} with time points '
            f"· {len(measurements)} measurement rows · recist {esc(__version__)}</p>",
            render_sections(chosen, context)]
    return page("RECIST 1.1 cohort report", "\n".join(body),
                footer=f"recist {esc(__version__)} · {esc(cell_text(n_patients))} "
                       "patient(s) · offline report, no script")


def write_cohort_report(path: str | Path, measurements: pd.DataFrame,
                        timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                        **options) -> Path:
    """Write the cohort page to ``path`` atomically; ``options`` as ``render_cohort_html``."""
    text = render_cohort_html(measurements, timepoints, patient_summary, **options)
    return write_html(path, text)
