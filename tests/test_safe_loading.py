"""Safe by default (issue 11 §1, §6; issue 12's safetensors points): no file runs code unless the caller opts
in, `.safetensors` always means the safe format, files from the old writer still load, real-world encodings
and fastText files get errors that say what they are, and `convert` leads back to plain gensim."""

import ast
import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import datapath

from gensim_merge import (
    GensimMergeError,
    MergeableKeyedVectors,
    ModelFileEncodingError,
    ModelFileError,
    PickleNotAllowedError,
    cli,
)
from gensim_merge.io import describe_file, detect_format, load_vectors, save_vectors
from tests.conftest import make_kv, merged_and_aligned, random_orthogonal, rotated_copy

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
    for name in ("io.py", "_formats.py", "_safetensors.py"):
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
