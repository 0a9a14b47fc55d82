"""Screen patients against a protocol's eligibility criteria.

Imaging criteria are computed from the baseline of the measurements table
(``recist.baseline``); clinical criteria are read from an optional clinical table, one row
per patient. Every criterion of every patient is reported as ``met``, ``not met`` or
``unknown`` with its reason; the patient's verdict is ``ineligible`` when any criterion is
not met, ``incomplete data`` when none is not met but some are unknown, else
``eligible``.

The clinical table (CSV, UTF-8, one header row, one row per patient; column names are
case-insensitive; an empty cell is unknown). The columns are those the protocol names;
for ``sample_data/protocols/oligometastatic_crc_lung.toml`` they are:

==========================  ==========================================================
column                      meaning
==========================  ==========================================================
patient_id                  the measurements table's patient_id
crc_confirmed               pathologically confirmed colorectal cancer (true/false)
ned_start_date              date no evidence of disease was reached (ISO date)
lung_mets_detected_date     date the lung metastases were detected (ISO date)
prior_therapy               none / adjuvant / first-line / other
prior_lung_radiotherapy     any radiotherapy to the lung before (true/false)
ecog                        ECOG performance status (0-5)
expected_survival_months    expected survival in months
anc_1e9_per_l               absolute neutrophil count, 10⁹/L
anc_date                    date of that ANC test (ISO date)
growth_factor_last_date     last growth-factor dose (ISO date), or ``none``
organ_function_adequate     physician's judgement: fit for >= 1 local treatment (bool)
contraception_agreed        true / false / not applicable
consent_date                date of informed consent (ISO date)
==========================  ==========================================================

Booleans are ``true/false``, ``yes/no`` or ``1/0``; a value that cannot be read is an
error naming the file, row, patient and column (never silently unknown).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from recist.arrays import round_half_away
from recist.baseline_rules import assess_baseline
from recist.errors import RecistDataError
from recist.plausibility import lowered_column_names
from recist.protocol import EligibilityCriterion, Protocol
from recist.table import parse_bool, read_csv_table
from recist.vocabulary import LesionKind

__all__ = [
    "SCREENING_COLUMNS",
    "CriterionResult",
    "Verdict",
    "eligibility_verdicts",
    "normalise_clinical",
    "read_clinical",
    "screen_patients",
]

SCREENING_COLUMNS = ("patient_id", "criterion_id", "category", "criterion", "result",
                     "reason", "verdict")
_NOT_APPLICABLE = {"not applicable", "n/a", "na", "not_applicable"}
_NONE = {"none", "never", "no"}


class CriterionResult(StrEnum):
    """Outcome of one eligibility criterion for one patient."""

    MET = "met"
    NOT_MET = "not met"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    """A patient's screening verdict."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete data"


def normalise_clinical(frame: pd.DataFrame, source: str = "clinical table") -> pd.DataFrame:
    """A clinical table with lower-case column names, text cells and unique patient ids.

    Cells stay text (parsed per criterion, so that errors name the column); empty cells
    become missing. The source name is kept in ``attrs["source"]`` for messages.
    """
    frame = frame.copy()
    frame.columns = lowered_column_names(frame.columns, source, "clinical table")
    if "patient_id" not in frame.columns:
        raise RecistDataError(f"{source}: no patient_id column; the clinical table has one "
                              "row per patient with a patient_id column")
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        frame[column] = frame[column].map(
            lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
            or str(v).strip() == "" else str(v).strip())
    empty = frame.index[frame["patient_id"].isna()]
    if len(empty):
        raise RecistDataError(f"{source} row {empty[0] + 2}: patient_id is empty")
    repeated = frame["patient_id"][frame["patient_id"].duplicated()]
    if len(repeated):
        raise RecistDataError(
            f"{source} row {repeated.index[0] + 2}: patient {repeated.iloc[0]} appears more "
            "than once; the clinical table has one row per patient")
    frame.attrs["source"] = source
    return frame


def read_clinical(path: str | Path) -> pd.DataFrame:
    """Read a clinical CSV table (see the module docstring) and normalise it."""
    frame = read_csv_table(path, "clinical table", empty_as_missing=False)
    return normalise_clinical(frame, source=str(path))


# --- value parsing (errors name file, row, patient and column) ---------------------------

class _Cell:
    """Reads typed values from one patient's clinical row."""

    def __init__(self, row: pd.Series | None, source: str, patient_id: str) -> None:
        self.row, self.source, self.patient_id = row, source, patient_id

    def raw(self, column: str) -> str | None:
        if self.row is None or column not in self.row.index:
            return None
        return self.row[column]

    def _error(self, column: str, value: str, expected: str) -> RecistDataError:
        line = int(self.row.name) + 2 if self.row is not None else "?"
        return RecistDataError(
            f"{self.source} row {line}, patient {self.patient_id}, column {column}: "
            f"{value!r} is not {expected}; correct the cell or leave it empty if unknown")

    def flag(self, column: str) -> bool | str | None:
        value = self.raw(column)
        if value is None:
            return None
        if value.lower() in _NOT_APPLICABLE:
            return "not applicable"
        try:
            return parse_bool(value)
        except ValueError:
            raise self._error(column, value, "true/false (or not applicable)") from None

    def number(self, column: str) -> float | None:
        value = self.raw(column)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise self._error(column, value, "a number") from None

    def date(self, column: str, allow_none: bool = False) -> pd.Timestamp | str | None:
        value = self.raw(column)
        if value is None:
            return None
        if allow_none and value.lower() in _NONE:
            return "none"
        parsed = pd.to_datetime(value, format="%Y-%m-%d", errors="coerce")
        if pd.isna(parsed):
            expected = "an ISO date (YYYY-MM-DD)" + (" or none" if allow_none else "")
            raise self._error(column, value, expected)
        return parsed


def _missing(criterion: EligibilityCriterion, cell: _Cell, columns: list[str]) -> str:
    if cell.row is None:
        return "patient not in the clinical table" if cell.source else "no clinical table"
    absent = [c for c in columns if c not in cell.row.index]
    if absent:
        return f"column {', '.join(absent)} missing from the clinical table"
    return f"{', '.join(c for c in columns if cell.raw(c) is None)} not recorded"


def _iso(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d")


def _fmt(value: float) -> str:
    return f"{value:g}"


# --- one function per check ---------------------------------------------------------------

def _check_flag(c: EligibilityCriterion, cell: _Cell):
    column, expected = c.params["column"], c.params["expected"]
    value = cell.flag(column)
    if value is None:
        return CriterionResult.UNKNOWN, _missing(c, cell, [column])
    judged = " (physician's judgement as recorded)" if c.params.get("judgement") else ""
    if value == "not applicable":
        if c.params.get("allow_not_applicable"):
            return CriterionResult.MET, f"{column} = not applicable{judged}"
        return CriterionResult.NOT_MET, (f"{column} = not applicable, but the criterion "
                                         "applies to every patient")
    shown = str(value).lower()
    if value == expected:
        return CriterionResult.MET, f"{column} = {shown}{judged}"
    return CriterionResult.NOT_MET, (f"{column} = {shown}, required "
                                     f"{str(expected).lower()}{judged}")


def _check_number(c: EligibilityCriterion, cell: _Cell):
    column = c.params["column"]
    value = cell.number(column)
    if value is None:
        return CriterionResult.UNKNOWN, _missing(c, cell, [column])
    unit = f" {c.params['unit']}" if "unit" in c.params else ""
    low, high = c.params.get("minimum"), c.params.get("maximum")
    rounded = float(round_half_away(value, 2))
    if low is not None and rounded < low:
        return CriterionResult.NOT_MET, f"{column} {_fmt(value)}{unit} < {_fmt(low)}{unit}"
    if high is not None and rounded > high:
        return CriterionResult.NOT_MET, f"{column} {_fmt(value)}{unit} > {_fmt(high)}{unit}"
    bounds = []
    if low is not None:
        bounds.append(f"≥ {_fmt(low)}{unit}")
    if high is not None:
        bounds.append(f"≤ {_fmt(high)}{unit}")
    return CriterionResult.MET, f"{column} {_fmt(value)}{unit} {' and '.join(bounds)}"


def _check_one_of(c: EligibilityCriterion, cell: _Cell):
    column = c.params["column"]
    value = cell.raw(column)
    if value is None:
        return CriterionResult.UNKNOWN, _missing(c, cell, [column])
    allowed = [a.lower() for a in c.params["allowed"]]
    if value.lower() in allowed:
        return CriterionResult.MET, f"{column} = {value} (allowed: {', '.join(allowed)})"
    return CriterionResult.NOT_MET, f"{column} = {value}, not one of {', '.join(allowed)}"


def _check_months_between(c: EligibilityCriterion, cell: _Cell):
    first, last = c.params["start_column"], c.params["end_column"]
    months = c.params["min_months"]
    start, end = cell.date(first), cell.date(last)
    if start is None or end is None:
        return CriterionResult.UNKNOWN, _missing(c, cell, [first, last])
    needed = start + pd.DateOffset(months=months)
    span = f"{first} {_iso(start)} to {last} {_iso(end)}"
    if end >= needed:
        return CriterionResult.MET, f"{span}: ≥ {months} months (on or after {_iso(needed)})"
    return CriterionResult.NOT_MET, f"{span}: < {months} months (needed {_iso(needed)} or later)"


def _check_months_between_scans(c: EligibilityCriterion, cell: _Cell,
                                scans: pd.DataFrame | None,
                                measurements: pd.DataFrame | None):
    """``months_between`` with ``from_scans``: a date the clinical table lacks comes from
    the imaging history (DEC-28, ``recist.oligo.scan_history``)."""
    from recist.oligo.scan_history import ned_interval_from_scans

    first, last = c.params["start_column"], c.params["end_column"]
    months = c.params["min_months"]
    start, end = cell.date(first), cell.date(last)
    if start is not None and end is not None:
        return _check_months_between(c, cell)
    found = ned_interval_from_scans(scans, measurements, c.params.get("organ", "lung"),
                                    c.params.get("ned_from", "first"))
    start_text = f"{first} {_iso(start)}" if start is not None else None
    end_text = f"{last} {_iso(end)}" if end is not None else None
    if start is None and found.ned_date is not None:
        start, start_text = found.ned_date, f"NED scan {_iso(found.ned_date)}"
    if end is None and found.detected_date is not None:
        end, end_text = found.detected_date, f"first metastasis scan {_iso(found.detected_date)}"
    if start is None or end is None:
        return CriterionResult.UNKNOWN, (f"{_missing(c, cell, [first, last])}, and from the "
                                         f"scans: {found.reason}")
    needed = start + pd.DateOffset(months=months)
    span = f"{start_text} to {end_text}"
    note = f" (from the scans: {found.reason})"
    if end >= needed:
        return CriterionResult.MET, (f"{span}: ≥ {months} months (on or after "
                                     f"{_iso(needed)}){note}")
    return CriterionResult.NOT_MET, (f"{span}: < {months} months (needed {_iso(needed)} or "
                                     f"later){note}")


def _check_lab_without_support(c: EligibilityCriterion, cell: _Cell):
    column, low = c.params["column"], c.params["minimum"]
    test_column, support_column = c.params["test_date_column"], c.params["support_date_column"]
    days = c.params["support_free_days"]
    unit = f" {c.params['unit']}" if "unit" in c.params else ""
    value = cell.number(column)
    support = cell.date(support_column, allow_none=True)
    tested = cell.date(test_column)
    if value is not None and float(round_half_away(value, 2)) < low:
        return CriterionResult.NOT_MET, f"{column} {_fmt(value)}{unit} < {_fmt(low)}{unit}"
    if value is None:
        return CriterionResult.UNKNOWN, _missing(c, cell, [column])
    level = f"{column} {_fmt(value)}{unit} ≥ {_fmt(low)}{unit}"
    if support is None:
        return CriterionResult.UNKNOWN, (f"{level}, but {_missing(c, cell, [support_column])} "
                                         "(write none if no growth factor was given)")
    if support == "none":
        return CriterionResult.MET, f"{level}, no growth-factor support"
    if tested is None:
        return CriterionResult.UNKNOWN, (f"{level}, support on {_iso(support)} but "
                                         f"{_missing(c, cell, [test_column])}")
    gap = (tested - support).days
    if 0 <= gap <= days:
        return CriterionResult.NOT_MET, (
            f"{level}, but support on {_iso(support)} is {gap} day(s) before the test of "
            f"{_iso(tested)} (within {days} days)")
    relation = "after" if gap < 0 else f"{gap} days before"
    return CriterionResult.MET, (f"{level}; last support {_iso(support)} is {relation} the "
                                 f"test of {_iso(tested)}")


def _check_date_recorded(c: EligibilityCriterion, cell: _Cell):
    column = c.params["column"]
    value = cell.date(column)
    if value is None:
        return CriterionResult.UNKNOWN, _missing(c, cell, [column])
    return CriterionResult.MET, f"{column} {_iso(value)}"


_CLINICAL = {"flag": _check_flag, "number": _check_number, "one_of": _check_one_of,
             "months_between": _check_months_between,
             "lab_without_support": _check_lab_without_support,
             "date_recorded": _check_date_recorded}


def _imaging(c: EligibilityCriterion, lesions: pd.DataFrame | None):
    if lesions is None or lesions.empty:
        return CriterionResult.UNKNOWN, "no baseline imaging rows in the measurements table"
    if c.check == "measurable_disease":
        measurable = lesions[lesions["measurable"]]
        if len(measurable):
            best = measurable.iloc[0]
            return CriterionResult.MET, (f"{len(measurable)} measurable lesion(s), e.g. "
                                         f"{best['lesion_id']}: {best['reason']} (MEAS-12)")
        why = "; ".join(f"{r.lesion_id}: {r.reason}" for r in lesions.itertuples())
        return CriterionResult.NOT_MET, f"no measurable lesion (MEAS-12): {why}"
    organ = c.params["organ"]
    kinds = c.params.get("kinds", [str(kind) for kind in LesionKind])
    low, high = c.params.get("min_lesions", 0), c.params["max_lesions"]
    found = lesions[(lesions["organ_key"] == organ) & lesions["kind"].isin(kinds)]
    listed = f" ({', '.join(found['lesion_id'])})" if len(found) else ""
    count = f"{len(found)} {organ} lesion(s) at baseline{listed}"
    if len(found) < low:
        return CriterionResult.NOT_MET, f"{count} < {low}"
    if len(found) > high:
        return CriterionResult.NOT_MET, f"{count} > {high}"
    return CriterionResult.MET, f"{count}, within {low}..{high}"


def screen_patients(measurements: pd.DataFrame | None, clinical: pd.DataFrame | None,
                    protocol: Protocol, history: pd.DataFrame | None = None,
                    scans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every eligibility criterion of ``protocol`` for every patient, with the verdict.

    1. Patients: those of the measurements table and of the clinical table.
    2. Imaging criteria use ``recist.baseline_rules.assess_baseline`` with
       ``protocol.criteria``: ``measurable_disease`` (MEAS-12) and
       ``organ_lesion_count`` (distinct baseline lesions whose organ key, DEC-21, is the
       organ; every kind counts unless ``kinds`` says otherwise). No baseline rows →
       unknown. With a lesion ``history`` (``recist.oligo.lesion_history``), a lesion
       treated locally before baseline is not measurable unless it progressed since
       (MEAS-10), so it does not make the disease measurable. A ``months_between``
       criterion with ``from_scans`` takes a date the clinical table lacks from the scan
       history (``scans``, ``recist.oligo.scan_history``) and the measurements (DEC-28);
       without a scan history it reads the clinical table alone.
    3. Clinical criteria read the clinical table (``normalise_clinical`` is applied to a
       plain DataFrame); an empty cell, a missing column or a
       patient without a row → unknown with the reason. Comparisons are inclusive
       (≥, ≤) on values rounded to 0.01 (DEC-22).
    4. Verdict: ``ineligible`` if any criterion is not met; else ``incomplete data`` if
       any is unknown; else ``eligible``.

    Returns
    -------
    pandas.DataFrame
        ``SCREENING_COLUMNS``: one row per patient and criterion, in protocol order.

    Examples
    --------
    >>> from recist.protocol import parse_protocol
    >>> protocol = parse_protocol({"eligibility": [
    ...     {"id": "IC-1", "text": "ECOG ≤ 2", "check": "number", "column": "ecog",
    ...      "maximum": 2}]})
    >>> clinical = normalise_clinical(pd.DataFrame({"patient_id": ["A", "B", "C"],
    ...                                             "ecog": ["1", "3", ""]}))
    >>> screen_patients(None, clinical, protocol)[["patient_id", "result", "verdict"]
    ...     ].values.tolist()
    [['A', 'met', 'eligible'], ['B', 'not met', 'ineligible'], ['C', 'unknown', 'incomplete data']]
    """
    patients: dict[str, None] = {}
    lesions_by_patient: dict[str, pd.DataFrame] = {}
    if measurements is not None and len(measurements):
        lesions = assess_baseline(measurements, protocol.criteria, history).lesions
        for patient_id, group in lesions.groupby("patient_id", sort=False, observed=True):
            lesions_by_patient[str(patient_id)] = group
        for patient_id in pd.unique(measurements["patient_id"]):
            patients.setdefault(str(patient_id), None)
    scans_by_patient: dict[str, pd.DataFrame] = {}
    if scans is not None and len(scans):
        scans_by_patient = {str(p): g for p, g in scans.groupby(
            scans["patient_id"].astype(str), sort=False)}
    rows_by_patient: dict[str, pd.DataFrame] = {}
    if measurements is not None and len(measurements):
        rows_by_patient = {str(p): g for p, g in measurements.groupby(
            measurements["patient_id"].astype(str), sort=False)}
    source = ""
    rows: dict[str, pd.Series] = {}
    if clinical is not None:
        if "source" not in clinical.attrs:  # a plain DataFrame: normalise it first
            clinical = normalise_clinical(clinical)
        source = clinical.attrs["source"]
        for _, row in clinical.iterrows():
            rows[str(row["patient_id"])] = row
            patients.setdefault(str(row["patient_id"]), None)
    records = []
    for patient_id in patients:
        cell = _Cell(rows.get(patient_id), source, patient_id)
        results = []
        for criterion in protocol.eligibility:
            if criterion.category == "imaging":
                result, reason = _imaging(criterion, lesions_by_patient.get(patient_id))
            elif (criterion.check == "months_between" and criterion.params.get("from_scans")
                  and scans is not None):
                result, reason = _check_months_between_scans(
                    criterion, cell, scans_by_patient.get(patient_id),
                    rows_by_patient.get(patient_id))
            else:
                result, reason = _CLINICAL[criterion.check](criterion, cell)
            results.append((criterion, result, reason))
        outcomes = {r for _, r, _ in results}
        verdict = (Verdict.INELIGIBLE if CriterionResult.NOT_MET in outcomes else
                   Verdict.INCOMPLETE if CriterionResult.UNKNOWN in outcomes else
                   Verdict.ELIGIBLE)
        for criterion, result, reason in results:
            records.append((patient_id, criterion.id, criterion.category, criterion.text,
                            result.value, reason, verdict.value))
    return pd.DataFrame(records, columns=list(SCREENING_COLUMNS))


def eligibility_verdicts(screening: pd.DataFrame) -> pd.DataFrame:
    """One row per patient: verdict and the ids of criteria not met and unknown.

    >>> s = pd.DataFrame({"patient_id": ["A", "A"], "criterion_id": ["IC-1", "IC-2"],
    ...     "result": ["met", "unknown"], "verdict": ["incomplete data"] * 2})
    >>> eligibility_verdicts(s).values.tolist()
    [['A', 'incomplete data', '', 'IC-2']]
    """
    out = []
    for patient_id, group in screening.groupby("patient_id", sort=False):
        out.append((patient_id, group["verdict"].iloc[0],
                    ", ".join(group.loc[group["result"] == "not met", "criterion_id"]),
                    ", ".join(group.loc[group["result"] == "unknown", "criterion_id"])))
    return pd.DataFrame(out, columns=["patient_id", "verdict", "not_met", "unknown"])
