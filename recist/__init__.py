"""recist: RECIST 1.1 tumour measurement and response tracking.

The rule and measurement modules work on numbers and tables only; DICOM is handled by the
separate ``dicom_io`` package and joined in ``recist.pipeline`` and ``recist.cli``.

What a notebook needs is here, loaded on first use (``import recist`` itself imports
neither pandas nor any DICOM library):

==========================  ==============================================================
``load_series``             a DICOM CT series in Hounsfield units, with its geometry
``measure_study``           lesion diameters in mm from annotations on one series
``read_measurements``       the measurements table (CSV, ``docs/tables.md``)
``read_patients``           the patients table (start dates, deaths, arms …)
``baseline``                measurability, target selection, eligibility
``respond``                 time point responses, best overall response, PFS, DoR
``summary``                 cohort statistics: ORR / DCR with exact CIs, PFS, DoR
``plot_waterfall`` …        the standard figures (``recist.plots``)
==========================  ==============================================================

``recist.baseline`` and ``recist.respond`` are also the rule modules of those names; the
modules are callable, and calling them calls the functions of ``recist.pipeline.api``.

>>> import recist
>>> sorted(recist.__all__)[:3]
['__version__', 'baseline', 'load_series']
"""

from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

# Public name -> (module, attribute), imported on first access (PEP 562).
_LAZY: dict[str, tuple[str, str]] = {
    "load_series": ("recist.pipeline.api", "load_series"),
    "measure_study": ("recist.pipeline.measure", "measure_study"),
    "read_measurements": ("recist.pipeline.api", "read_measurements"),
    "read_patients": ("recist.pipeline.api", "read_patients"),
    "summary": ("recist.pipeline.api", "summary"),
    "plot_waterfall": ("recist.plots", "plot_waterfall"),
    "plot_spider": ("recist.plots", "plot_spider"),
    "plot_swimmer": ("recist.plots", "plot_swimmer"),
    "plot_kaplan_meier": ("recist.plots", "plot_kaplan_meier"),
    "plot_lesion_trajectories": ("recist.plots", "plot_lesion_trajectories"),
}
# Public functions named like a submodule: the submodule, made callable.
_CALLABLE_MODULES: dict[str, tuple[str, str]] = {
    "baseline": ("recist.pipeline.api", "baseline"),
    "respond": ("recist.pipeline.api", "respond"),
}

__all__ = [
    "__version__",
    "baseline",
    "load_series",
    "measure_study",
    "plot_kaplan_meier",
    "plot_lesion_trajectories",
    "plot_spider",
    "plot_swimmer",
    "plot_waterfall",
    "read_measurements",
    "read_patients",
    "respond",
    "summary",
]


class _CallableModule(types.ModuleType):
    """A rule module whose name is also a public function; calling it calls that function.

    ``recist.respond(measurements, patients)`` is ``recist.pipeline.api.respond(...)``;
    ``recist.respond.respond`` is still the rule module's own function.
    """

    def __call__(self, *args, **kwargs):
        module, attribute = _CALLABLE_MODULES[self.__name__.rpartition(".")[2]]
        return getattr(importlib.import_module(module), attribute)(*args, **kwargs)


def _callable(module: object) -> object:
    if type(module) is types.ModuleType:
        module.__class__ = _CallableModule
    return module


class _Package(types.ModuleType):
    """``recist`` itself: the submodules in ``_CALLABLE_MODULES`` become callable when they
    are imported, however they are imported."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _CALLABLE_MODULES and isinstance(value, types.ModuleType):
            _callable(value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> object:
    if name in _CALLABLE_MODULES:
        return _callable(importlib.import_module(f"{__name__}.{name}"))
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
