"""Resolve ``--protocol``, ``--criteria`` and ``--clinical`` the same way in every command.

``recist baseline`` and ``recist report`` take the same three options: the criteria are
RECIST 1.1, overridden by the protocol's ``[criteria]`` table, overridden by the
``--criteria`` file; ``--clinical`` makes sense only with a protocol, which says which
clinical columns are eligibility criteria.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from recist.criteria import RECIST_1_1, Criteria, load_criteria

if TYPE_CHECKING:
    from recist.protocol import Protocol

__all__ = ["protocol_and_criteria"]


def protocol_and_criteria(args: argparse.Namespace) -> tuple[Protocol | None, Criteria]:
    """Return ``(protocol or None, criteria)`` from ``args.protocol`` / ``args.criteria``.

    Raises
    ------
    ValueError
        If ``--clinical`` is given without ``--protocol``.
    """
    if args.clinical and not args.protocol:
        raise ValueError("--clinical needs --protocol: the protocol says which clinical "
                         "columns are eligibility criteria")
    protocol = None
    criteria = RECIST_1_1
    if args.protocol:
        from recist.protocol import load_protocol

        protocol = load_protocol(args.protocol)
        criteria = protocol.criteria
    if args.criteria:
        criteria = load_criteria(args.criteria, base=criteria)
    return protocol, criteria
