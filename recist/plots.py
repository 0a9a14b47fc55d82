"""The standard oncology figures: waterfall, spider, swimmer, Kaplan–Meier, lesion curves.

One API for all: every function draws on ``ax`` (a new figure's axes when None) and
returns the axes; none calls ``plt.show()``. Inputs are the tables of ``recist.respond``
(``timepoints``, ``patient_summary``), the patients table (``start_date``, ``death_date``,
``last_contact_date``, ``arm``) and the measurements table. Thresholds drawn on the
figures come from a ``Criteria`` (RECIST 1.1 defaults), never from bare numbers, and every
reference line carries its label (``PD +20%``, ``PR −30%``).

Colours are colour-blind safe: groups take the Okabe–Ito palette (``PALETTE``; Okabe &
Ito, "Color Universal Design", 2008) and responses ``BOR_COLOURS`` (blues for CR/PR,
bluish green for SD, vermillion for PD, grey for NE). ``color_by=`` names any column of
the tables given (``arm`` of the patients table, ``evaluator`` of a BICR time point table,
a ``criteria`` column …): a column of the plotted table splits its rows (one bar or line
per patient and value), any other is looked up per patient in the summary, then the
patients table. Text is at least 8 pt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.plot_pages import PER_PAGE, page_count, page_rows, page_title
from recist.vocabulary import OverallResponse

__all__ = [
    "BOR_COLOURS",
    "PALETTE",
    "TargetSumCourse",
    "best_pct_change",
    "PER_PAGE",
    "group_colours",
    "page_count",
    "page_margins",
    "page_rows",
    "page_title",
    "plot_kaplan_meier",
    "plot_lesion_trajectories",
    "plot_spider",
    "plot_swimmer",
    "plot_target_sum",
    "plot_waterfall",
    "page_figure_size",
    "target_sum_course",
]

_R = OverallResponse
BOR_COLOURS = {
    _R.CR.value: "#0072B2", _R.PR.value: "#56B4E9", _R.SD.value: "#009E73",
    _R.NON_CR_NON_PD.value: "#CC79A7", _R.PD.value: "#D55E00", _R.NE.value: "#999999",
}
"""Colour of each response category (Okabe–Ito, colour-blind safe)."""
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
           "#F0E442")
"""Okabe–Ito colours of groups (arms, readers …), in order."""
_NO_GROUP = "#4c4c4c"
_PD_LINE = "#D55E00"
_PR_LINE = "#0072B2"
_SMALL = 8  # pt, the smallest text on a figure
ROW_INCHES = 0.17
"""Height (swimmer) or width (waterfall) given to each patient: an 8 pt label (0.11 in)
plus a gap, so neighbouring labels never touch."""
_REFERENCE_GREY = "#666666"


def page_figure_size(kind: str, n_rows: int) -> tuple[float, float]:
    """(width, height) in inches of a ``swimmer`` or ``waterfall`` page of ``n_rows``
    patients: ``ROW_INCHES`` per patient (swimmer: down, waterfall: across) plus room for
    the title, axes and legend, 11 in across at least.

    >>> page_figure_size("swimmer", 60), page_figure_size("waterfall", 60)
    ((11.0, 11.6), (11.6, 4.6))
    """
    length = round(max(3.0, ROW_INCHES * n_rows + 1.4), 2)
    if kind == "swimmer":
        return 11.0, length
    if kind == "waterfall":
        return max(11.0, length), 4.6
    raise ValueError(f"page_figure_size: kind is swimmer or waterfall, not {kind!r}")


def page_margins(kind: str, size: tuple[float, float],
                 longest_label: int) -> dict[str, float]:
    """Fixed margins (fractions, as ``Figure.subplots_adjust`` takes them) of a
    ``swimmer``, ``waterfall`` or ``spider`` figure of ``size`` inches whose longest
    patient label has ``longest_label`` characters: room for the 8 pt patient labels
    (0.7 em a character, more than any digit or capital takes), the axis labels, the
    title, the legend above a spider and the reference-line labels at the right. Drawing
    with them skips the constrained-layout pass, about a third of a figure's time.

    >>> page_margins("swimmer", (11.0, 11.6), 7)
    {'left': 0.0995, 'right': 0.9773, 'top': 0.9655, 'bottom': 0.0474}
    """
    width, height = size
    label = longest_label * _SMALL * 0.7 / 72 + 0.1  # inches
    inches = {"swimmer": (0.45 + label, 0.25, 0.4, 0.55),
              "waterfall": (0.8, 0.85, 0.6, 0.45 + label),
              "spider": (0.8, 0.85, 0.6, 0.55)}
    if kind not in inches:
        raise ValueError(f"page_margins: kind is swimmer, waterfall or spider, not {kind!r}")
    left, right, top, bottom = inches[kind]
    return {"left": round(left / width, 4), "right": round(1 - right / width, 4),
            "top": round(1 - top / height, 4), "bottom": round(bottom / height, 4)}


def _axes(ax, size: tuple[float, float] = (8, 4.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _figure, ax = plt.subplots(figsize=size)
    return ax


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def group_colours(values: Sequence[object]) -> dict[str, str]:
    """Colour of each distinct value (sorted), from ``PALETTE`` in order.

    >>> group_colours(["B", "A", "B"])
    {'A': '#0072B2', 'B': '#E69F00'}
    """
    names = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _no_color_column(color_by: str, where: str, columns: Iterable[object]) -> RecistDataError:
    """The refusal of a ``color_by`` that names no column of the table(s) plotted
    (``where``), with the columns it may name."""
    names = ", ".join(dict.fromkeys(map(str, columns)))
    return RecistDataError(f"color_by={color_by!r}: no such column in the {where}; name one "
                           f"of {names}")


def _color_column(table: pd.DataFrame, color_by: str, where: str) -> pd.Series:
    """``table[color_by]`` as text, a missing value drawn as the group ``—``; refused
    (:func:`_no_color_column`) when ``table`` has no such column."""
    if color_by not in table.columns:
        raise _no_color_column(color_by, where, table.columns)
    return table[color_by].astype("string").fillna("—")


def _bor(summary: pd.DataFrame, bor_column: str | None) -> pd.Series:
    column = bor_column or ("confirmed_bor" if "confirmed_bor" in summary.columns
                            and summary["confirmed_bor"].notna().any() else "bor")
    return summary.drop_duplicates("patient_id").set_index(
        summary.drop_duplicates("patient_id")["patient_id"].astype(str))[column].astype(
        "string").fillna("NE")


def _per_patient(column: str, *tables: pd.DataFrame | None) -> pd.Series:
    """``column`` per patient id from the first table that has it (error otherwise)."""
    for frame in tables:
        if frame is not None and column in frame.columns and "patient_id" in frame.columns:
            first = frame.drop_duplicates("patient_id")
            return first.set_index(first["patient_id"].astype(str))[column].astype("string")
    raise _no_color_column(
        column, "tables given (the summary, the patients table or the plotted table)",
        [name for frame in tables if frame is not None for name in frame.columns])


def _start_dates(timepoints: pd.DataFrame, patients: pd.DataFrame | None) -> pd.Series:
    """start_date per patient (patients table), else the baseline scan date (DEC-7)."""
    first = timepoints.assign(date=_dates(timepoints["date"])).groupby(
        timepoints["patient_id"].astype(str))["date"].min()
    if patients is not None and "start_date" in patients.columns:
        start = _dates(patients["start_date"])
        start.index = patients["patient_id"].astype(str)
        first = start.reindex(first.index).fillna(first)
    return first


def _labelled_line(ax, value: float, text: str, colour: str, linestyle: str = "--") -> None:
    """A horizontal reference line at ``value`` with ``text`` written at its right end."""
    from matplotlib.transforms import blended_transform_factory

    transform = blended_transform_factory(ax.transAxes, ax.transData)
    ax.axhline(value, color=colour, linestyle=linestyle, linewidth=1.1, zorder=1,
               label=f"_reference {text}")
    ax.text(1.0, value, f" {text}", transform=transform, color=colour,
            fontsize=_SMALL, va="center", ha="left", clip_on=False)


def _reference_lines(ax, criteria: Criteria) -> None:
    """The PD (+20 %) and PR (−30 %) lines of % change plots, labelled at the right."""
    _labelled_line(ax, criteria.pd_increase_pct, f"PD +{criteria.pd_increase_pct:g}%",
                   _PD_LINE)
    _labelled_line(ax, -criteria.pr_decrease_pct, f"PR −{criteria.pr_decrease_pct:g}%",
                   _PR_LINE)
    ax.axhline(0, color="black", linewidth=0.8, zorder=1)


def best_pct_change(timepoints: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Best (smallest) % change of the target sum from baseline after baseline, per patient.

    Only time points with a ``pct_from_baseline`` count; patients without one are left
    out (no target lesions, or no evaluable follow-up). With ``by`` (a column of
    ``timepoints``), one value per patient and value of ``by``, indexed by both.
    """
    values = pd.to_numeric(timepoints["pct_from_baseline"], errors="coerce")
    dates = _dates(timepoints["date"])
    keys = [timepoints["patient_id"].astype(str)]
    if by is not None:
        keys.append(timepoints[by].astype(str))
    baseline = dates == dates.groupby(keys).transform("min")
    follow = values[~baseline & values.notna()]
    return follow.groupby([k[follow.index] for k in keys]).min()


def _split_and_colour(table: pd.DataFrame, color_by: str | None,
                      *lookups: pd.DataFrame | None) -> tuple[str | None, pd.Series | None]:
    """(column of ``table`` to split rows by, or None; per-patient values, or None)."""
    if color_by is None:
        return None, None
    if color_by in table.columns and color_by != "patient_id":
        return color_by, None
    return None, _per_patient(color_by, *lookups)


def plot_waterfall(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                   patients: pd.DataFrame | None = None, *, ax=None,
                   bor_column: str | None = None, by_arm: bool = False,
                   color_by: str | None = None, criteria: Criteria = RECIST_1_1,
                   page: int | None = None, per_page: int = PER_PAGE):
    """Waterfall: one bar per patient, best % change of the target sum from baseline.

    Bars run from the largest increase to the largest decrease. Without ``color_by`` a
    bar's colour is the patient's BOR (``BOR_COLOURS``); with it, the group's colour
    (``PALETTE``) and the BOR is written at the bar's end. ``by_arm`` puts each arm's
    bars apart, named above (and colours by arm). Dashed, labelled lines mark
    +``criteria.pd_increase_pct`` and −``criteria.pr_decrease_pct``.

    With ``page`` (0-based) only that page's bars are drawn: the bars in the order above,
    split into ``page_count(n, per_page)`` consecutive pages (``page_rows``), every page
    with the whole cohort's y range so pages compare. Labels stay 8 pt; a page of
    ``per_page`` bars needs about ``ROW_INCHES`` of width per bar (``page_figure_size``).
    """
    ax = _axes(ax)
    if by_arm and color_by is None and patients is not None and "arm" in patients.columns:
        color_by = "arm"
    split, lookup = _split_and_colour(timepoints, color_by, patient_summary, patients)
    best = best_pct_change(timepoints, by=split)
    if best.empty:
        raise RecistDataError("waterfall: no patient has a % change from baseline after "
                              "baseline (are there target lesions and follow-up scans?)")
    if split is not None:
        frame = pd.DataFrame({"patient": best.index.get_level_values(0),
                              "group": best.index.get_level_values(1), "best": best.values})
    else:
        frame = pd.DataFrame({"patient": best.index.astype(str), "best": best.values})
        frame["group"] = (frame["patient"].map(lookup).fillna("—") if lookup is not None
                          else "")
    frame["bor"] = frame["patient"].map(_bor(patient_summary, bor_column)).fillna("NE")
    colour_of = group_colours(frame["group"]) if color_by else {}
    low, high = float(frame["best"].min()), float(frame["best"].max())
    blocks = sorted(frame["group"].unique()) if by_arm else [None]
    ordered = []
    for block in blocks:
        group = frame if block is None else frame[frame["group"] == block]
        ordered.extend(group.sort_values(["best", "patient"], ascending=[False, True]).index)
    n_bars = len(ordered)
    rows = page_rows(n_bars, page, per_page) if page is not None else slice(0, n_bars)
    frame = frame.loc[ordered[rows]]
    position = 0.0
    positions: list[float] = []
    for block in blocks:
        shown = len(frame) if block is None else int((frame["group"] == block).sum())
        if not shown:
            continue
        start = position
        positions.extend(position + np.arange(shown))
        position += shown
        if block is not None:
            ax.text((start + position - 1) / 2, 1.02, str(block), ha="center", va="bottom",
                    transform=ax.get_xaxis_transform(), fontsize=9,
                    color=colour_of.get(str(block), _NO_GROUP))
        position += 1.5
    if color_by:
        colours = [colour_of.get(str(g), _NO_GROUP) for g in frame["group"]]
    else:
        colours = [BOR_COLOURS.get(b, "#333333") for b in frame["bor"]]
    ax.bar(positions, frame["best"].to_numpy(), color=colours, width=0.8, zorder=2)
    _reference_lines(ax, criteria)
    if color_by:
        for x, (value, bor) in zip(positions, zip(frame["best"], frame["bor"])):
            ax.text(x, value + (2 if value >= 0 else -2), str(bor), rotation=90,
                    ha="center", va="bottom" if value >= 0 else "top", fontsize=_SMALL,
                    color="#333333")
    ax.set_ylabel("Best change of target sum (%)")
    ax.set_xticks(positions)
    labels = list(frame["patient"]) if split is None else [
        f"{p} · {g}" for p, g in zip(frame["patient"], frame["group"])]
    ax.set_xticklabels(labels, rotation=90, fontsize=_SMALL)
    ax.set_xlim(min(positions) - 1, max(positions) + 1)
    ax.set_ylim(min(low - 12, -criteria.pr_decrease_pct - 10),
                max(high + 12, criteria.pd_increase_pct + 10))
    ax.set_xlabel("Patient")
    from matplotlib.patches import Patch

    if color_by:
        handles = [Patch(color=c, label=g) for g, c in colour_of.items()]
        title = color_by
    else:
        present = [b for b in BOR_COLOURS if b in set(frame["bor"])]
        handles = [Patch(color=BOR_COLOURS[b], label=b) for b in present]
        title = "BOR"
    ax.legend(handles=handles, title=title, loc="upper right", fontsize=_SMALL,
              title_fontsize=_SMALL)
    ax.set_title(page_title("Waterfall: best % change from baseline", n_bars, page, per_page),
                 pad=18 if by_arm else 6)
    return ax


def plot_spider(timepoints: pd.DataFrame, patients: pd.DataFrame | None = None, *,
                ax=None, by_arm: bool = False, color_by: str | None = None,
                criteria: Criteria = RECIST_1_1, label_lines: bool | None = None,
                patient_summary: pd.DataFrame | None = None, group: object | None = None):
    """Spider: % change of the target sum from baseline over days since start, per patient.

    One line per patient (and ``color_by`` value when it is a column of ``timepoints``)
    with a ``pct_from_baseline``, baseline at 0 %; coloured by ``color_by`` (``by_arm`` is
    ``color_by="arm"``). ``label_lines`` writes the patient id at each line's end (default:
    up to 15 lines). Labelled PD/PR reference lines.

    ``group`` (a value of ``color_by``) draws that group's lines only, in its colour, on
    the axis ranges of all lines, so one panel per arm compares. Lines fade as they
    grow many (``_line_alpha``) so that crossings stay visible.
    """
    ax = _axes(ax)
    if by_arm and color_by is None:
        color_by = "arm"
    split, lookup = _split_and_colour(timepoints, color_by, patient_summary, patients)
    start = _start_dates(timepoints, patients)
    frame = timepoints.copy()
    frame["patient_id"] = frame["patient_id"].astype(str)
    frame["date"] = _dates(frame["date"])
    frame["days"] = (frame["date"] - frame["patient_id"].map(start)).dt.days
    frame["_group"] = frame[split].astype(str) if split is not None else (
        frame["patient_id"].map(lookup).fillna("—") if lookup is not None else "")
    keys = ["patient_id", "_group"]
    pct = pd.to_numeric(frame["pct_from_baseline"], errors="coerce")
    baseline = frame["date"] == frame.groupby(keys)["date"].transform("min")
    frame["pct"] = pct.where(~baseline, 0.0)
    colour_of = group_colours(frame["_group"]) if color_by else {}
    lines = []
    for (patient, group_name), rows in frame.groupby(keys, sort=True):
        rows = rows[rows["pct"].notna()].sort_values("date")
        if len(rows) < 2 or baseline[rows.index].sum() == 0:
            continue
        lines.append((patient, group_name, rows))
    if group is not None:
        if not color_by:
            raise RecistDataError("spider: group= needs color_by (the column it is a value "
                                  "of)")
        everything = pd.concat([g for _, _, g in lines]) if lines else frame.iloc[:0]
        lines = [line for line in lines if str(line[1]) == str(group)]
        if not lines:
            raise RecistDataError(f"spider: no line has {color_by} {group!r}")
        if len(everything):
            _pad_limits(ax, everything["days"], pd.concat([everything["pct"], pd.Series(
                [criteria.pd_increase_pct, -criteria.pr_decrease_pct])]))
    label_lines = len(lines) <= 15 if label_lines is None else label_lines
    alpha = _line_alpha(len(lines))
    labelled = set()
    for patient, group_name, rows in lines:
        colour = colour_of.get(str(group_name), _NO_GROUP) if color_by else _NO_GROUP
        label = None
        if color_by and group_name not in labelled:
            label = str(group_name)
            labelled.add(group_name)
        ax.plot(rows["days"].to_numpy(), rows["pct"].to_numpy(), marker="o",
                markersize=3, linewidth=1.2, color=colour, label=label, alpha=alpha,
                zorder=2)
        if label_lines:
            ax.annotate(str(patient), (rows["days"].iloc[-1], rows["pct"].iloc[-1]),
                        xytext=(3, 0), textcoords="offset points", fontsize=_SMALL,
                        color=colour, va="center")
    _reference_lines(ax, criteria)
    ax.set_xlabel("Days since start")
    ax.set_ylabel("Change of target sum from baseline (%)")
    ax.set_title("Spider plot" if group is None else f"Spider plot: {group}")
    if labelled and group is None:  # a panel of one group says which in its title
        handles, names = ax.get_legend_handles_labels()
        order = sorted(range(len(names)), key=lambda i: names[i])
        ax.legend([handles[i] for i in order], [names[i] for i in order], title=color_by,
                  fontsize=_SMALL, title_fontsize=_SMALL, loc="lower left",
                  bbox_to_anchor=(0.0, 1.0), ncol=min(len(names), 4), frameon=False)
    return ax


def _line_alpha(n_lines: int) -> float:
    """Opacity of spider lines: 0.85 up to 60 lines, then falling as 1/sqrt(n) to 0.25 so
    that a few hundred lines read as a density with the outliers still visible.

    >>> _line_alpha(10), _line_alpha(240), round(_line_alpha(1000), 2)
    (0.85, 0.425, 0.25)
    """
    return max(0.25, 0.85 * min(1.0, (60 / max(n_lines, 1)) ** 0.5))


def _pad_limits(ax, x: pd.Series, y: pd.Series) -> None:
    """Axis ranges that hold every (x, y) given with a 5 % margin (panels compare)."""
    for values, setter in ((x, ax.set_xlim), (y, ax.set_ylim)):
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        margin = 0.05 * (high - low) or 1.0
        setter(low - margin, high + margin)


def plot_swimmer(patient_summary: pd.DataFrame, timepoints: pd.DataFrame,
                 patients: pd.DataFrame | None = None, *, ax=None,
                 color_by: str | None = None, page: int | None = None,
                 per_page: int = PER_PAGE):
    """Swimmer: time on study per patient with response onset, PD, death and ongoing arrows.

    A bar runs from start (day 0) to the last of: last assessment, death, last contact.
    Markers: ▲ first response (``response_date``), ✕ progression (``pd_date``),
    ■ death; an arrow at the end of the bar when the patient is still progression-free
    and alive (no PFS event). Bars are coloured by ``color_by`` (default: the arm, when
    the patients table has one). Patient labels are 8 pt: size the figure to the number
    of patients drawn (``page_figure_size``: ``ROW_INCHES`` per patient).

    With ``page`` (0-based) only that page's patients are drawn: the patients from the
    longest time on study down, split into ``page_count(n, per_page)`` consecutive pages
    (``page_rows``), each page with the whole cohort's time axis so pages compare.
    """
    start = _start_dates(timepoints, patients)
    last = _dates(timepoints["date"]).groupby(timepoints["patient_id"].astype(str)).max()
    summary = patient_summary.drop_duplicates("patient_id").copy()
    summary.index = summary["patient_id"].astype(str)
    ends = pd.DataFrame({"last": last})
    death = pd.Series(pd.NaT, index=ends.index, dtype="datetime64[ns]")
    if patients is not None:
        table = patients.set_index(patients["patient_id"].astype(str))
        for column in ("death_date", "last_contact_date"):
            if column in table.columns:
                values = _dates(table[column]).reindex(ends.index)
                ends[column] = values
                if column == "death_date":
                    death = values
    end_date = ends.max(axis=1)
    days = (end_date - start.reindex(end_date.index)).dt.days.astype(float)
    order = days.sort_values(kind="stable").index
    n_rows = len(order)
    rows = page_rows(n_rows, page, per_page) if page is not None else slice(0, n_rows)
    if page is not None:
        order = order[::-1][rows][::-1]
    ax = _axes(ax, page_figure_size("swimmer", len(order)))
    if color_by is None and patients is not None and "arm" in patients.columns:
        color_by = "arm"
    groups = _per_patient(color_by, summary, patients) if color_by else None
    colour_of = (group_colours(groups.reindex(days.index).dropna()) if groups is not None
                 else {})
    y = np.arange(len(order))
    colours = [colour_of.get(str(groups.get(p)), "#bbbbbb") if groups is not None
               else "#9ecae1" for p in order]
    ax.barh(y, days[order].to_numpy(), color=colours, height=0.65, alpha=0.55)

    def offsets(column: str) -> np.ndarray:
        if column not in summary.columns:
            return np.full(len(order), np.nan)
        dates = _dates(summary[column]).reindex(order)
        return (dates - start.reindex(order)).dt.days.to_numpy(dtype=float)

    response, progression = offsets("response_date"), offsets("pd_date")
    died = (death.reindex(order) - start.reindex(order)).dt.days.to_numpy(dtype=float)
    ax.scatter(response, y, marker="^", color=BOR_COLOURS["CR"], s=28, zorder=3,
               edgecolors="black", linewidths=0.4, label="Response onset")
    ax.scatter(progression, y, marker="X", color=_PD_LINE, s=30, zorder=3,
               label="Progression")
    ax.scatter(died, y, marker="s", color="black", s=20, zorder=3, label="Death")
    event = summary["pfs_event"].reindex(order).map(
        lambda v: str(v).strip().lower() in ("true", "1", "yes")) if "pfs_event" in \
        summary.columns else pd.Series(False, index=order)
    ongoing = ~event.to_numpy(dtype=bool) & np.isnan(died)
    span = float(np.nanmax(days.to_numpy())) if len(days) else 1.0
    for row in np.flatnonzero(ongoing):
        ax.annotate("", xy=(days[order[row]] + 0.04 * span, y[row]),
                    xytext=(days[order[row]], y[row]),
                    arrowprops={"arrowstyle": "->", "color": "#333333"})
    ax.scatter([], [], marker=r"$\rightarrow$", color="#333333", label="Ongoing")
    ax.set_yticks(y)
    ax.set_yticklabels(list(order), fontsize=_SMALL)
    ax.set_ylim(-0.8, len(order) - 0.2)
    ax.set_xlim(0, span * 1.08 if span > 0 else 1)
    ax.set_xlabel("Days since start")
    ax.set_ylabel("Patient")
    ax.set_title(page_title("Swimmer plot", n_rows, page, per_page))
    from matplotlib.patches import Patch

    handles = ax.get_legend_handles_labels()[0]
    handles += [Patch(color=c, alpha=0.55, label=str(a)) for a, c in colour_of.items()]
    ax.legend(handles=handles, fontsize=_SMALL, loc="lower right", framealpha=0.95)
    return ax


def plot_kaplan_meier(patient_summary: pd.DataFrame, patients: pd.DataFrame | None = None,
                      *, endpoint: str = "pfs", ax=None, at_risk: bool = True,
                      confidence: float = 0.95, criteria: Criteria = RECIST_1_1,
                      color_by: str | None = "arm", medians: bool = True,
                      title: str | None = None):
    """Kaplan–Meier curve(s) of PFS or DoR per group, CI as dotted steps, at-risk table.

    Uses ``recist.stats`` to select durations and events (DoR: responders only). One
    curve per value of ``color_by`` (``arm`` by default, looked up in the summary, then
    the patients table; all patients together when absent). The confidence band of each
    curve is drawn as two thin dotted step lines of its colour (bands filled on top of
    each other blend into colours no curve has); censored patients are ticks; with
    ``medians`` a dashed line marks each reached median, labelled with its value. With
    ``at_risk`` the numbers at risk are written under the axes (lifelines).
    """
    from recist.stats import _endpoint_data, fit_kaplan_meier

    ax = _axes(ax, (8, 5))
    frame = _endpoint_data(patient_summary.copy(), endpoint, criteria)
    if frame.empty:
        raise RecistDataError(f"Kaplan–Meier: no patient has {endpoint}_days")
    groups_of = None
    if color_by is not None:
        try:
            groups_of = _per_patient(color_by, patient_summary, patients)
        except RecistDataError:
            if color_by != "arm":
                raise
    if groups_of is not None:
        frame["_group"] = frame["patient_id"].astype(str).map(groups_of)
    groups = ([(str(a), g) for a, g in frame.groupby(frame["_group"].astype("string"))]
              if groups_of is not None and frame["_group"].notna().any()
              else [("All", frame)])
    colour_of = group_colours([name for name, _ in groups])
    fitters = []
    for name, group in groups:
        colour = colour_of[name] if len(groups) > 1 else PALETTE[0]
        fitter = fit_kaplan_meier(group["days"], group["event"], label=name,
                                  confidence=confidence)
        fitter.plot_survival_function(ax=ax, ci_show=False, show_censors=True,
                                      color=colour, linewidth=1.8,
                                      censor_styles={"marker": "|", "ms": 7})
        band = fitter.confidence_interval_survival_function_
        for column in band.columns:
            ax.step(band.index, band[column], where="post", color=colour, linewidth=0.8,
                    linestyle=":", label="_band")
        median = float(fitter.median_survival_time_)
        if medians and np.isfinite(median):
            ax.plot([0, median, median], [0.5, 0.5, 0], color=colour, linewidth=0.9,
                    linestyle="--", label="_median")
            ax.annotate(f"median {median:.0f} d", (median, 0.02), xytext=(3, 0),
                        textcoords="offset points", fontsize=_SMALL, color=colour,
                        rotation=90, va="bottom")
        fitters.append(fitter)
    if at_risk:
        from lifelines.plotting import add_at_risk_counts

        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
        for text in ax.figure.axes[-1].texts if len(ax.figure.axes) > 1 else []:
            text.set_fontsize(_SMALL)
    names = {"pfs": "Progression-free survival", "dor": "Duration of response"}
    name = title or names.get(endpoint.lower(), endpoint)
    ax.set_xlabel("Days")
    ax.set_ylabel(f"{name} probability")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    ax.set_title(f"Kaplan–Meier: {name}")
    ax.legend(fontsize=_SMALL, loc="upper right")
    return ax


@dataclass(frozen=True)
class TargetSumCourse:
    """What the target-sum figure of one patient shows (``target_sum_course``)."""

    dates: list
    """Scan date of each time point, in order (``pandas.Timestamp``)."""
    visits: list[str]
    sums: list[float]
    """Sum of target diameters (NaN when not evaluable)."""
    labels: list[str]
    """``baseline``, then each time point's overall response (``—`` when none)."""
    pr_level: float
    """baseline × (1 − ``pr_decrease_pct``/100) (TGT-PR, SUM-2)."""
    pd_x: list
    """Dates of the PD threshold's steps: the previous scan, then each follow-up."""
    pd_y: list[float]
    """The PD threshold holding up to each ``pd_x`` (TGT-PD, SUM-8)."""
    top: float
    """The largest value drawn (sum, threshold, baseline)."""


def target_sum_course(timepoints: pd.DataFrame, patient_id: str,
                      criteria: Criteria = RECIST_1_1) -> TargetSumCourse:
    """The sums, labels and thresholds of one patient's target-sum figure.

    The PR threshold is fixed by the baseline sum (baseline × (1 − ``pr_decrease_pct``/100),
    TGT-PR, SUM-2); the PD threshold moves with the nadir each time point is compared with
    (the larger of nadir × (1 + ``pd_increase_pct``/100) and nadir +
    ``pd_min_increase_mm``, TGT-PD, SUM-8) and holds from the previous scan up to the time
    point it judges.
    """
    rows = timepoints[timepoints["patient_id"].astype(str) == str(patient_id)].copy()
    rows["date"] = _dates(rows["date"])
    rows = rows.sort_values("date", kind="stable")
    sums = pd.to_numeric(rows["sum_mm"], errors="coerce")
    if rows.empty or sums.notna().sum() == 0:
        raise RecistDataError(f"target sum: patient {patient_id} has no sum of target "
                              "diameters (no target lesion)")
    dates = rows["date"]
    baseline = pd.to_numeric(rows["baseline_sum_mm"], errors="coerce").dropna()
    base = float(baseline.iloc[0]) if len(baseline) else float(sums.dropna().iloc[0])
    nadir = pd.to_numeric(rows["nadir_mm"], errors="coerce")
    threshold = np.maximum(nadir * (1 + criteria.pd_increase_pct / 100),
                           nadir + criteria.pd_min_increase_mm)
    follow = threshold.notna().to_numpy() & (dates > dates.min()).to_numpy()
    pd_x: list = []
    pd_y: list[float] = []
    if follow.any():
        pd_x = [dates.iloc[int(np.flatnonzero(follow)[0]) - 1]] + list(dates[follow])
        pd_y = [float(threshold[follow].iloc[0])] + [float(v) for v in threshold[follow]]
    labels = []
    for date, response in zip(dates, rows["overall_response"]):
        labels.append("baseline" if date == dates.min() else (
            str(response) if isinstance(response, str) and response else "—"))
    visits = (rows["visit"].astype("string").fillna("").tolist() if "visit" in rows.columns
              else [""] * len(rows))
    top = float(np.nanmax([sums.max(), max(pd_y) if pd_y else 0.0, base]))
    return TargetSumCourse(dates=list(dates), visits=[str(v) for v in visits],
                           sums=[float(v) for v in sums], labels=labels,
                           pr_level=base * (1 - criteria.pr_decrease_pct / 100),
                           pd_x=pd_x, pd_y=pd_y, top=top)


def plot_target_sum(timepoints: pd.DataFrame, patient_id: str, *, ax=None,
                    criteria: Criteria = RECIST_1_1, color_by: str | None = None):
    """One patient's sum of target diameters over time with the thresholds that judge it.

    The y axis starts at 0 mm; the PR threshold (fixed by the baseline) and the PD
    threshold (moving with the nadir, in steps) are those of ``target_sum_course``; each
    time point is labelled with its overall response. ``color_by`` (a column of
    ``timepoints``, e.g. the ``evaluator`` of a BICR time point table) draws one sum per
    value with its own thresholds, all in the value's colour (``group_colours``).
    """
    ax = _axes(ax, (8, 4))
    series: list[tuple[str, pd.DataFrame, str | None]] = []
    if color_by is None:
        series.append(("", timepoints, None))
    else:
        if color_by not in timepoints.columns:
            raise RecistDataError(f"color_by={color_by!r}: no such column in the time point "
                                  "table; name one of its columns, e.g. evaluator")
        rows = timepoints[timepoints["patient_id"].astype(str) == str(patient_id)]
        values = rows[color_by].astype("string").fillna("—")
        series = [(f"{name}: ", rows[values == name], colour)
                  for name, colour in group_colours(values).items()]
    visits: dict = {}
    top = 0.0
    for prefix, rows, colour in series:
        course = target_sum_course(rows, patient_id, criteria)
        visits.update(zip(course.dates, course.visits))
        top = max(top, course.top)
        ax.plot(pd.Series(course.dates), course.sums, marker="o", color=colour or "#1d2733",
                linewidth=1.8, zorder=3, label=f"{prefix}sum of target diameters")
        ax.axhline(course.pr_level, color=colour or _PR_LINE, linestyle="--", linewidth=1.1,
                   zorder=1, label=f"{prefix}PR: −{criteria.pr_decrease_pct:g}% from "
                                   f"baseline ({course.pr_level:.1f} mm)")
        if course.pd_x:
            ax.step(course.pd_x, course.pd_y, where="pre", color=colour or _PD_LINE,
                    linestyle="-." if colour else "--", linewidth=1.1, zorder=1,
                    label=f"{prefix}PD: +{criteria.pd_increase_pct:g}% and "
                          f"+{criteria.pd_min_increase_mm:g} mm over nadir")
        for date, value, text in zip(course.dates, course.sums, course.labels):
            ax.annotate(text, (date, 0.0 if np.isnan(value) else value), xytext=(0, 9),
                        textcoords="offset points", ha="center", fontsize=9,
                        fontweight="bold", color=BOR_COLOURS.get(text, "#1d2733"), zorder=4)
    dates = pd.Series(sorted(visits))
    ax.set_ylim(0, top * 1.25 + 1)
    ax.set_ylabel("Sum of target diameters (mm)")
    ax.set_xticks(list(dates))
    many = len(dates) > 8
    ax.set_xticklabels([f"{visits[d]}\n{d:%Y-%m-%d}" if visits[d] else f"{d:%Y-%m-%d}"
                        for d in dates], fontsize=_SMALL,
                       rotation=45 if many else 0, ha="right" if many else "center")
    span = dates.max() - dates.min()
    pad = span * 0.06 if span > pd.Timedelta(0) else pd.Timedelta(days=7)
    ax.set_xlim(dates.min() - pad, dates.max() + pad)
    ax.set_title(f"Target sum of patient {patient_id}")
    ax.legend(fontsize=_SMALL, loc="lower left")
    return ax


def plot_lesion_trajectories(measurements: pd.DataFrame, patient_id: str, *, ax=None,
                             criteria: Criteria = RECIST_1_1,
                             color_by: str | None = "lesion_id"):
    """Diameter of each lesion of one patient over scan dates.

    Targets plot the diameter that counts (SUM-1: SA for nodes, LD otherwise; fragments of
    a split lesion added, SUM-5); ``too_small`` is drawn at ``criteria.too_small_mm``,
    ``absent`` and ``merged`` at 0 mm (SUM-4, SUM-6), ``not_evaluated`` leaves a gap.
    Non-target and new lesions with a measured diameter are drawn dashed. The y axis
    starts at 0 mm; labelled dotted lines mark the smallest measurable long axis
    (``criteria.measurable_ld_mm``, MEAS-1) and, when a lesion is a node, the short axis
    of a measurable node (``node_measurable_sa_mm``, MEAS-4) and of a normal one
    (``node_pathological_sa_mm``, MEAS-5, TGT-CR: below it a node counts as normal).

    ``color_by`` names a column of the measurements (``lesion_id`` by default: one
    Okabe–Ito colour per lesion; ``organ``, ``kind``, a reader column …): a column whose
    value changes within a lesion (two readers) splits the lesion into one line per value.
    """
    ax = _axes(ax)
    frame = measurements[measurements["patient_id"].astype(str) == str(patient_id)].copy()
    if frame.empty:
        raise RecistDataError(f"lesion trajectories: patient_id {patient_id} is not in the "
                              "measurements table")
    if color_by is not None and color_by not in frame.columns:
        raise RecistDataError(f"color_by={color_by!r}: no such column in the measurements "
                              "table; name one of its columns, e.g. lesion_id or organ")
    nodal = frame["nodal"].astype(bool).to_numpy()
    ld = pd.to_numeric(frame["ld_mm"], errors="coerce").to_numpy(dtype=float)
    sa = pd.to_numeric(frame["sa_mm"], errors="coerce").to_numpy(dtype=float)
    size = np.where(nodal, sa, ld)
    status = frame["status"].astype(str).to_numpy()
    target = frame["kind"].astype(str).to_numpy() == "target"
    size = np.where(target & (status == "too_small"), criteria.too_small_mm, size)
    size = np.where(target & np.isin(status, ["absent", "merged"]), 0.0, size)
    size = np.where(status == "not_evaluated", np.nan, size)
    frame["size"] = size
    frame["date"] = _dates(frame["date"])
    frame["_colour_group"] = frame[color_by].astype(str) if color_by else ""
    split = color_by not in (None, "lesion_id", "kind") and bool(
        (frame.groupby("lesion_id", observed=True)["_colour_group"].nunique() > 1).any())
    keys = ["lesion_id", "kind"] + (["_colour_group"] if split else [])
    summed = frame.groupby(keys + ["date"], sort=True, observed=True)["size"].sum(
        min_count=1).reset_index()
    if not split:
        summed["_colour_group"] = summed["lesion_id"].map(
            frame.drop_duplicates("lesion_id").set_index("lesion_id")["_colour_group"])
    drawn = summed.groupby(keys, sort=True, observed=True)["size"].transform("count") > 0
    colour_of = group_colours(summed.loc[drawn, "_colour_group"]) if color_by else {}
    top = 0.0
    for key, group in summed.groupby(keys, sort=True, observed=True):
        if group["size"].notna().sum() == 0:
            continue
        lesion, kind = key[0], key[1]
        is_node = bool(frame.loc[frame["lesion_id"] == lesion, "nodal"].any())
        label = f"{lesion} ({'SA' if is_node else 'LD'}, {kind})"
        name = str(group["_colour_group"].iloc[0])
        if color_by not in (None, "lesion_id"):
            label += f" · {name}"
        ax.plot(group["date"], group["size"], marker="o", label=label,
                color=colour_of.get(name, _NO_GROUP),
                linestyle="-" if kind == "target" else "--")
        top = max(top, float(group["size"].max()))
    references = {criteria.measurable_ld_mm: [f"measurable LD {criteria.measurable_ld_mm:g} mm"]}
    if nodal.any():
        for value, text in (
                (criteria.node_measurable_sa_mm,
                 f"measurable node SA {criteria.node_measurable_sa_mm:g} mm"),
                (criteria.node_pathological_sa_mm,
                 f"normal node SA < {criteria.node_pathological_sa_mm:g} mm")):
            references.setdefault(value, []).append(text)
    for value, texts in references.items():
        _labelled_line(ax, value, " · ".join(texts), _REFERENCE_GREY, ":")
    ax.set_ylim(0, max(top, *references) * 1.15 + 1)
    ax.set_xlabel("Scan date")
    ax.set_ylabel("Diameter (mm)")
    ax.set_title(f"Lesions of patient {patient_id}")
    ax.legend(fontsize=_SMALL)
    ax.figure.autofmt_xdate()
    return ax
