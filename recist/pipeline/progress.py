"""A progress bar on standard error for the steps that take seconds (issue 14: nothing
silent for long on a terminal), shared by the command line (``recist report``) and the
demo's steps; whether one is shown is the caller's choice (``recist.cli._terminal``: a
terminal, not ``--quiet``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(shown: bool, label: str,
                 unit: str = "page") -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing a tqdm bar on stderr when ``shown``,
    else None (nothing to call). The bar is drawn at once, redrawn when the total is
    told or changes, and erased at the end."""
    if not shown:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=unit, file=sys.stderr, leave=False)

    def tick(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    try:
        yield tick
    finally:
        bar.close()
