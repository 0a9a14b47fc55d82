"""The sections of the cohort page, statistician first (``COHORT_SECTIONS``, in order).

1. **Response** — ORR and DCR per arm with exact (Clopper–Pearson) 95 % intervals and the
   distribution of best overall response per arm (``recist.stats``).
2. **Time to event** — PFS, OS (with a patients table) and duration of response per
   arm: Kaplan–Meier median with its 95 % interval, 6- and 12-month rates with theirs
   (``recist.stats.time_to_event_summary``); hazard ratio of each arm against the
   reference arm with its 95 % interval and the log-rank p-value
   (``recist.arm_comparison``); Kaplan–Meier curves with the numbers at risk under them.
3. **Tumour shrinkage** — waterfall, one block per arm in its colour (pages of at most 60
   patients), and
   spider, one panel per arm on a common scale, both with the labelled PR/PD lines.
4. **Time on study** — the swimmer plot, pages of at most 60 patients with 8 pt labels.
5. **Findings**, 6. **Patients** (one row per patient, linking to their page),
   7. **Provenance**.

Other sections (BICR, criteria agreement …) are added to ``COHORT_SECTIONS`` as
``recist.report.sections`` explains.
"""

from __future__ import annotations

import pandas as pd

from recist.findings import Severity
from recist.report.html import MISSING, esc, table
from recist.report.sections import CohortContext, CohortSection

__all__ = ["COHORT_SECTIONS", "cohort_figure_jobs", "os_summary_frame"]

_SUMMARY_COLUMNS = ("patient_id", "report", "arm", "bor", "confirmed_bor", "bor_date",
                    "pd_date", "pfs_date", "pfs_days", "pfs_event", "censor_reason",
                    "response_date", "dor_days")
_SUMMARY_HEADERS = {"patient_id": "patient", "bor": "BOR", "confirmed_bor": "confirmed BOR",
                    "bor_date": "BOR date", "pd_date": "PD date", "pfs_date": "PFS date",
                    "pfs_days": "PFS (days)", "pfs_event": "PFS event",
                    "censor_reason": "censoring", "response_date": "first response",
                    "dor_days": "DoR (days)"}


def _uses_confirmed(summary: pd.DataFrame) -> bool:
    return "confirmed_bor" in summary.columns and bool(summary["confirmed_bor"].notna().any())


def _ratio(n: int, total: int) -> str:
    """``n/total = p% (low–high%)`` with the exact 95 % interval."""
    from recist.stats import clopper_pearson

    if total == 0:
        return MISSING
    low, high = clopper_pearson(n, total)
    return f"{n}/{total} = {100 * n / total:.1f}% ({100 * low:.1f}–{100 * high:.1f}%)"


def response_section(context: CohortContext) -> str:
    """ORR/DCR per arm with exact intervals, then the BOR distribution per arm."""
    from recist.stats import bor_distribution, response_rates

    summary = context.patient_summary
    if summary.empty:
        return ""
    rates = response_rates(summary, context.patients)
    shown = pd.DataFrame({
        "arm": rates["arm"], "patients": rates["n"],
        "ORR (95% CI)": [_ratio(int(r.orr_n), int(r.n)) for r in rates.itertuples()],
        "DCR (95% CI)": [_ratio(int(r.dcr_n), int(r.n)) for r in rates.itertuples()],
    })
    which = "confirmed BOR" if _uses_confirmed(summary) else "unconfirmed BOR"
    distribution = bor_distribution(summary, context.patients)
    arms = list(dict.fromkeys(distribution["arm"]))
    totals = distribution.groupby("arm", sort=False)["n"].sum()
    grid = distribution.pivot(index="bor", columns="arm", values="n").fillna(0)
    order = list(dict.fromkeys(distribution["bor"]))
    rows = []
    for bor in order:
        row: dict[str, object] = {"BOR": bor}
        for arm in arms:
            n, total = int(grid.loc[bor, arm]), int(totals[arm])
            row[f"{arm} (n={total})"] = f"{n} ({100 * n / total:.1f}%)" if total else MISSING
        rows.append(row)
    bor_table = pd.DataFrame(rows)
    return (f'<div class="side">{table(shown)}</div>'
            '<p class="note">ORR: best overall response CR or PR; DCR: CR, PR, SD or '
            f"NON-CR/NON-PD; {which}; exact (Clopper–Pearson) 95% intervals; every "
            "patient of the table is in the denominator.</p>"
            f"<h3>Best overall response ({which})</h3>{table(bor_table)}")


def os_summary_frame(context: CohortContext) -> pd.DataFrame | None:
    """A patient-summary-like frame whose ``pfs_days``/``pfs_event`` are overall survival.

    OS as ADTTE derives it (``recist.cdisc.adam``): death, else censored at the last date
    known alive; None without a patients table (no death or contact dates).
    """
    if context.patients is None or context.patient_summary.empty:
        return None
    from recist.cdisc.adam import adtte_from_responses

    adtte = adtte_from_responses(context.patient_summary, context.patients,
                                 criteria=context.criteria, timepoints=context.timepoints)
    os_rows = adtte[adtte["PARAMCD"] == "OS"]
    if os_rows.empty:
        return None
    return pd.DataFrame({"patient_id": os_rows["USUBJID"].astype(str).to_numpy(),
                         "pfs_days": pd.to_numeric(os_rows["AVAL"]).to_numpy(),
                         "pfs_event": (os_rows["CNSR"] == 0).to_numpy()})


def _endpoint_frames(context: CohortContext) -> list[tuple[str, pd.DataFrame, str]]:
    """(name, summary-like frame, stats endpoint) for PFS, OS (when known) and DoR."""
    frames = [("PFS", context.patient_summary, "pfs")]
    overall = os_summary_frame(context)
    if overall is not None:
        frames.append(("OS", overall, "pfs"))
    frames.append(("DoR", context.patient_summary, "dor"))
    return frames


def _interval(value: object, low: object, high: object, *, percent: bool) -> str:
    def text(v: object) -> str:
        if v is None or pd.isna(v):  # type: ignore[call-overload]
            return "NR" if not percent else MISSING
        number = float(v)  # type: ignore[arg-type]
        return f"{number:.1f}%" if percent else f"{number:.0f}"  # recist.stats: 0-100

    if value is None or pd.isna(value):  # type: ignore[call-overload]
        if percent or low is None or pd.isna(low):  # type: ignore[call-overload]
            return MISSING if percent else "NR"
        return f"NR ({text(low)}–{text(high)})"  # the median's interval may start anyway
    if percent and (low is None or pd.isna(low)):  # type: ignore[call-overload]
        return f"{text(value)} (no event yet: no CI)"  # recist.stats._rate_at
    return f"{text(value)} ({text(low)}–{text(high)})"


def _p_value(p: float) -> str:
    if pd.isna(p):
        return MISSING
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def survival_tables(context: CohortContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The median / rate table and the hazard-ratio table the page shows."""
    from recist.arm_comparison import compare_arms
    from recist.stats import _endpoint_data, _with_arm, time_to_event_summary

    medians, ratios = [], []
    for name, frame, endpoint in _endpoint_frames(context):
        try:
            summary = time_to_event_summary(frame, context.patients, endpoint=endpoint,
                                            criteria=context.criteria)
        except Exception as error:  # noqa: BLE001 - shown as a note, never a number
            from recist.errors import RecistDataError

            if not isinstance(error, RecistDataError):
                raise
            continue
        for row in summary.to_dict("records"):
            if not row.get("n"):
                continue
            medians.append({
                "endpoint": name, "arm": row["arm"], "patients": row["n"],
                "events": row["events"],
                "median, days (95% CI)": _interval(row.get("median_days"),
                                                   row.get("median_low"),
                                                   row.get("median_high"), percent=False),
                "6-month rate (95% CI)": _interval(row.get("rate_6m_pct"),
                                                   row.get("rate_6m_low_pct"),
                                                   row.get("rate_6m_high_pct"), percent=True),
                "12-month rate (95% CI)": _interval(row.get("rate_12m_pct"),
                                                    row.get("rate_12m_low_pct"),
                                                    row.get("rate_12m_high_pct"),
                                                    percent=True)})
        data = _endpoint_data(_with_arm(frame, context.patients), endpoint, context.criteria)
        if data["arm"].notna().any() and data["arm"].nunique() > 1:
            for row in compare_arms(data["days"], data["event"], data["arm"],
                                    endpoint=name).to_dict("records"):
                hr = (MISSING if pd.isna(row["hr"]) else
                      f"{row['hr']:.2f} ({row['hr_low']:.2f}–{row['hr_high']:.2f})")
                ratios.append({"endpoint": name,
                               "comparison": f"{row['arm']} vs {row['reference_arm']}",
                               "HR (95% CI)": hr, "log-rank p": _p_value(row["logrank_p"]),
                               "note": row["note"]})
    return pd.DataFrame(medians), pd.DataFrame(ratios)


def survival_section(context: CohortContext) -> str:
    """Medians and rates, hazard ratios and log-rank p, then the Kaplan–Meier curves."""
    if context.patient_summary.empty:
        return ""
    medians, ratios = survival_tables(context)
    parts = [table(medians, empty="no patient has a duration")]
    parts.append('<p class="note">Kaplan–Meier estimates; NR = not reached; rates are '
                 "the probability of being event-free at 6 and 12 months (1 month = "
                 "30.4375 days). PFS: progression or death; OS: death, censored at the last "
                 "date known alive; DoR: responders only, from the first response.</p>")
    if not ratios.empty:
        ratios = ratios.loc[:, [c for c in ratios.columns
                                if c != "note" or ratios["note"].astype(bool).any()]]
        parts.append("<h3>Comparison of arms</h3>" + table(ratios))
        parts.append('<p class="note">Hazard ratio from a Cox model with the arm as the '
                     "only covariate (Wald 95% interval; below 1: fewer events than the "
                     "reference arm, the first arm in alphabetical order); unstratified "
                     "log-rank test of all arms.</p>")
    parts.append('<div class="figures">' + "".join(
        context.figures.get(name, "") for name in ("km_pfs", "km_os", "km_dor")) + "</div>")
    return "\n".join(parts)


def shrinkage_section(context: CohortContext) -> str:
    """Waterfall (every page) and spider plots (a panel per arm)."""
    shown = "".join(context.figures[name] for kind in ("waterfall", "spider")
                    for name in _figure_names(context, kind))
    return f'<div class="figures">{shown}</div>' if shown else ""


def swimmer_section(context: CohortContext) -> str:
    """The swimmer plot, a page per ``recist.plots.PER_PAGE`` patients."""
    return "".join(context.figures[name] for name in _figure_names(context, "swimmer"))


def findings_section(context: CohortContext) -> str:
    """Warnings and errors of the assessment, one per line."""
    shown = [f for f in context.findings if f.severity != Severity.INFO]
    if not shown:
        return '<p class="note">no warning</p>'
    return "<ul>" + "".join(
        f'<li class="warning">{esc(f.severity)} [{esc(f.code)}]: {esc(f.message)}</li>'
        for f in shown) + "</ul>"


def patients_section(context: CohortContext) -> str:
    """One row per patient with a link to their page."""
    summary = context.patient_summary.copy()
    arms = context.arms
    if arms is not None:
        summary["arm"] = summary["patient_id"].astype(str).map(arms)
    links = []
    for patient_id in summary["patient_id"].astype(str):
        link = context.patient_pages.get(patient_id)
        links.append(f'<a href="{esc(link)}">{esc(patient_id)}</a>' if link
                     else esc(patient_id))
    return ('<div class="wide">'
            + table(summary, ("report",) + _SUMMARY_COLUMNS[2:], headers={
                **_SUMMARY_HEADERS, "report": "patient"}, raw_html={"report": links})
            + "</div>")


def provenance_section(context: CohortContext) -> str:
    """Package version, criteria and input files."""
    from recist.report.patient import provenance_block

    return provenance_block(context.criteria, context.inputs, heading=False)


def _figure_names(context: CohortContext, kind: str) -> list[str]:
    """The figures of ``kind`` drawn for the page, in order (``kind``, ``kind-2`` …)."""
    return [name for name in context.figures if name.split("-")[0] == kind]


def _paged(kind: str, caption: str, n_rows: int, draw, longest: int) -> dict[str, tuple]:
    """One job per page of ``n_rows`` patients (``recist.plots.page_rows``), each of
    ``recist.plots.page_figure_size`` with fixed margins for labels of ``longest``
    characters (``page_margins``); ``draw(ax, page)`` draws a page (``page`` None when
    everything fits on one)."""
    from recist.plots import page_count, page_figure_size, page_margins, page_rows

    pages = page_count(n_rows)
    jobs: dict[str, tuple] = {}
    for page in range(pages):
        rows = page_rows(n_rows, page)
        size = page_figure_size(kind, rows.stop - rows.start)
        name = kind if page == 0 else f"{kind}-{page + 1}"
        text = caption if pages == 1 else (
            f"{caption} (page {page + 1} of {pages}: patients {rows.start + 1}–{rows.stop}"
            f" of {n_rows})")
        jobs[name] = ((lambda ax, page=page: draw(ax, page if pages > 1 else None)), text,
                      size, page_margins(kind, size, longest))
    return jobs


def cohort_figure_jobs(context: CohortContext) -> dict[str, tuple]:
    """Name → (draw function, caption, figure size[, margins]) of every figure of the page.

    The swimmer and the waterfall are split into pages of at most
    ``recist.plots.PER_PAGE`` patients (each its own figure, labels 8 pt, one time or %
    scale for all pages); with two arms or more the spider is one panel per arm on a
    common scale.
    """
    from recist.plots import (
        best_pct_change,
        page_margins,
        plot_kaplan_meier,
        plot_spider,
        plot_swimmer,
        plot_waterfall,
    )

    tp, summary, patients = context.timepoints, context.patient_summary, context.patients
    criteria = context.criteria
    colour = "arm" if context.arms is not None else None
    n_bars = len(best_pct_change(tp)) if len(tp) and "pct_from_baseline" in tp else 0
    n_swimmers = tp["patient_id"].nunique() if len(tp) else 0
    longest = int(tp["patient_id"].astype(str).str.len().max()) if len(tp) else 1
    jobs: dict[str, tuple] = _paged(
        "waterfall", "Waterfall: best % change of the target sum from baseline, one block "
        "per arm in its colour; the letters at each bar's end give the best overall "
        "response" if colour else "Waterfall: best % change of the target sum from "
        "baseline, coloured by best overall response",
        max(n_bars, 1), lambda ax, page: plot_waterfall(
            tp, summary, patients, ax=ax, criteria=criteria, color_by=colour,
            by_arm=colour is not None, page=page), longest)
    arms = sorted(context.arms.reindex(summary["patient_id"].astype(str)).dropna().unique()) \
        if context.arms is not None else []
    spider = "Spider: % change of the target sum from baseline over time"
    if len(arms) > 1:
        for number, arm in enumerate(arms, 1):
            jobs["spider" if number == 1 else f"spider-{number}"] = (
                lambda ax, arm=arm: plot_spider(tp, patients, ax=ax, criteria=criteria,
                                                color_by="arm", group=arm),
                f"{spider}, {arm} (every arm on the same scale)", (11.0, 4.6),
                page_margins("spider", (11.0, 4.6), longest))
    else:
        jobs["spider"] = (lambda ax: plot_spider(tp, patients, ax=ax, criteria=criteria,
                                                 color_by=colour), spider, (11.0, 4.6),
                          page_margins("spider", (11.0, 4.6), longest))
    jobs.update(_paged(
        "swimmer", "Swimmer: time on study, response onset, progression and death",
        max(n_swimmers, 1), lambda ax, page: plot_swimmer(
            summary, tp, patients, ax=ax, color_by=colour, page=page), longest))
    jobs.update({
        "km_pfs": (lambda ax: plot_kaplan_meier(summary, patients, ax=ax, endpoint="pfs",
                                                criteria=criteria),
                   "Kaplan–Meier: progression-free survival (numbers at risk below)",
                   (7.2, 4.8)),
        "km_dor": (lambda ax: plot_kaplan_meier(summary, patients, ax=ax, endpoint="dor",
                                                criteria=criteria),
                   "Kaplan–Meier: duration of response (responders)", (7.2, 4.8)),
    })
    overall = os_summary_frame(context)
    if overall is not None:
        jobs["km_os"] = (lambda ax: plot_kaplan_meier(overall, patients, ax=ax,
                                                      endpoint="pfs", criteria=criteria,
                                                      title="Overall survival"),
                         "Kaplan–Meier: overall survival (numbers at risk below)", (7.2, 4.8))
    return jobs


COHORT_SECTIONS: list[CohortSection] = [
    CohortSection("response", "Response", response_section),
    CohortSection("time-to-event", "Time to event", survival_section),
    # BICR, criteria agreement and oligometastatic sections go here.
    CohortSection("shrinkage", "Tumour shrinkage", shrinkage_section),
    CohortSection("time-on-study", "Time on study", swimmer_section),
    CohortSection("findings", "Findings", findings_section),
    CohortSection("patients", "Patients", patients_section),
    CohortSection("provenance", "Provenance", provenance_section),
]
"""The cohort page's sections in order (``recist.report.sections`` says how to add one)."""
