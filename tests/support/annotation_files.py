"""Annotation objects (SR, RTSTRUCT) written on the small CT series of
``support.ct_series.make_ct_series``, for the source and manifest tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicom_io.sr import ImagePlane
from recist.pipeline.sources.sr import export_sr

RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"


def _rectangle(x0, y0, width, height, z):
    return [x0, y0, z, x0 + width, y0, z, x0 + width, y0 + height, z, x0, y0 + height, z]


def write_rtstruct(path, headers, rois, *, image_refs=True):
    """rois: [(number, name, type, [(slice_index, flat contour data), ...]), ...]"""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = RTSTRUCT
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = RTSTRUCT
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "RTSTRUCT"
    ds.StudyInstanceUID = headers[0].StudyInstanceUID
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = headers[0].PatientID
    ds.StructureSetLabel = "lesions"
    ds.StructureSetROISequence, ds.ROIContourSequence, ds.RTROIObservationsSequence = [], [], []
    for number, name, rtype, contours in rois:
        roi = Dataset()
        roi.ROINumber, roi.ROIName = number, name
        roi.ReferencedFrameOfReferenceUID = headers[0].FrameOfReferenceUID
        ds.StructureSetROISequence.append(roi)
        roi_contour = Dataset()
        roi_contour.ReferencedROINumber = number
        roi_contour.ContourSequence = []
        for k, data in contours:
            contour = Dataset()
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(data) // 3
            contour.ContourData = [float(v) for v in data]
            if image_refs:
                image = Dataset()
                image.ReferencedSOPClassUID = headers[k].SOPClassUID
                image.ReferencedSOPInstanceUID = headers[k].SOPInstanceUID
                contour.ContourImageSequence = [image]
            roi_contour.ContourSequence.append(contour)
        ds.ROIContourSequence.append(roi_contour)
        observation = Dataset()
        observation.ObservationNumber = number
        observation.ReferencedROINumber = number
        observation.RTROIInterpretedType = rtype
        ds.RTROIObservationsSequence.append(observation)
    ds.save_as(path, enforce_file_format=True)
    return path


def z_of(k):  # make_ct_series: origin z = 100 mm, slices 2.5 mm apart, axial
    return 100.0 + 2.5 * k


def _sr(ct_series, tmp_path):
    header = pydicom.dcmread(ct_series[1], stop_before_pixels=True)
    plane = ImagePlane.from_dataset(header)
    ld = plane.pixel_to_patient_mm(np.array([[4.5, 4.5], [24.5, 4.5]]))   # 14 mm
    sa = plane.pixel_to_patient_mm(np.array([[14.5, 1.5], [14.5, 11.5]]))  # 8 mm
    row = {"patient_id": "P001", "date": "2024-03-01", "lesion_id": "L1", "kind": "target",
           "organ": "lung", "nodal": False, "status": "measured", "ld_mm": 14.0,
           "sa_mm": 8.0, "sop_instance_uid": header.SOPInstanceUID}
    for prefix, ends in (("ld", ld), ("sa", sa)):
        row.update({f"{prefix}_{a}{i + 1}": float(ends[i][k]) for i in (0, 1)
                    for k, a in enumerate("xyz")})
    return export_sr(pd.DataFrame([row]), ct_series[0].parent, tmp_path / "sr.dcm")[0]
