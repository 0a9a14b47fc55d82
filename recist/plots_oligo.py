"""Figures of follow-up after local treatment: cumulative incidence of local failure and a
swimmer plot marking every local and systemic therapy (DEC-23..DEC-27).

Like ``recist.plots``, every function draws on ``ax`` (a new figure's axes when None) and
returns the axes, none calls ``plt.show()``, colours are Okabe–Ito (``PATTERN_COLOURS``,
``recist.plots.group_colours`` for groups), ``color_by=`` names a column and text is at least
8 pt. Inputs are the tables of ``recist.pipeline.oligo.OligoResult`` (``lesions``: time to
local failure; ``patients``: the endpoints) and the therapies table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.oligo.incidence import LOCAL_CONTROL_DAYS, cumulative_incidence
from recist.plots import (
    _REFERENCE_GREY,
    _SMALL,
    PER_PAGE,
    _axes,
    _color_column,
    _no_color_column,
    group_colours,
    page_figure_size,
    page_rows,
    page_title,
)
from recist.vocabulary import TherapyKind

__all__ = ["PATTERN_COLOURS", "plot_cumulative_incidence", "plot_therapy_swimmer"]

PATTERN_COLOURS = {"local": "#D55E00", "intrapulmonary": "#E69F00",
                   "extrapulmonary": "#CC79A7", "unclassified": "#999999"}
"""Colour of each first-recurrence pattern (Okabe–Ito, colour-blind safe)."""
_DEATH = "#4c4c4c"
_MONTH_DAYS = 30.4375


def plot_cumulative_incidence(lesions: pd.DataFrame, *, ax=None,
                              color_by: str | None = None):
    """Cumulative incidence of local failure and of death first (Aalen–Johansen, DEC-27).

    ``lesions`` has ``ttlf_days`` and ``ttlf_status`` (1 local failure, 2 death first, 0
    censored). Dotted, labelled lines mark 1 and 2 years; without ``color_by`` each is
    annotated with its local control. ``color_by`` (a column of ``lesions``: ``organ``,
    ``patient_id`` …) draws one pair of curves per value in its colour (local failure
    solid, death first dashed).
    """
    ax = _axes(ax, (7, 4.5))
    if color_by is None:
        groups = [("", lesions, {1: "#D55E00", 2: _DEATH})]
    else:
        values = _color_column(lesions, color_by, "lesions table")
        groups = [(f"{name}: ", lesions[values == name], {1: colour, 2: colour})
                  for name, colour in group_colours(values).items()]
    for prefix, rows, colours in groups:
        for event, label, style in ((1, "Local failure", "-"),
                                    (2, "Death without local failure", "--")):
            curve = cumulative_incidence(rows["ttlf_days"], rows["ttlf_status"], event)
            ax.step(curve.index / _MONTH_DAYS, curve.to_numpy(), where="post",
                    color=colours[event], linestyle=style, label=f"{prefix}{label}")
    failure = cumulative_incidence(lesions["ttlf_days"], lesions["ttlf_status"], 1)
    for name, day in LOCAL_CONTROL_DAYS.items():
        if day <= float(failure.index.max()):
            ax.axvline(day / _MONTH_DAYS, color="#999999", linestyle=":", linewidth=1,
                       label="_reference")
            ax.text(day / _MONTH_DAYS, 1.0, name, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=_SMALL, color=_REFERENCE_GREY)
            if color_by is None:
                value = float(failure.iloc[int(np.searchsorted(failure.index, day,
                                                               "right")) - 1])
                ax.annotate(f"local control {100 * (1 - value):.0f}%",
                            (day / _MONTH_DAYS, value), xytext=(4, 6),
                            textcoords="offset points", fontsize=_SMALL)
    ax.set_xlabel("Months since local treatment")
    ax.set_ylabel("Cumulative incidence")
    ax.set_ylim(0, 1)
    ax.tick_params(labelsize=_SMALL)
    ax.set_title(f"Local failure of {len(lesions)} treated lesions (death competing)",
                 pad=14)
    ax.legend(fontsize=_SMALL, loc="upper left")
    return ax


def plot_therapy_swimmer(endpoints: pd.DataFrame, therapies: pd.DataFrame | None,
                         patients: pd.DataFrame | None = None, *, ax=None,
                         color_by: str | None = None, page: int | None = None,
                         per_page: int = PER_PAGE):
    """Swimmer: follow-up of each patient with local (◆) and systemic (▶) therapies,
    the first recurrence (✕, coloured by its pattern), death (■) and an arrow when alive.

    ``endpoints`` is ``OligoResult.patients`` (``os_date``, ``os_event``,
    ``first_recurrence_date``, ``first_recurrence_pattern``); days run from
    ``start_date`` (the baseline scan when missing: ``stfs_days`` and ``stfs_date`` give
    the origin back). Bars take the colour of ``color_by`` (a column of ``endpoints`` or
    of the patients table; the arm by default when there is one). Labels are 8 pt; as
    ``recist.plots.plot_swimmer``, ``page`` draws one page of ``per_page`` patients (the
    longest follow-up first) on the whole cohort's time axis (``page_figure_size``).
    """
    from matplotlib.patches import Patch

    table = endpoints.set_index(endpoints["patient_id"].astype(str))
    origin = pd.to_datetime(table["stfs_date"]) - pd.to_timedelta(
        table["stfs_days"].astype(int) - 1, unit="D")
    if patients is not None and "start_date" in patients.columns:
        given = pd.to_datetime(patients.set_index(patients["patient_id"].astype(str))
                               ["start_date"]).reindex(table.index)
        origin = given.fillna(origin)
    end = (pd.to_datetime(table["os_date"]) - origin).dt.days.astype(float)
    order = end.sort_values().index
    n_rows = len(order)
    if page is not None:
        order = order[::-1][page_rows(n_rows, page, per_page)][::-1]
    ax = _axes(ax, page_figure_size("swimmer", len(order)))
    shown = set(order)
    y = {p: i for i, p in enumerate(order)}
    if color_by is None and patients is not None and "arm" in patients.columns:
        color_by = "arm"
    colour_of: dict[str, str] = {}
    bar_colours = ["#c6dbef"] * len(order)
    if color_by is not None:
        source = next((t for t in (endpoints, patients) if t is not None
                       and color_by in t.columns), None)
        if source is None:
            raise _no_color_column(
                color_by, "endpoints or the patients table",
                [name for t in (endpoints, patients) if t is not None for name in t.columns])
        values = source.set_index(source["patient_id"].astype(str))[color_by].astype(
            "string").reindex(table.index)
        colour_of = group_colours(values.dropna())
        bar_colours = [colour_of.get(str(values[p]), "#bbbbbb") if pd.notna(values[p])
                       else "#bbbbbb" for p in order]
    ax.barh(np.arange(len(order)), end[order].to_numpy(), color=bar_colours, height=0.6,
            alpha=0.45)
    if therapies is not None and len(therapies):
        for kind, marker, colour, label in ((TherapyKind.LOCAL, "D", "#0072B2",
                                             "Local therapy"),
                                            (TherapyKind.SYSTEMIC, ">", "#009E73",
                                             "Systemic therapy")):
            rows = therapies[(therapies["kind"] == kind)
                             & therapies["patient_id"].astype(str).isin(shown)]
            days = (pd.to_datetime(rows["date"]).to_numpy()
                    - origin[rows["patient_id"].astype(str)].to_numpy())
            ax.scatter(pd.to_timedelta(days).days, [y[p] for p in rows["patient_id"].astype(str)],
                       marker=marker, color=colour, s=22, zorder=3, label=label)
    first = table[table["first_recurrence_date"].notna() & table.index.isin(shown)]
    for pattern, colour in PATTERN_COLOURS.items():
        rows = first[first["first_recurrence_pattern"].astype(str).str.split("+").str[0]
                     == pattern]
        if len(rows):
            days = (pd.to_datetime(rows["first_recurrence_date"]) - origin[rows.index]).dt.days
            ax.scatter(days, [y[p] for p in rows.index], marker="x", color=colour, s=30,
                       zorder=4, label=f"First recurrence: {pattern}")
    dead = table[table["os_event"].astype(bool) & table.index.isin(shown)]
    ax.scatter(end[dead.index], [y[p] for p in dead.index], marker="s", color="black", s=18,
               zorder=4, label="Death")
    alive = [p for p in order if not bool(table.at[p, "os_event"])]
    span = float(end.max()) if len(end) else 1.0
    for p in alive:
        ax.annotate("", xy=(end[p] + 0.04 * span, y[p]), xytext=(end[p], y[p]),
                    arrowprops={"arrowstyle": "->", "color": "#555555"})
    ax.set_yticks(np.arange(len(order)))
    ax.set_yticklabels(list(order), fontsize=_SMALL)
    ax.tick_params(axis="x", labelsize=_SMALL)
    ax.set_ylim(-0.8, len(order) - 0.2)
    ax.set_xlim(0, span * 1.08 if span > 0 else 1)
    ax.set_xlabel("Days since start (local treatment)")
    ax.set_ylabel("Patient")
    ax.set_title(page_title("Follow-up after local treatment", n_rows, page, per_page))
    handles = ax.get_legend_handles_labels()[0]
    handles += [Patch(color=c, alpha=0.45, label=str(a)) for a, c in colour_of.items()]
    ax.legend(handles=handles, fontsize=_SMALL, loc="lower right")
    return ax
