"""The cohort-page section of follow-up after local treatment (DEC-23..DEC-27).

Shown when the page gets ``extras["oligo"]``, the ``recist.pipeline.oligo.OligoResult``
of the cohort (``recist report --lesions / --therapies``, ``recist demo``'s sample trial):

* the trial's endpoints — Kaplan–Meier medians and 1- and 2-year rates of
  systemic-therapy-free survival, PFS after local treatment and overall survival
  (``recist.oligo.cohort``), local control at 1 and 2 years (Aalen–Johansen, death
  competing), the first-recurrence patterns and the repeat local treatments;
* the cumulative incidence of local failure and a swimmer plot marking every local and
  systemic therapy (``recist.plots_oligo``);
* one row per patient: first recurrence, its pattern, still oligometastatic, the local
  and systemic therapies, STFS and PFS after local treatment.
"""

from __future__ import annotations

import pandas as pd

from recist.report.figures import figure_img
from recist.report.html import table
from recist.report.sections import CohortContext, CohortSection

__all__ = ["OLIGO_SECTION", "oligo_section"]

_PATIENT_COLUMNS = ("patient_id", "first_recurrence_date", "first_recurrence_pattern",
                    "first_recurrence_oligometastatic", "n_repeat_local", "local_therapies",
                    "systemic_therapies", "stfs_days", "stfs_event", "pfs_local_days",
                    "pfs_local_event")
_HEADERS = {"patient_id": "patient", "first_recurrence_date": "first recurrence",
            "first_recurrence_pattern": "pattern",
            "first_recurrence_oligometastatic": "still oligometastatic",
            "n_repeat_local": "repeat local", "local_therapies": "local therapies",
            "systemic_therapies": "systemic therapies", "stfs_days": "STFS (days)",
            "stfs_event": "STFS event", "pfs_local_days": "PFS-LT (days)",
            "pfs_local_event": "PFS-LT event"}


def oligo_section(context: CohortContext) -> str:
    """The section's HTML, or ``""`` without ``extras["oligo"]``."""
    oligo = context.extras.get("oligo")
    if oligo is None:
        return ""
    from recist.oligo.cohort import endpoint_summary, pattern_counts
    from recist.plots_oligo import plot_cumulative_incidence

    endpoints = oligo.patients  # type: ignore[attr-defined]
    summary = endpoint_summary(endpoints)
    shown = pd.DataFrame({
        "endpoint": summary["label"], "patients": summary["n"], "events": summary["events"],
        "median (days)": summary["median_days"].map(
            lambda v: "NR" if pd.isna(v) else f"{v:.0f}"),
        "1-year rate": summary["rate_1y_pct"].map(lambda v: "-" if pd.isna(v) else f"{v:.0f}%"),
        "2-year rate": summary["rate_2y_pct"].map(lambda v: "-" if pd.isna(v) else f"{v:.0f}%")})
    control = oligo.local_control  # type: ignore[attr-defined]
    lesions = oligo.lesions  # type: ignore[attr-defined]
    repeat = int(endpoints["n_repeat_local"].sum())
    parts = [table(shown),
             '<p class="note">Kaplan–Meier; NR = not reached; days from the start (the local '
             "treatment), + 1 (TTE-10). STFS: first systemic therapy or death; PFS after "
             "local treatment (PFS-LT): first recurrence or death before systemic therapy "
             "(DEC-27).</p>",
             "<h3>Local control of the treated lesions</h3>",
             table(control, ("horizon", "n_lesions", "local_failures", "deaths_first",
                             "cumulative_incidence_pct", "local_control_pct")),
             '<p class="note">Aalen–Johansen cumulative incidence of local failure (DEC-24), '
             "death without local failure competing; local control = 100 − incidence (%).</p>",
             f"<h3>First recurrence</h3>{table(pattern_counts(endpoints))}"
             f'<p class="note">{repeat} repeat local treatment(s) in all (DEC-23); a '
             "recurrence is still oligometastatic with at most "
             f"{context.criteria.oligo_max_lesions} active lesions in at most "
             f"{context.criteria.oligo_max_organs} organs (DEC-26).</p>"]
    if len(lesions):
        parts.append('<div class="figures">' + figure_img(
            lambda ax: plot_cumulative_incidence(lesions, ax=ax),
            "Cumulative incidence of local failure, death competing", figsize=(7.0, 4.0))
            + "</div>")
    therapies = oligo.therapies  # type: ignore[attr-defined]
    parts.append('<div class="figures">' + _therapy_swimmer_pages(endpoints, therapies, context)
                 + "</div>")
    parts.append('<div class="wide">' + table(endpoints, _PATIENT_COLUMNS, headers=_HEADERS)
                 + "</div>")
    return "\n".join(parts)


def _therapy_swimmer_pages(endpoints: pd.DataFrame, therapies: pd.DataFrame | None,
                           context: CohortContext) -> str:
    """The therapy swimmer, one figure per page of at most ``recist.plots.PER_PAGE``
    patients (8 pt labels, one time axis for all pages)."""
    from recist.plots import page_count, page_figure_size, page_rows
    from recist.plots_oligo import plot_therapy_swimmer

    caption = "Follow-up after local treatment: local and systemic therapies"
    n_rows = len(endpoints)
    pages = page_count(n_rows)
    figures = []
    for page in range(pages):
        rows = page_rows(n_rows, page)
        figures.append(figure_img(
            lambda ax, page=page: plot_therapy_swimmer(
                endpoints, therapies, context.patients, ax=ax,
                page=page if pages > 1 else None),
            caption if pages == 1 else f"{caption} (page {page + 1} of {pages})",
            figsize=page_figure_size("swimmer", rows.stop - rows.start)))
    return "".join(figures)


OLIGO_SECTION = CohortSection("oligo", "Follow-up after local treatment", oligo_section)
