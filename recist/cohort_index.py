"""One integer encoding of a measurements table, shared by the input checks and the engine.

``respond`` checks the table (``recist.checks``) and assesses it (``recist.sums``); both
need the same things: each row's patient, lesion, kind and status as integer codes, its
scan date as int64 nanoseconds, and its time point with the time point's order (docs/rules.md
section 1). ``CohortIndex`` computes each of them once, on first use, and every reader gets
the same arrays, so no text column is hashed more than once per ``respond`` call and the
checks and the engine cannot disagree on a patient's baseline.

Text columns are encoded by their pandas dtype: a categorical column's codes are reused (no
hashing), an Arrow-backed one is dictionary-encoded by pyarrow, and text held as Python
objects (``object``, ``string[python]``) is hashed by ``pandas.factorize``; all three give
the codes ``pandas.factorize(values, sort=True)`` gives (``text_codes``).

``IndexedMeasurements`` is the measurements table that carries its ``CohortIndex``
(``recist._checks_support.indexed`` builds it): ``index_of`` finds the encoding on such a
table and encodes any other table afresh. A selection or copy of it is a plain DataFrame,
so an encoding is never applied to rows it was not computed from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import (
    NAT_NS,
    dense_limit,
    equal_to_taken,
    first_row_of_each,
    first_seen_codes,
    numbered_by_first_sight,
    run_starts,
    take_bytes,
    take_numbers,
)
from recist.plausibility import index_label, refuse_nul_text

__all__ = [
    "Codes",
    "CohortIndex",
    "IndexedMeasurements",
    "TextCodes",
    "Timepoints",
    "code_type",
    "date_ns",
    "index_of",
    "repeated_pairs",
    "small_codes",
    "text_codes",
    "visit_label",
]

Codes: TypeAlias = "npt.NDArray[np.signedinteger[Any]]"
"""Integer codes per row, in the smallest signed type that holds them (``small_codes``):
int8 for a kind or status, int32 for a cohort's patients (memory: a 1.4 M-row table)."""


def small_codes(codes: npt.ArrayLike, n_values: int) -> Codes:
    """``codes`` (-1 .. n_values - 1) in the smallest signed integer type holding them.

    >>> small_codes(np.array([0, -1, 2]), 3).dtype, small_codes(np.array([0]), 40_000).dtype
    (dtype('int8'), dtype('int32'))
    """
    return np.asarray(codes).astype(code_type(n_values), copy=False)


def code_type(n_values: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type holding every integer from -n_values to n_values
    (so codes -1 .. n_values - 1: ``small_codes``).

    >>> code_type(126), code_type(127), code_type(40_000)
    (<class 'numpy.int8'>, <class 'numpy.int16'>, <class 'numpy.int32'>)
    """
    for dtype in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(dtype).max:
            return dtype
    return np.int64


@dataclass(frozen=True, eq=False)
class TextCodes:
    """A text column as integer codes.

    ``uniques[codes[i]]`` is row ``i``'s value; ``-1`` is a missing value. ``uniques`` is
    sorted as ``pandas.factorize(..., sort=True)`` sorts it; every unique occurs in some
    row, except the unused categories of a categorical column.
    """

    codes: Codes
    uniques: npt.NDArray[np.object_]
    _masks: dict[object, npt.NDArray[np.bool_]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _converted: dict[object, npt.NDArray[np.object_]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def converted(self, convert: Callable[[Any], object]) -> npt.NDArray[np.object_]:
        """``convert`` of each unique, then of None (the last: code -1 takes it), as an
        object array; made once per function and shared (read-only). Kept by the function
        object: pass a module-level function, not a lambda made at each call (each would
        add an entry).

        >>> text_codes(pd.Series(["b", None, "a"])).converted(str).tolist()
        ['a', 'b', 'None']
        """
        made = self._converted.get(convert)
        if made is None:
            made = np.fromiter(map(convert, [*self.uniques.tolist(), None]), dtype=object,
                               count=len(self.uniques) + 1)
            made.flags.writeable = False
            self._converted[convert] = made
        return made

    def rows_equal(self, *values: object) -> npt.NDArray[np.bool_]:
        """Whether each row holds one of ``values`` (a missing value never does); a new
        array the caller may change.

        >>> text_codes(pd.Series(["a", None, "b", "a"])).rows_equal("a", "b").tolist()
        [True, False, True, True]
        """
        codes = self._codes_of(values)
        if len(codes) == 1:  # the usual case: one comparison, no OR
            return np.equal(self.codes, codes[0])
        selected = np.zeros(len(self.codes), dtype=bool)
        for code in codes:
            selected |= self.codes == code
        return selected

    def equal_at(self, rows: npt.NDArray[np.integer[Any]],
                 *values: object) -> npt.NDArray[np.bool_]:
        """``rows_equal(*values)[rows]``, comparing those rows only.

        >>> text_codes(pd.Series(["a", None, "b", "a"])).equal_at(np.array([3, 1, 2]),
        ...                                                       "a", "b").tolist()
        [True, False, True]
        """
        codes = self.codes[rows]
        selected = np.zeros(len(codes), dtype=bool)
        for code in self._codes_of(values):
            selected |= codes == code
        return selected

    def rows_of(self, value: object) -> npt.NDArray[np.bool_]:
        """``rows_equal(value)``, computed once per value and shared by every caller:
        read-only (``&``, ``|`` and ``~`` of it give new arrays; ``&=`` on it raises).

        >>> coded = text_codes(pd.Series(["a", None, "b", "a"]))
        >>> coded.rows_of("a").tolist(), coded.rows_of("a") is coded.rows_of("a")
        ([True, False, False, True], True)
        """
        mask = self._masks.get(value)
        if mask is None:
            mask = self.rows_equal(value)
            mask.flags.writeable = False
            self._masks[value] = mask
        return mask

    def forget_masks(self) -> None:
        """Drop the masks ``rows_of`` keeps (one byte a row each); the next call computes
        its mask again.

        >>> coded = text_codes(pd.Series(["a", "b"]))
        >>> first = coded.rows_of("a"); coded.forget_masks(); coded.rows_of("a") is first
        False
        """
        self._masks.clear()

    def _codes_of(self, values: tuple[object, ...]) -> list[int]:
        """The codes whose unique is one of ``values``."""
        return [code for code, unique in enumerate(self.uniques.tolist()) if unique in values]

    def decode(self, codes: Codes) -> npt.NDArray[np.object_]:
        """The values of ``codes`` (None for -1), as an object array.

        >>> coded = text_codes(pd.Series(["b", None, "a"]))
        >>> coded.decode(coded.codes).tolist()
        ['b', None, 'a']
        """
        with_missing = np.empty(len(self.uniques) + 1, dtype=object)  # the last: None (-1)
        with_missing[:-1] = self.uniques
        decoded: npt.NDArray[np.object_] = with_missing[codes]
        return decoded


def text_codes(column: pd.Series[Any]) -> TextCodes:
    """``pandas.factorize(values, sort=True)`` of a column, by the fastest route its dtype
    allows, as ``TextCodes`` (-1 for a missing value).

    A categorical column's codes are renumbered by the sorted order of its categories
    (categories no row uses stay among the uniques); an Arrow-backed column (``string[pyarrow]``,
    ``pd.ArrowDtype``) is factorized by pyarrow's dictionary encoding; anything else is
    factorized as Python objects (a ``string[python]`` column's own object array, no copy:
    pandas' StringArray path is slower).

    >>> coded = text_codes(pd.Series(["b", "a", None, "b"], dtype="category"))
    >>> coded.codes.tolist(), coded.uniques.tolist()
    ([1, 0, -1, 1], ['a', 'b'])
    """
    refuse_nul_text(column, str(column.name),  # before any hashing: pandas merges them
                    lambda row: f"row at index {index_label(column.index, row)}")
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_codes(column.array)
    values: Any
    if isinstance(dtype, pd.ArrowDtype) or (isinstance(dtype, pd.StringDtype)
                                            and dtype.storage != "python"):
        values = column.array
    else:
        values = np.asarray(column.array, dtype=object)
    codes, uniques = pd.factorize(values, sort=True)
    return TextCodes(small_codes(codes, len(uniques)), np.asarray(uniques, dtype=object))


def _categorical_codes(values: Any) -> TextCodes:
    """A categorical's codes renumbered by the sorted order of its categories: no hashing
    of the rows (a categorical's unused categories stay among the uniques)."""
    categories = np.asarray(values.categories, dtype=object)
    codes = np.asarray(values.codes)  # already the smallest type (pandas)
    if values.categories.is_monotonic_increasing:  # sorted already (False if not comparable)
        return TextCodes(codes, categories)
    rank, uniques = pd.factorize(categories, sort=True)
    renumber = small_codes(np.append(rank, -1), len(rank))  # the last: missing (-1)
    return TextCodes(renumber[codes], np.asarray(uniques, dtype=object))


def date_ns(column: pd.Series[Any]) -> npt.NDArray[np.int64]:
    """``pd.to_datetime(column)`` as int64 nanoseconds (``NaT``: the int64 minimum); a
    datetime64[ns] column is used as it is (pandas would re-check every value)."""
    if column.dtype == np.dtype("datetime64[ns]"):
        return column.to_numpy().view(np.int64)
    converted = pd.to_datetime(column).to_numpy(dtype="datetime64[ns]")
    return converted.view(np.int64)


def visit_label(value: object) -> str | None:
    """A visit label as text, or None when there is none (missing, empty or blank).

    The text ``"<NA>"`` is no label either: ``recist.table`` 0.1.0 wrote a missing visit
    so.

    >>> visit_label(" C2 "), visit_label(""), visit_label("<NA>"), visit_label(None)
    ('C2', None, None, None)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return None if text in ("", "<NA>") else text


def repeated_pairs(lesion_code: npt.NDArray[np.integer[Any]],
                   order: npt.NDArray[np.integer[Any]], n_lesions: int | None = None,
                   n_orders: int | None = None) -> npt.NDArray[np.bool_]:
    """Whether each row's (lesion, time point) occurs in more than one row (a lesion code
    names its patient, so its time point order names the time point); counted in a table
    of lesions x orders when that is small, else by hashing. ``n_lesions``, ``n_orders``:
    the largest lesion code and order + 1 (or more), if known.

    >>> repeated_pairs(np.array([0, 1, 0, 0]), np.array([0, 0, 1, 0])).tolist()
    [True, False, False, True]
    """
    return _flagged_pairs(lesion_code, order, n_lesions, n_orders)[0]


def _flagged_pairs(lesion_code: npt.NDArray[np.integer[Any]],
                   order: npt.NDArray[np.integer[Any]], n_lesions: int | None = None,
                   n_orders: int | None = None
                   ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.integer[Any]] | None]:
    """``repeated_pairs``, and the number of rows of each lesion (``np.bincount`` of the
    codes) when the pairs were flagged in a table and none repeats: each lesion's flags
    counted, eight at a time (None otherwise).

    >>> [a.tolist() for a in _flagged_pairs(np.array([1, 0, 1]), np.array([0, 0, 2]))]
    [[False, False, False], [1, 2]]
    """
    if n_orders is None:
        n_orders = int(order.max(initial=-1)) + 1
    if n_lesions is None:
        n_lesions = int(lesion_code.max(initial=-1)) + 1
    width = -(-max(n_orders, 1) // 8) * 8  # whole 8-byte words of flags a lesion
    key = lesion_code.astype(np.int64)
    key *= width
    key += order
    if n_lesions * width <= dense_limit(len(key)):
        # the pairs seen flagged first (a byte per pair, not the eight of a count): as
        # many as the rows when none repeats (a table without copies)
        seen = np.zeros(n_lesions * width, dtype=bool)
        seen[key] = True
        if np.count_nonzero(seen) == len(key):
            # a lesion's rows: its flags (bytes 0 or 1), a word's popcount counting eight
            words = np.bitwise_count(seen.view(np.uint64)).reshape(n_lesions, width // 8)
            counts = words[:, 0].astype(np.int64)
            for column in range(1, width // 8):
                counts += words[:, column]
            return np.zeros(len(key), dtype=bool), counts
        repeated: npt.NDArray[np.bool_] = np.bincount(key)[key] > 1
        return repeated, None
    return pd.Series(key).duplicated(keep=False).to_numpy(), None


@dataclass(frozen=True, eq=False)
class Timepoints:
    """The time points of a table (docs/rules.md section 1), rows and time points apart.

    Per row: ``row_tp`` (position of its time point in the arrays below),
    ``timepoint_code`` (time points numbered by their first row), ``has_visit``.
    Per time point, sorted by patient (``TextCodes`` order), then chronologically:
    ``patient`` (patient code), ``label`` (visit label or ISO scan date), ``order``
    (0 = baseline), ``first_ns`` and ``last_ns`` (earliest and latest scan date of its
    rows, int64 ns; ``NaT`` dates are skipped), ``label_code`` (its label's position in
    ``labels``: the table's distinct visit labels sorted, then its ISO dates of rows
    without a label). ``code_patient``: the patient code of each time point by
    ``timepoint_code``. When the time points numbered by their first row are in that
    sorted order already (a table sorted by patient and date), positions and codes are
    equal and ``row_tp`` is ``timepoint_code`` (one array; ``code_patient`` is
    ``patient``). Read them, never write to them.
    """

    row_tp: Codes
    timepoint_code: Codes
    has_visit: npt.NDArray[np.bool_]
    patient: npt.NDArray[np.intp]
    label: npt.NDArray[np.object_]
    order: npt.NDArray[np.int64]
    first_ns: npt.NDArray[np.int64]
    last_ns: npt.NDArray[np.int64]
    code_patient: npt.NDArray[np.int64]
    label_code: npt.NDArray[np.int64]
    labels: npt.NDArray[np.object_]
    one_date_each: bool = False
    """Whether the dated rows of each time point share one date (``first_ns``): the
    table's distinct dates are then its time points' ``first_ns``."""


def _index_timepoints(patient: Codes, dates_ns: npt.NDArray[np.int64],
                      visit: TextCodes | None) -> Timepoints:
    """Group rows into time points and order them (docs/rules.md section 1).

    1. The rows of one patient with the same visit label (``visit_label``) form a time
       point; a row without a label belongs to the time point of its scan date.
    2. A patient's time points are ordered by their earliest scan date, then their latest,
       then their label: visit labels (sorted as text) before dates (chronologically).
    3. The first is the baseline (order 0).
    """
    n_rows = len(dates_ns)
    visit_code, labels = _visit_codes(visit, n_rows)
    has_visit = visit_code >= 0
    label_code = visit_code
    if not has_visit.all():  # rows without a label: their scan date is the label
        undated = np.flatnonzero(~has_visit)
        day_code, days = pd.factorize(dates_ns[undated], sort=True)
        label_code = visit_code.copy()
        label_code[undated] = len(labels) + day_code
        iso = np.asarray(pd.DatetimeIndex(np.asarray(days).view("datetime64[ns]"))
                         .strftime("%Y-%m-%d"), dtype=object)
        iso[np.asarray(days) == NAT_NS] = None  # no date, no label
        labels = np.concatenate([labels, iso])
    n_labels = len(labels) + 1
    top_patient = int(patient.max(initial=0))
    fits = (top_patient + 2) * n_labels < np.iinfo(np.int32).max
    key: npt.NDArray[np.signedinteger[Any]] = patient.astype(np.int32 if fits else np.int64)
    key *= n_labels
    key += label_code
    starts = run_starts(key)
    heads = np.flatnonzero(starts)
    # numbered by first row: each run's code, the distinct keys, each row's code
    run_group, keys, timepoint_code, first_runs = _numbered_runs(
        key, heads, -n_labels, (top_patient + 1) * n_labels - 1)
    # floor division and the remainder from it: np.divmod's, ten times faster
    group_patient = keys // n_labels
    group_label = group_patient * n_labels  # (in place: one array of the time points)
    np.subtract(keys, group_label, out=group_label)
    n_groups = len(keys)
    # Each group's dates from its runs' when every run holds one date, none NaT (a table
    # sorted by patient and date: 2 x 10^5 runs of 1.4 x 10^6 rows), else from the rows.
    run_dates = np.take(dates_ns, heads)
    by_runs = bool((run_dates != NAT_NS).all() and _constant_in_runs(dates_ns, starts))
    if by_runs:
        grouped, when = run_group, run_dates
    else:
        group = timepoint_code
        dated = dates_ns != NAT_NS
        grouped, when = (group, dates_ns) if dated.all() else (group[dated], dates_ns[dated])
    last, one_date_each = _latest_dates(grouped, when, n_groups,
                                        first_runs if by_runs else None)
    if one_date_each:  # each time point's dated rows share one date
        first = last.copy()
    else:
        first = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, grouped, when)
    first[last == NAT_NS] = NAT_NS  # no dated row
    # (the earliest dates are the latest when each time point has one: no key of its own)
    ordered = _lexicographic_order((group_label, last, group_patient) if one_date_each
                                   else (group_label, last, first, group_patient))
    if ordered is None:  # numbered by first row in sorted order (a sorted table): the
        # position of each time point is its code, the rows' two codes one array
        row_tp, sorted_patient, label_code = timepoint_code, group_patient, group_label
    else:
        position = np.empty(n_groups, dtype=code_type(n_groups))
        position[ordered] = np.arange(n_groups)
        row_tp = np.take(position, timepoint_code)
        sorted_patient, label_code = group_patient[ordered], group_label[ordered]
        first, last = first[ordered], last[ordered]
    sorted_patient = np.asarray(sorted_patient, dtype=np.intp)
    # each time point's number in its patient's run (0: the baseline): its index less
    # that of the run's first time point, repeated over the run (a third of the time of
    # carrying it forward by np.maximum.accumulate)
    patient_heads = np.flatnonzero(run_starts(sorted_patient))
    order = np.arange(n_groups)
    order -= np.repeat(patient_heads, np.diff(patient_heads, append=n_groups))
    return Timepoints(
        row_tp=row_tp, timepoint_code=timepoint_code, has_visit=has_visit,
        patient=sorted_patient, label=labels[label_code], order=order,
        first_ns=first, last_ns=last, code_patient=group_patient,
        label_code=label_code, labels=labels, one_date_each=one_date_each)


def _numbered_runs(key: npt.NDArray[np.signedinteger[Any]], heads: npt.NDArray[np.intp],
                   low: int, high: int
                   ) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.int64], Codes,
                              npt.NDArray[np.intp] | None]:
    """The code by first sight (``pandas.factorize``'s) of each run of equal neighbours
    of ``key`` (``heads``: where each starts; every key in ``low .. high``, ``low <= 0``),
    the distinct keys as int64 in that order, each row's code (``small_codes``), and the
    run where each code is first seen (None when the keys were hashed).

    A key's first row starts a run, so only the runs' keys are numbered. A range of at
    most ``dense_limit`` keys is numbered in a table of one entry per key
    (``_first_seen_lookup``), which then gives each row its code (one gather, not a
    repeat of the runs' codes); a wider one is hashed (``_first_seen_runs``).

    >>> key = np.array([7, 7, 3, 7, -2], dtype=np.int32)
    >>> [a.tolist() for a in _numbered_runs(key, np.array([0, 2, 3, 4]), -2, 7)]
    [[0, 1, 0, 2], [7, 3, -2], [0, 0, 1, 0, 2], [0, 1, 3]]
    """
    run_keys = np.take(key, heads)
    if key.dtype == np.int32 and high + 1 - low <= dense_limit(len(key)):
        ascending = bool((run_keys[1:] > run_keys[:-1]).all())  # a sorted table
        lookup, keys, first = _first_seen_lookup(run_keys, low, high, distinct=ascending)
        return take_numbers(lookup, run_keys), keys, take_numbers(lookup, key), first
    run_group, keys = _first_seen_runs(key, heads)
    lengths = np.diff(heads, append=len(key))
    return run_group, keys, np.repeat(small_codes(run_group, len(keys)), lengths), None


def _first_seen_lookup(key: npt.NDArray[np.signedinteger[Any]], low: int, high: int,
                       distinct: bool = False
                       ) -> tuple[Codes, npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """A table of the integer keys ``low .. high`` (``low <= 0 <= high``; a negative key
    at the table's end, as Python indexes it) giving each key of ``key`` its code by
    first sight (``pandas.factorize(key)``'s, in ``small_codes``' type), the distinct
    keys in that order (int64) and the position of each one's first sight; no hashing.
    Each key's first position is found by ``np.minimum.at``, the first positions are put
    in order by flags. ``distinct``: the keys are known to differ from each other, so
    each is its own first sight. Entries of keys that do not occur are left unset: read
    only those of keys of ``key``.

    >>> lookup, keys, first = _first_seen_lookup(np.array([7, 3, 7, -2]), -2, 7)
    >>> np.take(lookup, [7, 3, 7, -2]).tolist(), keys.tolist(), first.tolist()
    ([0, 1, 0, 2], [7, 3, -2], [0, 1, 3])
    """
    n = len(key)
    size = high + 1 - min(low, 0)
    if distinct:
        keys, firsts = key, np.arange(n)
    else:
        position_type = np.int32 if n < np.iinfo(np.int32).max else np.int64
        first: npt.NDArray[np.signedinteger[Any]] = np.full(size, n, dtype=position_type)
        np.minimum.at(first, key, np.arange(n, dtype=position_type))
        seen = np.zeros(n, dtype=bool)
        seen[first[first < n].astype(np.intp)] = True  # intp: scattered twice as fast
        firsts = np.flatnonzero(seen)
        keys = np.take(key, firsts)
    keys = keys.astype(np.int64)  # (intp) the distinct keys as pandas.factorize gives them
    codes_type = code_type(len(keys))
    lookup = np.empty(size, dtype=codes_type)
    lookup[keys] = np.arange(len(keys), dtype=codes_type)
    return lookup, keys, firsts


def _first_seen_runs(key: npt.NDArray[np.signedinteger[Any]], heads: npt.NDArray[np.intp]
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The code by first sight (``first_seen_codes``) of each run of equal neighbours
    of ``key`` (``heads``: where each starts) and the distinct keys as int64.

    Only the first key of each run is looked at (a time point's rows are usually
    adjacent: 2 x 10⁵ runs of 1.4 x 10⁶ rows): a key's first row starts a run, so the
    runs' keys are first seen in the order the rows' are. ``_numbered_runs``' way for
    keys beyond its table: int32 keys out of ascending order are hashed by
    ``pandas.factorize``, ~1.6x faster on a cohort's 10⁵ time points than the flags and
    ``np.minimum.at`` of ``first_seen_codes``; ascending keys are numbered there by their
    runs.

    >>> key = np.array([7, 7, 3, 7, -2], dtype=np.int32)
    >>> [a.tolist() for a in _first_seen_runs(key, np.array([0, 2, 3, 4]))]
    [[0, 1, 0, 2], [7, 3, -2]]
    """
    run_keys = key[heads]
    if key.dtype == np.int32 and not (run_keys[1:] >= run_keys[:-1]).all():
        codes, uniques = pd.factorize(run_keys)
        return codes.astype(np.int64, copy=False), uniques.astype(np.int64)
    group, keys = first_seen_codes(run_keys)
    return group, keys.astype(np.int64, copy=False)


def _latest_dates(grouped: npt.NDArray[np.integer[Any]], when: npt.NDArray[np.int64],
                  n_groups: int, first_seen: npt.NDArray[np.intp] | None
                  ) -> tuple[npt.NDArray[np.int64], bool]:
    """Each group's latest date (``NAT_NS`` for a group without dates) and whether every
    date of a group is that one; ``grouped``: each date's group, ``first_seen``: the
    position of each group's first date, if known.

    With ``first_seen``, the groups' first dates are taken and every date compared with
    its group's: all equal (one date a time point, the usual table), they are the
    latest; else (and without ``first_seen``) the latest by ``np.maximum.at``.

    >>> [_latest_dates(np.array([0, 1, 0]), np.array([5, 6, d]), 2, np.array([0, 1]))
    ...  for d in (5, 7)]
    [(array([5, 6]), True), (array([7, 6]), False)]
    """
    if first_seen is not None:
        first_dates = np.take(when, first_seen)
        if equal_to_taken(when, first_dates, grouped):
            return first_dates, True
    last = np.full(n_groups, NAT_NS, dtype=np.int64)
    np.maximum.at(last, grouped, when)
    return last, equal_to_taken(when, last, grouped)


def _constant_in_runs(values: npt.NDArray[Any], starts: npt.NDArray[np.bool_]) -> bool:
    """Whether every run (``starts``: where each starts, ``run_starts``) holds one value.

    >>> starts = np.array([True, False, True, False])
    >>> _constant_in_runs(np.array([5, 5, 6, 6]), starts), _constant_in_runs(
    ...     np.array([5, 5, 6, 7]), starts)
    (True, False)
    """
    same = np.equal(values[1:], values[:-1])
    same |= starts[1:]
    return bool(same.all())


def _lexicographic_order(keys: tuple[npt.NDArray[np.int64], ...]
                         ) -> npt.NDArray[np.intp] | None:
    """``np.lexsort(keys)`` (the last key primary), or None when the items are in that
    order already (time points of a table sorted by patient and date): no sort, and no
    order to apply.

    >>> _lexicographic_order((np.array([1, 0, 0]), np.array([0, 0, 1]))).tolist()
    [1, 0, 2]
    >>> _lexicographic_order((np.array([0, 1, 0]), np.array([0, 0, 1]))) is None
    True
    """
    n = len(keys[0])
    later_greater = np.zeros(max(n - 1, 0), dtype=bool)  # item i+1 after item i
    tied = np.ones(max(n - 1, 0), dtype=bool)
    for key in reversed(keys):  # primary key first
        later_greater |= tied & (key[1:] > key[:-1])
        tied &= key[1:] == key[:-1]
    if (later_greater | tied).all():
        return None
    return np.asarray(np.lexsort(keys), dtype=np.intp)


def _visit_codes(visit: TextCodes | None,
                 n_rows: int) -> tuple[Codes, npt.NDArray[np.object_]]:
    """Each row's visit label as an int32 code into the sorted labels (-1: no label); the
    labels are cleaned per distinct value (``visit_label``), so " C2" and "C2" are one
    label."""
    if visit is None:
        return np.full(n_rows, -1, dtype=np.int32), np.array([], dtype=object)
    cleaned = [visit_label(value) for value in visit.uniques.tolist()]
    known = np.array([label is not None for label in cleaned], dtype=bool)
    rank, labels = pd.factorize(np.array([label for label in cleaned if label is not None],
                                         dtype=object), sort=True)
    renumber = np.full(len(cleaned) + 1, -1, dtype=np.int32)  # the last: missing (-1)
    renumber[:-1][known] = rank
    if np.array_equal(renumber[:-1], np.arange(len(cleaned))):  # labels clean and sorted
        return visit.codes.astype(np.int32), np.asarray(labels, dtype=object)
    # np.take by the small codes themselves (-1 takes the last): no intp copy of them, and
    # int32 codes for the int32 keys of _index_timepoints (3x faster than an intp gather)
    return np.take(renumber, visit.codes), np.asarray(labels, dtype=object)


_COLUMNS = ("patient_id", "date", "visit", "lesion_id", "kind", "status")
"""The columns the encoding reads."""


class CohortIndex:
    """The integer encoding of one measurements table (a DataFrame, or its columns by
    name), each part computed on first use.

    Reads ``patient_id`` and ``date`` (and ``visit`` when present) for the time points,
    ``lesion_id``, ``kind`` and ``status`` when those parts are asked for (a table without
    the column raises ``KeyError`` naming it, as reading the column would). The table must
    not change after the encoding is made.
    """

    def __init__(self, measurements: pd.DataFrame | Mapping[str, pd.Series[Any]]) -> None:
        names = set(measurements.columns if isinstance(measurements, pd.DataFrame)
                    else measurements.keys())
        self._columns = {name: measurements[name] for name in _COLUMNS if name in names}
        self._baseline_states: dict[object, npt.NDArray[np.int8]] = {}

    def _column(self, name: str) -> pd.Series[Any]:
        if name not in self._columns:
            raise KeyError(name)
        return self._columns[name]

    @cached_property
    def patient(self) -> TextCodes:
        """``patient_id`` codes (sorted patient ids)."""
        return text_codes(self._column("patient_id"))

    @cached_property
    def lesion(self) -> TextCodes:
        """``lesion_id`` codes (sorted lesion ids, all patients together)."""
        return text_codes(self._column("lesion_id"))

    @cached_property
    def kind(self) -> TextCodes:
        """``kind`` codes."""
        return text_codes(self._column("kind"))

    @cached_property
    def status(self) -> TextCodes:
        """``status`` codes."""
        return text_codes(self._column("status"))

    @cached_property
    def date_ns(self) -> npt.NDArray[np.int64]:
        """Scan dates as int64 ns (``NaT``: the int64 minimum)."""
        return date_ns(self._column("date"))

    @cached_property
    def timepoints(self) -> Timepoints:
        """The time points (docs/rules.md section 1; see ``Timepoints``)."""
        visit = text_codes(self._columns["visit"]) if "visit" in self._columns else None
        return _index_timepoints(self.patient.codes, self.date_ns, visit)

    def forget_row_masks(self) -> None:
        """``TextCodes.forget_masks`` of each text column encoded so far, ``repeated_rows``
        and the rows' ``baseline_state``."""
        for name in ("patient", "lesion", "kind", "status"):
            coded = self.__dict__.get(name)  # a cached_property's value, if computed
            if coded is not None:
                coded.forget_masks()
        self.__dict__.pop("repeated_rows", None)
        self.__dict__.pop("_rows_per_lesion", None)
        self._baseline_states.clear()

    def baseline_state(self, kind: object) -> npt.NDArray[np.int8]:
        """Per row, what its lesion has at its patient's baseline: 0 no row, 1 rows but
        none of kind ``kind``, 2 a row of kind ``kind``; computed once per kind (one gather
        over the rows, read by several checks), read-only.

        >>> CohortIndex(pd.DataFrame({"patient_id": ["P"] * 4, "lesion_id": ["T1", "N1",
        ...     "T1", "X"], "kind": ["target", "non-target", "target", "target"],
        ...     "date": pd.to_datetime(["2024-01-02"] * 2 + ["2024-03-01"] * 2)})
        ...     ).baseline_state("target").tolist()
        [2, 1, 2, 0]
        """
        state = self._baseline_states.get(kind)
        if state is None:
            per_lesion = np.zeros(self.n_lesions, dtype=np.int8)
            rows = self.baseline_rows
            # scattered by pointer-sized codes (numpy's fast path), gathered by pyarrow
            at_baseline = self.lesion_code[rows].astype(np.intp)
            per_lesion[at_baseline] = 1
            per_lesion[at_baseline[self.kind.equal_at(rows, kind)]] = 2
            state = take_bytes(per_lesion, self.lesion_code)
            self._baseline_states[kind] = state
        return state

    @cached_property
    def row_order(self) -> Codes:
        """Each row's time point order (0: baseline), in the smallest integer type that
        holds the orders (``small_codes``: int8 for fewer than 127 time points a
        patient), not int64: an eighth of the bytes to write and to read."""
        tps = self.timepoints
        order = small_codes(tps.order, int(tps.order.max(initial=-1)) + 1)
        if order.itemsize == 1:  # (pyarrow's gather: twice as fast as numpy's; read-only)
            return take_bytes(order, tps.row_tp)
        # np.take by the int32 codes themselves (an intp copy of them, then the gather,
        # costs more)
        return np.take(order, tps.row_tp)

    @cached_property
    def repeated_rows(self) -> npt.NDArray[np.bool_] | None:
        """Whether each row's (patient, lesion_id) pair has another row at its time point
        (``repeated_pairs``: fragments or copies), or None when no pair has (the usual
        table, whose every subset then has none either)."""
        repeated, counted = _flagged_pairs(self.lesion_code, self.row_order, self.n_lesions,
                                           int(self.timepoints.order.max(initial=-1)) + 1)
        self._rows_per_lesion = counted  # flags counted: no pass over the rows again
        return repeated if repeated.any() else None

    def rows_per_lesion(self) -> npt.NDArray[np.integer[Any]]:
        """The number of rows of each lesion code (``np.bincount`` of ``lesion_code``):
        counted by ``repeated_rows`` from its table of flags when it made one and found
        no pair repeated, else counted over the rows."""
        counted = self.__dict__.get("_rows_per_lesion")
        if counted is not None and "repeated_rows" in self.__dict__:
            return counted
        return np.bincount(self.lesion_code.astype(np.intp), minlength=self.n_lesions)

    def patient_lesion(self) -> npt.NDArray[np.signedinteger[Any]]:
        """One integer per (patient, lesion_id) pair, in the order of the patient codes
        (computed on each call: not kept): int32 when (patients + 1) x (lesion ids + 1) <
        2³¹, as on any usual cohort (pandas hashes int32 keys about twice as fast as
        int64), else int64."""
        lesion = self.lesion
        width = len(lesion.uniques) + 1  # codes -1 .. width - 2
        fits = (len(self.patient.uniques) + 1) * width < np.iinfo(np.int32).max
        key: npt.NDArray[np.signedinteger[Any]] = self.patient.codes.astype(
            np.int32 if fits else np.int64)
        key *= width
        key += lesion.codes
        return key

    @cached_property
    def lesion_code(self) -> Codes:
        """(patient, lesion_id) pairs numbered by their first row: in a table of one entry
        per possible pair when there are at most ``dense_limit`` of them (as on any usual
        cohort: (patients + 1) x (lesion ids + 1)), else hashed."""
        key = self.patient_lesion()
        width = len(self.lesion.uniques) + 1
        # patient codes -1 .. n - 1, lesion codes -1 .. width - 2: keys -width - 1 ..
        # n x width - 2, a table of (n + 1) x width entries
        high = len(self.patient.uniques) * width - 2
        if key.dtype == np.int32 and high + width + 2 <= dense_limit(len(key)):
            lookup, _, first_rows = _first_seen_lookup(key, -width - 1, high)
            self._lesion_first_rows = first_rows  # found on the way (lesion_first_rows)
            return take_numbers(lookup, key)  # a negative key: the table's end
        codes, pairs = pd.factorize(key)
        return small_codes(codes, len(pairs))

    @cached_property
    def lesion_first_rows(self) -> npt.NDArray[np.int64]:
        """The first row of each lesion code (``first_row_of_each(lesion_code)``: the
        codes number the pairs by it), as int64; kept from ``lesion_code`` when it found
        them, else found over the rows; read-only."""
        codes = self.lesion_code
        found = self.__dict__.get("_lesion_first_rows")
        rows = (first_row_of_each(codes, self.n_lesions) if found is None
                else found.astype(np.int64, copy=False))
        rows.flags.writeable = False
        return rows

    @cached_property
    def n_lesions(self) -> int:
        """The number of (patient, lesion_id) pairs: ``lesion_code`` runs 0 .. n - 1."""
        return int(self.lesion_code.max(initial=-1)) + 1

    @cached_property
    def baseline_rows(self) -> npt.NDArray[np.intp]:
        """The rows of the patients' baseline time points (``row_order`` 0, the
        ``is_baseline`` column of ``timepoint_codes``), in table order; read-only."""
        return self._rows_of_mask(self.row_order == 0)

    @staticmethod
    def _rows_of_mask(at_baseline: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
        """``baseline_rows`` of the rows' ``row_order == 0``."""
        rows = np.flatnonzero(at_baseline)
        rows.flags.writeable = False
        return rows

    @cached_property
    def patient_rank(self) -> npt.NDArray[np.int64]:
        """Each patient's number by first row (its ``patient_code``), at its ``TextCodes``
        code + 1: a missing id (code -1) at 0; an unused category of a categorical column
        0 too."""
        tps = self.timepoints
        rank = np.zeros(len(self.patient.uniques) + 1, dtype=np.int64)
        if self._patients_first_seen_in_code_order:
            rank[1:] = np.arange(len(self.patient.uniques))
            return rank
        # Time point codes are numbered by their first row, so the first time point of a
        # patient holds the patient's first row.
        rank[tps.code_patient + 1] = pd.factorize(tps.code_patient)[0]
        return rank

    @cached_property
    def _patients_first_seen_in_code_order(self) -> bool:
        """Whether every patient code 0 .. n - 1 (no missing id, no unused category) first
        appears in that order among the time points numbered by first row (the table's
        patients in order of their ids, as a table sorted by patient has them): then a
        patient's number by first row is its code (``numbered_by_first_sight``, every
        code up to n - 1). Time points in their sorted order (``Timepoints``: ``row_tp`` is
        ``timepoint_code``) have their patients' codes ascending: then they are so numbered
        when they start at 0 and rise by at most one at a time (one pass, not the running
        maximum's)."""
        tps = self.timepoints
        code = tps.code_patient
        n = len(self.patient.uniques)
        if tps.row_tp is tps.timepoint_code and len(code):  # ascending codes
            return (int(code[0]) == 0 and int(code[-1]) == n - 1
                    and bool((np.subtract(code[1:], code[:-1]) <= 1).all()))
        return numbered_by_first_sight(code) and int(code.max()) == n - 1

    @cached_property
    def patient_code(self) -> Codes:
        """Patients numbered by their first row (``TextCodes`` numbers them sorted). When
        the patients first appear in the order of their ids this is ``patient.codes``
        itself (the table's categorical codes when it was read from a CSV), not a copy."""
        tps = self.timepoints
        if self._patients_first_seen_in_code_order:  # each row's number is its code
            return self.patient.codes.astype(code_type(len(self.patient.uniques) + 1),
                                             copy=False)
        by_first_row = small_codes(self.patient_rank[tps.code_patient + 1],
                                   len(self.patient.uniques) + 1)
        return by_first_row[tps.timepoint_code.astype(np.intp)]  # see timepoint_rows

    def timepoint_rows(self) -> dict[str, npt.NDArray[Any]]:
        """The columns of ``recist.baseline_rules.timepoint_index``, one value per row:
        ``timepoint`` (label), ``timepoint_start`` (datetime64), then those of
        ``timepoint_codes`` (``timepoint_order`` as int64). New arrays, except the codes
        and ``has_visit``, which are shared."""
        tps = self.timepoints
        row_tp = tps.row_tp.astype(np.intp)  # intp: see timepoint_codes
        codes = self.timepoint_codes()
        codes["timepoint_order"] = codes["timepoint_order"].astype(np.int64)
        return {"timepoint": tps.label[row_tp],
                "timepoint_start": tps.first_ns[row_tp].view("datetime64[ns]"), **codes}

    def timepoint_codes(self) -> dict[str, npt.NDArray[Any]]:
        """The integer columns of ``timepoint_rows``, one value per row (what the checks
        read; the labels and start dates are made only by ``timepoint_rows``):
        ``timepoint_order`` (``row_order``), ``is_baseline``, ``patient_code`` and
        ``timepoint_code`` (numbered by first row), ``has_visit``. ``is_baseline`` is a
        new array; the others are shared."""
        tps = self.timepoints
        order = self.row_order
        is_baseline = order == 0
        if "baseline_rows" not in self.__dict__:  # the cached property, from this mask
            self.__dict__["baseline_rows"] = self._rows_of_mask(is_baseline)
        return {
            "timepoint_order": order, "is_baseline": is_baseline,
            "patient_code": self.patient_code, "timepoint_code": tps.timepoint_code,
            "has_visit": tps.has_visit,
        }


class IndexedMeasurements(pd.DataFrame):
    """A measurements table that carries its ``CohortIndex`` (``cohort_index``).

    Read it, never write to it: the encoding describes the rows it was made from.
    Selections, copies and every other pandas result are plain DataFrames.
    """

    cohort_index: CohortIndex | None = None

    @classmethod
    def of(cls, columns: dict[str, Any], index: pd.Index,
           encoding: CohortIndex) -> IndexedMeasurements:
        """The table of ``columns`` (shared, not copied) carrying ``encoding``."""
        frame = cls(columns, index=index, copy=False)
        frame.cohort_index = encoding
        return frame


def index_of(measurements: pd.DataFrame) -> CohortIndex:
    """The encoding an ``IndexedMeasurements`` carries, or a new one of any other table."""
    carried = getattr(measurements, "cohort_index", None)
    if isinstance(measurements, IndexedMeasurements) and carried is not None:
        return carried
    return CohortIndex(measurements)
