"""Comparing time-to-event endpoints between arms: hazard ratio and log-rank test.

* **Hazard ratio**: a Cox proportional-hazards model with one indicator per arm
  other than the reference arm (Efron's handling of tied times, lifelines'
  ``CoxPHFitter``); the hazard ratio is ``exp(coef)`` with its Wald confidence interval.
  HR < 1 means the arm has fewer events per unit time than the reference arm.
* **Log-rank test**: the (Mantel–Cox) log-rank chi-square test of equal
  survival in every arm, unstratified; with k arms it has k − 1 degrees of freedom.
* The **reference arm** is ``reference`` when given, else the first arm in sorted order
  (a project decision, documented in docs/tables.md, "Cohort report"; alternatives: a
  protocol-named control arm, which ``reference`` gives).

A comparison that cannot be estimated (one arm only, an arm without patients, no event
in an arm so the Cox model does not converge) gives NaN with the reason in ``note``,
never a number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["compare_arms"]


def _not_estimable(endpoint: str, reference: str, arm: str, n: int, events: int,
                   note: str) -> dict[str, object]:
    return {"endpoint": endpoint, "reference_arm": reference, "arm": arm, "n": n,
            "events": events, "hr": float("nan"), "hr_low": float("nan"),
            "hr_high": float("nan"), "logrank_p": float("nan"), "note": note}


def compare_arms(days: pd.Series, events: pd.Series, arms: pd.Series, *,
                 endpoint: str = "PFS", reference: str | None = None,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Hazard ratio of each arm against the reference arm and the log-rank p-value.

    The methods and the choice of the reference arm are in the module docstring.

    Parameters
    ----------
    days, events, arms
        One value per patient: the duration (days, >= 0), whether it ended with the event
        (true) or is censored (false), and the arm.
    endpoint
        Name copied into the ``endpoint`` column (PFS, OS, DoR …).
    reference
        The reference (control) arm; the first arm in sorted order by default.
    confidence
        Level of the hazard-ratio interval.

    Returns
    -------
    pandas.DataFrame
        One row per arm other than the reference: ``endpoint, reference_arm, arm, n,
        events, hr, hr_low, hr_high, logrank_p, note`` (``logrank_p`` is the test of all
        arms together, the same on every row; ``note`` is empty or says why NaN).
    """
    from lifelines import CoxPHFitter
    from lifelines.statistics import multivariate_logrank_test

    frame = pd.DataFrame({"days": pd.to_numeric(pd.Series(days).to_numpy(), errors="coerce"),
                          "event": pd.Series(events).astype(bool).to_numpy(),
                          "arm": pd.Series(arms).astype("string").to_numpy()})
    frame = frame[frame["days"].notna() & frame["arm"].notna()]
    names = sorted(frame["arm"].unique())
    if reference is None:
        reference = names[0] if names else ""
    columns = ["endpoint", "reference_arm", "arm", "n", "events", "hr", "hr_low",
               "hr_high", "logrank_p", "note"]
    others = [a for a in names if a != reference]
    if reference not in names or not others:
        return pd.DataFrame(columns=columns)
    counts = frame.groupby("arm")["event"].agg(["size", "sum"])
    logrank = multivariate_logrank_test(frame["days"], frame["arm"], frame["event"])
    p_value = float(logrank.p_value)
    design = pd.DataFrame({"days": frame["days"], "event": frame["event"].astype(int)})
    for arm in others:
        design[f"arm={arm}"] = (frame["arm"] == arm).astype(float)
    rows = []
    fitted = None
    note = ""
    if (counts["sum"] == 0).any():
        note = "an arm has no event: the hazard ratio is not estimable"
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fitted = CoxPHFitter(alpha=1.0 - confidence).fit(
                    design, duration_col="days", event_col="event")
        except Exception:  # lifelines: ConvergenceError / ConvergenceWarning
            note = "the Cox model did not converge: the hazard ratio is not estimable"
    for arm in others:
        n, n_events = int(counts.loc[arm, "size"]), int(counts.loc[arm, "sum"])
        if fitted is None:
            row = _not_estimable(endpoint, reference, arm, n, n_events, note)
            row["logrank_p"] = p_value
            rows.append(row)
            continue
        summary = fitted.summary.loc[f"arm={arm}"]
        level = round(100 * confidence)
        rows.append({"endpoint": endpoint, "reference_arm": reference, "arm": arm, "n": n,
                     "events": n_events, "hr": float(np.exp(summary["coef"])),
                     "hr_low": float(summary[f"exp(coef) lower {level}%"]),
                     "hr_high": float(summary[f"exp(coef) upper {level}%"]),
                     "logrank_p": p_value, "note": ""})
    return pd.DataFrame(rows, columns=columns)
