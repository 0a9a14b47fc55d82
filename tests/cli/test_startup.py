"""``recist --help`` and ``recist VERB --help`` stay light: no pandas, numpy, scipy,
matplotlib or DICOM library is imported to print them (``python -X importtime``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from recist.cli import _COMMAND_MODULES

HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "pydicom", "highdicom", "SimpleITK",
         "skimage", "dicom_io")


def _imported(*argv: str) -> tuple[set[str], str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "recist", *argv],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return names, done.stdout


@pytest.mark.parametrize("argv", [("--help",), *((verb, "--help") for verb in _COMMAND_MODULES)],
                         ids=lambda argv: " ".join(argv))
def test_help_imports_nothing_heavy(argv):
    names, out = _imported(*argv)
    assert "usage: recist" in out
    assert sorted(n for n in names if n.split(".")[0] in HEAVY) == []


def test_import_recist_is_light():
    code = ("import sys, recist\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{HEAVY!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
