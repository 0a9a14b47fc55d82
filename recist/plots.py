"""The standard oncology figures: waterfall, spider, swimmer, Kaplan–Meier, lesion curves.

Every function draws on ``ax`` (a new figure's axes when None) and returns the axes; none
calls ``plt.show()``. Inputs are the tables of ``recist.respond`` (``timepoints``,
``patient_summary``), the patients table (``start_date``, ``death_date``,
``last_contact_date``, ``arm``) and the measurements table. Thresholds drawn on the
figures come from a ``Criteria`` (RECIST 1.1 defaults), never from bare numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.vocabulary import OverallResponse

__all__ = [
    "BOR_COLOURS",
    "best_pct_change",
    "plot_kaplan_meier",
    "plot_lesion_trajectories",
    "plot_spider",
    "plot_swimmer",
    "plot_waterfall",
]

_R = OverallResponse
BOR_COLOURS = {
    _R.CR.value: "#1a9850", _R.PR.value: "#91cf60", _R.SD.value: "#4575b4",
    _R.NON_CR_NON_PD.value: "#74add1", _R.PD.value: "#d73027", _R.NE.value: "#969696",
}
_ARM_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _figure, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _bor(summary: pd.DataFrame, bor_column: str | None) -> pd.Series:
    column = bor_column or ("confirmed_bor" if "confirmed_bor" in summary.columns
                            and summary["confirmed_bor"].notna().any() else "bor")
    return summary.set_index(summary["patient_id"].astype(str))[column].astype(
        "string").fillna("NE")


def _arms(patients: pd.DataFrame | None) -> pd.Series | None:
    if patients is None or "arm" not in patients.columns:
        return None
    return patients.set_index(patients["patient_id"].astype(str))["arm"].astype("string")


def _start_dates(timepoints: pd.DataFrame, patients: pd.DataFrame | None) -> pd.Series:
    """start_date per patient (patients table), else the baseline scan date (DEC-7)."""
    first = timepoints.assign(date=_dates(timepoints["date"])).groupby(
        timepoints["patient_id"].astype(str))["date"].min()
    if patients is not None and "start_date" in patients.columns:
        start = _dates(patients["start_date"])
        start.index = patients["patient_id"].astype(str)
        first = start.reindex(first.index).fillna(first)
    return first


def best_pct_change(timepoints: pd.DataFrame) -> pd.Series:
    """Best (smallest) % change of the target sum from baseline after baseline, per patient.

    Only time points with a ``pct_from_baseline`` count; patients without one are left
    out (no target lesions, or no evaluable follow-up).
    """
    values = pd.to_numeric(timepoints["pct_from_baseline"], errors="coerce")
    dates = _dates(timepoints["date"])
    patient = timepoints["patient_id"].astype(str)
    baseline = dates == dates.groupby(patient).transform("min")
    follow = values[~baseline & values.notna()]
    return follow.groupby(patient[follow.index]).min()


def plot_waterfall(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                   patients: pd.DataFrame | None = None, *, ax=None,
                   bor_column: str | None = None, by_arm: bool = False,
                   criteria: Criteria = RECIST_1_1):
    """Waterfall: one bar per patient, best % change of the target sum, coloured by BOR.

    Bars are sorted from largest increase to largest decrease (within each arm when
    ``by_arm``, arms separated by a gap and named above). Dashed lines mark
    +``criteria.pd_increase_pct`` and −``criteria.pr_decrease_pct``.
    """
    ax = _axes(ax)
    best = best_pct_change(timepoints)
    if best.empty:
        raise RecistDataError("waterfall: no patient has a % change from baseline after "
                              "baseline (are there target lesions and follow-up scans?)")
    bor = _bor(patient_summary, bor_column).reindex(best.index).fillna("NE")
    frame = pd.DataFrame({"best": best, "bor": bor})
    arms = _arms(patients)
    frame["arm"] = arms.reindex(frame.index).fillna("—") if (by_arm and arms is not None) \
        else ""
    position, positions = 0.0, []
    ordered = []
    for arm in sorted(frame["arm"].unique()):
        group = frame[frame["arm"] == arm].sort_values("best", ascending=False)
        start = position
        for patient in group.index:
            positions.append(position)
            ordered.append(patient)
            position += 1
        if by_arm and arms is not None:
            ax.text((start + position - 1) / 2, 1.02, str(arm), ha="center", va="bottom",
                    transform=ax.get_xaxis_transform())
        position += 1.5
    frame = frame.loc[ordered]
    colours = [BOR_COLOURS.get(b, "#333333") for b in frame["bor"]]
    ax.bar(positions, frame["best"].to_numpy(), color=colours, width=0.8)
    ax.axhline(criteria.pd_increase_pct, color="#d73027", linestyle="--", linewidth=1)
    ax.axhline(-criteria.pr_decrease_pct, color="#1a9850", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("Best change of target sum from baseline (%)")
    ax.set_xticks(positions)
    ax.set_xticklabels(list(frame.index), rotation=90, fontsize=6)
    ax.set_xlabel("Patient")
    from matplotlib.patches import Patch

    present = [b for b in BOR_COLOURS if b in set(frame["bor"])]
    ax.legend(handles=[Patch(color=BOR_COLOURS[b], label=b) for b in present],
              title="BOR", loc="upper right", fontsize=7)
    ax.set_title("Waterfall: best % change from baseline", pad=18 if by_arm else 6)
    return ax


def plot_spider(timepoints: pd.DataFrame, patients: pd.DataFrame | None = None, *,
                ax=None, by_arm: bool = False, criteria: Criteria = RECIST_1_1):
    """Spider: % change of the target sum from baseline over days since start, per patient.

    One line per patient with a ``pct_from_baseline`` (baseline plotted at 0 %); coloured
    by arm when ``by_arm`` and the patients table has one.
    """
    ax = _axes(ax)
    start = _start_dates(timepoints, patients)
    frame = timepoints.copy()
    frame["patient_id"] = frame["patient_id"].astype(str)
    frame["date"] = _dates(frame["date"])
    frame["days"] = (frame["date"] - frame["patient_id"].map(start)).dt.days
    pct = pd.to_numeric(frame["pct_from_baseline"], errors="coerce")
    baseline = frame["date"] == frame.groupby("patient_id")["date"].transform("min")
    frame["pct"] = pct.where(~baseline, 0.0)
    arms = _arms(patients) if by_arm else None
    arm_names = sorted(arms.dropna().unique()) if arms is not None else []
    colour_of = {a: _ARM_COLOURS[i % len(_ARM_COLOURS)] for i, a in enumerate(arm_names)}
    labelled = set()
    for patient, group in frame.groupby("patient_id", sort=True):
        group = group[group["pct"].notna()].sort_values("date")
        if len(group) < 2 or baseline[group.index].sum() == 0:
            continue
        arm = arms.get(patient) if arms is not None else None
        label = None
        if arm is not None and not pd.isna(arm) and arm not in labelled:
            label = str(arm)
            labelled.add(arm)
        ax.plot(group["days"].to_numpy(), group["pct"].to_numpy(), marker="o",
                markersize=3, linewidth=1, color=colour_of.get(arm, "#4c72b0"),
                label=label, alpha=0.8)
    ax.axhline(criteria.pd_increase_pct, color="#d73027", linestyle="--", linewidth=1)
    ax.axhline(-criteria.pr_decrease_pct, color="#1a9850", linestyle="--", linewidth=1)
    ax.set_xlabel("Days since start")
    ax.set_ylabel("Change of target sum from baseline (%)")
    ax.set_title("Spider plot")
    if labelled:
        ax.legend(title="Arm", fontsize=7)
    return ax


def plot_swimmer(patient_summary: pd.DataFrame, timepoints: pd.DataFrame,
                 patients: pd.DataFrame | None = None, *, ax=None):
    """Swimmer: time on study per patient with response onset, PD, death and ongoing arrows.

    A bar runs from start (day 0) to the last of: last assessment, death, last contact.
    Markers: ▲ first response (``response_date``), ✕ progression (``pd_date``),
    ■ death; an arrow at the end of the bar when the patient is still progression-free
    and alive (no PFS event). Bars are coloured by arm when the patients table has one.
    """
    ax = _axes(ax)
    start = _start_dates(timepoints, patients)
    last = _dates(timepoints["date"]).groupby(timepoints["patient_id"].astype(str)).max()
    summary = patient_summary.copy()
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
    order = days.sort_values().index
    arms = _arms(patients)
    arm_names = sorted(arms.dropna().unique()) if arms is not None else []
    colour_of = {a: _ARM_COLOURS[i % len(_ARM_COLOURS)] for i, a in enumerate(arm_names)}
    y = np.arange(len(order))
    colours = [colour_of.get(arms.get(p), "#9ecae1") if arms is not None else "#9ecae1"
               for p in order]
    ax.barh(y, days[order].to_numpy(), color=colours, height=0.6)

    def offsets(column: str) -> np.ndarray:
        if column not in summary.columns:
            return np.full(len(order), np.nan)
        dates = _dates(summary[column]).reindex(order)
        return (dates - start.reindex(order)).dt.days.to_numpy(dtype=float)

    response, progression = offsets("response_date"), offsets("pd_date")
    died = (death.reindex(order) - start.reindex(order)).dt.days.to_numpy(dtype=float)
    ax.scatter(response, y, marker="^", color="#1a9850", zorder=3, label="Response onset")
    ax.scatter(progression, y, marker="x", color="#d73027", zorder=3, label="Progression")
    ax.scatter(died, y, marker="s", color="black", zorder=3, label="Death")
    event = summary["pfs_event"].reindex(order).map(
        lambda v: str(v).strip().lower() in ("true", "1", "yes")) if "pfs_event" in \
        summary.columns else pd.Series(False, index=order)
    ongoing = ~event.to_numpy(dtype=bool) & np.isnan(died)
    span = float(np.nanmax(days.to_numpy())) if len(days) else 1.0
    for row in np.flatnonzero(ongoing):
        ax.annotate("", xy=(days[order[row]] + 0.06 * span, y[row]),
                    xytext=(days[order[row]], y[row]),
                    arrowprops={"arrowstyle": "->", "color": "#555555"})
    ax.scatter([], [], marker=r"$\rightarrow$", color="#555555", label="Ongoing")
    ax.set_yticks(y)
    ax.set_yticklabels(list(order), fontsize=6)
    ax.set_xlabel("Days since start")
    ax.set_ylabel("Patient")
    ax.set_title("Swimmer plot")
    from matplotlib.patches import Patch

    handles = ax.get_legend_handles_labels()[0]
    handles += [Patch(color=colour_of[a], label=str(a)) for a in arm_names]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    return ax


def plot_kaplan_meier(patient_summary: pd.DataFrame, patients: pd.DataFrame | None = None,
                      *, endpoint: str = "pfs", ax=None, at_risk: bool = True,
                      confidence: float = 0.95, criteria: Criteria = RECIST_1_1):
    """Kaplan–Meier curve(s) of PFS or DoR with the CI band, per arm, numbers at risk below.

    Uses ``recist.stats`` to select durations and events (DoR: responders only).
    """
    from recist.stats import _endpoint_data, _with_arm, fit_kaplan_meier

    ax = _axes(ax)
    frame = _endpoint_data(_with_arm(patient_summary, patients), endpoint, criteria)
    if frame.empty:
        raise RecistDataError(f"Kaplan–Meier: no patient has {endpoint}_days")
    groups = [(str(a), g) for a, g in frame.groupby(frame["arm"].astype("string"))] \
        if frame["arm"].notna().any() else [("All", frame)]
    fitters = []
    for index, (arm, group) in enumerate(groups):
        fitter = fit_kaplan_meier(group["days"], group["event"], label=arm,
                                  confidence=confidence)
        fitter.plot_survival_function(ax=ax, ci_show=True, show_censors=True,
                                      color=_ARM_COLOURS[index % len(_ARM_COLOURS)],
                                      censor_styles={"marker": "|", "ms": 6})
        fitters.append(fitter)
    if at_risk:
        from lifelines.plotting import add_at_risk_counts

        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    names = {"pfs": "Progression-free survival", "dor": "Duration of response"}
    ax.set_xlabel("Days")
    ax.set_ylabel(f"{names.get(endpoint.lower(), endpoint)} probability")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Kaplan–Meier: {names.get(endpoint.lower(), endpoint)}")
    return ax


def plot_lesion_trajectories(measurements: pd.DataFrame, patient_id: str, *, ax=None,
                             criteria: Criteria = RECIST_1_1):
    """Diameter of each lesion of one patient over scan dates.

    Targets plot the diameter that counts (SUM-1: SA for nodes, LD otherwise; fragments of
    a split lesion added, SUM-5); ``too_small`` is drawn at ``criteria.too_small_mm``,
    ``absent`` and ``merged`` at 0 mm (SUM-4, SUM-6), ``not_evaluated`` leaves a gap.
    Non-target and new lesions with a measured diameter are drawn dashed.
    """
    ax = _axes(ax)
    frame = measurements[measurements["patient_id"].astype(str) == str(patient_id)].copy()
    if frame.empty:
        raise RecistDataError(f"lesion trajectories: patient_id {patient_id} is not in the "
                              "measurements table")
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
    summed = frame.groupby(["lesion_id", "kind", "date"], sort=True)["size"].sum(
        min_count=1).reset_index()
    for (lesion, kind), group in summed.groupby(["lesion_id", "kind"], sort=True):
        if group["size"].notna().sum() == 0:
            continue
        is_node = bool(frame.loc[frame["lesion_id"] == lesion, "nodal"].any())
        label = f"{lesion} ({'SA' if is_node else 'LD'}, {kind})"
        ax.plot(group["date"], group["size"], marker="o", label=label,
                linestyle="-" if kind == "target" else "--")
    ax.set_xlabel("Scan date")
    ax.set_ylabel("Diameter (mm)")
    ax.set_title(f"Lesions of patient {patient_id}")
    ax.legend(fontsize=7)
    ax.figure.autofmt_xdate()
    return ax
