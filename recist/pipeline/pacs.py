"""Series in from, and reports out to, a PACS over DICOMweb (``dicom_io.dicomweb``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dicom_io.dicomweb import connect, retrieve_series, search_series, store_instances
from dicom_io.errors import DicomInputError

__all__ = ["fetch_study", "fetched_reports", "fetched_series", "store_report"]


def fetch_study(url: str, study_uid: str, out_dir: str | Path, *,
                series_uid: str | None = None,
                modality: str | None = None) -> dict[str, Path]:
    """Retrieve a study's series (or one series) from a DICOMweb server into folders.

    With ``series_uid`` the series is written into ``out_dir`` itself; otherwise each
    series goes to ``out_dir/<SeriesInstanceUID>/``.

    Parameters
    ----------
    url
        DICOMweb service root, e.g. ``http://localhost:8042/dicom-web``.
    study_uid, series_uid
        What to retrieve.
    out_dir
        Destination folder (created).
    modality
        Without ``series_uid``: keep only series of this modality (e.g. ``CT``).

    Returns
    -------
    dict
        SeriesInstanceUID -> folder written.
    """
    client = connect(url)
    out_dir = Path(out_dir)
    if series_uid is not None:
        retrieve_series(client, study_uid, series_uid, out_dir)
        return {series_uid: out_dir}
    series = search_series(client, study_uid, modality=modality)
    if not series:
        what = f"{modality} series" if modality else "series"
        raise DicomInputError(f"DICOMweb server {client.base_url} has no {what} in study "
                              f"{study_uid}; check the Study Instance UID with a study "
                              "search")
    written = {}
    for record in series:
        uid = str(record["SeriesInstanceUID"])
        written[uid] = out_dir / uid
        retrieve_series(client, study_uid, uid, written[uid])
    return written


def store_report(url: str, path: str | Path) -> str:
    """Store one report (e.g. an SR written by ``export_sr``) on the server; its UID."""
    return store_instances(connect(url), [path])[0]


@contextmanager
def fetched_series(url: str, study_uid: str, series_uid: str, *,
                   keep_in: str | Path | None = None) -> Iterator[Path]:
    """Fetch one series into a folder for the duration of a ``with`` block.

    The folder is temporary (removed afterwards) unless ``keep_in`` names one to keep.

    >>> with fetched_series(url, study, series) as folder:  # doctest: +SKIP
    ...     result = measure_study(folder, lines="lines.csv")
    """
    with tempfile.TemporaryDirectory(prefix="recist-fetch-") as scratch:
        folder = Path(keep_in) if keep_in else Path(scratch) / "series"
        fetch_study(url, study_uid, folder, series_uid=series_uid)
        yield folder


@contextmanager
def fetched_reports(url: str, study_uid: str, series_uid: str) -> Iterator[tuple[Path, ...]]:
    """Fetch the instances of one report series (e.g. the SR a viewer saved) for the
    duration of a ``with`` block; yields their files (removed afterwards).

    Raises
    ------
    DicomInputError
        If the series holds no instance.
    """
    with tempfile.TemporaryDirectory(prefix="recist-fetch-reports-") as scratch:
        folder = Path(scratch) / "reports"
        fetch_study(url, study_uid, folder, series_uid=series_uid)
        files = tuple(sorted(p for p in folder.iterdir() if p.is_file()))
        if not files:
            raise DicomInputError(f"series {series_uid} of study {study_uid} on "
                                  "the DICOMweb server holds no instance; check the "
                                  "SR's Series Instance UID")
        yield files
