"""Pattern of failure after local treatment: local failure, new lung and extrapulmonary
disease, and whether a recurrence is still oligometastatic (DEC-24, DEC-25, DEC-26).

Pure functions on the normalised measurements table (``recist.table``) and a table of
local treatments (``local_treatments``: one row per treated lesion and date, from the
lesion history and the therapies table). Three tables come out:

* ``lesion_control`` — one row per treatment episode of a treated lesion: its
  post-treatment nadir and the date of local failure, with the reason (DEC-24);
* ``recurrences`` — one row per recurrence event: local, intrapulmonary, extrapulmonary
  (DEC-25), with the lesion and the rule;
* ``recurrence_status`` — one row per patient and date with a recurrence event: the
  active lesions and organs then, and whether the disease is still oligometastatic
  (DEC-26).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.organs import organ_key
from recist.table import parse_bool
from recist.vocabulary import LesionKind, LocalTherapy, NonTargetStatus, TargetStatus, TherapyKind

__all__ = ["CONTROL_COLUMNS", "RECURRENCE_COLUMNS", "STATUS_COLUMNS", "FailurePattern",
           "Pattern", "episode_failure", "failure_pattern", "local_treatments"]

CONTROL_COLUMNS = ("patient_id", "lesion_id", "organ", "episode", "treatment_date", "therapy",
                   "nadir_mm", "local_failure", "local_failure_date", "last_assessment_date",
                   "reason")
RECURRENCE_COLUMNS = ("patient_id", "date", "pattern", "lesion_id", "organ", "rule", "reason")
STATUS_COLUMNS = ("patient_id", "date", "patterns", "n_active_lesions", "n_active_organs",
                  "active_lesions", "oligometastatic", "reason")


class Pattern:
    """Kinds of recurrence event (DEC-25)."""

    LOCAL = "local"
    INTRAPULMONARY = "intrapulmonary"
    EXTRAPULMONARY = "extrapulmonary"
    UNCLASSIFIED = "unclassified"  # a new lesion without an organ
    ORDER = (LOCAL, INTRAPULMONARY, EXTRAPULMONARY, UNCLASSIFIED)


@dataclass(frozen=True)
class FailurePattern:
    """The three tables of ``failure_pattern``."""

    lesion_control: pd.DataFrame
    recurrences: pd.DataFrame
    recurrence_status: pd.DataFrame


@dataclass(frozen=True)
class _Assessment:
    """One lesion at one scan date: its diameter (None if unmeasured) and flags."""

    date: pd.Timestamp
    diameter: float | None
    disease: bool | None  # shows disease; None when not evaluated
    reader_failure: bool


def local_treatments(history: pd.DataFrame | None,
                     therapies: pd.DataFrame | None) -> pd.DataFrame:
    """One row per locally treated lesion and treatment date (``patient_id``,
    ``lesion_id``, ``date``, ``therapy``), from the lesion history (``local_therapy`` other
    than ``none``) and the local therapies of the therapies table; duplicates dropped.

    >>> t = pd.DataFrame({"patient_id": ["P"], "date": pd.to_datetime(["2024-02-01"]),
    ...     "kind": ["local"], "lesion_ids": [("T1", "T2")], "regimen": ["sbrt"]})
    >>> local_treatments(None, t)[["lesion_id", "therapy"]].values.tolist()
    [['T1', 'sbrt'], ['T2', 'sbrt']]
    """
    rows: list[tuple[str, str, pd.Timestamp, str]] = []
    if history is not None:
        for record in history.itertuples():
            if record.local_therapy != LocalTherapy.NONE and not pd.isna(
                    record.local_therapy_date):
                rows.append((str(record.patient_id), str(record.lesion_id),
                             pd.Timestamp(record.local_therapy_date), str(record.local_therapy)))
    if therapies is not None:
        for record in therapies[therapies["kind"] == TherapyKind.LOCAL].itertuples():
            for lesion_id in record.lesion_ids:
                rows.append((str(record.patient_id), str(lesion_id), pd.Timestamp(record.date),
                             record.regimen or "local therapy"))
    frame = pd.DataFrame(rows, columns=["patient_id", "lesion_id", "date", "therapy"])
    frame = frame.drop_duplicates(["patient_id", "lesion_id", "date"])
    return frame.sort_values(["patient_id", "lesion_id", "date"], kind="stable").reset_index(
        drop=True)


def _round(value: float, decimals: int) -> float:
    """``recist.arrays.round_half_away`` for one float, without numpy's per-call cost
    (DEC-22: the scaled magnitude is first rounded to 6 decimals, then half away from 0).

    >>> _round(1.005, 2), _round(-2.675, 2), _round(30 / 25 * 100 - 100, 2)
    (1.01, -2.68, 20.0)
    """
    scale = 10.0 ** decimals
    scaled = round(abs(value) * scale * 1e6) / 1e6
    result = math.floor(scaled + 0.5) / scale
    return (-result if value < 0 else result) + 0.0


def episode_failure(assessments: Sequence[tuple[pd.Timestamp, float | None, bool]],
                    criteria: Criteria = RECIST_1_1,
                    ) -> tuple[pd.Timestamp | None, float | None, str]:
    """Local failure within one treatment episode (DEC-24).

    ``assessments`` are the lesion's post-treatment assessments in date order:
    ``(date, diameter or None, reader called a failure)``. Returns ``(failure date or
    None, post-treatment nadir before the failure, reason)``.

    >>> d = pd.Timestamp
    >>> when, nadir, reason = episode_failure([(d("2024-04-01"), 20.0, False),
    ...                                        (d("2024-07-01"), 25.0, False)])
    >>> f"{when:%Y-%m-%d}", nadir
    ('2024-07-01', 20.0)
    >>> reason
    'LD 25.0 mm is +25.0% and +5.0 mm over the post-treatment nadir 20.0 mm (DEC-24)'

    >>> episode_failure([(d("2024-04-01"), 20.0, False), (d("2024-07-01"), 24.9, False)])[0]
    """
    nadir: float | None = None
    pct, mm, decimals = (criteria.local_failure_increase_pct,
                         criteria.local_failure_min_increase_mm, criteria.rounding_decimals)
    for when, diameter, reader in assessments:
        if reader:
            return when, nadir, "the reader recorded local failure (progression) (DEC-24)"
        if diameter is None:
            continue
        if nadir is not None:
            growth = _round(diameter - nadir, decimals)
            change = None if nadir == 0 else _round((diameter / nadir - 1) * 100, decimals)
            if growth >= mm and (change is None or change >= pct):
                shown = "from a nadir of 0" if change is None else f"+{change:.1f}%"
                return when, nadir, (f"LD {diameter:.1f} mm is {shown} and +{growth:.1f} mm "
                                     f"over the post-treatment nadir {nadir:.1f} mm (DEC-24)")
        nadir = diameter if nadir is None else min(nadir, diameter)
    return None, nadir, "no local failure (DEC-24)"


@dataclass
class _Lesion:
    """What the rules need of one lesion, gathered in one pass over the table."""

    assessments: list[_Assessment]
    organ: str | None
    key: str | None  # organ key (DEC-21)
    new: bool  # recorded as a new lesion
    first_date: pd.Timestamp
    first_unequivocal: pd.Timestamp | None
    progression_dates: list[pd.Timestamp]


def _gather(m: pd.DataFrame, criteria: Criteria) -> dict[str, dict[str, _Lesion]]:
    """patient → lesion (in order of appearance) → its facts, computed column-wise.

    One assessment per lesion and scan date: fragments add (SUM-5); ``absent`` counts
    0 mm, ``too_small`` ``criteria.too_small_mm``; ``not_evaluated`` and ``merged`` rows
    carry neither a diameter nor a verdict; a nodal lesion is measured by its SA.
    """
    status = m["status"].astype(str).to_numpy(dtype=object)
    n = len(m)
    nodal = (np.array([bool(v) if isinstance(v, (bool, np.bool_)) else bool(parse_bool(v))
                       for v in m["nodal"].tolist()], dtype=bool) if "nodal" in m.columns
             else np.zeros(n, dtype=bool))
    ld = pd.to_numeric(m["ld_mm"], errors="coerce").to_numpy(dtype=float) \
        if "ld_mm" in m.columns else np.full(n, np.nan)
    sa = pd.to_numeric(m["sa_mm"], errors="coerce").to_numpy(dtype=float) \
        if "sa_mm" in m.columns else np.full(n, np.nan)
    value = np.where(nodal, sa, ld)
    absent = status == TargetStatus.ABSENT.value
    small = status == TargetStatus.TOO_SMALL.value
    skip = np.isin(status, [TargetStatus.NOT_EVALUATED.value, TargetStatus.MERGED.value])
    diameter = np.select([absent, small, skip], [0.0, criteria.too_small_mm, np.nan], value)
    disease = np.select([absent, small, skip], [0.0, 1.0, np.nan],
                        (status != "equivocal").astype(float))
    reader = status == NonTargetStatus.PROGRESSION.value
    if "local_failure" in m.columns:
        flags = m["local_failure"]
        called = {v: bool(parse_bool(v)) for v in flags.dropna().unique()}
        reader |= np.array([called.get(v, False) for v in flags.tolist()], dtype=bool)
    frame = pd.DataFrame({"p": m["patient_id"].to_numpy(), "l": m["lesion_id"].to_numpy(),
                          "d": m["date"].to_numpy(), "diameter": diameter,
                          "disease": disease, "reader": reader})
    by_scan = frame.groupby(["p", "l", "d"], sort=True).agg(
        diameter=("diameter", "sum"), measured=("diameter", "count"),
        disease=("disease", "max"), reader=("reader", "any"))
    by_scan.loc[by_scan["measured"] == 0, "diameter"] = np.nan  # no diameter at that scan
    assessments: dict[tuple[str, str], list[_Assessment]] = {}
    for (p, lesion, when), size, sick, called in zip(
            by_scan.index, by_scan["diameter"].to_numpy(), by_scan["disease"].to_numpy(),
            by_scan["reader"].to_numpy()):
        assessments.setdefault((p, lesion), []).append(_Assessment(
            date=pd.Timestamp(when), diameter=None if np.isnan(size) else float(size),
            disease=None if np.isnan(sick) else bool(sick), reader_failure=bool(called)))
    keyed = frame.assign(organ=m["organ"].to_numpy() if "organ" in m.columns else None,
                         nodal=nodal, new=(m["kind"].astype(str) == LesionKind.NEW).to_numpy(),
                         unequivocal=np.where(status == "unequivocal", frame["d"], pd.NaT),
                         progression=reader & (status == NonTargetStatus.PROGRESSION.value))
    keyed["unequivocal"] = pd.to_datetime(keyed["unequivocal"])
    per_lesion = keyed.groupby(["p", "l"], sort=False).agg(
        organ=("organ", "first"), nodal=("nodal", "any"), new=("new", "any"),
        first_date=("d", "min"), first_unequivocal=("unequivocal", "min"))
    progressing = keyed[keyed["progression"]].groupby(["p", "l"])["d"].apply(
        lambda v: sorted(pd.Timestamp(x) for x in v.unique()))
    progression = dict(zip(progressing.index, progressing.to_numpy()))
    out: dict[str, dict[str, _Lesion]] = {}
    for (p, lesion), organ, node, new, first, unequivocal in zip(
            per_lesion.index, per_lesion["organ"], per_lesion["nodal"], per_lesion["new"],
            per_lesion["first_date"], per_lesion["first_unequivocal"]):
        text = None if organ is None or pd.isna(organ) else str(organ)
        key = organ_key(text, bool(node)) if text is not None or node else None
        out.setdefault(p, {})[lesion] = _Lesion(
            assessments=assessments[(p, lesion)], organ=text, key=key, new=bool(new),
            first_date=pd.Timestamp(first),
            first_unequivocal=None if pd.isna(unequivocal) else pd.Timestamp(unequivocal),
            progression_dates=progression.get((p, lesion), []))
    return out


def _pattern(key: str | None) -> str:
    if key is None:
        return Pattern.UNCLASSIFIED
    return Pattern.INTRAPULMONARY if key == "lung" else Pattern.EXTRAPULMONARY


def failure_pattern(measurements: pd.DataFrame, treatments: pd.DataFrame,
                    criteria: Criteria = RECIST_1_1) -> FailurePattern:
    """Local control, recurrence events and oligometastatic status of every patient.

    DEC-24 (local failure per treatment episode), DEC-25 (events and their pattern),
    DEC-26 (active lesions and organs at each recurrence date).

    1. Treatments dated before the patient's baseline scan open no episode (MEAS-10
       judges them); each other treatment of a lesion opens an episode whose assessments
       are the lesion's rows dated after it and not after the next treatment. A lesion
       treated before baseline that the reader records ``progression`` fails locally on
       that date.
    2. Each episode's failure is ``episode_failure``; a failure is a ``local`` event.
    3. A new lesion with an unequivocal row is an event at its first row (equivocal
       included); an untreated lesion recorded ``progression`` is an event at its first
       such row; both are ``intrapulmonary`` when the organ key is ``lung``,
       ``extrapulmonary`` otherwise (``unclassified`` without an organ).
    4. At each event date, the active lesions (DEC-26) and the verdict.
    """
    m = measurements.copy()
    m["patient_id"] = m["patient_id"].astype(str)
    m["lesion_id"] = m["lesion_id"].astype(str)
    m["date"] = pd.to_datetime(m["date"])
    baseline = m.groupby("patient_id")["date"].min()
    by_lesion_treatments: dict[tuple[str, str], list[tuple[pd.Timestamp, str]]] = {}
    every_treatment: dict[tuple[str, str], list[tuple[pd.Timestamp, str]]] = {}
    first_scan = dict(zip(baseline.index, baseline.to_numpy()))
    for patient, lesion, day, therapy in zip(
            treatments["patient_id"].astype(str), treatments["lesion_id"].astype(str),
            treatments["date"], treatments["therapy"].astype(str)):
        ids, when = (patient, lesion), pd.Timestamp(day)
        every_treatment.setdefault(ids, []).append((when, therapy))
        if patient in first_scan and when >= first_scan[patient]:
            by_lesion_treatments.setdefault(ids, []).append((when, therapy))
    control: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    status: list[tuple[Any, ...]] = []
    facts = _gather(m, criteria)
    for patient_id in sorted(facts):
        lesions = facts[patient_id]
        series = {lesion: fact.assessments for lesion, fact in lesions.items()}
        mine: list[tuple[Any, ...]] = []  # this patient's events
        failures: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}  # (treated, failed)
        for lesion, fact in lesions.items():
            episodes = sorted(by_lesion_treatments.get((patient_id, lesion), []))
            organ, key = fact.organ, fact.key
            for number, (start, therapy) in enumerate(episodes, 1):
                end = episodes[number][0] if number < len(episodes) else None
                window = [a for a in fact.assessments
                          if a.date > start and (end is None or a.date <= end)]
                failed, nadir, reason = episode_failure(
                    [(a.date, a.diameter, a.reader_failure) for a in window], criteria)
                last = window[-1].date if window else pd.NaT
                if failed is not None:
                    failures.setdefault(lesion, []).append((start, failed))
                    mine.append((patient_id, failed, Pattern.LOCAL, lesion, organ, "DEC-24",
                                 f"{lesion} treated by {therapy} on {start:%Y-%m-%d}: {reason}"))
                elif not window:
                    reason = "no assessment after the treatment (DEC-24)"
                control.append((patient_id, lesion, organ, number, start, therapy, nadir,
                                failed is not None, failed if failed is not None else pd.NaT,
                                last, reason))
            first_treated = episodes[0][0] if episodes else None
            if fact.new and fact.first_unequivocal is not None:
                first = fact.first_date
                backdated = (" (first seen equivocal, dated back as DEC-13)"
                             if first < fact.first_unequivocal else "")
                mine.append((patient_id, first, _pattern(key), lesion, organ, "DEC-25",
                             f"new lesion {lesion} ({organ or 'organ not recorded'}) "
                             f"first seen on {first:%Y-%m-%d}{backdated}"))
            progressing = [d for d in fact.progression_dates
                           if first_treated is None or d < first_treated]
            if progressing and not fact.new:
                when = progressing[0]
                earlier = [(d, t) for d, t in sorted(every_treatment.get(
                    (patient_id, lesion), [])) if d < when]
                if earlier:  # treated before baseline (MEAS-10) and now progressing
                    start, therapy = earlier[-1]
                    failures.setdefault(lesion, []).append((start, when))
                    mine.append((patient_id, when, Pattern.LOCAL, lesion, organ, "DEC-24",
                                 f"{lesion} treated by {therapy} on {start:%Y-%m-%d}, "
                                 "before baseline: the reader recorded progression on "
                                 f"{when:%Y-%m-%d}"))
                else:
                    where = organ or "organ not recorded"
                    mine.append((patient_id, when, _pattern(key), lesion, organ, "DEC-25",
                                 f"untreated lesion {lesion} ({where}) recorded progression "
                                 f"on {when:%Y-%m-%d}"))
        events.extend(mine)
        for when in sorted({e[1] for e in mine}):
            kinds_then = sorted({e[2] for e in mine if e[1] == when}, key=Pattern.ORDER.index)
            active = _active_lesions(when, series, every_treatment, failures, patient_id)
            keys = sorted({lesions[lesion].key or "organ not recorded" for lesion in active})
            oligo = (len(active) <= criteria.oligo_max_lesions
                     and len(keys) <= criteria.oligo_max_organs)
            verdict = "still oligometastatic" if oligo else "no longer oligometastatic"
            reason = (f"{len(active)} active lesion(s) in {len(keys)} organ(s) "
                      f"({', '.join(keys) or 'none'}); at most {criteria.oligo_max_lesions} "
                      f"lesions in {criteria.oligo_max_organs} organs: {verdict} (DEC-26)")
            status.append((patient_id, when, "+".join(kinds_then), len(active), len(keys),
                           ";".join(active), oligo, reason))
    control_frame = pd.DataFrame(control, columns=list(CONTROL_COLUMNS))
    event_frame = pd.DataFrame(events, columns=list(RECURRENCE_COLUMNS))
    if len(event_frame):
        event_frame["_order"] = event_frame["pattern"].map(Pattern.ORDER.index)
        event_frame = event_frame.sort_values(["patient_id", "date", "_order", "lesion_id"],
                                              kind="stable").drop(columns="_order")
    status_frame = pd.DataFrame(status, columns=list(STATUS_COLUMNS))
    for frame, columns in ((control_frame, ("treatment_date", "local_failure_date",
                                            "last_assessment_date")),
                           (event_frame, ("date",)), (status_frame, ("date",))):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])
    if len(control_frame):
        control_frame["local_failure"] = control_frame["local_failure"].astype(bool)
        control_frame["nadir_mm"] = control_frame["nadir_mm"].astype(float)
    if len(status_frame):
        status_frame["oligometastatic"] = status_frame["oligometastatic"].astype(bool)
    return FailurePattern(control_frame, event_frame.reset_index(drop=True), status_frame)


def _active_lesions(when: pd.Timestamp, series: dict[str, list[_Assessment]],
                    treatments: dict[tuple[str, str], list[tuple[pd.Timestamp, str]]],
                    failures: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]],
                    patient_id: str) -> list[str]:
    """Lesions showing disease at ``when`` that are untreated or failed since their latest
    treatment (DEC-26), sorted by id."""
    active = []
    for lesion, assessments in series.items():
        known = [a for a in assessments if a.date <= when and a.disease is not None]
        if not known or not known[-1].disease:
            continue
        done = [d for d, _ in treatments.get((patient_id, lesion), []) if d < when]
        if done:
            latest = max(done)
            if not any(start == latest and failed <= when
                       for start, failed in failures.get(lesion, [])):
                continue  # treated and still controlled
        active.append(lesion)
    return sorted(active)
