"""Builders of small bad inputs for the ``recist`` command-line battery.

Every input is written under ``<tmp>/in`` (hashed before and after each run: inputs are
never modified); outputs go under ``<tmp>/out`` (must stay empty when a command fails).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from support.paths import REPO

SAMPLE = REPO / "sample_data"

#: Identifying strings planted in DICOM headers; no message may print them.
PATIENT_NAME = "Doe^Jane"
PATIENT_ID = "HOSP123456"
BIRTH_DATE = "19700101"
IDENTIFYING = (PATIENT_NAME, "Doe", PATIENT_ID, BIRTH_DATE)

MEASUREMENTS_HEADER = ("patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,"
                       "status,slice_thickness_mm")
GOOD_ROWS = (
    "P1,2024-01-08,V0,T1,target,lung,false,20.0,,measured,5.0",
    "P1,2024-03-11,V1,T1,target,lung,false,10.0,,measured,5.0",
)
LINES_HEADER = "lesion_id,kind,organ,nodal,axis,sop_instance_uid,x1,y1,x2,y2"


class Workspace:
    """Inputs in ``root/in``, outputs in ``root/out``; lazily built, tiny."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inputs = root / "in"
        self.outputs = root / "out"
        self.inputs.mkdir()
        self._series = None
        self._pii = None

    # -- plain files -----------------------------------------------------------------
    def file(self, name: str, content: str | bytes = "") -> Path:
        path = self.inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        return path

    def random(self, name: str, size: int = 600) -> Path:
        return self.file(name, np.random.default_rng(7).bytes(size))

    def folder(self, name: str) -> Path:
        path = self.inputs / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def missing(self, name: str = "nowhere.csv") -> Path:
        return self.inputs / name

    def out(self, name: str) -> Path:
        return self.outputs / name

    def out_under_file(self, name: str) -> Path:
        """An output path whose parent is a regular file (cannot be created)."""
        blocker = self.file("blocker.txt", "a file, not a folder\n")
        return blocker / name

    def copy(self, source: Path, name: str | None = None) -> Path:
        target = self.inputs / (name or source.name)
        shutil.copy(source, target)
        return target

    # -- tables ------------------------------------------------------------------------
    def measurements(self, *rows: str, header: str = MEASUREMENTS_HEADER,
                     name: str = "measurements.csv") -> Path:
        body = rows or GOOD_ROWS
        return self.file(name, "\n".join([header, *body]) + "\n")

    def patients(self, *rows: str, header: str = "patient_id,start_date,arm",
                 name: str = "patients.csv") -> Path:
        body = rows or ("P1,2024-01-15,A",)
        return self.file(name, "\n".join([header, *body]) + "\n")

    # -- DICOM -------------------------------------------------------------------------
    def series(self, name: str = "ct", **kwargs):
        """A 4-slice 16x16 CT series (0.7 mm pixels, 2.5 mm slices)."""
        from dicom_io.testing import write_ct_series

        return write_ct_series(self.inputs / name, (4, 16, 16), **kwargs)

    def pii_series(self, name: str = "pii", defect=None, **kwargs):
        """A series carrying recognisable identifying values and an optional defect."""
        from dicom_io.testing import write_ct_series

        def hook(index, dataset):
            dataset.PatientName = PATIENT_NAME
            dataset.PatientBirthDate = BIRTH_DATE
            if defect is not None:
                defect(index, dataset)

        return write_ct_series(self.inputs / name, (4, 16, 16), patient_id=PATIENT_ID,
                               slice_hook=hook, **kwargs)

    def lines(self, written, *rows: str, name: str = "lines.csv") -> Path:
        uid = written.sop_instance_uids[1]
        body = rows or (f"T1,target,lung,false,long,{uid},2.5,2.5,12.5,12.5",
                        f"T1,target,lung,false,short,{uid},2.5,12.5,7.5,7.5")
        return self.file(name, "\n".join([LINES_HEADER, *body]) + "\n")

    def labels(self, written, shape=None, name: str = "labels.nrrd", value: int = 1) -> Path:
        import SimpleITK as sitk

        shape = shape or written.geometry.shape
        array = np.zeros(shape, dtype=np.uint8)
        array[1:3, 4:10, 4:10] = value
        if shape == written.geometry.shape:
            image = written.geometry.to_sitk_image(array)
        else:
            image = sitk.GetImageFromArray(array)
        path = self.inputs / name
        sitk.WriteImage(image, str(path))
        return path

    def lesions(self, *rows: str, header: str = "label,lesion_id,kind,organ,nodal",
                name: str = "lesions.csv") -> Path:
        body = rows or ("1,T1,target,lung,false",)
        return self.file(name, "\n".join([header, *body]) + "\n")

    # -- checks ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, str]:
        return {str(p.relative_to(self.inputs)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.inputs.rglob("*")) if p.is_file()}

    def written_outputs(self) -> list[str]:
        if not self.outputs.exists():
            return []
        return sorted(str(p.relative_to(self.outputs)) for p in self.outputs.rglob("*")
                      if p.is_file())


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)
