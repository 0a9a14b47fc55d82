"""Lesion pictures: the measured slice with LD, SA and the outline drawn, to check at a glance.

Pure rendering (matplotlib Agg): arrays and numbers in, a PNG out; no DICOM here.

* **Window** by organ (``window_for_organ``, organs as ``recist.organs.organ_key`` reads
  them): lung W1500/L−600 for the lung, bone W2000/L500 for bone, soft tissue W400/L40
  for everything else (liver, nodes, pleura …); ``window=`` overrides it.
* **Zoom**: centred on the lesion, wide enough for the lesion and at least 15 mm of
  context on every side (``context_mm``), and at least ``min_field_mm`` wide.
* **What was measured**: the long axis red, the short axis blue, other fragments' axes
  orange, and the lesion's outline yellow when it came from one: a mask or SEG segment
  (``outline``, drawn along its pixel edges) or an RTSTRUCT contour (``contours``, the
  polygons as drawn); the axes can be checked against the segmentation. Drawn lines and
  SR measurements have no outline: their picture shows the axes only.
* **Reading aids**, each with a dark halo so they stay readable on lung, fat or bone: a
  scale bar (10 mm, 20 mm for fields over 100 mm), orientation letters at the edges
  from the image's direction cosines (A/P, R/L, H/F), the slice position and the window.
* A small whole-slice locator in a corner.
* **Sized for a thumbnail row**: 3.2 x 3.5 in at 140 dpi (448 x 490 px), text large for
  that size, so that the report's 180-250 px thumbnails keep the title, the scale bar
  and the orientation letters readable (issue 14: pictures shrunk to a row across visits
  had 4-7 px text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "BONE_WINDOW",
    "LUNG_WINDOW",
    "OUTLINE_COLOUR",
    "SOFT_TISSUE_WINDOW",
    "WINDOWS",
    "Window",
    "orientation_letters",
    "render_lesion_overlay",
    "window_for_organ",
]


@dataclass(frozen=True)
class Window:
    """A CT display window in HU (width, level)."""

    width: float
    level: float

    @property
    def limits(self) -> tuple[float, float]:
        """(lowest, highest) HU shown."""
        return self.level - self.width / 2, self.level + self.width / 2


LUNG_WINDOW = Window(1500.0, -600.0)
SOFT_TISSUE_WINDOW = Window(400.0, 40.0)
BONE_WINDOW = Window(2000.0, 500.0)
OUTLINE_COLOUR = "#ffd400"
"""Colour of a lesion's mask or contour outline (yellow)."""
WINDOWS = {"lung": LUNG_WINDOW, "soft-tissue": SOFT_TISSUE_WINDOW, "bone": BONE_WINDOW}
"""The windows by name (an override may name one)."""

_BONE_WORDS = frozenset({
    "bone", "bones", "osseous", "skeletal", "skeleton", "vertebra", "vertebrae",
    "vertebral", "spine", "spinal", "rib", "ribs", "sternum", "sternal", "pelvis",
    "pelvic", "iliac", "ilium", "sacrum", "sacral", "femur", "femoral", "humerus",
    "humeral", "skull", "calvarium", "scapula", "clavicle", "acetabulum", "ischium",
    "pubis", "tibia", "fibula"})


def window_for_organ(organ: str | None, nodal: bool = False) -> Window:
    """Lung window for the lung, bone window for a bone, soft tissue otherwise.

    The organ text is read as ``recist.organs.organ_key`` reads it (``"RUL"`` and
    ``"pulmonary"`` are the lung; a lymph node is soft tissue; ``"pleura"`` is soft
    tissue: a pleural mass is judged against the chest wall).

    >>> window_for_organ("Right lung").limits, window_for_organ("liver").limits
    ((-1350.0, 150.0), (-160.0, 240.0))
    >>> window_for_organ("T7 vertebral body").limits, window_for_organ("pleura").limits
    ((-500.0, 1500.0), (-160.0, 240.0))
    """
    from recist.organs import organ_key

    key = organ_key(organ, nodal)
    if key is None:
        return SOFT_TISSUE_WINDOW
    if key == "lung":
        return LUNG_WINDOW
    if _BONE_WORDS & set(key.split()):
        return BONE_WINDOW
    return SOFT_TISSUE_WINDOW


def _letter(direction: np.ndarray) -> str:
    """Patient direction (DICOM LPS) a unit vector points to most: L/R, P/A, H/F."""
    axis = int(np.argmax(np.abs(direction)))
    positive, negative = (("L", "R"), ("P", "A"), ("H", "F"))[axis]
    return positive if direction[axis] > 0 else negative


def orientation_letters(row_direction: Sequence[float],
                        column_direction: Sequence[float]) -> dict[str, str]:
    """Letters at the left, right, top and bottom edges of an image.

    ``row_direction`` (ImageOrientationPatient[0:3]) points to the right edge and
    ``column_direction`` (ImageOrientationPatient[3:6]) to the bottom edge, in DICOM
    patient coordinates (x to the patient's left, y posterior, z head).

    >>> orientation_letters((1, 0, 0), (0, 1, 0))  # an axial slice as usually displayed
    {'left': 'R', 'right': 'L', 'top': 'A', 'bottom': 'P'}
    """
    row = np.asarray(row_direction, dtype=float)
    column = np.asarray(column_direction, dtype=float)
    return {"left": _letter(-row), "right": _letter(row), "top": _letter(-column),
            "bottom": _letter(column)}


def _halo(width: float = 2.5) -> list:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="black")]


def render_lesion_overlay(
    slice_hu: np.ndarray,
    pixel_spacing_mm: tuple[float, float],
    path: str | Path,
    *,
    ld_xy: np.ndarray | None,
    sa_xy: np.ndarray | None = None,
    ld_mm: float | None = None,
    sa_mm: float | None = None,
    lesion_id: str = "",
    date: str = "",
    organ: str | None = None,
    nodal: bool = False,
    extra_lines: list[np.ndarray] | None = None,
    window: Window | str | None = None,
    outline: np.ndarray | None = None,
    contours: Sequence[np.ndarray] | None = None,
    orientation: tuple[Sequence[float], Sequence[float]] | None = None,
    slice_label: str = "",
    min_field_mm: float = 30.0,
    context_mm: float = 15.0,
):
    """Write one lesion picture as PNG and return the main axes.

    Parameters
    ----------
    slice_hu
        The measured slice ``(rows, columns)`` in HU.
    pixel_spacing_mm
        DICOM PixelSpacing ``(row spacing, column spacing)``: pixels are drawn to scale.
    path
        PNG to write (its folder is created).
    ld_xy, sa_xy
        ``(2, 2)`` endpoints ``[[x1, y1], [x2, y2]]`` in image-relative pixel coordinates
        (top-left corner of the first pixel = 0, 0), or None when not measured.
    ld_mm, sa_mm, lesion_id, date
        Written in the title.
    organ, nodal
        Choose the window (``window_for_organ``) unless ``window`` is given.
    extra_lines
        More ``(2, 2)`` segments (other fragments' axes), drawn thinner.
    window
        A ``Window`` or the name of one (``lung``, ``soft-tissue``, ``bone``).
    outline
        The lesion's mask on this slice (same shape as ``slice_hu``, true inside), drawn
        as its outline.
    contours
        Closed polygons ``(n, 2)`` in image-relative pixel coordinates ``(x, y)`` (e.g. an
        RTSTRUCT ROI's loops on this slice), drawn as the outline, each closed back to its
        first point.
    orientation
        ``(row_direction, column_direction)`` of the image: letters at its edges.
    slice_label
        Where the slice is (e.g. ``"slice 23/48 · z −120.0 mm"``), written at the bottom.
    min_field_mm, context_mm
        The view is at least ``min_field_mm`` wide and leaves ``context_mm`` around the
        lesion on every side.
    """
    # A bare Figure renders with the Agg canvas without touching pyplot's global backend,
    # so inline plots in a notebook keep working after an overlay is drawn.
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    image = np.asarray(slice_hu, dtype=float)
    rows, columns = image.shape
    row_mm, col_mm = (float(s) for s in pixel_spacing_mm)
    if isinstance(window, str):
        if window not in WINDOWS:
            raise ValueError(f"window {window!r} is not one of {', '.join(WINDOWS)}; name "
                             "one of them or give a Window(width, level)")
        window = WINDOWS[window]
    window = window or window_for_organ(organ, nodal)
    low, high = window.limits
    extent = (0.0, columns * col_mm, rows * row_mm, 0.0)  # mm, y downwards as on screen

    def to_mm(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float).reshape(2, 2)
        return xy * (col_mm, row_mm)

    segments = [s for s in (ld_xy, sa_xy) if s is not None] + list(extra_lines or [])
    points = [to_mm(s) for s in segments]
    polygons = [np.asarray(p, dtype=float).reshape(-1, 2) * (col_mm, row_mm)
                for p in contours or [] if len(p)]
    points += polygons
    if outline is not None and np.any(outline):
        r, c = np.nonzero(outline)
        points.append(np.array([[c.min() * col_mm, r.min() * row_mm],
                                [(c.max() + 1) * col_mm, (r.max() + 1) * row_mm]]))
    if points:
        stacked = np.concatenate(points)
        centre = (stacked.min(axis=0) + stacked.max(axis=0)) / 2
        size = float(np.ptp(stacked, axis=0).max())
        half = max(size / 2 + context_mm, size, min_field_mm / 2)
    else:
        centre = np.array([columns * col_mm / 2, rows * row_mm / 2])
        half = max(columns * col_mm, rows * row_mm) / 2

    figure = Figure(figsize=(3.2, 3.5), dpi=140)
    axes = figure.add_axes((0.0, 0.0, 1.0, 0.86))
    axes.imshow(image, cmap="gray", vmin=low, vmax=high, extent=extent,
                interpolation="nearest")
    axes.set_xlim(centre[0] - half, centre[0] + half)
    axes.set_ylim(centre[1] + half, centre[1] - half)
    axes.set_xticks([])
    axes.set_yticks([])
    if outline is not None and np.any(outline):
        mask = np.asarray(outline, dtype=float)
        x = (np.arange(columns) + 0.5) * col_mm
        y = (np.arange(rows) + 0.5) * row_mm
        axes.contour(x, y, mask, levels=[0.5], colors=OUTLINE_COLOUR, linewidths=1.1)
    for polygon in polygons:
        closed = np.vstack([polygon, polygon[:1]])
        axes.plot(closed[:, 0], closed[:, 1], color=OUTLINE_COLOUR, lw=1.1,
                  label="_contour")
    for segment in extra_lines or []:
        p = to_mm(segment)
        axes.plot(p[:, 0], p[:, 1], color="#ffb000", lw=1.2)
    labels = []
    if ld_xy is not None:
        p = to_mm(ld_xy)
        axes.plot(p[:, 0], p[:, 1], color="#ff3030", lw=1.8, marker="+", ms=8)
        if ld_mm is not None:
            labels.append(f"LD {ld_mm:.1f} mm")
    if sa_xy is not None:
        p = to_mm(sa_xy)
        axes.plot(p[:, 0], p[:, 1], color="#20c0ff", lw=1.8, marker="+", ms=8)
        if sa_mm is not None:
            labels.append(f"SA {sa_mm:.1f} mm")
    halo = _halo()
    scale_mm = 20.0 if 2 * half > 100 else 10.0
    x0, y0 = centre[0] - half * 0.92, centre[1] + half * 0.80
    bar = axes.plot([x0, x0 + scale_mm], [y0, y0], color="white", lw=2.5,
                    solid_capstyle="butt", label="_scale")[0]
    bar.set_path_effects(_halo(5.0))
    axes.text(x0, y0 - half * 0.04, f"{scale_mm:g} mm", color="white", fontsize=11,
              path_effects=halo)
    if slice_label:  # top left, one part a line, clear of the letters at the edges
        axes.text(0.02, 0.98, slice_label.replace(" · ", "\n"), transform=axes.transAxes,
                  color="white", fontsize=10, va="top", linespacing=1.1, path_effects=halo)
    axes.text(centre[0] + half * 0.96, centre[1] + half * 0.96,
              f"W{window.width:g}/L{window.level:g}", color="white", fontsize=10,
              ha="right", va="bottom", path_effects=halo)
    if orientation is not None:
        letters = orientation_letters(*orientation)
        where = {"left": (0.02, 0.5, "left", "center"), "right": (0.98, 0.5, "right", "center"),
                 "top": (0.5, 0.98, "center", "top"), "bottom": (0.5, 0.02, "center", "bottom")}
        for edge, (edge_x, edge_y, ha, va) in where.items():
            axes.text(edge_x, edge_y, letters[edge], transform=axes.transAxes, color="#ffff66",
                      fontsize=12, fontweight="bold", ha=ha, va=va, path_effects=halo)
    figure.text(0.5, 0.985, f"{lesion_id}  ·  {date}", ha="center", va="top", fontsize=12,
                fontweight="bold")
    figure.text(0.5, 0.925, "   ".join(labels) or "no axis measured", ha="center",
                va="top", fontsize=10.5)

    inset = figure.add_axes((0.73, 0.60, 0.26, 0.25))
    inset.imshow(image, cmap="gray", vmin=low, vmax=high, extent=extent,
                 interpolation="nearest")
    inset.add_patch(Rectangle((centre[0] - half, centre[1] - half), 2 * half, 2 * half,
                              fill=False, edgecolor="#ffff00", lw=1.0))
    inset.set_xlim(0, columns * col_mm)
    inset.set_ylim(rows * row_mm, 0)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_edgecolor("#ffff00")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(temporary, format="png")
    temporary.replace(path)
    return axes
