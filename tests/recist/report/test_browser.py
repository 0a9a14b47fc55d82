"""Render a report in headless Chromium: it loads offline, without console errors, not blank.

Chromium comes from Debian (``sh tests/system_tools/install_browser.sh``). Without it the
test is skipped locally and FAILS when the ``CI`` environment variable is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from recist.report import write_reports

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "sh tests/system_tools/install_browser.sh"


def _chromium() -> str:
    found = str(CHROMIUM) if CHROMIUM.is_file() else shutil.which("chromium")
    if found:
        return found
    message = f"headless Chromium is not installed; run `{INSTALL}` (as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run_chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        "--window-size=1280,2000", *extra, url,
    ]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=90,
                          env={**os.environ, "HOME": str(tmp_path)})


def test_patient_report_renders_in_headless_chromium(tmp_path, sample_measurements,
                                                     sample_patients, tiny_png):
    from recist.report.figures import overlay_file_name

    overlays = tmp_path / "overlays"
    tiny_png(overlays / overlay_file_name("LUNG1", "V0", "T1"))
    files = write_reports(sample_measurements, tmp_path / "report",
                          patients=sample_patients, overlays_dir=overlays)
    url = files.patients["LUNG1"].resolve().as_uri()
    screenshot = tmp_path / "page.png"
    shot = _run_chromium(tmp_path, url, f"--screenshot={screenshot}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.is_file(), shot.stderr[-2000:]
    console = [line for line in shot.stderr.splitlines()
               if "CONSOLE" in line or "Uncaught" in line]
    assert console == []

    from matplotlib.image import imread

    pixels = imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    # not blank: a white page has variance 0; text, tables and figures give much more
    assert float(np.var(pixels)) > 0.005
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.005  # some dark ink (text, image)

    dom = _run_chromium(tmp_path, url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "RECIST 1.1 report: patient LUNG1" in dom.stdout
    assert "TGT-PD, R11 4.3.1" in dom.stdout
    assert [line for line in dom.stderr.splitlines() if "CONSOLE" in line] == []
