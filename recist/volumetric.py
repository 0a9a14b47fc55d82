"""Volumetric response from the lesion volumes of the measurements table (VOL-1..4).

Each target's size is its volume (``volume_mm3``, written by ``recist measure`` from a
mask); the sums are read as RECIST reads diameters (``recist.size_criterion``) with volume
thresholds. The defaults are the volumes of a sphere whose diameter changes by RECIST's
thresholds: a diameter 30 % smaller is 0.7³ = 34.3 % of the volume (PR: −65.7 %), 20 %
larger is 1.2³ = 172.8 % (PD: +72.8 %); both are options.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.plausibility import BOUNDS, Bound, check_numbers
from recist.size_criterion import SizeCriterion, SizeCriterionResult, assess_size_criterion
from recist.size_response import SizeThresholds
from recist.vocabulary import LesionKind, TargetStatus

__all__ = ["assess_volumetric", "sphere_volume_mm3", "volume_criterion", "volumes_mm3"]


def sphere_volume_mm3(diameter_mm: float) -> float:
    """Volume of a sphere of this diameter, π d³ / 6 (VOL-1).

    >>> round(sphere_volume_mm3(5.0), 2)
    65.45
    """
    return math.pi * diameter_mm ** 3 / 6.0


def volume_criterion(criteria: Criteria = RECIST_1_1) -> SizeCriterion:
    """VOL-2, VOL-3 thresholds of ``criteria``; a ``too_small`` target counts the volume
    of a sphere of ``too_small_mm`` (VOL-1).

    >>> volume_criterion().thresholds
    SizeThresholds(pr_decrease_pct=65.7, pd_increase_pct=72.8, pd_min_increase=0.0, decimals=2)
    """
    return SizeCriterion(
        prefix="volume", unit="mm3", rule="VOL-2, VOL-3", what="volume (volume_mm3)",
        thresholds=SizeThresholds(criteria.volume_pr_decrease_pct,
                                  criteria.volume_pd_increase_pct,
                                  criteria.volume_pd_min_increase_mm3, criteria.rounding_decimals),
        too_small=sphere_volume_mm3(criteria.too_small_mm))


def volumes_mm3(measurements: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Each row's ``volume_mm3`` (NaN where empty).

    VOL-4: a table without the column, or without a volume on any ``measured`` target, is
    a ``RecistDataError`` naming the column; a volume below 0, or above that of a sphere
    of the largest plausible diameter (``recist.plausibility``: 1000 mm, unless
    implausible values are allowed; never beyond 10⁶ mm), is refused with its row.

    >>> volumes_mm3(pd.DataFrame({"kind": ["target"], "status": ["measured"],
    ...                           "volume_mm3": ["523.6"]})).tolist()
    [523.6]
    """
    measured = ((measurements["kind"].to_numpy(dtype=object) == LesionKind.TARGET)
                & (measurements["status"].to_numpy(dtype=object) == TargetStatus.MEASURED))
    if "volume_mm3" not in measurements.columns:
        raise RecistDataError(
            "volumetric response needs the column volume_mm3 (lesion volumes, written by "
            "recist measure from masks) and the measurements have none (VOL-4); measure "
            "the lesions from masks, or leave volumetric out of --response-criteria")
    values = pd.to_numeric(measurements["volume_mm3"], errors="coerce").to_numpy(dtype=float)
    text = measurements["volume_mm3"].astype("string").str.strip()
    unreadable = np.isnan(values) & text.notna().to_numpy() & (text != "").fillna(False).to_numpy()
    bad = np.flatnonzero(unreadable | (values < 0) | np.isinf(values))
    if len(bad):
        row = int(bad[0])
        raise RecistDataError(
            f"measurements row {row + 2} (patient {measurements['patient_id'].iat[row]}, "
            f"lesion {measurements['lesion_id'].iat[row]}): volume_mm3 "
            f"{measurements['volume_mm3'].iat[row]!r} is not a volume in mm³ (a number "
            "≥ 0); fix or empty the cell (VOL-4)")
    diameter = BOUNDS["diameter"]
    volume = Bound("volume", ("volume_mm3",), "mm³", 0.0,
                   round(sphere_volume_mm3(float(diameter.high or 0.0))),
                   why="the volume of a sphere of the largest plausible diameter",
                   limit=sphere_volume_mm3(float(diameter.limit or 0.0)))
    check_numbers(pd.DataFrame({"volume_mm3": values}, index=measurements.index), volume,
                  lambda row: f"measurements row {int(row) + 2}")
    if measured.any() and np.isnan(values[measured]).all():
        raise RecistDataError(
            "volumetric response needs volume_mm3 for the measured targets and none of them "
            "has one (VOL-4); measure the lesions from masks, or leave volumetric out of "
            "--response-criteria")
    return values


def assess_volumetric(measurements: pd.DataFrame, timepoints: pd.DataFrame,
                      patients: pd.DataFrame | None = None,
                      criteria: Criteria = RECIST_1_1) -> SizeCriterionResult:
    """Volumetric responses beside the RECIST 1.1 time points (VOL-1..4).

    As ``recist.who_criteria.assess_who`` (non-target and new-lesion calls, CR, BOR and
    confirmation as RECIST 1.1), with summed volumes; a measured target without a volume
    makes its time point NE, with a finding ``volume-size-missing`` (VOL-4).
    """
    return assess_size_criterion(measurements, timepoints, volumes_mm3(measurements),
                                 volume_criterion(criteria), patients, criteria)
