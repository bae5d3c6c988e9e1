"""Every save path: ``save`` follows its extension (both classes), fastText models in safetensors, native saves
whose side files cannot be mixed with another save's, temporary files a later save cleans, symbolic links."""

import logging
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors
from gensim.test.utils import common_texts
from safetensors import safe_open

from gensim_merge import MergeableKeyedVectors
from gensim_merge._io import TEMP_PREFIX, _current_umask, atomic_output, remove_stale_temporaries
from gensim_merge._save_format import save_format
from gensim_merge.errors import IncompatibleModelError, ModelFileError, OptionError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import load_vectors, save_vectors
from tests.conftest import make_kv

OOV = "unseenwordxyz"


@pytest.fixture
def kv(rng):
    return make_kv([f"w{i}" for i in range(40)], 5, rng, counts=np.arange(400, 0, -10))


@pytest.fixture(scope="module")
def ft_models():
    a = FastText(common_texts * 3, vector_size=8, min_count=1, bucket=700, workers=1, seed=1, epochs=2)
    b = FastText(common_texts[3:] * 3, vector_size=8, min_count=1, bucket=700, workers=1, seed=2, epochs=2)
    return a, b


@pytest.fixture
def ft(ft_models):
    """A merged fastText model: counts, provenance, sources, merge report, alignment-free."""
    a, b = ft_models
    return MergeableFastTextKeyedVectors.from_fasttext(a).merge_with(b.wv, names=["a", "b"], align=False)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ------------------------------------------------------------------------------------- save follows its name


@pytest.mark.parametrize(("name", "fmt", "compressed"), [
    ("m.txt", "word2vec-text", False), ("m.vec", "word2vec-text", False), ("m.bin", "word2vec-binary", False),
    ("m.txt.gz", "word2vec-text", True), ("M.BIN.GZ", "word2vec-binary", True), ("m.kv", "native", False),
    ("m.model", "native", False), ("m.wv", "native", False), ("m.tst", "native", False), ("model", "native", False),
    ("m.kv.gz", "native", True), ("m.safetensors", "safetensors", False)])
def test_save_format_follows_the_extension(name, fmt, compressed):
    assert save_format(name) == (fmt, compressed)


@pytest.mark.parametrize("name", ["m.txt", "m.vec", "m.txt.gz", "m.bin", "m.bin.gz"])
def test_save_to_a_word2vec_name_writes_what_plain_gensim_reads(tmp_path, kv, name):
    path = str(tmp_path / name)
    kv.save(path)
    plain = KeyedVectors.load_word2vec_format(path, binary=".bin" in name)
    assert plain.index_to_key == kv.index_to_key
    np.testing.assert_allclose(plain.vectors, kv.vectors, rtol=1e-6)
    assert sorted(os.listdir(tmp_path)) == [name]  # no pickle, no side file, no temporary left


@pytest.mark.parametrize("name", ["m.kv", "m.model", "m.wv", "m.tst", "model"])
def test_save_to_a_native_or_unknown_name_writes_gensims_format(tmp_path, kv, name):
    path = str(tmp_path / name)
    kv.save(path)
    plain = KeyedVectors.load(path)
    assert plain.index_to_key == kv.index_to_key and plain.get_vecattr("w0", "count") == 400
    assert MergeableKeyedVectors.load(path).sources == kv.sources


def test_save_to_safetensors_and_its_options(tmp_path, kv):
    kv.save(str(tmp_path / "m.safetensors"))
    assert load_vectors(str(tmp_path / "m.safetensors")).index_to_key == kv.index_to_key
    with pytest.raises(OptionError, match="native format only"):
        kv.save(str(tmp_path / "m.txt"), sep_limit=0)
    with pytest.raises(ModelFileError, match="not compressed"):
        kv.save(str(tmp_path / "x.safetensors.gz"))
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


def test_save_vectors_with_a_forced_native_format_under_a_text_name_writes_native(tmp_path, kv):
    assert save_vectors(kv, str(tmp_path / "m.txt"), fmt="native") == "native"
    assert isinstance(KeyedVectors.load(str(tmp_path / "m.txt")), KeyedVectors)


# ------------------------------------------------------------------------------------- fastText files


def _same_fasttext(loaded, original):
    assert isinstance(loaded, MergeableFastTextKeyedVectors)
    assert loaded.index_to_key == original.index_to_key
    assert (loaded.min_n, loaded.max_n, loaded.bucket) == (original.min_n, original.max_n, original.bucket)
    for name in ("vectors", "vectors_vocab", "vectors_ngrams"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(original, name))
    for name, values in original.expandos.items():
        np.testing.assert_array_equal(loaded.expandos[name], values)
    np.testing.assert_array_equal(loaded.get_vector(OOV), original.get_vector(OOV))
    np.testing.assert_array_equal(loaded.get_vector("human"), original.get_vector("human"))
    assert loaded.sources == original.sources
    assert loaded.merge_report.to_dict() == original.merge_report.to_dict()


@pytest.mark.parametrize("mmap", [None, "r"])
def test_a_fasttext_model_round_trips_through_safetensors_without_pickle(tmp_path, ft, mmap, monkeypatch):
    path = str(tmp_path / "ft.safetensors")
    ft.save(path)
    import pickle

    def forbidden(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    for load in (lambda: load_vectors(path, mmap=mmap), lambda: MergeableKeyedVectors.load(path, mmap=mmap),
                 lambda: MergeableFastTextKeyedVectors.load(path, mmap=mmap)):
        loaded = load()
        _same_fasttext(loaded, ft)
        if mmap:
            assert isinstance(loaded.vectors_ngrams, np.memmap) and not loaded.vectors_ngrams.flags.writeable
    assert load_vectors(path, return_format=True)[1] == "safetensors"


def test_a_fasttext_safetensors_file_is_plain_data_to_inspect(tmp_path, ft):
    path = str(tmp_path / "ft.safetensors")
    assert save_vectors(ft, path) == "safetensors"
    with safe_open(path, framework="np") as st:
        names, metadata = set(st.keys()), st.metadata()
        ngrams = st.get_tensor("fasttext.vectors_ngrams")
    assert {"vectors", "keys.utf8", "keys.offsets", "fasttext.vectors_vocab", "fasttext.vectors_ngrams",
            "attr.count", "attr.provenance"} <= names
    assert metadata["format"] == "gensim-merge-vectors" and '"bucket": 700' in metadata["gensim_merge"]
    np.testing.assert_array_equal(ngrams, ft.vectors_ngrams)


def test_a_word2vec_safetensors_file_is_not_a_fasttext_model(tmp_path, kv):
    kv.save(str(tmp_path / "w.safetensors"))
    with pytest.raises(IncompatibleModelError, match="word2vec vectors"):
        MergeableFastTextKeyedVectors.load(str(tmp_path / "w.safetensors"))


@pytest.mark.parametrize("name", ["ft.txt", "ft.vec", "ft.bin", "ft.txt.gz"])
def test_a_fasttext_model_refuses_word2vec_names_and_names_the_call_that_writes_them(tmp_path, ft, name):
    path = str(tmp_path / name)
    with pytest.raises(ModelFileError, match="save_word2vec_format") as caught:
        ft.save(path)
    assert "buckets" in str(caught.value) and path in str(caught.value)
    assert os.listdir(tmp_path) == []
    ft.save_word2vec_format(path, binary=name.endswith(".bin"))  # the call the message names
    plain = KeyedVectors.load_word2vec_format(path, binary=name.endswith(".bin"))
    assert plain.index_to_key == ft.index_to_key
    assert sorted(os.listdir(tmp_path)) == [name]


@pytest.mark.parametrize("name", ["ft.wv", "ft.kv", "ft.model", "ft.tst"])
def test_a_fasttext_model_saved_under_a_native_name_loads_in_plain_gensim(tmp_path, ft, name):
    path = str(tmp_path / name)
    ft.save(path, sep_limit=0)
    plain = FastTextKeyedVectors.load(path)
    np.testing.assert_allclose(plain.get_vector(OOV), ft.get_vector(OOV), rtol=1e-6)
    assert MergeableFastTextKeyedVectors.load(path).sources == ["a", "b"]


def test_new_writers_give_the_modes_open_would(tmp_path, ft, kv):
    ft.save(str(tmp_path / "ft.safetensors"))
    kv.save(str(tmp_path / "m.txt"))
    ft.save_word2vec_format(str(tmp_path / "ft.vec"))
    for name in ("ft.safetensors", "m.txt", "ft.vec"):
        assert _mode(tmp_path / name) == 0o666 & ~_current_umask()


# ------------------------------------------------------------------------------------- native pairs


def _interrupted_between_renames(monkeypatch):
    """os.replace that performs the side files' renames and then dies before the main file's."""
    real = os.replace

    def replace(src, dst):
        if not os.fspath(dst).endswith(".npy"):
            raise KeyboardInterrupt("killed before the main file was renamed")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("rows", [40, 55])
def test_a_save_killed_between_side_file_and_main_file_is_refused_on_load(tmp_path, rng, monkeypatch, rows):
    path = str(tmp_path / "m.kv")
    old = make_kv([f"w{i}" for i in range(40)], 5, rng)
    old.save(path, sep_limit=0)
    new = make_kv([f"w{i}" for i in range(rows)], 5, rng)
    with monkeypatch.context() as patch:
        _interrupted_between_renames(patch)
        with pytest.raises(KeyboardInterrupt):
            new.save(path, sep_limit=0)
    with pytest.raises(ModelFileError, match="do not belong together"):
        MergeableKeyedVectors.load(path)
    with pytest.raises(ModelFileError, match="do not belong together"):
        load_vectors(path, allow_pickle=True, mmap="r")


def test_a_fasttext_save_killed_between_renames_is_refused_on_load(tmp_path, ft, ft_models, monkeypatch):
    path = str(tmp_path / "ft.wv")
    MergeableFastTextKeyedVectors.from_fasttext(ft_models[0]).save(path, sep_limit=0)
    with monkeypatch.context() as patch:
        _interrupted_between_renames(patch)
        with pytest.raises(KeyboardInterrupt):
            ft.save(path, sep_limit=0)
    with pytest.raises(ModelFileError, match="do not belong together"):
        MergeableFastTextKeyedVectors.load(path)


def test_a_plain_gensim_pair_of_different_sizes_is_refused_by_counting_rows(tmp_path, rng):
    """Files without the fingerprint (plain gensim's): the rows are counted against the keys."""
    small, big = (make_kv([f"w{i}" for i in range(n)], 5, rng) for n in (30, 50))
    KeyedVectors.save(small, str(tmp_path / "m.kv"), sep_limit=0)
    KeyedVectors.save(big, str(tmp_path / "big.kv"), sep_limit=0)
    os.replace(tmp_path / "big.kv.vectors.npy", tmp_path / "m.kv.vectors.npy")
    with pytest.raises(ModelFileError, match="30 keys but its vectors hold 50 rows"):
        MergeableKeyedVectors.load(str(tmp_path / "m.kv"))


# ------------------------------------------------------------------------------------- temporary files


def test_temporary_names_say_whose_they_are_and_end_with_the_name(tmp_path):
    with atomic_output(str(tmp_path / "out.txt.gz")) as tmp:
        name = os.path.basename(tmp)
        assert name.startswith(TEMP_PREFIX) and f"-{os.getpid()}-" in name and name.endswith("-out.txt.gz")
        open(tmp, "w").close()


def test_temporaries_of_a_dead_process_are_removed_by_the_next_save(tmp_path, kv):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead_pid = int(dead.stdout)
    with atomic_output(str(tmp_path / "x.kv")) as tmp:
        host_tag = os.path.basename(tmp)[len(TEMP_PREFIX):].split("-")[0]
        open(tmp, "w").close()
    stale = [tmp_path / f"{TEMP_PREFIX}{host_tag}-{dead_pid}-0123abcd-m.kv",
             tmp_path / f"{TEMP_PREFIX}{host_tag}-{dead_pid}-0123abcd-m.kv.vectors.npy"]
    alive = [tmp_path / f"{TEMP_PREFIX}{host_tag}-{os.getpid()}-0123abcd-other.kv",  # a save in progress
             tmp_path / f"{TEMP_PREFIX}ffffffff-{dead_pid}-0123abcd-m.kv",  # another machine's (shared dir)
             tmp_path / ".tmp-user-file"]  # not ours
    for path in stale + alive:
        path.write_bytes(b"partial")
    if host_tag == "ffffffff":
        pytest.skip("this machine's tag is the one used for another machine")
    kv.save(str(tmp_path / "m.kv"), sep_limit=0)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in alive)
    assert remove_stale_temporaries(str(tmp_path)) == []


# ------------------------------------------------------------------------------------- symbolic links


@pytest.mark.parametrize("name", ["out.kv", "out.txt", "out.safetensors"])
def test_a_symlinked_output_is_replaced_by_a_file_and_its_target_left_alone(tmp_path, kv, name, caplog):
    target = tmp_path / "input.kv"
    target.write_bytes(b"the input, not to be overwritten")
    link = tmp_path / name
    link.symlink_to(target)
    with caplog.at_level(logging.WARNING, logger="gensim_merge._io"):
        kv.save(str(link), **({"sep_limit": 0} if name.endswith(".kv") else {}))
    assert target.read_bytes() == b"the input, not to be overwritten"
    assert not link.is_symlink() and link.is_file()
    assert "symbolic link" in caplog.text
    assert load_vectors(str(link), allow_pickle=True).index_to_key == kv.index_to_key


def test_a_symlinked_side_file_is_replaced_too(tmp_path, kv):
    target = tmp_path / "elsewhere.npy"
    target.write_bytes(b"keep")
    (tmp_path / "m.kv.vectors.npy").symlink_to(target)
    kv.save(str(tmp_path / "m.kv"), sep_limit=0)
    assert target.read_bytes() == b"keep" and not (tmp_path / "m.kv.vectors.npy").is_symlink()
    np.testing.assert_array_equal(MergeableKeyedVectors.load(str(tmp_path / "m.kv")).vectors, kv.vectors)
