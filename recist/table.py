"""The measurements table: the one contract between measurement and response.

Long format, one row per lesion per scan (docs/tables.md, "The measurements table"). This
module reads it from CSV, normalises types and vocabularies, and refuses rows it cannot
interpret with a message naming the file, row, patient, date and lesion.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from recist.arrays import take_by_codes
from recist.cohort_index import small_codes
from recist.csv_read import first_byte, read_text_table
from recist.errors import RecistDataError
from recist.outputs import write_csv_atomic
from recist.plausibility import (
    BOUNDS,
    check_numbers,
    lowered_column_names,
    refuse_nul_columns,
    refuse_timezone_dates,
    refuse_unusable_dates,
    unreadable_date,
)
from recist.vocabulary import LESION_STATUSES, LesionKind

__all__ = [
    "CORE_COLUMNS",
    "KINDS",
    "PROVENANCE_COLUMNS",
    "check_measurement_bounds",
    "REQUIRED_COLUMNS",
    "STATUSES",
    "normalise_measurements",
    "parse_bool",
    "read_csv_table",
    "refuse_nul_bytes",
    "read_measurements",
    "write_measurements",
]

KINDS: tuple[str, ...] = tuple(str(kind) for kind in LesionKind)
STATUSES: dict[str, tuple[str, ...]] = {
    str(kind): tuple(str(status) for status in statuses)
    for kind, statuses in LESION_STATUSES.items()
}
REQUIRED_COLUMNS = ("patient_id", "date", "lesion_id", "kind", "status")
CORE_COLUMNS = (
    "patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal",
    "ld_mm", "sa_mm", "status", "slice_thickness_mm",
)
PROVENANCE_COLUMNS = (
    "series_uid", "sop_instance_uid", "slice_index", "method",
    "ld_x1", "ld_y1", "ld_z1", "ld_x2", "ld_y2", "ld_z2",
    "sa_x1", "sa_y1", "sa_z1", "sa_x2", "sa_y2", "sa_z2",
    "volume_mm3",
)

_REBUILT_COLUMNS = frozenset({"patient_id", "visit", "lesion_id", "kind", "status", "organ",
                              "ld_mm", "sa_mm", "slice_thickness_mm"})
"""Core columns ``normalise_measurements`` always replaces by new arrays (``date`` and
``nodal`` too when read as text)."""

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


def parse_bool(value: object) -> bool | None:
    """Parse a CSV boolean (``true/false``, ``yes/no``, ``1/0``); empty is None.

    >>> parse_bool("Yes"), parse_bool("0"), parse_bool("")
    (True, False, None)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true/false, yes/no or 1/0, found {value!r}")


def _where(source: str, row: int, frame: pd.DataFrame) -> str:
    """Describe a row for messages: file, CSV line, patient, date and lesion."""
    record = frame.loc[row]
    parts = [f"{source} row {int(row) + 2}"]  # +1 for the header, +1 for 1-based lines
    for column in ("patient_id", "date", "visit", "lesion_id"):
        value = record.get(column) if column in frame.columns else None
        if value is None or pd.isna(value) or str(value).strip() == "":
            continue
        if isinstance(value, pd.Timestamp):
            value = value.strftime("%Y-%m-%d")
        parts.append(f"{column} {value}")
    return ", ".join(parts)


def _cell(frame: pd.DataFrame, row: int, column: str) -> object:
    """A cleaned text cell for a message: its text, or ``<NA>`` when missing (a
    categorical's missing cell reads as NaN)."""
    value = frame.at[row, column]
    return pd.NA if pd.isna(value) else value


def _decoded(column: pd.Series) -> pd.Series:
    """A categorical column as the object column of its values (NaN where missing)."""
    return column.astype(object)


def _by_distinct(column: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``convert(column)``, computed once per distinct value of a categorical column (as
    ``recist.csv_read`` reads text) and spread back by its codes; missing stays missing."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return convert(column)
    distinct = convert(pd.Series(column.cat.categories.to_numpy(dtype=object), dtype=object))
    codes = column.cat.codes.to_numpy()
    values = distinct.to_numpy()
    if isinstance(distinct.dtype, np.dtype) and distinct.dtype.kind in "fM":
        # numbers or dates: a numpy lookup, its last entry (code -1) NaN or NaT
        missing = np.array("NaT" if distinct.dtype.kind == "M" else np.nan, dtype=values.dtype)
        return pd.Series(take_by_codes(np.append(values, missing), codes), index=column.index,
                         name=column.name)
    return pd.Series(distinct.array.take(codes, allow_fill=True), index=column.index,
                     name=column.name)


def _every_row_read(column: pd.Series, distinct: pd.Series) -> bool:
    """Whether :func:`_by_distinct` gave every row of ``column`` a value: true of a
    categorical column without a missing cell whose categories (``distinct``, as
    converted) each have one; False for any other column (its rows are looked at)."""
    if not isinstance(column.dtype, pd.CategoricalDtype) or distinct.isna().any():
        return False
    codes = column.cat.codes.to_numpy()
    return len(codes) == 0 or int(codes.min()) >= 0


class _Text:
    """A cleaned text column as its distinct values and one code per row (``-1``:
    missing), so that checks look at each distinct value once."""

    def __init__(self, codes: np.ndarray, values: pd.Series, column: pd.Series,
                 every_value_used: bool = False) -> None:
        self.codes, self.values, self._column = codes, values, column
        self._every_value_used = every_value_used  # each value is some row's: none to drop

    def where(self, test: np.ndarray | list[bool]) -> np.ndarray:
        """Per row: ``test`` (one bool per distinct value, missing ones included) of the
        row's value; a missing cell (code -1) is False.

        A test true (or false) for every distinct value needs no lookup per row: the
        codes alone say which cells are missing."""
        test = np.asarray(test, dtype=bool)
        if test.all():
            return self.codes >= 0
        if not test.any():
            return np.zeros(len(self.codes), dtype=bool)
        return take_by_codes(np.append(test, False), self.codes)  # -1: the appended False

    def missing(self) -> np.ndarray:
        """Per row: the cleaned value is missing."""
        return ~self.where(self.values.notna().to_numpy(dtype=bool))

    def any_missing(self) -> bool:
        """Whether some row's cleaned value is missing: when no distinct value is, only a
        missing cell (code -1) is, found by the smallest code."""
        if self.values.notna().all():
            return len(self.codes) > 0 and int(self.codes.min()) < 0
        return bool(self.missing().any())

    def series(self) -> pd.Series:
        """The cleaned column (``string`` dtype)."""
        return pd.Series(self.values.array.take(self.codes, allow_fill=True),
                         index=self._column.index, name=self._column.name)

    def categorical(self) -> pd.Categorical:
        """The cleaned column as a categorical: its categories are the distinct cleaned
        texts that occur in some row, sorted (Python's string order, as ``sorted`` and
        ``sort_values`` of the texts), so that sorting or grouping by the column orders
        its values as sorting the texts would; a missing value is a missing cell (code -1).

        Made from the codes: no row's text is looked at (``" a"`` and ``"a"``, one cleaned
        text, become one category).

        >>> _cleaned(pd.Series([" b", "a", None, "b", ""]), empty_is_missing=True
        ...          ).categorical().tolist()
        ['b', 'a', nan, 'b', nan]
        """
        texts = np.array(self.values.array, dtype=object)  # a copy; missing: pd.NA
        unused = self.values.isna().to_numpy(dtype=bool)
        if not self._every_value_used:
            used = np.zeros(len(texts) + 1, dtype=bool)
            used[self.codes] = True  # a missing cell (code -1) marks the extra last slot
            unused |= ~used[:-1]
        texts[unused] = None
        if not unused.any() and bool((texts[:-1] < texts[1:]).all()):
            # distinct and in order already (as recist.csv_read sorts them): what
            # factorize(sort=True) would answer, without hashing them again
            rank, categories = np.arange(len(texts)), texts
        else:
            rank, categories = pd.factorize(texts, sort=True)  # None -> -1
        # the last: a missing cell (code -1); in the codes' type, so the lookup per row
        # writes the final codes at once
        renumber = small_codes(np.append(rank, -1), len(categories))
        if np.array_equal(rank, np.arange(len(rank))):  # sorted, used, none missing:
            codes = self.codes.astype(renumber.dtype)  # the same codes (a copy)
        else:
            codes = take_by_codes(renumber, self.codes)
        return pd.Categorical.from_codes(
            codes, categories=pd.Index(categories, dtype=object), validate=False)


def _clean_distinct(column: pd.Series, lower: bool = False,
                    empty_is_missing: bool = False, every_category_used: bool = False
                    ) -> _Text | None:
    """The distinct values of a text column, stripped (and lower-cased; ``""`` ->
    missing when ``empty_is_missing``), with one code per row; None when the column holds
    anything but text and missing values (``1`` and ``1.0`` would share one factorised
    value but not one text). ``every_category_used``: a categorical column's categories
    each occur in some row (as ``recist.csv_read`` reads them)."""
    used = every_category_used
    if isinstance(column.dtype, pd.CategoricalDtype):  # as recist.csv_read reads text
        uniques = column.cat.categories.to_numpy(dtype=object)
        codes = column.cat.codes.to_numpy()
    else:
        values = column.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return None
        codes, uniques = pd.factorize(values)  # missing values -> code -1
        used = True
    if pd.api.types.infer_dtype(uniques, skipna=True) not in ("string", "empty"):
        return None
    # pandas' str.strip and str.lower are these str methods, called through a lambda each
    text = pd.Series([value.strip().lower() for value in uniques] if lower
                     else [value.strip() for value in uniques], dtype="string")
    if empty_is_missing:
        text = text.mask(text == "")
    return _Text(codes, text, column, used)


def _clean_text(column: pd.Series, lower: bool = False,
                empty_is_missing: bool = False) -> pd.Series:
    """``column.astype("string").str.strip()`` (then ``.str.lower()``; ``""`` -> missing
    when ``empty_is_missing``), computed once per distinct value.

    A cohort table repeats few texts (kinds, statuses, visit labels, ids) over millions of
    rows, so the strings are factorised, cleaned, and the codes mapped back
    (:func:`_clean_distinct`). Columns holding anything but text and missing values take
    the plain per-row path.

    >>> _clean_text(pd.Series([" Target", None, "target", ""]), lower=True).tolist()
    ['target', <NA>, 'target', '']
    """
    distinct = _clean_distinct(column, lower, empty_is_missing)
    if distinct is not None:
        return distinct.series()
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = _decoded(column)
    text = column.astype("string").str.strip()
    if lower:
        text = text.str.lower()
    return text.mask(text == "") if empty_is_missing else text


def _cleaned(column: pd.Series, lower: bool = False, empty_is_missing: bool = False,
             every_category_used: bool = False) -> _Text:
    """:func:`_clean_distinct`, or the per-row :func:`_clean_text` factorised."""
    distinct = _clean_distinct(column, lower, empty_is_missing, every_category_used)
    if distinct is not None:
        return distinct
    text = _clean_text(column, lower, empty_is_missing)
    codes, uniques = pd.factorize(text.array)
    return _Text(np.asarray(codes), pd.Series(uniques, dtype="string"), column)


def _replaced(frame: pd.DataFrame, columns: dict[str, pd.Series | np.ndarray]
              ) -> pd.DataFrame:
    """``frame`` with ``columns`` in place of its columns of those names (each new one
    last), their arrays taken as they are: each is made by the caller for the result
    (``frame[name] = values`` would copy them). Its column names are unique
    (``lowered_column_names`` refuses a name given twice)."""
    arrays = {name: frame[name] for name in frame.columns}
    arrays.update(columns)
    return pd.DataFrame(arrays, index=frame.index, columns=[*arrays], copy=False
                        ).__finalize__(frame)  # its attrs and flags


_TEXT_COLUMNS = ("patient_id", "visit", "lesion_id", "kind", "status", "organ")
"""The text columns every measurements table has (after ``CORE_COLUMNS`` are added)."""


def normalise_measurements(frame: pd.DataFrame, source: str = "measurements", *,
                           allow_implausible: bool | None = None) -> pd.DataFrame:
    """Return a typed copy of a measurements table, or raise ``RecistDataError``.

    Column names are lower-cased; ``kind``, ``status`` and ``organ`` are lower-cased and
    stripped; ``patient_id``, ``visit`` and ``lesion_id`` are stripped; an empty
    ``visit`` or ``organ`` is missing; ``nodal`` becomes bool (missing -> False); ``date``
    becomes a ``datetime64`` date; ``ld_mm``, ``sa_mm`` and ``slice_thickness_mm`` become
    floats. Missing optional core columns are added empty; extra columns pass through
    unchanged. A column named twice once case and spaces are set aside (``Organ`` and
    ``organ``) is refused: which one is meant cannot be known.

    The six text columns (``patient_id``, ``visit``, ``lesion_id``, ``kind``, ``organ``,
    ``status``) are pandas categoricals (docs/tables.md, "The measurements table"): their
    categories are the distinct cleaned texts that occur, sorted, so that sorting or
    grouping by a column orders it as its texts sort, and ``recist.cohort_index`` reads
    the codes without hashing the rows. A table read by ``recist.csv_read`` arrives with
    categorical text already (Arrow's dictionaries): it is cleaned per category and
    recoded, no Python string per row. Group by these columns with ``observed=True``.

    Values outside the plausibility bounds (``recist.plausibility``: diameters 0-1000 mm,
    slice thickness > 0 and <= 20 mm) are refused naming the row; ``allow_implausible``
    (default: the ``RECIST_ALLOW_IMPLAUSIBLE`` environment variable) accepts the
    implausible ones, never the impossible ones.
    """
    return _normalised(frame, source, allow_implausible, every_category_used=False)


def _normalised(frame: pd.DataFrame, source: str, allow_implausible: bool | None, *,
                every_category_used: bool) -> pd.DataFrame:
    """:func:`normalise_measurements`; ``every_category_used``: each categorical column's
    categories occur in some row (``recist.csv_read``'s tables), so none is looked for
    among the rows to be dropped."""
    # A shallow copy: the core columns are rebuilt below and every other column is copied
    # at the end, so the input is never modified and the result shares no data with it.
    frame = frame.copy(deep=False)
    frame.index = pd.RangeIndex(len(frame))
    frame.columns = lowered_column_names(frame.columns, source, "measurements table")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise RecistDataError(
            f"{source}: missing required column(s) {', '.join(missing)}; a measurements "
            f"table needs at least {', '.join(REQUIRED_COLUMNS)} (see docs/tables.md)"
        )
    for column in CORE_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    # before any hashing: pandas would merge such texts
    refuse_nul_columns(frame, _TEXT_COLUMNS, lambda row: f"{source} row {row + 2}")
    # Text columns cleaned once per distinct value; their checks look at the distinct
    # values and index the rows by code.
    text = {column: _cleaned(frame[column], lower=lower, empty_is_missing=empty,
                             every_category_used=every_category_used)
            for column, lower, empty in (
                ("patient_id", False, True), ("visit", False, True),
                ("lesion_id", False, True), ("kind", True, False), ("status", True, False),
                ("organ", True, True))}
    frame = _replaced(frame, {column: cleaned.categorical() for column, cleaned in text.items()})

    ids = (text["patient_id"], text["lesion_id"])
    for row in (np.flatnonzero(ids[0].missing() | ids[1].missing()).tolist()
                if any(column.any_missing() for column in ids) else ()):
        which = "patient_id" if pd.isna(frame.at[row, "patient_id"]) else "lesion_id"
        raise RecistDataError(f"{_where(source, row, frame)}: {which} is empty; every row "
                              f"needs a patient_id and a lesion_id")

    # Columns given new arrays below (no copy needed at the end): a categorical's values
    # are spread by a lookup into a new array, the nodal flags are computed.
    rebuilt = set(_REBUILT_COLUMNS)
    if isinstance(frame["date"].dtype, pd.CategoricalDtype):
        rebuilt.add("date")
    refuse_timezone_dates(frame["date"], "date", source)
    parsed: list[pd.Series] = []  # the distinct dates (or the rows' dates)

    def to_dates(text: pd.Series) -> pd.Series:
        parsed.append(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))
        return parsed[-1]

    dates = _by_distinct(frame["date"], to_dates)
    bad_dates = (np.flatnonzero(dates.isna().to_numpy())  # the index: 0, 1, 2 ...
                 if not _every_row_read(frame["date"], parsed[0]) else np.zeros(0, np.intp))
    if len(bad_dates):
        row = bad_dates[0]
        raise RecistDataError(
            f"{_where(source, row, frame)}: date {frame.at[row, 'date']!r} "
            f"{unreadable_date(frame.at[row, 'date'])}; write it like 2024-03-01"
        )
    refuse_unusable_dates(dates, "date", lambda row: _where(source, frame.index[row], frame),
                          distinct=parsed[0])
    frame = _replaced(frame, {"date": dates})

    # Vocabularies checked on the distinct values (a missing value is never allowed).
    kinds, statuses = text["kind"], text["status"]

    def where_in(column: _Text, allowed) -> np.ndarray:
        return column.where([value in allowed for value in column.values.array])

    bad_kind = np.flatnonzero(~where_in(kinds, KINDS))
    if len(bad_kind):
        row = bad_kind[0]
        raise RecistDataError(
            f"{_where(source, row, frame)}: kind {_cell(frame, row, 'kind')!r} is not one of "
            f"{', '.join(KINDS)}"
        )
    # Which (kind, status) pairs are refused, on the distinct values; the rows are looked
    # at once, and again (kind by kind, for the first bad row) only when one is.
    # Row k: kind code k (the last row, of code -1, stays False: a missing kind was
    # refused above); column 0: a missing status (code -1), column s + 1: status code s.
    refused = np.zeros((len(kinds.values) + 1, len(statuses.values) + 1), dtype=bool)
    for code, kind_text in enumerate(kinds.values.array):
        if kind_text in STATUSES:
            refused[code] = [True, *(value not in STATUSES[kind_text]
                                     for value in statuses.values.array)]
    # each row's (kind, status) cell as one small number into the flattened table
    width = refused.shape[1]
    pairs = np.multiply(kinds.codes, width, dtype=np.int16 if refused.size < 2**15
                        else np.int64)
    pairs += statuses.codes
    pairs += 1
    if take_by_codes(refused.ravel(), pairs).any():
        for kind, allowed in STATUSES.items():
            rows = np.flatnonzero(where_in(kinds, (kind,)) & ~where_in(statuses, allowed))
            if len(rows):
                row = rows[0]
                raise RecistDataError(
                    f"{_where(source, row, frame)}: status {_cell(frame, row, 'status')!r} "
                    f"is not allowed for a {kind} lesion; use one of {', '.join(allowed)} "
                    "(DEC-18)"
                )

    final: dict[str, pd.Series | np.ndarray] = {}  # set together after their checks
    if frame["nodal"].dtype != bool:
        words = _cleaned(frame["nodal"], lower=True)
        spelled = words.values.fillna("")
        spellings = spelled.isin(_TRUE | _FALSE | {""}).to_numpy(dtype=bool)
        # the rows are looked at only when some distinct value is not a known spelling
        known = (words.where(spellings) | (words.codes == -1) if not spellings.all()
                 else np.ones(1, dtype=bool))
        if not known.all():
            row = np.flatnonzero(~known)[0]
            raise RecistDataError(
                f"{_where(source, row, frame)}: nodal: expected true/false, yes/no or 1/0, "
                f"found {frame.at[row, 'nodal']!r}"
            )
        final["nodal"] = words.where(spelled.isin(_TRUE))
        rebuilt.add("nodal")

    converted: dict[str, pd.Series] = {}  # each column's distinct numbers (or its rows)

    def to_numbers(text: pd.Series) -> pd.Series:
        converted[column] = pd.to_numeric(text, errors="coerce").astype(float)
        return converted[column]

    for column in ("ld_mm", "sa_mm", "slice_thickness_mm"):
        numbers = _by_distinct(frame[column], to_numbers)
        # a categorical's row is unread only when its category is (looked at first)
        bad = frame.index[:0]
        if (not isinstance(frame[column].dtype, pd.CategoricalDtype)
                or converted[column].isna().any()):
            unread = frame.index[numbers.isna() & frame[column].notna()]
            bad = unread[(frame.loc[unread, column].astype("string").str.strip() != "")
                         .to_numpy(dtype=bool)]
        if len(bad):
            row = bad[0]
            raise RecistDataError(
                f"{_where(source, row, frame)}: {column} {frame.at[row, column]!r} is not a "
                "number of millimetres"
            )
        final[column] = numbers.astype(
            float, copy=not isinstance(frame[column].dtype, pd.CategoricalDtype))
    frame = _replaced(frame, final)
    # Plausibility bounds (recist.plausibility, docs/tables.md): impossible values always
    # refused, implausible ones unless allowed.
    def where(row: int) -> str:
        return _where(source, row, frame)

    # Checked on the distinct numbers first (a row holds one of them): only when one is
    # out of bounds are the rows checked, for the first such row and its message.
    distinct = pd.DataFrame({c: pd.Series(v.to_numpy()) for c, v in converted.items()})
    try:
        for bound in (BOUNDS["diameter"], BOUNDS["slice_thickness"]):
            check_numbers(distinct, bound, str, allow=allow_implausible)
    except RecistDataError:
        check_numbers(frame, BOUNDS["diameter"], where, allow=allow_implausible)
        check_numbers(frame, BOUNDS["slice_thickness"], where, allow=allow_implausible)
    # Scan dates: the input checks refuse one before 1900 or after today
    # (recist.checks_rows.check_dates, impossible-date, DEC-20).
    kept = [i for i, column in enumerate(frame.columns) if column not in rebuilt]
    if kept:
        frame.isetitem(kept, frame.iloc[:, kept].copy(deep=True))
    return frame


def read_csv_table(path: str | Path, what: str, *,
                   empty_as_missing: bool = True) -> pd.DataFrame:
    """Read a UTF-8 CSV table as text cells, with one clear error for an unreadable file.

    Parameters
    ----------
    path
        The CSV file.
    what
        What the table is, for messages (``"measurements table"``, ``"manifest"`` …).
    empty_as_missing
        Empty cells become missing values (else they stay empty strings).

    Raises ``FileNotFoundError`` when the file does not exist and ``RecistDataError``
    naming the file when it is not UTF-8, empty or not a CSV table.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{what} {path} is a folder; give the path of the CSV file")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} does not exist")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False,
                            na_values=[""] if empty_as_missing else None, encoding="utf-8")
    except UnicodeDecodeError:
        raise RecistDataError(f"{path}: not UTF-8 text; save the {what} as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise RecistDataError(f"{path}: the file is empty; expected a header row") from None
    except pd.errors.ParserError as error:
        raise RecistDataError(f"{path}: not a readable CSV table ({_csv_problem(error)})"
                              ) from None
    refuse_nul_bytes(path, what)
    return frame


def refuse_nul_bytes(path: Path, what: str) -> None:
    """Refuse a CSV file holding a NUL byte, naming the row and column of the first cell
    holding it (``_nul_cell``).

    pandas' CSV parser ends a cell at a NUL character without a word: ``FOL\\x00FOX`` and
    ``FOL\\x00IRI`` would both be read as ``FOL``. A UTF-8 text never holds a NUL byte
    other than U+0000, which no cell may hold (``plausibility.refuse_nul_text``).
    """
    if first_byte(path, b"\x00") < 0:
        return
    raise RecistDataError(
        f"{path}{_nul_cell(path)} holds a NUL character (\\x00), which no cell of the "
        f"{what} may hold (it would be cut there); remove it (a file saved as UTF-16 has a "
        "NUL beside each letter: save it as UTF-8)")


def _nul_cell(path: Path) -> str:
    """Where the first cell holding a NUL is: `` row N, column NAME,`` (the header is row
    1; blank lines are not rows, as pandas counts them), read by the ``csv`` module so that
    quoted line breaks and every kind of line end (``\\n``, ``\\r\\n``, a lone ``\\r``) count
    as pandas reads them. A NUL in the header names the column by its position (a name
    holding a NUL is not printed); ``""`` for a file the module cannot read."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            records = (cells for cells in csv.reader(handle) if cells)
            names = next(records, [])
            for position, name in enumerate(names, start=1):
                if "\x00" in name:
                    return f" row 1 (the header), column {position},"
            for row, cells in enumerate(records, start=2):
                for position, cell in enumerate(cells):
                    if "\x00" in cell:
                        column = names[position] if position < len(names) else position + 1
                        return f" row {row}, column {column},"
    except csv.Error:
        pass
    return ""


def _csv_problem(error: Exception) -> str:
    """The CSV parser's complaint in our words (its own are a programmer's).

    >>> _csv_problem(ValueError("C error: Expected 2 fields in line 3, saw 3"))
    'line 3 has 3 fields, the header 2'
    >>> _csv_problem(ValueError("EOF inside string starting at row 1"))
    'a quote opened on line 2 is never closed'
    """
    import re

    text = str(error)
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if fields:
        return f"line {fields[2]} has {fields[3]} fields, the header {fields[1]}"
    quote = re.search(r"inside string starting at row (\d+)", text)
    if quote:
        return f"a quote opened on line {int(quote[1]) + 1} is never closed"
    return "its quoting or field counts are broken"


def read_measurements(path: str | Path, *,
                      allow_implausible: bool | None = None) -> pd.DataFrame:
    """Read a measurements CSV (docs/tables.md conventions) and normalise it.

    The cells are read as text through Arrow (``recist.csv_read``: types fixed up front,
    each distinct text parsed once), or by pandas when that reader is unsure of the file.

    Raises ``RecistDataError`` naming the file and row for anything it cannot interpret
    (and for a table without rows), ``FileNotFoundError`` when the file does not exist.
    """
    frame = read_text_table(path, CORE_COLUMNS) if Path(path).is_file() else None
    if frame is None:  # what the fast reader is unsure of, pandas reads (and explains)
        frame = read_csv_table(path, "measurements table")
    if len(frame) == 0:  # rows of empty cells are refused by the normaliser (no patient_id)
        raise RecistDataError(
            f"{path}: the measurements table has a header but no rows; expected one row per "
            "lesion per scan (docs/tables.md) — check that this is the right file")
    # the Arrow reader's categories each occur in some row; pandas' table has none
    return _normalised(frame, str(path), allow_implausible, every_category_used=True)


def check_measurement_bounds(frame: pd.DataFrame, source: str, *,
                             allow_implausible: bool | None = None) -> None:
    """Refuse diameters and slice thicknesses outside ``recist.plausibility``'s bounds,
    naming ``source`` and the row (``allow_implausible`` as in
    :func:`normalise_measurements`)."""
    numeric = pd.DataFrame({c: pd.to_numeric(frame[c], errors="coerce")
                            for c in ("ld_mm", "sa_mm", "slice_thickness_mm")
                            if c in frame.columns}, index=frame.index)
    numeric = numeric.reset_index(drop=True)

    def where(row: int) -> str:
        return _where(source, row, frame.reset_index(drop=True))

    check_numbers(numeric, BOUNDS["diameter"], where, allow=allow_implausible)
    check_numbers(numeric, BOUNDS["slice_thickness"], where, allow=allow_implausible)


def write_measurements(frame: pd.DataFrame, path: str | Path, *,
                       allow_implausible: bool | None = None) -> Path:
    """Write a measurements table as CSV (ISO dates, true/false), whole or not at all.

    Diameters and slice thicknesses outside the plausibility bounds (``recist.plausibility``)
    are refused before anything is written (``allow_implausible`` as in
    :func:`normalise_measurements`).
    """
    check_measurement_bounds(frame, f"{path} (not written)", allow_implausible=allow_implausible)
    out = frame.copy()
    if "date" in out.columns:
        out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    if "nodal" in out.columns:
        out["nodal"] = out["nodal"].map({True: "true", False: "false"}).fillna("")
    ordered = [c for c in CORE_COLUMNS if c in out.columns]
    ordered += [c for c in out.columns if c not in ordered]
    return write_csv_atomic(out[ordered], path)
