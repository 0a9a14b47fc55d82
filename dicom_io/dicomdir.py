"""Read a DICOMDIR (DICOM media directory, PS3.10 / PS3.3 F) into the files it lists.

A DICOMDIR holds a tree of directory records, PATIENT -> STUDY -> SERIES -> IMAGE (or
another leaf type: RT STRUCTURE, SR DOCUMENT, PRESENTATION, ...), linked by byte offsets
(``OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity``,
``OffsetOfTheNextDirectoryRecord``, ``OffsetOfReferencedLowerLevelDirectoryEntity``).
Each leaf names its file with ``ReferencedFileID``: up to eight path components of at
most eight upper-case characters, relative to the folder holding the DICOMDIR (for
example ``DICOM\\ST000001\\SE000001\\IM000001``).

:func:`read_dicomdir` follows the offsets (falling back to the order of the records when
the offsets do not resolve), resolves every file ID on disk (exactly, else component by
component without regard to case: a CD copied by some systems comes out in lower case)
and reports which referenced files are missing and which files of the folder are not
referenced.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as folder:
...     find_dicomdir(Path(folder)) is None
True
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from dicom_io.errors import DicomInputError, safe_text, safe_uid
from dicom_io.fast_header import special_file_kind

__all__ = ["DICOMDIR_SOP_CLASS", "DicomdirEntry", "DicomdirIndex", "find_dicomdir",
           "read_dicomdir"]

#: Media Storage Directory Storage SOP Class (the DICOMDIR's class).
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_MAX_RECORDS = 10_000_000  # guard against offset cycles


@dataclass(frozen=True)
class DicomdirEntry:
    """One file referenced by a leaf directory record.

    ``file_id`` is the ReferencedFileID joined with ``/`` (as written in the DICOMDIR);
    ``path`` is the file found on disk for it, or None when it is missing.
    """

    file_id: str
    path: Path | None
    record_type: str
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str


@dataclass(frozen=True)
class DicomdirIndex:
    """What a DICOMDIR lists, resolved against its folder."""

    dicomdir_path: Path
    folder: Path
    entries: tuple[DicomdirEntry, ...]
    unreferenced: tuple[Path, ...]

    @property
    def present(self) -> tuple[DicomdirEntry, ...]:
        """Entries whose file exists."""
        return tuple(e for e in self.entries if e.path is not None)

    @property
    def missing(self) -> tuple[DicomdirEntry, ...]:
        """Entries whose file is not on disk."""
        return tuple(e for e in self.entries if e.path is None)

    def missing_message(self, entry: DicomdirEntry, name: str) -> str:
        """The user-facing sentence for a missing referenced file (``name``: DICOMDIR)."""
        sop = safe_uid(entry.sop_instance_uid) if entry.sop_instance_uid else "not given"
        series = (safe_uid(entry.series_instance_uid) if entry.series_instance_uid
                  else "not given")
        return (f"{safe_text(name)} references file {entry.file_id} "
                f"({safe_text(entry.record_type, 20)} record, SOP Instance UID {sop}, series "
                f"{series}), which is not in {safe_text(self.folder.name or self.folder)}. "
                "Copy the complete media again, or remove the DICOMDIR to load the files "
                "that are there.")


def _is(entry: os.DirEntry, what: str) -> bool:
    """``entry.is_file()`` / ``is_dir()``, False for a link that loops or dangles."""
    try:
        return entry.is_file() if what == "file" else entry.is_dir()
    except OSError:
        return False


def find_dicomdir(path: Path, listing: list[os.DirEntry] | None = None) -> Path | None:
    """Return the DICOMDIR to use for ``path``, or None.

    ``path`` itself when it is a file named DICOMDIR; else a file named ``DICOMDIR`` (any
    case) at the top of the folder, or at the top of its only sub-folder when the folder
    holds nothing else (a zip that wraps the media in one folder). ``listing``: the
    folder's entries when the caller has listed it already (a scan walks it next).
    """
    path = Path(path)
    if listing is None and path.is_file():
        return path if path.name.upper() == "DICOMDIR" else None
    folder = path
    for _ in range(8):
        try:
            children = list(os.scandir(folder)) if listing is None else listing
        except OSError:
            return None
        listing = None
        for child in children:
            if child.name.upper() == "DICOMDIR" and _is(child, "file"):
                return Path(child.path)
        if len(children) != 1 or not _is(children[0], "dir"):  # (a series folder: at once)
            return None
        folder = Path(children[0].path)
    return None


def _resolve(folder: Path, parts: list[str], listing: dict[Path, dict[str, str]]) -> Path | None:
    """Find ``parts`` under ``folder``: exact path first, then ignoring case per component."""
    exact = folder.joinpath(*parts)
    if exact.is_file():
        return exact
    current = folder
    for part in parts:
        if current not in listing:
            try:
                listing[current] = {name.upper(): name for name in os.listdir(current)}
            except OSError:
                return None
        actual = listing[current].get(part.upper())
        if actual is None:
            return None
        current = current / actual
    return current if current.is_file() else None


def _file_id_parts(value: object) -> list[str]:
    if isinstance(value, str):
        parts = value.split("\\")
    else:
        parts = [str(v) for v in value]
    # A component never leaves the DICOMDIR's folder: no "..", no separator, no NUL.
    return [p.strip() for p in parts if p.strip() and p.strip() not in (".", "..")
            and not any(c in p for c in "/\x00")]


def _walk_records(ds: pydicom.Dataset, file_size: int
                  ) -> list[tuple[pydicom.Dataset, list[pydicom.Dataset]]]:
    """Every record with its ancestors (root first), following the offsets.

    Raises ValueError when an offset points past the end of the file (a truncated copy).
    """
    records = list(ds.get("DirectoryRecordSequence", []))
    by_offset = {r.seq_item_tell: r for r in records if getattr(r, "seq_item_tell", None)}
    for record in records:
        for keyword in ("OffsetOfTheNextDirectoryRecord",
                        "OffsetOfReferencedLowerLevelDirectoryEntity"):
            offset = record.get(keyword) or 0
            if offset >= file_size:
                raise _Problem(
                    f"the file is truncated: a {record.get('DirectoryRecordType', '?')} "
                    f"record's {keyword} is {offset}, the file has {file_size} bytes")
    first = ds.get("OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity")
    if first in by_offset:
        out: list[tuple[pydicom.Dataset, list[pydicom.Dataset]]] = []
        seen: set[int] = set()
        stack: list[tuple[int, list[pydicom.Dataset]]] = [(first, [])]
        while stack and len(out) < _MAX_RECORDS:  # depth first, in record order
            offset, ancestors = stack.pop()
            if offset not in by_offset or offset in seen:
                continue
            seen.add(offset)
            record = by_offset[offset]
            out.append((record, ancestors))
            stack.append((record.get("OffsetOfTheNextDirectoryRecord", 0), ancestors))
            stack.append((record.get("OffsetOfReferencedLowerLevelDirectoryEntity", 0),
                          [*ancestors, record]))
        if len(seen) == len(records):
            return out
    # Offsets missing or inconsistent: use the records' order and their types.
    levels = {"PATIENT": 0, "STUDY": 1, "SERIES": 2}
    ancestors: list[pydicom.Dataset] = []
    out = []
    for record in records:
        level = levels.get(str(record.get("DirectoryRecordType", "")).upper(), 3)
        ancestors = [a for a in ancestors
                     if levels.get(str(a.get("DirectoryRecordType", "")).upper(), 3) < level]
        out.append((record, list(ancestors)))
        if level < 3:
            ancestors.append(record)
    return out


class _Problem(ValueError):
    """Why a DICOMDIR cannot be used, in our words."""


def _entries(chains, folder: Path) -> list[DicomdirEntry]:
    listing: dict[Path, dict[str, str]] = {}
    entries = []
    for record, ancestors in chains:
        file_id = record.get("ReferencedFileID")
        if not file_id:
            continue
        parts = _file_id_parts(file_id)
        if not parts:
            continue
        chain = [*ancestors, record]
        entries.append(DicomdirEntry(
            file_id=safe_text("/".join(parts), 200), path=_resolve(folder, parts, listing),
            record_type=str(record.get("DirectoryRecordType", "") or "?").upper(),
            study_instance_uid=_uid_of(chain, "STUDY", "StudyInstanceUID"),
            series_instance_uid=_uid_of(chain, "SERIES", "SeriesInstanceUID"),
            sop_instance_uid=str(record.get("ReferencedSOPInstanceUIDInFile", "") or ""),
        ))
    return entries


def _uid_of(chain: list[pydicom.Dataset], record_type: str, keyword: str) -> str:
    for record in chain:
        if str(record.get("DirectoryRecordType", "")).upper() == record_type:
            return str(record.get(keyword, "") or "")
    return ""


def read_dicomdir(dicomdir_path: str | Path, *, name: str | None = None) -> DicomdirIndex:
    """Read a DICOMDIR and resolve the files its records reference.

    Parameters
    ----------
    dicomdir_path
        The DICOMDIR file; its ``ReferencedFileID`` values are relative to its folder.
    name
        How messages refer to the DICOMDIR (default: its file name).

    Returns
    -------
    DicomdirIndex
        One entry per referenced file (in record order), missing files with ``path``
        None, and the files of the folder (walked recursively) that no record references.

    Raises
    ------
    DicomInputError
        When the file is not a readable DICOMDIR; its ``reason`` attribute holds the cause
        alone.
    """
    dicomdir_path = Path(dicomdir_path)
    name = name or dicomdir_path.name
    folder = dicomdir_path.parent
    try:
        if special_file_kind(dicomdir_path) is not None:
            raise _Problem("it is no regular file")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = pydicom.dcmread(dicomdir_path)
            if any("end of file" in str(w.message).lower() for w in caught):
                raise _Problem("the file is truncated")
            if "DirectoryRecordSequence" not in ds:
                raise _Problem("it has no DirectoryRecordSequence")
            chains = _walk_records(ds, os.path.getsize(dicomdir_path))
            entries = _entries(chains, folder)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - in our words: a reader's may quote bytes
        if isinstance(error, _Problem):
            reason = str(error)
        elif isinstance(error, InvalidDicomError):
            reason = "it is not a DICOM file"
        elif isinstance(error, EOFError):
            reason = "the file is truncated"
        elif isinstance(error, OSError):
            reason = "the file cannot be read from the disk"
        else:
            reason = "its records cannot be parsed"
        unreadable = DicomInputError(
            f"cannot read the DICOMDIR {safe_text(name)}: {reason}. Copy the media again, or "
            "remove the DICOMDIR so the images are found by walking the folder.",
            path=dicomdir_path, keyword="DirectoryRecordSequence")
        unreadable.reason = reason
        raise unreadable from None
    referenced = {os.path.normcase(os.path.abspath(e.path)) for e in entries if e.path}
    referenced.add(os.path.normcase(os.path.abspath(dicomdir_path)))
    unreferenced = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for file_name in sorted(files):
            path = Path(root) / file_name
            if os.path.normcase(os.path.abspath(path)) not in referenced:
                unreferenced.append(path)
    return DicomdirIndex(dicomdir_path, folder, tuple(entries), tuple(unreferenced))
