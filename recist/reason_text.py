"""The reason texts of the response tables, put together from tables of distinct texts.

Time point reasons repeat the same sentences and numbers across a cohort, so nothing is
formatted per row: each number column is formatted once per distinct value
(``distinct_texts``), each row's text is a list of codes into small tables of texts, and
the rows are put together by ``compose`` with one Arrow ``take`` (no Python bytecode per
row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["compose", "distinct_texts", "format_rows", "split_template"]

_CONVERSION = re.compile(r"%%|%[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGs]")
_BLOCK = 1 << 16  # rows put together at once (bounds the temporary memory)
_MAX_OFFSET = 2**31 - 1  # the largest offset of an Arrow ``string`` array


def split_template(template: str) -> tuple[list[str], list[str]]:
    """The literal texts and the conversions of a ``%`` template (``%%`` read as ``%``):
    ``len(literals) == len(conversions) + 1``.

    >>> split_template("sum %.2f mm, %+d%%")
    (['sum ', ' mm, ', '%'], ['%.2f', '%+d'])
    """
    literals, conversions, start = [], [], 0
    text = ""
    for match in _CONVERSION.finditer(template):
        text += template[start:match.start()]
        start = match.end()
        if match.group(0) == "%%":
            text += "%"
            continue
        literals.append(text)
        conversions.append(match.group(0))
        text = ""
    literals.append(text + template[start:])
    return literals, conversions


def _keys(values: npt.NDArray[Any], spec: str) -> npt.NDArray[np.int64] | None:
    """Integer keys with equal keys formatting equally under ``spec``, or None.

    Integers are their own key. A float with two decimals (``%.2f``, ``%+.2f``) is keyed
    by ``round(value * 100)`` when that is what the conversion prints (the value within a
    quarter of a hundredth of it, so no rounding boundary is near; not a negative zero,
    which prints ``-0.00``); any other float gets a key above those from its bits.
    """
    if values.dtype.kind in "iub":
        return values.astype(np.int64, copy=False)
    if values.dtype.kind != "f" or not spec.endswith(".2f"):
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * 100.0
        hundredths = np.rint(scaled)
        fast = ((np.abs(values) < 1e13) & (np.abs(scaled - hundredths) <= 0.25)
                & ~((hundredths == 0) & np.signbit(values)))
    keys = np.where(fast, hundredths, 0).astype(np.int64)
    if not fast.all():
        slow = ~fast
        _, inverse = np.unique(values[slow].view(np.int64), return_inverse=True)
        keys[slow] = int(keys[fast].max(initial=0)) + 1 + inverse.reshape(-1)
    return keys


def distinct_texts(values: npt.ArrayLike,
                   spec: str) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """``spec % value`` of every value, formatted once per distinct value: ``(texts,
    codes)`` with ``texts[codes[i]] == spec % values[i]``.

    >>> texts, codes = distinct_texts(np.array([30.0, -0.0, 30.0, 2.5]), "%+.2f")
    >>> texts[codes].tolist()
    ['+30.00', '-0.00', '+30.00', '+2.50']
    """
    values = np.asarray(values)
    n = len(values)
    keys = _keys(values, spec)
    if keys is None:  # texts and other conversions: by value
        # objects by their text; other numbers by their bits (-0.0 and 0.0 stay apart)
        keyed = (values.astype(str) if values.dtype.kind == "O" else
                 values.view(np.int64) if values.dtype == np.float64 else values)
        _, first, inverse = np.unique(keyed, return_index=True, return_inverse=True)
        texts = np.array([spec % v for v in values[first].tolist()] or [""], dtype=object)
        return texts, inverse.reshape(-1).astype(np.intp)
    if not n:
        return np.array([""], dtype=object), np.zeros(0, dtype=np.intp)
    low, high = int(keys.min()), int(keys.max())
    if high - low <= 4 * n + 1024:  # a dense range: index by key, no sort
        offsets = (keys - low).astype(np.intp)
        some_row = np.full(high - low + 1, -1, dtype=np.intp)
        some_row[offsets] = np.arange(n, dtype=np.intp)  # any row holding each key
        present = np.flatnonzero(some_row >= 0)
        texts = np.array([spec % v for v in values[some_row[present]].tolist()], dtype=object)
        code_of_key = np.zeros(high - low + 1, dtype=np.intp)
        code_of_key[present] = np.arange(len(present), dtype=np.intp)
        return texts, code_of_key[offsets]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.array([spec % v for v in values[first].tolist()], dtype=object)
    return texts, inverse.reshape(-1).astype(np.intp)


def compose(n: int, pieces: Sequence[tuple[npt.NDArray[np.object_], npt.ArrayLike]]
            ) -> npt.NDArray[np.object_]:
    """Row ``i``'s text is ``"".join(table[codes[i]] for table, codes in pieces)``.

    Every table goes into one Arrow string table and each row's codes are laid side by
    side (shifted to their table), so a single Arrow ``take`` writes each row's pieces one
    after the other into one buffer; every ``len(pieces)``-th offset of it is a row's end,
    and Arrow makes the Python strings. Rows go ``_BLOCK`` at a time, few enough that a
    block's text fits Arrow's 32-bit offsets. Texts UTF-8 cannot hold (lone surrogates) are
    joined row by row instead.

    >>> compose(3, [(np.array(["a", "b"], dtype=object), [0, 1, 0]),
    ...             (np.array(["-x", ""], dtype=object), [1, 0, 0])]).tolist()
    ['a', 'b-x', 'a-x']
    """
    tables = [np.asarray(table, dtype=object) for table, _ in pieces]
    codes = [np.asarray(code) for _, code in pieces]  # integer codes, any width
    for table, code in zip(tables, codes):
        if len(code) != n:
            raise ValueError(f"compose: {len(code)} codes for {n} rows")
        if n and (int(code.min()) < 0 or int(code.max()) >= len(table)):
            raise IndexError(f"compose: a code outside a table of {len(table)} texts")
    out = np.empty(n, dtype=object)
    out[:] = ""
    if not n or not tables:
        return out
    try:
        table = pa.array(np.concatenate(tables), type=pa.string(), from_pandas=False)
    except UnicodeEncodeError:
        out[:] = ["".join(parts) for parts in zip(*(t[c].tolist()
                                                    for t, c in zip(tables, codes)))]
        return out
    if table.null_count:
        raise TypeError("compose: a text is None")
    starts = np.cumsum([0] + [len(t) for t in tables])
    lengths = pc.binary_length(table).to_numpy(zero_copy_only=False)
    widest_row = sum(int(lengths[a:b].max(initial=0)) for a, b in zip(starts, starts[1:]))
    block = max(1, min(_BLOCK, _MAX_OFFSET // max(1, widest_row)))
    width = len(tables)
    index_type = np.int32 if starts[-1] <= _MAX_OFFSET else np.int64
    for start in range(0, n, block):
        end = min(n, start + block)
        index = np.empty((end - start, width), dtype=index_type)
        for j, code in enumerate(codes):
            np.add(code[start:end], starts[j], out=index[:, j], casting="unsafe")
        taken = pc.take(table, pa.array(index.reshape(-1)), boundscheck=False)  # checked
        offsets = np.frombuffer(taken.buffers()[1], dtype=np.int32, count=len(taken) + 1,
                                offset=4 * taken.offset)
        rows = pa.Array.from_buffers(pa.string(), end - start, [
            None, pa.py_buffer(np.ascontiguousarray(offsets[::width])), taken.buffers()[2]])
        out[start:end] = rows.to_numpy(zero_copy_only=False)
    return out


def format_rows(mask: npt.NDArray[np.bool_], template: str, *columns: npt.ArrayLike) -> list[str]:
    """``template % row`` for the rows of ``mask`` (numbers as ``%.2f``, as in the CSVs).

    Each column is formatted with its conversion of ``template`` once per distinct value
    (``distinct_texts``) and the rows are put together by ``compose``.

    >>> format_rows(np.array([True, False, True]), "sum %.2f mm, %+d%%",
    ...        np.array([30.0, 1.0, 30.0]), np.array([5, 6, -7]))
    ['sum 30.00 mm, +5%', 'sum 30.00 mm, -7%']
    """
    literals, specs = split_template(template)
    if len(specs) != len(columns):
        raise ValueError(f"template {template!r} has {len(specs)} conversions for "
                         f"{len(columns)} columns")
    n = int(np.count_nonzero(mask))
    pieces: list[tuple[npt.NDArray[np.object_], npt.ArrayLike]] = []
    constant = np.zeros(n, dtype=np.intp)
    for literal, column, spec in zip(literals, columns, specs):
        pieces.append((np.array([literal], dtype=object), constant))
        pieces.append(distinct_texts(np.asarray(column)[mask], spec))
    pieces.append((np.array([literals[-1]], dtype=object), constant))
    result: list[str] = compose(n, pieces).tolist()
    return result
