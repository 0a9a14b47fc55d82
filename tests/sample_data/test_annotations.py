"""Line annotations, label images, truth table and scenario arithmetic of the sample data."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy.spatial.distance import pdist

from recist.criteria import Criteria
from recist.table import read_measurements

from .conftest import SOURCE_RECORDS, read_csv, sha256_of

VISITS = [("LUNG1", "V0"), ("LUNG1", "V1"), ("LUNG1", "V2"), ("LUNG1", "V3"),
          ("LUNG2", "V0"), ("LUNG2", "V1"), ("LUNG2", "V2")]


def _pixel_to_patient(ds, x: float, y: float) -> np.ndarray:
    """DICOM image-relative (x, y), corner convention, to LPS mm from IPP/IOP/PixelSpacing."""
    ipp = np.array([float(v) for v in ds.ImagePositionPatient])
    iop = np.array([float(v) for v in ds.ImageOrientationPatient])
    row_spacing, column_spacing = (float(v) for v in ds.PixelSpacing)
    return ipp + (x - 0.5) * column_spacing * iop[:3] + (y - 0.5) * row_spacing * iop[3:]


def _labels(root, patient, visit):
    image = sitk.ReadImage(str(root / "patients" / patient / visit / "labels.nrrd"))
    return image, sitk.GetArrayFromImage(image)


def _in_plane_ld_mm(mask: np.ndarray, pixel_mm: float) -> float:
    """Independent LD: farthest pair of pixel centres on any slice + one pixel (edge to edge)."""
    best = 0.0
    for k in np.nonzero(mask.any(axis=(1, 2)))[0]:
        points = np.argwhere(mask[k]) * pixel_mm
        best = max(best, (pdist(points).max() if len(points) > 1 else 0.0) + pixel_mm)
    return best


@pytest.mark.parametrize("patient,visit", VISITS)
def test_lines_reference_the_series_and_lie_inside_the_lesion(patient, visit, sample_root,
                                                              series_cache):
    folder = sample_root / "patients" / patient / visit
    _, datasets = series_cache(patient, visit)
    index_of = {ds.SOPInstanceUID: k for k, ds in enumerate(datasets)}
    _, labels = _labels(sample_root, patient, visit)
    label_of = {r["lesion_id"]: int(r["label"]) for r in read_csv(folder / "lesions.csv")}
    lines = read_csv(folder / "lines.csv")
    assert sorted({r["lesion_id"] for r in lines}) == sorted(label_of)
    for lesion_id, label in label_of.items():
        rows = {r["axis"]: r for r in lines if r["lesion_id"] == lesion_id}
        assert set(rows) == {"long", "short"}
        assert rows["long"]["sop_instance_uid"] == rows["short"]["sop_instance_uid"]
        k = index_of[rows["long"]["sop_instance_uid"]]  # KeyError = UID not in the series
        ds = datasets[k]
        ends = {}
        for axis, row in rows.items():
            x1, y1, x2, y2 = (float(row[c]) for c in ("x1", "y1", "x2", "y2"))
            for x, y in ((x1, y1), (x2, y2)):
                assert 0 <= x <= ds.Columns and 0 <= y <= ds.Rows
            ends[axis] = (_pixel_to_patient(ds, x1, y1), _pixel_to_patient(ds, x2, y2))
        long_vec = ends["long"][1] - ends["long"][0]
        short_vec = ends["short"][1] - ends["short"][0]
        cos = abs(np.dot(long_vec, short_vec)) / np.linalg.norm(long_vec) / np.linalg.norm(short_vec)
        assert cos < 1e-3, f"{patient} {visit} {lesion_id}: axes not perpendicular"
        assert np.linalg.norm(short_vec) <= np.linalg.norm(long_vec)
        # Every point of the short axis lies in the lesion (pixel containing it).
        row = rows["short"]
        x1, y1, x2, y2 = (float(row[c]) for c in ("x1", "y1", "x2", "y2"))
        for t in np.linspace(0, 1, 50):
            x, y = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
            j, i = min(int(y), ds.Rows - 1), min(int(x), ds.Columns - 1)
            assert labels[k, j, i] == label, (lesion_id, t)
        # The long axis runs through the lesion and ends within one pixel of it.
        row = rows["long"]
        x1, y1, x2, y2 = (float(row[c]) for c in ("x1", "y1", "x2", "y2"))
        assert labels[k, int((y1 + y2) / 2), int((x1 + x2) / 2)] == label
        near = np.argwhere(labels[k] == label) + 0.5  # (row, column) pixel centres
        for x, y in ((x1, y1), (x2, y2)):
            assert np.min(np.hypot(near[:, 1] - x, near[:, 0] - y)) <= 1.0


def test_line_lengths_agree_with_truth_within_one_pixel(sample_root, series_cache):
    truth = {(r["patient_id"], r["visit"], r["lesion_id"]): r
             for r in read_csv(sample_root / "truth.csv")}
    checked = 0
    for patient, visit in VISITS:
        _, datasets = series_cache(patient, visit)
        index_of = {ds.SOPInstanceUID: k for k, ds in enumerate(datasets)}
        pixel_mm = float(datasets[0].PixelSpacing[0])
        for row in read_csv(sample_root / "patients" / patient / visit / "lines.csv"):
            ds = datasets[index_of[row["sop_instance_uid"]]]
            x1, y1, x2, y2 = (float(row[c]) for c in ("x1", "y1", "x2", "y2"))
            length = np.linalg.norm(_pixel_to_patient(ds, x2, y2) - _pixel_to_patient(ds, x1, y1))
            record = truth[(patient, visit, row["lesion_id"])]
            column = "ld_mm" if row["axis"] == "long" else "sa_mm"
            # the script's own measurement, to the 3 decimals it writes
            assert length == pytest.approx(float(record[f"measured_{column}"]), abs=2e-3)
            # the constructed truth, within one pixel (discretisation of the mask)
            assert abs(length - float(record[f"true_{column}"])) <= pixel_mm, (patient, visit, row)
            checked += 1
    assert checked == 2 * len(truth)


@pytest.mark.parametrize("patient", ["LUNG1", "LUNG2"])
def test_followup_masks_are_scaled_baseline_within_one_pixel(patient, sample_root):
    truth = [r for r in read_csv(sample_root / "truth.csv")
             if r["patient_id"] == patient and r["lesion_id"] == "T1"]
    # The expert mask: the committed V0 label image, which must be the pyradiomics label
    # NRRD's mask voxel for voxel (its recorded digest), on the NRRD's exact geometry.
    source = SOURCE_RECORDS[patient]
    _, baseline_labels = _labels(sample_root, patient, "V0")
    baseline = baseline_labels > 0
    assert sha256_of(baseline, "u1") == source["mask_uint8_sha256"]
    pixel_mm = source["spacing_mm"][0]
    baseline_ld = _in_plane_ld_mm(baseline, pixel_mm)
    k0 = int(truth[0]["slice_index"])
    for record in truth:
        image, labels = _labels(sample_root, patient, record["visit"])
        assert image.GetSpacing() == tuple(source["spacing_mm"])
        assert image.GetOrigin() == tuple(source["origin_mm"])
        assert image.GetDirection() == tuple(source["direction"])
        assert list(labels.shape) == source["shape_kji"]
        mask = labels == 1
        scale = float(record["scale"])
        if record["visit"] == "V0":
            assert np.array_equal(mask, baseline)
        assert abs(_in_plane_ld_mm(mask, pixel_mm) - scale * baseline_ld) <= pixel_mm
        # The slice through the scaling centre holds the baseline section scaled by `scale`:
        # its area scales by scale**2 (15 % allows for the digitised edge).
        area_ratio = mask[k0].sum() / baseline[k0].sum()
        assert area_ratio == pytest.approx(scale**2, rel=0.15)


def test_new_nodule_is_a_small_sphere_in_aerated_lung(sample_root, series_cache):
    volume, datasets = series_cache("LUNG2", "V2")
    baseline, _ = series_cache("LUNG2", "V0")
    _, labels = _labels(sample_root, "LUNG2", "V2")
    nodule = labels == 2
    pixel_mm = float(datasets[0].PixelSpacing[0])
    assert np.count_nonzero(nodule.any(axis=(1, 2))) == 1  # 6 mm sphere, 5 mm slices
    assert abs(_in_plane_ld_mm(nodule, pixel_mm) - 6.0) <= pixel_mm
    assert np.median(volume[nodule]) > -100  # solid
    assert np.median(baseline[nodule]) < -600  # placed in aerated lung
    tumour = np.argwhere(labels == 1).mean(axis=0)
    centre = np.argwhere(nodule).mean(axis=0)
    distance = np.linalg.norm((tumour - centre) * np.array([5.0, pixel_mm, pixel_mm]))
    assert distance > 40.0


def test_scenarios_walk_through_recist_with_margins(sample_root):
    """Measured sums vs RECIST 1.1 thresholds (TGT-PR / TGT-PD, R11 4.3.1), >= 2 px margins."""
    criteria = Criteria()
    table = read_measurements(sample_root / "measurements_expected.csv")
    targets = table[table["kind"] == "target"]
    sums = {(p, v): g["ld_mm"].sum() for (p, v), g in targets.groupby(["patient_id", "visit"], observed=True)}
    margin = 2 * 0.6270  # two pixels of the coarser series

    def pct(a, b):
        return 100.0 * (a - b) / b

    base1 = sums[("LUNG1", "V0")]
    for visit in ("V1", "V2"):  # partial response, twice (confirmed)
        assert sums[("LUNG1", visit)] <= base1 * (1 - criteria.pr_decrease_pct / 100) - margin
    nadir1 = min(sums[("LUNG1", v)] for v in ("V0", "V1", "V2"))
    assert pct(sums[("LUNG1", "V3")], nadir1) > criteria.pd_increase_pct
    assert sums[("LUNG1", "V3")] - nadir1 >= criteria.pd_min_increase_mm + margin

    base2 = sums[("LUNG2", "V0")]
    v1, v2 = sums[("LUNG2", "V1")], sums[("LUNG2", "V2")]
    assert v1 >= base2 * (1 - criteria.pr_decrease_pct / 100) + margin  # not PR: SD
    assert v1 <= base2 * (1 + criteria.pd_increase_pct / 100) - margin
    assert v2 <= min(base2, v1) * (1 + criteria.pd_increase_pct / 100) - margin  # size: no PD
    new = table[(table["kind"] == "new") & (table["patient_id"] == "LUNG2")]
    assert list(new["visit"]) == ["V2"] and list(new["status"]) == ["unequivocal"]


def test_tables_are_consistent(sample_root):
    manifest = read_csv(sample_root / "manifest.csv")
    assert [(r["patient_id"], r["visit"]) for r in manifest] == VISITS
    for row in manifest:
        for column in ("series_dir", "lines", "masks", "lesions"):
            assert (sample_root / row[column]).exists(), row[column]
    patients = read_csv(sample_root / "patients.csv")
    assert [r["patient_id"] for r in patients] == ["LUNG1", "LUNG2"]
    assert all(r["start_date"] == "2024-01-15" for r in patients)
    measured = read_csv(sample_root / "measurements_expected.csv")
    truth = read_csv(sample_root / "truth.csv")
    assert [(r["patient_id"], r["visit"], r["lesion_id"]) for r in measured] == [
        (r["patient_id"], r["visit"], r["lesion_id"]) for r in truth]
    for m, t in zip(measured, truth):
        assert m["ld_mm"] == t["measured_ld_mm"] and m["sa_mm"] == t["measured_sa_mm"]
        ld = np.array([float(m[f"ld_{c}"]) for c in ("x2", "y2", "z2")]) - np.array(
            [float(m[f"ld_{c}"]) for c in ("x1", "y1", "z1")])
        assert np.linalg.norm(ld) == pytest.approx(float(m["ld_mm"]), abs=5e-3)
