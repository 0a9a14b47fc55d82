"""A manifest accepts every annotation source: SR, SEG and RTSTRUCT rows measured in one
``recist measure --manifest`` run give the rows of the single-study commands."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pydicom
import pytest
import SimpleITK as sitk

from dicom_io.series import load_series
from recist.cli import EXIT_INPUT_ERROR, main
from recist.pipeline.manifest import measure_manifest
from recist.pipeline.sources.seg import export_seg

from support.annotation_files import _rectangle, _sr, write_rtstruct, z_of


@pytest.fixture
def three_sources(ct_series, tmp_path):
    """An SR, a SEG and an RTSTRUCT drawn on one series (file names relative to tmp_path)."""
    series_dir = ct_series[0].parent
    sr = _sr(ct_series, tmp_path)
    series = load_series(series_dir)
    labels = np.zeros(series.geometry.shape, np.uint8)
    labels[2, 10:20, 10:20] = 1
    labels[1, 30:36, 22:34] = 2
    sitk.WriteImage(series.geometry.to_sitk_image(labels), str(tmp_path / "l.nrrd"))
    pd.DataFrame({"label": [1, 2], "lesion_id": ["M1", "N1"], "kind": ["target", "non-target"],
                  "organ": ["liver", "lymph node"], "nodal": [False, True]}).to_csv(
        tmp_path / "l.csv", index=False)
    seg = export_seg(tmp_path / "l.nrrd", tmp_path / "l.csv", series_dir, tmp_path / "seg.dcm")
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in ct_series]
    rtstruct = write_rtstruct(tmp_path / "rs.dcm", headers, [
        (1, "GTV_lung", "GTV", [(1, _rectangle(-15, -25, 20, 10, z_of(1)))]),
        (2, "BODY", "EXTERNAL", [(1, _rectangle(-19, -29, 26, 36, z_of(1)))])])
    return {"series": series_dir.name, "sr": sr.name, "seg": seg.name,
            "rtstruct": rtstruct.name}


def _single(tmp_path, option: str, file: str, visit: str) -> pd.DataFrame:
    out = tmp_path / f"single_{option}.csv"
    status = main(["measure", "--series", str(tmp_path / "ct"), f"--{option}",
                   str(tmp_path / file), "--visit", visit, "--out", str(out)])
    assert status == 0
    return pd.read_csv(out)


def _manifest(tmp_path, files: dict[str, str]) -> str:
    rows = [f"P001,V-{name},,ct,{files[name] if name == 'sr' else ''},"
            f"{files[name] if name == 'seg' else ''},"
            f"{files[name] if name == 'rtstruct' else ''}"
            for name in ("sr", "seg", "rtstruct")]
    path = tmp_path / "manifest.csv"
    path.write_text("patient_id,visit,date,series_dir,sr,seg,rtstruct\n"
                    + "\n".join(rows) + "\n")
    return str(path)


def test_sr_seg_and_rtstruct_rows_give_the_single_study_rows(three_sources, tmp_path,
                                                              capsys):
    manifest = _manifest(tmp_path, three_sources)
    out = tmp_path / "all.csv"
    status = main(["measure", "--manifest", manifest, "--workers", "2", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    together = pd.read_csv(out)
    assert sorted(together["visit"].unique()) == ["V-rtstruct", "V-seg", "V-sr"]
    for name in ("sr", "seg", "rtstruct"):
        single = _single(tmp_path, name, three_sources[name], f"V-{name}")
        rows = together[together["visit"] == f"V-{name}"].reset_index(drop=True)
        assert len(single) > 0
        pd.testing.assert_frame_equal(rows[list(single.columns)], single, check_dtype=False)
    assert set(together["method"]) == {"sr", "mask", "contour"}


def test_a_thread_pool_gives_the_same_table_as_the_default_pool(three_sources, tmp_path):
    manifest = _manifest(tmp_path, three_sources)
    default, failures = measure_manifest(manifest, workers=2, progress=False)
    assert failures == []
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded, failures = measure_manifest(manifest, executor=pool, progress=False)
    assert failures == []
    pd.testing.assert_frame_equal(threaded.table, default.table)
    assert threaded.findings == default.findings


def test_a_row_with_two_sources_fails_naming_the_row(three_sources, tmp_path, capsys):
    path = tmp_path / "manifest.csv"
    path.write_text("patient_id,visit,series_dir,sr,seg\n"
                    f"P001,V0,ct,{three_sources['sr']},{three_sources['seg']}\n")
    status = main(["measure", "--manifest", str(path), "--workers", "1",
                   "--out", str(tmp_path / "m.csv")])
    err = capsys.readouterr().err
    assert status == EXIT_INPUT_ERROR
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert "manifest row 2 (patient_id P001, visit V0)" in errors[0]
    assert "not sr and seg" in errors[0]


def test_sources_cannot_be_combined_with_a_manifest(three_sources, tmp_path, capsys):
    status = main(["measure", "--manifest", _manifest(tmp_path, three_sources), "--sr",
                   str(tmp_path / three_sources["sr"]), "--out", str(tmp_path / "m.csv")])
    assert status == EXIT_INPUT_ERROR
    assert "--sr cannot be combined with --manifest" in capsys.readouterr().err


def test_a_manifest_column_named_twice_is_refused(tmp_path):
    """``Lines`` and ``lines``: which annotation file is meant cannot be known."""
    from recist.errors import RecistDataError
    from recist.pipeline.manifest import read_manifest

    manifest = tmp_path / "manifest.csv"
    manifest.write_text("patient_id,visit,series_dir,Lines,lines\nP1,V0,ct,a.csv,b.csv\n")
    with pytest.raises(RecistDataError, match=r"the column lines is named 2 times "
                                              r"\(Lines, lines\); a manifest names each"):
        read_manifest(manifest)
