"""The sample DICOM series: baseline voxel-for-voxel equal to the source NRRD, exact geometry.

The source NRRDs (pyradiomics 3.0.1) are not needed: ``baseline_source.json`` records their
geometry and the SHA-256 of their voxels, and the committed series is also read a second,
independent way (SimpleITK / GDCM instead of pydicom).
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from pydicom.uid import CTImageStorage, RLELossless

from .conftest import SOURCE_RECORDS, read_csv, sha256_of, source_geometry


def _gdcm_volume(folder) -> np.ndarray:
    """The series as SimpleITK's GDCM reader decodes it (its own order and rescale)."""
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return sitk.GetArrayFromImage(reader.Execute())


@pytest.mark.parametrize("patient", ["LUNG1", "LUNG2"])
def test_baseline_series_reproduces_nrrd_voxel_for_voxel(patient, sample_root, series_cache):
    record = SOURCE_RECORDS[patient]
    volume, datasets = series_cache(patient, "V0")
    assert list(volume.shape) == record["shape_kji"]
    assert volume.min() >= -1024 and volume.max() <= 3071  # fits int16 exactly
    # pydicom's decoding equals the pyradiomics NRRD's voxels (their recorded digest) ...
    assert sha256_of(volume, "<i2") == record["image_int16_sha256"]
    # ... and so does GDCM's, an independent RLE decoder and slice sorter.
    assert np.array_equal(_gdcm_volume(sample_root / "patients" / patient / "V0" / "ct"),
                          volume)
    assert all(ds.file_meta.TransferSyntaxUID == RLELossless for ds in datasets)


@pytest.mark.parametrize("patient,visit", [("LUNG1", "V0"), ("LUNG1", "V3"),
                                           ("LUNG2", "V0"), ("LUNG2", "V2")])
def test_series_geometry_matches_nrrd(patient, visit, series_cache):
    origin, spacing, direction = source_geometry(patient)  # (column, row, slice) spacing
    shape = SOURCE_RECORDS[patient]["shape_kji"]
    _, datasets = series_cache(patient, visit)
    assert len(datasets) == shape[0]
    for k, ds in enumerate(datasets):
        ipp = np.array([float(v) for v in ds.ImagePositionPatient])
        expected = origin + k * spacing[2] * direction[:, 2]
        assert np.allclose(ipp, expected, atol=1e-6), (k, ipp, expected)
        iop = np.array([float(v) for v in ds.ImageOrientationPatient])
        assert np.allclose(iop[:3], direction[:, 0]) and np.allclose(iop[3:], direction[:, 1])
        # PixelSpacing = [row spacing, column spacing]
        assert [float(v) for v in ds.PixelSpacing] == pytest.approx([spacing[1], spacing[0]],
                                                                   abs=1e-7)
        assert float(ds.SliceThickness) == float(ds.SpacingBetweenSlices) == 5.0
        assert ds.InstanceNumber == k + 1
    assert (datasets[0].Rows, datasets[0].Columns) == (shape[1], shape[2])


@pytest.mark.parametrize("patient", ["LUNG1", "LUNG2"])
def test_series_attributes_and_uids(patient, sample_root, series_cache):
    manifest = [r for r in read_csv(sample_root / "manifest.csv") if r["patient_id"] == patient]
    studies, series = set(), set()
    for row in manifest:
        _, datasets = series_cache(patient, row["visit"])
        first = datasets[0]
        assert first.SOPClassUID == CTImageStorage and first.Modality == "CT"
        assert first.PatientID == patient and first.PatientPosition == "HFS"
        assert first.Manufacturer == "recist sample data"
        assert list(first.ImageType) == ["ORIGINAL", "PRIMARY", "AXIAL"]
        assert first.StudyDate == row["date"].replace("-", "")
        assert len({ds.SOPInstanceUID for ds in datasets}) == len(datasets)
        assert len({ds.SeriesInstanceUID for ds in datasets}) == 1
        assert len({ds.FrameOfReferenceUID for ds in datasets}) == 1
        studies.add(first.StudyInstanceUID)
        series.add(first.SeriesInstanceUID)
    assert len(studies) == len(series) == len(manifest)  # one study per visit


@pytest.mark.parametrize("patient,visit", [("LUNG1", "V1"), ("LUNG1", "V2"), ("LUNG1", "V3"),
                                           ("LUNG2", "V1"), ("LUNG2", "V2")])
def test_followup_equals_baseline_outside_lesion_neighbourhood(patient, visit, sample_root,
                                                                series_cache):
    baseline, _ = series_cache(patient, "V0")
    followup, datasets = series_cache(patient, visit)
    spacing = float(datasets[0].PixelSpacing[0])
    labels = [
        sitk.GetArrayFromImage(sitk.ReadImage(str(sample_root / "patients" / patient / v /
                                                  "labels.nrrd"))) > 0
        for v in ("V0", visit)
    ]
    lesions = labels[0] | labels[1]
    # Neighbourhood: 25 mm in-plane, one slice above and below, around either visit's lesions.
    from scipy import ndimage

    radius = int(np.ceil(25.0 / spacing))
    near = ndimage.maximum_filter(lesions, size=(3, 2 * radius + 1, 2 * radius + 1))
    differs = followup != baseline
    assert not np.any(differs & ~near), "follow-up differs from baseline away from lesions"
    assert np.any(differs & near), "follow-up should differ near the lesion"
    assert followup.min() >= -1024 and followup.max() <= 3071
