"""``recist scan`` and loader errors through the real command line (subprocesses)."""

from __future__ import annotations

import subprocess
import sys

from dicom_io.testing import (
    write_non_dicom_file,
    write_series_missing_slice,
    write_series_with_localizer,
    write_two_series,
)


def _recist(*args):
    return subprocess.run([sys.executable, "-m", "recist", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_scan_prints_inventory_with_verdicts(tmp_path):
    first, second = write_two_series(tmp_path / "study")
    broken = write_series_missing_slice(tmp_path / "study" / "broken", seed="broken")
    write_series_with_localizer(tmp_path / "study" / "scout", seed="scout")
    write_non_dicom_file(tmp_path / "study")
    result = _recist("scan", str(tmp_path / "study"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["patient_id", "study_date", "modality", "series_description",
                                "slices", "thickness_mm", "pixel_spacing_mm", "series_uid",
                                "verdict"]
    rows = lines[1:5]
    by_uid = {uid: next(line for line in rows if uid in line) for uid in
              (first.series_instance_uid, second.series_instance_uid,
               broken.series_instance_uid)}
    assert by_uid[first.series_instance_uid].split()[:8] == [
        "SYNTH-001", "2024-01-15", "CT", "thorax", "2.5", "mm", "5", "2.5"]
    assert by_uid[first.series_instance_uid].rstrip().endswith(" ok")
    assert "thorax 5 mm" in by_uid[second.series_instance_uid]
    assert "about 1 slice(s) missing between broken/IM0002.dcm" in \
        by_uid[broken.series_instance_uid]
    assert "ok (excluded 1 localizer/scout image(s)" in result.stdout
    assert "1 non-DICOM file(s) skipped (README.txt)" in result.stdout


def test_scan_missing_folder_is_one_line_and_nonzero(tmp_path):
    result = _recist("scan", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("recist scan: error: DICOM input ")
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_scan_folder_without_dicom_is_nonzero(tmp_path):
    write_non_dicom_file(tmp_path)
    result = _recist("scan", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no DICOM files found" in result.stderr


def test_loader_error_on_bad_folder_is_one_line_in_a_subprocess(tmp_path):
    write_series_missing_slice(tmp_path)
    # Drive the loader through the CLI's own error handling (recist.cli.main), as every
    # command that loads a series does: replace scan's action by a load_series call.
    script = ("import sys\nfrom recist.cli import main\nfrom dicom_io import load_series\n"
              "import recist.cli.scan as scan\n") + (
        "def run(args):\n    load_series(args.path)\n    return 0\n"
        "scan.run = run\nsys.exit(main(['scan', sys.argv[1]]))\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("recist scan: error: cannot stack series ")
    assert "slice(s) missing" in result.stderr and "Traceback" not in result.stderr
