"""Composition glue between DICOM annotation objects (``dicom_io``) and the domain.

``recist.interop.sr`` reads and writes DICOM SR TID 1500 measurement reports,
``recist.interop.seg`` DICOM SEG, ``recist.interop.rtstruct`` RTSTRUCT and
``recist.interop.pacs`` talks to a PACS over DICOMweb. Like ``recist.pipeline`` and
``recist.cli``, this package may import ``dicom_io``; the rule modules never do.
"""
