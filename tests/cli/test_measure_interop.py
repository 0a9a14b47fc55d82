"""``recist measure --sr / --seg / --rtstruct`` through the CLI (one line per error)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from dicom_io.series import load_series
from recist.cli import EXIT_INPUT_ERROR, main
from recist.pipeline.sources.seg import export_seg

from support.annotation_files import _sr


def test_measure_sr_writes_the_table(ct_series, tmp_path, capsys):
    out = tmp_path / "m.csv"
    status = main(["measure", "--series", str(ct_series[0].parent), "--sr",
                   str(_sr(ct_series, tmp_path)), "--visit", "baseline", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    assert table.loc[0, ["lesion_id", "visit", "method"]].tolist() == ["L1", "baseline", "sr"]
    assert table.loc[0, "ld_mm"] == pytest.approx(14.0, abs=1e-4)
    assert table.loc[0, "sa_mm"] == pytest.approx(8.0, abs=1e-4)


def test_measure_seg_and_rtstruct_sources(ct_series, tmp_path, capsys):
    series = load_series(ct_series[0].parent)
    labels = np.zeros(series.geometry.shape, np.uint8)
    labels[2, 10:20, 10:20] = 1
    sitk.WriteImage(series.geometry.to_sitk_image(labels), str(tmp_path / "l.nrrd"))
    pd.DataFrame({"label": [1], "lesion_id": ["M1"], "kind": ["target"], "organ": ["liver"],
                  "nodal": [False]}).to_csv(tmp_path / "l.csv", index=False)
    seg = export_seg(tmp_path / "l.nrrd", tmp_path / "l.csv", ct_series[0].parent,
                     tmp_path / "seg.dcm")
    status = main(["measure", "--series", str(ct_series[0].parent), "--seg", str(seg),
                   "--out", str(tmp_path / "seg.csv")])
    assert status == 0, capsys.readouterr().err
    from_seg = pd.read_csv(tmp_path / "seg.csv")
    assert from_seg[["lesion_id", "organ", "slice_index"]].values.tolist() == [["M1", "liver", 2]]
    status = main(["measure", "--series", str(ct_series[0].parent), "--masks",
                   str(tmp_path / "l.nrrd"), "--lesions", str(tmp_path / "l.csv"),
                   "--out", str(tmp_path / "mask.csv")])
    assert status == 0
    assert from_seg["ld_mm"].tolist() == pd.read_csv(tmp_path / "mask.csv")["ld_mm"].tolist()


def test_two_sources_is_a_one_line_error(ct_series, tmp_path, capsys):
    status = main(["measure", "--series", str(ct_series[0].parent), "--sr", "a.dcm",
                   "--seg", "b.dcm", "--out", str(tmp_path / "m.csv")])
    err = capsys.readouterr().err
    assert status == EXIT_INPUT_ERROR
    assert "give one annotation source, not --sr and --seg" in err
    assert len(err.strip().splitlines()) == 1


def test_dicomweb_without_uids_is_refused(tmp_path, capsys):
    status = main(["measure", "--dicomweb", "http://127.0.0.1:9/dicom-web", "--sr", "a.dcm",
                   "--out", str(tmp_path / "m.csv")])
    assert status == EXIT_INPUT_ERROR
    assert "--dicomweb needs --study UID and --series-uid UID" in capsys.readouterr().err
