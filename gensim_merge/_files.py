"""Files at the level of bytes: format detection, safetensors, fastText files, atomic writes.

No model class is imported here: detection reads bytes (gzip, pickle and safetensors magic numbers, the
word2vec header, Facebook's fastText magic number, the class named inside a pickle without running it), the
safetensors reader/writer works on arrays and plain data, and :func:`atomic_output` gives every writer of the
package its write-then-rename. The model classes (:mod:`gensim_merge.keyedvectors`,
:mod:`gensim_merge.fasttext`) build models from what is read here; :mod:`gensim_merge.io` is the public door.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import gzip
import json
import logging
import math
import os
import pickletools
import re
import secrets
import socket
import stat
import struct
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from gensim import utils as gensim_utils
from gensim.models import keyedvectors as gensim_keyedvectors
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from gensim_merge._typing import PathType, VectorsFormat
from gensim_merge.errors import (
    DuplicateKeyError,
    IncompatibleModelError,
    ModelFileEncodingError,
    ModelFileError,
    ModelFileNotFoundError,
    OptionError,
    PickleNotAllowedError,
)

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "WORD2VEC_READ_ERRORS",
    "Sniffed",
    "check_fmt",
    "describe_file",
    "describe_format",
    "detect_format",
    "format_for_path",
    "is_fasttext_file",
    "refuse_pickle",
    "refuse_pickle_named_as_data",
    "sniff",
    "word2vec_read_error",
]

logger = logging.getLogger(__name__)


#: Start of the name of every temporary file an atomic save writes.
TEMP_PREFIX = ".gensim-merge-tmp-"
_UMASK_LOCK = threading.Lock()
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"([0-9a-f]{8})-(\d+)-[0-9a-f]{8}-")
_FINGERPRINT_ROWS = 64


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


#: First four bytes (native int32) of a fastText ``.bin`` file in the format of fastText >= 0.2 / gensim 3.8+.
FACEBOOK_MAGIC = 793712314
#: Bytes :func:`facebook_header` needs (the new header: magic, version, 12 int32 and a float64).
HEADER_BYTES = 64
# gensim reads each field with its own struct call, so there is no padding between them
_ARGS = struct.Struct("<12id")  # dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
#                                 lr_update_rate, t
_ENTRY_TAIL = 9  # '@qb': the count and the entry type after each word's terminating NUL
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst")
_MAX_DIM = 100_000


class FacebookHeader(NamedTuple):
    """The training arguments at the start of a fastText ``.bin`` file, and which header version holds them."""

    new_format: bool
    version: int
    dim: int
    ws: int
    epoch: int
    min_count: int
    neg: int
    word_ngrams: int
    loss: int
    model: int
    bucket: int
    minn: int
    maxn: int
    lr_update_rate: int
    t: float

    @property
    def size(self):
        """Bytes the header takes in the file."""
        return _ARGS.size + (8 if self.new_format else 0)


def facebook_header(head):
    """The :class:`FacebookHeader` at the start of the bytes `head`, or None when they cannot start one.

    New-format headers need the magic number, a version in 1..100 and plausible arguments; old-format ones
    (no magic number: the first int32 is the vector size) only plausible arguments: a vector size in
    1..100000, positive window, epochs and learning-rate update rate, a loss of 1..4 (hs, ns, softmax,
    one-vs-all), a model of 1..3 (cbow, skip-gram, supervised), 0 <= minn <= maxn <= 1000 and a finite
    sampling threshold in [0, 1]. Cheap: reads no file.
    """
    head = bytes(head[:HEADER_BYTES])
    if len(head) >= 8 and struct.unpack("<i", head[:4])[0] == FACEBOOK_MAGIC:
        version = struct.unpack("<i", head[4:8])[0]
        if len(head) < 8 + _ARGS.size or not 0 < version <= 100:
            return None
        header = FacebookHeader(True, version, *_ARGS.unpack(head[8:8 + _ARGS.size]))
    elif len(head) >= _ARGS.size:
        header = FacebookHeader(False, 0, *_ARGS.unpack(head[:_ARGS.size]))
    else:
        return None
    plausible = (0 < header.dim <= _MAX_DIM and 0 < header.ws <= 10_000 and 0 < header.epoch <= 1_000_000
                 and header.min_count >= 0 and header.neg >= 0 and 0 < header.word_ngrams <= 100
                 and 1 <= header.loss <= 4 and 1 <= header.model <= 3 and header.bucket >= 0
                 and 0 <= header.minn <= header.maxn <= 1000 and header.lr_update_rate > 0
                 and math.isfinite(header.t) and 0 <= header.t <= 1)
    return header if plausible else None


def starts_like_facebook(path):
    """Whether the first bytes of the file at `path` (of a gzip file: decompressed) make a fastText header;
    False when unreadable.

    Such a file is read by the ``.bin`` reader, which checks its whole layout, and never by an unpickler.
    """
    try:
        with open(os.fspath(path), "rb") as fin:
            head = fin.read(HEADER_BYTES)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(os.fspath(path), "rb") as fin:
                head = fin.read(HEADER_BYTES)
    except (OSError, EOFError, TypeError, ValueError, zlib.error):
        return False
    return facebook_header(head) is not None


def register_fasttext_loader(loader: Callable[..., Any]) -> None:
    """Make `loader` the one that loads fastText files (:mod:`gensim_merge.io` registers the fastText class's).

    The word2vec class meets fastText files in its ``load`` and hands them over through
    :func:`load_fasttext_file`, without importing the fastText class (the two classes are siblings).
    """
    _FASTTEXT_LOADERS[:] = [loader]


def load_fasttext_file(path: PathType, *, allow_pickle: bool = False, mmap: str | None = None) -> Any:
    """Load a fastText file with the registered loader (see :func:`register_fasttext_loader`)."""
    if not _FASTTEXT_LOADERS:
        raise ModelFileError(f"{path} holds fastText vectors and no fastText loader is registered; load it with "
                             "gensim_merge.load_vectors")
    return _FASTTEXT_LOADERS[0](path, allow_pickle=allow_pickle, mmap=mmap)


_FASTTEXT_LOADERS: list[Callable[..., Any]] = []


def is_facebook_file(path):
    """True when `path` is a complete Facebook fastText ``.bin`` file (its whole layout checks out).

    False for anything else, a truncated or compressed fastText file included (:func:`check_facebook_file`
    says what is wrong with those).
    """
    try:
        check_facebook_file(path)
    except ModelFileError:
        return False
    return True


class _Reader:
    def __init__(self, fin, path, size):
        self.fin, self.path, self.size = fin, path, size

    def read(self, fmt, where):
        raw = self.fin.read(struct.calcsize(fmt))
        if len(raw) < struct.calcsize(fmt):
            raise _truncated(self.path, where, self.fin.tell() + struct.calcsize(fmt) - len(raw), self.size)
        return struct.unpack(fmt, raw)


def check_facebook_file(path):
    """Raise :class:`ModelFileError` unless `path` holds a complete Facebook fastText ``.bin`` file.

    Reads the header and the vocabulary (one pass over the words, a small part of what gensim's reader does
    with them); both matrices are measured against the file's size, and the file must end where the second
    one ends. A file recognised once is not walked again while its size and modification time stay the same.
    """
    path = os.fspath(path)
    try:
        stat = os.stat(path)
    except FileNotFoundError as err:
        from gensim_merge.errors import ModelFileNotFoundError

        raise ModelFileNotFoundError(f"no such fastText file: {path}", filename=path) from err
    except OSError as err:
        raise ModelFileError(f"cannot open fastText file {path}: {err}") from err
    _check_layout(path, stat.st_size, stat.st_mtime_ns, stat.st_ino)


def pickled_class(path):
    """``(module, name)`` of the object at the top of a gensim native (pickle) file, read without unpickling.

    Returns None when the file is not a pickle (or not readable). ``.gz``/``.bz2`` names are decompressed.
    """
    try:
        with gensim_utils.open(os.fspath(path), "rb") as fin:
            strings = []
            for opcode, arg, _ in pickletools.genops(fin):
                if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                    strings.append(arg)
                elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                    return strings[-2], strings[-1]
                elif opcode.name == "GLOBAL":
                    module, name = arg.split(" ", 1)
                    return module, name
    except Exception:  # noqa: BLE001 - any unreadable file is "not a pickle" here
        return None
    return None


#: Value of the ``format`` metadata entry of our safetensors files.
FORMAT_NAME = "gensim-merge-vectors"
FORMAT_VERSION = "1"
_MAX_HEADER = 100 << 20  # the package's own limit on the JSON header
_OWN_TENSORS = ("vectors", "keys.utf8", "keys.offsets")
#: Tensors memory-mapped with ``mmap`` (read through one map otherwise): the large float matrices.
_MAPPED = ("vectors", "fasttext.vectors_vocab", "fasttext.vectors_ngrams")
#: safetensors dtypes numpy can hold, and their numpy dtype (the format is little-endian).
_NUMPY_DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4",
                 "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8"}


class VectorsFile(NamedTuple):
    """The content of a vectors file: keys, ``(n, d)`` vectors, per-key attributes, metadata, events."""

    keys: list
    vectors: np.ndarray
    attributes: dict
    metadata: dict
    events: list


def looks_like_safetensors(raw, size):
    """Whether the first bytes `raw` of a `size`-byte file start a safetensors header.

    A header length beyond the end of the file still counts (the reader then says the file is truncated);
    one beyond the format's limit does not (8 such bytes then a ``{`` start no text or pickle file either).
    """
    if len(raw) < 10 or raw[8:9] != b"{":
        return False
    (n_header,) = struct.unpack("<Q", raw[:8])
    return 2 <= n_header <= _MAX_HEADER


def is_safetensors_file(path):
    """Whether the file at `path` starts like a safetensors file (False when it cannot be read)."""
    try:
        with open(path, "rb") as fin:
            return looks_like_safetensors(fin.read(16), os.path.getsize(path))
    except (OSError, TypeError, ValueError):
        return False


def write_vectors_file(path, *, keys, vectors, attributes, metadata, events):
    """Write a vectors file atomically; arrays inside the dict entries of `metadata` become tensors."""
    if not all(isinstance(k, str) for k in keys):
        bad = next(k for k in keys if not isinstance(k, str))
        raise IncompatibleModelError(f"safetensors files hold str keys; this model has a {type(bad).__name__} "
                                     f"key {bad!r}; convert keys to str first")
    if vectors.shape[0] != len(keys):
        raise ModelFileError(f"cannot save: {vectors.shape[0]} vector rows for {len(keys)} keys")
    encoded = [k.encode("utf8", "surrogatepass") for k in keys]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    tensors = {"vectors": np.ascontiguousarray(vectors), "keys.offsets": offsets,
               "keys.utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8)}
    del encoded
    for name, values in attributes.items():
        values = np.asarray(values)
        if values.shape != (len(keys),):
            raise ModelFileError(f"cannot save attribute {name!r}: shape {values.shape}, expected ({len(keys)},)")
        if values.dtype.kind not in "biuf":
            raise ModelFileError(f"attribute {name!r} has dtype {values.dtype}, which safetensors cannot hold; "
                                 "convert it to a numeric dtype (e.g. int64) or drop it before saving")
        tensors[f"attr.{name}"] = np.ascontiguousarray(values)
    plain = {}
    for entry, value in metadata.items():
        if isinstance(value, dict):
            arrays = {k: v for k, v in value.items() if isinstance(v, np.ndarray)}
            tensors.update((f"{entry}.{k}", np.ascontiguousarray(v)) for k, v in arrays.items())
            value = {k: v for k, v in value.items() if k not in arrays}
        plain[entry] = value
    plain.update(attributes=list(attributes), lifecycle_events=list(events or []))
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
              "gensim_merge": json.dumps(plain, default=str, allow_nan=True)}
    with atomic_output(path) as tmp:
        save_file(tensors, tmp, metadata=header)


def apply_metadata(model, content, path):
    """Give `model` the metadata and lifecycle events of the :class:`VectorsFile` `content` read from `path`;
    metadata that cannot be restored (incomplete or of the wrong types) is a ModelFileError naming the file."""
    try:
        model._metadata_from_dict(content.metadata)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise _damaged(path, f"its metadata cannot be restored ({type(err).__name__}: {str(err)[:200]})") from err
    if content.events:
        model.lifecycle_events = list(content.events)


def damaged_file_error(path, problem):
    """The error for a safetensors file `path` whose content breaks the layout: `problem`, in words."""
    return _damaged(path, problem)


def holds_fasttext(path):
    """Whether the vectors file at `path` holds a fastText model (n-gram buckets), from its checked header only
    (no tensor is read)."""
    path = os.fspath(path)
    return "fasttext" in _metadata(path, _read_header(path)[1])


def read_vectors_file(path, *, mmap=None):
    """Read a vectors file (``mmap``: ``None`` reads, ``"r"``/``"r+"``/``"c"`` memory-maps the vectors, and the
    n-gram arrays of a fastText file).

    Every field is checked before anything is read: a truncated file, a header that is not JSON, tensors of
    a dtype numpy cannot hold (BF16, F8...), vectors that are not floats, keys that do not match the rows,
    incomplete metadata all raise :class:`~gensim_merge.errors.ModelFileError` naming the file.
    """
    path = os.fspath(path)
    specs, header = _read_header(path)
    meta = _metadata(path, header)
    _check_own_tensors(path, specs)
    try:
        with safe_open(path, framework="np") as st:
            arrays = {n: st.get_tensor(n) for n in specs if n not in _MAPPED}
    except SafetensorError as err:
        raise _damaged(path, str(err)) from err
    arrays.update((n, _big_array(path, specs[n], mmap)) for n in _MAPPED if n in specs)
    vectors = arrays.pop("vectors")
    keys = _decode_keys(arrays.pop("keys.utf8").tobytes(), arrays.pop("keys.offsets"), path)
    if len(set(keys)) != len(keys):
        raise DuplicateKeyError(f"{path!r} lists {len(keys) - len(set(keys))} key(s) more than once; "
                                "the file was not written by save_vectors or was edited")
    attributes = {}
    for name in meta.pop("attributes", []):
        values = arrays.pop(f"attr.{name}", None)
        if values is None or values.shape != (len(keys),):
            raise ModelFileError(f"{path!r}: attribute {name!r} is missing or not one value per key")
        attributes[name] = values
    for name, values in arrays.items():  # the arrays of metadata entries, e.g. alignment.matrix
        entry, _, part = name.partition(".")
        if isinstance(meta.get(entry), dict):
            meta[entry][part] = values
    events = meta.pop("lifecycle_events", None) or []
    meta.pop("vector_size", None)
    return VectorsFile(keys, vectors, attributes, meta, events)


#: Format names, as returned by ``load_vectors(..., return_format=True)`` and accepted as ``fmt``.
FORMATS = ("native", "word2vec-text", "word2vec-binary", "safetensors", "fasttext-binary")
#: Output format chosen from a file extension (a trailing ``.gz`` is looked through).
EXTENSIONS: dict[str, VectorsFormat] = {
    ".kv": "native", ".model": "native", ".wv": "native",
    ".txt": "word2vec-text", ".vec": "word2vec-text",
    ".bin": "word2vec-binary",
    ".safetensors": "safetensors",
}
#: What gensim raises on a damaged word2vec file.
WORD2VEC_READ_ERRORS = (ValueError, EOFError, OSError, struct.error, zlib.error)

_SNIFF_BYTES = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_DESCRIPTIONS = {
    "native": "gensim native (a pickle: loading it runs code stored in the file; load only files you trust, "
              "and prefer .safetensors for exchange)",
    "word2vec-text": "word2vec text",
    "word2vec-binary": "word2vec binary",
    "safetensors": "safetensors (pickle-free)",
    "fasttext-binary": "fastText binary (Facebook's .bin, n-gram buckets included; no pickle)",
}


class Sniffed(NamedTuple):
    """What the first bytes of a file say: its format, whether it is gzipped, whether a text file lacks
    the ``n_words vector_size`` header line (GloVe style)."""

    fmt: VectorsFormat
    compressed: bool
    no_header: bool


def check_fmt(fmt: str) -> str:
    """`fmt` if it names a format, else a ModelFileError (a ValueError) listing them."""
    if fmt not in FORMATS:
        raise ModelFileError(f"fmt must be one of {list(FORMATS)} or None (detect), got {fmt!r}")
    return fmt


def format_for_path(path: PathType) -> tuple[VectorsFormat, bool]:
    """The format :func:`~gensim_merge.io.save_vectors` writes for `path`, from its extension.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    (str, bool)
        The format name and whether the file is gzip-compressed (a trailing ``.gz``).

    Raises
    ------
    ModelFileError
        An extension that names no format (a ValueError).

    Examples
    --------
    >>> format_for_path("vectors.vec.gz")
    ('word2vec-text', True)
    """
    name = os.fspath(path).lower()
    compressed = name.endswith(".gz")
    stem = name[:-3] if compressed else name
    ext = os.path.splitext(stem)[1]
    if ext not in EXTENSIONS:
        raise ModelFileError(
            f"cannot tell the output format of {os.fspath(path)!r} from its extension {ext or '(none)'!r}; "
            f"end the name with one of {sorted(EXTENSIONS)} (optionally followed by .gz)"
        )
    return EXTENSIONS[ext], compressed


def sniff(path: PathType) -> Sniffed:
    """The :class:`Sniffed` format of `path`, from its bytes (never from its name). Nothing is unpickled.

    A file that starts like a Facebook fastText binary (either header version) is recognised only when its
    whole layout checks out; otherwise it is refused here, before any loader sees it.

    Raises
    ------
    ModelFileNotFoundError
        A missing file (also a ``FileNotFoundError``).
    ModelFileError
        Empty, undecompressable or unrecognised files; a fastText binary that is truncated, compressed or
        otherwise not what its header promises; a word2vec text file whose header's vector size differs from
        its records'.
    """
    path = os.fspath(path)
    raw, head, compressed = _read_head(path)
    # safetensors first: its 8-byte header length can start with the pickle magic bytes (e.g. 896 = 80 03 ..)
    if not compressed and looks_like_safetensors(raw, os.path.getsize(path)):
        return Sniffed("safetensors", False, False)
    # fastText before pickles: an old-format header can start 80 02 (vector size 640), never a valid pickle
    if facebook_header(head) is not None:
        check_facebook_file(path)  # the whole layout, or an error saying what is wrong (truncated ...)
        return Sniffed("fasttext-binary", False, False)
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return Sniffed("native", compressed, False)
    kind = _word2vec_kind(head)
    if kind is not None and kind[2] is not None:
        first = head.split(b"\n", 2)
        raise ModelFileError(
            f"{path!r} is a word2vec text file whose header line {first[0].strip().decode('ascii', 'replace')!r} "
            f"says vector size {int(first[0].split()[1])}, but its first record has {kind[2]} values "
            f"({first[1][:60].decode('utf8', 'replace')!r}...); the header is wrong (fix its second number) "
            "or the file is damaged")
    if kind is not None:
        return Sniffed(kind[0], compressed, kind[1])
    raise ModelFileError(
        f"cannot tell the format of {path!r}: it is neither a gensim native file (pickle), a safetensors file, "
        "a word2vec text/binary file (header line 'n_words vector_size'), nor a fastText .bin file; "
        f"first bytes: {raw[:24]!r}"
    )


def detect_format(path: PathType) -> VectorsFormat:
    """The format name of the vector file at `path`, from its bytes (not its name). Nothing is unpickled.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    ModelFileError
        The file is missing, empty, in no known format, or a damaged fastText binary (see :func:`sniff`).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "misnamed.kv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 2\\ncat 0.5 -1.0\\n")
    >>> detect_format(path)
    'word2vec-text'
    """
    return sniff(path).fmt


def describe_format(fmt: str, *, compressed: bool = False) -> str:
    """A one-line human description of a format name (security note included for native files).

    Examples
    --------
    >>> describe_format("word2vec-binary", compressed=True)
    'word2vec binary (gzip)'
    """
    description = _DESCRIPTIONS[check_fmt(fmt)]
    return f"{description} (gzip)" if compressed else description


def describe_file(path: PathType) -> str:
    """:func:`describe_format` of what :func:`sniff` finds in `path`."""
    found = sniff(path)
    return describe_format(found.fmt, compressed=found.compressed)


def refuse_pickle_named_as_data(path: PathType) -> None:
    """Raise :class:`PickleNotAllowedError` when `path` is named as a data-only format but holds a pickle.

    Called after detection found gensim's native format: a file named ``.safetensors``, ``.txt``, ``.vec`` or
    ``.bin`` (``.gz`` looked through) promises data only, so a pickle under such a name is never unpickled,
    whoever asks (``load`` of either class, or ``load_vectors(..., allow_pickle=True)``); renaming it to
    ``.kv`` says the pickle is meant.
    """
    name = os.fspath(path)
    base = name[:-3] if name.lower().endswith(".gz") else name
    fmt = EXTENSIONS.get(os.path.splitext(base)[1].lower())
    if fmt is not None and fmt != "native":
        raise PickleNotAllowedError(
            f"{name!r} is named as a {describe_format(fmt)} file but holds a Python pickle (gensim's native "
            "format), which runs code stored in the file when loaded: a file whose name promises data only is "
            "never unpickled. If you trust its source, rename it to .kv and load that")


def refuse_pickle(path: PathType, *, switch: str = "allow_pickle=True") -> PickleNotAllowedError:
    """The error for a native (pickle) file that the caller did not allow: why, and the switch to allow it.

    The message names the Python switch (`switch`, e.g. ``allow_pickle=True``), which the command line
    rewrites as its flag (``--allow-pickle``), and a pickle-free copy made with ``convert`` (whose own
    ``--allow-pickle`` is spelled out, as it is a command in either case).
    """
    return PickleNotAllowedError(
        f"{os.fspath(path)!r} is in gensim's native format, a Python pickle: loading it runs code stored in the "
        f"file, so it is refused by default. If you trust its source, pass {switch}; or make a pickle-free "
        "copy where the file is trusted: gensim-merge convert --allow-pickle IN OUT.safetensors"
    )


def word2vec_read_error(err: Exception, fname: PathType, *, binary: bool,
                        encoding: str) -> ModelFileError:
    """The error to raise for `err`, raised by gensim while reading the word2vec file `fname`.

    A :class:`UnicodeDecodeError` (a word not in `encoding`) becomes a :class:`ModelFileEncodingError`, still
    a UnicodeDecodeError, that names the file and the way out; anything else a :class:`ModelFileError`.
    """
    kind = "binary" if binary else "text"
    if isinstance(err, UnicodeDecodeError):
        word = bytes(err.object).split(b" ")[0][:40] if isinstance(err.object, (bytes, bytearray)) else b""
        return ModelFileEncodingError(
            f"cannot read {fname} as a word2vec {kind} file: a word is not valid {encoding} ({err.reason}: byte "
            f"{bytes(err.object[err.start:err.end])!r} in {word!r}); the file uses another encoding. Pass its "
            "encoding (encoding='latin-1'; command line: --encoding latin-1), or replace or drop the bad bytes "
            "(unicode_errors='replace' or 'ignore'; command line: --unicode-errors replace)",
            err.encoding, err.object, err.start, err.end, err.reason)
    detail = str(err).splitlines()[0] if str(err) else type(err).__name__
    return ModelFileError(
        f"cannot read {fname} as a word2vec {kind} file ({type(err).__name__}: {detail}); expected a header line "
        "'n_words vector_size' then one word and its vector per record — is the file truncated, its header's "
        "word count wrong, or binary= wrong?")


#: The formats that hold keys and vectors only.
WORD2VEC_FORMATS = ("word2vec-text", "word2vec-binary")


def save_format(fname: PathType) -> tuple[VectorsFormat, bool]:
    """The format ``save(fname)`` writes, for both model classes, and whether it is gzip-compressed.

    The extension decides, as for :func:`gensim_merge.io.save_vectors` (``.txt``/``.vec`` word2vec text,
    ``.bin`` word2vec binary, ``.safetensors`` pickle-free, ``.kv``/``.model``/``.wv`` gensim's native format,
    a trailing ``.gz`` compressing); a name with no or another extension gets gensim's native format, as
    gensim's own ``save`` writes it.

    Examples
    --------
    >>> save_format("m.txt"), save_format("m.bin.gz"), save_format("model.tst")
    (('word2vec-text', False), ('word2vec-binary', True), ('native', False))
    """
    name = os.fsdecode(fname)
    try:
        return format_for_path(name)
    except ModelFileError:
        return "native", name.lower().endswith(".gz")


def check_rows(obj, fname, arrays=(("vectors", None),)):
    """Raise ModelFileError unless each array of `arrays` (name, rows expected or None for one per key)
    of a loaded model has that many rows: a main file and side files of different saves do not match."""
    n_keys = len(getattr(obj, "index_to_key", None) or [])
    for name, expected in arrays:
        value = getattr(obj, name, None)
        expected = n_keys if expected is None else expected
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] != expected:
            raise ModelFileError(
                f"{fname} lists {n_keys} keys but its {name} hold {value.shape[0]} rows (expected {expected}): the "
                f"main file and its side file {fname}.{name}.npy do not belong together (a save interrupted "
                "between them, or files copied from different saves); save the model again")


def refuse_native_options(fname, fmt, compressed, args, kwargs):
    """gensim's save options (``separately``...) for a format they do not apply to; a compressed
    safetensors name."""
    if args or kwargs:
        given = [*map(repr, args), *kwargs]
        raise OptionError(f"{os.fsdecode(fname)!r} is saved as {fmt} (from its extension); the options {given} apply "
                          "to gensim's native format only: drop them, or save to a .kv name",
                          option=", ".join(given), value=fmt, allowed="no options")
    if fmt == "safetensors" and compressed:
        raise ModelFileError(f"{os.fsdecode(fname)!r}: safetensors files are not compressed (they are "
                             "memory-mapped); drop the .gz")


#: Seconds between two progress records while a word2vec file loads.
PROGRESS_SECONDS = 5.0
#: deflate's largest compression ratio: a gzip file of n bytes decompresses to at most about 1032 n bytes.
_GZIP_MAX_RATIO = 1032
_CHUNK = 100 * 1024  # gensim's binary_chunk_size
_HEAD = 1 << 16
_MAX_WORD2VEC_HEADER = 4096  # bytes read for the header line at most (a file without newlines is not read whole)
_NOT_IN_WORDS = (b"\0", b"\t", b"\r", b"\n")  # the C tool splits words on whitespace; NUL ends its strings
_READERS = ("_word2vec_line_to_vector", "_add_word_to_kv", "_add_bytes_to_kv")  # gensim 4's record parsers


def max_records(body_bytes, vector_size, *, binary):
    """The most records of `vector_size` values that `body_bytes` bytes (after the header line) can hold."""
    if binary:
        return body_bytes // (4 * vector_size + 2)
    return (body_bytes + 1) // (2 * vector_size + 2)  # the last line may lack its newline


def read_word2vec(cls, fname, *, fvocab, binary, encoding, unicode_errors, limit, datatype, gensim_loader):
    """`cls` vectors read from the word2vec file `fname`, checked as the module docstring says.

    `gensim_loader` (no arguments) is gensim's own ``load_word2vec_format`` call, used for headerless files
    (gensim counts their lines first) and where this gensim lacks the record parsers used here.
    """
    fname = os.fspath(fname)
    if not os.path.exists(fname):
        return gensim_loader()  # gensim's FileNotFoundError, turned into ours by the caller
    size = os.path.getsize(fname)
    capacity = size * _GZIP_MAX_RATIO if _is_gzip(fname) else size
    with gensim_utils.open(fname, "rb") as fin:
        header = fin.readline(_MAX_WORD2VEC_HEADER)
        n_words, vector_size = _parse_header(fname, header, encoding)
        wanted = n_words if not limit else min(n_words, int(limit))
        most = max_records(max(capacity - len(header), 0), vector_size, binary=binary)
        if wanted > most:
            raise ModelFileError(
                f"{fname}: its header claims {n_words} words of vector size {vector_size}, but the file "
                f"({size} bytes{', gzip' if capacity != size else ''}) can hold at most {most}; the header is "
                "wrong or the file is truncated (fix the header line 'n_words vector_size', or fetch the file "
                "again)")
        if not all(hasattr(gensim_keyedvectors, name) for name in _READERS):
            return gensim_loader()
        if binary:
            _check_binary_records(fname, _head_after_header(fname), vector_size, wanted)
        counts = _read_counts(fvocab, unicode_errors) if fvocab is not None else None
        logger.info("loading %s words of vector size %s from %s", wanted, vector_size, fname)
        kv = cls(vector_size, wanted, dtype=datatype)
        progress = _Progress(fname, kv, wanted)
        if binary:
            rest = _read_binary(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding,
                                progress)
        else:
            _read_text(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding, progress)
            rest = b""
        if not limit:  # with a limit, the records after it are left on purpose
            rest += fin.read(_HEAD)
            if rest.strip():
                raise ModelFileError(
                    f"{fname}: its header claims {n_words} words, but the file holds more records after the "
                    f"{n_words}th (next bytes: {rest.strip()[:40]!r}); gensim would drop them silently. Fix the "
                    "header's word count (the first number), or pass limit to read the first records on "
                    "purpose")
    if kv.vectors.shape[0] != len(kv):  # duplicates: gensim's own shrink (the caller drops their key slots)
        kv.vectors = kv.vectors[: len(kv)].copy()
    kv.add_lifecycle_event("load_word2vec_format", msg=f"loaded {kv.vectors.shape} matrix of type "
                           f"{kv.vectors.dtype} from {fname}", binary=binary, encoding=encoding)
    return kv


class _Progress:
    """Logs at INFO, every PROGRESS_SECONDS, how many records of a word2vec file have been read."""

    def __init__(self, fname, kv, total):
        self.fname, self.kv, self.total = fname, kv, total
        self.start = self.last = time.monotonic()

    def tick(self, done):
        now = time.monotonic()
        if now - self.last >= PROGRESS_SECONDS:
            self.last = now
            logger.info("loading %s: %d of %d words (%.0f%%), %.0f s", self.fname, done, self.total,
                        100.0 * done / max(self.total, 1), now - self.start)


_FASTTEXT_CLASSES = {("gensim.models.fasttext", "FastTextKeyedVectors"), ("gensim.models.fasttext", "FastText"),
                     ("gensim_merge.fasttext", "MergeableFastTextKeyedVectors")}


def is_fasttext_file(path: PathType) -> bool:
    """True when `path` holds fastText vectors: a complete Facebook ``.bin`` file (its whole layout checked, in
    either header version), or a gensim file of fastText vectors or of a FastText model (recognised from the
    pickle's opcodes, without running it).

    Examples
    --------
    >>> from gensim.test.utils import datapath
    >>> is_fasttext_file(datapath("lee_fasttext.bin")), is_fasttext_file(datapath("lee_fasttext.vec"))
    (True, False)
    """
    if not os.path.isfile(os.fspath(path)):
        return False
    return is_facebook_file(path) or pickled_class(path) in _FASTTEXT_CLASSES


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


def _truncated(path, where, needed, size):
    return ModelFileError(
        f"{path} is not a complete fastText .bin file: it ends inside the {where} ({size} bytes, the header "
        f"promises at least {needed}); the file is truncated (an interrupted download or copy?): fetch it again")


@functools.lru_cache(maxsize=16)
def _check_layout(path, size, _mtime_ns, _inode):
    """:func:`check_facebook_file`'s walk (cached per file version: only successes are kept)."""
    try:
        fin = open(path, "rb")  # noqa: SIM115 - closed by the with block below
    except OSError as err:
        raise ModelFileError(f"cannot open fastText file {path}: {err}") from err
    with fin:
        head = fin.read(HEADER_BYTES)
        if path.endswith(_COMPRESSED) or head[:2] == b"\x1f\x8b":
            raise ModelFileError(f"{path} is compressed; fastText .bin files are read uncompressed (their layout "
                                 "is checked against the file's size first): decompress it (e.g. gunzip) and "
                                 "load the result")
        header = facebook_header(head)
        if header is None:
            raise ModelFileError(f"{path} is not a fastText .bin file: its first {HEADER_BYTES} bytes are no "
                                 f"fastText header (first bytes: {head[:16]!r})")
        fin.seek(header.size)
        reader = _Reader(fin, path, size)
        vocab_size, _, nlabels = reader.read("<3i", "header")
        reader.read("<q", "header")
        prune = reader.read("<q", "header")[0] if header.new_format else 0
        if min(vocab_size, nlabels) < 0 or prune < -1:  # fastText writes -1 for "not pruned"
            raise ModelFileError(f"{path} is not a fastText .bin file, or its header is corrupt (vector size "
                                 f"{header.dim}, {vocab_size} words, {nlabels} labels, {prune} pruned "
                                 "entries); fetch the file again")
        offset = _skip_words(fin, vocab_size, path, size) + 8 * max(prune, 0)
        for part in ("input matrix", "output matrix"):
            fin.seek(offset)
            if header.new_format:
                reader.read("<?", part)
            rows, cols = reader.read("<2q", part)
            if rows < 0 or cols != header.dim:
                raise ModelFileError(f"{path} starts like a fastText .bin file, but its {part} is declared "
                                     f"{rows}x{cols} for vector size {header.dim}: the file is corrupt, or no "
                                     "fastText file; it is not read (nor unpickled). Fetch it again")
            offset = fin.tell() + 4 * rows * cols
            if offset > size:
                raise _truncated(path, part, offset, size)
        if offset != size:
            raise ModelFileError(f"{path} holds {size - offset} bytes past the end of a fastText model: it is not "
                                 "a fastText .bin file as fastText writes them (was something appended?)")


def _skip_words(fin, n_words, path, size, block=1 << 20):
    """Offset just past `n_words` vocabulary entries (NUL-terminated word + 9 bytes) from the current position."""
    base = fin.tell()  # file offset of buf[0]
    buf, pos = b"", 0
    for done in range(n_words):
        while True:
            end = buf.find(b"\0", pos)
            if end >= 0 and end + 1 + _ENTRY_TAIL <= len(buf):
                break
            more = fin.read(block)
            if not more:
                raise _truncated(path, f"vocabulary (word {done + 1} of {n_words})", base + len(buf) + 1, size)
            base, buf, pos = base + pos, buf[pos:] + more, 0
        pos = end + 1 + _ENTRY_TAIL
    return base + pos


def _damaged(path, problem):
    return ModelFileError(f"{path!r} is not a readable gensim-merge safetensors file: {problem}; the file is "
                          "damaged or was not written by gensim_merge.io.save_vectors: write it again")


def _truncated_safetensors(path, needed, size):
    return ModelFileError(f"{path!r} is a truncated safetensors file: its header describes {needed} bytes but the "
                          f"file holds {size}; was the save interrupted or the copy cut short? Write or fetch it "
                          "again")


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_header(path):
    """The tensors' specs (name -> (numpy dtype, shape, absolute byte offset)) and the ``__metadata__`` of the
    safetensors file `path`, every field checked against the format and the file's size."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fin:
            raw = fin.read(8)
            if len(raw) < 8:
                raise _truncated_safetensors(path, 8, size)
            (n_header,) = struct.unpack("<Q", raw)
            if n_header > _MAX_HEADER:
                raise _damaged(path, f"its header length ({n_header} bytes) exceeds the format's limit")
            if 8 + n_header > size:
                raise _truncated_safetensors(path, 8 + n_header, size)
            text = fin.read(n_header)
    except FileNotFoundError as err:
        raise ModelFileNotFoundError(f"no such file: {path!r}", filename=path) from err
    except OSError as err:
        raise ModelFileError(f"cannot read {path!r}: {err}") from err
    try:
        header = json.loads(text.decode("utf8"))
    except ValueError as err:  # UnicodeDecodeError included
        raise _damaged(path, f"its header is not valid JSON ({err})") from err
    if not isinstance(header, dict):
        raise _damaged(path, f"its header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _damaged(path, "its __metadata__ is not a mapping of strings")
    data_size, specs = size - 8 - n_header, {}
    for name, spec in header.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("dtype"), str) \
                or not isinstance(spec.get("shape"), list) or not all(map(_is_count, spec["shape"])) \
                or not isinstance(spec.get("data_offsets"), list) or len(spec["data_offsets"]) != 2 \
                or not all(map(_is_count, spec["data_offsets"])):
            raise _damaged(path, f"tensor {name!r} has no valid dtype, shape and data_offsets ({spec!r:.200})")
        if spec["dtype"] not in _NUMPY_DTYPES:
            raise _damaged(path, f"tensor {name!r} has dtype {spec['dtype']}, which numpy cannot hold (gensim-merge "
                                 f"reads {sorted(_NUMPY_DTYPES)}; vectors must be F16, F32 or F64)")
        dtype, (begin, end) = np.dtype(_NUMPY_DTYPES[spec["dtype"]]), spec["data_offsets"]
        n_bytes = dtype.itemsize * int(np.prod(spec["shape"], dtype=object))
        if end - begin != n_bytes:
            raise _damaged(path, f"tensor {name!r} of shape {spec['shape']} and dtype {spec['dtype']} needs "
                                 f"{n_bytes} bytes but its data_offsets span {end - begin}")
        if end > data_size:
            raise _truncated_safetensors(path, 8 + n_header + end, size)
        specs[name] = (dtype, tuple(spec["shape"]), 8 + n_header + begin)
    return specs, metadata


def _metadata(path, header):
    if header.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{path!r} is a safetensors file but not one of gensim-merge's word-vector files (metadata format="
            f"{header.get('format')!r}, expected {FORMAT_NAME!r}); write one with "
            "gensim_merge.io.save_vectors(kv, 'out.safetensors')")
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path!r} has format_version {header.get('format_version')!r}; this "
                             f"gensim-merge reads version {FORMAT_VERSION}: upgrade gensim-merge")
    try:
        meta = json.loads(header.get("gensim_merge", "{}"))
    except ValueError as err:
        raise _damaged(path, f"its gensim_merge metadata is not valid JSON ({err})") from err
    if not isinstance(meta, dict):
        raise _damaged(path, f"its gensim_merge metadata is a JSON {type(meta).__name__}, not an object")
    attributes, events = meta.get("attributes", []), meta.get("lifecycle_events", [])
    if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
        raise _damaged(path, "its metadata's attribute names are not a list of strings")
    if events is not None and not isinstance(events, list):
        raise _damaged(path, "its metadata's lifecycle_events are not a list")
    return meta


def _check_own_tensors(path, specs):
    """The vectors are a float matrix and the keys a byte blob with one offset per row (plus one)."""
    missing = [n for n in _OWN_TENSORS if n not in specs]
    if missing:
        raise ModelFileError(f"{path!r} has no tensor(s) {missing}; expected a file written by "
                             "gensim_merge.io.save_vectors")
    (vec_dtype, vec_shape, _), (blob_dtype, blob_shape, _), (off_dtype, off_shape, _) = (
        specs[n] for n in ("vectors", "keys.utf8", "keys.offsets"))
    if vec_dtype.kind != "f":
        raise ModelFileError(f"{path!r}: its vectors are {vec_dtype.name}, not floats; gensim-merge reads float16, "
                             "float32 or float64 vectors (convert them, e.g. vectors.astype('float32'))")
    if len(vec_shape) != 2:
        raise ModelFileError(f"{path!r}: vectors must be 2-D, got shape {vec_shape}")
    if blob_dtype != np.uint8 or len(blob_shape) != 1 or off_dtype.kind not in "iu" or len(off_shape) != 1:
        raise _damaged(path, f"keys.utf8 must be 1-D uint8 and keys.offsets 1-D integers, got {blob_dtype} "
                             f"{blob_shape} and {off_dtype} {off_shape}")
    if off_shape[0] != vec_shape[0] + 1:
        raise _damaged(path, f"{off_shape[0] - 1 if off_shape[0] else 0} keys (keys.offsets holds {off_shape[0]} "
                             f"entries) for {vec_shape[0]} vectors")


def _mapped(path, spec, mode):
    """A :class:`numpy.memmap` of the tensor of `spec` (an empty array for an empty tensor)."""
    dtype, shape, offset = spec
    if 0 in shape:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape)


def _big_array(path, spec, mmap):
    """A large float tensor: memory-mapped, or (``mmap=None``) copied once from the map, which is several
    times faster on large models than the package's ``get_tensor`` (that copies twice)."""
    mapped = _mapped(path, spec, mmap or "r")
    return mapped if mmap is not None else np.array(mapped, dtype=mapped.dtype.newbyteorder("="))


def _decode_keys(blob, offsets, path):
    offsets = np.asarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or offsets.size == 0 or offsets[0] != 0 or offsets[-1] != len(blob) \
            or np.any(np.diff(offsets) < 0):
        raise ModelFileError(f"{path!r}: keys.offsets does not describe keys.utf8 ({len(blob)} bytes); the file "
                             "is damaged")
    starts, ends = offsets[:-1].tolist(), offsets[1:].tolist()
    try:
        return [blob[a:b].decode("utf8", "surrogatepass") for a, b in zip(starts, ends)]
    except UnicodeDecodeError as err:
        raise ModelFileError(f"{path!r}: a key is not valid UTF-8 ({err}); the file is damaged") from err


def _read_head(path):
    """(first bytes as stored, first bytes after decompression, gzip?) of `path`, or ModelFileError."""
    if not os.path.exists(path):
        raise ModelFileNotFoundError(
            filename=os.fspath(path),
            message=f"no such file: {path!r}; expected a word-vector file (.kv, .model, .txt, .vec, "
            ".bin, .safetensors, optionally .gz)",
        )
    if os.path.isdir(path):
        raise ModelFileError(f"{path!r} is a directory; expected a word-vector file")
    if os.path.getsize(path) == 0:
        raise ModelFileError(f"{path!r} is empty (0 bytes); expected a word-vector file — was the save "
                             "interrupted?")
    with open(path, "rb") as fin:
        raw = fin.read(_SNIFF_BYTES)
    if not raw.startswith(_GZIP_MAGIC):
        return raw, raw, False
    try:
        with gzip.open(path, "rb") as fin:
            head = fin.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as err:
        raise ModelFileError(f"{path!r} starts like a gzip file but cannot be decompressed ({err}); is it "
                             "truncated?") from err
    return raw, head, True


def _is_float(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def _word2vec_kind(head):
    """(format, no_header, n_values) of a word2vec-like file, judged from the header line and the first
    record's structure (bytes, not their encoding: a Latin-1 word is still text), or None. `n_values` is None,
    or the number of values of a text record whose count differs from the header's vector size."""
    newline = head.find(b"\n")
    first = head[:newline if newline >= 0 else len(head)]
    tokens = first.split()
    if len(tokens) == 2 and tokens[0].isdigit() and tokens[1].isdigit():
        dim = int(tokens[1])
        rest = head[newline + 1:] if newline >= 0 else b""
        end = rest.find(b"\n")
        parts = rest[:end if end >= 0 else len(rest)].rstrip(b"\r\n ").split(b" ")
        is_text = len(parts) == dim + 1 and all(_is_float(p) for p in parts[1:])
        if is_text or int(tokens[0]) == 0 or not rest:
            return "word2vec-text", False, None
        if end >= 0 and len(parts) >= 2 and all(_is_float(p) for p in parts[1:]):  # a text record, wrong length
            return "word2vec-text", False, len(parts) - 1
        return "word2vec-binary", False, None
    if len(tokens) >= 2 and all(_is_float(t) for t in tokens[1:]):
        return "word2vec-text", True, None  # GloVe-style text without the header line
    return None


def _is_gzip(fname):
    with open(fname, "rb") as fin:
        return fin.read(2) == b"\x1f\x8b"


def _head_after_header(fname):
    """The first 64 KiB after the header line (decompressed), one bounded read."""
    with gensim_utils.open(fname, "rb") as fin:
        fin.readline(_MAX_WORD2VEC_HEADER)
        return fin.read(_HEAD)


def _parse_header(fname, header, encoding):
    parts = header.split()
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ModelFileError(f"{fname}: the first line must be the header 'n_words vector_size' (two whole "
                             f"numbers), got {header[:60]!r}; for a file without it, pass no_header=True")
    n_words, vector_size = int(parts[0]), int(parts[1])
    if vector_size == 0 and n_words:
        raise ModelFileError(f"{fname}: its header {header.strip()[:60]!r} gives vector size 0 for {n_words} "
                             "words; the header is wrong")
    return n_words, vector_size


def _check_binary_records(fname, head, vector_size, wanted):
    """The records in `head` line up with `vector_size`: each word ends at a space and holds no NUL/tab/CR/LF."""
    pos, record = 0, 0
    step = 4 * vector_size
    while record < wanted:
        while head[pos:pos + 1] == b"\n":  # gensim strips newlines before a word (some C tool versions)
            pos += 1
        space = head.find(b" ", pos)
        if space < 0 or space + 1 + step > len(head):
            return  # the rest is beyond the first 64 KiB
        word = head[pos:space]
        if not word or any(byte in word for byte in _NOT_IN_WORDS):
            raise ModelFileError(
                f"{fname}: record {record + 1} does not line up with the header's vector size {vector_size} "
                f"(a word would start with {head[pos:pos + 16]!r}); the header's second number is wrong, or the "
                "file is not a word2vec binary file")
        pos, record = space + 1 + step, record + 1


def _read_counts(fvocab, unicode_errors):
    """gensim's reading of a ``-save-vocab`` file (``word count`` per line), with our error for a bad line."""
    counts = {}
    with gensim_utils.open(fvocab, "rb") as fin:
        for number, line in enumerate(fin, 1):
            parts = gensim_utils.to_unicode(line, errors=unicode_errors).strip().split()
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ModelFileError(f"{fvocab}: line {number} is not 'word count' ({line[:60]!r}); fvocab must "
                                     "be the word2vec C tool's -save-vocab file")
            counts[parts[0]] = int(parts[1])
    return counts


def _read_text(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding, progress):
    """gensim's text record loop, one line at a time, with the record number in its errors."""
    parse, add = gensim_keyedvectors._word2vec_line_to_vector, gensim_keyedvectors._add_word_to_kv
    for number in range(wanted):
        line = fin.readline()
        if line == b"":
            raise ModelFileError(f"{fname}: its header claims {wanted} words, but the file ends after {number} "
                                 "records; the file is truncated or the header's word count is wrong")
        try:
            word, weights = parse(line, datatype, unicode_errors, encoding)
        except ValueError as err:
            if isinstance(err, UnicodeDecodeError):
                raise
            raise ModelFileError(f"{fname}: record {number + 1} (line {number + 2}) is not a word and "
                                 f"{vector_size} numbers: {line[:60]!r} ({err})") from err
        if len(weights) != vector_size:
            raise ModelFileError(f"{fname}: record {number + 1} (line {number + 2}, word {word[:40]!r}) has "
                                 f"{len(weights)} values, but the header's vector size is {vector_size}; the "
                                 "header or the file is wrong")
        add(kv, counts, word, weights, wanted)
        if not number % 4096:
            progress.tick(number)


def _read_binary(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding, progress):
    """gensim's binary chunk loop; returns the bytes read past the last record."""
    chunk, done = b"", 0
    while done < wanted:
        new = fin.read(_CHUNK)
        chunk += new
        processed, chunk = gensim_keyedvectors._add_bytes_to_kv(
            kv, counts, chunk, wanted, vector_size, datatype, unicode_errors, encoding)
        done += processed
        progress.tick(done)
        if len(new) < _CHUNK:
            break
    if done != wanted:
        raise ModelFileError(f"{fname}: its header claims {wanted} "
                             f"words, but the file ends after {done} records; the file is truncated or the "
                             "header's word count is wrong")
    return chunk
