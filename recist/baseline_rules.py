"""Baseline: per-lesion measurability, target-selection checks and per-patient verdicts.

Pure functions on the normalised measurements table (``recist.table``); every threshold
comes from a ``recist.criteria.Criteria``. The baseline of a patient is their earliest
time point: the rows of the visit (or, without a ``visit`` column, the date) holding the
patient's earliest scan date (docs/rules.md section 1).

Organ keys for the 2-per-organ limit (SEL-1, SEL-3, DEC-21) come from
``recist.organs.organ_key``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.typing import NAType

from recist._checks_support import iso as iso_date
from recist._checks_support import iso_dates
from recist.arrays import (
    combined_codes,
    dense_limit,
    first_row_of_each,
    first_seen_codes,
    numbered_by_first_sight,
    round_half_away,
    run_starts,
    sorted_codes,
)
from recist.cohort_index import IndexedMeasurements, index_of
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Findings, Severity, make_finding
from recist.organs import organ_key
from recist.plausibility import index_label, refuse_nul_columns
from recist.vocabulary import LesionKind, TargetStatus

__all__ = [
    "LESION_COLUMNS",
    "PATIENT_COLUMNS",
    "BaselineResult",
    "LesionCategory",
    "Measurability",
    "assess_baseline",
    "baseline_rows",
    "check_target_selection",
    "classify_lesions",
    "classify_measurability",
    "meas_10_treated_lesions",
    "organ_key",
    "timepoint_index",
]

LESION_COLUMNS = (
    "patient_id", "lesion_id", "kind", "organ", "organ_key", "nodal", "ld_mm", "sa_mm",
    "slice_thickness_mm", "measurable", "category", "reason",
)
PATIENT_COLUMNS = (
    "patient_id", "baseline_date", "n_targets", "n_non_targets", "measurable_disease",
    "selection_valid", "problems",
)


class LesionCategory(StrEnum):
    """Measurability category of a baseline lesion (MEAS-1..7)."""

    MEASURABLE = "measurable"
    NON_MEASURABLE = "non-measurable"
    PATHOLOGICAL_NODE = "pathological node, non-measurable"
    NORMAL_NODE = "normal node"
    NOT_ASSESSABLE = "not assessable"


@dataclass(frozen=True)
class Measurability:
    """The measurability verdict of one lesion, with the reason in words.

    ``notes`` carries remarks that are not a verdict, e.g. the DEC-12 note for a node
    measured on slices thicker than the fixed-threshold limit.
    """

    category: LesionCategory
    reason: str
    notes: tuple[str, ...] = ()

    @property
    def measurable(self) -> bool:
        """True when the lesion is measurable (target-eligible)."""
        return self.category == LesionCategory.MEASURABLE


@dataclass(frozen=True)
class BaselineResult:
    """Output of ``assess_baseline``: lesions and patients tables, and findings."""

    lesions: pd.DataFrame
    patients: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)


# --- time points -------------------------------------------------------------------------

def timepoint_index(measurements: pd.DataFrame) -> pd.DataFrame:
    """Time point of every row: key, start date, order within the patient, baseline flag.

    docs/rules.md section 1: the rows of one visit form a time point; without a visit
    (column absent, cell empty or blank) each distinct date is one. Time points are
    ordered by their earliest scan date, then latest scan date, then label (visit labels
    before dates); order 0 is the baseline. The time points are those of the table's
    encoding (``recist.cohort_index``), which ``recist.sums.index_timepoints`` reads too,
    and an ``IndexedMeasurements`` table is not indexed again.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``measurements.index``: ``timepoint`` (visit label or ISO date),
        ``timepoint_start`` (earliest date of its rows), ``timepoint_order`` (0, 1, …),
        ``is_baseline``, integer codes ``patient_code`` and ``timepoint_code`` (unique
        per patient and time point) for fast grouping, and ``has_visit`` (the row has a
        visit label).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P", "P", "P"], "visit": ["V2", "V1", "V1"],
    ...                   "date": pd.to_datetime(["2024-03-01", "2024-01-02", "2024-01-05"])})
    >>> timepoint_index(m)[["timepoint", "timepoint_order", "is_baseline"]].values.tolist()
    [['V2', 1, False], ['V1', 0, True], ['V1', 0, True]]
    """
    return pd.DataFrame(index_of(measurements).timepoint_rows(), index=measurements.index)


def _objects(column: pd.Series[Any]) -> npt.NDArray[np.object_]:
    """A text column's cells as an object array: what ``to_numpy(dtype=object)`` gives,
    without the copy and the missing-value pass of pandas' string dtype."""
    return np.asarray(column.array, dtype=object)


def _categories_in(column: pd.Series[Any], *values: object,
                   rows: npt.NDArray[np.integer[Any]] | None = None
                   ) -> npt.NDArray[np.bool_] | None:
    """Of a categorical column, whether each cell is one of ``values`` (as ``==`` or
    ``isin`` compare them: by its category, a missing cell never), compared as codes;
    None for any other column. ``rows``: of the cells at those positions only.

    >>> _categories_in(pd.Series(["a", None, "b"], dtype="category"), "b", "c").tolist()
    [False, False, True]
    >>> _categories_in(pd.Series(["a", None, "b"], dtype="category"), "a", "b",
    ...                rows=np.array([2, 1])).tolist()
    [True, False]
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return None
    codes = column.array.codes
    if rows is not None:
        codes = codes[rows]
    found = np.zeros(len(codes), dtype=bool)
    for code, category in enumerate(column.cat.categories.tolist()):
        if category in values:
            found |= codes == code
    return found


def _objects_at(column: pd.Series[Any], rows: npt.NDArray[np.integer[Any]]
                ) -> npt.NDArray[np.object_]:
    """``_objects(column)[rows]``, converting the cells at ``rows`` only."""
    return np.asarray(column.array.take(rows), dtype=object)


def _missing_at(column: pd.Series[Any], rows: npt.NDArray[np.integer[Any]],
                cells: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """``pd.isna(cells)`` of the ``cells`` of ``column`` at ``rows``: a categorical's code
    -1 (no category is missing), else each cell tested.

    >>> column = pd.Series(["a", None, "b"], dtype="category")
    >>> _missing_at(column, np.array([1, 2]), _objects_at(column, np.array([1, 2]))).tolist()
    [True, False]
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        missing: npt.NDArray[np.bool_] = column.array.codes[rows] < 0
        return missing
    return np.asarray(pd.isna(cells), dtype=bool)


def baseline_rows(measurements: pd.DataFrame) -> pd.DataFrame:
    """Rows of each patient's baseline time point (the earliest), in input order."""
    return measurements.loc[timepoint_index(measurements)["is_baseline"].to_numpy()]


_INDEXED_COLUMNS = frozenset({"is_baseline", "patient_code", "lesion_code", "timepoint_code",
                              "timepoint_order"})
"""Columns of ``recist._checks_support.indexed``'s table: its time points are known."""


def _baseline_lesion_codes(measurements: pd.DataFrame) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64],
        dict[str, npt.NDArray[np.signedinteger[Any]]]]:
    """The positions of the baseline rows (``baseline_rows``), and at each a patient code
    and a code per (patient, lesion_id); and the encoding's codes of ``patient_id`` and
    ``lesion_id`` (``TextCodes``) at those rows, by column name, when it has them.

    A table indexed by ``recist._checks_support.indexed`` brings its time points and codes
    (a missing lesion_id is coded from the text, as for any other table).
    """
    if _INDEXED_COLUMNS.issubset(measurements.columns):
        if isinstance(measurements, IndexedMeasurements):  # missing ids from the codes
            encoding = index_of(measurements)
            rows = encoding.baseline_rows
            lesion = encoding.lesion.codes[rows]
            if not (lesion < 0).any():
                patient = encoding.patient.codes[rows]
                return (rows, patient.astype(np.int64),
                        encoding.lesion_code[rows].astype(np.int64),
                        {"patient_id": patient, "lesion_id": lesion})
        else:
            rows = np.flatnonzero(measurements["is_baseline"].to_numpy(dtype=bool))
            if not pd.isna(_objects(measurements["lesion_id"])[rows]).any():
                return (rows, measurements["patient_code"].to_numpy()[rows].astype(np.int64),
                        measurements["lesion_code"].to_numpy()[rows].astype(np.int64), {})
    else:
        rows = np.flatnonzero(timepoint_index(measurements)["is_baseline"].to_numpy(
            dtype=bool))
    patient = pd.factorize(_objects(measurements["patient_id"])[rows])[0].astype(
        np.int64)
    lesion = pd.factorize(_objects(measurements["lesion_id"])[rows])[0].astype(
        np.int64)
    # a missing id (code -1) is a value of its own, as drop_duplicates and groupby take it
    return rows, patient, pd.factorize(patient * (int(lesion.max(initial=0)) + 1) + lesion)[
        0].astype(np.int64), {}


def _codes_are(column: pd.Series[Any], codes: npt.NDArray[Any]) -> bool:
    """Whether ``column`` is categorical and its codes are the array ``codes`` itself (one
    array in memory, as an encoding keeps a categorical's codes whose categories are
    sorted): its cells are then ``codes``' values, to be taken from codes taken already.

    >>> column = pd.Series(["b", "a", "b"], dtype="category")
    >>> _codes_are(column, column.cat.codes.to_numpy()), _codes_are(column, np.array([1, 0, 1]))
    (True, False)
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return False
    own = column.array.codes
    return bool(own.dtype == codes.dtype and own.shape == codes.shape
                and own.strides == codes.strides
                and own.__array_interface__["data"][0] == codes.__array_interface__["data"][0])


# --- measurability -----------------------------------------------------------------------

def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _mm(value: float) -> str:
    """Millimetres for messages: one decimal unless more are significant."""
    value = float(value)
    return f"{value:.1f}" if abs(value * 10 - round(value * 10)) < 1e-9 else f"{value:g}"


def _distinct_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct combination of ``columns``, and each row's combination.

    >>> _distinct_rows([np.array([1, 2, 1, 1]), np.array(["a", "b", "a", "c"])])
    (array([0, 1, 3]), array([0, 1, 0, 2]))
    """
    key = combined_codes(columns)
    return first_row_of_each(key), key


def _distinct_by_node(node: npt.NDArray[np.bool_], sa_bits: npt.NDArray[np.int64],
                      ld_bits: npt.NDArray[np.int64]
                      ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``_distinct_rows([node, np.where(node, sa_bits, ld_bits)])`` up to the numbering of
    the combinations (the others' first, then the nodes'): a row of each distinct node SA
    and of each distinct LD of any other lesion, and each row's combination, the nodes'
    and the others' values hashed apart (no combined key hashed again).

    >>> _distinct_by_node(np.array([True, False, True, False]), np.array([5, 5, 5, 6]),
    ...                   np.array([5, 7, 8, 7]))
    (array([1, 0]), array([1, 0, 1, 0]))
    """
    nodes, others = np.flatnonzero(node), np.flatnonzero(~node)
    other_code, other_values = pd.factorize(ld_bits[others])
    node_code = pd.factorize(sa_bits[nodes])[0]
    inverse = np.empty(len(node), dtype=np.int64)
    inverse[others] = other_code
    inverse[nodes] = node_code + len(other_values)
    return (np.concatenate([others[first_row_of_each(other_code)],
                            nodes[first_row_of_each(node_code)]]), inverse)


_CATEGORY_VALUES = np.array([category.value for category in LesionCategory], dtype=object)
_CATEGORY_CODE = {category: code for code, category in enumerate(LesionCategory)}


def _classify_arrays(ld_mm: npt.ArrayLike, sa_mm: npt.ArrayLike, nodal: npt.ArrayLike,
                     slice_thickness_mm: npt.ArrayLike, criteria: Criteria,
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_],
                                npt.NDArray[np.object_]]:
    """Categories (as codes into ``_CATEGORY_VALUES``), reasons and notes (object arrays
    of text) for arrays of lesions (see ``classify_measurability``)."""
    classes = _DistinctLesions.of(ld_mm, sa_mm, nodal, slice_thickness_mm, criteria)
    reasons, notes = classes.texts(np.arange(len(classes.category)))
    inverse = classes.inverse
    return (classes.category[inverse], np.array(reasons, dtype=object)[inverse],
            np.array(notes, dtype=object)[inverse])


@dataclass(frozen=True, eq=False)
class _DistinctLesions:
    """Lesions classified once per distinct (node, SA of a node or LD of any other,
    thickness) as recorded: a cohort repeats them, and the category, slices, threshold
    and texts follow from those rounded (a node's verdict reads no LD, any other's no
    SA).

    Per distinct lesion: ``ld``, ``sa`` (rounded, DEC-22), ``node``, ``thickness``,
    ``thick`` (slices above the fixed-threshold limit), ``threshold`` (the LD of
    measurability) and ``category`` (code into ``_CATEGORY_VALUES``); ``inverse``: each
    lesion's distinct one. ``texts`` writes the reasons and notes of the distinct lesions
    asked for only.
    """

    ld: npt.NDArray[np.float64]
    sa: npt.NDArray[np.float64]
    node: npt.NDArray[np.bool_]
    thickness: npt.NDArray[np.float64]
    thick: npt.NDArray[np.bool_]
    threshold: npt.NDArray[np.float64]
    category: npt.NDArray[np.int64]
    inverse: npt.NDArray[np.int64]
    criteria: Criteria

    @classmethod
    def of(cls, ld_mm: npt.ArrayLike, sa_mm: npt.ArrayLike, nodal: npt.ArrayLike,
           slice_thickness_mm: npt.ArrayLike, criteria: Criteria) -> _DistinctLesions:
        ld, sa, thickness = (np.ascontiguousarray(a, dtype=float)
                             for a in (ld_mm, sa_mm, slice_thickness_mm))
        node = np.asarray(nodal, dtype=bool)
        # Floats are keyed by their bits (-0.0 != 0.0; every NaN of one bit pattern is one
        # value) as recorded: equal diameters round alike, so each distinct lesion is
        # rounded (DEC-22) once, not each lesion.
        ld_bits, sa_bits, thickness_bits = (a.view(np.int64) for a in (ld, sa, thickness))
        if len(node) and (thickness_bits == thickness_bits[0]).all():  # one slice thickness
            distinct, inverse = _distinct_by_node(node, sa_bits, ld_bits)
        else:
            distinct, inverse = _distinct_rows([node, np.where(node, sa_bits, ld_bits),
                                                thickness_bits])
        ld, sa, node, thickness = (ld[distinct], sa[distinct], node[distinct],
                                   thickness[distinct])
        ld = round_half_away(ld, criteria.rounding_decimals)
        sa = round_half_away(sa, criteria.rounding_decimals)
        thick = ~np.isnan(thickness) & (thickness > criteria.fixed_threshold_max_slice_mm)
        threshold = round_half_away(np.where(thick, np.maximum(
            criteria.measurable_ld_mm,
            criteria.slice_thickness_factor * np.nan_to_num(thickness)),
            criteria.measurable_ld_mm), criteria.rounding_decimals)
        msa, psa = criteria.node_measurable_sa_mm, criteria.node_pathological_sa_mm
        C = LesionCategory
        # categories as codes into _CATEGORY_VALUES (an object array of the values: no text
        # array to convert on a cohort of 10⁵ lesions)
        category = np.select(
            [node & np.isnan(sa), node & (sa >= msa), node & (sa >= psa), node,
             np.isnan(ld), ld >= threshold],
            [_CATEGORY_CODE[C.NOT_ASSESSABLE], _CATEGORY_CODE[C.MEASURABLE],
             _CATEGORY_CODE[C.PATHOLOGICAL_NODE], _CATEGORY_CODE[C.NORMAL_NODE],
             _CATEGORY_CODE[C.NOT_ASSESSABLE], _CATEGORY_CODE[C.MEASURABLE]],
            default=_CATEGORY_CODE[C.NON_MEASURABLE])
        return cls(ld, sa, node, thickness, thick, threshold, category, inverse, criteria)

    def texts(self, which: npt.NDArray[np.integer[Any]]) -> tuple[list[str], list[str]]:
        """The reasons and notes of the distinct lesions ``which``."""
        criteria = self.criteria
        ld, sa, node, thickness, thick, threshold = (
            self.ld, self.sa, self.node, self.thickness, self.thick, self.threshold)
        msa, psa = criteria.node_measurable_sa_mm, criteria.node_pathological_sa_mm
        C = LesionCategory
        categories = _CATEGORY_VALUES[self.category]
        reasons: list[str] = []
        notes: list[str] = []
        for i in which.tolist():
            cat = categories[i]
            note = ""
            if node[i]:
                if cat == C.NOT_ASSESSABLE:
                    reason = ("nodal lesion without a short axis: nodes are judged on their SA "
                              "(MEAS-4, R11 3.1.1)")
                elif cat == C.MEASURABLE:
                    reason = f"nodal SA {_mm(sa[i])} mm ≥ {_mm(msa)} mm (MEAS-4, R11 3.1.1)"
                elif cat == C.PATHOLOGICAL_NODE:
                    reason = (f"nodal SA {_mm(sa[i])} mm is ≥ {_mm(psa)} and < {_mm(msa)} mm: "
                              "pathological but not measurable, non-target only (MEAS-5, "
                              "R11 3.1.2)")
                else:
                    reason = (f"nodal SA {_mm(sa[i])} mm < {_mm(psa)} mm: normal node, not to be "
                              "recorded (MEAS-6, R11 4.2)")
                if thick[i]:
                    note = (f"node measured on {_mm(thickness[i])} mm slices (> "
                            f"{_mm(criteria.fixed_threshold_max_slice_mm)} mm): the fixed "
                            f"{_mm(msa)} mm SA threshold was applied (DEC-12, MEAS-4)")
            elif cat == C.NOT_ASSESSABLE:
                reason = "non-nodal lesion without an LD (MEAS-1, R11 3.1.1)"
            else:
                if thick[i] and threshold[i] > criteria.measurable_ld_mm:
                    where = (f"{_mm(threshold[i])} mm = {criteria.slice_thickness_factor:g} × "
                             f"{_mm(thickness[i])} mm slice thickness (MEAS-2, R11 3.1.1)")
                else:
                    where = f"{_mm(threshold[i])} mm (MEAS-1, R11 3.1.1)"
                sign = "≥" if cat == C.MEASURABLE else "<"
                reason = f"non-nodal LD {_mm(ld[i])} mm {sign} {where}"
            reasons.append(reason)
            notes.append(note)
        return reasons, notes


def classify_measurability(ld_mm: float | None, sa_mm: float | None, nodal: bool,
                           slice_thickness_mm: float | None = None,
                           criteria: Criteria = RECIST_1_1) -> Measurability:
    """Measurability of one lesion at baseline, with its reason (MEAS-1..7, MEAS-13).

    R11 3.1.1, 3.1.2, 4.2, Appendix II. Diameters are rounded half away from zero to
    ``criteria.rounding_decimals`` before the inclusive comparisons (DEC-22).

    1. A nodal lesion is judged on its SA (MEAS-4): SA missing → not assessable;
       SA ≥ ``node_measurable_sa_mm`` (15) → measurable; SA ≥
       ``node_pathological_sa_mm`` (10) → pathological but non-measurable, non-target
       only (MEAS-5); otherwise a normal node, not to be recorded (MEAS-6).
       Interpretation (DEC-12): the node thresholds do not change with slice thickness;
       slices > ``fixed_threshold_max_slice_mm`` (5) add a note.
    2. A non-nodal lesion is judged on its LD: LD missing → not assessable; LD ≥
       ``criteria.min_measurable_ld_mm(slice_thickness_mm)`` (10 mm, or twice the slice
       thickness when slices are > 5 mm, MEAS-2) → measurable; otherwise non-measurable
       (MEAS-7).

    Examples
    --------
    >>> classify_measurability(10.0, None, nodal=False).category.value
    'measurable'
    >>> classify_measurability(8.2, None, nodal=False).reason
    'non-nodal LD 8.2 mm < 10.0 mm (MEAS-1, R11 3.1.1)'
    >>> classify_measurability(11.0, None, nodal=False, slice_thickness_mm=6.0).reason
    'non-nodal LD 11.0 mm < 12.0 mm = 2 × 6.0 mm slice thickness (MEAS-2, R11 3.1.1)'
    >>> classify_measurability(25.0, 12.0, nodal=True).category.value
    'pathological node, non-measurable'
    """
    def number(value: float | None) -> float:
        return np.nan if value is None or _is_missing(value) else float(value)

    category_code, reasons, notes = _classify_arrays(
        [number(ld_mm)], [number(sa_mm)], [bool(nodal)], [number(slice_thickness_mm)],
        criteria)
    return Measurability(LesionCategory(_CATEGORY_VALUES[category_code[0]]), reasons[0],
                         (notes[0],) if notes[0] else ())


_STATUS_REASONS: dict[str, tuple[LesionCategory, str]] = {
    TargetStatus.TOO_SMALL: (LesionCategory.NON_MEASURABLE,
                  "status too_small at baseline: present but too small to measure (SUM-4)"),
    TargetStatus.ABSENT: (LesionCategory.NOT_ASSESSABLE,
               "status absent at baseline: a lesion recorded at baseline must be present"),
    TargetStatus.MERGED: (LesionCategory.NOT_ASSESSABLE,
               "status merged at baseline: lesions are merged only at follow-up (SUM-6)"),
    TargetStatus.NOT_EVALUATED: (LesionCategory.NOT_ASSESSABLE,
                      "status not_evaluated at baseline: no measurement to judge"),
}


def meas_10_treated_lesions(lesions: pd.DataFrame, history: pd.DataFrame | None,
                            criteria: Criteria = RECIST_1_1,
                            ) -> list[tuple[int, LesionCategory | None, str]]:
    """Baseline lesions treated locally before baseline: MEAS-10 (R11 3.1.3).

    ``history`` is the lesion history (``recist.oligo.lesion_history``: ``local_therapy``,
    ``local_therapy_date``, ``progressed_since_therapy``). A lesion whose local treatment
    (any but ``none``) is dated strictly before its baseline date is in a treated area
    (with several treatments, the latest before baseline counts):

    1. progressed since (``progressed_since_therapy`` true) → judged as any lesion, with a
       note;
    2. the protocol allows treated lesions (``criteria.treated_lesions_measurable``) →
       judged as any lesion, with a note;
    3. otherwise it is not measurable (it may still be a non-target), whatever its size;
       "progression not recorded" is said when the flag is empty.

    Returns ``(position in lesions, new category or None, text)`` for each such lesion:
    a category with the reason that replaces the size verdict, or None with a note.

    >>> lesions = pd.DataFrame({"patient_id": ["P", "P"], "lesion_id": ["T1", "T2"],
    ...     "baseline_date": pd.to_datetime(["2024-01-08"] * 2)})
    >>> history = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"],
    ...     "local_therapy": ["sbrt"], "local_therapy_date": pd.to_datetime(["2023-05-02"]),
    ...     "progressed_since_therapy": pd.array([None], dtype="boolean")})
    >>> [(i, str(c), t[:64]) for i, c, t in meas_10_treated_lesions(lesions, history)]
    [(0, 'non-measurable', 'treated by sbrt on 2023-05-02, before the baseline of 2024-01-08')]
    """
    if history is None or history.empty or lesions.empty:
        return []
    treated = history[(history["local_therapy"] != "none")
                      & history["local_therapy_date"].notna()]
    by_lesion: dict[tuple[str, str], list[Any]] = {}
    for record in treated.itertuples():
        by_lesion.setdefault((str(record.patient_id), str(record.lesion_id)), []).append(record)
    out: list[tuple[int, LesionCategory | None, str]] = []
    for position, (patient_id, lesion_id, baseline) in enumerate(zip(
            lesions["patient_id"].tolist(), lesions["lesion_id"].tolist(),
            lesions["baseline_date"].tolist())):
        if _is_missing(baseline) or pd.isna(baseline):
            continue
        before = [r for r in by_lesion.get((str(patient_id), str(lesion_id)), [])
                  if pd.Timestamp(r.local_therapy_date) < pd.Timestamp(baseline)]
        if not before:
            continue
        record = max(before, key=lambda r: pd.Timestamp(r.local_therapy_date))  # the latest
        when = pd.Timestamp(record.local_therapy_date)
        treated_text = (f"treated by {record.local_therapy} on {when:%Y-%m-%d}, before the "
                        f"baseline of {pd.Timestamp(baseline):%Y-%m-%d}")
        flag = record.progressed_since_therapy
        progressed = None if flag is None or flag is pd.NA else bool(flag)
        if progressed:
            out.append((position, None, f"{treated_text}, and progressed since: judged as "
                                        "any lesion (MEAS-10, R11 3.1.3)"))
        elif criteria.treated_lesions_measurable:
            out.append((position, None, f"{treated_text}: measurable by the protocol "
                                        "(treated_lesions_measurable, MEAS-10)"))
        else:
            since = ("not progressed since" if progressed is False
                     else "progression since not recorded")
            out.append((position, LesionCategory.NON_MEASURABLE,
                        f"{treated_text}, {since}: not measurable, non-target only "
                        "(MEAS-10, R11 3.1.3)"))
    return out


def classify_lesions(measurements: pd.DataFrame,
                     criteria: Criteria = RECIST_1_1,
                     history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The baseline ``lesions`` table: one row per baseline lesion with its measurability.

    Uses the baseline rows only (``baseline_rows``). Several rows of one lesion at
    baseline are fragments whose diameters add (SUM-5). A baseline target whose status is
    not ``measured`` is judged by its status. With a lesion ``history``, a lesion treated
    locally before baseline follows MEAS-10 (``meas_10_treated_lesions``). Columns:
    ``LESION_COLUMNS`` plus ``baseline_date`` (latest scan date of the baseline time
    point, DEC-20) and ``notes``.
    """
    return _classified_lesions(measurements, criteria, history)[0].frame()


_DIAMETER_COLUMNS = ("ld_mm", "sa_mm", "slice_thickness_mm")
"""The columns a lesion is classified by (with ``nodal``)."""

@dataclass(frozen=True, eq=False)
class _LesionColumns:
    """The columns of ``classify_lesions``' table by name, in order (Series sharing one
    RangeIndex, or arrays), before a DataFrame is made of them (~0.5 ms on a cohort,
    and its columns' reads ~10 us each): ``check_target_selection`` reads them as they
    are. ``names``: the table's columns when it has no rows (``columns`` is then empty)."""

    columns: dict[str, Any]
    names: list[str]

    def __len__(self) -> int:
        return 0 if not self.columns else len(next(iter(self.columns.values())))

    def __contains__(self, name: object) -> bool:
        """Whether the table has the column ``name`` (as ``in`` a DataFrame)."""
        return name in self.names

    def frame(self) -> pd.DataFrame:
        """The table (an empty one of ``names`` when there are no rows)."""
        if not self.columns:
            return pd.DataFrame(columns=self.names)
        return pd.DataFrame(self.columns, index=pd.RangeIndex(len(self)), copy=False)


_TEXT_COLUMNS = ("category", "reason", "notes", "organ_key")
"""The text columns of ``classify_lesions`` that ``_classified_lesions`` leaves out when
asked for codes only (``_LesionTexts`` writes them for the lesions read)."""


def _classified_lesions(measurements: pd.DataFrame, criteria: Criteria,
                        history: pd.DataFrame | None = None, texts: bool = True,
                        ) -> tuple[_LesionColumns, npt.NDArray[np.int64], npt.NDArray[np.intp],
                                   _LesionTexts | None]:
    """``classify_lesions``, with two of its columns as integer codes, one per lesion:
    ``category`` (into ``_CATEGORY_VALUES``) and ``organ_key`` (-1: None; equal codes,
    equal keys), which ``check_target_selection`` compares and groups without hashing
    or comparing text.

    Without ``texts`` (and without a ``history``), the table has no ``_TEXT_COLUMNS``:
    the fourth item, a ``_LesionTexts``, writes a lesion's reason and organ key when
    asked (a cohort's checks read a few hundred of 10⁵); else it is None."""
    texts = texts or history is not None
    columns = [*LESION_COLUMNS, "baseline_date", "notes"]
    if not texts:
        columns = [name for name in columns if name not in _TEXT_COLUMNS]
    rows, patient, code, coded = _baseline_lesion_codes(measurements)
    if len(rows) == 0:
        return (_LesionColumns({}, columns), np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.intp), None if texts else _LesionTexts.none())
    defaults = {"organ": pd.NA, "nodal": False, "ld_mm": np.nan, "sa_mm": np.nan,
                "slice_thickness_mm": np.nan}

    def column(name: str, at: npt.NDArray[np.int64]) -> pd.Series[Any]:
        """The cells of ``name`` at the rows ``at`` (its default if the column is absent),
        as ``iloc[at].reset_index(drop=True)`` gives them, without the copies."""
        if name not in measurements.columns and name in defaults:
            return pd.Series(defaults[name], index=pd.RangeIndex(len(at)))
        cells = measurements[name]
        if isinstance(cells.dtype, np.dtype):  # a NumPy column: NumPy's take, no wrapper
            return pd.Series(cells.to_numpy()[at], index=pd.RangeIndex(len(at)), name=name,
                             copy=False)
        return pd.Series(cells.array.take(at), index=pd.RangeIndex(len(at)), name=name,
                         copy=False)

    def numbers(name: str, at: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """``column(name, at).astype(float)`` as an array: a float column's cells taken
        by NumPy, no Series made and copied."""
        cells = measurements[name] if name in measurements.columns else None
        if cells is not None and cells.dtype == np.float64:
            taken: npt.NDArray[np.float64] = cells.to_numpy()[at]
            return taken
        converted: npt.NDArray[np.float64] = column(name, at).astype(float).to_numpy()
        return converted

    # the first baseline row of each lesion, in table order (as drop_duplicates keeps);
    # codes rising row by row (a table in order): each row is a lesion of its own
    one_row_each = bool((code[1:] > code[:-1]).all())
    if one_row_each:
        first = np.arange(len(code))
    else:
        first = first_row_of_each(code)
        first = np.sort(first[first >= 0])
    at = rows if one_row_each else rows[first]
    # the encoding's codes at the lesions' rows; a categorical column whose codes they are
    # is made of them (no second take)
    coded_at = {name: codes if one_row_each else codes[first] for name, codes in coded.items()}
    encoding = index_of(measurements) if coded else None

    def lesion_column(name: str) -> pd.Series[Any]:
        """``column(name, at)``: the cells of ``name`` at the lesions' rows."""
        codes = coded_at.get(name)
        if encoding is None or codes is None or not _codes_are(measurements[name], getattr(
                encoding, "patient" if name == "patient_id" else "lesion").codes):
            return column(name, at)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=measurements[name].dtype,
                                                   validate=False),
                         index=pd.RangeIndex(len(at)), name=name, copy=False)
    # Without texts (check_target_selection, lesions one row each), only the lesions whose
    # category that check reads are classified, their diameters read at those rows only
    # (``_judged_lesions``); the table has no diameter columns then.
    judged_only = not texts and one_row_each
    if judged_only:
        columns = [name for name in columns if name not in _DIAMETER_COLUMNS]
    # the table's columns as Series sharing one RangeIndex; a DataFrame is built only
    # where one is needed (fragments, a history, the result): each costs ~1 ms
    lesions: dict[str, pd.Series[Any]] = {name: lesion_column(name) for name in (
        "patient_id", "lesion_id", "kind", "organ", "nodal",
        *(() if judged_only else _DIAMETER_COLUMNS))}
    status = measurements["status"]  # read at the targets only (judged by their status?)
    index = pd.RangeIndex(len(first))
    fragments = None if one_row_each else np.bincount(code)[code] > 1
    if fragments is not None and fragments.any():
        table = pd.DataFrame({"_code": pd.Series(code[first]), **lesions})
        grouped = pd.DataFrame({"_code": code[fragments], **{
            name: column(name, rows[fragments])
            for name in ("ld_mm", "sa_mm", "slice_thickness_mm")}}).groupby("_code")
        sums = grouped[["ld_mm", "sa_mm"]].sum(min_count=1)
        thickest = grouped["slice_thickness_mm"].max()
        split = table["_code"].isin(sums.index)
        table.loc[split, "ld_mm"] = table.loc[split, "_code"].map(sums["ld_mm"])
        table.loc[split, "sa_mm"] = table.loc[split, "_code"].map(sums["sa_mm"])
        table.loc[split, "slice_thickness_mm"] = table.loc[split, "_code"].map(thickest)
        lesions = {name: table[name] for name in table.columns}
        index = table.index
    patient_codes = coded_at.get("patient_id")
    dates: _RowDates | None = None
    if (judged_only and encoding is not None and patient_codes is not None
            and measurements["date"].dtype == np.dtype("datetime64[ns]")):
        # each lesion's date, looked up at the findings' lesions only
        tps = encoding.timepoints
        dates = (tps.last_ns, tps.row_tp, at)
        columns.remove("baseline_date")
    else:
        lesions["baseline_date"] = pd.Series(_baseline_dates(
            measurements, rows, patient, first, at), index=index)
    lesions["nodal"] = lesions["nodal"].astype(bool)
    organ_code, organ_values = _codes_and_values(lesions["organ"])
    keys = [organ_key(o) for o in organ_values]
    nodal = lesions["nodal"].to_numpy()
    key_values = np.array(keys + [None], dtype=object)  # code -1 (missing) -> None
    if texts:
        lesions["organ_key"] = pd.Series(_organ_keys(nodal, key_values[organ_code]),
                                         index=index)
    # the keys numbered (the last: "lymph node"; None: -1), each organ value's key code
    key_code = pd.factorize(np.array(keys + ["lymph node"], dtype=object))[0]
    # (indexed by pointer-sized integers: numpy's indexing by a categorical's int8 codes
    # takes twice the time)
    organ_key_code = np.where(nodal, key_code[-1], np.append(key_code[:-1], -1)[
        organ_code.astype(np.intp)])
    if judged_only:
        classified = _judged_lesions(lesions["kind"], nodal, patient)  # first: every row
        at_classified = at[classified]
        diameters = [numbers(name, at_classified) for name in _DIAMETER_COLUMNS]
        classes = _DistinctLesions.of(diameters[0], diameters[1], nodal[classified],
                                      diameters[2], criteria)
        # the others: not measurable, no node (never read)
        category_code = np.full(len(first), _CATEGORY_CODE[LesionCategory.NOT_ASSESSABLE],
                                dtype=classes.category.dtype)
        category_code[classified] = classes.category[classes.inverse]
        inverse = np.full(len(first), -1, dtype=classes.inverse.dtype)
        inverse[classified] = classes.inverse
        classes = replace(classes, inverse=inverse)  # by lesion (-1: not classified)
    else:
        classes = _DistinctLesions.of(
            lesions["ld_mm"].astype(float), lesions["sa_mm"].astype(float), lesions["nodal"],
            lesions["slice_thickness_mm"].astype(float), criteria)
        category_code = classes.category[classes.inverse]
    if texts:
        reason_texts, note_texts = classes.texts(np.arange(len(classes.category)))
        reasons = np.array(reason_texts, dtype=object)[classes.inverse]
        notes = np.array(note_texts, dtype=object)[classes.inverse]
    target = _categories_in(lesions["kind"], LesionKind.TARGET)
    if target is None:
        target = (lesions["kind"] == LesionKind.TARGET).to_numpy()
    targets = np.flatnonzero(target)
    judged = _categories_in(status, *_STATUS_REASONS, rows=at[targets])
    if judged is None:
        judged = column("status", at[targets]).isin(list(_STATUS_REASONS)).to_numpy()
    status_reasons = {}
    for i in targets[judged].tolist():
        category, reason = _STATUS_REASONS[str(status.iat[at[i]])]
        category_code[i] = _CATEGORY_CODE[category]
        if texts:
            reasons[i], notes[i] = reason, ""
        status_reasons[i] = reason
    treated = [] if history is None else meas_10_treated_lesions(
        pd.DataFrame(lesions, copy=False), history, criteria)
    measurable_code = _CATEGORY_CODE[LesionCategory.MEASURABLE]
    for k, category_10, text in treated:
        if category_10 is not None and category_code[k] == measurable_code:
            category_code[k], reasons[k] = _CATEGORY_CODE[category_10], text
        else:
            notes[k] = "; ".join(n for n in (notes[k], text) if n)
    made = {"measurable": category_code == measurable_code}
    if texts:
        made.update(category=_CATEGORY_VALUES[category_code], reason=reasons, notes=notes)
    # the columns in order, sharing the arrays (selecting them would copy)
    return (_LesionColumns({name: made[name] if name in made else lesions[name]
                            for name in columns}, columns),
            category_code, organ_key_code,
            None if texts else _LesionTexts(
                classes, status_reasons, nodal, organ_code, key_values, dates))


def _judged_lesions(kind: pd.Series[Any], nodal: npt.NDArray[np.bool_],
                    patient: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.intp]:
    """The positions of the lesions whose category ``check_target_selection`` reads:
    every target (not measurable?), every node (a normal node recorded?) and every lesion
    of a patient without a target (measurable, but no target?); ``patient``: each
    lesion's patient code (a missing id one code of its own, or -1).

    >>> _judged_lesions(pd.Series(["target", "non-target", "non-target", "non-target"]),
    ...                 np.array([False, True, False, False]), np.array([0, 0, 0, 1])).tolist()
    [0, 1, 3]
    """
    is_target = _categories_in(kind, LesionKind.TARGET)
    if is_target is None:
        is_target = (kind == LesionKind.TARGET).to_numpy()
    code = patient - int(patient.min(initial=0))
    has_target = np.zeros(int(code.max(initial=-1)) + 1, dtype=bool)
    has_target[code[is_target]] = True
    return np.flatnonzero(is_target | nodal | ~has_target[code])


def _organ_keys(nodal: npt.NDArray[np.bool_], keys: npt.NDArray[np.object_]
                ) -> npt.NDArray[np.object_]:
    """Each lesion's organ key: "lymph node" for a node (DEC-21), else its organ's key."""
    keyed: npt.NDArray[np.object_] = np.where(nodal, "lymph node", keys)
    return keyed


_RowDates = tuple[npt.NDArray[np.int64], npt.NDArray[np.signedinteger[Any]],
                  npt.NDArray[np.intp]]
"""``_LesionTexts.dates``: ``(last_ns, row_tp, at)``."""


@dataclass(frozen=True, eq=False)
class _LesionTexts:
    """The ``reason`` and ``organ_key`` cells of ``classify_lesions``' table, written for
    the lesions asked for only (``_classified_lesions`` without its text columns):
    ``classes`` classified the lesions, ``status_reasons`` the lesions judged by their
    status instead (position: reason); ``organ_code`` codes each lesion's organ into
    ``key_values`` (its key; the last, None: code -1). ``dates``: when the table has no
    ``baseline_date`` column, the latest date of each time point of the encoding
    (``last_ns``), each row's time point (``row_tp``) and each lesion's row: a lesion's
    row is one of its patient's baseline time point, whose latest date (``NaT`` skipped)
    is the lesion's ``baseline_date`` (as ``_baseline_dates`` reads it)."""

    classes: _DistinctLesions | None
    status_reasons: dict[int, str]
    nodal: npt.NDArray[np.bool_]
    organ_code: npt.NDArray[np.intp]
    key_values: npt.NDArray[np.object_]
    dates: _RowDates | None = None

    @classmethod
    def none(cls) -> _LesionTexts:
        """The texts of no lesion."""
        return cls(None, {}, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.intp),
                   np.array([None], dtype=object))

    def reasons(self, rows: npt.NDArray[np.intp]) -> list[str]:
        """The ``reason`` of the lesions at ``rows`` (each distinct lesion written once)."""
        if self.classes is None or len(rows) == 0:
            return []
        if (self.classes.inverse[rows] < 0).any():  # a lesion left unclassified
            raise ValueError("reason asked for a lesion not classified")
        distinct, at = np.unique(self.classes.inverse[rows], return_inverse=True)
        written: list[str] = np.array(self.classes.texts(distinct)[0], dtype=object)[
            at.reshape(-1)].tolist()
        for k, row in enumerate(rows.tolist()):
            written[k] = self.status_reasons.get(row, written[k])
        return written

    def baseline_dates(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[Any] | None:
        """The ``baseline_date`` of the lesions at ``rows`` (datetime64[ns]), None when
        the table holds them."""
        if self.dates is None:
            return None
        last_ns, row_tp, at = self.dates
        dates: npt.NDArray[Any] = last_ns[row_tp[at[rows]]].view("datetime64[ns]")
        return dates

    def organ_keys(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        """The ``organ_key`` of the lesions at ``rows``."""
        return _organ_keys(self.nodal[rows], self.key_values[self.organ_code[rows]])


def _baseline_dates(measurements: pd.DataFrame, rows: npt.NDArray[np.int64],
                    patient: npt.NDArray[np.int64], first: npt.NDArray[Any],
                    at: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """``_latest_dates(measurements["date"], rows, patient)[first]``: the latest date of
    each lesion's patient's baseline rows (``at``: ``rows[first]``, the lesions' rows). On
    an ``IndexedMeasurements`` table of datetime64[ns] dates, the latest date of the
    patient's baseline time point, which its encoding holds (``last_ns``: ``NaT`` skipped,
    ``NaT`` when none is dated), read at the lesions' rows (``_LesionTexts.baseline_dates``
    reads it alike)."""
    encoding = getattr(measurements, "cohort_index", None)
    if (isinstance(measurements, IndexedMeasurements) and encoding is not None
            and measurements["date"].dtype == np.dtype("datetime64[ns]")):
        tps = encoding.timepoints
        latest: npt.NDArray[Any] = tps.last_ns[tps.row_tp[at]].view("datetime64[ns]")
        return latest
    latest = _latest_dates(measurements["date"], rows, patient)
    at_first: npt.NDArray[Any] = latest[first]
    return at_first


def _latest_dates(dates: pd.Series[Any], rows: npt.NDArray[np.int64],
                  patient: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """At each of ``rows``, the latest date among ``rows`` of its ``patient`` (``NaT``
    skipped; none: ``NaT``), as ``groupby(patient).max()`` gives it."""
    if dates.dtype != np.dtype("datetime64[ns]"):
        latest = dates.iloc[rows].reset_index(drop=True).groupby(patient).max()
        at_rows: npt.NDArray[Any] = latest.to_numpy()[np.searchsorted(latest.index.to_numpy(),
                                                                      patient)]
        return at_rows
    lowest = int(patient.min(initial=0))  # codes may start at -1 (a missing id)
    by_patient = np.full(int(patient.max(initial=0)) - lowest + 1, np.iinfo(np.int64).min)
    np.maximum.at(by_patient, patient - lowest, dates.to_numpy().view(np.int64)[rows])
    return by_patient[patient - lowest].view("datetime64[ns]")  # NaT: the int64 minimum


def _codes_and_values(column: pd.Series[Any]) -> tuple[npt.NDArray[np.intp], Any]:
    """Codes (-1: missing) and the values they stand for: a categorical's own codes and
    categories, else ``pd.factorize`` of the cells as objects."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array.codes, column.cat.categories
    codes, values = pd.factorize(_objects(column))
    return codes, values


# --- target selection --------------------------------------------------------------------

def _selection_problem(lesion: Mapping[Hashable, Any], code: str, rule: str, text: str,
                       severity: Severity = Severity.WARNING,
                       iso_of: dict[Any, str | None] | None = None) -> Finding:
    """A finding at a lesion's (or a patient's) baseline; ``iso_of`` memoises the dates'
    texts within one call (a cohort's lesions share few dates)."""
    date: Any = lesion.get("baseline_date")  # a table cell: date, text or missing
    if iso_of is None:
        iso = iso_date(date)
    else:
        try:
            iso = iso_of[date]
        except KeyError:
            iso = iso_of[date] = iso_date(date)
    return make_finding(code, f"patient {lesion['patient_id']}, baseline {iso}: {text}",
                        severity, rule, str(lesion["patient_id"]), iso, None,
                        lesion.get("lesion_id"))


def check_target_selection(lesions: pd.DataFrame,
                           criteria: Criteria = RECIST_1_1) -> Sequence[Finding]:
    """Check the reader's baseline target selection against SEL-1..5 (R11 4.2).

    The reader's choice is validated, never replaced (SEL-2). ``lesions`` is the table of
    ``classify_lesions`` (a measurements table is classified first). Per patient:

    1. More than ``max_targets`` (5) targets → ``too-many-targets`` (SEL-1).
    2. More than ``max_targets_per_organ`` (2) targets with one organ key →
       ``too-many-targets-in-organ`` (SEL-1, SEL-3). Interpretation (DEC-21): every nodal
       target is keyed "lymph node"; paired organs are one organ (``organ_key``).
    3. A target that is not measurable: a node with ``node_pathological_sa_mm`` ≤ SA <
       ``node_measurable_sa_mm`` → ``node-target-not-measurable`` (MEAS-5, SEL-4); a node
       with SA < ``node_pathological_sa_mm`` → ``normal-node-recorded`` (MEAS-6); any other
       → ``non-measurable-target`` (SEL-1, MEAS-1).
    4. A non-target node with SA < ``node_pathological_sa_mm`` → ``normal-node-recorded``
       (MEAS-6: normal nodes are not recorded).
    5. At least one measurable lesion but no target → ``no-target-selected`` (SEL-1).
    6. A non-nodal target without an organ, in a patient with more than
       ``max_targets_per_organ`` targets → ``organ-missing``: the per-organ limit cannot be
       checked (the selection is then neither valid nor invalid).

    All are warnings: a selection problem is the reader's to resolve.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "T2", "T3"],
    ...     "date": pd.to_datetime(["2024-01-02"] * 3), "kind": ["target"] * 3,
    ...     "status": ["measured"] * 3, "organ": ["left lung", "right lung", "lung"],
    ...     "nodal": [False] * 3, "ld_mm": [21.0, 30.0, 12.0], "sa_mm": [None] * 3,
    ...     "slice_thickness_mm": [None] * 3})
    >>> [f.code for f in check_target_selection(m)]
    ['too-many-targets-in-organ']
    """
    coded: tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]] | None = None
    written: _LesionTexts | None = None  # the texts of classified lesions, when read
    table: pd.DataFrame | dict[str, Any]  # the lesions' columns by name
    if "category" not in lesions.columns:
        classified, category_code, organ_key_code, written = _classified_lesions(
            lesions, criteria, texts=False)
        coded = (category_code, organ_key_code)
        if not len(classified):
            return []
        table = classified.columns
    else:  # a lesions table as given: its texts are grouped here, not by the encoding
        refuse_nul_columns(lesions, ("patient_id", "lesion_id", "organ"),
                           lambda row: f"lesions row at index {index_label(lesions.index, row)}")
        if lesions.empty:
            return []
        table = (lesions if lesions.index.equals(pd.RangeIndex(len(lesions)))
                 else lesions.reset_index(drop=True))  # classify_lesions' index
    found = _SelectionFindings(table, written)
    patient, grouped = found.patient, found.patient >= 0
    n_patients = int(patient.max(initial=-1)) + 1
    is_target = _categories_in(table["kind"], LesionKind.TARGET)
    if is_target is None:
        is_target = (table["kind"] == LesionKind.TARGET).to_numpy()
    lesion_ids_at = found.lesion_ids_at

    # the selection's counts read the targets of known patients only (the others are in
    # no group): their positions, patients and their patients' numbers of targets
    targets = np.flatnonzero(is_target & grouped)
    target_patient = patient[targets]
    n_targets = np.bincount(target_patient, minlength=n_patients)
    targets_of_target = n_targets[target_patient]
    crowded_rows = targets[targets_of_target > criteria.max_targets]
    members, starts = _groups_in_order(patient[crowded_rows], crowded_rows)
    ids = lesion_ids_at(members).tolist()
    found.add(members[starts[:-1]], "too-many-targets", "SEL-1", [
        f"{end - start} target lesions ({', '.join(ids[start:end])}) exceed the maximum of "
        f"{criteria.max_targets} (SEL-1, R11 4.2); record the others as non-targets"
        for start, end in zip(starts[:-1].tolist(), starts[1:].tolist())], lesion=False)

    # equal codes, equal keys (-1: None): classify_lesions' codes (a group's key written
    # when its text is), else by hashing the keys of the table as given
    organ_key_at: Callable[[int], Any]
    if coded is not None and written is not None:  # classified here
        organ_code = coded[1]
        texts = written

        def organ_key_at(first: int) -> Any:
            return texts.organ_keys(np.array([first]))[0]
    else:
        organ_keys = _objects(table["organ_key"])
        organ_code = pd.factorize(organ_keys)[0]
        organ_key_at = organ_keys.__getitem__
    target_organ = organ_code[targets]
    keyed = target_organ >= 0
    # one code per (patient, organ key) of the keyed targets: counted directly when the
    # codes' range is small, else hashed first
    per_organ_code = (target_patient[keyed].astype(np.int64)
                      * (int(organ_code.max(initial=0)) + 1) + target_organ[keyed])
    if int(per_organ_code.max(initial=0)) > dense_limit(len(per_organ_code)):
        per_organ_code = pd.factorize(per_organ_code)[0]
    over = np.bincount(per_organ_code)[per_organ_code] > criteria.max_targets_per_organ
    crowded, starts = _groups_in_order(per_organ_code[over], targets[keyed][over])

    def in_organs(at: npt.NDArray[np.intp]) -> list[str]:
        """``f"{lesion} ({organ})"`` of the lesions ``crowded[at]``."""
        rows = crowded[at]
        organs = _objects_at(table["organ"], rows)
        organs[_missing_at(table["organ"], rows, organs)] = "node"  # key "lymph node"
        return _in_organs(lesion_ids_at(rows), organs)

    listed, listed_code = _organ_texts(table, crowded, in_organs)
    firsts = crowded[starts[:-1]]

    def crowded_text(first: int, start: int, end: int) -> str:
        return (f"{end - start} targets in organ '{organ_key_at(first)}': "
                f"{', '.join(listed[listed_code[start:end]].tolist())}; at most "
                f"{criteria.max_targets_per_organ} "
                "per organ (SEL-1, R11 4.2; all lymph nodes and both sides of a paired "
                "organ count as one organ, SEL-3, DEC-21)")

    found.add(firsts, "too-many-targets-in-organ", "SEL-1",
              _group_texts(starts, listed_code, organ_code[firsts], firsts, crowded_text),
              lesion=False)

    reasons_at: Callable[[npt.NDArray[np.intp]], list[str]]
    if written is not None:
        reasons_at = written.reasons
    else:
        reasons = _objects(table["reason"])

        def reasons_at(rows: npt.NDArray[np.intp]) -> list[str]:
            at_rows: list[str] = reasons[rows].tolist()
            return at_rows
    measurable = table["measurable"]
    measurable_flags = (np.asarray(measurable) if measurable.dtype == np.bool_
                        else measurable.astype(bool).to_numpy())
    unmeasurable = np.flatnonzero(is_target & ~measurable_flags)  # the targets' rows
    if coded is not None:  # the codes of the categories: no text compared
        normal_node = coded[0] == _CATEGORY_CODE[LesionCategory.NORMAL_NODE]
        unmeasurable_code = coded[0][unmeasurable]  # read at those targets only
        pathological = (unmeasurable_code
                        == _CATEGORY_CODE[LesionCategory.PATHOLOGICAL_NODE])
        normal = unmeasurable_code == _CATEGORY_CODE[LesionCategory.NORMAL_NODE]
    else:  # each text compared, as given
        category = _objects(table["category"])
        pathological = (category == LesionCategory.PATHOLOGICAL_NODE.value)[unmeasurable]
        normal_node = category == LesionCategory.NORMAL_NODE.value
        normal = normal_node[unmeasurable]

    def add(rows: npt.NDArray[np.intp], code: str, rule: str,
            text: Callable[[Any, Any], str]) -> None:
        found.add(rows, code, rule, [text(lesion, reason) for lesion, reason in zip(
            lesion_ids_at(rows).tolist(), reasons_at(rows))])

    add(unmeasurable[pathological], "node-target-not-measurable", "MEAS-5",
        lambda lesion, reason: f"target {lesion}: {reason}; record it as a non-target")
    add(unmeasurable[normal], "normal-node-recorded", "MEAS-6",
        lambda lesion, reason: f"target {lesion}: {reason}")
    add(unmeasurable[~pathological & ~normal], "non-measurable-target", "SEL-1",
        lambda lesion, reason: f"target {lesion} is not measurable: {reason}; targets must "
                               "be measurable (SEL-1, R11 4.2)")
    is_non_target = _categories_in(table["kind"], LesionKind.NON_TARGET)
    if is_non_target is None:
        is_non_target = (table["kind"] == LesionKind.NON_TARGET).to_numpy()
    add(np.flatnonzero(is_non_target & normal_node),
        "normal-node-recorded", "MEAS-6",
        lambda lesion, reason: f"non-target {lesion}: {reason}")

    measurable_rows = np.flatnonzero(measurable_flags & grouped)
    untargeted = measurable_rows[n_targets[patient[measurable_rows]] == 0]
    members, starts = _groups_in_order(patient[untargeted], untargeted)
    ids = lesion_ids_at(members).tolist()
    found.add(members[starts[:-1]], "no-target-selected", "SEL-1", [
        f"no target lesion although {', '.join(ids[start:end])} is measurable; measurable "
        "lesions up to the limits are targets (SEL-1, R11 4.2)"
        for start, end in zip(starts[:-1].tolist(), starts[1:].tolist())], lesion=False)
    add(targets[~keyed & (targets_of_target > criteria.max_targets_per_organ)],
        "organ-missing", "SEL-1",
        lambda lesion, _: f"target {lesion} has no organ: the limit of "
                          f"{criteria.max_targets_per_organ} targets per organ cannot be "
                          "checked; fill the organ column")
    return found.findings()


def _group_texts(starts: npt.NDArray[np.int64], item: npt.NDArray[np.int64],
                 key: npt.NDArray[np.int64], firsts: npt.NDArray[np.int64],
                 text: Callable[[int, int, int], str]) -> list[str]:
    """``text(firsts[g], starts[g], starts[g + 1])`` of each group ``g`` of items (group
    ``g``: items ``starts[g]`` to ``starts[g + 1]``), called once per distinct group: equal
    ``key`` (per group) and equal items (``item``: one code per distinct item), as
    ``text`` reads nothing else (a cohort repeats the same groups from patient to patient).

    >>> _group_texts(np.array([0, 2, 4, 5]), np.array([7, 8, 7, 8, 7]), np.array([1, 1, 1]),
    ...              np.array([10, 11, 12]), lambda first, start, end: f"{first}:{end - start}")
    ['10:2', '10:2', '12:1']
    """
    packed = _packed_groups(starts, item, key)
    if packed is not None:  # one integer per group: its groups numbered in one pass
        signature = first_seen_codes(packed)[0]
        made = np.array([text(int(firsts[g]), int(starts[g]), int(starts[g + 1]))
                         for g in first_row_of_each(signature).tolist()], dtype=object)
        listed: list[str] = made[signature].tolist()
        return listed
    texts = np.empty(len(starts) - 1, dtype=object)
    sizes = np.diff(starts)
    for size in np.unique(sizes).tolist():
        groups = np.flatnonzero(sizes == size)
        at = starts[groups]
        signature = combined_codes([key[groups], *(item[at + i] for i in range(size))])
        made = np.array([text(int(firsts[g]), int(starts[g]), int(starts[g + 1]))
                         for g in groups[first_row_of_each(signature)].tolist()],
                        dtype=object)
        texts[groups] = made[signature]
    out: list[str] = texts.tolist()
    return out


def _packed_groups(starts: npt.NDArray[np.int64], item: npt.NDArray[np.int64],
                   key: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | None:
    """One integer per group of ``_group_texts`` (its items, in order, as the digits of a
    number in base ``item.max() + 1``, with the group's size and ``key``): equal integers,
    equal groups; None when the groups are too long for 62 bits, an item is negative or
    a group empty.

    >>> _packed_groups(np.array([0, 2, 4, 5]), np.array([7, 8, 7, 8, 7]),
    ...                np.array([1, 1, 1])).tolist()
    [239, 239, 22]
    """
    sizes = np.diff(starts)
    if not len(sizes) or not len(item) or int(sizes.min()) < 1 or int(item.min()) < 0:
        return None
    base, longest = int(item.max()) + 1, int(sizes.max())
    low, high = int(key.min()), int(key.max())
    if base ** longest * (longest + 1) * (high - low + 1) >= 2 ** 62:
        return None
    position = np.arange(len(item)) - np.repeat(starts[:-1], sizes)
    digits = item.astype(np.int64) * (base ** np.arange(longest, dtype=np.int64))[position]
    number = np.add.reduceat(digits, starts[:-1])
    packed: npt.NDArray[np.int64] = ((number * (longest + 1) + sizes) * (high - low + 1)
                                     + (key.astype(np.int64) - low))
    return packed


def _in_organs(ids: npt.NDArray[np.object_], organs: npt.NDArray[np.object_]) -> list[str]:
    """``f"{lesion} ({organ})"`` of lesion ids and their organs."""
    return [f"{lesion} ({organ})" for lesion, organ in zip(ids.tolist(), organs.tolist())]


def _organ_texts(lesions: pd.DataFrame | Mapping[str, Any], members: npt.NDArray[np.int64],
                 in_organs: Callable[[npt.NDArray[np.intp]], list[str]]
                 ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    """The distinct texts ``f"{lesion} ({organ})"`` of the lesions ``members`` and each
    member's text as a code into them (equal codes, equal texts); ``in_organs(at)``
    writes the texts of ``members[at]``. Written once per distinct pair when both columns
    are categorical (a code is one value; a cohort repeats its ids and organs), else for
    every member and numbered by Python's equality.

    >>> lesions = pd.DataFrame({"lesion_id": ["T1", "T2", "T1"], "organ": ["a", "b", "a"]})
    >>> members, asked = np.array([2, 1, 0]), []
    >>> def in_organs(at):
    ...     asked.extend(members[at].tolist())
    ...     return [f"{lesions['lesion_id'][i]} ({lesions['organ'][i]})" for i in members[at]]
    >>> texts, codes = _organ_texts(lesions, members, in_organs)
    >>> texts[codes].tolist(), asked
    (['T1 (a)', 'T2 (b)', 'T1 (a)'], [2, 1, 0])
    >>> asked.clear()
    >>> texts, codes = _organ_texts(lesions.astype("category"), members, in_organs)
    >>> texts[codes].tolist(), len(texts), sorted(asked)
    (['T1 (a)', 'T2 (b)', 'T1 (a)'], 2, [0, 1])
    """
    if not (isinstance(lesions["lesion_id"].dtype, pd.CategoricalDtype)
            and isinstance(lesions["organ"].dtype, pd.CategoricalDtype)) or len(members) == 0:
        listed = in_organs(np.arange(len(members)))
        numbers: dict[str, int] = {}  # Python's equality (pandas' hashing stops at a NUL)
        codes = np.fromiter((numbers.setdefault(text, len(numbers)) for text in listed),
                            dtype=np.int64, count=len(listed))
        return np.fromiter(numbers, dtype=object, count=len(numbers)), codes
    n_organs = len(lesions["organ"].cat.categories) + 1
    pair = ((lesions["lesion_id"].array.codes[members].astype(np.int64) + 1) * n_organs
            + lesions["organ"].array.codes[members] + 1)
    n_pairs = (len(lesions["lesion_id"].cat.categories) + 1) * n_organs
    if n_pairs > dense_limit(len(pair)):
        codes = first_seen_codes(pair)[0]
        written_at = first_row_of_each(codes)
    else:  # a small range of pairs: flagged, not hashed; any member of a pair writes its text
        codes, n_codes = sorted_codes(pair, n_pairs)
        written_at = np.empty(n_codes, dtype=np.intp)
        written_at[codes] = np.arange(len(codes))
    return np.fromiter(in_organs(written_at), dtype=object), codes


def _first_seen_values(column: pd.Series[Any], cells: npt.NDArray[np.object_] | None = None
                       ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """``pandas.factorize(cells)`` of a column's cells (``_objects(column)``, made only
    when needed if not given) (codes by first sight, missing -1, and the distinct values):
    a categorical column without missing cells by its integer codes, each category being
    one distinct value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        category = column.array.codes
        if len(category) and category.min() >= 0:
            if numbered_by_first_sight(category):  # each code is its number
                values = np.asarray(column.cat.categories,
                                    dtype=object)[:int(category.max()) + 1]
                return category.astype(np.intp), values
            codes, seen = pd.factorize(category)
            values = np.asarray(column.cat.categories, dtype=object)[seen]
            return np.asarray(codes, dtype=np.intp), values
    codes, values = pd.factorize(_objects(column) if cells is None else cells)
    return np.asarray(codes, dtype=np.intp), np.asarray(values, dtype=object)


class _SelectionFindings:
    """The findings of ``check_target_selection``, gathered as columns (row of ``lesions``,
    code, rule, text, whether the lesion is named) and made at the end, each patient's
    together in the order of the patients' first rows (as a stable sort of the findings
    by patient gives)."""

    def __init__(self, lesions: pd.DataFrame | Mapping[str, Any],
                 written: _LesionTexts | None = None) -> None:
        self.lesions = lesions
        self.written = written  # the baseline dates, when the table has none
        # patient codes in order of first sight; a missing id (-1) is in no group
        self.patient, self.patient_values = _first_seen_values(lesions["patient_id"])
        self.parts: list[tuple[npt.NDArray[np.intp], str, str, list[str], bool]] = []

    def lesion_ids_at(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        """The lesion ids at ``rows`` of the lesions (a new object array)."""
        return _objects_at(self.lesions["lesion_id"], rows)

    def add(self, rows: npt.NDArray[np.intp], code: str, rule: str, texts: list[str],
            lesion: bool = True) -> None:
        """Findings at ``rows`` of the lesions (at their patient when not ``lesion``)."""
        if len(rows):
            self.parts.append((rows, code, rule, texts, lesion))

    def findings(self) -> Sequence[Finding]:
        """The findings, ordered by patient (first sight), then as added."""
        if not self.parts:
            return Findings()
        rows = np.concatenate([part[0] for part in self.parts])
        sizes = [len(part[0]) for part in self.parts]
        codes = np.repeat(np.array([part[1] for part in self.parts], dtype=object), sizes)
        rules = np.repeat(np.array([part[2] for part in self.parts], dtype=object), sizes)
        texts = np.fromiter(chain.from_iterable(part[3] for part in self.parts), dtype=object,
                            count=len(rows))
        named = np.concatenate([np.full(len(part[0]), part[4]) for part in self.parts])
        # a finding's patient is found by its text (str), as the ids were: a missing or
        # non-text id sorts first unless its text is some patient's id
        raw_ids = _objects_at(self.lesions["patient_id"], rows)
        ids = np.fromiter(map(str, raw_ids.tolist()), dtype=object, count=len(rows))
        rank = self.patient[rows]
        if (rank < 0).any() or pd.api.types.infer_dtype(self.patient_values,
                                                        skipna=False) != "string":
            # an id that is not text: found by its text (that of a patient too, maybe)
            rank = pd.Index(self.patient_values, dtype=object).get_indexer(ids)
        order = np.argsort(np.maximum(rank, 0), kind="stable")
        rows, raw_ids, ids, texts = rows[order], raw_ids[order], ids[order], texts[order]
        baseline_dates = (self.lesions["baseline_date"].to_numpy()[rows]
                          if "baseline_date" in self.lesions
                          else None if self.written is None
                          else self.written.baseline_dates(rows))
        dates = [None] * len(rows) if baseline_dates is None else iso_dates(baseline_dates)
        named_ids = self.lesion_ids_at(rows)  # a new array: None where no lesion is named
        named_ids[~named[order]] = None
        messages = [f"patient {raw}, baseline {day}: {text}"
                    for raw, day, text in zip(raw_ids.tolist(), dates, texts.tolist())]
        return Findings.from_columns(
            len(rows), code=codes[order], message=messages,
            severity=Severity.WARNING, rule=rules[order],
            patient_id=ids, date=dates, visit=None, lesion_id=named_ids)


def _groups_in_order(codes: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``rows`` grouped by their ``codes``, groups in order of first sight, rows in order
    (as ``groupby(sort=False)``): the rows so ordered and where each group starts (and,
    last, the number of rows).

    Codes in ascending order (a table's lesions in patient order) are their groups' runs
    already: the rows as they are, a group starting at each run.

    >>> _groups_in_order(np.array([5, 3, 5]), np.array([0, 4, 7]))
    (array([0, 7, 4]), array([0, 2, 3]))
    >>> _groups_in_order(np.array([3, 3, 5]), np.array([0, 4, 7]))
    (array([0, 4, 7]), array([0, 2, 3]))
    """
    if (codes[1:] >= codes[:-1]).all():
        return rows, np.r_[np.flatnonzero(run_starts(codes)), len(codes)].astype(np.int64)
    first_seen, group = np.unique(codes, return_index=True, return_inverse=True)[1:]
    rank = np.empty(len(first_seen), dtype=np.int64)
    rank[np.argsort(first_seen, kind="stable")] = np.arange(len(first_seen))
    ordered = np.argsort(rank[group.reshape(-1)], kind="stable")
    sizes = np.bincount(rank[group.reshape(-1)], minlength=len(first_seen))
    return rows[ordered], np.r_[0, np.cumsum(sizes)]


# --- per-patient verdict -----------------------------------------------------------------

def assess_baseline(measurements: pd.DataFrame,
                    criteria: Criteria = RECIST_1_1,
                    history: pd.DataFrame | None = None) -> BaselineResult:
    """Measurability of every baseline lesion and a verdict per patient.

    MEAS-1..13, SEL-1..5 (R11 3.1, 4.1, 4.2).

    1. Baseline = each patient's earliest time point (``baseline_rows``).
    2. Each baseline lesion is classified (``classify_lesions``).
    3. ``measurable_disease`` = at least one measurable lesion (MEAS-12).
    4. The target selection is checked (``check_target_selection``);
       ``selection_valid`` is False when a problem was found, missing (NA) when only the
       organ was missing, else True; ``problems`` joins the problems with "; ".
    5. Nodes on slices > 5 mm add a DEC-12 note as an info finding.
    6. With a lesion ``history``, lesions treated locally before baseline are not
       measurable unless they progressed since (MEAS-10); a target among them is then a
       ``non-measurable-target``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P", "P"], "lesion_id": ["T1", "T1"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01"]), "kind": ["target"] * 2,
    ...     "status": ["measured"] * 2, "organ": ["liver"] * 2, "nodal": [False] * 2,
    ...     "ld_mm": [9.9, 12.0], "sa_mm": [None] * 2, "slice_thickness_mm": [None] * 2})
    >>> result = assess_baseline(m)
    >>> result.patients[["measurable_disease", "selection_valid"]].values.tolist()
    [[False, False]]
    """
    lesions = classify_lesions(measurements, criteria, history)
    findings = list(check_target_selection(lesions, criteria))
    for record in lesions.loc[lesions["notes"] != ""].to_dict("records"):
        code, rule = (("treated-lesion", "MEAS-10") if "MEAS-10" in record["notes"]
                      else ("node-thick-slices", "DEC-12"))
        findings.append(_selection_problem(record, code, rule,
                                           f"lesion {record['lesion_id']}: {record['notes']}",
                                           Severity.INFO))
    problems: dict[str | None, list[str]] = {}
    undecided: set[str | None] = set()
    for finding in findings:
        if finding.severity == Severity.INFO:
            continue
        if finding.code == "organ-missing":
            undecided.add(finding.patient_id)
        else:
            problems.setdefault(finding.patient_id, []).append(
                finding.message.split(": ", 1)[1])
    if lesions.empty:
        patients = pd.DataFrame(columns=list(PATIENT_COLUMNS))
    else:
        counts = pd.DataFrame({
            "patient_id": lesions["patient_id"],
            "baseline_date": lesions["baseline_date"],
            "n_targets": (lesions["kind"] == LesionKind.TARGET).astype(int),
            "n_non_targets": (lesions["kind"] == LesionKind.NON_TARGET).astype(int),
            "measurable_disease": lesions["measurable"].astype(bool),
        })
        patients = counts.groupby("patient_id", sort=False, observed=True).agg(
            baseline_date=("baseline_date", "first"), n_targets=("n_targets", "sum"),
            n_non_targets=("n_non_targets", "sum"),
            measurable_disease=("measurable_disease", "any")).reset_index()
        valid: list[bool | NAType] = []
        for patient_id in patients["patient_id"].tolist():
            if patient_id in problems:
                valid.append(False)
            elif patient_id in undecided:
                valid.append(pd.NA)
            else:
                valid.append(True)
        patients["selection_valid"] = pd.array(valid, dtype="boolean")
        patients["problems"] = ["; ".join(problems.get(p, [])) for p in patients["patient_id"]]
        patients = patients[list(PATIENT_COLUMNS)]
    lesions = lesions[list(LESION_COLUMNS)].reset_index(drop=True)
    return BaselineResult(lesions=lesions, patients=patients, findings=findings)
