"""The CDISC exchange jobs: SDTM in (with a check of the sponsor's responses) and out.

``recist sdtm-in`` reads TU/TR/DM with ``recist.cdisc.read_sdtm`` and, with an RS dataset,
recomputes the responses and compares them (:func:`compare_with_reported`); ``recist
sdtm-out`` assesses the responses and builds TU, TR, RS, DM and the ADaM tables
(:func:`sdtm_tables`) and writes them into ``--out`` as one transaction
(:func:`write_sdtm_outputs`). A measurements table with an ``evaluator`` column (several readers,
as ``read_sdtm`` writes it) is assessed one reader at a time (:func:`respond_by_evaluator`),
never as one mixture.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from recist.cdisc import SdtmInput
    from recist.criteria import Criteria
    from recist.pipeline.oligo import OligoResult
    from recist.response import RespondResult

__all__ = ["SDTM_DOMAINS", "compare_with_reported", "respond_by_evaluator",
           "respond_oligo_by_evaluator", "sdtm_tables", "write_sdtm_outputs"]

SDTM_DOMAINS = ("TU", "TR", "RS", "DM", "ADSL", "ADRS", "ADTTE")
"""The tables ``sdtm-out`` may write; their files in ``--out`` are a previous run's."""


def respond_by_evaluator(measurements: pd.DataFrame, patients: pd.DataFrame | None = None,
                         criteria: Criteria | None = None) -> RespondResult:
    """``recist.respond`` once per reader of the ``evaluator`` column, results stacked.

    Without an ``evaluator`` column this is ``recist.respond``. With one, each reader's
    rows are assessed alone; ``timepoints`` and ``patient_summary`` get an ``evaluator``
    first column and each finding's message starts with ``reader <name>:``.
    """
    import pandas as pd

    from recist.criteria import RECIST_1_1
    from recist.response import RespondResult, reader_labels, respond

    criteria = criteria or RECIST_1_1
    if "evaluator" not in measurements.columns:
        return respond(measurements, patients, criteria)
    readers = reader_labels(measurements)
    parts = [_as_reader(respond(measurements[(readers == reader).to_numpy()]
                                .drop(columns="evaluator").reset_index(drop=True),
                                patients, criteria), reader)
             for reader in sorted(set(readers))]
    return RespondResult(pd.concat([p.timepoints for p in parts], ignore_index=True),
                         pd.concat([p.patient_summary for p in parts], ignore_index=True),
                         tuple(f for p in parts for f in p.findings), criteria)


def respond_oligo_by_evaluator(measurements: pd.DataFrame, patients: pd.DataFrame | None,
                               criteria: Criteria, *,
                               lesions: pd.DataFrame | str | Path | None = None,
                               therapies: pd.DataFrame | str | Path | None = None,
                               ) -> tuple[RespondResult, OligoResult | None]:
    """``recist.pipeline.oligo.respond_oligo`` of one reader's table, the reader kept as
    :func:`respond_by_evaluator` keeps it.

    Without an ``evaluator`` column this is ``respond_oligo``. With one naming one reader,
    that reader's rows are assessed without the column and the result gets the reader as
    :func:`respond_by_evaluator` gives it (``evaluator`` first column, findings prefixed),
    so RS, ADRS and ADTTE name the reader TU and TR name.

    Raises
    ------
    ValueError
        The ``evaluator`` column names several readers (the lesion history and therapy
        timeline are one patient's, not one per reader).
    """
    from recist.pipeline.oligo import respond_oligo

    if "evaluator" not in measurements.columns:
        return respond_oligo(measurements, patients, criteria, lesions=lesions,
                             therapies=therapies)
    from recist.response import readers_of

    readers = readers_of(measurements)
    if len(readers) > 1:
        raise ValueError("--lesions and --therapies assess one reader: the measurements "
                         f"hold {len(readers)} in the evaluator column; keep one reader's "
                         "rows (e.g. recist sdtm-in --evaluator NAME)")
    rows = measurements.drop(columns="evaluator")
    result, oligo = respond_oligo(rows, patients, criteria, lesions=lesions,
                                  therapies=therapies)
    return _as_reader(result, readers[0] if readers else ""), oligo


def _as_reader(result: RespondResult, reader: str) -> RespondResult:
    """One reader's result as :func:`respond_by_evaluator` stacks it: ``evaluator`` the
    first column of ``timepoints`` and ``patient_summary``, each finding's message after
    ``reader <name>:``."""

    def tagged(table: pd.DataFrame) -> pd.DataFrame:
        table = table.assign(evaluator=reader)
        return table[["evaluator", *[c for c in table.columns if c != "evaluator"]]]

    return replace(result, timepoints=tagged(result.timepoints),
                   patient_summary=tagged(result.patient_summary),
                   findings=tuple(replace(f, message=f"reader {reader}: {f.message}")
                                  for f in result.findings))


def compare_with_reported(sdtm: SdtmInput, reported: pd.DataFrame,
                          criteria: Criteria | None = None) -> pd.DataFrame:
    """Recompute the responses of SDTM measurements and compare them with RS.

    Parameters
    ----------
    sdtm
        What ``recist.cdisc.read_sdtm`` read (measurements and patients).
    reported
        The sponsor's responses (``recist.cdisc.rs_compare.read_sdtm_responses``).
    criteria
        The criteria to recompute with (RECIST 1.1 by default).

    Returns
    -------
    pandas.DataFrame
        One row per reported result: ``test``, ``date``, reported and recomputed values,
        ``agree`` and an ``explanation`` of each disagreement
        (``recist.cdisc.rs_compare.compare_responses``); per reader when TR has several.
    """
    from recist.cdisc.rs_compare import compare_responses
    from recist.criteria import RECIST_1_1

    criteria = criteria or RECIST_1_1
    computed = respond_by_evaluator(sdtm.measurements, sdtm.patients, criteria)
    return compare_responses(computed.timepoints, computed.patient_summary, reported,
                             sdtm.measurements, criteria)


def sdtm_tables(measurements: pd.DataFrame, result: RespondResult,
                patients: pd.DataFrame | None, criteria: Criteria, *, studyid: str,
                adam: bool = False, oligo: OligoResult | None = None,
                ) -> dict[str, pd.DataFrame]:
    """The SDTM (and ADaM) tables of a measurements table and its responses.

    Parameters
    ----------
    measurements, patients
        The tables the responses were assessed on (``patients`` may be None: no DM).
    result
        ``recist.response.respond``'s result (or :func:`respond_by_evaluator`'s).
    criteria
        The criteria of the assessment (for ADTTE's censoring rules).
    studyid
        STUDYID of every record.
    adam
        Add ADSL, ADRS and ADTTE.
    oligo
        The follow-up after local treatment (``recist.pipeline.oligo.respond_oligo``):
        with ``adam``, ADTTE gets its STFS, PFSLT and TTLF parameters
        (``recist.cdisc.adtte_oligo``, DEC-27).

    Returns
    -------
    dict
        Domain name (TU, TR, RS, DM, ADSL, ADRS, ADTTE) -> table, for
        ``recist.cdisc.sdtm_out.write_sdtm``.
    """
    from recist.cdisc.sdtm_out import (
        dm_from_patients,
        measurements_to_sdtm,
        rs_from_responses,
    )

    tables = measurements_to_sdtm(measurements, studyid=studyid)
    tables["RS"] = rs_from_responses(result.timepoints, result.patient_summary,
                                     studyid=studyid)
    if patients is not None:
        tables["DM"] = dm_from_patients(patients, studyid=studyid)
    if adam:
        from recist.cdisc.adam import adam_tables

        tables.update(adam_tables(result.timepoints, result.patient_summary, patients,
                                  studyid=studyid, criteria=criteria))
        if oligo is not None:
            from recist.cdisc.adtte_oligo import append_oligo_parameters

            tables["ADTTE"] = append_oligo_parameters(tables["ADTTE"], oligo.patients,
                                                      oligo.lesions)
    return tables


def write_sdtm_outputs(tables: dict[str, pd.DataFrame], out_dir: str | Path, *,
                       xpt: bool = False, created: str | None = None) -> list[Path]:
    """Write :func:`sdtm_tables`' tables into ``out_dir`` as one transaction.

    Every file (``<domain>.csv``, and ``.xpt`` with ``xpt``) is staged beside ``out_dir``
    and moved into place at the end (``recist.outputs.output_transaction``): a failure or a
    kill midway leaves the folder as it was, never TU of this run beside RS of the last.
    A folder holding only a previous run's files is replaced whole (a domain this run does
    not write, e.g. ADSL without ``--adam``, goes); other files of the user's are kept.
    Returns the paths written, in ``out_dir``.
    """
    from recist.cdisc.sdtm_out import write_sdtm
    from recist.outputs import output_transaction

    out_dir = Path(out_dir)
    domains = dict.fromkeys(d.lower() for d in (*SDTM_DOMAINS, *tables))
    names = [f"{domain}.{ext}" for domain in domains for ext in ("csv", "xpt")]
    with output_transaction(out_dir, names) as staging:
        staged = write_sdtm(tables, staging, xpt=xpt, created=created)
    return [out_dir / path.name for path in staged]
