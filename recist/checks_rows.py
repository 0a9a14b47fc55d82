"""Data-quality checks on the content of measurement rows: dates, duplicates, statuses
against diameters (DEC-18), equivocal new lesions (DEC-14), slice thickness, and the
baseline window (MEAS-11). Re-exported by ``recist.checks``; see its docstring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist._checks_support import Row, codes_of, findings_at_rows, made_findings
from recist._checks_support import decoded as _decoded
from recist._checks_support import finding as _finding
from recist._checks_support import findings_at as _findings_at
from recist._checks_support import indexed as _indexed
from recist._checks_support import iso as _iso
from recist._checks_support import iso_dates as _iso_dates
from recist._checks_support import records as _records
from recist._checks_support import rows_where as _rows_where
from recist.arrays import (
    NAT_NS,
    NO_DATE_NS,
    combined_codes,
    elements_are,
    first_row_of_each,
    run_starts,
    same_objects,
    take_by_codes,
)
from recist.checks_duplicates import repeated_row_findings
from recist.cohort_index import (
    IndexedMeasurements,
    TextCodes,
    Timepoints,
    code_type,
    date_ns,
    index_of,
    repeated_pairs,
)
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Findings, Severity
from recist.vocabulary import (
    LESION_STATUSES,
    LesionKind,
    NewLesionStatus,
    NonTargetStatus,
    TargetStatus,
)

__all__ = [
    "check_baseline_window",
    "check_dates",
    "check_duplicate_rows",
    "check_equivocal_new_lesions",
    "check_scans_after_death",
    "check_slice_thickness_changes",
    "check_status_diameters",
]


def check_baseline_window(measurements: pd.DataFrame, patients: pd.DataFrame | None,
                          criteria: Criteria = RECIST_1_1) -> Sequence[Finding]:
    """Baseline scans are close to the start of treatment (MEAS-11, R11 3.2.1).

    ``patients`` is the patients table (``patient_id``, ``start_date``).

    1. For each patient with a ``start_date``, take the earliest scan date of the
       baseline time point.
    2. start_date − baseline date > ``criteria.baseline_max_days_before_start`` (28) → warning
       ``baseline-too-early``.
    3. Baseline date > start_date → warning ``baseline-after-start``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"], "kind": ["target"],
    ...                   "date": pd.to_datetime(["2024-01-02"])})
    >>> p = pd.DataFrame({"patient_id": ["P"], "start_date": pd.to_datetime(["2024-02-15"])})
    >>> [f.code for f in check_baseline_window(m, p)]
    ['baseline-too-early']
    """
    if patients is None or "start_date" not in patients.columns:
        return []
    frame = _indexed(measurements)
    rows = _earliest_baseline_rows(frame)
    # the patients with an id and a start date (``dropna`` of the two columns, without
    # building that table)
    with_start = ~(_missing_texts(patients["patient_id"])
                   | np.asarray(patients["start_date"].array.isna(), dtype=bool))
    id_column, start_column = patients["patient_id"], patients["start_date"]
    if not with_start.all():
        id_column, start_column = id_column[with_start], start_column[with_start]
    start_texts = (np.asarray(id_column.array, dtype=object)  # str each (no NA left)
                   if type(id_column.array) is pd.arrays.StringArray
                   else np.asarray(id_column.astype(str), dtype=object))
    patient = index_of(frame).patient
    at = _start_rows_by_code(patient, start_texts)
    if at is not None:  # the table's patients, once each, in the order of their codes
        patient_at = patient.codes[rows]
        at = at[patient_at]
        ids = patient.converted(str)[patient_at]
    else:
        start_ids = pd.Index(start_texts)
        if not start_ids.is_unique:  # several start dates of a patient: one finding each
            return _baseline_window_joined(
                frame, rows, patients.loc[with_start, ["patient_id", "start_date"]], criteria)
        ids = np.array(_decoded(index_of(frame).patient, rows, str, frame["patient_id"]),
                       dtype=object)
        at = start_ids.get_indexer(ids)
    rows, at, ids = rows[at >= 0], at[at >= 0], ids[at >= 0]
    start = date_ns(start_column)[at].view("datetime64[ns]")
    scan = index_of(frame).date_ns[rows]
    known = (scan != NAT_NS) & ~np.isnat(start)
    gap = np.where(known, (start.view(np.int64) - scan) // (86_400 * 10**9), 0)  # whole days
    max_days_before_start = criteria.baseline_max_days_before_start
    flagged = np.flatnonzero(known & ((gap > max_days_before_start) | (gap < 0)))
    # written once per distinct (gap, start date): a cohort repeats them
    gap, start = gap[flagged], start[flagged]
    pair = combined_codes([gap, start.view(np.int64)])
    first = first_row_of_each(pair)
    codes, texts = _window_texts(gap[first].tolist(), _iso_dates(start[first]),
                                 max_days_before_start)
    return findings_at_rows(frame, rows[flagged], np.array(codes, dtype=object)[pair],
                            "MEAS-11", Severity.WARNING, texts, lesion=False,
                            patients=ids[flagged], text_codes=pair)


def _missing_texts(column: pd.Series) -> np.ndarray:
    """``column.isna()`` as a boolean array. A column of pandas' python-backed ``string``
    dtype (a ``StringArray``, which holds ``str`` or the ``pd.NA`` singleton only) is
    looked at as its cells' pointers (``elements_are``): pandas' isna asks each cell
    several questions (~20 ns; 0.4 ms on a cohort's patients table).

    >>> _missing_texts(pd.Series(["P1", None], dtype="string")).tolist()
    [False, True]
    """
    array = column.array
    if type(array) is pd.arrays.StringArray:
        return elements_are(np.asarray(array, dtype=object), pd.NA)
    return np.asarray(array.isna(), dtype=bool)


def _start_rows_by_code(patient: TextCodes, start_texts: np.ndarray) -> np.ndarray | None:
    """When the patients table's ids (as text, ``start_texts``) are the measurements'
    patient ids in the order of their codes, each once and none missing, the row of the
    table for each patient code (``arange``); else None (look them up by text).

    >>> from recist.cohort_index import text_codes
    >>> coded = text_codes(pd.Series(["B", "A", "B"]))
    >>> _start_rows_by_code(coded, np.array(["A", "B"], dtype=object)).tolist()
    [0, 1]
    >>> _start_rows_by_code(coded, np.array(["B", "A"], dtype=object)) is None
    True
    """
    texts = patient.converted(str)[:-1]
    # every unique a str (its str() is itself: same objects), as the texts are compared
    if (len(texts) != len(start_texts) or (patient.codes < 0).any()
            or not same_objects(texts, patient.uniques).all()
            or not np.array_equal(texts, start_texts)):
        return None
    # distinct texts of distinct ids (an id is its text), every row's code one of them
    return np.arange(len(texts))


def _baseline_window_joined(frame: pd.DataFrame, rows: np.ndarray, starts: pd.DataFrame,
                            criteria: Criteria) -> Sequence[Finding]:
    """``check_baseline_window`` for a patients table naming a patient more than once."""
    first = frame[["patient_id", "date", "visit"]].iloc[rows]
    starts = starts.copy()
    starts["patient_id"] = starts["patient_id"].astype(str)
    starts["start_date"] = pd.to_datetime(starts["start_date"])
    joined = first.assign(patient_id=first["patient_id"].astype(str)).merge(
        starts, on="patient_id")
    gap = (joined["start_date"] - joined["date"]).dt.days
    max_days_before_start = criteria.baseline_max_days_before_start
    flagged = ((gap > max_days_before_start) | (gap < 0)).to_numpy()  # records of these only
    joined, gap = joined[flagged], gap[flagged]
    codes, texts = _window_texts(gap.tolist(), _iso_dates(joined["start_date"]),
                                 max_days_before_start)
    return _findings_at(joined, codes, "MEAS-11", Severity.WARNING, texts, lesion=False)


def _window_texts(gaps: list[int], starts: list[str | None],
                  max_days_before_start: int) -> tuple[list[str], list[str]]:
    """The codes and texts of ``check_baseline_window``'s findings: baseline scans
    ``gaps`` days before the start dates ``starts`` (negative: after)."""
    texts, codes = [], []
    for days, start in zip(gaps, starts):
        if days > max_days_before_start:
            codes.append("baseline-too-early")
            texts.append(f"baseline scan {days} days before the start of treatment "
                         f"({start}); RECIST asks for at most {max_days_before_start} "
                         "days (MEAS-11, R11 3.2.1)")
        else:
            codes.append("baseline-after-start")
            texts.append(f"baseline scan {-days} days after the start of treatment "
                         f"({start}); the baseline precedes treatment (MEAS-11)")
    return codes, texts


def _earliest_baseline_rows(frame: pd.DataFrame) -> np.ndarray:
    """The earliest-dated baseline row of each patient (the first in the table among
    equals; a patient whose baseline has no date: its first row), ordered by date (none
    last), then table order -- what sorting the baseline rows by date (stable) and
    keeping each patient's first row gives.

    A patient's baseline is one time point of the encoding, whose ``first_ns`` is the
    earliest date of its rows (``NaT`` when none is dated, as every one of its rows then
    is): its rows dated so are the candidates, the first of them in the table is the row.
    Usually that is the time point's first row: time points are numbered by their first
    row (``timepoint_code``), so among the baseline rows each first appears where the
    running maximum of their numbers rises; only when one such row is dated later are
    the candidates sought.
    """
    encoding = index_of(frame)
    tps = encoding.timepoints
    rows = encoding.baseline_rows
    if len(rows) == 0:
        return rows
    code = tps.timepoint_code[rows]
    # (the running maximum is the codes themselves when they never fall: no accumulate)
    running = code if (code[1:] >= code[:-1]).all() else np.maximum.accumulate(code)
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])  # positions in rows
    when = encoding.date_ns[rows[first]]
    if not (when == tps.first_ns[tps.row_tp[rows[first]]]).all():
        first = _earliest_dated(tps, rows, encoding.date_ns[rows])
        when = encoding.date_ns[rows[first]]
    return rows[first[_date_order(when)]]


_DAY_NS = 86_400 * 10**9


def _date_order(when: np.ndarray) -> np.ndarray:
    """``np.argsort(when, kind="stable")`` of int64 ns dates with NaT last. Whole days
    fewer than 65,535 days apart (a cohort's scan dates) are sorted as 16-bit day numbers
    (NaT: the largest), which NumPy's stable sort orders by radix sort: the same order,
    a tenth of the time.

    >>> nat = np.iinfo(np.int64).min
    >>> _date_order(np.array([2 * _DAY_NS, nat, _DAY_NS, 2 * _DAY_NS])).tolist(), _date_order(
    ...     np.array([2 * _DAY_NS, nat, 1, 2 * _DAY_NS])).tolist()  # a time of day: int64
    ([2, 0, 3, 1], [2, 0, 3, 1])
    """
    dated = when != NAT_NS
    low = int(when.min(initial=NO_DATE_NS, where=dated))  # the earliest date
    if (int(when.max(initial=low, where=dated)) - low) // _DAY_NS < 65_535 and not (
            when % _DAY_NS)[dated].any():
        days = np.full(len(when), 65_535, dtype=np.uint16)  # NaT: after every day
        days[dated] = (when[dated] - low) // _DAY_NS
        return np.argsort(days, kind="stable")
    day = when.copy()
    day[~dated] = np.iinfo(np.int64).max  # NaT sorts last
    return np.argsort(day, kind="stable")


def _earliest_dated(tps: Timepoints, rows: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Of the baseline ``rows`` (dated ``when``), the position of each time point's first
    row dated its ``first_ns``, in table order."""
    tp = tps.row_tp[rows].astype(np.intp)
    at_earliest = np.flatnonzero(when == tps.first_ns[tp])
    first = first_row_of_each(tp[at_earliest], len(tps.order), rows=at_earliest)
    return np.sort(first[first >= 0])  # time points that are no baseline: none


def check_scans_after_death(measurements: pd.DataFrame,
                            patients: pd.DataFrame | None) -> Sequence[Finding]:
    """No scan is dated after the patient's death (impossible dates, DEC-18; TTE-3).

    1. For each patient with a ``death_date`` in the patients table, every measurement
       row dated after it → error ``scan-after-death`` naming the row and the death date.

    Interpretation: one of the two dates is wrong; a scan after death would otherwise be
    a time point (and possibly a PD) after the PFS event.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"], "kind": ["target"],
    ...                   "date": pd.to_datetime(["2024-05-02"])})
    >>> p = pd.DataFrame({"patient_id": ["P"], "death_date": pd.to_datetime(["2024-04-01"])})
    >>> [f.code for f in check_scans_after_death(m, p)]
    ['scan-after-death']
    """
    if patients is None or "death_date" not in patients.columns or not patients[
            "death_date"].notna().any():  # no death date: no table of them to make
        return []
    deaths = patients[["patient_id", "death_date"]].dropna()
    if deaths.empty:
        return []
    death_of = dict(zip(deaths["patient_id"].astype(str),
                        pd.to_datetime(deaths["death_date"])))
    rows = measurements.loc[_after_death(measurements, death_of)]
    texts = [f"scan dated after the death date {_iso(death_of[str(p)])} in the patients "
             "table; correct the scan date or the death date"
             for p in rows["patient_id"].tolist()]
    return _findings_at(rows, "scan-after-death", "DEC-18", Severity.ERROR, texts)


def _after_death(measurements: pd.DataFrame, death_of: dict[str, pd.Timestamp]
                 ) -> np.ndarray:
    """Whether each row is dated after the death date of its patient (``death_of``: the
    patient id as text -> death date): ``(pd.to_datetime(date) > death).fillna(False)``
    with ``death = patient_id.astype(str).map(death_of)``, looked up once per patient of
    an indexed table (its encoding; a missing id per row, as its cell reads), else per
    row."""
    encoding = getattr(measurements, "cohort_index", None)
    if not (isinstance(measurements, IndexedMeasurements) and encoding is not None
            and measurements["date"].dtype == np.dtype("datetime64[ns]")
            and all(isinstance(when, pd.Timestamp) and when.tzinfo is None
                    and when.unit == "ns" for when in death_of.values())):
        death = measurements["patient_id"].astype(str).map(death_of)
        after: np.ndarray = (pd.to_datetime(measurements["date"]) > death).fillna(
            False).to_numpy(bool)
        return after

    def death_ns(patient_id: object) -> int:
        when = death_of.get(str(patient_id))
        return NAT_NS if when is None else int(when.value)

    coded = encoding.patient
    by_code = np.array([death_ns(value) for value in coded.uniques.tolist()] + [NAT_NS],
                       dtype=np.int64)  # the last: a missing id (code -1), set per row
    death = by_code[coded.codes]
    missing = np.flatnonzero(coded.codes < 0)
    if len(missing):
        cells = measurements["patient_id"].array
        death[missing] = [death_ns(cells[i]) for i in missing.tolist()]
    scan = measurements["date"].to_numpy().view(np.int64)  # NaT: the minimum, never after
    return (scan > death) & (death != NAT_NS)


def check_dates(measurements: pd.DataFrame, today: str | date | None = None,
                earliest: str = "1900-01-01") -> Sequence[Finding]:
    """Scan dates are possible and visits follow each other in time (section 1, DEC-20).

    1. A date after ``today`` (default: the current date) or before ``earliest`` → error
       ``impossible-date``. Interpretation: a scan cannot be dated in the future; the row
       would otherwise decide the order of time points.
    2. With visit labels: a time point whose first scan is on or before the last scan of
       the previous time point → warning ``visits-overlap`` (the rows' dates interleave).
    3. Visit labels with numbers (``C2``, ``Week 8``, ``C2D15``) whose numbers do not
       increase with the dates → warning ``visit-order``; only labels of one pattern are
       compared (``C1D15`` with ``C2D1``, not ``Week 8`` with ``Unscheduled 1``).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1"] * 2,
    ...     "visit": ["C2", "C1"], "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [f.code for f in check_dates(m, today="2025-01-01")]
    ['visit-order']
    """
    frame = _indexed(measurements)
    findings = Findings()
    upper = pd.Timestamp(today if today is not None else pd.Timestamp.today()).normalize()
    lower = pd.Timestamp(earliest)
    tps = index_of(frame).timepoints
    # a row out of range makes its time point's first or last date so (NaT: never), so
    # the rows are looked at only when a time point is
    if (tps.last_ns > upper.value).any() or (
            (tps.first_ns < lower.value) & (tps.first_ns != NAT_NS)).any():
        when = index_of(frame).date_ns  # NaT: the int64 minimum, never out of range
        late = when > upper.value
        bad = np.flatnonzero(late | ((when < lower.value) & (when != NAT_NS)))
        problems = ["in the future" if future else f"before {_iso(lower)}"
                    for future in late[bad].tolist()]
        findings += findings_at_rows(
            frame, bad, "impossible-date", "DEC-20", Severity.ERROR,
            [f"scan date {day} is {problem}; correct the date (ISO YYYY-MM-DD)"
             for day, problem in zip(_iso_dates(when[bad].view("datetime64[ns]")), problems)])
    spans = _visit_spans(frame)
    if spans is None:
        return findings
    # spans are sorted by patient and order: the previous time point is the one before
    patient = spans.patient_rank
    start, end = spans.start, spans.end
    # each span against the one before it, of the same patient (NaT: never)
    overlap = np.flatnonzero((patient[1:] == patient[:-1]) & (start[1:] <= end[:-1])) + 1
    visits = spans.label
    findings += spans.findings(
        overlap, "visits-overlap", "DEC-20", Severity.WARNING,
        [f"visit {visits[i]} starts on {day}, on or before the last scan of visit "
         f"{visits[i - 1]} ({previous_end}); check the dates or visit labels"
         for i, day, previous_end in zip(overlap.tolist(), _iso_dates(start[overlap]),
                                         _iso_dates(end[overlap - 1]))])
    # Labels compared only within one pattern ("C#D#", "week #"), by their numbers.
    label_code = spans.label_code  # visit labels only: the first codes
    labels = spans.labels[:int(label_code.max(initial=-1)) + 1]
    parsed = [(re.sub(r"\d+", "#", label.strip().lower()),
               tuple(int(n) for n in re.findall(r"\d+", label))) for label in labels]
    ranks = {}
    templates = {t for t, n in parsed if n}
    for template in templates:
        numbers = sorted({n for t, n in parsed if t == template})
        ranks.update({(template, n): i for i, n in enumerate(numbers)})
    # per distinct label: its pattern's code and its number's rank (-1: no number)
    template_code = pd.factorize(np.array([t for t, _ in parsed], dtype=object))[0]
    rank = np.array([ranks.get(p, -1) for p in parsed], dtype=np.int64)
    numbered = rank[label_code] if len(labels) else label_code
    if (numbered >= 0).all():  # every label has a number: all rows, none gathered
        rows, number, patient_of = np.arange(len(numbered)), numbered, patient
    else:
        rows = np.flatnonzero(numbered >= 0)
        number, patient_of = numbered[rows], patient[rows]
    if len(templates) == 1 and _rising_per_patient(patient_of, number):
        return findings  # one pattern, and its numbers never fall within a patient
    # the highest number before each row among the patient's time points of its pattern
    group = pd.factorize(patient_of * (int(template_code.max(initial=0)) + 1)
                         + template_code[label_code[rows]])[0]
    by_group = np.argsort(group, kind="stable")
    step = int(number.max(initial=0)) + 1  # groups offset so the running max restarts
    running = np.maximum.accumulate(group[by_group] * step + number[by_group])
    first = run_starts(group[by_group])
    previous = np.full(len(rows), -1, dtype=np.int64)
    previous[by_group[~first]] = (running[:-1] - group[by_group][:-1] * step)[~first[1:]]
    backwards = rows[number < previous]
    findings += spans.findings(
        backwards, "visit-order", "DEC-20", Severity.WARNING,
        [f"visit {visits[i]} is dated after a visit with a higher number; the time points "
         "are ordered by date, check the dates or visit labels" for i in backwards.tolist()])
    return findings


def _rising_per_patient(patient: np.ndarray, number: np.ndarray) -> bool:
    """Whether ``number`` never falls between neighbours of one patient (``patient``:
    each item's patient, each patient's items together, in order): then no item is below
    a number before it of its patient, and ``check_dates`` finds no ``visit-order``.

    >>> _rising_per_patient(np.array([0, 0, 1, 1]), np.array([1, 2, 0, 3]))
    True
    >>> _rising_per_patient(np.array([0, 0, 1, 1]), np.array([1, 2, 3, 0]))
    False
    """
    return bool(((number[1:] >= number[:-1]) | (patient[1:] != patient[:-1])).all())



@dataclass(frozen=True, eq=False)
class _VisitSpans:
    """The time points with a visit label, sorted by patient (in order of their first row)
    and order: each one's ``patient_rank`` (that order), ``label`` (the cleaned visit
    label), ``start`` and ``end`` (first and last scan date, datetime64; NaT without one),
    ``patient`` (patient code: its id in ``patient_ids``, or ``missing_id`` for -1),
    ``label_code`` (the label's position in ``labels``, the table's distinct visit labels
    sorted, before any other label)."""

    patient_rank: np.ndarray
    label: np.ndarray
    label_code: np.ndarray
    labels: np.ndarray
    start: np.ndarray
    end: np.ndarray
    patient: np.ndarray
    patient_ids: np.ndarray
    missing_id: str

    def findings(self, at: np.ndarray, code: str, rule: str, severity: Severity,
                 texts: list[str]) -> Sequence[Finding]:
        """Findings at the spans ``at`` (dated at their start, no lesion), the patient ids
        as text."""
        ids = self.patient_ids
        return made_findings(code, rule, severity, texts,
                             [str(ids[p]) if p >= 0 else self.missing_id
                              for p in self.patient[at].tolist()],
                             _iso_dates(self.start[at]), self.label[at].tolist(), None)


def _taken(values: np.ndarray, at: np.ndarray | None) -> np.ndarray:
    """``values`` of the time points ``at``, in that order (all of them, shared, when None)."""
    return values if at is None else values[at]


def _visit_spans(frame: pd.DataFrame) -> _VisitSpans | None:
    """The time points with a visit label (``_VisitSpans``), from the table's encoding
    (``recist.cohort_index``: a time point with a label holds labelled rows only). None
    without labels."""
    encoding = index_of(frame)
    tps = encoding.timepoints
    if not tps.has_visit.any():
        return None
    at: np.ndarray | None = None  # every time point is labelled: all, in their order
    if not tps.has_visit.all():
        labelled = np.zeros(len(tps.patient), dtype=bool)
        labelled[tps.row_tp[tps.has_visit]] = True
        at = np.flatnonzero(labelled)

    # patients ranked by their first row (the table's patient_code), a missing id too
    patient = _taken(tps.patient, at) + 1
    rank = encoding.patient_rank
    order = _taken(tps.order, at)
    ranks = rank[patient]
    if not ((ranks[1:] > ranks[:-1])
            | ((ranks[1:] == ranks[:-1]) & (order[1:] >= order[:-1]))).all():
        ranked = np.lexsort((order, ranks))  # stable: time points in order already stay
        at = ranked if at is None else at[ranked]
        patient, ranks = patient[ranked], ranks[ranked]
    missing = ""
    if (patient == 0).any():  # a missing patient id: as its cell reads
        missing = str(frame["patient_id"].array[np.flatnonzero(encoding.patient.codes < 0)[0]])
    return _VisitSpans(
        patient_rank=ranks, label=_taken(tps.label, at),
        label_code=_taken(tps.label_code, at), labels=tps.labels,
        start=_taken(tps.first_ns, at).view("datetime64[ns]"),
        end=_taken(tps.last_ns, at).view("datetime64[ns]"),
        patient=patient - 1, patient_ids=encoding.patient.uniques, missing_id=missing)


def check_duplicate_rows(measurements: pd.DataFrame,
                         criteria: Criteria = RECIST_1_1) -> Sequence[Finding]:
    """Repeated rows of one lesion at one time point (SUM-5, DEC-18).

    1. Rows equal in patient, time point, lesion, kind, status and diameters:
       ``recist.checks_duplicates.repeated_row_findings`` (target rows that add to the
       sum under ``criteria`` and are equal in every column but the date → error
       ``duplicate-row``, since added as fragments (SUM-5) they would count the lesion
       twice; copies that add 0 mm, and non-target or new copies → warning
       ``repeated-row``; equal diameters told apart by another column → warning
       ``equal-fragments``).
    2. Rows of one lesion at one time point with different kinds, or non-target / new
       rows with different statuses → error ``conflicting-rows`` (DEC-18).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["NT1"] * 2,
    ...     "kind": ["non-target"] * 2, "status": ["present", "absent"],
    ...     "ld_mm": [None, None], "sa_mm": [None, None],
    ...     "date": pd.to_datetime(["2024-01-02"] * 2)})
    >>> [f.code for f in check_duplicate_rows(m)]
    ['conflicting-rows']
    """
    frame = _indexed(measurements)
    findings: list[Finding] = []
    repeated = index_of(frame).repeated_rows
    if repeated is None:
        return findings
    lesion_code = frame["lesion_code"].to_numpy(dtype=np.int64)
    lesion_tp = (frame["timepoint_code"].to_numpy(dtype=np.int64)[repeated]
                 * (int(lesion_code.max(initial=0)) + 1) + lesion_code[repeated])
    frame = frame[repeated].assign(_lesion_tp=lesion_tp)
    findings.extend(repeated_row_findings(frame, "_lesion_tp", criteria))
    kinds = frame.groupby("_lesion_tp", sort=False)["kind"].nunique()
    qualitative = frame[frame["kind"].isin([LesionKind.NON_TARGET, LesionKind.NEW])]
    statuses = qualitative.groupby("_lesion_tp", sort=False)["status"].nunique()
    conflicting = kinds[kinds > 1].index.union(statuses[statuses > 1].index)
    for _, group in frame[frame["_lesion_tp"].isin(conflicting)].groupby("_lesion_tp",
                                                                         sort=False):
        values = ", ".join(f"{k} {v}" for k, v in zip(group["kind"], group["status"]))
        findings.append(_finding(
            group.iloc[0].to_dict(), "conflicting-rows", "DEC-18", Severity.ERROR,
            f"several rows of this lesion at one time point contradict each other ({values}); "
            "keep one row per non-target or new lesion per time point"))
    return findings


def _diameters(row: Row) -> str:
    """The recorded diameters of a row for messages, e.g. ``LD 3.0 mm``."""
    parts = [f"{name} {float(row[column]):g} mm" for name, column in
             (("LD", "ld_mm"), ("SA", "sa_mm"))
             if not pd.isna(row.get(column)) and float(row[column]) > 0]
    return ", ".join(parts)


def _absent_fix(row: Row, criteria: Criteria) -> str:
    """How to resolve an ``absent`` row with a diameter, by lesion kind (DEC-18)."""
    if row.get("kind") == LesionKind.TARGET:
        return "use status measured with the diameter, or clear the diameter"
    if row.get("kind") == LesionKind.NON_TARGET and bool(row.get("nodal")):
        return (f"a node is absent (normal size, NT-CR) only with SA < "
                f"{criteria.node_pathological_sa_mm:g} mm; one with SA ≥ "
                f"{criteria.node_pathological_sa_mm:g} mm is present")
    return "use status present, or clear the diameter"


def check_status_diameters(measurements: pd.DataFrame,
                           criteria: Criteria = RECIST_1_1) -> Sequence[Finding]:
    """Status and diameters agree (DEC-18; SUM-1, SUM-4, NT-CR).

    1. ``absent`` with an LD or SA > 0 → error ``absent-with-diameter``, except a node
       whose recorded SA is < ``node_pathological_sa_mm`` (10 mm): for a node, absent
       means back to normal size, and CRFs often keep the SA, so the row is consistent
       and accepted (DEC-18). A *target* node so recorded counts 0 mm (SUM-4), not its
       SA: warning ``absent-node-with-sa`` says so (RECIST records a target node's SA).
    2. A ``measured`` target without its diameter (SA if nodal, LD otherwise, SUM-1) →
       error ``measured-without-diameter``.
    3. A ``present`` nodal non-target at a follow-up with SA < ``node_pathological_sa_mm``
       → error ``present-normal-node`` (such a node is normal, NT-CR). Interpretation: at
       baseline it is the selection problem ``normal-node-recorded`` (MEAS-6) instead.
    4. A status not allowed for the row's kind → error ``status-not-allowed``.
    5. ``merged``, ``too_small`` or ``not_evaluated`` with a diameter > 0 → warning
       ``status-with-diameter`` (the diameter is not used: merged 0 mm, too small 5 mm).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"], "kind": ["target"],
    ...     "status": ["absent"], "nodal": [False], "ld_mm": [4.0], "sa_mm": [None],
    ...     "date": pd.to_datetime(["2024-01-02"])})
    >>> [f.code for f in check_status_diameters(m)]
    ['absent-with-diameter']
    """
    frame = _indexed(measurements)
    findings: list[Finding] = []
    ld = _as(frame["ld_mm"], float)
    sa = _as(frame["sa_mm"], float)
    nodal = _as(frame["nodal"], bool)
    flags = _status_flags(codes_of(frame, "kind"), codes_of(frame, "status"))
    sized = ld > 0  # a diameter > 0, of a status of step 1 or 5
    sized |= sa > 0
    sized &= _has(flags, _ABSENT | _IGNORED)
    # the few rows of steps 1 and 3 rounded, not every nodal row
    absent = np.flatnonzero(sized & _has(flags, _ABSENT))
    normal_node = _rounded_below(sa[absent], nodal[absent], criteria.rounding_decimals,
                                 criteria.node_pathological_sa_mm)
    for r in _records_at(frame, absent[~normal_node]):
        findings.append(_finding(
            r, "absent-with-diameter", "DEC-18", Severity.ERROR,
            f"status absent but a diameter is recorded ({_diameters(r)}); "
            f"{_absent_fix(r, criteria)}"))
    for r in _records_at(frame, absent[normal_node & _has(flags[absent], _TARGET)]):
        findings.append(_finding(
            r, "absent-node-with-sa", "DEC-18", Severity.WARNING,
            f"target node recorded absent with SA {r['sa_mm']} mm (< "
            f"{criteria.node_pathological_sa_mm:g} mm, normal size): it counts 0 mm in the "
            "sum (SUM-4), not its SA; to count the SA, use status measured (R11 4.3.2)"))
    # the row's own diameter (SA if nodal, LD otherwise) missing, from the two NaN masks
    # (bit operations: np.where picking floats row by row costs ten times more)
    unmeasured = np.isnan(sa)
    unmeasured &= nodal
    unmeasured |= np.isnan(ld) & ~nodal
    unmeasured &= _has(flags, _TARGET_MEASURED)
    for r in _rows_where(frame, unmeasured):
        axis = "SA (nodal)" if r["nodal"] else "LD (non-nodal)"
        findings.append(_finding(
            r, "measured-without-diameter", "DEC-18", Severity.ERROR,
            f"target with status measured has no {axis}; fill it in, or use too_small, absent "
            "or not_evaluated (SUM-1, SUM-4)"))
    present = _has(flags, _NT_PRESENT)
    present &= nodal
    present &= ~frame["is_baseline"].to_numpy(dtype=bool)
    present = np.flatnonzero(present)
    normal = present[_rounded_below(sa[present], None, criteria.rounding_decimals,
                                    criteria.node_pathological_sa_mm)]
    for r in _records_at(frame, normal):
        findings.append(_finding(
            r, "present-normal-node", "DEC-18", Severity.ERROR,
            f"nodal non-target present with SA {r['sa_mm']} mm < "
            f"{criteria.node_pathological_sa_mm} mm: a node that small is normal (NT-CR, "
            "R11 4.3.3); record it as absent, or correct the SA"))
    for r in _rows_where(frame, _has(flags, _NOT_ALLOWED)):
        findings.append(_finding(
            r, "status-not-allowed", "DEC-18", Severity.ERROR,
            f"status {r['status']!r} is not allowed for a {r['kind']} lesion; use one of "
            f"{', '.join(LESION_STATUSES[r['kind']])}"))
    for r in _rows_where(frame, sized & _has(flags, _IGNORED)):
        findings.append(_finding(
            r, "status-with-diameter", "SUM-4", Severity.WARNING,
            f"status {r['status']} with a diameter (LD {r['ld_mm']}, SA {r['sa_mm']} mm): the "
            "diameter is not used; if the lesion was measured, use status measured"))
    return findings


def _as(column: pd.Series, dtype: type) -> np.ndarray:
    """A column as a numpy array of ``dtype`` (``column.astype(dtype)``), not copied when it
    holds that type already."""
    if column.dtype == np.dtype(dtype):
        return column.to_numpy()
    return column.astype(dtype).to_numpy()


def _rounded_below(values: np.ndarray, among: np.ndarray | None, decimals: int,
                   limit: float) -> np.ndarray:
    """``among & (np.round(values, decimals) < limit)`` (``among`` None: every value),
    rounding only the rows that can pass: rounding moves a value by at most half a unit
    of ``decimals``, so a value at or above ``limit`` plus a whole unit stays at or above
    ``limit``."""
    out = np.zeros(len(values), dtype=bool)
    below = values < limit + 10.0 ** -decimals
    rows = np.flatnonzero(below if among is None else among & below)
    out[rows] = np.round(values[rows], decimals) < limit
    return out


_ABSENT, _IGNORED, _TARGET_MEASURED, _NT_PRESENT, _NOT_ALLOWED, _TARGET = (
    1 << bit for bit in range(6))
"""The bits of ``_status_flags``: what ``check_status_diameters`` asks of a row's kind and
status (status absent; merged, too_small or not_evaluated; a measured target; a present
non-target; a status not allowed for the kind; a target)."""


def _status_flags(kind: TextCodes, status: TextCodes) -> np.ndarray:
    """Each row's ``_pair_flags`` (uint8), looked up by its (kind, status) pair of codes:
    one pass over the rows' small codes and one gather from a table of the pairs' flags,
    where comparing the codes with each kind and status took some thirty passes.

    ``_pair_flags`` is asked once per pair of classes (``_classes``: the values it cannot
    tell apart), not per pair of distinct values: a table that is not normalised may
    hold thousands of distinct kinds and statuses. Above ``_PAIR_TABLE_LIMIT`` pairs
    the rows' codes are turned into their classes first (two more gathers, no table of
    every pair).

    >>> from recist.cohort_index import text_codes
    >>> flags = _status_flags(text_codes(pd.Series(["target", "new", None])),
    ...                       text_codes(pd.Series(["measured", "absent", "absent"])))
    >>> flags.tolist() == [_TARGET | _TARGET_MEASURED, _ABSENT | _NOT_ALLOWED, _ABSENT]
    True
    """
    kind_class, kinds = _classes(kind, _NAMED_KINDS)
    status_class, statuses = _classes(status, _NAMED_STATUSES)
    by_class = np.array([_pair_flags(k, s) for k in kinds for s in statuses], dtype=np.uint8)
    if len(kind_class) * len(status_class) > _PAIR_TABLE_LIMIT:
        pair_class = kind_class[kind.codes.astype(np.intp) + 1] * len(statuses)
        pair_class += status_class[status.codes.astype(np.intp) + 1]
        return by_class[pair_class]
    table = by_class[(kind_class[:, None] * len(statuses) + status_class).ravel()]
    pair: npt.NDArray[np.signedinteger[Any]] = kind.codes.astype(code_type(len(table)))
    pair += 1
    pair *= len(status_class)
    pair += status.codes
    pair += 1
    return take_by_codes(table, pair)


_PAIR_TABLE_LIMIT = 1 << 16
"""The most (kind, status) pairs ``_status_flags`` tabulates."""

_NAMED_KINDS = (LesionKind.TARGET, LesionKind.NON_TARGET, *LESION_STATUSES)
"""Every kind ``_pair_flags`` asks about."""

_NAMED_STATUSES = (NonTargetStatus.ABSENT, NonTargetStatus.PRESENT, TargetStatus.MERGED,
                   TargetStatus.TOO_SMALL, TargetStatus.NOT_EVALUATED,
                   TargetStatus.MEASURED,
                   *(status for statuses in LESION_STATUSES.values() for status in statuses))
"""Every status ``_pair_flags`` asks about."""


def _classes(coded: TextCodes, named: tuple[object, ...]
             ) -> tuple[npt.NDArray[np.intp], list[object]]:
    """The class of a missing value (first) and of each of ``coded``'s distinct values,
    and one member of each class: values in one class are those ``_pair_flags`` cannot
    tell apart, being ``in`` (equal to) the same ones of ``named``; a missing value is
    equal to none.

    >>> from recist.cohort_index import text_codes
    >>> classes, members = _classes(text_codes(pd.Series(["b", "x", "a", "y"])), ("a", "b"))
    >>> classes.tolist(), members
    ([0, 1, 2, 0, 0], [None, 'a', 'b'])
    """
    class_of: dict[tuple[bool, ...], int] = {}
    members: list[object] = []
    classes = np.empty(len(coded.uniques) + 1, dtype=np.intp)
    for at, value in enumerate([None, *coded.uniques.tolist()]):
        equal_to = tuple(value is not None and value in (one,) for one in named)
        if equal_to not in class_of:
            class_of[equal_to] = len(members)
            members.append(value)
        classes[at] = class_of[equal_to]
    return classes, members


def _pair_flags(kind: object, status: object) -> int:
    """The ``_status_flags`` bits of a kind and a status (None: missing), each test as
    ``TextCodes.rows_equal`` makes it (a unique ``in`` the values; a missing value is
    none of them, so a missing status is allowed for no kind)."""
    def kind_is(*values: object) -> bool:
        return kind is not None and kind in values

    def status_is(*values: object) -> bool:
        return status is not None and status in values

    flags = 0
    if status_is(NonTargetStatus.ABSENT):
        flags |= _ABSENT
    if status_is(TargetStatus.MERGED, TargetStatus.TOO_SMALL, TargetStatus.NOT_EVALUATED):
        flags |= _IGNORED
    if kind_is(LesionKind.TARGET):
        flags |= _TARGET
        if status_is(TargetStatus.MEASURED):
            flags |= _TARGET_MEASURED
    if kind_is(LesionKind.NON_TARGET) and status_is(NonTargetStatus.PRESENT):
        flags |= _NT_PRESENT
    if any(kind_is(lesion_kind) and not status_is(*statuses)
           for lesion_kind, statuses in LESION_STATUSES.items()):
        flags |= _NOT_ALLOWED
    return flags


def _has(flags: np.ndarray, bits: int) -> np.ndarray:
    """Whether each of ``flags`` holds one of ``bits``."""
    return (flags & bits).astype(bool)


def _records_at(frame: pd.DataFrame, rows: np.ndarray) -> list[Row]:
    """``records(frame.iloc[rows])``, nothing selected when ``rows`` is empty."""
    return _records(frame.iloc[rows]) if len(rows) else []


def check_split_or_merged_nodes(measurements: pd.DataFrame) -> Sequence[Finding]:
    """Nodal targets that split or merge (DEC-11; SUM-5, SUM-6).

    R11 gives no rule for nodes that fragment or coalesce. Interpretation (DEC-11): the
    arithmetic of non-nodal lesions is used (fragments' SAs added, a ``merged`` node
    0 mm), and the reader is told so:

    1. A nodal target with several ``measured`` rows at one time point → warning
       ``node-split`` (its fragments' SAs are added).
    2. A nodal target with status ``merged`` → warning ``node-merged`` (0 mm; the
       conglomerate's SA is carried by the surviving node).

    Alternative: measure a nodal conglomerate as one node.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["L1", "L1", "L1"],
    ...     "kind": ["target"] * 3, "nodal": [True] * 3,
    ...     "status": ["measured"] * 3, "sa_mm": [20.0, 8.0, 7.0], "ld_mm": [None] * 3,
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-03-01"])})
    >>> [(f.code, f.date) for f in check_split_or_merged_nodes(m)]
    [('node-split', '2024-03-01')]
    """
    frame = _indexed(measurements)
    nodal_target = (codes_of(frame, "kind").rows_of(LesionKind.TARGET)
                    & _as(frame["nodal"], bool))
    status = codes_of(frame, "status")
    findings: list[Finding] = []
    # no (lesion, time point) with two rows in the table: no split node (no rows looked at)
    if index_of(frame).repeated_rows is not None:
        measured = np.flatnonzero(nodal_target & status.rows_of(TargetStatus.MEASURED))
        lesion_code = frame["lesion_code"].to_numpy()  # as it is: the rows taken, then cast
        order = frame["timepoint_order"].to_numpy()  # as it is (small integers)
        split = measured[repeated_pairs(lesion_code[measured], order[measured])]
        pair = lesion_code[split].astype(np.int64) * (len(frame) + 1) + order[split]
        for r in _records(frame.iloc[split[np.sort(np.unique(pair, return_index=True)[1])]]):
            findings.append(_finding(
                r, "node-split", "DEC-11", Severity.WARNING,
                "several measured rows of a nodal target at one time point: their short axes "
                "are added as fragments of a split lesion (DEC-11, SUM-5); R11 has no rule "
                "for split nodes — if it is one node, record one row"))
    for r in _rows_where(frame, nodal_target & status.rows_of(TargetStatus.MERGED)):
        findings.append(_finding(
            r, "node-merged", "DEC-11", Severity.WARNING,
            "nodal target merged into another target: it counts 0 mm and the surviving "
            "target carries the conglomerate (DEC-11, SUM-6); R11 has no rule for merged "
            "nodes"))
    return findings


def check_equivocal_new_lesions(measurements: pd.DataFrame) -> Sequence[Finding]:
    """Equivocal new lesions that were never confirmed (DEC-14; NEW-3, R11 4.3.5).

    1. For each new lesion with an ``equivocal`` row, look for a later ``unequivocal`` row
       of the same ``lesion_id``: found → confirmed (PD back-dated, DEC-13), no finding.
    2. Otherwise → warning ``equivocal-new-unresolved``: the lesion counts as no new
       lesion (DEC-14); the message says whether it is still equivocal at the patient's
       last time point.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1", "N1"],
    ...     "kind": ["target", "new"], "status": ["measured", "equivocal"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [(f.code, f.lesion_id) for f in check_equivocal_new_lesions(m)]
    [('equivocal-new-unresolved', 'N1')]
    """
    frame = _indexed(measurements)
    new_rows = np.flatnonzero(codes_of(frame, "kind").rows_of(LesionKind.NEW))
    status = codes_of(frame, "status")  # compared at the new lesions' rows only
    equivocal = new_rows[status.equal_at(new_rows, NewLesionStatus.EQUIVOCAL)]
    if len(equivocal) == 0:
        return []
    lesion = frame["lesion_code"].to_numpy()
    order = frame["timepoint_order"].to_numpy()  # as it is (small integers), never cast
    n_lesions = index_of(frame).n_lesions
    # per lesion in the orders' own small type (a fraction of the int64 tables' pages):
    # "never" is its largest value, above every order (``small_codes``)
    per_lesion = order.dtype if order.dtype.kind == "i" else np.dtype(np.int64)
    never = np.iinfo(per_lesion).max
    # each lesion's first equivocal row (earliest time point, then table order), in that order
    earliest = np.full(n_lesions, never, dtype=per_lesion)
    np.minimum.at(earliest, lesion[equivocal], order[equivocal])
    at_earliest = equivocal[order[equivocal] == earliest[lesion[equivocal]]]
    first = first_row_of_each(lesion[at_earliest], n_lesions, rows=at_earliest)
    first = first[first >= 0]
    first = first[np.lexsort((first, order[first]))]
    unequivocal = new_rows[status.equal_at(new_rows, NewLesionStatus.UNEQUIVOCAL)]
    confirmed = np.full(n_lesions, -1, dtype=per_lesion)  # latest unequivocal time point
    np.maximum.at(confirmed, lesion[unequivocal], order[unequivocal])
    last_eq = np.full(n_lesions, -1, dtype=per_lesion)  # latest equivocal time point
    np.maximum.at(last_eq, lesion[equivocal], order[equivocal])
    first = first[confirmed[lesion[first]] <= order[first]]  # not confirmed later
    if len(first) == 0:
        return []
    still_open = last_eq[lesion[first]] == _last_order_of_patient(frame, first)
    texts = [f"equivocal new lesion first seen here; {_EQUIVOCAL_STATE[open_]}, so it counts "
             "as no new lesion (DEC-14, R11 4.3.5); confirm (unequivocal) or rule it out at "
             "the next scan" for open_ in still_open.tolist()]
    return findings_at_rows(frame, first, "equivocal-new-unresolved", "DEC-14",
                            Severity.WARNING, texts)


def _last_order_of_patient(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """At each of ``rows``, the order of its patient's last time point: read from the
    encoding's time points (sorted by patient, then order: the end of the patient's run),
    not from every row."""
    tps = index_of(frame).timepoints
    patient = tps.patient[tps.row_tp[rows]]
    last: np.ndarray = tps.order[np.searchsorted(tps.patient, patient, side="right") - 1]
    return last


_EQUIVOCAL_STATE = {True: "it is still equivocal at the last time point",
                    False: "it was not confirmed later"}


def check_slice_thickness_changes(measurements: pd.DataFrame) -> Sequence[Finding]:
    """A lesion is imaged with the same slice thickness as at baseline (R11 3.2, App. II).

    1. For each follow-up row whose lesion has a baseline ``slice_thickness_mm``, a
       different thickness → warning ``slice-thickness-changed``, one per patient and
       time point (the lesions listed).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1"] * 2,
    ...     "slice_thickness_mm": [2.5, 5.0],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [f.code for f in check_slice_thickness_changes(m)]
    ['slice-thickness-changed']
    """
    if "slice_thickness_mm" not in measurements.columns:
        return []
    frame = _indexed(measurements)
    thickness = frame["slice_thickness_mm"].to_numpy(dtype=float)
    # the smallest and largest thickness, NaN skipped (NaN: none): without two different
    # thicknesses in the table, no row's differs from its baseline's (a cohort scanned
    # with one protocol), and the rows need not be matched to their lesions
    if not (np.fmin.reduce(thickness, initial=np.nan)
            < np.fmax.reduce(thickness, initial=np.nan)):
        return []
    is_baseline = frame["is_baseline"].to_numpy(dtype=bool)
    known = ~np.isnan(thickness)
    lesion_code = frame["lesion_code"].to_numpy().astype(np.intp)  # indexes (no cast per use)
    # each lesion's first baseline row with a thickness
    first = first_row_of_each(lesion_code[known & is_baseline],
                              int(lesion_code.max(initial=-1)) + 1,
                              rows=np.flatnonzero(known & is_baseline))
    baseline_thickness = np.where(first >= 0, thickness[np.maximum(first, 0)], np.nan)[
        lesion_code]
    # not np.isclose (atol 1e-8, rtol 1e-5): that formula, with fewer passes over the rows
    # (a missing thickness, here or at baseline, compares unequal: never changed)
    # computed only where the thicknesses differ (equal ones never changed)
    changed = np.zeros(len(thickness), dtype=bool)
    differ = np.flatnonzero(thickness != baseline_thickness)
    here, there = thickness[differ], baseline_thickness[differ]
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, not changed
        changed[differ] = np.abs(here - there) > 1e-8 + 1e-5 * np.abs(there)
    infinite = np.isinf(there)  # as np.isclose: equal only to itself
    if infinite.any():
        changed[differ[infinite]] |= ~np.isnan(here[infinite])  # and differ
    changed &= ~is_baseline
    findings: list[Finding] = []
    if not changed.any():
        return findings
    rows = frame[changed].assign(baseline_thickness=baseline_thickness[changed])
    groups: dict[int, list[Row]] = {}
    for r in _records(rows):
        groups.setdefault(r["timepoint_code"], []).append(r)
    for members in groups.values():
        lesions = ", ".join(f"{r['lesion_id']} {r['baseline_thickness']:g} → "
                            f"{r['slice_thickness_mm']:g} mm" for r in members)
        findings.append(_finding(
            members[0], "slice-thickness-changed", "R11 3.2", Severity.WARNING,
            f"slice thickness differs from baseline ({lesions}); use the same technique at "
            "every assessment (R11 3.2, Appendix II) or note why", lesion=False))
    return findings
