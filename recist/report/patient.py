"""One patient's self-contained HTML report, the course first.

Order: summary cards (BOR, confirmed BOR, PD, PFS, first response, DoR, baseline sum and
best change); then the course — a lesion × visit table (LD/SA or status per lesion and
visit, % change of each target from baseline, the target sum and the overall response of
each visit), one row of lesion pictures per lesion across the visits (``recist measure
--overlays`` of any source: the measured axes, and the outline of a mask, SEG segment or
RTSTRUCT contour), the time point responses with the rule that decided each
(``reasons``, on a line of its own under the visit's row) and the target sum over time
with the PR and PD thresholds as they move with the nadir; then findings; then, folded in
``<details>`` (no script), the visits, baseline measurability and target selection,
protocol eligibility and provenance (package version, criteria, input files, series and
SOP Instance UIDs). Every data string is escaped (``recist.report.html``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from recist import __version__
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity
from recist.report.course import lesion_picture_rows, lesion_visit_table
from recist.report.figures import target_sum_img
from recist.report.html import MISSING, cell_text, esc, page, response_badge, table, write_html

__all__ = ["patient_report_file_name", "render_patient_html", "write_patient_report"]

_LESION_COLUMNS = ("lesion_id", "kind", "organ", "nodal", "ld_mm", "sa_mm", "status",
                   "method", "slice_index", "volume_mm3")
_LESION_HEADERS = {"lesion_id": "lesion", "ld_mm": "LD (mm)", "sa_mm": "SA (mm)",
                   "slice_index": "slice", "volume_mm3": "volume (mm³)",
                   "slice_thickness_mm": "slice thickness (mm)"}
_TIMEPOINT_COLUMNS = ("visit", "date", "sum_mm", "nadir_mm",
                      "pct_from_baseline", "pct_from_nadir", "target_response",
                      "nontarget_response", "new_lesions", "overall_response")
_RESPONSE_COLUMNS = ("target_response", "nontarget_response", "overall_response")
_TIMEPOINT_HEADERS = {"sum_mm": "sum (mm)", "baseline_sum_mm": "baseline sum (mm)",
                      "nadir_mm": "nadir (mm)", "pct_from_baseline": "% from baseline",
                      "pct_from_nadir": "% from nadir", "target_response": "target",
                      "nontarget_response": "non-target", "new_lesions": "new lesions",
                      "overall_response": "overall"}
_BASELINE_COLUMNS = ("lesion_id", "kind", "organ", "nodal", "ld_mm", "sa_mm",
                     "slice_thickness_mm", "category", "reason")


def patient_report_file_name(patient_id: object) -> str:
    """The report file name of a patient: ``patient_<id>.html``, unsafe characters → ``_``.

    Examples
    --------
    >>> patient_report_file_name("LUNG1")
    'patient_LUNG1.html'
    >>> patient_report_file_name("../x y")
    'patient_.._x_y.html'
    """
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(patient_id))
    return f"patient_{safe}.html"


def _rows_of(frame: pd.DataFrame | None, patient_id: str) -> pd.DataFrame:
    if frame is None or frame.empty or "patient_id" not in frame.columns:
        return pd.DataFrame()
    return frame[frame["patient_id"].astype(str) == str(patient_id)]


def _record(frame: pd.DataFrame | None, patient_id: str) -> dict:
    rows = _rows_of(frame, patient_id)
    return {} if rows.empty else rows.iloc[0].to_dict()


def _card(label: str, value_html: str) -> str:
    return (f'<div class="card"><div class="label">{esc(label)}</div>'
            f'<div class="value">{value_html}</div></div>')


def _summary_cards(summary: dict, tp: pd.DataFrame | None = None) -> str:
    cards = [_card("Best overall response", response_badge(summary.get("bor")))]
    if "confirmed_bor" in summary:
        cards.append(_card("Confirmed BOR", response_badge(summary.get("confirmed_bor"))))
    cards.append(_card("Progression (PD) date", esc(cell_text(summary.get("pd_date")))))
    event = summary.get("pfs_event")
    pfs = esc(cell_text(summary.get("pfs_date")))
    days = cell_text(summary.get("pfs_days"))
    if days != MISSING:
        kind = "event" if event is True or str(event).lower() == "true" else "censored"
        pfs += f' <span class="note">({esc(days)} d, {kind})</span>'
    cards.append(_card("PFS date", pfs))
    cards.append(_card("First response", esc(cell_text(summary.get("response_date")))))
    dor = cell_text(summary.get("dor_days"))
    cards.append(_card("Duration of response", esc(dor + " d" if dor != MISSING else dor)))
    if tp is not None and not tp.empty and "baseline_sum_mm" in tp.columns:
        base = pd.to_numeric(tp["baseline_sum_mm"], errors="coerce").dropna()
        change = pd.to_numeric(tp["pct_from_baseline"], errors="coerce").iloc[1:].dropna()
        if len(base):
            cards.append(_card("Baseline target sum", esc(f"{float(base.iloc[0]):.1f} mm")))
        if len(change):
            cards.append(_card("Best change", esc(f"{float(change.min()):+.1f}%")))
    body = '<div class="cards">' + "".join(cards) + "</div>"
    reason = summary.get("censor_reason")
    if cell_text(reason) != MISSING:
        body += f'<p class="note">PFS censored: {esc(cell_text(reason))}</p>'
    return body


def _timepoint_table(tp: pd.DataFrame) -> str:
    """The time point responses, each followed by the rule that decided it on a line of
    its own across the table (``reasons``), so that the rule stays readable on a narrow
    screen instead of filling a 100 px column (issue 14, item 1)."""
    if tp.empty:
        return '<p class="note">no time point</p>'
    columns = [c for c in _TIMEPOINT_COLUMNS if c in tp.columns]
    head = "".join(f"<th>{esc(_TIMEPOINT_HEADERS.get(c, c))}</th>" for c in columns)
    out = ['<div class="wide"><table class="timepoints">', f"<thead><tr>{head}</tr></thead>"]
    for record in tp.to_dict("records"):
        cells = []
        for column in columns:
            value = record[column]
            if column in _RESPONSE_COLUMNS:
                cells.append(f"<td>{response_badge(value)}</td>")
            elif column == "date":  # never broken over two lines
                cells.append(f'<td class="date">{esc(cell_text(value))}</td>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="num">{esc(cell_text(value))}</td>')
            else:
                cells.append(f"<td>{esc(cell_text(value))}</td>")
        rule = esc(cell_text(record.get("reasons")))
        out.append(f'<tbody><tr>{"".join(cells)}</tr><tr class="rule"><td colspan='
                   f'"{len(columns)}"><span class="note">rule that decided:</span> {rule}'
                   "</td></tr></tbody>")
    out.append("</table></div>")
    return "\n".join(out)


def _visit_key(row: Mapping) -> str:
    visit = row.get("visit")
    return cell_text(visit) if cell_text(visit) != MISSING else cell_text(row.get("date"))


def _visits_table(rows: pd.DataFrame) -> str:
    if rows.empty:
        return table(rows)
    frame = rows.copy()
    frame["_key"] = [_visit_key(r) for r in frame.to_dict("records")]
    frame["_date"] = pd.to_datetime(frame["date"], errors="coerce")
    records = []
    for key, group in frame.groupby("_key", sort=False):
        first = group.iloc[0]
        counts = group["kind"].astype(str).value_counts()
        record = {"visit": key, "date": first["_date"],
                  "targets": int(counts.get("target", 0)),
                  "non-targets": int(counts.get("non-target", 0)),
                  "new lesions": int(counts.get("new", 0))}
        if "series_description" in group.columns:
            record["series description"] = "; ".join(
                sorted({cell_text(v) for v in group["series_description"]}))
        records.append(record)
    visits = pd.DataFrame(records).sort_values(["date", "visit"], kind="stable")
    return table(visits)


def _baseline_section(baseline, patient_id: str) -> str:
    if baseline is None:
        return ""
    verdict = _record(baseline.patients, patient_id)
    lesions = _rows_of(baseline.lesions, patient_id)
    parts = []
    if verdict:
        parts.append('<dl class="kv">'
                     f"<dt>Baseline date</dt><dd>{esc(cell_text(verdict.get('baseline_date')))}"
                     "</dd><dt>Measurable disease (MEAS-12)</dt><dd>"
                     f"{esc(cell_text(verdict.get('measurable_disease')))}</dd>"
                     "<dt>Target selection valid (SEL-1..5)</dt><dd>"
                     f"{esc(cell_text(verdict.get('selection_valid')))}</dd>"
                     f"<dt>Problems</dt><dd>{esc(verdict.get('problems') or 'none')}</dd></dl>")
    parts.append(table(lesions, _BASELINE_COLUMNS, headers=_LESION_HEADERS))
    return "\n".join(parts)


def _screening_section(screening: pd.DataFrame | None, patient_id: str) -> str:
    rows = _rows_of(screening, patient_id)
    if rows.empty:
        return ""
    verdict = cell_text(rows["verdict"].iloc[0]) if "verdict" in rows.columns else MISSING
    return (f"<p>Verdict: <strong>{esc(verdict)}</strong> (each criterion met / not met / "
            "unknown with its reason)</p>"
            + table(rows, ("criterion_id", "category", "criterion", "result", "reason"),
                    headers={"criterion_id": "id"}))


def _findings_section(findings: Iterable[Finding], patient_id: str) -> str:
    mine = [f for f in findings if f.patient_id is None or str(f.patient_id) == patient_id]
    if not mine:
        return '<p class="note">no data-quality finding for this patient</p>'
    items = "".join(
        f'<li class="{"warning" if f.severity != Severity.INFO else "note"}">'
        f"{esc(f.severity)} [{esc(f.code)}{', ' + esc(f.rule) if f.rule else ''}]: "
        f"{esc(f.message)}</li>" for f in mine)
    return f"<ul>{items}</ul>"


def provenance_block(criteria: Criteria, inputs: Mapping[str, object] | None,
                     rows: pd.DataFrame | None = None, *, heading: bool = True) -> str:
    """Package version, criteria, input files and (when ``rows``) series / SOP UIDs."""
    parts = ["<h2>Provenance</h2>"] if heading else []
    parts += ['<dl class="kv">',
             f"<dt>Package</dt><dd>recist {esc(__version__)}</dd>"]
    for label, value in (inputs or {}).items():
        parts.append(f"<dt>{esc(label)}</dt><dd><code>{esc(cell_text(value))}</code></dd>")
    parts.append("</dl>")
    options = pd.DataFrame({"option": list(criteria.as_dict()),
                            "value": [str(v) for v in criteria.as_dict().values()]})
    defaults = RECIST_1_1.as_dict()
    changed = [k for k, v in criteria.as_dict().items() if defaults[k] != v]
    parts.append("<h3>Criteria</h3><p class=\"note\">RECIST 1.1 defaults"
                 + (f"; changed: {esc(', '.join(changed))}" if changed else "") + "</p>")
    parts.append("<details><summary>all options</summary>" + table(options) + "</details>")
    if rows is not None and not rows.empty:
        columns = [c for c in ("visit", "date", "lesion_id", "method", "series_description",
                               "series_uid", "sop_instance_uid", "slice_index")
                   if c in rows.columns]
        parts.append("<h3>Images measured</h3>")
        parts.append(table(rows.sort_values("date", kind="stable"), columns,
                           headers=_LESION_HEADERS))
    return "\n".join(parts)


def render_patient_html(patient_id: str, measurements: pd.DataFrame,
                        timepoints: pd.DataFrame, patient_summary: pd.DataFrame, *,
                        patients: pd.DataFrame | None = None, baseline=None,
                        findings: Iterable[Finding] = (),
                        overlays_dir: str | Path | None = None,
                        criteria: Criteria = RECIST_1_1,
                        inputs: Mapping[str, object] | None = None,
                        cohort_link: str | None = None,
                        screening: pd.DataFrame | None = None) -> str:
    """The HTML text of one patient's report (see the module docstring).

    Parameters
    ----------
    patient_id
        The patient (as in the tables).
    measurements, timepoints, patient_summary
        The measurements table and the outputs of ``recist.response.respond``.
    patients
        The patients table (start date, arm …) or None.
    baseline
        A ``recist.baseline_rules.BaselineResult`` or None (section left out).
    findings
        Findings to list (those of other patients are skipped).
    overlays_dir
        Folder of lesion pictures written by ``recist measure --overlays``.
    criteria
        The criteria the responses were assessed with (shown in the provenance block).
    inputs
        Label → input file shown in the provenance block.
    cohort_link
        Relative link to the cohort page, if any.
    screening
        Protocol eligibility rows (``recist.eligibility.screen_patients``) or None.
    """
    patient_id = str(patient_id)
    rows = _rows_of(measurements, patient_id)
    if rows.empty:
        from recist.errors import RecistDataError

        raise RecistDataError(f"report: patient_id {patient_id} is not in the measurements "
                              "table; choose one of its patients")
    summary = _record(patient_summary, patient_id)
    info = _record(patients, patient_id)
    tp = _rows_of(timepoints, patient_id)
    if not tp.empty:
        tp = tp.assign(_date=pd.to_datetime(tp["date"], errors="coerce")).sort_values(
            "_date", kind="stable").drop(columns="_date")
    arm = cell_text(info.get("arm")) if info else MISSING
    body = [f"<h1>RECIST 1.1 report: patient {esc(patient_id)}</h1>",
            '<p class="sub">' + (f"{esc(arm)} · " if arm != MISSING else "")
            + "generated by recist " + esc(__version__)
            + (f' · <a href="{esc(cohort_link)}">cohort overview</a>' if cohort_link else "")
            + "</p>", _summary_cards(summary, tp),
            "<h2>Lesions across visits</h2>", lesion_visit_table(rows, tp),
            lesion_picture_rows(rows, patient_id, overlays_dir),
            "<h2>Time point responses</h2>",
            _timepoint_table(tp),
            "<h2>Target sum and thresholds</h2>", target_sum_img(timepoints, patient_id,
                                                                criteria),
            "<h2>Findings</h2>", _findings_section(findings, patient_id)]
    folded = []
    if info:
        folded.append(("Patient", '<dl class="kv">' + "".join(
            f"<dt>{esc(key.replace('_', ' '))}</dt><dd>{esc(cell_text(info.get(key)))}</dd>"
            for key in info if key != "patient_id") + "</dl>"))
    else:
        folded.append(("Patient", '<p class="note">no patients table: durations run from '
                                  "the baseline scan (DEC-7)</p>"))
    folded.append(("Visits and lesion rows", _visits_table(rows) + table(
        rows, _LESION_COLUMNS, headers=_LESION_HEADERS, decimals={"volume_mm3": 0})))
    baseline_html = _baseline_section(baseline, patient_id)
    if baseline_html:
        folded.append(("Baseline: measurability and target selection", baseline_html))
    screening_html = _screening_section(screening, patient_id)
    if screening_html:
        folded.append(("Protocol eligibility", screening_html))
    folded.append(("Provenance", provenance_block(criteria, inputs, rows, heading=False)))
    body.append("<h2>Details</h2>")
    for title, html_text in folded:
        body.append(f"<details><summary>{esc(title)}</summary>\n{html_text}</details>")
    return page(f"RECIST 1.1 report: patient {patient_id}", "\n".join(body),
                footer=f"recist {esc(__version__)} · offline report, no script")


def write_patient_report(path: str | Path, patient_id: str, measurements: pd.DataFrame,
                         timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                         **options) -> Path:
    """Write one patient's report to ``path`` atomically and return the path.

    ``options`` are those of ``render_patient_html``.
    """
    text = render_patient_html(patient_id, measurements, timepoints, patient_summary,
                               **options)
    return write_html(path, text)
