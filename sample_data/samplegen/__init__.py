"""Builders of the recist sample data (used by ``sample_data/make_sample_data.py``).

Self-contained on purpose: the sample data must be buildable from a fresh clone without the
project's own packages, so these modules use pydicom, numpy, scipy and SimpleITK directly.

* :mod:`samplegen.scenarios` -- patients, visits, dates, file layout (standard library only).
* :mod:`samplegen.baseline` -- the V0 image and mask: from the committed V0 series and
  label image (default), or from the original pyradiomics NRRDs; checked against
  ``baseline_source.json``.
* :mod:`samplegen.build` -- builds every file from the baselines.
* :mod:`samplegen.ct_dicom` -- write a volume as a DICOM CT series with exact geometry.
* :mod:`samplegen.synthesis` -- resize a tumour in place, add a new nodule.
* :mod:`samplegen.lines` -- radiologist-style long/short axis lines from a lesion mask.
"""
