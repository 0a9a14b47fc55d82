"""recist export-seg: a label image and its lesions out as a DICOM SEG, read back by
recist measure --seg to the same measurements; bad input is one line and exit 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom
import SimpleITK as sitk

from dicom_io.series import load_series
from recist.cli import main


def _labels(ct_series, tmp_path):
    series = load_series(ct_series[0].parent)
    labels = np.zeros(series.geometry.shape, np.uint8)
    labels[1, 10:22, 6:16] = 1
    labels[2, 30:36, 22:34] = 2
    labels[3, 2:5, 2:5] = 3                      # not listed: left out
    sitk.WriteImage(series.geometry.to_sitk_image(labels), str(tmp_path / "labels.nrrd"))
    pd.DataFrame({"label": [1, 2], "lesion_id": ["L1", "N1"], "kind": ["target", "new"],
                  "organ": ["lung", "lymph node"], "nodal": [False, True]}).to_csv(
        tmp_path / "lesions.csv", index=False)
    return tmp_path / "labels.nrrd", tmp_path / "lesions.csv"


def test_export_seg_then_measure_seg_gives_the_label_image_measurements(ct_series, tmp_path,
                                                                        capsys):
    nrrd, lesions = _labels(ct_series, tmp_path)
    series = str(ct_series[0].parent)
    out = tmp_path / "seg.dcm"
    assert main(["export-seg", str(nrrd), "--lesions", str(lesions), "--series", series,
                 "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    seg = pydicom.dcmread(out, stop_before_pixels=True)
    assert [(s.SegmentNumber, s.SegmentLabel, s.SegmentDescription)
            for s in seg.SegmentSequence] == [(1, "L1", "target"), (2, "N1", "new")]
    assert main(["measure", "--series", series, "--seg", str(out), "--out",
                 str(tmp_path / "from_seg.csv")]) == 0
    assert main(["measure", "--series", series, "--masks", str(nrrd), "--lesions",
                 str(lesions), "--out", str(tmp_path / "from_nrrd.csv")]) == 0
    columns = ["lesion_id", "kind", "nodal", "ld_mm", "sa_mm", "slice_index", "volume_mm3"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "from_seg.csv")[columns],
                                  pd.read_csv(tmp_path / "from_nrrd.csv")[columns])


def test_export_seg_of_labels_off_the_series_grid_is_one_line_exit_2(ct_series, tmp_path,
                                                                     capsys, ct_factory):
    nrrd, lesions = _labels(ct_series, tmp_path)
    other = ct_factory(tmp_path / "other", seed="other", rows=40, columns=40)
    status = main(["export-seg", str(nrrd), "--lesions", str(lesions), "--series",
                   str(other[0].parent), "--out", str(tmp_path / "seg.dcm")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("recist export-seg: error: ") and err.count("\n") == 1
    assert "not on the grid of series" in err
    assert not (tmp_path / "seg.dcm").exists()
