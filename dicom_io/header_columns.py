"""Slice headers of many files at once: :func:`dicom_io.discover.read_slice_header`'s
rules applied column by column to the values :mod:`dicom_io.header_batch` read.

A scan of a series folder reads thousands of headers of one layout; reading them one by
one spent most of its time in Python calls per element and per value (``_clean``,
``_integer``, ``_numbers``). Here the headers are read in a batch, each value is
converted in one loop over its column, and a file that needs anything beyond the plain
case -- one the batch does not read (``header_batch``: pydicom's reader, a read error,
a long header, text outside printable ASCII ...), a number that does not parse, a wrong
value count, no SOP Instance UID, a DICOMDIR -- gets ``None``: the caller reads it with
``read_slice_header``, which gives its header or its error as it would have alone. The
plain case gives the same ``SliceHeader``
(``tests/dicom_io/header_columns/test_header_columns.py`` compares every field with
``read_slice_header``'s, on plain files and on files damaged by the fuzzer's mutations).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from dicom_io.discover import (
    _DICOMDIR_CLASS,
    _HEADER_FIELDS,
    _OTHER_DATES,
    SliceHeader,
    _integer,
    _Malformed,
)
from dicom_io.header_batch import read_raw_columns

__all__ = ["read_slice_headers"]

_REFER = object()  # this value needs read_slice_header's general path


def _numbers(column: list[Any], size: int) -> np.ndarray | list[Any]:
    """``discover._numbers`` of each value: None when absent or empty, the list of
    floats, or ``_REFER`` where it would raise. The common column -- every value present,
    each of ``size`` numbers -- comes as one ``(n, size)`` float array instead (row
    ``i``: value ``i``'s numbers), parsed in one go, each distinct text once (a series'
    files mostly share their orientation, spacing and rescale: 0.1 of a 100-file scan's
    5 ms)."""
    # each distinct text once where the first and last agree (else every text, in order:
    # a column of positions has no repeats)
    distinct = dict.fromkeys(column) if column and column[0] == column[-1] else column
    if column and set(map(type, distinct)) == {str} and "" not in distinct \
            and set(map(str.count, distinct, repeat("\\"))) == {size - 1}:
        # each value ``size`` parts: joined, they split into ``size`` parts per value
        try:
            floats = list(map(float, "\\".join(distinct).split("\\")))
        except ValueError:
            pass
        else:
            parsed = np.array(floats, dtype=np.float64).reshape(len(distinct), size)
            if len(distinct) == len(column):
                return parsed
            if len(distinct) == 1:  # (common)
                return np.repeat(parsed, len(column), axis=0)
            row = {value: k for k, value in enumerate(distinct)}
            return parsed[list(map(row.__getitem__, column))]
    out: list[Any] = []
    for text in column:
        if text is None or text == "":
            out.append(None)
            continue
        parts = str(text).split("\\")
        if len(parts) != size:
            out.append(_REFER)
            continue
        try:
            out.append([float(part) for part in parts])
        except ValueError:
            out.append(_REFER)
    return out


_Pick = Callable[[Sequence[Any]], list[Any]]


def _vectors(numbers: np.ndarray | list[Any], pick: _Pick) -> list[np.ndarray | None]:
    """The values ``pick`` keeps of a ``_numbers`` column, as float arrays (``None`` where
    absent)."""
    if isinstance(numbers, np.ndarray):
        return pick(list(numbers))  # its rows
    return [None if value is None else np.array(value) for value in pick(numbers)]


def _pairs(numbers: np.ndarray | list[Any], pick: _Pick) -> list[tuple[float, float] | None]:
    """The values ``pick`` keeps of a ``_numbers`` column of two, as pairs of floats."""
    if isinstance(numbers, np.ndarray):
        return pick(list(map(tuple, numbers.tolist())))
    return [None if value is None else (value[0], value[1]) for value in pick(numbers)]


def _firsts(numbers: np.ndarray | list[Any], pick: _Pick, absent: float | None
            ) -> list[float | None]:
    """The first number of the values ``pick`` keeps of a ``_numbers`` column, ``absent``
    where absent."""
    if isinstance(numbers, np.ndarray):
        return pick(numbers[:, 0].tolist())
    return [absent if value is None else value[0] for value in pick(numbers)]


_DIGIT_LINES = re.compile(r"[0-9]{1,9}(?:\n[0-9]{1,9})*")


def _integers(column: list[Any], keyword: str) -> list[Any]:
    """``discover._integer`` of each value, or ``_REFER`` where it would raise."""
    kinds = set(map(type, column))
    if kinds <= {int, type(None)}:  # binary unsigned shorts (or absent): themselves
        return list(column)
    if kinds == {str}:  # every value 1 to 9 ASCII digits (common): int() of each
        joined = "\n".join(column)
        if joined.count("\n") == len(column) - 1 and _DIGIT_LINES.fullmatch(joined):
            return list(map(int, column))
    out: list[Any] = []
    for value in column:
        if value is None or value == "" or type(value) is int:
            out.append(None if value == "" else value)
        elif type(value) is str and value.isdigit() and len(value) <= 9:
            out.append(int(value))  # ASCII digits (header_batch): as float() then int()
        else:
            try:
                out.append(_integer(value, keyword))
            except _Malformed:
                out.append(_REFER)
    return out


def _texts(column: list[Any]) -> list[Any]:
    """``discover._clean`` of each value: "" when absent; the fast reader's texts are
    unpadded already, so a printable one is itself; ``_REFER`` for any other."""
    distinct = dict.fromkeys(column)  # (most columns: one value in every file)
    if None in distinct:
        del distinct[None]
        values = ["" if value is None else value for value in column]
    else:
        values = column
    if set(map(type, distinct)) <= {str} and "".join(distinct).isprintable():  # (common)
        return values
    return ["" if value is None else value if type(value) is str and value.isprintable()
            else _REFER for value in column]


def read_slice_headers(paths: Sequence[Path], names: Sequence[str],
                       files: Sequence[str] | None = None,
                       not_dicom: list[int] | None = None) -> list[SliceHeader | None]:
    """``read_slice_header(paths[k], names[k])`` of each file it can read in a batch;
    ``None`` for the others (to be read one by one). ``files``: the paths as text, when
    known (opened as they are; a ``Path`` is formatted first). ``not_dicom``, if given,
    gets the indices of the regular files without the ``DICM`` prefix, which
    ``read_slice_header`` refuses as not DICOM (``InvalidDicomError``): the caller need
    not open them again."""
    columns = read_raw_columns(paths if files is None else files)
    if not_dicom is not None:
        not_dicom.extend(columns.not_dicom)
    values = columns.values
    text = {keyword: _texts(values[keyword]) for keyword in (
        "SOPInstanceUID", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID",
        "PatientID", "StudyDate", "Modality", "SeriesDescription", "ImageType",
        "PhotometricInterpretation", "FrameOfReferenceUID", *_OTHER_DATES)}
    numbers = {keyword: _numbers(values[keyword], size) for keyword, size in (
        ("ImagePositionPatient", 3), ("ImageOrientationPatient", 6), ("PixelSpacing", 2),
        ("SliceThickness", 1), ("RescaleSlope", 1), ("RescaleIntercept", 1))}
    integers = {keyword: _integers(values[keyword], keyword) for keyword in (
        "SeriesNumber", "InstanceNumber", "Rows", "Columns", "BitsAllocated", "BitsStored",
        "PixelRepresentation", "SamplesPerPixel", "NumberOfFrames")}
    checked = (*text.values(), *integers.values(),
               *(column for column in numbers.values() if type(column) is list))
    refer = {i for column in checked for i, value in enumerate(column) if value is _REFER} \
        if any(_REFER in column for column in checked) else set()
    kept = [i for i, (sop_uid, sop_class, media_class) in enumerate(zip(
        text["SOPInstanceUID"], text["SOPClassUID"], columns.media_storage_sop_class_uid))
        if sop_uid and i not in refer and _DICOMDIR_CLASS not in (sop_class, media_class)]

    every = len(kept) == len(columns.indices)

    def column(values: Sequence[Any]) -> list[Any]:
        return list(values) if every else [values[i] for i in kept]

    image_types: dict[str, tuple[str, ...]] = {}  # the same few values in every file
    for value in set(column(text["ImageType"])):
        image_types[value] = tuple(t.strip().upper() for t in value.split("\\") if t.strip())
    dates = [column(text[keyword]) for keyword in _OTHER_DATES]
    other_dates: list[tuple[tuple[str, str], ...]] = [
        tuple((keyword, date) for keyword, date in zip(_OTHER_DATES, row) if date)
        for row in zip(*dates)] if any(map(any, dates)) else [()] * len(kept)  # (often none)
    fields = {
        "path": [paths[k] for k in column(columns.indices)],
        "name": [names[k] for k in column(columns.indices)],
        "transfer_syntax_uid": column(columns.transfer_syntax_uid),
        "sop_class_uid": [sop_class or media_class for sop_class, media_class in zip(
            column(text["SOPClassUID"]), column(columns.media_storage_sop_class_uid))],
        **{field: column(text[keyword]) for field, keyword in _TEXT_FIELDS},
        **{field: column(integers[keyword]) for field, keyword in _INTEGER_FIELDS},
        "image_type": [image_types[value] for value in column(text["ImageType"])],
        "position_mm": _vectors(numbers["ImagePositionPatient"], column),
        "orientation": _vectors(numbers["ImageOrientationPatient"], column),
        "pixel_spacing_mm": _pairs(numbers["PixelSpacing"], column),
        "slice_thickness_mm": _firsts(numbers["SliceThickness"], column, None),
        "rescale_slope": _firsts(numbers["RescaleSlope"], column, 1.0),
        "rescale_intercept": _firsts(numbers["RescaleIntercept"], column, 0.0),
        "samples_per_pixel": [n or 1 for n in column(integers["SamplesPerPixel"])],
        "number_of_frames": [n or 1 for n in column(integers["NumberOfFrames"])],
        "has_pixel_data": [True] * len(kept),
        "pixel_data_offset": column(columns.pixel_data_offset),
        "other_dates": other_dates,
        "notes": [()] * len(kept),
        "pixel_data_length": column(columns.pixel_data_length),
        "frame_index": [None] * len(kept),
    }
    if fields.keys() != _HEADER_FIELDS:
        raise TypeError(f"SliceHeader fields differ: {sorted(fields.keys() ^ _HEADER_FIELDS)}")
    # each file's fields as its __dict__, every loop but the last one in C: the fields of
    # one value in every file (most) copied from one dict, the others put in (their
    # places kept: every field in the order of ``fields``, as before)
    same = [field for field, values in fields.items() if field not in _OWN and values
            and values.count(values[0]) == len(values)]
    shared = {field: values[0] if field in same else None for field, values in fields.items()}
    own = tuple(field for field in fields if field not in same)
    dicts = map(_filled, repeat(shared), map(zip, repeat(own), zip(*map(fields.get, own))))
    headers: list[SliceHeader | None] = [None] * len(paths)
    new, put = object.__new__, object.__setattr__
    for k, values in zip(column(columns.indices), dicts):
        header = new(SliceHeader)  # as discover._new_header
        put(header, "__dict__", values)
        headers[k] = header
    return headers


#: Fields never copied from one file to another: the files' own, and floats (``==``
#: does not tell 0.0 from -0.0).
_OWN = frozenset({"path", "name", "position_mm", "orientation", "pixel_spacing_mm",
                  "slice_thickness_mm", "rescale_slope", "rescale_intercept"})


def _filled(shared: dict[str, Any], own: Iterator[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of ``shared`` with the ``(field, value)`` pairs of ``own`` put in."""
    values = shared.copy()
    values.update(own)
    return values


_TEXT_FIELDS = (
    ("sop_instance_uid", "SOPInstanceUID"), ("study_instance_uid", "StudyInstanceUID"),
    ("series_instance_uid", "SeriesInstanceUID"), ("patient_id", "PatientID"),
    ("study_date", "StudyDate"), ("modality", "Modality"),
    ("series_description", "SeriesDescription"),
    ("photometric_interpretation", "PhotometricInterpretation"),
    ("frame_of_reference_uid", "FrameOfReferenceUID"))
_INTEGER_FIELDS = (
    ("series_number", "SeriesNumber"), ("instance_number", "InstanceNumber"),
    ("rows", "Rows"), ("columns", "Columns"), ("bits_allocated", "BitsAllocated"),
    ("bits_stored", "BitsStored"), ("pixel_representation", "PixelRepresentation"))
