"""Agreement between response criteria on a cohort (AGR-1..3): cross-tables of time point
and best responses, Cohen's kappa, and the reason of every disagreement.

The inputs are ``respond``'s time points and patient summary with the columns the other
criteria added (``recist.irecist``, ``recist.who_criteria``, ``recist.volumetric``);
RECIST 1.1 is the reference every other criterion is compared with. iRECIST's labels are
compared through their RECIST 1.1 meaning (iCR → CR …; iUPD and iCPD → PD), so that an
iUPD that RECIST calls PD agrees and an iRECIST reset after a RECIST PD does not (AGR-1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["AGREEMENT_COLUMNS", "CRITERIA_COLUMNS", "DISAGREEMENT_COLUMNS", "KAPPA_COLUMNS",
           "RATE_COLUMNS", "agreement_tables", "cohen_kappa", "criteria_rates"]

CRITERIA_COLUMNS: dict[str, tuple[str, str, str]] = {
    # criterion -> (time point response, reasons, best response) columns
    "irecist": ("irecist_response", "irecist_reasons", "irecist_bor"),
    "who": ("who_response", "who_reasons", "who_bor"),
    "volumetric": ("volume_response", "volume_reasons", "volume_bor"),
}
AGREEMENT_COLUMNS = ("level", "criterion", "recist_response", "other_response", "count")
KAPPA_COLUMNS = ("level", "criterion", "n", "agreeing", "agreement", "kappa")
DISAGREEMENT_COLUMNS = ("patient_id", "visit", "date", "criterion", "recist_response",
                        "other_response", "reason")

RATE_COLUMNS = ("criterion", "bor_column", "n", "responders", "orr", "orr_ci_low",
                "orr_ci_high", "disease_control", "dcr", "dcr_ci_low", "dcr_ci_high")

_IRECIST_AS_RECIST = {"iCR": "CR", "iPR": "PR", "iSD": "SD", "NON-iCR/NON-iUPD": "NON-CR/NON-PD",
                      "iUPD": "PD", "iCPD": "PD", "iNE": "NE"}


def cohen_kappa(first: Sequence[object], second: Sequence[object]) -> float:
    """Cohen's kappa of two raters' categories (AGR-2): (p_o − p_e) / (1 − p_e); NaN
    without pairs, 1.0 when both use one and the same category throughout.

    >>> cohen_kappa(["PR", "SD", "SD", "PD"], ["PR", "SD", "PD", "PD"])
    0.6363636363636364
    """
    a = pd.Series(list(first), dtype=object)
    b = pd.Series(list(second), dtype=object)
    if len(a) == 0:
        return float("nan")
    observed = float((a.to_numpy() == b.to_numpy()).mean())
    pa = a.value_counts(normalize=True)
    pb = b.value_counts(normalize=True)
    expected = float(sum(pa.get(k, 0.0) * pb.get(k, 0.0) for k in set(pa.index) | set(pb.index)))
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else float("nan")
    return (observed - expected) / (1.0 - expected)


def _comparable(criterion: str, values: pd.Series) -> pd.Series:
    if criterion == "irecist":
        return values.map(lambda v: _IRECIST_AS_RECIST.get(v, v) if isinstance(v, str) else v)
    return values


def _first_clause(text: object) -> str:
    return str(text).split("; overall")[0] if isinstance(text, str) else ""


def agreement_tables(timepoints: pd.DataFrame, summary: pd.DataFrame,
                     criteria_names: Sequence[str],
                     bor_column: str = "bor") -> dict[str, pd.DataFrame]:
    """The cross-tables, kappas and disagreements of RECIST 1.1 and each other criterion.

    AGR-1: per criterion, each follow-up time point (overall response) and each patient
    (``bor_column``: ``bor``, or ``confirmed_bor`` with confirmation; the criteria's
    ``*_bor``) is a pair (RECIST 1.1 value, the criterion's value), iRECIST read in RECIST
    terms; ``agreement`` counts each pair (``AGREEMENT_COLUMNS``).
    AGR-2: ``kappa``: pairs, agreeing pairs, their share and Cohen's kappa
    (``KAPPA_COLUMNS``).
    AGR-3: ``disagreements``: every time point where they differ, with both criteria's
    deciding rule and numbers from their reasons (``DISAGREEMENT_COLUMNS``).

    Returns ``{"agreement": …, "kappa": …, "disagreements": …}``.
    """
    follow = timepoints["overall_response"].notna()
    tp = timepoints[follow]
    cross, kappas, disagreements = [], [], []
    for criterion in criteria_names:
        if criterion not in CRITERIA_COLUMNS:
            continue
        response, reasons, best = CRITERIA_COLUMNS[criterion]
        for level, recist_values, other_values in (
            ("time point", tp["overall_response"], _comparable(criterion, tp[response])),
            ("best response", summary[bor_column],
             _comparable(criterion, summary[best]) if best in summary else None),
        ):
            if other_values is None:
                continue
            pairs = pd.DataFrame({"recist_response": recist_values.fillna("NE").to_numpy(),
                                  "other_response": other_values.fillna("NE").to_numpy()})
            counts = (pairs.value_counts().rename("count").reset_index()
                      .sort_values(["recist_response", "other_response"], kind="stable"))
            cross.append(counts.assign(level=level, criterion=criterion))
            same = pairs["recist_response"].to_numpy() == pairs["other_response"].to_numpy()
            kappas.append({"level": level, "criterion": criterion, "n": len(pairs),
                           "agreeing": int(same.sum()),
                           "agreement": float(same.mean()) if len(pairs) else np.nan,
                           "kappa": cohen_kappa(pairs["recist_response"],
                                                pairs["other_response"])})
        other = _comparable(criterion, tp[response])
        differ = (tp["overall_response"].to_numpy() != other.to_numpy())
        rows = tp[differ]
        if len(rows):
            disagreements.append(pd.DataFrame({
                "patient_id": rows["patient_id"].to_numpy(dtype=object),
                "visit": rows["visit"].to_numpy(dtype=object),
                "date": rows["date"].to_numpy(),
                "criterion": criterion,
                "recist_response": rows["overall_response"].to_numpy(dtype=object),
                "other_response": rows[response].to_numpy(dtype=object),
                "reason": [f"RECIST 1.1: {_first_clause(a)} | {criterion}: {_first_clause(b)}"
                           for a, b in zip(rows["reasons"], rows[reasons])],
            }))
    agreement = (pd.concat(cross, ignore_index=True)[list(AGREEMENT_COLUMNS)] if cross
                 else pd.DataFrame(columns=list(AGREEMENT_COLUMNS)))
    kappa = pd.DataFrame(kappas, columns=list(KAPPA_COLUMNS))
    differences = (pd.concat(disagreements, ignore_index=True) if disagreements
                   else pd.DataFrame(columns=list(DISAGREEMENT_COLUMNS)))
    return {"agreement": agreement, "kappa": kappa, "disagreements": differences}


def criteria_rates(summary: pd.DataFrame, criteria_names: Sequence[str],
                   confirmed: bool = False) -> pd.DataFrame:
    """ORR and DCR of the cohort under each criterion, with Clopper-Pearson 95 % CIs
    (AGR-1; ``RATE_COLUMNS``).

    Responders: best response CR or PR (iCR, iPR); disease control: also SD and
    NON-CR/NON-PD (their i forms). With ``confirmed`` the confirmed BOR of RECIST 1.1,
    WHO and volumetric is used (iRECIST's iBOR needs no confirmation, IR-9).

    >>> s = pd.DataFrame({"bor": ["PR", "SD", "PD"], "who_bor": ["SD", "SD", "PD"]})
    >>> criteria_rates(s, ["recist1.1", "who"])[["criterion", "responders", "dcr"]].values.tolist()
    [['recist1.1', 1, 0.6666666666666666], ['who', 0, 0.6666666666666666]]
    """
    from recist.stats import clopper_pearson

    columns = {"recist1.1": "confirmed_bor" if confirmed else "bor",
               "irecist": "irecist_bor",
               "who": "who_confirmed_bor" if confirmed else "who_bor",
               "volumetric": "volume_confirmed_bor" if confirmed else "volume_bor"}
    rows = []
    for name in criteria_names:
        column = columns.get(name)
        if column is None or column not in summary.columns:
            continue
        values = summary[column].map(
            lambda v: _IRECIST_AS_RECIST.get(v, v) if isinstance(v, str) else v)
        n = len(values)
        responders = int(values.isin(["CR", "PR"]).sum())
        control = int(values.isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).sum())
        orr_ci = clopper_pearson(responders, n) if n else (np.nan, np.nan)
        dcr_ci = clopper_pearson(control, n) if n else (np.nan, np.nan)
        rows.append({"criterion": name, "bor_column": column, "n": n,
                     "responders": responders, "orr": responders / n if n else np.nan,
                     "orr_ci_low": orr_ci[0], "orr_ci_high": orr_ci[1],
                     "disease_control": control, "dcr": control / n if n else np.nan,
                     "dcr_ci_low": dcr_ci[0], "dcr_ci_high": dcr_ci[1]})
    return pd.DataFrame(rows, columns=list(RATE_COLUMNS))
