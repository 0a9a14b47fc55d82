"""Tables to CSV bytes without a Python call per cell, identical to pandas' ``to_csv``.

The response tables are written with ISO dates, ``true``/``false`` and millimetres and
percentages with 2 decimals (``recist.response.write_respond_outputs``). Formatting that
with ``Series.map`` and a lambda, then ``DataFrame.to_csv``, costs a Python call for every
cell (seconds for a million rows). Here every column becomes an Arrow string array in a
few vectorised steps, and one Arrow kernel joins the columns, the delimiters, the quotes
of the fields that need them and the line ends into the text of the whole table, one
contiguous buffer (one per chunk of a text column Arrow holds in chunks): each byte of a
long text column is copied once.

A column that repeats its fields -- true/false, dates, text categories, a text column
holding few distinct objects (response labels), 2-decimal numbers that repeat -- is coded
(:func:`_coded`): each distinct field is formatted and quoted once and the rows take it by
code; neighbouring coded columns are written together, by one Arrow ``take`` of their
texts (:func:`_rows`), so the final join copies one piece for them. Other numbers are laid
out digit by digit in numpy, other text is converted once and quoted where needed.

The bytes are those ``pandas.DataFrame.to_csv(index=False, lineterminator="\\n")``
writes after the same formatting (the tests compare them on hostile values): fields
are quoted exactly when Python's ``csv`` module quotes them (``QUOTE_MINIMAL``: the
delimiter, the quote character or a line-terminator character in the field; a quote is
doubled); a missing value is an empty field. A column of a type this module does not
format (a categorical with a non-text category, a time zone, an object column holding
non-strings ...) sends the whole table through pandas, so the bytes never depend on the
path taken.

Each column's pieces carry the delimiter before the field (and the last column's the line
end) where that costs nothing: in the bytes laid out for a number, in the text of each
distinct coded field, in the opening and closing quote pieces of a text column; so the
join copies few pieces per row.
"""

from __future__ import annotations

import csv
import ctypes
import io
from typing import NamedTuple, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recist.plausibility import first_nul_flags
from recist.reason_text import joined_rows

__all__ = ["fixed_decimals", "table_csv_bytes", "table_csv_parts"]

_DELIMITER, _QUOTE, _LINE = ",", '"', "\n"


def _s(text: str | None) -> pa.Scalar:
    """A large-string scalar (Arrow's kernels want one string type per call)."""
    return pa.scalar(text, pa.large_string())


def _quoted_by_csv_module() -> str:
    """The characters that make Python's ``csv`` writer quote a field (this Python's
    rule: ``\\r`` alone is quoted by some versions and not by others)."""
    chars = []
    for char in (_DELIMITER, _QUOTE, "\n", "\r"):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=_LINE).writerow([f"a{char}b", "c"])
        if buffer.getvalue().startswith(_QUOTE):
            chars.append(char)
    return "".join(chars)


_SPECIAL = _quoted_by_csv_module()
_SPECIAL_PATTERN = "[" + "".join("\\r" if c == "\r" else "\\n" if c == "\n" else c
                                 for c in _SPECIAL) + "]"


def _quote_text(text: str) -> str:
    if any(char in text for char in _SPECIAL):
        return _QUOTE + text.replace(_QUOTE, _QUOTE * 2) + _QUOTE
    return text


_SPECIAL_BYTES = tuple(ord(char) for char in _SPECIAL)  # ASCII: never inside a UTF-8 letter
_CHUNK = 1 << 20

Rows: TypeAlias = "pa.Array | pa.ChunkedArray"
Joinable: TypeAlias = "pa.Array | pa.ChunkedArray | pa.Scalar"
Piece: TypeAlias = "pa.Array | pa.ChunkedArray | pa.Scalar | _CodedPiece"
"""A row array (in chunks or not), a constant or a coded column (:func:`_rows`)."""


def _data(array: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a large-string array's values (its slice of the data buffer)."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64,
                            count=len(array) + 1, offset=8 * array.offset)
    data = array.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]


def _holds(data: np.ndarray, codes: tuple[int, ...]) -> bool:
    """Whether any of the bytes ``codes`` occurs in ``data`` (scanned a MiB at a time, so
    a long text column with a comma near its start is answered at once)."""
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        found = chunk == codes[0]
        for code in codes[1:]:
            found |= chunk == code
        if found.any():
            return True
    return False


def _around(array: Rows, prefix: str, suffix: str) -> list[Piece]:
    """``array`` between the constant pieces ``prefix`` and ``suffix`` (left out when
    empty)."""
    return [*([_s(prefix)] if prefix else []), array, *([_s(suffix)] if suffix else [])]


def _needs_quotes(array: Rows) -> pa.Array:
    """Whether the ``csv`` module quotes each field (a missing one: False).

    A regular expression finds any of the characters; a column of sentences has the
    delimiter in most rows, which a plain search (about twice as fast) settles, so when
    the first rows mostly hold it, the rows without it alone go to the expression."""
    def special(texts: Rows) -> pa.Array:
        return _unchunked(pc.fill_null(pc.match_substring_regex(texts, _SPECIAL_PATTERN),
                                       False))

    def delimited(texts: Rows) -> pa.Array:
        return _unchunked(pc.fill_null(pc.match_substring(texts, _DELIMITER), False))

    head = array.slice(0, _BLOCK)
    if 2 * (pc.sum(delimited(head)).as_py() or 0) <= len(head):
        return special(array)
    found = delimited(array)
    rest = pc.invert(found)
    if not pc.any(rest).as_py():
        return found
    return pc.replace_with_mask(found, rest, special(array.filter(rest)))


def _quote_pieces(array: Rows, prefix: str = "", suffix: str = "") -> list[Piece]:
    """A text column as the pieces of its fields, ``prefix`` before and ``suffix`` after
    each: the field alone when no field needs quotes; else the prefix with an opening
    quote (or without), the text with its quotes doubled, and a closing quote (or none)
    with the suffix: the fields the ``csv`` module quotes (``QUOTE_MINIMAL``). The
    opening and closing pieces are coded (two texts each, :func:`_either`). A column in
    chunks stays in its chunks."""
    data = [_data(chunk) for chunk in _chunks(array)]
    if not any(_holds(part, _SPECIAL_BYTES) for part in data):
        return _around(array, prefix, suffix)
    needs = _needs_quotes(array).to_numpy(zero_copy_only=False).view(np.int8)
    if any(_holds(part, (ord(_QUOTE),)) for part in data):
        array = pc.replace_substring(array, _QUOTE, _QUOTE * 2)
    return [_either(prefix, prefix + _QUOTE, needs), array,
            _either(suffix, _QUOTE + suffix, needs)]


def _either(text: str, other: str, which: np.ndarray) -> _CodedPiece:
    """``other`` on the rows where ``which`` is 1, ``text`` where it is 0, as a coded
    piece (:func:`_rows`: the row's text is ``texts[which + 1]``)."""
    return _CodedPiece(pa.array(["", text, other], type=pa.large_string()), which)


def _quote_where_needed(array: pa.Array) -> pa.Array:
    """Quote the fields the ``csv`` module would quote, doubling their quotes (a missing
    field: empty)."""
    pieces = _quote_pieces(array)
    if len(pieces) == 1:
        return array
    return _array(_rows(pieces, len(array)))


def fixed_decimals(values: np.ndarray, decimals: int = 2, prefix: str = "") -> pa.Array:
    """``f"{v:.{decimals}f}"`` of every value (null for NaN), computed on arrays; with a
    ``prefix`` (ASCII), ``prefix + f"{v:.{decimals}f}"`` and ``prefix`` for NaN.

    The value is rounded by scaling with ``10**decimals``; a scaled value within a few
    units in the last place of a tie (``x.5``), where the binary scaling could round
    differently from Python's exact decimal rounding, and any infinite value, is
    formatted by Python itself, so every string equals the f-string's.

    >>> fixed_decimals(np.array([20.2, -0.0, 2.675, 0.125, np.nan, -1.005, 1e6])).to_pylist()
    ['20.20', '-0.00', '2.67', '0.12', None, '-1.00', '1000000.00']
    >>> fixed_decimals(np.array([3.14159, np.nan, -2.5, np.inf]), 1, ",").to_pylist()
    [',3.1', ',', ',-2.5', ',inf']
    """
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** decimals
    missing = np.isnan(values)
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    scaled = np.abs(safe) * scale
    # a tie or near-tie, or a value too large for exact integer arithmetic
    fraction = np.abs(scaled - np.floor(scaled) - 0.5)
    python = (~finite & ~missing) | (fraction < 1e-6) | (scaled >= 2.0 ** 31)
    units = np.rint(np.where(python, 0.0, scaled)).astype(np.int64)
    text = _digits(units, decimals, np.signbit(safe), missing | python, prefix)
    if python.any():
        at = np.flatnonzero(python)
        exact = pa.array([f"{prefix}{v:.{decimals}f}" for v in values[at]],
                         type=pa.large_string())
        text = pc.replace_with_mask(text, pa.array(python), exact)
    return text


def _digits(units: np.ndarray, decimals: int, negative: np.ndarray, empty: np.ndarray,
            prefix: str = "") -> pa.Array:
    """``prefix`` and ``units / 10**decimals`` written with ``decimals`` decimals (a ``-``
    where ``negative``), for ``0 <= units < 2**31``; where ``empty`` only the prefix, or
    null without one.

    Every row is laid out right-aligned in a byte matrix (prefix, sign, whole digits,
    ``.``, decimals), and the bytes in use, read row by row, are the data of a string
    array.
    """
    rows, lead = len(units), len(prefix)
    units = units.astype(np.uint32)  # faster division than int64
    whole = units // np.uint32(10 ** decimals)
    places = len(str(int(whole.max()))) if rows else 1  # digits of the longest whole part
    width = lead + 1 + places + (1 + decimals if decimals else 0)
    matrix = np.empty((rows, width), dtype=np.uint8)
    column = width - 1
    rest, ten = units, np.uint32(10)
    for place in range(decimals + places):
        if place == decimals and decimals:
            matrix[:, column] = ord(".")
            column -= 1
        rest, digit = np.divmod(rest, ten)
        np.add(digit, ord("0"), out=matrix[:, column], casting="unsafe")
        column -= 1
    # the whole part's digits: at least one, none of the leading zeros
    length = np.ones(rows, dtype=np.uint8)
    for power in range(1, places):
        length += whole >= 10 ** power
    length += negative
    length += 1 + decimals if decimals else 0
    length[empty] = 0
    length += lead
    start = width - length  # the row's first byte in use
    signed = np.flatnonzero(negative & ~empty)
    matrix[signed, start[signed] + lead] = ord("-")
    every = np.arange(rows)
    for position, byte in enumerate(prefix.encode("ascii")):
        matrix[every, start + position] = byte
    used = np.arange(width, dtype=np.uint8) >= start[:, None]
    offsets = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(length, dtype=np.int64, out=offsets[1:])
    validity, nulls = None, 0
    if not lead and empty.any():
        validity, nulls = pa.py_buffer(np.packbits(~empty, bitorder="little")), int(empty.sum())
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets),
                                            pa.py_buffer(matrix[used]), validity, nulls)


def _strings(series: pd.Series) -> Rows:
    """An object or string column as Arrow strings (raises ``pa.ArrowException`` or
    ``TypeError`` if a cell is not a string or missing); a column held by Arrow in chunks
    (``string[pyarrow]``) stays in them, uncopied."""
    if isinstance(series.dtype, pd.StringDtype):
        return pa.array(series.array, type=pa.large_string())
    # None, NaN and pd.NA are null (from_pandas); no copy of the object array
    return pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)


class _Coded(NamedTuple):
    """A column as the text of each distinct field and one code per row: ``codes`` index
    ``texts`` (quoted where the ``csv`` module quotes; a null text is an empty field),
    ``-1`` is a missing value (an empty field)."""

    texts: pa.Array
    codes: np.ndarray


class _CodedPiece(NamedTuple):
    """A coded piece of :func:`_rows`: a row's text is ``texts[codes[row] + 1]`` (the code
    ``-1`` of a column's missing value picks the first text, :func:`_coded_piece`)."""

    texts: pa.Array
    codes: np.ndarray


_BLOCK = 256
"""Rows per sampled block of a first look at a column (``_object_codes``,
``_needs_quotes``)."""

_REPEATS = 8
"""A column is coded (each distinct field formatted once) when it holds at most one
distinct value (or pair of values) in this many rows: fewer pays for no hashing."""


def _object_codes(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes of an object array and the values they point to (objects; None, NaN and pd.NA:
    code ``-1``, a missing value), or None when the rows hold more than one distinct object
    in ``_REPEATS`` (hardly repeated), looked at first in ``_REPEATS`` blocks of ``_BLOCK``
    rows (a long text column of distinct sentences is left at once).

    The rows are grouped by the object they point to (its address, an integer read from
    the array's buffer of pointers), which hashes no string. When the rows come in runs of
    one object (a patient's rows one after another), each run is one code
    (:func:`_run_codes`), hashing nothing. Else the objects' addresses are factorised and
    the few distinct objects then by value (``pandas.factorize``), so equal texts held by
    different objects share one code; text holding a NUL character is then left to the
    plain path (pandas compares text only up to its first NUL).
    """
    cells = np.ascontiguousarray(cells)
    address = np.frombuffer(memoryview((ctypes.c_char * cells.nbytes).from_address(
        cells.ctypes.data)).cast("B"), dtype=np.uintp)
    changes = address[1:] != address[:-1]
    if _REPEATS * (np.count_nonzero(changes) + 1) <= len(cells):
        return _run_codes(cells, np.concatenate([[0], np.flatnonzero(changes) + 1]))
    if len(cells) > _REPEATS * _BLOCK:  # a first look at blocks spread over the column
        starts = np.linspace(0, len(cells) - _BLOCK, _REPEATS).astype(np.intp)
        sample = address[(starts[:, None] + np.arange(_BLOCK)).ravel()]
        if _REPEATS * len(np.unique(sample)) > len(sample):
            return None
    same, objects = pd.factorize(address)
    if _REPEATS * len(objects) > len(cells):
        return None
    first = np.empty(len(objects), dtype=np.intp)
    first[same[::-1]] = np.arange(len(cells) - 1, -1, -1)  # the first row of each object
    if first_nul_flags(cells[first]).any():  # pandas would make "a\x00b" and "a\x00c" one
        return None
    try:
        codes, uniques = pd.factorize(cells[first])
    except TypeError:  # an unhashable cell (a list): not text, pandas decides
        return None
    return np.take(codes, same), np.asarray(uniques, dtype=object)


def _run_codes(cells: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes numbering the runs of rows that point to one object (``starts``: each run's
    first row), and the object of each run that is not missing (a missing one: ``-1``).
    The same text in two runs gets two codes, formatted twice to the same bytes."""
    objects = cells[starts]
    missing = pd.isna(objects)
    numbers = np.where(missing, -1, np.cumsum(~missing) - 1)
    return np.repeat(numbers, np.diff(starts, append=len(cells))), objects[~missing]


_FOUR_DIGIT_YEARS = (np.datetime64("1000", "Y"), np.datetime64("9999", "Y"))
"""Compared in years: year 1000 in nanoseconds would overflow."""


def _iso_dates(stamps: np.ndarray) -> pa.Array:
    """``strftime("%Y-%m-%d")`` of each datetime64 value (no NaT), as pandas writes it.

    Arrow's date cast writes a year of four digits as the format does; years before 1000
    or after 9999 (a datetime64 of seconds reaches them), which pandas writes without
    padding, go through pandas itself.

    >>> _iso_dates(np.array(["1969-12-31T23:59", "0999-01-02"], "datetime64[s]")).to_pylist()
    ['1969-12-31', '999-01-02']
    """
    if len(stamps) and (stamps.min().astype("datetime64[Y]") < _FOUR_DIGIT_YEARS[0]
                        or stamps.max().astype("datetime64[Y]") > _FOUR_DIGIT_YEARS[1]):
        return pa.array(pd.Series(stamps).dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
                        type=pa.large_string())
    arrow = pa.array(stamps, type=pa.timestamp(np.datetime_data(stamps.dtype)[0]))
    return _array(pc.cast(pc.cast(arrow, pa.date32()), pa.large_string()))


def _coded(series: pd.Series, fixed: bool) -> _Coded | None:
    """The column as :class:`_Coded` when its fields repeat (true/false, dates, text
    categories, text columns and 2-decimal numbers that repeat their values), each
    distinct field formatted once; None for any other column (:func:`_field_pieces`)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype == np.bool_:
        return _Coded(pa.array(["false", "true"], type=pa.large_string()),
                      series.to_numpy().view(np.int8))
    if isinstance(dtype, pd.BooleanDtype):
        return _Coded(pa.array(["false", "true"], type=pa.large_string()),
                      series.to_numpy(dtype=np.int8, na_value=-1))
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        codes, uniques = pd.factorize(series.to_numpy())  # NaT -> code -1
        return _Coded(_iso_dates(uniques), codes)
    if isinstance(dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if pd.api.types.infer_dtype(categories, skipna=False) not in ("string", "empty"):
            return None
        return _Coded(_quote_where_needed(_array(pa.array(categories.to_numpy(dtype=object),
                                                          type=pa.large_string()))),
                      series.cat.codes.to_numpy())
    if fixed and isinstance(dtype, np.dtype) and dtype == np.float64:
        values = np.ascontiguousarray(series.to_numpy(), dtype=np.float64)
        # distinct by bit pattern, so -0.0 and 0.0 stay apart
        codes, distinct = pd.factorize(values.view(np.int64))
        if 2 * len(distinct) > len(values):
            return None
        return _Coded(fixed_decimals(distinct.view(np.float64), 2), codes)
    if pd.api.types.is_object_dtype(dtype) and len(series):
        found = _object_codes(series.to_numpy())
        if found is None:
            return None
        codes, uniques = found
        if pd.api.types.infer_dtype(uniques, skipna=False) not in ("string", "empty"):
            return None  # not text: pandas decides (_field_pieces)
        return _Coded(_quote_where_needed(pa.array(uniques, type=pa.large_string())),
                      np.asarray(codes))
    return None


def _coded_piece(coded: _Coded, prefix: str, suffix: str) -> _CodedPiece:
    """A coded column as a piece of :func:`_rows`: its texts each framed once by
    ``prefix`` and ``suffix`` (a null text: the frame alone), after the frame alone for a
    missing value (code ``-1``)."""
    framed = pc.binary_join_element_wise(_s(prefix), pc.fill_null(coded.texts, _s("")),
                                         _s(suffix), _s(""))
    first = pa.array([prefix + suffix], type=pa.large_string())
    return _CodedPiece(pa.concat_arrays([first, _array(framed)]), coded.codes)


def _rows(pieces: list[Piece], rows: int) -> Rows:
    """Each row's pieces one after the other (a null field: empty), as one string array
    (in the chunks of a row array in chunks).

    A piece is a row array, a constant (a scalar) or coded (:class:`_CodedPiece`).
    Neighbouring coded pieces with few pairs of texts are made one (:func:`_paired`: the
    four responses of a time point); then each run of neighbouring coded pieces is written
    by one Arrow ``take`` from their texts laid one after another, the codes of a row side
    by side (shifted to their texts): the take writes each row's texts in turn into one
    buffer, and every ``width``-th of its offsets is a row's end
    (``recist.reason_text.joined_rows``, as the reasons are built). The row arrays, constants
    and those runs are then joined row by row by one Arrow kernel, which copies one piece
    per row for each run.
    """
    joined: list[Joinable] = []
    run: list[_CodedPiece] = []
    for piece in [*pieces, None]:
        if isinstance(piece, _CodedPiece):
            joined_pair = _paired(run[-1], piece, rows) if run else None
            if joined_pair is not None:
                run[-1] = joined_pair
            else:
                run.append(piece)
            continue
        if run:
            joined.append(_taken(run, rows))
            run = []
        if piece is not None:
            joined.append(piece)
    if (len(joined) == 1 and isinstance(joined[0], pa.Array | pa.ChunkedArray)
            and not joined[0].null_count):
        return joined[0]
    # without a null piece the kernel's faster default (which would null the row)
    nulls = any(piece.null_count if isinstance(piece, pa.Array | pa.ChunkedArray)
                else not piece.is_valid for piece in joined)
    return (pc.binary_join_element_wise(*joined, _s(""), null_handling="replace",
                                        null_replacement="") if nulls
            else pc.binary_join_element_wise(*joined, _s("")))


def _paired(first: _CodedPiece, second: _CodedPiece, rows: int) -> _CodedPiece | None:
    """Two neighbouring coded pieces as one, each pair of texts that occurs joined once,
    when their pairs are few for certain (at most one in ``_REPEATS`` rows); else None."""
    width = len(second.texts)
    span = len(first.texts) * width
    if _REPEATS * span > rows:
        return None
    key = first.codes.astype(np.int64) * width
    key += second.codes
    key += width + 1  # both codes + 1
    present = np.zeros(span, dtype=bool)
    present[key] = True
    pairs = np.flatnonzero(present)
    rank = np.empty(span, dtype=np.int64)  # read at the pairs present only
    rank[pairs] = np.arange(-1, len(pairs) - 1)
    texts = pc.binary_join_element_wise(first.texts.take(pa.array(pairs // width)),
                                        second.texts.take(pa.array(pairs % width)), _s(""))
    return _CodedPiece(_array(texts), rank[key])


_SHORT_TEXT = 2**31
"""Bytes a string array with 32-bit offsets can hold."""


def _taken(run: list[_CodedPiece], rows: int) -> pa.Array:
    """Each row's texts of the coded pieces ``run``, one after another (:func:`_rows`).

    The take writes 32-bit offsets (a third faster, half the memory of Arrow's large
    strings) when the longest texts of every piece on every row could not reach 2 GiB;
    the rows are then cast to large strings (new offsets, the same bytes)."""
    sizes = [len(coded.texts) for coded in run]
    starts = np.cumsum([1, *sizes[:-1]])  # + 1: a piece's code -1 is its first text
    width = len(run)
    index = np.empty((rows, width), dtype=np.int32 if sum(sizes) < 2**31 else np.int64)
    for column, (coded, start) in enumerate(zip(run, starts)):
        np.add(coded.codes, start, out=index[:, column], casting="unsafe")
    table = pa.concat_arrays([coded.texts for coded in run])
    widest = sum(int(np.diff(np.frombuffer(coded.texts.buffers()[1], dtype=np.int64,
                                           count=len(coded.texts) + 1,
                                           offset=8 * coded.texts.offset)).max())
                 for coded in run)
    # every code is made in this module within its texts: no bounds to check
    if widest * rows >= _SHORT_TEXT:
        return joined_rows(table, index)
    return joined_rows(table.cast(pa.string()), index).cast(pa.large_string())


def _field_pieces(series: pd.Series, fixed: bool, prefix: str = "", suffix: str = ""
                  ) -> list[Piece] | None:
    """The pieces of one column's fields that :func:`_coded` does not take, ``prefix``
    before and ``suffix`` after each (a text column quoted, :func:`_quote_pieces`), or None
    when this module does not format its type. ``fixed``: floats with 2 decimals (else as
    pandas writes them, their shortest repr)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):  # a bool type other than numpy's and pandas'
        # "true" / "false"; null stays null
        return _around(pa.array(series, from_pandas=True).cast(pa.large_string()),
                       prefix, suffix)
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        values = series.to_numpy()
        if fixed:
            return _around(fixed_decimals(values, 2, prefix), "", suffix)
        text = pa.array(values.astype(str), type=pa.large_string())
        return _around(pc.if_else(pa.array(np.isnan(values)), _s(None), text), prefix, suffix)
    if pd.api.types.is_integer_dtype(dtype) and not (
            isinstance(dtype, np.dtype) and dtype.kind == "u" and dtype.itemsize == 8):
        return _around(pa.array(series, from_pandas=True).cast(pa.large_string()),
                       prefix, suffix)
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        try:
            text = _strings(series)
        except (pa.ArrowException, TypeError, ValueError):
            return None
        return _quote_pieces(text, prefix, suffix)
    return None


def _chunks(values: Rows) -> list[pa.Array]:
    """The arrays of ``values``: its chunks, or itself."""
    return values.chunks if isinstance(values, pa.ChunkedArray) else [values]


def _unchunked(values: Rows) -> pa.Array:
    """One array of the chunks (a copy: for small columns, such as true/false flags)."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _array(values: Rows) -> pa.Array:
    """One large-string array (Arrow may answer with chunks or another string type)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values if values.type == pa.large_string() else values.cast(pa.large_string())


def _fixed(name: object) -> bool:
    return isinstance(name, str) and (name.endswith("_mm") or name.startswith("pct_"))


def response_csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The pandas formatting of the response tables (the reference the fast path
    reproduces): ISO dates, true/false, 2 decimals for ``*_mm`` and ``pct_*`` floats."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map({True: "true", False: "false"}).fillna("")
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(series) and _fixed(column):
            out[column] = series.map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    return out


def _pandas_bytes(frame: pd.DataFrame) -> bytes:
    text: str = response_csv_text(frame).to_csv(index=False, lineterminator=_LINE)
    return text.encode("utf-8")


def table_csv_parts(frame: pd.DataFrame) -> tuple[bytes | memoryview, ...]:
    """The bytes of :func:`table_csv_bytes` as consecutive parts (the header, the body), so
    that a writer need not copy a large body into one ``bytes``."""
    names = list(frame.columns)
    if len(names) < 2 or len(frame) == 0 or not frame.columns.is_unique:
        return (_pandas_bytes(frame),)  # one column, no row: the csv module's special cases
    pieces: list[Piece] = []
    for index, name in enumerate(names):
        series = frame.iloc[:, index]
        prefix, suffix = _DELIMITER if index else "", _LINE if index == len(names) - 1 else ""
        coded = _coded(series, _fixed(name))
        if coded is not None:
            pieces.append(_coded_piece(coded, prefix, suffix))
            continue
        got = _field_pieces(series, _fixed(name), prefix, suffix)
        if got is None:
            return (_pandas_bytes(frame),)
        pieces.extend(got)
    lines = _rows(pieces, len(frame))  # every row's fields, delimiters, quotes, line end
    header = _DELIMITER.join(_quote_text(str(name)) for name in names) + _LINE
    return header.encode("utf-8"), *(_data(_array(chunk)).data for chunk in _chunks(lines))


def table_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The response-table CSV of ``frame`` (header, one line per row, ``\\n`` endings):
    the bytes of ``response_csv_text(frame).to_csv(index=False, lineterminator="\\n")``,
    made by Arrow kernels when every column's type is one this module formats."""
    return b"".join(table_csv_parts(frame))
