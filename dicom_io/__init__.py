"""DICOM input/output and image geometry for recist.

This package knows DICOM and files, nothing of RECIST: it never imports ``recist``.
"""

from dicom_io.errors import DicomInputError
from dicom_io.geometry import SeriesGeometry

__all__ = ["DicomInputError", "SeriesGeometry"]
