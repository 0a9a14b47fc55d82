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

__all__ = ["EXIT_CLOSED_PIPE", "EXIT_INPUT_ERROR", "EXIT_INTERNAL_ERROR", "build_parser",
           "main"]

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
    "viewer": "recist.cli.viewer",
}


# Sub-commands that read no table or DICOM of the user's (no --allow-implausible).
_NO_INPUT_BOUNDS = frozenset({"demo", "fetch", "viewer"})


class _OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (the usage is in ``--help``)."""

    def error(self, message: str):
        self.exit(EXIT_INPUT_ERROR, f"{self.prog}: error: {message}; see "
                                    f"'{self.prog} --help'\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the top-level parser with every registered sub-command, or only those of
    ``command``'s module when it names one (what a command line that starts with that
    sub-command needs: its parsing, help and errors are the same either way)."""
    parser = _OneLineErrorParser(
        prog="recist",
        description="RECIST 1.1 tumour measurement and response tracking.",
    )
    parser.add_argument("--version", action="version", version=f"recist {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = ([_COMMAND_MODULES[command]] if command in _COMMAND_MODULES
               else dict.fromkeys(_COMMAND_MODULES.values()))
    for module_name in modules:
        importlib.import_module(module_name).add_parser(subparsers)
    from recist.cli._terminal import add_verbosity_arguments

    for name, sub in subparsers.choices.items():
        add_verbosity_arguments(sub)
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

    # OSError: a missing file, a permission, a file in the way, a full disk: never a bug.
    return (DicomInputError, RecistDataError, CriteriaError, OSError, ValueError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``recist`` command line and return its exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # a sub-command named first needs its own parser only (an option first: all of them)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT_ERROR
    if getattr(args, "allow_implausible", False):
        # An environment variable, so that worker processes (manifest, Dask) inherit it.
        os.environ["RECIST_ALLOW_IMPLAUSIBLE"] = "1"
    import warnings

    previous_showwarning = warnings.showwarning
    warnings.showwarning = _one_line_warning(args.command)
    import contextlib

    from recist.cli._terminal import Discard

    quiet = (contextlib.redirect_stdout(Discard()) if getattr(args, "quiet", False)
             else contextlib.nullcontext())
    try:
        with quiet:
            try:
                status = int(args.func(args) or 0)
                sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            except BrokenPipeError:
                if not _stdout_closed():
                    raise  # another pipe: an OSError like any other
                return _end_on_closed_stdout()
            return status
    except KeyboardInterrupt:
        print("recist: interrupted", file=sys.stderr)
        return 130
    except _input_error_types() as error:
        if os.environ.get("RECIST_DEBUG"):
            raise
        text = _input_message(error)
        if text is not None:
            print(_one_line(f"recist {args.command}: error: {text}"), file=sys.stderr)
            return EXIT_INPUT_ERROR
        print(_internal_error(args.command, error), file=sys.stderr)
        return EXIT_INTERNAL_ERROR
    except Exception as error:
        if os.environ.get("RECIST_DEBUG"):
            raise
        print(_internal_error(args.command, error), file=sys.stderr)
        return EXIT_INTERNAL_ERROR
    finally:
        warnings.showwarning = previous_showwarning


# ------------------------------------------------------------ a closed standard output
#: The exit status of a process ended by SIGPIPE, as the shell reports it (128 + 13).
EXIT_CLOSED_PIPE = 141


def _stdout_closed() -> bool:
    """Whether standard output is a pipe whose reader has gone (``recist … | head``)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no file descriptor (a StringIO)
        return False


def _end_on_closed_stdout() -> int:
    """End quietly, as a Unix tool killed by SIGPIPE does: no message, status 141.

    Standard output is pointed at ``/dev/null`` so that the interpreter's last flush at
    exit does not report the broken pipe again (the Python documentation's recipe,
    "Note on SIGPIPE" in the ``signal`` module).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    return EXIT_CLOSED_PIPE


# --------------------------------------------------------------- one-line messages
#: Longest message line printed on stderr (docs/cli.md, "Exit status and messages").
MAX_MESSAGE_CHARS = 300
_PACKAGES = ("recist", "dicom_io")


def _one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as one printable line of at most ``limit`` characters.

    Too long a line first loses the middle of its long UIDs (``1.2.826.0.1.…7575505243265``)
    and of its long paths (``…/in/ct/IM0001.dcm``), then, if still too long, the middle of
    the sentence (the start says what and where, the end how to fix it).

    >>> _one_line("a" + chr(10) + "b  c")
    'a b c'
    >>> len(_one_line("x " * 400))
    300
    """
    import re

    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(line) > limit:
        line = re.sub(r"\b\d+(?:\.\d+){5,}\b",
                      lambda m: m[0] if len(m[0]) <= 28 else f"{m[0][:12]}…{m[0][-12:]}", line)
    if len(line) > limit:
        def path(m: re.Match[str]) -> str:
            parts = m[0].split("/")
            return m[0] if len(m[0]) <= 40 or len(parts) <= 3 else "…/" + "/".join(parts[-3:])

        line = re.sub(r"(?<![\w.])(?:/|\./|\.\./)?(?:[\w.+-]+/){2,}[\w.+:-]*", path, line)
    if len(line) > limit:
        head = (limit - 3) * 2 // 3
        line = line[:head] + " … " + line[len(line) - (limit - 3 - head):]
    return line


def _our_frame(error: BaseException) -> tuple[str, int] | None:
    """File (relative to the package root) and line of the innermost traceback frame in
    ``recist`` or ``dicom_io``; None when there is none."""
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        parts = filename.replace("\\", "/").split("/")
        for k in range(len(parts) - 1, -1, -1):
            if parts[k] in _PACKAGES:
                found = ("/".join(parts[k:]), traceback.tb_lineno)
                break
        traceback = traceback.tb_next
    return found


def _raised_by_us(error: BaseException) -> bool:
    """True when the innermost frame of the traceback is ours: the message is one of our
    sentences, not a library's (whose words may quote raw input)."""
    traceback = error.__traceback__
    last = None
    while traceback is not None:
        last = traceback
        traceback = traceback.tb_next
    if last is None:
        return True
    parts = last.tb_frame.f_code.co_filename.replace("\\", "/").split("/")
    return any(part in _PACKAGES for part in parts)


def _input_message(error: BaseException) -> str | None:
    """The user-facing text of an input error; None when it is a library's ValueError
    (a bug of ours: the input should have been checked before)."""
    if isinstance(error, OSError) and error.errno is not None and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror[:1].lower()}{error.strerror[1:]}"
    if type(error) is ValueError and not _raised_by_us(error):
        return None
    return str(error)


def _internal_error(command: str, error: BaseException) -> str:
    """One line for a bug: the exception type and where, never its message (which may
    quote input values)."""
    frame = _our_frame(error)
    where = f" in {frame[0]}:{frame[1]}" if frame else ""
    return _one_line(f"recist {command}: internal error ({type(error).__name__}{where}). This "
                     "is a bug in recist; rerun with RECIST_DEBUG=1 and report the traceback.")


def _one_line_warning(command: str):
    """A ``warnings.showwarning`` that prints one line without quoted values: a warning of
    a DICOM library may quote a damaged element's bytes (a patient's name)."""
    import re

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = str(message).splitlines()[0] if str(message) else ""
        source = filename.replace("\\", "/")
        if "/pydicom/" in source or "/highdicom/" in source:
            vr = re.search(r"\bVR ([A-Z]{2})\b", text)
            text = ("the DICOM reader warned about a value that does not match its VR "
                    f"{vr.group(1)}" if vr else "the DICOM reader warned about an irregular "
                    "header")
        else:
            text = re.sub(r"(?s)'[^']*'|\"[^\"]*\"|b'[^']*'", "…", text)
        print(_one_line(f"recist {command}: warning: {category.__name__}: {text}"),
              file=sys.stderr if file is None else file)

    return show


if __name__ == "__main__":
    sys.exit(main())
