"""Pictures of RTSTRUCT-, SEG- and SR-sourced lesions: drawn where the lesion is, read in
the PNG.

The CT holds a bright rectangle (40 HU in -800 HU lung) whose pixel edges are exactly the
RTSTRUCT contour and the SEG segment's outline. The checks read the written PNG's
pixels, independently of how the picture is laid out: the yellow outline must run along
the boundary between the bright lesion and the dark lung (bright just inside every edge,
dark just outside), be as long and as wide as the contour against the picture's own
10 mm scale bar, and be one unbroken line; an SR lesion shows its axes and no outline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom
import pytest
from matplotlib.image import imread
from scipy import ndimage

from dicom_io.testing import write_ct_series
from recist.pipeline.sources import SourceSpec, get_source
from recist.pipeline.sources.pictures import write_row_pictures
from recist.report.course import lesion_picture_rows

from support.annotation_files import _sr, write_rtstruct

SPACING = (0.8, 0.7)  # rows, columns (mm)
ORIGIN = (-40.0, -30.0, 100.0)
ROWS, COLUMNS = slice(30, 54), slice(25, 65)  # 24 rows = 19.2 mm, 40 columns = 28.0 mm
LUNG, LESION = -800.0, 40.0


@pytest.fixture
def rectangle_ct(tmp_path):
    volume = np.full((3, 96, 96), LUNG)
    volume[1, ROWS, COLUMNS] = LESION
    return write_ct_series(tmp_path / "ct", volume=volume, pixel_spacing_mm=SPACING,
                           origin_mm=ORIGIN, patient_id="P1")


def _edges_mm() -> list[float]:
    """The lesion's pixel edges in patient mm: x0, x1, y0, y1 (pixel centres + 0.5)."""
    x0 = ORIGIN[0] + (COLUMNS.start - 0.5) * SPACING[1]
    x1 = ORIGIN[0] + (COLUMNS.stop - 0.5) * SPACING[1]
    y0 = ORIGIN[1] + (ROWS.start - 0.5) * SPACING[0]
    y1 = ORIGIN[1] + (ROWS.stop - 0.5) * SPACING[0]
    return [x0, x1, y0, y1]


def _rtstruct(series, tmp_path):
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in series.paths]
    x0, x1, y0, y1 = _edges_mm()
    z = ORIGIN[2] + 2.5
    contour = [x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z]
    return write_rtstruct(tmp_path / "rs.dcm", headers, [(1, "GTV lung", "GTV",
                                                          [(1, contour)])])


def _yellow(pixels: np.ndarray) -> np.ndarray:
    """The outline colour #ffd400 (1, 0.83, 0); not the red or blue axes, white text, the
    #ffff66 letters nor the locator's #ffff00 frame (red = green there, even blended)."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (r > 0.85) & (g > 0.65) & (r - g > 0.1) & (b < 0.3)


def _scale_bar_px(pixels: np.ndarray) -> int:
    """Length in PNG pixels of the 10 mm scale bar: the longest white run of the lower
    left quarter (its '10 mm' label is glyphs, far shorter)."""
    height, width = pixels.shape[:2]
    white = np.all(pixels[height // 2:, : width // 2, :3] > 0.97, axis=-1)
    longest = 0
    for row in white:
        runs = np.diff(np.flatnonzero(np.diff(np.r_[0, row.astype(int), 0])))[::2]
        longest = max(longest, int(runs.max()) if len(runs) else 0)
    return longest


def _seg(series, tmp_path):
    """The rectangle as a DICOM SEG segment (highdicom through dicom_io.seg)."""
    from dicom_io.seg import SegmentInfo, write_segmentation

    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in series.paths]
    labels = np.zeros(series.volume.shape, dtype=np.uint8)
    labels[1, ROWS, COLUMNS] = 1
    return write_segmentation(labels, [SegmentInfo(number=1, label="GTV lung")], headers,
                              series.geometry, tmp_path / "seg.dcm")


@pytest.mark.parametrize("source, write", [("rtstruct", _rtstruct), ("seg", _seg)])
def test_lesion_picture_draws_its_outline_on_the_lesion_edge(rectangle_ct, tmp_path,
                                                              source, write):
    path = write(rectangle_ct, tmp_path)
    overlays = tmp_path / "overlays"
    lesions = tmp_path / "lesions.csv"
    lesions.write_text("label,lesion_id,kind,organ,nodal\n1,GTV lung,target,lung,false\n")
    spec = SourceSpec(paths=(path,), lesions=lesions, visit="V0", patient_id="P1",
                      date="2024-01-08", overlays_dir=overlays)
    table = get_source(source).measure(rectangle_ct.folder, spec).table
    assert list(table["lesion_id"]) == ["GTV lung"]
    # the rectangle's diagonal (the mask's 0.5 iso-line cuts the corners: within a pixel)
    assert table["ld_mm"].iloc[0] == pytest.approx(np.hypot(28.0, 19.2), abs=1.0)
    pixels = imread(overlays / "P1_V0_GTV_lung.png")[..., :3]

    # the outline: the yellow pieces of 50 px or more (the axes cut it at their ends)
    labels, n = ndimage.label(_yellow(pixels), structure=np.ones((3, 3)))
    sizes = ndimage.sum_labels(np.ones(labels.shape), labels, range(1, n + 1))
    outline = np.isin(labels, 1 + np.flatnonzero(sizes >= 50))
    assert outline.any(), "no outline drawn"
    rows, columns = np.nonzero(outline)
    top, bottom, left, right = rows.min(), rows.max(), columns.min(), columns.max()
    # as large as the contour, against the picture's own 10 mm scale bar (px per mm)
    px_per_mm = _scale_bar_px(pixels) / 10.0
    assert (right - left) / px_per_mm == pytest.approx(28.0, abs=0.6)
    assert (bottom - top) / px_per_mm == pytest.approx(19.2, abs=0.6)
    # one unbroken line along each edge (the axes' markers may cover a few pixels)
    for edge in (outline[top:top + 3, left + 8:right - 8].any(axis=0),
                 outline[bottom - 2:bottom + 1, left + 8:right - 8].any(axis=0),
                 outline[top + 8:bottom - 8, left:left + 3].any(axis=1),
                 outline[top + 8:bottom - 8, right - 2:right + 1].any(axis=1)):
        assert edge.mean() > 0.9
    # on the lesion's edge, not half a CT pixel (~2.5 px here) beside it: the bright
    # lesion ends as far inside the outline's centre line on each side as on the other
    lung_window = lambda hu: (hu + 1350.0) / 1500.0  # noqa: E731 (W1500/L-600, grey 0-1)
    grey = pixels.mean(axis=-1)
    neutral = np.ptp(pixels, axis=-1) < 0.02
    bright = neutral & (np.abs(grey - lung_window(LESION)) < 0.03)
    near = np.zeros_like(bright)  # the lesion, not the locator's copy nor white text
    near[top - 8:bottom + 9, left - 8:right + 9] = True
    bright_rows, bright_columns = np.nonzero(bright & near)
    band = {"top": rows[rows <= top + 3].mean(), "bottom": rows[rows >= bottom - 3].mean(),
            "left": columns[columns <= left + 3].mean(),
            "right": columns[columns >= right - 3].mean()}
    gaps = {"top": bright_rows.min() - band["top"], "bottom": band["bottom"] - bright_rows.max(),
            "left": bright_columns.min() - band["left"],
            "right": band["right"] - bright_columns.max()}
    assert all(0 < gap <= 3 for gap in gaps.values()), gaps
    assert abs(gaps["top"] - gaps["bottom"]) <= 1 and abs(gaps["left"] - gaps["right"]) <= 1
    # bright CT just inside, dark lung just outside, every side
    middle_row, middle_column = (top + bottom) // 2, (left + right) // 2
    inside = [grey[top + 6, middle_column - 20], grey[bottom - 6, middle_column + 20],
              grey[middle_row + 15, left + 6], grey[middle_row - 15, right - 6]]
    outside = [grey[top - 6, middle_column - 20], grey[bottom + 6, middle_column + 20],
               grey[middle_row + 15, left - 6], grey[middle_row - 15, right + 6]]
    assert inside == pytest.approx([lung_window(LESION)] * 4, abs=0.03)
    assert outside == pytest.approx([lung_window(LUNG)] * 4, abs=0.03)


def test_rtstruct_lesion_gets_its_row_of_pictures_on_the_patient_page(rectangle_ct,
                                                                      tmp_path):
    path = _rtstruct(rectangle_ct, tmp_path)
    overlays = tmp_path / "overlays"
    table = get_source("rtstruct").measure(rectangle_ct.folder, SourceSpec(
        paths=(path,), visit="V0", patient_id="P1", overlays_dir=overlays)).table
    html = lesion_picture_rows(table, "P1", overlays)  # the patient page's picture rows
    assert 'alt="GTV lung at V0' in html and "no picture" not in html
    assert "target · — · RTSTRUCT contour" in html  # where the outline comes from


def test_sr_lesion_picture_shows_its_axes_and_no_outline(ct_series, tmp_path):
    sr = _sr(ct_series, tmp_path)  # LD 14 mm, SA 8 mm on slice 1
    overlays = tmp_path / "overlays"
    table = get_source("sr").measure(ct_series[0].parent, SourceSpec(
        paths=(sr,), visit="V1", overlays_dir=overlays)).table
    assert list(table["ld_mm"]) == [pytest.approx(14.0, abs=1e-3)]
    pixels = imread(overlays / "P001_V1_L1.png")[..., :3]
    red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.35) & (pixels[..., 2] < 0.35)
    assert red.sum() > 100  # the long axis
    assert _yellow(pixels).sum() < 20  # no outline: an SR line has none


def test_rows_of_another_series_are_left_to_it_and_dates_name_files_as_iso(rectangle_ct,
                                                                           tmp_path):
    from dicom_io.series import load_series

    series = load_series(rectangle_ct.folder)
    row = {"patient_id": "P1", "date": pd.Timestamp("2024-01-08"), "visit": pd.NA,
           "lesion_id": "L1", "organ": pd.NA, "nodal": pd.NA, "ld_mm": 5.0, "sa_mm": np.nan,
           "sop_instance_uid": rectangle_ct.sop_instance_uids[1],
           "ld_x1": 0.0, "ld_y1": 0.0, "ld_z1": 102.5, "ld_x2": 5.0, "ld_y2": 0.0,
           "ld_z2": 102.5}
    other = {**row, "lesion_id": "L2", "sop_instance_uid": "1.2.3.4"}
    written = write_row_pictures(series, pd.DataFrame([row, other]), tmp_path)
    assert [p.name for p in written] == ["P1_2024-01-08_L1.png"]
    with pytest.raises(ValueError, match="2 contour lists for 1 rows"):
        write_row_pictures(series, pd.DataFrame([row]), tmp_path, contours_mm=[None, None])


def test_fragments_on_the_slice_are_extra_lines_and_another_slice_is_never_drawn(
        rectangle_ct, tmp_path, monkeypatch):
    from dicom_io.series import load_series
    from recist.pipeline.sources import pictures

    drawn = []
    monkeypatch.setattr(pictures, "render_lesion_overlay",
                        lambda *args, **kwargs: drawn.append(kwargs))
    series = load_series(rectangle_ct.folder)
    uids = rectangle_ct.sop_instance_uids
    z1, z2 = ORIGIN[2] + 2.5, ORIGIN[2] + 5.0
    row = {"patient_id": "P1", "date": "2024-01-08", "visit": "V0", "lesion_id": "L1",
           "organ": "lung", "nodal": False, "ld_mm": 5.0, "sa_mm": np.nan,
           "sop_instance_uid": uids[1], "ld_x1": 0.0, "ld_y1": 0.0, "ld_z1": z1,
           "ld_x2": 5.0, "ld_y2": 0.0, "ld_z2": z1}
    same_slice = {**row, "ld_y1": 4.0, "ld_y2": 4.0}
    other_slice = {**row, "sop_instance_uid": uids[2], "ld_z1": z2, "ld_z2": z2}
    write_row_pictures(series, pd.DataFrame([row, same_slice, other_slice]), tmp_path)
    assert len(drawn) == 1
    extra = drawn[0]["extra_lines"]
    assert len(extra) == 1  # the piece on slice 1 only
    # its pixel ends: x = (mm - origin) / 0.7 + 0.5, y = (mm - origin) / 0.8 + 0.5
    np.testing.assert_allclose(extra[0], [[40 / 0.7 + 0.5, 34 / 0.8 + 0.5],
                                          [45 / 0.7 + 0.5, 34 / 0.8 + 0.5]])
