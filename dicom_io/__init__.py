"""DICOM input/output and image geometry for recist.

This package knows DICOM and files, nothing of RECIST: it never imports ``recist``.
"""

from dicom_io.discover import Inventory, SeriesRecord, SliceHeader, discover_series
from dicom_io.errors import DicomInputError
from dicom_io.geometry import SeriesGeometry
from dicom_io.series import LoadedSeries, SeriesInfo, load_series, select_series
from dicom_io.stack import StackPlan, plan_stack

__all__ = [
    "DicomInputError",
    "Inventory",
    "LoadedSeries",
    "SeriesGeometry",
    "SeriesInfo",
    "SeriesRecord",
    "SliceHeader",
    "StackPlan",
    "discover_series",
    "load_series",
    "plan_stack",
    "select_series",
]
