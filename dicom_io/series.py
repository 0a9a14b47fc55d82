"""Load one DICOM series into a Hounsfield-unit volume with its checked geometry.

Headers are read once (:mod:`dicom_io.discover`), checked and ordered
(:mod:`dicom_io.stack`), then each slice's pixels are decoded straight into a
preallocated volume by a small thread pool. Uncompressed little-endian pixel data is read
from its known file offset without parsing the file again; compressed transfer syntaxes
(RLE, JPEG lossless, JPEG-LS, JPEG 2000) decode through pydicom's pixel-data plugins.
Enhanced (multi-frame) CT/MR objects are stacked frame by frame from their functional
groups (:mod:`dicom_io.enhanced`); the geometry then records each slice's frame number.

Rescale: ``HU = stored * RescaleSlope + RescaleIntercept`` per slice. The volume is
``int16`` when every slope and intercept is an integer and every HU value fits int16,
otherwise ``float32``.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.pixels import get_decoder, pixel_array
from pydicom.uid import UID

from dicom_io.discover import (
    ENHANCED_STORAGE_CLASSES,
    SeriesRecord,
    SliceHeader,
    _collect,
    _group,
    open_input,
    special_files_note,
)
from dicom_io.discover import reader_notes as reader_notes_of
from dicom_io.errors import DicomInputError, captured_warnings, safe_text, safe_uid
from dicom_io.geometry import SeriesGeometry
from dicom_io.stack import StackPlan, plan_stack, series_date

__all__ = ["LoadedSeries", "SeriesInfo", "load_series", "select_series"]

_INT16 = np.iinfo(np.int16)

#: Compressed series with at least this many slices are decoded by forked processes.
PROCESS_MIN_SLICES = 32


@dataclass(frozen=True)
class SeriesInfo:
    """Descriptive fields of a loaded series (also readable as ``info["patient_id"]``).

    ``patient_id`` is the study's (pseudonymous) PatientID: fine in tables and inventories,
    never printed in error messages. ``study_date`` is the scan date (ISO): StudyDate, or
    SeriesDate / AcquisitionDate / ContentDate when StudyDate is empty (with a note);
    reading it raises ``DicomInputError`` when the series has no usable date
    (``date_problem``), so a caller that has the date from elsewhere (a manifest) never
    needs it.
    """

    patient_id: str
    scan_date: str
    series_description: str
    modality: str
    study_instance_uid: str
    series_instance_uid: str
    series_number: int | None
    sop_class_uid: str
    frame_of_reference_uid: str
    transfer_syntax_uid: str
    n_slices: int
    source: str
    date_problem: str | None = None

    @property
    def study_date(self) -> str:
        """The scan date, ``YYYY-MM-DD``; ``DicomInputError`` when there is none."""
        if self.date_problem is not None:
            raise DicomInputError(
                f"series {safe_uid(self.series_instance_uid)} in {safe_text(self.source)}: "
                f"{self.date_problem}; correct the header, or give the scan date in a "
                "manifest's date column", path=self.source, keyword="StudyDate")
        return self.scan_date

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


@dataclass(frozen=True, eq=False)
class LoadedSeries:
    """A series in Hounsfield units: ``volume[k, j, i]`` is slice ``k``, row ``j``, column ``i``."""

    volume: np.ndarray
    geometry: SeriesGeometry
    info: SeriesInfo
    notes: tuple[str, ...] = ()

    def to_sitk_image(self) -> Any:
        """Return the volume as a SimpleITK image with the series geometry."""
        return self.geometry.to_sitk_image(self.volume)


def _describe(record: SeriesRecord) -> str:
    description = safe_text(record.series_description or "(no description)", 40)
    return (f"{safe_uid(record.series_instance_uid)} '{description}'"
            f" {safe_text(record.modality or '?', 16)} {record.n_files} file(s)")


def _listing(records) -> str:
    """The series for a message: at most 3 described, then a count."""
    shown = "; ".join(_describe(r) for r in list(records)[:3])
    return shown + (f"; and {len(records) - 3} more" if len(records) > 3 else "")


def select_series(records: list[SeriesRecord] | tuple[SeriesRecord, ...], source: str | Path,
                  series_uid: str | None = None) -> SeriesRecord:
    """Return the record of ``series_uid``, or the only image series when it is None.

    Raises
    ------
    DicomInputError
        When the UID is not there, or no choice is made among several image series.
    """
    if series_uid is not None:
        for record in records:
            if record.series_instance_uid == series_uid.strip():
                return record
        raise DicomInputError(
            f"series {safe_text(series_uid, 64)} is not in {safe_text(source, 120)}. Series "
            f"found: {_listing(records)}. Pass one of these UIDs with --series-uid.",
            path=source, keyword="SeriesInstanceUID")
    images = [r for r in records if r.is_image_series
              or r.sop_class_uid in ENHANCED_STORAGE_CLASSES]
    if len(images) == 1:
        return images[0]
    if not images:
        raise DicomInputError(
            f"no image series in {safe_text(source, 120)}: only {_listing(records)}. Point at "
            "the folder of the CT images.", path=source, keyword="SOPClassUID")
    raise DicomInputError(
        f"{safe_text(source, 120)} holds {len(images)} image series and none was chosen: "
        f"{_listing(images)}. Pass the one to load with --series-uid (series_uid=...).",
        path=source, keyword="SeriesInstanceUID")


def _named(header: SliceHeader) -> str:
    return f"{safe_text(header.name)} (SOP Instance UID {safe_uid(header.sop_instance_uid)})"


def _stored_dtype(header: SliceHeader) -> np.dtype:
    bits, signed = header.bits_allocated, header.pixel_representation == 1
    if bits not in (8, 16, 32):
        raise DicomInputError(
            f"cannot load {_named(header)}: BitsAllocated is {bits}, expected 8, 16 or 32.",
            path=header.path,
            sop_instance_uid=header.sop_instance_uid, keyword="BitsAllocated")
    return np.dtype(f"{'i' if signed else 'u'}{bits // 8}").newbyteorder("<")


def _decode_encapsulated(header: SliceHeader) -> np.ndarray:
    """Decode one compressed frame from its known offset with pydicom's decoder plugins."""
    syntax = UID(header.transfer_syntax_uid)
    decoder = get_decoder(syntax)
    with open(header.path, "rb") as handle:
        handle.seek(header.pixel_data_offset)
        array, _ = decoder.as_array(
            handle, rows=header.rows, columns=header.columns, samples_per_pixel=1,
            bits_allocated=header.bits_allocated,
            bits_stored=header.bits_stored or header.bits_allocated,
            pixel_representation=header.pixel_representation,
            photometric_interpretation=header.photometric_interpretation or "MONOCHROME2",
            number_of_frames=header.number_of_frames, transfer_syntax_uid=syntax,
            index=header.frame_index or 0)
    return array


class _Reader:
    """Decodes slices into preallocated storage; one instance per load."""

    def __init__(self, plan: StackPlan, shared: bool = False) -> None:
        self.plan = plan
        headers = plan.headers
        self.dtype = _stored_dtype(headers[0])
        slopes = np.array([h.rescale_slope for h in headers])
        intercepts = np.array([h.rescale_intercept for h in headers])
        self.slopes, self.intercepts = slopes, intercepts
        self.integral = bool(np.all(slopes == np.round(slopes))
                             and np.all(intercepts == np.round(intercepts))
                             and np.all(slopes != 0) and self.dtype.itemsize == 2)
        shape = plan.geometry.shape
        empty = _shared_empty if shared else np.empty
        if self.integral:
            self.raw = empty(shape, dtype=self.dtype)
            self.hu16 = self.raw.view(np.int16)
            self.out = None
        else:
            self.raw = None
            self.out = empty(shape, dtype=np.float32)
        self.fits = empty(shape[0], dtype=bool)
        self.fits[:] = False

    def _fail(self, header: SliceHeader, what: str) -> DicomInputError:
        return DicomInputError(
            f"cannot decode the pixels of {_named(header)}: {what}. Copy the file again from "
            "the source, or remove it and load the rest as a separate series.",
            path=header.path, sop_instance_uid=header.sop_instance_uid, keyword="PixelData")

    def _read_stored(self, k: int, target: np.ndarray) -> None:
        header = self.plan.headers[k]
        if _stored_dtype(header) != self.dtype:
            raise self._fail(header, f"its stored pixel type is {_stored_dtype(header)}, the "
                             f"first slice's is {self.dtype}")
        if header.is_native:
            with open(header.path, "rb") as handle:
                handle.seek(header.pixel_data_offset + (header.frame_index or 0) * target.nbytes)
                view = memoryview(target.reshape(-1).view(np.uint8))
                got = handle.readinto(view)
            if got != view.nbytes:
                raise self._fail(header, f"PixelData holds {got} bytes, expected "
                                 f"{view.nbytes} (truncated file)")
            stored_bits = header.bits_stored or 8 * self.dtype.itemsize
            if stored_bits < 8 * self.dtype.itemsize:
                shift = 8 * self.dtype.itemsize - stored_bits
                if self.dtype.kind == "i":
                    np.left_shift(target, shift, out=target)
                    np.right_shift(target, shift, out=target)
                else:
                    np.bitwise_and(target, (1 << stored_bits) - 1, out=target)
            return
        try:
            if header.pixel_data_offset is not None:
                array = _decode_encapsulated(header)
            elif header.frame_index is not None:
                array = pixel_array(header.path, index=header.frame_index)
            else:
                array = pydicom.dcmread(header.path).pixel_array
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception:  # noqa: BLE001 - any decoder failure names the file, no bytes
            raise self._fail(header, "the pixel data are damaged or do not match the "
                             "header (transfer syntax, Rows, Columns, bits)") from None
        if array.shape != target.shape:
            raise self._fail(header, f"decoded shape {array.shape}, expected {target.shape}")
        target[...] = array

    def read(self, k: int) -> None:
        slope, intercept = self.slopes[k], self.intercepts[k]
        if self.integral:
            raw = self.raw[k]
            self._read_stored(k, raw)
            low, high = sorted((float(raw.min()) * slope + intercept,
                                float(raw.max()) * slope + intercept))
            if low < _INT16.min or high > _INT16.max:
                return  # left as stored values; converted to float32 afterwards
            if self.dtype == np.int16 and slope == 1:
                np.add(raw, np.int16(intercept), out=raw)
            else:
                self.hu16[k] = raw.astype(np.int32) * int(slope) + int(intercept)
            self.fits[k] = True
        else:
            buffer = np.empty(self.out.shape[1:], dtype=self.dtype)
            self._read_stored(k, buffer)
            np.multiply(buffer, np.float32(slope), out=self.out[k], casting="unsafe")
            self.out[k] += np.float32(intercept)

    def volume(self) -> np.ndarray:
        if not self.integral:
            return self.out
        if self.fits.all():
            return self.hu16
        out = np.empty(self.raw.shape, dtype=np.float32)
        for k in range(out.shape[0]):
            if self.fits[k]:
                out[k] = self.hu16[k]
            else:
                out[k] = self.raw[k].astype(np.float32) * self.slopes[k] + self.intercepts[k]
        self.raw = self.hu16 = None
        return out


def _shared_empty(shape: Any, dtype: Any) -> np.ndarray:
    """An uninitialised array in anonymous shared memory (visible to forked workers)."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape))
    buffer = mmap.mmap(-1, max(count * dtype.itemsize, 1))
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)


_ACTIVE_READER: _Reader | None = None


def _read_in_child(indices: list[int]) -> None:
    for k in indices:
        _ACTIVE_READER.read(k)


def _use_processes(plan: StackPlan, workers: int | None) -> int:
    """How many forked processes decode the slices (0: decode in this process).

    Compressed frames are decoded by plugins that hold the GIL, so threads do not help;
    forked processes writing into shared memory do. Uncompressed slices are read at
    memory speed and never need them; nor do short series. A process that runs other
    threads, or is itself a pool worker, is never forked. ``workers=None`` uses every CPU
    (whatever else the machine is doing: the operating system shares the cores; pass
    ``workers=1`` to keep the load in this process).
    """
    if workers is not None and workers <= 1:
        return 0
    if plan.headers[0].is_native or len(plan.headers) < PROCESS_MIN_SLICES:
        return 0
    if "fork" not in multiprocessing.get_all_start_methods() or _other_threads_running():
        return 0
    if workers is None:
        workers = os.cpu_count() or 1
    return min(workers, len(plan.headers) // 8)


def _other_threads_running() -> bool:
    """True when this process should not fork: other threads (a lock they hold would stay
    locked in the child) or already a worker of a process pool (parallel one level up)."""
    return threading.active_count() > 1 or multiprocessing.parent_process() is not None


def read_volume(plan: StackPlan, *, workers: int | None = None) -> np.ndarray:
    """Decode the slices of a checked plan into one HU volume (see module docstring).

    ``workers``: None chooses (forked processes for compressed series of at least
    :data:`PROCESS_MIN_SLICES` slices on a multi-core machine, else this process); 1 forces
    sequential decoding in this process; ``n > 1`` allows ``n`` processes.
    """
    global _ACTIVE_READER
    n = plan.geometry.shape[0]
    processes = _use_processes(plan, workers)
    if processes <= 1:
        reader = _Reader(plan)
        for k in range(n):
            reader.read(k)
        return reader.volume()
    reader = _Reader(plan, shared=True)
    chunks = [list(range(start, n, processes)) for start in range(processes)]
    _ACTIVE_READER = reader
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(_read_in_child, chunks)
    finally:
        _ACTIVE_READER = None
    return reader.volume()


def load_series(path: str | Path, series_uid: str | None = None, *,
                workers: int | None = None) -> LoadedSeries:
    """Load one series from a folder, a ``.zip`` or a single file, in Hounsfield units.

    Parameters
    ----------
    path
        Folder (walked recursively), zip archive, or one DICOM file.
    series_uid
        SeriesInstanceUID to load; may be omitted when ``path`` holds one image series.
    workers
        Processes that decode compressed slices: None chooses (one per CPU for
        compressed series of 32 slices or more), 1 decodes in this process.

    Returns
    -------
    LoadedSeries
        ``volume`` (``(n_slices, rows, columns)``, slices ascending along the normal),
        ``geometry``, ``info`` and ``notes`` (e.g. localizers excluded).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    DicomInputError
        When the series cannot be stacked or decoded, naming the file, SOP Instance UID
        and DICOM keyword concerned.
    """
    with open_input(path) as (root, prefix):
        found = _collect(root, prefix)
        headers, skipped, unreadable, n_files = (found.headers, found.skipped,
                                                 found.unreadable, found.n_files)
        # A file known to belong to another series (a DICOMDIR record) does not stop this one.
        blocking = [error for error in unreadable
                    if series_uid is None
                    or getattr(error, "series_instance_uid", None) in (None, series_uid)]
        if blocking:
            raise blocking[0]
        if not headers:
            raise DicomInputError(
                f"no DICOM files found in {path}: {n_files} file(s) looked at, {len(skipped)} "
                "not DICOM. Point at the folder that holds the DICOM images.", path=path)
        record = select_series(_group(headers, check=False), path, series_uid)
        try:
            plan = plan_stack(record)
        except DicomInputError as error:
            if not skipped:
                raise
            names = ", ".join(Path(name).name for name in skipped[:3])
            raise DicomInputError(
                f"{error} ({len(skipped)} file(s) here were skipped as not DICOM: {names}"
                f"{' …' if len(skipped) > 3 else ''}; if one is a slice cut short, copy it "
                "again)", path=error.path, sop_instance_uid=error.sop_instance_uid,
                keyword=error.keyword) from error
        reader_notes: list[str] = []
        with captured_warnings(record.headers[0].name, reader_notes):
            volume = read_volume(plan, workers=workers)
    first = plan.headers[0]
    date, date_problem, date_note = series_date(record)
    notes = list(plan.notes)
    notes += [date_note] if date_note else []
    notes += [special_files_note(found.special)] if found.special else []
    notes += list(reader_notes_of(plan.headers))
    notes += [n for n in reader_notes if n not in notes]
    info = SeriesInfo(
        patient_id=record.patient_id, scan_date=date, date_problem=date_problem,
        series_description=record.series_description, modality=record.modality,
        study_instance_uid=record.study_instance_uid,
        series_instance_uid=record.series_instance_uid, series_number=record.series_number,
        sop_class_uid=record.sop_class_uid, frame_of_reference_uid=first.frame_of_reference_uid,
        transfer_syntax_uid=first.transfer_syntax_uid, n_slices=volume.shape[0],
        source=str(path),
    )
    return LoadedSeries(volume=volume, geometry=plan.geometry, info=info, notes=tuple(notes))
