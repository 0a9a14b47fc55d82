"""Baseline: per-lesion measurability, target-selection checks and per-patient verdicts.

Pure functions on the normalised measurements table (``recist.table``); every threshold
comes from a ``recist.criteria.Criteria``. The baseline of a patient is their earliest
time point: the rows of the visit (or, without a ``visit`` column, the date) holding the
patient's earliest scan date (RECIST_RULES.md section 1).

Organ keys for the 2-per-organ limit (SEL-1, SEL-3, DEC-21; ``organ_key``):

* every nodal lesion is keyed ``"lymph node"``, whatever its ``organ`` text (all lymph
  nodes together are one organ, FAQ "Two target lesions"); an organ text naming a node
  (``"mediastinal lymph node"``) is keyed so too;
* paired organs are one organ (FAQ "'Paired' organs"): laterality words (left, right,
  bilateral, l, r, lt, rt) are ignored and ``lung``/``lungs``/``pulmonary``/lobe
  abbreviations (rul, rml, rll, lul, lll, lingula) → ``"lung"``; ``kidney(s)``/``renal``
  → ``"kidney"``; ``ovary``/``ovaries``/``ovarian`` → ``"ovary"``;
  ``adrenal(s)``/``adrenal gland(s)`` → ``"adrenal"``; ``breast(s)`` → ``"breast"``;
  ``testis``/``testes``/``testicle(s)`` → ``"testis"``;
* ``liver``/``hepatic`` → ``"liver"`` (so "right lobe of liver" is the liver);
* any other text: lower case, punctuation and laterality words removed
  (``"Peritoneum"`` → ``"peritoneum"``); a missing organ has no key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity

__all__ = [
    "LESION_COLUMNS",
    "PATIENT_COLUMNS",
    "BaselineResult",
    "LesionCategory",
    "Measurability",
    "assess_baseline",
    "baseline_rows",
    "check_target_selection",
    "classify_lesions",
    "classify_measurability",
    "organ_key",
    "timepoint_index",
]

LESION_COLUMNS = (
    "patient_id", "lesion_id", "kind", "organ", "organ_key", "nodal", "ld_mm", "sa_mm",
    "slice_thickness_mm", "measurable", "category", "reason",
)
PATIENT_COLUMNS = (
    "patient_id", "baseline_date", "n_targets", "n_non_targets", "measurable_disease",
    "selection_valid", "problems",
)


class LesionCategory(StrEnum):
    """Measurability category of a baseline lesion (MEAS-1..7)."""

    MEASURABLE = "measurable"
    NON_MEASURABLE = "non-measurable"
    PATHOLOGICAL_NODE = "pathological node, non-measurable"
    NORMAL_NODE = "normal node"
    NOT_ASSESSABLE = "not assessable"


@dataclass(frozen=True)
class Measurability:
    """The measurability verdict of one lesion, with the reason in words.

    ``notes`` carries remarks that are not a verdict, e.g. the DEC-12 note for a node
    measured on slices thicker than the fixed-threshold limit.
    """

    category: LesionCategory
    reason: str
    notes: tuple[str, ...] = ()

    @property
    def measurable(self) -> bool:
        """True when the lesion is measurable (target-eligible)."""
        return self.category == LesionCategory.MEASURABLE


@dataclass(frozen=True)
class BaselineResult:
    """Output of ``assess_baseline``: lesions and patients tables, and findings."""

    lesions: pd.DataFrame
    patients: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)


# --- organ keys (DEC-21) -----------------------------------------------------------------

_LATERALITY = {"left", "right", "bilateral", "both", "l", "r", "lt", "rt", "side", "of", "the"}
_ORGAN_WORDS = {
    "lung": {"lung", "lungs", "pulmonary", "rul", "rml", "rll", "lul", "lll", "lingula"},
    "kidney": {"kidney", "kidneys", "renal"},
    "ovary": {"ovary", "ovaries", "ovarian"},
    "adrenal": {"adrenal", "adrenals"},
    "breast": {"breast", "breasts"},
    "testis": {"testis", "testes", "testicle", "testicles"},
    "liver": {"liver", "hepatic"},
}
_NODE_WORDS = {"node", "nodes", "nodal"}


def organ_key(organ: object, nodal: bool = False) -> str | None:
    """Organ key for the per-organ target limit (SEL-1, SEL-3; DEC-21).

    Interpretation: all lymph nodes are one organ and paired organs are one organ
    (FAQ "Two target lesions", "'Paired' organs"); the map is in the module docstring.

    Parameters
    ----------
    organ
        The free-text ``organ`` of the measurements table (case-insensitive).
    nodal
        True for a lymph node: the key is then ``"lymph node"`` whatever the text.

    Returns
    -------
    str or None
        The key, or None when the organ is missing and the lesion is not nodal.

    Examples
    --------
    >>> organ_key("Lung, left"), organ_key("right lung"), organ_key("RUL")
    ('lung', 'lung', 'lung')
    >>> organ_key("mediastinum", nodal=True), organ_key("left kidney")
    ('lymph node', 'kidney')
    >>> organ_key("Peritoneum"), organ_key(None)
    ('peritoneum', None)
    """
    if nodal:
        return "lymph node"
    if organ is None or (isinstance(organ, float) and np.isnan(organ)) or organ is pd.NA:
        return None
    words = [w for w in re.split(r"[^a-z0-9]+", str(organ).lower()) if w]
    if not words:
        return None
    if _NODE_WORDS & set(words):
        return "lymph node"
    for key, synonyms in _ORGAN_WORDS.items():
        if synonyms & set(words):
            return key
    kept = [w for w in words if w not in _LATERALITY]
    return " ".join(kept or words)


# --- time points -------------------------------------------------------------------------

def timepoint_index(measurements: pd.DataFrame) -> pd.DataFrame:
    """Time point of every row: key, start date, order within the patient, baseline flag.

    RECIST_RULES.md section 1: the rows of one visit form a time point; without a visit
    (column absent or cell empty) each distinct date is one. Time points are ordered by
    their earliest scan date; order 0 is the baseline.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``measurements.index``: ``timepoint`` (visit label or ISO date),
        ``timepoint_start`` (earliest date of its rows), ``timepoint_order`` (0, 1, …),
        ``is_baseline``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P", "P", "P"], "visit": ["V2", "V1", "V1"],
    ...                   "date": pd.to_datetime(["2024-03-01", "2024-01-02", "2024-01-05"])})
    >>> timepoint_index(m)[["timepoint", "timepoint_order", "is_baseline"]].values.tolist()
    [['V2', 1, False], ['V1', 0, True], ['V1', 0, True]]
    """
    dates = pd.to_datetime(measurements["date"])
    visit = None
    if "visit" in measurements.columns:
        visit = measurements["visit"].astype("string")
        # Work-around: recist.table (0.1.0) turns an absent visit into the text "<NA>".
        visit = visit.mask(visit.str.strip().isin(["", "<NA>"]))
    if visit is not None and visit.notna().any():
        key = visit
        missing = key.isna()
        if missing.any():
            key = key.copy()
            key[missing] = dates[missing].dt.strftime("%Y-%m-%d")
    else:
        key = dates.dt.strftime("%Y-%m-%d").astype("string")
    frame = pd.DataFrame({"patient_id": measurements["patient_id"].to_numpy(),
                          "timepoint": key.to_numpy(), "date": dates.to_numpy()})
    frame["timepoint_start"] = frame.groupby(["patient_id", "timepoint"], sort=False)[
        "date"].transform("min")
    order = (frame[["patient_id", "timepoint_start", "timepoint"]].drop_duplicates()
             .sort_values(["patient_id", "timepoint_start", "timepoint"], kind="stable"))
    order["timepoint_order"] = order.groupby("patient_id", sort=False).cumcount()
    frame = frame.merge(order, on=["patient_id", "timepoint_start", "timepoint"], how="left")
    frame.index = measurements.index
    frame["is_baseline"] = frame["timepoint_order"] == 0
    return frame[["timepoint", "timepoint_start", "timepoint_order", "is_baseline"]]


def baseline_rows(measurements: pd.DataFrame) -> pd.DataFrame:
    """Rows of each patient's baseline time point (the earliest), in input order."""
    return measurements.loc[timepoint_index(measurements)["is_baseline"].to_numpy()]


# --- measurability -----------------------------------------------------------------------

def _round(value: float, decimals: int) -> float:
    """Round half away from zero on the shortest decimal form of ``value`` (DEC-22)."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _mm(value: float) -> str:
    return f"{value:.1f}" if _round(value, 1) == value else f"{value:g}"


def classify_measurability(ld_mm: float | None, sa_mm: float | None, nodal: bool,
                           slice_thickness_mm: float | None = None,
                           criteria: Criteria = RECIST_1_1) -> Measurability:
    """Measurability of one lesion at baseline, with its reason (MEAS-1..7, MEAS-13).

    R11 3.1.1, 3.1.2, 4.2, Appendix II. Diameters are rounded half away from zero to
    ``criteria.rounding_decimals`` before the inclusive comparisons (DEC-22).

    1. A nodal lesion is judged on its SA (MEAS-4): SA missing → not assessable;
       SA ≥ ``node_measurable_sa_mm`` (15) → measurable; SA ≥
       ``node_pathological_sa_mm`` (10) → pathological but non-measurable, non-target
       only (MEAS-5); otherwise a normal node, not to be recorded (MEAS-6).
       Interpretation (DEC-12): the node thresholds do not change with slice thickness;
       slices > ``fixed_threshold_max_slice_mm`` (5) add a note.
    2. A non-nodal lesion is judged on its LD: LD missing → not assessable; LD ≥
       ``criteria.min_measurable_ld_mm(slice_thickness_mm)`` (10 mm, or twice the slice
       thickness when slices are > 5 mm, MEAS-2) → measurable; otherwise non-measurable
       (MEAS-7).

    Examples
    --------
    >>> classify_measurability(10.0, None, nodal=False).category.value
    'measurable'
    >>> classify_measurability(8.2, None, nodal=False).reason
    'non-nodal LD 8.2 mm < 10.0 mm (MEAS-1, R11 3.1.1)'
    >>> classify_measurability(11.0, None, nodal=False, slice_thickness_mm=6.0).reason
    'non-nodal LD 11.0 mm < 12.0 mm = 2 × 6.0 mm slice thickness (MEAS-2, R11 3.1.1)'
    >>> classify_measurability(25.0, 12.0, nodal=True).category.value
    'pathological node, non-measurable'
    """
    decimals = criteria.rounding_decimals
    thick = (not _is_missing(slice_thickness_mm)
             and slice_thickness_mm > criteria.fixed_threshold_max_slice_mm)
    if nodal:
        if _is_missing(sa_mm):
            return Measurability(
                LesionCategory.NOT_ASSESSABLE,
                "nodal lesion without a short axis: nodes are judged on their SA "
                "(MEAS-4, R11 3.1.1)")
        sa = _round(sa_mm, decimals)
        notes = ()
        if thick:
            notes = ((f"node measured on {_mm(slice_thickness_mm)} mm slices (> "
                     f"{_mm(criteria.fixed_threshold_max_slice_mm)} mm): the fixed "
                     f"{_mm(criteria.node_measurable_sa_mm)} mm SA threshold was applied "
                     "(DEC-12, MEAS-4)"),)
        measurable_sa = criteria.node_measurable_sa_mm
        pathological_sa = criteria.node_pathological_sa_mm
        if sa >= measurable_sa:
            return Measurability(
                LesionCategory.MEASURABLE,
                f"nodal SA {_mm(sa)} mm ≥ {_mm(measurable_sa)} mm (MEAS-4, R11 3.1.1)", notes)
        if sa >= pathological_sa:
            return Measurability(
                LesionCategory.PATHOLOGICAL_NODE,
                f"nodal SA {_mm(sa)} mm is ≥ {_mm(pathological_sa)} and < "
                f"{_mm(measurable_sa)} mm: pathological but not measurable, non-target only "
                "(MEAS-5, R11 3.1.2)", notes)
        return Measurability(
            LesionCategory.NORMAL_NODE,
            f"nodal SA {_mm(sa)} mm < {_mm(pathological_sa)} mm: normal node, not to be "
            "recorded (MEAS-6, R11 4.2)", notes)
    if _is_missing(ld_mm):
        return Measurability(LesionCategory.NOT_ASSESSABLE,
                             "non-nodal lesion without an LD (MEAS-1, R11 3.1.1)")
    ld = _round(ld_mm, decimals)
    threshold = _round(criteria.min_measurable_ld_mm(
        None if _is_missing(slice_thickness_mm) else float(slice_thickness_mm)), decimals)
    if thick and threshold > criteria.measurable_ld_mm:
        where = (f"{_mm(threshold)} mm = {criteria.slice_thickness_factor:g} × "
                 f"{_mm(slice_thickness_mm)} mm slice thickness (MEAS-2, R11 3.1.1)")
    else:
        where = f"{_mm(threshold)} mm (MEAS-1, R11 3.1.1)"
    if ld >= threshold:
        return Measurability(LesionCategory.MEASURABLE, f"non-nodal LD {_mm(ld)} mm ≥ {where}")
    return Measurability(LesionCategory.NON_MEASURABLE, f"non-nodal LD {_mm(ld)} mm < {where}")


_STATUS_REASONS = {
    "too_small": (LesionCategory.NON_MEASURABLE,
                  ("status too_small at baseline: present but too small to measure (SUM-4, "
                  "R11 4.3.2)")),
    "absent": (LesionCategory.NOT_ASSESSABLE,
               "status absent at baseline: a lesion recorded at baseline must be present"),
    "merged": (LesionCategory.NOT_ASSESSABLE,
               "status merged at baseline: lesions are merged only at follow-up (SUM-6)"),
    "not_evaluated": (LesionCategory.NOT_ASSESSABLE,
                      "status not_evaluated at baseline: no measurement to judge"),
}


def classify_lesions(measurements: pd.DataFrame,
                     criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """The baseline ``lesions`` table: one row per baseline lesion with its measurability.

    Uses the baseline rows only (``baseline_rows``). Several rows of one lesion at
    baseline are fragments whose diameters add (SUM-5). Columns: ``LESION_COLUMNS`` plus
    ``baseline_date`` (latest scan date of the baseline time point, DEC-20) and ``notes``.
    """
    base = baseline_rows(measurements)
    if base.empty:
        return pd.DataFrame(columns=[*LESION_COLUMNS, "baseline_date", "notes"])
    keys = ["patient_id", "lesion_id"]
    first = base.drop_duplicates(keys)[
        [*keys, "kind", "organ", "nodal", "status"]].reset_index(drop=True)
    grouped = base.groupby(keys, sort=False)
    sizes = grouped[["ld_mm", "sa_mm"]].sum(min_count=1)
    thickness = grouped["slice_thickness_mm"].max()
    lesions = first.join(sizes, on=keys).join(thickness, on=keys)
    latest = base.groupby("patient_id", sort=False)["date"].max()
    lesions["baseline_date"] = lesions["patient_id"].map(latest)
    lesions["nodal"] = lesions["nodal"].astype(bool)
    lesions["organ_key"] = [organ_key(o, n) for o, n in
                            zip(lesions["organ"].tolist(), lesions["nodal"].tolist())]
    categories, reasons, notes = [], [], []
    for kind, status, nodal, ld, sa, thickness in zip(
            lesions["kind"].tolist(), lesions["status"].tolist(), lesions["nodal"].tolist(),
            lesions["ld_mm"].tolist(), lesions["sa_mm"].tolist(),
            lesions["slice_thickness_mm"].tolist()):
        if kind == "target" and status in _STATUS_REASONS:
            category, reason = _STATUS_REASONS[status]
            result = Measurability(category, reason)
        else:
            result = classify_measurability(ld, sa, nodal, thickness, criteria)
        categories.append(result.category.value)
        reasons.append(result.reason)
        notes.append("; ".join(result.notes))
    lesions["category"] = categories
    lesions["reason"] = reasons
    lesions["notes"] = notes
    lesions["measurable"] = lesions["category"] == LesionCategory.MEASURABLE.value
    return lesions[[*LESION_COLUMNS, "baseline_date", "notes"]]


# --- target selection --------------------------------------------------------------------

def _selection_problem(lesion: dict, code: str, rule: str, text: str,
                       severity: Severity = Severity.WARNING) -> Finding:
    date = lesion.get("baseline_date")
    iso = pd.Timestamp(date).strftime("%Y-%m-%d") if not _is_missing(date) else None
    return Finding(code=code, severity=severity, rule=rule, patient_id=str(lesion["patient_id"]),
                   date=iso, lesion_id=lesion.get("lesion_id"),
                   message=f"patient {lesion['patient_id']}, baseline {iso}: {text}")


def check_target_selection(lesions: pd.DataFrame,
                           criteria: Criteria = RECIST_1_1) -> list[Finding]:
    """Check the reader's baseline target selection against SEL-1..5 (R11 4.2).

    The reader's choice is validated, never replaced (SEL-2). ``lesions`` is the table of
    ``classify_lesions`` (a measurements table is classified first). Per patient:

    1. More than ``max_targets`` (5) targets → ``too-many-targets`` (SEL-1).
    2. More than ``max_targets_per_organ`` (2) targets with one organ key →
       ``too-many-targets-in-organ`` (SEL-1, SEL-3). Interpretation (DEC-21): every nodal
       target is keyed "lymph node"; paired organs are one organ (``organ_key``).
    3. A target that is not measurable: a node with ``node_pathological_sa_mm`` ≤ SA <
       ``node_measurable_sa_mm`` → ``node-target-not-measurable`` (MEAS-5, SEL-4); a node
       with SA < ``node_pathological_sa_mm`` → ``normal-node-recorded`` (MEAS-6); any other
       → ``non-measurable-target`` (SEL-1, MEAS-1).
    4. A non-target node with SA < ``node_pathological_sa_mm`` → ``normal-node-recorded``
       (MEAS-6: normal nodes are not recorded).
    5. At least one measurable lesion but no target → ``no-target-selected`` (SEL-1).
    6. A non-nodal target without an organ → ``organ-missing``: the per-organ limit cannot
       be checked (the selection is then neither valid nor invalid).

    All are warnings: a selection problem is the reader's to resolve.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "T2", "T3"],
    ...     "date": pd.to_datetime(["2024-01-02"] * 3), "kind": ["target"] * 3,
    ...     "status": ["measured"] * 3, "organ": ["left lung", "right lung", "lung"],
    ...     "nodal": [False] * 3, "ld_mm": [21.0, 30.0, 12.0], "sa_mm": [None] * 3,
    ...     "slice_thickness_mm": [None] * 3})
    >>> [f.code for f in check_target_selection(m)]
    ['too-many-targets-in-organ']
    """
    if "category" not in lesions.columns:
        lesions = classify_lesions(lesions, criteria)
    findings: list[Finding] = []
    if lesions.empty:
        return findings
    records = lesions.to_dict("records")
    by_patient: dict[str, list[dict]] = {}
    for record in records:
        by_patient.setdefault(record["patient_id"], []).append(record)
    pathological = LesionCategory.PATHOLOGICAL_NODE.value
    normal = LesionCategory.NORMAL_NODE.value
    for rows in by_patient.values():
        targets = [r for r in rows if r["kind"] == "target"]
        if len(targets) > criteria.max_targets:
            findings.append(_selection_problem(
                {**targets[0], "lesion_id": None}, "too-many-targets", "SEL-1",
                f"{len(targets)} target lesions ({', '.join(r['lesion_id'] for r in targets)}) "
                f"exceed the maximum of {criteria.max_targets} (SEL-1, R11 4.2); record the "
                "others as non-targets"))
        per_organ: dict[str, list[dict]] = {}
        for r in targets:
            if r["organ_key"] is not None:
                per_organ.setdefault(r["organ_key"], []).append(r)
        for key, members in per_organ.items():
            if len(members) > criteria.max_targets_per_organ:
                described = ", ".join(
                    f"{r['lesion_id']} ({r['organ'] if not _is_missing(r['organ']) else 'node'})"
                    for r in members)
                findings.append(_selection_problem(
                    {**members[0], "lesion_id": None}, "too-many-targets-in-organ", "SEL-1",
                    f"{len(members)} targets in organ '{key}': {described}; at most "
                    f"{criteria.max_targets_per_organ} per organ (SEL-1, R11 4.2; all lymph "
                    "nodes and both sides of a paired organ count as one organ, SEL-3, "
                    "DEC-21)"))
        for r in targets:
            if r["measurable"]:
                continue
            if r["category"] == pathological:
                findings.append(_selection_problem(
                    r, "node-target-not-measurable", "MEAS-5",
                    f"target {r['lesion_id']}: {r['reason']}; record it as a non-target"))
            elif r["category"] == normal:
                findings.append(_selection_problem(
                    r, "normal-node-recorded", "MEAS-6",
                    f"target {r['lesion_id']}: {r['reason']}"))
            else:
                findings.append(_selection_problem(
                    r, "non-measurable-target", "SEL-1",
                    f"target {r['lesion_id']} is not measurable: {r['reason']}; targets must "
                    "be measurable (SEL-1, R11 4.2)"))
        for r in rows:
            if r["kind"] == "non-target" and r["category"] == normal:
                findings.append(_selection_problem(
                    r, "normal-node-recorded", "MEAS-6",
                    f"non-target {r['lesion_id']}: {r['reason']}"))
        if not targets and any(r["measurable"] for r in rows):
            measurable = ", ".join(r["lesion_id"] for r in rows if r["measurable"])
            findings.append(_selection_problem(
                {**rows[0], "lesion_id": None}, "no-target-selected", "SEL-1",
                f"no target lesion although {measurable} is measurable; measurable lesions "
                "up to the limits are targets (SEL-1, R11 4.2)"))
        for r in targets:
            if r["organ_key"] is None:
                findings.append(_selection_problem(
                    r, "organ-missing", "SEL-1",
                    f"target {r['lesion_id']} has no organ: the limit of "
                    f"{criteria.max_targets_per_organ} targets per organ cannot be checked; "
                    "fill the organ column"))
    return findings


# --- per-patient verdict -----------------------------------------------------------------

def assess_baseline(measurements: pd.DataFrame,
                    criteria: Criteria = RECIST_1_1) -> BaselineResult:
    """Measurability of every baseline lesion and a verdict per patient.

    MEAS-1..13, SEL-1..5 (R11 3.1, 4.1, 4.2).

    1. Baseline = each patient's earliest time point (``baseline_rows``).
    2. Each baseline lesion is classified (``classify_lesions``).
    3. ``measurable_disease`` = at least one measurable lesion (MEAS-12).
    4. The target selection is checked (``check_target_selection``);
       ``selection_valid`` is False when a problem was found, missing (NA) when only the
       organ was missing, else True; ``problems`` joins the problems with "; ".
    5. Nodes on slices > 5 mm add a DEC-12 note as an info finding.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P", "P"], "lesion_id": ["T1", "T1"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01"]), "kind": ["target"] * 2,
    ...     "status": ["measured"] * 2, "organ": ["liver"] * 2, "nodal": [False] * 2,
    ...     "ld_mm": [9.9, 12.0], "sa_mm": [None] * 2, "slice_thickness_mm": [None] * 2})
    >>> result = assess_baseline(m)
    >>> result.patients[["measurable_disease", "selection_valid"]].values.tolist()
    [[False, False]]
    """
    lesions = classify_lesions(measurements, criteria)
    findings = check_target_selection(lesions, criteria)
    for record in lesions.loc[lesions["notes"] != ""].to_dict("records"):
        findings.append(_selection_problem(record, "node-thick-slices", "DEC-12",
                                           f"lesion {record['lesion_id']}: {record['notes']}",
                                           Severity.INFO))
    problems: dict[str, list[str]] = {}
    undecided: set[str] = set()
    for finding in findings:
        if finding.severity == Severity.INFO:
            continue
        if finding.code == "organ-missing":
            undecided.add(finding.patient_id)
        else:
            problems.setdefault(finding.patient_id, []).append(
                finding.message.split(": ", 1)[1])
    if lesions.empty:
        patients = pd.DataFrame(columns=list(PATIENT_COLUMNS))
    else:
        counts = pd.DataFrame({
            "patient_id": lesions["patient_id"],
            "baseline_date": lesions["baseline_date"],
            "n_targets": (lesions["kind"] == "target").astype(int),
            "n_non_targets": (lesions["kind"] == "non-target").astype(int),
            "measurable_disease": lesions["measurable"].astype(bool),
        })
        patients = counts.groupby("patient_id", sort=False).agg(
            baseline_date=("baseline_date", "first"), n_targets=("n_targets", "sum"),
            n_non_targets=("n_non_targets", "sum"),
            measurable_disease=("measurable_disease", "any")).reset_index()
        valid = []
        for patient_id in patients["patient_id"].tolist():
            if patient_id in problems:
                valid.append(False)
            elif patient_id in undecided:
                valid.append(pd.NA)
            else:
                valid.append(True)
        patients["selection_valid"] = pd.array(valid, dtype="boolean")
        patients["problems"] = ["; ".join(problems.get(p, [])) for p in patients["patient_id"]]
        patients = patients[list(PATIENT_COLUMNS)]
    lesions = lesions[list(LESION_COLUMNS)].reset_index(drop=True)
    return BaselineResult(lesions=lesions, patients=patients, findings=findings)
