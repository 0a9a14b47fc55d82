"""The reason texts of the response tables, formatted column-wise.

Time point reasons repeat the same numbers and sentences across a cohort, so each column
is formatted once per distinct value and the sentences are put together with ``%s``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["format_rows"]

_CONVERSION = re.compile(r"%%|%[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGs]")


def _formatted(values: npt.NDArray[Any], spec: str) -> list[str]:
    """``spec % value`` for each value, formatted once per distinct value (numbers are
    keyed by their bits, so -0.0 and 0.0 stay apart)."""
    if values.dtype.kind not in "fiub":
        return [spec % v for v in values.tolist()]
    bits = values.view(np.int64) if values.dtype.kind == "f" else values
    _, first, inverse = np.unique(bits, return_index=True, return_inverse=True)
    texts = np.array([spec % v for v in values[first].tolist()], dtype=object)
    formatted: list[str] = texts[inverse.reshape(-1)].tolist()
    return formatted


def format_rows(mask: npt.NDArray[np.bool_], template: str, *columns: npt.ArrayLike) -> list[str]:
    """``template % row`` for the rows of ``mask`` (numbers as ``%.2f``, as in the CSVs).

    Each column is formatted with its conversion of ``template`` once per distinct value
    (sums and counts repeat across a cohort); the texts are then put in place with ``%s``.

    >>> format_rows(np.array([True, False, True]), "sum %.2f mm, %+d%%",
    ...        np.array([30.0, 1.0, 30.0]), np.array([5, 6, -7]))
    ['sum 30.00 mm, +5%', 'sum 30.00 mm, -7%']
    """
    if not columns:
        return [template] * int(mask.sum())
    specs = [c for c in _CONVERSION.findall(template) if c != "%%"]
    if len(specs) != len(columns):
        raise ValueError(f"template {template!r} has {len(specs)} conversions for "
                         f"{len(columns)} columns")
    plain = _CONVERSION.sub(lambda m: "%%" if m.group(0) == "%%" else "%s", template)
    picked = [_formatted(np.asarray(c)[mask], spec) for c, spec in zip(columns, specs)]
    return [plain % row for row in zip(*picked)]
