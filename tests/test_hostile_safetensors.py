"""Hostile safetensors files, crafted here byte by byte: every one ends in the package's error naming the file.

Each case starts from a valid file of the package's layout (word2vec vectors, or a fastText model with its
n-gram buckets) and breaks one thing: the header (truncated, beyond the file, not JSON, not an object), the
metadata (missing, odd types, incomplete alignment or merge report), the tensors (BF16/F8/int/bool vectors,
missing, wrong shapes, keys that do not match the rows) or the fastText entry. Each is loaded through
``load_vectors``, ``MergeableKeyedVectors.load`` and ``MergeableFastTextKeyedVectors.load``, with pickle
forbidden: the result must be a :class:`~gensim_merge.errors.ModelFileError` (never a raw ``KeyError``,
``TypeError`` or ``AttributeError``, never integers loaded as vectors, never an unpickling attempt).
"""

import json
import pickle
import struct

import numpy as np
import pytest

from gensim_merge import MergeableKeyedVectors
from gensim_merge.errors import DuplicateKeyError, IncompatibleModelError, ModelFileError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import load_vectors

_DTYPES = {"<f2": "F16", "<f4": "F32", "<f8": "F64", "<i4": "I32", "<i8": "I64", "|u1": "U8", "|b1": "BOOL",
           "<u8": "U64"}


def _base(fasttext=False):
    """name -> array (or (dtype string, shape, raw bytes)) and the header metadata of a valid file."""
    keys = ["cat", "dog", "café"]
    blob = "".join(keys).encode("utf8")
    tensors = {
        "vectors": np.arange(12, dtype=np.float32).reshape(3, 4) / 10,
        "keys.utf8": np.frombuffer(blob, dtype=np.uint8),
        "keys.offsets": np.array([0, 3, 6, len(blob)], dtype=np.int64),
        "attr.count": np.array([30, 20, 10], dtype=np.int64),
    }
    meta = {"attributes": ["count"], "lifecycle_events": [], "sources": [], "alignment": None, "merge_report": None}
    if fasttext:
        tensors["fasttext.vectors_vocab"] = tensors["vectors"] * 2
        tensors["fasttext.vectors_ngrams"] = np.ones((5, 4), dtype=np.float32)
        meta["fasttext"] = {"min_n": 3, "max_n": 6, "bucket": 5}
    header = {"format": "gensim-merge-vectors", "format_version": "1", "gensim_merge": json.dumps(meta)}
    return tensors, header


def _raw(value):
    if isinstance(value, tuple):
        return value
    return _DTYPES[value.dtype.str], list(value.shape), value.tobytes()


def _write(path, tensors, header, *, edit_header=None, cut=None, header_bytes=None):
    """Write a safetensors file by hand (the package's writer refuses most of these)."""
    specs, data = {}, b""
    for name, value in tensors.items():
        dtype, shape, raw = _raw(value)
        specs[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header is not None:
        specs["__metadata__"] = header
    if edit_header is not None:
        edit_header(specs)
    text = header_bytes if header_bytes is not None else json.dumps(specs).encode("utf8")
    content = struct.pack("<Q", len(text)) + text + data
    path.write_bytes(content if cut is None else content[:cut(len(text))])
    return path


def _meta(fasttext=False, **changes):
    tensors, header = _base(fasttext)
    meta = json.loads(header["gensim_merge"])
    meta.update(changes)
    header["gensim_merge"] = json.dumps(meta)
    return tensors, header


def _with(fasttext=False, **replace):
    tensors, header = _base(fasttext)
    for name, value in replace.items():
        name = name.replace("__", ".")
        if value is None:
            tensors.pop(name)
        else:
            tensors[name] = value
    return tensors, header


def _ft_meta(entry):
    tensors, header = _base(fasttext=True)
    meta = json.loads(header["gensim_merge"])
    meta["fasttext"] = entry
    header["gensim_merge"] = json.dumps(meta)
    return tensors, header


_BF16 = ("BF16", [3, 4], b"\x00" * 24)
_F8 = ("F8_E4M3", [3, 4], b"\x00" * 12)

#: name -> (function writing the file at a path, substring the message must hold)
CASES = {
    "header length beyond the file": (lambda p: _write(p, *_base(), cut=lambda n: 8 + n // 2), "truncated"),
    "cut inside the data": (lambda p: _write(p, *_base(), cut=lambda n: 8 + n + 10), "truncated"),
    "cut inside a fastText bucket": (lambda p: _write(p, *_base(True), cut=lambda n: 8 + n + 200), "truncated"),
    "header not JSON": (lambda p: _write(p, *_base(), header_bytes=b"{not json at all}"), "JSON"),
    "header not UTF-8": (lambda p: _write(p, *_base(), header_bytes=b'{"\xff\xfe": 1}'), "JSON"),
    "header spec not an object": (lambda p: _write(p, *_base(), edit_header=lambda s: s.update(vectors=7)),
                                  "vectors"),
    "header spec without dtype": (lambda p: _write(p, *_base(), edit_header=lambda s: s["vectors"].pop("dtype")),
                                  "vectors"),
    "negative shape": (lambda p: _write(p, *_base(), edit_header=lambda s: s["vectors"].update(shape=[-3, 4])),
                       "vectors"),
    "bool shape": (lambda p: _write(p, *_base(), edit_header=lambda s: s["vectors"].update(shape=[True, 4])),
                   "vectors"),
    "data_offsets not matching the shape": (
        lambda p: _write(p, *_base(), edit_header=lambda s: s["vectors"].update(shape=[2, 4])), "bytes"),
    "three data_offsets": (
        lambda p: _write(p, *_base(), edit_header=lambda s: s["vectors"]["data_offsets"].append(9)), "vectors"),
    "__metadata__ not a mapping": (lambda p: _write(p, _base()[0], ["gensim-merge-vectors"]), "__metadata__"),
    "__metadata__ values not strings": (lambda p: _write(p, _base()[0], {"format": 1}), "__metadata__"),
    "no __metadata__": (lambda p: _write(p, _base()[0], None), "format"),
    "another format": (lambda p: _write(p, _base()[0], {"format": "pt"}), "format"),
    "another format_version": (
        lambda p: _write(p, _base()[0], {"format": "gensim-merge-vectors", "format_version": "9"}), "version"),
    "gensim_merge metadata not JSON": (lambda p: _write(p, _base()[0], {
        "format": "gensim-merge-vectors", "format_version": "1", "gensim_merge": "{oops"}), "JSON"),
    "gensim_merge metadata a list": (lambda p: _write(p, _base()[0], {
        "format": "gensim-merge-vectors", "format_version": "1", "gensim_merge": "[1, 2]"}), "metadata"),
    "attribute names not a list": (lambda p: _write(p, *_meta(attributes="count")), "attribute"),
    "attribute names not strings": (lambda p: _write(p, *_meta(attributes=[1])), "attribute"),
    "attribute listed, tensor missing": (lambda p: _write(p, *_meta(attributes=["count", "freq"])), "freq"),
    "attribute of the wrong length": (lambda p: _write(p, *_with(attr__count=np.arange(5))), "count"),
    "attribute in BF16": (lambda p: _write(p, *_with(attr__count=("BF16", [3], b"\x00" * 6))), "BF16"),
    "lifecycle_events not a list": (lambda p: _write(p, *_meta(lifecycle_events={"a": 1})), "lifecycle"),
    "incomplete alignment": (lambda p: _write(p, *_meta(alignment={"method": "orthogonal"})), "metadata"),
    "alignment a string": (lambda p: _write(p, *_meta(alignment="orthogonal")), "metadata"),
    "incomplete merge report": (lambda p: _write(p, *_meta(merge_report={"strategy": "count"})), "metadata"),
    "sources a number": (lambda p: _write(p, *_meta(sources=5)), "metadata"),
    "BF16 vectors": (lambda p: _write(p, *_with(vectors=_BF16)), "BF16"),
    "F8 vectors": (lambda p: _write(p, *_with(vectors=_F8)), "F8_E4M3"),
    "int32 vectors": (lambda p: _write(p, *_with(vectors=np.arange(12, dtype=np.int32).reshape(3, 4))), "int32"),
    "int64 vectors": (lambda p: _write(p, *_with(vectors=np.arange(12, dtype=np.int64).reshape(3, 4))), "int64"),
    "uint8 vectors": (lambda p: _write(p, *_with(vectors=np.arange(12, dtype=np.uint8).reshape(3, 4))), "uint8"),
    "bool vectors": (lambda p: _write(p, *_with(vectors=np.ones((3, 4), dtype=bool))), "bool"),
    "1-D vectors": (lambda p: _write(p, *_with(vectors=np.ones(3, dtype=np.float32))), "2-D"),
    "3-D vectors": (lambda p: _write(p, *_with(vectors=np.ones((3, 4, 1), dtype=np.float32))), "2-D"),
    "no vectors": (lambda p: _write(p, *_with(vectors=None)), "vectors"),
    "no keys blob": (lambda p: _write(p, *_with(keys__utf8=None)), "keys.utf8"),
    "no key offsets": (lambda p: _write(p, *_with(keys__offsets=None)), "keys.offsets"),
    "more rows than keys": (lambda p: _write(p, *_with(vectors=np.ones((4, 4), dtype=np.float32))), "keys"),
    "fewer rows than keys": (lambda p: _write(p, *_with(vectors=np.ones((2, 4), dtype=np.float32))), "keys"),
    "offsets beyond the blob": (lambda p: _write(p, *_with(keys__offsets=np.array([0, 3, 6, 99]))), "keys"),
    "offsets decreasing": (lambda p: _write(p, *_with(keys__offsets=np.array([0, 6, 3, 10]))), "keys"),
    "offsets not starting at 0": (lambda p: _write(p, *_with(keys__offsets=np.array([1, 3, 6, 10]))), "keys"),
    "offsets as floats": (lambda p: _write(p, *_with(keys__offsets=np.array([0, 3, 6, 10], dtype="<f8"))), "keys"),
    "offsets 2-D": (lambda p: _write(p, *_with(keys__offsets=np.array([[0, 3], [6, 10]]))), "keys"),
    "keys blob as int32": (lambda p: _write(p, *_with(keys__utf8=np.zeros(10, dtype=np.int32))), "keys"),
    "keys not UTF-8": (lambda p: _write(p, *_with(keys__utf8=np.frombuffer(b"cat\xffog" + b"caf\xc3\xa9",
                                                                          dtype=np.uint8))), "UTF-8"),
    "fastText entry not a mapping": (lambda p: _write(p, *_ft_meta([3, 6, 5])), "fasttext"),
    "fastText bucket missing": (lambda p: _write(p, *_ft_meta({"min_n": 3, "max_n": 6})), "bucket"),
    "fastText bucket negative": (lambda p: _write(p, *_ft_meta({"min_n": 3, "max_n": 6, "bucket": -5})),
                                 "bucket"),
    "fastText bucket a bool": (lambda p: _write(p, *_ft_meta({"min_n": 3, "max_n": True, "bucket": 5})),
                               "max_n"),
    "fastText bucket a string": (lambda p: _write(p, *_ft_meta({"min_n": "3", "max_n": 6, "bucket": 5})),
                                 "min_n"),
    "fastText buckets missing": (lambda p: _write(p, *_with(True, fasttext__vectors_ngrams=None)),
                                 "vectors_ngrams"),
    "fastText word tokens missing": (lambda p: _write(p, *_with(True, fasttext__vectors_vocab=None)),
                                     "vectors_vocab"),
    "fastText buckets not matching bucket": (
        lambda p: _write(p, *_with(True, fasttext__vectors_ngrams=np.ones((4, 4), dtype=np.float32))),
        "vectors_ngrams"),
    "fastText buckets of another width": (
        lambda p: _write(p, *_with(True, fasttext__vectors_ngrams=np.ones((5, 3), dtype=np.float32))),
        "vectors_ngrams"),
    "fastText word tokens of other rows": (
        lambda p: _write(p, *_with(True, fasttext__vectors_vocab=np.ones((2, 4), dtype=np.float32))),
        "vectors_vocab"),
    "fastText buckets as integers": (
        lambda p: _write(p, *_with(True, fasttext__vectors_ngrams=np.ones((5, 4), dtype=np.int32))),
        "vectors_ngrams"),
    "fastText buckets in BF16": (lambda p: _write(p, *_with(True, fasttext__vectors_ngrams=("BF16", [5, 4],
                                                                                            b"\x00" * 40))), "BF16"),
    "fastText int vectors": (
        lambda p: _write(p, *_with(True, vectors=np.arange(12, dtype=np.int32).reshape(3, 4))), "int32"),
}

#: Cases whose file is whole but whose metadata is broken: each again inside a fastText file.
_METADATA_CASES = {
    "attribute names not a list": {"attributes": "count"},
    "attribute names not strings": {"attributes": [1]},
    "attribute listed, tensor missing": {"attributes": ["count", "freq"]},
    "lifecycle_events not a list": {"lifecycle_events": {"a": 1}},
    "incomplete alignment": {"alignment": {"method": "orthogonal"}},
    "alignment a string": {"alignment": "orthogonal"},
    "incomplete merge report": {"merge_report": {"strategy": "count"}},
    "sources a number": {"sources": 5},
}
_RESTORED_CASES = ("incomplete alignment", "alignment a string", "incomplete merge report", "sources a number")
for _name, _changes in _METADATA_CASES.items():
    CASES[f"fastText: {_name}"] = (lambda p, c=_changes: _write(p, *_meta(True, **c)), CASES[_name][1])

LOADERS = {
    "load_vectors": lambda path: load_vectors(path),
    "load_vectors mmap": lambda path: load_vectors(path, mmap="r"),
    "load_vectors fmt": lambda path: load_vectors(path, fmt="safetensors"),
    "MergeableKeyedVectors.load": lambda path: MergeableKeyedVectors.load(path),
    "MergeableFastTextKeyedVectors.load": lambda path: MergeableFastTextKeyedVectors.load(path),
    "MergeableFastTextKeyedVectors.load mmap": lambda path: MergeableFastTextKeyedVectors.load(path, mmap="r"),
}


@pytest.fixture
def no_pickle(monkeypatch):
    """Any attempt to unpickle fails the test (it would not be caught as a file error)."""
    def forbidden(*args, **kwargs):
        raise AssertionError("a safetensors file was handed to the unpickler")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)


@pytest.mark.parametrize("loader", list(LOADERS))
@pytest.mark.parametrize("case", list(CASES))
def test_every_hostile_file_gets_the_package_error_naming_the_file(tmp_path, no_pickle, case, loader):
    write, expected = CASES[case]
    path = str(write(tmp_path / "hostile.safetensors"))
    if case in _RESTORED_CASES and loader.startswith("MergeableFastText"):
        # a readable word2vec file is refused by the fastText loader before its metadata is restored (its
        # fastText twin is a case too)
        expected, error = "word2vec vectors", IncompatibleModelError
    else:
        error = ModelFileError
    with pytest.raises(error) as caught:
        LOADERS[loader](path)
    message = str(caught.value)
    assert path in message
    assert expected.lower() in message.lower(), message


@pytest.mark.parametrize("name", ["hostile.safetensors", "hostile.kv", "hostile.txt", "hostile"])
def test_a_header_length_beyond_the_file_says_truncated_under_any_name(tmp_path, no_pickle, name):
    path = str(_write(tmp_path / name, *_base(), cut=lambda n: 8 + n - 1))
    with pytest.raises(ModelFileError, match="truncated"):
        load_vectors(path)
    with pytest.raises(ModelFileError, match="truncated"):
        MergeableKeyedVectors.load(path)


def test_duplicate_keys_are_the_package_error_naming_the_file(tmp_path, no_pickle):
    blob = b"catcatdog"
    path = str(_write(tmp_path / "dup.safetensors", *_with(keys__utf8=np.frombuffer(blob, dtype=np.uint8),
                                                           keys__offsets=np.array([0, 3, 6, 9]))))
    for load in LOADERS.values():
        with pytest.raises(DuplicateKeyError, match="more than once") as caught:
            load(path)
        assert path in str(caught.value)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("fasttext", [False, True])
def test_the_crafted_base_file_and_every_float_dtype_load(tmp_path, no_pickle, dtype, fasttext):
    """The crafted files are valid before they are broken: the cases above fail for the broken part."""
    tensors, header = _base(fasttext)
    tensors["vectors"] = tensors["vectors"].astype(dtype)
    path = str(_write(tmp_path / "good.safetensors", tensors, header))
    for mmap in (None, "r"):
        kv = load_vectors(path, mmap=mmap)
        assert kv.index_to_key == ["cat", "dog", "café"] and kv.vectors.dtype == dtype
        np.testing.assert_array_equal(kv.vectors, tensors["vectors"])
        assert isinstance(kv, MergeableFastTextKeyedVectors) == fasttext
    if fasttext:
        kv = MergeableFastTextKeyedVectors.load(path)
        np.testing.assert_array_equal(kv.vectors_ngrams, tensors["fasttext.vectors_ngrams"])
        assert kv.get_vector("unseen").shape == (4,)
