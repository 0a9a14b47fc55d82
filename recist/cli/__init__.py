"""The ``recist`` command line: one sub-command per module in this package.

Each sub-command module defines ``add_parser(subparsers)``, which adds its parser and sets
``func`` (called with the parsed arguments, returning the exit status). Errors about the
user's input are printed as one line on stderr with a non-zero exit status, never as a
traceback; set ``RECIST_DEBUG=1`` to see the traceback of an unexpected failure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from recist import __version__

__all__ = ["EXIT_INPUT_ERROR", "EXIT_INTERNAL_ERROR", "build_parser", "main"]

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL_ERROR = 70

# Sub-command name -> module that implements it (imported when the parser is built).
_COMMAND_MODULES: dict[str, str] = {
    "baseline": "recist.cli.baseline",
    "respond": "recist.cli.respond",
    "measure": "recist.cli.measure",
    "scan": "recist.cli.scan",
    "export-sr": "recist.cli.export_sr",
    "export-seg": "recist.cli.export_seg",
    "fetch": "recist.cli.fetch",
    "report": "recist.cli.report",
    "demo": "recist.cli.demo",
    "sdtm-in": "recist.cli.sdtm",
    "sdtm-out": "recist.cli.sdtm",
    "bicr": "recist.cli.bicr",
    "summary": "recist.cli.summary",
    "plot": "recist.cli.plot",
}


# Sub-commands that read no table or DICOM of the user's (no --allow-implausible).
_NO_INPUT_BOUNDS = frozenset({"demo", "fetch"})


class _OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (the usage is in ``--help``)."""

    def error(self, message: str):
        self.exit(EXIT_INPUT_ERROR, f"{self.prog}: error: {message}; see "
                                    f"'{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every registered sub-command."""
    parser = _OneLineErrorParser(
        prog="recist",
        description="RECIST 1.1 tumour measurement and response tracking.",
    )
    parser.add_argument("--version", action="version", version=f"recist {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES.values():
        importlib.import_module(module_name).add_parser(subparsers)
    for name, sub in subparsers.choices.items():
        if name not in _NO_INPUT_BOUNDS:
            sub.add_argument("--allow-implausible", action="store_true",
                             help="accept values outside the plausibility bounds (a diameter "
                                  "over 1000 mm, a slice thickness or spacing over 20 mm, a "
                                  "date before 1900 or over a year ahead; docs/tables.md); "
                                  "impossible values are still refused")
    return parser


def _input_error_types() -> tuple[type[BaseException], ...]:
    from dicom_io.errors import DicomInputError
    from recist.errors import CriteriaError, RecistDataError

    return (DicomInputError, RecistDataError, CriteriaError, FileNotFoundError,
            PermissionError, IsADirectoryError, NotADirectoryError, ValueError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``recist`` command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT_ERROR
    if getattr(args, "allow_implausible", False):
        # An environment variable, so that worker processes (manifest, Dask) inherit it.
        os.environ["RECIST_ALLOW_IMPLAUSIBLE"] = "1"
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("recist: interrupted", file=sys.stderr)
        return 130
    except _input_error_types() as error:
        if os.environ.get("RECIST_DEBUG"):
            raise
        print(f"recist {args.command}: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except Exception as error:
        if os.environ.get("RECIST_DEBUG"):
            raise
        print(
            f"recist {args.command}: internal error ({type(error).__name__}: {error}). "
            "This is a bug in recist; rerun with RECIST_DEBUG=1 and report the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
