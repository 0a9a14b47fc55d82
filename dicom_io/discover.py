"""Find DICOM series in a folder or a ``.zip``, reading headers only.

Every file is opened once and read up to (not including) its pixel data; the file offset
of native pixel data is remembered so :func:`dicom_io.load_series` can read the pixels
straight into its volume without parsing the header again. Files that are not DICOM are
counted and skipped; a DICOMDIR is recognised and skipped (its images are found by
walking the folder).
"""

from __future__ import annotations

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

_HEADER_TAGS = [
    "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID",
    "PatientID", "StudyDate", "Modality", "SeriesDescription", "SeriesNumber",
    "InstanceNumber", "ImageType", "ImagePositionPatient", "ImageOrientationPatient",
    "PixelSpacing", "SliceThickness", "Rows", "Columns", "RescaleSlope",
    "RescaleIntercept", "BitsAllocated", "BitsStored", "PixelRepresentation",
    "SamplesPerPixel", "PhotometricInterpretation", "NumberOfFrames", "PixelData",
    "FrameOfReferenceUID",
]


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


def _text(ds: pydicom.Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value).strip()


def _float(ds: pydicom.Dataset, keyword: str, default: float | None = None) -> float | None:
    value = ds.get(keyword)
    if value is None or value == "":
        return default
    return float(value)


def _int(ds: pydicom.Dataset, keyword: str) -> int | None:
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    return int(value)


def _vector(ds: pydicom.Dataset, keyword: str, size: int) -> np.ndarray | None:
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    array = np.array([float(v) for v in value], dtype=np.float64)
    if array.shape != (size,):
        raise ValueError(f"{keyword} has {array.size} values, expected {size}")
    return array


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
    sop_uid = ""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = pydicom.dcmread(path, defer_size=256, specific_tags=_HEADER_TAGS)
        sop_uid = _text(ds, "SOPInstanceUID")
        meta_class = str(getattr(ds.file_meta, "MediaStorageSOPClassUID", "") or "")
        eof = [str(w.message) for w in caught if "end of file" in str(w.message).lower()]
        if eof:
            raise EOFError(eof[0].split(" found in file")[0])
        if not sop_uid and meta_class != _DICOMDIR_CLASS:
            raise EOFError("no SOP Instance UID could be read")
        if meta_class in _PIXEL_CLASSES and 0x7FE00010 not in ds._dict:
            raise EOFError("the file ends before its PixelData")
    except InvalidDicomError:
        raise
    except (EOFError, OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        known = f" (SOP Instance UID {sop_uid})" if sop_uid else ""
        raise DicomInputError(
            f"cannot read DICOM file {name}{known}: it is truncated or corrupt ({error}). "
            "Copy it again from the source, or remove it from the folder.",
            path=path, sop_instance_uid=sop_uid or None,
        ) from None
    try:
        pixel = ds._dict.get(0x7FE00010)
        offset = getattr(pixel, "value_tell", None)
        syntax = str(getattr(ds.file_meta, "TransferSyntaxUID", "") or "")
        if pixel is not None and syntax in _NATIVE_SYNTAXES and offset is not None:
            expected_end = offset + int(pixel.length)
            if pixel.length == 0xFFFFFFFF or expected_end > os.path.getsize(path):
                raise EOFError(
                    f"PixelData needs {pixel.length} bytes from offset {offset}, the file "
                    f"has {os.path.getsize(path)}")
        spacing = _vector(ds, "PixelSpacing", 2)
        image_type = ds.get("ImageType") or ()
        if isinstance(image_type, str):
            image_type = image_type.split("\\")
        return SliceHeader(
            path=path, name=name, transfer_syntax_uid=syntax,
            sop_class_uid=_text(ds, "SOPClassUID")
            or str(getattr(ds.file_meta, "MediaStorageSOPClassUID", "") or ""),
            sop_instance_uid=sop_uid,
            study_instance_uid=_text(ds, "StudyInstanceUID"),
            series_instance_uid=_text(ds, "SeriesInstanceUID"),
            patient_id=_text(ds, "PatientID"),
            study_date=_text(ds, "StudyDate"),
            modality=_text(ds, "Modality"),
            series_description=_text(ds, "SeriesDescription"),
            series_number=_int(ds, "SeriesNumber"),
            instance_number=_int(ds, "InstanceNumber"),
            image_type=tuple(str(v).upper() for v in image_type),
            position_mm=_vector(ds, "ImagePositionPatient", 3),
            orientation=_vector(ds, "ImageOrientationPatient", 6),
            pixel_spacing_mm=None if spacing is None else (float(spacing[0]), float(spacing[1])),
            slice_thickness_mm=_float(ds, "SliceThickness"),
            rows=_int(ds, "Rows"), columns=_int(ds, "Columns"),
            rescale_slope=_float(ds, "RescaleSlope", 1.0),
            rescale_intercept=_float(ds, "RescaleIntercept", 0.0),
            bits_allocated=_int(ds, "BitsAllocated"), bits_stored=_int(ds, "BitsStored"),
            pixel_representation=_int(ds, "PixelRepresentation"),
            samples_per_pixel=_int(ds, "SamplesPerPixel") or 1,
            photometric_interpretation=_text(ds, "PhotometricInterpretation"),
            number_of_frames=_int(ds, "NumberOfFrames") or 1,
            has_pixel_data=pixel is not None,
            pixel_data_offset=offset if syntax in _NATIVE_SYNTAXES else None,
            frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        )
    except (EOFError, ValueError, TypeError) as error:
        raise DicomInputError(
            f"cannot read DICOM file {name} (SOP Instance UID {sop_uid or 'unknown'}): "
            f"a header value is malformed or the file is truncated ({error}). Copy it again "
            "from the source, or remove it from the folder.",
            path=path, sop_instance_uid=sop_uid or None,
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


def _read_headers(root: Path, prefix: str) -> tuple[list[SliceHeader], list[str],
                                                  list[DicomInputError], bool, int]:
    headers: list[SliceHeader] = []
    skipped: list[str] = []
    unreadable: list[DicomInputError] = []
    dicomdir = False
    n_files = 0
    base = root.parent if root.is_file() else root
    for path in _walk(root):
        n_files += 1
        name = prefix + path.relative_to(base).as_posix()
        try:
            header = read_slice_header(path, name)
        except InvalidDicomError:
            skipped.append(name)
            continue
        except DicomInputError as error:
            unreadable.append(error)
            continue
        if header.sop_class_uid == _DICOMDIR_CLASS or path.name.upper() == "DICOMDIR":
            dicomdir = True
            continue
        headers.append(header)
    return headers, skipped, unreadable, dicomdir, n_files


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
        Series sorted by study date, study UID, series number and series UID. Paths inside
        a zip point into a temporary folder removed on return: load a zip with
        :func:`dicom_io.load_series`, which extracts it again.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    DicomInputError
        When it holds no readable DICOM file.
    """
    with open_input(path) as (root, prefix):
        headers, skipped, unreadable, dicomdir, n_files = _read_headers(root, prefix)
        if not headers and not unreadable:
            raise DicomInputError(
                f"no DICOM files found in {path}: {n_files} file(s) looked at, "
                f"{len(skipped)} not DICOM. Point at the folder that holds the DICOM "
                "images (or the .zip / DICOMDIR's folder).",
                path=path,
            )
        records = _group(headers, check)
    return Inventory(
        root=Path(path), series=tuple(records), n_files=n_files,
        n_skipped_non_dicom=len(skipped), skipped_examples=tuple(skipped[:5]),
        unreadable=tuple(unreadable), dicomdir_found=dicomdir,
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
            record = SeriesRecord(**{**record.__dict__, "verdict": verdict, "notes": notes})
        records.append(record)
    records.sort(key=lambda r: (r.study_date, r.study_instance_uid,
                                r.series_number if r.series_number is not None else 1 << 30,
                                r.series_instance_uid))
    return records
