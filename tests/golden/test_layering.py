"""The dependency rule: ``dicom_io`` never imports ``recist``, and only the composition
layer of ``recist`` (``recist/pipeline/``, ``recist/cli/``, ``recist/__main__.py``)
imports ``dicom_io`` or a DICOM library.

Checked twice: on the source (every import statement, those inside functions included,
and ``importlib.import_module`` / ``__import__`` of a literal name), and in a fresh
interpreter (importing every rule and measurement module loads no DICOM library).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from support.paths import REPO as ROOT

COMPOSITION = ("recist/pipeline/", "recist/cli/", "recist/__main__.py")
DICOM_LIBRARIES = ("dicom_io", "pydicom", "highdicom", "SimpleITK", "dicomweb_client")


def _package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def _imported_names(path: Path, package: str) -> list[tuple[int, str]]:
    """Every module name ``path`` imports, anywhere in it, with its line number."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append((node.lineno, module))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute)
                    and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name)
                       and node.func.id in ("__import__", "import_module")))):
            names.append((node.lineno, node.args[0].value))
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _offences(package: str, forbidden: tuple[str, ...], allowed=()) -> list[str]:
    found = []
    for path in _files(package):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(allowed):
            continue
        found.extend(f"{relative}:{line} imports {name}"
                     for line, name in _imported_names(path, _package_of(path))
                     if _top(name) in forbidden)
    return found


def test_the_ast_check_sees_lazy_relative_and_dynamic_imports(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    import pydicom\n"
                      "def g():\n    from dicom_io import series\n"
                      "def h():\n    import importlib\n    importlib.import_module('SimpleITK')\n"
                      "def i():\n    from ..pipeline import measure\n")
    names = {name for _, name in _imported_names(module, "recist.report")}
    assert {"pydicom", "dicom_io", "SimpleITK", "recist.pipeline"} <= names


def test_dicom_io_never_imports_recist():
    assert _offences("dicom_io", ("recist",)) == []


def test_only_the_composition_layer_imports_dicom():
    assert _offences("recist", DICOM_LIBRARIES, allowed=COMPOSITION) == []


def test_rule_and_measurement_modules_load_no_dicom_library():
    pure = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in _files("recist")
        if not path.relative_to(ROOT).as_posix().startswith(COMPOSITION))
    assert "recist.timepoints" in pure and "recist.measure.mask" in pure
    code = (
        "import importlib, json, sys\n"
        f"for m in {pure!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout)
    offenders = [m for m in loaded if _top(m) in DICOM_LIBRARIES]
    assert offenders == []


def test_dicom_io_loads_no_recist_module():
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in _files("dicom_io"))
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert [m for m in json.loads(out.stdout) if _top(m) == "recist"] == []
