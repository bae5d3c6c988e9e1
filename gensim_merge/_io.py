"""Atomic file writing: write beside the destination, then rename over it."""

import contextlib
import glob
import os
import tempfile

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(fname):
    """Yield a temporary path beside `fname`; on success move it (and its side files) onto `fname`.

    gensim's native save writes large arrays to side files named ``<fname>.<attribute>.npy``; every file
    whose name starts with the temporary path is moved to the matching name starting with `fname`, side
    files first and the main file last, so a reader never sees a new main file with old arrays.
    If the block raises, every temporary file is removed and an existing `fname` is left untouched.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_output(path) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("hello")
    >>> open(path).read()
    'hello'
    """
    fname = os.fspath(fname)
    directory = os.path.dirname(os.path.abspath(fname))
    # the temporary name ends with the real name, so extension-driven behaviour (".gz" compression) is kept
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(fname), dir=directory)
    os.close(fd)
    try:
        yield tmp
        side_files = [p for p in glob.glob(glob.escape(tmp) + ".*") if p != tmp]
        for side in side_files:
            os.replace(side, fname + side[len(tmp):])
        os.replace(tmp, fname)
    finally:
        for leftover in glob.glob(glob.escape(tmp) + "*"):
            with contextlib.suppress(OSError):
                os.remove(leftover)
