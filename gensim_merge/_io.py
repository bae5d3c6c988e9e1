"""Atomic file writing: write beside the destination, then rename over it.

Temporary names start with :data:`TEMP_PREFIX`, then a tag of this machine, the writer's process id and a
random part, and end with the destination's own name (so that extension-driven behaviour, e.g. ``.gz``
compression, is kept): ``.gensim-merge-tmp-<host>-<pid>-<random>-<name>``. A save that is killed (where no
``finally`` runs) leaves such files behind; the next save into the same directory removes those of processes
of this machine that no longer run (:func:`remove_stale_temporaries`).
"""

import contextlib
import glob
import logging
import os
import re
import secrets
import socket
import stat
import threading
import zlib

__all__ = ["TEMP_PREFIX", "array_fingerprint", "atomic_output", "check_fingerprints", "fingerprints",
           "remove_stale_temporaries"]

logger = logging.getLogger(__name__)

#: Start of the name of every temporary file an atomic save writes.
TEMP_PREFIX = ".gensim-merge-tmp-"
_UMASK_LOCK = threading.Lock()
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"([0-9a-f]{8})-(\d+)-[0-9a-f]{8}-")
_FINGERPRINT_ROWS = 64


def _host_tag():
    return f"{zlib.crc32(socket.gethostname().encode('utf8', 'replace')):08x}"


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


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists (another user's), or cannot tell: keep its files
        return True
    return True


def remove_stale_temporaries(directory):
    """Remove the temporary files of killed saves in `directory`: those whose name says they were written on
    this machine by a process that no longer runs. Returns the paths removed.

    Files of running processes and of other machines (a shared directory) are left alone.
    """
    host = _host_tag()
    removed = []
    for path in glob.glob(os.path.join(glob.escape(directory), glob.escape(TEMP_PREFIX) + "*")):
        match = _TEMP_NAME.match(os.path.basename(path))
        if match is None or match.group(1) != host or _pid_alive(int(match.group(2))):
            continue
        with contextlib.suppress(OSError):
            os.remove(path)
            removed.append(path)
    if removed:
        logger.info("removed %i temporary file(s) left by an interrupted save in %s", len(removed), directory)
    return removed


@contextlib.contextmanager
def atomic_output(fname):
    """Yield a temporary path beside `fname`; on success move it (and its side files) onto `fname`.

    gensim's native save writes large arrays to side files named ``<fname>.<attribute>.npy``; every file
    whose name starts with the temporary path is moved to the matching name starting with `fname`, side
    files first and the main file last. The renames are atomic one by one, not as a pair: a process killed
    between them leaves new side files beside the old main file; the package's native files record a
    fingerprint of each array (see :func:`array_fingerprint`), so loading such a pair fails with a
    :class:`~gensim_merge.errors.ModelFileError` instead of mixing them. If the block raises, every
    temporary file is removed and an existing `fname` is left untouched; temporary files of a killed save are
    removed by the next save into the same directory (see the module docstring).

    A symbolic link at `fname` (or at a side file's name) is replaced by a regular file; the file it points
    to is never written through (it may be an input, or shared). A warning says so.

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
    remove_stale_temporaries(directory)
    tmp = os.path.join(directory, f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}-"
                                  f"{os.path.basename(fname)}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield tmp
        umask = _current_umask()
        side_files = [p for p in glob.glob(glob.escape(tmp) + ".*") if p != tmp]
        for source, destination in [*((s, fname + s[len(tmp):]) for s in side_files), (tmp, fname)]:
            if os.path.islink(destination):
                logger.warning("%s is a symbolic link (to %s); it is replaced by a regular file, and the file it "
                               "pointed to is left as it was", destination, os.readlink(destination))
            os.chmod(source, _final_mode(destination, umask))
            os.replace(source, destination)
    finally:
        for leftover in glob.glob(glob.escape(tmp) + "*"):
            with contextlib.suppress(OSError):
                os.remove(leftover)


def array_fingerprint(array):
    """A cheap fingerprint of an array: its shape, dtype and a CRC-32 of up to 64 evenly spaced rows.

    Reads those rows only (a memory-mapped array is not read whole). Two arrays of the same shape from
    different saves differ in it unless those rows are equal.
    """
    import numpy as np

    array = np.asarray(array)
    if array.ndim == 0 or array.dtype.hasobject:
        return None
    picked = np.unique(np.linspace(0, len(array) - 1, min(len(array), _FINGERPRINT_ROWS)).astype(np.int64)) \
        if len(array) else np.zeros(0, dtype=np.int64)
    return {"shape": list(array.shape), "dtype": array.dtype.str,
            "crc32": zlib.crc32(np.ascontiguousarray(array[picked]).tobytes())}


def fingerprints(state, exclude=()):
    """:func:`array_fingerprint` of every top-level array of an object's ``__dict__`` `state` (but `exclude`)."""
    import numpy as np

    found = {name: array_fingerprint(value) for name, value in state.items()
             if name not in exclude and isinstance(value, np.ndarray)}
    return {name: print_ for name, print_ in found.items() if print_ is not None}


def check_fingerprints(state, recorded, fname):
    """Raise ModelFileError when an array of a loaded object's ``__dict__`` `state` differs from the
    fingerprint the saving file `recorded` (``None``: nothing recorded, nothing checked): the main file and
    a side file come from different saves."""
    from gensim_merge.errors import ModelFileError

    for name, expected in (recorded or {}).items():
        value = state.get(name)
        if value is None or not hasattr(value, "shape"):
            continue
        found = array_fingerprint(value)
        if found != expected:
            what = (f"shape {tuple(found['shape'])}, the main file expects {tuple(expected['shape'])}"
                    if found and found["shape"] != expected["shape"] else "other content than the main file expects")
            raise ModelFileError(
                f"{fname} and its side file {fname}.{name}.npy do not belong together ({name}: {what}); a save was "
                "interrupted between renaming them, or the files were copied from different saves: save the model "
                "again")
