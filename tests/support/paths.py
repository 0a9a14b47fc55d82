"""Folders of the repository, found from this file (whatever the depth of the test)."""

from __future__ import annotations

from pathlib import Path


def _repository_root() -> Path:
    """The nearest folder above this file holding ``pyproject.toml``."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError(f"no pyproject.toml above {__file__}")


REPO = _repository_root()
SAMPLE_DATA = REPO / "sample_data"
TESTS = REPO / "tests"
