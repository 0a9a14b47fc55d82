"""Value helpers of the SDTM reader: upper-cased text, dates, lesion kinds and link ids.

Each works once per distinct value (``apply_to_unique``), so millions of records cost
little more than their distinct codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.cdisc.xpt import apply_to_unique
from recist.errors import RecistDataError
from recist.findings import Finding

__all__: list[str] = []

def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as upper-case strings, or an all-missing string column."""
    if name in frame.columns:
        return apply_to_unique(frame[name], lambda s: s.str.strip().str.upper())
    return pd.Series(pd.NA, index=frame.index, dtype="string")


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


def _dates(frame: pd.DataFrame, column: str, domain: str,
           findings: list[Finding]) -> pd.Series:
    """ISO dates from --DTC: the date part; YYYY-MM imputed to the 1st with a finding."""
    text = _col(frame, column)
    full = apply_to_unique(text, lambda s: s.str.extract(r"^(\d{4}-\d{2}-\d{2})",
                                                         expand=False).astype("string"))
    month = apply_to_unique(text, lambda s: s.str.extract(r"^(\d{4}-\d{2})$",
                                                          expand=False).astype("string"))
    partial = full.isna() & month.notna()
    if partial.any():
        rows = frame.index[partial.to_numpy()]
        findings.append(Finding(
            code="sdtm-partial-date",
            message=f"{domain}: {column} gives only year and month for {len(rows)} "
                    f"record(s) ({_records(frame, rows, domain)}); the day was imputed "
                    "as the 1st (earliest possible date). Complete the dates if known.",
            patient_id=str(frame.at[rows[0], "USUBJID"]),
        ))
    return full.fillna(month + "-01")


def _as_datetime(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """ISO date strings → datetime64; an impossible date (2024-02-30) is an error."""
    dates = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
    bad = frame.index[dates.isna() & frame[column].notna()]
    if len(bad):
        domain = name[:2]
        raise RecistDataError(
            f"{domain}: {name} {frame.at[bad[0], column]!r} is not a valid date "
            f"({_records(frame, bad, domain)}); write ISO 8601 dates like 2024-03-01"
        )
    return dates


def _kind_from_text(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map TUORRES / TRGRPID text to our ``kind`` and an equivocal flag."""
    kind = apply_to_unique(text, lambda s: _kind_and_equivocal(s)[0])
    equivocal = apply_to_unique(text, lambda s: _kind_and_equivocal(s)[1])
    return kind.astype("string"), equivocal.astype(bool)


def _kind_and_equivocal(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    kind = pd.Series(pd.NA, index=text.index, dtype="string")
    kind = kind.mask(text.str.contains("TARGET", na=False), "target")
    kind = kind.mask(text.str.contains(r"NON[- ]?TARGET", na=False), "non-target")
    equivocal = text.str.contains("EQUIVOCAL", na=False) & ~text.str.contains(
        "UNEQUIVOCAL", na=False)
    kind = kind.mask(text.str.contains("NEW", na=False) | equivocal, "new")
    return kind, equivocal


def _lesion_ids(link: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Lesion id (fragment suffix removed, first id of a merged pair) and a merged flag."""
    combined = apply_to_unique(link, lambda s: s.str.contains("/", na=False).astype(bool))
    lesion = apply_to_unique(link, lambda s: s.str.split("/").str[0].str.strip().str.replace(
        r"\.\d+$", "", regex=True).astype("string"))
    return lesion, combined


def _recode(values: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Replace values by ``mapping`` (others kept), as an object series (vectorised)."""
    values = values.astype(object)
    hit = values.isin(list(mapping)).to_numpy()
    return pd.Series(np.where(hit, values.map(mapping), values), index=values.index,
                     dtype=object)
