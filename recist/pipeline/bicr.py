"""Blinded independent central review (BICR): two readers, an adjudicator, the site.

The 2 + 1 paradigm: two independent radiologists read every patient; when their results
differ on what the charter names (best overall response, or the date of progression
beyond a window), an adjudicator chooses one of the two readings, which becomes the
central result; when they agree, reader 1's reading is the central result. The site
(investigator) assessment is compared with the central one.

:func:`assess_bicr` computes, from a measurements table with an ``evaluator`` column (as
``recist.cdisc.read_sdtm`` returns it):

* **per reader**: time points and patient summaries, each reader assessed alone;
* **discordance** per patient: both readers' BOR (confirmed when confirmation is on) and
  PD dates, days apart, and which triggers fire (``bor``, ``pd-date``: one reader has PD
  and the other not, or the dates are more than ``pd_window_days`` apart);
* **final** per patient: the adjudicated reading (the reader the adjudicator chose, from
  an adjudication table or the SDTM accepted-record flags), reader 1's when no trigger
  fired, and nothing — with a finding — when adjudication is needed but no choice is
  recorded;
* **agreement** between the readers: BOR percent agreement and Cohen's kappa, the
  PD-date discordance rate, the adjudication rate and how often the adjudicator chose
  each reader; percentages on a 0–100 scale;
* **site versus central**: the early and late discrepancy rates of Amit et al. (Eur J
  Cancer 2011;47:1772–8). With a = both PD (a1 site earlier, a2 same day, a3 site later),
  b = site PD only, c = central PD only: EDR = (a1 + b) / (a + b), the share of site
  progressions declared early; LDR = (a3 + c) / (a1 + a3 + b + c), the share of the
  discrepancies in which the site was late. Overall and per arm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from recist.arrays import round_half_away
from recist.errors import RecistDataError
from recist.findings import Finding, Severity

if TYPE_CHECKING:
    from recist.criteria import Criteria

__all__ = ["TRIGGERS", "BicrResult", "accepted_readers", "assess_bicr", "central_measurements",
           "cohen_kappa", "write_bicr_report",
           "describe_agreement", "discrepancy_rates", "findings_worth_printing",
           "write_bicr"]

TRIGGERS = ("bor", "pd-date")
KAPPA_DECIMALS = 3


def as_pct(proportion: float) -> float:
    """A proportion as a percentage with 2 decimals (docs/tables.md, "Numbers in
    outputs"; the same as ``recist.stats.as_pct``, without importing scipy)."""
    return float(round_half_away(100.0 * float(proportion), 2))
_BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")


@dataclass(frozen=True)
class BicrResult:
    """What :func:`assess_bicr` returns (see the module docstring)."""

    timepoints: pd.DataFrame
    reader_summary: pd.DataFrame
    discordance: pd.DataFrame
    final: pd.DataFrame
    agreement: pd.DataFrame
    site_vs_central: pd.DataFrame
    readers: tuple[str, str]
    findings: tuple[Finding, ...] = field(default=())
    triggers: tuple[str, ...] = TRIGGERS
    """What sent a patient to adjudication (``bor``, ``pd-date``)."""
    pd_window_days: int = 0
    """PD dates further apart than this triggered ``pd-date``."""
    site: str | None = "INVESTIGATOR"


def cohen_kappa(first: pd.Series, second: pd.Series) -> float:
    """Cohen's kappa of two raters' categories (pairs with a missing value left out).

    >>> round(cohen_kappa(pd.Series(list("AABB")), pd.Series(list("AABA"))), 3)
    0.5
    """
    pairs = pd.DataFrame({"a": first.to_numpy(), "b": second.to_numpy()}).dropna()
    if pairs.empty:
        return float("nan")
    observed = float((pairs["a"] == pairs["b"]).mean())
    p_a = pairs["a"].value_counts(normalize=True)
    p_b = pairs["b"].value_counts(normalize=True)
    expected = float(sum(p_a.get(k, 0.0) * p_b.get(k, 0.0) for k in set(p_a.index)
                         | set(p_b.index)))
    if expected == 1.0:
        return 1.0 if observed == 1.0 else float("nan")
    return (observed - expected) / (1.0 - expected)


def discrepancy_rates(site_pd: pd.Series, central_pd: pd.Series) -> dict[str, float]:
    """Amit et al.'s counts and rates for paired PD dates (NaT = no PD), per patient.

    Returns ``a1, a2, a3, b, c, d`` and ``edr_pct``, ``ldr_pct`` (NaN when the
    denominator is 0).

    >>> t = pd.Timestamp
    >>> r = discrepancy_rates(pd.Series([t("2024-01-01"), t("2024-03-01"), pd.NaT]),
    ...                       pd.Series([t("2024-02-01"), pd.NaT, t("2024-01-01")]))
    >>> (r["a1"], r["b"], r["c"], round(r["edr_pct"], 1), round(r["ldr_pct"], 1))
    (1, 1, 1, 100.0, 33.3)
    """
    site, central = pd.to_datetime(site_pd).to_numpy(), pd.to_datetime(central_pd).to_numpy()
    has_site, has_central = ~pd.isna(site), ~pd.isna(central)
    both = has_site & has_central
    a1 = int((both & (site < central)).sum())
    a2 = int((both & (site == central)).sum())
    a3 = int((both & (site > central)).sum())
    b = int((has_site & ~has_central).sum())
    c = int((~has_site & has_central).sum())
    d = int((~has_site & ~has_central).sum())
    a = a1 + a2 + a3
    edr = as_pct((a1 + b) / (a + b)) if a + b else float("nan")
    discrepancies = a1 + a3 + b + c
    ldr = as_pct((a3 + c) / discrepancies) if discrepancies else float("nan")
    return {"a1": a1, "a2": a2, "a3": a3, "b": b, "c": c, "d": d, "edr_pct": edr,
            "ldr_pct": ldr}


def accepted_readers(tr: pd.DataFrame | str, readers: tuple[str, str]) -> pd.DataFrame:
    """The adjudicator's choice per patient from SDTM TR: the reader (of ``readers``)
    whose records carry ``TRACPTFL = "Y"``. Returns ``patient_id, chosen_reader``; a
    patient whose accepted records come from both readers is left out (ambiguous)."""
    from recist.cdisc._sdtm_values import _col, reader_labels
    from recist.cdisc.xpt import as_cdisc_frame

    frame = as_cdisc_frame(tr, "TR", ("USUBJID", "TREVAL", "TREVALID", "TRACPTFL"))
    labels = reader_labels(frame, "TR")
    if labels is None or "TRACPTFL" not in frame.columns:
        return pd.DataFrame({"patient_id": pd.Series(dtype=str),
                             "chosen_reader": pd.Series(dtype=str)})
    accepted = ((_col(frame, "TRACPTFL") == "Y").fillna(False).to_numpy(dtype=bool)
                & labels.isin(readers).to_numpy())
    pairs = pd.DataFrame({"patient_id": frame["USUBJID"].astype(str)[accepted],
                          "chosen_reader": labels[accepted].astype(str)}).drop_duplicates()
    unique = pairs.groupby("patient_id")["chosen_reader"].transform("nunique") == 1
    return pairs[unique.to_numpy()].reset_index(drop=True)


def _per_patient(summary: pd.DataFrame, reader: str, bor_column: str) -> pd.DataFrame:
    mine = summary[summary["evaluator"] == reader].set_index("patient_id")
    return pd.DataFrame({"bor": mine[bor_column].astype("string"),
                         "pd_date": pd.to_datetime(mine["pd_date"])})


def assess_bicr(measurements: pd.DataFrame, patients: pd.DataFrame | None = None,
                criteria: Criteria | None = None, *, readers: tuple[str, str] | None = None,
                site: str | None = "INVESTIGATOR",
                adjudication: pd.DataFrame | None = None,
                triggers: tuple[str, ...] = TRIGGERS, pd_window_days: int = 0) -> BicrResult:
    """Per-reader responses, discordance, adjudicated result and agreement statistics.

    Parameters
    ----------
    measurements
        A measurements table with an ``evaluator`` column (``recist.cdisc.read_sdtm``).
    patients
        The patients table (start dates, deaths, ``arm`` for per-arm rates), or None.
    criteria
        RECIST options (``confirmation`` on compares confirmed BOR).
    readers
        The two central readers (reader 1 first); default: the two evaluators other than
        ``site`` (an error when there are not exactly two).
    site
        The site reader (the investigator), compared with the central result; None to
        skip the comparison.
    adjudication
        ``patient_id, chosen_reader``: the adjudicator's choice per patient (e.g. from
        :func:`accepted_readers`).
    triggers
        What sends a patient to adjudication: ``"bor"`` and/or ``"pd-date"``.
    pd_window_days
        PD dates further apart than this (or PD by one reader only) trigger ``pd-date``.
    """
    from recist.criteria import RECIST_1_1
    from recist.pipeline.sdtm import respond_by_evaluator

    criteria = criteria or RECIST_1_1
    unknown = sorted(set(triggers) - set(TRIGGERS))
    if unknown:
        raise ValueError(f"unknown adjudication trigger(s) {', '.join(unknown)}; choose "
                         f"from {', '.join(TRIGGERS)}")
    if pd_window_days < 0:
        raise ValueError(f"pd_window_days must be 0 or more, not {pd_window_days}")
    if "evaluator" not in measurements.columns:
        raise RecistDataError("BICR needs the readers: the measurements table has no "
                              "evaluator column (read TR with TREVAL/TREVALID, every reader)")
    present = sorted(set(measurements["evaluator"].astype(str)))
    if readers is None:
        central = [r for r in present if r != site and r != "ACCEPTED"]
        if len(central) != 2:
            raise RecistDataError(
                f"BICR needs two central readers; the evaluators are {', '.join(present)} "
                f"(site {site}); name the two with readers=(reader 1, reader 2) / --readers")
        readers = (central[0], central[1])
    for reader in (*readers, *([site] if site else [])):
        if reader not in present:
            raise RecistDataError(f"no assessment by reader {reader!r}; the evaluators are "
                                  f"{', '.join(present)}")
    wanted = [*readers, *([site] if site else [])]
    result = respond_by_evaluator(
        measurements[measurements["evaluator"].astype(str).isin(wanted)], patients, criteria)
    summary = result.patient_summary.assign(patient_id=lambda t: t["patient_id"].astype(str))
    bor_column = "confirmed_bor" if "confirmed_bor" in summary.columns else "bor"
    one, two = (_per_patient(summary, r, bor_column) for r in readers)
    ids = one.index.union(two.index)
    one, two = one.reindex(ids), two.reindex(ids)
    days_apart = (one["pd_date"] - two["pd_date"]).dt.days.abs().astype("Int64")
    bor_differs = (one["bor"] != two["bor"]).fillna(True).to_numpy(dtype=bool)
    one_pd, two_pd = one["pd_date"].notna(), two["pd_date"].notna()
    pd_differs = ((one_pd != two_pd) | (days_apart > pd_window_days).fillna(False)
                  ).to_numpy(dtype=bool)
    fired = np.full(len(ids), "", dtype=object)
    needs = np.zeros(len(ids), dtype=bool)
    if "bor" in triggers:
        needs |= bor_differs
        fired = np.where(bor_differs, "bor", fired)
    if "pd-date" in triggers:
        needs |= pd_differs
        fired = np.where(pd_differs, np.where(fired == "", "pd-date", fired + "; pd-date"),
                         fired)
    discordance = pd.DataFrame({
        "patient_id": ids, f"{bor_column}_reader1": one["bor"].to_numpy(),
        f"{bor_column}_reader2": two["bor"].to_numpy(),
        "pd_date_reader1": one["pd_date"].to_numpy(),
        "pd_date_reader2": two["pd_date"].to_numpy(), "pd_days_apart": days_apart.to_numpy(),
        "bor_discordant": bor_differs, "pd_date_discordant": pd_differs,
        "adjudication_needed": needs, "triggers": fired})
    findings = list(result.findings)
    chosen = pd.Series(pd.NA, index=ids, dtype="string")
    if adjudication is not None and len(adjudication):
        given = adjudication.assign(patient_id=adjudication["patient_id"].astype(str))
        bad = given[~given["chosen_reader"].astype(str).isin(readers)]
        if len(bad):
            raise RecistDataError(
                f"adjudication: patient {bad.iloc[0]['patient_id']} names reader "
                f"{bad.iloc[0]['chosen_reader']!r}, not one of the central readers "
                f"{', '.join(readers)}")
        chosen = given.drop_duplicates("patient_id").set_index("patient_id")[
            "chosen_reader"].astype("string").reindex(ids)
    source = np.where(needs, chosen.to_numpy(dtype=object), readers[0])
    pending = needs & pd.isna(chosen).to_numpy()
    nothing = np.array(None, dtype=object)
    source = np.where(pending, nothing, source)
    discordance["adjudicated_reader"] = np.where(needs, chosen.to_numpy(dtype=object),
                                                 nothing)
    if pending.any():
        waiting = list(ids[pending])
        findings.append(Finding(
            code="bicr-adjudication-missing",
            message=f"{len(waiting)} patient(s) need adjudication ({', '.join(waiting[:5])}"
                    f"{' …' if len(waiting) > 5 else ''}) but no adjudicator's choice is "
                    "recorded (TRACPTFL = 'Y' on one reader's records, or --adjudication "
                    "CSV with patient_id,chosen_reader); their central result is left empty.",
            patient_id=waiting[0]))
    final = _final(summary, ids, source, needs, bor_column)
    agreement = _agreement(discordance, readers, bor_column, needs, chosen)
    site_table = _site_vs_central(summary, final, site, patients) if site else \
        pd.DataFrame()
    return BicrResult(result.timepoints, summary, discordance, final, agreement,
                      site_table, readers, tuple(findings), tuple(triggers), pd_window_days,
                      site)


def _final(summary: pd.DataFrame, ids: pd.Index, source: np.ndarray, needs: np.ndarray,
           bor_column: str) -> pd.DataFrame:
    """The central result per patient: the chosen reader's summary row."""
    keyed = summary.set_index(["evaluator", "patient_id"])
    rows = []
    for patient, reader, adjudicated in zip(ids, source, needs, strict=True):
        if reader is None:
            rows.append({"patient_id": patient, "source_reader": "", "adjudicated": True,
                         "status": "awaiting adjudication"})
            continue
        row = keyed.loc[(reader, patient)].to_dict()
        rows.append({"patient_id": patient, "source_reader": reader,
                     "adjudicated": bool(adjudicated),
                     "status": "adjudicated" if adjudicated else "readers concordant",
                     **row})
    first = ["patient_id", "source_reader", "adjudicated", "status"]
    rest = [c for c in summary.columns if c not in ("evaluator", "patient_id")]
    return pd.DataFrame(rows, columns=first + rest)


def _agreement(discordance: pd.DataFrame, readers: tuple[str, str], bor_column: str,
               needs: np.ndarray, chosen: pd.Series) -> pd.DataFrame:
    one = discordance[f"{bor_column}_reader1"].astype("string")
    two = discordance[f"{bor_column}_reader2"].astype("string")
    paired = one.notna() & two.notna()
    n = int(paired.sum())
    any_pd = discordance["pd_date_reader1"].notna() | discordance["pd_date_reader2"].notna()
    rows = [
        ("patients read by both readers", n, ""),
        (f"{bor_column} agreement (%)", as_pct((one[paired] == two[paired]).mean())
         if n else float("nan"), f"{readers[0]} vs {readers[1]}"),
        (f"{bor_column} Cohen's kappa",
         float(round_half_away(cohen_kappa(one[paired], two[paired]), KAPPA_DECIMALS)),
         "categories " + ", ".join(_BOR_ORDER)),
        ("patients with PD by either reader", int(any_pd.sum()), ""),
        ("PD-date discordance (%)",
         as_pct(discordance.loc[any_pd, "pd_date_discordant"].mean())
         if any_pd.any() else float("nan"),
         "of the patients with PD by either reader: PD by one reader only, or dates "
         "further apart than the window"),
        ("adjudication rate (%)", as_pct(needs.mean()) if len(needs) else float("nan"),
         "patients sent to the adjudicator"),
    ]
    decided = chosen[needs].dropna()
    for reader in readers:
        rows.append((f"adjudicator chose {reader} (%)",
                     as_pct((decided == reader).mean()) if len(decided)
                     else float("nan"), f"of {len(decided)} adjudicated patient(s)"))
    return pd.DataFrame(rows, columns=["metric", "value", "note"], dtype=object)


def _site_vs_central(summary: pd.DataFrame, final: pd.DataFrame, site: str,
                     patients: pd.DataFrame | None) -> pd.DataFrame:
    site_rows = summary[summary["evaluator"] == site].set_index("patient_id")
    central = final[final["source_reader"] != ""].set_index("patient_id")
    ids = central.index.intersection(site_rows.index)
    site_pd = pd.to_datetime(site_rows.loc[ids, "pd_date"])
    central_pd = pd.to_datetime(central.loc[ids, "pd_date"])
    groups = {"All": ids}
    if patients is not None and "arm" in patients.columns:
        arms = patients.assign(patient_id=patients["patient_id"].astype(str)).set_index(
            "patient_id")["arm"].reindex(ids)
        for arm in sorted(arms.dropna().unique()):
            groups[str(arm)] = ids[(arms == arm).to_numpy()]
    rows = []
    for name, members in groups.items():
        rates = discrepancy_rates(site_pd.reindex(members), central_pd.reindex(members))
        rows.append({"arm": name, "n": len(members), **rates})
    return pd.DataFrame(rows)


def central_measurements(measurements: pd.DataFrame, result: BicrResult) -> pd.DataFrame:
    """The central review's measurements: each patient's rows of the reader the central
    result comes from (the adjudicated reader, else reader 1); a patient still awaiting
    adjudication is left out. One assessment, so no ``evaluator`` column."""
    chosen = result.final[result.final["source_reader"] != ""]
    wanted = pd.MultiIndex.from_arrays([chosen["patient_id"].astype(str),
                                        chosen["source_reader"].astype(str)])
    have = pd.MultiIndex.from_arrays([measurements["patient_id"].astype(str),
                                      measurements["evaluator"].astype(str)])
    rows = measurements[have.isin(wanted)]
    return rows.drop(columns="evaluator").reset_index(drop=True)


def write_bicr_report(measurements: pd.DataFrame, result: BicrResult, out_dir,
                      patients: pd.DataFrame | None = None,
                      criteria: Criteria | None = None) -> Path:
    """The cohort report of the central result with the BICR section
    (``recist.report.bicr_section``); returns the path of ``cohort.html``."""
    from recist.criteria import RECIST_1_1
    from recist.report import write_reports
    from recist.report.bicr_section import BICR_SECTION

    central = central_measurements(measurements, result)
    if central.empty:
        raise RecistDataError("BICR report: no patient has a central result yet (every "
                              "discordant patient awaits adjudication)")
    files = write_reports(central, out_dir, patients=patients,
                          criteria=criteria or RECIST_1_1, extra_sections=[BICR_SECTION],
                          extras={"bicr": result})
    return Path(files.cohort)


def describe_agreement(agreement: pd.DataFrame) -> list[str]:
    """The agreement table as printable lines."""
    lines = []
    for row in agreement.itertuples(index=False):
        value = row.value
        text = f"{value:.1f}" if isinstance(value, float) and not np.isnan(value) and \
            "kappa" not in row.metric else (f"{value:.3f}" if isinstance(value, float)
                                            and not np.isnan(value) else str(value))
        lines.append(f"  {row.metric:<42} {text}" + (f"  ({row.note})" if row.note else ""))
    return lines


def findings_worth_printing(result: BicrResult) -> list[Finding]:
    """Warnings and errors of the assessment (not notes)."""
    return [f for f in result.findings if f.severity != Severity.INFO]


def write_bicr(result: BicrResult, out_dir) -> list:
    """Write the BICR tables as CSV into ``out_dir``; returns the paths written."""
    from pathlib import Path

    from recist.findings import findings_frame
    from recist.outputs import write_csv_atomic

    out = Path(out_dir)
    tables = {"timepoints.csv": result.timepoints, "reader_summary.csv": result.reader_summary,
              "discordance.csv": result.discordance, "final.csv": result.final,
              "agreement.csv": result.agreement, "site_vs_central.csv": result.site_vs_central,
              "findings.csv": findings_frame(result.findings)}
    written = []
    for name, table in tables.items():
        table = table.copy()
        for column in table.columns:
            if pd.api.types.is_datetime64_any_dtype(table[column]):
                table[column] = table[column].dt.strftime("%Y-%m-%d")
        written.append(write_csv_atomic(table, out / name))
    return written
