"""Measure many studies listed in a manifest, in parallel, with any annotation source.

A manifest (``docs/tables.md``) has one row per study: ``series_dir`` and one annotation
column naming the study's file, any registered source (``lines``, ``masks`` with
``lesions``, ``sr``, ``seg``, ``rtstruct`` …; see ``recist.pipeline.sources``), plus the
optional ``patient_id``, ``visit``, ``date``, ``series_uid`` and ``lesions`` columns. Paths
are relative to the manifest. ``patient_id`` / ``date``, when filled, replace the DICOM's
values in the table (the manifest is the study's pseudonymous key). A row that gives both
``lines`` and ``masks`` is measured from the lines (the reader's measurement); any other
row must fill exactly one annotation column.

The studies run on any ``concurrent.futures.Executor`` (:func:`measure_manifest`'s
``executor``); by default a process pool. A study that fails is reported as a
:class:`StudyFailure` naming its manifest row; the others still complete.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recist.pipeline.measure import MEASUREMENT_COLUMNS, MeasureResult
from recist.pipeline.sources import DEFAULT_KIND, SOURCES, AnnotationSource, SourceSpec
from recist.table import read_csv_table

__all__ = [
    "STUDY_COLUMNS",
    "StudyFailure",
    "manifest_columns",
    "measure_manifest",
    "read_manifest",
]

STUDY_COLUMNS = ("patient_id", "visit", "date", "series_dir")
"""The columns that say which study a manifest row is."""
_OPTIONAL_COLUMNS = ("lesions", "series_uid")


@dataclass(frozen=True)
class StudyFailure:
    """A manifest row that could not be measured."""

    row: int
    patient_id: str
    visit: str
    reason: str

    def __str__(self) -> str:
        return (f"manifest row {self.row} (patient_id {self.patient_id}, visit "
                f"{self.visit}): {self.reason}")


def manifest_columns() -> tuple[str, ...]:
    """Every column a manifest may have: the study, one per registered source, lesions.

    >>> manifest_columns()[:6]
    ('patient_id', 'visit', 'date', 'series_dir', 'lines', 'masks')
    """
    return STUDY_COLUMNS + tuple(SOURCES) + _OPTIONAL_COLUMNS


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Read a studies manifest (:func:`manifest_columns`; paths relative to the manifest).

    Every column of :func:`manifest_columns` is present in the result (empty when the file
    has not got it). Raises ``ValueError`` naming the file (and row) for a missing
    ``series_dir`` or annotation column, or a date that is not a calendar date.
    """
    path = Path(path)
    columns = manifest_columns()
    frame = read_csv_table(path, "manifest", empty_as_missing=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in ("series_dir",) if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; a manifest has "
                         f"{', '.join(columns)}")
    if not any(name in frame.columns for name in SOURCES):
        names = list(SOURCES)
        raise ValueError(f"{path}: no {', '.join(names[:-1])} or {names[-1]} column (found "
                         f"{', '.join(frame.columns)}); each study needs an annotation file: "
                         f"a lines CSV, a label image with its lesions CSV, an SR, a SEG or "
                         f"an RTSTRUCT; a manifest has {', '.join(columns)}")
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    for index, value in frame["date"].items():
        text = str(value).strip()
        if text and pd.isna(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")):
            raise ValueError(f"{path} row {int(index) + 2}: date {text!r} is not a calendar "
                             "date in YYYY-MM-DD form (e.g. 2024-03-01); correct it or leave "
                             "it empty to use the DICOM StudyDate")
    return frame


@dataclass(frozen=True)
class _Job:
    """One manifest row to measure (sent to a worker: plain, picklable values)."""

    number: int
    row: dict[str, str]
    folder: str
    sources: tuple[AnnotationSource, ...]
    overlays_dir: str | None
    resample: bool
    default_kind: str


def _chosen_source(job: _Job) -> AnnotationSource:
    given = [source for source in job.sources if job.row.get(source.name)]
    names = [source.name for source in given]
    if "lines" in names and "masks" in names:  # the drawn lines are the reader's measurement
        given = [source for source in given if source.name != "masks"]
    if not given:
        raise ValueError("no annotation file: fill one of the columns "
                         + ", ".join(source.name for source in job.sources))
    if len(given) > 1:
        raise ValueError("give one annotation file per study, not "
                         + " and ".join(source.name for source in given))
    return given[0]


def _split(cell: str, many: bool) -> list[str]:
    return [p.strip() for p in cell.split(";") if p.strip()] if many else [cell]


def measure_manifest_row(job: _Job) -> tuple[int, MeasureResult | None, str | None]:
    """Measure one manifest row: ``(row number, result, None)`` or ``(row, None, error)``."""
    base = Path(job.folder)
    row = job.row

    def resolve(value: str) -> Path | None:
        return (base / value) if value else None

    try:
        source = _chosen_source(job)
        spec = SourceSpec(
            paths=tuple(base / p for p in _split(row[source.name],
                                                  getattr(source, "many", False))),
            lesions=resolve(row["lesions"]), series_uid=row["series_uid"] or None,
            visit=row["visit"] or None, patient_id=row["patient_id"] or None,
            date=row["date"] or None, resample=job.resample, default_kind=job.default_kind,
            overlays_dir=Path(job.overlays_dir) if job.overlays_dir else None)
        if not row["series_dir"]:
            raise ValueError("series_dir is empty; give the folder of the study's DICOM "
                             "series (relative to the manifest)")
        result = source.measure(base / row["series_dir"], spec)
        return job.number, result, None
    except (ValueError, OSError) as error:  # bad input: the message is complete
        return job.number, None, str(error)
    except Exception as error:  # noqa: BLE001 - reported per row, the others go on
        return job.number, None, f"internal error ({type(error).__name__}: {error})"


def measure_manifest(
    manifest: str | Path,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    overlays_dir: str | Path | None = None,
    resample: bool = False,
    default_kind: str = DEFAULT_KIND,
    progress: bool = True,
) -> tuple[MeasureResult, list[StudyFailure]]:
    """Measure every study of a manifest, in parallel.

    Parameters
    ----------
    manifest
        The manifest CSV (see the module docstring).
    workers
        Processes of the default pool (default: one per core, at most one per study).
    executor
        Any ``concurrent.futures.Executor`` to run the studies on instead of the default
        process pool (e.g. a ``ThreadPoolExecutor``, or a cluster's executor); it is used,
        not shut down. Its workers must be able to import ``recist``.
    overlays_dir
        Write one picture per lesion here.
    resample
        Resample label images that are not on their series' grid.
    default_kind
        Kind of lesions whose source does not say it (SR, SEG, RTSTRUCT).
    progress
        Show a progress bar on stderr.

    Returns
    -------
    (MeasureResult, list of StudyFailure)
        The table of the studies measured, in manifest order, with their findings; and
        the rows that failed, in order.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:  # doctest: +SKIP
    ...     result, failures = measure_manifest("manifest.csv", executor=pool)
    """
    manifest = Path(manifest)
    frame = read_manifest(manifest)
    columns = manifest_columns()
    sources = tuple(SOURCES.values())
    jobs = [_Job(number=i + 2, row={c: str(frame.at[i, c]).strip() for c in columns},
                 folder=str(manifest.parent), sources=sources,
                 overlays_dir=str(overlays_dir) if overlays_dir else None,
                 resample=resample, default_kind=default_kind)
            for i in frame.index]
    if executor is None:
        workers = workers or min(len(jobs), os.cpu_count() or 1) or 1
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return _run(jobs, pool, progress)
    return _run(jobs, executor, progress)


def _run(jobs: Sequence[_Job], executor: Executor,
         progress: bool) -> tuple[MeasureResult, list[StudyFailure]]:
    from tqdm import tqdm

    results: dict[int, MeasureResult] = {}
    failures: list[StudyFailure] = []
    by_number = {job.number: job for job in jobs}
    bar = tqdm(total=len(jobs), desc="measuring studies", unit="study", file=sys.stderr,
               disable=not progress)
    futures = [executor.submit(measure_manifest_row, job) for job in jobs]
    for future in as_completed(futures):
        number, result, error = future.result()
        if result is not None:
            results[number] = result
        else:
            row = by_number[number].row
            failures.append(StudyFailure(number, row["patient_id"], row["visit"],
                                         error or "not measured"))
        bar.update(1)
    bar.close()
    ordered = [results[n] for n in sorted(results)]
    tables = [r.table for r in ordered if len(r.table)]
    table = (pd.concat(tables, ignore_index=True) if tables
             else pd.DataFrame(columns=list(MEASUREMENT_COLUMNS)))
    findings = tuple(f for r in ordered for f in r.findings)
    return MeasureResult(table, findings), sorted(failures, key=lambda f: f.row)
