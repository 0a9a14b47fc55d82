"""DICOM input/output and image geometry for recist.

This package knows DICOM and files, nothing of RECIST: it never imports ``recist``.
"""

from dicom_io.errors import DicomInputError

__all__ = ["DicomInputError"]
