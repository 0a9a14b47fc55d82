"""Read lesion annotations from files: drawn-line CSVs, label-mask lesion CSVs, label images.

Plain readers with row-level errors (``DicomInputError`` naming the file, the CSV line and
the column); they return simple records and know nothing of RECIST rules: the ``kind``
column is returned as written, and the caller checks it against its own vocabulary. A label image
(NRRD, NIfTI, anything SimpleITK reads) is checked against the series it annotates —
size, spacing, origin and direction within a small tolerance — and refused with a clear
message unless resampling is asked (nearest neighbour onto the series grid).

Line CSV columns: ``lesion_id, kind, organ, nodal, axis, sop_instance_uid, x1, y1, x2,
y2`` (DICOM image-relative pixel coordinates, top-left corner of the first pixel = 0,0).
Label lesions CSV columns: ``label, lesion_id, kind, organ, nodal``.

Resource bound (issue #13): an annotation CSV holds at most ``max_annotation_rows()`` rows
(10,000 unless the environment variable ``RECIST_MAX_ANNOTATION_ROWS`` says otherwise)
and at most 4 KiB per row on disk. Both are checked before the file is parsed — its size
from the file system, its rows by counting line ends — so a file of a million rows is
refused in a fraction of a second with its size named, instead of taking minutes and
gigabytes (each drawn line costs about 5 KB of memory and 0.15 ms to measure).
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dicom_io.errors import DicomInputError, safe_text
from dicom_io.geometry import SeriesGeometry

__all__ = [
    "LABEL_DIRECTION_TOLERANCE",
    "LABEL_ORIGIN_TOLERANCE_MM",
    "LABEL_SPACING_TOLERANCE_MM",
    "LESION_COLUMNS",
    "LINE_COLUMNS",
    "MAX_ROWS_VARIABLE",
    "LabelLesion",
    "LineAnnotation",
    "check_label_geometry",
    "max_annotation_rows",
    "read_label_image",
    "read_label_lesions",
    "read_line_annotations",
]

LINE_COLUMNS = ("lesion_id", "kind", "organ", "nodal", "axis", "sop_instance_uid",
                "x1", "y1", "x2", "y2")
LESION_COLUMNS = ("label", "lesion_id", "kind", "organ", "nodal")
LABEL_SPACING_TOLERANCE_MM = 1e-3
LABEL_ORIGIN_TOLERANCE_MM = 0.01
LABEL_DIRECTION_TOLERANCE = 1e-4
MAX_ROWS_VARIABLE = "RECIST_MAX_ANNOTATION_ROWS"
DEFAULT_MAX_ROWS = 10_000
BYTES_PER_ROW = 4096
"""The largest size on disk of one row: a longer file is refused before it is read."""
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}


@dataclass(frozen=True)
class LineAnnotation:
    """One drawn axis from a line CSV (``row`` is the 1-based CSV line number).

    ``kind`` is the text of the kind column as written (stripped, possibly empty).
    """

    row: int
    lesion_id: str
    kind: str
    organ: str
    nodal: bool
    axis: str
    sop_instance_uid: str
    x1: float
    y1: float
    x2: float
    y2: float
    source: str

    @property
    def where(self) -> str:
        """``file row N`` for messages."""
        return f"{self.source} row {self.row}"


@dataclass(frozen=True)
class LabelLesion:
    """One label value of a label image and the lesion it is.

    ``kind`` is the text of the kind column as written (stripped, possibly empty).
    """

    row: int
    label: int
    lesion_id: str
    kind: str
    organ: str
    nodal: bool
    source: str


def max_annotation_rows() -> int:
    """The most rows an annotation CSV may hold: ``RECIST_MAX_ANNOTATION_ROWS`` when set
    (a whole number >= 1), else 10,000.

    Raises ``DicomInputError`` naming the variable when it is set to anything else.
    """
    text = os.environ.get(MAX_ROWS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_ROWS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise DicomInputError(f"{MAX_ROWS_VARIABLE}={safe_text(text, 20)} is not a whole "
                              "number of rows >= 1; unset it for the default of "
                              f"{DEFAULT_MAX_ROWS:,}")
    return value


def _check_size(path: Path, what: str) -> None:
    """Refuse, before parsing, a CSV larger than the row budget allows (size named)."""
    limit = max_annotation_rows()
    advice = f"split it by series or raise {MAX_ROWS_VARIABLE} (about 5 KB of memory a row)"
    size = path.stat().st_size
    if size > limit * BYTES_PER_ROW:
        raise DicomInputError(f"{path}: {size / 2 ** 20:,.1f} MiB, over the "
                              f"{limit * BYTES_PER_ROW / 2 ** 20:,.0f} MiB of a {what} of at "
                              f"most {limit:,} rows; {advice}", path=path)
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while (chunk := handle.read(1 << 20)) and lines <= limit + 1:
            lines, last = lines + chunk.count(b"\n"), chunk[-1:]
    lines += last != b"\n"  # a last line without its line end
    if lines > limit + 1:  # the header and ``limit`` rows
        raise DicomInputError(f"{path}: more than {limit:,} rows, the most a {what} may "
                              f"hold; {advice}", path=path)


def _read_rows(path: Path, required: tuple[str, ...], what: str) -> list[tuple[int, dict]]:
    if path.is_dir():
        raise IsADirectoryError(f"{what} {path} is a folder; give the path of the CSV file")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} does not exist")
    _check_size(path, what)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            try:
                return _records(reader, path, required, what)
            except csv.Error as error:
                if "field limit" in str(error):
                    found = (f"a field longer than {csv.field_size_limit():,} characters; "
                             "cells hold short texts and numbers")
                else:  # the csv module's words may quote the file: not shown
                    found = "not well-formed CSV"
                raise DicomInputError(f"{path} row {reader.line_num + 1}: {found}; check "
                                      f"that this is the {what} and save it again as CSV",
                                      path=path) from None
    except UnicodeDecodeError:
        raise DicomInputError(f"{path}: not UTF-8 text; save the {what} as UTF-8 CSV",
                              path=path) from None


def _records(reader: csv.DictReader, path: Path, required: tuple[str, ...],
             what: str) -> list[tuple[int, dict]]:
    if reader.fieldnames is None:
        raise DicomInputError(f"{path}: the file is empty; a {what} needs a header "
                              f"row {','.join(required)} and one row per annotation",
                              path=path)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise DicomInputError(
            f"{path}: missing column(s) {', '.join(missing)}; a {what} needs "
            f"{', '.join(required)} (found {', '.join(header) or 'no header'})",
            path=path)
    rows = []
    for number, record in enumerate(reader, start=2):
        clean = {str(k).strip().lower(): (v or "").strip()
                 for k, v in record.items() if k is not None}
        if any(clean.values()):
            rows.append((number, clean))
    return rows


def _parse_bool(value: str, path: Path, row: int, column: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DicomInputError(f"{path} row {row}: {column} {value!r} is not true/false, yes/no "
                          "or 1/0", path=path)


def _parse_float(value: str, path: Path, row: int, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise DicomInputError(f"{path} row {row}: {column} {value!r} is not a number of "
                              "pixels; give image-relative pixel coordinates", path=path)
    return number


def read_line_annotations(path: str | Path) -> list[LineAnnotation]:
    """Read a drawn-lines CSV (``LINE_COLUMNS``); one record per row.

    Raises ``DicomInputError`` naming the file, row and column for an empty lesion_id or
    SOP Instance UID, an axis other than long/short, or a coordinate that is not a number.
    """
    path = Path(path)
    records = []
    for row, rec in _read_rows(path, LINE_COLUMNS, "line annotations CSV"):
        for column in ("lesion_id", "sop_instance_uid"):
            if not rec[column]:
                raise DicomInputError(f"{path} row {row}: {column} is empty; every line "
                                      "names its lesion and the image it is drawn on",
                                      path=path)
        axis = rec["axis"].lower()
        if axis not in ("long", "short"):
            raise DicomInputError(f"{path} row {row}: axis {rec['axis']!r} is not 'long' or "
                                  "'short'", path=path)
        records.append(LineAnnotation(
            row=row, lesion_id=rec["lesion_id"], kind=rec["kind"],
            organ=rec["organ"], nodal=_parse_bool(rec["nodal"], path, row, "nodal"),
            axis=axis, sop_instance_uid=rec["sop_instance_uid"],
            **{c: _parse_float(rec[c], path, row, c) for c in ("x1", "y1", "x2", "y2")},
            source=str(path),
        ))
    if not records:
        raise DicomInputError(f"{path}: no line rows; expected one row per drawn axis",
                              path=path)
    return records


def read_label_lesions(path: str | Path) -> list[LabelLesion]:
    """Read a label-mask lesions CSV (``LESION_COLUMNS``); labels and lesion ids unique."""
    path = Path(path)
    records: list[LabelLesion] = []
    seen_labels: dict[int, int] = {}
    for row, rec in _read_rows(path, LESION_COLUMNS, "label lesions CSV"):
        try:
            label = int(rec["label"])
        except ValueError:
            label = -1
        if label <= 0:
            raise DicomInputError(f"{path} row {row}: label {rec['label']!r} is not a "
                                  "positive whole number (0 is background)", path=path)
        if label in seen_labels:
            raise DicomInputError(f"{path} row {row}: label {label} is already given on row "
                                  f"{seen_labels[label]}; one row per label", path=path)
        if not rec["lesion_id"]:
            raise DicomInputError(f"{path} row {row}: lesion_id is empty", path=path)
        seen_labels[label] = row
        records.append(LabelLesion(
            row=row, label=label, lesion_id=rec["lesion_id"],
            kind=rec["kind"], organ=rec["organ"],
            nodal=_parse_bool(rec["nodal"], path, row, "nodal"), source=str(path),
        ))
    if not records:
        raise DicomInputError(f"{path}: no lesion rows; expected one row per label",
                              path=path)
    return records


def check_label_geometry(label: SeriesGeometry, series: SeriesGeometry) -> list[str]:
    """Differences between a label image's grid and a series' grid (empty when aligned).

    Sizes must be equal; spacings within ``LABEL_SPACING_TOLERANCE_MM``, origins within
    ``LABEL_ORIGIN_TOLERANCE_MM`` and direction cosines within
    ``LABEL_DIRECTION_TOLERANCE``.
    """
    problems = []
    if tuple(label.shape) != tuple(series.shape):
        problems.append(f"size (slices, rows, columns) {tuple(label.shape)} vs "
                        f"{tuple(series.shape)}")
    spacing_l = np.array(label.voxel_spacing_mm)
    spacing_s = np.array(series.voxel_spacing_mm)
    if np.abs(spacing_l - spacing_s).max() > LABEL_SPACING_TOLERANCE_MM:
        problems.append(f"spacing (slice, row, column) {np.round(spacing_l, 4).tolist()} mm "
                        f"vs {np.round(spacing_s, 4).tolist()} mm")
    offset = float(np.linalg.norm(label.origin_mm - series.origin_mm))
    if offset > LABEL_ORIGIN_TOLERANCE_MM:
        problems.append(f"origin {np.round(label.origin_mm, 3).tolist()} vs "
                        f"{np.round(series.origin_mm, 3).tolist()} mm ({offset:.3f} mm apart)")
    for name in ("row_direction", "column_direction", "slice_direction"):
        a, b = getattr(label, name), getattr(series, name)
        if np.abs(a - b).max() > LABEL_DIRECTION_TOLERANCE:
            problems.append(f"{name} {np.round(a, 4).tolist()} vs {np.round(b, 4).tolist()}")
    return problems


def read_label_image(path: str | Path, series: SeriesGeometry, *,
                     resample: bool = False) -> np.ndarray:
    """Read a label image and return its labels on the series grid ``(n, rows, columns)``.

    Parameters
    ----------
    path
        NRRD, NIfTI or any 3-D image SimpleITK reads; integer labels, 0 = background.
    series
        The geometry of the CT series the labels annotate.
    resample
        When the grids differ, resample the labels onto the series grid (nearest
        neighbour, outside = 0) instead of refusing.

    Raises
    ------
    DicomInputError
        When the image cannot be read, holds non-integer labels, or its grid differs from
        the series and ``resample`` is false (the message lists every difference).
    """
    import SimpleITK as sitk

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"label image {path} does not exist")
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise DicomInputError(f"{path}: cannot read the label image ({first}); give a "
                              "NRRD or NIfTI label image", path=path) from None
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        raise DicomInputError(f"{path}: expected a 3-D single-component label image, got "
                              f"{image.GetDimension()}-D with "
                              f"{image.GetNumberOfComponentsPerPixel()} component(s)",
                              path=path)
    label_geometry = SeriesGeometry.from_sitk_image(image)
    problems = check_label_geometry(label_geometry, series)
    if problems and not resample:
        raise DicomInputError(
            f"{path}: the label image is not on the grid of series "
            f"{series.series_instance_uid or '(unknown UID)'}: " + "; ".join(problems)
            + ". Export the labels on the CT's grid, or pass --resample to resample them "
            "(nearest neighbour) onto the series.", path=path)
    if problems:
        reference = series.to_sitk_image(np.zeros(series.shape, dtype=np.uint8))
        image = sitk.Resample(image, reference, sitk.Transform(), sitk.sitkNearestNeighbor,
                              0, image.GetPixelID())
    labels = sitk.GetArrayFromImage(image)
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.mod(labels, 1) == 0):
            raise DicomInputError(f"{path}: label values must be whole numbers, found "
                                  "fractional values; save the mask as an integer label "
                                  "image", path=path)
        labels = labels.astype(np.int32)
    return labels
