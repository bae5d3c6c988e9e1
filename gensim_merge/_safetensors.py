"""gensim-merge's pickle-free vectors file: a standard safetensors file, written and read by the
`safetensors <https://github.com/huggingface/safetensors>`_ package.

Pure: arrays, keys and a metadata dict in, the same out; the model class is built in
:mod:`gensim_merge.keyedvectors`. The only parsing done here is for the vectors: the package has no
zero-copy view (``get_tensor`` copies, twice), so after the package has opened and validated the file the
vectors' byte range is taken from the header and mapped with :class:`numpy.memmap` (``mmap="r"``), or
copied once from that map.

The layout (version 1, unchanged since the first release):

- ``vectors``: ``(n, d)`` in the model's own dtype (float16/32/64), bit for bit;
- ``keys.utf8`` (uint8) and ``keys.offsets`` (int64, ``n + 1`` entries): the keys as UTF-8 bytes
  (``surrogatepass``, so any Python string survives: spaces, newlines, lone surrogates) and where each ends;
- ``attr.<name>``: one per per-key attribute (``count``, ``provenance``, ...), in its own dtype;
- ``<entry>.<name>``: an array inside a metadata entry (``alignment.matrix``, ``alignment.source_mean``, ...);
- header metadata ``format = "gensim-merge-vectors"``, ``format_version = "1"`` and ``gensim_merge``: JSON of
  the rest of the metadata, the attribute names and the lifecycle events.

A fastText model (:class:`~gensim_merge.fasttext.MergeableFastTextKeyedVectors`) adds one metadata entry,
``fasttext``: ``{"min_n", "max_n", "bucket"}`` in the JSON, and the tensors ``fasttext.vectors_vocab``
(``(n, d)``, the word-token vectors) and ``fasttext.vectors_ngrams`` (``(bucket, d)``, the n-gram buckets);
``vectors`` then holds the composed whole-word vectors, so a reader that knows nothing of fastText still gets
usable word vectors. Files without the entry are word2vec vectors.

Reading checks every field of the header against the format and the file's size before reading data: a
truncated file, a header that is not JSON, dtypes numpy cannot hold (BF16, F8), vectors that are not floats
(float16, float32 and float64 are read, bit for bit), keys that do not match the rows and incomplete metadata
all raise :class:`~gensim_merge.errors.ModelFileError` naming the file.

The package stores tensors largest item size first, so each starts on a multiple of its item size and the
memory map is aligned.
"""

import json
import os
import struct
from typing import NamedTuple

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from gensim_merge._io import atomic_output
from gensim_merge.errors import DuplicateKeyError, IncompatibleModelError, ModelFileError, ModelFileNotFoundError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "VectorsFile", "apply_metadata", "damaged_file_error",
           "is_safetensors_file", "looks_like_safetensors", "read_vectors_file", "write_vectors_file"]

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


def _damaged(path, problem):
    return ModelFileError(f"{path!r} is not a readable gensim-merge safetensors file: {problem}; the file is "
                          "damaged or was not written by gensim_merge.io.save_vectors: write it again")


def _truncated(path, needed, size):
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
                raise _truncated(path, 8, size)
            (n_header,) = struct.unpack("<Q", raw)
            if n_header > _MAX_HEADER:
                raise _damaged(path, f"its header length ({n_header} bytes) exceeds the format's limit")
            if 8 + n_header > size:
                raise _truncated(path, 8 + n_header, size)
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
            raise _truncated(path, 8 + n_header + end, size)
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
