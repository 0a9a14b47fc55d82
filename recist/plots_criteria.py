"""Figures of the criteria comparison and of the robustness of the calls (AGR-2, UNC-2).

Like ``recist.plots``, every function draws on ``ax`` (a new figure's axes when None) and
returns the axes; none calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_criteria_agreement", "plot_threshold_margins"]


def _axes(ax, size=(7.0, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_criteria_agreement(kappa: pd.DataFrame, *, ax=None):
    """Share of time points and of best responses on which each criterion agrees with
    RECIST 1.1, one bar each, labelled with Cohen's kappa (``criteria_agreement``'s
    ``kappa`` table)."""
    ax = _axes(ax)
    labels = [f"{row.criterion} · {row.level}" for row in kappa.itertuples()]
    shares = kappa["agreement"].to_numpy(dtype=float) * 100.0
    positions = np.arange(len(labels))
    colours = ["#4575b4" if level == "time point" else "#91bfdb" for level in kappa["level"]]
    ax.barh(positions, shares, color=colours)
    for y, share, value, n in zip(positions, shares, kappa["kappa"], kappa["n"]):
        text = "κ n/a" if pd.isna(value) else f"κ {value:.2f}"
        ax.text(min(share, 100.0) + 1.0, y, f"{share:.0f}% of {n} · {text}", va="center",
                fontsize=8)
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 135)
    ax.invert_yaxis()
    ax.set_xlabel("agreement with RECIST 1.1 (%)")
    ax.set_title("Agreement of the response criteria with RECIST 1.1")
    return ax


def plot_threshold_margins(timepoints: pd.DataFrame, *, ax=None):
    """Each follow-up time point's distance to the nearest threshold (``flip_mm``) against
    the SD of its sum (``sum_sd_mm``), fragile calls marked: how close the calls were."""
    ax = _axes(ax)
    rows = timepoints[timepoints["flip_mm"].notna()]
    fragile = rows["fragile"].astype(bool).to_numpy()
    ax.scatter(rows["sum_sd_mm"][~fragile], rows["flip_mm"][~fragile], s=12,
               color="#4575b4", label="robust")
    ax.scatter(rows["sum_sd_mm"][fragile], rows["flip_mm"][fragile], s=18,
               color="#d73027", label="fragile (UNC-4)")
    if len(rows):
        sd = np.linspace(0, float(rows["sum_sd_mm"].max()) * 1.1, 20)
        ax.plot(sd, 1.645 * sd, color="#999999", linestyle="--", linewidth=1,
                label="1.645 × SD")
    ax.set_xlabel("SD of the sum under the error model (mm)")
    ax.set_ylabel("change that flips the target response (mm)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("How close each call is to a threshold")
    return ax
