"""The web server of ``recist viewer``: OHIF's built app and Orthanc's DICOMweb on one origin.

OHIF's prebuilt ``dist/`` (npm package ``@ohif/app``) loads its scripts from ``/`` and is a
single-page application (any unknown path is its ``index.html``); Orthanc's ServeFolders
plugin can only serve a folder under a sub-path, so this small server does both jobs on
127.0.0.1:

* ``/dicom-web/…`` is passed to Orthanc's DICOMweb plugin (any method: QIDO, WADO, STOW),
  with the browser's ``Host`` so that the bulk-data URLs Orthanc writes point back here;
* ``/app-config.js`` is OHIF's configuration, made by the caller (one data source: this
  server's ``/dicom-web``);
* any other path is a file of ``dist/``, or ``index.html`` when there is none.

Every answer carries the cross-origin-isolation headers (COOP/COEP), which Cornerstone3D
needs for its shared-memory volume loading.
"""

from __future__ import annotations

import http.client
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["serving_viewer_app"]

_PROXIED_PREFIX = "/dicom-web/"
# Headers that belong to one connection, not to the message (RFC 9110 section 7.6.1).
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate",
                         "proxy-authorization", "te", "trailer", "transfer-encoding",
                         "upgrade"})
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
          ".css": "text/css", ".json": "application/json", ".html": "text/html",
          ".svg": "image/svg+xml", ".woff2": "font/woff2", ".png": "image/png",
          ".ico": "image/x-icon", ".map": "application/json"}
_ISOLATION = (("Cross-Origin-Opener-Policy", "same-origin"),
              ("Cross-Origin-Embedder-Policy", "require-corp"),
              ("Cross-Origin-Resource-Policy", "same-origin"))


def _handler(dist: Path, app_config: bytes, orthanc_port: int) -> type:
    root = dist.resolve()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "recist-viewer"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the browser's hundreds of image requests are not news."""

        def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in (*headers, *_ISOLATION):
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _static(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/app-config.js":
                self._send(200, app_config, [("Content-Type", "text/javascript"),
                                             ("Cache-Control", "no-store")])
                return
            target = (root / path.lstrip("/")).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                target = root / "index.html"  # a route of the single-page app
            kind = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
            self._send(200, target.read_bytes(),
                       [("Content-Type", kind or "application/octet-stream"),
                        ("Cache-Control", "no-cache")])

        def _proxy(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in _HOP_BY_HOP}
            connection = http.client.HTTPConnection("127.0.0.1", orthanc_port, timeout=300)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
                kept = [(name, value) for name, value in answer.getheaders()
                        if name.lower() not in _HOP_BY_HOP
                        and name.lower() != "content-length"]
            except OSError as error:
                self._send(502, f"Orthanc did not answer: {error}".encode(),
                           [("Content-Type", "text/plain")])
                return
            finally:
                connection.close()
            self._send(answer.status, payload, kept)

        def _route(self) -> None:
            if self.path.startswith(_PROXIED_PREFIX):
                self._proxy()
            elif self.command in ("GET", "HEAD"):
                self._static()
            else:
                self._send(405, b"method not allowed", [("Allow", "GET, HEAD")])

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _route

    return Handler


@contextmanager
def serving_viewer_app(dist: Path, app_config: str, orthanc_port: int, *,
                       port: int = 0) -> Iterator[int]:
    """Serve ``dist`` and proxy ``/dicom-web/`` to Orthanc on 127.0.0.1; yield the port.

    ``port=0`` takes a free one. The server thread stops when the block ends.
    """
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port),
                                     _handler(dist, app_config.encode(), orthanc_port))
    except OSError as error:
        raise OSError(error.errno, f"cannot listen on 127.0.0.1:{port} ({error.strerror}); "
                                   "give another --port, or 0 for a free one") from None
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="recist-viewer-http",
                              daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
