"""Atomic file writing: write beside the destination, then rename over it."""

import contextlib
import glob
import os
import stat
import tempfile
import threading

__all__ = ["atomic_output"]

_UMASK_LOCK = threading.Lock()


def _current_umask():
    """The process umask, read without changing it where the system allows.

    Linux (4.7 and later) reports it in ``/proc/self/status``. Elsewhere the only way is to set it and set it
    back (``os.umask`` is process-wide): another thread creating a file in that instant would get mode 0o666
    masked by 0o022 instead of the umask; a lock keeps our own callers from racing each other.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fin:
            for line in fin:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        umask = os.umask(0o022)
        os.umask(umask)
    return umask


def _final_mode(destination, umask):
    """The mode `destination` should end with: its own if it exists, else what ``open()`` would give."""
    try:
        return stat.S_IMODE(os.stat(destination).st_mode)
    except FileNotFoundError:
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(fname):
    """Yield a temporary path beside `fname`; on success move it (and its side files) onto `fname`.

    gensim's native save writes large arrays to side files named ``<fname>.<attribute>.npy``; every file
    whose name starts with the temporary path is moved to the matching name starting with `fname`, side
    files first and the main file last, so a reader never sees a new main file with old arrays.
    If the block raises, every temporary file is removed and an existing `fname` is left untouched.

    File modes are those of a plain ``open(fname, "w")``: a new file gets ``0o666`` less the process umask
    (not the ``0o600`` of the temporary file), and a file that is overwritten keeps its mode.

    Examples
    --------
    >>> import os, stat, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_output(path) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("hello")
    >>> open(path).read()
    'hello'
    >>> stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_current_umask()
    True
    """
    fname = os.fspath(fname)
    directory = os.path.dirname(os.path.abspath(fname))
    # the temporary name ends with the real name, so extension-driven behaviour (".gz" compression) is kept
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(fname), dir=directory)
    os.close(fd)
    try:
        yield tmp
        umask = _current_umask()
        side_files = [p for p in glob.glob(glob.escape(tmp) + ".*") if p != tmp]
        for side in side_files:
            destination = fname + side[len(tmp):]
            os.chmod(side, _final_mode(destination, umask))
            os.replace(side, destination)
        os.chmod(tmp, _final_mode(fname, umask))
        os.replace(tmp, fname)
    finally:
        for leftover in glob.glob(glob.escape(tmp) + "*"):
            with contextlib.suppress(OSError):
                os.remove(leftover)
