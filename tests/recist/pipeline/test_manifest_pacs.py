"""Manifest rows that name a PACS: the worker retrieves its own series over DICOMweb.

A real Orthanc (``orthanc`` fixture) holds the sample LUNG1 baseline; the same study
measured from the PACS and from the local folder must give the same rows.
"""

from __future__ import annotations

import pandas as pd
import pydicom
import pytest
import requests

from recist.pipeline.manifest import StudyFailure, measure_manifest

from support.paths import SAMPLE_DATA

LUNG1 = SAMPLE_DATA / "patients" / "LUNG1" / "V0"
PROVENANCE_FREE = ["patient_id", "date", "visit", "lesion_id", "kind", "ld_mm", "sa_mm",
                   "status", "sop_instance_uid", "series_uid"]


@pytest.fixture(scope="module")
def lung1_on_pacs(orthanc):
    """LUNG1's baseline CT uploaded to Orthanc; (DICOMweb root, study UID, series UID)."""
    files = sorted((LUNG1 / "ct").glob("*.dcm"))
    for path in files:
        requests.post(f"{orthanc}/instances", data=path.read_bytes(),
                      timeout=30).raise_for_status()
    first = pydicom.dcmread(files[0], stop_before_pixels=True)
    return f"{orthanc}/dicom-web", str(first.StudyInstanceUID), str(first.SeriesInstanceUID)


def _manifest(tmp_path, rows):
    path = tmp_path / "manifest.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_pacs_row_gives_the_rows_of_the_local_folder(tmp_path, lung1_on_pacs):
    url, study, series = lung1_on_pacs
    lines = str(LUNG1 / "lines.csv")
    local = {"patient_id": "LUNG1", "visit": "V0", "series_dir": str(LUNG1 / "ct"),
             "lines": lines}
    remote = {"patient_id": "LUNG1", "visit": "V0", "dicomweb": url, "study_uid": study,
              "series_uid": series, "lines": lines}
    from_folder, failed_local = measure_manifest(_manifest(tmp_path, [local]), workers=1)
    from_folder = from_folder.table
    from_pacs, failed_remote = measure_manifest(_manifest(tmp_path, [remote]), workers=1)
    from_pacs = from_pacs.table
    assert failed_local == [] and failed_remote == []
    assert len(from_pacs) == len(from_folder) > 0
    pd.testing.assert_frame_equal(from_pacs[PROVENANCE_FREE], from_folder[PROVENANCE_FREE])


@pytest.mark.parametrize(("row", "message"), [
    pytest.param({"dicomweb": "URL", "series_uid": "SERIES"}, "needs study_uid and series_uid",
                 id="no-study-uid"),
    pytest.param({"dicomweb": "URL", "study_uid": "STUDY", "series_uid": "SERIES",
                  "series_dir": "ct"}, "series_dir or dicomweb, not both", id="both-places"),
])
def test_incomplete_pacs_rows_fail_alone_with_one_line(tmp_path, lung1_on_pacs, row, message):
    url, study, series = lung1_on_pacs
    values = {"URL": url, "STUDY": study, "SERIES": series}
    bad = {"patient_id": "P2", "visit": "V0", "lines": str(LUNG1 / "lines.csv"),
           **{key: values.get(value, value) for key, value in row.items()}}
    good = {"patient_id": "LUNG1", "visit": "V0", "series_dir": str(LUNG1 / "ct"),
            "lines": str(LUNG1 / "lines.csv")}
    result, failed = measure_manifest(_manifest(tmp_path, [good, bad]), workers=1)
    table = result.table
    assert set(table["patient_id"]) == {"LUNG1"}
    assert len(failed) == 1 and isinstance(failed[0], StudyFailure)
    assert failed[0].row == 3 and message in failed[0].reason
    assert "\n" not in failed[0].reason
