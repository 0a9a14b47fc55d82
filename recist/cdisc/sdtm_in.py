"""Read SDTM TU / TR (and DM) into the measurements and patients tables.

Mapping (CDISC SDTM oncology domains, RECIST 1.1; conventions of pharmaversesdtm's
``tu_onco_recist`` / ``tr_onco_recist``; every coded value is listed in
``recist.cdisc.terminology`` and anything else is refused with the record named):

* ``USUBJID`` → ``patient_id``; ``VISIT`` (else ``VISITNUM``) → ``visit``; the date part
  of ``TRDTC`` → ``date`` (``YYYY-MM`` imputed: ``date_imputation`` first / mid / last, as
  admiral's ``date_imputation`` with ``highest_imputation = "D"``, with a finding);
  ``VISITNUM`` and ``STUDYID`` are kept as extra columns ``visitnum`` and ``studyid``, the
  original link id as ``trlnkid``.
* **Time points by visit and date.** Records of one ``VISIT`` form one time point, which
  may span several scan days (DEC-20). When one lesion is assessed twice under the same
  ``VISIT`` on different dates (repeated visit names such as ``UNSCHEDULED``), those are
  two assessments: the visit is split at that date into time points labelled
  ``VISIT (YYYY-MM-DD)``, with the finding ``sdtm-repeated-visit``.
* The lesion is ``TRLNKID`` joined to ``TULNKID``. ``TUORRES``/``TUSTRESC`` TARGET,
  NON-TARGET, NEW (``NEW EQUIVOCAL``/``EQUIVOCAL`` → an equivocal new lesion) give
  ``kind``; without a TU record ``TRGRPID`` is used. ``TULOC`` → ``organ`` (``TULAT`` →
  extra column ``laterality``).
* ``nodal`` is true when ``TULOC`` or ``TULAT`` names a lymph node, when the lesion has
  ``LNSTATE`` records, or when it has ``LPERP`` (short axis) and never ``LDIAM``.
* ``TRTESTCD`` LDIAM → ``ld_mm``, LPERP → ``sa_mm``; ``DIAMETER`` (the RECIST diameter) →
  ``sa_mm`` for a node and ``ld_mm`` otherwise, when LDIAM / LPERP do not give it. Values
  are ``TRSTRESN`` (else ``TRSTRESC``, else ``TRORRES``) in the unit of ``TRSTRESU`` /
  ``TRORRESU`` (mm, cm or m; none given = mm). The diameter that counts (SUM-1: SA for
  nodes, LD otherwise) sets a target's status: > 0 measured, 0 absent, "TOO SMALL TO
  MEASURE" (``TRORRES`` or ``TRREASND``) too_small, "TUMOR MERGED" / ``TRREASND``
  containing MERGED → merged, ``TRSTAT`` NOT DONE or "NOT EVALUABLE" → not_evaluated.
* ``SUMDIAM`` is not used for the responses: it is compared with the sum computed from
  the lesions (finding ``sdtm-sum-differs`` when they are more than 0.5 mm apart). The
  derived summaries (``SUMNLNLD``, ``PCBSD`` …) and any other test (``AREA``,
  ``VOLUME`` …) are listed in one finding, ``sdtm-test-ignored``.
* Split lesions: link ids ``T04.1``, ``T04.2`` are fragments of ``T04`` (SUM-5, rows of
  one lesion_id that add up). Merged lesions: a record whose link id is ``T02/T03``
  carries the coalesced diameter; it goes to ``T02`` and ``T03`` becomes ``merged``
  (SUM-6), whatever the individual NOT DONE / TUMOR MERGED records said.
* ``TUMSTATE``/``LNSTATE`` give non-target and new-lesion status: PRESENT → present,
  ABSENT (or NON-PATHOLOGICAL for a node) → absent, UNEQUIVOCAL PROGRESSION (or the short
  form UNEQUIVOCAL) → progression, NOT EVALUABLE / NE / NOT DONE → not_evaluated; for new
  lesions EQUIVOCAL → equivocal, PRESENT / UNEQUIVOCAL or a diameter → unequivocal,
  ABSENT → row dropped.
* **Readers** (``TREVAL``/``TREVALID``, ``TUEVAL``/``TUEVALID``): a reader is named by
  ``--EVALID`` (RADIOLOGIST 1), else ``--EVAL`` (INVESTIGATOR). TU and TR are always
  taken from the same reader. With several readers and no ``evaluator`` chosen, every
  reader is read separately and the table gets an ``evaluator`` column (never a mixture);
  ``evaluator`` picks one (a TREVAL or TREVALID value naming one reader), or
  ``"accepted"`` takes the ``TRACPTFL = "Y"`` records (the adjudicated reads), with TU
  from ``TUACPTFL = "Y"`` when TU flags them.

Every ambiguity becomes a ``Finding`` naming STUDYID, USUBJID and TRSEQ. The reader is
vectorised (pandas group-bys and string work once per distinct value, no loop per
record; ``benchmarks/sdtm_pipeline.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from recist.cdisc._sdtm_values import (
    _as_datetime,
    _col,
    _dates,
    _lesion_ids,
    _records,
    coalesce,
    group_keys,
    is_in,
    numbers,
    reader_labels,
)
from recist.cdisc.terminology import (
    DERIVED_TESTS,
    DIAMETER_TESTS,
    DIAMETER_TEXT_RESULTS,
    LESION_ROLES,
    STATE_RESULTS,
    STATE_TESTS,
    SUM_TESTS,
    UNIT_FACTORS,
    canonical,
)
from recist.cdisc.xpt import as_cdisc_frame, codes_and_uniques
from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.findings import Finding, Severity
from recist.table import normalise_measurements

__all__ = ["SUM_TOLERANCE_MM", "SdtmInput", "read_sdtm", "read_sdtm_patients"]

SUM_TOLERANCE_MM = 0.5
"""A reported SUMDIAM further than this from the computed sum is a finding."""
_LESION_TESTS = DIAMETER_TESTS + STATE_TESTS
_KEY = ["USUBJID", "TP", "LNK"]
_TR_COLUMNS = ("STUDYID", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRORRES",
               "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT", "TRREASND",
               "VISITNUM", "VISIT", "TRDTC", "TREVAL", "TREVALID", "TRACPTFL")
_NODE_PATTERN = r"LYMPH\s*NODE|\bNODES?\b|NODAL"


@dataclass(frozen=True)
class SdtmInput:
    """What ``read_sdtm`` returns.

    Attributes
    ----------
    measurements
        The measurements table (docs/tables.md), normalised by ``normalise_measurements``;
        with an ``evaluator`` column when TR names its readers (one reader's rows never
        mix with another's).
    patients
        The patients table from DM (``patient_id, start_date, death_date,
        last_contact_date, arm``), or None without DM.
    findings
        Ambiguities met while mapping, each naming the SDTM records.
    """

    measurements: pd.DataFrame
    patients: pd.DataFrame | None
    findings: tuple[Finding, ...]


def _kind_from_text(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """TUORRES / TRGRPID text → (kind, equivocal) by ``LESION_ROLES`` (unknown: missing);
    looked up once per distinct text."""
    codes, uniques = codes_and_uniques(text)
    clean = canonical(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    roles = [LESION_ROLES.get(c) if isinstance(c, str) else None for c in clean]
    kinds = ["target", "non-target", "new"]
    kind_code = np.array([kinds.index(r[0]) if r else -1 for r in roles] + [-1],
                         dtype=np.int8)
    equivocal = np.array([bool(r and r[1]) for r in roles] + [False], dtype=bool)
    kind = pd.Series(pd.Categorical.from_codes(kind_code[codes], categories=kinds),
                     index=text.index)
    return kind, pd.Series(equivocal[codes], index=text.index)


def _reader_groups(tu: pd.DataFrame, tr: pd.DataFrame, evaluator: str | None,
                   findings: list[Finding]) -> list[tuple[str | None, pd.DataFrame,
                                                          pd.DataFrame]]:
    """(reader label, its TU, its TR) for each reader to read (see the module docstring)."""
    tr_reader, tu_reader = reader_labels(tr, "TR"), reader_labels(tu, "TU")
    present = sorted(set(tr_reader)) if tr_reader is not None else []

    def tu_of(label: str) -> pd.DataFrame:
        if tu_reader is None:
            return tu
        mine = tu[(tu_reader == label).to_numpy()]
        if mine.empty:
            raise RecistDataError(
                f"TU: no identification record of reader {label or '(none named)'} "
                f"(TUEVAL/TUEVALID), whose results TR holds; TU names the readers "
                f"{', '.join(sorted(set(tu_reader))) or '(none)'}. Give TU the records of "
                "every reader in TR, or leave TUEVAL/TUEVALID empty when TU is common "
                "to all readers")
        return mine

    if evaluator is not None:
        wanted = evaluator.strip().upper()
        if wanted == "ACCEPTED":
            keep = (_col(tr, "TRACPTFL") == "Y").fillna(False).to_numpy(dtype=bool)
            if not keep.any():
                raise RecistDataError("TR: no record has TRACPTFL = 'Y' (accepted); choose "
                                      "a reader by TREVAL or TREVALID instead")
            accepted_tu = (_col(tu, "TUACPTFL") == "Y").fillna(False).to_numpy(dtype=bool)
            return [("ACCEPTED", tu[accepted_tu] if accepted_tu.any() else tu, tr[keep])]
        if tr_reader is None:
            raise RecistDataError(f"TR: no TREVAL/TREVALID column, so evaluator "
                                  f"{evaluator!r} cannot be chosen; leave it out")
        keep = ((_col(tr, "TREVAL") == wanted) | (_col(tr, "TREVALID") == wanted)).fillna(
            False).to_numpy(dtype=bool)
        chosen = sorted(set(tr_reader[keep]))
        if not chosen:
            raise RecistDataError(f"TR: no record for evaluator {evaluator!r}; the readers "
                                  f"present are {', '.join(present)}")
        if len(chosen) > 1:
            raise RecistDataError(
                f"TR: evaluator {evaluator!r} matches several readers ({', '.join(chosen)}); "
                "name one of them (a TREVALID value) so that readers are not mixed")
        return [(chosen[0], tu_of(chosen[0]), tr[keep])]
    if tr_reader is None:
        return [(None, tu, tr)]
    if len(present) > 1:
        findings.append(Finding(
            code="sdtm-evaluator", severity=Severity.INFO,
            message=f"TR: several readers ({', '.join(present)}); each was read separately "
                    "(column evaluator). Pass evaluator= (--evaluator) to keep one, or "
                    "'accepted' for the TRACPTFL = 'Y' records."))
    return [(label, tu_of(label), tr[(tr_reader == label).to_numpy()]) for label in present]


def _tu_lookup(tu: pd.DataFrame, findings: list[Finding],
               imputation: str = "first") -> pd.DataFrame:
    """One TU identification per (USUBJID, TULNKID): kind, organ, laterality, nodal.

    Only ``TUTESTCD = TUMIDENT`` records identify lesions (when TU has TUTESTCD); other TU
    tests (split / merge flags) are left out with a finding.
    """
    if "TUTESTCD" in tu.columns:
        test = _col(tu, "TUTESTCD")
        other = (test.notna() & (test != "TUMIDENT")).to_numpy()
        if other.any():
            rows = tu.index[other]
            findings.append(Finding(
                code="sdtm-tu-test-ignored", severity=Severity.INFO,
                message=f"TU: {len(rows)} record(s) with TUTESTCD "
                        f"{', '.join(sorted(set(test[other])))} were not read (only "
                        f"TUMIDENT identifies lesions), e.g. {_records(tu, rows[:1], 'TU')}."))
            tu = tu[~other].reset_index(drop=True)
    if len(tu) and "TUORRES" not in tu.columns and "TUSTRESC" not in tu.columns:
        raise RecistDataError(
            f"TU: missing column TUORRES (and TUSTRESC); found {', '.join(tu.columns)}. TU "
            "says whether each lesion is TARGET, NON-TARGET or NEW in TUORRES/TUSTRESC: "
            "give the complete TU dataset")
    text = coalesce(_col(tu, "TUSTRESC"), _col(tu, "TUORRES"))
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
        "tu_date": _dates(tu, "TUDTC", "TU", findings, imputation) if "TUDTC" in tu.columns
        else pd.Series(pd.NA, index=tu.index, dtype="string"),
        "TUSEQ": _col(tu, "TUSEQ"),
        "STUDYID": _col(tu, "STUDYID"),
    })
    unknown = look.index[look["tu_kind"].isna() & text.notna().to_numpy()]
    if len(unknown):
        raise RecistDataError(
            f"TU: TUORRES/TUSTRESC {text[unknown[0]]!r} ({_records(tu, unknown, 'TU')}) is "
            "not a lesion role this reader knows; correct it to TARGET, NON-TARGET, NEW "
            "or NEW EQUIVOCAL (the short forms accepted are listed in docs/tables.md)")
    look["tu_date"] = _as_datetime(tu.assign(tu_date=look["tu_date"]), "tu_date", "TUDTC")
    for column in ("tu_kind", "organ", "laterality", "tu_visit", "tu_visitnum", "TUSEQ",
                   "STUDYID"):
        look[column] = look[column].astype("category")
    return look.drop_duplicates(["USUBJID", "LNK"], keep="first").set_index(["USUBJID", "LNK"])


def _positions(look: pd.DataFrame, patients: pd.Series, links: pd.Series) -> np.ndarray:
    """Row of ``look`` (indexed by USUBJID, LNK) of each (patient, link) pair, -1 if none;
    computed on the categories and integer codes, not per record text."""
    if look.empty:
        return np.full(len(patients), -1, dtype=np.int64)
    look_patients = look.index.get_level_values(0).astype(str)
    look_links = look.index.get_level_values(1).astype(str)
    patient_ids = pd.Index(pd.unique(look_patients))
    link_ids = pd.Index(pd.unique(look_links))

    def codes_of(values: pd.Series, reference: pd.Index) -> np.ndarray:
        codes, uniques = codes_and_uniques(values)
        found = reference.get_indexer(pd.Index(uniques).astype(str))
        return np.append(found, -1)[codes]

    width = len(link_ids) + 1
    look_key = patient_ids.get_indexer(look_patients) * width + link_ids.get_indexer(
        look_links)
    patient, link = codes_of(patients, patient_ids), codes_of(links, link_ids)
    key = np.where((patient >= 0) & (link >= 0), patient * width + link, -1)
    return pd.Index(look_key).get_indexer(key)


def _take(frame: pd.DataFrame, position: np.ndarray) -> pd.DataFrame:
    """Rows of ``frame`` at ``position`` (-1: a row of missing values), column types kept
    (categorical columns by their codes)."""
    missing = position < 0
    safe = np.where(missing, 0, position)
    out = {}
    for column in frame.columns:
        values = frame[column]
        if not len(frame):
            out[column] = pd.Series(np.full(len(position), None, dtype=object), dtype=object)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            codes = np.where(missing, -1, values.cat.codes.to_numpy()[safe])
            out[column] = pd.Categorical.from_codes(codes, dtype=values.dtype)
        elif values.dtype == bool:
            out[column] = np.where(missing, False, values.to_numpy()[safe])
        elif pd.api.types.is_datetime64_any_dtype(values):
            taken = values.to_numpy()[safe]
            taken[missing] = np.datetime64("NaT")
            out[column] = taken
        else:
            taken = values.to_numpy(dtype=object)[safe]
            taken[missing] = None
            out[column] = pd.Series(taken, dtype=object)
    return pd.DataFrame(out)


def _check_links_in_tu(tr: pd.DataFrame, look: pd.DataFrame, position: np.ndarray) -> None:
    """Refuse a TR record whose TRLNKID no TU record has, for a subject TU describes.

    A subject with no TU record at all is left to the TRGRPID fallback; a subject whose
    other lesions TU identifies but not this one has a link that points nowhere.
    """
    described = is_in(tr["USUBJID"], set(look.index.get_level_values(0).astype(str)))
    orphan = tr.index[(position < 0) & described]
    if len(orphan):
        first = orphan[0]
        raise RecistDataError(
            f"TR: TRLNKID {tr.at[first, 'LNK']} ({_records(tr, orphan)}) matches no TU "
            f"record of USUBJID {tr.at[first, 'USUBJID']} (TU identifies other lesions of "
            "this subject by TULNKID); add the TU identification record of this lesion or "
            "correct TRLNKID"
        )


def _values_mm(tr: pd.DataFrame, rows: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Numeric result of each record in mm, and its text (TRSTRESC, else TRORRES).

    The number is ``TRSTRESN``, else a numeric ``TRSTRESC`` (both in ``TRSTRESU``), else a
    numeric ``TRORRES`` (in ``TRORRESU``); a unit other than mm / cm / m is refused.
    """
    std, original = _col(tr, "TRSTRESC"), _col(tr, "TRORRES")
    text = coalesce(std, original)
    number = numbers(tr["TRSTRESN"]).to_numpy() if "TRSTRESN" in tr.columns \
        else np.full(len(tr), np.nan)
    number = np.where(np.isnan(number), numbers(std).to_numpy(), number)
    from_original = np.isnan(number)
    number = np.where(from_original, numbers(original).to_numpy(), number)

    def factors(name: str) -> tuple[np.ndarray, np.ndarray]:
        codes, units = codes_and_uniques(_col(tr, name))
        table = np.array([UNIT_FACTORS.get(str(u), np.nan) for u in units] + [1.0])
        return table[codes], np.isnan(table[codes])

    std_factor, std_bad = factors("TRSTRESU")
    original_factor, original_bad = factors("TRORRESU")
    factor = np.where(from_original, original_factor, std_factor)
    unknown = np.where(from_original, original_bad, std_bad) & ~np.isnan(number) & rows
    if unknown.any():
        bad = tr.index[unknown]
        column = "TRORRESU" if from_original[unknown][0] else "TRSTRESU"
        raise RecistDataError(
            f"TR: unit {tr.at[bad[0], column]!r} of a diameter ({_records(tr, bad)}) is not a "
            f"length unit this reader knows ({', '.join(u.lower() for u in UNIT_FACTORS)}); "
            "give TRSTRESN in mm with TRSTRESU = 'mm'")
    return pd.Series(number * np.where(np.isnan(factor), 1.0, factor), index=tr.index), text


_FLAGS = ("num", "too_small", "absent", "merged", "not_done")
"""What a diameter record says, as small integer codes (-1: no record)."""
_STATES = ("present", "absent", "progression", "equivocal", "not_evaluated")
"""What a TUMSTATE / LNSTATE record says (``STATE_RESULTS`` values), as codes."""
_STATUSES = ("measured", "absent", "too_small", "merged", "not_evaluated", "present",
             "progression", "equivocal", "unequivocal")
"""The measurements table's statuses, as codes (-1: none)."""


def _canonical_text(value: object) -> str | None:
    """The form ``recist.cdisc.terminology`` lists: upper case, single spaces."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = " ".join(str(value).split()).upper()
    return text or None


def _per_value(values: pd.Series, func, missing, dtype) -> np.ndarray:
    """``func`` of each record's value as an array, computed once per distinct value."""
    codes, uniques = codes_and_uniques(values)
    table = np.array([func(u) for u in uniques] + [missing], dtype=dtype)
    return table[codes]


def _row_flags(tr: pd.DataFrame, findings: list[Finding]) -> tuple[pd.Series, np.ndarray,
                                                                   np.ndarray]:
    """Per TR record: the value in mm, a flag code and a state code.

    Diameter records get a flag of ``_FLAGS`` (``num``, ``too_small``, ``absent``,
    ``merged``, ``not_done``); state records a state of ``_STATES`` (from
    ``STATE_RESULTS``). An unknown result text is an error naming the record; an empty
    result without ``TRSTAT = NOT DONE`` is read as not evaluated, with a finding.
    """
    is_diameter = is_in(tr["TEST"], DIAMETER_TESTS)
    is_state = is_in(tr["TEST"], STATE_TESTS)
    value, text = _values_mm(tr, is_diameter)
    numeric = ~np.isnan(value.to_numpy())
    has_text = _per_value(text, lambda u: _canonical_text(u) is not None, False, bool)
    not_done = _per_value(_col(tr, "TRSTAT"), lambda u: _canonical_text(u) == "NOT DONE",
                          False, bool)
    empty = ~has_text & ~numeric

    def code_of(table: dict[str, str], names: tuple[str, ...]):
        return lambda u: names.index(table[t]) if (t := _canonical_text(u)) in table else -1

    text_flag = _per_value(text, code_of(DIAMETER_TEXT_RESULTS, _FLAGS), -1, np.int8)
    too_small_text = _per_value(_col(tr, "TRORRES"), lambda u: DIAMETER_TEXT_RESULTS.get(
        _canonical_text(u) or "") == "too_small", False, bool)
    reason = _col(tr, "TRREASND")
    reason_too_small = _per_value(reason, lambda u: "TOO SMALL" in (_canonical_text(u) or ""),
                                  False, bool)
    reason_merged = _per_value(reason, lambda u: "MERGE" in (_canonical_text(u) or ""),
                               False, bool)
    flag = np.full(len(tr), -1, dtype=np.int8)
    flag[is_diameter & numeric] = _FLAGS.index("num")
    with_text = is_diameter & ~numeric
    flag[with_text] = text_flag[with_text]
    flag[is_diameter & empty] = _FLAGS.index("not_done")
    # CDISC RECIST 1.1 supplement: TRORRES "TOO SMALL TO MEASURE" with TRSTRESC/TRSTRESN
    # standardised to 5; the 5 is a convention, not a measurement: the row keeps no value.
    too_small = is_diameter & (too_small_text | reason_too_small)
    flag[too_small] = _FLAGS.index("too_small")
    flag[is_diameter & reason_merged & ~numeric] = _FLAGS.index("merged")
    value[too_small] = np.nan
    unknown = tr.index[is_diameter & (flag < 0)]
    if len(unknown):
        raise RecistDataError(
            f"TR: {tr.at[unknown[0], 'TEST']} result {text[unknown[0]]!r} "
            f"({_records(tr, unknown)}) is neither a number nor a value this reader knows; "
            "give the diameter in mm, or TOO SMALL TO MEASURE, or TRSTAT = 'NOT DONE' with "
            "TRREASND (the text values accepted are listed in docs/tables.md)")

    state = np.full(len(tr), -1, dtype=np.int8)
    mapped = _per_value(text, code_of(STATE_RESULTS, _STATES), -1, np.int8)
    state[is_state] = mapped[is_state]
    state[is_state & (not_done | empty)] = _STATES.index("not_evaluated")
    unknown = tr.index[is_state & (state < 0)]
    if len(unknown):
        raise RecistDataError(
            f"TR: {tr.at[unknown[0], 'TEST']} result {text[unknown[0]]!r} "
            f"({_records(tr, unknown)}) is not a tumour state this reader knows; correct "
            "TRORRES/TRSTRESC to a CDISC value (PRESENT, ABSENT, UNEQUIVOCAL PROGRESSION, "
            "EQUIVOCAL, NOT EVALUABLE, NON-PATHOLOGICAL, PATHOLOGICAL; the short forms "
            "accepted are listed in docs/tables.md)")
    silent = tr.index[(is_diameter | is_state) & empty & ~not_done]
    if len(silent):
        findings.append(Finding(
            code="sdtm-empty-result",
            message=f"TR: {len(silent)} record(s) with no result and no TRSTAT = 'NOT DONE' "
                    f"({_records(tr, silent)}) were read as not evaluated; set TRSTAT = 'NOT "
                    "DONE' with a TRREASND, or give the result.",
            patient_id=str(tr.at[silent[0], "USUBJID"])))
    return value, flag, state


def _split_repeated_visits(tr: pd.DataFrame, findings: list[Finding]) -> pd.Series:
    """A time point label per record: ``VISIT``, or ``VISIT (date)`` when one VISIT holds
    two assessments (a lesion assessed again on a later date under the same VISIT).

    Only the visits with such a repeat are walked date by date (few; the rest is
    vectorised): a new assessment starts at a date on which a lesion / test already seen
    in the current one is assessed again.
    """
    label = tr["VISIT_"].astype("category")
    item = group_keys(tr["USUBJID"], tr["VISIT_"], tr["LNK"], tr["TEST"])
    # an item (lesion test of a visit) on several dates: its (item, date) pairs outnumber it
    day, days = pd.factorize(tr["DATE"].to_numpy())
    pairs = pd.factorize(item * (len(days) + 1) + (day + 1))[0]
    if int(pairs.max(initial=-1)) == int(item.max(initial=-1)):
        return label
    dates = pd.Series(tr["DATE"].to_numpy()).groupby(item).transform("nunique")
    repeated = tr.loc[(dates > 1).to_numpy(), ["USUBJID", "VISIT_"]].astype(str)\
        .drop_duplicates()
    if repeated.empty:
        return label
    examples = []
    for patient, visit in repeated.itertuples(index=False):
        mine = tr.index[((tr["USUBJID"] == patient) & (tr["VISIT_"] == visit)).to_numpy()]
        sub = tr.loc[mine]
        cluster_start: dict[pd.Timestamp, pd.Timestamp] = {}
        seen: set[tuple[object, object]] = set()
        start = None
        for day, records in sub.groupby("DATE", sort=True):
            items = set(zip(records["LNK"], records["TEST"], strict=True))
            if start is None or items & seen:
                start, seen = day, set()
            seen |= items
            cluster_start[day] = start
        starts = sub["DATE"].map(cluster_start)
        new = visit + " (" + starts.dt.strftime("%Y-%m-%d") + ")"
        label = label.cat.add_categories(sorted(set(new) - set(label.cat.categories)))
        label[mine] = new.to_numpy()
        examples.append(f"USUBJID {patient} VISIT {visit}: "
                        f"{', '.join(sorted(set(starts.dt.strftime('%Y-%m-%d'))))}")
    findings.append(Finding(
        code="sdtm-repeated-visit",
        message=f"TR: the same VISIT name holds several assessments on different dates (a "
                f"lesion is assessed again), so each became its own time point labelled "
                f"'VISIT (date)': {'; '.join(examples[:5])}"
                + (f" and {len(examples) - 5} more" if len(examples) > 5 else "")
                + ". Give repeated visits distinct VISIT / VISITNUM values.",
        patient_id=str(repeated.iloc[0, 0]), visit=str(repeated.iloc[0, 1])))
    return label


VISIT_SPAN_DAYS = 28
"""A time point whose scans span more than this many days is reported (not split)."""


def _check_visit_spans(tr: pd.DataFrame, findings: list[Finding]) -> None:
    """Warn about a time point whose scan dates lie more than ``VISIT_SPAN_DAYS`` apart
    with no lesion assessed twice: one VISIT name may hold two assessments."""
    key = group_keys(tr["USUBJID"], tr["TP"])
    dates = tr["DATE"].to_numpy().astype("int64")
    n = int(key.max()) + 1 if len(key) else 0
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, key, dates)
    np.maximum.at(last, key, dates)
    span_days = (last - first) / 86_400e9
    wide = np.flatnonzero(span_days > VISIT_SPAN_DAYS)
    if not len(wide):
        return
    rows = tr.index[np.isin(key, wide)]
    row = rows[0]
    days = int(span_days[key[row]])
    findings.append(Finding(
        code="sdtm-visit-span",
        message=f"TR: {len(wide)} time point(s) have scan dates more than {VISIT_SPAN_DAYS} "
                f"days apart, e.g. USUBJID {tr.at[row, 'USUBJID']} VISIT {tr.at[row, 'TP']} "
                f"spans {days} days ({_records(tr, rows[:2])}); each is read as one time "
                "point dated by its latest scan (DEC-20). If these are two assessments, give "
                "them distinct VISIT / VISITNUM values.",
        patient_id=str(tr.at[row, "USUBJID"]), visit=str(tr.at[row, "TP"])))


def _ignored_tests(tr: pd.DataFrame, findings: list[Finding]) -> None:
    """One finding listing every test that is neither a lesion test nor SUMDIAM."""
    other = tr.index[~is_in(tr["TEST"], _LESION_TESTS + SUM_TESTS)]
    if not len(other):
        return
    counts = tr.loc[other, "TEST"].astype(object).fillna("(empty)").value_counts().sort_index()
    listed = ", ".join(f"{test} ({count})" for test, count in counts.items())
    derived = [test for test in counts.index if test in DERIVED_TESTS]
    findings.append(Finding(
        code="sdtm-test-ignored",
        message=f"TR: {len(other)} record(s) of tests that do not enter RECIST 1.1 were not "
                f"read: {listed}, e.g. {_records(tr, other[:1])}. Only LDIAM, LPERP, "
                "DIAMETER, TUMSTATE and LNSTATE are used (SUMDIAM is cross-checked)"
                + (f"; {', '.join(derived)} are recomputed from the lesions" if derived
                   else "") + ".",
        patient_id=str(tr.at[other[0], "USUBJID"])))


def _check_sums(rows: pd.DataFrame, sums: pd.DataFrame, findings: list[Finding],
                too_small_mm: float) -> None:
    """Compare the sponsor's SUMDIAM with the sum of the target rows (SUM-1..SUM-7)."""
    if sums.empty:
        return
    target = rows[rows["kind"] == "target"]
    counted = np.where(target["nodal"].to_numpy(dtype=bool), target["sa_mm"], target["ld_mm"])
    status = target["status"].astype(str).to_numpy()
    mm = np.select([status == "measured", status == "too_small",
                    np.isin(status, ["absent", "merged"])],
                   [counted.astype(float), too_small_mm, 0.0], np.nan)
    per_visit = pd.DataFrame({"USUBJID": target["patient_id"].to_numpy(),
                              "TP": target["visit"].to_numpy(), "mm": mm}).groupby(
        ["USUBJID", "TP"])["mm"].agg(lambda v: v.sum(min_count=len(v)))
    reported = sums.assign(TP=sums["TP"].astype(str))
    computed = per_visit.reindex(pd.MultiIndex.from_frame(reported[["USUBJID", "TP"]]))
    difference = (reported["VALUE"].to_numpy(dtype=float) - computed.to_numpy(dtype=float))
    far = np.abs(difference) > SUM_TOLERANCE_MM
    if far.any():
        bad = reported.index[far]
        first = int(np.flatnonzero(far)[0])
        findings.append(Finding(
            code="sdtm-sum-differs",
            message=f"TR: {len(bad)} SUMDIAM record(s) differ by more than "
                    f"{SUM_TOLERANCE_MM} mm from the sum of the target lesions, e.g. "
                    f"{_records(reported, bad)}: reported "
                    f"{reported['VALUE'].iloc[first]:g} mm, computed "
                    f"{computed.iloc[first]:.2f} mm at {reported['TP'].iloc[first]}. The "
                    "computed sum is used; check the lesion records (a nodal target "
                    "counts its short axis, TOO SMALL counts 5 mm).",
            patient_id=str(reported["USUBJID"].iloc[first]),
            visit=str(reported["TP"].iloc[first])))


def read_sdtm(tu: pd.DataFrame | str | Path, tr: pd.DataFrame | str | Path,
              dm: pd.DataFrame | str | Path | None = None, *,
              evaluator: str | None = None, date_imputation: str = "first",
              too_small_mm: float = RECIST_1_1.too_small_mm) -> SdtmInput:
    """Read SDTM TU and TR (and DM) into the measurements (and patients) tables.

    Parameters
    ----------
    tu, tr, dm
        DataFrames or paths of ``.csv`` / ``.xpt`` files. DM is optional.
    evaluator
        Which reader's records to read when TR names several (a ``TREVAL``/``TREVALID``
        value naming one reader, or ``"accepted"``); default: every reader, separately,
        in the ``evaluator`` column.
    date_imputation
        Day of a ``YYYY-MM`` date: ``"first"``, ``"mid"`` (15th) or ``"last"``.
    too_small_mm
        What a TOO SMALL target counts in the SUMDIAM cross-check (SUM-4).

    Returns
    -------
    SdtmInput
        ``measurements``, ``patients`` (None without DM) and ``findings``.

    Raises
    ------
    RecistDataError
        Missing columns, a lesion without kind, a date that cannot be found, a result
        outside the controlled terminology — naming STUDYID, USUBJID and TRSEQ.
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
    if "TULNKID" not in tu.columns or "USUBJID" not in tu.columns:
        raise RecistDataError("TU: missing column USUBJID or TULNKID; TU identifies each "
                              "lesion by USUBJID and TULNKID (SDTM oncology domains)")
    parts = []
    groups = _reader_groups(tu, tr, evaluator, findings)
    for label, tu_part, tr_part in groups:
        mine: list[Finding] = []
        rows = _read_reader(tu_part.reset_index(drop=True), tr_part.reset_index(drop=True),
                            mine, date_imputation, too_small_mm)
        if len(groups) > 1:  # name the reader in each message: "TR (reader X): ..."
            mine = [replace(f, message=re.sub(r"^(T[RU]):", rf"\1 (reader {label}):",
                                              f.message)) for f in mine]
        findings.extend(mine)
        rows["slice_thickness_mm"] = np.nan  # SDTM TR has none (a number column, not NA)
        rows = normalise_measurements(rows.reset_index(drop=True), source="SDTM TR")
        if label is not None:
            rows["evaluator"] = label
        parts.append(rows)
    measurements = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    patients = read_sdtm_patients(dm) if dm is not None else None
    return SdtmInput(measurements, patients, tuple(findings))


def _read_reader(tu: pd.DataFrame, tr: pd.DataFrame, findings: list[Finding],
                 imputation: str, too_small_mm: float) -> pd.DataFrame:
    """One reader's TU and TR → measurement rows (not yet normalised)."""
    look = _tu_lookup(tu, findings, imputation)
    tr["USUBJID"] = tr["USUBJID"].astype("category")
    tr["LNK"] = _col(tr, "TRLNKID")
    tr["TEST"] = _col(tr, "TRTESTCD")
    tr["VISIT_"] = (tr["VISIT"] if "VISIT" in tr.columns else tr["VISITNUM"]).astype(
        "category")
    tr["VISIT_"] = coalesce(tr["VISIT_"], _col(tr, "VISITNUM"))
    tr["DATE"] = _dates(tr, "TRDTC", "TR", findings, imputation) if "TRDTC" in tr.columns \
        else pd.Series(pd.NA, index=tr.index, dtype="string")
    tr["DATE"] = _as_datetime(tr, "DATE", "TRDTC")
    no_date = tr["DATE"].isna()
    if no_date.any():
        # A record without TRDTC (a summary result, or one of several scans) takes the
        # latest date of its visit.
        visit = group_keys(tr["USUBJID"], tr["VISIT_"])
        visit_date = tr["DATE"].groupby(visit).transform("max")
        tr["DATE"] = tr["DATE"].fillna(visit_date)
        undated = tr["DATE"].isna()
        # CDISC: a scan not performed has no TRDTC; with no dated record in its visit, it
        # cannot be placed in time: leave it out (a missed assessment), with a finding.
        not_done = (_col(tr, "TRSTAT") == "NOT DONE").fillna(False)
        visit_not_done = not_done.groupby(visit).transform("all")
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
    _ignored_tests(tr, findings)
    is_sum = is_in(tr["TEST"], SUM_TESTS)
    sums = tr[is_sum]
    tr = tr[is_in(tr["TEST"], _LESION_TESTS)].reset_index(drop=True)
    no_link = tr.index[tr["LNK"].isna().to_numpy()]
    if len(no_link):
        raise RecistDataError(f"TR: {tr.at[no_link[0], 'TEST']} record(s) without TRLNKID "
                              f"({_records(tr, no_link)}); every lesion result needs the "
                              "TRLNKID of its lesion")
    tr["TP"] = _split_repeated_visits(tr, findings)
    _check_visit_spans(tr, findings)
    tr["VALUE"], tr["FLAG"], tr["STATE"] = _row_flags(tr, findings)
    tr["LESION"], tr["COMBINED"] = _lesion_ids(tr["LNK"])
    tr = _lesion_attributes(tr, look)

    result_key = pd.Series(group_keys(*(tr[column] for column in [*_KEY, "TEST"])))
    duplicated = result_key.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = tr.index[duplicated]
        findings.append(Finding(
            code="sdtm-duplicate-result",
            message=f"TR: {len(rows)} records repeat a test for the same lesion, visit and "
                    f"date ({_records(tr, rows)}); the first of each was used. Remove the "
                    "duplicates.",
            patient_id=str(tr.at[rows[0], "USUBJID"]),
        ))
        tr = tr[~result_key.duplicated(keep="first").to_numpy()]
    rows = _assemble(tr, findings)
    rows = _add_merged_components(rows, tr)
    rows = _add_tu_only_new_lesions(rows, look)
    rows = rows.sort_values(["patient_id", "visitnum_sort", "date", "lesion_id", "trlnkid"],
                            kind="stable").drop(columns="visitnum_sort")
    if len(sums):
        value, _text = _values_mm(sums, np.ones(len(sums), dtype=bool))
        tp = sums["VISIT_"].astype("string")
        labels = tr.drop_duplicates(["USUBJID", "VISIT_", "DATE"]).set_index(
            ["USUBJID", "VISIT_", "DATE"])["TP"]
        relabelled = labels.reindex(pd.MultiIndex.from_frame(sums[["USUBJID", "VISIT_",
                                                                   "DATE"]]))
        tp = tp.where(relabelled.isna().to_numpy(), relabelled.to_numpy())
        _check_sums(rows, sums.assign(VALUE=value.to_numpy(), TP=tp.to_numpy())[
            value.notna().to_numpy()], findings, too_small_mm)
    return rows


def _lesion_attributes(tr: pd.DataFrame, look: pd.DataFrame) -> pd.DataFrame:
    """Kind, organ, laterality and nodal of each record's lesion (TU by full link id, then
    by lesion id; TRGRPID when TU has no record)."""
    by_link = _positions(look, tr["USUBJID"], tr["LNK"])
    by_lesion = _positions(look, tr["USUBJID"], tr["LESION"])
    position = np.where(by_link >= 0, by_link, by_lesion)
    attrs = _take(look.reset_index(drop=True)[["tu_kind", "tu_equivocal", "organ",
                                               "laterality", "tu_nodal"]], position)
    grp_kind, grp_equivocal = _kind_from_text(_col(tr, "TRGRPID"))
    tr["KIND"] = coalesce(pd.Series(attrs["tu_kind"].array, index=tr.index), grp_kind)
    tr["EQUIVOCAL"] = attrs["tu_equivocal"].to_numpy(dtype=bool) | grp_equivocal.to_numpy()
    tr["ORGAN"] = pd.Series(attrs["organ"].array, index=tr.index)
    tr["LATERALITY"] = pd.Series(attrs["laterality"].array, index=tr.index)
    tu_nodal = attrs["tu_nodal"].to_numpy(dtype=bool)
    no_kind = tr.index[tr["KIND"].isna()]
    if len(no_kind):
        raise RecistDataError(
            f"TR: lesion {tr.at[no_kind[0], 'LNK']} ({_records(tr, no_kind)}) has no TU "
            "record with TUORRES TARGET / NON-TARGET / NEW and no TRGRPID; add its TU "
            "identification record"
        )
    _check_links_in_tu(tr, look, position)
    lesion_key = group_keys(tr["USUBJID"], tr["LESION"])

    def per_lesion(flags: np.ndarray) -> np.ndarray:  # any record of the lesion
        return (np.bincount(lesion_key, weights=flags) > 0)[lesion_key]

    has_ld, has_sa, has_ln = (per_lesion(is_in(tr["TEST"], [name]))
                              for name in ("LDIAM", "LPERP", "LNSTATE"))
    tr["NODAL"] = per_lesion(tu_nodal | has_ln | (has_sa & ~has_ld))
    return tr


def _codes(names: tuple[str, ...], mapping: dict[str, str]) -> np.ndarray:
    """A lookup array: code in ``names`` → code in ``_STATUSES`` (extra slot for -1)."""
    return np.array([_STATUSES.index(mapping[n]) if n in mapping else -1 for n in names]
                    + [-1], dtype=np.int8)


_TARGET_FROM_STATE = _codes(_STATES, {"absent": "absent", "present": "not_evaluated",
                                      "progression": "not_evaluated",
                                      "equivocal": "not_evaluated",
                                      "not_evaluated": "not_evaluated"})
_NON_TARGET_FROM_STATE = _codes(_STATES, {"present": "present", "absent": "absent",
                                          "progression": "progression",
                                          "equivocal": "present",
                                          "not_evaluated": "not_evaluated"})
_NON_TARGET_FROM_MEASURE = _codes(_STATUSES, {"measured": "present", "too_small": "present",
                                              "merged": "present", "absent": "absent",
                                              "not_evaluated": "not_evaluated"})
_NEW_FROM_STATE = _codes(_STATES, {"present": "unequivocal", "progression": "unequivocal",
                                   "not_evaluated": "unequivocal", "equivocal": "equivocal",
                                   "absent": "absent"})


def _assemble(tr: pd.DataFrame, findings: list[Finding]) -> pd.DataFrame:
    """One row per (patient, time point, link id): diameters and status."""
    # One integer code per (patient, time point, link id); values are placed by code with
    # numpy (records are unique per key and test here), no MultiIndex alignment.
    codes = group_keys(*(tr[column] for column in _KEY))
    n_keys = int(codes.max()) + 1 if len(codes) else 0
    _unique, first_position = np.unique(codes, return_index=True)
    wanted = _KEY + ["STUDYID", "VISITNUM", "KIND", "ORGAN", "LATERALITY", "NODAL", "LESION"]
    head = tr[[c for c in wanted if c in tr.columns]].iloc[first_position].reset_index(
        drop=True)
    out = pd.DataFrame({column: head[column] if column in head.columns
                        else pd.Series(pd.NA, index=head.index, dtype=object)
                        for column in wanted})
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n_keys))
    dates = tr["DATE"].to_numpy()[order]
    out["DATE"] = np.maximum.reduceat(dates.astype("int64"), starts).astype(
        "datetime64[ns]") if n_keys else np.array([], dtype="datetime64[ns]")
    for name in ("EQUIVOCAL", "COMBINED"):
        flags = tr[name].to_numpy(dtype=bool)[order]
        out[name] = np.logical_or.reduceat(flags, starts) if n_keys else np.array([], bool)
    test_codes, test_names = codes_and_uniques(tr["TEST"])
    names = [str(n) for n in test_names]
    columns: dict[str, np.ndarray] = {}
    for name in _LESION_TESTS:
        rows_of_test = test_codes == (names.index(name) if name in names else -2)
        fields = ("VALUE", "FLAG") if name in DIAMETER_TESTS else ("STATE",)
        for field in fields:
            column = np.full(n_keys, np.nan) if field == "VALUE" else np.full(n_keys, -1,
                                                                             dtype=np.int8)
            source = tr[field].to_numpy() if field == "VALUE" else tr[field]
            column[codes[rows_of_test]] = np.asarray(source)[rows_of_test]
            columns[f"{field}_{name}"] = column
    nodal = out["NODAL"].to_numpy(dtype=bool)
    # DIAMETER is the RECIST diameter: the short axis of a node, the LD otherwise.
    ld = np.where(np.isnan(columns["VALUE_LDIAM"]) & ~nodal, columns["VALUE_DIAMETER"],
                  columns["VALUE_LDIAM"])
    sa = np.where(np.isnan(columns["VALUE_LPERP"]) & nodal, columns["VALUE_DIAMETER"],
                  columns["VALUE_LPERP"])
    ld_flag = np.where((columns["FLAG_LDIAM"] < 0) & ~nodal, columns["FLAG_DIAMETER"],
                       columns["FLAG_LDIAM"])
    sa_flag = np.where((columns["FLAG_LPERP"] < 0) & nodal, columns["FLAG_DIAMETER"],
                       columns["FLAG_LPERP"])
    _check_diameter_agrees(out, columns, nodal, findings)
    primary_flag = np.where(nodal, sa_flag, ld_flag)
    secondary_flag = np.where(nodal, ld_flag, sa_flag)
    primary_flag = np.where(primary_flag < 0, secondary_flag, primary_flag)
    primary_value = np.where(nodal, sa, ld).astype(float)
    secondary_value = np.where(nodal, ld, sa).astype(float)
    primary_value = np.where(np.isnan(primary_value), secondary_value, primary_value)
    flag = {name: primary_flag == code for code, name in enumerate(_FLAGS)}
    measure = np.select(
        [flag["num"] & (primary_value > 0), flag["num"] & (primary_value == 0),
         flag["absent"], flag["too_small"], flag["merged"], flag["not_done"]],
        [_STATUSES.index(s) for s in ("measured", "absent", "absent", "too_small", "merged",
                                      "not_evaluated")], -1).astype(np.int8)

    tumour, node = columns["STATE_TUMSTATE"], columns["STATE_LNSTATE"]
    state = np.where(tumour < 0, node, tumour)
    kind_codes, kind_names = codes_and_uniques(out["KIND"])
    kind_table = np.append(np.asarray(kind_names, dtype=object),
                           np.array([None], dtype=object))
    kind = kind_table[kind_codes]
    is_t, is_nt, is_new = kind == "target", kind == "non-target", kind == "new"
    status = np.full(len(out), -1, dtype=np.int8)
    target = np.where(measure >= 0, measure, _TARGET_FROM_STATE[state])
    status[is_t] = target[is_t]
    non_target = np.where(state >= 0, _NON_TARGET_FROM_STATE[state],
                          _NON_TARGET_FROM_MEASURE[measure])
    status[is_nt] = non_target[is_nt]
    new = np.where(state >= 0, _NEW_FROM_STATE[state], np.where(
        out["EQUIVOCAL"].to_numpy(dtype=bool), _STATUSES.index("equivocal"),
        _STATUSES.index("unequivocal")))
    status[is_new] = new[is_new]
    gone = is_new & (status == _STATUSES.index("absent"))
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
        "patient_id": out["USUBJID"].astype("category"),
        "date": out["DATE"],
        "visit": out["TP"].astype("category"),
        "lesion_id": out["LESION"].astype("category"),
        "kind": out["KIND"].astype("category"),
        "organ": out["ORGAN"],
        "nodal": nodal,
        "ld_mm": ld.astype(float),
        "sa_mm": sa.astype(float),
        "status": pd.Categorical.from_codes(status, categories=list(_STATUSES)),
        "studyid": out["STUDYID"],
        "visitnum": out["VISITNUM"],
        "laterality": out["LATERALITY"],
        "trlnkid": out["LNK"].astype("category"),
        "combined": out["COMBINED"].to_numpy(dtype=bool),
    })
    rows = rows[~gone].reset_index(drop=True)
    rows["visitnum_sort"] = numbers(rows["visitnum"]).to_numpy()
    return rows


def _check_diameter_agrees(out: pd.DataFrame, columns: dict[str, np.ndarray],
                           nodal: np.ndarray, findings: list[Finding]) -> None:
    """A DIAMETER record next to the LDIAM / LPERP it stands for must agree (0.5 mm)."""
    counted = np.where(nodal, columns["VALUE_LPERP"], columns["VALUE_LDIAM"]).astype(float)
    diameter = columns["VALUE_DIAMETER"].astype(float)
    far = ~np.isnan(counted) & ~np.isnan(diameter) & (np.abs(counted - diameter)
                                                       > SUM_TOLERANCE_MM)
    if far.any():
        first = int(np.flatnonzero(far)[0])
        axis = "LPERP" if nodal[first] else "LDIAM"
        findings.append(Finding(
            code="sdtm-diameter-differs",
            message=f"TR: {int(far.sum())} lesion(s) have a DIAMETER that differs from "
                    f"their {axis} by more than {SUM_TOLERANCE_MM} mm, e.g. USUBJID "
                    f"{out.at[first, 'USUBJID']}, visit {out.at[first, 'TP']}, lesion "
                    f"{out.at[first, 'LNK']}: DIAMETER {diameter[first]:g} mm, {axis} "
                    f"{counted[first]:g} mm; {axis} was used (LD for a non-nodal lesion, "
                    "the short axis for a node).",
            patient_id=str(out.at[first, "USUBJID"]), visit=str(out.at[first, "TP"]),
            lesion_id=str(out.at[first, "LNK"])))


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
