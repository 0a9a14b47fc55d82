"""The external tools some tests use (dicom3tools, PixelMed, Orthanc): a test needing an
absent one is skipped, or fails under CI (``tests/system_tools/`` installs them)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

INSTALL_HINT = "run tests/system_tools/install_tools.sh (as root) to install it"
PIXELMED_JAR = Path("/usr/share/java/pixelmed.jar")


def require_tool(name: str, present: bool) -> None:
    """Fail under CI (env CI set), skip otherwise, when an external tool is absent."""
    if present:
        return
    message = f"{name} is not installed; {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_dciodvfy(tool: str, path: Path) -> tuple[list[str], str]:
    """Run dciodvfy; return the error lines and the whole output."""
    done = subprocess.run([tool, str(path)], check=False, capture_output=True, text=True, timeout=60)
    output = done.stdout + done.stderr
    return [line for line in output.splitlines() if line.startswith("Error")], output


def dicomweb_plugin() -> Path | None:
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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
