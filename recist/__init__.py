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

The rules behind them live in their own modules (``recist.baseline_rules``,
``recist.response``, ``recist.timepoints`` …), which these functions call.

>>> import recist
>>> sorted(recist.__all__)[:3]
['__version__', 'baseline', 'load_series']
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> (module, attribute), imported on first access (PEP 562).
_LAZY: dict[str, tuple[str, str]] = {
    "load_series": ("recist.pipeline.api", "load_series"),
    "measure_study": ("recist.pipeline.measure", "measure_study"),
    "read_measurements": ("recist.pipeline.api", "read_measurements"),
    "read_patients": ("recist.pipeline.api", "read_patients"),
    "baseline": ("recist.pipeline.api", "baseline"),
    "respond": ("recist.pipeline.api", "respond"),
    "summary": ("recist.pipeline.api", "summary"),
    "plot_waterfall": ("recist.plots", "plot_waterfall"),
    "plot_spider": ("recist.plots", "plot_spider"),
    "plot_swimmer": ("recist.plots", "plot_swimmer"),
    "plot_kaplan_meier": ("recist.plots", "plot_kaplan_meier"),
    "plot_lesion_trajectories": ("recist.plots", "plot_lesion_trajectories"),
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


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
