"""The criteria a run uses, resolved the same way for every command.

The criteria are RECIST 1.1 (``recist.criteria.RECIST_1_1``), overridden by a protocol's
``[criteria]`` table, overridden by a criteria file, overridden by the single settings
(confirmation of response, its minimum interval, the minimum time for SD). A clinical
table makes sense only with a protocol, which says which clinical columns are eligibility
criteria. The options are described in ``docs/cli.md``, the settings in ``docs/rules.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from recist.criteria import Criteria
    from recist.protocol import Protocol

__all__ = ["ResolvedCriteria", "resolve_criteria"]


class ResolvedCriteria(NamedTuple):
    """The criteria to apply, and the protocol (None without one).

    The protocol's own ``criteria`` are the resolved ones, so screening a patient against
    it uses the same settings as the assessment.
    """

    criteria: Criteria
    protocol: Protocol | None


def resolve_criteria(
    criteria: Criteria | str | Path | None = None,
    protocol: Protocol | str | Path | None = None,
    *,
    confirm: bool | None = None,
    confirm_min_days: int | None = None,
    sd_min_days: int | None = None,
    clinical: object = None,
) -> ResolvedCriteria:
    """Resolve the criteria of a run from its files and settings.

    Parameters
    ----------
    criteria
        A criteria TOML (a ``[criteria]`` table, or the options at top level), applied
        over the protocol's criteria; or a ``recist.criteria.Criteria``, used as it is.
    protocol
        A protocol TOML (``[criteria]`` overrides and ``[[eligibility]]`` criteria), or a
        ``recist.protocol.Protocol``.
    confirm
        True requires confirmation of CR/PR (R11 4.6.1), False does not; None keeps the
        files' setting.
    confirm_min_days, sd_min_days
        Minimum days between a response and its confirmation, and from the start for SD
        to count as best response; None keeps the files' setting.
    clinical
        Only checked: a clinical table (or its file) needs a protocol.

    Returns
    -------
    ResolvedCriteria
        ``(criteria, protocol or None)``.

    Raises
    ------
    ValueError
        If a clinical table is given without a protocol.
    recist.errors.CriteriaError
        For an unknown setting or a value out of range, naming the file and the option.

    Examples
    --------
    >>> criteria, protocol = resolve_criteria(confirm=True, sd_min_days=56)
    >>> criteria.confirmation, criteria.sd_min_days, protocol
    (True, 56, None)
    """
    from recist.criteria import RECIST_1_1, load_criteria

    if _given(clinical) and not _given(protocol):
        raise ValueError("--clinical needs --protocol: the protocol says which clinical "
                         "columns are eligibility criteria")
    chosen = RECIST_1_1
    if not _given(protocol):
        protocol = None
    elif isinstance(protocol, (str, Path)):
        from recist.protocol import load_protocol

        protocol = load_protocol(protocol)
    if protocol is not None:
        chosen = protocol.criteria
    if isinstance(criteria, (str, Path)):
        if _given(criteria):
            chosen = load_criteria(criteria, base=chosen)
    elif criteria is not None:
        chosen = criteria
    changes: dict[str, object] = {}
    if confirm is not None:
        changes["confirmation"] = bool(confirm)
    if confirm_min_days is not None:
        changes["confirmation_min_days"] = confirm_min_days
    if sd_min_days is not None:
        changes["sd_min_days"] = sd_min_days
    if changes:
        chosen = chosen.replace(**changes)
    if protocol is not None and protocol.criteria != chosen:
        from dataclasses import replace

        protocol = replace(protocol, criteria=chosen)
    return ResolvedCriteria(chosen, protocol)


def _given(value: object) -> bool:
    """Whether an option was given: not None and not an empty file name."""
    return value is not None and not (isinstance(value, str) and not value)
