"""The notebook API: what ``import recist`` offers, one documented function per step.

``recist.read_measurements``, ``recist.read_patients``, ``recist.baseline``,
``recist.respond`` and ``recist.summary`` are the functions of this module (loaded on first
use, see ``recist/__init__.py``); ``recist.load_series`` and ``recist.measure_study`` read
and measure DICOM; the plots are ``recist.plots``'. Tables and their columns are described
in ``docs/tables.md``, the rules in ``docs/rules.md``.

A typical session::

    import recist
    measurements = recist.read_measurements("measurements.csv")
    patients = recist.read_patients("patients.csv")
    recist.baseline(measurements).patients
    result = recist.respond(measurements, patients, confirm=True)
    recist.summary(result, patients).response_rates
    recist.plot_waterfall(result.timepoints, result.patient_summary, patients)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from recist.criteria import Criteria
    from recist.pipeline.baseline import BaselineRun
    from recist.protocol import Protocol
    from recist.response import RespondResult
    from recist.stats import CohortSummary

__all__ = ["baseline", "load_series", "read_measurements", "read_patients", "respond",
           "summary"]


def load_series(path: str | Path, series_uid: str | None = None, *,
                workers: int | None = None):
    """Load one DICOM series from a folder, a ``.zip`` or a single file, in HU.

    Parameters
    ----------
    path
        Folder (walked recursively), zip archive, or one DICOM file.
    series_uid
        SeriesInstanceUID to load; may be omitted when ``path`` holds one image series.
    workers
        Processes that decode compressed slices (None chooses; 1 decodes here).

    Returns
    -------
    dicom_io.series.LoadedSeries
        ``volume`` (``(n_slices, rows, columns)``, slices ascending along the normal),
        ``geometry`` (``dicom_io.geometry.SeriesGeometry``: spacing, orientation, pixel
        <-> patient mm), ``info`` (patient, study date, UIDs) and ``notes``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    dicom_io.errors.DicomInputError
        When the series cannot be stacked or decoded, naming the file and the DICOM
        attribute concerned.

    Examples
    --------
    >>> import recist
    >>> series = recist.load_series("sample_data/patients/LUNG1/V0/ct")  # doctest: +SKIP
    >>> series.volume.shape, series.geometry.voxel_spacing_mm  # doctest: +SKIP
    """
    from dicom_io.series import load_series as load

    return load(path, series_uid, workers=workers)


def read_measurements(path: str | Path) -> pd.DataFrame:
    """Read a measurements table (CSV) into a typed DataFrame.

    Parameters
    ----------
    path
        The CSV file: one row per lesion per scan (columns in ``docs/tables.md``), e.g.
        written by ``recist measure`` or ``recist sdtm-in``.

    Returns
    -------
    pandas.DataFrame
        Dates parsed, ``kind`` / ``status`` / ``organ`` lower-cased, ``nodal`` boolean,
        diameters in mm as floats.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    recist.errors.RecistDataError
        Naming the file and row of anything that cannot be interpreted.

    Examples
    --------
    >>> import recist
    >>> table = recist.read_measurements("measurements.csv")  # doctest: +SKIP
    """
    from recist.table import read_measurements as read

    return read(path)


def read_patients(path: str | Path) -> pd.DataFrame:
    """Read a patients table (CSV): start dates, deaths, last contacts, new therapies, arms.

    Parameters
    ----------
    path
        The CSV file, one row per patient (columns in ``docs/tables.md``).

    Returns
    -------
    pandas.DataFrame
        Dates parsed; one row per ``patient_id``.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    recist.errors.RecistDataError
        Naming the file and row of anything that cannot be interpreted.
    """
    from recist.patients import read_patients as read

    return read(path)


def baseline(
    measurements: pd.DataFrame | str | Path,
    *,
    criteria: Criteria | str | Path | None = None,
    protocol: Protocol | str | Path | None = None,
    clinical: pd.DataFrame | str | Path | None = None,
) -> BaselineRun:
    """Judge every patient's baseline: measurability, target selection, eligibility.

    Parameters
    ----------
    measurements
        The measurements table, or its CSV.
    criteria
        ``recist.criteria.Criteria`` or a criteria TOML; RECIST 1.1 (or the protocol's)
        by default.
    protocol
        ``recist.protocol.Protocol`` or a protocol TOML: every patient is screened
        against its eligibility criteria.
    clinical
        The clinical table (or its CSV) for the protocol's clinical criteria.

    Returns
    -------
    recist.pipeline.baseline.BaselineRun
        ``lesions`` (measurability of every baseline lesion, with its reason),
        ``patients`` (measurable disease, targets, selection valid), ``findings`` and,
        with a protocol, ``eligibility``.

    Examples
    --------
    >>> import pandas as pd, recist
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"], "date": ["2024-01-02"],
    ...     "kind": ["target"], "status": ["measured"], "organ": ["liver"],
    ...     "nodal": [False], "ld_mm": [8.0], "sa_mm": [None], "slice_thickness_mm": [5.0]})
    >>> bool(recist.baseline(m).patients["measurable_disease"].iloc[0])
    False
    """
    from recist.pipeline.baseline import run_baseline
    from recist.pipeline.criteria import resolve_criteria

    chosen, chosen_protocol = resolve_criteria(criteria, protocol, clinical=clinical)
    return run_baseline(measurements, criteria=chosen, protocol=chosen_protocol,
                        clinical=clinical)


def _table(value, read):
    return read(value) if isinstance(value, (str, Path)) else value


def respond(
    measurements: pd.DataFrame | str | Path,
    patients: pd.DataFrame | str | Path | None = None,
    *,
    criteria: Criteria | str | Path | None = None,
    confirm: bool | None = None,
    confirm_min_days: int | None = None,
    sd_min_days: int | None = None,
) -> RespondResult:
    """Assess RECIST 1.1 responses: time points, best overall response, PFS, DoR.

    Parameters
    ----------
    measurements
        The measurements table (``read_measurements``), or its CSV.
    patients
        The patients table (or its CSV); without it durations run from each patient's
        baseline scan.
    criteria
        ``recist.criteria.Criteria`` or a criteria TOML; RECIST 1.1 by default.
    confirm, confirm_min_days, sd_min_days
        Require confirmation of CR/PR, its minimum interval (days), the minimum time
        from the start for SD to be the best response; None keeps ``criteria``'s.

    Returns
    -------
    recist.response.RespondResult
        ``timepoints`` (target / non-target / new-lesion / overall response per time
        point, with the deciding rule), ``patient_summary`` (BOR, PD date, PFS, DoR) and
        ``findings``.

    Examples
    --------
    >>> import pandas as pd, recist
    >>> m = pd.DataFrame({"patient_id": ["P", "P"], "lesion_id": ["T1", "T1"],
    ...     "date": ["2024-01-02", "2024-03-01"], "kind": ["target"] * 2,
    ...     "status": ["measured"] * 2, "organ": ["liver"] * 2, "nodal": [False] * 2,
    ...     "ld_mm": [40.0, 20.0], "sa_mm": [None] * 2, "slice_thickness_mm": [5.0] * 2})
    >>> recist.respond(m).timepoints["overall_response"].iloc[-1]
    'PR'
    """
    from recist.pipeline.criteria import resolve_criteria
    from recist.response import respond as assess
    from recist.table import normalise_measurements

    chosen = resolve_criteria(criteria, confirm=confirm, confirm_min_days=confirm_min_days,
                              sd_min_days=sd_min_days).criteria
    if isinstance(measurements, (str, Path)):
        measurements = read_measurements(measurements)
    else:
        measurements = normalise_measurements(measurements, source="measurements")
    return assess(measurements, _table(patients, read_patients), chosen)


def summary(
    responses: RespondResult | pd.DataFrame | str | Path,
    patients: pd.DataFrame | str | Path | None = None,
    *,
    criteria: Criteria | str | Path | None = None,
    confirm: bool | None = None,
) -> CohortSummary:
    """Summarise a cohort: BOR distribution, ORR / DCR with exact CIs, PFS and DoR.

    Parameters
    ----------
    responses
        What :func:`respond` returned, or a measurements table (or its CSV) to assess
        first.
    patients
        The patients table (or its CSV); its ``arm`` splits the summary.
    criteria, confirm
        As for :func:`respond` (used when ``responses`` is a measurements table; the
        rates use the confirmed BOR when confirmation was required).

    Returns
    -------
    recist.stats.CohortSummary
        ``response_rates``, ``bor_distribution``, ``pfs`` and ``dor`` tables
        (``recist.stats.format_cohort_summary`` prints them).
    """
    from recist.response import RespondResult
    from recist.stats import cohort_summary

    patients = _table(patients, read_patients)
    if not isinstance(responses, RespondResult):
        responses = respond(responses, patients, criteria=criteria, confirm=confirm)
    chosen = responses.criteria
    if confirm is not None:
        chosen = chosen.replace(confirmation=bool(confirm))
    return cohort_summary(responses.patient_summary, patients,
                          use_confirmed=chosen.confirmation, criteria=chosen)
