"""Data-quality checks on the measurements and timepoints tables.

Each ``check_…`` function is pure, returns a list of ``recist.findings.Finding`` naming the
offending patient, date, visit and lesion with the rule id, and changes nothing. The
caller decides what to do; ``run_input_checks`` gathers the checks that ``respond`` runs
before assessing (findings of severity error are raised as ``RecistDataError`` by
``recist.findings.raise_for_errors``), ``run_timepoint_checks`` those on its results.

Severity: contradictions of DEC-18 (docs/rules.md section 14) are errors; everything
else is a warning unless its docstring says otherwise. The checks work on whole columns
(no per-patient DataFrame loop), so a cohort of 10⁶ rows is checked in seconds.

The checks of lesion identity across visits live here; those on row content in
``recist.checks_rows`` and those on assessed time points in ``recist.checks_response``.
All are re-exported from this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from recist._checks_support import codes_of, findings_at_rows
from recist._checks_support import indexed as _indexed
from recist.arrays import first_row_of_each
from recist.baseline_rules import check_target_selection
from recist.checks_response import (
    check_cr_then_pr,
    check_cr_then_sd,
    check_present_after_cr,
    timepoint_checks,
)
from recist.checks_rows import (
    check_baseline_window,
    check_dates,
    check_duplicate_rows,
    check_equivocal_new_lesions,
    check_scans_after_death,
    check_slice_thickness_changes,
    check_split_or_merged_nodes,
    check_status_diameters,
)
from recist.cohort_index import TextCodes, code_type, index_of
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Findings, Severity, by_severity
from recist.organs import organ_key
from recist.timepoints import TimepointCodes
from recist.vocabulary import LesionKind

__all__ = [
    "check_baseline_window",
    "check_cr_then_pr",
    "check_cr_then_sd",
    "check_dates",
    "check_duplicate_rows",
    "check_equivocal_new_lesions",
    "check_lesion_ids_stable",
    "check_missing_baseline",
    "check_new_at_baseline",
    "check_no_new_targets_after_baseline",
    "check_nontargets_exist_at_baseline",
    "check_present_after_cr",
    "check_scans_after_death",
    "check_slice_thickness_changes",
    "check_split_or_merged_nodes",
    "check_status_diameters",
    "check_targets_exist_at_baseline",
    "run_input_checks",
    "run_timepoint_checks",
]


def _kind_is(frame: pd.DataFrame, *kinds: str) -> np.ndarray:
    """Whether each row's kind is one of ``kinds`` (read-only for one kind: the encoding's
    shared mask)."""
    coded = codes_of(frame, "kind")
    return coded.rows_of(kinds[0]) if len(kinds) == 1 else coded.rows_equal(*kinds)


def _first_rows(rows: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``rows`` keeping the first of each key, in their order (as ``drop_duplicates``)."""
    if len(rows) == 0:
        return rows
    _, first = np.unique(keys[rows], return_index=True)
    return rows[np.sort(first)]


def _codes(frame: pd.DataFrame, column: str) -> np.ndarray:
    """An integer column of the indexed table as it is (no copy)."""
    return frame[column].to_numpy()


def check_missing_baseline(measurements: pd.DataFrame) -> Sequence[Finding]:
    """A patient's first time point must record their baseline lesions (R11 4.2, SEL-5).

    1. For each patient take the earliest time point (the baseline, section 1).
    2. If it holds no target and no non-target row (only new lesions) → error
       ``missing-baseline``.

    Interpretation: without baseline lesions no response can be assessed, so this is an
    error although DEC-18 does not list it.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["N1"], "kind": ["new"],
    ...                   "date": pd.to_datetime(["2024-01-02"])})
    >>> [f.code for f in check_missing_baseline(m)]
    ['missing-baseline']
    """
    frame = _indexed(measurements)
    rows = index_of(frame).baseline_rows  # every patient has some
    patient = _codes(frame, "patient_code")[rows].astype(np.intp)
    has_lesions = np.zeros(int(patient.max(initial=-1)) + 1, dtype=bool)
    has_lesions[patient[codes_of(frame, "kind").equal_at(
        rows, LesionKind.TARGET, LesionKind.NON_TARGET)]] = True
    if has_lesions.all():  # every patient of the baseline rows has some: none lacks them
        return Findings()
    lacking = np.flatnonzero(~has_lesions[patient])  # positions in the baseline rows
    rows = rows[_first_rows(lacking, patient)]
    return findings_at_rows(
        frame, rows, "missing-baseline", "SEL-5", Severity.ERROR,
        "the first time point has no target or non-target lesion, so there "
        "is no baseline (docs/rules.md section 1); add the baseline rows or "
        "correct the dates", lesion=False)


def check_lesion_ids_stable(measurements: pd.DataFrame) -> Sequence[Finding]:
    """Baseline lesions keep their id, kind and nodal flag at every follow-up (SEL-5).

    R11 4.2-4.3: the same lesions are followed at every time point.

    1. A baseline target or non-target without a row at a later time point of the patient
       → warning ``lesion-missing-at-timepoint`` (record it, e.g. as ``not_evaluated``).
    2. A baseline target recorded later with another kind → error ``lesion-kind-changed``
       (DEC-18: its diameters would leave the sum); another kind change → warning.
    3. A lesion whose ``nodal`` flag differs between rows → warning ``nodal-flag-changed``.
    4. A non-nodal lesion whose organ (as its DEC-21 organ key, so "left lung" and "lung"
       agree) differs from its first recorded organ → warning ``organ-changed``; a lesion
       does not move between organs, so the lesion_id is probably wrong.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "T2", "T1"],
    ...     "kind": ["target"] * 3, "nodal": [False] * 3,
    ...     "date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-03-01"])})
    >>> [(f.code, f.lesion_id, f.date) for f in check_lesion_ids_stable(m)]
    [('lesion-missing-at-timepoint', 'T2', '2024-03-01')]
    """
    frame = _indexed(measurements)
    findings = Findings()
    is_baseline = frame["is_baseline"].to_numpy(dtype=bool)
    kind = codes_of(frame, "kind")  # -1: missing
    lesion_code = frame["lesion_code"].to_numpy()
    lesion_at = lesion_code.astype(np.intp)  # indexes per-lesion arrays (no cast per use)
    n_lesions = index_of(frame).n_lesions
    # the first followed baseline row of each lesion (-1: not a followed baseline lesion)
    baseline_rows = index_of(frame).baseline_rows
    followed_rows = baseline_rows[kind.equal_at(baseline_rows, LesionKind.TARGET,
                                                LesionKind.NON_TARGET)]
    first_followed = first_row_of_each(lesion_code[followed_rows], n_lesions,
                                       rows=followed_rows)
    lesion_rows, tp_rows = _missing_baseline_lesions(frame, first_followed, lesion_at)
    if len(lesion_rows):
        patient = index_of(frame).patient.codes[tp_rows].astype(np.int64)
        patient[patient < 0] = np.iinfo(np.int64).max  # a missing id sorts last
        lesion_ids = index_of(frame).lesion.codes[lesion_rows].astype(np.int64)
        lesion_ids[lesion_ids < 0] = np.iinfo(np.int64).max
        ranked = np.lexsort((lesion_ids, frame["timepoint_order"].to_numpy()[tp_rows],
                             patient))
        lesion_rows, tp_rows = lesion_rows[ranked], tp_rows[ranked]
        findings += findings_at_rows(
            frame, tp_rows, "lesion-missing-at-timepoint", "SEL-5", Severity.WARNING,
            [f"{baseline_kind} recorded at baseline has no row at this time point; record "
             "it (measured, absent, merged or not_evaluated) so that the time point can be "
             "assessed (R11 4.3)" for baseline_kind in kind.decode(kind.codes[lesion_rows])],
            lesion_rows=lesion_rows)

    nodal = frame["nodal"].to_numpy(dtype=bool)
    organ = codes_of(frame, "organ") if "organ" in frame.columns else None
    firsts = index_of(frame).lesion_first_rows  # of each lesion (numbered by it)
    # (each lesion's value read at its first row)
    if _same_within(lesion_at, n_lesions, _traits(kind, nodal, organ), firsts):
        # every lesion's rows agree in kind, flag and organ: none changes (steps 2-4)
        return findings
    # the flag and the organ code as one value (2 x code + flag: one pass over the rows)
    flag_and_organ = nodal if organ is None else _with_flag(organ.codes, nodal)

    # kind at baseline of every row's lesion (code -2: not a followed baseline lesion)
    base_kind = np.where(first_followed >= 0, kind.codes[np.maximum(first_followed, 0)],
                         -2).astype(np.int8 if len(kind.uniques) < 127 else np.int64)
    later_base = base_kind[lesion_at]
    changed = ~is_baseline & (later_base != -2) & (later_base != kind.codes)
    if changed.any():
        rows = _first_rows(np.flatnonzero(changed), lesion_code)
        was = kind.decode(later_base[rows]).tolist()
        now = kind.decode(kind.codes[rows]).tolist()
        kept = [i for i, (before, after) in enumerate(zip(was, now))
                if before == LesionKind.TARGET or after != LesionKind.TARGET]
        # non-target -> target: check_no_new_targets_after_baseline
        target = [was[i] == LesionKind.TARGET for i in kept]
        findings += findings_at_rows(
            frame, rows[kept], "lesion-kind-changed",
            ["DEC-18" if t else "SEL-5" for t in target],
            [Severity.ERROR if t else Severity.WARNING for t in target],
            [f"a target at baseline is recorded here as {now[i]}; a target stays a target "
             "at every time point (SEL-5, R11 4.2); correct the kind or the lesion_id" if t
             else f"a {was[i]} at baseline is recorded here as {now[i]}; check the lesion_id"
             for i, t in zip(kept, target)])

    if _same_within(lesion_at, n_lesions, flag_and_organ, firsts):
        return findings  # no flag and no organ changes within a lesion (steps 3, 4)
    flipped = nodal != nodal[firsts][lesion_at]
    if flipped.any():
        rows = _first_rows(_by_order(frame, np.flatnonzero(flipped)), lesion_code)
        findings += findings_at_rows(
            frame, rows, "nodal-flag-changed", "SUM-1", Severity.WARNING,
            [f"nodal is {str(flag).lower()} here but {str(not flag).lower()} at an earlier "
             "row of the same lesion; a lesion is measured by its SA if nodal, its LD "
             "otherwise (SUM-1), so keep the flag constant" for flag in nodal[rows].tolist()])

    if organ is not None:
        findings += _organ_changes(frame, organ, lesion_at, nodal, firsts)
    return findings


def _same_within(group: np.ndarray, n_groups: int, values: np.ndarray,
                 rows_of: np.ndarray | None = None) -> bool:
    """Whether the rows of each group hold one value (``group``: each row's group as
    intp, 0 .. n_groups - 1). Each group's value is taken from any one of its rows (a
    scatter): the rows all agree with that one exactly when they all agree.

    ``rows_of``: a row of each of some groups (-1: none; integer ``values`` unless every
    group has one), whose value is read there instead: when every group has one, no
    scatter at all; else the other groups are given a value below all ``values``, so
    that only their rows (and rows that disagree) are left to scatter, not every row.

    >>> _same_within(np.array([0, 1, 0]), 2, np.array([5, 7, 5])), _same_within(
    ...     np.array([0, 1, 0]), 2, np.array([5, 7, 6]))
    (True, False)
    >>> _same_within(np.array([0, 1, 1, 0]), 2, np.array([5, 7, 7, 5]), np.array([3, -1]))
    True
    >>> _same_within(np.array([0, 1, 0]), 2, np.array([5, 7, 6]), np.array([0, 1]))
    False
    """
    if rows_of is not None and len(rows_of) == n_groups and (rows_of >= 0).all():
        return bool((np.take(values[rows_of], group) == values).all())
    if rows_of is not None and len(values):
        low = int(values.min())
        if low > np.iinfo(values.dtype).min:
            known = rows_of >= 0
            held = np.full(n_groups, low - 1, dtype=values.dtype)
            held[known] = values[rows_of[known]]
            left = np.flatnonzero(held[group] != values)
            if len(left) == 0:
                return True
            if known[group[left]].any():
                return False  # a row disagrees with the row read of its group
            return _same_within(group[left], n_groups, values[left])
    held = np.empty(n_groups, dtype=values.dtype)
    held[group] = values
    return bool((held[group] == values).all())


def _with_flag(codes: np.ndarray, flag: np.ndarray,
               dtype: type[np.signedinteger] | None = None) -> np.ndarray:
    """``2 * codes + flag``: one integer per (code, flag) pair, equal exactly when both
    are, in ``dtype`` (by default a type wide enough for twice the codes).

    >>> _with_flag(np.array([3, -1, 3], dtype=np.int8), np.array([True, False, False])).tolist()
    [7, -2, 6]
    """
    combined = codes.astype(dtype or {1: np.int16, 2: np.int32}.get(codes.dtype.itemsize,
                                                                     np.int64))
    combined *= 2
    combined += flag
    return combined


def _traits(kind: TextCodes, flag: np.ndarray, organ: TextCodes | None) -> np.ndarray:
    """One integer per (kind, flag, organ) of each row, equal exactly when all three are:
    ``(2 x organ + flag) x (k + 1) + kind + 1`` (``kind``: k uniques, codes -1 .. k - 1;
    ``flag`` alone without ``organ``), made in place in the smallest integer type that
    holds it, its range known from the numbers of organs and kinds (no pass over the
    rows to find it; a smaller array to scatter and gather).

    >>> from recist.cohort_index import text_codes
    >>> _traits(text_codes(pd.Series(["a", None, "a"])), np.array([True, True, False]),
    ...         text_codes(pd.Series(["x", "x", None]))).tolist()
    [3, 2, -3]
    """
    width = len(kind.uniques) + 1
    n_organs = 0 if organ is None else len(organ.uniques)
    # 2 x organ + flag: -2 .. 2 x n_organs - 1 (organ codes -1 .. n_organs - 1)
    bound = (2 * n_organs + 3) * width
    wide_enough = code_type(bound)
    traits: np.ndarray = (flag.astype(wide_enough) if organ is None
                          else _with_flag(organ.codes, flag, wide_enough))
    traits *= width
    traits += kind.codes
    traits += 1
    return traits


def _by_order(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """``rows`` sorted by their time point order (stable: table order among equals)."""
    return rows[np.argsort(frame["timepoint_order"].to_numpy()[rows], kind="stable")]


def _organ_changes(frame: pd.DataFrame, organ: TextCodes, lesion_code: np.ndarray,
                   nodal: np.ndarray, firsts: np.ndarray) -> Sequence[Finding]:
    """Step 4 of ``check_lesion_ids_stable``: non-nodal lesions whose organ key changes
    (``organ``: the organ column's codes; ``lesion_code``: each row's lesion, as intp;
    ``firsts``: each lesion's first row)."""
    keys = [organ_key(value) for value in organ.uniques.tolist()]  # once per distinct organ
    # organ code -1 (no organ) indexes the appended -1
    key_of_value = np.append(pd.factorize(np.array(keys, dtype=object))[0], -1)
    first_organ = organ.codes[firsts][lesion_code]  # the organ of each row's lesion's first row
    other = np.flatnonzero(organ.codes != first_organ)  # another organ: maybe another key
    named = key_of_value[organ.codes[other]]
    if ((named < 0) | (named == key_of_value[first_organ[other]])).all():
        return []  # every organ named is its lesion's first row's: no lesion moves
    key_code = key_of_value[organ.codes]
    # first row (in time point order, then table order) of each lesion that names an
    # organ: the first of its known rows at the earliest time point of those
    order = frame["timepoint_order"].to_numpy()
    known = np.flatnonzero(key_code >= 0)
    n_lesions = int(lesion_code.max(initial=-1)) + 1
    earliest = np.full(n_lesions, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(earliest, lesion_code[known], order[known])
    known = known[order[known] == earliest[lesion_code[known]]]
    first_row = first_row_of_each(lesion_code[known], n_lesions, rows=known)[lesion_code]
    moved = (key_code >= 0) & ~nodal & (first_row >= 0) & (
        key_code != key_code[np.maximum(first_row, 0)])
    if not moved.any():
        return []
    rows = _first_rows(_by_order(frame, np.flatnonzero(moved)), lesion_code)
    here = organ.decode(organ.codes[rows]).tolist()
    first = organ.decode(organ.codes[first_row[rows]]).tolist()
    return findings_at_rows(
        frame, rows, "organ-changed", "SEL-5", Severity.WARNING,
        [f"organ is {now} here but {then} at an earlier row of the same lesion; the same "
         "lesions are followed at every time point (SEL-5), so check the lesion_id or the "
         "organ" for now, then in zip(here, first)])


def _missing_baseline_lesions(frame: pd.DataFrame, first_followed: np.ndarray,
                              lesion_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lesion row, time point row) of every followed baseline lesion without a row at a
    follow-up time point of its patient: the lesion's first followed baseline row
    (``first_followed``, per lesion code; -1: not followed) and the time point's first row
    (``lesion_code``: each row's lesion code, as intp).

    Each patient's baseline lesions are numbered 0, 1, …; the pairs (time point, number)
    seen are marked in a table of time points x numbers, and each follow-up time point's
    row of that table is compared with its patient's count of baseline lesions. When no
    lesion has two rows at one time point (``CohortIndex.repeated_rows``), each followed
    lesion's rows are counted first: as many as its patient's time points for every one,
    none missing, no table.
    """
    encoding = index_of(frame)
    tps = encoding.timepoints
    followed = first_followed >= 0
    base_rows = first_followed[followed]  # one row per baseline lesion
    tp_patient = tps.patient.astype(np.int64) + 1  # a missing id (-1) is patient 0
    # (a row's time point's patient is the row's: read at the rows, not through the
    # time points)
    base_patient = encoding.patient.codes[base_rows].astype(np.int64)
    base_patient += 1
    if encoding.repeated_rows is None:
        # No lesion has two rows at a time point: a followed baseline lesion with as many
        # rows as its patient has time points has a row at each (its rows are its
        # patient's); when every one has, no time point misses one.
        n_timepoints = np.bincount(tp_patient)
        held = encoding.rows_per_lesion()[followed]
        if (held == n_timepoints[base_patient]).all():
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    base_rows = base_rows[np.argsort(base_patient, kind="stable")]
    base_patient = np.sort(base_patient, kind="stable")
    n_patients = int(tp_patient.max(initial=0)) + 1
    per_patient = np.bincount(base_patient, minlength=n_patients)
    patient_start = np.cumsum(per_patient) - per_patient
    width = max(int(per_patient.max(initial=0)), 1)
    # numbers 0 .. width - 1; a lesion that is not followed: the spare last column
    number = np.full(len(first_followed), width, dtype=np.intp)
    number[lesion_code[base_rows]] = np.arange(len(base_rows)) - patient_start[base_patient]
    seen = np.zeros((len(tp_patient), width + 1), dtype=bool)
    cell = tps.row_tp.astype(np.intp)
    cell *= width + 1
    cell += number[lesion_code]
    seen.reshape(-1)[cell] = True
    seen = seen[:, :width]
    absent = np.arange(width) < per_patient[tp_patient][:, None]  # expected …
    absent &= ~seen  # … and not seen
    absent[tps.order == 0] = False  # baselines hold the lesions by definition
    if not absent.any():
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    tp_at, offset = np.nonzero(absent)
    in_missing = np.zeros(len(tp_patient), dtype=bool)
    in_missing[tp_at] = True
    rows = np.flatnonzero(in_missing[tps.row_tp])
    tp_first = first_row_of_each(tps.row_tp[rows], len(tp_patient), rows=rows)
    lesion_rows = base_rows[patient_start[tp_patient[tp_at]] + offset]
    return lesion_rows, tp_first[tp_at]


def check_targets_exist_at_baseline(measurements: pd.DataFrame) -> Sequence[Finding]:
    """Every follow-up target was recorded at baseline (DEC-18, SEL-5; R11 4.2).

    1. A target row at a follow-up time point whose ``lesion_id`` has no row at all at
       the patient's baseline → error ``target-not-at-baseline``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1", "T9"],
    ...     "kind": ["target"] * 2, "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [(f.code, f.lesion_id) for f in check_targets_exist_at_baseline(m)]
    [('target-not-at-baseline', 'T9')]
    """
    frame = _indexed(measurements)
    rows = _not_at_baseline(frame, LesionKind.TARGET)
    return findings_at_rows(
        frame, rows, "target-not-at-baseline", "DEC-18", Severity.ERROR,
        "a target lesion first recorded after baseline; targets are chosen at "
        "baseline only (SEL-5, R11 4.2): record a lesion appearing later as "
        "new, or fix the lesion_id to match its baseline row")


def _not_at_baseline(frame: pd.DataFrame, kind: str, by_order: bool = False) -> np.ndarray:
    """Rows of ``kind`` after baseline whose lesion has no baseline row: the first row of
    each lesion (in time point order when ``by_order``, a stable sort, else row order).
    (A row whose lesion has no baseline row is no baseline row.)"""
    lesion = _codes(frame, "lesion_code")
    # state 0 (no baseline row at all) is the same whichever kind the state is asked for
    no_baseline = index_of(frame).baseline_state(LesionKind.TARGET) == 0
    rows = np.flatnonzero(_kind_is(frame, kind) & no_baseline)
    if by_order:
        rows = rows[np.argsort(_codes(frame, "timepoint_order")[rows], kind="stable")]
    return _first_rows(rows, lesion)


def check_nontargets_exist_at_baseline(measurements: pd.DataFrame) -> Sequence[Finding]:
    """Every follow-up non-target was recorded at baseline (SEL-4, SEL-5, NEW-1; R11 4.2).

    Non-targets are the sites of disease recorded at baseline (SEL-4); a lesion that
    appears later is a *new* lesion (NEW-1: PD when unequivocal). Assessed as a
    non-target it would only block CR (an overall CR read as PR), hiding the PD.

    1. A non-target row at a follow-up time point whose ``lesion_id`` has no row at the
       patient's baseline → warning ``non-target-not-at-baseline``, at its first
       follow-up row. Interpretation: a warning, not a DEC-18 error, since the reader may
       have forgotten the baseline row; the time point is still assessed with it.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "T1", "NT9"],
    ...     "kind": ["target", "target", "non-target"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-03-01"])})
    >>> [(f.code, f.lesion_id) for f in check_nontargets_exist_at_baseline(m)]
    [('non-target-not-at-baseline', 'NT9')]
    """
    frame = _indexed(measurements)
    rows = _not_at_baseline(frame, LesionKind.NON_TARGET, by_order=True)
    return findings_at_rows(
        frame, rows, "non-target-not-at-baseline", "SEL-4",
        Severity.WARNING,
        "a non-target first recorded after baseline; non-targets are the "
        "disease recorded at baseline (SEL-4, R11 4.2) and a lesion appearing "
        "later is new (NEW-1: PD if unequivocal). It is assessed here as a "
        "non-target, which only blocks CR: record it as new, or add its "
        "baseline row")


def check_no_new_targets_after_baseline(measurements: pd.DataFrame) -> Sequence[Finding]:
    """No lesion becomes a target after baseline (SEL-5; R11 4.2, FAQ on new lesions).

    1. A target row at a follow-up whose ``lesion_id`` was a non-target or a new lesion at
       baseline (and not a target there) → error ``target-added-after-baseline``.
    2. A lesion recorded as ``new`` at an earlier follow-up and as a target later → error
       ``target-added-after-baseline`` (new lesions never enter the sum, NEW-6).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "L2", "L2"],
    ...     "kind": ["target", "new", "target"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"])})
    >>> [(f.code, f.lesion_id, f.date) for f in check_no_new_targets_after_baseline(m)]
    [('target-added-after-baseline', 'L2', '2024-05-01')]
    """
    frame = _indexed(measurements)
    lesion, order = _codes(frame, "lesion_code"), _codes(frame, "timepoint_order")
    is_target = _kind_is(frame, LesionKind.TARGET)
    if not _targets_first_after_baseline(frame, is_target).any():
        return []  # every lesion with a target row is a target at baseline: none promoted
    never = np.iinfo(np.int64).max
    first_target = np.full(index_of(frame).n_lesions, never, dtype=np.int64)
    first_other = first_target.copy()
    np.minimum.at(first_target, lesion[is_target], order[is_target])
    np.minimum.at(first_other, lesion[~is_target], order[~is_target])
    promoted = ((first_target != never) & (first_other < first_target)  # both exist
                & (first_target > 0))
    if not promoted.any():
        return []
    rows = np.flatnonzero(is_target & promoted[lesion] & (order == first_target[lesion]))
    return findings_at_rows(
        frame, _first_rows(rows, lesion), "target-added-after-baseline",
        "SEL-5", Severity.ERROR,
        "recorded as a target here after being a non-target or new lesion "
        "earlier; targets are fixed at baseline and new lesions never enter "
        "the sum (SEL-5, NEW-6, R11 4.2); keep its earlier kind")


def _targets_first_after_baseline(frame: pd.DataFrame, is_target: np.ndarray) -> np.ndarray:
    """The follow-up target rows of lesions without a target row at baseline: the rows of
    the lesions whose first target time point is after baseline, the only ones that
    ``check_no_new_targets_after_baseline`` can find promoted (a pass over the target rows
    instead of two minima per lesion over every row)."""
    is_baseline = frame["is_baseline"].to_numpy(dtype=bool)
    without = index_of(frame).baseline_state(LesionKind.TARGET) != 2
    return np.flatnonzero(is_target & ~is_baseline & without)


def check_new_at_baseline(measurements: pd.DataFrame) -> Sequence[Finding]:
    """A lesion recorded as ``new`` at the baseline time point (SEL-4; R11 4.2, 4.3.5).

    1. Every ``new`` row of a patient's baseline → warning ``new-at-baseline``: at
       baseline every site of disease is a target or a non-target; "new" means appearing
       after baseline. Interpretation: it is kept (eligibility counts it as a lesion of
       its organ) but never makes the baseline PD.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1", "N1"],
    ...     "kind": ["target", "new"], "date": pd.to_datetime(["2024-01-02"] * 2)})
    >>> [(f.code, f.lesion_id) for f in check_new_at_baseline(m)]
    [('new-at-baseline', 'N1')]
    """
    frame = _indexed(measurements)
    baseline_rows = index_of(frame).baseline_rows
    rows = baseline_rows[codes_of(frame, "kind").equal_at(baseline_rows, LesionKind.NEW)]
    return findings_at_rows(
        frame, rows, "new-at-baseline", "SEL-4", Severity.WARNING,
        "recorded as new at the baseline time point; at baseline every lesion "
        "is a target or a non-target (SEL-4, R11 4.2) — record it as a "
        "non-target")


def run_input_checks(measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1, *,
                     include_selection: bool = True, patients: pd.DataFrame | None = None,
                     today: str | date | None = None) -> Findings:
    """Every check of a measurements table before response assessment.

    Errors (DEC-18 contradictions, missing baseline, impossible dates) first, then
    warnings; ``include_selection`` adds ``recist.baseline_rules.check_target_selection``;
    a ``patients`` table adds ``check_baseline_window`` and ``check_scans_after_death``. Pass the result to
    ``recist.findings.raise_for_errors`` to stop on errors.
    """
    findings = Findings()
    indexed = _indexed(measurements)
    checks: Iterable[Callable[[pd.DataFrame], Sequence[Finding]]] = (
        check_missing_baseline,
        check_targets_exist_at_baseline,
        check_nontargets_exist_at_baseline,
        check_no_new_targets_after_baseline,
        check_lesion_ids_stable,
        lambda m: check_dates(m, today=today),
        lambda m: check_duplicate_rows(m, criteria),
        check_new_at_baseline,
        lambda m: check_baseline_window(m, patients, criteria),
        lambda m: check_scans_after_death(m, patients),
        lambda m: check_status_diameters(m, criteria),
        check_equivocal_new_lesions,
        check_slice_thickness_changes,
        check_split_or_merged_nodes,
    )
    for check in checks:
        findings += check(indexed)
    if include_selection:  # classified from the baseline rows the indexed table marks
        findings += check_target_selection(indexed, criteria)
    return by_severity(findings)


def run_timepoint_checks(timepoints: pd.DataFrame, measurements: pd.DataFrame,
                         codes: TimepointCodes | None = None) -> Sequence[Finding]:
    """The checks on assessed time points: ``check_cr_then_pr``, ``check_cr_then_sd``,
    ``check_present_after_cr``. ``codes``: the table's ``recist.timepoints.TimepointCodes``
    (made with it by the assessment, the table not changed since), read instead of
    hashing its overall responses again."""
    return timepoint_checks(timepoints, measurements, codes)
