"""The fast header reader's walk, done for many files at once with numpy.

:func:`dicom_io.fast_header.read_raw_header` walks one file's elements in Python, some
50 steps of a loop per CT header. Here the first 4 KiB of up to :data:`BATCH` files sit
in one array, and each step of the walk reads the next element's tag, VR and length of
every file still walking in a few vectorised operations: as many steps as the longest
header has elements, whatever the number of files.

It walks only the common layout: the file meta group and the dataset's elements in
Explicit VR Little Endian (or an encapsulated syntax, whose dataset is the same), known
VRs, defined lengths, every element up to PixelData in the first read, and a character
set the fast reader knows. A file that leaves that layout anywhere -- implicit VR, an
undefined-length sequence, a header longer than the first read, no PixelData, an
unusual VR or character set, a binary unsigned short shorter than 2 bytes (alone: its
keyword with ``None``), a truncated file, anything that cannot be opened -- gets
``None``, and the caller reads it with ``read_raw_header`` (and pydicom after it), which
gives its header or its error exactly as it would have alone. A file read here gives
the same :class:`~dicom_io.fast_header.RawHeader` as ``read_raw_header``
(``tests/dicom_io/header_columns/test_header_columns.py`` compares them).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dicom_io.fast_header import (
    _BY_TAG,
    _CHARSETS,
    _FIRST_READ,
    _IMPLICIT_LE,
    _ITEM,
    _LONG_VRS,
    _SEQUENCE_END,
    _SHORT_VRS,
    _UNDEFINED,
    _UNSUPPORTED,
    NATIVE_SYNTAXES,
    PIXEL_DATA_TAG,
    WANTED_TAGS,
    RawHeader,
    TruncatedFile,
    _check_fragments,
    walk_fragments,
)

__all__ = ["BATCH", "RawColumns", "read_raw_columns", "read_raw_headers"]

#: Files walked together (their first reads held at once: 4 KiB each).
BATCH = 1024

_PAD = 16  # bytes after each first read, so that an element's fixed part is always there
_SYNTAX_TAG, _CLASS_TAG = 0x00020010, 0x00020002
_CHARSET_TAG = 0x00080005


def _codes(vrs: set[bytes] | frozenset[bytes]) -> np.ndarray:
    return np.array(sorted(vr[0] | vr[1] << 8 for vr in vrs), dtype=np.int64)


_VR_KIND = np.zeros(1 << 16, dtype=np.int8)  # VR as a little-endian 16-bit code: 1 short, 2 long
_VR_KIND[_codes(_SHORT_VRS)] = 1
_VR_KIND[_codes(_LONG_VRS)] = 2
_RECORDED = np.array(sorted([*_BY_TAG, _SYNTAX_TAG, _CLASS_TAG]), dtype=np.int64)
#: Header size of an element by its VR's code: 8 (short), 12 (long), or beyond any first
#: read for an unknown VR (so that its file stops there).
_HEAD_SIZE = np.where(_VR_KIND == 2, 12, np.where(_VR_KIND == 1, 8, 1 << 40)).astype(np.int64)
_FIXED = 12  # bytes of an element's fixed part: group, element, VR, length (2 or 4 + 2)
_WIDTH = _FIRST_READ + _PAD


@dataclass
class RawColumns:
    """The headers read, by column: entry ``i`` of each list is file ``indices[i]``.

    ``values[keyword]``: text values decoded and unpadded (``str``), binary unsigned
    shorts as ``int``, ``None`` where the file lacks the element -- each what
    ``read_raw_header`` gives in ``RawHeader.values`` (``values.get(keyword)``).
    """

    indices: list[int]
    values: dict[str, list[Any]]
    transfer_syntax_uid: list[str]
    media_storage_sop_class_uid: list[str]
    pixel_data_offset: list[int]
    pixel_data_length: list[int]
    file_size: list[int]
    #: The regular files read whose bytes 128-131 are not ``DICM`` (or that are shorter):
    #: no DICOM Part 10 file, as ``read_raw_header`` finds (``NotDicomFile``).
    not_dicom: list[int] = field(default_factory=list)


def read_raw_columns(paths: Sequence[str | Path]) -> RawColumns:
    """``read_raw_header`` of the paths it can read in a batch (module docstring), by
    column; the others (not in ``indices``) are to be read on their own.

    Never raises for a file: whatever is wrong with one (it cannot be opened, it is no
    regular file, no DICOM, truncated, ...) is left to ``read_raw_header``. Text values
    are read here only when every byte is printable ASCII (a value's last byte may be a
    NUL pad), where every character set the fast reader knows decodes them alike.
    """
    columns = RawColumns([], {keyword: [] for keyword in WANTED_TAGS}, [], [], [], [], [])
    for start in range(0, len(paths), BATCH):
        _read_chunk(paths[start:start + BATCH], start, columns)
    return columns


def read_raw_headers(paths: Sequence[str | Path]) -> list[RawHeader | None]:
    """``read_raw_header`` of each path, or ``None`` where it must be read on its own
    (``read_raw_columns`` as one ``RawHeader`` per file)."""
    columns = read_raw_columns(paths)
    found: list[RawHeader | None] = [None] * len(paths)
    for i, k in enumerate(columns.indices):
        values = {keyword: column[i] for keyword, column in columns.values.items()
                  if column[i] is not None}
        found[k] = RawHeader(values, columns.transfer_syntax_uid[i],
                             columns.media_storage_sop_class_uid[i],
                             columns.pixel_data_offset[i], columns.pixel_data_length[i],
                             columns.file_size[i])
    return found


def _first_reads(paths: Sequence[str | Path], buffer: np.ndarray
                 ) -> tuple[list[int], list[int], list[int], list[bytes | None], list[int]]:
    """Read the first bytes of each regular file that starts as DICOM into the next row of
    ``buffer``; return ``(indices, bytes read, file sizes, last bytes)`` of those rows, and
    the indices of the regular files read that do not start as DICOM.

    A file whose transfer syntax looks encapsulated (:class:`_SyntaxGuess`) and that is
    longer than its first read has its last :data:`_TAIL` bytes read too, while it is
    open: where its PixelData's sequence delimiter usually lies (``_fragments_complete``).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO never blocks (as alone)
    indices: list[int] = []
    counts: list[int] = []
    sizes: list[int] = []
    tails: list[bytes | None] = []
    not_dicom: list[int] = []
    buffer[:, _FIRST_READ:] = 0  # the pad after each row's first read (never read into)
    flat = memoryview(buffer.reshape(-1))  # type: ignore[arg-type]
    guess = _SyntaxGuess()
    at = 0  # where the next row starts in ``flat``
    for k, path in enumerate(paths):
        try:
            descriptor = os.open(path, flags)
        except OSError:
            continue
        row = flat[at:at + _FIRST_READ]
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                continue
            count = os.readv(descriptor, [row])
            if count < 132 or row[128:132] != b"DICM":
                not_dicom.append(k)
                continue
            tail = None
            size = status.st_size
            if size - _TAIL >= count and guess.encapsulated(row[:min(count, _META_READ)]):
                tail = os.pread(descriptor, _TAIL, size - _TAIL)
        except OSError:
            continue
        finally:
            os.close(descriptor)
        if count < _FIRST_READ:
            row[count:] = bytes(_FIRST_READ - count)  # what an earlier file left there
        at += _WIDTH
        indices.append(k)
        counts.append(count)
        sizes.append(size)
        tails.append(tail)
    return indices, counts, sizes, tails, not_dicom


_TAIL = 8  # the last bytes of a file read ahead: an encapsulated PixelData's delimiter
_META_READ = 1024  # where a first read's transfer syntax is looked for
_SYNTAX_HEAD = b"\x02\x00\x10\x00UI"  # (0002,0010) UI, little endian
_NATIVE_UIDS = frozenset(uid.encode("ascii") for uid in NATIVE_SYNTAXES)  # as bytes


class _SyntaxGuess:
    """Whether the transfer syntax in a file's first bytes is not a native little-endian
    one. A guess from the first (0002,0010) UI seen: it only decides whether a file's
    last bytes are read ahead (a wrong guess costs a read or an opening, not a value).
    The element last found is remembered: a file with the same bytes at the same place
    (the files of a series, mostly) gets its verdict without a search."""

    def __init__(self) -> None:
        self.at, self.element, self.verdict = 0, b"", False

    def encapsulated(self, first: memoryview) -> bool:
        at, element = self.at, self.element
        if element and at + len(element) <= len(first) \
                and first[at:at + len(element)] == element:
            return self.verdict
        data = first.tobytes()
        at = data.find(_SYNTAX_HEAD, 132)
        if at < 0 or at + 8 > len(data):
            return False
        end = at + 8 + (data[at + 6] | data[at + 7] << 8)
        verdict = data[at + 8:end].strip(b" \x00") not in _NATIVE_UIDS
        self.at, self.element, self.verdict = at, data[at:end], verdict
        return verdict


def _walk(flat: np.ndarray, available: np.ndarray) -> tuple[np.ndarray, ...]:
    """Walk every file's elements from offset 132 up to PixelData, all files per step.

    ``flat``: the first reads, file ``j`` at ``j * _WIDTH``. Returns ``(walked, pixel
    offset, pixel length, file, tag, value position, value length)`` -- ``walked[j]`` is
    False where file ``j`` left the common layout -- with one entry per recorded element
    (the wanted ones, and the meta group's transfer syntax and SOP class) of the files
    walked, in the order of the walk.

    A file leaves the common layout at an element with an unknown VR or whose value
    starts beyond its first read, at an item, a delimiter or anything else after
    PixelData, at an undefined length other than PixelData's, at a meta element after
    the dataset began, or at a recorded element whose value ends beyond its first read.
    The loop tests only what ends a walk -- an element whose value starts beyond the
    first read (an unknown VR counts as a header longer than any read; an undefined
    length, or a value ending beyond the read, puts the next element there) or PixelData's
    group -- so that a step is a few array operations; a meta element after the dataset
    began is found afterwards among the elements walked, and only the files walked to
    their PixelData keep their elements.
    """
    n = len(available)
    walked = np.ones(n, dtype=bool)
    pixel_offset = np.full(n, -1, dtype=np.int64)
    pixel_length = np.zeros(n, dtype=np.int64)
    steps: list[tuple[np.ndarray, ...]] = []
    # The files still walking, and for each: where it is in ``flat``, where its first
    # read ends, the last place a fixed part can be read, and where its bytes start.
    active = np.arange(n)
    base = active * _WIDTH
    pos = base + 132
    end = base + available.astype(np.int64)
    limit = base + (_WIDTH - _FIXED)
    # Row ``p`` of ``window``: the 12 bytes from ``flat[p]`` (a view, no copy).
    window = np.lib.stride_tricks.as_strided(flat, (len(flat) - _FIXED + 1, _FIXED), (1, 1),
                                             writeable=False)
    while active.size:
        fixed = window[np.minimum(pos, limit)]
        quads, words = fixed.view("<u4"), fixed.view("<u2")
        head = _HEAD_SIZE[words[:, 2]]
        length = np.where(head == 12, quads[:, 2], words[:, 3])
        value = pos + head
        # PixelData's group or beyond (rare; a few elements of group 7FE0 come before it)
        maybe = (value > end) | (words[:, 0] >= PIXEL_DATA_TAG >> 16)
        if maybe.any():
            tag = words[:, 0].astype(np.int64) << 16 | words[:, 1]
            stop = (value > end) | (tag >= PIXEL_DATA_TAG)
            done = stop & (tag == PIXEL_DATA_TAG) & (value <= end)
            pixel_offset[active[done]] = (value - base)[done]
            pixel_length[active[done]] = length[done]
            walked[active[stop & ~done]] = False
            going = ~stop
            steps.append((active[going], quads[going, 0], value[going], length[going]))
            active, base, end, limit = active[going], base[going], end[going], limit[going]
            pos = (value + length)[going]
        else:
            steps.append((active, quads[:, 0], value, length))
            pos = value + length
    files, swapped, values, lengths = (np.concatenate(part) for part in zip(*steps))
    # a fixed part's first 4 bytes read as group | element << 16: the tag swapped
    tags = (swapped & 0xFFFF).astype(np.int64) << 16 | swapped >> 16
    # A meta element after the dataset began: a file's meta element after a non-meta one.
    # A file walked has an element at every step until it stops, so an element's step is
    # its place in its file: its meta elements must be its first ones.
    place = np.repeat(np.arange(len(steps)), [len(step[0]) for step in steps])
    meta = (tags >> 16) == 0x0002
    walked[files[meta & (place >= np.bincount(files[meta], minlength=n)[files])]] = False
    recorded = _RECORDED[np.minimum(np.searchsorted(_RECORDED, tags), len(_RECORDED) - 1)] \
        == tags
    keep = recorded & walked[files]
    files, tags, values, lengths = files[keep], tags[keep], values[keep], lengths[keep]
    return (walked, pixel_offset, pixel_length, files, tags, values - files * _WIDTH,
            lengths.astype(np.int64))


_NUL, _SPACE = 0x00, 0x20  # stripped from both ends of a text
_LINE = 0x0A


def _texts(flat: np.ndarray, files: np.ndarray, starts: np.ndarray, lengths: np.ndarray
           ) -> tuple[list[Any], np.ndarray]:
    """Text values at ``starts`` (file offsets) of ``files`` in ``flat`` (the first reads),
    unpadded; ``None`` for a value that is not printable ASCII (which decodes alike in
    every character set the fast reader knows): its file is read on its own.

    The values are stripped of spaces and NULs at both ends and gathered end to end, each
    with the byte after it set to a line break for the gathering (that byte is a pad or
    the next element's first byte, in no value; ``flat`` is as it was on return), in a
    few array steps; one decoding and one split give them all.
    """
    begins = files * _WIDTH + starts
    ends = begins + lengths
    while True:  # strip the ends (DICOM pads a value with one byte; more is rare)
        last, head = flat[np.maximum(ends - 1, 0)], flat[begins]
        trailing = (ends > begins) & ((last == _NUL) | (last == _SPACE))
        leading = (ends > begins) & ((head == _NUL) | (head == _SPACE))
        if not (trailing.any() or leading.any()):
            break
        ends -= trailing
        begins += leading & (ends > begins)
    sizes = ends - begins
    runs = sizes + 1  # a value and its line break
    saved = flat[ends]
    flat[ends] = _LINE
    try:
        laid = flat[np.repeat(begins - (np.cumsum(runs) - runs), runs)
                    + np.arange(int(runs.sum()))]
    finally:
        flat[ends] = saved
    text = laid.tobytes().decode("latin-1")
    values: list[Any] = text.split("\n")[:-1]
    # printable ASCII (0x20-0x7E) or a line break: as text.isascii() and the text with
    # spaces for line breaks .isprintable(), on the bytes
    if len(values) == len(sizes) and bool((((laid - _SPACE) < 0x5F) | (laid == _LINE)).all()):
        return values, np.ones(len(sizes), dtype=bool)
    # A line break inside a value (not printable) shifts the split: value by value.
    values = [(flat[a:b].tobytes().decode("latin-1"))
              for a, b in zip(begins.tolist(), ends.tolist())]
    values = [value if value.isascii() and value.isprintable() else None for value in values]
    return values, np.array([value is not None for value in values], dtype=bool)


def _read_chunk(paths: Sequence[str | Path], first_index: int, columns: RawColumns) -> None:
    buffer = np.empty((len(paths), _WIDTH), dtype=np.uint8)
    indices, counts, sizes, tails, not_dicom = _first_reads(paths, buffer)
    columns.not_dicom.extend(first_index + k for k in not_dicom)
    n = len(indices)
    if n == 0:
        return
    flat = buffer[:n].reshape(-1)
    available = np.array(counts, dtype=np.int64)
    walked, pixel_offset, pixel_length, files, tags, starts, lengths = _walk(flat, available)
    order = np.argsort(tags * n + files)  # by tag, then file (one key: one sort)
    files, tags, starts, lengths = files[order], tags[order], starts[order], lengths[order]
    # A file with a recorded element twice is read on its own (simplest: no "last wins").
    twice = (files[1:] == files[:-1]) & (tags[1:] == tags[:-1])
    walked[files[1:][twice]] = False
    first = np.flatnonzero(np.diff(tags, prepend=-1))  # each tag's first row (sorted)
    distinct = tags[first]
    bounds = [*first.tolist(), len(tags)]
    # Every text value of every tag stripped, checked and decoded in one ``_texts`` call
    # (a call per tag cost its fixed numpy steps some 20 times over).
    is_text = [tag in (_SYNTAX_TAG, _CLASS_TAG) or _BY_TAG[tag][1] == "text"
               for tag in distinct.tolist()]
    text_rows = np.repeat(np.array(is_text, dtype=bool), np.diff(bounds))
    strings, good = _texts(flat, files[text_rows], starts[text_rows], lengths[text_rows])
    walked[files[text_rows][~good]] = False
    # Every binary unsigned short at once; shorter than 2 bytes: read on its own, which
    # keeps the keyword with None (a column's None here means "absent")
    us_rows = ~text_rows
    f, s = files[us_rows], starts[us_rows]
    walked[f[lengths[us_rows] < 2]] = False
    low = flat[f * _WIDTH + np.minimum(s, _WIDTH - 2)].astype(np.int64)
    high = flat[f * _WIDTH + np.minimum(s + 1, _WIDTH - 1)].astype(np.int64)
    shorts = (low | high << 8).tolist()
    # Whether a tag's files are 0, 1, ..., n - 1 (every file has it, once): n of them,
    # each file after the one before (files are sorted within a tag)
    steps_back = np.concatenate([[0], np.cumsum(files[1:] <= files[:-1])])
    table: dict[int, list[Any]] = {}
    at_text = at_short = 0  # where the next tag's values start in ``strings``, ``shorts``
    for e, tag in enumerate(distinct.tolist()):
        low_end, high_end = bounds[e], bounds[e + 1]
        size = high_end - low_end
        if is_text[e]:
            values, at_text = strings[at_text:at_text + size], at_text + size
        else:
            values, at_short = shorts[at_short:at_short + size], at_short + size
        if size == n and steps_back[high_end - 1] == steps_back[low_end]:
            table[tag] = values
            continue
        column: list[Any] = [None] * n
        for j, value in zip(files[low_end:high_end].tolist(), values):
            column[j] = value
        table[tag] = column
    keep = walked.copy()
    absent: list[Any] = [None] * n
    syntax = table.get(_SYNTAX_TAG, absent)
    sop_class = table.get(_CLASS_TAG, absent)
    charset = table.get(_CHARSET_TAG, absent)
    readable = {(uid, chars): not (  # by (syntax, character set): a few
        not uid or uid in _UNSUPPORTED or uid == _IMPLICIT_LE
        or _CHARSETS.get(str(chars or "").split("\\")[-1].strip()) is None)
        for uid, chars in set(zip(syntax, charset))}
    if not all(readable.values()):
        keep &= np.array([readable[pair] for pair in zip(syntax, charset)], dtype=bool)
    file_sizes = np.array(sizes, dtype=np.int64)
    encapsulated = pixel_length == _UNDEFINED
    keep &= encapsulated | (pixel_offset + pixel_length <= file_sizes)
    framed = np.flatnonzero(keep & encapsulated)
    for j in framed[~_one_fragment_complete(flat, framed, pixel_offset[framed], available[
            framed], file_sizes[framed], [tails[j] for j in framed.tolist()])].tolist():
        read = flat[j * _WIDTH:j * _WIDTH + counts[j]]
        if not _fragments_complete(paths[indices[j]], int(pixel_offset[j]), sizes[j], read,
                                   tails[j]):
            keep[j] = False
    chosen = np.flatnonzero(keep).tolist()
    every = len(chosen) == n

    def pick(column: list[Any]) -> list[Any]:
        return column if every else [column[j] for j in chosen]

    columns.indices.extend(first_index + indices[j] for j in chosen)
    for keyword, (tag, _) in WANTED_TAGS.items():
        columns.values[keyword].extend(pick(table.get(tag, absent)))
    columns.transfer_syntax_uid.extend(pick(syntax))  # type: ignore[arg-type]
    columns.media_storage_sop_class_uid.extend(value or "" for value in pick(sop_class))
    columns.pixel_data_offset.extend(pixel_offset[chosen].tolist())
    columns.pixel_data_length.extend(pixel_length[chosen].tolist())
    columns.file_size.extend(pick(sizes))


def _tag_bytes(tag: int) -> bytes:
    """A tag as a little-endian file holds it: group, then element.

    >>> _tag_bytes(0xFFFEE0DD)
    b'\\xfe\\xff\\xdd\\xe0'
    """
    return (tag >> 16).to_bytes(2, "little") + (tag & 0xFFFF).to_bytes(2, "little")


_ITEM_HEAD = int.from_bytes(_tag_bytes(_ITEM), "little")  # an item's tag as a 32-bit word
_DELIMITER = _tag_bytes(_SEQUENCE_END)


def _one_fragment_complete(flat: np.ndarray, files: np.ndarray, offsets: np.ndarray,
                           counts: np.ndarray, sizes: np.ndarray, tails: list[bytes | None]
                           ) -> np.ndarray:
    """Which of ``files`` (rows of ``flat``) have the common encapsulated PixelData,
    complete: from ``offsets``, an item (the basic offset table) and another (the frame's
    one fragment), both of defined length and with their headers in the first read, then
    the sequence delimiter in the last 8 bytes read ahead (``tails``), where the second
    item ends. Each is what ``walk_fragments`` finds of such a file (``True``); any other
    file (``False``) is walked by ``_fragments_complete``, whatever it holds."""
    base = files.astype(np.int64) * _WIDTH
    pos = offsets.astype(np.int64)
    complete = np.ones(len(files), dtype=bool)
    for _item in range(2):  # the offset table, the fragment
        complete &= pos + 8 <= counts
        head = flat[(base + np.where(complete, pos, 0))[:, None] + np.arange(8)].view("<u4")
        complete &= (head[:, 0] == _ITEM_HEAD) & (head[:, 1] != _UNDEFINED)  # tag, length
        pos = pos + 8 + head[:, 1].astype(np.int64)
    delimited = np.array([tail is not None and len(tail) == _TAIL and tail[:4] == _DELIMITER
                          for tail in tails], dtype=bool)
    return complete & delimited & (pos == sizes - _TAIL)


class _NotRead(Exception):
    """Bytes neither in a file's first read nor in its last bytes read ahead."""


def _fragments_complete(path: str | Path, offset: int, file_size: int, first: np.ndarray,
                        tail: bytes | None) -> bool:
    """Whether the encapsulated PixelData's fragments are all in the file (as alone:
    :func:`dicom_io.fast_header.walk_fragments`). Its item headers are read from the
    file's first read (``first``) and its last bytes read ahead (``tail``) while they lie
    there -- a frame or two of a file whose delimiter ends it -- else from the file."""
    def read(pos: int) -> bytes:
        if pos + 8 <= len(first):
            return first[pos:pos + 8].tobytes()
        if tail is not None and len(tail) == _TAIL and pos == file_size - _TAIL:
            return tail
        raise _NotRead

    try:
        walk_fragments(offset, file_size, read)
    except TruncatedFile:
        return False
    except _NotRead:
        pass
    else:
        return True
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        _check_fragments(descriptor, offset, file_size)
    except (TruncatedFile, OSError, ValueError):
        return False
    finally:
        os.close(descriptor)
    return True
