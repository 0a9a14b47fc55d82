"""The response benchmark's synthetic cohort (``benchmarks/respond_cohort.py``), for tests
that need a cohort of realistic shape: up to 5 targets and 8 non-targets per patient over
10 visits, as raw CSV-like text."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pandas as pd

from support.paths import REPO

_NAME = "benchmark_respond_cohort"


def _benchmark() -> ModuleType:
    """``benchmarks/respond_cohort.py``, imported once under a name of its own."""
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            _NAME, REPO / "benchmarks" / "respond_cohort.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


def make_cohort(n_patients: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark's measurements and patients tables (unnormalised text) for
    ``n_patients`` patients, the same for the same seed."""
    return _benchmark().make_cohort(n_patients, seed=seed)
