"""Read a large CSV table as text through Arrow: every cell's text, no Python string per row.

pandas' ``read_csv(dtype=str)`` makes a Python string object for every cell of a
million-row table. Arrow's reader is asked here for the same text cells, with every
column's type fixed up front as text (no inference: an id ``007`` stays ``007``); each
column is then coded by its distinct strings (:func:`_categorical`), and
the result is a pandas table whose columns are categoricals (the distinct texts and one
integer code per row), so that the normaliser cleans, parses and checks each distinct
text once (``recist.table``).

The cells are those of ``recist.table.read_csv_table`` (empty cell -> missing, every other
text as written, quoted fields unquoted, blank lines skipped, a UTF-8 byte-order mark
dropped). Whatever this reader is unsure of -- a file Arrow refuses (not UTF-8, ragged
rows, an empty file), a header with an empty, duplicated or unreadable name -- returns
None, and the caller reads the file with pandas, whose behaviour and error messages are
the reference.
"""

from __future__ import annotations

import contextlib
import csv
import io
import mmap
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from recist.arrays import take_by_codes
from recist.cohort_index import small_codes

__all__ = ["first_byte", "read_text_table"]

_WIDEST = 32
"""The widest text (bytes) whose runs numpy finds (:func:`_fixed_width_runs`)."""

def _header(path: Path) -> list[str] | None:
    """The header's column names as the ``csv`` module reads them (None if unreadable)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline(1 << 20)
    except (OSError, UnicodeDecodeError):
        return None
    if not first.endswith(("\n", "\r")) or '"' in first:
        return None  # a header without a line end, or quoted names: pandas decides
    return next(csv.reader(io.StringIO(first)), None)


def first_byte(path: Path, byte: bytes) -> int:
    """The offset of the first ``byte`` in the file, -1 when it holds none (one
    memory-mapped search, whatever the file's size); ``OSError`` when it cannot be read.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "t.csv"
    ...     _ = path.write_bytes(b'a,b\\n"x",2\\n')
    ...     first_byte(path, b'"'), first_byte(path, b"\\x00")
    (4, -1)
    """
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return -1
        try:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return view.find(byte)
        except ValueError as error:  # not a regular file (mmap refuses it)
            raise OSError(str(error)) from None


def _sorted_codes(encoded: pa.DictionaryArray) -> tuple[pa.Array, np.ndarray]:
    """The dictionary of ``encoded`` sorted (Python's string order: UTF-8 bytes sort as
    their code points), without the empty text, and the codes renumbered to it, in the
    smallest integer type holding them (``small_codes``), a missing or empty cell -1;
    raises ``pa.ArrowInvalid`` when a text is not UTF-8 (checked once per distinct text).

    Sorted here, the normaliser finds its categories already in order and keeps the codes
    (``recist.table``) instead of renumbering every row. An empty cell is a missing one
    (:func:`read_text_table` reads it as an empty text): sorted, it is the first.
    """
    dictionary = encoded.dictionary
    dictionary.validate(full=True)  # every distinct text: UTF-8
    indices = encoded.indices
    indices = (indices.fill_null(-1) if indices.null_count else indices).to_numpy()
    order = pc.sort_indices(dictionary).to_numpy()
    empty = int(len(order) > 0 and not dictionary[int(order[0])].as_py())
    if np.array_equal(order, np.arange(len(order))):
        codes = small_codes(indices, len(order) - empty)
        if empty:  # the empty text's code 0 and a missing cell's -1 both become -1
            codes = codes - 1
            np.maximum(codes, -1, out=codes)
        return dictionary[empty:], codes
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(-empty, len(order) - empty)  # the empty text: -1
    rank[-1] = -1  # code -1 (missing) reads the last entry
    return (dictionary.take(pa.array(order[empty:])),
            take_by_codes(small_codes(rank, len(order) - empty), indices))


def _fixed_width_runs(column: pa.ChunkedArray
                      ) -> tuple[pa.Array, np.ndarray, list[np.ndarray]] | None:
    """The column as one array, the first row of each run of equal cells (row 0 first) and
    the integers read over each row's bytes (:func:`_word_reads`), when every cell holds
    text of one width (in bytes) and none is missing; else None.

    Such a column (ids, dates, visit labels, a constant organ or slice thickness) needs no
    cell-by-cell comparison of texts: its bytes are rows of one width, read as a few
    integers per row (overlapping where the width is not a multiple of theirs) and
    compared with the row before, in numpy.
    """
    chunks = [chunk for chunk in column.chunks if len(chunk)]
    if not chunks or any(chunk.null_count for chunk in chunks):
        return None
    offsets = [_offsets(chunk) for chunk in chunks]
    width = int(offsets[0][1] - offsets[0][0])
    # each block's bytes first (a block of another width is most often found so), then
    # each row's
    if any(ends[-1] - ends[0] != width * (len(ends) - 1) for ends in offsets):
        return None
    n = sum(len(chunk) for chunk in chunks)
    if width * n >= 2**31 or width > _WIDEST:  # 32-bit offsets; wider: Arrow compares
        return None
    array = pa.concat_arrays(chunks)
    if (np.diff(_offsets(array)) != width).any():
        return None
    data = array.buffers()[2]
    start = int(_offsets(array)[0])
    changes = np.zeros(n - 1, dtype=bool)  # row i + 1 differs from row i
    words = [np.ndarray((n,), dtype=f"<u{size}", buffer=data, offset=start + at,
                        strides=(width,)) for at, size in _word_reads(width)]
    for word in words:
        changes |= word[1:] != word[:-1]
    starts = np.flatnonzero(changes)
    starts += 1
    return array, np.concatenate([np.zeros(1, dtype=starts.dtype), starts]), words


def _word_reads(width: int) -> list[tuple[int, int]]:
    """Where and how wide (1, 2, 4 or 8 bytes) the integers are that, read at each row of
    ``width`` bytes, cover all of its bytes: the widest fitting, side by side, and one more
    ending at the row's end, overlapping the others where needed.

    >>> _word_reads(10), _word_reads(6), _word_reads(7), _word_reads(1), _word_reads(0)
    ([(0, 8), (8, 2)], [(0, 4), (4, 2)], [(0, 4), (3, 4)], [(0, 1)], [])
    """
    if width == 0:
        return []
    size = next(size for size in (8, 4, 2, 1) if size <= width)
    reads = [(at, size) for at in range(0, width - size + 1, size)]
    rest = width - (reads[-1][0] + size)
    if rest:
        last = next(last for last in (1, 2, 4, 8) if last >= rest)
        reads.append((width - last, last))
    return reads


def _encoded_by_key(array: pa.Array, rows: np.ndarray, keys: np.ndarray
                    ) -> pa.DictionaryArray:
    """The texts of ``array`` at ``rows`` dictionary-encoded, given one integer per row
    that is equal for equal texts and only for them (a text of 1, 2, 4 or 8 bytes read as
    one integer): the integers are numbered, and each number's text is one row's."""
    codes, _ = pd.factorize(keys)
    some_row = np.empty(int(codes.max()) + 1, dtype=rows.dtype)
    some_row[codes] = rows
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                          array.take(some_row))


def _offsets(array: pa.Array) -> np.ndarray:
    """A text array's ``len(array) + 1`` offsets into its bytes (no copy)."""
    return np.frombuffer(array.buffers()[1], dtype=np.int32)[
        array.offset:array.offset + len(array) + 1]


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A text column as a categorical of its distinct texts, sorted (a missing cell: code
    -1); raises ``pa.ArrowInvalid`` when a text is not UTF-8 (:func:`_sorted_codes`)."""
    return _from_codes(*_coded(column))


def _coded(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The distinct texts of a text column, sorted, and one code per row (a missing cell:
    -1), as :func:`_categorical` makes them into a categorical.

    A measurements table is sorted or grouped by patient and scan, so that most columns
    repeat a value over consecutive rows (the patient, the kind, the organ, the slice
    thickness, the date and visit of a scan): when at most one row in 2 starts a run of
    equal cells, only each run's text is looked up among the distinct ones; otherwise
    every cell is. The runs of a column of one width are found by numpy
    (:func:`_fixed_width_runs`); the others' by Arrow when the first of its blocks holds
    at most one run in 2 (comparing neighbours, cheaper than hashing each cell).
    """
    fixed = _fixed_width_runs(column)
    if fixed is not None:
        array, starts, words = fixed
        if 2 * len(starts) <= len(array):
            lengths = np.diff(starts, append=len(array))
            dictionary, codes = _sorted_codes(
                _encoded_by_key(array, starts, words[0][starts]) if len(words) == 1
                else pc.dictionary_encode(array.take(starts)))
            return dictionary, np.repeat(codes, lengths)
        return _sorted_codes(pc.dictionary_encode(array))
    chunks = [chunk for chunk in column.chunks if len(chunk)]
    probe = pc.run_end_encode(chunks[0]) if chunks else None
    if probe is not None and 2 * len(probe.values) <= len(chunks[0]):
        # the other blocks in one call (a call per block costs more than its work)
        runs = [probe, *pc.run_end_encode(pa.chunked_array(chunks[1:], column.type)).chunks]
        dictionary, codes = _sorted_codes(
            pc.dictionary_encode(pa.concat_arrays([run.values for run in runs])))
        # each chunk's run ends count from its own start: a chunk's first run is as long
        # as its end
        ends = pa.concat_arrays([run.run_ends for run in runs]).to_numpy()
        lengths = np.diff(ends, prepend=0)
        firsts = np.cumsum([len(run.values) for run in runs[:-1]], dtype=np.intp)
        lengths[firsts] = ends[firsts]
        codes = np.repeat(codes, lengths)  # in the codes' final type before the repeat
    else:
        array = column.combine_chunks()
        if chunks and (np.diff(_offsets(chunks[0])) == 0).any():  # empty cells likely
            array = _empty_as_missing(array)
        dictionary, codes = _sorted_codes(pc.dictionary_encode(array))
    return dictionary, codes


def _empty_as_missing(array: pa.Array) -> pa.Array:
    """The text array with its empty texts missing (a mark per row, no text copied), so
    that they are not looked up one by one among the distinct texts."""
    empty = np.diff(_offsets(array)) == 0
    if array.offset or array.null_count or not empty.any():
        return array
    valid = np.packbits(~empty, bitorder="little")
    return pa.Array.from_buffers(array.type, len(array),
                                 [pa.py_buffer(valid), *array.buffers()[1:]])


def _from_codes(dictionary: pa.Array, codes: np.ndarray) -> pd.Categorical:
    """The categorical of these categories (sorted, distinct) and codes."""
    categories = pd.Index(dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


_PROBE = 1 << 20
"""The bytes at a file's start looked at for a quote (:func:`_quotes_early`)."""


def _quotes_early(path: Path) -> bool:
    """Whether the file's first MiB holds a quote (``OSError`` when it cannot be read): a
    file that quotes its fields mostly does so from its first rows on."""
    with path.open("rb") as handle:
        return b'"' in handle.read(_PROBE)


def _read_coded(path: Path, names: list[str], *, quoted: bool
                ) -> list[tuple[pa.Array, np.ndarray]] | None:
    """Each column's distinct texts and codes (:func:`_coded`), read by Arrow; None when
    its columns are not the header's names, or, read without following quotes
    (``quoted`` False: a quote is then a character like any other), when some text holds
    a quote (the file quotes: the caller reads it again following them).

    UTF-8 is checked on each column's distinct texts (:func:`_sorted_codes`), not on every
    cell as the reader would. Read on this thread: Arrow's threads parse blocks at once
    but cost more CPU time in all (about a tenth of the parse, measured on a 1.4 M-row
    table), and need a first pass over the file for quotes to cut it into blocks without
    following them; read in order, following quotes (``newlines_in_values``) costs about
    what that pass over the file did. An empty cell, quoted or not, is read as an empty
    text (no cell is tested against a list of missing-value spellings), and coded as
    missing (:func:`_sorted_codes`).
    """
    options = pcsv.ConvertOptions(column_types={name: pa.string() for name in names},
                                  strings_can_be_null=False, check_utf8=False)
    table = pcsv.read_csv(path, read_options=pcsv.ReadOptions(use_threads=False),
                          parse_options=(pcsv.ParseOptions(newlines_in_values=True) if quoted
                                         else pcsv.ParseOptions(quote_char=False)),
                          convert_options=options)
    if table.column_names != names:
        return None
    coded = [_coded(column) for column in table.columns]
    if not quoted and any(pc.any(pc.match_substring(dictionary, '"')).as_py()
                          for dictionary, _ in coded):
        return None
    return coded


def read_text_table(path: str | Path, categorical: Iterable[str]) -> pd.DataFrame | None:
    """The cells of a CSV file as text, or None when pandas must read it.

    Columns whose stripped, lower-cased name is in ``categorical`` are categoricals of
    their texts (sorted; missing cells are missing); the others are object columns of ``str``
    with NaN for a missing cell, as ``pandas.read_csv(dtype=str)`` gives them.
    """
    path = Path(path)
    names = _header(path)
    if not names or len(set(names)) != len(names) or any(not n.strip() for n in names):
        return None
    try:
        coded = None
        if not _quotes_early(path):
            # Read with the quote an ordinary character (no quote state to follow: about
            # 5 % of the parse less); a text holding one, or a file Arrow then refuses, is
            # read again following quotes, as every file is read otherwise.
            with contextlib.suppress(pa.ArrowException):
                coded = _read_coded(path, names, quoted=False)
        if coded is None:
            coded = _read_coded(path, names, quoted=True)
        if coded is None:
            return None
    except (pa.ArrowException, OSError):
        return None
    wanted = {str(name).strip().lower() for name in categorical}
    columns = {}
    for name, (dictionary, codes) in zip(names, coded):
        column = pd.Series(_from_codes(dictionary, codes), name=name)
        if name.strip().lower() not in wanted:
            column = column.astype(object)
        columns[name] = column
    return pd.DataFrame(columns, columns=names, copy=False)  # each column made here
