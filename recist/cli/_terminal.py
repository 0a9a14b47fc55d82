"""What the command line prints while it works: verbosity and progress bars.

* ``-q/--quiet`` (every verb): nothing on standard output; errors (and warnings) still
  go to standard error.
* default: one summary line per verb (plus what the verb is for, e.g. ``scan``'s table).
* ``-v/--verbose``: also one line per patient (or study) where the verb has them.
* A progress bar (tqdm, on standard error) only when standard error is a terminal and
  not ``--quiet``: logs and pipes get the summary line alone.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Discard", "add_verbosity_arguments", "detail", "progress_bar", "shows_progress"]


class Discard(io.TextIOBase):
    """A text stream that drops what is written (standard output under ``--quiet``)."""

    def write(self, text: str) -> int:
        return len(text)

    def writable(self) -> bool:
        return True


def add_verbosity_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``-q/--quiet`` and ``-v/--verbose`` (mutually exclusive) to a sub-command."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true",
                       help="print nothing on standard output (errors still on stderr)")
    group.add_argument("-v", "--verbose", action="store_true",
                       help="also print one line per patient (or study) where there are "
                            "such lines")


def detail(args: argparse.Namespace, line: str) -> None:
    """Print ``line`` on standard output with ``--verbose`` only."""
    if getattr(args, "verbose", False):
        print(line)


def shows_progress(args: argparse.Namespace | None = None) -> bool:
    """Whether a progress bar is shown: standard error is a terminal, not ``--quiet``."""
    if args is not None and getattr(args, "quiet", False):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(args: argparse.Namespace, label: str,
                 unit: str = "page") -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing a bar, or None when none is shown."""
    if not shows_progress(args):
        yield None
        return
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()
