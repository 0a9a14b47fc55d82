"""Write SDTM TU, TR, RS (and DM) from the measurements table and computed responses.

The inverse of ``recist.cdisc.sdtm_in`` (its module docstring gives the mapping):

* **TU** — one ``TUMIDENT`` record per patient and lesion, at its first visit: ``TULNKID``
  = lesion_id, ``TUORRES`` TARGET / NON-TARGET / NEW, ``TULOC`` = organ in upper case
  (``" LYMPH NODE"`` appended to a nodal lesion's organ that does not say so, since
  nodal status travels in ``TULOC``), ``TULAT`` from an optional ``laterality`` column.
* **TR** — per measurements row: targets and measured new/non-target lesions give
  ``LDIAM`` (ld_mm) and ``LPERP`` (sa_mm) records; status ``absent`` → the counting
  diameter 0, ``too_small`` → ``TRORRES`` "TOO SMALL TO MEASURE" (standardised to 5 mm
  in ``TRSTRESC``/``TRSTRESN``, as the CDISC supplement shows), ``merged`` →
  ``TRSTAT`` NOT DONE / ``TRREASND`` "TUMOR MERGED", ``not_evaluated`` → NOT DONE /
  "NOT EVALUABLE". Non-target and new lesions get a ``TUMSTATE`` record (PRESENT,
  ABSENT, UNEQUIVOCAL PROGRESSION, EQUIVOCAL). Fragments of a split lesion get link ids
  ``T04.1``, ``T04.2`` … (SUM-5).
* **RS** — per post-baseline time point ``TRGRESP``, ``NTRGRESP``, ``NEWLIND`` (Y, N or
  EQUIVOCAL), ``NEWLPROG`` (Y when an unequivocal new lesion makes it PD) and
  ``OVRLRESP``; per patient one ``BESTRSP`` (the confirmed BOR when the
  summary has ``confirmed_bor``, else ``bor``; ``RSDTC`` = bor_date). ``RSCAT`` is
  "RECIST 1.1"; values are those of the timepoints table (NA kept as "NA").
* **DM** — ``RFSTDTC`` start_date, ``RFPENDTC`` last_contact_date, ``DTHDTC``/``DTHFL``,
  ``ARM``/``ACTARM``.

Readers: an ``evaluator`` column (several readers, as ``read_sdtm`` returns them) becomes
``--EVAL`` / ``--EVALID`` (INVESTIGATOR, else INDEPENDENT ASSESSOR with the reader's name
in ``--EVALID``), each reader's lesions identified in TU on their own.

``VISITNUM`` is the measurements' ``visitnum`` column when present, otherwise the rank of
the visit by date within the patient (baseline = 1). XPT output is version 5 with
8-character names and labels (``write_sdtm``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recist.arrays import run_starts
from recist.cdisc.xpt import write_cdisc_table
from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.response import reader_labels
from recist.vocabulary import LesionKind

__all__ = ["LABELS", "dm_from_patients", "measurements_to_sdtm", "overall_response_rsseq",
           "rs_from_responses", "write_sdtm"]

LABELS = {
    "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation",
    "USUBJID": "Unique Subject Identifier", "TUSEQ": "Sequence Number",
    "TULNKID": "Link ID", "TUTESTCD": "Tumor/Lesion ID Short Name",
    "TUTEST": "Tumor/Lesion ID Test Name", "TUORRES": "Tumor/Lesion ID Result",
    "TUSTRESC": "Tumor/Lesion ID Result Std. Format", "TULOC": "Location of the Tumor/Lesion",
    "TULAT": "Laterality", "TUMETHOD": "Method of Identification",
    "VISITNUM": "Visit Number", "VISIT": "Visit Name", "TUDTC": "Date/Time of Tumor ID",
    "TRSEQ": "Sequence Number", "TRGRPID": "Group ID", "TRLNKID": "Link ID",
    "TRTESTCD": "Tumor/Lesion Assessment Short Name",
    "TRTEST": "Tumor/Lesion Assessment Test Name", "TRORRES": "Result or Finding in Orig Units",
    "TRORRESU": "Original Units", "TRSTRESC": "Character Result/Finding in Std Format",
    "TRSTRESN": "Numeric Result/Finding in Std Units", "TRSTRESU": "Standard Units",
    "TRSTAT": "Completion Status", "TRREASND": "Reason Not Done",
    "TRMETHOD": "Method Used to Identify the Tumor", "TRDTC": "Date/Time of Tumor Measurement",
    "RSSEQ": "Sequence Number", "RSCAT": "Category for Assessment",
    "RSTESTCD": "Assessment Short Name", "RSTEST": "Assessment Name",
    "RSORRES": "Result or Finding in Original Units", "RSSTRESC": "Character Result/Finding "
    "in Std Format", "RSEVAL": "Evaluator", "RSEVALID": "Evaluator Identifier",
    "TREVAL": "Evaluator", "TREVALID": "Evaluator Identifier", "TUEVAL": "Evaluator",
    "TUEVALID": "Evaluator Identifier", "RSDTC": "Date/Time of Assessment",
    "RFSTDTC": "Subject Reference Start Date/Time", "RFPENDTC": "Subject Reference End "
    "Date/Time", "DTHDTC": "Date/Time of Death", "DTHFL": "Subject Death Flag",
    "ARM": "Description of Planned Arm", "ACTARM": "Description of Actual Arm",
}

_TEST_NAMES = {"LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular",
               "TUMSTATE": "Tumor State"}
_KIND_RESULT = {kind.value: kind.value.upper() for kind in LesionKind}  # TARGET, NON-TARGET, NEW
_STATE_RESULT = {"present": "PRESENT", "absent": "ABSENT",
                 "progression": "UNEQUIVOCAL PROGRESSION", "equivocal": "EQUIVOCAL",
                 "unequivocal": "PRESENT"}
_RS_TESTS = {"TRGRESP": ("target_response", "Target Response"),
             "NTRGRESP": ("nontarget_response", "Non-target Response"),
             "NEWLIND": ("new_lesions", "New Lesion Indicator"),
             "NEWLPROG": ("new_lesion_progression", "New Lesion Progression"),
             "OVRLRESP": ("overall_response", "Overall Response")}


def _evaluator_columns(frame: pd.DataFrame, domain: str,
                       default: str | None = None) -> dict[str, object]:
    """``--EVAL``/``--EVALID`` of each row from an ``evaluator`` column (or ``default``); a
    reader's name is read as ``recist.response.reader_labels`` reads it (without surrounding
    spaces), so one reader has one ``--EVALID`` in TU, TR and RS."""
    if "evaluator" not in frame.columns:
        return {f"{domain}EVAL": default} if default is not None else {}
    label = reader_labels(frame).str.upper()
    investigator = label.isin(["INVESTIGATOR", ""])
    return {f"{domain}EVAL": np.where(investigator, "INVESTIGATOR", "INDEPENDENT ASSESSOR"),
            f"{domain}EVALID": np.where(investigator, "", label)}


def _iso(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")


def _number_text(values: pd.Series) -> pd.Series:
    """Shortest decimal text of each number ('20', '12.5'), empty when missing."""
    return values.map(lambda v: "" if pd.isna(v) else np.format_float_positional(
        float(v), trim="-"))


def _visit_numbers(frame: pd.DataFrame) -> pd.Series:
    """VISITNUM: the ``visitnum`` column, else the visit's rank by date in the patient."""
    visit = frame["visit"].astype("string").fillna(frame["date"].astype(str))
    first = frame.assign(_visit=visit).groupby(["patient_id", "_visit"])["date"].transform(
        "min")
    rank = first.groupby(frame["patient_id"]).rank(method="dense").astype(int)
    if "visitnum" in frame.columns:
        given = pd.to_numeric(frame["visitnum"], errors="coerce")
        rank = given.where(given.notna(), rank)
    return rank


def _with_visits(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``patient_id`` as text, ``date`` as datetime, VISITNUM and VISIT.

    VISIT is the ``visit`` column, else ``ASSESSMENT <VISITNUM>``.
    """
    frame = frame.copy()
    frame["patient_id"] = frame["patient_id"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"])
    if "visit" not in frame.columns:
        frame["visit"] = pd.NA
    frame["VISITNUM"] = _visit_numbers(frame)
    frame["VISIT"] = frame["visit"].astype("string").fillna(
        "ASSESSMENT " + frame["VISITNUM"].astype(int).astype(str))
    return frame


def measurements_to_sdtm(measurements: pd.DataFrame, *, studyid: str = "RECIST",
                         method: str = "CT SCAN",
                         too_small_mm: float = RECIST_1_1.too_small_mm
                         ) -> dict[str, pd.DataFrame]:
    """SDTM TU and TR for a measurements table (normalised by ``normalise_measurements``).

    A ``too_small`` target is written as the CDISC RECIST 1.1 supplement shows it:
    ``TRORRES`` "TOO SMALL TO MEASURE", ``TRSTRESC``/``TRSTRESN`` standardised to
    ``too_small_mm`` (SUM-4, 5 mm by default).

    Returns ``{"TU": ..., "TR": ...}`` with string cells (``TRSTRESN``, ``VISITNUM`` and
    the ``--SEQ`` columns numeric).
    """
    frame = _with_visits(measurements.reset_index(drop=True))
    frame["STUDYID"] = frame["studyid"].astype("string").fillna(studyid) \
        if "studyid" in frame.columns else studyid
    frame["DTC"] = _iso(frame["date"])
    kind = frame["kind"].astype(str)
    nodal = frame["nodal"].astype(bool)
    status = frame["status"].astype(str)

    # split lesions: several target rows of one lesion at one time point -> T04.1, T04.2
    reader = reader_labels(frame) if "evaluator" in frame.columns else pd.Series(
        "", index=frame.index)
    frame["_reader"] = reader
    group = [reader, frame["patient_id"], frame["VISIT"], frame["lesion_id"].astype(str)]
    size = frame.groupby(group)["lesion_id"].transform("size")
    order = frame.groupby(group).cumcount() + 1
    frame["LNK"] = frame["lesion_id"].astype(str).where(
        size == 1, frame["lesion_id"].astype(str) + "." + order.astype(str))

    # --- TU: first appearance of each lesion ---
    first = frame.sort_values(["_reader", "patient_id", "date"], kind="stable"
                              ).drop_duplicates(["_reader", "patient_id", "lesion_id"])
    organ = first["organ"].astype("string").str.upper().fillna("")
    node = first["nodal"].astype(bool)
    needs_node = node & ~organ.str.contains("LYMPH NODE", na=False)
    organ = organ.where(~needs_node, (organ + " LYMPH NODE").str.strip())
    kind_result = first["kind"].astype(object).map(_KIND_RESULT)  # text, not categorical
    tu = pd.DataFrame({
        "STUDYID": first["STUDYID"], "DOMAIN": "TU", "USUBJID": first["patient_id"],
        "TULNKID": first["lesion_id"].astype(str), "TUTESTCD": "TUMIDENT",
        "TUTEST": "Tumor Identification",
        "TUORRES": kind_result, "TUSTRESC": kind_result,
        "TULOC": organ,
        "TULAT": first["laterality"].astype("string").fillna("")
        if "laterality" in first.columns else "",
        "TUMETHOD": method, **_evaluator_columns(first, "TU"),
        "VISITNUM": first["VISITNUM"], "VISIT": first["VISIT"], "TUDTC": first["DTC"],
    })
    tu.insert(3, "TUSEQ", tu.groupby("USUBJID").cumcount() + 1)

    # --- TR ---
    ld, sa = frame["ld_mm"].astype(float), frame["sa_mm"].astype(float)
    parts = []

    def records(mask: pd.Series, test: str, value: pd.Series | None, orres: pd.Series | str,
                stat: str = "", reason: str = "", standard: float | None = None) -> None:
        rows = frame[mask.to_numpy()]
        if rows.empty:
            return
        numeric = value[mask.to_numpy()] if value is not None else pd.Series(
            np.nan, index=rows.index)
        result = orres[mask.to_numpy()] if isinstance(orres, pd.Series) else pd.Series(
            orres, index=rows.index)
        units = np.where(numeric.notna(), "mm", "")
        standard_text = result
        if standard is not None:  # a standardised result (TOO SMALL TO MEASURE -> 5 mm)
            numeric = pd.Series(standard, index=rows.index)
            standard_text = _number_text(numeric)
            units = np.full(len(rows), "mm")
        parts.append(pd.DataFrame({
            "STUDYID": rows["STUDYID"] if isinstance(frame["STUDYID"], pd.Series)
            else studyid, "DOMAIN": "TR", "USUBJID": rows["patient_id"],
            "TRGRPID": rows["kind"].astype(object).map(_KIND_RESULT), "TRLNKID": rows["LNK"],
            "TRTESTCD": test, "TRTEST": _TEST_NAMES[test], "TRORRES": result,
            "TRORRESU": np.where(standard is None, units, ""), "TRSTRESC": standard_text,
            "TRSTRESN": numeric, "TRSTRESU": units,
            "TRSTAT": stat, "TRREASND": reason, "TRMETHOD": method,
            **_evaluator_columns(rows, "TR"), "VISITNUM": rows["VISITNUM"],
            "VISIT": rows["VISIT"], "TRDTC": rows["DTC"],
            "_order": rows.index.to_numpy() * 10 + len(parts),
        }))

    primary_is_sa = nodal
    counted = pd.Series(np.where(primary_is_sa, sa, ld), index=frame.index)
    counted_test = np.where(primary_is_sa, "LPERP", "LDIAM")
    target = kind == "target"
    for test, values in (("LDIAM", ld), ("LPERP", sa)):
        is_primary = pd.Series(counted_test == test, index=frame.index)
        replaced = target & is_primary & status.isin(["too_small", "merged",
                                                      "not_evaluated"])
        written = values.notna() & ~replaced
        absent_zero = target & (status == "absent") & is_primary & values.isna()
        records(written, test, values, _number_text(values))
        records(absent_zero, test, pd.Series(0.0, index=frame.index),
                pd.Series("0", index=frame.index))
        records(target & is_primary & (status == "too_small"), test, None,
                "TOO SMALL TO MEASURE", standard=too_small_mm)
        records(target & is_primary & (status == "merged"), test, None, "", "NOT DONE",
                "TUMOR MERGED")
        records(target & is_primary & (status == "not_evaluated"), test, None, "",
                "NOT DONE", "NOT EVALUABLE")
        records(target & is_primary & (status == "measured") & counted.isna(), test, None, "",
                "NOT DONE", "NOT RECORDED")
    state = status.map(_STATE_RESULT).fillna("")
    non_target = kind != "target"
    records(non_target & (status != "not_evaluated"), "TUMSTATE", None, state)
    records(non_target & (status == "not_evaluated"), "TUMSTATE", None, "", "NOT DONE",
            "NOT EVALUABLE")
    if not parts:
        raise RecistDataError("measurements table is empty: nothing to write as SDTM TR")
    tr = pd.concat(parts, ignore_index=True).sort_values("_order", kind="stable").drop(
        columns="_order").reset_index(drop=True)
    tr.insert(3, "TRSEQ", tr.groupby("USUBJID").cumcount() + 1)
    return {"TU": tu.reset_index(drop=True), "TR": tr}


def rs_from_responses(timepoints: pd.DataFrame, patient_summary: pd.DataFrame, *,
                      studyid: str = "RECIST", evaluator: str = "INVESTIGATOR") -> pd.DataFrame:
    """SDTM RS: per-visit TRGRESP, NTRGRESP, NEWLIND, OVRLRESP and per-patient BESTRSP."""
    tp = _with_visits(timepoints)
    follow = tp[tp["overall_response"].notna() & (tp["overall_response"].astype(str) != "")]
    follow = follow.assign(new_lesion_progression=np.where(
        follow["new_lesions"].astype(str) == "Y", "Y", "N"))
    parts = []
    for order, (code, (column, name)) in enumerate(_RS_TESTS.items()):
        values = follow[column].astype("string")
        keep = values.notna() & (values != "")
        rows = follow[keep.to_numpy()]
        parts.append(pd.DataFrame({
            "USUBJID": rows["patient_id"], "RSTESTCD": code, "RSTEST": name,
            "RSORRES": values[keep], "VISITNUM": rows["VISITNUM"], "VISIT": rows["VISIT"],
            "RSDTC": _iso(rows["date"]), **_evaluator_columns(rows, "RS", evaluator),
            "_order": rows.index.to_numpy() * 10 + order,
        }))
    summary = patient_summary.copy()
    column = "confirmed_bor" if "confirmed_bor" in summary.columns else "bor"
    summary = summary[summary[column].notna()]
    parts.append(pd.DataFrame({
        "USUBJID": summary["patient_id"].astype(str), "RSTESTCD": "BESTRSP",
        "RSTEST": "Best Overall Response", "RSORRES": summary[column].astype(str),
        "VISITNUM": np.nan, "VISIT": "", "RSDTC": _iso(summary["bor_date"]).fillna(""),
        **_evaluator_columns(summary, "RS", evaluator),
        "_order": 10 ** 12 + np.arange(len(summary)),
    }))
    rs = pd.concat(parts, ignore_index=True).sort_values(["USUBJID", "_order"],
                                                         kind="stable")
    rs = rs.drop(columns="_order").reset_index(drop=True)
    rs.insert(0, "STUDYID", studyid)
    rs.insert(1, "DOMAIN", "RS")
    rs.insert(3, "RSSEQ", rs.groupby("USUBJID").cumcount() + 1)
    rs.insert(4, "RSCAT", "RECIST 1.1")
    rs.insert(7, "RSSTRESC", rs["RSORRES"])
    evaluator_columns = [c for c in ("RSEVAL", "RSEVALID") if c in rs.columns]
    return rs[[c for c in rs.columns if c not in evaluator_columns] + evaluator_columns]


def _has_value(values: pd.Series) -> np.ndarray:
    """Cells ``rs_from_responses`` writes a record for: present and not empty."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    written = np.array([str(u) != "" for u in uniques] + [False], dtype=bool)
    return written[codes]


def overall_response_rsseq(timepoints: pd.DataFrame) -> np.ndarray:
    """``RSSEQ`` of each time point's ``OVRLRESP`` record in the RS that
    :func:`rs_from_responses` writes (NaN for a time point without an overall response).

    Computed without building RS: within a subject, records follow the time points in
    index order, each time point writing one record per non-empty result of
    ``_RS_TESTS`` (``NEWLPROG`` always), ``OVRLRESP`` last; so the sequence number of an
    ``OVRLRESP`` is the running count of the subject's records up to it. The test suite
    checks it against :func:`rs_from_responses`.
    """
    overall = timepoints["overall_response"]
    follow = _has_value(overall)
    per_row = follow.astype(np.int64) * 2  # NEWLPROG and OVRLRESP
    for column in ("target_response", "nontarget_response", "new_lesions"):
        if column in timepoints.columns:
            per_row += follow & _has_value(timepoints[column])
    patient_codes, _ = pd.factorize(timepoints["patient_id"].astype(str).to_numpy())
    order = np.lexsort((np.asarray(timepoints.index), patient_codes))
    counts = per_row[order]
    running = np.cumsum(counts)
    group = patient_codes[order]
    starts = np.flatnonzero(run_starts(group))
    before = np.repeat(running[starts] - counts[starts],
                       np.diff(np.r_[starts, len(group)]))
    sequence = np.full(len(timepoints), np.nan)
    sequence[order] = (running - before).astype(float)
    sequence[~follow] = np.nan
    return sequence


def dm_from_patients(patients: pd.DataFrame, *, studyid: str = "RECIST") -> pd.DataFrame:
    """SDTM DM (the columns the reader uses) from the patients table."""
    def column(name: str) -> pd.Series:
        if name not in patients.columns:
            return pd.Series("", index=patients.index)
        return _iso(patients[name]).fillna("")

    arm = patients["arm"].astype("string").fillna("") if "arm" in patients.columns else ""
    death = column("death_date")
    return pd.DataFrame({
        "STUDYID": studyid, "DOMAIN": "DM", "USUBJID": patients["patient_id"].astype(str),
        "RFSTDTC": column("start_date"), "RFPENDTC": column("last_contact_date"),
        "DTHDTC": death, "DTHFL": np.where(death != "", "Y", ""), "ARM": arm,
        "ACTARM": arm,
    })


def write_sdtm(tables: dict[str, pd.DataFrame], out_dir: str | Path, *,
               xpt: bool = False, created: str | None = None) -> list[Path]:
    """Write each table as ``<domain>.csv`` (and ``<domain>.xpt`` with ``xpt``).

    ``created`` fixes the XPT header date-times (reproducible bytes), see
    ``recist.cdisc.xpt.write_cdisc_table``.
    """
    out_dir = Path(out_dir)
    written = []
    for domain, table in tables.items():
        name = domain.lower()
        written.append(write_cdisc_table(table, out_dir / f"{name}.csv", domain))
        if xpt:
            written.append(write_cdisc_table(table, out_dir / f"{name}.xpt", domain.upper(),
                                             LABELS, created=created))
    return written
