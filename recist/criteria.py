"""Every RECIST 1.1 threshold and protocol choice, in one validated object.

The defaults are RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247, "R11") and
the decisions of ``docs/rules.md`` (``DEC-n``). A protocol overrides them from a TOML
file::

    [criteria]
    confirmation = true
    confirmation_min_days = 28
    sd_min_days = 56

No rule function writes one of these numbers itself; it reads them from a ``Criteria``.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from recist.errors import CriteriaError

__all__ = ["RECIST_1_1", "Criteria", "load_criteria", "read_toml"]


@dataclass(frozen=True)
class Criteria:
    """Thresholds and protocol options of a RECIST 1.1 assessment.

    Attributes are grouped by the rule they serve; each cites its source.

    Examples
    --------
    >>> Criteria().pd_increase_pct, Criteria().pd_min_increase_mm
    (20.0, 5.0)
    >>> Criteria(confirmation=True).replace(sd_min_days=56).sd_min_days
    56
    """

    # --- Measurability at baseline (MEAS-1, MEAS-2, MEAS-4..6; R11 3.1.1, 3.1.2, 4.2) ---
    measurable_ld_mm: float = 10.0
    """MEAS-1: minimum LD of a measurable non-nodal lesion on CT with slices <= 5 mm."""
    fixed_threshold_max_slice_mm: float = 5.0
    """MEAS-2: slice thickness up to which the fixed 10 mm threshold applies."""
    slice_thickness_factor: float = 2.0
    """MEAS-2: above that thickness the minimum LD is this factor times the thickness."""
    node_measurable_sa_mm: float = 15.0
    """MEAS-4: a lymph node with SA >= this is measurable (target-eligible)."""
    node_pathological_sa_mm: float = 10.0
    """MEAS-5/6, TGT-CR: SA >= this is pathological; below it a node is normal."""

    treated_lesions_measurable: bool = False
    """MEAS-10 (R11 3.1.3): a protocol may allow lesions treated locally before baseline
    as measurable; by default they are not, unless they progressed since."""

    baseline_max_days_before_start: int = 28
    """MEAS-11 (R11 3.2.1): baseline imaging at most this many days (4 weeks) before the
    start of treatment (a data-quality warning)."""

    # --- Target selection (SEL-1; R11 4.2) ---
    max_targets: int = 5
    """SEL-1: at most this many target lesions in total."""
    max_targets_per_organ: int = 2
    """SEL-1, SEL-3, DEC-21: at most this many per organ (all nodes one organ)."""

    # --- Sums (SUM-4; R11 4.3.2) ---
    too_small_mm: float = 5.0
    """SUM-4: diameter counted for a target 'too small to measure'."""

    # --- Target response thresholds (TGT-PR, TGT-PD; R11 4.3.1) ---
    pr_decrease_pct: float = 30.0
    """TGT-PR: at least this % decrease of the sum from baseline."""
    pd_increase_pct: float = 20.0
    """TGT-PD: at least this % increase of the sum over the nadir ..."""
    pd_min_increase_mm: float = 5.0
    """TGT-PD: ... and at least this absolute increase in mm."""
    rounding_decimals: int = 2
    """DEC-22: sums (mm) and percentages are rounded half away from zero to this many
    decimals before the inclusive comparisons."""
    continuing_response: bool = False
    """DEC-1: carry a reached (and, if required, confirmed) response forward until PD."""

    # --- Best overall response (BOR-4, BOR-6, CONF-1..3; R11 4.4.3, 4.6.1) ---
    sd_min_days: int = 42
    """BOR-4: SD counts for BOR only at or after this many days from start_date."""
    sd_min_for_non_cr_non_pd: bool = True
    """DEC-6 / BOR-6: apply the SD minimum to NON-CR/NON-PD too (admiralonco)."""
    confirmation: bool = False
    """CONF-1: CR/PR must be confirmed (non-randomised trials, response primary)."""
    confirmation_min_days: int = 28
    """CONF-2: the confirming assessment is at least this many days later."""
    max_ne_between: int = 1
    """CONF-3 / DEC-8: NE time points allowed between a response and its confirmation."""
    accept_sd: bool = False
    """CONF-3 / DEC-8: an SD between a PR and its confirmation still confirms it."""

    # --- Time to event (TTE-5, TTE-6, TTE-10, DEC-16, DEC-17) ---
    death_is_pfs_event: bool = True
    """TTE-4: death from any cause without prior PD is a PFS event."""
    death_is_dor_event: bool = True
    """TTE-6 [SAP]: death ends a duration of response as an event."""
    censor_at_new_therapy: bool = True
    """DEC-17: assessments on or after new anticancer therapy are excluded; PFS censored
    at the last adequate assessment before it."""
    censor_after_missed_assessments: bool = False
    """TTE-5 [SAP]: censor a PD/death that follows ``missed_assessments_limit`` or more
    missed scheduled assessments (FDA table) instead of counting the event."""
    missed_assessments_limit: int = 2
    """TTE-5 [SAP]: how many missed scheduled assessments trigger that censoring."""
    assessment_interval_days: int = 56
    """TTE-5 [SAP]: the protocol's scheduled assessment interval, to count missed ones."""
    add_one_day: bool = True
    """TTE-10 [SAP]: durations are ``end - start + 1`` days (admiralonco)."""

    # --- Follow-up after local treatment (DEC-23..DEC-27; the oligometastatic trial) ---
    local_therapy_ends_followup: bool = False
    """DEC-23: a local re-treatment ends RECIST follow-up as a new therapy would (DEC-17);
    by default only the first systemic therapy does."""
    local_failure_increase_pct: float = 20.0
    """DEC-24: local failure when a treated lesion's LD grows at least this % over its
    post-treatment nadir ..."""
    local_failure_min_increase_mm: float = 5.0
    """DEC-24: ... and at least this many mm."""
    oligo_max_lesions: int = 5
    """DEC-26: a recurrence is still oligometastatic with at most this many active
    lesions ..."""
    oligo_max_organs: int = 3
    """DEC-26: ... in at most this many organs."""
    # --- Measurement uncertainty (UNC-1..6; docs/rules.md section 16) ---
    error_floor_mm: float = 1.5
    """UNC-1: the size-independent part of one diameter's measurement error (SD, mm)."""
    error_relative_pct: float = 3.0
    """UNC-1: the part growing with the diameter (SD as % of it); combined in quadrature."""
    uncertainty_draws: int = 200
    """UNC-3: Monte Carlo draws of the measurement error (seeded)."""
    uncertainty_seed: int = 20110705
    """UNC-3: seed of the draws (same inputs and seed, same probabilities)."""
    fragile_below_pct: float = 90.0
    """UNC-4: a call is fragile when its probability under the error model is below this %."""

    # --- iRECIST (Seymour et al. 2017) ---
    irecist_confirm_min_days: int = 28
    """iRECIST: iUPD is confirmed at the next assessment at least 4 weeks later ..."""
    irecist_confirm_max_days: int = 56
    """iRECIST: ... and at most 8 weeks later (a later one still confirms, with a finding)."""
    irecist_max_new_targets: int = 5
    """iRECIST: at most this many new lesions are measured as new-lesion targets ..."""
    irecist_max_new_targets_per_organ: int = 2
    """iRECIST: ... and at most this many per organ (DEC-21 organ keys)."""
    irecist_new_sum_increase_mm: float = 5.0
    """iRECIST: growth of the new-lesion target sum (mm) that is progression."""
    irecist_target_increase_mm: float = 5.0
    """iRECIST: further growth of the target sum over the iUPD sum (mm) that confirms it."""

    # --- WHO and volumetric response ---
    who_pr_decrease_pct: float = 50.0
    """WHO: PR is a decrease of the sum of products of at least this % from baseline."""
    who_pd_increase_pct: float = 25.0
    """WHO: PD is an increase of the sum of products of at least this % over the nadir."""
    volume_pr_decrease_pct: float = 65.7
    """volumetric: PR is a decrease of the summed volume of at least this % (a sphere shrinking
    30 % in diameter: 1 - 0.7**3 = 65.7 %)."""
    volume_pd_increase_pct: float = 72.8
    """volumetric: PD is an increase of the summed volume of at least this % over the nadir (a
    sphere growing 20 % in diameter: 1.2**3 - 1 = 72.8 %)."""
    volume_pd_min_increase_mm3: float = 0.0
    """volumetric: and at least this absolute increase in mm3 (0: none, as published)."""

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type == "bool":
                if not isinstance(value, bool):
                    raise CriteriaError(
                        f"criteria option {field.name!r} must be true or false, got {value!r}"
                    )
                continue
            numeric = (int,) if field.type == "int" else (int, float)
            if isinstance(value, bool) or not isinstance(value, numeric):
                kind = "a whole number" if field.type == "int" else "a number"
                raise CriteriaError(
                    f"criteria option {field.name!r} must be {kind}, got {value!r}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise CriteriaError(
                    f"criteria option {field.name!r} must be a finite number, got {value!r}"
                )
            if value < 0:
                raise CriteriaError(
                    f"criteria option {field.name!r} must not be negative, got {value!r}"
                )
            high = _UPPER_LIMITS.get(field.name, _upper_limit(field.name))
            if value > high:
                raise CriteriaError(
                    f"criteria option {field.name!r} must be at most {high:g}, got {value!r}"
                )
        for name in ("pr_decrease_pct", "who_pr_decrease_pct", "volume_pr_decrease_pct",
                     "fragile_below_pct"):
            if not 0 < getattr(self, name) < 100:
                raise CriteriaError(
                    f"{name} must be between 0 and 100, got {getattr(self, name)}"
                )
        if self.uncertainty_draws < 10:
            raise CriteriaError(
                f"uncertainty_draws must be at least 10, got {self.uncertainty_draws}")
        if self.irecist_confirm_min_days > self.irecist_confirm_max_days:
            raise CriteriaError(
                "irecist_confirm_min_days must not exceed irecist_confirm_max_days "
                f"({self.irecist_confirm_min_days} > {self.irecist_confirm_max_days})")
        if self.node_pathological_sa_mm > self.node_measurable_sa_mm:
            raise CriteriaError(
                "node_pathological_sa_mm must not exceed node_measurable_sa_mm "
                f"({self.node_pathological_sa_mm} > {self.node_measurable_sa_mm})"
            )
        if self.max_targets_per_organ > self.max_targets or self.max_targets < 1:
            raise CriteriaError(
                "max_targets must be at least 1 and at least max_targets_per_organ "
                f"(got {self.max_targets} and {self.max_targets_per_organ})"
            )

    def replace(self, **changes: Any) -> Criteria:
        """Return a copy with some options changed (validated again)."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise CriteriaError(_unknown_message(unknown))
        return dataclasses.replace(self, **changes)

    def min_measurable_ld_mm(self, slice_thickness_mm: float | None) -> float:
        """Minimum measurable LD of a non-nodal lesion for a CT slice thickness.

        MEAS-1, MEAS-2 (R11 3.1.1, Appendix II): 10 mm when the slice thickness is
        <= 5 mm or unknown, otherwise twice the slice thickness.

        >>> Criteria().min_measurable_ld_mm(6.0)
        12.0
        >>> Criteria().min_measurable_ld_mm(None)
        10.0
        """
        if slice_thickness_mm is None or math.isnan(slice_thickness_mm):
            return self.measurable_ld_mm
        if slice_thickness_mm <= self.fixed_threshold_max_slice_mm:
            return self.measurable_ld_mm
        return max(self.measurable_ld_mm, self.slice_thickness_factor * slice_thickness_mm)

    def as_dict(self) -> dict[str, Any]:
        """All options as a plain dict (for provenance headers)."""
        return dataclasses.asdict(self)


#: Upper limits of the options (beyond them a protocol value is a typing error).
_UPPER_LIMITS: dict[str, float] = {
    "rounding_decimals": 6,
    "max_targets": 100,
    "max_targets_per_organ": 100,
    "max_ne_between": 100,
    "missed_assessments_limit": 100,
    "slice_thickness_factor": 100.0,
    "baseline_max_days_before_start": 36525,
    "oligo_max_lesions": 1000,
    "oligo_max_organs": 100,
    "uncertainty_draws": 100_000,
    "uncertainty_seed": 2**32 - 1,
    "irecist_max_new_targets": 100,
    "irecist_max_new_targets_per_organ": 100,
    "volume_pd_min_increase_mm3": 1e9,
}


def _upper_limit(name: str) -> float:
    """The limit of an option by its unit: millimetres up to the plausible diameter
    (recist.plausibility), percentages up to 1000 %, days up to 100 years."""
    if name.endswith("_mm"):
        return 1000.0
    if name.endswith("_pct"):
        return 1000.0
    if name.endswith("_days"):
        return 36525
    return math.inf


RECIST_1_1 = Criteria()
"""The RECIST 1.1 defaults with the decisions of the rule book."""


def _unknown_message(unknown: list[str]) -> str:
    known = ", ".join(f.name for f in fields(Criteria))
    return f"unknown criteria option(s) {', '.join(unknown)}; known options are: {known}"


def read_toml(path: str | Path, *, what: str) -> dict[str, Any]:
    """Read a TOML file; errors name it as ``what`` (e.g. ``"criteria file"``) and its path.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    CriteriaError
        If it is not valid TOML.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{what} {path} is a folder; give the path of a .toml "
                                "file") from None
    except UnicodeDecodeError as error:
        raise CriteriaError(f"{what} {path} is not UTF-8 text (byte {error.start} is "
                            f"0x{error.object[error.start]:02x}); TOML files are UTF-8: "
                            "check that this is the .toml file and save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise CriteriaError(f"{what} {path} is not valid TOML: {error}") from None


def load_criteria(path: str | Path, base: Criteria = RECIST_1_1) -> Criteria:
    """Read a protocol's criteria from a TOML file.

    The options are read from a ``[criteria]`` table if there is one, else from the top
    level. Unknown options and wrong types are errors naming the file and the option.
    """
    path = Path(path)
    document = read_toml(path, what="criteria file")
    options = document.get("criteria", document)
    if not isinstance(options, dict):
        raise CriteriaError(f"criteria file {path}: [criteria] must be a table")
    options = {k: v for k, v in options.items() if not isinstance(v, dict)}
    try:
        return base.replace(**options)
    except CriteriaError as error:
        raise CriteriaError(f"criteria file {path}: {error}") from None
