"""Files: formats, detection, the pickle gate, saving by extension, atomic writes and file modes."""

import ast
import gzip
import logging
import os
import pickle
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors
from gensim.test.utils import common_texts, datapath
from safetensors import safe_open

from gensim_merge import (
    DuplicateKeyError,
    GensimMergeError,
    IncompatibleModelError,
    MergeableKeyedVectors,
    ModelFileEncodingError,
    ModelFileError,
    PickleNotAllowedError,
    _files,
    cli,
)
from gensim_merge import io as gm_io
from gensim_merge._files import TEMP_PREFIX, _current_umask, atomic_output, remove_stale_temporaries, save_format
from gensim_merge.errors import OptionError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import (
    EXTENSIONS,
    SAFETENSORS_FORMAT,
    describe_file,
    describe_format,
    detect_format,
    format_for_path,
    load_vectors,
    save_vectors,
)
from gensim_merge.io import load_vectors as _load_vectors
from tests.conftest import make_kv, merged_and_aligned, random_orthogonal, rotated_copy

# --------------------------------------------------------------------------------------------------------------
# from test_io.py
# --------------------------------------------------------------------------------------------------------------

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


def load_vectors_io(path, **options):
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
    loaded, got = load_vectors_io(path)
    assert got == fmt == detect_format(path)
    assert isinstance(loaded, MergeableKeyedVectors)
    _same(loaded, model, exact=exact)


@pytest.mark.parametrize("ext", [".kv", ".safetensors"])
def test_full_metadata_round_trip(tmp_path, aligned_merge, ext):
    path = tmp_path / f"m{ext}"
    save_vectors(aligned_merge, path)
    loaded, _ = load_vectors_io(path)
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
    loaded, fmt = load_vectors_io(path)
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
        load_vectors_io(path)


def test_mmap_read_is_a_read_only_view_and_leaves_the_file_alone(tmp_path, aligned_merge):
    path = tmp_path / "m.safetensors"
    save_vectors(aligned_merge, path)
    before = path.read_bytes()
    loaded, _ = load_vectors_io(path, mmap="r")
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
    loaded, fmt = load_vectors_io(path, mmap="r")
    assert fmt == "native" and isinstance(loaded.vectors, np.memmap)
    _same(loaded, model)


def test_mmap_of_word2vec_format_reads_into_memory_with_a_warning(tmp_path, model, caplog):
    path = tmp_path / "m.bin"
    save_vectors(model, path)
    loaded, _ = load_vectors_io(path, mmap="r")
    assert not isinstance(loaded.vectors, np.memmap)
    assert "memory-mapped" in caplog.text


def test_full_word2vec_model_file_loads_its_vectors(tmp_path):
    sentences = [["cat", "sat", "on", "the", "mat"], ["dog", "sat", "on", "the", "rug"]] * 10
    w2v = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)
    path = tmp_path / "full.model"
    w2v.save(str(path))
    loaded, fmt = load_vectors_io(path)
    assert fmt == "native"
    _same(loaded, w2v.wv)


def test_save_accepts_plain_gensim_vectors_and_word2vec(tmp_path, rng):
    plain = KeyedVectors(4)
    plain.add_vectors(["a", "b"], rng.normal(size=(2, 4)).astype(np.float32))
    save_vectors(plain, tmp_path / "p.safetensors")
    _same(load_vectors_io(tmp_path / "p.safetensors")[0], plain)
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
        loaded, got = load_vectors_io(path)
        assert got == fmt
        _same(loaded, model, exact=fmt != "word2vec-text")


def test_headerless_glove_text(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\ncat -1.0 2.5 3e-2\n", encoding="utf8")
    loaded, fmt = load_vectors_io(path)
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
        load_vectors_io(tmp_path / "nothere.kv")
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty"):
        load_vectors_io(tmp_path / "empty.bin")
    with pytest.raises(ModelFileError, match="directory"):
        load_vectors_io(tmp_path)


def test_unknown_content(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world, these are not vectors\n", encoding="utf8")
    with pytest.raises(ModelFileError, match="cannot tell the format of .*notes.txt"):
        load_vectors_io(path)


@pytest.mark.parametrize("name", ["m.safetensors", "m.txt", "m.bin", "m.kv", "m.txt.gz"])
def test_truncated_files(tmp_path, model, name):
    path = tmp_path / name
    save_vectors(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ModelFileError, match=name.replace(".", r"\.")):
        load_vectors_io(path)


def test_safetensors_with_duplicate_keys_is_refused(tmp_path, rng):
    kv = make_kv(["a", "b", "c"], 3, rng)
    kv.index_to_key = ["a", "b", "a"]  # a corrupted vocabulary
    path = tmp_path / "dup.safetensors"
    save_vectors(kv, path)
    with pytest.raises(DuplicateKeyError, match="more than once"):
        load_vectors_io(path)


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
        load_vectors_io(tmp_path / "m.kv", mmap="w+")
    with pytest.raises(ModelFileError, match="not compressed"):
        save_vectors(model, tmp_path / "m.safetensors.gz", fmt="safetensors")


def test_gzip_without_gz_name_says_rename(tmp_path, model):
    save_vectors(model, tmp_path / "m.txt.gz")
    shutil.copy(tmp_path / "m.txt.gz", tmp_path / "m.txt")
    with pytest.raises(ModelFileError, match="rename it to end in .gz"):
        load_vectors_io(tmp_path / "m.txt")
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

    monkeypatch.setattr(_files, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        save_vectors(make_kv(["x"], 6, np.random.default_rng(1)), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]
# --------------------------------------------------------------------------------------------------------------
# from test_safe_loading.py
# --------------------------------------------------------------------------------------------------------------


DATA = Path(__file__).parent / "data"
PACKAGE = Path(__file__).resolve().parents[1] / "gensim_merge"


class _Payload:
    """Unpickling this creates the file `marker` (as ``open(marker, "w")`` would): proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


def _write_evil(path, marker):
    data = pickle.dumps(_Payload(str(marker)), protocol=4)
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    Path(path).write_bytes(data)
    return Path(path)


EVIL_NAMES = ["evil.safetensors", "evil.kv", "evil.bin", "evil.txt", "evil", "evil.kv.gz"]


@pytest.fixture
def good(tmp_path, rng):
    """Two small pickle-free models and a corpus, for the commands' other inputs."""
    words = [f"w{i}" for i in range(60)]
    a = make_kv(words, 6, rng, counts=np.arange(600, 0, -10))
    save_vectors(a, tmp_path / "a.safetensors")
    save_vectors(rotated_copy(a, random_orthogonal(6, rng)), tmp_path / "b.safetensors")
    (tmp_path / "corpus.txt").write_text("w1 w2 w3 w4\nw2 w3 w5\n" * 20)
    return tmp_path


def _commands(evil, d):
    return {
        "align (source)": ["align", evil, d / "a.safetensors", "-o", d / "o.safetensors"],
        "align (target)": ["align", d / "a.safetensors", evil, "-o", d / "o.safetensors"],
        "merge": ["merge", d / "a.safetensors", evil, "-o", d / "o.safetensors"],
        "continue": ["continue", evil, d / "corpus.txt", "-o", d / "o.safetensors"],
        "evaluate": ["evaluate", evil],
        "evaluate --reference": ["evaluate", d / "a.safetensors", "--reference", evil],
        "report": ["report", d / "a.safetensors", evil, "-o", d / "r.html"],
        "convert": ["convert", evil, d / "o.safetensors"],
    }


# --------------------------------------------------------------------------------------------------------
# no file runs code unless the caller opts in
@pytest.mark.parametrize("name", EVIL_NAMES)
def test_a_pickle_under_any_name_is_refused_by_load_vectors_and_never_runs(tmp_path, name):
    marker = tmp_path / "PWNED"
    evil = _write_evil(tmp_path / name, marker)
    assert detect_format(evil) == "native"  # detection reads bytes and never unpickles
    with pytest.raises(PickleNotAllowedError, match="pickle.*runs code.*allow_pickle=True.*--allow-pickle"):
        load_vectors(evil)
    with pytest.raises(PickleNotAllowedError):
        load_vectors(evil, fmt="native")
    with pytest.raises(ModelFileError):  # forcing a data-only format does not unpickle either
        load_vectors(evil, fmt="safetensors")
    assert not marker.exists()
    assert issubclass(PickleNotAllowedError, (ModelFileError, GensimMergeError, ValueError))


@pytest.mark.parametrize("name", EVIL_NAMES)
def test_a_pickle_under_any_name_is_refused_by_every_command_and_never_runs(good, name, capsys):
    marker = good / "PWNED"
    evil = _write_evil(good / name, marker)
    for what, argv in _commands(evil, good).items():
        code = cli.main([str(a) for a in argv])
        err = capsys.readouterr().err
        assert code == 1, what
        assert "--allow-pickle" in err and "runs code" in err, (what, err)
        assert not marker.exists(), what
        assert not (good / "o.safetensors").exists() and not (good / "r.html").exists()


def test_the_real_command_refuses_a_pickle_named_safetensors(good):
    import subprocess
    import sys

    marker = good / "PWNED"
    evil = _write_evil(good / "evil.safetensors", marker)
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent))
    done = subprocess.run([sys.executable, "-m", "gensim_merge", "evaluate", str(evil)], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1 and "--allow-pickle" in done.stderr
    assert not marker.exists()


def test_with_the_opt_in_a_genuine_gensim_file_loads(tmp_path, rng, capsys):
    plain = KeyedVectors(4)
    plain.add_vectors(["cat", "dog", "eel"], rng.normal(size=(3, 4)).astype(np.float32))
    plain.save(str(tmp_path / "plain.kv"))
    loaded = load_vectors(tmp_path / "plain.kv", allow_pickle=True)
    assert isinstance(loaded, MergeableKeyedVectors) and loaded.index_to_key == ["cat", "dog", "eel"]
    np.testing.assert_array_equal(loaded.vectors, plain.vectors)
    for argv in (["--allow-pickle", "convert"], ["convert", "--allow-pickle"]):  # before or after the command
        assert cli.main([*argv, str(tmp_path / "plain.kv"), str(tmp_path / "plain.safetensors")]) == 0
        assert load_vectors(tmp_path / "plain.safetensors").index_to_key == ["cat", "dog", "eel"]
    assert "gensim native (a pickle" in capsys.readouterr().err


def test_continue_loads_a_full_model_only_with_the_opt_in(tmp_path, capsys):
    sentences = [["w1", "w2", "w3", "w4"], ["w2", "w3", "w5"]] * 20
    Word2Vec(sentences, vector_size=6, min_count=1, workers=1, seed=1, epochs=1).save(str(tmp_path / "old.model"))
    (tmp_path / "new.txt").write_text("w1 w6 w2\n" * 20)
    argv = ["continue", str(tmp_path / "old.model"), str(tmp_path / "new.txt"), "-o", str(tmp_path / "o.txt"),
            "--epochs", "1", "--workers", "1"]
    assert cli.main(argv) == 1 and "--allow-pickle" in capsys.readouterr().err
    assert cli.main([*argv, "--allow-pickle"]) == 0
    assert "full Word2Vec model" in capsys.readouterr().err
    assert "w6" in load_vectors(tmp_path / "o.txt")


def test_plain_call_returns_the_vectors_and_the_format_on_request(tmp_path, rng):
    kv = make_kv(["a", "b"], 3, rng)
    save_vectors(kv, tmp_path / "m.bin")
    assert isinstance(load_vectors(tmp_path / "m.bin"), MergeableKeyedVectors)
    loaded, fmt = load_vectors(tmp_path / "m.bin", return_format=True)
    assert fmt == "word2vec-binary" and loaded.index_to_key == ["a", "b"]


# --------------------------------------------------------------------------------------------------------
# .safetensors always means the safe format
def _is_pickle(path):
    head = Path(path).read_bytes()[:2]
    return head[0] == 0x80 and 2 <= head[1] <= 5


@pytest.fixture
def rich(rng):
    """A merged, aligned model: provenance, counts, sources, merge report, alignment, lifecycle events."""
    return merged_and_aligned(rng, n_words=50, dim=5)


def _same_model(loaded, original):
    assert loaded.index_to_key == original.index_to_key
    assert loaded.vectors.tobytes() == np.ascontiguousarray(original.vectors).tobytes()
    assert sorted(loaded.expandos) == sorted(original.expandos)
    for name, values in original.expandos.items():
        np.testing.assert_array_equal(loaded.expandos[name], values)
    got, want = loaded._metadata_to_dict(), original._metadata_to_dict()
    assert got["sources"] == want["sources"] and got["merge_report"] == want["merge_report"]
    assert sorted(got["alignment"]) == sorted(want["alignment"])
    for key, value in want["alignment"].items():
        if isinstance(value, np.ndarray):
            assert got["alignment"][key].tobytes() == value.tobytes()
        else:
            assert got["alignment"][key] == value


def test_class_save_to_safetensors_writes_the_safe_format_and_class_load_reads_it(tmp_path, rich):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "x.safetensors"
    rich.save(str(path))
    assert not _is_pickle(path) and b"\x80\x04\x95" not in path.read_bytes()
    np.testing.assert_array_equal(safetensors_numpy.load_file(str(path))["vectors"], rich.vectors)
    for loaded in (MergeableKeyedVectors.load(str(path)), MergeableKeyedVectors.load(str(path), mmap="r"),
                   load_vectors(path), load_vectors(path, mmap="r")):
        _same_model(loaded, rich)
    assert isinstance(MergeableKeyedVectors.load(str(path), mmap="r").vectors, np.memmap)
    rich.save(str(tmp_path / "X.SafeTensors"))  # the extension in any case
    assert not _is_pickle(tmp_path / "X.SafeTensors")


def test_a_safetensors_name_never_gets_a_pickle(tmp_path, rich):
    with pytest.raises(ModelFileError, match="pickle-free"):
        save_vectors(rich, tmp_path / "x.safetensors", fmt="native")
    assert not (tmp_path / "x.safetensors").exists()
    assert cli.main(["convert", "--allow-pickle", str(_native(tmp_path, rich)), str(tmp_path / "y.safetensors")]) == 0
    assert not _is_pickle(tmp_path / "y.safetensors")


def _native(tmp_path, kv):
    kv.save(str(tmp_path / "n.kv"))
    return tmp_path / "n.kv"


def test_one_metadata_dict_serves_both_formats(tmp_path, rich):
    rich.save(str(tmp_path / "n.kv"))
    rich.save(str(tmp_path / "s.safetensors"))
    native = load_vectors(tmp_path / "n.kv", allow_pickle=True)
    safe = load_vectors(tmp_path / "s.safetensors")
    _same_model(native, rich)
    _same_model(safe, native)
    events = [e["event"] for e in native.lifecycle_events]
    assert events[-1] == "loaded"  # gensim's load adds one
    assert [e["event"] for e in safe.lifecycle_events] == events[:-1] == ["align_to", "saving"]


def test_modules_below_the_class_do_not_import_it():
    for name in ("_files.py",):  # io dispatches to the classes: it imports them on purpose
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert "MergeableKeyedVectors" not in imported, name


# --------------------------------------------------------------------------------------------------------
# files of the old hand-written writer, and files the package writes
def test_a_file_from_the_old_writer_still_loads():
    path = DATA / "old_writer_v1.safetensors"  # written by gensim-merge 0.1's own safetensors writer
    want = np.load(DATA / "old_writer_v1.vectors.npy")
    for mmap in (None, "r"):
        kv = load_vectors(path, mmap=mmap)
        np.testing.assert_array_equal(kv.vectors, want)
        assert kv.index_to_key[-3:] == ["café", "new york", "only_b"] and len(kv) == 15
        assert kv.sources == ["a", "b"] and kv.provenance("only_b") == ["b"] and kv.provenance("w0") == ["a", "b"]
        assert kv.get_vecattr("w0", "count") > 0
        assert kv.merge_report.sources == ("a", "b") and kv.merge_report.center_fit
        assert kv.alignment.method == "orthogonal" and kv.alignment.matrix.shape == (4, 4)
        assert kv.lifecycle_events[-1]["event"] == "align_to"


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_memory_mapped_read_matches_the_package_on_files_it_writes(tmp_path, rng, dtype):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    kv = make_kv([f"w{i}" for i in range(40)] + ["café"], 7, rng, dtype=dtype,
                 counts=np.arange(41, dtype=np.int64))
    kv.expandos["flag"] = (np.arange(41) % 2).astype(np.uint8)  # odd item sizes between the tensors
    path = tmp_path / "m.safetensors"
    save_vectors(kv, path)
    mapped = load_vectors(path, mmap="r")
    assert isinstance(mapped.vectors, np.memmap) and mapped.vectors.dtype == dtype
    assert mapped.vectors.ctypes.data % mapped.vectors.dtype.itemsize == 0
    by_package = safetensors_numpy.load_file(str(path))
    assert mapped.vectors.tobytes() == by_package["vectors"].tobytes() == kv.vectors.tobytes()
    np.testing.assert_array_equal(mapped.expandos["flag"], by_package["attr.flag"])


def test_empty_model_round_trips(tmp_path):
    kv = MergeableKeyedVectors(4)
    save_vectors(kv, tmp_path / "e.safetensors")
    for mmap in (None, "r"):
        loaded = load_vectors(tmp_path / "e.safetensors", mmap=mmap)
        assert len(loaded) == 0 and loaded.vectors.shape == (0, 4)


# --------------------------------------------------------------------------------------------------------
# real files: other encodings, fastText
def _latin1_text(path, *, first=True):
    words = ["café", "the", "naïve"] if first else ["the", "cat", "naïve"]
    lines = [f"{len(words)} 3"] + [f"{w} {i}.5 -{i} 0.25" for i, w in enumerate(words)]
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def _latin1_binary(path):
    with open(path, "wb") as fout:
        fout.write(b"2 3\n")
        fout.writelines(word.encode("latin-1") + b" " + np.asarray(vec, dtype="<f4").tobytes() + b"\n"
                        for word, vec in (("café", [1, 0, 0]), ("eel", [0, 1, 0])))
    return path


@pytest.mark.parametrize("first", [True, False])
def test_a_latin1_text_file_is_text_and_its_error_says_encoding(tmp_path, first):
    path = _latin1_text(tmp_path / "latin.txt", first=first)
    assert detect_format(path) == "word2vec-text"  # was: taken for binary
    with pytest.raises(ModelFileEncodingError, match=r"latin\.txt.*not valid utf8.*--encoding latin-1") as info:
        load_vectors(path)
    assert isinstance(info.value, UnicodeDecodeError) and isinstance(info.value, GensimMergeError)
    assert info.value.reason and info.value.end > info.value.start
    assert "truncated" not in str(info.value)
    assert "naïve" in load_vectors(path, encoding="latin-1")
    assert len(load_vectors(path, unicode_errors="replace")) == 3


def test_a_latin1_binary_file_and_headerless_text(tmp_path):
    path = _latin1_binary(tmp_path / "latin.bin")
    assert detect_format(path) == "word2vec-binary"
    with pytest.raises(UnicodeDecodeError, match="--encoding"):
        load_vectors(path)
    assert load_vectors(path, encoding="latin-1").index_to_key == ["café", "eel"]
    glove = tmp_path / "glove.txt"
    glove.write_bytes("café 0.1 0.2\nthe 0.3 0.4\n".encode("latin-1"))
    assert detect_format(glove) == "word2vec-text"
    assert load_vectors(glove, encoding="latin-1").index_to_key == ["café", "the"]


def test_the_class_keeps_gensims_unicode_contract(tmp_path):
    path = _latin1_text(tmp_path / "latin.txt")
    with pytest.raises(UnicodeDecodeError):
        MergeableKeyedVectors.load_word2vec_format(str(path))


def test_encoding_options_on_the_command_line(tmp_path, capsys):
    path = _latin1_text(tmp_path / "latin.txt")
    assert cli.main(["evaluate", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--encoding latin-1" in err[0] and "truncated" not in err[0]
    assert cli.main(["evaluate", str(path), "--encoding", "latin-1"]) == 0
    assert cli.main(["--unicode-errors", "replace", "evaluate", str(path)]) == 0
    assert cli.main(["convert", str(path), str(tmp_path / "utf8.txt"), "--encoding", "latin-1"]) == 0
    assert (tmp_path / "utf8.txt").read_text(encoding="utf8").splitlines()[1].startswith("café ")
    capsys.readouterr()
    assert cli.main(["evaluate", str(path), "--encoding", "klingon"]) == 1
    assert "--encoding 'klingon'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["lee_fasttext.bin", "lee_fasttext_new.bin"])
def test_a_fasttext_binary_is_named_as_such_and_loads_without_pickle(name, capsys):
    from gensim_merge import MergeableFastTextKeyedVectors

    path = datapath(name)
    assert detect_format(path) == "fasttext-binary"
    ft = load_vectors(path)  # Facebook's format is no pickle: no opt-in needed
    assert isinstance(ft, MergeableFastTextKeyedVectors) and ft.bucket > 0
    assert ft.get_vector("a-word-nobody-saw").shape == (ft.vector_size,)  # from the n-gram buckets
    assert cli.main(["evaluate", path]) == 0
    assert "fastText binary" in capsys.readouterr().err


def test_fasttext_sniffing_leaves_word2vec_binary_alone(tmp_path, rng):
    kv = make_kv([f"w{i}" for i in range(20)], 12, rng)
    save_vectors(kv, tmp_path / "m.bin")
    assert detect_format(tmp_path / "m.bin") == "word2vec-binary"
    (tmp_path / "noise").write_bytes(struct.pack("<12i", *([7] * 12)))
    with pytest.raises(ModelFileError, match="cannot tell the format"):
        detect_format(tmp_path / "noise")


# --------------------------------------------------------------------------------------------------------
# convert: one step back to gensim
@pytest.mark.parametrize("out, fmt", [("back.kv", "native"), ("back.model", "native"), ("back.txt", "word2vec-text"),
                                      ("back.vec.gz", "word2vec-text"), ("back.bin", "word2vec-binary"),
                                      ("back.kv.gz", "native"), ("back.safetensors", "safetensors")])
def test_convert_writes_the_format_of_the_output_extension(tmp_path, rich, capsys, out, fmt):
    save_vectors(rich, tmp_path / "in.safetensors")
    assert cli.main(["convert", str(tmp_path / "in.safetensors"), str(tmp_path / out)]) == 0
    assert detect_format(tmp_path / out) == fmt
    assert describe_file(tmp_path / out).split(" ")[0] in capsys.readouterr().err
    loaded = load_vectors(tmp_path / out, allow_pickle=True)
    assert loaded.index_to_key == rich.index_to_key
    np.testing.assert_allclose(loaded.vectors, rich.vectors, rtol=1e-6, atol=1e-7)
    if fmt == "native":  # plain gensim reads it, no gensim_merge needed
        plain = KeyedVectors.load(str(tmp_path / out))
        np.testing.assert_array_equal(plain.vectors, rich.vectors)


def test_convert_refuses_bad_outputs_before_reading(tmp_path, rich, capsys):
    save_vectors(rich, tmp_path / "in.safetensors")
    for argv, message in ((["convert", "in.safetensors", "out.npy"], "extension '.npy'"),
                          (["convert", "in.safetensors", "in.safetensors"], "same file"),
                          (["convert", "in.safetensors", "out.safetensors.gz"], "not compressed"),
                          (["convert", "in.safetensors", "nodir/out.kv"], "does not exist")):
        assert cli.main([*argv[:1], *(str(tmp_path / a) for a in argv[1:])]) == 1
        assert message in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["in.safetensors"]
# --------------------------------------------------------------------------------------------------------------
# from test_file_modes.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def kv(rng):
    return make_kv([f"w{i}" for i in range(30)], 4, rng, counts=np.arange(300, 0, -10))


def _write_class_native(kv, tmp_path):
    path = tmp_path / "m.kv"
    kv.save(str(path), sep_limit=0)  # arrays into .npy side files
    return [path, *sorted(tmp_path.glob("m.kv.*.npy"))]


def _write_with(ext):
    def write(kv, tmp_path):
        path = tmp_path / f"m{ext}"
        save_vectors(kv, path)
        return [path]
    return write


def _write_class_word2vec(kv, tmp_path):
    path = tmp_path / "m.bin"
    kv.save_word2vec_format(str(path), fvocab=str(tmp_path / "vocab.txt"), binary=True)
    return [path, tmp_path / "vocab.txt"]


def _write_class_safetensors(kv, tmp_path):
    path = tmp_path / "m.safetensors"
    kv.save(str(path))
    return [path]


def _write_alignment(kv, tmp_path):
    other = rotated_copy(kv, random_orthogonal(4, np.random.default_rng(1)))
    path = tmp_path / "map.npz"
    kv.alignment_to(other, anchor_min_count=0).save(str(path))
    return [path]


def _write_report(kv, tmp_path):
    pytest.importorskip("matplotlib")
    from gensim_merge.report_html import PNG_NAMES, alignment_report_html

    other = rotated_copy(kv, random_orthogonal(4, np.random.default_rng(1)))
    alignment = kv.alignment_to(other, anchor_min_count=0)
    alignment_report_html(kv, other, alignment, str(tmp_path / "r.html"), png_dir=str(tmp_path / "png"),
                          anchor_min_count=0)
    return [tmp_path / "r.html", *(tmp_path / "png" / name for name in PNG_NAMES.values())]


WRITERS = {
    "class save, native with side files": _write_class_native,
    "class save, .safetensors": _write_class_safetensors,
    "class save_word2vec_format with fvocab": _write_class_word2vec,
    "save_vectors .safetensors": _write_with(".safetensors"),
    "save_vectors .kv.gz": _write_with(".kv.gz"),
    "save_vectors .txt": _write_with(".txt"),
    "save_vectors .bin": _write_with(".bin"),
    "Alignment.save .npz": _write_alignment,
    "report html and png": _write_report,
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=list(WRITERS))
def test_new_files_get_the_umask_mode(tmp_path, kv, umask, writer):
    paths = writer(kv, tmp_path)
    assert paths
    for path in paths:
        assert _mode(path) == 0o666 & ~umask, path


@pytest.mark.parametrize("writer", WRITERS.values(), ids=list(WRITERS))
def test_overwritten_files_keep_their_mode(tmp_path, kv, umask, writer):
    paths = writer(kv, tmp_path)
    for i, path in enumerate(paths):
        os.chmod(path, (0o644, 0o640, 0o604)[i % 3])
    before = {path: _mode(path) for path in paths}
    assert writer(kv, tmp_path) == paths
    assert {path: _mode(path) for path in paths} == before


def test_umask_is_read_without_changing_it(umask):
    assert _current_umask() == umask
    assert _current_umask() == umask


def test_failed_write_leaves_no_file_and_the_old_mode(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError), atomic_output(path) as tmp:
        with open(tmp, "w") as fout:
            fout.write("new")
        raise RuntimeError("boom")
    assert path.read_text() == "old" and _mode(path) == 0o640
    assert os.listdir(tmp_path) == ["x.txt"]
# --------------------------------------------------------------------------------------------------------------
# from test_saving.py
# --------------------------------------------------------------------------------------------------------------


OOV = "unseenwordxyz"


@pytest.fixture
def kv_saving(rng):
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


# ------------------------------------------------------------------------------------- save follows its name
@pytest.mark.parametrize(("name", "fmt", "compressed"), [
    ("m.txt", "word2vec-text", False), ("m.vec", "word2vec-text", False), ("m.bin", "word2vec-binary", False),
    ("m.txt.gz", "word2vec-text", True), ("M.BIN.GZ", "word2vec-binary", True), ("m.kv", "native", False),
    ("m.model", "native", False), ("m.wv", "native", False), ("m.tst", "native", False), ("model", "native", False),
    ("m.kv.gz", "native", True), ("m.safetensors", "safetensors", False)])
def test_save_format_follows_the_extension(name, fmt, compressed):
    assert save_format(name) == (fmt, compressed)


@pytest.mark.parametrize("name", ["m.txt", "m.vec", "m.txt.gz", "m.bin", "m.bin.gz"])
def test_save_to_a_word2vec_name_writes_what_plain_gensim_reads(tmp_path, kv_saving, name):
    path = str(tmp_path / name)
    kv_saving.save(path)
    plain = KeyedVectors.load_word2vec_format(path, binary=".bin" in name)
    assert plain.index_to_key == kv_saving.index_to_key
    np.testing.assert_allclose(plain.vectors, kv_saving.vectors, rtol=1e-6)
    assert sorted(os.listdir(tmp_path)) == [name]  # no pickle, no side file, no temporary left


@pytest.mark.parametrize("name", ["m.kv", "m.model", "m.wv", "m.tst", "model"])
def test_save_to_a_native_or_unknown_name_writes_gensims_format(tmp_path, kv_saving, name):
    path = str(tmp_path / name)
    kv_saving.save(path)
    plain = KeyedVectors.load(path)
    assert plain.index_to_key == kv_saving.index_to_key and plain.get_vecattr("w0", "count") == 400
    assert MergeableKeyedVectors.load(path).sources == kv_saving.sources


def test_save_to_safetensors_and_its_options(tmp_path, kv_saving):
    kv_saving.save(str(tmp_path / "m.safetensors"))
    assert load_vectors(str(tmp_path / "m.safetensors")).index_to_key == kv_saving.index_to_key
    with pytest.raises(OptionError, match="native format only"):
        kv_saving.save(str(tmp_path / "m.txt"), sep_limit=0)
    with pytest.raises(ModelFileError, match="not compressed"):
        kv_saving.save(str(tmp_path / "x.safetensors.gz"))
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


def test_save_vectors_with_a_forced_native_format_under_a_text_name_writes_native(tmp_path, kv_saving):
    assert save_vectors(kv_saving, str(tmp_path / "m.txt"), fmt="native") == "native"
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


def test_a_word2vec_safetensors_file_is_not_a_fasttext_model(tmp_path, kv_saving):
    kv_saving.save(str(tmp_path / "w.safetensors"))
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


def test_new_writers_give_the_modes_open_would(tmp_path, ft, kv_saving):
    ft.save(str(tmp_path / "ft.safetensors"))
    kv_saving.save(str(tmp_path / "m.txt"))
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


def test_temporaries_of_a_dead_process_are_removed_by_the_next_save(tmp_path, kv_saving):
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
    kv_saving.save(str(tmp_path / "m.kv"), sep_limit=0)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in alive)
    assert remove_stale_temporaries(str(tmp_path)) == []


# ------------------------------------------------------------------------------------- symbolic links
@pytest.mark.parametrize("name", ["out.kv", "out.txt", "out.safetensors"])
def test_a_symlinked_output_is_replaced_by_a_file_and_its_target_left_alone(tmp_path, kv_saving, name, caplog):
    target = tmp_path / "input.kv"
    target.write_bytes(b"the input, not to be overwritten")
    link = tmp_path / name
    link.symlink_to(target)
    with caplog.at_level(logging.WARNING, logger="gensim_merge._files"):
        kv_saving.save(str(link), **({"sep_limit": 0} if name.endswith(".kv") else {}))
    assert target.read_bytes() == b"the input, not to be overwritten"
    assert not link.is_symlink() and link.is_file()
    assert "symbolic link" in caplog.text
    assert load_vectors(str(link), allow_pickle=True).index_to_key == kv_saving.index_to_key


def test_a_symlinked_side_file_is_replaced_too(tmp_path, kv_saving):
    target = tmp_path / "elsewhere.npy"
    target.write_bytes(b"keep")
    (tmp_path / "m.kv.vectors.npy").symlink_to(target)
    kv_saving.save(str(tmp_path / "m.kv"), sep_limit=0)
    assert target.read_bytes() == b"keep" and not (tmp_path / "m.kv.vectors.npy").is_symlink()
    np.testing.assert_array_equal(MergeableKeyedVectors.load(str(tmp_path / "m.kv")).vectors, kv_saving.vectors)
