"""Factories that write small valid, and deliberately broken, CT series for tests.

Every file written is a valid CT Image Storage object (SOP class, UIDs, Modality CT,
RescaleSlope/Intercept, PixelRepresentation, ...) unless a breakage is asked for. The
volume written is known, so a loader can be checked voxel for voxel against
:attr:`WrittenSeries.volume` and :attr:`WrittenSeries.geometry`.

Examples
--------
>>> import tempfile
>>> from dicom_io.testing import write_ct_series
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_ct_series(folder, shape=(3, 4, 5))
...     len(written.paths), written.volume.shape
(3, (3, 4, 5))
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    UID,
    CTImageStorage,
    EnhancedCTImageStorage,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)

from dicom_io.geometry import SeriesGeometry

__all__ = [
    "UID_ROOT",
    "WrittenSeries",
    "truncate_file",
    "write_ct_series",
    "write_dicomdir_media",
    "write_enhanced_ct",
    "write_gantry_tilted_series",
    "write_non_dicom_file",
    "write_series_duplicate_position",
    "write_series_missing_slice",
    "write_series_mixed_matrix",
    "write_series_mixed_orientation",
    "write_series_mixed_spacing",
    "write_series_nonuniform_spacing",
    "write_series_with_localizer",
    "write_series_without_pixel_spacing",
    "write_shuffled_series",
    "write_two_series",
]

#: UID prefix of every UID the factories generate (deterministic from a seed).
UID_ROOT = "1.2.826.0.1.3680043.10.1111."

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
# Uncompressed transfer syntax -> (implicit VR, little endian) for Dataset.save_as.
_NATIVE_WRITERS = {
    ExplicitVRLittleEndian: (False, True),
    ImplicitVRLittleEndian: (True, True),
    ExplicitVRBigEndian: (False, False),
}

SliceHook = Callable[[int, Dataset], None]


@dataclass(frozen=True)
class WrittenSeries:
    """What a factory wrote: files in slice order, the HU volume and its geometry."""

    folder: Path
    paths: tuple[Path, ...]
    volume: np.ndarray
    geometry: SeriesGeometry
    series_instance_uid: str
    study_instance_uid: str

    @property
    def sop_instance_uids(self) -> tuple[str, ...]:
        """SOP Instance UIDs in slice order."""
        return self.geometry.sop_instance_uids


def _uid(seed: str) -> UID:
    return generate_uid(prefix=UID_ROOT, entropy_srcs=[seed])


def _default_volume(shape: Sequence[int]) -> np.ndarray:
    n, rows, cols = shape
    k, j, i = np.meshgrid(np.arange(n), np.arange(rows), np.arange(cols), indexing="ij")
    # Distinct values that encode the voxel index, within CT's HU range.
    return ((k * 131 + j * 17 + i * 3) % 3000 - 1000).astype(np.int16)


def write_ct_series(
    folder: str | Path,
    shape: Sequence[int] | None = None,
    *,
    volume: np.ndarray | None = None,
    pixel_spacing_mm: Sequence[float] = (0.7, 0.7),
    slice_spacing_mm: float = 2.5,
    slice_thickness_mm: float | None = None,
    orientation: Sequence[float] = AXIAL,
    origin_mm: Sequence[float] = (-120.0, -100.0, -50.0),
    slice_positions_mm: np.ndarray | None = None,
    transfer_syntax: str = ExplicitVRLittleEndian,
    rescale_slope: float = 1.0,
    rescale_intercept: float = -1024.0,
    pixel_representation: int = 1,
    seed: str = "series-1",
    study_seed: str = "study-1",
    series_description: str = "synthetic CT",
    series_number: int = 1,
    patient_id: str = "SYNTH-001",
    study_date: str = "20240115",
    file_name: str = "IM{index:04d}.dcm",
    skip_slices: Sequence[int] = (),
    slice_hook: SliceHook | None = None,
) -> WrittenSeries:
    """Write one CT series, one file per slice, and return what was written.

    Parameters
    ----------
    folder
        Created if missing.
    shape
        ``(n_slices, rows, columns)``; ignored when ``volume`` is given.
    volume
        HU values ``(n_slices, rows, columns)``; stored as ``(HU - intercept) / slope``.
    pixel_spacing_mm
        DICOM PixelSpacing ``(row spacing, column spacing)``.
    slice_spacing_mm
        Step between slice centres along the normal of ``orientation``.
    orientation
        ImageOrientationPatient (6 numbers).
    origin_mm
        ImagePositionPatient of slice 0.
    slice_positions_mm
        ``(n, 3)`` explicit ImagePositionPatient per slice (for broken stacks).
    transfer_syntax
        Any transfer syntax pydicom can encode (RLE Lossless, JPEG-LS / JPEG 2000
        lossless with the pylibjpeg plugins).
    skip_slices
        Slice indices not written (a missing slice).
    slice_hook
        ``hook(k, dataset)`` called on each slice just before it is written.
    """
    if volume is None:
        volume = _default_volume(shape if shape is not None else (4, 8, 8))
    volume = np.asarray(volume)
    n, rows, cols = volume.shape
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    iop = np.asarray(orientation, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    if slice_positions_mm is None:
        slice_positions_mm = np.asarray(origin_mm, float) + np.outer(
            np.arange(n) * slice_spacing_mm, normal)
    stored_dtype = np.int16 if pixel_representation == 1 else np.uint16
    integral = float(rescale_slope).is_integer() and float(rescale_intercept).is_integer()
    expected = np.empty(volume.shape, dtype=np.int32 if integral else np.float64)
    series_uid, study_uid = _uid(seed), _uid(study_seed)
    frame_uid = _uid(study_seed + "-frame")
    sop_uids = tuple(_uid(f"{seed}-{k}") for k in range(n))
    paths = []
    for k in range(n):
        if k in skip_slices:
            continue
        ds = _ct_dataset(sop_uids[k], series_uid, study_uid, frame_uid)
        ds.PatientID = patient_id
        ds.PatientName = "Synthetic^Patient"
        ds.StudyDate = study_date
        ds.SeriesDescription = series_description
        ds.SeriesNumber = series_number
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [round(float(v), 6) for v in slice_positions_mm[k]]
        ds.ImageOrientationPatient = [round(float(v), 8) for v in iop]
        ds.PixelSpacing = [float(v) for v in pixel_spacing_mm]
        ds.SliceThickness = float(slice_thickness_mm or slice_spacing_mm)
        ds.SliceLocation = round(float(np.dot(slice_positions_mm[k], normal)), 6)
        ds.Rows, ds.Columns = rows, cols
        ds.PixelRepresentation = pixel_representation
        ds.RescaleSlope = rescale_slope
        ds.RescaleIntercept = rescale_intercept
        stored = _stored_slice(volume[k], rescale_slope, rescale_intercept, stored_dtype)
        expected[k] = stored.astype(expected.dtype) * rescale_slope + rescale_intercept
        ds.PixelData = stored.tobytes()
        if slice_hook is not None:
            slice_hook(k, ds)
        path = folder / file_name.format(index=k + 1, k=k, uid=sop_uids[k])
        if transfer_syntax in _NATIVE_WRITERS:
            ds.file_meta.TransferSyntaxUID = transfer_syntax
            if transfer_syntax == ExplicitVRBigEndian:
                ds.PixelData = stored.byteswap().tobytes()
            implicit_vr, little_endian = _NATIVE_WRITERS[transfer_syntax]
            ds.save_as(path, implicit_vr=implicit_vr, little_endian=little_endian,
                       enforce_file_format=True)
            paths.append(path)
            continue
        ds.compress(transfer_syntax, generate_instance_uid=False)
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    geometry = SeriesGeometry(
        shape=(n, rows, cols), origin_mm=np.asarray(slice_positions_mm[0], float),
        row_direction=iop[:3], column_direction=iop[3:], slice_direction=normal,
        pixel_spacing_mm=tuple(pixel_spacing_mm), slice_spacing_mm=slice_spacing_mm,
        slice_thickness_mm=float(slice_thickness_mm or slice_spacing_mm),
        slice_positions_mm=np.asarray(slice_positions_mm, float),
        sop_instance_uids=sop_uids, series_instance_uid=series_uid,
        study_instance_uid=study_uid,
    )
    for k in skip_slices:
        expected[k] = _stored_slice(volume[k], rescale_slope, rescale_intercept,
                                    stored_dtype).astype(expected.dtype) * rescale_slope \
            + rescale_intercept
    return WrittenSeries(folder, tuple(paths), expected, geometry, series_uid, study_uid)


def _stored_slice(hu: np.ndarray, slope: float, intercept: float,
                  dtype: type[np.integer]) -> np.ndarray:
    stored = np.round((hu.astype(np.float64) - intercept) / slope)
    info = np.iinfo(dtype)
    if stored.min() < info.min or stored.max() > info.max:
        raise ValueError(f"volume does not fit {np.dtype(dtype).name} with slope {slope} and "
                         f"intercept {intercept}")
    return stored.astype(dtype)


def _ct_dataset(sop_uid: str, series_uid: str, study_uid: str, frame_uid: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = frame_uid
    ds.Modality = "CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PatientBirthDate = "19600101"
    ds.PatientSex = "O"
    ds.StudyTime = "120000"
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.Manufacturer = "recist dicom_io.testing"
    ds.PositionReferenceIndicator = ""
    ds.KVP = 120
    ds.AcquisitionNumber = 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.RescaleType = "HU"
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    return ds


# --------------------------------------------------------------------- broken series
def write_shuffled_series(folder: str | Path, **kwargs: Any) -> WrittenSeries:
    """Series whose file names and InstanceNumbers do not follow slice position."""
    n = (kwargs.get("volume").shape[0] if kwargs.get("volume") is not None
         else (kwargs.get("shape") or (4, 8, 8))[0])
    order = list(range(n))
    random.Random(7).shuffle(order)
    if order == sorted(order):
        order.reverse()

    def hook(k: int, ds: Dataset) -> None:
        ds.InstanceNumber = order[k] + 1

    return write_ct_series(folder, file_name="slice_{uid}.dcm", slice_hook=hook, **kwargs)


def write_series_missing_slice(folder: str | Path, missing: int = 2,
                               **kwargs: Any) -> WrittenSeries:
    """Series with slice ``missing`` not written (a gap of two spacings)."""
    kwargs.setdefault("shape", (6, 8, 8))
    return write_ct_series(folder, skip_slices=(missing,), **kwargs)


def _positions(n: int, spacing: float = 2.5,
               origin: Sequence[float] = (-120.0, -100.0, -50.0)) -> np.ndarray:
    return np.asarray(origin, float) + np.outer(np.arange(n) * spacing, [0, 0, 1])


def write_series_duplicate_position(folder: str | Path, **kwargs: Any) -> WrittenSeries:
    """Series in which slices 2 and 3 share one ImagePositionPatient."""
    shape = kwargs.pop("shape", (5, 8, 8))
    positions = _positions(shape[0])
    positions[3] = positions[2]
    return write_ct_series(folder, shape=shape, slice_positions_mm=positions, **kwargs)


def write_series_nonuniform_spacing(folder: str | Path, **kwargs: Any) -> WrittenSeries:
    """Series whose slice steps alternate 2.5 and 3.5 mm (no gap, not uniform)."""
    shape = kwargs.pop("shape", (6, 8, 8))
    steps = np.array([0.0] + [2.5 if k % 2 else 3.5 for k in range(shape[0] - 1)])
    positions = np.array([-120.0, -100.0, -50.0]) + np.outer(np.cumsum(steps), [0, 0, 1])
    return write_ct_series(folder, shape=shape, slice_positions_mm=positions, **kwargs)


def write_gantry_tilted_series(folder: str | Path, tilt_degrees: float = 15.0,
                               **kwargs: Any) -> WrittenSeries:
    """Axial slices whose positions step along a tilted axis (sheared stack)."""
    shape = kwargs.pop("shape", (5, 8, 8))
    step = np.array([0.0, np.sin(np.radians(tilt_degrees)), np.cos(np.radians(tilt_degrees))])
    positions = np.array([-120.0, -100.0, -50.0]) + np.outer(np.arange(shape[0]) * 2.5, step)
    return write_ct_series(folder, shape=shape, slice_positions_mm=positions, **kwargs)


def _on_slice(index: int, change: Callable[[Dataset], None]) -> SliceHook:
    def hook(k: int, ds: Dataset) -> None:
        if k == index:
            change(ds)

    return hook


def write_series_mixed_orientation(folder: str | Path, index: int = 2,
                                   **kwargs: Any) -> WrittenSeries:
    """Series in which slice ``index`` is rotated by 10 degrees in-plane."""
    c, s = np.cos(np.radians(10)), np.sin(np.radians(10))

    def change(ds: Dataset) -> None:
        ds.ImageOrientationPatient = [round(v, 8) for v in (c, s, 0.0, -s, c, 0.0)]

    return write_ct_series(folder, slice_hook=_on_slice(index, change), **kwargs)


def write_series_without_pixel_spacing(folder: str | Path, index: int = 1,
                                       **kwargs: Any) -> WrittenSeries:
    """Series in which slice ``index`` has no PixelSpacing."""
    return write_ct_series(folder, slice_hook=_on_slice(index, lambda ds: delattr(
        ds, "PixelSpacing")), **kwargs)


def write_series_mixed_spacing(folder: str | Path, index: int = 2,
                               **kwargs: Any) -> WrittenSeries:
    """Series in which slice ``index`` has PixelSpacing 0.8\\0.8 instead of 0.7\\0.7."""

    def change(ds: Dataset) -> None:
        ds.PixelSpacing = [0.8, 0.8]

    return write_ct_series(folder, slice_hook=_on_slice(index, change), **kwargs)


def write_series_mixed_matrix(folder: str | Path, index: int = 2,
                              **kwargs: Any) -> WrittenSeries:
    """Series in which slice ``index`` has one row fewer than the others."""

    def change(ds: Dataset) -> None:
        rows, cols = ds.Rows, ds.Columns
        ds.Rows = rows - 1
        ds.PixelData = ds.PixelData[: (rows - 1) * cols * 2]

    return write_ct_series(folder, slice_hook=_on_slice(index, change), **kwargs)


def write_two_series(folder: str | Path, **kwargs: Any) -> tuple[WrittenSeries, WrittenSeries]:
    """Two series of one study in one folder (5 and 3 slices)."""
    first = write_ct_series(folder, shape=(5, 8, 8), seed="two-a", series_number=1,
                            series_description="thorax 2.5 mm", file_name="A{index:03d}.dcm",
                            **kwargs)
    second = write_ct_series(folder, shape=(3, 8, 8), seed="two-b", series_number=2,
                             slice_spacing_mm=5.0, series_description="thorax 5 mm",
                             file_name="B{index:03d}.dcm", **kwargs)
    return first, second


def write_non_dicom_file(folder: str | Path, name: str = "README.txt") -> Path:
    """Write a small text file that is not DICOM."""
    path = Path(folder) / name
    path.write_text("Not a DICOM file: exported by a viewer.\n")
    return path


def truncate_file(path: str | Path, keep_fraction: float = 0.5) -> Path:
    """Cut a file short, keeping ``keep_fraction`` of its bytes."""
    path = Path(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])
    return path


def write_series_with_localizer(folder: str | Path, **kwargs: Any) -> WrittenSeries:
    """Axial series plus one coronal LOCALIZER image with the same series UID."""
    written = write_ct_series(folder, **kwargs)
    rows, cols = written.volume.shape[1:]

    def hook(k: int, ds: Dataset) -> None:
        ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 0.0, -1.0]
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = _uid("localizer")

    write_ct_series(folder, shape=(1, rows, cols), seed=kwargs.get("seed", "series-1"),
                    file_name="SCOUT.dcm", slice_hook=hook)
    return written


def write_enhanced_ct(
    folder: str | Path,
    shape: Sequence[int] = (4, 8, 8),
    *,
    volume: np.ndarray | None = None,
    pixel_spacing_mm: Sequence[float] = (0.7, 0.8),
    slice_spacing_mm: float = 2.5,
    orientation: Sequence[float] = AXIAL,
    origin_mm: Sequence[float] = (-120.0, -100.0, -50.0),
    frame_order: Sequence[int] | None = None,
    transfer_syntax: str = ExplicitVRLittleEndian,
    rescale_intercept: float = -1024.0,
    with_functional_groups: bool = True,
    name: str = "ENHANCED.dcm",
    seed: str = "enhanced",
) -> WrittenSeries:
    """Write one Enhanced CT Image Storage (multi-frame) object holding a whole series.

    Geometry goes in the functional groups: Pixel Measures, Plane Orientation and Pixel
    Value Transformation shared, Plane Position per frame. ``frame_order[f]`` is the slice
    stored as frame ``f`` (default: slice order); the returned geometry lists the slices in
    position order with their 1-based ``frame_numbers``. ``with_functional_groups=False``
    writes a broken object without them.
    """
    from pydicom.sequence import Sequence as DicomSequence

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    volume = _default_volume(shape) if volume is None else np.asarray(volume)
    n, rows, cols = volume.shape
    order = list(range(n)) if frame_order is None else list(frame_order)
    iop = np.asarray(orientation, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    positions = np.asarray(origin_mm, float) + np.outer(np.arange(n) * slice_spacing_mm, normal)
    sop_uid = _uid(seed + "-sop")
    series_uid, study_uid = _uid(seed), _uid("study-1")
    ds = _ct_dataset(sop_uid, series_uid, study_uid, _uid("study-1-frame"))
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = EnhancedCTImageStorage
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.PatientID, ds.PatientName = "SYNTH-001", "Synthetic^Patient"
    ds.StudyDate = "20240115"
    ds.SeriesDescription = "enhanced multi-frame"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.NumberOfFrames = n
    ds.Rows, ds.Columns = rows, cols
    ds.PixelRepresentation = 1
    for keyword in ("RescaleType", "WindowCenter", "WindowWidth"):
        delattr(ds, keyword)
    if with_functional_groups:
        shared = Dataset()
        measures = Dataset()
        measures.PixelSpacing = [float(v) for v in pixel_spacing_mm]
        measures.SliceThickness = float(slice_spacing_mm)
        shared.PixelMeasuresSequence = DicomSequence([measures])
        plane = Dataset()
        plane.ImageOrientationPatient = [round(float(v), 8) for v in iop]
        shared.PlaneOrientationSequence = DicomSequence([plane])
        transform = Dataset()
        transform.RescaleSlope, transform.RescaleIntercept = 1.0, rescale_intercept
        transform.RescaleType = "HU"
        shared.PixelValueTransformationSequence = DicomSequence([transform])
        ds.SharedFunctionalGroupsSequence = DicomSequence([shared])
        per_frame = []
        for k in order:
            group, position = Dataset(), Dataset()
            position.ImagePositionPatient = [round(float(v), 6) for v in positions[k]]
            group.PlanePositionSequence = DicomSequence([position])
            per_frame.append(group)
        ds.PerFrameFunctionalGroupsSequence = DicomSequence(per_frame)
    stored = np.stack([_stored_slice(volume[k], 1.0, rescale_intercept, np.int16)
                       for k in order])
    ds.PixelData = stored.tobytes()
    if transfer_syntax != ExplicitVRLittleEndian:
        ds.compress(transfer_syntax, generate_instance_uid=False)
    path = folder / name
    ds.save_as(path, enforce_file_format=True)
    frame_of_slice = {k: f + 1 for f, k in enumerate(order)}
    geometry = SeriesGeometry(
        shape=(n, rows, cols), origin_mm=positions[0], row_direction=iop[:3],
        column_direction=iop[3:], slice_direction=normal,
        pixel_spacing_mm=tuple(pixel_spacing_mm), slice_spacing_mm=slice_spacing_mm,
        slice_thickness_mm=float(slice_spacing_mm), slice_positions_mm=positions,
        sop_instance_uids=(sop_uid,) * n, series_instance_uid=series_uid,
        study_instance_uid=study_uid, frame_numbers=tuple(frame_of_slice[k] for k in range(n)),
    )
    expected = np.stack([_stored_slice(volume[k], 1.0, rescale_intercept, np.int16)
                         for k in range(n)]).astype(np.int32) + int(rescale_intercept)
    return WrittenSeries(folder, (path,), expected, geometry, series_uid, study_uid)


def write_dicomdir_media(media_folder: str | Path, *series: WrittenSeries) -> Path:
    """Copy factory series into a DICOM media layout with a DICOMDIR (pydicom FileSet).

    The layout is the one CDs have: upper-case names of at most eight characters without
    extension, ``PT000000/ST000000/SE000000/IM000000``, and ``DICOMDIR`` at the top.
    Returns the DICOMDIR's path; the source files are left as they are.
    """
    from pydicom import dcmread
    from pydicom.fileset import FileSet

    fileset = FileSet()
    for written in series:
        for path in written.paths:
            fileset.add(dcmread(path))
    fileset.write(Path(media_folder))
    return Path(media_folder) / "DICOMDIR"
