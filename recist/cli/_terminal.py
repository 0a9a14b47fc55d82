"""What the command line prints while it works: verbosity and progress bars.

* ``-q/--quiet`` (every verb): nothing on standard output; errors (and warnings) still
  go to standard error.
* default: one summary line per verb (plus what the verb is for, e.g. ``scan``'s table).
* ``-v/--verbose``: also one line per patient (or study) where the verb has them, and one
  line per finding on standard error.
* Findings (warnings of the data-quality checks): by default one summary line on standard
  error, counted by check code, with the file that lists them (:func:`report_findings`);
  each finding on its own line with ``-v`` only.
* A progress bar (tqdm, on standard error) only when standard error is a terminal and
  not ``--quiet``: logs and pipes get the summary line alone.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recist.findings import Finding, Findings

__all__ = ["Discard", "add_verbosity_arguments", "detail", "findings_line", "progress_bar",
           "report_findings", "shows_progress"]


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
                            "such lines, and each finding on standard error")


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


def progress_bar(args: argparse.Namespace, label: str,
                 unit: str = "page") -> AbstractContextManager[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing a bar, or None when none is shown
    (:func:`shows_progress`; the bar is ``recist.pipeline.progress``'s)."""
    from recist.pipeline.progress import progress_bar as bar

    return bar(shows_progress(args), label, unit)


#: Check codes named in the findings summary line (the most frequent first).
SHOWN_CODES = 3


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def findings_line(findings: Iterable[Finding], written_to: str | None = None) -> str | None:
    """One line counting the findings by severity and check code, or None when there are
    none: ``findings: 3 warnings (a 2, b 1) written to out/findings.csv; -v prints each``.

    The :data:`SHOWN_CODES` most frequent codes are named (ties in first-seen order), the
    others elided with ``…``. Notes (severity info) are not counted.

    >>> from recist.findings import Finding
    >>> findings_line([Finding("b", "m"), Finding("a", "m"), Finding("a", "m")], "o/f.csv")
    'findings: 3 warnings (a 2, b 1) written to o/f.csv; -v prints each'
    >>> findings_line([Finding("a", "m", severity="info")]) is None
    True
    """
    return _line(_not_notes(findings), written_to)


def _line(listed: Findings, written_to: str | None) -> str | None:
    """:func:`findings_line` of findings that hold no note."""
    if not listed:
        return None
    # a severity is a StrEnum (or its text): equal to its text, compared in C (its hash is
    # a Python call per finding)
    severity = listed.column("severity")
    counts = ", ".join(_plural(count, s) for s in ("error", "warning")
                       if (count := int((severity == s).sum())))
    codes = Counter(listed.column("code").tolist()).most_common()
    named = ", ".join(f"{code} {count:,}" for code, count in codes[:SHOWN_CODES])
    more = ", …" if len(codes) > SHOWN_CODES else ""
    where = f" written to {written_to}" if written_to else ""
    return f"findings: {counts} ({named}{more}){where}; -v prints each"


def _not_notes(findings: Iterable[Finding]) -> Findings:
    """The findings that are not notes (severity info), read from their columns."""
    from recist.findings import Findings

    found = Findings(findings)
    keep = found.column("severity") != "info"
    return found if keep.all() else found.take(keep)


def report_findings(args: argparse.Namespace, findings: Iterable[Finding],
                    written_to: str | None = None, prefix: str = "") -> None:
    """Show a command's findings (warnings and errors, not notes) on standard error.

    With ``--verbose`` each on its own line (``prefix`` + the finding); otherwise one
    summary line, ``recist COMMAND: findings: …`` (:func:`findings_line`), naming the
    file ``written_to`` that lists them all, if any. Nothing when there are none.
    """
    listed = _not_notes(findings)
    if getattr(args, "verbose", False):
        for finding in listed:
            print(f"{prefix}{finding}", file=sys.stderr)
        return
    line = _line(listed, written_to)
    if line is not None:
        print(f"recist {args.command}: {line}", file=sys.stderr)
