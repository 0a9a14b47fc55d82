"""Fixtures shared by tests in several folders: small CT series written with pydicom,
the external validators (dicom3tools, PixelMed) and a real PACS (Orthanc), and small
hand-made SDTM tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from support.ct_series import make_ct_series, read_headers
from support.orthanc import running_orthanc
from support.system_tools import (
    PIXELMED_JAR,
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
    with running_orthanc(tmp_path_factory.mktemp("orthanc"), name="recist-test") as url:
        yield url


@pytest.fixture
def small_tu() -> pd.DataFrame:
    return frame(TU_CSV)


@pytest.fixture
def small_tr() -> pd.DataFrame:
    return frame(TR_CSV)


@pytest.fixture
def small_dm() -> pd.DataFrame:
    return frame(DM_CSV)
