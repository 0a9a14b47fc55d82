"""Write a CT volume as a DICOM CT Image Storage series with exact, deterministic geometry.

The volume is numpy ``(n_slices, rows, columns)`` (SimpleITK order) in HU with an LPS
geometry given as SimpleITK-style origin / spacing / direction. Every UID is derived from
fixed entropy sources, so writing the same inputs twice gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage,
    ExplicitVRLittleEndian,
    RLELossless,
    generate_uid,
)
from pydicom.valuerep import format_number_as_ds

from samplegen.scenarios import series_file_name

__all__ = [
    "RESCALE_INTERCEPT_HU",
    "SeriesSpec",
    "build_slice_dataset",
    "series_file_name",
    "slice_positions_mm",
    "visit_uids",
    "write_ct_series",
]

#: Stored value 0 is -1024 HU; stored values are unsigned 12-bit (0..4095 -> -1024..3071 HU).
RESCALE_INTERCEPT_HU = -1024
_MAX_STORED = 4095
_UID_ROOT = "recist-sample-data-v1"
#: pydicom's UID root; with entropy sources, generate_uid hashes them (SHA-512) into a
#: deterministic UID below it (prefix=None would ignore the sources and return a random UUID).
_UID_PREFIX = "1.2.826.0.1.3680043.8.498."


def _uid(entropy: list[str]) -> str:
    return generate_uid(prefix=_UID_PREFIX, entropy_srcs=entropy)


@dataclass(frozen=True)
class SeriesSpec:
    """Everything that identifies one visit's series (no pixel data).

    Parameters
    ----------
    patient_id, patient_name : str
        Pseudonymous identifiers (``LUNG1``, ``Sample^Lung1``).
    visit : str
        ``V0`` (baseline), ``V1`` ...
    date : str
        Scan date, ISO ``YYYY-MM-DD``.
    description : str
        SeriesDescription.
    source : str
        Short provenance text written to (0008,2111) DerivationDescription / ImageComments.
    derived : bool
        True for synthetic follow-ups (changes ManufacturerModelName only; every series
        keeps ImageType ORIGINAL\\PRIMARY\\AXIAL so viewers treat them alike).
    """

    patient_id: str
    patient_name: str
    visit: str
    date: str
    description: str
    source: str
    derived: bool = False


def visit_uids(spec: SeriesSpec, n_slices: int) -> dict[str, object]:
    """Deterministic Study/Series/FrameOfReference UIDs and per-slice SOP Instance UIDs."""
    base = [_UID_ROOT, spec.patient_id, spec.visit]
    return {
        "study": _uid(base + ["study"]),
        "series": _uid(base + ["series"]),
        "frame_of_reference": _uid(base + ["for"]),
        "sop": [
            _uid(base + ["sop", str(k)])
            for k in range(n_slices)
        ],
    }


def slice_positions_mm(origin, spacing, direction, n_slices: int) -> np.ndarray:
    """ImagePositionPatient of every slice: origin + k * spacing_z * slice direction."""
    direction = np.asarray(direction, dtype=float).reshape(3, 3)
    slice_dir = direction[:, 2]
    return np.asarray(origin, float)[None, :] + np.arange(n_slices)[:, None] * float(
        spacing[2]
    ) * slice_dir[None, :]


def _ds(value: float) -> str:
    """A DICOM DS string (<= 16 characters) for ``value``, rounded to 1e-7 mm first."""
    value = round(float(value), 7)
    if value == 0:
        value = 0.0  # no "-0.0"
    return format_number_as_ds(value)


def build_slice_dataset(
    spec: SeriesSpec,
    uids: dict[str, object],
    k: int,
    slice_hu: np.ndarray,
    position_mm: np.ndarray,
    spacing,
    direction,
    compress: bool,
) -> Dataset:
    """One CT slice as a complete pydicom dataset (file meta included)."""
    if slice_hu.min() < RESCALE_INTERCEPT_HU or slice_hu.max() > _MAX_STORED + RESCALE_INTERCEPT_HU:
        raise ValueError(
            f"slice {k} of {spec.patient_id} {spec.visit}: HU range "
            f"[{slice_hu.min()}, {slice_hu.max()}] does not fit 12-bit stored values with "
            f"intercept {RESCALE_INTERCEPT_HU}; clip to [-1024, 3071] first"
        )
    stored = (slice_hu.astype(np.int32) - RESCALE_INTERCEPT_HU).astype(np.uint16)
    direction = np.asarray(direction, dtype=float).reshape(3, 3)
    date = spec.date.replace("-", "")
    sop_uid = uids["sop"][k]

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    # Fixed, so the bytes do not depend on the installed pydicom version.
    meta.ImplementationClassUID = _UID_PREFIX + "1"
    meta.ImplementationVersionName = "RECIST_SAMPLE_1"

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = date
    ds.StudyTime = "090000"
    ds.SeriesTime = "090500"
    ds.AcquisitionTime = "090510"
    ds.ContentTime = "090510"
    ds.AccessionNumber = f"ACC{spec.patient_id}{spec.visit}"
    ds.Modality = "CT"
    ds.Manufacturer = "recist sample data"
    ds.ManufacturerModelName = "synthetic follow-up" if spec.derived else "pyradiomics 3.0.1 data"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "CT CHEST"
    ds.SeriesDescription = spec.description
    ds.PatientName = spec.patient_name
    ds.PatientID = spec.patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "public research data; pseudonymous IDs assigned by recist"
    ds.BodyPartExamined = "CHEST"
    ds.SliceThickness = _ds(spacing[2])
    ds.SpacingBetweenSlices = _ds(spacing[2])
    ds.KVP = "120"
    ds.ConvolutionKernel = "STANDARD"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = uids["study"]
    ds.SeriesInstanceUID = uids["series"]
    ds.StudyID = spec.visit
    ds.SeriesNumber = 1
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = k + 1
    ds.ImagePositionPatient = [_ds(v) for v in position_mm]
    ds.ImageOrientationPatient = [_ds(v) for v in (*direction[:, 0], *direction[:, 1])]
    ds.FrameOfReferenceUID = uids["frame_of_reference"]
    ds.PositionReferenceIndicator = ""
    ds.SliceLocation = _ds(float(np.dot(position_mm, direction[:, 2])))
    ds.ImageComments = spec.source
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = (int(s) for s in slice_hu.shape)
    # PixelSpacing = [distance between rows, distance between columns]; SimpleITK spacing
    # is (column spacing, row spacing, slice spacing).
    ds.PixelSpacing = [_ds(spacing[1]), _ds(spacing[0])]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = ["-600", "40"]
    ds.WindowWidth = ["1500", "400"]
    ds.WindowCenterWidthExplanation = ["LUNG", "MEDIASTINUM"]
    ds.RescaleIntercept = str(RESCALE_INTERCEPT_HU)
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    if compress:
        ds.compress(RLELossless, stored, generate_instance_uid=False)
    else:
        ds.PixelData = stored.tobytes()
    return ds


def write_ct_series(
    folder: Path,
    spec: SeriesSpec,
    volume_hu: np.ndarray,
    origin,
    spacing,
    direction,
    compress: bool,
) -> dict[str, object]:
    """Write ``volume_hu`` as one series into ``folder`` (replaced whole), return its UIDs.

    The series is written into a temporary sibling folder and renamed into place, so an
    interrupted run never leaves a half-written series behind.
    """
    folder = Path(folder)
    n_slices = volume_hu.shape[0]
    uids = visit_uids(spec, n_slices)
    positions = slice_positions_mm(origin, spacing, direction, n_slices)
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for k in range(n_slices):
        ds = build_slice_dataset(
            spec, uids, k, volume_hu[k], positions[k], spacing, direction, compress
        )
        pydicom.dcmwrite(tmp / series_file_name(k), ds, enforce_file_format=True)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    return uids
