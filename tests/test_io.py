"""Tests for gensim_merge.io: format detection from the bytes, round trips, the safetensors format, errors."""

import gzip
import os
import shutil

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec

from gensim_merge import (
    DuplicateKeyError,
    IncompatibleModelError,
    MergeableKeyedVectors,
    ModelFileError,
    _safetensors,
)
from gensim_merge import io as gm_io
from gensim_merge.io import (
    EXTENSIONS,
    SAFETENSORS_FORMAT,
    describe_format,
    detect_format,
    format_for_path,
    save_vectors,
)
from gensim_merge.io import load_vectors as _load_vectors
from tests.conftest import make_kv, merged_and_aligned

ODD_KEYS = ["new york", "line\nbreak", "tab\there", "", " ", "café", "日本語", "emoji 🙂", "\ud800lone",
            "nul\x00byte", "ＡＢＣ", "a"]


@pytest.fixture
def model(rng):
    words = [f"w{i}" for i in range(60)]
    return make_kv(words, 6, rng, counts=np.arange(600, 0, -10))


@pytest.fixture
def aligned_merge(rng):
    """A merged model that carries an alignment, sources, a merge report and provenance."""
    return merged_and_aligned(rng, n_words=80, dim=6)


def load_vectors(path, **options):
    """(vectors, format) of a trusted file: these tests write every file they read."""
    return _load_vectors(path, allow_pickle=True, return_format=True, **options)


def _same(loaded, original, *, exact=True):
    assert loaded.index_to_key == original.index_to_key
    assert loaded.key_to_index == original.key_to_index
    if exact:
        assert loaded.vectors.dtype == original.vectors.dtype
        assert loaded.vectors.tobytes() == np.ascontiguousarray(original.vectors).tobytes()
    else:
        np.testing.assert_allclose(loaded.vectors, original.vectors, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("name, fmt, exact", [
    ("m.kv", "native", True), ("m.model", "native", True), ("m.kv.gz", "native", True),
    ("m.txt", "word2vec-text", False), ("m.vec", "word2vec-text", False), ("m.txt.gz", "word2vec-text", False),
    ("m.bin", "word2vec-binary", True), ("m.bin.gz", "word2vec-binary", True),
    ("m.safetensors", "safetensors", True),
])
def test_round_trip_every_format(tmp_path, model, name, fmt, exact):
    path = tmp_path / name
    assert save_vectors(model, path) == fmt
    loaded, got = load_vectors(path)
    assert got == fmt == detect_format(path)
    assert isinstance(loaded, MergeableKeyedVectors)
    _same(loaded, model, exact=exact)


@pytest.mark.parametrize("ext", [".kv", ".safetensors"])
def test_full_metadata_round_trip(tmp_path, aligned_merge, ext):
    path = tmp_path / f"m{ext}"
    save_vectors(aligned_merge, path)
    loaded, _ = load_vectors(path)
    _same(loaded, aligned_merge)
    assert sorted(loaded.expandos) == sorted(aligned_merge.expandos)
    for name, values in aligned_merge.expandos.items():
        assert loaded.expandos[name].dtype == values.dtype
        np.testing.assert_array_equal(loaded.expandos[name], values)
    assert loaded.sources == aligned_merge.sources == ["a", "b"]
    assert loaded.provenance("only_b") == ["b"] and loaded.provenance("w0") == ["a", "b"]
    assert loaded.merge_report == aligned_merge.merge_report
    got, want = loaded.alignment, aligned_merge.alignment
    assert got.method == want.method and got.scale == want.scale and got.report == want.report
    for part in ("matrix", "source_mean", "target_mean"):
        assert getattr(got, part).tobytes() == getattr(want, part).tobytes()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_safetensors_keeps_odd_keys_and_dtype_bit_for_bit(tmp_path, rng, dtype):
    kv = make_kv(ODD_KEYS, 5, rng, dtype=dtype)
    kv.vectors[0, 0] = np.nan  # even NaN payloads survive (the file stores bytes)
    path = tmp_path / "odd.safetensors"
    save_vectors(kv, path)
    loaded, fmt = load_vectors(path)
    assert fmt == "safetensors"
    _same(loaded, kv)


def test_safetensors_file_is_standard_and_pickle_free(tmp_path, aligned_merge):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "m.safetensors"
    save_vectors(aligned_merge, path)
    tensors = safetensors_numpy.load_file(str(path))
    np.testing.assert_array_equal(tensors["vectors"], aligned_merge.vectors)
    assert {"keys.utf8", "keys.offsets", "attr.count", "attr.provenance", "alignment.matrix"} <= set(tensors)
    with open(path, "rb") as fin:
        content = fin.read()
    assert SAFETENSORS_FORMAT.encode() in content[:4096]
    assert b"\x80\x04\x95" not in content  # no pickle stream


def test_foreign_safetensors_file_is_refused_with_the_way_out(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "foreign.safetensors"
    safetensors_numpy.save_file({"vectors": np.ones((2, 3), dtype=np.float32)}, str(path))
    assert detect_format(path) == "safetensors"
    with pytest.raises(ModelFileError, match="not one of gensim-merge's.*save_vectors"):
        load_vectors(path)


def test_mmap_read_is_a_read_only_view_and_leaves_the_file_alone(tmp_path, aligned_merge):
    path = tmp_path / "m.safetensors"
    save_vectors(aligned_merge, path)
    before = path.read_bytes()
    loaded, _ = load_vectors(path, mmap="r")
    assert isinstance(loaded.vectors, np.memmap) and not loaded.vectors.flags.writeable
    assert loaded.vectors.ctypes.data % loaded.vectors.dtype.itemsize == 0  # aligned
    _same(loaded, aligned_merge)
    assert loaded.most_similar("w1", topn=1)  # usable as gensim vectors
    aligned = loaded.align_to(aligned_merge, anchor_min_count=0)
    assert aligned.vectors is not loaded.vectors
    with pytest.raises(ValueError):
        loaded.vectors[0, 0] = 1.0
    del loaded, aligned
    assert path.read_bytes() == before


def test_mmap_of_native_file_with_side_arrays(tmp_path, model):
    path = tmp_path / "m.kv"
    model.save(str(path), sep_limit=0)  # force the arrays into .npy side files
    loaded, fmt = load_vectors(path, mmap="r")
    assert fmt == "native" and isinstance(loaded.vectors, np.memmap)
    _same(loaded, model)


def test_mmap_of_word2vec_format_reads_into_memory_with_a_warning(tmp_path, model, caplog):
    path = tmp_path / "m.bin"
    save_vectors(model, path)
    loaded, _ = load_vectors(path, mmap="r")
    assert not isinstance(loaded.vectors, np.memmap)
    assert "memory-mapped" in caplog.text


def test_full_word2vec_model_file_loads_its_vectors(tmp_path):
    sentences = [["cat", "sat", "on", "the", "mat"], ["dog", "sat", "on", "the", "rug"]] * 10
    w2v = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)
    path = tmp_path / "full.model"
    w2v.save(str(path))
    loaded, fmt = load_vectors(path)
    assert fmt == "native"
    _same(loaded, w2v.wv)


def test_save_accepts_plain_gensim_vectors_and_word2vec(tmp_path, rng):
    plain = KeyedVectors(4)
    plain.add_vectors(["a", "b"], rng.normal(size=(2, 4)).astype(np.float32))
    save_vectors(plain, tmp_path / "p.safetensors")
    _same(load_vectors(tmp_path / "p.safetensors")[0], plain)
    with pytest.raises(IncompatibleModelError, match="KeyedVectors"):
        save_vectors(np.zeros((2, 2)), tmp_path / "x.safetensors")


def test_save_does_not_modify_the_input(tmp_path, aligned_merge):
    vectors = aligned_merge.vectors.copy()
    keys = list(aligned_merge.index_to_key)
    for name in ("m.safetensors", "m.txt", "m.bin"):
        save_vectors(aligned_merge, tmp_path / name)
    assert aligned_merge.index_to_key == keys
    np.testing.assert_array_equal(aligned_merge.vectors, vectors)


# --------------------------------------------------------------------------------------------------------
# detection


def test_detection_reads_the_bytes_not_the_name(tmp_path, model):
    for fmt in ("native", "word2vec-text", "word2vec-binary", "safetensors"):
        path = tmp_path / f"{fmt}.misnamed"
        save_vectors(model, path, fmt=fmt)
        assert detect_format(path) == fmt
        loaded, got = load_vectors(path)
        assert got == fmt
        _same(loaded, model, exact=fmt != "word2vec-text")


def test_headerless_glove_text(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\ncat -1.0 2.5 3e-2\n", encoding="utf8")
    loaded, fmt = load_vectors(path)
    assert fmt == "word2vec-text" and loaded.index_to_key == ["the", "cat"]
    np.testing.assert_allclose(loaded["cat"], [-1.0, 2.5, 0.03], rtol=1e-6)


def test_format_for_path_and_descriptions():
    assert format_for_path("a/b.safetensors") == ("safetensors", False)
    assert format_for_path("x.BIN.gz") == ("word2vec-binary", True)
    assert set(EXTENSIONS.values()) | {"fasttext-binary"} == set(gm_io.FORMATS)  # Facebook's .bin: read only
    assert "pickle" in describe_format("native") and "trust" in describe_format("native")
    assert describe_format("safetensors") == "safetensors (pickle-free)"
    with pytest.raises(ValueError, match="extension '.npy'"):
        format_for_path("vectors.npy")


# --------------------------------------------------------------------------------------------------------
# errors


def test_missing_empty_and_directory_paths(tmp_path):
    with pytest.raises(ModelFileError, match="no such file.*nothere.kv"):
        load_vectors(tmp_path / "nothere.kv")
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty"):
        load_vectors(tmp_path / "empty.bin")
    with pytest.raises(ModelFileError, match="directory"):
        load_vectors(tmp_path)


def test_unknown_content(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world, these are not vectors\n", encoding="utf8")
    with pytest.raises(ModelFileError, match="cannot tell the format of .*notes.txt"):
        load_vectors(path)


@pytest.mark.parametrize("name", ["m.safetensors", "m.txt", "m.bin", "m.kv", "m.txt.gz"])
def test_truncated_files(tmp_path, model, name):
    path = tmp_path / name
    save_vectors(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ModelFileError, match=name.replace(".", r"\.")):
        load_vectors(path)


def test_safetensors_with_duplicate_keys_is_refused(tmp_path, rng):
    kv = make_kv(["a", "b", "c"], 3, rng)
    kv.index_to_key = ["a", "b", "a"]  # a corrupted vocabulary
    path = tmp_path / "dup.safetensors"
    save_vectors(kv, path)
    with pytest.raises(DuplicateKeyError, match="more than once"):
        load_vectors(path)


@pytest.mark.parametrize("name", ["m.txt", "m.bin"])
def test_word2vec_formats_refuse_keys_they_cannot_hold(tmp_path, rng, name):
    kv = make_kv(["new york", "b"], 3, rng)
    with pytest.raises(ModelFileError, match="whitespace.*'new york'.*safetensors"):
        save_vectors(kv, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_bad_options(tmp_path, model):
    with pytest.raises(ValueError, match="fmt must be one of"):
        save_vectors(model, tmp_path / "m.kv", fmt="pickle")
    save_vectors(model, tmp_path / "m.kv")
    with pytest.raises(ValueError, match="mmap must be"):
        load_vectors(tmp_path / "m.kv", mmap="w+")
    with pytest.raises(ModelFileError, match="not compressed"):
        save_vectors(model, tmp_path / "m.safetensors.gz", fmt="safetensors")


def test_gzip_without_gz_name_says_rename(tmp_path, model):
    save_vectors(model, tmp_path / "m.txt.gz")
    shutil.copy(tmp_path / "m.txt.gz", tmp_path / "m.txt")
    with pytest.raises(ModelFileError, match="rename it to end in .gz"):
        load_vectors(tmp_path / "m.txt")
    with gzip.open(tmp_path / "m.txt.gz", "rb") as fin:
        assert fin.read(3) == b"60 "


def test_interrupted_safetensors_save_keeps_the_old_file(tmp_path, model, monkeypatch):
    path = tmp_path / "m.safetensors"
    save_vectors(model, path)
    before = path.read_bytes()

    def fail(tensors, filename, metadata=None):
        with open(filename, "wb") as fout:
            fout.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(_safetensors, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        save_vectors(make_kv(["x"], 6, np.random.default_rng(1)), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]
