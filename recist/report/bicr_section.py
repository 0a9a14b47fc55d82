"""The cohort-page section "Central review (BICR)".

Shown when the page gets ``extras["bicr"]``, the ``recist.pipeline.bicr.BicrResult`` of
the cohort (``recist bicr --report``): the readers and the charter's triggers, the
readers' agreement (BOR percent agreement, Cohen's kappa, PD-date discordance,
adjudication rate, the adjudicator's choices), the patients sent to adjudication with both
readings and the adjudicated reader, and the site against the central review (early and
late discrepancy rates of Amit et al. 2011, overall and per arm). docs/rules.md, "Central
review with several readers (BICR)", gives the definitions.
"""

from __future__ import annotations

import pandas as pd

from recist.report.html import esc, table
from recist.report.sections import CohortContext, CohortSection

__all__ = ["BICR_SECTION", "bicr_section"]

_SITE_HEADERS = {"arm": "arm", "n": "patients", "a1": "both PD, site earlier",
                 "a2": "both PD, same day", "a3": "both PD, site later",
                 "b": "PD at site only", "c": "PD centrally only", "d": "no PD",
                 "edr_pct": "EDR (%)", "ldr_pct": "LDR (%)"}


def _value(metric: str, value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float) and "kappa" in metric:
        return f"{value:.3f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def bicr_section(context: CohortContext) -> str:
    """The section's HTML, or ``""`` without ``extras["bicr"]``."""
    result = context.extras.get("bicr")
    if result is None:
        return ""
    readers = result.readers  # type: ignore[attr-defined]
    discordance: pd.DataFrame = result.discordance  # type: ignore[attr-defined]
    agreement: pd.DataFrame = result.agreement  # type: ignore[attr-defined]
    site: pd.DataFrame = result.site_vs_central  # type: ignore[attr-defined]
    triggers = ", ".join(result.triggers)  # type: ignore[attr-defined]
    window = result.pd_window_days  # type: ignore[attr-defined]
    parts = [
        f'<p class="note">Central readers {esc(readers[0])} (reader 1) and '
        f"{esc(readers[1])} (reader 2), each assessed alone; a patient goes to the "
        f"adjudicator when the readers differ on: {esc(triggers)} (PD dates more than "
        f"{int(window)} day(s) apart). Without adjudication the central result is reader "
        "1's.</p>",
        "<h3>Reader agreement</h3>",
        table(pd.DataFrame({
            "metric": agreement["metric"],
            "value": [_value(m, v) for m, v in zip(agreement["metric"], agreement["value"],
                                                   strict=True)],
            "note": agreement["note"]})),
    ]
    sent = discordance[discordance["adjudication_needed"].astype(bool)]
    bor = [c for c in discordance.columns if c.endswith("_reader1") and "bor" in c]
    bor_column = bor[0].removesuffix("_reader1") if bor else "bor"
    parts.append(f"<h3>Patients sent to adjudication ({len(sent)} of "
                 f"{len(discordance)})</h3>")
    shown = sent.copy()
    for column in ("pd_date_reader1", "pd_date_reader2"):
        shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d")
    parts.append(table(shown, ("patient_id", f"{bor_column}_reader1",
                               f"{bor_column}_reader2", "pd_date_reader1",
                               "pd_date_reader2", "pd_days_apart", "triggers",
                               "adjudicated_reader"),
                       headers={"patient_id": "patient",
                                f"{bor_column}_reader1": f"BOR {readers[0]}",
                                f"{bor_column}_reader2": f"BOR {readers[1]}",
                                "pd_date_reader1": f"PD date {readers[0]}",
                                "pd_date_reader2": f"PD date {readers[1]}",
                                "pd_days_apart": "days apart", "triggers": "triggers",
                                "adjudicated_reader": "adjudicator chose"},
                       empty="none: the readers agree on every trigger"))
    if len(site):
        parts.append("<h3>Site against central review</h3>")
        parts.append(table(site, tuple(_SITE_HEADERS), headers=_SITE_HEADERS,
                           decimals={"edr_pct": 1, "ldr_pct": 1}))
        parts.append('<p class="note">EDR = (a1 + b) / (a + b): the share of the site\'s '
                     "progressions the central review dates later or does not see; LDR = "
                     "(a3 + c) / (a1 + a3 + b + c): the share of the discrepancies in which "
                     "the site was late (Amit et al., Eur J Cancer 2011;47:1772–8). A "
                     "difference between arms suggests an evaluation bias.</p>")
    return "\n".join(parts)


BICR_SECTION = CohortSection("bicr", "Central review (BICR)", bicr_section)
