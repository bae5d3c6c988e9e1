"""Reading and writing word vectors in every format gensim-merge meets, detected from the file itself.

Four formats:

============================  ==========================  ===========================================
format name                   written for extensions      what it is
============================  ==========================  ===========================================
``"native"``                  ``.kv``, ``.model``         gensim's own ``save`` (a Python pickle plus
                                                          ``.npy`` side files); full ``Word2Vec.save``
                                                          files load too (their word vectors)
``"word2vec-text"``           ``.txt``, ``.vec``          the word2vec C tool's text format (also
                                                          headerless GloVe-style text on reading)
``"word2vec-binary"``         ``.bin``                    the word2vec C tool's binary format
``"safetensors"``             ``.safetensors``            pickle-free: vectors, keys, per-key
                                                          attributes and metadata (see below)
============================  ==========================  ===========================================

A trailing ``.gz`` compresses the native and word2vec formats. :func:`load_vectors` looks at the bytes of
the file (gzip and pickle magic numbers, the safetensors header, the word2vec header line and first record),
so a misnamed file still loads as what it is.

Security: gensim's native format is a pickle, and unpickling runs code stored in the file. Load native files
only from sources you trust; exchange vectors as ``.safetensors``, which holds data only.

The safetensors layout
----------------------
A standard `safetensors <https://github.com/huggingface/safetensors>`_ file (readable by the
``safetensors`` package in any framework) holding these tensors:

- ``vectors``: ``(n, d)`` in the model's own dtype (float16/32/64), bit for bit;
- ``keys.utf8`` (uint8) and ``keys.offsets`` (int64, ``n + 1`` entries): the keys as UTF-8 bytes
  (``surrogatepass``, so any Python string survives: spaces, newlines, lone surrogates) and where each ends;
- ``attr.<name>``: one per per-key attribute (``count``, ``provenance``, ...), in its own dtype;
- ``alignment.matrix``, ``alignment.source_mean``, ``alignment.target_mean`` (float64) when the vectors
  carry a fitted alignment;

and, in the header's string metadata, ``format = "gensim-merge-vectors"``, ``format_version = "1"`` and
``gensim_merge``: JSON with the alignment's method, scale and report, the merge sources and report, and the
lifecycle events. Tensors are stored largest item size first, so each starts on a multiple of its item
size and ``mmap="r"`` gives an aligned read-only ``numpy.memmap`` of the vectors.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from gensim_merge import MergeableKeyedVectors
>>> kv = MergeableKeyedVectors(3)
>>> kv.add_vectors(["new york", "café", "line\\nbreak"], np.eye(3, dtype=np.float32))
>>> path = os.path.join(tempfile.mkdtemp(), "vectors.safetensors")
>>> save_vectors(kv, path)
'safetensors'
>>> loaded, fmt = load_vectors(path, mmap="r")
>>> fmt, loaded.index_to_key == kv.index_to_key, bool((loaded.vectors == kv.vectors).all())
('safetensors', True, True)
"""

import gzip
import json
import logging
import math
import os
import struct
import zlib

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from gensim_merge._io import atomic_output
from gensim_merge.alignment import Alignment
from gensim_merge.errors import (
    DuplicateKeyError,
    IncompatibleModelError,
    ModelFileError,
)
from gensim_merge.keyedvectors import MergeableKeyedVectors
from gensim_merge.merging import MergeReport

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "SAFETENSORS_FORMAT",
    "describe_format",
    "detect_format",
    "format_for_path",
    "load_vectors",
    "save_vectors",
]

logger = logging.getLogger(__name__)

#: Format names, as returned by :func:`load_vectors` and accepted as ``fmt``.
FORMATS = ("native", "word2vec-text", "word2vec-binary", "safetensors")
#: Output format chosen from a file extension (a trailing ``.gz`` is looked through).
EXTENSIONS = {
    ".kv": "native", ".model": "native", ".wv": "native",
    ".txt": "word2vec-text", ".vec": "word2vec-text",
    ".bin": "word2vec-binary",
    ".safetensors": "safetensors",
}
#: Value of the ``format`` metadata entry of our safetensors files.
SAFETENSORS_FORMAT = "gensim-merge-vectors"
SAFETENSORS_VERSION = "1"

_SNIFF_BYTES = 1 << 16
_MAX_HEADER = 100 << 20  # safetensors' own limit on the JSON header
_GZIP_MAGIC = b"\x1f\x8b"
_DTYPES = {  # safetensors dtype name <-> numpy (little-endian)
    "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
    "I8": np.dtype("i1"), "I16": np.dtype("<i2"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"), "U16": np.dtype("<u2"), "U32": np.dtype("<u4"), "U64": np.dtype("<u8"),
    "BOOL": np.dtype("?"),
}
_DTYPE_NAMES = {(dt.kind, dt.itemsize): name for name, dt in _DTYPES.items()}
_DESCRIPTIONS = {
    "native": "gensim native (a pickle: loading it runs code stored in the file; load only files you trust, "
              "and prefer .safetensors for exchange)",
    "word2vec-text": "word2vec text",
    "word2vec-binary": "word2vec binary",
    "safetensors": "safetensors (pickle-free)",
}


# --------------------------------------------------------------------------------------------------------
# format detection


def _check_fmt(fmt):
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {list(FORMATS)} or None (detect), got {fmt!r}")
    return fmt


def format_for_path(path):
    """The format :func:`save_vectors` writes for `path`, from its extension.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    (str, bool)
        The format name and whether the file is gzip-compressed (a trailing ``.gz``).

    Raises
    ------
    ValueError
        An extension that names no format.

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
        raise ValueError(
            f"cannot tell the output format of {os.fspath(path)!r} from its extension {ext or '(none)'!r}; "
            f"use one of {sorted(EXTENSIONS)} (optionally followed by .gz), or pass fmt= one of {list(FORMATS)}"
        )
    return EXTENSIONS[ext], compressed


def _read_head(path):
    """(first bytes as stored, first bytes after decompression, gzip?) of `path`, or ModelFileError."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(f"no such file: {path!r}; expected a word-vector file (.kv, .model, .txt, .vec, "
                             ".bin, .safetensors, optionally .gz)")
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


def _sniff(path):
    """(format, gzip?, no_header?) of `path` from its bytes."""
    raw, head, compressed = _read_head(path)
    path = os.fspath(path)
    # safetensors first: its 8-byte header length can start with the pickle magic bytes (e.g. 896 = 80 03 ..)
    if (not compressed and len(raw) >= 10 and raw[8:10] == b'{"'
            and struct.unpack("<Q", raw[:8])[0] <= os.path.getsize(path) - 8):
        return "safetensors", False, False
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "native", compressed, False
    newline = head.find(b"\n")
    first = head[:newline if newline >= 0 else len(head)]
    try:
        tokens = first.decode("utf8").split()
    except UnicodeDecodeError:
        tokens = []
    if len(tokens) == 2 and tokens[0].isdigit() and tokens[1].isdigit():
        dim = int(tokens[1])
        rest = head[newline + 1:]
        end = rest.find(b"\n")
        record = rest[:end if end >= 0 else len(rest)]
        try:
            parts = record.decode("utf8").rstrip().split(" ")
            is_text = len(parts) == dim + 1 and all(_is_float(p) for p in parts[1:])
        except UnicodeDecodeError:
            is_text = False
        if is_text or int(tokens[0]) == 0 or not rest:
            return "word2vec-text", compressed, False
        return "word2vec-binary", compressed, False
    if len(tokens) >= 2 and all(_is_float(t) for t in tokens[1:]):
        return "word2vec-text", compressed, True  # GloVe-style text without the header line
    raise ModelFileError(
        f"cannot tell the format of {path!r}: it is neither a gensim native file (pickle), a safetensors file, "
        "nor a word2vec text/binary file (header line 'n_words vector_size'); "
        f"first bytes: {raw[:24]!r}"
    )


def detect_format(path):
    """The format name of the vector file at `path`, from its bytes (not its name).

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
        The file is missing, empty or in no known format.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "misnamed.kv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 2\\ncat 0.5 -1.0\\n")
    >>> detect_format(path)
    'word2vec-text'
    """
    return _sniff(path)[0]


def describe_format(fmt, *, compressed=False):
    """A one-line human description of a format name (security note included for native files).

    Examples
    --------
    >>> describe_format("word2vec-binary", compressed=True)
    'word2vec binary (gzip)'
    """
    description = _DESCRIPTIONS[_check_fmt(fmt)]
    return f"{description} (gzip)" if compressed else description


# --------------------------------------------------------------------------------------------------------
# loading


def load_vectors(path, *, fmt=None, mmap=None):
    """Load word vectors from any supported file, detecting its format from its bytes.

    Parameters
    ----------
    path : str or os.PathLike
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors"}, optional
        Force a format instead of detecting it.
    mmap : {None, "r", "r+", "c"}, optional
        Memory-map the vectors instead of reading them (``"r"``: read-only). Works for safetensors files and
        for native files whose arrays were saved as side files (gensim does so above 10 MB); the word2vec
        formats are parsed, so `mmap` is ignored for them (with a warning).

    Returns
    -------
    (MergeableKeyedVectors, str)
        The vectors and the name of the format they were read as.

    Raises
    ------
    ModelFileError
        Missing, empty, truncated or unreadable files, naming the path and the expected content.
    IncompatibleModelError
        A native file holding something other than word2vec vectors (FastText, Doc2Vec).
    DuplicateKeyError
        A safetensors file listing a key twice.

    Notes
    -----
    Native files are pickles: loading one runs code stored in it. Load only files you trust.
    """
    path = os.fspath(path)
    if mmap not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap must be None, 'r', 'r+' or 'c', got {mmap!r}")
    detected, compressed, no_header = _sniff(path)
    if fmt is None:
        fmt = detected
    elif _check_fmt(fmt) != detected:
        logger.warning("%s looks like %s but fmt=%r was requested; reading it as %s", path, detected, fmt, fmt)
    if fmt == "native":
        kv = MergeableKeyedVectors.load(path, mmap=mmap)
    elif fmt == "safetensors":
        kv = _load_safetensors(path, mmap=mmap)
    else:
        if mmap is not None:
            logger.warning("%s is in the %s format, which is parsed, not memory-mapped: reading it into memory "
                           "(convert it to .safetensors to memory-map it)", path, fmt)
        kv = _load_word2vec(path, binary=fmt == "word2vec-binary", no_header=no_header, compressed=compressed)
    logger.info("loaded %s from %s as %s", kv, path, describe_format(fmt, compressed=compressed))
    return kv, fmt


def _load_word2vec(path, *, binary, no_header, compressed):
    kind = "binary" if binary else "text"
    record = "word and its raw float32 vector" if binary else "word and its values"
    if compressed and not path.lower().endswith((".gz", ".gzip")):
        raise ModelFileError(f"{path!r} is gzip-compressed but its name does not end in .gz, which gensim needs "
                             "to decompress it; rename it to end in .gz")
    try:
        return MergeableKeyedVectors.load_word2vec_format(path, binary=binary, no_header=no_header)
    except ModelFileError as wrapped:  # the class method wraps what gensim raises; name the cause here
        err = wrapped.__cause__ or wrapped
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelFileError(
            f"cannot read {path!r} as a word2vec {kind} file ({type(err).__name__}: {detail}); expected a header "
            f"line 'n_words vector_size' then one {record}"
            " per record — is the file truncated, or is the header's word count wrong?"
        ) from err


class _SafetensorsFile:
    """The parsed header of a safetensors file: tensor specs and string metadata, validated against its size."""

    def __init__(self, path):
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as fin:
            prefix = fin.read(8)
            if len(prefix) < 8:
                raise ModelFileError(f"{path!r} is truncated: {size} bytes, a safetensors file starts with an "
                                     "8-byte header length")
            (n_header,) = struct.unpack("<Q", prefix)
            if n_header > _MAX_HEADER or 8 + n_header > size:
                raise ModelFileError(
                    f"{path!r} is truncated or not a safetensors file: its header claims {n_header} bytes, "
                    f"the file has {size}")
            try:
                header = json.loads(fin.read(n_header).decode("utf8"))
            except (UnicodeDecodeError, ValueError) as err:
                raise ModelFileError(f"{path!r}: unreadable safetensors header ({err})") from err
        if not isinstance(header, dict):
            raise ModelFileError(f"{path!r}: the safetensors header is not a JSON object")
        self.metadata = header.pop("__metadata__", None) or {}
        self.data_start = 8 + n_header
        self.specs = {}
        for name, spec in header.items():
            try:
                dtype = _DTYPES[spec["dtype"]]
                shape = tuple(int(s) for s in spec["shape"])
                begin, end = (int(o) for o in spec["data_offsets"])
            except (KeyError, TypeError, ValueError) as err:
                raise ModelFileError(f"{path!r}: tensor {name!r} has an unsupported or malformed entry "
                                     f"{spec!r} ({type(err).__name__}: {err})") from err
            if end - begin != math.prod(shape) * dtype.itemsize or begin < 0:
                raise ModelFileError(f"{path!r}: tensor {name!r} of shape {shape} spans {end - begin} bytes, "
                                     f"expected {math.prod(shape) * dtype.itemsize}")
            if self.data_start + end > size:
                raise ModelFileError(
                    f"{path!r} is truncated: tensor {name!r} ends at byte {self.data_start + end}, the file has "
                    f"{size} bytes — was the save interrupted?")
            self.specs[name] = (dtype, shape, begin)

    def get(self, name, mmap=None):
        if name not in self.specs:
            raise ModelFileError(f"{self.path!r} has no tensor {name!r}; expected a file written by "
                                 "gensim_merge.io.save_vectors (tensors vectors, keys.utf8, keys.offsets)")
        dtype, shape, begin = self.specs[name]
        count = math.prod(shape)
        if mmap is not None and count:
            return np.memmap(self.path, dtype=dtype, mode=mmap, offset=self.data_start + begin, shape=shape)
        array = np.fromfile(self.path, dtype=dtype, count=count, offset=self.data_start + begin)
        return array.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _decode_keys(blob, offsets, path):
    offsets = np.asarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or offsets.size == 0 or offsets[0] != 0 or offsets[-1] != len(blob) \
            or np.any(np.diff(offsets) < 0):
        raise ModelFileError(f"{path!r}: keys.offsets does not describe keys.utf8 ({len(blob)} bytes); the file "
                             "is damaged")
    bounds = offsets.tolist()
    try:
        return [blob[a:b].decode("utf8", "surrogatepass") for a, b in zip(bounds[:-1], bounds[1:])]
    except UnicodeDecodeError as err:
        raise ModelFileError(f"{path!r}: a key is not valid UTF-8 ({err}); the file is damaged") from err


def _load_safetensors(path, *, mmap=None):
    st = _SafetensorsFile(path)
    if st.metadata.get("format") != SAFETENSORS_FORMAT:
        raise ModelFileError(
            f"{path!r} is a safetensors file but not one of gensim-merge's word-vector files (metadata format="
            f"{st.metadata.get('format')!r}, expected {SAFETENSORS_FORMAT!r}); write one with "
            "gensim_merge.io.save_vectors(kv, 'out.safetensors')")
    if st.metadata.get("format_version") != SAFETENSORS_VERSION:
        raise ModelFileError(f"{path!r} has format_version {st.metadata.get('format_version')!r}; this "
                             f"gensim-merge reads version {SAFETENSORS_VERSION}: upgrade gensim-merge")
    try:
        meta = json.loads(st.metadata.get("gensim_merge", "{}"))
    except ValueError as err:
        raise ModelFileError(f"{path!r}: unreadable gensim_merge metadata ({err})") from err
    vectors = st.get("vectors", mmap=mmap)
    if vectors.ndim != 2:
        raise ModelFileError(f"{path!r}: vectors must be 2-D, got shape {vectors.shape}")
    keys = _decode_keys(st.get("keys.utf8").tobytes(), st.get("keys.offsets"), path)
    if len(keys) != vectors.shape[0]:
        raise ModelFileError(f"{path!r}: {len(keys)} keys for {vectors.shape[0]} vectors; the file is damaged")
    key_to_index = {key: i for i, key in enumerate(keys)}
    if len(key_to_index) != len(keys):
        raise DuplicateKeyError(f"{path!r} lists {len(keys) - len(key_to_index)} key(s) more than once; "
                                "the file was not written by save_vectors or was edited")
    kv = MergeableKeyedVectors(vectors.shape[1], dtype=vectors.dtype)
    kv.index_to_key = keys
    kv.key_to_index = key_to_index
    kv.next_index = len(keys)
    kv.vectors = vectors
    kv.norms = None
    for name in meta.get("attributes", []):
        values = st.get(f"attr.{name}")
        if values.shape != (len(keys),):
            raise ModelFileError(f"{path!r}: attribute {name!r} has shape {values.shape}, expected ({len(keys)},)")
        kv.expandos[name] = values
    if meta.get("alignment") is not None:
        data = dict(meta["alignment"])
        for part in ("matrix", "source_mean", "target_mean"):
            data[part] = st.get(f"alignment.{part}")
        kv.alignment = Alignment.from_dict(data)
    kv.sources = list(meta.get("sources") or [])
    if meta.get("merge_report") is not None:
        kv.merge_report = MergeReport.from_dict(meta["merge_report"])
    if meta.get("lifecycle_events"):
        kv.lifecycle_events = list(meta["lifecycle_events"])
    return kv


# --------------------------------------------------------------------------------------------------------
# saving


def _as_mergeable(kv):
    if isinstance(kv, Word2Vec):
        return MergeableKeyedVectors.from_word2vec(kv, copy=False)
    if not isinstance(kv, KeyedVectors):
        raise IncompatibleModelError(f"save_vectors needs gensim KeyedVectors (or a Word2Vec model), got "
                                     f"{type(kv).__name__}")
    return MergeableKeyedVectors.from_keyed_vectors(kv, copy=False)


def save_vectors(kv, path, *, fmt=None):
    """Save word vectors atomically, in the format named by `path`'s extension (or `fmt`).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors or gensim.models.Word2Vec
        The vectors (of a Word2Vec model: its ``wv``). Not modified.
    path : str or os.PathLike
        Destination; see :data:`EXTENSIONS` (``.kv``/``.model`` native, ``.txt``/``.vec`` word2vec text,
        ``.bin`` word2vec binary, ``.safetensors`` pickle-free; ``.gz`` compresses all but safetensors).
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors"}, optional
        Force a format regardless of the extension.

    Returns
    -------
    str
        The format written.

    Raises
    ------
    ValueError
        An extension naming no format.
    ModelFileError
        Keys that the chosen word2vec format cannot hold (empty, or containing whitespace), or a compressed
        safetensors destination.

    Notes
    -----
    The file is written beside `path` and renamed over it at the end, so an interrupted save leaves an
    existing file intact. The word2vec formats keep keys and vectors only (counts become a rank order when
    read back); the native and safetensors formats keep everything, and only safetensors is pickle-free.
    """
    path = os.fspath(path)
    if fmt is None:
        fmt, compressed = format_for_path(path)
    else:
        _check_fmt(fmt)
        compressed = path.lower().endswith(".gz")
    kv = _as_mergeable(kv)
    if fmt == "safetensors":
        if compressed:
            raise ModelFileError(f"{path!r}: safetensors files are not compressed (they are memory-mapped); "
                                 "drop the .gz")
        _save_safetensors(kv, path)
    elif fmt == "native":
        kv.save(path)
    else:
        kv.save_word2vec_format(path, binary=fmt == "word2vec-binary")
    logger.info("saved %s to %s as %s", kv, path, describe_format(fmt, compressed=compressed))
    return fmt


def _dtype_name(array, what):
    dtype = np.asarray(array[:0]).dtype
    name = _DTYPE_NAMES.get((dtype.kind, dtype.itemsize))
    if name is None:
        raise ModelFileError(f"{what} has dtype {dtype}, which safetensors cannot hold; convert it to a numeric "
                             "dtype (e.g. int64) or drop it before saving as .safetensors")
    return name


def _save_safetensors(kv, path):
    keys = kv.index_to_key
    if not all(isinstance(k, str) for k in keys):
        bad = next(k for k in keys if not isinstance(k, str))
        raise IncompatibleModelError(f"safetensors files hold str keys; this model has a {type(bad).__name__} "
                                     f"key {bad!r}; convert keys to str first")
    encoded = [k.encode("utf8", "surrogatepass") for k in keys]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    del encoded
    if kv.vectors.shape != (len(keys), kv.vector_size):
        raise ModelFileError(f"cannot save: {kv.vectors.shape[0]} vector rows for {len(keys)} keys")

    tensors = [("vectors", kv.vectors), ("keys.offsets", offsets), ("keys.utf8", blob)]
    attributes = []
    for name, values in kv.expandos.items():
        values = np.asarray(values)
        if values.shape != (len(keys),):
            raise ModelFileError(f"cannot save attribute {name!r}: shape {values.shape}, expected ({len(keys)},)")
        tensors.append((f"attr.{name}", values))
        attributes.append(name)
    alignment = None
    if kv.alignment is not None:
        data = kv.alignment.to_dict()
        alignment = {k: data[k] for k in ("method", "scale", "report")}
        tensors.extend((f"alignment.{part}", np.asarray(data[part], dtype=np.float64))
                       for part in ("matrix", "source_mean", "target_mean"))
    meta = {
        "vector_size": int(kv.vector_size),
        "attributes": attributes,
        "alignment": alignment,
        "sources": list(kv.sources),
        "merge_report": kv.merge_report.to_dict() if kv.merge_report is not None else None,
        "lifecycle_events": list(getattr(kv, "lifecycle_events", None) or []),
    }
    # largest items first: every tensor then starts on a multiple of its item size (aligned memory maps)
    tensors.sort(key=lambda item: -np.asarray(item[1][:0]).dtype.itemsize)
    header, offset = {}, 0
    for name, array in tensors:
        nbytes = math.prod(array.shape) * np.asarray(array[:0]).dtype.itemsize
        header[name] = {"dtype": _dtype_name(array, name), "shape": list(array.shape),
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = {"format": SAFETENSORS_FORMAT, "format_version": SAFETENSORS_VERSION,
                              "gensim_merge": json.dumps(meta, default=str, allow_nan=True)}
    encoded_header = json.dumps(header, separators=(",", ":")).encode("utf8")
    encoded_header += b" " * (-len(encoded_header) % 8)
    with atomic_output(path) as tmp, open(tmp, "wb") as fout:
        fout.write(struct.pack("<Q", len(encoded_header)))
        fout.write(encoded_header)
        for _, array in tensors:
            _write_array(fout, array)


def _write_array(fout, array, rows_per_chunk=65536):
    """Write `array` as little-endian C-order bytes, a block of rows at a time (no full copy)."""
    dtype = np.asarray(array[:0]).dtype
    little = dtype.newbyteorder("<")
    if array.ndim == 0 or len(array) == 0:
        return
    for start in range(0, len(array), rows_per_chunk):
        block = np.ascontiguousarray(array[start:start + rows_per_chunk], dtype=little)
        fout.write(memoryview(block).cast("B"))
