"""recist: RECIST 1.1 tumour measurement and response tracking.

The rule and measurement modules work on numbers and tables only; DICOM is handled by the
separate ``dicom_io`` package and joined in ``recist.pipeline`` and ``recist.cli``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
