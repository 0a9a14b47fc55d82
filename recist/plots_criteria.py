"""Figures of the criteria comparison and of the robustness of the calls (AGR-2, UNC-2).

Like ``recist.plots``, every function draws on ``ax`` (a new figure's axes when None) and
returns the axes, none calls ``plt.show()``, groups take the Okabe–Ito palette
(``recist.plots.PALETTE``), ``color_by=`` names any column of the plotted table, and text
is at least 8 pt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.plots import _REFERENCE_GREY, _SMALL, PALETTE, _axes, _color_column, group_colours

__all__ = ["plot_criteria_agreement", "plot_threshold_margins"]

_ROBUST, _FRAGILE = PALETTE[0], "#D55E00"  # Okabe-Ito blue and vermillion
_SIZE = (7.0, 3.5)  # inches, a new figure of either plot
FLIP_SD = 1.645
"""The guide line of ``plot_threshold_margins``: below it a call's flip distance is
within 1.645 SD of its sum (the one-sided 95 % normal quantile). A guide only: which
calls are fragile is decided by the draws (``fragile``, UNC-4)."""


def plot_criteria_agreement(kappa: pd.DataFrame, *, ax=None, color_by: str = "level"):
    """Share of time points and of best responses on which each criterion agrees with
    RECIST 1.1, one bar each, labelled with Cohen's kappa (``criteria_agreement``'s
    ``kappa`` table). Bars are coloured by ``color_by`` (a column of ``kappa``: the
    ``level`` by default, or ``criterion``); a dotted line marks full agreement (100 %)."""
    from matplotlib.patches import Patch

    ax = _axes(ax, _SIZE)
    labels = [f"{row.criterion} · {row.level}" for row in kappa.itertuples()]
    shares = kappa["agreement"].to_numpy(dtype=float) * 100.0
    positions = np.arange(len(labels))
    groups = _color_column(kappa, color_by, "kappa table")
    colour_of = group_colours(groups)
    ax.barh(positions, shares, color=[colour_of[g] for g in groups])
    for y, share, value, n in zip(positions, shares, kappa["kappa"], kappa["n"]):
        text = "κ n/a" if pd.isna(value) else f"κ {value:.2f}"
        ax.text(min(share, 100.0) + 1.0, y, f"{share:.0f}% of {n} · {text}", va="center",
                fontsize=_SMALL)
    ax.axvline(100.0, color=_REFERENCE_GREY, linestyle=":", linewidth=1, label="_reference")
    ax.text(100.0, 1.0, "full agreement", transform=ax.get_xaxis_transform(),
            ha="center", va="bottom", fontsize=_SMALL, color=_REFERENCE_GREY)
    ax.set_yticks(positions, labels)
    ax.tick_params(labelsize=_SMALL)
    ax.set_xlim(0, 135)
    ax.invert_yaxis()
    ax.set_xlabel("agreement with RECIST 1.1 (%)")
    ax.set_title("Agreement of the response criteria with RECIST 1.1", pad=14)
    ax.legend(handles=[Patch(color=c, label=g) for g, c in colour_of.items()],
              title=color_by, fontsize=_SMALL, title_fontsize=_SMALL, loc="lower right")
    return ax


def plot_threshold_margins(timepoints: pd.DataFrame, *, ax=None,
                           color_by: str | None = None):
    """Each follow-up time point's distance to the nearest threshold (``flip_mm``) against
    the SD of its sum (``sum_sd_mm``), fragile calls marked: how close the calls were.

    Without ``color_by`` robust calls are blue and fragile ones vermillion; with it (a
    column of ``timepoints``: ``evaluator``, ``patient_id`` …) points take their group's
    colour and fragile calls are diamonds. The dashed line is ``FLIP_SD`` × SD, labelled.
    """
    ax = _axes(ax, _SIZE)
    rows = timepoints[timepoints["flip_mm"].notna()]
    fragile = rows["fragile"].astype(bool).to_numpy()
    if color_by is None:
        ax.scatter(rows["sum_sd_mm"][~fragile], rows["flip_mm"][~fragile], s=12,
                   color=_ROBUST, label="robust")
        ax.scatter(rows["sum_sd_mm"][fragile], rows["flip_mm"][fragile], s=18,
                   color=_FRAGILE, label="fragile (UNC-4)")
    else:
        groups = _color_column(rows, color_by, "time point table")
        for name, colour in group_colours(groups).items():
            mine = (groups == name).to_numpy()
            for chosen, marker, suffix in ((~fragile, "o", ""), (fragile, "D", ", fragile")):
                picked = mine & chosen
                if picked.any():
                    ax.scatter(rows["sum_sd_mm"][picked], rows["flip_mm"][picked], s=16,
                               color=colour, marker=marker, label=f"{name}{suffix}")
    if len(rows):
        sd = np.linspace(0, float(rows["sum_sd_mm"].max()) * 1.1, 20)
        ax.plot(sd, FLIP_SD * sd, color=_REFERENCE_GREY, linestyle="--", linewidth=1,
                label=f"{FLIP_SD:g} × SD")
        ax.annotate(f"{FLIP_SD:g} × SD", (sd[-1], FLIP_SD * sd[-1]), xytext=(3, 0),
                    textcoords="offset points", fontsize=_SMALL, color=_REFERENCE_GREY,
                    va="center")
    ax.set_xlabel("SD of the sum under the error model (mm)")
    ax.set_ylabel("change that flips the target response (mm)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.tick_params(labelsize=_SMALL)
    ax.legend(fontsize=_SMALL, loc="upper left")
    ax.set_title("How close each call is to a threshold")
    return ax
