"""Turn lesion annotations into millimetres: lines, masks and planar contours.

Pure geometry on numpy arrays with spacings and direction vectors; no DICOM here (the
composition layer ``recist.pipeline.measure`` converts DICOM geometry into these inputs).

- ``measure_lines``: drawn long/short axes with patient-mm endpoints (CSV, DICOM SR).
- ``measure_mask``: a lesion's 3-D binary mask -> LD/SA on its best axial slice,
  fragments, volume, maximum 3-D diameter.
- ``measure_planar_contours``: closed polygons in patient mm on a plane (RTSTRUCT).
- ``measure_outline_2d``, ``longest_diameter_2d``, ``longest_perpendicular_chord``: the
  shared 2-D core.
"""

from recist.measure.calipers import caliper_width_mm, convex_hull_2d, longest_diameter_2d
from recist.measure.contour import ContourMeasurement, measure_planar_contours, plane_basis
from recist.measure.lines import (
    MAX_PERPENDICULAR_DEVIATION_DEG,
    DrawnLine,
    LineMeasurement,
    image_point_to_patient_mm,
    measure_lines,
)
from recist.measure.mask import (
    MIN_PIECE_VOXELS,
    DroppedPiece,
    FragmentMeasurement,
    MaskMeasurement,
    drop_stray_pieces,
    max_3d_diameter_mm,
    measure_mask,
    measure_mask_slice,
)
from recist.measure.planar import (
    PlanarMeasurement,
    measure_edges_2d,
    measure_outline_2d,
    polygon_area_mm2,
)
from recist.measure.short_axis import longest_perpendicular_chord

__all__ = [
    "MAX_PERPENDICULAR_DEVIATION_DEG",
    "MIN_PIECE_VOXELS",
    "ContourMeasurement",
    "DrawnLine",
    "DroppedPiece",
    "FragmentMeasurement",
    "LineMeasurement",
    "MaskMeasurement",
    "PlanarMeasurement",
    "caliper_width_mm",
    "convex_hull_2d",
    "image_point_to_patient_mm",
    "longest_diameter_2d",
    "longest_perpendicular_chord",
    "drop_stray_pieces",
    "max_3d_diameter_mm",
    "measure_edges_2d",
    "measure_lines",
    "measure_mask",
    "measure_mask_slice",
    "measure_outline_2d",
    "measure_planar_contours",
    "plane_basis",
    "polygon_area_mm2",
]
