"""Figures of the reports, drawn with ``recist.plots`` and inlined as base64 SVG.

Figures are built on a bare ``matplotlib.figure.Figure`` (Agg, no pyplot state), so
building a report never opens a window nor leaks figures. SVG metadata carries no date:
the same tables give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.report.html import data_uri, esc

__all__ = ["figure_img", "overlay_file_name", "png_img", "render_figure_svg", "render_figures",
           "target_sum_img", "trajectory_img"]


def render_figure_svg(draw: Callable, figsize: tuple[float, float] = (8.0, 4.0), *,
                      margins: Mapping[str, float] | None = None) -> bytes:
    """Call ``draw(ax)`` on a fresh figure and return the figure as SVG bytes.

    Text stays text in the SVG (``svg.fonttype`` ``none``: smaller and faster than glyph
    paths, and selectable). ``margins`` (``left``, ``right``, ``bottom``, ``top`` as for
    ``Figure.subplots_adjust``) fix the layout, much faster than the constrained layout
    used otherwise.
    """
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "recist"}):
        figure = Figure(figsize=figsize, layout=None if margins else "constrained")
        if margins:
            figure.subplots_adjust(**margins)
        ax = figure.add_subplot()
        draw(ax)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def figure_img(draw: Callable, caption: str, *, figsize: tuple[float, float] = (8.0, 4.0),
               css_class: str = "plot", margins: Mapping[str, float] | None = None) -> str:
    """A ``<figure>`` with the drawing inlined as SVG, or a note when it cannot be drawn.

    ``caption`` is escaped. A ``RecistDataError`` from the plot (e.g. no follow-up for a
    waterfall) becomes a note on the page instead of failing the whole report.
    """
    try:
        svg = render_figure_svg(draw, figsize, margins=margins)
    except RecistDataError as error:
        return f'<p class="note">{esc(caption)}: not drawn ({esc(error)})</p>'
    return (f'<figure class="{esc(css_class)}"><img alt="{esc(caption)}" '
            f'src="{data_uri(svg, "image/svg+xml")}"><figcaption>{esc(caption)}'
            "</figcaption></figure>")


def render_figures(jobs: Mapping[str, tuple]) -> dict[str, str]:
    """Draw each figure once: name → (draw, caption, figure size[, margins]) becomes
    name → HTML.

    The figure's CSS class is ``plot`` and its name up to the first ``-`` (the pages
    ``swimmer-2``, ``swimmer-3`` … look like ``swimmer``); ``margins`` fix the layout
    (``render_figure_svg``). A figure that cannot be drawn (``RecistDataError``) becomes
    a note (``figure_img``).
    """
    return {name: figure_img(draw, caption, figsize=size,
                             css_class=f"plot {name.split('-')[0]}",
                             margins=margins[0] if margins else None)
            for name, (draw, caption, size, *margins) in jobs.items()}


def png_img(path: str | Path, caption: str, *, css_class: str = "lesion") -> str:
    """A ``<figure>`` with a PNG file inlined as base64 (``caption`` escaped)."""
    payload = Path(path).read_bytes()
    return (f'<figure class="{esc(css_class)}"><img alt="{esc(caption)}" '
            f'src="{data_uri(payload, "image/png")}"><figcaption>{esc(caption)}'
            "</figcaption></figure>")


def _safe(part: object) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(part))


def overlay_file_name(patient_id: object, visit_or_date: object, lesion_id: object) -> str:
    """File name ``recist measure --overlays`` gives a lesion picture.

    ``<patient>_<visit, else date>_<lesion>.png`` with every character other than letters,
    digits and ``-_.`` replaced by ``_``.

    Examples
    --------
    >>> overlay_file_name("LUNG1", "V0", "T1")
    'LUNG1_V0_T1.png'
    >>> overlay_file_name("P 1", "2024-01-08", "<b>")
    'P_1_2024-01-08__b_.png'
    """
    return f"{_safe(patient_id)}_{_safe(visit_or_date)}_{_safe(lesion_id)}.png"


def trajectory_img(measurements: pd.DataFrame, patient_id: str,
                   criteria: Criteria = RECIST_1_1) -> str:
    """The lesion-trajectory plot of one patient (``recist.plots``) as a ``<figure>``."""
    from recist.plots import plot_lesion_trajectories

    def draw(ax):
        plot_lesion_trajectories(measurements, patient_id, ax=ax, criteria=criteria)

    return figure_img(draw, f"Lesion diameters of patient {patient_id} over time "
                      "(targets solid: LD, or SA for nodes; non-target/new dashed)")


def target_sum_img(timepoints: pd.DataFrame, patient_id: str,
                   criteria: Criteria = RECIST_1_1) -> str:
    """The target-sum figure with its moving thresholds as a ``<figure>`` (SVG written
    directly, ``recist.report.target_sum_svg``), or a note when there is no target sum."""
    from recist.report.target_sum_svg import target_sum_svg

    caption = (f"Sum of target diameters of patient {patient_id}: PR threshold (blue) fixed "
               "by the baseline, PD threshold (vermillion) moving with the nadir; each time "
               "point labelled with its overall response")
    try:
        svg = target_sum_svg(timepoints, patient_id, criteria)
    except RecistDataError as error:
        return f'<p class="note">{esc(caption)}: not drawn ({esc(error)})</p>'
    return (f'<figure class="plot trajectory"><img alt="{esc(caption)}" '
            f'src="{data_uri(svg, "image/svg+xml")}"><figcaption>{esc(caption)}'
            "</figcaption></figure>")
