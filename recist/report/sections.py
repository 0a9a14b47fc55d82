"""How the cohort page is put together: a list of sections, each built from one context.

A section is a :class:`CohortSection`: an anchor ``key``, a ``title`` and a ``build``
function that takes the :class:`CohortContext` (every table the page knows) and returns
the section's HTML body, or ``""`` to leave the section out (no data for it). The page
draws a table of contents from the sections that have a body, then each section under an
``<h2 id="key">`` heading.

To add a section to every cohort page, write a builder in its own module of
``recist/report/`` and put a ``CohortSection`` in ``recist.report.cohort_sections.
COHORT_SECTIONS`` where it belongs (the order is the page's order); to add one to a single
page, pass ``extra_sections`` to ``recist.report.write_reports`` (or ``sections`` to
``render_cohort_html`` to replace the list). Data a builder needs that is not in the
context's tables (a BICR result, a second criteria's assessment …) goes in
``context.extras`` by name. A builder escapes every data string it shows
(``recist.report.html.esc`` / ``table``) and raises nothing for missing optional data: it
returns ``""`` or a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding

__all__ = ["CohortContext", "CohortSection", "render_sections"]


@dataclass(frozen=True)
class CohortContext:
    """Everything a cohort-page section may show."""

    measurements: pd.DataFrame
    """The measurements table (``recist.table.normalise_measurements``)."""
    timepoints: pd.DataFrame
    """``timepoints`` of ``recist.response.respond``."""
    patient_summary: pd.DataFrame
    """``patient_summary`` of ``recist.response.respond``."""
    patients: pd.DataFrame | None = None
    """The patients table (arms, dates) or None."""
    criteria: Criteria = RECIST_1_1
    findings: tuple[Finding, ...] = ()
    inputs: Mapping[str, object] = field(default_factory=dict)
    """Label → input file, for the provenance block."""
    patient_pages: Mapping[str, str] = field(default_factory=dict)
    """Patient id → relative link of their page."""
    extras: Mapping[str, object] = field(default_factory=dict)
    """Named extra inputs of optional sections (e.g. ``"bicr"``)."""
    figures: Mapping[str, str] = field(default_factory=dict)
    """Figures rendered ahead of time (name → ``<figure>`` HTML), see
    ``recist.report.cohort_sections.render_cohort_figures``."""

    @property
    def arms(self) -> pd.Series | None:
        """Arm per patient id (string index), or None without an arm column."""
        if self.patients is None or "arm" not in self.patients.columns:
            return None
        table = self.patients
        return table.set_index(table["patient_id"].astype(str))["arm"].astype("string")


@dataclass(frozen=True)
class CohortSection:
    """One section of the cohort page (see the module docstring)."""

    key: str
    """Anchor of the section (letters, digits and ``-``)."""
    title: str
    """Heading shown on the page and in its table of contents."""
    build: Callable[[CohortContext], str]
    """Returns the body HTML (escaped), or ``""`` to leave the section out."""


def render_sections(sections: Iterable[CohortSection], context: CohortContext) -> str:
    """The table of contents and every section with a body, in order."""
    from recist.report.html import esc

    built = []
    for section in sections:
        body = section.build(context)
        if body:
            built.append((section, body))
    toc = ('<nav class="toc">' + " · ".join(
        f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s, _ in built) + "</nav>")
    parts = [toc]
    for section, body in built:
        parts.append(f'<section id="{esc(section.key)}"><h2>{esc(section.title)}</h2>\n'
                     f"{body}</section>")
    return "\n".join(parts)
