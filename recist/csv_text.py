"""Tables to CSV bytes without a Python call per cell, identical to pandas' ``to_csv``.

The response tables are written with ISO dates, ``true``/``false`` and millimetres and
percentages with 2 decimals (``recist.response.write_respond_outputs``). Formatting that
with ``Series.map`` and a lambda, then ``DataFrame.to_csv``, costs a Python call for every
cell (seconds for a million rows). Here every column becomes an Arrow string array in a
few vectorised steps, the columns are joined row-wise by Arrow's compute kernels and the
text of the whole table is one contiguous buffer.

The bytes are those ``pandas.DataFrame.to_csv(index=False, lineterminator="\\n")``
writes after the same formatting (the tests compare them on hostile values): fields
are quoted exactly when Python's ``csv`` module quotes them (``QUOTE_MINIMAL``: the
delimiter, the quote character or a line-terminator character in the field; a quote is
doubled); a missing value is an empty field. A column of a type this module does not
format (a category, a time zone, an object column holding non-strings ...) sends the
whole table through pandas, so the bytes never depend on the path taken.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["fixed_decimals", "table_csv_bytes"]

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


def _quote_where_needed(array: pa.Array) -> pa.Array:
    """Quote the fields the ``csv`` module would quote, doubling their quotes."""
    needs = pc.match_substring_regex(array, _SPECIAL_PATTERN)
    if not pc.any(needs).as_py():
        return array
    doubled = pc.replace_substring(array, _QUOTE, _QUOTE * 2)
    quoted = pc.binary_join_element_wise(_s(_QUOTE), doubled, _s(_QUOTE), _s(""))
    return pc.if_else(needs, quoted, array)


def fixed_decimals(values: np.ndarray, decimals: int = 2) -> pa.Array:
    """``f"{v:.{decimals}f}"`` of every value (null for NaN), computed on arrays.

    The value is rounded by scaling with ``10**decimals``; a scaled value within a few
    units in the last place of a tie (``x.5``), where the binary scaling could round
    differently from Python's exact decimal rounding, and any infinite value, is
    formatted by Python itself, so every string equals the f-string's.

    >>> fixed_decimals(np.array([20.2, -0.0, 2.675, 0.125, np.nan, -1.005, 1e6])).to_pylist()
    ['20.20', '-0.00', '2.67', '0.12', None, '-1.00', '1000000.00']
    """
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** decimals
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    scaled = np.abs(safe) * scale
    units = np.rint(scaled)
    # a tie or near-tie, or a value too large for exact integer arithmetic
    fraction = np.abs(scaled - np.floor(scaled) - 0.5)
    python = (~finite & ~np.isnan(values)) | (fraction < 1e-6) | (scaled >= 2.0 ** 31)
    units[python] = 0.0
    whole = (units // scale).astype(np.int64)
    part = (units - whole * scale).astype(np.int64)
    text = pc.binary_join_element_wise(
        pa.array(whole).cast(pa.large_string()),
        pc.utf8_lpad(pa.array(part).cast(pa.large_string()), decimals, "0"), _s("."))
    sign = np.signbit(safe)
    if sign.any():
        text = pc.if_else(pa.array(sign), pc.binary_join_element_wise(_s("-"), text, _s("")), text)
    if python.any():
        at = np.flatnonzero(python)
        exact = pa.array([f"{v:.{decimals}f}" for v in values[at]], type=pa.large_string())
        text = pc.replace_with_mask(text, pa.array(python), exact)
    return pc.if_else(pa.array(np.isnan(values)), _s(None), text)


def _strings(series: pd.Series) -> pa.Array:
    """An object or string column as Arrow strings (raises ``pa.ArrowException`` or
    ``TypeError`` if a cell is not a string or missing)."""
    if isinstance(series.dtype, pd.StringDtype):
        return pa.array(series.array, type=pa.large_string())
    # None, NaN and pd.NA are null (from_pandas); no copy of the object array
    return pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)


def _dates(series: pd.Series) -> pa.Array:
    """ISO dates of a ``datetime64`` column (null for NaT), each distinct time stamp
    formatted once (a cohort has far fewer scan dates than rows)."""
    codes, uniques = pd.factorize(series.to_numpy())  # NaT -> code -1
    stamps = pa.array(uniques, type=pa.timestamp(np.datetime_data(series.dtype)[0]))
    text = pc.strftime(stamps, format="%Y-%m-%d").cast(pa.large_string())
    return text.take(pa.array(codes, mask=codes < 0))


def column_text(series: pd.Series, fixed: bool) -> pa.Array | None:
    """The CSV text of one column (null for an empty field), or None when this module
    does not format its type. ``fixed``: floats with 2 decimals (else as pandas writes
    them, their shortest repr)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        # "true" / "false"; null stays null
        return pa.array(series, from_pandas=True).cast(pa.large_string())
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return _dates(series)
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        values = series.to_numpy()
        if fixed:
            return fixed_decimals(values)
        text = pa.array(values.astype(str), type=pa.large_string())
        return pc.if_else(pa.array(np.isnan(values)), _s(None), text)
    if pd.api.types.is_integer_dtype(dtype) and not (
            isinstance(dtype, np.dtype) and dtype.kind == "u" and dtype.itemsize == 8):
        return pa.array(series, from_pandas=True).cast(pa.large_string())
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        try:
            return _strings(series)
        except (pa.ArrowException, TypeError, ValueError):
            return None
    return None


def _is_text(dtype: object) -> bool:
    """Whether a column of this type holds free text (the others are formatted here as
    digits, signs, ``.``, ``-``, ``e``, ``inf``/``nan`` or ``true``/``false``)."""
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


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


def table_csv_bytes(frame: pd.DataFrame) -> bytes | memoryview:
    """The response-table CSV of ``frame`` (header, one line per row, ``\\n`` endings):
    the bytes of ``response_csv_text(frame).to_csv(index=False, lineterminator="\\n")``,
    made by Arrow kernels when every column's type is one this module formats."""
    names = list(frame.columns)
    if len(names) < 2 or len(frame) == 0 or not frame.columns.is_unique:
        return _pandas_bytes(frame)  # one column, no row: the csv module's special cases
    columns = []
    for index, name in enumerate(names):
        series = frame.iloc[:, index]
        text = column_text(series, _fixed(name))
        if text is None:
            return _pandas_bytes(frame)
        if pa.types.is_large_string(text.type) and text.type != pa.large_string():
            text = text.cast(pa.large_string())
        if _is_text(series.dtype):  # numbers, dates and true/false never need quotes
            text = _quote_where_needed(text)
        columns.append(text)
    rows = pc.binary_join_element_wise(*columns, _s(_DELIMITER), null_handling="replace",
                                       null_replacement="")
    lines = pc.binary_join_element_wise(rows, _s(""), _s(_LINE))  # each row + "\n"
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    header = _DELIMITER.join(_quote_text(str(name)) for name in names) + _LINE
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    body = memoryview(lines.buffers()[2])[start:end]
    return header.encode("utf-8") + bytes(body)
