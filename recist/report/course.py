"""A patient's course on one screen: the lesion × visit table and the lesion picture rows.

* **Lesion × visit table** — one row per lesion (targets first, then non-targets, then
  new lesions), one column per visit in date order. A cell shows what counts for the
  lesion: a target's diameter in the sum (LD, or SA for a node, SUM-1) with the other
  axis under it and its % change from baseline, a non-measured status in words
  (``too small``, ``absent`` …), a non-target's or new lesion's status. The last rows give
  each visit's target sum, its % change from baseline and the overall response.
* **Picture rows** — per lesion, the pictures of ``recist measure --overlays`` across the
  visits side by side (``<patient>_<visit or date>_<lesion>.png``, from any annotation
  source), each captioned with its visit, date and diameters (LD · SA) in page text, which
  stays readable at any thumbnail size; a visit without a picture shows a placeholder
  saying so. The row's heading says what the pictures were drawn from (``method``: drawn
  lines, mask outline, RTSTRUCT contour, SR lines), so a picture without an outline is
  explained.

Every data string is escaped (``recist.report.html``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from recist.report.figures import overlay_file_name
from recist.report.html import MISSING, cell_number, cell_text, data_uri, esc, response_badge

__all__ = ["lesion_picture_rows", "lesion_visit_table", "visit_columns"]

_KIND_ORDER = {"target": 0, "non-target": 1, "new": 2}
_STATUS_WORDS = {"measured": "", "too_small": "too small to measure", "absent": "absent",
                 "merged": "merged", "not_evaluated": "not evaluated", "present": "present",
                 "progression": "unequivocal progression", "equivocal": "equivocal",
                 "unequivocal": "unequivocal"}


def _visit_key(row: Mapping) -> str:
    visit = row.get("visit")
    return cell_text(visit) if cell_text(visit) != MISSING else cell_text(row.get("date"))


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``_key`` (visit, else date) and ``_lid`` (lesion id as text)."""
    frame = rows.copy()
    frame["_key"] = [_visit_key(r) for r in frame[
        [c for c in ("visit", "date") if c in frame.columns]].to_dict("records")]
    frame["_lid"] = frame["lesion_id"].astype(str)
    return frame


def visit_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """The visits of one patient's rows in date order: ``key`` (visit, else date), ``date``."""
    frame = _keyed(rows).rename(columns={"_key": "key"})
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    visits = frame.groupby("key", sort=False)["date"].min().reset_index()
    return visits.sort_values(["date", "key"], kind="stable").reset_index(drop=True)


def _lesions(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per lesion: id, kind, organ, nodal; targets, non-targets, new lesions."""
    first = rows.drop_duplicates("_lid").copy()
    first["_order"] = first["kind"].astype(str).map(_KIND_ORDER).fillna(3)
    return first.sort_values(["_order", "_lid"], kind="stable")


def _cell(group: list[dict], nodal: bool, baseline_size: float) -> str:
    """HTML of one lesion at one visit (several rows: fragments of a split lesion)."""
    status = str(group[0]["status"])
    kind = str(group[0]["kind"])
    ld = [v for v in (cell_number(r.get("ld_mm")) for r in group) if v is not None]
    sa = [v for v in (cell_number(r.get("sa_mm")) for r in group) if v is not None]
    main, other = (sa, ld) if nodal else (ld, sa)
    main_name, other_name = ("SA", "LD") if nodal else ("LD", "SA")
    lines = []
    if main:
        size = float(sum(main))
        fragments = f" ({len(group)} parts)" if len(group) > 1 else ""
        lines.append(f'<span class="size">{main_name} {size:.1f}</span>{esc(fragments)}')
        if other and len(group) == 1:
            lines.append(f'<span class="note">{other_name} {float(sum(other)):.1f}</span>')
        if kind == "target" and np.isfinite(baseline_size) and baseline_size > 0:
            change = 100.0 * (size - baseline_size) / baseline_size
            lines.append(f'<span class="note">{change:+.0f}%</span>')
    words = _STATUS_WORDS.get(status, status)
    if words:
        lines.append(f'<span class="status {esc(status)}">{esc(words)}</span>')
    return "<br>".join(lines) if lines else MISSING


def lesion_visit_table(rows: pd.DataFrame, timepoints: pd.DataFrame) -> str:
    """The lesion × visit table of one patient (module docstring)."""
    if rows.empty:
        return '<p class="note">no lesion rows</p>'
    visits = visit_columns(rows)
    frame = _keyed(rows)
    cells_of: dict[tuple[str, str], list[dict]] = {}
    for record in frame[[c for c in ("_lid", "_key", "status", "kind", "ld_mm", "sa_mm")
                         if c in frame.columns]].to_dict("records"):
        cells_of.setdefault((record["_lid"], record["_key"]), []).append(record)
    head = ["<th>lesion</th>"] + [
        f"<th>{esc(key)}<br><span class=\"note\">{esc(cell_text(date))}</span></th>"
        for key, date in zip(visits["key"], visits["date"])]
    out = ['<div class="wide"><table class="course">', "<tr>" + "".join(head) + "</tr>"]
    for _, lesion in _lesions(frame).iterrows():
        mine = frame[frame["_lid"] == lesion["_lid"]]
        nodal = bool(lesion.get("nodal"))
        organ = cell_text(lesion.get("organ"))
        label = (f'<strong>{esc(lesion["lesion_id"])}</strong><br><span class="note">'
                 f'{esc(lesion["kind"])} · {esc(organ)}{" · node" if nodal else ""}'
                 "</span>")
        first_key = mine.sort_values("date", kind="stable")["_key"].iloc[0]
        base_sizes = [v for r in cells_of[(lesion["_lid"], first_key)]
                      if (v := cell_number(r.get("sa_mm" if nodal else "ld_mm"))) is not None]
        baseline_size = float(sum(base_sizes)) if base_sizes else float("nan")
        cells = [f"<th>{label}</th>"]
        for key in visits["key"]:
            group = cells_of.get((lesion["_lid"], key))
            cells.append("<td>" + (_cell(group, nodal, baseline_size) if group is not None
                                   else '<span class="note">—</span>') + "</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    if not timepoints.empty:
        tp = timepoints[["visit", "date", "sum_mm", "pct_from_baseline",
                         "overall_response"]].copy()
        tp["_key"] = [_visit_key(r) for r in tp[["visit", "date"]].to_dict("records")]
        by_key = {r["_key"]: r for r in tp.to_dict("records")}

        def summary_row(title: str, render) -> str:
            cells = [f"<th>{esc(title)}</th>"]
            for key in visits["key"]:
                cells.append(f'<td class="num">{render(by_key[key])}</td>'
                             if key in by_key else "<td>—</td>")
            return '<tr class="total">' + "".join(cells) + "</tr>"

        out.append(summary_row("target sum (mm)",
                               lambda r: esc(cell_text(cell_number(r.get("sum_mm")), 1))))
        out.append(summary_row("% from baseline", lambda r: esc(
            MISSING if (pct := cell_number(r.get("pct_from_baseline"))) is None
            else f"{pct:+.1f}%")))
        out.append(summary_row("overall response", lambda r: response_badge(
            r.get("overall_response")) if cell_text(r.get("overall_response")) != MISSING
            else '<span class="note">baseline</span>'))
    out.append("</table></div>")
    return "\n".join(out)


_METHOD_WORDS = {"line": "drawn lines", "mask": "mask outline", "contour": "RTSTRUCT contour",
                 "sr": "SR lines"}


def _source_words(rows: pd.DataFrame) -> str:
    """What the lesion's pictures were drawn from (``method``), so that a missing outline
    is explained: ``drawn lines``, ``mask outline``, ``RTSTRUCT contour``, ``SR lines``."""
    if "method" not in rows.columns:
        return ""
    methods = [str(m) for m in rows["method"].dropna().unique()]
    words = [_METHOD_WORDS.get(m.split(" ")[0], m) for m in methods]
    return ", ".join(dict.fromkeys(words))


def _sizes(group: list[dict]) -> str:
    """The diameters under a picture: ``LD 16.7 · SA 10.4 mm`` (fragments: their LD sum)."""
    ld = [v for v in (cell_number(r.get("ld_mm")) for r in group) if v is not None]
    sa = [v for v in (cell_number(r.get("sa_mm")) for r in group) if v is not None]
    if len(group) > 1:
        return f"{len(group)} parts, LD {sum(ld):.1f} mm" if ld else ""
    parts = [f"{name} {values[0]:.1f}" for name, values in (("LD", ld), ("SA", sa)) if values]
    return " · ".join(parts) + " mm" if parts else ""


def lesion_picture_rows(rows: pd.DataFrame, patient_id: str,
                        overlays_dir: str | Path | None) -> str:
    """Per lesion, its pictures across the visits in one row (module docstring)."""
    if overlays_dir is None or rows.empty:
        return ""
    visits = visit_columns(rows)
    frame = _keyed(rows)
    parts = []
    any_picture = False
    for _, lesion in _lesions(frame).iterrows():
        lesion_id = str(lesion["_lid"])
        mine = frame[frame["_lid"] == lesion_id]
        tiles = []
        for key, date in zip(visits["key"], visits["date"]):
            group = mine[mine["_key"] == key]
            if group.empty:
                continue
            caption = f"{key} · {cell_text(date)}"
            path = Path(overlays_dir) / overlay_file_name(patient_id, key, lesion_id)
            if path.is_file():
                any_picture = True
                sizes = _sizes(group.to_dict("records"))
                tiles.append(f'<figure class="thumb"><img alt="{esc(lesion_id)} at '
                             f'{esc(caption)}" src="{data_uri(path.read_bytes(), "image/png")}">'
                             f"<figcaption>{esc(caption)}"
                             + (f'<br><span class="size">{esc(sizes)}</span>' if sizes else "")
                             + "</figcaption></figure>")
            else:
                status = _STATUS_WORDS.get(str(group["status"].iloc[0]), "")
                tiles.append(f'<figure class="thumb missing"><div class="nopic">no picture'
                             f"{esc(' (' + status + ')') if status else ''}</div>"
                             f"<figcaption>{esc(caption)}</figcaption></figure>")
        source = _source_words(mine)
        parts.append(f'<div class="lesion-row"><h3>{esc(lesion_id)} <span class="note">'
                     f'{esc(lesion["kind"])} · {esc(cell_text(lesion.get("organ")))}'
                     + (f" · {esc(source)}" if source else "")
                     + f'</span></h3><div class="strip">{"".join(tiles)}</div></div>')
    if not any_picture:
        return f'<p class="note">no lesion picture in {esc(overlays_dir)}</p>'
    return ('<p class="note">Long axis red, short axis blue, outline yellow (mask, SEG '
            "segment or RTSTRUCT contour; drawn lines and SR have none); each picture "
            "centred on the lesion with its scale bar, orientation and slice position.</p>"
            + "\n".join(parts))
