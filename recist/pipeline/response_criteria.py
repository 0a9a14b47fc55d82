"""Beyond one RECIST 1.1 call: the other response criteria and the measurement
uncertainty, joined to ``respond``'s outputs.

``respond`` (the engine) assesses RECIST 1.1. :func:`extend_result` adds, on request,

* ``--uncertainty``: distances to the thresholds and probabilities under the
  measurement-error model (``recist.uncertainty``, UNC-1..6): columns of ``timepoints``
  and ``patient_summary``, and the table ``uncertainty_cohort.csv``;
* ``--response-criteria`` (:data:`CRITERIA_NAMES`): iRECIST (``recist.irecist``), WHO
  (``recist.who_criteria``) and volumetric (``recist.volumetric``) responses from the same
  measurements, each in its own columns named after it, and with two or more criteria
  their agreement (``recist.criteria_agreement``: ``criteria_agreement.csv``).

:func:`write_extended_outputs` writes respond's four files and these tables as one
transaction (``recist.outputs.output_transaction``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from recist.response import RespondResult

__all__ = ["CRITERIA_NAMES", "ExtendedResult", "attach_volumes", "extend_result",
           "parse_response_criteria", "write_extended_outputs"]

CRITERIA_NAMES = ("recist1.1", "irecist", "who", "volumetric")
"""The criteria ``--response-criteria`` selects (RECIST 1.1 is always assessed)."""


def parse_response_criteria(text: str | None) -> tuple[str, ...]:
    """The criteria of a ``--response-criteria`` value, in :data:`CRITERIA_NAMES` order.

    Names are separated by commas, case and spaces ignored; ``recist1.1`` is always
    included (the others are read against it).

    >>> parse_response_criteria("WHO, irecist")
    ('recist1.1', 'irecist', 'who')
    >>> parse_response_criteria("recist")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --response-criteria: unknown criterion 'recist'; choose from recist1.1, ...
    """
    names = {"recist1.1"}
    for part in (text or "").split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in CRITERIA_NAMES:
            raise ValueError(f"--response-criteria: unknown criterion {part.strip()!r}; "
                             f"choose from {', '.join(CRITERIA_NAMES)} (comma-separated)")
        names.add(name)
    return tuple(n for n in CRITERIA_NAMES if n in names)


def attach_volumes(measurements: pd.DataFrame, masks: pd.DataFrame) -> pd.DataFrame:
    """``measurements`` (e.g. from drawn lines) with the ``volume_mm3`` of the same lesion
    measured from its mask (VOL-1), for volumetric response.

    Rows match on ``patient_id``, ``date`` and ``lesion_id``; a lesion in several rows on
    either side (fragments, SUM-5) gets no volume, nor does a row whose own
    ``volume_mm3`` is filled already (kept). The input tables are not modified.

    >>> lines = pd.DataFrame({"patient_id": ["P"], "date": ["2024-01-02"],
    ...                       "lesion_id": ["T1"], "ld_mm": [20.0]})
    >>> masks = lines.assign(volume_mm3=[4188.8])
    >>> attach_volumes(lines, masks)["volume_mm3"].tolist()
    [4188.8]
    """
    keys = ["patient_id", "date", "lesion_id"]
    out = measurements.copy()
    if "volume_mm3" not in masks.columns:
        return out
    right = masks[keys + ["volume_mm3"]].copy()
    right["date"] = pd.to_datetime(right["date"])
    right = right[~right.duplicated(keys, keep=False)]
    left = out[keys].copy()
    left["date"] = pd.to_datetime(left["date"])
    single = ~left.duplicated(keys, keep=False)
    found = left.merge(right, on=keys, how="left", validate="m:1")["volume_mm3"]
    found = pd.to_numeric(found, errors="coerce").where(single.to_numpy())
    if "volume_mm3" in out.columns:
        own = pd.to_numeric(out["volume_mm3"], errors="coerce")
        out["volume_mm3"] = own.where(own.notna(), found.to_numpy())
    else:
        out["volume_mm3"] = found.to_numpy()
    return out


@dataclass(frozen=True)
class ExtendedResult:
    """``respond``'s result with the selected criteria's columns, and their own tables."""

    result: RespondResult
    criteria_names: tuple[str, ...] = ("recist1.1",)
    uncertainty: bool = False
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Extra output tables: file name → frame."""


def extend_result(result: RespondResult, measurements: pd.DataFrame,
                  patients: pd.DataFrame | None = None, *,
                  criteria_names: tuple[str, ...] = ("recist1.1",),
                  uncertainty: bool = False) -> ExtendedResult:
    """Add the selected criteria and the uncertainty to ``respond``'s result.

    ``measurements`` and ``patients`` are the tables ``respond`` read (one reader).
    Columns added to ``timepoints`` and ``patient_summary`` are described in
    docs/tables.md; findings of the criteria (e.g. a time point a criterion cannot
    assess for want of a column) are appended to the result's findings.
    """
    timepoints = result.timepoints
    summary = result.patient_summary
    findings = list(result.findings)
    tables: dict[str, pd.DataFrame] = {}
    if uncertainty:
        from recist.uncertainty import assess_uncertainty

        # respond's reading of the table when it kept one (its encoding is reused)
        read = measurements if result.indexed is None else result.indexed
        unc = assess_uncertainty(read, timepoints, summary, patients, result.criteria)
        timepoints = pd.concat([timepoints, unc.timepoints], axis=1)
        summary = summary.merge(unc.patients, on="patient_id", how="left", validate="1:1")
        tables["uncertainty_cohort.csv"] = unc.cohort
    if "irecist" in criteria_names:
        from recist.irecist import assess_irecist

        ir = assess_irecist(measurements, timepoints, patients, result.criteria)
        timepoints = pd.concat([timepoints, ir.timepoints], axis=1)
        summary = summary.merge(ir.patients, on="patient_id", how="left", validate="1:1")
        findings.extend(ir.findings)
    for name, module, function in (("who", "recist.who_criteria", "assess_who"),
                                   ("volumetric", "recist.volumetric", "assess_volumetric")):
        if name not in criteria_names:
            continue
        import importlib

        assess = getattr(importlib.import_module(module), function)
        sized = assess(measurements, result.timepoints, patients, result.criteria)
        timepoints = pd.concat([timepoints, sized.timepoints], axis=1)
        summary = summary.merge(sized.patients, on="patient_id", how="left", validate="1:1")
        findings.extend(sized.findings)
    if len(criteria_names) > 1:
        from recist.criteria_agreement import agreement_tables

        bor = "confirmed_bor" if "confirmed_bor" in summary.columns else "bor"
        agreement = agreement_tables(timepoints, summary, criteria_names, bor)
        tables["criteria_agreement.csv"] = agreement["agreement"]
        tables["criteria_kappa.csv"] = agreement["kappa"]
        tables["criteria_disagreements.csv"] = agreement["disagreements"]
    extended = replace(result, timepoints=timepoints, patient_summary=summary,
                       findings=tuple(findings))
    return ExtendedResult(extended, criteria_names, uncertainty, tables)


def _format_table(frame: pd.DataFrame) -> pd.DataFrame:
    """ISO dates, true/false, 2 decimals for mm and % columns, 4 for probabilities."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        name = str(column)
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map({True: "true", False: "false"}).fillna("")
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(series):
            if name.startswith("p_"):
                digits = 4
            elif (name.endswith(("_mm", "_mm2", "_mm3", "_pct")) or name.startswith("pct_")
                  or "_pct_" in name):
                digits = 2
            else:
                digits = 4  # rates and other fractions
            out[column] = series.map(lambda v, n=digits: "" if pd.isna(v) else f"{v:.{n}f}")
    return out


def write_extended_outputs(extended: ExtendedResult, out_dir: str | Path,
                           input_path: str | Path | None = None,
                           patients_path: str | Path | None = None, *,
                           extra: Mapping[str, pd.DataFrame] | None = None,
                           extra_inputs: Mapping[str, str | None] | None = None) -> list[Path]:
    """Write respond's files with the added columns and tables as one transaction
    (``recist.response.write_respond_outputs``); ``provenance.json`` also records the
    criteria selected (``response_criteria``) and ``uncertainty`` (``true``/``false``).
    ``extra`` and ``extra_inputs`` are other tables and inputs of the same run."""
    from recist.response import write_respond_outputs

    result = extended.result
    formatted = replace(result, timepoints=_format_table(result.timepoints),
                        patient_summary=_format_table(result.patient_summary))
    tables = {**dict(extra or {}),
              **{name: _format_table(frame) for name, frame in extended.tables.items()}}
    inputs = {**dict(extra_inputs or {}),
              "response_criteria": ",".join(extended.criteria_names),
              "uncertainty": "true" if extended.uncertainty else "false"}
    return write_respond_outputs(formatted, out_dir, input_path=input_path,
                                 patients_path=patients_path, extra=tables,
                                 extra_inputs=inputs)
