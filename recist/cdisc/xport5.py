"""A vectorised reader of SAS transport (XPORT) version 5 files, the format of FDA
submissions, into coded columns.

The layout (SAS Technical Support document TS-140, "The record layout of a data set in
SAS transport (XPORT) format"): 80-byte header records; per member a NAMESTR record of
140 bytes per variable (type, length, name, label, position in the observation); then the
observations back to back, each of fixed length, numbers as IBM System/360 hexadecimal
floats (big-endian, 2–8 bytes, missing values ``.``/``.A``–``.Z``/``._`` as their first
byte followed by zero bytes), texts blank-padded.

The observations are read with one structured ``numpy.frombuffer`` view; IBM floats are
converted with integer arithmetic on whole columns; a text column is coded on its raw
bytes (split into 8-byte words factorised together), so each distinct text is decoded
once and the column comes back categorical (texts are UTF-8, as pyreadstat writes them; a
text that is not UTF-8 sends the file to pyreadstat). Files of another kind (XPORT version 8,
several members, VAX namestrs) are left to ``pyreadstat`` (``read_xport5`` returns None).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ibm_to_ieee", "read_xport5"]

_LIBRARY = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
_MEMBER = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!"
_NAMESTR = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
_OBS = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"
_NAMESTR_DTYPE = np.dtype([("ntype", ">i2"), ("nhfun", ">i2"), ("nlng", ">i2"),
                           ("nvar0", ">i2"), ("nname", "S8"), ("nlabel", "S40"),
                           ("nform", "S8"), ("nfl", ">i2"), ("nfd", ">i2"), ("nfj", ">i2"),
                           ("nfill", "S2"), ("niform", "S8"), ("nifl", ">i2"),
                           ("nifd", ">i2"), ("npos", ">i4"), ("rest", "S52")])


def ibm_to_ieee(raw: np.ndarray) -> np.ndarray:
    """IBM System/360 floats (rows of 8 big-endian bytes) → float64; SAS missing values
    (first byte ``.``, ``A``–``Z`` or ``_``, the rest zero) → NaN.

    >>> data = np.frombuffer(bytes.fromhex("4110000000000000C1200000000000002E00000000000000"),
    ...                      dtype="u1").reshape(3, 8)
    >>> ibm_to_ieee(data).tolist()[:2], bool(np.isnan(ibm_to_ieee(data)[2]))
    ([1.0, -2.0], True)
    """
    words = raw.copy().view(">u8").ravel().astype(np.uint64)
    first = raw[:, 0]
    rest_zero = (words & np.uint64(0x00FFFFFFFFFFFFFF)) == 0
    missing = rest_zero & ((first == 0x2E) | (first == 0x5F)
                           | ((first >= 0x41) & (first <= 0x5A)))
    sign = np.where((words >> np.uint64(63)) == 1, -1.0, 1.0)
    exponent = ((words >> np.uint64(56)) & np.uint64(0x7F)).astype(np.int64) - 64
    mantissa = (words & np.uint64(0x00FFFFFFFFFFFFFF)).astype(np.float64)
    value = sign * np.ldexp(mantissa, 4 * exponent - 56)
    value[missing] = np.nan
    return value


def _coded_text(column: np.ndarray, width: int) -> pd.Series:
    """Fixed-width bytes → a categorical of the texts without surrounding blanks (empty →
    missing), coded on the raw bytes (8-byte words factorised together) so that each
    distinct text is decoded once."""
    n = len(column)
    padded = -(-width // 8) * 8
    raw = np.full((n, padded), 0x20, dtype=np.uint8)
    raw[:, :width] = np.ascontiguousarray(column).view(np.uint8).reshape(n, width)
    words = raw.view("<u8")  # byte order does not matter for equality
    key = np.zeros(n, dtype=np.int64)
    for i in range(words.shape[1]):
        codes, uniques = pd.factorize(words[:, i])
        key, _ = pd.factorize(key * (len(uniques) + 1) + codes)
        key = np.asarray(key, dtype=np.int64)
    first = np.unique(key, return_index=True)[1]  # a row of each distinct value
    texts = np.array([raw[i, :width].tobytes().decode("utf-8").strip(" \x00")
                      for i in first], dtype=object)
    text_codes, categories = pd.factorize(texts)  # padding variants share their text
    categories = list(categories)
    remap = np.arange(len(categories))
    if "" in categories:
        empty = categories.index("")
        remap = np.where(remap == empty, -1, remap - (remap > empty))
        categories.remove("")
    return pd.Series(pd.Categorical.from_codes(remap[text_codes][key],
                                               categories=pd.Index(categories, dtype=object)))


def read_xport5(path: str | Path, columns: tuple[str, ...] | None = None
                ) -> pd.DataFrame | None:
    """The one member of an XPORT v5 file as a DataFrame (numbers float64, texts
    categorical), only ``columns`` (upper-case names) when given; None when the file is
    not a single-member version 5 file with 140-byte namestrs."""
    data = Path(path).read_bytes()
    if not data.startswith(_LIBRARY) or data.count(_MEMBER) != 1:
        return None
    member = data.index(_MEMBER)
    if data[member + 74:member + 78].strip() not in (b"140", b"0140"):
        return None
    names_at = data.index(_NAMESTR, member)
    n_vars = int(data[names_at + 54:names_at + 58])
    start = names_at + 80
    namestr = np.frombuffer(data, dtype=_NAMESTR_DTYPE, count=n_vars, offset=start)
    obs_at = data.index(_OBS, start + 140 * n_vars)
    body = obs_at + 80
    row_length = int(namestr["nlng"].astype(np.int64).sum())
    if row_length <= 0:
        return None
    names = [n.decode("ascii", "replace").strip().upper() for n in namestr["nname"]]
    formats: list[object] = [f"S{int(length)}" if kind == 2 else (np.uint8, int(length))
                             for kind, length in zip(namestr["ntype"], namestr["nlng"],
                                                     strict=True)]
    offsets = [int(position) for position in namestr["npos"]]
    n_rows = (len(data) - body) // row_length
    # the observations are padded with blanks to a multiple of 80 bytes: a blank "row"
    # within the last 80 bytes is padding
    while n_rows and len(data) - (body + (n_rows - 1) * row_length) <= 80 and not data[
            body + (n_rows - 1) * row_length: body + n_rows * row_length].strip(b" "):
        n_rows -= 1
    layout = np.dtype({"names": names, "formats": formats, "offsets": offsets,
                       "itemsize": row_length})  # type: ignore[call-overload]
    rows = np.frombuffer(data, dtype=layout, count=n_rows, offset=body)
    out = {}
    for name, kind, length in zip(names, namestr["ntype"], namestr["nlng"], strict=True):
        if columns is not None and name not in columns:
            continue
        if kind == 2:
            out[name] = _coded_text(rows[name], int(length))
        else:
            raw = np.zeros((n_rows, 8), dtype=np.uint8)
            raw[:, :int(length)] = rows[name]
            out[name] = pd.Series(ibm_to_ieee(raw))
    return pd.DataFrame(out)
