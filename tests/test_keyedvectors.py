"""MergeableKeyedVectors as a drop-in KeyedVectors: loading, converting, saving."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.test.utils import common_texts, datapath

from gensim_merge import IncompatibleModelError, MergeableKeyedVectors, ModelFileError
from tests.conftest import make_kv, random_orthogonal, rotated_copy


@pytest.fixture
def plain_kv(rng):
    kv = KeyedVectors(5)
    kv.add_vectors([f"w{i}" for i in range(30)], rng.normal(size=(30, 5)).astype(np.float32))
    kv.expandos["count"] = np.arange(30, 0, -1, dtype=np.int64)
    return kv


@pytest.fixture
def w2v():
    return Word2Vec(common_texts, vector_size=8, min_count=1, workers=1, seed=3, epochs=2)


def test_load_file_saved_by_plain_gensim(tmp_path, plain_kv):
    path = str(tmp_path / "plain.kv")
    plain_kv.save(path)
    loaded = MergeableKeyedVectors.load(path)
    assert type(loaded) is MergeableKeyedVectors
    assert loaded.index_to_key == plain_kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, plain_kv.vectors)
    assert loaded.get_vecattr("w3", "count") == plain_kv.get_vecattr("w3", "count")
    assert loaded.alignment is None and loaded.sources == []


def test_load_memory_mapped(tmp_path, rng):
    kv = make_kv([f"w{i}" for i in range(50)], 8, rng)
    path = str(tmp_path / "big.kv")
    kv.save(path, separately=["vectors"])  # as gensim does by itself for arrays of 10M+ elements
    assert os.path.exists(path + ".vectors.npy")
    loaded = MergeableKeyedVectors.load(path, mmap="r")
    assert isinstance(loaded.vectors, np.memmap)
    assert not loaded.vectors.flags.writeable
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


def test_saved_file_loads_in_plain_gensim_without_gensim_merge(tmp_path, rng):
    kv = make_kv([f"w{i}" for i in range(40)], 6, rng)
    target = make_kv([f"w{i}" for i in range(40)], 6, rng)
    aligned = kv.align_to(target)
    path = str(tmp_path / "ours.kv")
    aligned.save(path)
    code = (
        "import sys; sys.modules['gensim_merge'] = None\n"  # any import of gensim_merge would now fail
        "from gensim.models import KeyedVectors\n"
        f"kv = KeyedVectors.load({path!r})\n"
        "assert type(kv) is KeyedVectors, type(kv)\n"
        "print(len(kv), kv.most_similar('w1', topn=1)[0][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "40"
    assert out[1] == aligned.most_similar("w1", topn=1)[0][0]


def test_save_load_round_trip_keeps_alignment(tmp_path, rng):
    kv = make_kv([f"w{i}" for i in range(80)], 6, rng, counts=np.arange(80, 0, -1))
    target = rotated_copy(kv, random_orthogonal(6, rng))
    aligned = kv.align_to(target)
    path = str(tmp_path / "aligned.kv")
    aligned.save(path)
    loaded = MergeableKeyedVectors.load(path)
    np.testing.assert_array_equal(loaded.vectors, aligned.vectors)
    np.testing.assert_array_equal(loaded.alignment.matrix, aligned.alignment.matrix)
    assert loaded.alignment.report == aligned.alignment.report
    np.testing.assert_array_equal(loaded.expandos["count"], aligned.expandos["count"])


def test_plain_gensim_load_of_our_file_keeps_metadata_as_plain_data(tmp_path, rng):
    kv = make_kv([f"w{i}" for i in range(60)], 4, rng)
    aligned = kv.align_to(rotated_copy(kv, random_orthogonal(4, rng)))
    path = str(tmp_path / "a.kv")
    aligned.save(path)
    plain = KeyedVectors.load(path)
    assert type(plain) is KeyedVectors
    assert plain.gensim_merge_metadata["alignment"]["method"] == "orthogonal"


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trip(tmp_path, rng, binary):
    kv = make_kv([f"w{i}" for i in range(20)], 4, rng)
    path = str(tmp_path / ("v.bin" if binary else "v.txt"))
    kv.save_word2vec_format(path, binary=binary)
    loaded = MergeableKeyedVectors.load_word2vec_format(path, binary=binary)
    assert type(loaded) is MergeableKeyedVectors
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_allclose(loaded.vectors, kv.vectors, rtol=1e-6)


def test_load_word2vec_format_from_gensim_test_data():
    kv = MergeableKeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    assert type(kv) is MergeableKeyedVectors and len(kv) > 0
    assert kv.alignment is None


def test_from_keyed_vectors_copies_by_default(plain_kv):
    ours = MergeableKeyedVectors.from_keyed_vectors(plain_kv)
    ours.vectors[0] = 0.0
    ours.add_vectors(["new"], np.ones((1, 5), dtype=np.float32))
    assert np.any(plain_kv.vectors[0] != 0)
    assert "new" not in plain_kv


def test_from_keyed_vectors_without_copy_shares_memory(plain_kv):
    ours = MergeableKeyedVectors.from_keyed_vectors(plain_kv, copy=False)
    assert np.shares_memory(ours.vectors, plain_kv.vectors)
    assert ours.most_similar("w1", topn=3) == plain_kv.most_similar("w1", topn=3)


def test_from_word2vec(w2v):
    ours = MergeableKeyedVectors.from_word2vec(w2v, copy=False)
    assert np.shares_memory(ours.vectors, w2v.wv.vectors)
    assert ours.get_vecattr("system", "count") == w2v.wv.get_vecattr("system", "count")
    copied = MergeableKeyedVectors.from_word2vec(w2v)
    assert not np.shares_memory(copied.vectors, w2v.wv.vectors)


def test_load_full_word2vec_file_takes_its_vectors(tmp_path, w2v):
    path = str(tmp_path / "w2v.model")
    w2v.save(path)
    loaded = MergeableKeyedVectors.load(path)
    assert type(loaded) is MergeableKeyedVectors
    np.testing.assert_array_equal(loaded.vectors, w2v.wv.vectors)


def test_load_hands_fasttext_files_to_the_fasttext_class(tmp_path):
    from gensim_merge import MergeableFastTextKeyedVectors

    ft = FastText(common_texts, vector_size=4, min_count=1, workers=1, epochs=1)
    for path, obj in ((tmp_path / "ft.model", ft), (tmp_path / "ft.wv", ft.wv)):
        obj.save(str(path))
        loaded = MergeableKeyedVectors.load(str(path))
        assert isinstance(loaded, MergeableFastTextKeyedVectors)
        np.testing.assert_allclose(loaded.get_vector("unseenword"), ft.wv.get_vector("unseenword"), rtol=1e-6)
    whole_words = MergeableKeyedVectors.from_keyed_vectors(ft.wv)
    assert len(whole_words) == len(ft.wv)


def test_constructors_refuse_wrong_types(w2v):
    with pytest.raises(IncompatibleModelError, match="from_word2vec"):
        MergeableKeyedVectors.from_keyed_vectors(w2v)
    with pytest.raises(IncompatibleModelError, match="from_keyed_vectors"):
        MergeableKeyedVectors.from_word2vec(w2v.wv)


def test_load_missing_and_truncated_files(tmp_path, plain_kv):
    with pytest.raises(ModelFileError, match="no such (model )?file"):
        MergeableKeyedVectors.load(str(tmp_path / "absent.kv"))
    path = tmp_path / "cut.kv"
    plain_kv.save(str(path))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="truncated"):
        MergeableKeyedVectors.load(str(path))


def test_vectors_for_all_keeps_the_class(plain_kv):
    ours = MergeableKeyedVectors.from_keyed_vectors(plain_kv)
    subset = ours.vectors_for_all(["w1", "w2", "nope"])
    assert type(subset) is MergeableKeyedVectors
    assert subset.index_to_key == ["w1", "w2"]


def test_save_is_atomic_when_interrupted(tmp_path, rng, monkeypatch):
    path = str(tmp_path / "model.kv")
    first = make_kv(["a", "b"], 3, rng)
    first.save(path)
    before = Path(path).read_bytes()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt("simulated crash in the middle of writing")

    second = make_kv(["c", "d", "e"], 3, rng)
    monkeypatch.setattr(pickle, "dump", explode)
    with pytest.raises(KeyboardInterrupt):
        second.save(path)
    monkeypatch.undo()
    assert Path(path).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.kv"]  # no temporary file left behind
    assert MergeableKeyedVectors.load(path).index_to_key == ["a", "b"]


def test_save_word2vec_format_is_atomic(tmp_path, rng, monkeypatch):
    path = str(tmp_path / "v.txt")
    make_kv(["a"], 2, rng).save_word2vec_format(path)
    before = Path(path).read_text()
    calls = []

    def failing_getitem(self, key):
        calls.append(key)
        if len(calls) > 1:
            raise OSError("simulated disk failure after the first vector")
        return self.get_vector(key)

    monkeypatch.setattr(MergeableKeyedVectors, "__getitem__", failing_getitem)
    with pytest.raises(OSError, match="simulated"):
        make_kv(["b", "c"], 2, rng).save_word2vec_format(path)
    monkeypatch.undo()
    assert Path(path).read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["v.txt"]
