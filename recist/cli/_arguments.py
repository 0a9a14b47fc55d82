"""Arguments shared by sub-commands: bad values are usage errors with one clear line.

Nothing here imports more than the standard library at module level: building the parser
(``recist --help``) must stay fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recist.pipeline.criteria import ResolvedCriteria

__all__ = ["add_criteria_arguments", "add_oligo_arguments", "add_response_criteria_arguments",
           "non_negative_days", "positive_workers", "resolved_criteria", "wants_extension"]


def positive_workers(text: str) -> int:
    """``--workers N``: a whole number of processes, at least 1.

    >>> positive_workers("2")
    2
    >>> positive_workers("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number of processes >= 1, got '0' (leave --workers out to use all cores)
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes >= 1, got {text!r} (leave --workers out to use "
            "all cores)")
    return value


def non_negative_days(text: str) -> int:
    """A number of days, at least 0 (``--confirm-min-days``, ``--sd-min-days``).

    >>> non_negative_days("28")
    28
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of days >= 0, got {value}")
    return value


def add_criteria_arguments(parser: argparse.ArgumentParser, *, protocol: bool = False,
                           confirm: bool = False, days: bool = False,
                           confirm_help: str | None = None) -> None:
    """Add the criteria options a command takes (resolved by :func:`resolved_criteria`).

    ``--criteria FILE`` always; ``--protocol FILE`` and ``--clinical CSV`` with
    ``protocol``; ``--confirm`` with ``confirm``; ``--confirm-min-days N`` and
    ``--sd-min-days N`` with ``days``.
    """
    if protocol:
        parser.add_argument("--protocol", metavar="FILE",
                            help="protocol TOML with [criteria] overrides and "
                                 "[[eligibility]] criteria (docs/rules.md)")
        parser.add_argument("--clinical", metavar="CSV",
                            help="clinical table, one row per patient, for the protocol's "
                                 "clinical criteria (needs --protocol; docs/tables.md)")
    parser.add_argument("--criteria", metavar="FILE",
                        help="criteria TOML ([criteria] table, docs/rules.md)"
                             + ("; applied over the protocol's" if protocol else "")
                             + ("; the flags below override it" if confirm else ""))
    if confirm:
        parser.add_argument("--confirm", action="store_true", default=None,
                            help=confirm_help or "require confirmation of CR/PR "
                                                 "(R11 4.6.1, Table 3)")
    if days:
        parser.add_argument("--confirm-min-days", type=non_negative_days, metavar="N",
                            help="minimum days between a response and its confirmation "
                                 "(default 28)")
        parser.add_argument("--sd-min-days", type=non_negative_days, metavar="N",
                            help="minimum days from start for SD to count as BOR "
                                 "(default 42)")


def resolved_criteria(args: argparse.Namespace) -> ResolvedCriteria:
    """The criteria (and protocol) of a command's options, by
    ``recist.pipeline.criteria.resolve_criteria``."""
    from recist.pipeline.criteria import resolve_criteria

    return resolve_criteria(
        getattr(args, "criteria", None), getattr(args, "protocol", None),
        confirm=True if getattr(args, "confirm", None) else None,
        confirm_min_days=getattr(args, "confirm_min_days", None),
        sd_min_days=getattr(args, "sd_min_days", None),
        clinical=getattr(args, "clinical", None))


def add_oligo_arguments(parser: argparse.ArgumentParser) -> None:
    """``--lesions CSV`` and ``--therapies CSV``: the lesion history and therapy timeline of
    follow-up after local treatment (``recist.oligo``; docs/tables.md)."""
    parser.add_argument("--lesions", metavar="CSV",
                        help="lesions table: patient_id, lesion_id, local_therapy, "
                             "local_therapy_date (a lesion treated before baseline is not "
                             "measurable unless it progressed since, MEAS-10)")
    parser.add_argument("--therapies", metavar="CSV",
                        help="therapies table: patient_id, date, kind (local/systemic), "
                             "lesion_ids, regimen; the first systemic therapy ends RECIST "
                             "follow-up (DEC-23, replaces new_therapy_date)")
def add_response_criteria_arguments(parser: argparse.ArgumentParser) -> None:
    """``--response-criteria LIST`` (iRECIST, WHO, volumetric beside RECIST 1.1) and
    ``--uncertainty`` (how fragile each call is), read by
    ``recist.pipeline.response_criteria``."""
    parser.add_argument("--response-criteria", metavar="LIST",
                        help="also assess these criteria, comma-separated: recist1.1, "
                             "irecist, who, volumetric (docs/rules.md); each adds its "
                             "own columns")
    parser.add_argument("--uncertainty", action="store_true",
                        help="how fragile each call is: distances to the thresholds and "
                             "probabilities under a measurement-error model (UNC-1..6)")


def wants_extension(args: argparse.Namespace) -> bool:
    """Whether ``--response-criteria`` (beyond RECIST 1.1) or ``--uncertainty`` was given."""
    from recist.pipeline.response_criteria import parse_response_criteria

    names = parse_response_criteria(getattr(args, "response_criteria", None))
    return len(names) > 1 or bool(getattr(args, "uncertainty", False))
