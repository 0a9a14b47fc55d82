"""Cohort summary of follow-up after local treatment (DEC-27): Kaplan–Meier medians and
1- and 2-year rates of systemic-therapy-free survival, PFS after local treatment and
overall survival (lifelines, ``recist[stats]``), with counts of the first-recurrence
patterns and of repeat local treatments.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["ENDPOINTS", "endpoint_summary", "format_endpoint_summary", "pattern_counts"]

ENDPOINTS = {"stfs": "Systemic-therapy-free survival", "pfs_local": "PFS after local treatment",
             "os": "Overall survival"}
_YEAR = 365.25


def endpoint_summary(endpoints: pd.DataFrame) -> pd.DataFrame:
    """One row per endpoint: ``endpoint``, ``label``, ``n``, ``events``, ``median_days``
    and ``rate_1y_pct``, ``rate_2y_pct`` (Kaplan–Meier survival as percentages 0–100, 2
    decimals; NaN when not reached or beyond follow-up).

    ``endpoints`` is ``OligoResult.patients`` (``<name>_days`` and ``<name>_event``).
    """
    from recist.stats import as_pct, fit_kaplan_meier

    rows = []
    for name, label in ENDPOINTS.items():
        days = pd.to_numeric(endpoints[f"{name}_days"])
        events = endpoints[f"{name}_event"].astype(bool)
        row: dict[str, object] = {"endpoint": name, "label": label, "n": len(days),
                                  "events": int(events.sum())}
        if len(days):
            fitter = fit_kaplan_meier(days, events, label=label)
            median = float(fitter.median_survival_time_)
            row["median_days"] = median if math.isfinite(median) else float("nan")
            last = float(days.max())
            for years in (1, 2):
                at = years * _YEAR
                value = float(fitter.survival_function_at_times(at).iloc[0])
                row[f"rate_{years}y_pct"] = as_pct(value) if at <= last else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def pattern_counts(endpoints: pd.DataFrame) -> pd.DataFrame:
    """Patients by the pattern of their first recurrence (``none`` without one), with how
    many were still oligometastatic then.

    >>> e = pd.DataFrame({"first_recurrence_pattern": ["local", None, "local"],
    ...     "first_recurrence_oligometastatic": pd.array([True, None, False], dtype="boolean")})
    >>> pattern_counts(e).values.tolist()
    [['local', 2, 1], ['none', 1, 0]]
    """
    pattern = endpoints["first_recurrence_pattern"].fillna("none").astype(str)
    oligo = endpoints["first_recurrence_oligometastatic"].fillna(False).astype(bool)
    table = pd.DataFrame({"pattern": pattern, "oligo": oligo})
    out = table.groupby("pattern", sort=True).agg(patients=("oligo", "size"),
                                                   still_oligometastatic=("oligo", "sum"))
    return out.reset_index().astype({"patients": int, "still_oligometastatic": int})


def _days(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return "not reached" if math.isnan(number) else f"{number:.0f} days"


def _rate(value: object) -> str:
    """A percentage (0–100) for the terminal."""
    number = float(value)  # type: ignore[arg-type]
    return "-" if math.isnan(number) else f"{number:.0f}%"


def format_endpoint_summary(summary: pd.DataFrame, local_control: pd.DataFrame,
                            patterns: pd.DataFrame, n_repeat_local: int) -> str:
    """The summary as readable lines for ``recist summary``."""
    lines = ["Follow-up after local treatment (DEC-23..DEC-27)"]
    for row in summary.itertuples():
        lines.append(f"  {row.label}: {row.events}/{row.n} events, median "
                     f"{_days(row.median_days)}, 1 year {_rate(row.rate_1y_pct)}, 2 years "
                     f"{_rate(row.rate_2y_pct)}")
    for row in local_control.itertuples():
        lines.append(f"  Local control at {row.horizon}: {_rate(row.local_control_pct)} of "
                     f"{row.n_lesions} treated lesions ({row.local_failures} local failures, "
                     f"{row.deaths_first} deaths first; Aalen-Johansen)")
    shown = ", ".join(f"{r.pattern} {r.patients} ({r.still_oligometastatic} still "
                      "oligometastatic)" if r.pattern != "none" else f"none {r.patients}"
                      for r in patterns.itertuples())
    lines.append(f"  First recurrence: {shown}")
    lines.append(f"  Repeat local treatments: {n_repeat_local}")
    return "\n".join(lines)
