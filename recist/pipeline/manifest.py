"""Measure many studies listed in a manifest, in parallel, with any annotation source.

A manifest (``docs/tables.md``) has one row per study: ``series_dir`` and one annotation
column naming the study's file, any registered source (``lines``, ``masks`` with
``lesions``, ``sr``, ``seg``, ``rtstruct`` …; see ``recist.pipeline.sources``), plus the
optional ``patient_id``, ``visit``, ``date``, ``series_uid`` and ``lesions`` columns. Paths
are relative to the manifest. Instead of ``series_dir``, a row may name a PACS: ``dicomweb``
(the DICOMweb service root), ``study_uid`` and ``series_uid``; the worker then retrieves
the series itself into a temporary folder, measures it and removes it. ``patient_id`` /
``date``, when filled, replace the DICOM's values in the table (the manifest is the
study's pseudonymous key). A row that gives both
``lines`` and ``masks`` is measured from the lines (the reader's measurement); any other
row must fill exactly one annotation column.

The studies run on any ``concurrent.futures.Executor`` (:func:`measure_manifest`'s
``executor``); by default a process pool, or a Dask cluster
(``recist.pipeline.cluster.dask_executor``). A job carries paths, never arrays: the worker
loads its own series and returns the study's rows and findings. A study that fails is
reported as a :class:`StudyFailure` naming its manifest row; the others still complete
(also when the worker running a study dies and the executor gives up on it).

:func:`measure_manifest` returns the whole table; :func:`measure_manifest_to_csv` streams
each study's rows to a spool file beside the output as it finishes and writes the table
in manifest order at the end, whole or not at all, so the cohort never sits in memory.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from recist.errors import RecistDataError
from recist.findings import Finding
from recist.outputs import make_output_folder, write_atomic
from recist.pipeline.measure import MEASUREMENT_COLUMNS, MeasureResult
from recist.pipeline.sources import DEFAULT_KIND, SOURCES, AnnotationSource, SourceSpec
from recist.plausibility import lowered_column_names
from recist.table import CORE_COLUMNS, check_measurement_bounds, read_csv_table

__all__ = [
    "STUDY_COLUMNS",
    "ManifestRun",
    "StudyFailure",
    "manifest_columns",
    "manifest_jobs",
    "measure_manifest",
    "measure_manifest_to_csv",
    "read_manifest",
]

STUDY_COLUMNS = ("patient_id", "visit", "date", "series_dir")
"""The columns that say which study a manifest row is."""
_OPTIONAL_COLUMNS = ("lesions", "series_uid")
_PACS_COLUMNS = ("dicomweb", "study_uid")
"""A study read from a PACS over DICOMweb instead of ``series_dir`` (with ``series_uid``)."""


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
    return STUDY_COLUMNS + tuple(SOURCES) + _OPTIONAL_COLUMNS + _PACS_COLUMNS


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Read a studies manifest (:func:`manifest_columns`; paths relative to the manifest).

    Every column of :func:`manifest_columns` is present in the result (empty when the file
    has not got it). Raises ``ValueError`` naming the file (and row) for a missing
    ``series_dir`` (or ``dicomweb``) or annotation column, or a date that is not a calendar
    date.
    """
    path = Path(path)
    columns = manifest_columns()
    frame = read_csv_table(path, "manifest", empty_as_missing=False)
    frame.columns = lowered_column_names(frame.columns, str(path), "manifest", read=columns)
    if "series_dir" not in frame.columns and "dicomweb" not in frame.columns:
        raise ValueError(f"{path}: missing column series_dir (or dicomweb, study_uid and "
                         f"series_uid for a PACS); a manifest has {', '.join(columns)}")
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
        if row["dicomweb"]:
            return job.number, _measure_from_pacs(source, spec, row), None
        if not row["series_dir"]:
            raise ValueError("series_dir is empty; give the folder of the study's DICOM "
                             "series (relative to the manifest), or dicomweb, study_uid "
                             "and series_uid to read it from a PACS")
        result = source.measure(base / row["series_dir"], spec)
        return job.number, result, None
    except (ValueError, OSError) as error:  # bad input: the message is complete
        return job.number, None, str(error)
    except Exception as error:  # noqa: BLE001 - reported per row, the others go on
        return job.number, None, f"internal error ({type(error).__name__}: {error})"


def _measure_from_pacs(source: AnnotationSource, spec: SourceSpec,
                       row: dict[str, str]) -> MeasureResult:
    """Retrieve the row's series from its DICOMweb server into a temporary folder (on the
    worker: the series never passes through the scheduler) and measure it there."""
    if row["series_dir"]:
        raise ValueError("give series_dir or dicomweb, not both: the series is read from "
                         "one place")
    if not (row["study_uid"] and row["series_uid"]):
        raise ValueError("dicomweb needs study_uid and series_uid: the Study and Series "
                         "Instance UIDs of the CT series to retrieve")
    from recist.pipeline.pacs import fetched_series  # DICOMweb client only when needed

    with fetched_series(row["dicomweb"], row["study_uid"], row["series_uid"]) as folder:
        return source.measure(folder, spec)


def manifest_jobs(
    manifest: str | Path,
    *,
    overlays_dir: str | Path | None = None,
    resample: bool = False,
    default_kind: str = DEFAULT_KIND,
) -> list[_Job]:
    """One picklable job per manifest row, with absolute paths (a worker on another
    machine sees the same shared filesystem, not this process's working folder)."""
    manifest = Path(manifest)
    frame = read_manifest(manifest)
    columns = manifest_columns()
    sources = tuple(SOURCES.values())
    folder = str(manifest.parent.absolute())
    overlays = str(Path(overlays_dir).absolute()) if overlays_dir else None
    return [_Job(number=i + 2, row={c: str(frame.at[i, c]).strip() for c in columns},
                 folder=folder, sources=sources, overlays_dir=overlays, resample=resample,
                 default_kind=default_kind)
            for i in frame.index]


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
    """Measure every study of a manifest, in parallel, and return the whole table.

    For a large cohort, :func:`measure_manifest_to_csv` writes the same table without
    holding it in memory.

    Parameters
    ----------
    manifest
        The manifest CSV (see the module docstring).
    workers
        Processes of the default pool (default: one per core, at most one per study).
    executor
        Any ``concurrent.futures.Executor`` to run the studies on instead of the default
        process pool (e.g. a ``ThreadPoolExecutor``, or a Dask cluster's,
        ``recist.pipeline.cluster.dask_executor``); it is used, not shut down. Its workers
        must be able to import ``recist`` and read the manifest's paths.
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
    jobs = manifest_jobs(manifest, overlays_dir=overlays_dir, resample=resample,
                         default_kind=default_kind)
    results: dict[int, MeasureResult] = {}
    failures: list[StudyFailure] = []
    for job, result, failure in _measured(jobs, workers, executor, progress):
        if result is not None:
            results[job.number] = result
        elif failure is not None:
            failures.append(failure)
    ordered = [results[n] for n in sorted(results)]
    tables = [r.table for r in ordered if len(r.table)]
    table = (pd.concat(tables, ignore_index=True) if tables
             else pd.DataFrame(columns=list(MEASUREMENT_COLUMNS)))
    findings = tuple(f for r in ordered for f in r.findings)
    return MeasureResult(table, findings), sorted(failures, key=lambda f: f.row)


@dataclass(frozen=True)
class ManifestRun:
    """What :func:`measure_manifest_to_csv` did.

    Attributes
    ----------
    out
        The table written, or None when no study could be measured (nothing written).
    rows
        Rows written.
    studies
        Studies (distinct patient, visit and date) in the table.
    findings
        The findings of the studies measured, in manifest order.
    failures
        The rows that failed, in manifest order.
    """

    out: Path | None
    rows: int
    studies: int
    findings: tuple[Finding, ...]
    failures: list[StudyFailure]


def measure_manifest_to_csv(
    manifest: str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    overlays_dir: str | Path | None = None,
    resample: bool = False,
    default_kind: str = DEFAULT_KIND,
    progress: bool = True,
) -> ManifestRun:
    """Measure every study of a manifest and stream the measurements table to ``out``.

    Each study's rows are appended to a spool file beside ``out`` as soon as it finishes
    (in whatever order the workers finish); at the end the table is assembled in manifest
    order into a temporary file beside ``out`` and renamed to it, so ``out`` is written
    whole or not at all, and this process holds one study's rows at a time. The table is
    the one :func:`measure_manifest` returns, written as ``recist.table.write_measurements``
    writes it (integer columns as integers even where another study left them empty).
    When every study fails, nothing is written and ``ManifestRun.out`` is None.

    The parameters are those of :func:`measure_manifest`.
    """
    out = Path(out)
    jobs = manifest_jobs(manifest, overlays_dir=overlays_dir, resample=resample,
                         default_kind=default_kind)
    make_output_folder(out.parent)
    descriptor, spool_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".spool",
                                              dir=out.parent)
    spool_path = Path(spool_name)
    blocks: dict[int, tuple[int, int]] = {}  # row number -> (offset, length) in the spool
    column_lists: dict[int, list[str]] = {}
    findings: dict[int, tuple[Finding, ...]] = {}
    failures: list[StudyFailure] = []
    studies: set[tuple[str, str, str]] = set()
    rows = 0
    try:
        with os.fdopen(descriptor, "w+b") as spool:
            for job, result, failure in _measured(jobs, workers, executor, progress):
                if result is None:
                    if failure is not None:
                        failures.append(failure)
                    continue
                findings[job.number] = result.findings
                table = result.table
                if not len(table):
                    continue
                try:  # the streamed table skips write_measurements: same bounds here
                    check_measurement_bounds(table, f"manifest row {job.number}")
                except RecistDataError as error:
                    failures.append(StudyFailure(job.number, job.row.get("patient_id", ""),
                                                 job.row.get("visit", ""), str(error)))
                    del findings[job.number]
                    continue
                rows += len(table)
                studies.update(_study_keys(table))
                column_lists[job.number] = [str(c) for c in table.columns]
                offset = spool.tell()
                pickle.dump(table, spool, protocol=pickle.HIGHEST_PROTOCOL)
                blocks[job.number] = (offset, spool.tell() - offset)
                del table, result
            ordered_findings = tuple(f for n in sorted(findings) for f in findings[n])
            failures.sort(key=lambda f: f.row)
            if failures and not blocks:  # nothing measured: nothing written
                return ManifestRun(None, 0, 0, ordered_findings, failures)
            columns = _table_columns(column_lists[n] for n in sorted(column_lists))

            def assemble(handle: IO[bytes]) -> None:
                header = pd.DataFrame(columns=columns).to_csv(index=False, lineterminator="\n")
                handle.write(header.encode("utf-8"))
                for number in sorted(blocks):
                    offset, length = blocks[number]
                    spool.seek(offset)
                    table = pickle.loads(spool.read(length))
                    handle.write(_csv_rows(table, columns).encode("utf-8"))

            write_atomic(out, assemble)
    finally:
        spool_path.unlink(missing_ok=True)
    return ManifestRun(out, rows, len(studies), ordered_findings, failures)


_INTEGER_COLUMNS = ("slice_index", "n_fragments")
"""Whole numbers, written without a decimal point even where a study left them empty."""


def _study_keys(table: pd.DataFrame) -> set[tuple[str, str, str]]:
    keys = table.reindex(columns=["patient_id", "visit", "date"]).astype(str)
    return set(keys.itertuples(index=False, name=None))


def _table_columns(column_lists: Iterator[list[str]]) -> list[str]:
    """The columns of the table: the core columns first, then the others in the order
    they first appear (as ``write_measurements`` orders a concatenated table)."""
    seen: dict[str, None] = {}
    for names in column_lists:
        seen.update(dict.fromkeys(names))
    if not seen:  # no study had a lesion: the columns of an empty table
        seen = dict.fromkeys(MEASUREMENT_COLUMNS)
    ordered = [c for c in CORE_COLUMNS if c in seen]
    return ordered + [c for c in seen if c not in ordered]


def _csv_rows(table: pd.DataFrame, columns: list[str]) -> str:
    """One study's rows as CSV lines (no header), formatted as ``write_measurements``
    formats the whole table."""
    out = table.reindex(columns=columns)
    if "date" in out.columns:
        out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    if "nodal" in out.columns:
        out["nodal"] = out["nodal"].map({True: "true", False: "false"}).fillna("")
    for column in _INTEGER_COLUMNS:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    return str(out.to_csv(index=False, header=False, lineterminator="\n"))


def _measured(jobs: Sequence[_Job], workers: int | None, executor: Executor | None,
              progress: bool) -> Iterator[tuple[_Job, MeasureResult | None,
                                                StudyFailure | None]]:
    """Run the jobs on ``executor`` (default: a process pool of ``workers``) and yield
    ``(job, result, None)`` or ``(job, None, failure)`` as each finishes."""
    if executor is not None:
        yield from _completed(jobs, executor, progress)
        return
    workers = workers or min(len(jobs), os.cpu_count() or 1) or 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from _completed(jobs, pool, progress)


def _completed(jobs: Sequence[_Job], executor: Executor,
               progress: bool) -> Iterator[tuple[_Job, MeasureResult | None,
                                                 StudyFailure | None]]:
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc="measuring studies", unit="study", file=sys.stderr,
               disable=not progress)
    # A finished future is dropped at once (its result with it): the rows of the cohort
    # never accumulate here.
    pending: dict[Future, _Job] = {executor.submit(measure_manifest_row, job): job
                                   for job in jobs}
    try:
        for future in as_completed(list(pending)):
            job = pending.pop(future)
            error: str | None
            try:
                _, result, error = future.result()
            except Exception as lost:  # noqa: BLE001 - the executor lost the study
                result, error = None, _lost(lost)
            del future
            if result is not None:
                yield job, result, None
            else:
                yield job, None, StudyFailure(job.number, job.row["patient_id"],
                                              job.row["visit"], error or "not measured")
            bar.update(1)
    finally:
        for future in pending:
            future.cancel()
        bar.close()


def _lost(error: BaseException) -> str:
    """Why the executor returned no result for a study (the worker died, or more)."""
    name = type(error).__name__
    if name == "KilledWorker":
        return ("not measured: every worker that ran this study died (Dask KilledWorker: "
                f"{error}); it may need more memory than a worker has, or crash its reader")
    if name == "BrokenProcessPool":
        return ("not measured: a worker process of the pool died (out of memory, or killed); "
                "rerun with fewer --workers")
    return f"not measured: the executor failed ({name}: {error})"
