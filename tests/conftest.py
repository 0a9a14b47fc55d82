"""Fixtures shared by tests in several folders: small CT series written with pydicom,
the external validators (dicom3tools, PixelMed) and a real PACS (Orthanc), and small
hand-made SDTM tables."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from support.ct_series import make_ct_series, read_headers
from support.system_tools import (
    PIXELMED_JAR,
    dicomweb_plugin,
    free_port,
    require_tool,
    run_dciodvfy,
)
from support.trial_tables import DM_CSV, TR_CSV, TU_CSV, frame


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
    plugin = dicomweb_plugin()
    require_tool("Orthanc with its DICOMweb plugin (Debian packages orthanc, "
                 "orthanc-dicomweb)", binary is not None and plugin is not None)
    root = tmp_path_factory.mktemp("orthanc")
    port = free_port()
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


@pytest.fixture
def small_tu() -> pd.DataFrame:
    return frame(TU_CSV)


@pytest.fixture
def small_tr() -> pd.DataFrame:
    return frame(TR_CSV)


@pytest.fixture
def small_dm() -> pd.DataFrame:
    return frame(DM_CSV)
