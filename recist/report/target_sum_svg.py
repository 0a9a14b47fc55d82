"""The target-sum figure of a patient page, written directly as SVG.

The same figure as ``recist.plots.plot_target_sum`` — the same numbers, from
``recist.plots.target_sum_course`` — drawn as a few SVG elements instead of through
matplotlib: a patient page needs one per patient, and this takes about a millisecond where
matplotlib takes ~70 ms (a 60-patient report spends seconds less). Axes: y from 0 mm with
round ticks, x in days with one tick per scan (visit and date); the sum as a dark line with
points labelled with each overall response; the PR threshold (blue, fixed) and the PD
threshold (vermillion, steps moving with the nadir), both dashed and named in a legend.
Every text is escaped.
"""

from __future__ import annotations

import math

import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.plots import _PD_LINE, _PR_LINE, target_sum_course
from recist.report.html import esc

__all__ = ["nice_ticks", "target_sum_svg"]

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 62, 16, 34, 82
INK = "#1d2733"
#: Text colours of the responses: the report's badge colours, dark enough on white.
TEXT_COLOURS = {"CR": "#0072B2", "PR": "#2b7bb0", "SD": "#00795a", "NON-CR/NON-PD": "#a8578a",
                "PD": "#c0470b", "NE": "#767676"}


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2, 2.5 or 5 × 10^k).

    >>> nice_ticks(21.7)
    [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
    >>> nice_ticks(0.0)
    [0.0, 1.0]
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def target_sum_svg(timepoints: pd.DataFrame, patient_id: str,
                   criteria: Criteria = RECIST_1_1) -> bytes:
    """The figure as SVG bytes (``RecistDataError`` without a target sum)."""
    course = target_sum_course(timepoints, patient_id, criteria)
    first, last = min(course.dates), max(course.dates)
    span = max((last - first).days, 1)
    pad = span * 0.06 if last > first else 7.0
    ticks = nice_ticks(course.top * 1.2 + 1)
    y_top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(date) -> float:
        return LEFT + ((date - first).days + pad) / (span + 2 * pad) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / y_top)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{WIDTH / 2:.1f}" y="20" text-anchor="middle" font-size="14" '
           f'fill="{INK}">Target sum of patient {esc(patient_id)}</text>']
    for tick in ticks:  # y grid, ticks and labels
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                   f'y2="{y(tick):.1f}" stroke="#e3e8ee" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                   f'font-size="11" fill="{INK}">{tick:g}</text>')
    out.append(f'<text transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle" font-size="11" fill="{INK}">Sum of target diameters '
               "(mm)</text>")
    for date, visit in zip(course.dates, course.visits):  # one x tick per scan
        label_y = TOP + plot_h + 16
        out.append(f'<line x1="{x(date):.1f}" x2="{x(date):.1f}" y1="{TOP + plot_h}" '
                   f'y2="{TOP + plot_h + 4}" stroke="{INK}"/>')
        out.append(f'<text x="{x(date):.1f}" y="{label_y}" text-anchor="middle" '
                   f'font-size="10" fill="{INK}">{esc(visit)}<tspan x="{x(date):.1f}" '
                   f'dy="13">{date:%Y-%m-%d}</tspan></text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
               f'stroke="{INK}" stroke-width="1"/>')
    out.append(f'<line class="pr" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(course.pr_level):.2f}" '
               f'y2="{y(course.pr_level):.2f}" stroke="{_PR_LINE}" stroke-width="1.4" '
               'stroke-dasharray="6 4"/>')
    if course.pd_x:
        points = [(x(course.pd_x[0]), y(course.pd_y[0]))]
        for date, level in zip(course.pd_x[1:], course.pd_y[1:]):
            points.append((points[-1][0], y(level)))  # the new level from the previous scan
            points.append((x(date), y(level)))
        out.append('<polyline class="pd" fill="none" stroke="' + _PD_LINE + '" '
                   'stroke-width="1.4" stroke-dasharray="6 4" points="'
                   + " ".join(f"{px:.2f},{py:.2f}" for px, py in points) + '"/>')
    drawn = [(x(d), y(v), label) for d, v, label in zip(course.dates, course.sums,
                                                        course.labels) if not math.isnan(v)]
    out.append(f'<polyline class="sum" fill="none" stroke="{INK}" stroke-width="2.2" '
               'points="' + " ".join(f"{px:.2f},{py:.2f}" for px, py, _ in drawn) + '"/>')
    for px, py, label in drawn:
        colour = TEXT_COLOURS.get(label, INK)
        out.append(f'<circle cx="{px:.2f}" cy="{py:.2f}" r="4" fill="{INK}"/>')
        out.append(f'<text class="response" x="{px:.2f}" y="{py - 9:.2f}" '
                   f'text-anchor="middle" font-size="12" font-weight="bold" '
                   f'fill="{colour}">{esc(label)}</text>')
    legend = [(INK, "", "sum of target diameters"),
              (_PR_LINE, "6 4", f"PR: −{criteria.pr_decrease_pct:g}% from baseline "
                                f"({course.pr_level:.1f} mm)"),
              (_PD_LINE, "6 4", f"PD: +{criteria.pd_increase_pct:g}% and "
                                f"+{criteria.pd_min_increase_mm:g} mm over nadir")]
    lx, ly = float(LEFT), HEIGHT - 10  # one row under the axes: the curve stays uncovered
    for colour, dash, text in legend:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{lx}" x2="{lx + 26}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2"{dashes}/>')
        out.append(f'<text x="{lx + 32}" y="{ly}" font-size="11" fill="{INK}">'
                   f"{esc(text)}</text>")
        lx += 32 + 6.3 * len(text) + 22
    out.append("</svg>")
    return "\n".join(out).encode("utf-8")
