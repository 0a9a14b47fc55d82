"""``recist measure`` in a subprocess on factory series, and on the generated sample data
against ``sample_data/truth.csv``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dicom_io.testing import write_ct_series
from recist.pipeline.measure import MEASUREMENT_COLUMNS, measure_study
from recist.table import read_measurements

from support.measure_lines import _line, write_lines


def run_recist(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recist", "measure", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    volume = np.full((3, 40, 40), -800, dtype=np.int16)
    yy, xx = np.mgrid[:40, :40]
    volume[1][np.hypot(yy - 20, xx - 20) <= 8] = 40
    series = write_ct_series(folder / "ct", volume=volume, pixel_spacing_mm=(0.75, 0.75),
                             slice_spacing_mm=5.0, seed="cli")
    uid = series.sop_instance_uids[1]
    lines = write_lines(folder / "lines.csv", [
        _line("T1", "long", uid, 12.5, 20.5, 28.5, 20.5, organ="right lung"),
        _line("T1", "short", uid, 20.5, 12.5, 20.5, 27.5, organ="right lung"),
    ])
    return folder, series, lines


def test_cli_lines_with_overlays(study, tmp_path):
    _, series, lines = study
    out, overlays = tmp_path / "m.csv", tmp_path / "png"
    done = run_recist("--series", series.folder, "--lines", lines, "--out", out,
                      "--overlays", overlays, "--visit", "BL")
    assert done.returncode == 0, done.stderr
    table = read_measurements(out)  # the contract reader accepts it
    assert list(pd.read_csv(out).columns) == list(MEASUREMENT_COLUMNS)
    row = table.iloc[0]
    assert (row.lesion_id, row.ld_mm, row.sa_mm) == ("T1", 12.0, 11.25)
    assert row.slice_thickness_mm == 5.0 and row.visit == "BL"
    assert row.organ == "right lung" and row.status == "measured"
    (png,) = overlays.glob("*.png")
    assert png.name == "SYNTH-001_BL_T1.png" and png.stat().st_size > 10_000


def test_cli_bad_input_is_one_line_exit_2(study, tmp_path):
    _, series, _ = study
    lines = write_lines(tmp_path / "bad.csv", [_line("T9", "long", "1.2.3.4", 1, 1, 5, 5)])
    done = run_recist("--series", series.folder, "--lines", lines, "--out", tmp_path / "m.csv")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "lesion T9 (long axis) is drawn on image 1.2.3.4" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.csv").exists()
    done = run_recist("--series", series.folder, "--masks", lines, "--out", tmp_path / "m.csv")
    assert done.returncode == 2 and "--masks needs --lesions" in done.stderr


def test_cli_manifest_one_failure_others_written(study, tmp_path):
    _, series, lines = study
    manifest = tmp_path / "manifest.csv"
    bad = write_lines(tmp_path / "bad.csv", [_line("T1", "long", "1.2.3.4", 1, 1, 5, 5)])
    rows = [
        ("P1", "V0", "2024-01-01", series.folder, lines),
        ("P1", "V1", "2024-03-01", series.folder, bad),
        ("P2", "V0", "", series.folder, lines),
    ]
    text = "patient_id,visit,date,series_dir,lines,masks,lesions\n" + "".join(
        f"{p},{v},{d},{s},{li},,\n"
        for p, v, d, s, li in rows)
    manifest.write_text(text)
    out = tmp_path / "all.csv"
    done = run_recist("--manifest", manifest, "--out", out, "--workers", "2",
                      "--overlays", tmp_path / "png")
    assert done.returncode == 1
    assert "manifest row 3 (patient_id P1, visit V1)" in done.stderr
    assert "written with the 2 stud(y/ies) that succeeded" in done.stderr
    table = pd.read_csv(out)
    assert list(table.patient_id) == ["P1", "P2"]
    assert list(table.date) == ["2024-01-01", "2024-01-15"]  # manifest, else DICOM
    # pictures are named with the manifest's pseudonymous patient ids, like the table
    assert sorted(p.name for p in (tmp_path / "png").glob("*.png")) == [
        "P1_V0_T1.png", "P2_V0_T1.png"]


# ------------------------------------------------------------------------ sample data
def _pixel_mm(patient_id: str, manifest: Path) -> float:
    from dicom_io.series import load_series

    row = pd.read_csv(manifest).query("patient_id == @patient_id").iloc[0]
    return max(load_series(manifest.parent / row.series_dir).geometry.pixel_spacing_mm)


def test_sample_data_lines_and_masks_match_truth(sample_manifest):
    """Lines: the sample lines were drawn from the truth's measured LD/SA, so lengths
    agree to 0.01 mm. Masks: LD/SA within one pixel of the truth's measured values."""
    truth = pd.read_csv(sample_manifest.parent / "truth.csv", dtype={"visit": str})
    manifest = pd.read_csv(sample_manifest, dtype=str, keep_default_na=False)
    pixel = {p: _pixel_mm(p, sample_manifest) for p in manifest.patient_id.unique()}
    checked = 0
    for _, row in manifest.iterrows():
        base = sample_manifest.parent
        expected = truth[(truth.patient_id == row.patient_id) & (truth.visit == row.visit)]
        masks = measure_study(base / row.series_dir, masks=base / row.masks,
                              lesions=base / row.lesions).table
        merged = expected.merge(masks, on="lesion_id")
        assert len(merged) == len(expected)
        tol = pixel[row.patient_id]
        assert np.all(np.abs(merged.ld_mm - merged.measured_ld_mm) < tol), merged
        assert np.all(np.abs(merged.sa_mm - merged.measured_sa_mm) < tol), merged
        assert np.all(merged.slice_index_x == merged.slice_index_y)
        lines = measure_study(base / row.series_dir, lines=base / row.lines).table
        merged = expected.merge(lines, on="lesion_id")
        assert np.all(np.abs(merged.ld_mm - merged.measured_ld_mm) < 0.01), merged
        assert np.all(np.abs(merged.sa_mm - merged.measured_sa_mm) < 0.01), merged
        checked += 1
    assert checked == len(manifest)


def test_cli_manifest_on_sample_data(sample_manifest, tmp_path):
    """The batch command on the whole sample cohort: every study measured (lines, as the
    manifest gives both), one row per truth row."""
    out = tmp_path / "measurements.csv"
    done = run_recist("--manifest", sample_manifest, "--out", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    table = read_measurements(out)
    truth = pd.read_csv(sample_manifest.parent / "truth.csv", dtype={"visit": str})
    merged = truth.merge(table.astype({"visit": str}), on=["patient_id", "visit", "lesion_id"])
    assert len(merged) == len(truth) == len(table)
    assert np.all(np.abs(merged.ld_mm - merged.measured_ld_mm) < 0.01)
    assert set(table.method) == {"line"}
    assert set(zip(table.kind, table.status)) <= {("target", "measured"), ("new", "unequivocal"),
                                                  ("non-target", "present")}
