"""Write output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["check_output_path", "make_output_folder", "write_atomic", "write_csv_atomic", "write_text_atomic"]


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it.

    A failure part-way leaves no partial file behind and any older ``path`` untouched.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name "
                                "for the output")
    make_output_folder(path.parent)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp creates the file private (0600); give it the usual mode for new files.
        os.chmod(temporary, 0o666 & ~_current_umask())
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def check_output_path(path: str | Path, *, folder: bool = False) -> Path:
    """Refuse, before any work, an output path that cannot be written; create nothing.

    ``folder`` says whether ``path`` is an output folder (``--out DIR``) or a file.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_path(root, folder=False)
    Traceback (most recent call last):
    ...
    IsADirectoryError: cannot write .../...: it is a folder; give a file name for the output
    """
    path = Path(path)
    if path.exists():
        if folder and not path.is_dir():
            raise NotADirectoryError(f"cannot write into {path}: it is a file; give an "
                                     "output folder")
        if not folder and path.is_dir():
            raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name "
                                    "for the output")
        return path
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(
                    f"cannot write {path}: {parent} is a file, not a folder; choose an "
                    "output path whose parents are folders")
            break
    return path


def make_output_folder(folder: str | Path) -> Path:
    """Create ``folder`` and its parents; a file in the way is a clear ``NotADirectoryError``.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "f.txt").write_text("x")
    >>> make_output_folder(root / "f.txt" / "out")
    Traceback (most recent call last):
    ...
    NotADirectoryError: cannot create the output folder .../f.txt/out: .../f.txt is a file, not a folder; choose an output path whose parents are folders
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()),
                       folder)
        raise NotADirectoryError(
            f"cannot create the output folder {folder}: {blocker} is a file, not a folder; "
            "choose an output path whose parents are folders") from None
    except PermissionError:
        raise PermissionError(f"cannot create the output folder {folder}: permission "
                              "denied; choose a folder you can write to") from None
    return folder


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` atomically."""
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def write_csv_atomic(frame, path: str | Path) -> Path:
    """Write a pandas DataFrame as UTF-8 CSV (no index) atomically."""
    return write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
