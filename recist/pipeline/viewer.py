"""``recist viewer``: a real PACS and a real viewer on this machine, for reading recist's work.

Starts Orthanc (with its DICOMweb plugin) on 127.0.0.1 and serves OHIF's prebuilt app
(npm package ``@ohif/app``, its ``dist/`` folder) from the same origin, with an app
configuration whose only data source is that Orthanc (:mod:`recist.pipeline.viewer_http`).
Studies, and the SR and SEG objects that ``recist export-sr`` / ``export-seg`` write, can
be uploaded to it; what OHIF saves ("Create report") is stored in the same Orthanc, where
``recist measure --dicomweb`` reads it.

Nothing here listens beyond 127.0.0.1, and nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from recist.pipeline.viewer_http import serving_viewer_app

__all__ = ["OHIF_VERSION", "Upload", "Viewer", "app_config", "default_ohif_dist", "run_viewer",
           "running_viewer", "upload_folder"]

# The version pinned in tests/node/viewer/package-lock.json (what `make node-tools` installs).
OHIF_VERSION = "3.12.0"
_PLUGIN_FOLDERS = ("/usr/share/orthanc/plugins", "/usr/lib/orthanc/plugins",
                   "/usr/local/share/orthanc/plugins")
_PLUGIN_NAME = "libOrthancDicomWeb.so"
_INSTALL_HINT = ("install Orthanc and its DICOMweb plugin (Debian/Ubuntu: apt-get install "
                 "orthanc orthanc-dicomweb)")


@dataclass(frozen=True)
class Viewer:
    """A running viewer: the OHIF address and its DICOMweb root (the same origin)."""

    url: str
    dicomweb_url: str
    orthanc_url: str
    orthanc_running: Callable[[], bool] = field(default=lambda: True, repr=False,
                                                compare=False)

    def study_url(self, study_uid: str) -> str:
        """OHIF's address for one study (its default, longitudinal mode)."""
        return f"{self.url}/viewer?StudyInstanceUIDs={study_uid}"


def default_ohif_dist() -> Path | None:
    """OHIF's ``dist/`` as ``make node-tools`` installs it beside this checkout, if there."""
    checkout = Path(__file__).resolve().parents[2]
    dist = checkout / "tests" / "node" / "viewer" / "node_modules" / "@ohif" / "app" / "dist"
    return dist if (dist / "index.html").is_file() else None


def _check_dist(dist: Path) -> Path:
    if not (dist / "index.html").is_file() or not (dist / "app-config.js").is_file():
        raise ValueError(f"{dist} is not OHIF's built app (no index.html and app-config.js "
                         "in it): give the dist/ folder of the npm package @ohif/app "
                         f"{OHIF_VERSION} (`make node-tools` installs it under "
                         "tests/node/viewer/node_modules/@ohif/app/dist)")
    return dist


def app_config() -> str:
    """OHIF's ``app-config.js``: one DICOMweb data source, this origin's ``/dicom-web``.

    Orthanc's DICOMweb plugin answers QIDO with include fields, WADO-RS (frames and bulk
    data at the study level) and STOW-RS, which "Create report" uses to save an SR.
    """
    source = {
        "namespace": "@ohif/extension-default.dataSourcesModule.dicomweb",
        "sourceName": "orthanc",
        "configuration": {
            "friendlyName": "recist viewer (Orthanc on this machine)",
            "name": "orthanc",
            "qidoSupportsIncludeField": True,
            "supportsReject": False,
            "supportsStow": True,
            "dicomUploadEnabled": True,
            "imageRendering": "wadors",
            "thumbnailRendering": "wadors",
            "enableStudyLazyLoad": True,
            "supportsFuzzyMatching": True,
            "supportsWildcard": True,
            "omitQuotationForMultipartRequest": True,
            "bulkDataURI": {"enabled": True, "relativeResolution": "studies"},
        },
    }
    settings = {
        "routerBasename": "/",
        "extensions": [],
        "modes": [],
        "showStudyList": True,
        "maxNumberOfWebWorkers": 2,
        "showWarningMessageForCrossOrigin": False,
        "showCPUFallbackMessage": False,
        "showLoadingIndicator": True,
        "strictZSpacingForVolumeViewport": True,
        "investigationalUseDialog": {"option": "never"},
        # OHIF's default: it asks before tracking a series, and offers to restore an SR's
        # measurements when the SR is opened (the "simplified" mode has no way to do that).
        "measurementTrackingMode": "standard",
        "defaultDataSourceName": "orthanc",
        "dataSources": [source],
    }
    body = json.dumps(settings, indent=2)
    # The roots are this page's own origin, known only in the browser.
    return ("/* Written by recist viewer: OHIF reads Orthanc's DICOMweb through this origin. */\n"
            f"window.config = {body};\n"
            "(function (c) {\n"
            "  var root = window.location.origin + '/dicom-web';\n"
            "  c.qidoRoot = c.wadoRoot = c.wadoUriRoot = root;\n"
            "})(window.config.dataSources[0].configuration);\n")


def _orthanc_binary() -> str:
    binary = shutil.which("Orthanc")
    if binary is None:
        raise ValueError(f"recist viewer needs Orthanc, which is not on PATH: {_INSTALL_HINT}")
    return binary


def _dicomweb_plugin() -> Path:
    folders = [os.environ["RECIST_ORTHANC_PLUGINS"]] if "RECIST_ORTHANC_PLUGINS" in os.environ \
        else list(_PLUGIN_FOLDERS)
    for folder in folders:
        if (Path(folder) / _PLUGIN_NAME).is_file():
            return Path(folder) / _PLUGIN_NAME
    raise ValueError(f"Orthanc's DICOMweb plugin ({_PLUGIN_NAME}) is in none of "
                     f"{', '.join(folders)}: {_INSTALL_HINT}, or name its folder in "
                     "RECIST_ORTHANC_PLUGINS")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop_with_parent() -> None:
    """In the child, before exec: Linux sends SIGTERM to Orthanc if recist dies first."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _answering(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def _running_orthanc(storage: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    config = {
        "Name": "recist-viewer", "StorageDirectory": str(storage / "db"),
        "IndexDirectory": str(storage / "db"), "HttpPort": port,
        "DicomServerEnabled": False, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "HttpServerEnabled": True,
        "Plugins": [str(_dicomweb_plugin())], "ConcurrentJobs": 2, "HttpThreadsCount": 8,
        "UnknownSopClassAccepted": True, "StableAge": 1,
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False,
                     "StudiesMetadata": "Full", "SeriesMetadata": "Full"},
    }
    storage.mkdir(parents=True, exist_ok=True)
    (storage / "orthanc.json").write_text(json.dumps(config, indent=2))
    with (storage / "orthanc.log").open("wb") as log:
        process = subprocess.Popen([_orthanc_binary(), str(storage / "orthanc.json")],
                                   stdout=log, stderr=subprocess.STDOUT, cwd=storage,
                                   stdin=subprocess.DEVNULL, preexec_fn=_stop_with_parent,
                                   # Its own session: a Ctrl-C in the terminal reaches recist,
                                   # which stops Orthanc after the web server, in order.
                                   start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while not _answering(f"http://127.0.0.1:{port}/system"):
                if process.poll() is not None:
                    raise ValueError(f"Orthanc stopped at start (status {process.returncode}); "
                                     f"its log is {storage / 'orthanc.log'}")
                if time.monotonic() > deadline:
                    raise ValueError(f"Orthanc did not answer on 127.0.0.1:{port} within "
                                     f"60 s; its log is {storage / 'orthanc.log'}")
                time.sleep(0.2)
            yield process, port
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def running_viewer(ohif_dist: str | Path | None = None, *, storage: str | Path | None = None,
                   port: int = 0) -> Iterator[Viewer]:
    """Orthanc and OHIF on 127.0.0.1 for the duration of a ``with`` block.

    ``storage`` keeps Orthanc's database (a temporary folder, removed afterwards, if not
    given); ``port`` is the viewer's (0: a free one).

    >>> with running_viewer() as viewer:  # doctest: +SKIP
    ...     upload_folder(viewer, "sample_data/patients/LUNG1/V0")
    ...     print(viewer.url)
    """
    dist = Path(ohif_dist) if ohif_dist is not None else default_ohif_dist()
    if dist is None:
        raise ValueError("OHIF's built app is not installed beside this checkout: run `make "
                         f"node-tools`, or give --ohif DIR (the dist/ folder of @ohif/app "
                         f"{OHIF_VERSION})")
    _check_dist(dist)
    with tempfile.TemporaryDirectory(prefix="recist-viewer-") as scratch:
        folder = Path(storage) if storage is not None else Path(scratch)
        with _running_orthanc(folder) as (process, orthanc_port), \
                serving_viewer_app(dist, app_config(), orthanc_port, port=port) as web_port:
            url = f"http://127.0.0.1:{web_port}"
            yield Viewer(url=url, dicomweb_url=f"{url}/dicom-web",
                         orthanc_url=f"http://127.0.0.1:{orthanc_port}",
                         orthanc_running=lambda: process.poll() is None)


def _is_dicom(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(132)[128:132] == b"DICM"
    except OSError:
        return False


@dataclass(frozen=True)
class Upload:
    """What :func:`upload_folder` stored: instances per Study Instance UID, and how many
    files were left out because they are not DICOM files."""

    studies: dict[str, int]
    not_dicom: int


def upload_folder(viewer: Viewer, folder: str | Path) -> Upload:
    """Send every DICOM file under ``folder`` (Part 10, ``DICM`` preamble) to the viewer's
    Orthanc.

    Files without the preamble (a CSV, a label image beside the series …) are not sent;
    their number is in the result.
    """
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"--upload {root}: no such file or folder")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    by_orthanc_id: dict[str, int] = {}
    not_dicom = 0
    for path in files:
        if not _is_dicom(path):
            not_dicom += 1
            continue
        request = urllib.request.Request(f"{viewer.orthanc_url}/instances",
                                         data=path.read_bytes(), method="POST",
                                         headers={"Content-Type": "application/dicom"})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                stored = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise ValueError(f"Orthanc refused {path} (HTTP {error.code}): see its log; is "
                             "it a complete DICOM file?") from None
        study = str(stored.get("ParentStudy", "?"))
        by_orthanc_id[study] = by_orthanc_id.get(study, 0) + 1
    if not by_orthanc_id:
        raise ValueError(f"--upload {root}: no DICOM file (Part 10, with the DICM preamble) "
                         "in it")
    uids = _study_uids(viewer, list(by_orthanc_id))
    return Upload(studies=dict(zip(uids, by_orthanc_id.values())), not_dicom=not_dicom)


def _study_uids(viewer: Viewer, orthanc_ids: list[str]) -> list[str]:
    uids = []
    for orthanc_id in orthanc_ids:
        with urllib.request.urlopen(f"{viewer.orthanc_url}/studies/{orthanc_id}",
                                    timeout=30) as answer:
            uids.append(str(json.loads(answer.read())["MainDicomTags"]["StudyInstanceUID"]))
    return uids


def run_viewer(ohif_dist: str | Path | None = None, *, uploads: tuple[str | Path, ...] = (),
               storage: str | Path | None = None, port: int = 0,
               say: Callable[[str], None] = print,
               until: Callable[[], bool] | None = None) -> None:
    """Run the viewer until Ctrl-C (or SIGTERM, or ``until()`` turning true).

    Prints the address, and one address per uploaded study. Orthanc is stopped and its
    temporary storage removed on the way out, whatever ends the run.
    """
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    # Ctrl-C stops the viewer even when the shell started it with SIGINT ignored.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with running_viewer(ohif_dist, storage=storage, port=port) as viewer:
            for folder in uploads:
                upload = upload_folder(viewer, folder)
                for uid, count in upload.studies.items():
                    say(f"uploaded {count} instance(s) of study {uid} from {folder}: "
                        f"{viewer.study_url(uid)}")
                if upload.not_dicom:
                    say(f"{upload.not_dicom} file(s) of {folder} are not DICOM files (no "
                        "DICM preamble): not uploaded")
            say(f"OHIF {OHIF_VERSION} with Orthanc on {viewer.url} (DICOMweb: "
                f"{viewer.dicomweb_url}); press Ctrl-C to stop")
            sys.stdout.flush()
            try:
                while until is None or not until():
                    if not viewer.orthanc_running():
                        where = (f"its log is {Path(storage) / 'orthanc.log'}" if storage
                                 else "give --storage DIR to keep its log")
                        raise ValueError(f"Orthanc stopped while the viewer was running; "
                                         f"{where}; start recist viewer again")
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
