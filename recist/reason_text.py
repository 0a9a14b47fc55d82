"""The reason texts of the response tables, put together from tables of distinct texts.

Time point reasons repeat the same sentences and numbers across a cohort, so nothing is
formatted per row: each number column is formatted once per distinct value
(``text_table``; two-decimal numbers and integers by Arrow, without Python per value),
each row's text is a list of codes into small tables of texts, and the rows are put
together by ``compose`` with one Arrow ``take`` (no Python bytecode per row).

A table of texts (``Texts``) is an Arrow string array, or an object array of ``str`` when
UTF-8 cannot hold a text (a lone surrogate); ``distinct_texts`` gives object arrays.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recist.arrays import dense_limit, sorted_codes

__all__ = ["Texts", "affix", "compose", "compose_texts", "concat", "distinct_texts",
           "format_rows", "joined_rows", "number_texts", "objects", "pick", "split_template",
           "text_table"]

Texts: TypeAlias = "pa.Array | npt.NDArray[np.object_]"
"""A table of texts: an Arrow string array, or an object array of ``str``."""

_CONVERSION = re.compile(r"%%|%[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGs]")
_BLOCK = 1 << 20
"""Rows put together at once: bounds the memory of their codes laid side by side; a
cohort's time points fit one block, so its texts are one chunk (a reader, e.g. the CSV
writer, takes them as they are instead of joining chunks)."""
_MAX_OFFSET = 2**31 - 1  # the largest offset of an Arrow ``string`` array
_SIGNS = {"%.2f": ["", "-"], "%+.2f": ["+", "-"]}  # by whether the number is negative
_TWO_DIGITS = [f"{i:02d}" for i in range(100)]
_DOT_CENTS = ["." + digits for digits in _TWO_DIGITS]


_EXACT_HUNDREDTHS_BELOW = 1e13
"""Values keyed by their hundredths only below this: ``value × 100`` then stays below 2⁵³,
where a double still holds every integer and its distance to one (larger values are keyed
by their bits)."""


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


def _keys(values: npt.NDArray[Any], spec: str
          ) -> tuple[npt.NDArray[np.int64] | None, npt.NDArray[np.bool_] | None]:
    """Integer keys with equal keys formatting equally under ``spec`` (or None), and for
    floats which keys are the value in whole hundredths (else None).

    Integers are their own key. A float with two decimals (``%.2f``, ``%+.2f``) is keyed
    by ``round(value * 100)`` when that is what the conversion prints (the value within a
    quarter of a hundredth of it, so no rounding boundary is near; not a negative zero,
    which prints ``-0.00``); any other float gets a key above those from its bits.
    """
    if values.dtype.kind in "iub":
        return values.astype(np.int64, copy=False), None
    if values.dtype.kind != "f" or not spec.endswith(".2f"):
        return None, None
    values = values.astype(np.float64, copy=False)
    keys, fast = _hundredths(values)
    if fast.all():  # no slow value: every key a whole number of hundredths
        return keys, fast
    slow = ~fast
    _, inverse = np.unique(values[slow].view(np.int64), return_inverse=True)
    keys[slow] = int(keys[fast].max(initial=0)) + 1 + inverse.reshape(-1)
    return keys, fast


def _hundredths(values: npt.NDArray[np.float64]
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Each value in whole hundredths, ``round(value * 100)``, and whether that is what
    ``%.2f`` prints of it (the value within a quarter of a hundredth of it, so no
    rounding boundary is near; not a negative zero, which prints ``-0.00``); 0 where not.

    >>> _hundredths(np.array([1.5, -0.0, 0.125, np.nan]))
    (array([150,   0,   0,   0]), array([ True, False, False, False]))
    """
    # in double precision: a float32 product ``value * 100`` is itself rounded, so it could
    # look like whole hundredths when the value is not (1000000.0625 → 100000008.0)
    with np.errstate(invalid="ignore", over="ignore"):
        off = values * 100.0
        hundredths = np.rint(off)
        off -= hundredths  # the distance to the whole hundredths, in place
        np.abs(off, out=off)
        fast = off <= 0.25  # False for NaN and infinities
        fast &= np.abs(values) < _EXACT_HUNDREDTHS_BELOW
        zero = hundredths == 0
        if zero.any():
            fast &= ~(zero & np.signbit(values))
    if fast.all():
        return hundredths.astype(np.int64), fast
    return np.where(fast, hundredths, 0).astype(np.int64), fast


def _table(texts: list[str]) -> Texts:
    """``texts`` as an Arrow string array, or an object array if UTF-8 cannot hold one."""
    try:
        return pa.array(texts, type=pa.string())
    except UnicodeEncodeError:
        return np.array(texts, dtype=object)


def _utf8(text: str) -> bool:
    """Whether UTF-8 holds ``text`` (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def objects(table: Texts | pa.ChunkedArray) -> npt.NDArray[np.object_]:
    """The texts of ``table`` (Arrow, in chunks or not, or objects) as an object array of
    ``str`` (Arrow makes the Python strings).

    >>> objects(pa.chunked_array([["a"], ["b", "c"]])).tolist()
    ['a', 'b', 'c']
    """
    if isinstance(table, (pa.Array, pa.ChunkedArray)):
        texts: npt.NDArray[np.object_] = table.to_numpy(zero_copy_only=False)
        return texts
    return np.asarray(table, dtype=object)


def _from_hundredths(hundredths: npt.NDArray[np.int64], spec: str) -> pa.Array:
    """``spec % (h / 100)`` for ``spec`` ``%.2f`` or ``%+.2f``, from whole hundredths
    (not a negative zero): the sign, the whole part, ``.`` and two digits, by Arrow.

    When the whole parts are few (at most ``dense_limit`` apart from 0), each is written
    once in a table with the signs and the ``.`` and cents, and every number is put
    together by ``joined_rows`` from its three codes; otherwise the whole parts are cast
    one by one and joined.

    >>> _from_hundredths(np.array([-5, 12345, 0]), "%+.2f").to_pylist()
    ['-0.05', '+123.45', '+0.00']
    """
    magnitude = np.abs(hundredths)
    whole = magnitude // 100
    top = int(whole.max(initial=0))
    if top <= dense_limit(len(hundredths)):
        signs = _SIGNS[spec]
        table = _number_parts(spec, top)
        index = np.empty((len(hundredths), 3), dtype=np.int32)
        index[:, 0] = hundredths < 0  # the sign: its position among the signs
        np.add(whole, len(signs) + len(_DOT_CENTS), out=index[:, 1], casting="unsafe")
        np.add(magnitude % 100, len(signs), out=index[:, 2], casting="unsafe")
        return joined_rows(table, index)
    sign = pa.array(_SIGNS[spec], type=pa.string()).take(
        pa.array((hundredths < 0).astype(np.int8)))
    text = pc.cast(pa.array(whole), pa.string())
    cents = pa.array(_TWO_DIGITS, type=pa.string()).take(pa.array(magnitude % 100))
    return pc.binary_join_element_wise(sign, text, ".", cents, "")


_KEPT_WHOLE_PARTS = 1 << 16
"""``_number_parts`` keeps the tables of whole parts up to this (about 1 MB each)."""


def _number_parts(spec: str, top: int) -> pa.Array:
    """The texts ``_from_hundredths`` puts numbers together from: the signs of ``spec``,
    ``.`` and the cents, then the whole parts 0 .. ``top`` (or more). Tables of whole parts
    up to a power of two (at least 1024, at most ``_KEPT_WHOLE_PARTS``) are made once and
    kept, so a call on few numbers does not write them again.

    >>> _number_parts("%+.2f", 3)[:4].to_pylist(), len(_number_parts("%.2f", 3))
    (['+', '-', '.00', '.01'], 1126)
    """
    kept = max(1024, 1 << top.bit_length())
    if kept > _KEPT_WHOLE_PARTS:
        return _parts_table(spec, top + 1)
    return _kept_parts_table(spec, kept)


def _parts_table(spec: str, n_whole: int) -> pa.Array:
    """The signs of ``spec``, ``.`` and the cents, then the whole parts 0 .. n_whole - 1."""
    return pa.array([*_SIGNS[spec], *_DOT_CENTS, *map(str, range(n_whole))], type=pa.string())


_kept_parts_table = functools.lru_cache(maxsize=16)(_parts_table)  # 2 specs x 7 sizes


def joined_rows(table: pa.Array, index: npt.NDArray[np.integer[Any]]) -> pa.Array:
    """Row ``i``: the texts of ``table`` (``string`` or ``large_string``, of its type) at
    ``index[i]`` (a matrix) one after the other, by one Arrow ``take`` whose every
    ``width``-th offset is a row's end. The caller keeps the codes inside the table (they
    are not checked) and, for a ``string`` table, the text within its 32-bit offsets.

    >>> joined_rows(pa.array(["a", "bc", ""]), np.array([[0, 1], [2, 0]])).to_pylist()
    ['abc', 'a']
    """
    rows, width = index.shape
    taken = pc.take(table, pa.array(index.reshape(-1)), boundscheck=False)
    offset_type = np.int64 if pa.types.is_large_string(table.type) else np.int32
    offsets = np.frombuffer(taken.buffers()[1], dtype=offset_type, count=len(taken) + 1,
                            offset=np.dtype(offset_type).itemsize * taken.offset)
    return pa.Array.from_buffers(table.type, rows, [
        None, pa.py_buffer(np.ascontiguousarray(offsets[::width])),
        taken.buffers()[2] or pa.py_buffer(b"")])


def _formatted(values: npt.NDArray[Any], keys: npt.NDArray[np.int64],
               exact: npt.NDArray[np.bool_] | None, spec: str) -> Texts:
    """``spec % value`` of each value (``keys``/``exact`` as ``_keys`` gives them): a
    ``%d`` of integers and a ``%.2f``/``%+.2f`` of a whole number of hundredths by
    Arrow, anything else by Python."""
    if spec == "%d" and exact is None and (values.dtype.kind in "ib" or (
            values.dtype.kind == "u" and values.dtype.itemsize < 8)):
        return pc.cast(pa.array(keys), pa.string())
    by_arrow = (exact if spec in _SIGNS and exact is not None
                else np.zeros(len(values), dtype=bool))
    if by_arrow.all():
        return _from_hundredths(keys, spec)
    slow = _table([spec % value for value in values[~by_arrow].tolist()])
    if not by_arrow.any():
        return slow
    fast = _from_hundredths(keys[by_arrow], spec)  # numbers: UTF-8 holds them
    order = np.empty(len(values), dtype=np.int64)
    order[by_arrow] = np.arange(len(fast))
    order[~by_arrow] = len(fast) + np.arange(len(slow))
    return pa.concat_arrays([fast, slow]).take(pa.array(order))


def _distinct_keys(keys: npt.NDArray[np.int64], low: int, high: int
                   ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """The distinct keys (in any order) and each row's code into them; ``low`` and
    ``high``: the smallest and the largest key."""
    if high - low <= dense_limit(len(keys)):  # a dense range: flags by key, no hashing
        sorted_keys, n_distinct = sorted_codes(keys - low, high - low + 1)
        codes = sorted_keys.astype(np.intp, copy=False)
        first = np.empty(n_distinct, dtype=np.intp)
        first[codes] = np.arange(len(keys), dtype=np.intp)  # any row holding each key
        return keys[first], codes
    codes, distinct = pd.factorize(keys)
    return np.asarray(distinct, dtype=np.int64), np.asarray(codes, dtype=np.intp)


def text_table(values: npt.ArrayLike, spec: str) -> tuple[Texts, npt.NDArray[np.intp]]:
    """``spec % value`` of every value, formatted once per distinct value: ``(texts,
    codes)`` with ``texts[codes[i]] == spec % values[i]`` (``texts`` a ``Texts``).

    >>> texts, codes = text_table(np.array([30.0, -0.0, 30.0, 2.5]), "%+.2f")
    >>> texts.take(codes).to_pylist()
    ['+30.00', '-0.00', '+30.00', '+2.50']
    """
    values = np.asarray(values)
    n = len(values)
    keys, exact = _keys(values, spec)
    if keys is None:  # texts and other conversions: by value
        # objects by their text; floats by the bits of their float64 value (exact for
        # float16/32/64; -0.0 and 0.0 stay apart)
        keyed = (values.astype(str) if values.dtype.kind == "O" else
                 values.astype(np.float64).view(np.int64)
                 if values.dtype.kind == "f" and values.dtype.itemsize <= 8 else values)
        _, first, inverse = np.unique(keyed, return_index=True, return_inverse=True)
        texts = _table([spec % v for v in values[first].tolist()] or [""])
        return texts, inverse.reshape(-1).astype(np.intp)
    if not n:
        return pa.array([""], type=pa.string()), np.zeros(0, dtype=np.intp)
    low, high = int(keys.min()), int(keys.max())
    if high - low <= dense_limit(n):  # a dense range: flags by key, no sort
        sorted_keys, n_distinct = sorted_codes(keys - low, high - low + 1)
        codes = sorted_keys.astype(np.intp, copy=False)
        first = np.empty(n_distinct, dtype=np.intp)
        first[codes] = np.arange(n, dtype=np.intp)  # any row holding each key
    else:
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        codes = inverse.reshape(-1).astype(np.intp)
    return _formatted(values[first], keys[first], None if exact is None else exact[first],
                      spec), codes


_SIGNED_PARTS_HEAD = ["", "-", "+", "", *_DOT_CENTS]
"""The parts ``number_texts`` writes a number before its whole part: no sign, ``-``,
``+``, no cents (``%d``), then ``.`` and the cents ``.00`` .. ``.99`` (codes 0 .. 103)."""
_NO_CENTS = 3
_CENTS = 4


def _signed_parts(n_whole: int) -> pa.Array:
    """``_SIGNED_PARTS_HEAD``, then the whole parts 0 .. n_whole - 1."""
    return pa.array([*_SIGNED_PARTS_HEAD, *map(str, range(n_whole))], type=pa.string())


# the tables of 1024 .. _KEPT_WHOLE_PARTS whole parts (7 sizes) are kept; a larger one is
# made for its call only, as _number_parts does
_kept_signed_parts = functools.lru_cache(maxsize=8)(_signed_parts)


_WRITTEN_EACH_BELOW = 1024
"""``number_texts`` writes each value of a group of fewer values (no distinct values
found first): writing a thousand costs about what finding the distinct ones does."""


def _whole_number_keys(arrays: Sequence[npt.NDArray[Any]], specs: Sequence[str],
                       limit: int) -> dict[int, tuple[npt.NDArray[np.int64], int, int, int]]:
    """The groups (by position) whose values ``number_texts`` writes from a sign, a
    whole part of at most ``limit`` and two digits of cents (``%.2f``/``%+.2f`` of
    floats that are whole numbers of hundredths, ``_hundredths``, as ``_from_hundredths``
    writes them) or a sign and a whole part (``%d`` of integers, as Arrow casts them):
    their keys (the hundredths, or the integers), the number of hundredths a whole part
    holds (100, or 1) and the smallest and largest key; the keys of all such groups are
    found at once (``_formatted`` writes any other group)."""
    found = {}
    for unit, members in (
            (100, [g for g, (values, spec) in enumerate(zip(arrays, specs))
                   if spec in _SIGNS and values.dtype.kind == "f" and len(values)]),
            (1, [g for g, (values, spec) in enumerate(zip(arrays, specs))
                 if spec == "%d" and len(values) and (values.dtype.kind in "ib" or (
                     values.dtype.kind == "u" and values.dtype.itemsize < 8))])):
        # the small groups at once, each larger one by itself (its arrays kept in cache)
        small = [g for g in members if len(arrays[g]) < _WRITTEN_EACH_BELOW]
        for batch in ([small] if small else []) + [
                [g] for g in members if len(arrays[g]) >= _WRITTEN_EACH_BELOW]:
            sizes = [len(arrays[g]) for g in batch]
            starts = np.cumsum([0, *sizes[:-1]])
            typed = [arrays[g] for g in batch]
            every = typed[0] if len(typed) == 1 else np.concatenate(typed)
            if unit == 100:
                keys, fast = _hundredths(every.astype(np.float64, copy=False))
                whole = np.logical_and.reduceat(fast, starts).tolist()
            else:
                keys, whole = every.astype(np.int64, copy=False), [True] * len(batch)
            lows = np.minimum.reduceat(keys, starts).tolist()
            highs = np.maximum.reduceat(keys, starts).tolist()
            for g, start, size, ok, low, high in zip(batch, starts.tolist(), sizes, whole,
                                                     lows, highs):
                if ok and max(-low, high) // unit <= limit:
                    found[g] = (keys[start:start + size], unit, low, high)
    return found


def number_texts(groups: Sequence[tuple[npt.ArrayLike, str, str, str]]
                 ) -> tuple[Texts, list[npt.NDArray[np.intp]]]:
    """``prefix + spec % value + suffix`` of the values of every group ``(values, spec,
    prefix, suffix)`` as one table of texts and each group's codes into it:
    ``texts[codes[g][i]] == prefix + spec % values[i] + suffix`` for the ``values`` of
    group ``g``.

    The groups of whole numbers of hundredths under ``%.2f``/``%+.2f`` and of integers
    under ``%d`` whose whole parts are few (at most ``dense_limit`` of all the values;
    ``_whole_number_keys``) are written together: each distinct key of a group once
    (each value of a group of fewer than ``_WRITTEN_EACH_BELOW``), from the group's
    prefix, its sign, whole part, cents and the group's suffix, all by one Arrow take
    (``joined_rows``), so that many small groups cost one formatting, not one each. Any
    other group is formatted by ``text_table`` and affixed by ``affix``.

    >>> texts, codes = number_texts([(np.array([1.5, -2.0, 1.5]), "%+.2f", "", " mm"),
    ...                              (np.array([3, 3]), "%d", "n ", "%")])
    >>> [texts.take(pa.array(c)).to_pylist() for c in codes]
    [['+1.50 mm', '-2.00 mm', '+1.50 mm'], ['n 3%', 'n 3%']]
    """
    arrays = [np.asarray(values) for values, *_ in groups]
    utf8 = [_utf8(prefix) and _utf8(suffix) for _, _, prefix, suffix in groups]
    merged = _whole_number_keys(arrays, [spec if ok else "" for (_, spec, _, _), ok in zip(
        groups, utf8)], dense_limit(sum(len(values) for values in arrays)))
    tables: list[Texts] = []
    codes: list[npt.NDArray[np.intp]] = [np.zeros(0, dtype=np.intp)] * len(groups)
    size = 0
    for g, (values, (_, spec, prefix, suffix)) in enumerate(zip(arrays, groups)):
        if len(values) and g not in merged:
            texts, group_codes = text_table(values, spec)
            tables.append(affix(prefix, texts, suffix))
            codes[g] = group_codes + size
            size += len(texts)
    if merged:
        affixes: dict[str, int] = {}  # the prefixes and suffixes, numbered
        written, lengths, constants = [], [], []  # per group: keys, their number, parts
        top = 0
        # the groups with cents first, so that their keys are the first ``cents`` below
        for g, (keys, unit, low, high) in sorted(merged.items(), key=lambda item: -item[1][1]):
            if len(keys) < _WRITTEN_EACH_BELOW:
                key, codes[g] = keys, np.arange(size, size + len(keys), dtype=np.intp)
            else:
                key, group_codes = _distinct_keys(keys, low, high)
                codes[g] = group_codes + size
            size += len(key)
            written.append(key)
            lengths.append(len(key))
            _, spec, prefix, suffix = groups[g]
            constants.append((affixes.setdefault(prefix, len(affixes)),
                              2 if spec == "%+.2f" else 0, unit,  # "+" or no sign
                              affixes.setdefault(suffix, len(affixes))))
            top = max(top, max(-low, high) // unit)
        kept = max(1024, 1 << top.bit_length())
        table = (_kept_signed_parts(kept) if kept <= _KEPT_WHOLE_PARTS
                 else _signed_parts(top + 1))
        key = np.concatenate(written)
        index = np.empty((len(key), 5), dtype=np.int32)
        at, cents = 0, 0
        for (prefix_code, sign, unit, suffix_code), length in zip(constants, lengths):
            rows = slice(at, at + length)
            index[rows, 0] = prefix_code + len(table)
            index[rows, 1] = sign
            index[rows, 4] = suffix_code + len(table)
            at += length
            cents += length if unit == 100 else 0
        index[key < 0, 1] = 1  # "-"
        magnitude = np.abs(key)
        np.floor_divide(magnitude[:cents], 100, out=index[:cents, 2], casting="unsafe")
        np.remainder(magnitude[:cents], 100, out=index[:cents, 3], casting="unsafe")
        index[:cents, 3] += _CENTS
        index[cents:, 2] = magnitude[cents:]
        index[cents:, 3] = _NO_CENTS
        index[:, 2] += len(_SIGNED_PARTS_HEAD)
        tables.append(joined_rows(
            pa.concat_arrays([table, pa.array(list(affixes), type=pa.string())]), index))
    if len(tables) <= 1:
        return (tables[0] if tables else pa.array([], type=pa.string())), codes
    return concat(tables), codes


def distinct_texts(values: npt.ArrayLike,
                   spec: str) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """``text_table`` with the texts as an object array of ``str``.

    >>> texts, codes = distinct_texts(np.array([30.0, -0.0, 30.0, 2.5]), "%+.2f")
    >>> texts[codes].tolist()
    ['+30.00', '-0.00', '+30.00', '+2.50']
    """
    texts, codes = text_table(values, spec)
    return objects(texts), codes


def affix(prefix: str, texts: Texts, suffix: str) -> Texts:
    """``prefix + text + suffix`` of every text of the table.

    >>> affix("(", pa.array(["a", "b"]), " mm)").to_pylist()
    ['(a mm)', '(b mm)']
    """
    if isinstance(texts, pa.Array) and _utf8(prefix) and _utf8(suffix):
        return pc.binary_join_element_wise(prefix, texts, suffix, "")
    joined = np.empty(len(texts), dtype=object)
    joined[:] = [prefix + text + suffix for text in objects(texts).tolist()]
    return joined


def pick(texts: Texts, index: npt.ArrayLike) -> Texts:
    """The texts at ``index`` (integer positions) of the table, as a table."""
    if isinstance(texts, pa.Array):
        return texts.take(pa.array(np.asarray(index)))
    picked: npt.NDArray[np.object_] = np.asarray(texts, dtype=object)[np.asarray(index)]
    return picked


def concat(tables: Sequence[Texts]) -> Texts:
    """The tables one after the other, as one table (Arrow if every one is)."""
    arrow = [table.cast(pa.string()) for table in tables if isinstance(table, pa.Array)]
    if len(arrow) == len(tables):
        return pa.concat_arrays(arrow)
    return np.concatenate([objects(table) for table in tables])


def compose(n: int, pieces: Sequence[tuple[Texts, npt.ArrayLike]]
            ) -> npt.NDArray[np.object_]:
    """Row ``i``'s text is ``"".join(table[codes[i]] for table, codes in pieces)``: the
    rows of ``compose_texts`` as an object array of ``str``.

    >>> compose(3, [(np.array(["a", "b"], dtype=object), [0, 1, 0]),
    ...             (pa.array(["-x", ""]), [1, 0, 0])]).tolist()
    ['a', 'b-x', 'a-x']
    >>> compose(2, [(pa.array(["", "a", "b"]), np.array([[1, 2], [2, 0]]))]).tolist()
    ['ab', 'b']
    """
    return objects(compose_texts(n, pieces))


def compose_texts(n: int, pieces: Sequence[tuple[Texts, npt.ArrayLike]]
                  ) -> pa.ChunkedArray | npt.NDArray[np.object_]:
    """Row ``i``'s text is ``"".join(table[codes[i]] for table, codes in pieces)``, as
    Arrow strings (no Python string made per row), or as an object array of ``str`` when
    UTF-8 cannot hold a text (a lone surrogate).

    A piece's codes may also be a matrix of ``n`` rows: its columns are that many pieces
    one after the other, all reading the same table (given, and copied, once).

    Every table goes into one Arrow string table and each row's codes are laid side by
    side (shifted to their table), so a single Arrow ``take`` writes each row's pieces one
    after the other into one buffer; every ``width``-th offset of it is a row's end (the
    width: the number of codes of a row). Rows go ``_BLOCK`` at a time (one chunk each),
    few enough that a block's text fits Arrow's 32-bit offsets. Texts UTF-8 cannot hold
    are joined row by row instead.

    >>> compose_texts(3, [(pa.array(["a", "b"]), [0, 1, 0])]).to_pylist()
    ['a', 'b', 'a']
    """
    codes = [np.asarray(code) for _, code in pieces]  # integer codes, any width
    codes = [code if code.ndim == 2 else code.reshape(len(code), 1) for code in codes]
    sizes = [len(table) for table, _ in pieces]
    for size, code in zip(sizes, codes):
        if len(code) != n:
            raise ValueError(f"compose: {len(code)} codes for {n} rows")
        if code.size and (int(code.min()) < 0 or int(code.max()) >= size):
            raise IndexError(f"compose: a code outside a table of {size} texts")
    if not n or not pieces:
        return _empty_texts(n)
    try:
        table = pa.concat_arrays([
            t.cast(pa.string()) if isinstance(t, pa.Array)
            else pa.array(np.asarray(t, dtype=object), type=pa.string(), from_pandas=False)
            for t, _ in pieces])
    except UnicodeEncodeError:
        tables = [objects(t) for t, _ in pieces]
        out = np.empty(n, dtype=object)
        out[:] = ["".join(parts) for parts in zip(*(t[c[:, j]].tolist()
                                                    for t, c in zip(tables, codes)
                                                    for j in range(c.shape[1])))]
        return out
    if table.null_count:
        raise TypeError("compose: a text is None")
    starts = np.cumsum([0] + sizes)
    lengths = pc.binary_length(table).to_numpy(zero_copy_only=False)
    widest_row = sum(int(lengths[a:b].max(initial=0)) * code.shape[1]
                     for a, b, code in zip(starts, starts[1:], codes))
    block = max(1, min(_BLOCK, _MAX_OFFSET // max(1, widest_row)))
    width = sum(code.shape[1] for code in codes)
    if not width:
        return _empty_texts(n)
    index_type = np.int32 if starts[-1] <= _MAX_OFFSET else np.int64
    chunks = []
    for start in range(0, n, block):
        end = min(n, start + block)
        index = np.empty((end - start, width), dtype=index_type)
        column = 0
        for j, code in enumerate(codes):
            np.add(code[start:end], starts[j], out=index[:, column:column + code.shape[1]],
                   casting="unsafe")
            column += code.shape[1]
        chunks.append(joined_rows(table, index))  # checked above
    return pa.chunked_array(chunks, type=pa.string())


def _empty_texts(n: int) -> pa.ChunkedArray:
    """``n`` empty texts, as ``compose_texts`` gives them."""
    return pa.chunked_array([pa.repeat(pa.scalar("", pa.string()), n)])


def format_rows(mask: npt.NDArray[np.bool_], template: str, *columns: npt.ArrayLike) -> list[str]:
    """``template % row`` for the rows of ``mask`` (numbers as ``%.2f``, as in the CSVs).

    Each column is formatted with its conversion of ``template`` once per distinct value
    (``text_table``), the literal after it appended to its table (the first column's
    table also takes the literal before it), and the rows are put together by
    ``compose``.

    >>> format_rows(np.array([True, False, True]), "sum %.2f mm, %+d%%",
    ...        np.array([30.0, 1.0, 30.0]), np.array([5, 6, -7]))
    ['sum 30.00 mm, +5%', 'sum 30.00 mm, -7%']
    """
    literals, specs = split_template(template)
    if len(specs) != len(columns):
        raise ValueError(f"template {template!r} has {len(specs)} conversions for "
                         f"{len(columns)} columns")
    n = int(np.count_nonzero(mask))
    if not specs:
        return [literals[0]] * n
    pieces: list[tuple[Texts, npt.ArrayLike]] = []
    for k, (column, spec) in enumerate(zip(columns, specs)):
        texts, codes = text_table(np.asarray(column)[mask], spec)
        pieces.append((affix(literals[0] if k == 0 else "", texts, literals[k + 1]), codes))
    result: list[str] = compose(n, pieces).tolist()
    return result
