"""HTML building blocks of the reports: escaping, cell formatting, tables, the page shell.

Every piece of text that comes from the data (CSV cells, DICOM attributes, file names,
findings) goes through ``esc`` or ``cell_text`` before it reaches the page; the only
markup in a report is written here and in the page modules. The page carries its CSS
inline, no script and no external URL: it opens offline in any browser.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from recist.outputs import write_text_atomic

__all__ = [
    "CSS",
    "cell_number",
    "cell_text",
    "data_uri",
    "esc",
    "page",
    "response_badge",
    "table",
    "write_html",
]

MISSING = "—"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 24px auto; max-width: 1280px; color: #1d2733; background: #ffffff;
       line-height: 1.4; font-size: 14px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px 0; }
h2 { font-size: 18px; border-bottom: 2px solid #d7dee8; padding-bottom: 3px;
     margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px 0; }
p.sub { color: #56616e; margin: 0 0 16px 0; }
table { border-collapse: collapse; margin: 6px 0 12px 0; font-size: 13px; }
th, td { border: 1px solid #d0d7e0; padding: 3px 7px; text-align: left;
         vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.uid, td.path { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px;
                  word-break: break-all; }
tr:nth-child(even) td { background: #fafbfd; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { border: 1px solid #d0d7e0; border-radius: 6px; padding: 8px 12px;
        min-width: 130px; background: #f7f9fc; }
.card .label { font-size: 11px; color: #56616e; text-transform: uppercase; }
.card .value { font-size: 18px; font-weight: 600; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; color: #ffffff;
         font-weight: 600; font-size: 12px; background: #969696; }
.badge.CR { background: #0072B2; } .badge.PR { background: #3a8fc4; }
.badge.SD { background: #00795a; } .badge.NON-CR-NON-PD { background: #a8578a; }
.badge.PD { background: #c0470b; } .badge.NE { background: #767676; }
figure { display: inline-block; margin: 6px 12px 12px 0; vertical-align: top; }
figure img { border: 1px solid #d0d7e0; max-width: 100%; }
figure.lesion img { width: 340px; }
figure.plot img { width: 560px; }
figure.plot.waterfall img, figure.plot.spider img, figure.plot.swimmer img
  { width: 100%; max-width: 1100px; }
figure.plot.trajectory img { width: 100%; max-width: 760px; }
figure.plot.waterfall, figure.plot.spider, figure.plot.swimmer,
figure.plot.trajectory { display: block; }
figcaption { font-size: 12px; color: #56616e; max-width: 560px; }
nav.toc { font-size: 13px; margin: 8px 0 4px 0; }
div.wide { overflow-x: auto; max-width: 100%; }
table.course th { text-align: left; font-weight: 600; }
table.course td { min-width: 74px; }
table.course tr.total th, table.course tr.total td { background: #eef2f7; }
table.course .size { font-weight: 600; }
.status.progression, .status.unequivocal { color: #c0470b; font-weight: 600; }
.strip { display: flex; flex-wrap: wrap; gap: 8px; }
figure.thumb { margin: 0; width: 250px; }
figure.thumb img { width: 250px; display: block; }
figure.thumb .nopic { width: 248px; height: 120px; border: 1px dashed #c0c8d2;
                      color: #8a94a0; font-size: 12px; display: flex;
                      align-items: center; justify-content: center; }
.lesion-row h3 { margin: 12px 0 4px 0; }
details { margin: 6px 0; } details > summary { cursor: pointer; font-weight: 600; }
@media (max-width: 900px) { figure.thumb, figure.thumb img { width: 180px; }
  figure.thumb .nopic { width: 178px; } }
figure.thumb figcaption .size { color: #1d2733; font-weight: 600; }
table.timepoints tbody td { background: #ffffff; }
table.timepoints tbody:nth-of-type(even) td { background: #f6f8fb; }
table.timepoints tbody tr:first-child td { border-bottom: none; }
table.timepoints tr.rule td { border-top: none; padding: 0 7px 5px 18px; font-size: 12px; }
td.date { white-space: nowrap; } td a { white-space: nowrap; }
.note { color: #56616e; font-size: 12px; }
.warning { color: #9a4a00; }
dl.kv { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; }
dl.kv dt { font-weight: 600; } dl.kv dd { margin: 0; }
footer { margin-top: 32px; color: #8a94a0; font-size: 11px; }
"""


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute (``html.escape`` with quotes).

    Examples
    --------
    >>> esc('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_number(value: object) -> float | None:
    """One table cell as a number: None when it is missing or not a number.

    Examples
    --------
    >>> cell_number("12.5"), cell_number(np.float32(3)), cell_number(pd.NA)
    (12.5, 3.0, None)
    >>> cell_number(float("nan")), cell_number(None), cell_number("n/a")
    (None, None, None)
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def cell_text(value: object, decimals: int = 2) -> str:
    """Plain text for one table cell: ISO dates, rounded floats, yes/no; missing → ``—``.

    Examples
    --------
    >>> cell_text(pd.Timestamp("2024-03-11")), cell_text(9.7023), cell_text(None)
    ('2024-03-11', '9.70', '—')
    >>> cell_text(True), cell_text(np.int64(42))
    ('yes', '42')
    """
    if _is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{decimals}f}"
    return str(value)


def response_badge(value: object) -> str:
    """A coloured badge for a response category (escaped; ``—`` when missing)."""
    if _is_missing(value) or str(value).strip() == "":
        return MISSING
    text = str(value)
    css_class = "".join(c if c.isalnum() else "-" for c in text.upper())
    return f'<span class="badge {esc(css_class)}">{esc(text)}</span>'


_RESPONSE_COLUMNS = {"target_response", "nontarget_response", "overall_response", "bor",
                     "confirmed_bor"}
_MONO_COLUMNS = {"series_uid", "sop_instance_uid", "study_instance_uid", "file", "path"}


def table(frame: pd.DataFrame, columns: Sequence[str] | None = None, *,
          headers: dict[str, str] | None = None, decimals: dict[str, int] | None = None,
          raw_html: dict[str, Iterable[str]] | None = None,
          empty: str = "none") -> str:
    """Render ``frame`` as an HTML table; every cell is escaped.

    Parameters
    ----------
    frame
        The rows to show.
    columns
        Columns in order (those missing from ``frame`` are skipped); all by default.
    headers
        Display names of columns (escaped too).
    decimals
        Decimals per float column (2 by default).
    raw_html
        Column → already-escaped HTML per row (links, badges built by this module).
    empty
        Text shown instead of a table when ``frame`` has no row.

    The table is wrapped in a ``div`` that scrolls sideways on a narrow screen, so a
    wide table never widens the page.
    """
    headers = headers or {}
    decimals = decimals or {}
    raw_html = {k: list(v) for k, v in (raw_html or {}).items()}
    columns = [c for c in (columns or list(frame.columns))
               if c in frame.columns or c in raw_html]
    if frame.empty:
        return f'<p class="note">{esc(empty)}</p>'
    out = ['<div class="wide"><table>', "<tr>" + "".join(f"<th>{esc(headers.get(c, c))}</th>"
                                       for c in columns) + "</tr>"]
    for position, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for column in columns:
            if column in raw_html:
                cells.append(f"<td>{raw_html[column][position]}</td>")
                continue
            value = row[column]
            if column in _RESPONSE_COLUMNS:
                cells.append(f"<td>{response_badge(value)}</td>")
                continue
            css = ""
            if column in _MONO_COLUMNS:
                css = ' class="uid"'
            elif isinstance(value, pd.Timestamp):
                css = ' class="date"'
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                    value, (bool, np.bool_)):
                css = ' class="num"'
            cells.append(f"<td{css}>{esc(cell_text(value, decimals.get(column, 2)))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table></div>")
    return "\n".join(out)


def data_uri(payload: bytes, mime: str) -> str:
    """A ``data:`` URI holding ``payload`` in base64 (inlined images).

    Examples
    --------
    >>> data_uri(b"<svg/>", "image/svg+xml")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def page(title: str, body: str, *, footer: str = "") -> str:
    """The whole HTML document: ``title`` is escaped here, ``body`` is trusted markup."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n<footer>{footer}</footer>\n</body>\n</html>\n"
    )


def write_html(path: str | Path, text: str) -> Path:
    """Write an HTML page atomically, readable by everyone (mode 0644) like a web page.

    ``recist.outputs.write_text_atomic`` keeps the private mode of its temporary file
    (0600); a report is meant to be opened by others and served as is.
    """
    path = write_text_atomic(path, text)
    os.chmod(path, 0o644)
    return path
