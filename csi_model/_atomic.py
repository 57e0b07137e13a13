"""Atomic outputs: a directory built beside its target and swapped in at the end.

Used by every ``--out DIR`` of the command line and by :func:`csi_model.report.paper.build_paper`:
an interrupted run (error, Ctrl-C, SIGTERM, SIGKILL) leaves the target as it was.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["atomic_directory", "signals_as_interrupt"]


@contextlib.contextmanager
def atomic_directory(target: Path, *, keep_other_files: bool = True, owned=()):
    """Build a directory beside ``target`` and swap it in when the block ends without error.

    Yields the temporary directory (``.NAME.tmp-XXXX`` in ``target``'s parent). Files of
    an existing ``target`` are kept (hard links, else copies) when ``keep_other_files``,
    except those named in ``owned`` (the outputs of the command: an old one that this run
    does not write again must not survive beside the new ones). On success the new directory replaces ``target``
    in one atomic exchange (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames
    in quick succession); on an error, SIGINT or SIGTERM the temporary directory is
    removed and ``target`` is untouched. After a SIGKILL, ``target`` still holds the
    complete old build (or, after the swap, the new one); a stale ``.NAME.tmp-*`` may
    remain beside it and is removed by the next run.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=parent))
    try:
        if keep_other_files and target.is_dir():
            shutil.rmtree(tmp)
            top = str(target)
            shutil.copytree(target, tmp, symlinks=True, copy_function=_link_or_copy,
                            ignore=lambda d, names: [n for n in names
                                                     if d == top and n in set(owned)])
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        with signals_as_interrupt():
            yield tmp
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove_stale(parent: Path, name: str) -> None:
    """Remove temporary builds left by a killed process (its pid is in the name)."""
    for stale in parent.glob(f".{name}.tmp-*"):
        pid = stale.name[len(name) + 6:].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap_in(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
        return
    if not _exchange(new, target):
        old = new.with_name(new.name.replace(".tmp-", ".old-"))
        os.rename(target, old)
        os.rename(new, target)
        new = old
    shutil.rmtree(new, ignore_errors=True)       # now the old build


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False if unavailable."""
    import ctypes
    import sys
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


@contextlib.contextmanager
def signals_as_interrupt():
    """SIGTERM raises KeyboardInterrupt inside the block (so the temporary build is removed)."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
