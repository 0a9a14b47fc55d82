"""The baseline (V0) of each sample patient: image, tumour mask and geometry.

Two sources give the same data, voxel for voxel:

* the repository itself (the default): the committed V0 DICOM series
  ``patients/<PATIENT>/V0/ct/`` (RLE Lossless, decoded with pydicom) and label image
  ``patients/<PATIENT>/V0/labels.nrrd`` (tumour = 1; its header carries the geometry of the
  original NRRD at full double precision, which the DICOM decimal strings round);
* the original pyradiomics 3.0.1 files ``<source>_{image,label}.nrrd`` (``--source DIR``),
  from which the committed V0 was made.

Either way the result is checked against ``baseline_source.json`` (committed next to
``make_sample_data.py``): geometry, and SHA-256 digests of the voxels and of the mask as
they are in the pyradiomics files. So the follow-ups synthesised from a baseline are the
same whichever source it came from, and a damaged or altered baseline is an error, not
silently different sample data.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import SimpleITK as sitk

from samplegen.scenarios import TUMOUR, Scenario, series_file_name

__all__ = [
    "RECORD_FILE",
    "Baseline",
    "baseline_record",
    "check_record",
    "load_committed_baseline",
    "load_nrrd_baseline",
    "read_records",
    "records_text",
    "sha256_of",
]

#: File (in the sample_data folder) with the geometry and digests of every baseline.
RECORD_FILE = "baseline_source.json"
#: Geometry read back from DICOM decimal strings agrees with the NRRD header to this, mm.
_DICOM_TOLERANCE_MM = 1e-5


@dataclass(frozen=True)
class Baseline:
    """One patient's baseline: HU volume (int16, k j i), tumour mask, geometry image.

    ``geometry`` is a SimpleITK image whose origin / spacing / direction / size are the
    baseline's (the label image or the original CT); its pixels are not used.
    """

    volume: np.ndarray
    mask: np.ndarray
    geometry: sitk.Image

    @property
    def origin(self) -> np.ndarray:
        return np.array(self.geometry.GetOrigin())

    @property
    def spacing(self) -> tuple[float, float, float]:
        return self.geometry.GetSpacing()  # (column, row, slice), mm

    @property
    def direction(self) -> np.ndarray:
        return np.array(self.geometry.GetDirection()).reshape(3, 3)


def sha256_of(array: np.ndarray, dtype: str) -> str:
    """SHA-256 of ``array`` as C-ordered bytes of ``dtype`` (e.g. ``"<i2"``)."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=dtype).tobytes()).hexdigest()


def baseline_record(baseline: Baseline) -> dict:
    """What ``baseline_source.json`` records about one baseline (JSON-ready)."""
    geometry = baseline.geometry
    return {
        "shape_kji": list(baseline.volume.shape),
        "origin_mm": list(geometry.GetOrigin()),
        "spacing_mm": list(geometry.GetSpacing()),
        "direction": list(geometry.GetDirection()),
        "image_int16_sha256": sha256_of(baseline.volume, "<i2"),
        "mask_uint8_sha256": sha256_of(baseline.mask, "u1"),
    }


def read_records(folder: Path) -> dict[str, dict]:
    """``baseline_source.json`` of ``folder``, by patient id."""
    path = Path(folder) / RECORD_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: it records the baseline the follow-ups are made from "
            "(restore it from git)")
    return json.loads(path.read_text(encoding="utf-8"))


def records_text(records: dict[str, dict]) -> str:
    """``baseline_source.json`` text: indented, lists of numbers on one line."""
    text = json.dumps(records, indent=2)
    return re.sub(r"\[\s+([^\[\]{}]*?)\s+\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
                  text) + "\n"


def check_record(patient_id: str, found: dict, expected: dict, where: str) -> None:
    """Raise ValueError if a baseline's record differs from the committed one."""
    keys = [key for key in expected if key in found and found[key] != expected[key]]
    if keys:
        raise ValueError(
            f"{patient_id} baseline from {where} does not match {RECORD_FILE} "
            f"({', '.join(keys)} differ): not the pyradiomics 3.0.1 data the sample data is "
            "made from; restore the committed V0 files with git, or pass --source with the "
            "unchanged pyradiomics files")


def load_nrrd_baseline(source_dir: Path, scenario: Scenario) -> tuple[Baseline, dict]:
    """The baseline from the original pyradiomics NRRDs, and the files' SHA-256 digests."""
    paths = {suffix: Path(source_dir) / f"{scenario.source}_{suffix}.nrrd"
             for suffix in ("image", "label")}
    for path in paths.values():
        if not path.is_file():
            raise FileNotFoundError(f"sample data source {path} not found")
    image = sitk.ReadImage(str(paths["image"]))
    label = sitk.ReadImage(str(paths["label"]))
    volume = sitk.GetArrayFromImage(image)
    if volume.shape[0] != scenario.n_slices:
        raise ValueError(
            f"{paths['image']} has {volume.shape[0]} slices, expected {scenario.n_slices} "
            "(pyradiomics 3.0.1 data); use the unchanged source files")
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
             for path in paths.values()}
    return Baseline(volume, sitk.GetArrayFromImage(label) > 0, image), files


def load_committed_baseline(root: Path, scenario: Scenario) -> Baseline:
    """The baseline from the committed V0 series and label image under ``root``.

    Pixels come from the DICOM files (``CT0001.dcm`` ... in slice order), the geometry from
    the label image's header; the DICOM geometry is checked against it.
    """
    folder = Path(root) / "patients" / scenario.patient_id / "V0"
    labels_path = folder / "labels.nrrd"
    if not labels_path.is_file():
        raise FileNotFoundError(
            f"baseline label image {labels_path} not found (it is committed: restore it with "
            "git, or rebuild the baseline with --source DIR)")
    geometry = sitk.ReadImage(str(labels_path))
    labels = sitk.GetArrayFromImage(geometry)
    if set(np.unique(labels).tolist()) - {0, TUMOUR.label}:
        raise ValueError(f"{labels_path} holds labels other than the tumour ({TUMOUR.label})")
    mask = labels == TUMOUR.label
    n_slices = scenario.n_slices
    if labels.shape[0] != n_slices:
        raise ValueError(f"{labels_path} has {labels.shape[0]} slices, expected {n_slices}")
    origin = np.array(geometry.GetOrigin())
    spacing = geometry.GetSpacing()
    direction = np.array(geometry.GetDirection()).reshape(3, 3)

    volume = np.empty(labels.shape, dtype=np.int16)
    for k in range(n_slices):
        path = folder / "ct" / series_file_name(k)
        if not path.is_file():
            raise FileNotFoundError(
                f"baseline slice {path} not found (the V0 series is committed: restore it "
                "with git, or rebuild the baseline with --source DIR)")
        ds = pydicom.dcmread(path)
        where = f"{path.relative_to(root)}"
        ipp = np.array([float(v) for v in ds.ImagePositionPatient])
        iop = np.array([float(v) for v in ds.ImageOrientationPatient])
        expected_ipp = origin + k * spacing[2] * direction[:, 2]
        if (int(ds.InstanceNumber) != k + 1
                or not np.allclose(ipp, expected_ipp, atol=_DICOM_TOLERANCE_MM, rtol=0)
                or not np.allclose(iop, [*direction[:, 0], *direction[:, 1]], atol=1e-6)
                or not np.allclose([float(v) for v in ds.PixelSpacing],
                                   [spacing[1], spacing[0]], atol=1e-6, rtol=0)):
            raise ValueError(f"{where}: geometry does not match {labels_path.name}")
        if float(ds.RescaleSlope) != 1:
            raise ValueError(f"{where}: RescaleSlope {ds.RescaleSlope}, expected 1")
        stored = ds.pixel_array
        if stored.shape != labels.shape[1:]:
            raise ValueError(f"{where}: {stored.shape} pixels, expected {labels.shape[1:]}")
        volume[k] = stored.astype(np.int32) + int(float(ds.RescaleIntercept))
    return Baseline(volume, mask, geometry)
