"""Cumulative incidence of local failure with death as a competing risk (DEC-27).

The Aalen–Johansen estimator: with ``n_j`` lesions at risk just before day ``t_j``,
``d1_j`` local failures and ``d_j`` events of any kind on that day, and ``S`` the
Kaplan–Meier survival from any event,

    CIF(t) = Σ_{t_j ≤ t} S(t_{j−1}) · d1_j / n_j.

It is computed by lifelines' ``AalenJohansenFitter`` (``recist[stats]``). When a local
failure and a death fall on the same day, lifelines would jitter the times at random;
the formula above is exact with ties, so it is then evaluated directly (the two agree
when there are no such ties: tests). Local control at a time is ``1 − CIF``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import round_half_away

__all__ = ["LOCAL_CONTROL_DAYS", "aalen_johansen", "cumulative_incidence", "local_control"]

LOCAL_CONTROL_DAYS = {"1 year": 365.25, "2 years": 730.5}


def aalen_johansen(days: npt.ArrayLike, status: npt.ArrayLike,
                   event: int = 1) -> pd.Series:
    """The Aalen–Johansen CIF of ``event`` as a step function (index: days, from 0).

    ``status`` is 0 (censored) or an event code; every other code competes.

    >>> aalen_johansen([10, 20, 30, 40], [1, 2, 0, 1]).tolist()
    [0.0, 0.25, 0.25, 0.25, 0.75]
    """
    t = np.asarray(days, dtype=float)
    s = np.asarray(status, dtype=int)
    times = np.unique(t)
    at_risk = np.array([(t >= x).sum() for x in times], dtype=float)
    any_event = np.array([((t == x) & (s != 0)).sum() for x in times], dtype=float)
    mine = np.array([((t == x) & (s == event)).sum() for x in times], dtype=float)
    survival = np.cumprod(1.0 - any_event / at_risk)
    before = np.r_[1.0, survival[:-1]]
    cif = np.cumsum(before * mine / at_risk)
    return pd.Series(np.r_[0.0, cif], index=np.r_[0.0, times], name=f"CIF_{event}")


def cumulative_incidence(days: npt.ArrayLike, status: npt.ArrayLike,
                         event: int = 1) -> pd.Series:
    """CIF of ``event`` by lifelines' Aalen–Johansen fitter (exact formula with ties)."""
    t = np.asarray(days, dtype=float)
    s = np.asarray(status, dtype=int)
    if len(t) == 0:
        return pd.Series([0.0], index=[0.0], name=f"CIF_{event}")
    if np.isnan(t).any() or (t < 0).any():
        raise ValueError("time to local failure: days must be known and >= 0")
    observed = pd.DataFrame({"t": t, "e": s})[s != 0]
    tied = observed.groupby("t")["e"].nunique().gt(1).any()
    if tied:
        return aalen_johansen(t, s, event)
    try:
        from lifelines import AalenJohansenFitter
    except ImportError:
        raise ImportError("the cumulative incidence needs lifelines: pip install "
                          "'recist[stats]'") from None
    fitter = AalenJohansenFitter(calculate_variance=False)
    fitter.fit(t, s, event_of_interest=event)
    curve = fitter.cumulative_density_.iloc[:, 0]
    return pd.Series(curve.to_numpy(dtype=float), index=curve.index.to_numpy(dtype=float),
                     name=f"CIF_{event}")


def _at(curve: pd.Series, day: float) -> float:
    """The step function's value at ``day`` (NaN beyond the last time)."""
    if day > float(curve.index.max()):
        return float("nan")
    position = int(np.searchsorted(curve.index.to_numpy(), day, side="right")) - 1
    return float(curve.iloc[position])


def _pct(proportion: float) -> float:
    """A proportion (0–1) as a percentage with 2 decimals (NaN stays NaN).

    >>> _pct(0.6), _pct(1 - 0.6), _pct(float("nan"))
    (60.0, 40.0, nan)
    """
    return float(round_half_away(100.0 * proportion, 2))


def local_control(lesions: pd.DataFrame) -> pd.DataFrame:
    """Local control at 1 and 2 years from the per-lesion ``ttlf_days``/``ttlf_status``.

    One row per horizon: ``horizon``, ``days``, ``n_lesions``, ``local_failures``,
    ``deaths_first``, ``cumulative_incidence_pct``, ``local_control_pct`` (NaN when
    follow-up does not reach the horizon); percentages 0–100 rounded half away from zero
    to 2 decimals.
    """
    curve = cumulative_incidence(lesions["ttlf_days"], lesions["ttlf_status"])
    rows = []
    for horizon, day in LOCAL_CONTROL_DAYS.items():
        cif = _at(curve, day)
        rows.append({"horizon": horizon, "days": day, "n_lesions": len(lesions),
                     "local_failures": int((lesions["ttlf_status"] == 1).sum()),
                     "deaths_first": int((lesions["ttlf_status"] == 2).sum()),
                     "cumulative_incidence_pct": _pct(cif),
                     "local_control_pct": _pct(1.0 - cif)})
    return pd.DataFrame(rows)
