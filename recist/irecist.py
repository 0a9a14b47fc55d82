"""iRECIST from the measurements table and the RECIST 1.1 time points (IR-1..10).

Seymour L, Bogaerts J, Perrone A, et al. iRECIST: guidelines for response criteria for use
in trials testing immunotherapeutics. Lancet Oncol 2017;18:e143-e152 ("iR" in
docs/rules.md, section 17). RECIST 1.1 decides every time point until its first PD, which
iRECIST calls iUPD (unconfirmed); the next assessment 4 to 8 weeks later confirms it
(iCPD) by further growth in the categories that progressed, by RECIST 1.1 progression in
another category, or by more new lesions; when instead every category is free of
progression and no new lesion is seen, the iUPD is not confirmed and the assessment
"resets" to RECIST 1.1 (iCR, iPR, iSD, NON-iCR/NON-iUPD), so that the next iUPD needs a
fresh RECIST 1.1 progression. New lesions are measured apart: up to 5 new-lesion targets
(2 per organ), whose sum is followed but never added to the target sum.

The module is pure: it reads the engine's time points (target, non-target, new-lesion
and overall responses; dates) and the measurements (target diameters, new lesions), and
returns its own frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.best_response import meets_sd_minimum
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity
from recist.organs import organ_key
from recist.patients import normalise_patients
from recist.size_response import timepoint_of_rows
from recist.vocabulary import (
    IRecistResponse,
    LesionKind,
    NewLesions,
    NewLesionStatus,
    NonTargetResponse,
    OverallResponse,
    TargetResponse,
    TargetStatus,
)

__all__ = ["IRECIST_PATIENT_COLUMNS", "IRECIST_TIMEPOINT_COLUMNS", "IRecistResult",
           "assess_irecist", "best_overall_iresponse", "select_new_lesion_targets"]

IRECIST_TIMEPOINT_COLUMNS = ("irecist_response", "new_target_sum_mm", "n_new_targets",
                             "n_new_nontargets", "irecist_reasons")
IRECIST_PATIENT_COLUMNS = ("irecist_bor", "irecist_bor_date", "iupd_date", "icpd_date",
                           "irecist_pd_date")

IR = IRecistResponse
_FROM_RECIST = {OverallResponse.CR: IR.ICR, OverallResponse.PR: IR.IPR,
                OverallResponse.SD: IR.ISD, OverallResponse.NON_CR_NON_PD: IR.NON_ICR_NON_IUPD,
                OverallResponse.PD: IR.IUPD, OverallResponse.NE: IR.INE}


@dataclass(frozen=True)
class IRecistResult:
    """``timepoints``: ``IRECIST_TIMEPOINT_COLUMNS``, one row per engine time point (same
    index); ``patients``: ``patient_id`` and ``IRECIST_PATIENT_COLUMNS``; ``findings``."""

    timepoints: pd.DataFrame
    patients: pd.DataFrame
    findings: tuple[Finding, ...]


def select_new_lesion_targets(new: pd.DataFrame,
                              criteria: Criteria = RECIST_1_1) -> set[tuple[str, str]]:
    """The new lesions measured as new-lesion targets (IR-5), as (patient, lesion) pairs.

    IR-5 (iR, "New lesions"): ``new`` holds one row per unequivocal new-lesion row with
    ``patient_id``, ``lesion_id``, ``tp_order``, ``nodal``, ``organ`` and ``diameter_mm``
    (SA of a node, else LD; NaN when not given).

    1. A new lesion is measurable at its first unequivocal sighting when its LD is at
       least ``measurable_ld_mm`` (10 mm), a node's SA at least ``node_measurable_sa_mm``
       (15 mm), as at baseline (MEAS-1, MEAS-4).
    2. In order of first sighting, the largest first, measurable new lesions become
       new-lesion targets while the patient has fewer than ``irecist_max_new_targets`` (5)
       and their organ (DEC-21 key) fewer than ``irecist_max_new_targets_per_organ`` (2).
    3. Every other new lesion is a new-lesion non-target.

    >>> rows = pd.DataFrame({"patient_id": ["P"] * 4, "lesion_id": ["A", "B", "C", "D"],
    ...     "tp_order": [1, 1, 1, 2], "nodal": [False] * 4,
    ...     "organ": ["liver", "liver", "liver", "lung"],
    ...     "diameter_mm": [12.0, 20.0, 15.0, 8.0]})
    >>> sorted(select_new_lesion_targets(rows))
    [('P', 'B'), ('P', 'C')]
    """
    if new.empty:
        return set()
    first = (new.sort_values(["patient_id", "lesion_id", "tp_order"], kind="stable")
             .drop_duplicates(["patient_id", "lesion_id"]))
    threshold = np.where(first["nodal"].to_numpy(dtype=bool), criteria.node_measurable_sa_mm,
                         criteria.measurable_ld_mm)
    measurable = first[first["diameter_mm"].to_numpy(dtype=float) >= threshold]
    measurable = measurable.assign(_size=-measurable["diameter_mm"].astype(float)).sort_values(
        ["patient_id", "tp_order", "_size", "lesion_id"], kind="stable")
    chosen: set[tuple[str, str]] = set()
    per_patient: dict[str, int] = {}
    per_organ: dict[tuple[str, str | None], int] = {}
    for row in measurable.itertuples(index=False):
        patient = str(row.patient_id)
        organ = (patient, organ_key(row.organ, bool(row.nodal)))
        if (per_patient.get(patient, 0) >= criteria.irecist_max_new_targets
                or per_organ.get(organ, 0) >= criteria.irecist_max_new_targets_per_organ):
            continue
        chosen.add((patient, str(row.lesion_id)))
        per_patient[patient] = per_patient.get(patient, 0) + 1
        per_organ[organ] = per_organ.get(organ, 0) + 1
    return chosen


def best_overall_iresponse(responses: list[str], dates: list[date], start: date,
                           criteria: Criteria = RECIST_1_1) -> tuple[str, int | None]:
    """Best overall iResponse and the index of its time point (IR-9).

    IR-9 (iR Table 3; BOR-4 and DEC-6 for the minimum duration):

    1. Time points up to and including the first iCPD count; those after an unconfirmed
       iUPD count too.
    2. An iSD (and, with ``sd_min_for_non_cr_non_pd``, a NON-iCR/NON-iUPD) less than
       ``sd_min_days`` after the start counts as iNE.
    3. The best in the order iCR > iPR > iSD > NON-iCR/NON-iUPD > iUPD > iCPD > iNE;
       its time point is the first reaching it. No time point → iNE.

    >>> d = [date(2024, 2, 20), date(2024, 4, 1), date(2024, 5, 1)]
    >>> best_overall_iresponse(["iUPD", "iPR", "iCPD"], d, date(2024, 1, 1))
    ('iPR', 1)
    >>> best_overall_iresponse(["iUPD", "iNE"], d[:2], date(2024, 1, 1))
    ('iUPD', 0)
    """
    best, index = IR.INE, None
    for position, (response, when) in enumerate(zip(responses, dates)):
        value = IR(response)
        if value in (IR.ISD, IR.NON_ICR_NON_IUPD) and not meets_sd_minimum(when, start, criteria):
            if value == IR.ISD or criteria.sd_min_for_non_cr_non_pd:
                value = IR.INE
        if index is None or value.rank < best.rank:
            best, index = value, position
        if response == IR.ICPD:
            break
    return best.value, (index if responses else None)


def _new_lesion_table(measurements: pd.DataFrame, row_tp: npt.NDArray[np.int64],
                      tp_order: npt.NDArray[np.int64]) -> pd.DataFrame:
    kind = measurements["kind"].to_numpy(dtype=object)
    status = measurements["status"].to_numpy(dtype=object)
    rows = np.flatnonzero((kind == LesionKind.NEW) & (status == NewLesionStatus.UNEQUIVOCAL))
    nodal = measurements["nodal"].to_numpy(dtype=bool)[rows]
    diameter = np.where(nodal, measurements["sa_mm"].to_numpy(dtype=float)[rows],
                        measurements["ld_mm"].to_numpy(dtype=float)[rows])
    organ = (measurements["organ"].to_numpy(dtype=object)[rows] if "organ" in measurements
             else np.full(len(rows), None, dtype=object))
    return pd.DataFrame({
        "patient_id": measurements["patient_id"].astype(str).to_numpy(dtype=object)[rows],
        "lesion_id": measurements["lesion_id"].astype(str).to_numpy(dtype=object)[rows],
        "tp": row_tp[rows], "tp_order": tp_order[row_tp[rows]], "nodal": nodal,
        "organ": organ, "diameter_mm": diameter,
    })


def _target_sums(measurements: pd.DataFrame, row_tp: npt.NDArray[np.int64], n_tp: int,
                 criteria: Criteria) -> npt.NDArray[np.float64]:
    """The sum of the evaluated targets of each time point (SUM-1, SUM-4, NE-2)."""
    kind = measurements["kind"].to_numpy(dtype=object)
    status = measurements["status"].to_numpy(dtype=object)
    nodal = measurements["nodal"].to_numpy(dtype=bool)
    diameter = np.where(nodal, measurements["sa_mm"].to_numpy(dtype=float),
                        measurements["ld_mm"].to_numpy(dtype=float))
    value = np.select([status == TargetStatus.MEASURED, status == TargetStatus.TOO_SMALL],
                      [diameter, np.full(len(status), criteria.too_small_mm)], 0.0)
    rows = kind == LesionKind.TARGET
    return np.bincount(row_tp[rows], weights=np.nan_to_num(value[rows]),
                       minlength=n_tp).astype(float)


def assess_irecist(measurements: pd.DataFrame, timepoints: pd.DataFrame,
                   patients: pd.DataFrame | None = None,
                   criteria: Criteria = RECIST_1_1) -> IRecistResult:
    """iRECIST time point responses, best overall iResponse and dates (IR-1..10).

    Per patient, time points in order (the baseline has no response):

    1. IR-1: before any iUPD, and after a reset, the iRECIST response is the RECIST 1.1
       overall response with an i (CR → iCR …, NE → iNE); RECIST 1.1 PD → iUPD (IR-2),
       remembering which categories progressed (targets, non-targets, new lesions).
    2. IR-3: after an iUPD, an assessment less than ``irecist_confirm_min_days`` (28)
       after it neither confirms nor resets (iUPD); later than
       ``irecist_confirm_max_days`` (56) it still does, with a finding.
    3. IR-4: iCPD when any of: the target sum (evaluated targets) grew by at least
       ``irecist_target_increase_mm`` (5 mm) over the iUPD sum after a target iUPD;
       RECIST 1.1 target PD after an iUPD from other categories; a non-target recorded
       ``progression`` (IR-4, a decision); an unequivocal new lesion not seen before; the
       new-lesion target sum grew by at least ``irecist_new_sum_increase_mm`` (5 mm)
       over its value at the iUPD.
    4. IR-6: an NE assessment leaves the iUPD pending (iNE); one still showing
       progression without confirming it keeps it (iUPD).
    5. IR-8: an assessment without any progression (target, non-target) and without an
       unequivocal new lesion resets: its RECIST 1.1 response with an i.
    6. IR-7: after iCPD every later time point is iCPD.
    7. IR-5: new-lesion targets (``select_new_lesion_targets``) and their sum per time
       point; IR-10: unequivocal new lesions without a diameter are new non-targets,
       with a finding.
    8. IR-9: ``best_overall_iresponse`` from ``start_date`` (DEC-7 fallback: the baseline
       date), time points on or after ``new_therapy_date`` left out (DEC-17).
    """
    row_tp, tps = timepoint_of_rows(measurements, timepoints)
    n_tp = len(timepoints)
    tp_order = tps["tp_order"].to_numpy(dtype=np.int64)
    new = _new_lesion_table(measurements, row_tp, tp_order)
    targets = select_new_lesion_targets(new, criteria)
    is_target = np.array([(p, lesion) in targets for p, lesion in
                          zip(new["patient_id"], new["lesion_id"])], dtype=bool)
    raw_sum = np.bincount(new["tp"].to_numpy(dtype=np.int64)[is_target],
                          weights=np.nan_to_num(new["diameter_mm"].to_numpy(dtype=float)[
                              is_target]), minlength=n_tp)
    missing = np.bincount(new["tp"].to_numpy(dtype=np.int64)[is_target],
                          weights=np.isnan(new["diameter_mm"].to_numpy(dtype=float)[is_target]),
                          minlength=n_tp) > 0
    new_sum: npt.NDArray[np.float64] = np.where(missing, np.nan, raw_sum).astype(float)
    n_new_targets = np.bincount(new["tp"].to_numpy(dtype=np.int64)[is_target], minlength=n_tp)
    n_new_nontargets = np.bincount(new["tp"].to_numpy(dtype=np.int64)[~is_target],
                                   minlength=n_tp)
    # Every new lesion seen, equivocal ones too: a lesion equivocal at the iUPD and
    # unequivocal later is the same lesion, not "more new lesions" (IR-4).
    ids_at: dict[int, set[str]] = {}
    kind = measurements["kind"].to_numpy(dtype=object)
    lesion_ids = measurements["lesion_id"].astype(str).to_numpy(dtype=object)
    for row in np.flatnonzero(kind == LesionKind.NEW).tolist():
        ids_at.setdefault(int(row_tp[row]), set()).add(lesion_ids[row])
    unequivocal_at: dict[int, set[str]] = {}
    for tp, lesion in zip(new["tp"].tolist(), new["lesion_id"].tolist()):
        unequivocal_at.setdefault(tp, set()).add(lesion)
    findings = _unmeasured_findings(new, targets, timepoints)
    target_sum = _target_sums(measurements, row_tp, n_tp, criteria)

    responses = np.full(n_tp, None, dtype=object)
    reasons = np.full(n_tp, "", dtype=object)
    ids = timepoints["patient_id"].astype(str).to_numpy(dtype=object)
    dates = pd.to_datetime(timepoints["date"]).dt.date.to_numpy(dtype=object)
    overall = timepoints["overall_response"].to_numpy(dtype=object)
    target = timepoints["target_response"].to_numpy(dtype=object)
    nontarget = timepoints["nontarget_response"].to_numpy(dtype=object)
    new_call = timepoints["new_lesions"].to_numpy(dtype=object)
    state: dict[str, Any] = {}
    for i in range(n_tp):
        if tp_order[i] == 0:
            state = {"mode": "recist", "seen": set(ids_at.get(i, set()))}
            reasons[i] = "baseline"
            continue
        label, why, finding = _step(state, i, overall[i], target[i], nontarget[i],
                                    new_call[i], target_sum, new_sum,
                                    unequivocal_at.get(i, set()),
                                    dates, criteria)
        responses[i], reasons[i] = label, why
        if finding is not None:
            findings.append(Finding(
                "irecist-confirmation-late",
                f"patient {ids[i]}, time point {timepoints['visit'].iat[i]} "
                f"({dates[i].isoformat()}): {finding}", Severity.WARNING,
                patient_id=str(ids[i]), date=dates[i].isoformat(),
                visit=str(timepoints["visit"].iat[i]), rule="IR-3"))
        state["seen"] |= ids_at.get(i, set())
    tp_out = pd.DataFrame({
        "irecist_response": responses,
        "new_target_sum_mm": np.where(n_new_targets > 0, new_sum, np.nan),
        "n_new_targets": n_new_targets.astype(np.int64),
        "n_new_nontargets": n_new_nontargets.astype(np.int64),
        "irecist_reasons": reasons,
    }, index=timepoints.index)
    patients_out = _patient_rows(ids, dates, tp_order, responses, patients, criteria)
    return IRecistResult(tp_out, patients_out, tuple(findings))


def _step(state: dict[str, Any], i: int, overall: str, target: str, nontarget: str,
          new_call: str, target_sum: npt.NDArray[np.float64],
          new_sum: npt.NDArray[np.float64], new_ids: set[str], dates: npt.NDArray[Any],
          criteria: Criteria) -> tuple[str, str, str | None]:
    """One time point of the iRECIST state machine: (label, reason, late-confirmation
    note or None); ``state`` is updated."""
    mode = state["mode"]
    if mode == "icpd":
        return IR.ICPD.value, f"after iCPD on {state['icpd'].isoformat()} (IR-7)", None
    if mode == "recist":
        label = _FROM_RECIST[OverallResponse(overall)]
        if label != IR.IUPD:
            after = " after a reset (IR-8)" if state.get("reset") else ""
            return label.value, f"RECIST 1.1 {overall}{after} (IR-1)", None
        trigger = {c for c, hit in (("targets", target == TargetResponse.PD),
                                    ("non-targets", nontarget == NonTargetResponse.PD),
                                    ("new lesions", new_call != NewLesions.N)) if hit}
        state.update(mode="iupd", iupd=i, trigger=trigger, seen_at_iupd=set(state["seen"]))
        state.setdefault("first_iupd", dates[i])
        return (IR.IUPD.value, "RECIST 1.1 PD from the " + " and ".join(sorted(trigger))
                + ": unconfirmed progression (IR-2)", None)
    u = state["iupd"]
    days = (dates[i] - dates[u]).days
    if days < criteria.irecist_confirm_min_days:
        return (IR.IUPD.value, f"{days} days after the iUPD of {dates[u].isoformat()}: too "
                f"early to confirm or reset (< {criteria.irecist_confirm_min_days}, IR-3)",
                None)
    if overall == OverallResponse.NE and target != TargetResponse.PD:
        return (IR.INE.value, f"not evaluable: the iUPD of {dates[u].isoformat()} stays "
                "unconfirmed (IR-6)", None)
    confirmed = _confirmations(state, i, target, nontarget, target_sum, new_sum, new_ids,
                               criteria)
    late = None
    if confirmed:
        if days > criteria.irecist_confirm_max_days:
            late = (f"the iUPD of {dates[u].isoformat()} is confirmed {days} days later, "
                    f"beyond the {criteria.irecist_confirm_max_days} days of iRECIST (IR-3)")
        state.update(mode="icpd", icpd=dates[i], confirmed_iupd=dates[u])
        return (IR.ICPD.value, f"iUPD of {dates[u].isoformat()} confirmed: "
                + "; ".join(confirmed) + " (IR-4)", late)
    progressing = (target == TargetResponse.PD or nontarget == NonTargetResponse.PD
                   or new_call == NewLesions.Y or overall == OverallResponse.PD)
    if progressing:
        return (IR.IUPD.value, f"progression persists without the growth that confirms the "
                f"iUPD of {dates[u].isoformat()} (IR-6)", None)
    state.update(mode="recist", reset=True)
    label = _FROM_RECIST[OverallResponse(overall)]
    return (label.value, f"RECIST 1.1 {overall}: the iUPD of {dates[u].isoformat()} is not "
            "confirmed and resets (IR-8)", None)


def _confirmations(state: dict[str, Any], i: int, target: str, nontarget: str,
                   target_sum: npt.NDArray[np.float64], new_sum: npt.NDArray[np.float64],
                   new_ids: set[str], criteria: Criteria) -> list[str]:
    """IR-4: what confirms the pending iUPD at time point ``i`` (empty: nothing)."""
    u, trigger = state["iupd"], state["trigger"]
    found = []
    growth = target_sum[i] - target_sum[u]
    if "targets" in trigger and growth >= criteria.irecist_target_increase_mm - 1e-9:
        found.append(f"target sum {target_sum[i]:.2f} mm is {growth:+.2f} mm over the "
                     f"iUPD sum {target_sum[u]:.2f} mm")
    if "targets" not in trigger and target == TargetResponse.PD:
        found.append("RECIST 1.1 target progression")
    if nontarget == NonTargetResponse.PD:
        found.append("a non-target recorded as progression (IR-4, a decision)")
    more = sorted(new_ids - state["seen"])
    if more:
        found.append(f"new lesion(s) {', '.join(more)} not seen before")
    new_growth = new_sum[i] - new_sum[u]
    if np.isfinite(new_growth) and new_growth >= criteria.irecist_new_sum_increase_mm - 1e-9:
        found.append(f"new-lesion target sum {new_sum[i]:.2f} mm is {new_growth:+.2f} mm "
                     f"over {new_sum[u]:.2f} mm")
    return found


def _unmeasured_findings(new: pd.DataFrame, targets: set[tuple[str, str]],
                         timepoints: pd.DataFrame) -> list[Finding]:
    """IR-10: one finding per unequivocal new lesion first seen without a diameter."""
    findings: list[Finding] = []
    first = new.sort_values(["patient_id", "lesion_id", "tp_order"], kind="stable") \
        .drop_duplicates(["patient_id", "lesion_id"])
    for row in first[np.isnan(first["diameter_mm"].to_numpy(dtype=float))].itertuples():
        when = pd.Timestamp(timepoints["date"].iat[int(row.tp)]).strftime("%Y-%m-%d")
        column = "sa_mm" if row.nodal else "ld_mm"
        findings.append(Finding(
            "irecist-new-lesion-unmeasured",
            f"patient {row.patient_id}, new lesion {row.lesion_id} ({when}): no {column}, so "
            "iRECIST follows it as a new-lesion non-target and cannot add it to the "
            f"new-lesion target sum (IR-10); record its {column} to measure it",
            Severity.WARNING, patient_id=str(row.patient_id), date=when,
            lesion_id=str(row.lesion_id), rule="IR-10"))
    return findings


def _patient_rows(ids: npt.NDArray[np.object_], dates: npt.NDArray[Any],
                  tp_order: npt.NDArray[np.int64], responses: npt.NDArray[np.object_],
                  patients: pd.DataFrame | None, criteria: Criteria) -> pd.DataFrame:
    """IR-9 per patient, with the iUPD, iCPD and confirmed-progression dates."""
    starts: dict[str, Any] = {}
    therapy: dict[str, Any] = {}
    if patients is not None:
        table = normalise_patients(patients)
        for row in table.itertuples(index=False):
            if pd.notna(row.start_date):
                starts[str(row.patient_id)] = pd.Timestamp(row.start_date).date()
            value = getattr(row, "new_therapy_date", None)
            if value is not None and pd.notna(value) and criteria.censor_at_new_therapy:
                therapy[str(row.patient_id)] = pd.Timestamp(value).date()
    out: dict[str, list[Any]] = {c: [] for c in ("patient_id", *IRECIST_PATIENT_COLUMNS)}
    begins = np.flatnonzero(tp_order == 0)
    ends = np.r_[begins[1:], len(ids)]
    for begin, end in zip(begins.tolist(), ends.tolist()):
        patient = str(ids[begin])
        cutoff = therapy.get(patient)
        kept = [j for j in range(begin + 1, end) if cutoff is None or dates[j] < cutoff]
        labels = [str(responses[j]) for j in kept]
        when = [dates[j] for j in kept]
        best, index = best_overall_iresponse(labels, when, starts.get(patient, dates[begin]),
                                             criteria)
        iupd = next((when[k] for k, v in enumerate(labels) if v == IR.IUPD), None)
        icpd = next((k for k, v in enumerate(labels) if v == IR.ICPD), None)
        confirmed = None  # the iUPD that the iCPD confirms: the first of the run before it
        k = (icpd if icpd is not None else 0) - 1
        while k >= 0 and labels[k] in (IR.IUPD, IR.INE):
            if labels[k] == IR.IUPD:
                confirmed = when[k]
            k -= 1
        out["patient_id"].append(patient)
        out["irecist_bor"].append(best)
        out["irecist_bor_date"].append(None if index is None else when[index])
        out["iupd_date"].append(iupd)
        out["icpd_date"].append(None if icpd is None else when[icpd])
        out["irecist_pd_date"].append(confirmed)
    frame = pd.DataFrame(out)
    for column in ("irecist_bor_date", "iupd_date", "icpd_date", "irecist_pd_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame
