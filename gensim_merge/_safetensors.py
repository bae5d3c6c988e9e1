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
from gensim_merge.errors import DuplicateKeyError, IncompatibleModelError, ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "VectorsFile", "is_safetensors_file", "looks_like_safetensors",
           "read_vectors_file", "write_vectors_file"]

#: Value of the ``format`` metadata entry of our safetensors files.
FORMAT_NAME = "gensim-merge-vectors"
FORMAT_VERSION = "1"
_MAX_HEADER = 100 << 20  # the package's own limit on the JSON header
_OWN_TENSORS = ("vectors", "keys.utf8", "keys.offsets")
_FLOATS = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}


class VectorsFile(NamedTuple):
    """The content of a vectors file: keys, ``(n, d)`` vectors, per-key attributes, metadata, events."""

    keys: list
    vectors: np.ndarray
    attributes: dict
    metadata: dict
    events: list


def looks_like_safetensors(raw, size):
    """Whether the first bytes `raw` of a `size`-byte file start a safetensors header."""
    if len(raw) < 10 or raw[8:9] != b"{":
        return False
    (n_header,) = struct.unpack("<Q", raw[:8])
    return n_header <= min(size - 8, _MAX_HEADER)


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


def _open_error(path, err):
    return ModelFileError(f"{path!r} is not a readable safetensors file ({err}); is it truncated — was the save "
                          "interrupted?")


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
        return json.loads(header.get("gensim_merge", "{}"))
    except ValueError as err:
        raise ModelFileError(f"{path!r}: unreadable gensim_merge metadata ({err})") from err


def _mapped(path, name, mode):
    """A :class:`numpy.memmap` of the float tensor `name`, from the header the package has already validated
    (None for other dtypes)."""
    with open(path, "rb") as fin:
        (n_header,) = struct.unpack("<Q", fin.read(8))
        spec = json.loads(fin.read(n_header))[name]
    if spec["dtype"] not in _FLOATS:
        return None
    dtype = np.dtype(_FLOATS[spec["dtype"]])
    shape = tuple(spec["shape"])
    if 0 in shape:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode=mode, offset=8 + n_header + spec["data_offsets"][0], shape=shape)


def _vectors(path, st, mmap):
    """The vectors: memory-mapped, or (``mmap=None``) copied once from the map, which is several times
    faster on large models than the package's ``get_tensor`` (that copies twice)."""
    mapped = _mapped(path, "vectors", mmap or "r")
    if mapped is None and mmap is not None:
        raise ModelFileError(f"{path!r}: vectors that are not float16/32/64 cannot be memory-mapped; load "
                             "without mmap")
    if mapped is None:
        return st.get_tensor("vectors")
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
    """Read a vectors file (``mmap``: ``None`` reads, ``"r"``/``"r+"``/``"c"`` memory-maps the vectors)."""
    path = os.fspath(path)
    try:
        with safe_open(path, framework="np") as st:
            meta = _metadata(path, st.metadata() or {})
            names = set(st.keys())
            missing = [n for n in _OWN_TENSORS if n not in names]
            if missing:
                raise ModelFileError(f"{path!r} has no tensor(s) {missing}; expected a file written by "
                                     "gensim_merge.io.save_vectors")
            arrays = {n: st.get_tensor(n) for n in names if n != "vectors"}
            vectors = _vectors(path, st, mmap)
    except SafetensorError as err:
        raise _open_error(path, err) from err
    if vectors.ndim != 2:
        raise ModelFileError(f"{path!r}: vectors must be 2-D, got shape {vectors.shape}")
    keys = _decode_keys(arrays.pop("keys.utf8").tobytes(), arrays.pop("keys.offsets"), path)
    if len(keys) != vectors.shape[0]:
        raise ModelFileError(f"{path!r}: {len(keys)} keys for {vectors.shape[0]} vectors; the file is damaged")
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
