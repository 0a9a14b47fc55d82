"""Rows of one lesion at one time point that repeat each other (DEC-18, SUM-5).

Several ``measured`` target rows of one lesion at one time point are the fragments of a
split lesion and their diameters add (SUM-5). Two target rows equal in *every* column of
the table but the scan date (patient, visit, lesion, kind, status, diameters and every
other column) are far more likely one record written twice (or copied with a mistyped
date) than two fragments of exactly the same size: fragments are measured on one scan.
Where the row's status adds to the sum (``measured`` with a diameter above 0, or
``too_small``: 5 mm each, SUM-4), added they double that lesion's contribution and may
change the response; the tool cannot tell which was meant, so such rows are refused
(``duplicate-row``, DEC-18, docs/rules.md). True fragments of equal size are told apart
by any other column (a fragment note, the measurement's coordinates, which ``recist
measure`` writes). Repeated target rows whose status adds 0 mm (``not_evaluated``,
``absent``, ``merged``, or ``measured`` 0 mm) cannot double the sum: the lesion counts
once (``recist.sums``: its rows are one lesion, 0 mm, and ``not_evaluated`` still leaves
the time point without an evaluable sum, SUM-7), with the warning ``repeated-row``. Used
by ``recist.checks_rows.check_duplicate_rows``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from recist._checks_support import _TIMEPOINT_COLUMNS as TIMEPOINT_COLUMNS
from recist._checks_support import finding, records
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity
from recist.sums import target_contribution_mm
from recist.vocabulary import LesionKind, TargetStatus

__all__ = ["NON_IDENTIFYING_COLUMNS", "REPEATED_ROW_KEYS", "repeated_row_findings"]

REPEATED_ROW_KEYS = ("kind", "status", "ld_mm", "sa_mm")
"""The columns, besides the lesion and its time point, that make two rows repeat each other."""

NON_IDENTIFYING_COLUMNS = ("date",)
"""Columns that alone do not tell two fragments apart: fragments are measured on one scan,
so rows differing only in their date are one record copied (with a mistyped date)."""

_INDEX_COLUMNS = frozenset(TIMEPOINT_COLUMNS)
"""Columns ``recist._checks_support.indexed`` adds: not part of the table as read."""


def _adds_to_sum(row: Mapping[Hashable, Any], criteria: Criteria) -> bool:
    """Whether a target row adds more than 0 mm to the sum (SUM-1, SUM-4)."""
    mm = target_contribution_mm(str(row["status"]), bool(row.get("nodal", False)),
                                _mm(row["ld_mm"]), _mm(row["sa_mm"]), criteria)
    return bool(mm > 0)


def _mm(value: Any) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def repeated_row_findings(frame: pd.DataFrame, lesion_tp: str,
                          criteria: Criteria = RECIST_1_1) -> list[Finding]:
    """Findings for rows of one lesion at one time point equal in kind, status and diameters.

    ``frame``: the indexed measurement rows whose (lesion, time point) occurs more than
    once, with the column ``lesion_tp`` numbering each (lesion, time point).

    1. Target rows whose status adds to the sum (``measured`` above 0 mm, ``too_small``)
       and that are equal in every column of the table but ``NON_IDENTIFYING_COLUMNS``
       (the date) → error ``duplicate-row`` (DEC-18): added as fragments (SUM-5) they
       would count the lesion twice; the message says how many sets of identical rows
       and rows, and to delete the copy or tell the fragments apart.
    2. Such target rows equal in kind, status and diameters but differing in another
       column → warning ``equal-fragments`` naming that column: they are added as
       fragments of equal size (SUM-5).
    3. Target rows adding 0 mm (``not_evaluated``, ``absent``, ``merged``, ``measured``
       0 mm) equal in status and diameters → warning ``repeated-row``: the lesion counts
       once, 0 mm (``not_evaluated`` still makes the sum not evaluable, SUM-7).
    4. Non-target or new rows equal in kind and status → warning ``repeated-row``: they
       count once, so the response does not change.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1"] * 2,
    ...     "kind": ["target"] * 2, "status": ["measured"] * 2, "ld_mm": [12.0] * 2,
    ...     "sa_mm": [None] * 2, "date": pd.to_datetime(["2024-01-02"] * 2), "tp": [0, 0]})
    >>> [(f.code, f.severity.value) for f in repeated_row_findings(m, "tp")]
    [('duplicate-row', 'error')]
    >>> m["note"] = ["upper piece", "lower piece"]
    >>> [(f.code, f.severity.value) for f in repeated_row_findings(m, "tp")]
    [('equal-fragments', 'warning')]
    >>> m["status"] = "absent"
    >>> [(f.code, f.severity.value) for f in repeated_row_findings(m, "tp")]
    [('repeated-row', 'warning')]
    """
    keys = [lesion_tp, *REPEATED_ROW_KEYS]
    repeats = frame[frame.duplicated(keys, keep=False)]
    if len(repeats) == 0:
        return []
    table_columns = [c for c in repeats.columns
                     if c != lesion_tp and c not in _INDEX_COLUMNS]
    identifying = [c for c in table_columns if c not in NON_IDENTIFYING_COLUMNS]
    findings: list[Finding] = []
    for _, group in repeats.groupby(keys, sort=False, dropna=False, observed=True):
        row = records(group.iloc[:1])[0]
        if row["kind"] != LesionKind.TARGET:
            findings.append(finding(
                row, "repeated-row", "DEC-18", Severity.WARNING,
                f"{len(group)} rows of this {row['kind']} lesion at one time point with the "
                f"same status ({row['status']}); counted once — delete the copies"))
            continue
        if not _adds_to_sum(row, criteria):
            still = (" and the time point still has no evaluable sum (SUM-7)"
                     if row["status"] == TargetStatus.NOT_EVALUATED else "")
            findings.append(finding(
                row, "repeated-row", "DEC-18", Severity.WARNING,
                f"{len(group)} rows of this target at one time point with the same status "
                f"({row['status']}) and diameters; it adds 0 mm to the sum, so the lesion "
                f"counts once{still} — delete the copies"))
            continue
        copies = group.duplicated(identifying, keep=False).to_numpy()
        if copies.any():
            findings.append(_duplicate_finding(group[copies], identifying))
            continue
        differing = [c for c in table_columns if group[c].nunique(dropna=False) > 1]
        findings.append(finding(
            row, "equal-fragments", "SUM-5", Severity.WARNING,
            f"{len(group)} rows of this target with the same status and diameters, told "
            f"apart by {', '.join(differing)}: added as fragments of equal size (SUM-5)"))
    return findings


def _duplicate_finding(copies: pd.DataFrame, identifying: list[str]) -> Finding:
    """The error for target rows identical in every identifying column (DEC-18)."""
    sets = copies.groupby(identifying, sort=False, dropna=False, observed=True)
    what = (f"{len(copies)} rows of this target are identical" if sets.ngroups == 1 else
            f"{sets.ngroups} sets of rows of this target ({len(copies)} rows) are, set by "
            "set, identical")
    first = records(copies.iloc[:1])[0]
    if "date" in copies.columns and sets["date"].nunique(dropna=False).gt(1).any():
        dates = ", ".join(pd.to_datetime(copies["date"]).drop_duplicates().sort_values()
                          .dt.strftime("%Y-%m-%d").fillna("no date"))
        return finding(
            first, "duplicate-row", "DEC-18", Severity.ERROR,
            f"{what} in every column but the date ({dates}); fragments of a split lesion "
            "are measured on one scan, so this is likelier one record copied with a "
            "mistyped date: added as fragments (SUM-5) they would count it twice — delete "
            "the copy or correct its date, or tell true fragments of equal size apart in "
            "another column (e.g. a note)")
    return finding(
        first, "duplicate-row", "DEC-18", Severity.ERROR,
        f"{what} in every column; added as fragments of a split lesion (SUM-5) they would "
        "count it twice — delete the copy, or tell true fragments of equal size apart in "
        "another column (e.g. a note)")
