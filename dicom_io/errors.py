"""Exceptions raised for DICOM input that cannot be used as it is."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DicomInputError", "unreadable_file_error"]


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


def unreadable_file_error(path: str | Path, error: BaseException, what: str) -> DicomInputError:
    """The ``DicomInputError`` for a file a DICOM reader could not open or parse.

    ``what`` names what the file should be (``"DICOM SEG"``). The reader's own words are
    kept only where they help (a truncated file); advice meant for programmers (pydicom's
    ``force=True``) is replaced by what the user can do.

    >>> str(unreadable_file_error("a/seg.dcm", FileNotFoundError(2, "gone"), "DICOM SEG"))
    'cannot read a/seg.dcm as DICOM SEG: the file does not exist; check the path'
    """
    path = Path(path)
    if isinstance(error, FileNotFoundError):
        found = "the file does not exist; check the path"
    elif isinstance(error, IsADirectoryError):
        found = f"it is a folder; pass the {what} file itself"
    elif type(error).__name__ == "InvalidDicomError" or "DICM" in str(error):
        found = (f"it is not a DICOM file (no 'DICM' marker after the 128-byte preamble); "
                 f"pass the {what} file")
    elif isinstance(error, EOFError):
        found = "the file ends too early (truncated); copy it again from the source"
    else:
        found = f"{error}; pass a {what} file"
    return DicomInputError(f"cannot read {path} as {what}: {found}", path=path)
