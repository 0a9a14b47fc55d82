"""The baseline job: input checks, measurability, target selection and eligibility.

:func:`run_baseline` checks a measurements table (``recist.checks``), judges each
patient's baseline (``recist.baseline_rules.assess_baseline``) and, with a protocol, screens
every patient against its eligibility criteria (``recist.eligibility``);
:func:`write_baseline_outputs` writes ``lesions.csv``, ``patients.csv``,
``findings.csv``, ``eligibility.csv`` (with a protocol) and ``provenance.json``
(``docs/tables.md``). ``recist baseline`` is these two calls and a printout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from recist.criteria import Criteria
    from recist.findings import Finding
    from recist.protocol import Protocol

__all__ = ["BASELINE_FILES", "BaselineRun", "run_baseline", "write_baseline_outputs"]

#: The files ``write_baseline_outputs`` writes (``eligibility.csv`` with a protocol).
BASELINE_FILES = ("lesions.csv", "patients.csv", "findings.csv", "eligibility.csv",
                  "provenance.json")


@dataclass(frozen=True)
class BaselineRun:
    """What :func:`run_baseline` found.

    Attributes
    ----------
    lesions, patients
        ``recist.baseline_rules.BaselineResult``'s tables: every baseline lesion with its
        measurability and reason; one row per patient (measurable disease, targets,
        selection valid).
    baseline_findings, input_findings
        The findings of the baseline assessment and of the input checks (warnings; an
        input error is raised instead).
    eligibility
        With a protocol: every eligibility criterion of every patient and the verdict.
    criteria, protocol
        What was applied.
    """

    lesions: pd.DataFrame
    patients: pd.DataFrame
    baseline_findings: tuple[Finding, ...] = ()
    input_findings: tuple[Finding, ...] = ()
    eligibility: pd.DataFrame | None = None
    criteria: Criteria | None = None
    protocol: Protocol | None = None
    inputs: dict[str, str | None] = field(default_factory=dict)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding: the baseline assessment's, then the input checks'."""
        return (*self.baseline_findings, *self.input_findings)


def _path_or_none(value) -> str | None:
    return str(value) if isinstance(value, (str, Path)) else None


def run_baseline(
    measurements: pd.DataFrame | str | Path,
    *,
    criteria: Criteria | None = None,
    protocol: Protocol | None = None,
    clinical: pd.DataFrame | str | Path | None = None,
    lesions: pd.DataFrame | str | Path | None = None,
    therapies: pd.DataFrame | str | Path | None = None,
    scans: pd.DataFrame | str | Path | None = None,
) -> BaselineRun:
    """Check a measurements table and judge every patient's baseline.

    Parameters
    ----------
    measurements
        The measurements table, or its CSV (read with ``recist.table.read_measurements``).
    criteria
        The criteria (``recist.pipeline.criteria.resolve_criteria``); RECIST 1.1 by
        default, or the protocol's when only a protocol is given.
    protocol
        A protocol (``recist.protocol.load_protocol``): every patient is screened against
        its eligibility criteria, with ``criteria``.
    clinical
        The clinical table (or its CSV) for the protocol's clinical criteria; needs
        ``protocol``.
    lesions
        The lesions table (or its CSV, ``recist.oligo.lesion_history``): lesions treated
        locally before baseline are not measurable unless they progressed since
        (MEAS-10). Its columns may instead be columns of the measurements table.
    therapies
        The therapies table (or its CSV, ``recist.oligo.therapies``): its local therapies
        dated before baseline count for MEAS-10 too.
    scans
        The scan history (or its CSV, ``recist.oligo.scan_history``): the NED and
        detection dates of a ``months_between`` criterion with ``from_scans`` when the
        clinical table lacks them (DEC-28); needs ``protocol``.

    Returns
    -------
    BaselineRun

    Raises
    ------
    recist.errors.RecistDataError
        When the table cannot be interpreted or contradicts itself (input errors).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"],
    ...     "date": pd.to_datetime(["2024-01-02"]), "kind": ["target"],
    ...     "status": ["measured"], "organ": ["liver"], "nodal": [False],
    ...     "ld_mm": [25.0], "sa_mm": [None], "slice_thickness_mm": [5.0]})
    >>> run = run_baseline(m)
    >>> bool(run.patients["measurable_disease"].iloc[0])
    True
    """
    from recist.checks import run_input_checks
    from recist.criteria import RECIST_1_1
    from recist.findings import raise_for_errors
    from recist.response import check_one_reader
    from recist.table import normalise_measurements, read_measurements

    if scans is not None and protocol is None:
        raise ValueError("--scans needs --protocol: the scan history dates the protocol's "
                         "NED criterion")
    if clinical is not None and protocol is None:
        raise ValueError("--clinical needs --protocol: the protocol says which clinical "
                         "columns are eligibility criteria")
    if criteria is None:
        criteria = protocol.criteria if protocol is not None else RECIST_1_1
    inputs = {"measurements": _path_or_none(measurements),
              "clinical": _path_or_none(clinical), "lesions": _path_or_none(lesions),
              "therapies": _path_or_none(therapies), "scans": _path_or_none(scans)}
    if isinstance(measurements, pd.DataFrame):
        measurements = normalise_measurements(measurements, source="measurements")
    else:
        measurements = read_measurements(measurements)
    check_one_reader(measurements)
    if clinical is not None and not isinstance(clinical, pd.DataFrame):
        from recist.eligibility import read_clinical

        clinical = read_clinical(clinical)

    from recist.baseline_rules import assess_baseline

    input_findings = run_input_checks(measurements, criteria, include_selection=False)
    raise_for_errors(input_findings)
    from recist.pipeline.oligo import lesion_history_of, therapies_of

    history = lesion_history_of(measurements, lesions, therapies_of(therapies, measurements))
    result = assess_baseline(measurements, criteria, history)

    screening = None
    if protocol is not None:
        from dataclasses import replace

        from recist.eligibility import screen_patients

        protocol = replace(protocol, criteria=criteria)
        from recist.oligo.scan_history import normalise_scan_history, read_scan_history

        history_of_scans = None
        if isinstance(scans, (str, Path)):
            history_of_scans = read_scan_history(scans)
        elif scans is not None:
            history_of_scans = normalise_scan_history(scans)
        screening = screen_patients(measurements, clinical, protocol, history,
                                    history_of_scans)
    return BaselineRun(lesions=result.lesions, patients=result.patients,
                       baseline_findings=tuple(result.findings),
                       input_findings=tuple(input_findings), eligibility=screening,
                       criteria=criteria, protocol=protocol, inputs=inputs)


def _write_dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


def write_baseline_outputs(
    result: BaselineRun,
    out_dir: str | Path,
    *,
    inputs: Mapping[str, str | Path | None] | None = None,
) -> list[Path]:
    """Write the baseline tables and ``provenance.json`` into ``out_dir``.

    Parameters
    ----------
    result
        What :func:`run_baseline` returned.
    out_dir
        Output folder (created). The files are written into a staging folder moved into
        place at the end (``recist.outputs.output_transaction``): a failure or a kill
        leaves ``out_dir`` as it was.
    inputs
        File names for the provenance (``measurements``, ``protocol``, ``clinical``),
        over the ones :func:`run_baseline` read itself.

    Returns
    -------
    list of Path
        The files written: lesions.csv, patients.csv, findings.csv, eligibility.csv (with
        a protocol), provenance.json.
    """
    from recist import __version__
    from recist.criteria import RECIST_1_1
    from recist.findings import findings_frame
    from recist.outputs import output_transaction, write_csv_atomic, write_text_atomic

    names = {**result.inputs, **{k: None if v is None else str(v)
                                 for k, v in (inputs or {}).items()}}
    out = Path(out_dir)
    tables = {"lesions.csv": result.lesions,
              "patients.csv": _write_dates(result.patients, ("baseline_date",)),
              "findings.csv": findings_frame(list(result.findings))}
    if result.eligibility is not None:
        tables["eligibility.csv"] = result.eligibility
    protocol = result.protocol
    provenance = {
        "package": "recist", "version": __version__, "command": "baseline",
        "criteria": (result.criteria or RECIST_1_1).as_dict(),
        "protocol": None if protocol is None else {
            "path": names.get("protocol"), "name": protocol.name,
            "version": protocol.version},
        "measurements": names.get("measurements"),
        "clinical": names.get("clinical"),
        "lesions": names.get("lesions"),
        "therapies": names.get("therapies"),
        "scans": names.get("scans"),
        "rows": {name.removesuffix(".csv"): len(table) for name, table in tables.items()},
    }
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    with output_transaction(out, BASELINE_FILES) as staging:  # every file or none
        for name, table in tables.items():
            write_csv_atomic(table, staging / name)
        write_text_atomic(staging / "provenance.json", text)
    return [out / name for name in [*tables, "provenance.json"]]
