"""A small, fast reader of the few header elements discovery needs.

pydicom parses and converts every element it meets; scanning thousands of files only needs
some 30 top-level elements, so this module walks the byte stream itself: the Part 10
preamble and file meta group, then top-level elements (skipping sequences by their item
structure) up to PixelData, whose file offset and length it records. It handles Explicit
and Implicit VR Little Endian and the encapsulated (compressed) transfer syntaxes, whose
dataset is Explicit VR Little Endian. Anything else -- no ``DICM`` prefix, big endian,
deflate, an unusual character set, a structure it does not expect -- returns ``None`` and
the caller falls back to pydicom.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NATIVE_SYNTAXES", "PIXEL_DATA_TAG", "WANTED_TAGS", "NotDicomFile",
           "NotRegularFile", "RawHeader", "TruncatedFile", "read_raw_header",
           "special_file_kind"]

PIXEL_DATA_TAG = 0x7FE00010
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
             b"UT", b"UV"}
_IMPLICIT_LE = "1.2.840.10008.1.2"
#: The uncompressed little-endian transfer syntaxes (PS3.5 A.1, A.2): Implicit and Explicit
#: VR Little Endian, whose native pixel data is read straight from its file offset.
NATIVE_SYNTAXES = frozenset({_IMPLICIT_LE, "1.2.840.10008.1.2.1"})
_UNSUPPORTED = {"1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}  # big endian, deflate
_UNDEFINED = 0xFFFFFFFF
_CHARSETS = {"": "ascii", "ISO_IR 6": "ascii", "ISO_IR 100": "latin-1", "ISO_IR 192": "utf-8"}
_FIRST_READ = 4096  # most headers; a longer one is read on (a 16 KiB read costs 3x)
_MAX_HEADER_READ = 64 << 20  # never more than this read into memory for a header

#: keyword -> (tag, kind); kind is "text", "us" (binary unsigned short) or "number".
WANTED_TAGS = {
    "SpecificCharacterSet": (0x00080005, "text"),
    "ImageType": (0x00080008, "text"),
    "SOPClassUID": (0x00080016, "text"),
    "SOPInstanceUID": (0x00080018, "text"),
    "StudyDate": (0x00080020, "text"),
    "SeriesDate": (0x00080021, "text"),
    "AcquisitionDate": (0x00080022, "text"),
    "ContentDate": (0x00080023, "text"),
    "Modality": (0x00080060, "text"),
    "SeriesDescription": (0x0008103E, "text"),
    "PatientID": (0x00100020, "text"),
    "SliceThickness": (0x00180050, "text"),
    "StudyInstanceUID": (0x0020000D, "text"),
    "SeriesInstanceUID": (0x0020000E, "text"),
    "SeriesNumber": (0x00200011, "text"),
    "InstanceNumber": (0x00200013, "text"),
    "ImagePositionPatient": (0x00200032, "text"),
    "ImageOrientationPatient": (0x00200037, "text"),
    "FrameOfReferenceUID": (0x00200052, "text"),
    "SamplesPerPixel": (0x00280002, "us"),
    "PhotometricInterpretation": (0x00280004, "text"),
    "NumberOfFrames": (0x00280008, "text"),
    "Rows": (0x00280010, "us"),
    "Columns": (0x00280011, "us"),
    "PixelSpacing": (0x00280030, "text"),
    "BitsAllocated": (0x00280100, "us"),
    "BitsStored": (0x00280101, "us"),
    "PixelRepresentation": (0x00280103, "us"),
    "RescaleIntercept": (0x00281052, "text"),
    "RescaleSlope": (0x00281053, "text"),
}
_BY_TAG = {tag: (keyword, kind) for keyword, (tag, kind) in WANTED_TAGS.items()}


class TruncatedFile(EOFError):
    """The file ends before its header or its PixelData does (the message is ours and
    quotes nothing from the file)."""


class NotDicomFile(ValueError):
    """The file has no ``DICM`` prefix at byte 128: no DICOM Part 10 file (PS3.10 7.1, the
    128-byte preamble then the prefix), which pydicom's reader (``force=False``) refuses
    too."""


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a folder: never read."""


def _kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def special_file_kind(path: str | Path) -> str | None:
    """None for a regular file (or a link to one); else what the entry is, in words:
    ``"a FIFO (named pipe)"``, ``"a device"``, ``"a socket"``, ``"a dangling link"``,
    ``"a looping link"``, ``"a folder"``. Nothing is opened."""
    try:
        status = os.stat(path)
    except OSError as error:
        if os.path.islink(path):
            return "a looping link" if error.errno == errno.ELOOP else "a dangling link"
        return "an entry that cannot be examined"
    return None if stat.S_ISREG(status.st_mode) else _kind_of(status.st_mode)


class _NeedMore(Exception):
    """The buffer ended before the structure did."""


class _Unexpected(Exception):
    """A structure this reader does not handle: fall back to pydicom."""


@dataclass(frozen=True)
class RawHeader:
    """Values found (``None`` when absent), as str / int, and where PixelData lies."""

    values: dict[str, object]
    transfer_syntax_uid: str
    media_storage_sop_class_uid: str
    pixel_data_offset: int | None
    pixel_data_length: int | None
    file_size: int


_HEAD = struct.Struct("<HH2sH")  # group, element, VR, 16-bit length (explicit VR)
_HEAD_IMPLICIT = struct.Struct("<HHI")  # group, element, 32-bit length
_LENGTH = struct.Struct("<I")
_US = struct.Struct("<H").unpack_from
_SHORT_VRS = frozenset({b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS",
                        b"LO", b"LT", b"PN", b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL",
                        b"US"})


def _parse(data: bytes, pos: int, implicit: bool, end: int | None,
           found: dict[int, bytes] | None,
           complete: bool = False, progress: list[int] | None = None
           ) -> tuple[int, int | None, int | None]:
    """Walk elements from ``pos``; return (position, PixelData offset, PixelData length).

    ``end`` is the end of a defined-length container, or None for the top level (stop at
    PixelData) / an undefined-length item (stop at its delimiter). ``complete`` says that
    ``data`` is the whole file, so the top level may end without PixelData. ``progress``
    (top level): on ``_NeedMore``, its first item is set to the start of the element that
    did not fit, so that the walk resumes there with more data (and the same ``found``).
    """
    head, head_implicit, long_length = _HEAD.unpack_from, _HEAD_IMPLICIT.unpack_from, \
        _LENGTH.unpack_from
    size = len(data)
    wanted = _BY_TAG if found is not None else {}
    element_start = pos
    try:
        while end is None or pos < end:
            element_start = pos
            if pos + 8 > size:
                if complete and pos == size:
                    return pos, None, None
                raise _NeedMore
            if not implicit:
                group, element, vr, length = head(data, pos)
                if group < 0x7FE0 and vr in _SHORT_VRS:
                    # The common element, as below: neither an item, a delimiter nor PixelData
                    # (group 7FE0 or FFFE), and a 16-bit length is never undefined.
                    pos += 8
                    tag = (group << 16) | element
                    if tag in wanted:
                        if pos + length > size:
                            raise _NeedMore
                        found[tag] = data[pos:pos + length]  # type: ignore[index]
                    pos += length
                    continue
            if implicit:
                group, element, length = head_implicit(data, pos)
                tag = (group << 16) | element
                if tag == _ITEM_END or tag == _SEQUENCE_END:
                    return pos + 8, None, None
                vr = b"SQ" if length == _UNDEFINED else None
                pos += 8
            else:
                group, element, vr, length = head(data, pos)
                tag = (group << 16) | element
                if tag == _ITEM_END or tag == _SEQUENCE_END:
                    return pos + 8, None, None
                if group == 0xFFFE:
                    length = long_length(data, pos + 4)[0]
                    vr = b"SQ" if length == _UNDEFINED else None
                    pos += 8
                elif vr in _SHORT_VRS:
                    pos += 8
                elif vr in _LONG_VRS:
                    if pos + 12 > size:
                        raise _NeedMore
                    length = long_length(data, pos + 8)[0]
                    pos += 12
                elif vr.isalpha() and vr.isupper():
                    pos += 8
                else:
                    raise _Unexpected(f"bad VR {vr!r}")
            if found is not None and tag == PIXEL_DATA_TAG:
                return pos, pos, length
            if length == _UNDEFINED:
                # An undefined-length UN element holds an Implicit VR sequence (PS3.5 6.2.2).
                pos = _skip_undefined_sequence(data, pos, implicit or vr == b"UN")
                continue
            if found is not None and tag in _BY_TAG:
                if pos + length > size:
                    raise _NeedMore
                found[tag] = data[pos:pos + length]
            pos += length
    except (_NeedMore, struct.error):
        if progress is not None:  # resume at the element that did not fit
            progress[0] = element_start
        raise
    return pos, None, None


def _skip_undefined_sequence(data: bytes, pos: int, implicit: bool) -> int:
    unpack = struct.unpack_from
    while True:
        if pos + 8 > len(data):
            raise _NeedMore
        group, element = unpack("<HH", data, pos)
        tag = (group << 16) | element
        length = unpack("<I", data, pos + 4)[0]
        pos += 8
        if tag == _SEQUENCE_END:
            return pos
        if tag != _ITEM:
            raise _Unexpected(f"tag {tag:08X} inside a sequence")
        if length == _UNDEFINED:
            pos, _, _ = _parse(data, pos, implicit, None, None)
        else:
            pos += length


def _meta(data: bytes) -> tuple[int, dict[int, bytes]]:
    pos, meta, size = 132, {}, len(data)
    head, long_length = _HEAD.unpack_from, _LENGTH.unpack_from
    while pos + 8 <= size:
        group, element, vr, length = head(data, pos)
        if group != 0x0002:
            break
        if vr in _LONG_VRS:
            if pos + 12 > size:
                raise struct.error("the buffer ends inside an element")
            length = long_length(data, pos + 8)[0]
            pos += 12
        else:
            pos += 8
        if length == _UNDEFINED or pos + length > size:
            raise _NeedMore
        meta[(group << 16) | element] = data[pos:pos + length]
        pos += length
    return pos, meta


def _text(raw: bytes, encoding: str) -> str:
    return raw.decode(encoding, errors="replace").strip(" \x00")


def read_raw_header(path: str | Path, *, refuse_non_dicom: bool = False) -> RawHeader | None:
    """Return the wanted header values of ``path``, or None to ask for pydicom's reader.

    A file without the ``DICM`` prefix gives None too, or with ``refuse_non_dicom``
    raises :class:`NotDicomFile` (said from the bytes already read: the file is opened
    once).

    Raises
    ------
    EOFError
        When the file ends before its PixelData (truncated).
    NotDicomFile
        With ``refuse_non_dicom``, when the file has no ``DICM`` prefix.
    """
    # Opened without blocking and checked to be a regular file before any read: a FIFO or
    # a device put in a series folder never hangs the reader.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        status = os.fstat(descriptor)
    except OSError:
        os.close(descriptor)
        raise
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise NotRegularFile(f"{_kind_of(status.st_mode)}, not a regular file")
    file_size = status.st_size
    try:
        data = os.read(descriptor, _FIRST_READ)
        # Where the walk of the top-level elements got to, and what it found: a longer
        # header is read on and the walk resumed, not started again.
        progress: list[int] = [0]
        found: dict[int, bytes] = {}
        while True:
            if len(data) < 132 or data[128:132] != b"DICM":
                if refuse_non_dicom:
                    raise NotDicomFile("no DICM prefix at byte 128")
                return None
            try:
                result = _read(data, file_size, progress, found)
            except _Unexpected:
                return None
            except (_NeedMore, struct.error):
                if len(data) >= file_size:
                    raise TruncatedFile("the file ends inside its header") from None
                if len(data) >= _MAX_HEADER_READ:
                    return None  # a header this long is pydicom's (it defers large values)
                data += _read_at(descriptor, len(data), max(len(data), _FIRST_READ))
                continue
            if result is None:
                return None
            values, syntax, sop_class, offset, length = result
            if offset is not None and length == _UNDEFINED:
                _check_fragments(descriptor, offset, file_size)
            elif offset is not None and offset + length > file_size:
                raise TruncatedFile(f"PixelData needs {length} bytes from offset {offset}, "
                               f"the file has {file_size}")
            return RawHeader(values, syntax, sop_class, offset, length, file_size)
    finally:
        os.close(descriptor)


def _read_at(descriptor: int, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes from ``offset`` (fewer only at the end of the file)."""
    chunks = []
    while size > 0:
        chunk = os.pread(descriptor, size, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read(data: bytes, file_size: int, progress: list[int], found: dict[int, bytes]):
    """The header's values from ``data`` (the file's first bytes); ``progress`` and
    ``found``: where an earlier call on fewer bytes got to (``_parse``)."""
    pos, meta = _meta(data)
    syntax = _text(meta.get(0x00020010, b""), "ascii")
    if not syntax or syntax in _UNSUPPORTED:
        return None
    complete = len(data) >= file_size
    _, offset, length = _parse(data, max(pos, progress[0]), syntax == _IMPLICIT_LE, None,
                               found, complete, progress)
    charset = _text(found.get(0x00080005, b""), "ascii").split("\\")[-1].strip()
    encoding = _CHARSETS.get(charset)
    if encoding is None:
        return None
    values: dict[str, object] = {}
    for tag, raw in found.items():
        keyword, kind = _BY_TAG[tag]
        if kind == "us":
            values[keyword] = _US(raw)[0] if len(raw) >= 2 else None
        else:  # as _text
            values[keyword] = raw.decode(encoding, errors="replace").strip(" \x00")
    sop_class = _text(meta.get(0x00020002, b""), "ascii")
    return values, syntax, sop_class, offset, length


def _check_fragments(descriptor: int, offset: int, file_size: int) -> None:
    """Walk the encapsulated fragments' item headers; EOFError if the file is cut short."""
    walk_fragments(offset, file_size, lambda pos: _read_at(descriptor, pos, 8))


def walk_fragments(offset: int, file_size: int, read: Callable[[int], bytes]) -> None:
    """Walk the item headers of encapsulated PixelData whose value starts at ``offset``
    (PS3.5 A.4: items, then the sequence delimiter), ``read(pos)`` giving the 8 bytes at
    ``pos``; raise :class:`TruncatedFile` where the file ends first or another tag or an
    undefined item length comes."""
    pos = offset
    while True:
        if pos + 8 > file_size:
            raise TruncatedFile("the file ends inside its encapsulated PixelData")
        group, element, length = struct.unpack("<HHI", read(pos))
        tag = (group << 16) | element
        pos += 8
        if tag == _SEQUENCE_END:
            return
        if tag != _ITEM or length == _UNDEFINED:
            raise TruncatedFile(f"unexpected tag {tag:08X} in the encapsulated PixelData")
        pos += length
