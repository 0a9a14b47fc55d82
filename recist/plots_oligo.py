"""Figures of follow-up after local treatment: cumulative incidence of local failure and a
swimmer plot marking every local and systemic therapy (DEC-23..DEC-27).

Like ``recist.plots``, every function draws on ``ax`` (a new figure's axes when None) and
returns the axes; none calls ``plt.show()``. Inputs are the tables of
``recist.pipeline.oligo.OligoResult`` (``lesions``: time to local failure; ``patients``:
the endpoints) and the therapies table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.oligo.incidence import LOCAL_CONTROL_DAYS, cumulative_incidence
from recist.vocabulary import TherapyKind

__all__ = ["PATTERN_COLOURS", "plot_cumulative_incidence", "plot_therapy_swimmer"]

PATTERN_COLOURS = {"local": "#d73027", "intrapulmonary": "#fc8d59",
                   "extrapulmonary": "#7b3294", "unclassified": "#969696"}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def plot_cumulative_incidence(lesions: pd.DataFrame, *, ax=None):
    """Cumulative incidence of local failure and of death first (Aalen–Johansen, DEC-27).

    ``lesions`` has ``ttlf_days`` and ``ttlf_status`` (1 local failure, 2 death first, 0
    censored). The 1- and 2-year marks are drawn with their local control.
    """
    ax = _axes(ax)
    months = 30.4375
    for event, label, colour in ((1, "Local failure", "#d73027"),
                                 (2, "Death without local failure", "#525252")):
        curve = cumulative_incidence(lesions["ttlf_days"], lesions["ttlf_status"], event)
        ax.step(curve.index / months, curve.to_numpy(), where="post", color=colour,
                label=label)
    failure = cumulative_incidence(lesions["ttlf_days"], lesions["ttlf_status"], 1)
    for name, day in LOCAL_CONTROL_DAYS.items():
        if day <= float(failure.index.max()):
            value = float(failure.iloc[int(np.searchsorted(failure.index, day, "right")) - 1])
            ax.axvline(day / months, color="#bbbbbb", linestyle=":", linewidth=1)
            ax.annotate(f"{name}: local control {100 * (1 - value):.0f}%",
                        (day / months, value), xytext=(4, 6), textcoords="offset points",
                        fontsize=8)
    ax.set_xlabel("Months since local treatment")
    ax.set_ylabel("Cumulative incidence")
    ax.set_ylim(0, 1)
    ax.set_title(f"Local failure of {len(lesions)} treated lesions (death competing)")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_therapy_swimmer(endpoints: pd.DataFrame, therapies: pd.DataFrame | None,
                         patients: pd.DataFrame | None = None, *, ax=None):
    """Swimmer: follow-up of each patient with local (◆) and systemic (▶) therapies,
    the first recurrence (✕, coloured by its pattern), death (■) and an arrow when alive.

    ``endpoints`` is ``OligoResult.patients`` (``os_date``, ``os_event``,
    ``first_recurrence_date``, ``first_recurrence_pattern``); days run from
    ``start_date`` (the baseline scan when missing: ``stfs_days`` and ``stfs_date`` give
    the origin back).
    """
    ax = _axes(ax)
    table = endpoints.set_index(endpoints["patient_id"].astype(str))
    origin = pd.to_datetime(table["stfs_date"]) - pd.to_timedelta(
        table["stfs_days"].astype(int) - 1, unit="D")
    if patients is not None and "start_date" in patients.columns:
        given = pd.to_datetime(patients.set_index(patients["patient_id"].astype(str))
                               ["start_date"]).reindex(table.index)
        origin = given.fillna(origin)
    end = (pd.to_datetime(table["os_date"]) - origin).dt.days.astype(float)
    order = end.sort_values().index
    y = {p: i for i, p in enumerate(order)}
    ax.barh(np.arange(len(order)), end[order].to_numpy(), color="#c6dbef", height=0.6)
    if therapies is not None and len(therapies):
        for kind, marker, colour, label in ((TherapyKind.LOCAL, "D", "#2171b5", "Local therapy"),
                                            (TherapyKind.SYSTEMIC, ">", "#fd8d3c",
                                             "Systemic therapy")):
            rows = therapies[(therapies["kind"] == kind)
                             & therapies["patient_id"].astype(str).isin(y)]
            days = (pd.to_datetime(rows["date"]).to_numpy()
                    - origin[rows["patient_id"].astype(str)].to_numpy())
            ax.scatter(pd.to_timedelta(days).days, [y[p] for p in rows["patient_id"].astype(str)],
                       marker=marker, color=colour, s=22, zorder=3, label=label)
    first = table[table["first_recurrence_date"].notna()]
    for pattern, colour in PATTERN_COLOURS.items():
        rows = first[first["first_recurrence_pattern"].astype(str).str.split("+").str[0]
                     == pattern]
        if len(rows):
            days = (pd.to_datetime(rows["first_recurrence_date"]) - origin[rows.index]).dt.days
            ax.scatter(days, [y[p] for p in rows.index], marker="x", color=colour, s=30,
                       zorder=4, label=f"First recurrence: {pattern}")
    dead = table[table["os_event"].astype(bool)]
    ax.scatter(end[dead.index], [y[p] for p in dead.index], marker="s", color="black", s=18,
               zorder=4, label="Death")
    alive = [p for p in order if not bool(table.at[p, "os_event"])]
    span = float(end.max()) if len(end) else 1.0
    for p in alive:
        ax.annotate("", xy=(end[p] + 0.04 * span, y[p]), xytext=(end[p], y[p]),
                    arrowprops={"arrowstyle": "->", "color": "#555555"})
    ax.set_yticks(np.arange(len(order)))
    ax.set_yticklabels(list(order), fontsize=6)
    ax.set_xlabel("Days since start (local treatment)")
    ax.set_ylabel("Patient")
    ax.set_title("Follow-up after local treatment")
    ax.legend(fontsize=7, loc="lower right")
    return ax
