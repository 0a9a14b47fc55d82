"""The dependency rule of DESIGN.md: dicom_io never imports recist, and recist's rule and
measurement modules import neither dicom_io nor any DICOM or image I/O library."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import dicom_io
import recist

# Modules allowed to join the two layers (the composition root).
COMPOSITION = ("recist.__main__", "recist.cli", "recist.pipeline", "recist.report", "recist.demo", "recist.interop")
FORBIDDEN_IN_RECIST = ("dicom_io", "pydicom", "SimpleITK", "highdicom", "dicomweb_client")


def _modules(package) -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    )


def test_pure_recist_modules_load_no_dicom_library():
    pure = [m for m in _modules(recist) if not m.startswith(COMPOSITION)]
    assert pure, "expected pure recist modules"
    code = (
        "import importlib, json, sys\n"
        f"for m in {pure!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = json.loads(out.stdout)
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN_IN_RECIST]
    assert offenders == []


def test_dicom_io_never_imports_recist():
    code = (
        "import importlib, json, sys\n"
        f"for m in {_modules(dicom_io)!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.split(".")[0] == "recist"] == []
