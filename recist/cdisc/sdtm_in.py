"""Read SDTM TU / TR (and DM) into the measurements and patients tables.

Mapping (CDISC SDTM oncology domains, RECIST 1.1; conventions of pharmaversesdtm's
``tu_onco_recist`` / ``tr_onco_recist``):

* ``USUBJID`` → ``patient_id``; ``VISIT`` (else ``VISITNUM``) → ``visit``; the date part
  of ``TRDTC`` → ``date``; ``VISITNUM`` and ``STUDYID`` are kept as extra columns
  ``visitnum`` and ``studyid``, the original link id as ``trlnkid``.
* The lesion is ``TRLNKID`` joined to ``TULNKID``. ``TUORRES``/``TUSTRESC`` TARGET,
  NON-TARGET, NEW (``NEW EQUIVOCAL``/``EQUIVOCAL`` → an equivocal new lesion) give
  ``kind``; without a TU record ``TRGRPID`` is used. ``TULOC`` → ``organ`` (``TULAT`` →
  extra column ``laterality``).
* ``nodal`` is true when ``TULOC`` or ``TULAT`` names a lymph node, when the lesion has
  ``LNSTATE`` records, or when it has ``LPERP`` (short axis) and never ``LDIAM``.
* ``TRTESTCD`` LDIAM → ``ld_mm``, LPERP → ``sa_mm`` (values in mm, ``TRSTRESN`` else
  ``TRORRES``); the diameter that counts (SUM-1: SA for nodes, LD otherwise) sets a
  target's status: > 0 measured, 0 absent, "TOO SMALL TO MEASURE" (``TRORRES`` or
  ``TRREASND``) too_small, ``TRREASND`` containing MERGED → merged, any other
  ``TRSTAT`` NOT DONE → not_evaluated.
* Split lesions: link ids ``T04.1``, ``T04.2`` are fragments of ``T04`` (SUM-5, rows of
  one lesion_id that add up). Merged lesions: a record whose link id is ``T02/T03``
  carries the coalesced diameter; it goes to ``T02`` and ``T03`` becomes ``merged``
  (SUM-6), whatever the individual NOT DONE / TUMOR MERGED records said.
* ``TUMSTATE``/``LNSTATE`` give non-target and new-lesion status: PRESENT → present,
  ABSENT (or NON-PATHOLOGICAL for a node) → absent, UNEQUIVOCAL PROGRESSION →
  progression, NOT EVALUABLE / NOT DONE → not_evaluated; for new lesions EQUIVOCAL →
  equivocal, PRESENT / UNEQUIVOCAL or a diameter → unequivocal, ABSENT → row dropped.
* Several readers (``TREVAL``/``TREVALID``): choose one with ``evaluator`` (a TREVAL or
  TREVALID value, or ``"accepted"`` for the ``TRACPTFL = "Y"`` records); by default the
  INVESTIGATOR records when there are several.

Every ambiguity becomes a ``Finding`` naming STUDYID, USUBJID and TRSEQ. The reader is
vectorised (pandas group-bys and string work once per distinct value, no loop per
record): 1.5 million TR records take about 14 s of CPU (``benchmarks/sdtm_pipeline.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from recist.cdisc._sdtm_values import (
    _as_datetime,
    _col,
    _dates,
    _kind_from_text,
    _lesion_ids,
    _recode,
    _records,
)
from recist.cdisc.xpt import apply_to_unique, as_cdisc_frame
from recist.errors import RecistDataError
from recist.findings import Finding, Severity
from recist.table import normalise_measurements

__all__ = ["SdtmInput", "read_sdtm", "read_sdtm_patients"]

_MEASURE_TESTS = ("LDIAM", "LPERP")
_STATE_TESTS = ("TUMSTATE", "LNSTATE")
_KEY = ["USUBJID", "VISIT_", "LNK"]
_TR_COLUMNS = ("STUDYID", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRORRES",
               "TRSTRESC", "TRSTRESN", "TRSTAT", "TRREASND", "VISITNUM", "VISIT", "TRDTC",
               "TREVAL", "TREVALID", "TRACPTFL")
_NODE_PATTERN = r"LYMPH\s*NODE|\bNODES?\b|NODAL"


@dataclass(frozen=True)
class SdtmInput:
    """What ``read_sdtm`` returns.

    Attributes
    ----------
    measurements
        The measurements table (docs/tables.md), normalised by ``normalise_measurements``.
    patients
        The patients table from DM (``patient_id, start_date, death_date,
        last_contact_date, arm``), or None without DM.
    findings
        Ambiguities met while mapping, each naming the SDTM records.
    """

    measurements: pd.DataFrame
    patients: pd.DataFrame | None
    findings: tuple[Finding, ...]


def _select_evaluator(frame: pd.DataFrame, domain: str, evaluator: str | None,
                      findings: list[Finding]) -> pd.DataFrame:
    """Keep one reader's records when ``--EVAL`` shows several (see module docstring)."""
    eval_col, evalid_col, accept_col = f"{domain}EVAL", f"{domain}EVALID", f"{domain}ACPTFL"
    if eval_col not in frame.columns:
        return frame
    who = _col(frame, eval_col).fillna("") + "/" + _col(frame, evalid_col).fillna("")
    readers = sorted(set(who))
    if evaluator is None:
        if len(readers) <= 1:
            return frame
        investigator = _col(frame, eval_col) == "INVESTIGATOR"
        if not investigator.any():
            raise RecistDataError(
                f"{domain}: records from several readers ({', '.join(readers)}) and no "
                "INVESTIGATOR records; choose one with evaluator= (a TREVAL or TREVALID "
                "value, or 'accepted' for the TRACPTFL = 'Y' records)"
            )
        findings.append(Finding(
            code="sdtm-evaluator",
            message=f"{domain}: several readers ({', '.join(readers)}); the INVESTIGATOR "
                    "records were used. Pass evaluator= to choose another.",
            severity=Severity.INFO,
        ))
        return frame[investigator.to_numpy()]
    wanted = evaluator.strip().upper()
    if wanted == "ACCEPTED":
        keep = _col(frame, accept_col) == "Y"
    else:
        keep = (_col(frame, eval_col) == wanted) | (_col(frame, evalid_col) == wanted)
    keep = keep.fillna(False).to_numpy(dtype=bool)
    if not keep.any():
        raise RecistDataError(
            f"{domain}: no record for evaluator {evaluator!r}; the readers present are "
            f"{', '.join(readers)}"
        )
    return frame[keep]


def _tu_lookup(tu: pd.DataFrame, findings: list[Finding]) -> pd.DataFrame:
    """One TU identification per (USUBJID, TULNKID): kind, organ, laterality, nodal."""
    if "TULNKID" not in tu.columns or "USUBJID" not in tu.columns:
        raise RecistDataError("TU: missing column USUBJID or TULNKID; TU identifies each "
                              "lesion by USUBJID and TULNKID (SDTM oncology domains)")
    if len(tu) and "TUORRES" not in tu.columns and "TUSTRESC" not in tu.columns:
        raise RecistDataError(
            f"TU: missing column TUORRES (and TUSTRESC); found {', '.join(tu.columns)}. TU "
            "says whether each lesion is TARGET, NON-TARGET or NEW in TUORRES/TUSTRESC: "
            "give the complete TU dataset")
    text = _col(tu, "TUSTRESC").fillna(_col(tu, "TUORRES"))
    kind, equivocal = _kind_from_text(text)
    loc, lat = _col(tu, "TULOC"), _col(tu, "TULAT")
    look = pd.DataFrame({
        "USUBJID": tu["USUBJID"].astype("string"),
        "LNK": _col(tu, "TULNKID"),
        "tu_kind": kind,
        "tu_equivocal": equivocal.to_numpy(),
        "organ": tu["TULOC"].astype("string").str.strip().str.lower()
        if "TULOC" in tu.columns else pd.Series(pd.NA, index=tu.index, dtype="string"),
        "laterality": tu["TULAT"].astype("string").str.strip()
        if "TULAT" in tu.columns else pd.Series(pd.NA, index=tu.index, dtype="string"),
        "tu_nodal": (loc.str.contains(_NODE_PATTERN, na=False)
                     | lat.str.contains(_NODE_PATTERN, na=False)).to_numpy(),
        "tu_visit": tu["VISIT"].astype("string") if "VISIT" in tu.columns
        else pd.Series(pd.NA, index=tu.index, dtype="string"),
        "tu_visitnum": _col(tu, "VISITNUM"),
        "tu_date": _dates(tu, "TUDTC", "TU", findings) if "TUDTC" in tu.columns
        else pd.Series(pd.NA, index=tu.index, dtype="string"),
        "TUSEQ": _col(tu, "TUSEQ"),
        "STUDYID": _col(tu, "STUDYID"),
    })
    unknown = look.index[look["tu_kind"].isna() & text.notna().to_numpy()]
    if len(unknown):
        findings.append(Finding(
            code="sdtm-tu-kind",
            message=f"TU: TUORRES {text[unknown[0]]!r} is not TARGET, NON-TARGET or NEW "
                    f"({_records(tu, unknown, 'TU')}); TRGRPID is used for those lesions.",
        ))
    look["tu_date"] = _as_datetime(tu.assign(tu_date=look["tu_date"]), "tu_date", "TUDTC")
    return look.drop_duplicates(["USUBJID", "LNK"], keep="first").set_index(["USUBJID", "LNK"])


def _check_links_in_tu(tr: pd.DataFrame, look: pd.DataFrame) -> None:
    """Refuse a TR record whose TRLNKID no TU record has, for a subject TU describes.

    A subject with no TU record at all is left to the TRGRPID fallback; a subject whose
    other lesions TU identifies but not this one has a link that points nowhere.
    """
    by_link = pd.MultiIndex.from_arrays([tr["USUBJID"], tr["LNK"]]).isin(look.index)
    by_lesion = pd.MultiIndex.from_arrays([tr["USUBJID"], tr["LESION"]]).isin(look.index)
    described = tr["USUBJID"].isin(look.index.get_level_values(0)).to_numpy()
    orphan = tr.index[~by_link & ~by_lesion & described]
    if len(orphan):
        first = orphan[0]
        raise RecistDataError(
            f"TR: TRLNKID {tr.at[first, 'LNK']} ({_records(tr, orphan)}) matches no TU "
            f"record of USUBJID {tr.at[first, 'USUBJID']} (TU identifies other lesions of "
            "this subject by TULNKID); add the TU identification record of this lesion or "
            "correct TRLNKID"
        )


def _row_flags(tr: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per TR record: numeric value (mm), result text and a flag.

    The flag is ``num``, ``too_small``, ``merged``, ``not_done`` or ``text``.
    """
    orres = _col(tr, "TRSTRESC").fillna(_col(tr, "TRORRES"))
    value = pd.to_numeric(tr["TRSTRESN"], errors="coerce") if "TRSTRESN" in tr.columns \
        else pd.Series(np.nan, index=tr.index)
    value = value.fillna(pd.to_numeric(orres, errors="coerce")).astype(float)
    stat, reason = _col(tr, "TRSTAT"), _col(tr, "TRREASND")
    flag = pd.Series("text", index=tr.index, dtype=object)
    flag[(stat == "NOT DONE").fillna(False).to_numpy() | (value.isna() & orres.isna())
         .to_numpy()] = "not_done"
    flag[value.notna().to_numpy()] = "num"
    def has(values: pd.Series, word: str) -> np.ndarray:
        return apply_to_unique(values, lambda s: s.str.contains(word, na=False).astype(
            bool)).to_numpy(dtype=bool)

    original = _col(tr, "TRORRES")
    flag[has(reason, "MERGE") | has(orres, "MERGE")] = "merged"
    # CDISC RECIST 1.1 supplement: TRORRES "TOO SMALL TO MEASURE" with TRSTRESC/TRSTRESN
    # standardised to 5; the 5 is a convention, not a measurement: the row keeps no value.
    too_small = has(orres, "TOO SMALL") | has(original, "TOO SMALL") | has(reason,
                                                                          "TOO SMALL")
    flag[too_small] = "too_small"
    value[too_small] = np.nan
    return value, orres, flag


_STATE_MAP = {
    "PRESENT": "present", "ABSENT": "absent", "UNEQUIVOCAL PROGRESSION": "progression",
    "PROGRESSION": "progression", "NOT EVALUABLE": "not_evaluated", "NE": "not_evaluated",
    "NOT ASSESSED": "not_evaluated", "NOT DONE": "not_evaluated",
    "NON-PATHOLOGICAL": "absent", "NORMAL": "absent", "PATHOLOGICAL": "present",
    "EQUIVOCAL": "equivocal", "UNEQUIVOCAL": "present",
}


def read_sdtm(tu: pd.DataFrame | str | Path, tr: pd.DataFrame | str | Path,
              dm: pd.DataFrame | str | Path | None = None, *,
              evaluator: str | None = None) -> SdtmInput:
    """Read SDTM TU and TR (and DM) into the measurements (and patients) tables.

    Parameters
    ----------
    tu, tr, dm
        DataFrames or paths of ``.csv`` / ``.xpt`` files. DM is optional.
    evaluator
        Which reader's records to use when TR has several (``TREVAL``/``TREVALID``
        value, or ``"accepted"``); default: the only one, else INVESTIGATOR.

    Returns
    -------
    SdtmInput
        ``measurements``, ``patients`` (None without DM) and ``findings``.

    Raises
    ------
    RecistDataError
        Missing columns, a lesion without kind, a date that cannot be found, an unknown
        TUMSTATE value — naming STUDYID, USUBJID and TRSEQ.
    """
    findings: list[Finding] = []
    tu = as_cdisc_frame(tu, "TU")
    tr = as_cdisc_frame(tr, "TR", _TR_COLUMNS)
    missing = [c for c in ("USUBJID", "TRTESTCD", "TRLNKID") if c not in tr.columns]
    if "VISIT" not in tr.columns and "VISITNUM" not in tr.columns:
        missing.append("VISIT or VISITNUM")
    if missing:
        raise RecistDataError(f"TR: missing column(s) {', '.join(missing)}; TR needs "
                              "USUBJID, TRLNKID, TRTESTCD, VISIT/VISITNUM and TRDTC")
    tr = _select_evaluator(tr, "TR", evaluator, findings).reset_index(drop=True)
    if evaluator is not None and evaluator.strip().upper() != "ACCEPTED":
        tu = _select_evaluator(tu, "TU", evaluator, [])
    look = _tu_lookup(tu.reset_index(drop=True), findings)

    tr["USUBJID"] = tr["USUBJID"].astype("string")
    tr["LNK"] = _col(tr, "TRLNKID")
    tr["TEST"] = _col(tr, "TRTESTCD")
    tr["VISIT_"] = (tr["VISIT"].astype("string") if "VISIT" in tr.columns
                    else tr["VISITNUM"].astype("string"))
    tr["VISIT_"] = tr["VISIT_"].fillna(_col(tr, "VISITNUM"))
    tr["DATE"] = _dates(tr, "TRDTC", "TR", findings) if "TRDTC" in tr.columns \
        else pd.Series(pd.NA, index=tr.index, dtype="string")
    tr["DATE"] = _as_datetime(tr, "DATE", "TRDTC")
    no_date = tr["DATE"].isna()
    if no_date.any():
        # A record without TRDTC takes the latest date of its visit.
        visit_date = tr.groupby(["USUBJID", "VISIT_"])["DATE"].transform("max")
        tr["DATE"] = tr["DATE"].fillna(visit_date)
        undated = tr["DATE"].isna()
        # CDISC: a scan not performed has no TRDTC; with no dated record in its visit, it
        # cannot be placed in time: leave it out (a missed assessment), with a finding.
        not_done = (_col(tr, "TRSTAT") == "NOT DONE").fillna(False)
        visit_not_done = not_done.groupby([tr["USUBJID"], tr["VISIT_"]]).transform("all")
        dropped = tr.index[(undated & visit_not_done).to_numpy()]
        if len(dropped):
            findings.append(Finding(
                code="sdtm-scan-not-done",
                message=f"TR: {len(dropped)} NOT DONE record(s) without TRDTC in visits with "
                        f"no dated record ({_records(tr, dropped)}); those visits were left "
                        "out as missed assessments.",
                patient_id=str(tr.at[dropped[0], "USUBJID"]),
                visit=str(tr.at[dropped[0], "VISIT_"]),
            ))
            tr = tr.drop(index=dropped).reset_index(drop=True)
        still = tr.index[tr["DATE"].isna()]
        if len(still):
            raise RecistDataError(
                f"TR: no TRDTC for {_records(tr, still)} (visit {tr.at[still[0], 'VISIT_']})"
                " and no other record of that visit has a date; add TRDTC"
            )
    tr["VALUE"], tr["ORRES"], tr["FLAG"] = _row_flags(tr)
    tr["LESION"], tr["COMBINED"] = _lesion_ids(tr["LNK"])

    other = tr.index[~tr["TEST"].isin(_MEASURE_TESTS + _STATE_TESTS).to_numpy()]
    if len(other):
        findings.append(Finding(
            code="sdtm-test-ignored", severity=Severity.INFO,
            message=f"TR: {len(other)} record(s) with TRTESTCD "
                    f"{', '.join(sorted(set(tr.loc[other, 'TEST'].dropna())))} were ignored "
                    f"(only LDIAM, LPERP, TUMSTATE, LNSTATE are used), e.g. "
                    f"{_records(tr, other[:1])}",
        ))
        tr = tr.drop(index=other)

    # --- lesion attributes: TU by full link id, then by lesion id; TRGRPID fallback ---
    attrs = look.reindex(pd.MultiIndex.from_arrays([tr["USUBJID"], tr["LNK"]])
                         ).reset_index(drop=True)
    by_lesion = look.reindex(pd.MultiIndex.from_arrays([tr["USUBJID"], tr["LESION"]])
                             ).reset_index(drop=True)
    matched = attrs["tu_kind"].notna().to_numpy()
    attrs = attrs.where(np.repeat(matched[:, None], attrs.shape[1], axis=1), by_lesion)
    grp_kind, grp_equivocal = _kind_from_text(_col(tr, "TRGRPID"))
    tr["KIND"] = attrs["tu_kind"].to_numpy()
    tr["KIND"] = tr["KIND"].astype("string").fillna(grp_kind)
    tr["EQUIVOCAL"] = attrs["tu_equivocal"].eq(True).to_numpy(dtype=bool) \
        | grp_equivocal.to_numpy()
    tr["ORGAN"] = attrs["organ"].to_numpy()
    tr["LATERALITY"] = attrs["laterality"].to_numpy()
    tu_nodal = attrs["tu_nodal"].eq(True).to_numpy(dtype=bool)
    no_kind = tr.index[tr["KIND"].isna()]
    if len(no_kind):
        raise RecistDataError(
            f"TR: lesion {tr.at[no_kind[0], 'LNK']} ({_records(tr, no_kind)}) has no TU "
            "record with TUORRES TARGET / NON-TARGET / NEW and no TRGRPID; add its TU "
            "identification record"
        )
    _check_links_in_tu(tr, look)
    lesion_key = [tr["USUBJID"], tr["LESION"]]
    has_ld = (tr["TEST"] == "LDIAM").groupby(lesion_key).transform("any")
    has_sa = (tr["TEST"] == "LPERP").groupby(lesion_key).transform("any")
    has_ln = (tr["TEST"] == "LNSTATE").groupby(lesion_key).transform("any")
    tr["NODAL"] = tu_nodal | has_ln.to_numpy() | (has_sa & ~has_ld).to_numpy()
    tr["NODAL"] = tr["NODAL"].groupby(lesion_key).transform("max").astype(bool)

    duplicated = tr.duplicated(_KEY + ["TEST"], keep=False)
    if duplicated.any():
        rows = tr.index[duplicated.to_numpy()]
        findings.append(Finding(
            code="sdtm-duplicate-result",
            message=f"TR: {len(rows)} records repeat a test for the same lesion and visit "
                    f"({_records(tr, rows)}); the first of each was used. Choose one "
                    "reader with evaluator= or remove the duplicates.",
            patient_id=str(tr.at[rows[0], "USUBJID"]),
        ))
        tr = tr[~tr.duplicated(_KEY + ["TEST"], keep="first").to_numpy()]
    rows = _assemble(tr, findings)
    rows = _add_merged_components(rows, tr)
    rows = _add_tu_only_new_lesions(rows, look)
    rows = rows.sort_values(["patient_id", "visitnum_sort", "date", "lesion_id", "trlnkid"],
                            kind="stable").drop(columns="visitnum_sort")
    measurements = normalise_measurements(rows.reset_index(drop=True), source="SDTM TR")
    patients = read_sdtm_patients(dm) if dm is not None else None
    return SdtmInput(measurements, patients, tuple(findings))


def _assemble(tr: pd.DataFrame, findings: list[Finding]) -> pd.DataFrame:
    """One row per (patient, visit, link id): diameters and status."""
    # One integer code per (patient, visit, link id); values are placed by code with
    # numpy (records are unique per key and test here), no MultiIndex alignment.
    codes = tr.groupby(_KEY, sort=False).ngroup().to_numpy()
    n_keys = int(codes.max()) + 1 if len(codes) else 0
    _unique, first_position = np.unique(codes, return_index=True)
    head = tr.iloc[first_position]
    out = pd.DataFrame({column: head[column].to_numpy() if column in head.columns
                        else pd.NA for column in
                        _KEY + ["STUDYID", "VISITNUM", "KIND", "ORGAN", "LATERALITY",
                                "NODAL", "LESION"]})
    by_code = pd.DataFrame({"DATE": tr["DATE"].to_numpy(),
                            "EQUIVOCAL": tr["EQUIVOCAL"].to_numpy(dtype=bool),
                            "COMBINED": tr["COMBINED"].to_numpy(dtype=bool)}).groupby(
        codes).max()
    out["DATE"] = by_code["DATE"].to_numpy()
    out["EQUIVOCAL"] = by_code["EQUIVOCAL"].to_numpy(dtype=bool)
    out["COMBINED"] = by_code["COMBINED"].to_numpy(dtype=bool)
    test = tr["TEST"].to_numpy(dtype=object)
    for name in _MEASURE_TESTS + _STATE_TESTS:
        rows_of_test = test == name
        for field in ("VALUE", "FLAG", "ORRES"):
            column = np.full(n_keys, np.nan, dtype=float if field == "VALUE" else object)
            column[codes[rows_of_test]] = tr[field].to_numpy()[rows_of_test]
            out[f"{field}_{name}"] = column
    nodal = out["NODAL"].to_numpy(dtype=bool)
    primary_flag = np.where(nodal, out["FLAG_LPERP"], out["FLAG_LDIAM"])
    secondary_flag = np.where(nodal, out["FLAG_LDIAM"], out["FLAG_LPERP"])
    primary_value = np.where(nodal, out["VALUE_LPERP"], out["VALUE_LDIAM"]).astype(float)
    primary_flag = pd.Series(np.where(pd.isna(primary_flag), secondary_flag, primary_flag),
                             index=out.index, dtype=object)
    secondary_value = np.where(nodal, out["VALUE_LDIAM"], out["VALUE_LPERP"]).astype(float)
    primary_value = np.where(np.isnan(primary_value), secondary_value, primary_value)
    measure_status = pd.Series(pd.NA, index=out.index, dtype=object)
    measure_status[(primary_flag == "num").to_numpy() & (primary_value > 0)] = "measured"
    measure_status[(primary_flag == "num").to_numpy() & (primary_value == 0)] = "absent"
    measure_status[(primary_flag == "too_small").to_numpy()] = "too_small"
    measure_status[(primary_flag == "merged").to_numpy()] = "merged"
    measure_status[(primary_flag.isin(["not_done", "text"])).to_numpy()] = "not_evaluated"

    state_text = pd.Series(out["ORRES_TUMSTATE"], index=out.index).astype("string").fillna(
        pd.Series(out["ORRES_LNSTATE"], index=out.index).astype("string"))
    tumour_flag, node_flag = out["FLAG_TUMSTATE"].to_numpy(), out["FLAG_LNSTATE"].to_numpy()
    state_flag = pd.Series(np.where(pd.isna(tumour_flag), node_flag, tumour_flag),
                           index=out.index, dtype=object)
    state = state_text.map(_STATE_MAP).astype(object)
    state[(state_flag == "not_done").to_numpy()] = "not_evaluated"
    unknown = state.isna() & state_text.notna()
    if unknown.any():
        position = int(np.flatnonzero(unknown.to_numpy())[0])
        key = tuple(out.loc[position, _KEY])
        raise RecistDataError(
            f"TR: USUBJID {key[0]}, visit {key[1]}, lesion {key[2]}: TUMSTATE/LNSTATE "
            f"result {state_text.iloc[position]!r} is not one of "
            f"{', '.join(sorted(_STATE_MAP))}"
        )
    kind = out["KIND"].astype(str).to_numpy()
    status = pd.Series(pd.NA, index=out.index, dtype=object)
    is_t, is_nt, is_new = kind == "target", kind == "non-target", kind == "new"
    target_state = _recode(state[is_t], {"present": "not_evaluated", "progression":
                                         "not_evaluated", "equivocal": "not_evaluated"})
    status[is_t] = measure_status[is_t].where(measure_status[is_t].notna(), target_state)
    from_measure = _recode(measure_status, {"measured": "present", "too_small": "present",
                                            "merged": "present"})
    status[is_nt] = _recode(state[is_nt].where(state[is_nt].notna(), from_measure[is_nt]),
                            {"equivocal": "present"})
    new_status = _recode(state, {"present": "unequivocal", "progression": "unequivocal",
                                 "not_evaluated": "unequivocal"})
    new_status = new_status.where(new_status.notna(), pd.Series(np.where(
        out["EQUIVOCAL"].to_numpy(dtype=bool), "equivocal", "unequivocal"), index=out.index))
    status[is_new] = new_status[is_new]
    gone = is_new & (status == "absent").to_numpy()
    if gone.any():
        keys = [tuple(k) for k in out.loc[gone, _KEY].itertuples(index=False)]
        findings.append(Finding(
            code="sdtm-new-absent", severity=Severity.INFO,
            message=f"TR: {len(keys)} new-lesion record(s) say ABSENT (e.g. USUBJID "
                    f"{keys[0][0]}, visit {keys[0][1]}, lesion {keys[0][2]}); a new lesion "
                    "that is absent is not a finding at that visit and was left out.",
            patient_id=str(keys[0][0]), visit=str(keys[0][1]), lesion_id=str(keys[0][2]),
        ))
    rows = pd.DataFrame({
        "patient_id": out["USUBJID"].astype(str).to_numpy(),
        "date": out["DATE"].to_numpy(),
        "visit": out["VISIT_"].to_numpy(),
        "lesion_id": out["LESION"].to_numpy(),
        "kind": kind,
        "organ": out["ORGAN"].to_numpy(),
        "nodal": nodal,
        "ld_mm": out["VALUE_LDIAM"].astype(float).to_numpy(),
        "sa_mm": out["VALUE_LPERP"].astype(float).to_numpy(),
        "status": status.to_numpy(),
        "studyid": out["STUDYID"].to_numpy(),
        "visitnum": out["VISITNUM"].to_numpy(),
        "laterality": out["LATERALITY"].to_numpy(),
        "trlnkid": out["LNK"].to_numpy(),
        "combined": out["COMBINED"].to_numpy(dtype=bool),
    })
    rows = rows[~gone].reset_index(drop=True)
    rows["visitnum_sort"] = pd.to_numeric(rows["visitnum"], errors="coerce")
    return rows


def _add_merged_components(rows: pd.DataFrame, tr: pd.DataFrame) -> pd.DataFrame:
    """Apply SUM-6 to ``A/B`` link ids: A carries the mass, B (and others) are merged.

    Vectorised: the combined records are exploded into their parts; the survivor's own
    NOT DONE / MERGED record at that visit is dropped, each absorbed lesion's record is
    marked ``merged`` (or created, with the lesion's attributes, when TR has none).
    """
    is_combined = rows["combined"].to_numpy(dtype=bool)
    rows = rows.drop(columns="combined")
    if not is_combined.any():
        return rows
    key = ["patient_id", "visit", "trlnkid"]
    combined = rows[is_combined]
    parts = combined.assign(part=combined["trlnkid"].astype(str).str.split("/")).explode(
        "part")
    parts["part"] = parts["part"].str.strip()
    parts["position"] = parts.groupby(level=0).cumcount()
    single = rows[~is_combined].reset_index()

    def matching(position_test) -> pd.DataFrame:
        wanted = parts[position_test(parts["position"])][["patient_id", "visit", "part"]]
        return single.merge(wanted.rename(columns={"part": "trlnkid"}), on=key)

    survivors = matching(lambda position: position == 0)
    drop = survivors.loc[survivors["status"].isin(["merged", "not_evaluated"]), "index"]
    absorbed_rows = matching(lambda position: position > 0)["index"]
    rows.loc[absorbed_rows, "status"] = "merged"

    absorbed = parts[parts["position"] > 0]
    present = pd.MultiIndex.from_frame(single[key].astype(str))
    wanted = pd.MultiIndex.from_arrays([absorbed["patient_id"].astype(str),
                                        absorbed["visit"].astype(str),
                                        absorbed["part"].astype(str)])
    new = absorbed[~wanted.isin(present)].copy()
    if not new.empty:
        new["trlnkid"] = new["part"]
        new["lesion_id"] = new["part"].str.replace(r"\.\d+$", "", regex=True)
        new["status"], new["ld_mm"], new["sa_mm"] = "merged", np.nan, np.nan
        attributes = rows.drop_duplicates(["patient_id", "lesion_id"]).set_index(
            ["patient_id", "lesion_id"])[["kind", "organ", "nodal", "laterality"]]
        found = attributes.reindex(pd.MultiIndex.from_frame(new[["patient_id",
                                                                 "lesion_id"]]))
        known = found["kind"].notna().to_numpy()
        for column in ("kind", "organ", "nodal", "laterality"):
            new.loc[known, column] = found.loc[known, column].to_numpy()
        new = new.drop(columns=["part", "position"]).dropna(axis=1, how="all")
        rows = pd.concat([rows.drop(index=drop), new], ignore_index=True)
    else:
        rows = rows.drop(index=drop)
    return rows


def _add_tu_only_new_lesions(rows: pd.DataFrame, look: pd.DataFrame) -> pd.DataFrame:
    """New lesions identified in TU (with visit and date) but with no TR record."""
    new = look[(look["tu_kind"] == "new") & look["tu_visit"].notna()
               & look["tu_date"].notna()].reset_index()
    new = new[new["USUBJID"].isin(set(rows["patient_id"]))]  # patients assessed in TR
    if new.empty:
        return rows
    have = pd.MultiIndex.from_arrays([rows["patient_id"].astype(str),
                                      rows["visit"].astype(str), rows["trlnkid"].astype(str)])
    wanted = pd.MultiIndex.from_arrays([new["USUBJID"].astype(str),
                                        new["tu_visit"].astype(str), new["LNK"].astype(str)])
    new = new[~wanted.isin(have)]
    if new.empty:
        return rows
    extra = pd.DataFrame({
        "patient_id": new["USUBJID"].astype(str), "date": new["tu_date"],
        "visit": new["tu_visit"], "lesion_id": new["LNK"], "kind": "new",
        "organ": new["organ"], "nodal": new["tu_nodal"].astype(bool),
        "ld_mm": np.nan, "sa_mm": np.nan,
        "status": np.where(new["tu_equivocal"].astype(bool), "equivocal", "unequivocal"),
        "studyid": new["STUDYID"], "visitnum": new["tu_visitnum"],
        "laterality": new["laterality"], "trlnkid": new["LNK"],
        "visitnum_sort": pd.to_numeric(new["tu_visitnum"], errors="coerce"),
    })
    return pd.concat([rows, extra.dropna(axis=1, how="all")], ignore_index=True)


def read_sdtm_patients(dm: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The patients table from SDTM DM.

    ``USUBJID`` → ``patient_id``, ``RFSTDTC`` (else ``RFXSTDTC``) → ``start_date``,
    ``DTHDTC`` → ``death_date``, ``RFPENDTC`` → ``last_contact_date`` (end of
    participation), ``ARM`` (else ``ACTARM``) → ``arm``; dates are the date part.
    """
    dm = as_cdisc_frame(dm, "DM")
    if "USUBJID" not in dm.columns:
        raise RecistDataError("DM: missing column USUBJID")
    start_column = "RFSTDTC" if "RFSTDTC" in dm.columns else "RFXSTDTC"
    if start_column not in dm.columns:
        raise RecistDataError("DM: missing column RFSTDTC (reference start date); it "
                              "gives each patient's start_date")

    def date_part(column: str) -> pd.Series:
        if column not in dm.columns:
            return pd.Series(pd.NA, index=dm.index, dtype="string")
        return dm[column].astype("string").str.extract(r"^(\d{4}-\d{2}-\d{2})", expand=False)

    arm_column = "ARM" if "ARM" in dm.columns else "ACTARM"
    patients = pd.DataFrame({
        "patient_id": dm["USUBJID"].astype("string"),
        "start_date": date_part(start_column),
        "death_date": date_part("DTHDTC"),
        "last_contact_date": date_part("RFPENDTC"),
        "arm": dm[arm_column].astype("string") if arm_column in dm.columns else pd.NA,
    })
    bad = patients.index[patients["start_date"].isna()]
    if len(bad):
        raise RecistDataError(
            f"DM: USUBJID {patients.at[bad[0], 'patient_id']} has no complete "
            f"{start_column} (found {dm.at[bad[0], start_column]!r}); start_date needs a "
            "full ISO date"
        )
    return patients.drop_duplicates("patient_id").reset_index(drop=True)
