"""Value helpers of the SDTM reader: upper-cased text, dates, lesion kinds and link ids.

Each works once per distinct value (``apply_to_unique``), so millions of records cost
little more than their distinct codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.cdisc.xpt import apply_to_unique, codes_and_uniques
from recist.errors import RecistDataError
from recist.findings import Finding

__all__: list[str] = []

def to_dates(values: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` texts → datetime64 (missing or impossible → NaT), parsed once per
    distinct text."""
    codes, uniques = codes_and_uniques(values)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object),
                            format="%Y-%m-%d", errors="coerce").to_numpy()
    table = np.append(parsed, np.array(["NaT"], dtype="datetime64[ns]"))
    return pd.Series(table[codes], index=values.index)


def group_keys(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """One dense integer per distinct combination of ``columns`` (missing is a value).

    Categorical columns cost only their codes, so grouping millions of records by
    patient, visit and lesion is a few integer operations.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1  # key < span
    for column in columns:
        if isinstance(column, pd.Series):
            codes, uniques = codes_and_uniques(column)
        else:
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
        width = len(uniques) + 1
        if span * width >= 2**62:  # would overflow: make the key dense first
            key, _ = pd.factorize(key)
            key = np.asarray(key, dtype=np.int64)
            span = int(key.max(initial=0)) + 1
        key = key * width + (np.asarray(codes, dtype=np.int64) + 1)
        span *= width
    key, _ = pd.factorize(key)
    return np.asarray(key, dtype=np.int64)


def coalesce(first: pd.Series, *others: pd.Series | str) -> pd.Series:
    """``first`` where present, else the next of ``others`` (a Series or one text);
    categorical columns stay categorical (their categories united, no text per record)."""
    out = first
    for other in others:
        if not out.isna().any():  # nothing left to fill
            break
        if isinstance(other, str):
            if isinstance(out.dtype, pd.CategoricalDtype):
                if other not in out.cat.categories:
                    out = out.cat.add_categories([other])
                out = out.fillna(other)
            else:
                out = out.fillna(other)
            continue
        if isinstance(out.dtype, pd.CategoricalDtype) or isinstance(other.dtype,
                                                                    pd.CategoricalDtype):
            a, b = out.astype("category"), other.astype("category")
            categories = a.cat.categories.union(b.cat.categories)
            out = a.cat.set_categories(categories).fillna(b.cat.set_categories(categories))
        else:
            out = out.fillna(other)
    return out


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as upper-case strings, or an all-missing string column."""
    if name in frame.columns:
        return apply_to_unique(frame[name], lambda s: s.str.strip().str.upper())
    # absent: all missing, as a categorical (free to factorise, unlike a string column)
    return pd.Series(pd.Categorical.from_codes(np.full(len(frame), -1, dtype=np.int8),
                                               categories=pd.Index([], dtype=object)),
                     index=frame.index)


def _records(frame: pd.DataFrame, rows: pd.Index, domain: str = "TR") -> str:
    """Name SDTM records for a message: STUDYID, USUBJID, --SEQ (at most 5)."""
    seq = f"{domain}SEQ"
    parts = []
    for row in rows[:5]:
        study = frame.at[row, "STUDYID"] if "STUDYID" in frame.columns else pd.NA
        text = f"USUBJID {frame.at[row, 'USUBJID']}"
        if pd.notna(study):
            text = f"STUDYID {study}, " + text
        if seq in frame.columns and pd.notna(frame.at[row, seq]):
            text += f", {seq} {frame.at[row, seq]}"
        parts.append(text)
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return "; ".join(parts) + more


IMPUTATIONS = ("first", "mid", "last")
"""Day imputation of a YYYY-MM date, admiral's ``date_imputation`` with
``highest_imputation = "D"``: the 1st, the 15th or the last day of the month. A date
with the year only is not imputed (admiral imputes no month at that level)."""


def _impute_day(months: pd.Series, imputation: str) -> pd.Series:
    """``YYYY-MM`` strings → ``YYYY-MM-DD`` by the imputation rule (missing stay missing)."""
    if imputation == "first":
        return months + "-01"
    if imputation == "mid":
        return months + "-15"
    last = pd.to_datetime(months + "-01", format="%Y-%m-%d", errors="coerce") \
        + pd.offsets.MonthEnd(0)
    return pd.Series(last.dt.strftime("%Y-%m-%d"), index=months.index, dtype="string")


def _dates(frame: pd.DataFrame, column: str, domain: str,
           findings: list[Finding], imputation: str = "first") -> pd.Series:
    """ISO dates from --DTC: the date part; YYYY-MM imputed (``imputation``) with a finding."""
    if imputation not in IMPUTATIONS:
        raise ValueError(f"date imputation must be one of {', '.join(IMPUTATIONS)}, not "
                         f"{imputation!r}")
    text = _col(frame, column)
    full = apply_to_unique(text, lambda s: s.str.extract(r"^(\d{4}-\d{2}-\d{2})",
                                                         expand=False).astype("string"))
    month = apply_to_unique(text, lambda s: s.str.extract(r"^(\d{4}-\d{2})$",
                                                          expand=False).astype("string"))
    partial = full.isna() & month.notna()
    if partial.any():
        rows = frame.index[partial.to_numpy()]
        day = {"first": "the 1st", "mid": "the 15th", "last": "the last day of the month"}
        findings.append(Finding(
            code="sdtm-partial-date",
            message=f"{domain}: {column} gives only year and month for {len(rows)} "
                    f"record(s) ({_records(frame, rows, domain)}); the day was imputed "
                    f"as {day[imputation]} (date imputation '{imputation}', admiral's "
                    "convention). Complete the dates if known, or choose another "
                    "imputation (first / mid / last).",
            patient_id=str(frame.at[rows[0], "USUBJID"]),
        ))
    return coalesce(full, apply_to_unique(month, lambda s: _impute_day(s, imputation)))


def reader_labels(frame: pd.DataFrame, domain: str) -> pd.Series | None:
    """Who assessed each record: ``--EVALID`` (e.g. RADIOLOGIST 1), else ``--EVAL``
    (e.g. INVESTIGATOR), upper-case; None when the domain names no evaluator."""
    eval_col, evalid_col = f"{domain}EVAL", f"{domain}EVALID"
    if eval_col not in frame.columns and evalid_col not in frame.columns:
        return None
    label = coalesce(_col(frame, evalid_col), _col(frame, eval_col), "")
    if not (label != "").any():
        return None
    return label


def _as_datetime(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """ISO date strings → datetime64; an impossible date (2024-02-30) is an error."""
    dates = to_dates(frame[column])
    bad = frame.index[dates.isna() & frame[column].notna()]
    if len(bad):
        domain = name[:2]
        raise RecistDataError(
            f"{domain}: {name} {frame.at[bad[0], column]!r} is not a valid date "
            f"({_records(frame, bad, domain)}); write ISO 8601 dates like 2024-03-01"
        )
    return dates


def _lesion_ids(link: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Lesion id (fragment suffix removed, first id of a merged pair) and a merged flag."""
    combined = apply_to_unique(link, lambda s: s.str.contains("/", na=False).astype(bool))
    lesion = apply_to_unique(link, lambda s: s.str.split("/").str[0].str.strip().str.replace(
        r"\.\d+$", "", regex=True).astype("string"))
    return lesion, combined


def is_in(values: pd.Series, wanted) -> np.ndarray:
    """``values.isin(wanted)`` as a bool array, once per distinct value."""
    codes, uniques = codes_and_uniques(values)
    hit = np.append(pd.Index(uniques).isin(list(wanted)), False)
    return hit[codes]


def numbers(values: pd.Series) -> pd.Series:
    """Numbers of a column of numbers or number texts (NaN where not a number), parsed once
    per distinct text."""
    if pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype,
                                                                pd.CategoricalDtype):
        return values.astype(float)
    codes, uniques = codes_and_uniques(values)
    parsed = pd.to_numeric(pd.Series(uniques, dtype=object),
                           errors="coerce").to_numpy(dtype=float)
    return pd.Series(np.append(parsed, np.nan)[codes], index=values.index)
