"""The sample patients, their visits and the file layout (standard library only).

Kept free of numpy / SimpleITK / pydicom so that ``make_sample_data.py --if-missing`` can
check for existing files without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

__all__ = [
    "BASELINE_DATE",
    "NEW_NODULE",
    "NEW_NODULE_DIAMETER_MM",
    "SCENARIOS",
    "START_DATE",
    "TUMOUR",
    "VISIT_INTERVAL",
    "Lesion",
    "Scenario",
    "all_present",
    "expected_files",
    "series_complete",
    "series_file_name",
    "visit_date",
    "visit_name",
]

BASELINE_DATE = date(2024, 1, 8)
START_DATE = date(2024, 1, 15)
VISIT_INTERVAL = timedelta(weeks=8)
NEW_NODULE_DIAMETER_MM = 6.0


@dataclass(frozen=True)
class Scenario:
    """One sample patient: source files, per-visit tumour scale, where a new nodule appears."""

    patient_id: str
    patient_name: str
    source: str
    arm: str
    scales: tuple[float, ...]  # index = visit number; scales[0] = 1.0 (baseline)
    expected: tuple[str, ...]  # expected overall response per visit (documentation)
    n_slices: int  # of the source CT (checked when building)
    new_nodule_from_visit: int | None = None


SCENARIOS = (
    Scenario("LUNG1", "Sample^Lung1", "lung1", "A", (1.0, 0.60, 0.55, 1.00),
             ("baseline", "PR", "PR (confirms V1)", "PD (target sum vs nadir)"), 48),
    Scenario("LUNG2", "Sample^Lung2", "lung2", "A", (1.0, 0.95, 0.97),
             ("baseline", "SD", "PD (new lesion)"), 61, new_nodule_from_visit=2),
)


@dataclass(frozen=True)
class Lesion:
    """A lesion of the sample data: its label value, id and the lesion-table fields."""

    label: int
    lesion_id: str
    kind: str
    organ: str = "lung"
    nodal: bool = False

    @property
    def status(self) -> str:
        return "measured" if self.kind == "target" else "unequivocal"


TUMOUR = Lesion(1, "T1", "target")
NEW_NODULE = Lesion(2, "NEW1", "new")


def visit_name(n: int) -> str:
    return f"V{n}"


def visit_date(n: int) -> date:
    return BASELINE_DATE if n == 0 else START_DATE + n * VISIT_INTERVAL


def series_file_name(k: int) -> str:
    """File name of slice ``k`` inside a series folder.

    >>> series_file_name(0)
    'CT0001.dcm'
    """
    return f"CT{k + 1:04d}.dcm"


def series_complete(folder: Path, n_slices: int) -> bool:
    """True when ``folder`` holds every slice file of a series of ``n_slices`` slices."""
    return folder.is_dir() and all(
        (folder / series_file_name(k)).is_file() for k in range(n_slices)
    )


def expected_files(root: Path) -> list[Path]:
    """Every file ``--if-missing`` checks for (series folders are checked slice by slice)."""
    files = [root / name for name in ("patients.csv", "manifest.csv", "truth.csv",
                                      "measurements_expected.csv", "baseline_source.json")]
    for scenario in SCENARIOS:
        for n in range(len(scenario.scales)):
            folder = root / "patients" / scenario.patient_id / visit_name(n)
            files += [folder / "labels.nrrd", folder / "lesions.csv", folder / "lines.csv",
                      folder / "ct" / series_file_name(0)]
    return files


def all_present(root: Path) -> bool:
    """True when every output file and every slice of every series exists under ``root``."""
    if not all(path.is_file() for path in expected_files(root)):
        return False
    for scenario in SCENARIOS:
        n_slices = scenario.n_slices
        for n in range(len(scenario.scales)):
            ct = root / "patients" / scenario.patient_id / visit_name(n) / "ct"
            if not series_complete(ct, n_slices):
                return False
    return True
