"""``recist viewer``: the installed command starts a real Orthanc and serves OHIF's built app
on one origin, uploads a series, and leaves no process or file behind on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from recist.pipeline.viewer import default_ohif_dist

from support.system_tools import dicomweb_plugin, require_tool

RECIST = [sys.executable, "-m", "recist"]


@contextmanager
def _viewer(*args: str, **popen: object) -> Iterator[subprocess.Popen[str]]:
    """``recist viewer ARGS`` as a child process, killed if still running and its pipes
    closed when the test ends, whatever it asserted."""
    process: subprocess.Popen[str] = subprocess.Popen(  # type: ignore[call-overload]
        [*RECIST, "viewer", *args], text=True, **popen)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def _ohif_dist() -> Path:
    dist = default_ohif_dist()
    require_tool("OHIF's built app (npm package @ohif/app, `make node-tools`)",
                 dist is not None)
    require_tool("Orthanc with its DICOMweb plugin", dicomweb_plugin() is not None)
    assert dist is not None
    return dist


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.status, dict(answer.headers.items()), answer.read()


def _read_until_url(process: subprocess.Popen[str], deadline_s: float = 90) -> list[str]:
    lines: list[str] = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            break
        lines.append(line)
        if "press Ctrl-C to stop" in line:
            return lines
    pytest.fail(f"recist viewer printed no address: {''.join(lines)}")


def test_viewer_serves_ohif_and_orthanc_on_one_origin_and_stops_cleanly(
        tmp_path: Path, ct_factory, headers_of) -> None:
    dist = _ohif_dist()
    series = ct_factory(tmp_path / "ct")
    study_uid = str(headers_of(series)[0].StudyInstanceUID)
    (tmp_path / "ct" / "lesions.csv").write_text("label,lesion_id\n1,T1\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    with _viewer("--upload", str(tmp_path / "ct"), stdout=subprocess.PIPE,
                 stderr=subprocess.STDOUT, env=env) as process:
        lines = _read_until_url(process)
        children = psutil.Process(process.pid).children(recursive=True)
        assert [c.name() for c in children] == ["Orthanc"]
        upload = next(line for line in lines if line.startswith("uploaded"))
        assert upload.startswith(f"uploaded {len(series)} instance(s) of study {study_uid}")
        assert f"1 file(s) of {tmp_path / 'ct'} are not DICOM files" in "".join(lines)
        url = re.search(r"on (http://127\.0\.0\.1:\d+) ", lines[-1])[1]
        assert upload.rstrip().endswith(f"{url}/viewer?StudyInstanceUIDs={study_uid}")

        status, headers, page = _get(f"{url}/")
        assert status == 200 and page == (dist / "index.html").read_bytes()
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        # A route of the single-page app, and a path trying to leave dist/: index.html.
        for path in (f"/viewer?StudyInstanceUIDs={study_uid}", "/%2e%2e/%2e%2e/etc/passwd"):
            assert _get(url + path)[2] == page
        wasm = next(dist.glob("*.wasm"))
        status, headers, body = _get(f"{url}/{wasm.name}")
        assert headers["Content-Type"] == "application/wasm"
        assert body == wasm.read_bytes()
        config = _get(f"{url}/app-config.js")[2].decode()
        assert "window.config" in config and "window.location.origin + '/dicom-web'" in config
        assert config != (dist / "app-config.js").read_text()  # ours, not OHIF's demo servers

        # Orthanc's DICOMweb through the same origin (QIDO), with the uploaded study.
        status, headers, body = _get(f"{url}/dicom-web/studies")
        studies = json.loads(body)
        assert [s["0020000D"]["Value"] for s in studies] == [[study_uid]]
        series_found = json.loads(_get(f"{url}/dicom-web/studies/{study_uid}/series")[2])
        assert series_found[0]["00201209"]["Value"] == [len(series)]

        storage = [p for p in tmp_path.iterdir() if p.name.startswith("recist-viewer-")]
        assert len(storage) == 1 and (storage[0] / "orthanc.json").is_file()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE
                       for c in children)
        assert not storage[0].exists()


def test_viewer_without_ohif_app_is_one_line_exit_2(tmp_path: Path) -> None:
    result = subprocess.run([*RECIST, "viewer", "--ohif", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "is not OHIF's built app" in result.stderr and "@ohif/app" in result.stderr


def test_viewer_upload_of_a_folder_without_dicom_is_refused(tmp_path: Path) -> None:
    _ohif_dist()
    (tmp_path / "notes.txt").write_text("not DICOM")
    result = subprocess.run([*RECIST, "viewer", "--upload", str(tmp_path)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "no DICOM file" in result.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("recist-viewer-")]


def test_viewer_whose_orthanc_dies_stops_with_one_line_and_exit_2(tmp_path: Path) -> None:
    _ohif_dist()
    storage = tmp_path / "orthanc"
    with _viewer("--storage", str(storage), stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE) as process:
        _read_until_url(process)
        (orthanc,) = psutil.Process(process.pid).children()
        orthanc.kill()
        assert process.wait(timeout=30) == 2
        err = process.stderr.read() if process.stderr else ""
        assert err.count("\n") == 1, err
        assert "Orthanc stopped while the viewer was running" in err
        assert str(storage / "orthanc.log") in err
        assert (storage / "orthanc.log").is_file()  # --storage is kept


def test_orthanc_does_not_outlive_a_killed_viewer(tmp_path: Path) -> None:
    # SIGKILL leaves recist no chance to clean up: Linux stops Orthanc (parent-death
    # signal); Orthanc runs in its own session, so a terminal's Ctrl-C reaches recist only.
    _ohif_dist()
    with _viewer("--storage", str(tmp_path / "db"), stdout=subprocess.PIPE,
                 stderr=subprocess.DEVNULL) as process:
        _read_until_url(process)
        (orthanc,) = psutil.Process(process.pid).children()
        assert os.getpgid(orthanc.pid) != os.getpgid(process.pid)
        process.kill()
        process.wait(timeout=10)
        orthanc.wait(timeout=20)
        assert not orthanc.is_running()


def test_a_port_in_use_is_one_line_exit_2_and_orthanc_is_stopped(tmp_path: Path) -> None:
    import socket

    _ohif_dist()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*RECIST, "viewer", "--port", str(port), "--storage",
                                 str(tmp_path / "db")], capture_output=True, text=True,
                                timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "give another --port" in result.stderr
    assert not [p for p in psutil.process_iter(["cmdline"])
                if str(tmp_path / "db") in " ".join(p.info["cmdline"] or [])]
