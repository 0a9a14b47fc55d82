"""WHO response from the measurements table: sums of products of two diameters (WHO-1..4).

Miller AB, Hoogstraten B, Staquet M, Winkler A. Reporting results of cancer treatment.
Cancer 1981;47:207-214 ("WHO81" in docs/rules.md, section 18). Each target's size is its
longest diameter times the greatest diameter perpendicular to it (``ld_mm`` × ``sa_mm``);
the sums are read as RECIST reads diameters (``recist.size_criterion``), with WHO's
thresholds: PR a decrease of at least 50 % from baseline, PD an increase of at least 25 %
over the nadir.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.size_criterion import SizeCriterion, SizeCriterionResult, assess_size_criterion
from recist.size_response import SizeThresholds
from recist.vocabulary import LesionKind, TargetStatus

__all__ = ["assess_who", "who_criterion", "who_products_mm2"]


def who_criterion(criteria: Criteria = RECIST_1_1) -> SizeCriterion:
    """WHO-2, WHO-3 thresholds of ``criteria`` (``who_pr_decrease_pct`` 50,
    ``who_pd_increase_pct`` 25, no absolute minimum); a ``too_small`` target counts
    ``too_small_mm``² (WHO-1).

    >>> who_criterion().thresholds
    SizeThresholds(pr_decrease_pct=50.0, pd_increase_pct=25.0, pd_min_increase=0.0, decimals=2)
    """
    return SizeCriterion(
        prefix="who", unit="mm2", rule="WHO-2, WHO-3", what="LD × perpendicular (ld_mm and sa_mm)",
        thresholds=SizeThresholds(criteria.who_pr_decrease_pct, criteria.who_pd_increase_pct,
                                  0.0, criteria.rounding_decimals),
        too_small=criteria.too_small_mm ** 2)


def who_products_mm2(measurements: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Each row's bidimensional size, ``ld_mm × sa_mm`` in mm² (WHO-1); NaN when either
    is missing.

    WHO-1 (WHO81): the product of the longest diameter and the greatest diameter
    perpendicular to it, for every target, lymph nodes included (their SA is that
    perpendicular). Raises ``RecistDataError`` naming the column when no ``measured``
    non-nodal target has ``sa_mm``, or no measured node has ``ld_mm``: the table does not
    carry WHO at all.

    >>> m = pd.DataFrame({"kind": ["target"], "status": ["measured"], "ld_mm": [20.0],
    ...                   "sa_mm": [12.5], "nodal": [False]})
    >>> who_products_mm2(m).tolist()
    [250.0]
    """
    ld = measurements["ld_mm"].to_numpy(dtype=float)
    sa = measurements["sa_mm"].to_numpy(dtype=float)
    product = ld * sa
    measured = ((measurements["kind"].to_numpy(dtype=object) == LesionKind.TARGET)
                & (measurements["status"].to_numpy(dtype=object) == TargetStatus.MEASURED))
    nodal = measurements["nodal"].to_numpy(dtype=bool)
    for group, column, what in ((measured & ~nodal, "sa_mm", "non-nodal targets"),
                                (measured & nodal, "ld_mm", "nodal targets")):
        if group.any() and np.isnan(product[group]).all():
            raise RecistDataError(
                f"the WHO criteria need two diameters of every measured target (WHO-1), "
                f"and no measured {what[:-1]} of the table has {column}; record {column} "
                f"(for {what}: " + ("the longest diameter perpendicular to the LD"
                                    if column == "sa_mm" else "the long axis of the node")
                + "), or leave who out of --response-criteria")
    return np.asarray(product, dtype=float)


def assess_who(measurements: pd.DataFrame, timepoints: pd.DataFrame,
               patients: pd.DataFrame | None = None,
               criteria: Criteria = RECIST_1_1) -> SizeCriterionResult:
    """WHO responses beside the RECIST 1.1 time points (WHO-1..4).

    WHO-4: non-target and new-lesion calls are the reader's, combined by the cells of R11
    Tables 1-2; complete response is R11's (TGT-CR); BOR and confirmation follow BOR-*
    and CONF-* with ``criteria`` (a decision: WHO81 asks for confirmation after 4 weeks,
    which is ``--confirm``). A measured target without both diameters makes its time
    point NE, with a finding ``who-size-missing``.
    """
    return assess_size_criterion(measurements, timepoints, who_products_mm2(measurements),
                                 who_criterion(criteria), patients, criteria)
