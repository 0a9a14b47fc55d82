"""Composition layer: joins ``dicom_io`` (files, DICOM, geometry) with ``recist``'s pure
measurement and rule modules. Only this package and ``recist.cli`` import both."""
