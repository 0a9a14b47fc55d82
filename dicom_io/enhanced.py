"""Enhanced (multi-frame) CT and MR: one slice header per frame, from the functional groups.

An Enhanced CT Image Storage object (1.2.840.10008.5.1.4.1.1.2.1), its Legacy Converted
variant, or an Enhanced MR object holds every slice of a series as frames of one file. Each
frame's geometry lives in the Per-frame and Shared Functional Groups (PS3.3 C.7.6.16):
Plane Position (ImagePositionPatient), Plane Orientation (ImageOrientationPatient), Pixel
Measures (PixelSpacing, SliceThickness) and Pixel Value Transformation (RescaleSlope,
RescaleIntercept). :func:`frame_headers` turns each frame into a :class:`SliceHeader` with
``frame_index`` set, so that the stacking checks of :mod:`dicom_io.stack` apply unchanged.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pydicom

from dicom_io.discover import SliceHeader
from dicom_io.errors import DicomInputError, safe_text, safe_uid

__all__ = ["frame_headers"]


def _find(groups: list[pydicom.Dataset], sequence: str, keyword: str):
    """First value of ``sequence[0].keyword`` in the per-frame then the shared group."""
    for group in groups:
        items = group.get(sequence)
        if items:
            value = items[0].get(keyword)
            if value is not None and value != "":
                return value
    return None


def _named(header: SliceHeader) -> str:
    return f"{safe_text(header.name)} (SOP Instance UID {safe_uid(header.sop_instance_uid)})"


def frame_headers(header: SliceHeader) -> list[SliceHeader]:
    """Return one header per frame of the multi-frame object ``header`` describes.

    Raises
    ------
    DicomInputError
        When the file cannot be read or lacks the functional groups.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the header's warnings were noted by discovery
            ds = pydicom.dcmread(header.path, stop_before_pixels=True)
            per_frame = list(ds.get("PerFrameFunctionalGroupsSequence") or [])
            shared = list(ds.get("SharedFunctionalGroupsSequence") or [])
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception:  # noqa: BLE001 - any reader failure names the file, no bytes
        raise DicomInputError(
            f"cannot read the functional groups of {_named(header)}: they are damaged. Copy "
            "the file again from the source.",
            path=header.path, sop_instance_uid=header.sop_instance_uid) from None
    if len(per_frame) != header.number_of_frames:
        raise DicomInputError(
            f"cannot read the frames of {_named(header)}: (5200,9230) "
            "PerFrameFunctionalGroupsSequence has "
            f"{len(per_frame)} item(s), NumberOfFrames is {header.number_of_frames}. "
            "Re-export the object, or export the series as single-frame images.",
            path=header.path, sop_instance_uid=header.sop_instance_uid,
            keyword="PerFrameFunctionalGroupsSequence")
    frames = []
    for index, group in enumerate(per_frame):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frames.append(_frame_header(header, index, [group, *shared]))
        except (ValueError, TypeError, IndexError, AttributeError, KeyError):
            raise DicomInputError(
                f"cannot read frame {index + 1} of {_named(header)}: its functional groups "
                "hold a position, orientation, spacing or rescale that is not a number. "
                "Re-export the object.", path=header.path,
                sop_instance_uid=header.sop_instance_uid,
                keyword="PerFrameFunctionalGroupsSequence") from None
    return frames


def _frame_header(header: SliceHeader, index: int, groups: list) -> SliceHeader:
    position = _find(groups, "PlanePositionSequence", "ImagePositionPatient")
    orientation = _find(groups, "PlaneOrientationSequence", "ImageOrientationPatient")
    spacing = _find(groups, "PixelMeasuresSequence", "PixelSpacing")
    thickness = _find(groups, "PixelMeasuresSequence", "SliceThickness")
    slope = _find(groups, "PixelValueTransformationSequence", "RescaleSlope")
    intercept = _find(groups, "PixelValueTransformationSequence", "RescaleIntercept")
    return dataclasses.replace(
        header,
        name=f"{header.name} frame {index + 1}",
        position_mm=None if position is None else np.array([float(v) for v in position]),
        orientation=None if orientation is None
        else np.array([float(v) for v in orientation]),
        pixel_spacing_mm=None if spacing is None else (float(spacing[0]), float(spacing[1])),
        slice_thickness_mm=None if thickness is None else float(thickness),
        rescale_slope=1.0 if slope is None else float(slope),
        rescale_intercept=0.0 if intercept is None else float(intercept),
        frame_index=index,
    )
