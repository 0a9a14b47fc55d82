"""A PACS over DICOMweb (QIDO-RS search, WADO-RS retrieve, STOW-RS store).

Thin, explicit wrappers around ``dicomweb-client``: search results come back as plain
dicts of the attributes we use, a retrieved series is written to a folder (one file per
instance, named by SOP Instance UID, written whole or not at all) ready for
``dicom_io.series.load_series``, and any network or HTTP failure becomes a
``DicomInputError`` that names the server and the UIDs — never patient identifiers, never
credentials.

Authentication (:func:`connect`), first found wins: ``token`` / ``username`` and
``password`` given to :func:`connect`; credentials in the URL
(``https://user:password@host/...``, used and never shown); the environment variables
``RECIST_DICOMWEB_TOKEN`` (an OAuth bearer token) or ``RECIST_DICOMWEB_USER`` and
``RECIST_DICOMWEB_PASSWORD`` (HTTP basic); a ``~/.netrc`` entry for the host (or the file
named by ``NETRC``). Credentials go only over https, or to this machine. TLS certificates
are always verified, against the system's authorities or the CA bundle named by
``RECIST_DICOMWEB_CA_BUNDLE``.
"""

from __future__ import annotations

import netrc
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset
from requests.auth import HTTPBasicAuth

from dicom_io.errors import DicomInputError

__all__ = [
    "CA_BUNDLE_VARIABLE",
    "PASSWORD_VARIABLE",
    "TOKEN_VARIABLE",
    "USER_VARIABLE",
    "connect",
    "retrieve_series",
    "search_series",
    "search_studies",
    "shown_url",
    "store_instances",
]

_STUDY_FIELDS = {
    "StudyInstanceUID": "0020000D", "StudyDate": "00080020", "StudyDescription": "00081030",
    "ModalitiesInStudy": "00080061", "AccessionNumber": "00080050",
}
_SERIES_FIELDS = {
    "SeriesInstanceUID": "0020000E", "Modality": "00080060", "SeriesNumber": "00200011",
    "SeriesDescription": "0008103E", "NumberOfSeriesRelatedInstances": "00201209",
    "StudyInstanceUID": "0020000D",
}


TOKEN_VARIABLE = "RECIST_DICOMWEB_TOKEN"
USER_VARIABLE = "RECIST_DICOMWEB_USER"
PASSWORD_VARIABLE = "RECIST_DICOMWEB_PASSWORD"
CA_BUNDLE_VARIABLE = "RECIST_DICOMWEB_CA_BUNDLE"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_HINT = (f"set {TOKEN_VARIABLE} (bearer token) or {USER_VARIABLE} and {PASSWORD_VARIABLE}, "
         "or add the host to ~/.netrc")


def shown_url(url: str) -> str:
    """``url`` for a message: without credentials, query or fragment.

    >>> shown_url("https://alice:s3cret@pacs.example.org:8443/dicom-web?token=abc")
    'https://pacs.example.org:8443/dicom-web'
    """
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _credentials(url: str, token: str | None, username: str | None,
                 password: str | None) -> tuple[str, str | tuple[str, str] | None]:
    """``(source, credential)``: a bearer token (str), basic ``(user, password)``, or
    ``("none", None)``."""
    if token:
        return "the token given", token
    if username is not None:
        return "the user name given", (username, password or "")
    parts = urlsplit(url)
    if parts.username:
        return "the URL", (parts.username, parts.password or "")
    if os.environ.get(TOKEN_VARIABLE):
        return TOKEN_VARIABLE, os.environ[TOKEN_VARIABLE]
    if os.environ.get(USER_VARIABLE):
        return f"{USER_VARIABLE}/{PASSWORD_VARIABLE}", (
            os.environ[USER_VARIABLE], os.environ.get(PASSWORD_VARIABLE, ""))
    try:
        entries = netrc.netrc(os.environ.get("NETRC") or None)
        found = entries.authenticators(parts.hostname or "")
    except (OSError, netrc.NetrcParseError):
        found = None
    if found and found[0]:
        return "~/.netrc", (found[0], found[2] or "")
    return "none", None


def connect(url: str | DICOMwebClient, *, timeout_s: float = 30.0,
            max_attempts: int = 3, token: str | None = None, username: str | None = None,
            password: str | None = None) -> DICOMwebClient:
    """Return a DICOMweb client for a service root URL (e.g. ``http://host/dicom-web``).

    A client passed in is returned unchanged. A failed request (unreachable server, HTTP
    429/408/503/504) is tried ``max_attempts`` times in all, with exponential back-off
    (2 s, 4 s, ...). Credentials and TLS: see the module docstring; they are never shown
    in a message.

    Raises
    ------
    DicomInputError
        For a URL that is not http(s), or credentials that would go over plain http to
        another machine.
    """
    if isinstance(url, DICOMwebClient):
        return url
    text = str(url)
    if not text.startswith(("http://", "https://")):
        raise DicomInputError(f"DICOMweb URL {shown_url(text)!r} does not start with http:// "
                              "or https://; give the service root, e.g. "
                              "http://localhost:8042/dicom-web")
    source, credential = _credentials(text, token, username, password)
    parts = urlsplit(text)
    if credential is not None and parts.scheme != "https" \
            and (parts.hostname or "") not in _LOCAL_HOSTS:
        raise DicomInputError(
            f"DICOMweb URL {shown_url(text)} is plain http: the credentials of {source} are "
            "sent only over https (or to this machine); use the https URL of the PACS")
    session = requests.Session()
    # The environment is read here, not by requests (whose REQUESTS_CA_BUNDLE would win
    # over ours, and whose ~/.netrc lookup would add credentials we did not choose).
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(text))
    session.verify = (os.environ.get(CA_BUNDLE_VARIABLE) or os.environ.get("REQUESTS_CA_BUNDLE")
                      or os.environ.get("CURL_CA_BUNDLE") or True)  # never turned off
    if isinstance(credential, str):
        session.headers["Authorization"] = f"Bearer {credential}"
    elif credential is not None:
        session.auth = HTTPBasicAuth(credential[0], credential[1])
    client = DICOMwebClient(url=shown_url(text).rstrip("/"), session=session,
                            timeout=timeout_s)
    client.set_http_retry_params(retry=max_attempts > 1, max_attempts=max_attempts)
    setattr(client, "_recist_credentials", source)  # noqa: B010 - messages say where from
    return client


def _call(client: DICOMwebClient, what: str, function, *args, **kwargs):
    where = shown_url(client.base_url)
    source = getattr(client, "_recist_credentials", "none")
    try:
        return function(*args, **kwargs)
    except requests.exceptions.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        if status in (401, 403):
            advice = (f"the credentials of {source} were not accepted" if source != "none"
                      else f"no credentials were given; {_HINT}")
            raise DicomInputError(
                f"DICOMweb {what} at {where} was refused (HTTP {status}): {advice}"
            ) from None
        raise DicomInputError(
            f"DICOMweb {what} at {where} failed with HTTP status {status}; check the URL "
            "(service root, e.g. .../dicom-web), the UIDs and your access rights"
        ) from None
    except requests.exceptions.SSLError:
        raise DicomInputError(
            f"DICOMweb {what} at {where} failed: the server's TLS certificate could not be "
            f"verified; if the PACS uses its own certificate authority, set "
            f"{CA_BUNDLE_VARIABLE} to its CA file") from None
    except requests.exceptions.RequestException as error:
        why = ("it did not answer in time" if isinstance(error, requests.exceptions.Timeout)
               else "cannot reach the server")
        raise DicomInputError(
            f"DICOMweb {what} at {where} failed: {why}; check the URL and that the PACS is "
            "running") from None


def _simplify(records: Iterable[dict], fields: dict[str, str]) -> list[dict[str, object]]:
    out = []
    for record in records:
        item: dict[str, object] = {}
        for keyword, tag in fields.items():
            values = record.get(tag, {}).get("Value")
            if not values:
                item[keyword] = None
            elif len(values) == 1 or keyword != "ModalitiesInStudy":
                item[keyword] = values[0]
            else:
                item[keyword] = list(values)
        out.append(item)
    return out


def search_studies(url: str | DICOMwebClient, *, study_date: str | None = None,
                   modality: str | None = None,
                   filters: dict[str, str] | None = None) -> list[dict[str, object]]:
    """Search studies (QIDO-RS); return StudyInstanceUID, StudyDate, … per study.

    ``study_date`` is a DICOM date or range (``20240101-20241231``); ``filters`` adds
    further QIDO matching keys (e.g. ``{"PatientID": "..."}``).
    """
    client = connect(url)
    search = dict(filters or {})
    if study_date:
        search["StudyDate"] = study_date
    if modality:
        search["ModalitiesInStudy"] = modality
    records = _call(client, "study search", client.search_for_studies,
                    search_filters=search or None, fields=list(_STUDY_FIELDS),
                    get_remaining=True)
    return _simplify(records, _STUDY_FIELDS)


def search_series(url: str | DICOMwebClient, study_uid: str, *,
                  modality: str | None = None) -> list[dict[str, object]]:
    """Search the series of one study (QIDO-RS); return SeriesInstanceUID, Modality, …"""
    client = connect(url)
    records = _call(client, f"series search in study {study_uid}",
                    client.search_for_series, study_instance_uid=study_uid,
                    search_filters={"Modality": modality} if modality else None,
                    fields=list(_SERIES_FIELDS), get_remaining=True)
    return _simplify(records, _SERIES_FIELDS)


def retrieve_series(url: str | DICOMwebClient, study_uid: str, series_uid: str,
                    out_dir: str | Path) -> list[Path]:
    """Retrieve one series (WADO-RS) into ``out_dir``, one ``<SOPInstanceUID>.dcm`` each.

    The files are written to a temporary folder beside ``out_dir`` and moved into place
    only when the whole series arrived, so a failure leaves no partial series.

    Returns
    -------
    list of Path
        The files written, sorted by name.
    """
    client = connect(url)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    datasets = _call(client, f"retrieval of series {series_uid} (study {study_uid})",
                     client.retrieve_series, study_instance_uid=study_uid,
                     series_instance_uid=series_uid)
    if not datasets:
        raise DicomInputError(f"DICOMweb server {shown_url(client.base_url)} returned no "
                              f"instance for series {series_uid} of study {study_uid}; check "
                              "the UIDs with search_series")
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for dataset in datasets:
            _ensure_file_meta(dataset)
            dataset.save_as(staging / f"{dataset.SOPInstanceUID}.dcm",
                            enforce_file_format=True)
        out_dir.mkdir(exist_ok=True)
        written = []
        for path in sorted(staging.iterdir()):
            target = out_dir / path.name
            path.replace(target)
            written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _ensure_file_meta(dataset: Dataset) -> None:
    meta = dataset.file_meta if hasattr(dataset, "file_meta") else None
    if meta is None:
        meta = pydicom.dataset.FileMetaDataset()
        dataset.file_meta = meta
    meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    if "TransferSyntaxUID" not in meta:
        meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian


def store_instances(url: str | DICOMwebClient,
                    instances: Sequence[str | Path | Dataset]) -> list[str]:
    """Store DICOM instances (STOW-RS), e.g. an SR; return the stored SOP Instance UIDs.

    Raises
    ------
    DicomInputError
        If the server refuses any instance (its FailedSOPSequence is not empty).
    """
    client = connect(url)
    datasets = [item if isinstance(item, Dataset) else pydicom.dcmread(item)
                for item in instances]
    if not datasets:
        raise ValueError("store_instances: no instance given")
    response = _call(client, "store", client.store_instances, datasets=datasets)
    failed = response.get("FailedSOPSequence", []) if response is not None else []
    if failed:
        uids = ", ".join(str(item.get("ReferencedSOPInstanceUID", "?")) for item in failed)
        raise DicomInputError(f"DICOMweb server {shown_url(client.base_url)} refused "
                              f"instance(s) {uids}; see the server log for the reason")
    return [str(ds.SOPInstanceUID) for ds in datasets]
