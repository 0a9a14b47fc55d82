"""A PACS over DICOMweb (QIDO-RS search, WADO-RS retrieve, STOW-RS store).

Thin, explicit wrappers around ``dicomweb-client``: search results come back as plain
dicts of the attributes we use, a retrieved series is written to a folder (one file per
instance, named by SOP Instance UID, written whole or not at all) ready for
``dicom_io.series.load_series``, and any network or HTTP failure becomes a
``DicomInputError`` that names the server and the UIDs — never patient identifiers.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset

from dicom_io.errors import DicomInputError

__all__ = [
    "connect",
    "retrieve_series",
    "search_series",
    "search_studies",
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


def connect(url: str | DICOMwebClient, *, timeout_s: float = 30.0,
            max_attempts: int = 3) -> DICOMwebClient:
    """Return a DICOMweb client for a service root URL (e.g. ``http://host/dicom-web``).

    A client passed in is returned unchanged. A failed request (unreachable server, HTTP
    429/408/503/504) is tried ``max_attempts`` times in all, with exponential back-off
    (2 s, 4 s, ...).
    """
    if isinstance(url, DICOMwebClient):
        return url
    if not str(url).startswith(("http://", "https://")):
        raise DicomInputError(f"DICOMweb URL {url!r} does not start with http:// or "
                              "https://; give the service root, e.g. "
                              "http://localhost:8042/dicom-web")
    client = DICOMwebClient(url=str(url).rstrip("/"), timeout=timeout_s)
    client.set_http_retry_params(retry=max_attempts > 1, max_attempts=max_attempts)
    return client


def _call(client: DICOMwebClient, what: str, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except requests.exceptions.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise DicomInputError(
            f"DICOMweb {what} at {client.base_url} failed with HTTP status {status}; check "
            "the URL (service root, e.g. .../dicom-web), the UIDs and your access rights"
        ) from error
    except requests.exceptions.RequestException as error:
        raise DicomInputError(
            f"DICOMweb {what} at {client.base_url} failed: cannot reach the server "
            f"({type(error).__name__}); check the URL and that the PACS is running"
        ) from error


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
        raise DicomInputError(f"DICOMweb server {client.base_url} returned no instance for "
                              f"series {series_uid} of study {study_uid}; check the UIDs "
                              "with search_series")
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
        raise DicomInputError(f"DICOMweb server {client.base_url} refused instance(s) "
                              f"{uids}; see the server log for the reason")
    return [str(ds.SOPInstanceUID) for ds in datasets]
