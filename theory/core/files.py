"""Files that survive faults: atomic writes and a lock on a results folder.

:func:`write_atomic` writes beside the target under a unique temporary name and
renames it into place, so a reader sees the old file or the new one, never a torn
one (a full disk or a kill leaves the old file and at most a stray temporary).
:func:`folder_lock` holds an exclusive ``flock`` on ``FOLDER/.lock``: a second
writer of the same folder is refused; the lock dies with its process.
Every OS failure becomes an :class:`~theory.core.errors.InputError` naming the path.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "a.txt", "hello").read_text()
'hello'
>>> with folder_lock(folder):
...     with folder_lock(folder):
...         pass
Traceback (most recent call last):
...
theory.core.errors.InputError: results folder ... is in use by another run (pid ...); wait for it or choose another folder
"""  # noqa: E501 - doctest output is verbatim

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

LOCK = ".lock"


def read_table(path: str, option: str, hint: str = ""):
    """The numeric table in the text file ``path`` (one row a line) as a finite 2-D float array;
    an InputError naming ``option`` for a missing, empty, non-numeric, ragged or non-finite file."""
    import numpy as np

    if not Path(path).is_file():
        raise InputError(f"{option}: no such file {path!r}{hint}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns (and returns nothing) on an empty file
            table = np.atleast_2d(np.loadtxt(path, dtype=float))
    except (ValueError, UserWarning) as why:
        raise InputError(f"{option}: {path} is not a numeric table: {why}") from why
    if not table.size:
        raise InputError(f"{option}: {path} holds no numbers")
    if not np.all(np.isfinite(table)):
        raise InputError(f"{option}: {path} holds NaN or infinite values")
    return table


def unwritable(path: str | Path, why: OSError) -> InputError:
    """The InputError for an output path the OS refused."""
    reason = why.strerror or type(why).__name__
    return InputError(f"cannot write {path}: {reason}")


def make_folder(folder: str | Path) -> Path:
    """``folder``, created with its parents if needed."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"cannot use {folder} as a folder: a file of that name exists") from None
    except OSError as why:
        raise unwritable(folder, why) from None
    return folder


def output_file(path: str | Path, name: str) -> Path:
    """``path`` for a file to be written later, refused now if its folder does not exist or
    is not writable."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(f"{name}: cannot write {path}: "
                         + ("it is a folder" if path.is_dir() else f"{folder} is not a writable folder"))
    return path


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a unique temporary file in the same folder and a rename."""
    path = Path(path)
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as why:
        raise unwritable(path, why) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as why:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise unwritable(path, why) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


@contextlib.contextmanager
def folder_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the results folder ``folder`` (created if needed) for this process alone."""
    folder = make_folder(folder)
    path = folder / LOCK
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as why:
        raise unwritable(path, why) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(handle, 32, 0).decode(errors="replace").strip() or "unknown"
            raise InputError(f"results folder {folder} is in use by another run (pid {owner}); "
                             "wait for it or choose another folder") from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        yield folder
    finally:
        os.close(handle)
