"""A real Orthanc with HTTP basic authentication, and small local stand-in servers (bearer
tokens, TLS with a self-signed certificate) for the DICOMweb authentication tests."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading

import pytest

from support.orthanc import running_orthanc

USER, PASSWORD = "reader", "s3cret-Pw-77"
TOKEN = "tok-abc-123-secret"


@pytest.fixture(scope="module")
def orthanc_with_auth(tmp_path_factory):
    """Orthanc with its DICOMweb plugin on 127.0.0.1, accepting only ``USER``:``PASSWORD``.

    Yields the DICOMweb root URL.
    """
    with running_orthanc(tmp_path_factory.mktemp("orthanc-auth"), name="recist-auth-test",
                         users={USER: PASSWORD}) as url:
        yield f"{url}/dicom-web"


class _Handler(http.server.BaseHTTPRequestHandler):
    """QIDO study search: ``[]`` with the right bearer token, 401 otherwise."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        self.seen.append(self.headers.get("Authorization", ""))
        ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        body = b"[]" if ok else b""
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(context: ssl.SSLContext | None = None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def bearer_server():
    """A local stand-in PACS that wants ``Bearer TOKEN``; yields (URL, headers seen)."""
    _Handler.seen = []
    server = _serve()
    yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web", _Handler.seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def tls_server(tmp_path):
    """The stand-in over https with a self-signed certificate; yields (URL, cert file)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                   capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    _Handler.seen = []
    server = _serve(context)
    yield f"https://127.0.0.1:{server.server_address[1]}/dicom-web", cert
    server.shutdown()
    server.server_close()
