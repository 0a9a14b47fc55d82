"""Start a real Orthanc (with its DICOMweb plugin) on 127.0.0.1 for a test module.

One launcher for the open server of ``tests/conftest.py`` and the authenticated one of
``tests/dicom_io/dicomweb/conftest.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from support.system_tools import dicomweb_plugin, free_port, require_tool


@contextmanager
def running_orthanc(root: Path, *, name: str,
                    users: dict[str, str] | None = None) -> Iterator[str]:
    """Orthanc storing under ``root``; yields its HTTP root URL, stops it afterwards.

    With ``users`` (name → password) only those may connect (HTTP basic).
    """
    import requests

    binary = shutil.which("Orthanc")
    plugin = dicomweb_plugin()
    require_tool("Orthanc with its DICOMweb plugin (Debian packages orthanc, "
                 "orthanc-dicomweb)", binary is not None and plugin is not None)
    port = free_port()
    config = {
        "Name": name, "StorageDirectory": str(root / "db"),
        "IndexDirectory": str(root / "db"), "HttpPort": port,
        "DicomServerEnabled": False, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": bool(users), "HttpServerEnabled": True,
        "Plugins": [str(plugin)], "ConcurrentJobs": 1, "HttpThreadsCount": 4,
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "UnknownSopClassAccepted": True,
    }
    if users:
        config["RegisteredUsers"] = users
    auth = next(iter(users.items())) if users else None
    (root / "orthanc.json").write_text(json.dumps(config))
    log = (root / "orthanc.log").open("w")
    process = subprocess.Popen([str(binary), str(root / "orthanc.json")], stdout=log,
                               stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"Orthanc exited with status {process.returncode}; see "
                            f"{root / 'orthanc.log'}")
            try:
                if requests.get(f"{url}/system", timeout=1, auth=auth).ok:
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
