"""Cohort summaries of RECIST 1.1 results: response rates, BOR distribution, PFS, DoR.

Inputs are the ``patient_summary`` table of ``recist.respond`` (docs/tables.md, "Outputs of
response assessment") and, optionally, the patients table (its ``arm`` column splits
every summary by arm, plus an ``All`` row).

* **ORR** (objective response rate) = patients with BOR CR or PR / all patients.
* **DCR** (disease control rate) = BOR CR, PR, SD or NON-CR/NON-PD / all patients.
  Both with exact Clopper–Pearson intervals (``scipy.stats.beta``). The BOR used is
  ``confirmed_bor`` when the table has it (confirmation asked) unless told otherwise.

**One scale for rates** (a project convention, docs/tables.md "Numbers in outputs"): every rate or
proportion in a table, printed line or report is a percentage on 0–100, in a column whose
name ends in ``_pct``, rounded half away from zero to ``PCT_DECIMALS`` (2) decimals —
never a 0–1 proportion and never a float artefact such as ``0.49999999999999994``. Days
are whole numbers (Kaplan–Meier medians fall on event days).
* **PFS**: Kaplan–Meier (lifelines) on ``pfs_days`` with event ``pfs_event``; median
  with its 95 % CI (Brookmeyer–Crowley style, from the pointwise log(-log) band that
  lifelines computes) and the PFS rate at 6 and 12 months (1 month = 30.4375 days).
* **DoR**: responders only (BOR CR/PR with ``response_date`` and ``dor_days``); the end
  of a response is an event when ``pfs_event`` is true (PD or death after the response,
  TTE-6) — a death only when ``criteria.death_is_dor_event`` — censored otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta

from recist.arrays import round_half_away
from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.vocabulary import OverallResponse

__all__ = [
    "DAYS_PER_MONTH",
    "PCT_DECIMALS",
    "CohortSummary",
    "as_pct",
    "bor_distribution",
    "clopper_pearson",
    "cohort_summary",
    "fit_kaplan_meier",
    "format_cohort_summary",
    "response_rates",
    "time_to_event_summary",
]

DAYS_PER_MONTH = 30.4375
"""Average month (365.25 / 12 days), for rates at 6 and 12 months."""
PCT_DECIMALS = 2
"""Decimals of every percentage in the summary tables (as the respond outputs)."""

_R = OverallResponse
RESPONDERS: tuple[str, ...] = (_R.CR.value, _R.PR.value)
DISEASE_CONTROL: tuple[str, ...] = (_R.CR.value, _R.PR.value, _R.SD.value, _R.NON_CR_NON_PD.value)
BOR_ORDER: tuple[str, ...] = tuple(response.value for response in OverallResponse)
ALL_ARMS = "All"


def clopper_pearson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval of a binomial proportion.

    Lower = Beta(α/2; x, n − x + 1), upper = Beta(1 − α/2; x + 1, n − x); 0 and 1 at the
    ends (x = 0, x = n).

    >>> [round(v, 4) for v in clopper_pearson(5, 20)]
    [0.0866, 0.491]
    >>> clopper_pearson(0, 10)[0], clopper_pearson(10, 10)[1]
    (0.0, 1.0)
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    alpha = 1.0 - confidence
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.ppf(1 - alpha / 2, successes + 1,
                                                     n - successes))
    return (low, high)


def as_pct(proportion: float) -> float:
    """A proportion (0–1) as a percentage rounded to ``PCT_DECIMALS`` (NaN stays NaN).

    >>> as_pct(0.49999999999999994), as_pct(1 / 3), as_pct(0.08657)
    (50.0, 33.33, 8.66)
    """
    value = float(proportion)
    if np.isnan(value):
        return value
    return float(round_half_away(100.0 * value, PCT_DECIMALS))


def _with_arm(summary: pd.DataFrame, patients: pd.DataFrame | None) -> pd.DataFrame:
    """patient_summary plus an ``arm`` column (empty arm → 'All' only)."""
    if "patient_id" not in summary.columns:
        raise RecistDataError("patient summary: missing column patient_id")
    frame = summary.copy()
    frame["patient_id"] = frame["patient_id"].astype(str)
    if patients is not None and "arm" in patients.columns:
        arms = patients[["patient_id", "arm"]].copy()
        arms["patient_id"] = arms["patient_id"].astype(str)
        frame = frame.drop(columns=[c for c in ("arm",) if c in frame.columns])
        frame = frame.merge(arms.drop_duplicates("patient_id"), on="patient_id", how="left")
    if "arm" not in frame.columns:
        frame["arm"] = pd.NA
    return frame


def _groups(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(arm, rows) per arm present, then ('All', every row)."""
    groups = []
    arms = frame["arm"].dropna().astype(str)
    for arm in sorted(arms.unique()):
        groups.append((arm, frame[frame["arm"].astype("string") == arm]))
    groups.append((ALL_ARMS, frame))
    return groups


def _bor_column(frame: pd.DataFrame, use_confirmed: bool | None) -> pd.Series:
    """The BOR to summarise: confirmed_bor when present (or asked), else bor."""
    has_confirmed = "confirmed_bor" in frame.columns and frame["confirmed_bor"].notna().any()
    if use_confirmed is None:
        use_confirmed = has_confirmed
    column = "confirmed_bor" if use_confirmed else "bor"
    if column not in frame.columns:
        raise RecistDataError(f"patient summary: missing column {column}; run recist "
                              f"respond{' --confirm' if use_confirmed else ''} first")
    return frame[column].astype("string").str.strip().str.upper().fillna("NE")


def response_rates(patient_summary: pd.DataFrame, patients: pd.DataFrame | None = None, *,
                   use_confirmed: bool | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """ORR and DCR per arm with exact confidence intervals.

    Returns one row per arm (and ``All``): ``arm, n, orr_n, orr_pct, orr_low_pct,
    orr_high_pct, dcr_n, dcr_pct, dcr_low_pct, dcr_high_pct`` (percentages 0–100,
    ``PCT_DECIMALS`` decimals).
    """
    frame = _with_arm(patient_summary, patients)
    frame["_bor"] = _bor_column(frame, use_confirmed)
    rows = []
    for arm, group in _groups(frame):
        n = len(group)
        orr_n = int(group["_bor"].isin(RESPONDERS).sum())
        dcr_n = int(group["_bor"].isin(DISEASE_CONTROL).sum())
        orr_low, orr_high = clopper_pearson(orr_n, n, confidence)
        dcr_low, dcr_high = clopper_pearson(dcr_n, n, confidence)
        rows.append({"arm": arm, "n": n, "orr_n": orr_n,
                     "orr_pct": as_pct(orr_n / n if n else float("nan")),
                     "orr_low_pct": as_pct(orr_low), "orr_high_pct": as_pct(orr_high),
                     "dcr_n": dcr_n, "dcr_pct": as_pct(dcr_n / n if n else float("nan")),
                     "dcr_low_pct": as_pct(dcr_low), "dcr_high_pct": as_pct(dcr_high)})
    return pd.DataFrame(rows)


def bor_distribution(patient_summary: pd.DataFrame, patients: pd.DataFrame | None = None,
                     *, use_confirmed: bool | None = None) -> pd.DataFrame:
    """Counts and percentages of each best overall response, per arm.

    Returns ``arm, bor, n, pct`` with every BOR category (CR PR SD NON-CR/NON-PD PD NE)
    listed, zero counts included.
    """
    frame = _with_arm(patient_summary, patients)
    frame["_bor"] = _bor_column(frame, use_confirmed)
    rows = []
    for arm, group in _groups(frame):
        categories = list(BOR_ORDER) + sorted(set(group["_bor"]) - set(BOR_ORDER))
        for category in categories:
            count = int((group["_bor"] == category).sum())
            rows.append({"arm": arm, "bor": category, "n": count,
                         "pct": as_pct(count / len(group) if len(group) else float("nan"))})
    return pd.DataFrame(rows)


def fit_kaplan_meier(durations_days, events, label: str = "KM", confidence: float = 0.95):
    """Fit a lifelines ``KaplanMeierFitter`` to durations (days) and event flags."""
    try:
        from lifelines import KaplanMeierFitter
    except ImportError:
        raise ImportError("Kaplan–Meier estimates need lifelines: pip install "
                          "'recist[stats]'") from None

    durations = np.asarray(durations_days, dtype=float)
    observed = np.asarray(events, dtype=bool)
    if len(durations) and (np.isnan(durations).any() or (durations < 0).any()):
        raise RecistDataError(f"{label}: durations must be known and >= 0 days")
    fitter = KaplanMeierFitter(alpha=1.0 - confidence)
    fitter.fit(durations, event_observed=observed, label=label)
    return fitter


def _rate_at(fitter, days: float) -> tuple[float, float, float]:
    """Survival estimate and CI at ``days`` (step function: last value at or before).

    Before the first event the Kaplan–Meier estimate is 1 with a Greenwood variance of
    0, so lifelines' interval collapses to [1, 1]: certainty the data do not give (with
    10 patients at risk and no event yet, an exact one-sided bound would still reach
    down to ~74 %, 0.05 ** (1 / 10)). No interval is given then (NaN bounds), and the tables say so
    ("no event yet: no CI"); a rate after at least one event keeps its interval.
    """
    survival = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_survival_function_
    if days > survival.index.max():
        return (float("nan"), float("nan"), float("nan"))
    position = int(np.searchsorted(survival.index.to_numpy(), days, side="right")) - 1
    events_so_far = fitter.event_table["observed"].to_numpy()[
        fitter.event_table.index.to_numpy() <= days].sum()
    if events_so_far == 0:
        return (float(survival.iloc[position]), float("nan"), float("nan"))
    return (float(survival.iloc[position]), float(band.iloc[position, 0]),
            float(band.iloc[position, 1]))


def _endpoint_data(frame: pd.DataFrame, endpoint: str,
                   criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """Durations and events for ``pfs`` or ``dor`` (see module docstring)."""
    endpoint = endpoint.lower()
    if endpoint not in ("pfs", "dor"):
        raise ValueError(f"endpoint must be 'pfs' or 'dor', got {endpoint!r}")
    days_column = f"{endpoint}_days"
    for column in (days_column, "pfs_event"):
        if column not in frame.columns:
            raise RecistDataError(f"patient summary: missing column {column}")
    data = frame.copy()
    data["days"] = pd.to_numeric(data[days_column], errors="coerce")
    event = data["pfs_event"].map(lambda v: str(v).strip().lower() in ("true", "1", "yes",
                                                                       "1.0"))
    data["event"] = event.astype(bool)
    if endpoint == "dor":
        if not criteria.death_is_dor_event and "pd_date" in data.columns:
            by_pd = pd.to_datetime(data["pd_date"], errors="coerce") == pd.to_datetime(
                data["pfs_date"], errors="coerce")
            data["event"] = data["event"] & by_pd.to_numpy()
        data = data[data["days"].notna()]
        if "response_date" in data.columns:
            data = data[data["response_date"].notna()]
    return data[data["days"].notna()]


def time_to_event_summary(patient_summary: pd.DataFrame,
                          patients: pd.DataFrame | None = None, *, endpoint: str = "pfs",
                          months: tuple[float, ...] = (6, 12),
                          confidence: float = 0.95,
                          criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """Kaplan–Meier median and rates for PFS or DoR, per arm.

    Returns ``endpoint, arm, n, events, median_days, median_low, median_high`` (days) and,
    for each month m, ``rate_{m}m_pct, rate_{m}m_low_pct, rate_{m}m_high_pct``
    (percentages 0–100; NaN when follow-up does not reach m months or no median is
    reached).
    """
    from lifelines.utils import median_survival_times

    frame = _endpoint_data(_with_arm(patient_summary, patients), endpoint, criteria)
    rows = []
    for arm, group in _groups(frame):
        row: dict[str, object] = {"endpoint": endpoint.upper(), "arm": arm, "n": len(group),
                                  "events": int(group["event"].sum())}
        if len(group) == 0:
            rows.append(row)
            continue
        fitter = fit_kaplan_meier(group["days"], group["event"], label=f"{endpoint} {arm}",
                                  confidence=confidence)
        median = float(fitter.median_survival_time_)
        ci = median_survival_times(fitter.confidence_interval_)
        row.update(median_days=median if np.isfinite(median) else float("nan"),
                   median_low=_finite(ci.iloc[0, 0]), median_high=_finite(ci.iloc[0, 1]))
        for month in months:
            rate, low, high = _rate_at(fitter, month * DAYS_PER_MONTH)
            key = f"rate_{int(month) if float(month).is_integer() else month}m"
            row.update({f"{key}_pct": as_pct(rate), f"{key}_low_pct": as_pct(low),
                        f"{key}_high_pct": as_pct(high)})
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("median_days", "median_low", "median_high"):
        if column in table.columns:  # medians fall on event days: whole days
            table[column] = round_half_away(table[column].to_numpy(dtype=float), 0)
            table[column] = table[column].astype("Int64")
    return table


def _finite(value: float) -> float:
    value = float(value)
    return value if np.isfinite(value) else float("nan")


@dataclass(frozen=True)
class CohortSummary:
    """All cohort tables: ``response_rates``, ``bor_distribution``, ``pfs``, ``dor``."""

    response_rates: pd.DataFrame
    bor_distribution: pd.DataFrame
    pfs: pd.DataFrame
    dor: pd.DataFrame
    bor_column: str


def cohort_summary(patient_summary: pd.DataFrame, patients: pd.DataFrame | None = None, *,
                   use_confirmed: bool | None = None,
                   criteria: Criteria = RECIST_1_1) -> CohortSummary:
    """Compute every cohort table at once (see the module docstring)."""
    has_confirmed = ("confirmed_bor" in patient_summary.columns
                     and patient_summary["confirmed_bor"].notna().any())
    chosen = has_confirmed if use_confirmed is None else use_confirmed
    return CohortSummary(
        response_rates=response_rates(patient_summary, patients, use_confirmed=chosen),
        bor_distribution=bor_distribution(patient_summary, patients, use_confirmed=chosen),
        pfs=time_to_event_summary(patient_summary, patients, endpoint="pfs"),
        dor=time_to_event_summary(patient_summary, patients, endpoint="dor",
                                  criteria=criteria),
        bor_column="confirmed_bor" if chosen else "bor",
    )


def _pct(value: float) -> str:
    """A percentage (0–100) for the terminal: one decimal."""
    return "—" if pd.isna(value) else f"{value:.1f}%"


def _days(value: object) -> str:
    if value is None or pd.isna(value):
        return "NR"
    return f"{float(value):.0f} d"


def format_cohort_summary(summary: CohortSummary) -> str:
    """A readable plain-text rendering of a ``CohortSummary`` (for the terminal)."""
    lines = [f"Best overall response ({summary.bor_column}):"]
    table = summary.bor_distribution.pivot(index="bor", columns="arm", values="n")
    table = table.reindex([b for b in BOR_ORDER if b in table.index]
                          + [b for b in table.index if b not in BOR_ORDER])
    lines.append(table.fillna(0).astype(int).to_string())
    lines.append("")
    lines.append("Response rates (exact 95% CI):")
    for _, row in summary.response_rates.iterrows():
        lines.append(
            f"  {row['arm']:<20} n={row['n']:<4} ORR {row['orr_n']}/{row['n']} "
            f"{_pct(row['orr_pct'])} ({_pct(row['orr_low_pct'])}–"
            f"{_pct(row['orr_high_pct'])})   "
            f"DCR {row['dcr_n']}/{row['n']} {_pct(row['dcr_pct'])} "
            f"({_pct(row['dcr_low_pct'])}–{_pct(row['dcr_high_pct'])})"
        )
    for name, table in (("PFS", summary.pfs), ("Duration of response", summary.dor)):
        lines.append("")
        lines.append(f"{name} (Kaplan–Meier, 95% CI; NR = not reached):")
        for _, row in table.iterrows():
            text = f"  {row['arm']:<20} n={row['n']:<4} events={row['events']:<4}"
            if "median_days" in row and row["n"]:
                text += (f" median {_days(row.get('median_days'))} "
                         f"({_days(row.get('median_low'))}–{_days(row.get('median_high'))})")
                for month in (6, 12):
                    key = f"rate_{month}m_pct"
                    if key in row:
                        text += f"  {month}-mo {_pct(row[key])}"
            lines.append(text)
    return "\n".join(lines)
