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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

from dicom_io.errors import (
    DicomInputError,
    safe_text,
    safe_uid,
    warning_what,
    warnings_note,
)
from dicom_io.fast_header import (
    NATIVE_SYNTAXES,
    WANTED_TAGS,
    NotDicomFile,
    NotRegularFile,
    RawHeader,
    TruncatedFile,
    read_raw_header,
    special_file_kind,
)
from dicom_io.header_batch import BATCH

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
    #: SeriesDate, AcquisitionDate and ContentDate as ``(keyword, value)`` when present
    #: (the scan date when StudyDate is empty).
    other_dates: tuple[tuple[str, str], ...] = ()
    #: What the DICOM reader warned about while reading the header
    #: (:func:`dicom_io.errors.warning_what`: no values).
    notes: tuple[str, ...] = ()
    #: Length of the PixelData element in bytes (0xFFFFFFFF when encapsulated).
    pixel_data_length: int | None = None

    @property
    def is_native(self) -> bool:
        """True when the pixel data is uncompressed little endian and its offset known."""
        return self.transfer_syntax_uid in NATIVE_SYNTAXES and self.pixel_data_offset is not None

    @property
    def is_localizer(self) -> bool:
        """True when ImageType says LOCALIZER (a scout / topogram)."""
        return "LOCALIZER" in self.image_type

    @property
    def where(self) -> str:
        """The file and its instance number, for messages: ``IM0002.dcm (instance 2)``."""
        number = "" if self.instance_number is None else f" (instance {self.instance_number})"
        return f"{safe_text(self.name)}{number}"


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
    #: Entries that are no regular file (FIFO, device, socket, dangling or looping link),
    #: as ``(name, what)``: skipped without being opened.
    special: tuple[tuple[str, str], ...] = ()


def _corrupt(path: Path, name: str, sop_uid: str, what: str) -> DicomInputError:
    known = f" (SOP Instance UID {safe_uid(sop_uid)})" if sop_uid else ""
    return DicomInputError(
        f"cannot read DICOM file {safe_text(name)}{known}: it is truncated or corrupt "
        f"({what}). Copy it again from the source, or remove it from the folder.",
        path=path, sop_instance_uid=sop_uid or None,
    )


def _read_problem(error: BaseException) -> str:
    """What went wrong reading a header, in words that quote nothing from the file (a
    reader's own message may hold the bytes of a damaged element: a patient's name)."""
    if isinstance(error, (TruncatedFile, NotRegularFile)):
        return str(error)
    if isinstance(error, EOFError):
        return "the file ends early"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, OSError):
        return "the file cannot be read from the disk"
    if type(error).__name__ == "error" and type(error).__module__ == "zlib":
        return "it says its data are deflated, but they cannot be inflated"
    if isinstance(error, RecursionError):
        return "its sequences are nested too deeply"
    return "its header cannot be parsed"


def _pydicom_values(path: Path, name: str, notes: list[str]) -> RawHeader:
    """Read the wanted elements with pydicom (the general, slower path); its warnings
    become ``notes`` (:func:`dicom_io.errors.warning_what`), never stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = pydicom.dcmread(path, defer_size=256, specific_tags=_HEADER_TAGS)
        values: dict[str, object] = {}
        for keyword in WANTED_TAGS:
            element = ds.get(keyword)
            if element is None or element == "":
                continue
            if isinstance(element, (list, tuple, pydicom.multival.MultiValue)):
                values[keyword] = "\\".join(str(v) for v in element)
            elif isinstance(element, int) and not isinstance(element, bool):
                values[keyword] = element
            elif isinstance(element, (bytes, bytearray)):
                values[keyword] = bytes(element).decode("latin-1").strip(" \x00")
            else:
                values[keyword] = str(element).strip()
    if any("end of file" in str(w.message).lower() for w in caught):
        raise EOFError("end of file")
    for warning in caught:
        note = warning_what(warning.message)
        if note not in notes:
            notes.append(note)
    pixel = ds._dict.get(0x7FE00010)
    syntax = str(getattr(ds.file_meta, "TransferSyntaxUID", "") or "")
    offset = getattr(pixel, "value_tell", None) if syntax in NATIVE_SYNTAXES else None
    if offset is not None and (pixel.length == 0xFFFFFFFF
                               or offset + pixel.length > os.path.getsize(path)):
        raise TruncatedFile(f"PixelData needs {pixel.length} bytes from offset {offset}, the "
                         f"file has {os.path.getsize(path)}")
    return RawHeader(values, syntax,
                     str(getattr(ds.file_meta, "MediaStorageSOPClassUID", "") or ""),
                     offset if pixel is not None else None,
                     int(pixel.length) if pixel is not None else None,
                     os.path.getsize(path))


class _Malformed(ValueError):
    """A header value that is not what its element holds (our words, no value quoted)."""


def _numbers(value: object, keyword: str, size: int | None = None) -> list[float] | None:
    if value is None or value == "":
        return None
    try:
        numbers = [float(v) for v in str(value).split("\\")]
    except ValueError:
        raise _Malformed(f"{keyword} is not a list of numbers") from None
    if size is not None and len(numbers) != size:
        raise _Malformed(f"{keyword} has {len(numbers)} values, expected {size}")
    return numbers


def _integer(value: object, keyword: str = "a header value") -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    parts = str(value).split("\\")
    if len(parts) != 1:
        raise _Malformed(f"{keyword} holds {len(parts)} values, expected 1")
    try:
        number = float(parts[0])
    except ValueError:
        raise _Malformed(f"{keyword} is not a whole number") from None
    if not number.is_integer() or abs(number) > 2 ** 31:
        raise _Malformed(f"{keyword} is not a whole number")
    return int(number)


def _clean(value: object, *, uid: bool = False) -> str:
    """A header text value without its padding. A value holding control characters is
    damaged (an element whose length field grew swallows the next elements' bytes, a
    patient's name among them): a text becomes empty, a UID keeps them (it stays distinct
    and is shown as ``(invalid UID)``, :func:`dicom_io.errors.safe_uid`)."""
    text = (value if type(value) is str else "" if value is None else str(value)
            ).strip(" \x00")
    if uid or text.isprintable():  # every character printable (true when empty)
        return text
    return ""


_OTHER_DATES = ("SeriesDate", "AcquisitionDate", "ContentDate")
_HEADER_FIELDS = frozenset(f.name for f in dataclasses.fields(SliceHeader))


def _new_header(**fields: object) -> SliceHeader:
    """A ``SliceHeader`` of every field given, without the frozen dataclass' ``__init__``
    (one ``object.__setattr__`` per field: a third of a header's reading time in a scan).
    The same object: its fields in its ``__dict__``; a missing or unknown field is an
    error, as in ``__init__``."""
    if fields.keys() != _HEADER_FIELDS:
        raise TypeError(f"SliceHeader fields differ: {sorted(fields.keys() ^ _HEADER_FIELDS)}")
    header = object.__new__(SliceHeader)
    object.__setattr__(header, "__dict__", fields)
    return header


def not_dicom_message(name: str) -> str:
    """What is wrong with a file that has no ``DICM`` prefix, and how to fix it."""
    return (f"{safe_text(name)} is not a DICOM file (no 'DICM' prefix after its 128-byte "
            "preamble, PS3.10 7.1): move it out of the series folder, or export the image "
            "again as a DICOM Part 10 file")


def read_slice_header(path: str | Path, name: str | None = None) -> SliceHeader:
    """Read the header of one file (no pixel data).

    Raises
    ------
    InvalidDicomError
        When the file is not DICOM at all: no ``DICM`` prefix at byte 128 (the Part 10
        file format, PS3.10 7.1), which pydicom's reader (``force=False``) refuses too --
        said here without it, from the bytes the fast reader read (a folder's stray text
        file cost 0.4 ms in pydicom); the message is :func:`not_dicom_message`.
    DicomInputError
        When the file is DICOM but truncated or corrupt, or a value cannot be parsed.
    """
    path = path if isinstance(path, Path) else Path(path)
    name = name or path.name
    notes: list[str] = []
    try:
        raw = read_raw_header(path, refuse_non_dicom=True)
        if raw is None:
            raw = _pydicom_values(path, name, notes)
    except NotDicomFile:
        raise InvalidDicomError(not_dicom_message(name)) from None
    except InvalidDicomError:  # pydicom's own refusal
        raise
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - any reader failure: one sentence, no bytes
        raise _corrupt(path, name, "", _read_problem(error)) from None
    v = raw.values
    sop_uid = _clean(v.get("SOPInstanceUID", ""), uid=True)
    sop_class = _clean(v.get("SOPClassUID", ""), uid=True) \
        or _clean(raw.media_storage_sop_class_uid, uid=True)
    if sop_class == _DICOMDIR_CLASS or raw.media_storage_sop_class_uid == _DICOMDIR_CLASS:
        sop_class = _DICOMDIR_CLASS
    elif not sop_uid:
        raise _corrupt(path, name, "", "no SOP Instance UID could be read")
    elif sop_class in _PIXEL_CLASSES and raw.pixel_data_offset is None \
            and raw.transfer_syntax_uid in NATIVE_SYNTAXES:
        raise _corrupt(path, name, sop_uid, "the file ends before its PixelData")
    try:
        position = _numbers(v.get("ImagePositionPatient"), "ImagePositionPatient", 3)
        orientation = _numbers(v.get("ImageOrientationPatient"), "ImageOrientationPatient", 6)
        spacing = _numbers(v.get("PixelSpacing"), "PixelSpacing", 2)
        thickness = _numbers(v.get("SliceThickness"), "SliceThickness", 1)
        slope = _numbers(v.get("RescaleSlope"), "RescaleSlope", 1)
        intercept = _numbers(v.get("RescaleIntercept"), "RescaleIntercept", 1)
        image_type = _clean(v.get("ImageType", ""))
        return _new_header(
            path=path, name=name, transfer_syntax_uid=_clean(raw.transfer_syntax_uid, uid=True),
            sop_class_uid=sop_class, sop_instance_uid=sop_uid,
            study_instance_uid=_clean(v.get("StudyInstanceUID", ""), uid=True),
            series_instance_uid=_clean(v.get("SeriesInstanceUID", ""), uid=True),
            patient_id=_clean(v.get("PatientID", "")),
            study_date=_clean(v.get("StudyDate", "")),
            modality=_clean(v.get("Modality", "")),
            series_description=_clean(v.get("SeriesDescription", "")),
            series_number=_integer(v.get("SeriesNumber"), "SeriesNumber"),
            instance_number=_integer(v.get("InstanceNumber"), "InstanceNumber"),
            image_type=tuple(t.strip().upper() for t in image_type.split("\\") if t.strip()),
            position_mm=None if position is None else np.array(position),
            orientation=None if orientation is None else np.array(orientation),
            pixel_spacing_mm=None if spacing is None else (spacing[0], spacing[1]),
            slice_thickness_mm=None if thickness is None else thickness[0],
            rows=_integer(v.get("Rows"), "Rows"),
            columns=_integer(v.get("Columns"), "Columns"),
            rescale_slope=1.0 if slope is None else slope[0],
            rescale_intercept=0.0 if intercept is None else intercept[0],
            bits_allocated=_integer(v.get("BitsAllocated"), "BitsAllocated"),
            bits_stored=_integer(v.get("BitsStored"), "BitsStored"),
            pixel_representation=_integer(v.get("PixelRepresentation"), "PixelRepresentation"),
            samples_per_pixel=_integer(v.get("SamplesPerPixel"), "SamplesPerPixel") or 1,
            photometric_interpretation=_clean(v.get("PhotometricInterpretation", "")),
            number_of_frames=_integer(v.get("NumberOfFrames"), "NumberOfFrames") or 1,
            has_pixel_data=raw.pixel_data_length is not None,
            pixel_data_offset=raw.pixel_data_offset,
            frame_of_reference_uid=_clean(v.get("FrameOfReferenceUID", ""), uid=True),
            other_dates=tuple((k, d) for k, d in ((k, _clean(v.get(k))) for k in _OTHER_DATES)
                              if d),
            notes=tuple(notes), pixel_data_length=raw.pixel_data_length, frame_index=None,
        )
    except _Malformed as error:
        raise DicomInputError(
            f"cannot read DICOM file {safe_text(name)} (SOP Instance UID {safe_uid(sop_uid)}):"
            f" {error}. Correct the header, or remove the file from the folder.",
            path=path, sop_instance_uid=sop_uid, keyword=str(error).split()[0],
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
                    _check_zip_size(path, archive)
                    archive.extractall(tmp)
            except DicomInputError:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                    RuntimeError):  # RuntimeError: an encrypted member
                raise DicomInputError(
                    f"cannot extract {safe_text(path.name)}: the archive is damaged, "
                    "encrypted or uses a compression that cannot be read. Check the archive.",
                    path=path) from None
            yield Path(tmp), f"{path.name}:"
    else:
        yield path, ""


#: Largest total of a zip's members extracted, and largest ratio to the archive's size
#: beyond 1 GiB (a "zip bomb" would fill the disk).
MAX_ZIP_BYTES = 64 << 30
MAX_ZIP_RATIO = 200


def _check_zip_size(path: Path, archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    packed = max(os.path.getsize(path), 1)
    if total > MAX_ZIP_BYTES or (total > 1 << 30 and total > MAX_ZIP_RATIO * packed):
        raise DicomInputError(
            f"cannot extract {safe_text(path.name)}: its {len(members)} member(s) would take "
            f"{total / (1 << 30):.1f} GiB, {total / packed:.0f} times the archive (at most "
            f"{MAX_ZIP_BYTES >> 30} GiB, and {MAX_ZIP_RATIO} times beyond 1 GiB). Extract it "
            "yourself and pass the folder.", path=path)


def _walk(root: Path) -> Iterator[Path]:
    """Every entry under ``root`` that is not a folder (links to folders are not followed;
    links that loop or dangle, FIFOs, devices and sockets are yielded and skipped by
    ``_Collected.read`` without being opened)."""
    for path, _, _, _ in _walk_named(root, root, ""):
        yield path


def _child_of(folder: Path) -> Callable[[str], Path]:
    """``folder / name`` for a name from ``folder``'s listing (one part: no separator,
    never ``.`` or ``..``). pathlib's own shortcut for its folder walks,
    ``_make_child_relpath`` (Python 3.11, 3.12), gives the same path without parsing the
    name again (0.5 of a 100-file scan's 6 ms, ~4x less) -- where this Python has it and
    it joins as ``/`` does (:data:`_CHILD_SHORTCUT`); else the ``/`` operator
    (``tests/dicom_io/discover`` compares both)."""
    if _CHILD_SHORTCUT:
        return folder._make_child_relpath  # type: ignore[attr-defined]
    return folder.__truediv__


def _child_shortcut_works() -> bool:
    """Whether ``Path._make_child_relpath`` exists and joins as ``/`` does."""
    for folder, name in ((Path("/data/ct"), "IM1.dcm"), (Path("ct"), "a b"), (Path("."), "x"),
                         (Path("/"), "y")):
        try:
            child = folder._make_child_relpath(name)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - another Python's private method: not used
            return False
        if (child, str(child), child.parts) != (folder / name, str(folder / name),
                                                (folder / name).parts):
            return False
    return True


#: Whether pathlib's child shortcut exists here and joins as ``/`` does (checked once).
_CHILD_SHORTCUT = _child_shortcut_works()


def _walk_named(root: Path, base: Path, prefix: str, listing: list[os.DirEntry] | None = None
                ) -> Iterator[tuple[Path, str, bool, str]]:
    """``_walk`` with each entry's display name (``prefix`` + its path relative to
    ``base``, with ``/``), whether the directory listing already says it is a regular
    file (not a link), so that it needs no ``stat`` of its own, and its path as text (the
    listing's: opening a ``Path`` formats it first). Same order: a folder's files by name,
    then its subfolders by name. ``listing``: the entries of the folder ``root``, when
    listed already (:func:`_listing`)."""
    if listing is None and not root.is_dir():
        yield root, prefix + root.relative_to(base).as_posix(), False, str(root)
        return
    stack = [(str(root), prefix + (root.relative_to(base).as_posix() + "/"
                                   if root != base else ""))]
    while stack:
        folder, shown = stack.pop()
        if listing is not None:  # the root's
            entries, listing = sorted(listing, key=_NAME), None
        else:
            try:
                with os.scandir(folder) as found:
                    entries = sorted(found, key=_NAME)
            except OSError:
                continue  # as os.walk: a folder that cannot be listed is passed over
        folders = []
        child = _child_of(Path(folder))
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # follows links, as os.walk's listing does
            except OSError:
                is_folder = False
            if is_folder:
                if not entry.is_symlink():
                    folders.append((entry.path, shown + entry.name + "/"))
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            yield child(entry.name), shown + entry.name, regular, entry.path
        stack.extend(reversed(folders))


_NAME = attrgetter("name")


def _listing(root: Path) -> list[os.DirEntry] | None:
    """The entries of ``root`` when it is a folder that can be listed, else None: listed
    once for both the DICOMDIR search and the walk."""
    try:
        with os.scandir(root) as found:
            return list(found)
    except OSError:  # not a folder (one file), or one that cannot be listed
        return None


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
    special: list[tuple[str, str]] = field(default_factory=list)

    def read(self, path: Path, name: str, regular: bool = False) -> None:
        """Read one entry's header."""
        self.n_files += 1
        kind = None if regular else special_file_kind(path)
        if kind is not None:  # FIFO, device, socket, dangling or looping link: not opened
            self.special.append((name, kind))
            return
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
    listing = _listing(root)
    dicomdir = find_dicomdir(root, listing)
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
    _read_all(found, _walk_named(root, base, prefix, listing))
    return found


_MIN_BATCH = 64  # fewer: one by one is faster (a batch's walk has a fixed cost per step)


def _read_all(found: _Collected, entries: Iterator[tuple[Path, str, bool, str]]) -> None:
    """``found.read`` of every entry, in order; the headers of regular files read in
    batches (:func:`dicom_io.header_columns.read_slice_headers`), those it leaves one by
    one."""
    from dicom_io.header_columns import read_slice_headers

    chunk: list[tuple[Path, str, bool, str]] = []
    for entry in [*entries, None]:
        if entry is not None:
            chunk.append(entry)
            if len(chunk) < BATCH:
                continue
        batched = [k for k, (path, _, regular, _) in enumerate(chunk)
                   if regular and path.name.upper() != "DICOMDIR"]
        ready: dict[int, SliceHeader | None] = {}
        not_dicom: list[int] = []
        if len(batched) >= _MIN_BATCH:
            ready = dict(zip(batched, read_slice_headers([chunk[k][0] for k in batched],
                                                         [chunk[k][1] for k in batched],
                                                         [chunk[k][3] for k in batched],
                                                         not_dicom)))
        strays = {batched[j] for j in not_dicom}  # read: no DICM prefix, not opened again
        for k, (path, name, regular, _) in enumerate(chunk):
            header = ready.get(k)
            if header is not None:  # read in the batch: counted and kept, as found.read
                found.n_files += 1
                found.headers.append(header)
            elif k in strays:  # as found.read, whose read_slice_header refuses it
                found.n_files += 1
                found.skipped.append(name)
            else:
                found.read(path, name, regular)
        chunk = []


def special_files_note(special: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """The note listing the entries skipped because they are no regular file."""
    shown = ", ".join(f"{safe_text(name)} ({kind})" for name, kind in special[:3])
    more = f" and {len(special) - 3} more" if len(special) > 3 else ""
    return (f"{len(special)} entr(y/ies) skipped without being opened, as they are no "
            f"regular file: {shown}{more}")


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
            special = f", {len(found.special)} no regular file" if found.special else ""
            raise DicomInputError(
                f"no DICOM files found in {safe_text(path, 120)}: {found.n_files} file(s) "
                f"looked at, {len(found.skipped)} not DICOM{special}. Point at the folder "
                "that holds the DICOM images (or the .zip / DICOMDIR's folder).",
                path=path,
            )
        records = _group(found.headers, check)
    if found.special:
        found.notes.append(special_files_note(found.special))
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
        special=tuple(found.special),
    )


def reader_notes(headers) -> tuple[str, ...]:
    """One note per thing the DICOM reader warned about, with how many files and one."""
    files: dict[str, list[str]] = {}
    for header in headers:
        for what in header.notes:
            files.setdefault(what, []).append(header.name)
    return tuple(warnings_note(what, names) for what, names in files.items())


def scan_date(headers: tuple[SliceHeader, ...] | list[SliceHeader]) -> tuple[str, str]:
    """``(date, keyword)``: the series' StudyDate, else its first SeriesDate,
    AcquisitionDate or ContentDate (in that order); ``("", "")`` when no file has one."""
    for header in headers:
        if header.study_date:
            return header.study_date, "StudyDate"
    for keyword in _OTHER_DATES:
        for header in headers:
            value = dict(header.other_dates).get(keyword)
            if value:
                return value, keyword
    return "", ""


def _group(headers: list[SliceHeader], check: bool) -> list[SeriesRecord]:
    """Group headers by SeriesInstanceUID (a series is one UID: a slice whose other UIDs
    differ stays in it and is refused by ``dicom_io.stack``'s consistency check)."""
    from dicom_io.stack import describe_problem

    groups: dict[str, list[SliceHeader]] = {}
    for header in headers:
        groups.setdefault(header.series_instance_uid, []).append(header)
    records = []
    for series_uid, members in groups.items():
        first = members[0]
        counts: dict[str, int] = {}
        for h in members:
            counts[h.sop_class_uid] = counts.get(h.sop_class_uid, 0) + 1
        main_class = max(counts, key=lambda c: counts[c])
        record = SeriesRecord(
            study_instance_uid=first.study_instance_uid, series_instance_uid=series_uid,
            patient_id=first.patient_id, study_date=scan_date(members)[0],
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
