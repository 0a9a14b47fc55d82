"""Another test module read by path, for tests that check its cases and test names."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from support.paths import TESTS


def load_module(relative: str) -> ModuleType:
    """The module ``tests/<relative>``, imported once under a name of its own."""
    name = "loaded_tests_" + relative.removesuffix(".py").replace("/", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TESTS / relative)
    assert spec is not None and spec.loader is not None, relative
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
