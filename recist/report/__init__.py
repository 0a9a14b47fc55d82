"""Self-contained HTML reports: one page per patient and a cohort page.

The pages open offline in any browser: images are inlined (base64 PNG/SVG), CSS is
inline, there is no script and no external URL. Every string taken from the data (CSV
cells, DICOM attributes, file names) is escaped with ``html.escape``. Files are written
atomically (``recist.outputs``).

Public functions: ``write_reports`` (assess, then write every page),
``write_patient_report`` / ``render_patient_html`` and ``write_cohort_report`` /
``render_cohort_html``.
"""

from recist.report.build import COHORT_FILE, ReportFiles, write_reports
from recist.report.cohort import render_cohort_html, write_cohort_report
from recist.report.patient import (
    patient_report_file_name,
    render_patient_html,
    write_patient_report,
)

__all__ = [
    "COHORT_FILE",
    "ReportFiles",
    "patient_report_file_name",
    "render_cohort_html",
    "render_patient_html",
    "write_cohort_report",
    "write_patient_report",
    "write_reports",
]
