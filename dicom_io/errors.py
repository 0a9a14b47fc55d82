"""Exceptions raised for DICOM input that cannot be used as it is."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DicomInputError"]


class DicomInputError(ValueError):
    """A DICOM file, series or annotation object that cannot be used.

    The message says what was tried, where, which element, what was expected, what was
    found and how to fix it. It never contains identifying values (patient name, birth
    date, patient ID): it points at the file and the SOP Instance UID instead.

    Parameters
    ----------
    message
        The full, user-facing explanation.
    path
        The file or folder concerned, if any.
    sop_instance_uid
        The SOP Instance UID concerned, if known.
    keyword
        The DICOM keyword of the offending element (e.g. ``"PixelSpacing"``), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sop_instance_uid: str | None = None,
        keyword: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.sop_instance_uid = sop_instance_uid
        self.keyword = keyword
