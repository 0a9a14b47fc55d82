"""DICOMweb authentication (issue #13): basic and bearer credentials from the environment,
the URL or ~/.netrc, never printed; TLS certificates verified by default."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dicom_io.dicomweb import (
    CA_BUNDLE_VARIABLE,
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    USER_VARIABLE,
    connect,
    retrieve_series,
    search_series,
    search_studies,
    store_instances,
)
from dicom_io.errors import DicomInputError
from dicom_io.testing import write_ct_series

from .conftest import PASSWORD, TOKEN, USER
from support.paths import REPO

_VARIABLES = (TOKEN_VARIABLE, USER_VARIABLE, PASSWORD_VARIABLE, CA_BUNDLE_VARIABLE, "NETRC")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch, tmp_path):
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))  # never the tester's own


@pytest.fixture(scope="module")
def stored(orthanc_with_auth, tmp_path_factory):
    written = write_ct_series(tmp_path_factory.mktemp("ct"), (3, 8, 8), seed="auth")
    store_instances(connect(orthanc_with_auth, username=USER, password=PASSWORD),
                    list(written.paths))
    return written


def test_basic_credentials_from_the_environment(orthanc_with_auth, stored, monkeypatch,
                                                tmp_path):
    monkeypatch.setenv(USER_VARIABLE, USER)
    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    series = search_series(orthanc_with_auth, stored.study_instance_uid)
    assert [s["SeriesInstanceUID"] for s in series] == [stored.series_instance_uid]
    files = retrieve_series(orthanc_with_auth, stored.study_instance_uid,
                            stored.series_instance_uid, tmp_path / "got")
    assert len(files) == 3


def test_without_credentials_the_refusal_says_how_to_give_them(orthanc_with_auth, stored):
    with pytest.raises(DicomInputError) as info:
        search_studies(orthanc_with_auth)
    message = str(info.value)
    assert "was refused (HTTP 401): no credentials were given" in message
    assert TOKEN_VARIABLE in message and USER_VARIABLE in message


def test_wrong_credentials_are_never_shown(orthanc_with_auth, stored, monkeypatch):
    monkeypatch.setenv(USER_VARIABLE, USER)
    monkeypatch.setenv(PASSWORD_VARIABLE, "wrong-Pw-99")
    with pytest.raises(DicomInputError) as info:
        search_studies(orthanc_with_auth)
    message = str(info.value)
    assert f"the credentials of {USER_VARIABLE}/{PASSWORD_VARIABLE} were not accepted" in \
        message
    assert "wrong-Pw-99" not in message and USER not in message


def test_credentials_in_the_url_are_used_and_never_shown(orthanc_with_auth, stored):
    url = orthanc_with_auth.replace("http://", f"http://{USER}:{PASSWORD}@")
    assert search_studies(url)
    with pytest.raises(DicomInputError) as info:
        search_series(url.replace(PASSWORD, "nope-Pw"), "1.2.3")
    assert "nope-Pw" not in str(info.value) and f"{USER}:" not in str(info.value)


def test_netrc(orthanc_with_auth, stored, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert [s["StudyInstanceUID"] for s in search_studies(orthanc_with_auth)] == \
        [stored.study_instance_uid]


def test_bearer_token_from_the_environment(bearer_server, monkeypatch):
    url, seen = bearer_server
    with pytest.raises(DicomInputError, match="no credentials were given"):
        search_studies(url)
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    assert search_studies(url) == []
    assert seen[-1] == f"Bearer {TOKEN}"
    monkeypatch.setenv(TOKEN_VARIABLE, "expired-token-xyz")
    with pytest.raises(DicomInputError) as info:
        search_studies(url)
    assert f"the credentials of {TOKEN_VARIABLE} were not accepted" in str(info.value)
    assert "expired-token-xyz" not in str(info.value)


def test_credentials_never_go_over_plain_http_to_another_machine(monkeypatch):
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    with pytest.raises(DicomInputError, match="sent only over https") as info:
        connect("http://pacs.example.org/dicom-web")
    assert TOKEN not in str(info.value)


def test_tls_is_verified_by_default(tls_server, monkeypatch):
    url, cert = tls_server
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert connect(url)._session.verify is True
    with pytest.raises(DicomInputError, match="TLS certificate could not be verified.*"
                       + CA_BUNDLE_VARIABLE):
        search_studies(connect(url, max_attempts=1))
    monkeypatch.setenv(CA_BUNDLE_VARIABLE, str(cert))
    assert search_studies(url) == []


def test_the_command_line_prints_no_credential(orthanc_with_auth, stored, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), USER_VARIABLE: USER,
           PASSWORD_VARIABLE: "wrong-Pw-99", "NETRC": str(tmp_path / "none")}
    result = subprocess.run(
        [sys.executable, "-m", "recist", "fetch", "--dicomweb", orthanc_with_auth,
         "--study", stored.study_instance_uid, "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "were not accepted" in lines[0]
    for secret in ("wrong-Pw-99", USER):
        assert secret not in result.stderr and secret not in result.stdout
