"""One size criterion (WHO, volumetric) assessed from per-lesion sizes and the RECIST 1.1
time points: sums, baseline, nadir, target, overall and best response.

``recist.who_criteria`` and ``recist.volumetric`` say what a lesion's size is (a product
of two diameters, a volume) and which thresholds apply; :func:`assess_size_criterion`
does the rest the RECIST way: the sum of the targets' sizes per time point (SUM-1, SUM-4,
SUM-6; a target not evaluated or without its size leaves the time point without a sum,
SUM-7), the baseline and the running nadir (SUM-8), the target response
(``recist.size_response.classify_size_sums``), the overall response from the cells of
Tables 1-2 with the reader's non-target and new-lesion calls (``recist.response_table``),
and BOR, confirmed BOR and PD date by the engine's own summary rules
(``recist.patient_summary.summarise_patients``). Complete response is the engine's
(TGT-CR): disappearance does not depend on how size is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import order_codes, round_half_away
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity
from recist.patient_summary import summarise_patients
from recist.reason_text import format_rows
from recist.response_table import (
    NEW_LESION_ORDER,
    NONTARGET_ORDER,
    OVERALL_CODES,
    OVERALL_LABELS,
    OVERALL_ORDER,
    TARGET_ORDER,
)
from recist.size_response import (
    SizeThresholds,
    classify_size_sums,
    percent_change,
    running_nadir,
    timepoint_of_rows,
)
from recist.vocabulary import LesionKind, TargetResponse, TargetStatus

__all__ = ["SizeCriterion", "SizeCriterionResult", "assess_size_criterion",
           "size_patient_columns", "size_timepoint_columns"]


@dataclass(frozen=True)
class SizeCriterion:
    """What a size criterion measures and how it reads the sums.

    ``prefix`` names its columns (``who``, ``volume``); ``unit`` (``mm2``, ``mm3``) ends
    the sum column; ``rule`` is the rule id cited in reasons and findings; ``what`` names
    the size in messages; ``too_small`` is the size of a ``too_small`` target.
    """

    prefix: str
    unit: str
    rule: str
    what: str
    thresholds: SizeThresholds
    too_small: float


@dataclass(frozen=True)
class SizeCriterionResult:
    """Columns for ``timepoints`` (same index) and ``patient_summary``, and findings."""

    timepoints: pd.DataFrame
    patients: pd.DataFrame
    findings: tuple[Finding, ...]


def size_timepoint_columns(prefix: str, unit: str) -> tuple[str, ...]:
    """The ``timepoints`` columns of a size criterion.

    >>> size_timepoint_columns("who", "mm2")[:2]
    ('who_sum_mm2', 'who_pct_from_baseline')
    """
    return (f"{prefix}_sum_{unit}", f"{prefix}_pct_from_baseline", f"{prefix}_pct_from_nadir",
            f"{prefix}_target_response", f"{prefix}_response", f"{prefix}_reasons")


def size_patient_columns(prefix: str, confirmation: bool) -> tuple[str, ...]:
    """The ``patient_summary`` columns of a size criterion (confirmed BOR only with
    confirmation).

    >>> size_patient_columns("volume", False)
    ('volume_bor', 'volume_pd_date')
    """
    return ((f"{prefix}_bor", f"{prefix}_confirmed_bor", f"{prefix}_pd_date") if confirmation
            else (f"{prefix}_bor", f"{prefix}_pd_date"))


def assess_size_criterion(measurements: pd.DataFrame, timepoints: pd.DataFrame,
                          size: npt.NDArray[np.float64], criterion: SizeCriterion,
                          patients: pd.DataFrame | None = None,
                          criteria: Criteria = RECIST_1_1) -> SizeCriterionResult:
    """Assess one size criterion (see the module docstring).

    ``size`` holds each measurement row's size (NaN where it is not given); only
    ``measured`` target rows read it. A ``measured`` target without its size makes its
    time point not evaluable under the criterion, with a finding
    ``<prefix>-size-missing`` naming patient, date and lesion.
    """
    row_tp, tps = timepoint_of_rows(measurements, timepoints)
    n_tp = len(timepoints)
    kind = measurements["kind"].to_numpy(dtype=object)
    status = measurements["status"].to_numpy(dtype=object)
    t_rows = np.flatnonzero(kind == LesionKind.TARGET)
    t_status = status[t_rows]
    measured = t_status == TargetStatus.MEASURED
    value = np.select([measured, t_status == TargetStatus.TOO_SMALL],
                      [size[t_rows], np.full(len(t_rows), criterion.too_small)], 0.0)
    lacking = measured & np.isnan(value)
    findings = _missing_findings(measurements, t_rows[lacking], criterion)
    d = criterion.thresholds.decimals
    sums = round_half_away(np.bincount(row_tp[t_rows], weights=np.nan_to_num(value),
                                       minlength=n_tp), d)
    tp_lacking = np.bincount(row_tp[t_rows], weights=lacking, minlength=n_tp) > 0
    engine_sum = timepoints["sum_mm"].to_numpy(dtype=float)
    has_targets = ~np.isnan(timepoints["baseline_sum_mm"].to_numpy(dtype=float))
    complete = ~np.isnan(engine_sum) & ~tp_lacking
    tp_order = tps["tp_order"].to_numpy(dtype=np.int64)
    base_index = np.flatnonzero(tp_order == 0)
    baseline_of = base_index[np.searchsorted(base_index, np.arange(n_tp), side="right") - 1]
    baseline = np.where(complete[baseline_of], sums[baseline_of], np.nan)
    nadir = running_nadir(sums, complete, tp_order)
    evaluated_sum = np.where(tp_lacking, np.nan, sums)  # PD from a partial sum (NE-2)
    cr = (timepoints["target_response"] == TargetResponse.CR).to_numpy()
    target = classify_size_sums(evaluated_sum, baseline, nadir, complete=complete,
                                cr_met=cr & complete, has_targets=has_targets,
                                thresholds=criterion.thresholds)
    follow = timepoints["overall_response"].notna().to_numpy()
    nontarget = order_codes(timepoints["nontarget_response"], NONTARGET_ORDER)
    new = order_codes(timepoints["new_lesions"], NEW_LESION_ORDER)
    engine = order_codes(timepoints["overall_response"], OVERALL_ORDER)
    engine_target = order_codes(timepoints["target_response"], TARGET_ORDER)
    overall = np.full(n_tp, -1, dtype=np.int64)
    table = np.full(n_tp, -1, dtype=np.int64)
    overall[follow] = OVERALL_CODES[target[follow], nontarget[follow], new[follow]]
    table[follow] = OVERALL_CODES[engine_target[follow], nontarget[follow], new[follow]]
    # A label the engine set after Tables 1-2 (DEC-13 back-dated PD, DEC-1) stands while
    # the target response agrees with the engine's.
    kept = follow & (table != engine) & (target == engine_target)
    overall[kept] = engine[kept]
    pct_base = np.where(complete, percent_change(sums, baseline, d), np.nan)
    pct_nadir = np.where(complete, percent_change(sums, nadir, d), np.nan)
    labels = OVERALL_LABELS[overall]  # code -1 (no response) reads None
    target_labels = np.array([*TARGET_ORDER, None], dtype=object)[
        np.where(follow, target, len(TARGET_ORDER))]
    p = criterion.prefix
    columns = size_timepoint_columns(p, criterion.unit)
    reasons = _reasons(criterion, target_labels, labels, evaluated_sum, baseline, nadir,
                       pct_base, pct_nadir, tp_lacking, follow)
    tp_out = pd.DataFrame({
        columns[0]: np.where(complete | (follow & ~tp_lacking & has_targets), sums, np.nan),
        columns[1]: pct_base, columns[2]: pct_nadir, columns[3]: target_labels,
        columns[4]: labels, columns[5]: reasons,
    }, index=timepoints.index)
    return SizeCriterionResult(tp_out, _summary(timepoints, labels, patients, criteria, p),
                               tuple(findings))


def _summary(timepoints: pd.DataFrame, labels: npt.NDArray[np.object_],
             patients: pd.DataFrame | None, criteria: Criteria, prefix: str) -> pd.DataFrame:
    """BOR, confirmed BOR and PD date under the criterion, by the engine's rules."""
    frame = timepoints[["patient_id", "date", "target_response"]].copy()
    frame["overall_response"] = labels
    summary = summarise_patients(frame, patients, criteria)
    out = pd.DataFrame({"patient_id": summary["patient_id"].to_numpy(dtype=object),
                        f"{prefix}_bor": summary["bor"].to_numpy(dtype=object)})
    if criteria.confirmation:
        out[f"{prefix}_confirmed_bor"] = summary["confirmed_bor"].to_numpy(dtype=object)
    out[f"{prefix}_pd_date"] = summary["pd_date"].to_numpy()
    return out


def _reasons(criterion: SizeCriterion, target: npt.NDArray[np.object_],
             overall: npt.NDArray[np.object_], total: npt.NDArray[np.float64],
             baseline: npt.NDArray[np.float64], nadir: npt.NDArray[np.float64],
             pct_base: npt.NDArray[np.float64], pct_nadir: npt.NDArray[np.float64],
             lacking: npt.NDArray[np.bool_], follow: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """The reasons column: the criterion's rule, the sum and its changes."""
    out = np.full(len(target), "", dtype=object)
    unit = criterion.unit.replace("mm2", "mm²").replace("mm3", "mm³")
    t = criterion.thresholds
    rule = criterion.rule
    for mask, template, columns in (
        (follow & (target == TargetResponse.PD),
         f"target PD ({rule}): sum %.2f {unit} is %+.2f%% over nadir %.2f {unit} "
         f"(≥ {t.pd_increase_pct:g}%%)", (total, pct_nadir, nadir)),
        (follow & (target == TargetResponse.PR),
         f"target PR ({rule}): sum %.2f {unit} is %+.2f%% from baseline %.2f {unit} "
         f"(≤ -{t.pr_decrease_pct:g}%%)", (total, pct_base, baseline)),
        (follow & (target == TargetResponse.SD),
         f"target SD ({rule}): sum %.2f {unit} is %+.2f%% from baseline and %+.2f%% from "
         "nadir", (total, pct_base, pct_nadir)),
        (follow & (target == TargetResponse.CR), f"target CR (TGT-CR, {rule})", ()),
        (follow & (target == TargetResponse.NE) & lacking,
         f"target NE ({rule}): a measured target has no {criterion.what}", ()),
        (follow & (target == TargetResponse.NE) & ~lacking,
         f"target NE ({rule}): a target not evaluated (SUM-7)", ()),
    ):
        if mask.any():
            out[mask] = format_rows(mask, template, *columns)
    has = follow & (out != "")
    out[has] = [f"{text}; overall {label}" for text, label in zip(out[has], overall[has])]
    out[follow & (out == "")] = [f"overall {label}" for label in overall[follow & (out == "")]]
    out[~follow] = "baseline"
    return out


def _missing_findings(measurements: pd.DataFrame, rows: npt.NDArray[np.intp],
                      criterion: SizeCriterion) -> list[Finding]:
    findings = []
    dates = pd.to_datetime(measurements["date"]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    for row in rows.tolist():
        patient = str(measurements["patient_id"].iat[row])
        lesion = str(measurements["lesion_id"].iat[row])
        findings.append(Finding(
            f"{criterion.prefix}-size-missing",
            f"patient {patient}, {dates[row]}, target {lesion}: measured but without its "
            f"{criterion.what}, so the time point has no {criterion.prefix} sum and is NE "
            f"under {criterion.rule}; record the {criterion.what} of this row",
            Severity.WARNING, patient_id=patient, date=dates[row], lesion_id=lesion,
            rule=criterion.rule))
    return findings
