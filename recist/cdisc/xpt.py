"""SDTM/ADaM tables on disk: CSV or SAS transport (XPT version 5) through pyreadstat.

A CDISC dataset is read into a pandas DataFrame whose column names are upper-case and
whose cells are strings (numbers as written, missing as ``pd.NA``), so that the SDTM
readers see the same thing whether the sponsor sent CSV or XPT. Writers produce
XPT v5 (8-character names, 40-character labels, table name = domain) or CSV, whole or
not at all.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from recist.errors import RecistDataError
from recist.outputs import write_csv_atomic
from recist.table import refuse_nul_bytes

__all__ = ["apply_to_unique", "as_cdisc_frame", "codes_and_uniques", "read_cdisc_table",
           "write_cdisc_table"]


def codes_and_uniques(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """One integer code per record (-1 = missing) and the distinct values (object array);
    free for a categorical column (its codes and categories)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # codes as stored (int8 … int32)
        return (np.asarray(values.cat.codes), np.asarray(values.cat.categories, dtype=object))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def apply_to_unique(values: pd.Series, func) -> pd.Series:
    """``func(values)`` computed once per distinct value (fast for coded columns).

    ``func`` takes and returns a Series element-wise (e.g. ``lambda s: s.str.upper()``);
    missing values get ``func`` of a missing string. A text result comes back as a
    categorical Series (one code per record, the texts once), any other result with
    ``func``'s dtype.

    >>> apply_to_unique(pd.Series([" a", "b", None, " a"]), lambda s: s.str.strip()).tolist()
    ['a', 'b', nan, 'a']
    """
    codes, uniques = codes_and_uniques(values)
    mapped = func(pd.Series(uniques, dtype="string"))
    missing = func(pd.Series([pd.NA], dtype="string")).iloc[0]
    table = np.append(mapped.to_numpy(dtype=object), np.array([missing], dtype=object))
    if pd.api.types.is_string_dtype(mapped.dtype) or mapped.dtype == object:
        table_codes, categories = pd.factorize(table, use_na_sentinel=True)
        return pd.Series(pd.Categorical.from_codes(table_codes[codes],
                                                   categories=pd.Index(categories,
                                                                       dtype=object)),
                         index=values.index)
    return pd.Series(table[codes], index=values.index).astype(mapped.dtype)


def _pyreadstat():
    """pyreadstat (the ``stats`` extra), with an installation hint when missing."""
    try:
        import pyreadstat
    except ImportError:
        raise ImportError("SAS transport (.xpt) needs pyreadstat: pip install "
                          "'recist[stats]'") from None
    return pyreadstat


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Upper-case column names; every cell a stripped string or missing.

    Columns come back categorical (each distinct text stored once): a cohort's TR repeats
    few texts over millions of records, and every later step works once per category.
    """
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_integer_dtype(values):
            # XPT stores numbers as floats: whole numbers (--SEQ, VISITNUM) become Int64,
            # others stay float; both print as the sponsor wrote them ("3", "3.25").
            finite = values.dropna()
            integral = bool(len(finite)) and bool(np.all(np.mod(finite, 1) == 0)) and \
                float(finite.abs().max()) < 2**53
            out[str(column).strip().upper()] = values.astype("Int64") if integral \
                else values.astype(float)
        elif isinstance(values.dtype, pd.CategoricalDtype) and _clean_categories(values):
            out[str(column).strip().upper()] = values  # already clean: no work per record
        else:
            text = apply_to_unique(values, lambda s: s.astype("string").str.strip().mask(
                lambda t: t == ""))
            out[str(column).strip().upper()] = text
    return out


def _clean_categories(values: pd.Series) -> bool:
    """A categorical column whose categories are distinct texts, none empty or padded."""
    categories = pd.Series(values.cat.categories, dtype=object)
    if not all(isinstance(c, str) for c in categories):
        return False
    stripped = categories.str.strip()
    return bool((stripped == categories).all() and (stripped != "").all())


def as_cdisc_frame(table: pd.DataFrame | str | Path, name: str,
                   columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Return ``table`` as a CDISC string frame, reading it first if it is a path.

    Parameters
    ----------
    table
        A DataFrame, or the path of a ``.csv`` or ``.xpt`` file.
    name
        The dataset's role for messages (``"TU"``, ``"TR"``, ``"DM"``).
    columns
        Keep only these variables (upper-case names; absent ones are skipped), which
        saves time on large datasets.
    """
    if not isinstance(table, pd.DataFrame):
        return read_cdisc_table(table, name, columns)
    if columns is not None:
        wanted = set(columns)
        table = table[[c for c in table.columns if str(c).strip().upper() in wanted]]
    return _as_strings(table)


def read_cdisc_table(path: str | Path, name: str = "dataset",
                     columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Read a CDISC dataset from CSV (UTF-8) or SAS transport XPT v5/v8 (only ``columns``,
    upper-case names, when given).

    Raises ``FileNotFoundError`` when the file does not exist and ``RecistDataError``
    naming the file when it cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{name} dataset {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xpt", ".xport"):
            frame = _read_xport(path, columns)
        else:
            frame = _read_csv_coded(path, columns)
    except UnicodeDecodeError:
        raise RecistDataError(f"{name} dataset {path}: not UTF-8 text; save it as UTF-8 "
                              "CSV or as SAS transport (.xpt)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise RecistDataError(f"{name} dataset {path}: not a readable CSV table ({error})"
                              ) from None
    except Exception as error:  # pyreadstat raises its own ReadstatError / PyreadstatError
        if type(error).__module__.startswith("pyreadstat"):
            raise RecistDataError(
                f"{name} dataset {path}: not a readable SAS transport file ({error}); "
                "expected XPT version 5 or 8"
            ) from None
        raise
    return _as_strings(frame)


def _read_xport(path: Path, columns: tuple[str, ...] | None) -> pd.DataFrame:
    """XPORT v5 by the vectorised reader (``recist.cdisc.xport5``), anything it does not
    take (version 8, several members, a damaged file) by pyreadstat, which names the
    problem."""
    from recist.cdisc.xport5 import read_xport5

    try:
        frame = read_xport5(path, columns)
    except (ValueError, IndexError, TypeError, UnicodeDecodeError):
        frame = None
    if frame is not None:
        return frame
    frame, _meta = _pyreadstat().read_xport(str(path))
    if columns is not None:
        frame = frame[[c for c in frame.columns if str(c).strip().upper() in set(columns)]]
    return frame


def _read_csv_coded(path: Path, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A UTF-8 CSV with every column as categorical text ("" and NA missing).

    With pyarrow installed it parses in parallel straight into dictionary-encoded columns
    (only ``columns``, when given; ``--SEQ`` columns as integers and ``--STRESN`` as numbers
    when they all are);
    otherwise pandas' parser builds the categories. Either way the texts are kept as
    written (no type guessing: "001" stays "001") and each distinct text is stored once,
    so a 1.5-million-record TR fits in a few hundred MB.
    """
    refuse_nul_bytes(path, "SDTM table")  # pandas would cut a cell at it
    with open(path, encoding="utf-8") as handle:
        header = [str(c) for c in pd.read_csv(handle, nrows=0).columns]
    keep = [c for c in header if columns is None or c.strip().upper() in set(columns)]
    try:
        import pyarrow as pa  # type: ignore[import-untyped, import-not-found]
        from pyarrow import csv as arrow_csv  # type: ignore[import-untyped, import-not-found]
    except ImportError:
        return pd.read_csv(path, dtype="category", keep_default_na=False, usecols=keep,
                           na_values=["", "NA"], encoding="utf-8")
    coded = pa.dictionary(pa.int32(), pa.string())

    def read(sequence_type, number_type):
        def type_of(name: str):
            name = name.strip().upper()
            if name.endswith("SEQ"):
                return sequence_type
            return number_type if name.endswith("STRESN") else coded

        return arrow_csv.read_csv(path, convert_options=arrow_csv.ConvertOptions(
            column_types={name: type_of(name) for name in keep}, include_columns=keep,
            null_values=["", "NA"], strings_can_be_null=True,
            quoted_strings_can_be_null=True))

    try:
        try:  # --SEQ whole numbers, --STRESN numbers (SDTM numeric variables)
            table = read(pa.int64(), pa.float64())
        except pa.ArrowInvalid:  # one that is not: read them as text, judged later
            table = read(coded, coded)
    except pa.ArrowInvalid as error:
        raise pd.errors.ParserError(str(error).splitlines()[0]) from None
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()  # give the parse buffers back now
    return frame


_XPT_STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")


def _stamp_xpt(path: str, created: str) -> None:
    """Replace the header's creation/modification date-times (ddMMMyy:hh:mm:ss)."""
    data = Path(path).read_bytes()
    end = data.find(b"OBS     HEADER RECORD")
    head = _XPT_STAMP.sub(created.encode("ascii"), data[:end])
    Path(path).write_bytes(head + data[end:])


def write_cdisc_table(frame: pd.DataFrame, path: str | Path, table_name: str,
                      labels: Mapping[str, str] | None = None, *,
                      created: str | None = None) -> Path:
    """Write a dataset as CSV or XPT v5 (chosen by the suffix), whole or not at all.

    For XPT, column names must be at most 8 characters and labels at most 40; the table
    name is the domain (e.g. ``"RS"``). Date columns must already be ISO 8601 strings.
    ``created`` (``"01JAN24:00:00:00"``) fixes the header date-times so that the file's
    bytes are reproducible; by default they are the time of writing.
    """
    if created is not None and not _XPT_STAMP.fullmatch(created.encode("ascii")):
        raise ValueError(f"created must look like 01JAN24:00:00:00, got {created!r}")
    path = Path(path)
    if path.suffix.lower() != ".xpt":
        return write_csv_atomic(frame, path)
    pyreadstat = _pyreadstat()
    long_names = [c for c in frame.columns if len(str(c)) > 8]
    if long_names:
        raise ValueError(f"cannot write {path} as XPT v5: column name(s) longer than 8 "
                         f"characters: {', '.join(map(str, long_names))}")
    labels = dict(labels or {})
    column_labels = [str(labels.get(c, c))[:40] for c in frame.columns]
    out = frame.copy()
    formats = {}
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):  # a SAS date (DATE9.)
            out[column] = pd.Series([None if pd.isna(v) else v.date() for v in values],
                                    index=out.index, dtype=object)
            formats[column] = "DATE9."
        elif pd.api.types.is_extension_array_dtype(values) and \
                pd.api.types.is_numeric_dtype(values):
            out[column] = values.astype("float64")
        elif not pd.api.types.is_numeric_dtype(values):
            out[column] = values.astype("string").fillna("").astype(object)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xpt",
                                             dir=path.parent)
    os.close(descriptor)
    try:
        pyreadstat.write_xport(out, temporary, file_format_version=5,
                               table_name=table_name[:8], column_labels=column_labels,
                               **({"variable_format": formats} if formats else {}))
        if created is not None:
            _stamp_xpt(temporary, created)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
