"""Time point responses: target, non-target, new lesions and overall (R11 4.3-4.4).

Two paths compute the same thing:

- small rule functions, one per rule, whose docstrings are the specification
  (``is_target_progression``, ``classify_target_response``, ``overall_response`` ...);
- a vectorised path (``assess_timepoints``) that applies the same rules to whole columns
  with ``numpy.select``. A test checks that both agree on every time point of a
  randomised cohort.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from recist.arrays import (
    NO_DATE_NS,
    compare_rounded,
    elements_are,
    filled_objects,
    round_half_away,
    run_starts,
)
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity
from recist.response_table import (
    NEW_LESION_ORDER,
    NONTARGET_ORDER,
    OVERALL_CODES,
    OVERALL_ORDER,
    TARGET_ORDER,
    lookup,
    overall_response,
)
from recist.sums import NewTherapyCutoffs, timepoint_columns
from recist.timepoint_reasons import REASON_INPUTS, timepoint_reason_texts
from recist.vocabulary import NewLesions, NonTargetResponse, OverallResponse, TargetResponse

__all__ = [
    "NEW_LESION_VALUES",
    "NONTARGET_RESPONSES",
    "OVERALL_RESPONSES",
    "TARGET_RESPONSES",
    "TIMEPOINT_COLUMNS",
    "TimepointCodes",
    "assess_timepoints",
    "assess_timepoints_with_findings",
    "classify_new_lesions",
    "classify_nontarget_response",
    "classify_target_response",
    "is_target_complete_response",
    "is_target_partial_response",
    "is_target_progression",
    "overall_response",
]

TIMEPOINT_COLUMNS = (
    "patient_id", "visit", "date", "sum_mm", "baseline_sum_mm", "nadir_mm",
    "pct_from_baseline", "pct_from_nadir", "target_response", "nontarget_response",
    "new_lesions", "overall_response", "reasons",
)
TARGET_RESPONSES = TARGET_ORDER
NONTARGET_RESPONSES = NONTARGET_ORDER
NEW_LESION_VALUES = NEW_LESION_ORDER
OVERALL_RESPONSES = OVERALL_ORDER


class TimepointCodes(NamedTuple):
    """A time point table of ``assess_timepoints_with_findings`` in codes, as made with
    it: what ``recist.patient_summary`` reads of the table, without hashing its text
    columns back to codes (``recist.response`` passes them on; a table changed since is
    not described by them).

    ``patient``: each row's patient, its position in ``patient_ids`` (the ids in the
    table's order: rows come grouped by patient, in the order of the patient codes of
    ``recist.cohort_index``); ``overall`` and ``target``:
    each row's overall and target response as positions in ``OVERALL_ORDER`` and
    ``TARGET_ORDER``, -1 for none (the baseline).
    """

    patient: npt.NDArray[np.intp]
    patient_ids: npt.NDArray[np.object_]
    overall: npt.NDArray[np.int64]
    target: npt.NDArray[np.int64]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_target_progression(sum_mm: float, nadir_mm: float,
                          criteria: Criteria = RECIST_1_1) -> bool:
    """Whether a sum of target diameters is progression against the nadir.

    TGT-PD, R11 4.3.1 (threshold arithmetic DEC-22):

    1. Round the sum and the nadir to ``criteria.rounding_decimals`` (0.01 mm).
    2. The increase ``sum - nadir`` (rounded) must be ≥ ``pd_min_increase_mm`` (5 mm).
    3. And the increase must be ≥ ``pd_increase_pct`` (20 %) of the nadir, the
       percentage rounded to 0.01; with a nadir of 0 this condition holds (no division).
    4. Both 2 and 3 are required. A missing sum or nadir is never PD.

    Interpretation: ``sum_mm`` may be the partial sum of the evaluated targets (NE-2);
    missing targets count at least 0 mm, so a partial sum meeting PD proves PD.

    >>> is_target_progression(30.0, 25.0), is_target_progression(25.2, 21.0)
    (True, False)
    >>> is_target_progression(5.0, 0.0), is_target_progression(4.99, 0.0)
    (True, False)
    """
    if _missing(sum_mm) or _missing(nadir_mm):
        return False
    decimals = criteria.rounding_decimals
    total = round_half_away(sum_mm, decimals)
    nadir = round_half_away(nadir_mm, decimals)
    increase = round_half_away(total - nadir, decimals)
    if increase < criteria.pd_min_increase_mm:
        return False
    if nadir == 0:
        return True
    pct = round_half_away((total - nadir) / nadir * 100.0, decimals)
    return bool(pct >= criteria.pd_increase_pct)


def is_target_partial_response(sum_mm: float, baseline_sum_mm: float,
                               criteria: Criteria = RECIST_1_1) -> bool:
    """Whether a sum is at least a 30 % decrease from the baseline sum.

    TGT-PR, R11 4.3.1 (DEC-22):

    1. Round the sum and the baseline sum to 0.01 mm.
    2. The change from baseline in % (rounded to 0.01) must be ≤ -``pr_decrease_pct``,
       i.e. the sum ≤ 70 % of the baseline sum, inclusive.
    3. A missing sum or a baseline sum that is missing or 0 is never PR.

    >>> is_target_partial_response(35.0, 50.0), is_target_partial_response(35.01, 50.0)
    (True, False)
    """
    if _missing(sum_mm) or _missing(baseline_sum_mm):
        return False
    decimals = criteria.rounding_decimals
    baseline = round_half_away(baseline_sum_mm, decimals)
    if baseline <= 0:
        return False
    total = round_half_away(sum_mm, decimals)
    pct = round_half_away((total - baseline) / baseline * 100.0, decimals)
    return bool(pct <= -criteria.pr_decrease_pct)


def is_target_complete_response(lesion_mm: npt.ArrayLike, nodal: npt.ArrayLike,
                                criteria: Criteria = RECIST_1_1) -> bool:
    """Whether the target lesions of a time point meet complete response.

    TGT-CR, R11 4.3.1 (DEC-4, DEC-10, DEC-22):

    1. ``lesion_mm`` holds each target lesion's contribution (fragments added, SUM-5;
       ``absent`` and ``merged`` 0 mm, ``too_small`` 5 mm), rounded to 0.01 mm.
    2. Every non-nodal target is 0 mm (disappeared); a ``too_small`` one (5 mm) is not.
    3. Every nodal target has SA < ``node_pathological_sa_mm`` (10 mm; 10.0 is not CR);
       a ``too_small`` node (5 mm) is normal (DEC-10).
    4. No target at all is never CR.
    Interpretation: non-target nodes do not matter here (DEC-4); the caller also
    requires every target to be evaluated.

    >>> is_target_complete_response([0.0, 9.9], [False, True])
    True
    >>> is_target_complete_response([0.0, 10.0], [False, True])
    False
    >>> is_target_complete_response([5.0], [False])
    False
    """
    sizes = round_half_away(np.atleast_1d(np.asarray(lesion_mm, dtype=float)),
                            criteria.rounding_decimals)
    nodes = np.atleast_1d(np.asarray(nodal, dtype=bool))
    if sizes.size == 0:
        return False
    normal = np.where(nodes, sizes < criteria.node_pathological_sa_mm, sizes == 0)
    return bool(normal.all())


def classify_target_response(*, has_targets: bool, complete: bool, cr_met: bool,
                             partial_sum_mm: float, baseline_sum_mm: float,
                             nadir_mm: float, criteria: Criteria = RECIST_1_1) -> str:
    """Target lesion response at one follow-up time point.

    TGT-NA, TGT-PD, TGT-CR, TGT-PR, TGT-SD, TGT-NE (R11 4.3.1, 4.4.2), in this order:

    1. No target lesion at baseline → ``NA`` (TGT-NA; Table 2 patient).
    2. The sum of the evaluated targets (``partial_sum_mm``; the full sum when every
       target was evaluated) meets TGT-PD against the nadir → ``PD`` (NE-2).
    3. Some target not evaluated (or no evaluable baseline sum) → ``NE`` (TGT-NE, SUM-7).
    4. Every non-nodal target 0 mm and every nodal target SA < 10 mm (``cr_met``)
       → ``CR`` (TGT-CR; DEC-4: non-target nodes do not matter here).
    5. Sum ≤ 70 % of the baseline sum → ``PR`` (TGT-PR).
    6. Otherwise ``SD`` (TGT-SD: neither PR against baseline nor PD against nadir).

    >>> classify_target_response(has_targets=True, complete=True, cr_met=False,
    ...     partial_sum_mm=30.0, baseline_sum_mm=100.0, nadir_mm=25.0)
    'PD'
    >>> classify_target_response(has_targets=True, complete=False, cr_met=False,
    ...     partial_sum_mm=20.0, baseline_sum_mm=50.0, nadir_mm=50.0)
    'NE'
    """
    if not has_targets:
        return TargetResponse.NA.value
    if is_target_progression(partial_sum_mm, nadir_mm, criteria):
        return TargetResponse.PD.value
    if not complete or _missing(baseline_sum_mm):
        return TargetResponse.NE.value
    if cr_met:
        return TargetResponse.CR.value
    if is_target_partial_response(partial_sum_mm, baseline_sum_mm, criteria):
        return TargetResponse.PR.value
    return TargetResponse.SD.value


def classify_nontarget_response(*, has_nontargets: bool, n_progression: int,
                                n_missing: int, n_present: int) -> str:
    """Non-target lesion response at one follow-up time point.

    NT-NA, NT-PD, NT-NE, NT-CR, NT-NON-CR/NON-PD (R11 4.3.3, Table 1; DEC-5):

    1. No non-target at baseline (nor at this time point) → ``NA`` (NT-NA).
    2. Any non-target with ``progression`` (unequivocal; the reader's call) → ``PD``.
    3. Any baseline non-target not evaluated or not reported → ``NE`` (NT-NE, DEC-5:
       also when the others are present).
    4. Every non-target gone (``absent``; a node also with SA < 10 mm) → ``CR``.
    5. Otherwise (some present) → ``NON-CR/NON-PD``.

    >>> classify_nontarget_response(has_nontargets=True, n_progression=0, n_missing=1,
    ...                             n_present=2)
    'NE'
    """
    if not has_nontargets:
        return NonTargetResponse.NA.value
    if n_progression > 0:
        return NonTargetResponse.PD.value
    if n_missing > 0:
        return NonTargetResponse.NE.value
    if n_present == 0:
        return NonTargetResponse.CR.value
    return NonTargetResponse.NON_CR_NON_PD.value


def classify_new_lesions(n_unequivocal: int, n_equivocal: int) -> str:
    """New-lesion column of Tables 1-2 at one time point.

    NEW-1, NEW-3 (R11 4.3.5; DEC-14):

    1. Any ``unequivocal`` new lesion → ``Y`` (PD whatever else, NEW-1).
    2. Otherwise any ``equivocal`` new lesion → ``EQUIVOCAL``; Tables 1-2 read it as
       "No" (DEC-14) until a later scan confirms it (DEC-13, handled by the caller).
    3. Otherwise ``N``.

    >>> classify_new_lesions(0, 2), classify_new_lesions(1, 2), classify_new_lesions(0, 0)
    ('EQUIVOCAL', 'Y', 'N')
    """
    if n_unequivocal > 0:
        return NewLesions.Y.value
    if n_equivocal > 0:
        return NewLesions.EQUIVOCAL.value
    return NewLesions.N.value


# ----------------------------------------------------------------- vectorised path

_OVERALL_CODE = OVERALL_CODES.ravel()
"""``OVERALL_CODES`` with the (target, non-target, new) code triples in C order."""
_PD_CODE = OVERALL_ORDER.index(OverallResponse.PD)


def _vector_target_pd(partial: npt.NDArray[np.float64], nadir_mm: npt.NDArray[np.float64],
                      criteria: Criteria) -> npt.NDArray[np.bool_]:
    decimals = criteria.rounding_decimals
    total = round_half_away(partial, decimals)
    nadir = round_half_away(nadir_mm, decimals)
    increase = total - nadir  # compared rounded (DEC-22), as the % below
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(nadir > 0, increase / nadir * 100.0, np.nan)
    valid = ~np.isnan(total) & ~np.isnan(nadir)
    is_pd: npt.NDArray[np.bool_] = valid & compare_rounded(
        increase, float(criteria.pd_min_increase_mm), decimals, inclusive=True) & (
        (nadir == 0) | compare_rounded(pct, float(criteria.pd_increase_pct), decimals,
                                       inclusive=True))
    return is_pd


def _first_true(conditions: Sequence[npt.NDArray[np.bool_]], codes: Sequence[int],
                default: int) -> npt.NDArray[np.int64]:
    """``np.select(conditions, codes, default)`` of boolean conditions (at most 8): each
    row's conditions as the bits of one byte, its code read from a table of every
    combination (the code of its first true condition, as ``np.select`` picks), instead
    of a pass over int64 codes per condition.

    >>> _first_true([np.array([True, False, False]), np.array([True, True, False])],
    ...             [4, 7], default=0).tolist()
    [4, 7, 0]
    """
    bits = np.zeros(np.shape(conditions[0]), dtype=np.uint8)
    for k, condition in enumerate(conditions):
        bits |= np.asarray(condition, dtype=bool).view(np.uint8) << np.uint8(k)
    table = np.array([next((code for k, code in enumerate(codes) if combination >> k & 1),
                           default) for combination in range(1 << len(conditions))],
                     dtype=np.int64)
    picked: npt.NDArray[np.int64] = np.take(table, bits)
    return picked


def _classify(features: Mapping[str, npt.NDArray[Any]],
              criteria: Criteria) -> dict[str, Any]:
    """Vectorised TGT-*, NT-*, NEW-* over all time points (the rules above), then the
    overall response and its rule id looked up in Tables 1-2 (``recist.response_table``)."""
    has_targets = np.asarray(features["has_targets"], dtype=bool)
    complete = np.asarray(features["targets_complete"], dtype=bool)
    partial = np.asarray(features["partial_sum_mm"], dtype=float)
    nadir = np.asarray(features["nadir_mm"], dtype=float)
    baseline = np.asarray(features["baseline_sum_mm"], dtype=float)
    pct_base = np.asarray(features["pct_from_baseline"], dtype=float)
    target_pd = _vector_target_pd(partial, nadir, criteria)
    t = TARGET_ORDER.index
    target_code = _first_true(
        [~has_targets, target_pd, ~complete | np.isnan(baseline),
         np.asarray(features["target_cr_met"], dtype=bool),
         (baseline > 0) & (pct_base <= -criteria.pr_decrease_pct)],
        [t(TargetResponse.NA), t(TargetResponse.PD), t(TargetResponse.NE),
         t(TargetResponse.CR), t(TargetResponse.PR)], default=t(TargetResponse.SD))
    n = NONTARGET_ORDER.index
    nontarget_code = _first_true(
        [~np.asarray(features["has_nontargets"], dtype=bool),
         np.asarray(features["n_nt_progression"]) > 0,
         np.asarray(features["n_nt_missing"]) > 0, np.asarray(features["n_nt_present"]) == 0],
        [n(NonTargetResponse.NA), n(NonTargetResponse.PD), n(NonTargetResponse.NE),
         n(NonTargetResponse.CR)], default=n(NonTargetResponse.NON_CR_NON_PD))
    w = NEW_LESION_ORDER.index
    new_code = _first_true(
        [np.asarray(features["n_new_unequivocal"]) > 0,
         np.asarray(features["n_new_equivocal"]) > 0],
        [w(NewLesions.Y), w(NewLesions.EQUIVOCAL)], default=w(NewLesions.N))
    overall, rule = lookup(target_code, nontarget_code, new_code)
    cell = (target_code * len(NONTARGET_ORDER) + nontarget_code) * len(NEW_LESION_ORDER)
    cell += new_code
    return {"target": np.array(TARGET_ORDER, dtype=object)[target_code],
            "nontarget": np.array(NONTARGET_ORDER, dtype=object)[nontarget_code],
            "new": np.array(NEW_LESION_ORDER, dtype=object)[new_code],
            "overall": overall, "rule": rule,
            "codes": {"target": target_code, "nontarget": nontarget_code, "new": new_code,
                      "overall": _OVERALL_CODE[cell]}}


def assess_timepoints(measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1,
                      cutoffs: NewTherapyCutoffs | None = None) -> pd.DataFrame:
    """Assess every time point of every patient (RECIST 1.1 Tables 1 and 2).

    ``measurements`` is normalised by ``recist.table.normalise_measurements``. Returns
    the ``timepoints`` table of docs/tables.md with exactly ``TIMEPOINT_COLUMNS``, one row per
    patient and time point, sorted by patient then date (time points ordered by their
    earliest scan; the ``date`` shown follows DEC-20); each patient's first row is
    the baseline (response columns empty, ``reasons`` = ``"baseline"``). ``reasons`` is
    a pandas ``string`` column (``_text_column``), kept in Arrow as it was written: no
    Python string is made per row unless a caller reads one (an object column when a
    text holds a lone surrogate).

    Rules: SUM-1..8 (``recist.sums``), TGT-*, NT-*, NEW-*, OVR-T1-*, OVR-T2-*, DEC-13
    (an equivocal new lesion later confirmed makes its first-sighting time point PD),
    DEC-20 (a PD time point takes the earliest scan date among the rows documenting the
    progression, any other its latest scan date), DEC-17 with ``cutoffs``.

    DEC-17: ``cutoffs`` (optional) maps patient_id → ``new_therapy_date`` (``respond``
    passes them when ``criteria.censor_at_new_therapy``). A scan on or after it confirms
    no equivocal new lesion, so DEC-13 back-dates only to earlier confirmations; a lesion
    confirmed only later stays "no new lesion" (DEC-14), with a reason and a finding
    (``assess_timepoints_with_findings``). Time points dated on or after it keep their
    own responses; ``reasons`` says they are not counted for BOR or PFS.
    """
    return assess_timepoints_with_findings(measurements, criteria, cutoffs)[0]


def assess_timepoints_with_findings(
    measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1,
    cutoffs: NewTherapyCutoffs | None = None, *, coded: list[TimepointCodes] | None = None,
) -> tuple[pd.DataFrame, list[Finding]]:
    """``assess_timepoints`` plus its findings: a warning
    ``equivocal-new-confirmed-after-new-therapy`` (DEC-14, DEC-17) per equivocal new
    lesion first seen before the patient's cut-off and confirmed only on or after it.

    ``coded``: a list to which the table's ``TimepointCodes`` are appended."""
    features = timepoint_columns(measurements, criteria, cutoffs)
    result = _classify(features, criteria)
    codes = result["codes"]
    baseline = np.asarray(features["tp_order"]) == 0
    target, nontarget, new = result["target"], result["nontarget"], result["new"]
    overall, rule = result["overall"], result["rule"]  # this call's own arrays

    backdated = _non_empty(np.asarray(features["backdated_lesions"], dtype=object)) & ~baseline
    overall_code = codes["overall"]
    is_pd = overall_code == _PD_CODE  # Tables 1-2, then DEC-13 below
    newly_pd = backdated & ~is_pd
    overall[newly_pd] = OverallResponse.PD.value
    overall_code[newly_pd] = _PD_CODE
    rule[newly_pd] = "NEW-3, DEC-13"
    is_pd |= newly_pd

    # DEC-20 dates: the earliest scan documenting the progression.
    pd_ns = np.full(len(baseline), NO_DATE_NS, dtype=np.int64)
    for rows, column in (
            (codes["target"] == TARGET_ORDER.index(TargetResponse.PD), "target_first_ns"),
            (codes["nontarget"] == NONTARGET_ORDER.index(NonTargetResponse.PD),
             "nt_progression_ns"),
            (codes["new"] == NEW_LESION_ORDER.index(NewLesions.Y), "new_unequivocal_ns"),
            (backdated, "backdated_ns")):
        np.minimum(pd_ns, np.asarray(features[column]), out=pd_ns, where=rows)
    date_ns = np.where(is_pd & (pd_ns != NO_DATE_NS), pd_ns, np.asarray(features["last_ns"]))
    del pd_ns

    therapy_text, findings = _new_therapy_notes(features, date_ns, baseline)
    # the output's columns, built without a copy (this call's own arrays; the labels are
    # copied, as the encoding of the measurements may hold them)
    columns: dict[str, npt.NDArray[Any] | pd.api.extensions.ExtensionArray] = {
        "patient_id": np.asarray(features["patient_id"], dtype=object),  # decoded anew
        "visit": np.array(features["visit"], dtype=object),
        "date": date_ns.view("datetime64[ns]"),
        **{name: np.asarray(features[name], dtype=float) for name in (
            "sum_mm", "baseline_sum_mm", "nadir_mm", "pct_from_baseline", "pct_from_nadir")},
        "target_response": target, "nontarget_response": nontarget, "new_lesions": new,
        "overall_response": overall,
    }
    if coded is not None:  # patients numbered 0, 1, ... (time points come by patient)
        patient_code = np.asarray(features["patient_code"])
        head = run_starts(patient_code)
        heads = np.flatnonzero(head)
        patient = np.cumsum(head, dtype=np.intp) - 1
    features = {name: features[name] for name in REASON_INPUTS}  # the rest is done with
    columns["reasons"] = _text_column(timepoint_reason_texts(
        features, codes, overall, rule, backdated, therapy_text, baseline, criteria))
    baseline_rows = np.flatnonzero(baseline)
    for column in (target, nontarget, new, overall):  # the baseline has no response
        column[baseline_rows] = None
    out = pd.DataFrame(columns, copy=False)
    if coded is not None:
        coded.append(TimepointCodes(patient, columns["patient_id"][heads],
                                    np.where(baseline, -1, overall_code),
                                    np.where(baseline, -1, codes["target"])))
    # ``features`` is already sorted by patient, then chronologically (earliest scan of
    # each time point), so the baseline stays first even if DEC-20 moves a PD date.
    return out, findings


def _non_empty(texts: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """``texts != ""``: the elements that are the one empty text object (as
    ``filled_objects`` writes it) found by pointer, the others compared by value."""
    maybe = np.flatnonzero(~elements_are(texts, ""))
    out = np.zeros(len(texts), dtype=bool)
    out[maybe] = texts[maybe] != ""
    return out


def _text_column(texts: pa.ChunkedArray | npt.NDArray[np.object_]
                 ) -> pd.api.extensions.ExtensionArray | npt.NDArray[np.object_]:
    """Texts as a pandas column: Arrow strings as a ``string`` column, as they are (no
    copy, no Python string per row); texts UTF-8 cannot hold (a lone surrogate, which
    Arrow refuses) as the object array they are, so that tables of both kinds still
    concatenate (pandas would cast them to Arrow strings, which cannot hold them).

    >>> _text_column(pa.chunked_array([["a", "b"]])).tolist()
    ['a', 'b']
    >>> _text_column(np.array(["a\\udcff"], dtype=object)).dtype
    dtype('O')
    """
    if isinstance(texts, pa.ChunkedArray):
        return pd.array(texts, dtype=pd.StringDtype("pyarrow"))
    return texts


def _new_therapy_notes(
    features: Mapping[str, npt.NDArray[Any]], date_ns: npt.NDArray[np.int64],
    baseline: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.object_] | None, list[Finding]]:
    """DEC-17 reason parts (late confirmations, time points after new therapy; None when
    no patient has a cut-off, so no row has one) and the findings of the late
    confirmations."""
    cutoff_ns = np.asarray(features["new_therapy_ns"])
    if not (cutoff_ns != NO_DATE_NS).any():
        return None, []
    text = filled_objects(len(baseline), "")
    cutoff_iso = {}  # formatted once per distinct cut-off
    for ns in np.unique(cutoff_ns[cutoff_ns != NO_DATE_NS]).tolist():
        cutoff_iso[ns] = pd.Timestamp(ns).strftime("%Y-%m-%d")
    after = ~baseline & (cutoff_ns != NO_DATE_NS) & (date_ns >= cutoff_ns)
    cut, which = np.unique(cutoff_ns[after], return_inverse=True)
    sentences = np.array([f"on or after new anticancer therapy on {cutoff_iso[ns]}: not "
                          "counted for BOR or PFS (DEC-17)" for ns in cut.tolist()], dtype=object)
    text[after] = sentences[which.reshape(-1)] if len(cut) else ""
    late = np.asarray(features["late_lesions"], dtype=object)
    findings: list[Finding] = []
    # None as the 0-d object array numpy makes of it (the stubs take no bare None here).
    none = np.array(None, dtype=object)
    for i in np.flatnonzero(~np.equal(late, none) & ~baseline).tolist():
        pairs = list(zip(late[i], features["late_confirmed"][i]))
        note = ", ".join(f"new lesion {lesion} confirmed only on {when}"
                         for lesion, when in pairs)
        therapy = cutoff_iso[int(cutoff_ns[i])]
        note = (f"{note}, on or after new anticancer therapy on {therapy}: not "
                "back-dated (NEW-3, DEC-13, DEC-17)")
        text[i] = f"{note}; {text[i]}" if text[i] else note
        when = pd.Timestamp(int(date_ns[i])).strftime("%Y-%m-%d")
        for lesion, confirmed in pairs:
            findings.append(Finding(
                "equivocal-new-confirmed-after-new-therapy",
                f"patient {features['patient_id'][i]}, time point {features['visit'][i]} "
                f"({when}), new lesion {lesion}: equivocal here and confirmed only on "
                f"{confirmed}, on or after new anticancer therapy on {therapy}; a "
                "scan after new therapy confirms nothing, so the lesion counts as no new "
                "lesion (DEC-14) and PD is not back-dated (DEC-17, DEC-13)",
                Severity.WARNING, patient_id=str(features["patient_id"][i]), date=when,
                visit=str(features["visit"][i]), lesion_id=str(lesion),
                rule="DEC-14, DEC-17"))
    return text, findings

