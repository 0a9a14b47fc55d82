"""Composition layer: joins ``dicom_io`` (files, DICOM, geometry) with ``recist``'s pure
measurement and rule modules, and runs the jobs the commands are made of. Only this
package, ``recist.cli`` and ``recist.__main__`` import ``dicom_io`` or a DICOM library
(``tests/golden/test_layering.py``).

==============================  ==========================================================
``sources``                     the registry of annotation sources (``lines``, ``masks``,
                                ``sr``, ``seg``, ``rtstruct``): one module each
``measure``                     measure one study (``measure_study``), ``MeasureResult``
``manifest``                    measure many studies on any ``concurrent.futures.Executor``
``pacs``                        series from, and reports to, a PACS over DICOMweb
``criteria``                    ``resolve_criteria``: protocol, criteria file, settings
``baseline``                    ``run_baseline`` and ``write_baseline_outputs``
``report``                      ``run_report``: the HTML reports
``sdtm``                        SDTM in (with the RS check) and out
``demo``                        the sample job end to end (``recist demo``)
``api``                         the notebook functions ``import recist`` offers
``progress``                    the progress bar on stderr of ``recist report`` and the demo
==============================  ==========================================================
"""
