"""Data-quality checks on assessed time points: CR followed by PR (DEC-2) or by SD
(DEC-3) and a non-target present after an overall CR (DEC-9). Re-exported by
``recist.checks``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from recist._checks_support import (
    codes_of,
    findings_at_rows,
    findings_of_columns,
    made_findings,
)
from recist._checks_support import indexed as _indexed
from recist._checks_support import iso_dates as _iso_dates
from recist.arrays import NAT_NS, NO_DATE_NS, run_starts, same_objects, take_bytes
from recist.cohort_index import Timepoints, index_of
from recist.findings import Finding, Findings, Severity
from recist.response_table import OVERALL_LABELS
from recist.timepoints import TimepointCodes
from recist.vocabulary import LesionKind, NonTargetStatus

__all__ = ["check_cr_then_pr", "check_cr_then_sd", "check_present_after_cr",
           "cr_followed_checks", "timepoint_checks"]


def check_cr_then_pr(timepoints: pd.DataFrame) -> Sequence[Finding]:
    """An overall CR followed later by a PR (DEC-2; R11 Table 3 CONF-T3-2).

    Works on the ``timepoints`` table (``patient_id, visit, date, overall_response``).

    1. Order each patient's time points by date.
    2. The first PR after a CR, with no PD in between → warning ``cr-then-pr``: either
       the CR was real (the later disease is PD) or small lesions remained (the CR was a
       PR); labels stay as computed (DEC-2).

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"]),
    ...     "overall_response": [None, "CR", "PR"]})
    >>> [(f.code, f.visit) for f in check_cr_then_pr(tp)]
    [('cr-then-pr', 'V2')]
    """
    return _cr_then(timepoints, _first_after_cr(timepoints)["PR"], "PR")


def check_cr_then_sd(timepoints: pd.DataFrame) -> Sequence[Finding]:
    """An overall CR followed later by an SD (DEC-3; R11 Table 3 CONF-T3-3).

    Works on the ``timepoints`` table (``patient_id, visit, date, overall_response``).
    After a CR, nodal targets (SA < 10 mm, sum > 0) that regrow by less than 5 mm in
    total give a sum-based SD instead of PD.

    1. Order each patient's time points by date.
    2. The first SD after a CR, with no PD in between → warning ``cr-then-sd``: labels
       stay as computed and the confirmed BOR follows CONF-5 (DEC-3); the FAQ reads it as
       PD after a definitive CR, otherwise the CR as a PR.

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"]),
    ...     "overall_response": [None, "CR", "SD"]})
    >>> [(f.code, f.visit) for f in check_cr_then_sd(tp)]
    [('cr-then-sd', 'V2')]
    """
    return _cr_then(timepoints, _first_after_cr(timepoints)["SD"], "SD")


def cr_followed_checks(timepoints: pd.DataFrame) -> Sequence[Finding]:
    """``check_cr_then_pr`` then ``check_cr_then_sd``, sharing one pass over the table."""
    return _cr_followed_findings(timepoints, _first_after_cr(timepoints))


def timepoint_checks(timepoints: pd.DataFrame, measurements: pd.DataFrame,
                     codes: TimepointCodes | None = None) -> Sequence[Finding]:
    """``cr_followed_checks`` then ``check_present_after_cr``, reading the overall
    responses once: from ``codes``, the table's ``recist.timepoints.TimepointCodes`` if
    given (the table as the assessment made it, not changed since), else from its
    ``overall_response`` texts."""
    responses = _Responses(timepoints, codes)
    if not responses.rows_of("CR").any():  # no CR: none of the three finds anything
        return []
    frame = _indexed(measurements)
    aligned = _one_row_per_timepoint(timepoints, frame, codes)
    # aligned: the encoding's patient codes number the time points' ids in sorted order
    patient_code = index_of(frame).timepoints.patient if aligned else None
    return (_cr_followed_findings(timepoints,
                                  _first_after_cr(timepoints, responses, patient_code),
                                  index_of(frame).timepoints if aligned else None)
            + _present_after_cr(timepoints, frame, responses, aligned))


def _cr_followed_findings(timepoints: pd.DataFrame, hits: dict[str, np.ndarray],
                          aligned: Timepoints | None = None) -> Findings:
    """``_cr_then`` of the PR rows, then of the SD rows, located together (one pass).
    ``aligned``: the measurements' time points when row ``i`` of the table is time point
    ``i`` (``_one_row_per_timepoint``): a row's visit is then its time point's label
    (cleaned as ``visit_label`` cleans it), read without hashing the visit cells."""
    rows = np.concatenate([hits[label] for label in _CR_THEN])
    each = [(parts, len(hits[label])) for label, parts in _CR_THEN.items()]
    code, rule, text = (sum(([parts[i]] * n for parts, n in each), []) for i in range(3))
    if aligned is not None and len(rows):
        return made_findings(
            code, rule, Severity.WARNING, text,
            [str(p) for p in np.asarray(timepoints["patient_id"].array, dtype=object)[rows]],
            _iso_dates(timepoints["date"].to_numpy()[rows]), aligned.label[rows], None)
    return findings_of_columns(len(rows), _rows_located(timepoints, rows), code, rule,
                               Severity.WARNING, text, lesion=False)


def _cr_then(timepoints: pd.DataFrame, rows: np.ndarray, label: str) -> Findings:
    """The findings of ``check_cr_then_pr`` (``label`` PR) or ``check_cr_then_sd`` (SD)
    at ``rows`` of ``timepoints`` (positions, from ``_first_after_cr``)."""
    code, rule, text = _CR_THEN[label]
    return findings_of_columns(len(rows), _rows_located(timepoints, rows), code, rule,
                               Severity.WARNING, text, lesion=False)


class _Responses:
    """The ``overall_response`` column of a timepoints table as codes: its
    ``TimepointCodes.overall`` (positions in ``OVERALL_ORDER``, -1 for none) when given
    for as many rows, else one hash of its texts."""

    def __init__(self, timepoints: pd.DataFrame, codes: TimepointCodes | None = None) -> None:
        self._rows: dict[str, np.ndarray] = {}
        if codes is not None and len(codes.overall) == len(timepoints):
            self.codes = codes.overall
            self.uniques = OVERALL_LABELS[:-1]  # code -1 (none) is no label
            return
        self.codes, uniques = pd.factorize(
            np.asarray(timepoints["overall_response"].array, dtype=object))
        self.uniques = np.asarray(uniques, dtype=object)

    def rows_of(self, label: str) -> np.ndarray:
        """Whether each row's overall response is ``label`` (a missing one never is);
        computed once per label, read-only."""
        rows = self._rows.get(label)
        if rows is None:
            code = np.flatnonzero(self.uniques == label)  # none or one: distinct uniques
            rows = (self.codes == code[0] if len(code)
                    else np.zeros(len(self.codes), dtype=bool))
            rows.flags.writeable = False
            self._rows[label] = rows
        return rows



def _sorted_codes(values: np.ndarray) -> np.ndarray:
    """``pd.factorize(values, sort=True)[0]``: codes numbered in the sorted order of the
    distinct values (-1: missing), sorting only when the values are not first seen in
    ascending order already (a table sorted by patient)."""
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=object)
    try:
        ascending = bool((uniques[1:] > uniques[:-1]).all())
    except TypeError:  # values that do not compare (mixed types, pd.NA): sort as pandas does
        ascending = False
    if ascending:
        return codes
    rank = pd.factorize(uniques, sort=True)[0]
    return np.append(rank, -1)[codes]  # a missing id (-1) sorts first


def _patient_date_order(patient: np.ndarray, when: np.ndarray) -> np.ndarray | None:
    """``np.lexsort((when, patient))``, or None when the rows are in that order already
    (a stable sort leaves them as they are: the order is the rows' own)."""
    later = (patient[1:] > patient[:-1]) | ((patient[1:] == patient[:-1])
                                            & (when[1:] >= when[:-1]))
    if later.all():
        return None
    return np.lexsort((when, patient))


def _first_after_cr(timepoints: pd.DataFrame, responses: _Responses | None = None,
                    patient_code: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per overall response PR and SD: each patient's first time point with it after a CR
    and with no PD before (time points by patient_id, then date; stable), in that order,
    as positions of rows of ``timepoints``.
    ``patient_code``: each row's patient numbered in sorted order of the ids, if known.
    """
    if patient_code is None:  # patients numbered in sorted order: the distinct ids sorted
        patient_code = _sorted_codes(np.asarray(timepoints["patient_id"].array, dtype=object))
    when = timepoints["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    nat = when == NAT_NS
    if nat.any():  # NaT last (a new array: the table's dates are not changed)
        when = np.where(nat, NO_DATE_NS, when)
    order = _patient_date_order(patient_code, when)  # None: the rows' own order
    if responses is None:
        responses = _Responses(timepoints)

    patient = patient_code if order is None else patient_code[order]  # ascending

    def positions(label: str) -> np.ndarray:
        """The rows whose response is ``label``, as positions in that order (ascending)."""
        rows = responses.rows_of(label)
        return np.flatnonzero(rows if order is None else rows[order])

    # Only the patients with a CR are looked at: each one's rows after its first CR, before
    # the first PD after it (none when a PD came before the CR), and in them the first PR
    # and the first SD of the patient; found by searching the sorted positions of each
    # response, not by passes over all the rows.
    cr = positions("CR")
    first_cr = cr[run_starts(patient[cr])]
    patients = patient[first_cr]
    pd_rows = np.append(positions("PD"), len(patient))  # the last: after every row
    pd_after = np.searchsorted(pd_rows, first_cr)  # the first PD after the CR
    # a PD of the patient before its first CR: the last PD before the CR is the patient's
    # own (rows are ordered by patient, so an earlier patient's PD never is)
    has_pd = pd_after > 0
    pd_before = np.zeros(len(first_cr), dtype=bool)
    pd_before[has_pd] = patient[pd_rows[pd_after[has_pd] - 1]] == patients[has_pd]
    stop = np.where(pd_before, first_cr, pd_rows[pd_after])  # no row after it counts
    hits = {}
    for label in ("PR", "SD"):
        rows = positions(label)
        at = np.searchsorted(rows, first_cr)  # the first after the CR, if any
        found = np.flatnonzero(at < len(rows))
        following = rows[at[found]]
        first = following[(following < stop[found]) & (patient[following] == patients[found])]
        hits[label] = first if order is None else order[first]
    return hits


_LOCATING = ("patient_id", "date", "visit")
"""The columns of a timepoints table that ``findings_at`` reads (``lesion=False``)."""


def _rows_located(timepoints: pd.DataFrame, rows: np.ndarray) -> dict[str, pd.Series]:
    """The columns of ``timepoints.iloc[rows]`` a finding is located by (those of
    ``_LOCATING`` it has), as Series: the other columns of a cohort's table are not
    copied, and no table is built of these."""
    index = timepoints.index[rows]
    return {name: pd.Series(timepoints[name].array[rows], index=index, name=name, copy=False)
            for name in _LOCATING if name in timepoints.columns}


_CR_THEN_PR = ("overall PR after an earlier CR: either the CR was real and this is "
               "recurrence, or small lesions remained and the CR was a PR (R11 Table 3 "
               "footnote); labels are kept as computed (DEC-2), please review")
_CR_THEN_SD = ("overall SD after an earlier CR (typically nodal targets regrowing to a "
               "pathological SA by less than the PD minimum in total): labels are kept as "
               "computed and the confirmed BOR follows CONF-5 (DEC-3); if the CR was "
               "definitive this may be recurrence (PD), otherwise the CR was a PR — please "
               "review")
_CR_THEN = {"PR": ("cr-then-pr", "DEC-2", _CR_THEN_PR),
            "SD": ("cr-then-sd", "DEC-3", _CR_THEN_SD)}
"""The finding of an overall PR or SD after an earlier CR: its code, rule and text (the PR
ones first, as ``run_timepoint_checks`` lists them)."""


def check_present_after_cr(timepoints: pd.DataFrame,
                           measurements: pd.DataFrame) -> Sequence[Finding]:
    """A non-target ``present`` after an overall CR (DEC-9; NT-reappearance).

    1. Find each patient's first time point with overall response CR.
    2. Every later non-target row with status ``present`` → warning ``present-after-cr``:
       a reappearance after a definitive CR is entered as ``progression`` (PD); otherwise
       it is non-CR/non-PD (FAQ "Does a new lesion always result in PD?").

    Time points are matched on ``patient_id`` and ``visit`` (the visit label, or the ISO
    date when there is none), as in the ``timepoints`` table.

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"]),
    ...     "overall_response": [None, "CR", "NON-CR/NON-PD"]})
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "lesion_id": ["NT1"] * 3, "kind": ["non-target"] * 3,
    ...     "status": ["present", "absent", "present"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"])})
    >>> [(f.code, f.visit) for f in check_present_after_cr(tp, m)]
    [('present-after-cr', 'V2')]
    """
    responses = _Responses(timepoints)
    if not responses.rows_of("CR").any():
        return []
    frame = _indexed(measurements)
    return _present_after_cr(timepoints, frame, responses,
                             _one_row_per_timepoint(timepoints, frame))


def _present_after_cr(timepoints: pd.DataFrame, frame: pd.DataFrame,
                      responses: _Responses, aligned: bool) -> Sequence[Finding]:
    """``check_present_after_cr`` with the table's overall responses read, of the indexed
    measurements ``frame`` (``aligned``: ``_one_row_per_timepoint``)."""
    is_cr = responses.rows_of("CR")
    encoding = index_of(frame)
    tps = encoding.timepoints
    if aligned:
        return _present_after_cr_aligned(timepoints, frame, is_cr)
    cr = timepoints[is_cr]
    first_cr = cr.groupby("patient_id")["date"].min()
    # each patient's first CR (by patient code; -1: none, as for a missing id, the last)
    patient_cr = np.append(first_cr.index.get_indexer(
        pd.Index(encoding.patient.uniques, dtype=object)), -1)
    rows = np.flatnonzero(codes_of(frame, "kind").rows_of(LesionKind.NON_TARGET)
                          & codes_of(frame, "status").rows_of(NonTargetStatus.PRESENT))
    row_cr = patient_cr[encoding.patient.codes[rows]]
    rows, row_cr = rows[row_cr >= 0], row_cr[row_cr >= 0]
    # the date of each row's time point in the timepoints table, matched on patient and
    # label once per time point (a time point matched twice: the row counts twice)
    at, row_at = np.unique(tps.row_tp[rows], return_inverse=True)
    row_at = row_at.reshape(-1)
    labels = pd.DataFrame({
        "at": np.arange(len(at)),
        "patient_id": encoding.patient.uniques[tps.patient[at]],
        "timepoint": pd.array(tps.label[at], dtype="string")})
    tp_dates = timepoints.loc[timepoints["patient_id"].isin(first_cr.index).to_numpy(),
                              ["patient_id", "visit", "date"]].rename(
        columns={"visit": "timepoint", "date": "tp_date"})
    tp_dates["timepoint"] = tp_dates["timepoint"].astype("string")
    matched = labels.merge(tp_dates, on=["patient_id", "timepoint"], how="inner")
    matched_at = matched["at"].to_numpy()
    by_at = np.argsort(matched_at, kind="stable")
    match_date = matched["tp_date"].to_numpy(dtype="datetime64[ns]")[by_at]
    counts = np.bincount(matched_at, minlength=len(at))
    starts = np.cumsum(counts) - counts
    row_counts = counts[row_at]
    row = np.repeat(np.arange(len(rows)), row_counts)  # each row once per match
    nth = np.arange(len(row)) - np.repeat(np.cumsum(row_counts) - row_counts, row_counts)
    cr_dates = first_cr.to_numpy(dtype="datetime64[ns]")[row_cr[row]]
    later = match_date[starts[row_at[row]] + nth] > cr_dates  # NaT: never
    return findings_at_rows(frame, rows[row[later]], "present-after-cr", "DEC-9",
                            Severity.WARNING, _present_texts(cr_dates[later]))


def _one_row_per_timepoint(timepoints: pd.DataFrame, frame: pd.DataFrame,
                           codes: TimepointCodes | None = None) -> bool:
    """Whether row ``i`` of ``timepoints`` is time point ``i`` of the indexed
    measurements' encoding (``recist.cohort_index.Timepoints``: sorted by patient, then
    order), with its patient_id and its label as visit -- the table ``respond`` assesses
    from them -- and datetime64[ns] dates. Then matching a time point on patient and visit
    finds that row and no other (each time point is one patient's one label).

    ``codes``: the table's ``TimepointCodes`` (as ``timepoint_checks`` takes them): each
    row's patient id is then ``codes.patient_ids[codes.patient]``, compared once per
    distinct id instead of once per row."""
    tps = index_of(frame).timepoints
    if (len(timepoints) != len(tps.patient) or (tps.patient < 0).any()
            or timepoints["date"].dtype != np.dtype("datetime64[ns]")):
        return False
    uniques = index_of(frame).patient.uniques
    try:  # a label is text (None: the one undated time point without a visit of a
        # patient), so a visit equal to it is that text, as the merge's string keys compare
        if codes is not None and len(codes.patient) == len(timepoints):
            same_ids = _same_patients(codes, tps.patient, uniques)
        else:
            same_ids = bool((np.asarray(timepoints["patient_id"].array, dtype=object)
                             == uniques[tps.patient]).all())
        if not same_ids:
            return False
        visits = np.asarray(timepoints["visit"].array, dtype=object)
        # a label is text or None (equal to itself): the same object is the same label,
        # and only the other cells are compared (a table the assessment made holds the
        # labels themselves)
        other = np.flatnonzero(~same_objects(visits, tps.label))
        return bool((visits[other] == tps.label[other]).all())
    except TypeError:  # cells that do not compare (pd.NA): match by merging
        return False


def _same_patients(codes: TimepointCodes, patient: np.ndarray, uniques: np.ndarray) -> bool:
    """Whether each row's patient id (``codes.patient_ids[codes.patient]``) is
    ``uniques[patient]`` (``patient``: codes of ``uniques``, none -1): each position of
    ``codes.patient_ids`` stands for one patient code only, whose id it equals (a position
    no row has is not compared).

    >>> codes = TimepointCodes(np.array([0, 0, 1]), np.array(["B", "A"], dtype=object),
    ...                        np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64))
    >>> uniques = np.array(["A", "B"], dtype=object)
    >>> _same_patients(codes, np.array([1, 1, 0]), uniques), _same_patients(
    ...     codes, np.array([1, 0, 0]), uniques)
    (True, False)
    """
    ids = np.asarray(codes.patient_ids, dtype=object)
    if (np.array_equal(codes.patient, patient) and len(ids) == len(uniques)
            and same_objects(ids, uniques).all()):
        # numbered alike, each position's id the unique itself (the assessment's table):
        # the same object is the same id, as the encoding's factorize counted it
        return True
    code_of = np.full(len(ids), -1, dtype=np.intp)
    code_of[codes.patient] = patient  # one of its rows' codes: the same for all, if any
    if not (code_of[codes.patient] == patient).all():
        return False
    present = np.flatnonzero(code_of >= 0)
    return bool((ids[present] == uniques[code_of[present]]).all())


def _present_after_cr_aligned(timepoints: pd.DataFrame, frame: pd.DataFrame,
                              is_cr: np.ndarray) -> Sequence[Finding]:
    """``check_present_after_cr`` on a timepoints table of one row per time point of the
    measurements' encoding (``_one_row_per_timepoint``): each row's time point is its
    timepoints row, and the first CR of a patient is the earliest date of its CR rows
    (``NaT`` skipped; a patient whose CR rows have no date: never later)."""
    encoding = index_of(frame)
    tps = encoding.timepoints
    date_ns = timepoints["date"].to_numpy().view(np.int64)
    cr_at = np.flatnonzero(is_cr)
    cr_at = cr_at[date_ns[cr_at] != NAT_NS]
    first_cr = np.full(len(encoding.patient.uniques), NO_DATE_NS, dtype=np.int64)
    np.minimum.at(first_cr, tps.patient[cr_at], date_ns[cr_at])
    # per time point (its row of the table): its date after its patient's first CR (a NaT
    # date, the int64 minimum, never is)
    tp_cr = np.append(first_cr, NO_DATE_NS)[tps.patient]  # a missing id: none
    later_tp = date_ns > tp_cr
    # each row's time point's flag, taken by the small codes; the rows' kind and status
    # compared, not kept (no other check of the table reads them)
    later = codes_of(frame, "kind").rows_equal(LesionKind.NON_TARGET)
    later &= codes_of(frame, "status").rows_equal(NonTargetStatus.PRESENT)
    later &= take_bytes(later_tp, tps.row_tp)
    rows = np.flatnonzero(later)
    return findings_at_rows(frame, rows, "present-after-cr", "DEC-9", Severity.WARNING,
                            _present_texts(tp_cr[tps.row_tp[rows]].view("datetime64[ns]")))


def _present_texts(cr_dates: np.ndarray) -> list[str]:
    """The texts of ``present-after-cr`` findings after the overall CRs of ``cr_dates``,
    each written once per distinct date (a cohort's findings share a few hundred)."""
    first, days = pd.factorize(np.asarray(cr_dates, dtype="datetime64[ns]").view(np.int64))
    texts = np.array([
        f"non-target present after the overall CR of {day}; if it reappeared after a "
        "definitive CR enter it as progression (PD), otherwise it is non-CR/non-PD (DEC-9)"
        for day in _iso_dates(days.view("datetime64[ns]"))], dtype=object)
    written: list[str] = texts[first].tolist()
    return written
