"""Annotation sources: one seam for everything ``recist measure`` can read lesions from.

A *source* turns annotations drawn on one CT series into the measurements table: drawn
lines (CSV), label masks (+ lesions CSV), DICOM SEG, RT Structure Set, DICOM SR TID 1500.
Each is an :class:`AnnotationSource` in :data:`SOURCES`, keyed by its name. The name is
also the ``recist measure`` option that selects it (``--lines``, ``--sr`` …) and the
column of a manifest that gives it per study (``measure --manifest``), so a source
registered here is available to both without further changes.

Adding a source is one module with a ``measure(series_dir, spec)`` function returning a
:class:`~recist.pipeline.measure.MeasureResult`, plus one :func:`register_source` call
(below for the built-in ones). The registry itself is light: a source's module is
imported only when something is measured with it, so ``recist --help`` stays fast.

>>> [source.name for source in SOURCES.values()]
['lines', 'masks', 'sr', 'seg', 'rtstruct']
>>> get_source("sr").option
'--sr'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from recist.vocabulary import LesionKind

if TYPE_CHECKING:
    from recist.pipeline.measure import MeasureResult

__all__ = [
    "DEFAULT_KIND",
    "SOURCES",
    "AnnotationSource",
    "Source",
    "SourceSpec",
    "get_source",
    "register_source",
    "unregister_source",
]


DEFAULT_KIND = str(LesionKind.TARGET)
"""The kind of a lesion whose annotations do not say it."""


@dataclass(frozen=True)
class SourceSpec:
    """What to measure on one series, whatever the source.

    Attributes
    ----------
    paths
        The annotation file(s) given to the source's option or manifest column (an SR
        source takes several; the others one).
    lesions
        Lesions CSV (``label, lesion_id, kind, organ, nodal``) for sources that take one.
    series_uid
        SeriesInstanceUID to use when the folder holds several series.
    visit, patient_id, date
        Written in the table instead of what the DICOM says (``date`` ISO); None keeps the
        DICOM's (the visit then stays empty or comes from the annotation file).
    resample
        Resample a label image that is not on the series grid instead of refusing it.
    default_kind
        Kind of lesions whose source does not say it (SR, SEG, RTSTRUCT).
    overlays_dir
        Write one picture per lesion here (sources that can draw them).
    """

    paths: tuple[Path, ...]
    lesions: Path | None = None
    series_uid: str | None = None
    visit: str | None = None
    patient_id: str | None = None
    date: str | None = None
    resample: bool = False
    default_kind: str = DEFAULT_KIND
    overlays_dir: Path | None = None

    @property
    def path(self) -> Path:
        """The annotation file of a single-file source."""
        return self.paths[0]


@runtime_checkable
class AnnotationSource(Protocol):
    """The interface every annotation source has.

    ``name`` is the manifest column and, with ``--`` in front, the ``recist measure``
    option (``option``); ``measure`` reads the annotations of one series.
    """

    @property
    def name(self) -> str:
        """Manifest column and option name."""
        ...

    @property
    def option(self) -> str:
        """The ``recist measure`` option."""
        ...

    @property
    def lesions(self) -> Literal["required", "optional", "no"]:
        """Whether it needs, takes or refuses a lesions CSV."""
        ...

    def measure(self, series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
        """Measure the annotations of ``spec`` drawn on the series in ``series_dir``."""
        ...


@dataclass(frozen=True)
class Source:
    """A registered annotation source (the standard :class:`AnnotationSource`).

    Parameters
    ----------
    name
        Manifest column and option name (``sr`` -> ``--sr``).
    measure_with
        ``measure(series_dir, spec) -> MeasureResult``, or its import path
        ``"package.module:function"`` (imported on first use, keeping start-up light).
    help
        One line for ``recist measure --help``.
    description
        A paragraph for ``recist measure --help`` (what is read, how it is measured).
    metavar
        Placeholder of the option's value in the help.
    many
        The option takes several files (``--sr A.dcm B.dcm``; ``;``-separated in a
        manifest cell).
    lesions
        ``"required"``: needs ``--lesions`` / the manifest's lesions column; ``"optional"``:
        takes one; ``"no"``: refuses one.
    lesions_refusal
        The message when ``--lesions`` is given to a source that takes none.
    """

    name: str
    measure_with: str | Callable[[str | Path, SourceSpec], MeasureResult]
    help: str
    description: str = ""
    metavar: str = "FILE"
    many: bool = False
    lesions: Literal["required", "optional", "no"] = "no"
    lesions_refusal: str = ""

    @property
    def option(self) -> str:
        """The ``recist measure`` option, ``--`` + name."""
        return "--" + self.name

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments holding the option's value."""
        return self.name.replace("-", "_")

    def measure(self, series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
        """Measure ``spec`` on ``series_dir`` with this source."""
        function = self.measure_with
        if isinstance(function, str):
            module, _, attribute = function.partition(":")
            function = getattr(importlib.import_module(module), attribute)
        return function(series_dir, spec)


_REGISTRY: dict[str, AnnotationSource] = {}
SOURCES: Mapping[str, AnnotationSource] = _REGISTRY
"""The registered sources by name, in registration order (read-only view)."""


def register_source(source: AnnotationSource, *, replace: bool = False) -> AnnotationSource:
    """Add ``source`` to :data:`SOURCES`: ``recist measure`` and its manifest accept it.

    Register before the ``recist`` parser is built (e.g. at import of a plugin module).
    A name already taken is refused unless ``replace`` is true. Returns ``source``.
    """
    if not isinstance(source, AnnotationSource):
        raise TypeError(f"{source!r} is not an annotation source: it needs name, option, "
                        "lesions and measure(series_dir, spec)")
    reserved = {"series_dir", "patient_id", "visit", "date", "lesions", "series_uid"}
    if source.name in reserved:
        raise ValueError(f"source name {source.name!r} is a manifest column of its own; "
                         "choose another")
    if source.name in _REGISTRY and not replace:
        raise ValueError(f"an annotation source named {source.name!r} is already "
                         "registered (pass replace=True to replace it)")
    _REGISTRY[source.name] = source
    return source


def unregister_source(name: str) -> None:
    """Remove a registered source (e.g. a test's)."""
    _REGISTRY.pop(name, None)


def get_source(name: str) -> AnnotationSource:
    """The registered source called ``name``; ``KeyError`` naming the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no annotation source {name!r}; known: "
                       f"{', '.join(_REGISTRY)}") from None


# --- the built-in sources -------------------------------------------------------------
register_source(Source(
    name="lines", measure_with="recist.pipeline.sources.lines:measure", metavar="CSV",
    help="drawn long/short axes (pixel coordinates)",
    description=(
        "--lines CSV: drawn lines, with lesion_id, kind, organ, nodal, axis (long|short), "
        "sop_instance_uid, x1, y1, x2, y2 (image-relative pixels, top-left corner 0,0)."),
    lesions="no",
    lesions_refusal="give either --lines or --masks with --lesions, not both"))
register_source(Source(
    name="masks", measure_with="recist.pipeline.sources.masks:measure", metavar="LABELS",
    help="label image (NRRD, NIfTI)",
    description=(
        "--masks LABELS: a label image (NRRD/NIfTI on the series grid; --resample to "
        "resample it) with --lesions CSV: label, lesion_id, kind, organ, nodal. LD: longest "
        "diameter on the axial slice where it is largest (nodes: the slice where SA is "
        "largest); SA: longest chord inside the lesion perpendicular to LD."),
    lesions="required"))
register_source(Source(
    name="sr", measure_with="recist.pipeline.sources.sr:measure", many=True,
    help="DICOM SR measurement report(s) (TID 1500)",
    description=(
        "--sr FILE [FILE ...]: DICOM SR TID 1500 reports (e.g. OHIF or 3D Slicer); lengths "
        "recomputed from the coordinates."),
    lesions="no",
    lesions_refusal=("--lesions goes with --masks, --seg or --rtstruct, not --sr: an SR "
                     "names its lesions itself")))
register_source(Source(
    name="seg", measure_with="recist.pipeline.sources.seg:measure",
    help="DICOM SEG of the lesions",
    description="--seg FILE: DICOM SEG, one lesion per segment.",
    lesions="optional"))
register_source(Source(
    name="rtstruct", measure_with="recist.pipeline.sources.rtstruct:measure",
    help="RT Structure Set of the lesions",
    description=("--rtstruct FILE: RT Structure Set, one lesion per ROI (--lesions CSV with "
                 "label = ROI number to choose and name them)."),
    lesions="optional"))
