"""The radiologist's round trip through a real OHIF (3.12.0, the npm package's built app)
and a real Orthanc, both started by ``recist.pipeline.viewer.running_viewer``, driven in
Debian's Chromium by playwright-core (tests/node/viewer/ohif_round_trip.js):

* recist -> OHIF: the SR of ``recist export-sr``, double-clicked in the study browser with
  "Yes" to OHIF's offer to track its measurements, is restored as editable Bidirectional
  / Length tools on the image each
  lesion was measured on, labelled with the lesion id, with recist's lengths and end
  points (within 0.1 mm), and listed so in the measurement panel; the SEG of ``recist
  export-seg``, double-clicked and LOADed, is shown in the segmentation panel with its
  segment label, and OHIF's labelmap holds exactly the voxels of the label image;
* OHIF -> recist: a Bidirectional measurement dragged with the mouse using OHIF's tool,
  labelled in OHIF's rename dialog and saved with the measurement panel's "Create SR"
  button (OHIF's report dialog and writer, STOW-RS to Orthanc) is read by ``recist
  measure --dicomweb … --sr-series`` under the typed label with OHIF's LD and SA (within
  0.1 mm).

Screenshots are kept in out/ohif/ (the README's come from there).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
import SimpleITK as sitk

from dicom_io.dicomweb import search_series
from recist.pipeline.viewer import default_ohif_dist, running_viewer, upload_folder

from support.paths import REPO, SAMPLE_DATA, TESTS
from support.system_tools import dicomweb_plugin, require_tool

pytestmark = pytest.mark.slow

NODE_DIR = TESTS / "node" / "viewer"
VISIT = SAMPLE_DATA / "patients" / "LUNG1" / "V0"
SCREENSHOTS = REPO / "out" / "ohif"
MM = 0.1  # agreement asked of every length and end point, mm
DRAWN_LABEL = "T2 left lung"
REPORT = "Drawn in OHIF"  # the report name typed in OHIF's "Create SR" dialog


def _recist(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "recist", *args], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def _run_browser(command: list[str], timeout_s: float = 300) -> tuple[int, str, str]:
    """Run the node script in its own process group, so that a timeout also ends the
    Chromium it started."""
    with subprocess.Popen(command, cwd=NODE_DIR, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            pytest.fail(f"OHIF round trip did not finish in {timeout_s} s: {stderr[-3000:]}")
        return process.returncode, stdout, stderr


def _require_tools() -> str:
    node = shutil.which("node")
    require_tool("node with the viewer's npm packages (make node-tools)",
                 node is not None and (NODE_DIR / "node_modules" / "playwright-core").is_dir()
                 and default_ohif_dist() is not None)
    require_tool("Chromium (tests/system_tools/install_browser.sh)",
                 Path("/usr/bin/chromium").is_file())
    require_tool("Orthanc with its DICOMweb plugin", dicomweb_plugin() is not None)
    assert node is not None
    return node


def _lines_with_more_lesions(path: Path, headers: list[pydicom.Dataset]) -> None:
    """The sample's T1 plus a nodal target (N1) and a non-target measured by its long
    axis alone (NT1), on two other slices."""
    lines = pd.read_csv(VISIT / "lines.csv")
    n1, nt1 = (str(headers[k].SOPInstanceUID) for k in (20, 26))
    extra = pd.DataFrame([
        ("N1", "target", "lymph node", True, "long", n1, 300.25, 250.5, 330.75, 262.0),
        ("N1", "target", "lymph node", True, "short", n1, 312.0, 265.5, 318.5, 247.0),
        ("NT1", "non-target", "pleura", False, "long", nt1, 150.5, 300.5, 190.5, 330.5),
    ], columns=lines.columns)
    pd.concat([lines, extra]).to_csv(path, index=False)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    node = _require_tools()
    work = tmp_path_factory.mktemp("ohif")
    headers = sorted((pydicom.dcmread(p, stop_before_pixels=True)
                      for p in (VISIT / "ct").glob("*.dcm")),
                     key=lambda ds: int(ds.InstanceNumber))
    _lines_with_more_lesions(work / "lines.csv", headers)
    _recist("measure", "--series", str(VISIT / "ct"), "--lines", str(work / "lines.csv"),
            "--out", str(work / "measured.csv"))
    _recist("export-sr", str(work / "measured.csv"), "--series", str(VISIT / "ct"),
            "--out", str(work / "upload" / "sr.dcm"))
    _recist("export-seg", str(VISIT / "labels.nrrd"), "--lesions",
            str(VISIT / "lesions.csv"), "--series", str(VISIT / "ct"),
            "--out", str(work / "upload" / "seg.dcm"))
    table = pd.read_csv(work / "measured.csv").set_index("lesion_id")
    draw_on = headers[30]
    draw = {"sop": str(draw_on.SOPInstanceUID), "label": DRAWN_LABEL, "report": REPORT,
            "from": [300.5, 280.5], "to": [340.5, 300.5]}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    study = str(headers[0].StudyInstanceUID)
    with running_viewer(storage=work / "orthanc") as viewer:
        upload_folder(viewer, VISIT / "ct")
        upload_folder(viewer, work / "upload")
        returncode, stdout, stderr = _run_browser(
            [node, "ohif_round_trip.js", viewer.url, study, str(SCREENSHOTS),
             json.dumps(draw)])
        assert returncode == 0, stderr[-3000:]
        shown = json.loads(stdout)
        drawn = shown.get("drawn", {})
        series_in_pacs = search_series(viewer.dicomweb_url, study)
        if "saved" in drawn:
            _recist("measure", "--dicomweb", viewer.dicomweb_url, "--study", study,
                    "--series-uid", str(draw_on.SeriesInstanceUID),
                    "--sr-series", drawn["saved"]["series"],
                    "--out", str(work / "from_ohif.csv"))
    return {"table": table, "shown": shown, "draw": draw, "draw_on": draw_on, "work": work,
            "series_in_pacs": series_in_pacs}


def test_ohif_restores_our_sr_as_its_own_tools_with_labels_lengths_and_end_points(
        round_trip):
    table, sr = round_trip["table"], round_trip["shown"]["sr"]
    assert sr["rehydratable"] is True
    by_label = {m["label"]: m for m in sr["measurements"]}
    assert sorted(by_label) == ["N1", "NT1", "T1"]
    for lesion, row in table.iterrows():
        shown = by_label[lesion]
        assert shown["sop"] == row["sop_instance_uid"]
        assert shown["unit"] == "mm"
        assert shown["length"] == pytest.approx(row["ld_mm"], abs=MM)
        ends = np.array(shown["points"])
        ld_ends = row[["ld_x1", "ld_y1", "ld_z1", "ld_x2", "ld_y2", "ld_z2"]]
        np.testing.assert_allclose(ends[:2].ravel(), ld_ends.to_numpy(float), atol=MM)
        # OHIF draws what it computes from the handles on the image, not the stated value
        assert np.linalg.norm(ends[1] - ends[0]) == pytest.approx(row["ld_mm"], abs=MM)
        text = sr["panelText"]
        if pd.isna(row["sa_mm"]):
            assert shown["toolName"] == "Length"
            assert f"\n{lesion}\n{row['ld_mm']:.1f} mm\n" in text
            continue
        assert f"\n{lesion}\nL: {row['ld_mm']:.1f} mm\nW: {row['sa_mm']:.1f} mm\n" in text
        assert shown["toolName"] == "Bidirectional"
        assert shown["width"] == pytest.approx(row["sa_mm"], abs=MM)
        sa_ends = row[["sa_x1", "sa_y1", "sa_z1", "sa_x2", "sa_y2", "sa_z2"]]
        np.testing.assert_allclose(ends[2:].ravel(), sa_ends.to_numpy(float), atol=MM)
    assert "Measurements (3)" in sr["panelText"]
    assert (SCREENSHOTS / "ohif_sr.png").stat().st_size > 10_000


def test_ohif_shows_our_seg_with_its_label_and_every_voxel(round_trip):
    seg = round_trip["shown"]["seg"]
    labels = sitk.GetArrayFromImage(sitk.ReadImage(str(VISIT / "labels.nrrd")))
    lesions = pd.read_csv(VISIT / "lesions.csv")
    expected = [{"index": int(row.label), "label": row.lesion_id,
                 "voxels": int((labels == row.label).sum())} for row in lesions.itertuples()]
    assert [s["segments"] for s in seg["segmentations"]] == [expected]
    assert [s["label"] for s in seg["segmentations"]] == ["RECIST lesion masks"]
    # each segment recommends its colour: OHIF has nothing to warn about
    assert "RecommendedDisplayCIELabValue" not in seg["panelText"]
    assert expected[0]["voxels"] > 100
    assert "Segmentations" in seg["panelText"] and "T1" in seg["panelText"]
    assert (SCREENSHOTS / "ohif_seg.png").stat().st_size > 10_000


def test_recist_reads_what_ohif_drew_and_saved_under_the_typed_label(round_trip):
    drawn, draw_on = round_trip["shown"]["drawn"], round_trip["draw_on"]
    assert drawn["label"] == DRAWN_LABEL and drawn["toolName"] == "Bidirectional"
    assert drawn["sop"] == round_trip["draw"]["sop"]
    assert f"{DRAWN_LABEL}" in drawn["panelText"]
    # The drag's own length on this image, within a canvas pixel of where OHIF put it.
    (x1, y1), (x2, y2) = round_trip["draw"]["from"], round_trip["draw"]["to"]
    row_mm, col_mm = (float(v) for v in draw_on.PixelSpacing)
    dragged = math.hypot((x2 - x1) * col_mm, (y2 - y1) * row_mm)
    assert drawn["length"] == pytest.approx(dragged, abs=1.0)
    saved = [s for s in round_trip["series_in_pacs"]
             if s["SeriesInstanceUID"] == drawn["saved"]["series"]]
    assert [(s["Modality"], s["SeriesDescription"]) for s in saved] == [("SR", REPORT)]
    measured = pd.read_csv(round_trip["work"] / "from_ohif.csv")
    assert measured["lesion_id"].tolist() == [DRAWN_LABEL]
    row = measured.iloc[0]
    assert row["sop_instance_uid"] == drawn["sop"]
    assert row["ld_mm"] == pytest.approx(drawn["length"], abs=MM)
    assert row["sa_mm"] == pytest.approx(drawn["width"], abs=MM)
    assert (SCREENSHOTS / "ohif_drawn.png").stat().st_size > 10_000
