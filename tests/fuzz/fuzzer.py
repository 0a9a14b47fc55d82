"""A deterministic fuzzer of recist's inputs (issue #13).

Each case is built from one integer seed: a mutation family (DICOM bytes, element
lengths, VRs, tags, transfer syntax, header values, special files, zip; measurements,
patients and drawn-lines tables: types, sizes, encodings, dates, duplicates; criteria
TOML) applied to a small valid input, then one or two ``recist`` commands run in this
process (``recist.cli.main``) with a time limit. The judge fails a case that

* ends in an internal error (exit 70, "Traceback", "internal error"), or runs past the
  time limit (a hang);
* prints a DICOM identifier planted in the series (patient name, ID, birth date) on
  stderr, or anywhere on stdout but the patient column of ``scan``'s listing;
* refuses with anything but one line of at most 300 characters, or with Python's own
  words ("could not convert", "invalid literal", "[Errno" …);
* succeeds with an impossible number in what it wrote (a diameter or thickness outside
  the plausibility bounds, an empty scan date, an infinite sum, a negative duration) or
  files the lesions under another patient.

``python tests/fuzz/run_fuzz.py --cases N --seed S`` runs it from the command line
(``make fuzz``); ``tests/fuzz/test_fuzz.py`` runs a short run and every seed of
``regressions.txt`` in ``make test``.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import math
import os
import random
import re
import shutil
import signal
import socket
import struct
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

#: Identifying values planted in every DICOM file (and in damaged elements).
PATIENT_NAME = "Doe^Jane"
PATIENT_ID = "HOSP123456"
BIRTH_DATE = "19700101"
SECRETS = (PATIENT_NAME, "Doe^", PATIENT_ID, BIRTH_DATE)

MAX_LINE = 300
PYTHON_WORDS = ("could not convert", "invalid literal", "[Errno", "object has no attribute",
                "NoneType", "unsupported operand", "Traceback", "KeyError", "IndexError",
                "index out of", "not supported for", "dtype", "unhashable", "takes ",
                "positional argument", "got an unexpected", "ufunc", "codec can't")

MEASUREMENTS_HEADER = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal",
                       "ld_mm", "sa_mm", "status", "slice_thickness_mm"]
MEASUREMENTS = [
    ["P1", "2024-01-08", "V0", "T1", "target", "lung", "false", "20.0", "", "measured", "5.0"],
    ["P1", "2024-01-08", "V0", "T2", "target", "mediastinal lymph node", "true", "24", "17.5",
     "measured", "5.0"],
    ["P1", "2024-01-08", "V0", "N1", "non-target", "pleura", "false", "", "", "present", ""],
    ["P1", "2024-03-11", "V1", "T1", "target", "lung", "false", "12.0", "", "measured", "5.0"],
    ["P1", "2024-03-11", "V1", "T2", "target", "mediastinal lymph node", "true", "12", "8.5",
     "measured", "5.0"],
    ["P1", "2024-03-11", "V1", "N1", "non-target", "pleura", "false", "", "", "absent", ""],
    ["P1", "2024-05-13", "V2", "T1", "target", "lung", "false", "", "", "too_small", "5.0"],
    ["P1", "2024-05-13", "V2", "T2", "target", "mediastinal lymph node", "true", "9", "6",
     "absent", "5.0"],
    ["P1", "2024-05-13", "V2", "NEW1", "new", "liver", "false", "", "", "equivocal", ""],
    ["P2", "2024-02-01", "BL", "T1", "target", "liver", "false", "35.5", "", "measured", "2.5"],
    ["P2", "2024-04-01", "W8", "T1", "target", "liver", "false", "45.0", "", "measured", "2.5"],
]
PATIENTS_HEADER = ["patient_id", "start_date", "death_date", "last_contact_date",
                   "new_therapy_date", "arm"]
PATIENTS = [["P1", "2024-01-10", "", "2024-06-01", "", "A"],
            ["P2", "2024-02-03", "", "", "", "B"]]
LINES_HEADER = ["lesion_id", "kind", "organ", "nodal", "axis", "sop_instance_uid", "x1", "y1",
                "x2", "y2"]

HOSTILE_CELLS = [
    "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e999", "1e-320",
    "-0", "0", "1000.1", "-1", "abc", "1,5", "\u0661\u0662", "0x10", "  12  ", "12mm",
    "TRUE", "None", "null", "\x00", "1" * 400, "2024-02-30", "1899-12-31", "2262-04-12",
    "9999-12-31", "0000-00-00", "2024/01/08", "20240108", "2024-1-8", "today", "P1", "T1",
    '"', "'", "=1+1", "\r", "\n", "target", "non-target", "new", "measured", "absent",
    "present", "unequivocal", "x" * 140_000, "\ufeff", "é", "\u202e", "true", "maybe",
]
HOSTILE_DATES = ["1899-12-31", "1900-01-01", "1900-01-02", "1901-03-11", "2262-04-12",
                 "9999-12-31", "0001-01-01", "2024-02-30", "2024-13-01", "2024-00-10",
                 "24-01-08", "2024-1-8", "2024/01/08", "08.01.2024", "20240108", "",
                 "2024-01-08T10:00", " 2024-01-08 "]


def _future(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# ----------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One input and the commands run on it."""

    seed: int
    family: str
    description: str = ""
    commands: list[list[str]] = field(default_factory=list)
    kind: str = "table"  # "dicom" or "table"
    expect_patient: str | None = None  # the PatientID every written row must carry


@dataclass
class Outcome:
    """What one command did."""

    argv: list[str]
    status: int | None
    stdout: str
    stderr: str
    seconds: float
    hung: bool = False


@dataclass
class Failure:
    """A case the judge refused, with why and the command's output."""

    seed: int
    family: str
    description: str
    reason: str
    argv: list[str]
    excerpt: str

    def signature(self) -> str:
        """Groups failures of the same cause (reason and the message's first words)."""
        words = re.sub(r"[\d.]+", "#", self.excerpt)[:70]
        return f"{self.reason} | {self.argv[0] if self.argv else ''} | {words}"


@dataclass
class Report:
    """Counts of a run and its failures."""

    cases: int = 0
    commands: int = 0
    by_family: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        families = ", ".join(f"{k} {v}" for k, v in sorted(self.by_family.items()))
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items(), key=str))
        signatures = Counter(f.signature() for f in self.failures)
        lines = [f"{self.cases} cases, {self.commands} commands in {self.seconds:.1f} s",
                 f"families: {families}", f"exit statuses: {statuses}",
                 f"failures: {len(self.failures)} ({len(signatures)} distinct)"]
        shown = set()
        for failure in self.failures:
            signature = failure.signature()
            if signature in shown:
                continue
            shown.add(signature)
            lines.append(f"  seed {failure.seed} [{failure.family}] {failure.description}: "
                         f"{failure.reason} ({signatures[signature]}x) -- "
                         f"{' '.join(failure.argv[:1])}: {failure.excerpt[:200]!r}")
        return "\n".join(lines)


# ---------------------------------------------------------------------- templates
@dataclass
class Templates:
    """Valid inputs every case starts from (written once per run): the series in
    explicit VR little endian (``series``), and the variants mutated too: implicit VR, RLE
    compressed, an enhanced (multi-frame) CT and DICOMDIR media."""

    root: Path
    series: Path
    sop_uids: tuple[str, ...]
    lines: list[list[str]]
    variants: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def build(cls, root: Path) -> Templates:
        from dicom_io.testing import write_ct_series, write_dicomdir_media, write_enhanced_ct

        root.mkdir(parents=True, exist_ok=True)
        written = write_ct_series(root / "series", (4, 16, 16), patient_id=PATIENT_ID,
                                  slice_hook=_plant_identifiers, seed="fuzz-series")
        uid = written.sop_instance_uids[1]
        lines = [["T1", "target", "lung", "false", "long", uid, "2.5", "2.5", "12.5", "12.5"],
                 ["T1", "target", "lung", "false", "short", uid, "2.5", "12.5", "7.5", "7.5"],
                 ["N1", "non-target", "pleura", "false", "long", written.sop_instance_uids[2],
                  "3", "3", "9", "4"]]
        variants = {"explicit": written.folder}
        for name, syntax in (("implicit", "1.2.840.10008.1.2"),
                             ("rle", "1.2.840.10008.1.2.5")):
            variants[name] = write_ct_series(
                root / name, (4, 16, 16), patient_id=PATIENT_ID, transfer_syntax=syntax,
                slice_hook=_plant_identifiers, seed="fuzz-series").folder
        enhanced = write_enhanced_ct(root / "enhanced", (4, 16, 16), seed="fuzz-series")
        for path in enhanced.paths:  # plant the identifiers in the multi-frame file too
            import pydicom

            dataset = pydicom.dcmread(path)
            dataset.PatientID = PATIENT_ID
            _plant_identifiers(0, dataset)
            dataset.save_as(path, enforce_file_format=True)
        variants["enhanced"] = enhanced.folder
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom's FileSet leaves a staging folder
            variants["dicomdir"] = write_dicomdir_media(root / "media", written).parent
            gc.collect()  # ... cleaned up here, its ResourceWarning ignored
        return cls(root, written.folder, written.sop_instance_uids, lines, variants)


def _plant_identifiers(index: int, dataset) -> None:
    dataset.PatientName = PATIENT_NAME
    dataset.PatientBirthDate = BIRTH_DATE
    dataset.OtherPatientIDs = PATIENT_ID


# --------------------------------------------------------------- DICOM byte walker
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
             b"UT", b"UV"}


@dataclass
class Element:
    """Where one explicit-VR little-endian element lies in a file."""

    offset: int
    tag: int
    vr: bytes
    length_offset: int
    length_size: int
    length: int
    value_offset: int


def elements(data: bytes) -> list[Element]:
    """Top-level elements (file meta and dataset) of an explicit VR LE Part 10 file."""
    found: list[Element] = []
    pos = 132
    while pos + 8 <= len(data):
        group, elem = struct.unpack_from("<HH", data, pos)
        vr = data[pos + 4:pos + 6]
        if vr in _LONG_VRS:
            if pos + 12 > len(data):
                break
            length = struct.unpack_from("<I", data, pos + 8)[0]
            found.append(Element(pos, (group << 16) | elem, vr, pos + 8, 4, length, pos + 12))
            if length == 0xFFFFFFFF:
                break
            pos += 12 + length
        else:
            length = struct.unpack_from("<H", data, pos + 6)[0]
            found.append(Element(pos, (group << 16) | elem, vr, pos + 6, 2, length, pos + 8))
            pos += 8 + length
        if (group, elem) == (0x7FE0, 0x0010):
            break
    return found


def _set_length(data: bytearray, element: Element, length: int) -> None:
    if element.length_size == 2:
        struct.pack_into("<H", data, element.length_offset, length & 0xFFFF)
    else:
        struct.pack_into("<I", data, element.length_offset, length & 0xFFFFFFFF)


# ------------------------------------------------------------------ DICOM mutations
TRANSFER_SYNTAXES = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
                     "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.70",
                     "1.2.840.10008.1.2.4.90", "1.2.3", "", "1.2.840.10008.1.2.1\x00x",
                     PATIENT_ID, "1.2.840.10008.1.2.4.201"]


def _replace_value(data: bytes, element: Element, value: bytes) -> bytes:
    """The file with ``element``'s value replaced (even length; meta group length fixed)."""
    if len(value) % 2:
        value += b"\x00"
    out = bytearray(data[:element.value_offset]) + value \
        + data[element.value_offset + element.length:]
    new = Element(element.offset, element.tag, element.vr, element.length_offset,
                  element.length_size, element.length, element.value_offset)
    _set_length(out, new, len(value))
    if element.tag >> 16 == 0x0002:
        group = next((e for e in elements(data) if e.tag == 0x00020000), None)
        if group is not None and group.length == 4:
            old = struct.unpack_from("<I", out, group.value_offset)[0]
            struct.pack_into("<I", out, group.value_offset, old + len(value) - element.length)
    return bytes(out)


def mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    out = bytearray(data)
    n = rng.choice([1, 1, 2, 4, 8, 32])
    limit = len(out) if rng.random() < 0.3 else min(len(out), 1400)
    for _ in range(n):
        k = rng.randrange(132 if limit > 132 else 0, limit)
        out[k] = rng.randrange(256)
    return bytes(out), f"{n} byte(s) changed"


def mutate_length(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    found = elements(data)
    if not found:
        return mutate_bytes(rng, data)
    element = rng.choice(found)
    out = bytearray(data)
    new = rng.choice([0, 1, element.length + 1, max(element.length - 1, 0),
                      element.length + 2, max(element.length - 2, 0), element.length + 8,
                      element.length * 2, 0xFFFF, 0xFFFFFFFF, rng.randrange(1 << 16),
                      element.length + rng.randrange(1, 200)])
    _set_length(out, element, new)
    return bytes(out), f"length of ({element.tag >> 16:04X},{element.tag & 0xFFFF:04X}) " \
                       f"{element.length} -> {new}"


def mutate_vr(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    found = [e for e in elements(data) if e.tag >> 16 != 0x7FE0]
    if not found:
        return mutate_bytes(rng, data)
    element = rng.choice(found)
    vr = rng.choice([b"ZZ", b"\x00\x00", b"UN", b"SQ", b"OB", b"DS", b"US", b"UL", b"FD",
                     b"AT", b"  ", b"ab", bytes([rng.randrange(65, 91), rng.randrange(65, 91)]),
                     bytes([rng.randrange(256), rng.randrange(256)])])
    out = bytearray(data)
    out[element.offset + 4:element.offset + 6] = vr
    return bytes(out), f"VR of ({element.tag >> 16:04X},{element.tag & 0xFFFF:04X}) -> {vr!r}"


def mutate_tag(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    found = elements(data)
    if not found:
        return mutate_bytes(rng, data)
    element = rng.choice(found)
    tag = rng.choice([0x7FE00010, 0xFFFEE000, 0xFFFEE0DD, 0x00000000, 0xFFFFFFFF, 0x00080018,
                      0x00100020, 0x00020010, 0x00280030, rng.randrange(1 << 32)])
    out = bytearray(data)
    struct.pack_into("<HH", out, element.offset, tag >> 16, tag & 0xFFFF)
    return bytes(out), f"tag ({element.tag >> 16:04X},{element.tag & 0xFFFF:04X}) -> {tag:08X}"


def mutate_syntax(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    element = next((e for e in elements(data) if e.tag == 0x00020010), None)
    if element is None:
        return mutate_bytes(rng, data)
    syntax = rng.choice(TRANSFER_SYNTAXES)
    return _replace_value(data, element, syntax.encode("latin-1")), \
        f"transfer syntax -> {syntax!r}"


def mutate_truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    keep = rng.choice([0, 1, 100, 131, 132, 140, rng.randrange(len(data)), len(data) - 1,
                       len(data) - 2])
    return data[:keep], f"truncated to {keep} bytes"


def mutate_plant(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Put identifying bytes (and control characters) into a text element's value."""
    # Not into PatientID, Modality or SeriesDescription: scan lists them by design.
    shown = (0x00100020, 0x00080060, 0x0008103E)
    found = [e for e in elements(data) if e.vr in (b"UI", b"LO", b"DS", b"IS", b"CS", b"DA",
                                                   b"SH", b"PN") and e.tag not in shown]
    if not found:
        return mutate_bytes(rng, data)
    element = rng.choice(found)
    values = [PATIENT_NAME, PATIENT_ID, f"1.2.3\n{PATIENT_NAME}", f"{PATIENT_ID}\x01\x1b[31m",
              f"{BIRTH_DATE}\\{PATIENT_ID}", "\xff\xfe" + PATIENT_NAME]
    if element.vr in (b"LO", b"SH", b"PN", b"CS"):
        values.append(BIRTH_DATE)  # elsewhere 8 digits are a valid UID, number or date
    value = rng.choice(values)
    return _replace_value(data, element, value.encode("latin-1")), \
        f"identifier in ({element.tag >> 16:04X},{element.tag & 0xFFFF:04X})"


BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes], tuple[bytes, str]]] = {
    "dicom-bytes": mutate_bytes, "dicom-length": mutate_length, "dicom-vr": mutate_vr,
    "dicom-tag": mutate_tag, "dicom-syntax": mutate_syntax, "dicom-truncate": mutate_truncate,
    "dicom-plant": mutate_plant,
}

# (keyword, values) edited with pydicom on one slice or all
VALUE_EDITS: list[tuple[str, list[object]]] = [
    ("SliceThickness", [-1.0, 0.0, math.inf, math.nan, 1e308, 25.0, "abc", "", None]),
    ("PixelSpacing", [[0, 0], ["nan", "nan"], [-1, 1], [1e308, 1], [30, 30], [0.7], "x", None]),
    ("ImagePositionPatient", [["nan", 0, 0], [0, 0, "inf"], [0, 0], PATIENT_NAME, None]),
    ("ImageOrientationPatient", [[0, 0, 0, 0, 0, 0], [1, 0, 0, 0.5, 1, 0], [1, 0, 0], None]),
    ("PatientID", ["OTHER-77", "", None]),
    ("StudyInstanceUID", ["1.2.3.4.5", PATIENT_ID, None]),
    ("SeriesInstanceUID", ["1.2.3.4.6", "", None]),
    ("FrameOfReferenceUID", ["1.2.3.4.7", None]),
    ("Modality", ["MR", "", None]),
    ("SOPInstanceUID", ["1.2.3.99", PATIENT_ID, f"1.2.3\n{PATIENT_NAME}", "01.2"]),
    ("StudyDate", [None, "", PATIENT_NAME, "18000101", "20991231", "20240230", "2024", "x" * 20]),
    ("Rows", [0, 1, 65535, None]),
    ("Columns", [0, 7, 65535]),
    ("BitsAllocated", [1, 12, 64, 0]),
    ("BitsStored", [0, 20, 64]),
    ("PixelRepresentation", [2, 7]),
    ("SamplesPerPixel", [0, 3]),
    ("NumberOfFrames", [0, 2, "x", -1]),
    ("RescaleSlope", [0, "nan", "inf", "x", 1e308]),
    ("RescaleIntercept", ["1e308", "nan", "-inf"]),
    ("InstanceNumber", ["x", "99999999999999999999", -5, "1.5"]),
    ("ImageType", [["ORIGINAL", "PRIMARY", "LOCALIZER"], ""]),
    ("SpecificCharacterSet", ["ISO 2022 IR 87", "garbage", "ISO_IR 192", ["", "ISO 2022 IR 13"]]),
    ("SeriesDescription", ["line\nbreak\x01\x7f", "é" * 300, ""]),
    ("PixelData", [b"", b"\x00" * 10, b"\x00" * 1000]),
    ("SOPClassUID", ["1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.2.1", "1.2"]),
]


def _set_any(ds, keyword: str, value: object) -> None:
    """Set an element to any value, a malformed one too (then written as raw bytes)."""
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    from pydicom.dataelem import RawDataElement

    try:
        setattr(ds, keyword, value)
        return
    except (ValueError, TypeError, OverflowError):
        pass
    tag = tag_for_keyword(keyword)
    text = "\\".join(map(str, value)) if isinstance(value, list) else str(value)
    raw = text.encode("latin-1", errors="replace")
    if len(raw) % 2:
        raw += b" "
    ds[tag] = RawDataElement(tag, dictionary_VR(tag), len(raw), raw, 0, False, True)


def write_value_case(rng: random.Random, folder: Path) -> tuple[str, str | None]:
    """A fresh series with one or two header values edited; returns (description, the
    PatientID every written row must carry or None when it changed everywhere)."""
    from dicom_io.testing import write_ct_series

    edits = [rng.choice(VALUE_EDITS) for _ in range(rng.choice([1, 1, 2]))]
    chosen = [(keyword, rng.choice(values), rng.choice([None, 0, 1, 3])) for keyword, values
              in edits]

    def hook(k, ds):
        _plant_identifiers(k, ds)
        for keyword, value, index in chosen:
            if index is not None and k != index:
                continue
            if value is None:
                if keyword in ds:
                    delattr(ds, keyword)
            else:
                _set_any(ds, keyword, value)
            if keyword == "SOPInstanceUID" and value is not None:
                ds.file_meta.MediaStorageSOPInstanceUID = value

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_ct_series(folder, (4, 16, 16), patient_id=PATIENT_ID, slice_hook=hook,
                        seed="fuzz-series")
    expect = PATIENT_ID
    if any(k == "PatientID" and i is None for k, _, i in chosen):
        expect = None
    text = "; ".join(f"{k}={v!r:.40} on {'all' if i is None else f'slice {i}'}"
                     for k, v, i in chosen)
    return text, expect


def add_special_files(rng: random.Random, folder: Path) -> str:
    """FIFOs, looping / dangling links, sockets, folders named like files, junk."""
    made = []
    for _ in range(rng.choice([1, 2, 3])):
        kind = rng.choice(["fifo", "self-link", "mutual-links", "dangling", "empty", "junk",
                           "dir.dcm", "dicomdir-junk", "socket", "link-to-dir", "deep"])
        name = f"x{rng.randrange(1000)}"
        target = folder / name
        try:
            if kind == "fifo":
                os.mkfifo(target)
            elif kind == "self-link":
                os.symlink(name, target)
            elif kind == "mutual-links":
                os.symlink(name + "b", target)
                os.symlink(name, folder / (name + "b"))
            elif kind == "dangling":
                os.symlink(str(folder / "nowhere" / "gone"), target)
            elif kind == "empty":
                target.write_bytes(b"")
            elif kind == "junk":
                target.with_suffix(".dcm").write_bytes(rng.randbytes(rng.choice([1, 131, 132,
                                                                                 400])))
            elif kind == "dir.dcm":
                (folder / f"{name}.dcm").mkdir()
            elif kind == "dicomdir-junk":
                (folder / "DICOMDIR").write_bytes(b"\x00" * 128 + b"DICM" + rng.randbytes(64))
            elif kind == "socket":
                sock = socket.socket(socket.AF_UNIX)
                try:
                    sock.bind(str(target))
                finally:
                    sock.close()
            elif kind == "link-to-dir":
                os.symlink(str(folder), target)
            elif kind == "deep":
                deep = folder.joinpath(*["d"] * 30)
                deep.mkdir(parents=True)
                os.mkfifo(deep / "pipe")
        except OSError:
            continue
        made.append(kind)
    return "special files: " + ", ".join(made)


def zip_series(rng: random.Random, folder: Path, archive: Path) -> str:
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                handle.write(path, path.name)
    shutil.rmtree(folder)
    data = bytearray(archive.read_bytes())
    how = rng.choice(["intact", "flip", "truncate"])
    if how == "flip":
        for _ in range(8):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == "truncate":
        data = data[:rng.randrange(len(data))]
    archive.write_bytes(bytes(data))
    return f"zip {how}"


# ------------------------------------------------------------------ table mutations
def _write_csv(path: Path, header: list[str], rows: list[list[str]],
               encoding: str = "utf-8", newline: str = "\n") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))


def mutate_table(rng: random.Random, header: list[str], rows: list[list[str]],
                 date_columns: tuple[str, ...]) -> tuple[list[str], list[list[str]], str, dict]:
    """One or two mutations of a CSV table; returns header, rows, description, options."""
    header, rows = list(header), [list(r) for r in rows]
    done, options = [], {}
    for _ in range(rng.choice([1, 1, 2])):
        what = rng.choice(["cell", "cell", "cell", "date", "date", "duplicate-row",
                           "drop-row", "drop-column", "duplicate-column", "rename-column",
                           "encoding", "huge-field", "many-rows", "empty", "header-only",
                           "short-row", "long-row", "shuffle", "blank-rows", "quote"])
        if what == "cell" and rows:
            r, c = rng.randrange(len(rows)), rng.randrange(len(header))
            if c < len(rows[r]):
                rows[r][c] = rng.choice(HOSTILE_CELLS)
                done.append(f"{header[c]}[{r}]={rows[r][c]!r:.30}")
        elif what == "date" and rows:
            columns = [k for k, h in enumerate(header) if h in date_columns]
            if columns:
                c, r = rng.choice(columns), rng.randrange(len(rows))
                if c < len(rows[r]):
                    rows[r][c] = rng.choice(HOSTILE_DATES + [_future(400), _future(30),
                                                             _future(-365 * 200)])
                    done.append(f"{header[c]}[{r}]={rows[r][c]!r}")
        elif what == "duplicate-row" and rows:
            rows.insert(rng.randrange(len(rows) + 1), list(rng.choice(rows)))
            done.append("row duplicated")
        elif what == "drop-row" and rows:
            rows.pop(rng.randrange(len(rows)))
            done.append("row dropped")
        elif what == "drop-column" and len(header) > 1:
            c = rng.randrange(len(header))
            done.append(f"column {header[c]} dropped")
            header.pop(c)
            for row in rows:
                if c < len(row):
                    row.pop(c)
        elif what == "duplicate-column" and header:
            c = rng.randrange(len(header))
            header.append(header[c])
            for row in rows:
                row.append(row[c] if c < len(row) else "")
            done.append(f"column {header[c]} twice")
        elif what == "rename-column" and header:
            c = rng.randrange(len(header))
            header[c] = rng.choice([header[c].upper(), f" {header[c]} ", "", header[c] + "x",
                                    "\ufeff" + header[c], "Doe^Jane"])
            done.append("column renamed")
        elif what == "encoding":
            options["encoding"] = rng.choice(["utf-16", "latin-1", "utf-8-sig", "cp1252",
                                              "utf-32"])
            options["newline"] = rng.choice(["\n", "\r\n", "\r"])
            if rows and rows[0]:
                rows[0][min(5, len(rows[0]) - 1)] = "Poumon é ü"
            done.append(f"encoding {options['encoding']}")
        elif what == "huge-field" and rows:
            row = rows[rng.randrange(len(rows))]
            if row:
                row[rng.randrange(len(row))] = "x" * 140_000
                done.append("field of 140 kB")
        elif what == "many-rows" and rows:
            base = rows[:]
            n = rng.choice([500, 3000, 20000])
            rows = [list(base[k % len(base)]) for k in range(n)]
            for k, row in enumerate(rows):
                row[0] = f"{row[0]}-{k // len(base)}"
            done.append(f"{n} rows")
        elif what == "empty":
            options["raw"] = b""
            done.append("empty file")
        elif what == "header-only":
            rows = []
            done.append("header only")
        elif what == "short-row" and rows:
            rows[rng.randrange(len(rows))] = rows[0][:2]
            done.append("short row")
        elif what == "long-row" and rows:
            rows[rng.randrange(len(rows))] += ["extra", "cells"]
            done.append("long row")
        elif what == "shuffle":
            rng.shuffle(rows)
            done.append("rows shuffled")
        elif what == "blank-rows":
            rows.insert(rng.randrange(len(rows) + 1), [""] * len(header))
            done.append("blank row")
        elif what == "quote":
            options["suffix"] = '\nP1,"2024-01-08,unterminated\n'
            done.append("unterminated quote")
    return header, rows, ", ".join(done) or "unchanged", options


def _write_table(path: Path, header, rows, options) -> None:
    if "raw" in options:
        path.write_bytes(options["raw"])
        return
    _write_csv(path, header, rows, options.get("encoding", "utf-8"),
               options.get("newline", "\n"))
    if "suffix" in options:
        with path.open("ab") as handle:
            handle.write(options["suffix"].encode())


CRITERIA_LINES = ["measurable_ld_mm = nan", "measurable_ld_mm = inf", "measurable_ld_mm = -1",
                  "measurable_ld_mm = 1e308", "sd_min_days = 99999999999999999999",
                  "sd_min_days = 1.5", "confirmation = \"yes\"", "max_targets = 0",
                  "pr_decrease_pct = 100", "pd_increase_pct = -inf", "rounding_decimals = 400",
                  "too_small_mm = nan", "x = [1, 2]", "[criteria.nested]\na = 1",
                  "confirmation_min_days = -3", "assessment_interval_days = 0"]


# ------------------------------------------------------------------ building cases
DICOM_FAMILIES = [*BYTE_MUTATIONS, "dicom-values", "dicom-special", "dicom-zip"]
TABLE_FAMILIES = ["measurements", "patients", "lines", "criteria"]
FAMILIES = DICOM_FAMILIES + TABLE_FAMILIES


def build_case(seed: int, work: Path, templates: Templates) -> Case:
    """Write the inputs of case ``seed`` under ``work/in`` and return its commands."""
    rng = random.Random(seed)
    family = rng.choice(FAMILIES)
    inputs, out = work / "in", work / "out"
    inputs.mkdir(parents=True)
    case = Case(seed, family)
    lines = inputs / "lines.csv"
    _write_csv(lines, LINES_HEADER, templates.lines)
    if family in DICOM_FAMILIES:
        case.kind = "dicom"
        case.expect_patient = PATIENT_ID
        series = inputs / "ct"
        if family == "dicom-values":
            case.description, case.expect_patient = write_value_case(rng, series)
        else:
            variant = rng.choice(["explicit"] * 6 + ["implicit", "rle", "enhanced",
                                                     "dicomdir"])
            shutil.copytree(templates.variants.get(variant, templates.series), series)
            if family in BYTE_MUTATIONS:
                files = sorted(p for p in series.rglob("*") if p.is_file())
                count = min(len(files), rng.choice([1, 1, 1, 2, len(files)]))
                victims = rng.sample(files, count)
                texts = []
                for path in victims:
                    data, text = BYTE_MUTATIONS[family](rng, path.read_bytes())
                    path.write_bytes(data)
                    texts.append(f"{path.name}: {text}")
                case.description = f"{variant}: " + "; ".join(texts)
            elif family == "dicom-special":
                case.description = f"{variant}: " + add_special_files(rng, series)
            elif family == "dicom-zip":
                archive = inputs / "ct.zip"
                case.description = zip_series(rng, series, archive)
                series = archive
        case.commands = [
            ["scan", str(series)],
            ["measure", "--series", str(series), "--lines", str(lines),
             "--out", str(out / "m.csv")],
        ]
        return case
    measurements = inputs / "m.csv"
    patients = inputs / "p.csv"
    if family == "measurements":
        header, rows, case.description, options = mutate_table(
            rng, MEASUREMENTS_HEADER, MEASUREMENTS, ("date",))
        _write_table(measurements, header, rows, options)
    else:
        _write_csv(measurements, MEASUREMENTS_HEADER, MEASUREMENTS)
    if family == "patients":
        header, rows, case.description, options = mutate_table(
            rng, PATIENTS_HEADER, PATIENTS, ("start_date", "death_date", "last_contact_date",
                                             "new_therapy_date"))
        _write_table(patients, header, rows, options)
    else:
        _write_csv(patients, PATIENTS_HEADER, PATIENTS)
    if family == "lines":
        header, rows, case.description, options = mutate_table(
            rng, LINES_HEADER, templates.lines, ())
        _write_table(lines, header, rows, options)
        case.commands = [["measure", "--series", str(templates.series), "--lines", str(lines),
                          "--out", str(out / "m.csv")]]
        return case
    extra: list[str] = []
    if family == "criteria":
        text = "[criteria]\n" + "\n".join(rng.sample(CRITERIA_LINES, rng.choice([1, 2]))) + "\n"
        (inputs / "c.toml").write_text(text)
        extra = ["--criteria", str(inputs / "c.toml")]
        case.description = text.replace("\n", " ")
    command = rng.choice(["respond", "respond", "respond", "baseline", "summary", "sdtm-out"])
    if command == "respond":
        case.commands = [["respond", str(measurements), "--patients", str(patients),
                          "--out", str(out / "r"), *extra]]
        if rng.random() < 0.3:
            case.commands[0].append("--confirm")
    elif command == "baseline":
        case.commands = [["baseline", str(measurements), "--out", str(out / "b"), *extra]]
    elif command == "summary":
        case.commands = [["summary", str(measurements), "--patients", str(patients),
                          "--out", str(out / "s"), *extra]]
    else:
        case.commands = [["sdtm-out", str(measurements), "--patients", str(patients),
                          "--out", str(out / "t")]]
    return case


# ------------------------------------------------------------------ running a case
class Hang(BaseException):
    """The command ran past its time limit (BaseException: never caught as an error)."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    def alarm(signum, frame):
        raise Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_command(argv: list[str], cwd: Path, timeout: float) -> Outcome:
    """``recist.cli.main(argv)`` in this process, stdout and stderr captured."""
    from recist.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env = os.environ.get("RECIST_ALLOW_IMPLAUSIBLE")
    saved_cwd = os.getcwd()
    start = time.perf_counter()
    status: int | None = None
    hung = False
    try:
        os.chdir(cwd)
        with warnings.catch_warnings(), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err), _time_limit(timeout):
            warnings.simplefilter("always")
            try:
                status = main(argv)
            except SystemExit as exit_:
                status = exit_.code if isinstance(exit_.code, int) else 2
    except Hang:
        hung = True
    finally:
        os.chdir(saved_cwd)
        if saved_env is None:
            os.environ.pop("RECIST_ALLOW_IMPLAUSIBLE", None)
        else:
            os.environ["RECIST_ALLOW_IMPLAUSIBLE"] = saved_env
    return Outcome(argv, status, out.getvalue(), err.getvalue(),
                   time.perf_counter() - start, hung)


# ------------------------------------------------------------------------ the judge
def _lines(text: str) -> list[str]:
    return [line for line in text.replace("\r", "\n").splitlines()
            if line.strip() and "%|" not in line]


def judge(case: Case, outcome: Outcome, work: Path) -> list[tuple[str, str]]:
    """The problems of one command's outcome, as ``(reason, excerpt)``."""
    problems: list[tuple[str, str]] = []
    stderr_lines = _lines(outcome.stderr)
    first = stderr_lines[0] if stderr_lines else ""
    if outcome.hung:
        return [("hang", f"{outcome.seconds:.1f} s")]
    if outcome.status == 70 or "internal error" in outcome.stderr:
        problems.append(("internal error", first))
    if "Traceback" in outcome.stderr or "Traceback" in outcome.stdout:
        problems.append(("traceback", first))
    if case.kind == "dicom":
        for secret in SECRETS:
            if secret in outcome.stderr:
                problems.append(("identifier on stderr", secret))
            for line in _lines(outcome.stdout):
                rest = line.split(None, 1)[1] if outcome.argv[0] == "scan" and " " in line \
                    else line
                if secret in rest and not (secret == PATIENT_ID and line.startswith(secret)):
                    problems.append(("identifier on stdout", secret))
                    break
    for line in stderr_lines:
        if ": error:" in line and len(line) > MAX_LINE:
            problems.append(("refusal over 300 characters", line[:120]))
            break
    for line in stderr_lines:
        if any(c in line for c in "\x00\x1b\x07"):
            problems.append(("control character in a message", repr(line[:80])))
            break
    if outcome.status == 2:
        errors = [line for line in stderr_lines if ": error:" in line]
        if len(errors) != 1:
            problems.append((f"{len(errors)} error lines", first))
        for word in PYTHON_WORDS:
            if any(word in line for line in errors):
                problems.append(("Python text in a refusal", errors[0][:160]))
                break
    if outcome.status == 0:
        problems.extend(_impossible_outputs(case, outcome, work))
    return problems


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return math.nan


def _read_rows(path: Path) -> list[dict[str, str]]:
    previous = csv.field_size_limit(1 << 30)  # process-wide: restored for the next case
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    finally:
        csv.field_size_limit(previous)


def _impossible_outputs(case: Case, outcome: Outcome, work: Path) -> list[tuple[str, str]]:
    argv, problems = outcome.argv, []
    if argv[0] == "measure":
        target = Path(argv[argv.index("--out") + 1])
        if not target.is_absolute():
            target = work / target
        if not target.exists():
            return [("exit 0 without output", str(target.name))]
        for row in _read_rows(target):
            for column, low, high in (("ld_mm", 0, 1000), ("sa_mm", 0, 1000),
                                      ("slice_thickness_mm", 1e-9, 20)):
                value = _number(row.get(column, ""))
                if value is not None and not (low <= value <= high):
                    problems.append(("impossible value written", f"{column} {value}"))
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row.get("date", "")):
                problems.append(("no scan date written", repr(row.get("date"))))
            if case.kind == "dicom" and case.expect_patient is not None \
                    and row.get("patient_id") != case.expect_patient:
                problems.append(("lesion filed under another patient",
                                 "patient_id differs from the series'"))
    elif argv[0] == "respond":
        folder = Path(argv[argv.index("--out") + 1])
        for row in _read_rows(folder / "timepoints.csv"):
            for column in ("sum_mm", "baseline_sum_mm", "nadir_mm"):
                value = _number(row.get(column, ""))
                if value is not None and not math.isfinite(value):
                    problems.append(("impossible value written", f"{column} {value}"))
        for row in _read_rows(folder / "patient_summary.csv"):
            for column in ("pfs_days", "dor_days"):
                value = _number(row.get(column, ""))
                if value is not None and not value >= 0:
                    problems.append(("impossible value written", f"{column} {value}"))
    return problems[:3]


# ------------------------------------------------------------------------ the runner
def run(seeds, work: Path, *, timeout: float = 20.0, keep_failing: bool = False,
        progress: Callable[[int, Report], None] | None = None) -> Report:
    """Build, run and judge every case of ``seeds`` under ``work``."""
    report = Report()
    start = time.perf_counter()
    templates = Templates.build(work / "templates")
    for n, seed in enumerate(seeds):
        case_dir = work / f"case-{seed}"
        shutil.rmtree(case_dir, ignore_errors=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                case = build_case(seed, case_dir, templates)
        except Exception as error:  # noqa: BLE001 - a bug of the fuzzer: report, go on
            report.cases += 1
            report.failures.append(Failure(seed, "?", "", "the fuzzer could not build the "
                                           "case", [], f"{type(error).__name__}: {error}"))
            shutil.rmtree(case_dir, ignore_errors=True)
            continue
        report.cases += 1
        report.by_family[case.family] += 1
        failed = False
        for argv in case.commands:
            outcome = run_command(argv, case_dir, timeout)
            report.commands += 1
            report.by_status["hang" if outcome.hung else outcome.status] += 1
            for reason, excerpt in judge(case, outcome, case_dir):
                failed = True
                report.failures.append(Failure(seed, case.family, case.description, reason,
                                               argv, excerpt))
        if not (failed and keep_failing):
            shutil.rmtree(case_dir, ignore_errors=True)
        if progress is not None:
            progress(n, report)
    report.seconds = time.perf_counter() - start
    return report


def read_regressions(path: Path) -> list[int]:
    """The seeds of ``regressions.txt`` (one per line, ``#`` starts a comment)."""
    seeds = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            seeds.append(int(text.split()[0]))
    return seeds
