"""Write output files whole or not at all, and a command's output folder as one
transaction (:func:`output_transaction`)."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["check_output_path", "make_output_folder", "output_transaction", "write_atomic",
           "write_csv_atomic", "write_text_atomic"]


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], None], *,
                 size: int | None = None) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it.

    A failure part-way leaves no partial file behind and any older ``path`` untouched.
    ``size``, the number of bytes ``write`` writes when the caller knows it, reserves the
    file's space first (:func:`_reserve`); the file is then cut where the writes end, so a
    wrong size changes nothing. Give it only for a ``write`` that writes its bytes in order
    from the start and leaves the handle open: one that seeks back would lose what lay
    beyond its last write (a closed handle fails, and nothing is written).
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
            if size:
                _reserve(descriptor, size)
            write(handle)
            if size:
                handle.truncate()  # the file ends where the writes ended, whatever size said
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _reserve(descriptor: int, size: int) -> None:
    """Reserve ``size`` bytes for a new file (``posix_fallocate``) before it is written:
    a file system that allocates as it goes (ext4 reserves each page as it is written)
    then writes a large output with less work, about a third of the system time of
    writing 47 MB. A hint only: where the system has no such call, or refuses it, the
    writes that follow decide."""
    if hasattr(os, "posix_fallocate"):
        with contextlib.suppress(OSError):
            os.posix_fallocate(descriptor, 0, size)


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


# ------------------------------------------------------------------ folder transactions
_STAGING, _RETIRED = "partial", "old"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal: alive
        return True
    return True


def _remove_stale(parent: Path, name: str) -> None:
    """Remove the staging and retired folders of ``name`` left by runs that were killed
    (their process is gone); those of running processes are left alone."""
    for kind in (_STAGING, _RETIRED):
        for path in parent.glob(f".{glob_escape(name)}.{kind}-*"):
            try:
                pid = int(path.name.rsplit(f".{kind}-", 1)[1].split("-", 1)[0])
            except (IndexError, ValueError):
                continue
            if pid != os.getpid() and not _process_alive(pid) and path.is_dir() \
                    and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)


def glob_escape(text: str) -> str:
    """``text`` with the glob wildcards quoted (``[*]``, ``[?]``, ``[[]``)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@contextlib.contextmanager
def output_transaction(out_dir: str | Path, outputs: Iterable[str]) -> Iterator[Path]:
    """Stage a command's files in a hidden sibling folder, then move them into ``out_dir``.

    Yields the staging folder (``.<name>.partial-<pid>-…`` beside ``out_dir``): write every
    file there. When the block ends normally the files move into place; when it raises, or
    the process is killed, ``out_dir`` stays as it was (a killed run's staging folder is
    removed by the next run into the same folder).

    ``outputs`` are the file-name patterns the command writes (``"patient_*.html"``). When
    ``out_dir`` does not exist, or holds only such files (a previous run's), the staging
    folder replaces it whole, by renames; otherwise (other files of the user's beside them)
    each staged file replaces its namesake (``os.replace``) and nothing else is touched.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with output_transaction(root / "out", ["*.csv"]) as staging:
    ...     _ = (staging / "a.csv").write_text("x")
    >>> sorted(p.name for p in root.iterdir()), (root / "out" / "a.csv").read_text()
    (['out'], 'x')
    """
    out_dir = Path(out_dir)
    patterns = tuple(outputs)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"cannot write into {out_dir}: it is a file; give an output "
                                 "folder")
    parent = make_output_folder(out_dir.absolute().parent)
    _remove_stale(parent, out_dir.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{_STAGING}-{os.getpid()}-",
                                    dir=parent))
    try:
        os.chmod(staging, 0o777 & ~_current_umask())
        yield staging
        _commit(staging, out_dir, patterns)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _ours(entry: Path, patterns: tuple[str, ...]) -> bool:
    return (entry.is_file() and not entry.is_symlink()
            and any(fnmatch.fnmatchcase(entry.name, p) for p in patterns))


def _commit(staging: Path, out_dir: Path, patterns: tuple[str, ...]) -> None:
    """Move the staged files into ``out_dir`` (see :func:`output_transaction`)."""
    if not out_dir.exists() and not out_dir.is_symlink():
        try:
            os.rename(staging, out_dir)
            return
        except OSError:
            make_output_folder(out_dir)
    elif not out_dir.is_symlink() and all(_ours(e, patterns) for e in out_dir.iterdir()):
        retired = Path(tempfile.mkdtemp(
            prefix=f".{out_dir.name}.{_RETIRED}-{os.getpid()}-", dir=staging.parent))
        try:
            os.rename(out_dir, retired / "previous")
        except OSError:  # a mount point, or not ours to move: file by file below
            retired.rmdir()
        else:
            try:
                os.rename(staging, out_dir)
            except OSError:
                os.rename(retired / "previous", out_dir)  # put it back, then file by file
            else:
                shutil.rmtree(retired, ignore_errors=True)
                return
            shutil.rmtree(retired, ignore_errors=True)
    for path in sorted(staging.iterdir()):
        os.replace(path, out_dir / path.name)
    staging.rmdir()
