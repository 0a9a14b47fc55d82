"""Find DICOM series in a folder or a ``.zip``, reading headers only.

Every file is opened once and read up to (not including) its pixel data; the file offset
of native pixel data is remembered so :func:`dicom_io.load_series` can read the pixels
straight into its volume without parsing the header again. Files that are not DICOM are
counted and skipped. A DICOMDIR given as the path, or found at the top of the folder or
zip, is followed (:mod:`dicom_io.dicomdir`): the files its records reference are read,
referenced files that are missing are reported by file ID (an unreadable error and the
series verdict), and files it does not reference are counted and noted, not read. A
DICOMDIR elsewhere, or one that cannot be read, is skipped and the folder is walked.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

from dicom_io.errors import DicomInputError
from dicom_io.fast_header import WANTED_TAGS, RawHeader, read_raw_header

__all__ = [
    "ENHANCED_STORAGE_CLASSES",
    "IMAGE_STORAGE_CLASSES",
    "Inventory",
    "SeriesRecord",
    "SliceHeader",
    "discover_series",
    "open_input",
    "read_slice_header",
]

#: Single-frame image storage SOP classes that load_series stacks.
IMAGE_STORAGE_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.2": "CT Image Storage",
    "1.2.840.10008.5.1.4.1.1.4": "MR Image Storage",
    "1.2.840.10008.5.1.4.1.1.128": "PET Image Storage",
    "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture Image Storage",
}
#: Multi-frame classes recognised by name and refused.
ENHANCED_STORAGE_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.2.1": "Enhanced CT Image Storage",
    "1.2.840.10008.5.1.4.1.1.2.2": "Legacy Converted Enhanced CT Image Storage",
    "1.2.840.10008.5.1.4.1.1.4.1": "Enhanced MR Image Storage",
}
_DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
_PIXEL_CLASSES = set(IMAGE_STORAGE_CLASSES) | set(ENHANCED_STORAGE_CLASSES)
_NATIVE_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}

_HEADER_TAGS = [*WANTED_TAGS, "PixelData"]


@dataclass(frozen=True, eq=False)
class SliceHeader:
    """The header fields of one file that discovery and loading need.

    ``path`` is where the file is read from; ``name`` is how messages refer to it
    (relative to the folder scanned, or ``archive.zip:member``).
    """

    path: Path
    name: str
    transfer_syntax_uid: str
    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    study_date: str
    modality: str
    series_description: str
    series_number: int | None
    instance_number: int | None
    image_type: tuple[str, ...]
    position_mm: np.ndarray | None
    orientation: np.ndarray | None
    pixel_spacing_mm: tuple[float, float] | None
    slice_thickness_mm: float | None
    rows: int | None
    columns: int | None
    rescale_slope: float
    rescale_intercept: float
    bits_allocated: int | None
    bits_stored: int | None
    pixel_representation: int | None
    samples_per_pixel: int
    photometric_interpretation: str
    number_of_frames: int
    has_pixel_data: bool
    pixel_data_offset: int | None
    frame_of_reference_uid: str
    frame_index: int | None = None  # set on the per-frame headers of a multi-frame object

    @property
    def is_native(self) -> bool:
        """True when the pixel data is uncompressed little endian and its offset known."""
        return self.transfer_syntax_uid in _NATIVE_SYNTAXES and self.pixel_data_offset is not None

    @property
    def is_localizer(self) -> bool:
        """True when ImageType says LOCALIZER (a scout / topogram)."""
        return "LOCALIZER" in self.image_type


@dataclass(frozen=True, eq=False)
class SeriesRecord:
    """One series found by :func:`discover_series`, with its geometry verdict.

    ``verdict`` is ``"ok"`` when :func:`dicom_io.series.load_series` would stack it, or
    the problem in words; ``notes`` lists what loading would exclude (localizers).
    """

    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    study_date: str
    modality: str
    series_description: str
    series_number: int | None
    sop_class_uid: str
    headers: tuple[SliceHeader, ...] = field(repr=False)
    verdict: str = "ok"
    notes: tuple[str, ...] = ()

    @property
    def n_files(self) -> int:
        """Number of files (instances) in the series."""
        return len(self.headers)

    @property
    def n_images(self) -> int:
        """Number of images: files, counting every frame of a multi-frame file."""
        return sum(h.number_of_frames for h in self.headers)

    @property
    def is_image_series(self) -> bool:
        """True for single-frame image SOP classes that can be stacked into a volume."""
        return self.sop_class_uid in IMAGE_STORAGE_CLASSES

    @property
    def slice_thickness_mm(self) -> float | None:
        """SliceThickness of the first file that has it."""
        return next((h.slice_thickness_mm for h in self.headers
                     if h.slice_thickness_mm is not None), None)

    @property
    def pixel_spacing_mm(self) -> tuple[float, float] | None:
        """PixelSpacing of the first file that has it."""
        return next((h.pixel_spacing_mm for h in self.headers
                     if h.pixel_spacing_mm is not None), None)


@dataclass(frozen=True)
class Inventory:
    """Everything :func:`discover_series` found under one root."""

    root: Path
    series: tuple[SeriesRecord, ...]
    n_files: int
    n_skipped_non_dicom: int
    skipped_examples: tuple[str, ...]
    unreadable: tuple[DicomInputError, ...]
    dicomdir_found: bool
    #: The DICOMDIR whose records listed the files, named as in messages (relative to
    #: the folder scanned, or ``archive.zip:DICOMDIR``); None when the folder was walked.
    dicomdir: str | None = None
    #: Files under the DICOMDIR's folder that no record references (not read).
    n_unreferenced: int = 0
    unreferenced_examples: tuple[str, ...] = ()
    #: Sentences about the input as a whole (DICOMDIR used, files not referenced, ...).
    notes: tuple[str, ...] = ()


def _corrupt(path: Path, name: str, sop_uid: str, what: str) -> DicomInputError:
    known = f" (SOP Instance UID {sop_uid})" if sop_uid else ""
    return DicomInputError(
        f"cannot read DICOM file {name}{known}: it is truncated or corrupt ({what}). "
        "Copy it again from the source, or remove it from the folder.",
        path=path, sop_instance_uid=sop_uid or None,
    )


def _pydicom_values(path: Path) -> RawHeader:
    """Read the wanted elements with pydicom (the general, slower path)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = pydicom.dcmread(path, defer_size=256, specific_tags=_HEADER_TAGS)
    eof = [str(w.message) for w in caught if "end of file" in str(w.message).lower()]
    if eof:
        raise EOFError(eof[0].split(" found in file")[0])
    values: dict[str, object] = {}
    for keyword in WANTED_TAGS:
        element = ds.get(keyword)
        if element is None or element == "":
            continue
        if isinstance(element, (list, tuple, pydicom.multival.MultiValue)):
            values[keyword] = "\\".join(str(v) for v in element)
        elif isinstance(element, int) and not isinstance(element, bool):
            values[keyword] = element
        else:
            values[keyword] = str(element).strip()
    pixel = ds._dict.get(0x7FE00010)
    syntax = str(getattr(ds.file_meta, "TransferSyntaxUID", "") or "")
    offset = getattr(pixel, "value_tell", None) if syntax in _NATIVE_SYNTAXES else None
    if offset is not None and (pixel.length == 0xFFFFFFFF
                               or offset + pixel.length > os.path.getsize(path)):
        raise EOFError(f"PixelData needs {pixel.length} bytes from offset {offset}, the file "
                       f"has {os.path.getsize(path)}")
    return RawHeader(values, syntax,
                     str(getattr(ds.file_meta, "MediaStorageSOPClassUID", "") or ""),
                     offset if pixel is not None else None,
                     int(pixel.length) if pixel is not None else None,
                     os.path.getsize(path))


def _numbers(value: object, keyword: str, size: int | None = None) -> list[float] | None:
    if value is None or value == "":
        return None
    numbers = [float(v) for v in str(value).split("\\")]
    if size is not None and len(numbers) != size:
        raise ValueError(f"{keyword} has {len(numbers)} values, expected {size}")
    return numbers


def _integer(value: object) -> int | None:
    if value is None or value == "":
        return None
    return int(float(str(value).split("\\")[0]))


def read_slice_header(path: str | Path, name: str | None = None) -> SliceHeader:
    """Read the header of one file (no pixel data).

    Raises
    ------
    InvalidDicomError
        When the file is not DICOM at all (no preamble/prefix and no DICOM structure).
    DicomInputError
        When the file is DICOM but truncated or corrupt, or a value cannot be parsed.
    """
    path = Path(path)
    name = name or path.name
    try:
        raw = read_raw_header(path)
        if raw is None:
            raw = _pydicom_values(path)
    except InvalidDicomError:
        raise
    except (EOFError, OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise _corrupt(path, name, "", str(error)) from None
    v = raw.values
    sop_uid = str(v.get("SOPInstanceUID", "") or "")
    sop_class = str(v.get("SOPClassUID", "") or "") or raw.media_storage_sop_class_uid
    if sop_class == _DICOMDIR_CLASS or raw.media_storage_sop_class_uid == _DICOMDIR_CLASS:
        sop_class = _DICOMDIR_CLASS
    elif not sop_uid:
        raise _corrupt(path, name, "", "no SOP Instance UID could be read")
    elif sop_class in _PIXEL_CLASSES and raw.pixel_data_offset is None \
            and raw.transfer_syntax_uid in _NATIVE_SYNTAXES:
        raise _corrupt(path, name, sop_uid, "the file ends before its PixelData")
    try:
        position = _numbers(v.get("ImagePositionPatient"), "ImagePositionPatient", 3)
        orientation = _numbers(v.get("ImageOrientationPatient"), "ImageOrientationPatient", 6)
        spacing = _numbers(v.get("PixelSpacing"), "PixelSpacing", 2)
        thickness = _numbers(v.get("SliceThickness"), "SliceThickness")
        slope = _numbers(v.get("RescaleSlope"), "RescaleSlope")
        intercept = _numbers(v.get("RescaleIntercept"), "RescaleIntercept")
        image_type = str(v.get("ImageType", "") or "")
        return SliceHeader(
            path=path, name=name, transfer_syntax_uid=raw.transfer_syntax_uid,
            sop_class_uid=sop_class, sop_instance_uid=sop_uid,
            study_instance_uid=str(v.get("StudyInstanceUID", "") or ""),
            series_instance_uid=str(v.get("SeriesInstanceUID", "") or ""),
            patient_id=str(v.get("PatientID", "") or ""),
            study_date=str(v.get("StudyDate", "") or ""),
            modality=str(v.get("Modality", "") or ""),
            series_description=str(v.get("SeriesDescription", "") or ""),
            series_number=_integer(v.get("SeriesNumber")),
            instance_number=_integer(v.get("InstanceNumber")),
            image_type=tuple(t.strip().upper() for t in image_type.split("\\") if t.strip()),
            position_mm=None if position is None else np.array(position),
            orientation=None if orientation is None else np.array(orientation),
            pixel_spacing_mm=None if spacing is None else (spacing[0], spacing[1]),
            slice_thickness_mm=None if thickness is None else thickness[0],
            rows=_integer(v.get("Rows")), columns=_integer(v.get("Columns")),
            rescale_slope=1.0 if slope is None else slope[0],
            rescale_intercept=0.0 if intercept is None else intercept[0],
            bits_allocated=_integer(v.get("BitsAllocated")),
            bits_stored=_integer(v.get("BitsStored")),
            pixel_representation=_integer(v.get("PixelRepresentation")),
            samples_per_pixel=_integer(v.get("SamplesPerPixel")) or 1,
            photometric_interpretation=str(v.get("PhotometricInterpretation", "") or ""),
            number_of_frames=_integer(v.get("NumberOfFrames")) or 1,
            has_pixel_data=raw.pixel_data_length is not None,
            pixel_data_offset=raw.pixel_data_offset,
            frame_of_reference_uid=str(v.get("FrameOfReferenceUID", "") or ""),
        )
    except (ValueError, TypeError) as error:
        raise DicomInputError(
            f"cannot read DICOM file {name} (SOP Instance UID {sop_uid}): a header value is "
            f"malformed ({error}). Correct the header, or remove the file from the folder.",
            path=path, sop_instance_uid=sop_uid,
        ) from None


@contextmanager
def open_input(path: str | Path) -> Iterator[tuple[Path, str]]:
    """Yield ``(folder, display_prefix)`` for a folder, a single file or a ``.zip``.

    A zip is extracted to a temporary folder removed on exit; messages name its members
    as ``archive.zip:member``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"DICOM input {path} does not exist. Check the path (a folder, a .zip or a file).")
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="recist-zip-") as tmp:
            try:
                with zipfile.ZipFile(path) as archive:
                    archive.extractall(tmp)
            except (zipfile.BadZipFile, OSError) as error:
                raise DicomInputError(
                    f"cannot extract {path.name}: {error}. Check the archive.", path=path
                ) from None
            yield Path(tmp), f"{path.name}:"
    else:
        yield path, ""


def _walk(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


@dataclass
class _Collected:
    """Headers read under one root, and what was skipped or missing on the way."""

    headers: list[SliceHeader] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unreadable: list[DicomInputError] = field(default_factory=list)
    dicomdir_skipped: bool = False
    n_files: int = 0
    dicomdir: str | None = None
    missing_by_series: dict[str, list[str]] = field(default_factory=dict)
    unreferenced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def read(self, path: Path, name: str) -> None:
        self.n_files += 1
        if path.name.upper() == "DICOMDIR":  # a media directory, not an image
            self.dicomdir_skipped = True
            return
        try:
            header = read_slice_header(path, name)
        except InvalidDicomError:
            self.skipped.append(name)
            return
        except DicomInputError as error:
            self.unreadable.append(error)
            return
        if header.sop_class_uid == _DICOMDIR_CLASS:
            self.dicomdir_skipped = True
            return
        self.headers.append(header)


def _collect(root: Path, prefix: str) -> _Collected:
    """Read the headers under ``root``: through its DICOMDIR if it has one, else walking."""
    from dicom_io.dicomdir import find_dicomdir, read_dicomdir

    base = root.parent if root.is_file() else root
    found = _Collected()
    dicomdir = find_dicomdir(root)
    if dicomdir is not None:
        dir_name = prefix + dicomdir.relative_to(base).as_posix()
        try:
            index = read_dicomdir(dicomdir, name=dir_name)
        except DicomInputError as error:
            found.notes.append(f"cannot read the DICOMDIR {dir_name} ({error.reason}); the "
                               "folder was walked instead")
            index = None
        if index is not None and not index.entries:
            found.notes.append(f"the DICOMDIR {dir_name} references no file; the folder was "
                               "walked instead")
            index = None
        if index is not None:
            found.dicomdir = dir_name
            for entry in index.entries:
                if entry.path is not None:
                    found.read(entry.path, prefix + entry.path.relative_to(base).as_posix())
                    continue
                missing = DicomInputError(
                    f"cannot read a file of the DICOMDIR: {index.missing_message(entry, dir_name)}",
                    path=index.folder / entry.file_id,
                    sop_instance_uid=entry.sop_instance_uid or None, keyword="ReferencedFileID")
                missing.series_instance_uid = entry.series_instance_uid  # from the record
                found.unreadable.append(missing)
                found.missing_by_series.setdefault(entry.series_instance_uid, []).append(
                    entry.file_id)
            found.unreferenced = [prefix + p.relative_to(base).as_posix()
                                  for p in index.unreferenced]
            found.notes.append(
                f"files listed by the DICOMDIR {dir_name}: {len(index.entries)} referenced, "
                f"{len(index.missing)} missing")
            if found.unreferenced:
                found.notes.append(
                    f"{len(found.unreferenced)} file(s) under {dir_name}'s folder are not "
                    f"referenced by it and were not read (e.g. "
                    f"{', '.join(found.unreferenced[:3])}); scan them on their own to include "
                    "them")
            return found
    for path in _walk(root):
        found.read(path, prefix + path.relative_to(base).as_posix())
    return found


def _read_headers(root: Path, prefix: str) -> tuple[list[SliceHeader], list[str],
                                                  list[DicomInputError], bool, int]:
    """``(headers, non-DICOM names, unreadable errors, DICOMDIR skipped, files looked at)``.

    A DICOMDIR at the top of ``root`` lists the files (see :func:`_collect`); each of its
    referenced files that is missing is one unreadable error.
    """
    found = _collect(root, prefix)
    return (found.headers, found.skipped, found.unreadable, found.dicomdir_skipped,
            found.n_files)


def discover_series(path: str | Path, *, check: bool = True) -> Inventory:
    """Find every series under ``path`` (a folder, a ``.zip`` or one file).

    Parameters
    ----------
    path
        Folder walked recursively, a zip archive, or a single DICOM file.
    check
        Run the geometry checks of :func:`dicom_io.stack.plan_stack` on every image series
        and put the result in :attr:`SeriesRecord.verdict`.

    Returns
    -------
    Inventory
        Series sorted by patient ID, study date, study UID, series number and series UID.
        Paths inside a zip point into a temporary folder removed on return: load a zip
        with :func:`dicom_io.load_series`, which extracts it again.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    DicomInputError
        When it holds no readable DICOM file.
    """
    with open_input(path) as (root, prefix):
        found = _collect(root, prefix)
        if not found.headers and not found.unreadable:
            raise DicomInputError(
                f"no DICOM files found in {path}: {found.n_files} file(s) looked at, "
                f"{len(found.skipped)} not DICOM. Point at the folder that holds the DICOM "
                "images (or the .zip / DICOMDIR's folder).",
                path=path,
            )
        records = _group(found.headers, check)
    for k, record in enumerate(records):
        missing = found.missing_by_series.get(record.series_instance_uid)
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            records[k] = dataclasses.replace(record, verdict=(
                f"{len(missing)} file(s) referenced by the DICOMDIR are missing: {shown}; "
                "copy the complete media again"))
    return Inventory(
        root=Path(path), series=tuple(records), n_files=found.n_files,
        n_skipped_non_dicom=len(found.skipped), skipped_examples=tuple(found.skipped[:5]),
        unreadable=tuple(found.unreadable), dicomdir_found=found.dicomdir_skipped,
        dicomdir=found.dicomdir, n_unreferenced=len(found.unreferenced),
        unreferenced_examples=tuple(found.unreferenced[:5]), notes=tuple(found.notes),
    )


def _group(headers: list[SliceHeader], check: bool) -> list[SeriesRecord]:
    from dicom_io.stack import describe_problem

    groups: dict[tuple[str, str], list[SliceHeader]] = {}
    for header in headers:
        groups.setdefault((header.study_instance_uid, header.series_instance_uid),
                          []).append(header)
    records = []
    for (study_uid, series_uid), members in groups.items():
        first = members[0]
        classes = {h.sop_class_uid for h in members}
        main_class = max(classes, key=lambda c: sum(h.sop_class_uid == c for h in members))
        record = SeriesRecord(
            study_instance_uid=study_uid, series_instance_uid=series_uid,
            patient_id=first.patient_id, study_date=first.study_date,
            modality=first.modality, series_description=first.series_description,
            series_number=first.series_number, sop_class_uid=main_class,
            headers=tuple(members),
        )
        if check:
            verdict, notes = describe_problem(record)
            record = dataclasses.replace(record, verdict=verdict, notes=notes)
        records.append(record)
    records.sort(key=lambda r: (r.patient_id, r.study_date, r.study_instance_uid,
                                r.series_number if r.series_number is not None else 1 << 30,
                                r.series_instance_uid))
    return records
