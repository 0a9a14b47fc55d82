"""Exceptions raised for DICOM input that cannot be used as it is."""

from __future__ import annotations

import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["DAMAGED_VALUE_ERRORS", "DicomInputError", "captured_warnings", "damaged_object",
           "is_valid_uid", "safe_text", "safe_uid", "unreadable_file_error", "warning_note",
           "warning_what", "warnings_note"]


class DicomInputError(ValueError):
    """A DICOM file, series or annotation object that cannot be used.

    The message says what was tried, where, which element, what was expected, what was
    found and how to fix it. It never contains identifying values (patient name, birth
    date, patient ID): it points at the file and the SOP Instance UID instead.

    Parameters
    ----------
    message
        The full, user-facing explanation.
    path
        The file or folder concerned, if any.
    sop_instance_uid
        The SOP Instance UID concerned, if known.
    keyword
        The DICOM keyword of the offending element (e.g. ``"PixelSpacing"``), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sop_instance_uid: str | None = None,
        keyword: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.sop_instance_uid = sop_instance_uid
        self.keyword = keyword


def unreadable_file_error(path: str | Path, error: BaseException, what: str) -> DicomInputError:
    """The ``DicomInputError`` for a file a DICOM reader could not open or parse.

    ``what`` names what the file should be (``"DICOM SEG"``). The reader's own words are
    kept only where they help (a truncated file); advice meant for programmers (pydicom's
    ``force=True``) is replaced by what the user can do.

    >>> str(unreadable_file_error("a/seg.dcm", FileNotFoundError(2, "gone"), "DICOM SEG"))
    'cannot read a/seg.dcm as DICOM SEG: the file does not exist; check the path'
    """
    path = Path(path)
    if isinstance(error, FileNotFoundError):
        found = "the file does not exist; check the path"
    elif isinstance(error, IsADirectoryError):
        found = f"it is a folder; pass the {what} file itself"
    elif type(error).__name__ == "InvalidDicomError" or "DICM" in str(error):
        found = (f"it is not a DICOM file (no 'DICM' marker after the 128-byte preamble); "
                 f"pass the {what} file")
    elif isinstance(error, EOFError):
        found = "the file ends too early (truncated); copy it again from the source"
    else:  # the reader's own words may quote the file's bytes: never shown
        found = f"its content cannot be parsed (damaged, or not a {what}); pass a {what} file"
    return DicomInputError(f"cannot read {safe_text(path, 120)} as {what}: {found}", path=path)


# ------------------------------------------------------------------ safe message values
_UID_PATTERN = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")


def is_valid_uid(value: object) -> bool:
    """True when ``value`` follows the DICOM UID grammar (PS3.5 9.1): dot-separated
    numbers without leading zeros, at most 64 characters.

    >>> is_valid_uid("1.2.840.10008.1.2.1"), is_valid_uid("1.02.3"), is_valid_uid("Doe^Jane")
    (True, False, False)
    """
    text = str(value)
    return 0 < len(text) <= 64 and _UID_PATTERN.fullmatch(text) is not None


def safe_uid(value: object) -> str:
    """A UID for a message: itself when it follows the UID grammar, else ``(invalid UID)``
    (a damaged element may hold any bytes, a patient's name among them).

    >>> safe_uid("1.2.3"), safe_uid("1.2.3\\nDoe^Jane"), safe_uid("")
    ('1.2.3', '(invalid UID)', '(no UID)')
    """
    if value is None or str(value) == "":
        return "(no UID)"
    return str(value) if is_valid_uid(value) else "(invalid UID)"


def safe_text(value: object, limit: int = 80) -> str:
    """Text from a file system or a header made fit for a one-line message: every
    non-printable character (control characters, newlines) becomes ``?`` and a text
    longer than ``limit`` keeps its start and end around ``…``.

    >>> safe_text("IM\\n0001.dcm"), safe_text("x" * 10, limit=5)
    ('IM?0001.dcm', 'xx…xx')
    """
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    if len(text) > limit:
        keep = max(limit - 1, 2)
        text = text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2:]
    return text


_VR_IN_WARNING = re.compile(r"\bVR ([A-Z]{2})\b")


def warning_what(message: object) -> str:
    """What a pydicom / highdicom warning is about, without any value from the file (its
    raw bytes may be a patient's name): only the VR it names is kept.

    >>> warning_what("Invalid value for VR DS: 'Doe^Jane'.")
    'a value that does not match its VR DS'
    """
    vr = _VR_IN_WARNING.search(str(message))
    return f"a value that does not match its VR {vr.group(1)}" if vr else "an irregular header"


def warning_note(message: object, name: str) -> str:
    """A DICOM library's warning about file ``name`` in our words (:func:`warning_what`).

    >>> warning_note("Invalid value for VR DS: 'Doe^Jane'.", "IM0001.dcm")
    'IM0001.dcm: the DICOM reader warned about a value that does not match its VR DS; ...'
    """
    return (f"{safe_text(name)}: the DICOM reader warned about {warning_what(message)}; it "
            "was ignored or read as is")


def warnings_note(what: str, names: list[str]) -> str:
    """One note for the files a DICOM reader warned about ``what`` (:func:`warning_what`).

    >>> warnings_note("an irregular header", ["IM0001.dcm", "IM0002.dcm"])
    'the DICOM reader warned about an irregular header in 2 file(s), e.g. IM0001.dcm; ...'
    """
    return (f"the DICOM reader warned about {what} in {len(names)} file(s), e.g. "
            f"{safe_text(names[0])}; it was ignored or read as is")


@contextmanager
def captured_warnings(name: str, notes: list[str] | None = None) -> Iterator[list[str]]:
    """Catch the warnings of a DICOM library call; append each (as :func:`warning_note`,
    once per distinct note) to ``notes`` and to the yielded list, never to stderr."""
    found: list[str] = [] if notes is None else notes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for warning in caught:
        note = warning_note(warning.message, name)
        if note not in found:
            found.append(note)


DAMAGED_VALUE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, EOFError,
    struct.error)
"""What a DICOM library, or a conversion of an element's value, raises on a damaged
element (a UID holding a name, a number holding text, a sequence holding nothing)."""
_LIBRARY_MODULES = ("builtins", "struct", "_struct", "pydicom", "highdicom", "numpy")


@contextmanager
def damaged_object(path: str | Path, what: str) -> Iterator[None]:
    """Refuse, naming the file only, an object whose reading raised on a damaged element.

    The exception's own words may quote the element's bytes (a patient's name): the
    ``DicomInputError`` names the file, what it should be and the kind of failure, never
    the value. Only the exceptions of Python, pydicom, highdicom and numpy are turned;
    our own error classes (``DicomInputError``, a ``ValueError`` subclass) pass unchanged.

    >>> with damaged_object("a/sr.dcm", "DICOM SR"):
    ...     int("Doe^Jane")
    Traceback (most recent call last):
    dicom_io.errors.DicomInputError: cannot read a/sr.dcm as DICOM SR: an element is damaged ...
    """
    try:
        yield
    except DicomInputError:
        raise
    except DAMAGED_VALUE_ERRORS as error:
        module = type(error).__module__.split(".")[0]
        if module not in _LIBRARY_MODULES:  # an error class of ours, with our own words
            raise
        raise DicomInputError(
            f"cannot read {safe_text(path, 120)} as {what}: an element is damaged or does not "
            f"hold what its tag requires ({type(error).__name__}); export it again from its "
            "source", path=path) from error
