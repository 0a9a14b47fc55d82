"""Fixtures for the interoperability tests: small CT series written with pydicom, and
checks that the external validators (dicom3tools, PixelMed) are installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest

from dicom_io.testing import write_ct_series

INSTALL_HINT = "run tests/interop/install_tools.sh (as root) to install it"
PIXELMED_JAR = Path("/usr/share/java/pixelmed.jar")


def require_tool(name: str, present: bool) -> None:
    """Fail under CI (env CI set), skip otherwise, when an external tool is absent."""
    if present:
        return
    message = f"{name} is not installed; {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def make_ct_series(
    folder: Path,
    *,
    n_slices: int = 4,
    rows: int = 48,
    columns: int = 40,
    pixel_spacing: tuple[float, float] = (0.8, 0.7),
    slice_spacing: float = 2.5,
    origin: tuple[float, float, float] = (-20.0, -30.0, 100.0),
    orientation: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    patient_id: str = "P001",
    study_date: str = "20240301",
    seed: str = "ct",
) -> list[Path]:
    """Write a small axial CT series (a bright disc on each slice) and return its files.

    Slice k's ImagePositionPatient is origin + k * slice_spacing * normal; files are
    ``IM0000.dcm`` ... in slice order (``dicom_io.testing.write_ct_series`` writes them).
    """
    yy, xx = np.mgrid[0:rows, 0:columns]
    disc = ((yy - rows / 2) ** 2 + (xx - columns / 2) ** 2) < (min(rows, columns) / 4) ** 2
    volume = np.repeat(np.where(disc, 60, -800).astype(np.int16)[None], n_slices, axis=0)
    written = write_ct_series(
        folder, volume=volume, pixel_spacing_mm=pixel_spacing, slice_spacing_mm=slice_spacing,
        origin_mm=origin, orientation=orientation, rescale_intercept=0.0,
        seed=f"interop-{seed}-series", study_seed=f"interop-{seed}-study", series_number=2,
        patient_id=patient_id, study_date=study_date, file_name="IM{k:04d}.dcm")
    return list(written.paths)


def read_headers(paths: list[Path]) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in paths]


@pytest.fixture(scope="session")
def ct_factory():
    """``make_ct_series`` (write a small CT series), for tests that need several."""
    return make_ct_series


@pytest.fixture(scope="session")
def headers_of():
    """``read_headers`` (headers of written files, no pixel data)."""
    return read_headers


@pytest.fixture
def ct_series(tmp_path: Path) -> list[Path]:
    """A 4-slice axial CT with anisotropic pixels (rows 0.8 mm apart, columns 0.7 mm)."""
    return make_ct_series(tmp_path / "ct")


@pytest.fixture(scope="session")
def dciodvfy():
    """A function running dciodvfy on a file: returns (error lines, whole output)."""
    path = shutil.which("dciodvfy")
    require_tool("dciodvfy (Debian package dicom3tools)", path is not None)
    return lambda file: run_dciodvfy(path, file)


@pytest.fixture(scope="session")
def sr_validator() -> list[str]:
    """Command prefix running PixelMed's DicomSRValidator on one file."""
    java = shutil.which("java")
    require_tool("PixelMed DicomSRValidator (Debian package pixelmed-apps)",
                 java is not None and PIXELMED_JAR.exists())
    classpath = [str(PIXELMED_JAR)] + [str(p) for p in Path("/usr/share/java").glob("*.jar")
                                       if p.name.startswith(("commons-", "vecmath"))]
    return [java, "-Djdk.xml.xpathExprOpLimit=0", "-Djdk.xml.xpathExprGrpLimit=0",
            "-Djdk.xml.xpathTotalOpLimit=0", "-cp", ":".join(classpath),
            "com.pixelmed.validate.DicomSRValidator"]


def run_dciodvfy(tool: str, path: Path) -> tuple[list[str], str]:
    """Run dciodvfy; return the error lines and the whole output."""
    done = subprocess.run([tool, str(path)], check=False, capture_output=True, text=True, timeout=60)
    output = done.stdout + done.stderr
    return [line for line in output.splitlines() if line.startswith("Error")], output


def _dicomweb_plugin() -> Path | None:
    """Path of Orthanc's DICOMweb plugin, from the orthanc-dicomweb package file list."""
    try:
        listing = subprocess.run(["dpkg", "-L", "orthanc-dicomweb"], check=False,
                                 capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in listing.splitlines():
        if "libOrthancDicomWeb.so" in line and Path(line).is_file():
            return Path(line)
    return None


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    """A real Orthanc with the DICOMweb plugin on 127.0.0.1:<free port>, temporary storage.

    Yields the HTTP root URL (``http://127.0.0.1:PORT``); DICOMweb is under
    ``/dicom-web``. The server is stopped (and its storage dropped) afterwards.
    """
    import json
    import time

    import requests

    binary = shutil.which("Orthanc")
    plugin = _dicomweb_plugin()
    require_tool("Orthanc with its DICOMweb plugin (Debian packages orthanc, "
                 "orthanc-dicomweb)", binary is not None and plugin is not None)
    root = tmp_path_factory.mktemp("orthanc")
    port = _free_port()
    config = {
        "Name": "recist-test", "StorageDirectory": str(root / "db"),
        "IndexDirectory": str(root / "db"), "HttpPort": port,
        "DicomServerEnabled": False, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "HttpServerEnabled": True,
        "Plugins": [str(plugin)], "ConcurrentJobs": 1, "HttpThreadsCount": 4,
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "UnknownSopClassAccepted": True,
    }
    config_path = root / "orthanc.json"
    config_path.write_text(json.dumps(config))
    log = (root / "orthanc.log").open("w")
    process = subprocess.Popen([binary, str(config_path)], stdout=log,
                               stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"Orthanc exited with status {process.returncode}; see "
                            f"{root / 'orthanc.log'}")
            try:
                if requests.get(f"{url}/system", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Orthanc did not answer on {url} within 30 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
