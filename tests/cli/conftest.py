"""Fixtures of the command-line tests: the generated sample data."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.paths import SAMPLE_DATA


@pytest.fixture(scope="session")
def sample_manifest() -> Path:
    manifest = SAMPLE_DATA / "manifest.csv"
    if not manifest.is_file() or not (SAMPLE_DATA / "truth.csv").is_file():
        pytest.skip("sample_data/ not generated yet (run make sample-data)")
    return manifest
