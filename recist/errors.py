"""Exceptions of the RECIST domain layer."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["CriteriaError", "RecistDataError"]


class RecistDataError(ValueError):
    """A measurements table (or related table) that contradicts itself or the rules.

    Parameters
    ----------
    message
        The user-facing explanation, naming patient, date/visit and lesion.
    findings
        The structured findings behind the error (see ``recist.checks``), if any.
    """

    def __init__(self, message: str, *, findings: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class CriteriaError(ValueError):
    """A criteria or protocol setting that is out of range or unknown."""
