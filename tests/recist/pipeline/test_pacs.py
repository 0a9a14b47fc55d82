"""A real Orthanc PACS over DICOMweb: upload, search, fetch, measure, store an SR back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom
import pytest
import requests

from dicom_io.dicomweb import connect, retrieve_series, search_series, search_studies
from dicom_io.errors import DicomInputError
from dicom_io.series import load_series
from dicom_io.sr import ImagePlane, read_measurement_report
from recist.cli import EXIT_INPUT_ERROR, main
from recist.pipeline.pacs import fetch_study, store_report
from recist.pipeline.sources.sr import export_sr, measure_sr


@pytest.fixture(scope="module")
def uploaded(orthanc, tmp_path_factory, ct_factory):
    """The 4-slice test CT uploaded through Orthanc's REST API (POST /instances)."""
    paths = ct_factory(tmp_path_factory.mktemp("upload"), seed="pacs", patient_id="PX9")
    for path in paths:
        reply = requests.post(f"{orthanc}/instances", data=path.read_bytes(), timeout=30)
        reply.raise_for_status()
    first = pydicom.dcmread(paths[0])
    return paths, str(first.StudyInstanceUID), str(first.SeriesInstanceUID)


def test_search_finds_the_uploaded_study_and_series(orthanc, uploaded):
    _, study_uid, series_uid = uploaded
    studies = search_studies(f"{orthanc}/dicom-web", study_date="20240301")
    assert [s["StudyInstanceUID"] for s in studies] == [study_uid]
    series = search_series(f"{orthanc}/dicom-web", study_uid)
    assert [(s["SeriesInstanceUID"], s["Modality"]) for s in series] == [(series_uid, "CT")]
    assert int(series[0]["NumberOfSeriesRelatedInstances"]) == 4


def test_fetch_command_retrieves_identical_pixels_and_geometry(orthanc, uploaded, tmp_path,
                                                               capsys):
    paths, study_uid, series_uid = uploaded
    out = tmp_path / "fetched"
    status = main(["fetch", "--dicomweb", f"{orthanc}/dicom-web", "--study", study_uid,
                   "--series", series_uid, "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    assert "4 instance(s)" in capsys.readouterr().out
    fetched = {pydicom.dcmread(p).SOPInstanceUID: pydicom.dcmread(p) for p in out.iterdir()}
    assert len(fetched) == 4
    for path in paths:
        original = pydicom.dcmread(path)
        copy = fetched[original.SOPInstanceUID]
        np.testing.assert_array_equal(copy.pixel_array, original.pixel_array)
        assert list(copy.ImagePositionPatient) == list(original.ImagePositionPatient)
        assert list(copy.PixelSpacing) == list(original.PixelSpacing)
    fetched_series, original_series = load_series(out), load_series(paths[0].parent)
    assert fetched_series.geometry == original_series.geometry
    np.testing.assert_array_equal(fetched_series.volume, original_series.volume)


def test_fetched_series_is_measured_and_the_sr_stored_back_reads_the_same(
        orthanc, uploaded, tmp_path):
    _, study_uid, series_uid = uploaded
    url = f"{orthanc}/dicom-web"
    folders = fetch_study(url, study_uid, tmp_path / "study", modality="CT")
    series_dir = folders[series_uid]
    header = pydicom.dcmread(sorted(series_dir.iterdir())[1], stop_before_pixels=True)
    plane = ImagePlane.from_dataset(header)
    ends = plane.pixel_to_patient_mm(np.array([[5.5, 6.5], [25.5, 6.5]]))  # 20 cols, 14 mm
    row = {"patient_id": "PX9", "date": "2024-03-01", "visit": "baseline",
           "lesion_id": "T1", "kind": "target", "organ": "lung", "nodal": False,
           "status": "measured", "ld_mm": 14.0, "sop_instance_uid": header.SOPInstanceUID}
    row.update({f"ld_{a}{i + 1}": float(ends[i][k]) for i in (0, 1)
                for k, a in enumerate("xyz")})
    sr_path, _ = export_sr(pd.DataFrame([row]), series_dir, tmp_path / "sr.dcm")
    stored_uid = store_report(url, sr_path)

    sr_series = [s for s in search_series(url, study_uid) if s["Modality"] == "SR"]
    assert len(sr_series) == 1
    back = retrieve_series(url, study_uid, str(sr_series[0]["SeriesInstanceUID"]),
                           tmp_path / "sr_back")
    assert [p.name for p in back] == [f"{stored_uid}.dcm"]
    result = measure_sr(back, [series_dir])
    table, findings = result.table, list(result.findings)
    assert findings == []
    assert table.loc[0, "lesion_id"] == "T1"
    assert table.loc[0, "ld_mm"] == pytest.approx(14.0, abs=1e-4)  # float32 SCOORD
    assert [line.lesion_id for line in read_measurement_report(back[0]).lines] == ["T1"]


def test_unknown_series_is_a_one_line_error_naming_server_and_uids(orthanc, uploaded,
                                                                    tmp_path, capsys):
    _, study_uid, _ = uploaded
    status = main(["fetch", "--dicomweb", f"{orthanc}/dicom-web", "--study", study_uid,
                   "--series", "1.2.3.4.5", "--out", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert status == EXIT_INPUT_ERROR
    assert "1.2.3.4.5" in err and orthanc in err
    assert "PX9" not in err
    assert not (tmp_path / "none").exists()


def test_unreachable_server_says_so(tmp_path):
    with pytest.raises(DicomInputError, match="cannot reach the server"):
        search_series(connect("http://127.0.0.1:9/dicom-web", max_attempts=1), "1.2.3")


def test_measure_command_reads_the_series_from_the_pacs(orthanc, uploaded, tmp_path,
                                                        capsys):
    paths, study_uid, series_uid = uploaded
    header = pydicom.dcmread(paths[2], stop_before_pixels=True)
    plane = ImagePlane.from_dataset(header)
    ends = plane.pixel_to_patient_mm(np.array([[5.5, 6.5], [5.5, 31.5]]))  # 25 rows, 20 mm
    row = {"patient_id": "PX9", "date": "2024-03-01", "lesion_id": "T2", "kind": "target",
           "organ": "liver", "nodal": False, "status": "measured", "ld_mm": 20.0,
           "sop_instance_uid": header.SOPInstanceUID}
    row.update({f"ld_{a}{i + 1}": float(ends[i][k]) for i in (0, 1)
                for k, a in enumerate("xyz")})
    sr_path, _ = export_sr(pd.DataFrame([row]), paths[0].parent, tmp_path / "t2.dcm")
    out = tmp_path / "m.csv"
    status = main(["measure", "--dicomweb", f"{orthanc}/dicom-web", "--study", study_uid,
                   "--series-uid", series_uid, "--sr", str(sr_path), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    assert table.loc[0, "lesion_id"] == "T2"
    assert table.loc[0, "ld_mm"] == pytest.approx(20.0, abs=1e-4)
    assert table.loc[0, "sop_instance_uid"] == header.SOPInstanceUID


def test_measure_reads_an_sr_series_stored_in_the_pacs(orthanc, uploaded, tmp_path, capsys):
    # `recist measure --dicomweb … --sr-series UID`: the report a viewer saved to the PACS
    # (tests/recist/pipeline/test_viewer_ohif.py does it with OHIF) measured in place.
    paths, study_uid, series_uid = uploaded
    header = pydicom.dcmread(paths[3], stop_before_pixels=True)
    plane = ImagePlane.from_dataset(header)
    ends = plane.pixel_to_patient_mm(np.array([[4.5, 4.5], [34.5, 4.5]]))  # 30 cols, 21 mm
    row = {"patient_id": "PX9", "date": "2024-03-01", "lesion_id": "Node 7",
           "kind": "target", "organ": "lymph node", "nodal": True, "status": "measured",
           "ld_mm": 21.0, "sop_instance_uid": header.SOPInstanceUID}
    row.update({f"ld_{a}{i + 1}": float(ends[i][k]) for i in (0, 1)
                for k, a in enumerate("xyz")})
    sr_path, _ = export_sr(pd.DataFrame([row]), paths[0].parent, tmp_path / "n7.dcm")
    store_report(f"{orthanc}/dicom-web", sr_path)
    sr_series = str(pydicom.dcmread(sr_path).SeriesInstanceUID)
    out = tmp_path / "m.csv"
    status = main(["measure", "--dicomweb", f"{orthanc}/dicom-web", "--study", study_uid,
                   "--series-uid", series_uid, "--sr-series", sr_series, "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    capsys.readouterr()
    table = pd.read_csv(out)
    assert table["lesion_id"].tolist() == ["Node 7"]
    assert table.loc[0, "ld_mm"] == pytest.approx(21.0, abs=1e-4)
    assert table.loc[0, "sop_instance_uid"] == header.SOPInstanceUID

    status = main(["measure", "--dicomweb", f"{orthanc}/dicom-web", "--study", study_uid,
                   "--series-uid", series_uid, "--sr-series", "1.2.3.4.5",
                   "--out", str(tmp_path / "none.csv")])
    err = capsys.readouterr().err
    assert status == EXIT_INPUT_ERROR and "1.2.3.4.5" in err and err.count("\n") == 1
    assert not (tmp_path / "none.csv").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--series", "ct"], "--sr-series reads an SR series from a PACS"),
    (["--dicomweb", "http://127.0.0.1:9/dicom-web", "--study", "1.2", "--series-uid", "1.3",
      "--sr", "a.dcm"], "give the SR as --sr FILE or as --sr-series UID, not both"),
])
def test_sr_series_without_a_pacs_or_with_a_file_is_refused(extra, message, tmp_path,
                                                            capsys):
    status = main(["measure", *extra, "--sr-series", "1.4", "--out", str(tmp_path / "m.csv")])
    err = capsys.readouterr().err
    assert status == EXIT_INPUT_ERROR and message in err and err.count("\n") == 1
