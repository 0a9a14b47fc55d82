"""Argument types shared by sub-commands: bad values are usage errors with one clear line."""

from __future__ import annotations

import argparse

__all__ = ["positive_workers"]


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
