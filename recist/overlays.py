"""Lesion pictures: the measured slice with LD and SA drawn, to confirm at a glance.

Pure rendering (matplotlib Agg): arrays and numbers in, a PNG out; no DICOM here. The
picture is zoomed on the lesion, shown at a window chosen from the organ (lung window
W1500/L-600 when the organ contains "lung", soft tissue W400/L40 otherwise), with the
diameters in mm, the lesion id and the scan date, and a small whole-slice locator inset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "LUNG_WINDOW",
    "SOFT_TISSUE_WINDOW",
    "Window",
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


def window_for_organ(organ: str | None) -> Window:
    """Lung window for an organ containing "lung", soft tissue otherwise.

    >>> window_for_organ("Right lung").limits, window_for_organ("liver").limits
    ((-1350.0, 150.0), (-160.0, 240.0))
    """
    return LUNG_WINDOW if organ and "lung" in str(organ).lower() else SOFT_TISSUE_WINDOW


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
    extra_lines: list[np.ndarray] | None = None,
    window: Window | None = None,
    min_field_mm: float = 30.0,
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
    ld_mm, sa_mm, lesion_id, date, organ
        Written in the title; ``organ`` chooses the window unless ``window`` is given.
    extra_lines
        More ``(2, 2)`` segments (other fragments' axes), drawn thinner.
    min_field_mm
        The zoomed view is twice the lesion's extent, and at least this wide.
    """
    # A bare Figure renders with the Agg canvas without touching pyplot's global backend,
    # so inline plots in a notebook keep working after an overlay is drawn.
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    image = np.asarray(slice_hu, dtype=float)
    rows, columns = image.shape
    row_mm, col_mm = (float(s) for s in pixel_spacing_mm)
    window = window or window_for_organ(organ)
    low, high = window.limits
    extent = (0.0, columns * col_mm, rows * row_mm, 0.0)  # mm, y downwards as on screen

    def to_mm(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float).reshape(2, 2)
        return xy * (col_mm, row_mm)

    segments = [s for s in (ld_xy, sa_xy) if s is not None] + list(extra_lines or [])
    if segments:
        points = np.concatenate([to_mm(s) for s in segments])
        centre = (points.min(axis=0) + points.max(axis=0)) / 2
        half = max(float(np.ptp(points, axis=0).max()), min_field_mm / 2)
    else:
        centre = np.array([columns * col_mm / 2, rows * row_mm / 2])
        half = max(columns * col_mm, rows * row_mm) / 2

    figure = Figure(figsize=(5.5, 5.8), dpi=110)
    axes = figure.add_axes((0.02, 0.02, 0.96, 0.86))
    axes.imshow(image, cmap="gray", vmin=low, vmax=high, extent=extent,
                interpolation="nearest")
    axes.set_xlim(centre[0] - half, centre[0] + half)
    axes.set_ylim(centre[1] + half, centre[1] - half)
    axes.set_xticks([])
    axes.set_yticks([])
    for segment in extra_lines or []:
        p = to_mm(segment)
        axes.plot(p[:, 0], p[:, 1], color="#ffb000", lw=1.0)
    labels = []
    if ld_xy is not None:
        p = to_mm(ld_xy)
        axes.plot(p[:, 0], p[:, 1], color="#ff3030", lw=1.6, marker="+", ms=8)
        if ld_mm is not None:
            labels.append(f"LD {ld_mm:.1f} mm")
    if sa_xy is not None:
        p = to_mm(sa_xy)
        axes.plot(p[:, 0], p[:, 1], color="#20c0ff", lw=1.6, marker="+", ms=8)
        if sa_mm is not None:
            labels.append(f"SA {sa_mm:.1f} mm")
    scale_mm = 10.0
    x0, y0 = centre[0] - half * 0.9, centre[1] + half * 0.9
    axes.plot([x0, x0 + scale_mm], [y0, y0], color="white", lw=2)
    axes.text(x0, y0 - half * 0.03, f"{scale_mm:g} mm", color="white", fontsize=8)
    figure.suptitle(f"{lesion_id}  {date}\n{'   '.join(labels)}   "
                    f"(W{window.width:g}/L{window.level:g})", fontsize=10, y=0.985)

    inset = figure.add_axes((0.72, 0.66, 0.25, 0.21))
    inset.imshow(image, cmap="gray", vmin=low, vmax=high, extent=extent,
                 interpolation="nearest")
    inset.add_patch(Rectangle((centre[0] - half, centre[1] - half), 2 * half, 2 * half,
                                  fill=False, edgecolor="#ffff00", lw=1.0))
    inset.set_xlim(0, columns * col_mm)
    inset.set_ylim(rows * row_mm, 0)
    inset.set_xticks([])
    inset.set_yticks([])

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(temporary, format="png")
    temporary.replace(path)
    return axes
