"""The bad-input catalogue of docs/reliability.md: every entry, over the Python API and the command line.

Each bad input gets the package's own error (a GensimMergeError subclass) with a message naming the way out,
or a documented behaviour tested here; never a silent wrong answer, a mutated input or a lost word.
"""

import glob
import hashlib
import logging
import os
import pickle
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from gensim.models import Word2Vec

from gensim_merge import Alignment, MergeableKeyedVectors, merge
from gensim_merge.cli import main
from gensim_merge.errors import (
    AnchorError,
    CorpusError,
    DimensionMismatchError,
    EmptyModelError,
    GensimMergeError,
    ModelFileError,
    NonFiniteVectorsError,
)
from gensim_merge.io import load_vectors as _load_vectors
from gensim_merge.io import save_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = [f"w{i}" for i in range(60)]
DIM = 8


def load_vectors(path, **options):
    """(vectors, format) of a file these tests wrote (so pickles are trusted)."""
    return _load_vectors(path, allow_pickle=True, return_format=True, **options)


FORMATS = ["m.kv", "m.safetensors", "m.txt", "m.bin", "m.txt.gz", "m.bin.gz", "m.kv.gz"]


@pytest.fixture
def pair(rng):
    """A model and a rotated, rescaled copy of it sharing 40 words (with counts)."""
    a = make_kv(WORDS, DIM, rng, counts=np.arange(1000, 940, -1))
    b = rotated_copy(a, random_orthogonal(DIM, rng), scale=2.0).vectors_for_all(WORDS[20:])
    b.add_vectors(["x", "y"], rng.normal(size=(2, DIM)).astype(np.float32))
    b.expandos["count"] = np.full(len(b), 50, dtype=np.int64)
    return a, b


def snapshot(kv):
    return (np.array(kv.vectors).tobytes(), list(kv.index_to_key), dict(kv.key_to_index),
            {k: np.array(v).tobytes() for k, v in kv.expandos.items()})


def file_digests(pattern):
    return {path: hashlib.sha256(open(path, "rb").read()).hexdigest() for path in sorted(glob.glob(pattern))}


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the command line in this process (tests/test_cli.py runs the real command in subprocesses)."""
    root = logging.getLogger()

    def run(*args, cwd):
        monkeypatch.chdir(cwd)
        handlers, level = list(root.handlers), root.level
        try:
            with warnings.catch_warnings():
                code = main(list(args))
        finally:
            logging.captureWarnings(False)
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def error_line(done):
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else ""


# ---------------------------------------------------------------------------------------------------------
# duplicate words in a word2vec file


def _write_binary(path, records, dim):
    with open(path, "wb") as fout:
        fout.write(f"{len(records)} {dim}\n".encode())
        fout.writelines(
            word.encode() + b" " + np.asarray(vector, dtype="<f4").tobytes() + b"\n" for word, vector in records
        )


@pytest.mark.parametrize("binary", [False, True])
def test_duplicate_words_in_a_word2vec_file_keep_the_first_and_leave_no_blank_key(tmp_path, binary):
    # gensim itself keeps the first but leaves a None key with a zero vector per duplicate
    records = [("cat", [1.0, 0.0]), ("dog", [0.0, 1.0]), ("cat", [5.0, 5.0]), ("eel", [1.0, 1.0])]
    path = str(tmp_path / ("dup.bin" if binary else "dup.txt"))
    if binary:
        _write_binary(path, records, 2)
    else:
        with open(path, "w") as fout:
            fout.write("4 2\n" + "".join(f"{w} {v[0]} {v[1]}\n" for w, v in records))
    for load in (lambda: MergeableKeyedVectors.load_word2vec_format(path, binary=binary),
                 lambda: load_vectors(path)[0]):
        with pytest.warns(UserWarning, match="1 word.* more than once; kept the first"):
            kv = load()
        assert kv.index_to_key == ["cat", "dog", "eel"]
        assert None not in kv.key_to_index
        np.testing.assert_array_equal(kv.vectors, [[1, 0], [0, 1], [1, 1]])
        assert len(kv.expandos["count"]) == 3 and kv.next_index == 3
        assert kv.most_similar("cat", topn=1)[0][0] == "eel"


def test_duplicate_words_on_the_command_line(tmp_path, cli, caplog):
    (tmp_path / "dup.txt").write_text("3 2\ncat 1 0\ndog 0 1\ncat 5 5\n")
    done = cli("evaluate", "dup.txt", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # was: AttributeError on the None key gensim leaves
    assert "<vector_size=2, 2 keys>" in done.stderr
    warning = [line for line in done.stderr.splitlines() if "more than once; kept the first" in line]
    assert len(warning) == 1 and warning[0].startswith("gensim-merge: warning: ")  # one line, no source path
    assert ".py:" not in warning[0]


# ---------------------------------------------------------------------------------------------------------
# missing and truncated files, every format


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_files_of_every_format(tmp_path, rng, cli, name, keep):
    kv = make_kv([f"w{i}" for i in range(500)], 16, rng, counts=np.arange(2000, 1500, -1))
    path = str(tmp_path / name)
    save_vectors(kv, path)
    data = Path(path).read_bytes()
    with open(path, "wb") as fout:
        fout.write(data[:int(len(data) * keep)])
    with pytest.raises(ModelFileError, match="truncated"):
        load_vectors(path)
    if ".kv" in name:
        with pytest.raises(ModelFileError, match="truncated"):
            MergeableKeyedVectors.load(path)
    elif ".safetensors" not in name:
        with pytest.raises(ModelFileError, match="truncated"):
            MergeableKeyedVectors.load_word2vec_format(path, binary=".bin" in name)
    done = cli("evaluate", path, "--allow-pickle", cwd=tmp_path)
    assert done.returncode == 1 and "truncated" in error_line(done) and "Traceback" not in done.stderr


def test_truncated_or_missing_side_file_of_a_native_save(tmp_path, rng):
    kv = make_kv(WORDS, DIM, rng)
    path = str(tmp_path / "m.kv")
    kv.save(path, separately=["vectors"])
    side = path + ".vectors.npy"
    data = Path(side).read_bytes()
    with open(side, "wb") as fout:
        fout.write(data[: len(data) // 2])
    for mmap in (None, "r"):
        with pytest.raises(ModelFileError, match="truncated"):
            MergeableKeyedVectors.load(path, mmap=mmap)
    os.remove(side)
    with pytest.raises(ModelFileError, match="no such"):
        load_vectors(path)


@pytest.mark.parametrize("name", ["missing.kv", "missing.safetensors", "missing.txt", "missing.bin"])
def test_missing_files(tmp_path, cli, name):
    path = str(tmp_path / name)
    with pytest.raises(ModelFileError, match="no such"):
        load_vectors(path)
    with pytest.raises(ModelFileError, match="no such"):
        MergeableKeyedVectors.load(path)
    with pytest.raises(ModelFileError, match="no such"):
        MergeableKeyedVectors.load_word2vec_format(path)
    with pytest.raises(ModelFileError, match="(?i)no such"):
        Alignment.load(path)
    done = cli("align", name, name, "-o", "out.safetensors", cwd=tmp_path)
    assert done.returncode == 1 and "no such file" in error_line(done)


# ---------------------------------------------------------------------------------------------------------
# counts: huge, negative, out of int64


@pytest.mark.parametrize("counts_a, counts_b, match", [
    (np.full(60, np.iinfo(np.int64).max - 5), np.full(60, 10), "sum to more than 2\\*\\*63 - 1"),
    (np.full(60, 2 ** 62), np.full(60, 2 ** 62), "sum to more than 2\\*\\*63 - 1"),
    (np.full(60, 2 ** 63 + 5, dtype=np.uint64), np.full(60, 10), "holds 9223372036854775813 for 'w0'"),
    (np.full(60, -5), np.full(60, 10), "holds -5 for 'w0'"),
    (np.full(60, np.nan), np.full(60, 10), "holds nan for 'w0'"),
])
def test_counts_that_would_overflow_or_are_no_counts_are_refused(rng, counts_a, counts_b, match):
    a, b = make_kv(WORDS, DIM, rng), make_kv(WORDS, DIM, rng)
    a.expandos["count"], b.expandos["count"] = counts_a, counts_b
    before = snapshot(a), snapshot(b)
    for strategy in ("count", "mean"):
        with pytest.raises(GensimMergeError, match=match):
            merge([a, b], align=False, strategy=strategy)
    assert (snapshot(a), snapshot(b)) == before


def test_counts_up_to_the_int64_limit_sum_exactly(rng):
    a, b = make_kv(WORDS, DIM, rng), make_kv(WORDS, DIM, rng)
    a.expandos["count"] = np.full(60, np.iinfo(np.int64).max - 10)
    b.expandos["count"] = np.full(60, 10, dtype=np.uint32)
    merged = merge([a, b], align=False)
    assert merged.expandos["count"].dtype == np.int64
    assert np.all(merged.expandos["count"] == np.iinfo(np.int64).max)


def test_huge_counts_on_the_command_line(tmp_path, rng, cli):
    a, b = make_kv(WORDS, DIM, rng), make_kv(WORDS, DIM, rng)
    a.expandos["count"] = np.full(60, np.iinfo(np.int64).max)
    b.expandos["count"] = np.full(60, 1)
    save_vectors(a, str(tmp_path / "a.safetensors"))
    save_vectors(b, str(tmp_path / "b.safetensors"))
    done = cli("merge", "a.safetensors", "b.safetensors", "-o", "m.safetensors", "--no-align", cwd=tmp_path)
    assert done.returncode == 1 and "sum to more than 2**63 - 1" in error_line(done)
    assert not os.path.exists(tmp_path / "m.safetensors")


# ---------------------------------------------------------------------------------------------------------
# all-zero vectors


@pytest.mark.parametrize("strategy", ["count", "mean"])
def test_a_zero_vector_in_one_input_takes_the_other_inputs_vector(rng, strategy):
    a = make_kv(WORDS, DIM, rng, counts=np.full(60, 100))
    b = make_kv(WORDS, DIM, rng, counts=np.full(60, 100))
    a.vectors[:5] = 0  # e.g. rows never trained, or zeroed on purpose
    merged = merge([a, b], align=False, strategy=strategy)
    # was: the zero row's length 0 entered the mean length, halving these vectors
    np.testing.assert_allclose(merged[WORDS[:5]], b[WORDS[:5]], rtol=1e-6)
    both_zero = merge([a, a], align=False, strategy=strategy)
    assert not both_zero[WORDS[:5]].any() and np.isfinite(both_zero.vectors).all()
    assert both_zero.index_to_key.count("w0") == 1


@pytest.mark.parametrize("side", ["source", "target"])
def test_zero_rows_are_not_used_as_anchors(pair, side, caplog):
    a, b = pair
    zeroed = MergeableKeyedVectors.from_keyed_vectors(b if side == "source" else a)
    zeroed.vectors[[zeroed.key_to_index[w] for w in WORDS[20:30]]] = 0
    source, target = (zeroed, a) if side == "source" else (b, zeroed)
    aligned = source.align_to(target, anchor_min_count=0)
    report = aligned.alignment.report
    # was: the zero rows were fitted, then trimmed and reported as the "most shifted" words
    assert report.n_anchors == 30 and not report.trimmed
    assert not set(report.most_shifted) & set(WORDS[20:30])
    assert report.mean_cosine > 0.999
    assert "dropping 10 of 40 anchor pairs with an all-zero vector" in caplog.text
    np.testing.assert_allclose(aligned[WORDS[30:]], a[WORDS[30:]],
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("side", ["source", "target"])
def test_an_all_zero_model_cannot_be_aligned(pair, side, tmp_path, cli):
    a, b = pair
    zero = MergeableKeyedVectors.from_keyed_vectors(b)
    zero.vectors[:] = 0  # was: an all-zero target gave an all-zero result, silently
    source, target = (zero, a) if side == "source" else (a, zero)
    with pytest.raises(AnchorError, match="all-zero vector .* no direction to align"):
        source.align_to(target, anchor_min_count=0)
    with pytest.raises(AnchorError, match="all-zero vector"):
        merge([target, source], align_options={"anchor_min_count": 0})
    save_vectors(source, str(tmp_path / "s.safetensors"))
    save_vectors(target, str(tmp_path / "t.safetensors"))
    done = cli("align", "s.safetensors", "t.safetensors", "-o", "o.safetensors", "--anchor-min-count", "0",
               cwd=tmp_path)
    assert done.returncode == 1 and "no direction to align" in error_line(done)


# ---------------------------------------------------------------------------------------------------------
# odd unicode and whitespace in keys

ODD_KEYS = ["", " ", "new york", "tab\there", "line\nbreak", "\u00a0nbsp", "x\u2028y", "\u3000ideo", "café",
            "cafe\u0301", "\ufeffbom", "zero\u200bwidth", "\ud800", "😀", "nul\x00byte", "  lead", "trail  "]


def test_odd_keys_align_merge_and_round_trip_where_the_format_can_hold_them(tmp_path, rng):
    kv = make_kv(ODD_KEYS + WORDS, DIM, rng, counts=np.arange(500, 500 - len(ODD_KEYS) - 60, -1))
    other = rotated_copy(kv, random_orthogonal(DIM, rng))
    aligned = other.align_to(kv, anchor_min_count=0)
    assert aligned.index_to_key == kv.index_to_key
    merged = merge([kv, other])
    assert sorted(merged.index_to_key) == sorted(kv.index_to_key)
    for name in ("m.kv", "m.safetensors"):
        path = str(tmp_path / name)
        save_vectors(merged, path)
        loaded, _ = load_vectors(path)
        assert loaded.index_to_key == merged.index_to_key
        assert loaded.provenance("\ud800") == merged.provenance("\ud800")


@pytest.mark.parametrize("key", ["", " ", "new york", "tab\there", "\u00a0nbsp", "x\u2028y", "\u3000ideo",
                                 "\ud800"])
@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_formats_refuse_keys_that_would_load_back_differently(tmp_path, rng, key, binary):
    kv = make_kv(["ok", key], DIM, rng)
    path = str(tmp_path / ("m.bin" if binary else "m.txt"))
    for save in (lambda: save_vectors(kv, path), lambda: kv.save_word2vec_format(path, binary=binary)):
        # was: gensim wrote them (whitespace keys came back split) or raised UnicodeEncodeError
        with pytest.raises(ModelFileError, match="save as .safetensors"):
            save()
        assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("key", ["café", "cafe\u0301", "\ufeffbom", "zero\u200bwidth", "😀", "nul\x00byte"])
def test_word2vec_text_keeps_other_unicode_keys(tmp_path, rng, key):
    kv = make_kv(["ok", key], DIM, rng)
    save_vectors(kv, str(tmp_path / "m.txt"))
    assert load_vectors(str(tmp_path / "m.txt"))[0].index_to_key == ["ok", key]


def test_odd_key_output_on_the_command_line(tmp_path, rng, cli):
    kv = make_kv(["new york"] + WORDS, DIM, rng, counts=np.arange(200, 139, -1))
    save_vectors(kv, str(tmp_path / "a.safetensors"))
    save_vectors(rotated_copy(kv, random_orthogonal(DIM, rng)), str(tmp_path / "b.safetensors"))
    done = cli("align", "b.safetensors", "a.safetensors", "-o", "out.txt", "--anchor-min-count", "0", cwd=tmp_path)
    assert done.returncode == 1 and "'new york'" in error_line(done) and "save as .safetensors" in error_line(done)
    assert sorted(os.listdir(tmp_path)) == ["a.safetensors", "b.safetensors"]
    done = cli("align", "b.safetensors", "a.safetensors", "-o", "out.safetensors", "--anchor-min-count", "0",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "new york" in load_vectors(str(tmp_path / "out.safetensors"))[0].key_to_index


# ---------------------------------------------------------------------------------------------------------
# mismatched dimensions, NaN/inf, empty models


def test_mismatched_dimensions(pair, rng, tmp_path, cli):
    a, _ = pair
    other = make_kv(WORDS, DIM + 1, rng, counts=np.full(60, 100))
    with pytest.raises(DimensionMismatchError, match=r"\(9,\) vs \(8,\).*retrain"):
        other.align_to(a)
    with pytest.raises(DimensionMismatchError, match="retrain"):
        merge([a, other])
    with pytest.raises(DimensionMismatchError, match="apply it to vectors of the source model's space"):
        other.apply_alignment(a.align_to(a, anchor_min_count=0).alignment)
    save_vectors(a, str(tmp_path / "a.safetensors"))
    save_vectors(other, str(tmp_path / "b.txt"))
    for args in (("align", "b.txt", "a.safetensors", "-o", "o.safetensors"),
                 ("merge", "a.safetensors", "b.txt", "-o", "o.safetensors")):
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 1 and ("(8,) vs (9,)" in error_line(done) or "(9,) vs (8,)" in error_line(done))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("row", [0, 59])  # an anchor row, and a row outside the 10 anchors
def test_non_finite_values(pair, bad, row, tmp_path, cli):
    a, b = pair
    broken = MergeableKeyedVectors.from_keyed_vectors(a)
    broken.vectors[row, 3] = bad
    before = snapshot(broken)
    with pytest.raises(NonFiniteVectorsError, match=f"first: 'w{row}'.*repair"):
        broken.align_to(b, anchor_min_count=0, n_anchors=10)
    for models, align in (([b, broken], True), ([broken, b], True), ([broken, a], False)):
        with pytest.raises(NonFiniteVectorsError, match=f"'w{row}'"):
            merge(models, align=align, align_options={"anchor_min_count": 0, "n_anchors": 10})
    assert snapshot(broken) == before
    if row == 0:  # a non-finite *anchor* of the target is refused too
        with pytest.raises(NonFiniteVectorsError, match="'w0'"):
            a.align_to(broken, anchor_min_count=0, n_anchors=10)
    save_vectors(broken, str(tmp_path / "bad.safetensors"))
    save_vectors(b, str(tmp_path / "b.safetensors"))
    done = cli("merge", "b.safetensors", "bad.safetensors", "-o", "o.safetensors", "--anchor-min-count", "0",
               cwd=tmp_path)
    assert done.returncode == 1 and f"'w{row}'" in error_line(done)


def test_non_finite_row_of_the_target_outside_the_anchors_is_not_used(pair):
    a, b = pair
    broken = MergeableKeyedVectors.from_keyed_vectors(b)
    broken.vectors[broken.key_to_index["x"], 0] = np.nan  # "x" is no anchor: the target's other rows are not read
    aligned = a.align_to(broken, anchor_min_count=0)
    assert np.isfinite(aligned.vectors).all()


def test_empty_models(pair, tmp_path, cli):
    a, _ = pair
    empty = MergeableKeyedVectors(DIM)
    for call in (lambda: empty.align_to(a), lambda: a.align_to(empty), lambda: merge([a, empty]),
                 lambda: a.merge_with(empty), lambda: empty.apply_alignment(a.align_to(a, anchor_min_count=0)
                                                                              .alignment)):
        with pytest.raises(EmptyModelError, match="holds no vectors"):
            call()
    partly = MergeableKeyedVectors(DIM, count=5)  # pre-allocated, never filled
    with pytest.raises(EmptyModelError, match="holds no vectors|pre-allocated"):
        merge([a, partly])
    (tmp_path / "empty.txt").write_text(f"0 {DIM}\n")
    save_vectors(a, str(tmp_path / "a.safetensors"))
    done = cli("merge", "a.safetensors", "empty.txt", "-o", "o.safetensors", cwd=tmp_path)
    assert done.returncode == 1 and "holds no vectors" in error_line(done)
    (tmp_path / "zero-bytes.kv").write_bytes(b"")
    done = cli("evaluate", "zero-bytes.kv", cwd=tmp_path)
    assert done.returncode == 1 and "is empty (0 bytes)" in error_line(done)


# ---------------------------------------------------------------------------------------------------------
# float16 / float64 inputs


@pytest.mark.parametrize("dtype, out_dtype", [(np.float16, np.float32), (np.float64, np.float64)])
def test_float16_and_float64_inputs(rng, tmp_path, dtype, out_dtype):
    a32 = make_kv(WORDS, DIM, rng, counts=np.arange(1000, 940, -1))
    b32 = rotated_copy(a32, random_orthogonal(DIM, rng), scale=2.0)
    a, b = MergeableKeyedVectors.from_keyed_vectors(a32), MergeableKeyedVectors.from_keyed_vectors(b32)
    a.vectors, b.vectors = a32.vectors.astype(dtype), b32.vectors.astype(dtype)
    tol = 2e-3 if dtype == np.float16 else 1e-5
    aligned = b.align_to(a, anchor_min_count=0)  # documented: float16 maps into float32, float64 stays
    assert aligned.vectors.dtype == out_dtype
    np.testing.assert_allclose(aligned.vectors, b32.align_to(a32, anchor_min_count=0).vectors, rtol=tol, atol=tol)
    merged = merge([a, b])
    assert merged.vectors.dtype == np.result_type(dtype, np.float32)
    np.testing.assert_allclose(merged.vectors, merge([a32, b32]).vectors, rtol=tol, atol=tol)
    assert a.vectors.dtype == dtype and b.vectors.dtype == dtype  # inputs keep theirs
    for model in (a, merged):
        for name in ("m.kv", "m.safetensors"):  # bit for bit, dtype kept
            save_vectors(model, str(tmp_path / name))
            loaded, _ = load_vectors(str(tmp_path / name))
            assert loaded.vectors.dtype == model.vectors.dtype
            assert loaded.vectors.tobytes() == model.vectors.tobytes()
        save_vectors(model, str(tmp_path / "m.bin"))  # documented: the binary format stores float32
        loaded, _ = load_vectors(str(tmp_path / "m.bin"))
        assert loaded.vectors.dtype == np.float32
        np.testing.assert_array_equal(loaded.vectors, model.vectors.astype(np.float32))


# ---------------------------------------------------------------------------------------------------------
# read-only memory-mapped inputs


def test_memory_mapped_inputs_are_never_written(pair, tmp_path, cli):
    a, b = pair
    a.save(str(tmp_path / "a.kv"), separately=["vectors"])
    b.save(str(tmp_path / "b.kv"), separately=["vectors"])
    save_vectors(b, str(tmp_path / "b.safetensors"))
    before = file_digests(str(tmp_path / "*"))
    ma = MergeableKeyedVectors.load(str(tmp_path / "a.kv"), mmap="r")
    mb = MergeableKeyedVectors.load(str(tmp_path / "b.kv"), mmap="r")
    ms, _ = load_vectors(str(tmp_path / "b.safetensors"), mmap="r")
    for kv in (ma, mb, ms):  # any write attempt would raise "assignment destination is read-only"
        assert isinstance(kv.vectors, np.memmap) and not kv.vectors.flags.writeable
    aligned = mb.align_to(ma, anchor_min_count=0)
    np.testing.assert_allclose(aligned.vectors, b.align_to(a, anchor_min_count=0).vectors, rtol=1e-6)
    merged = merge([ma, mb, ms], names=["a", "b", "s"], align_options={"anchor_min_count": 0})
    assert aligned.vectors.flags.writeable and merged.vectors.flags.writeable  # new arrays, not the maps
    merge([ma, mb], align=False, strategy="mean")
    ma.most_similar("w1")
    save_vectors(ms, str(tmp_path / "copy.safetensors"))
    ma.save(str(tmp_path / "copy.kv"))
    for kv in (ma, mb, ms):
        assert isinstance(kv.vectors, np.memmap) and not kv.vectors.flags.writeable
    done = cli("merge", "a.kv", "b.safetensors", "-o", "m.safetensors", "--mmap", "--anchor-min-count", "0",
               "--allow-pickle", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = file_digests(str(tmp_path / "*"))
    assert {k: v for k, v in after.items() if k in before} == before


# ---------------------------------------------------------------------------------------------------------
# a corpus of strings instead of token lists (continue_training)


@pytest.fixture(scope="module")
def small_word2vec():
    from gensim.test.utils import common_texts

    return Word2Vec(common_texts, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)


@pytest.mark.parametrize("corpus, match", [
    (["human interface computer", "survey user"], "yields strings .* split each sentence"),
    (["human", "interface"], "yields strings"),
    ("human interface computer", "is not a file"),
    ([[1, 2, 3]], "lists of str tokens"),
    ([[b"human"]], "lists of str tokens"),
    ((s for s in [["human"]]), "one-shot iterator"),
    ([], "is empty"),
    ([[], []], "holds no tokens"),
])
def test_continue_training_refuses_corpora_that_are_not_token_lists(small_word2vec, corpus, match):
    from gensim_merge.continuation import continue_training

    before = small_word2vec.wv.vectors.copy()
    with pytest.raises(CorpusError, match=match):
        continue_training(small_word2vec, corpus)
    np.testing.assert_array_equal(small_word2vec.wv.vectors, before)


def test_continue_training_refuses_a_string_after_the_first_sentence(small_word2vec):
    from gensim_merge.continuation import continue_training

    with pytest.raises(CorpusError):
        continue_training(small_word2vec, [["human", "interface"], "survey user"], epochs=1)


# ---------------------------------------------------------------------------------------------------------
# atomic saves: an interrupted save leaves the existing file intact and no temporary file behind


class Interrupted(Exception):
    pass


def _interrupting(real, *, after_bytes=16):
    """Wrap a writer so that it writes part of its output (the real start of it), then fails."""

    def writer(target, *args, **kwargs):
        path = target if isinstance(target, (str, os.PathLike)) else getattr(target, "name", None)
        real(target, *args, **kwargs)
        if isinstance(path, (str, os.PathLike)) and os.path.exists(path):
            with open(path, "r+b") as fout:
                fout.truncate(after_bytes)
        raise Interrupted("simulated crash part-way through the save")

    return writer


def _save_cases():
    import gensim.models.keyedvectors as gensim_kv
    import gensim.utils as gensim_utils

    import gensim_merge._files as safetensors_module
    import gensim_merge.alignment as alignment_module

    return {
        # gensim writes the side file with np.save first, then the pickle: fail in the side file
        "native with side files": ("m.kv", lambda kv, p: kv.save(p, separately=["vectors"]),
                                   (np, "save")),
        "native, fail in the pickle": ("m.kv", lambda kv, p: kv.save(p, separately=["vectors"]),
                                       (gensim_utils, "pickle")),
        "word2vec text": ("m.txt", lambda kv, p: save_vectors(kv, p),
                          (gensim_kv.KeyedVectors, "save_word2vec_format")),
        "word2vec binary .gz": ("m.bin.gz", lambda kv, p: kv.save_word2vec_format(p, binary=True),
                                (gensim_kv.KeyedVectors, "save_word2vec_format")),
        "safetensors": ("m.safetensors", lambda kv, p: save_vectors(kv, p), (safetensors_module, "save_file")),
        "Alignment.save": ("map.npz", lambda kv, p: kv.alignment.save(p), (alignment_module.np, "savez")),
    }


@pytest.mark.parametrize("case", list(_save_cases()))
def test_interrupted_saves_leave_the_existing_file_intact(pair, tmp_path, monkeypatch, case):
    name, save, (owner, attr) = _save_cases()[case]
    a, b = pair
    old, new = b.align_to(a, anchor_min_count=0), b.align_to(a, anchor_min_count=0, method="linear")
    path = str(tmp_path / name)
    save(old, path)
    before = file_digests(str(tmp_path / "*"))
    assert len(before) == (2 if case.startswith("native") else 1)
    real = getattr(owner, attr)
    if isinstance(owner, type):  # an unbound method: keep `self` first
        monkeypatch.setattr(owner, attr, lambda self, target, *args, **kw: _interrupting(
            lambda t, *a_, **k_: real(self, t, *a_, **k_))(target, *args, **kw))
    elif attr == "save_file":  # save_file(tensors, filename, metadata=...)
        monkeypatch.setattr(owner, attr, lambda tensors, filename, **kw: _interrupting(
            lambda t, **k: real(tensors, t, **k))(filename, **kw))
    else:
        monkeypatch.setattr(owner, attr, _interrupting(real))
    with pytest.raises(Interrupted):
        save(new, path)
    assert file_digests(str(tmp_path / "*")) == before  # the old file(s) intact, nothing left behind
    monkeypatch.undo()
    if name.endswith(".npz"):
        assert np.array_equal(Alignment.load(path).matrix, old.alignment.matrix)
    else:
        assert load_vectors(path)[0].vectors.tobytes() == old.vectors.tobytes()


def test_truncated_alignment_file(pair, tmp_path):
    a, b = pair
    path = str(tmp_path / "map.npz")
    b.align_to(a, anchor_min_count=0).alignment.save(path)
    data = Path(path).read_bytes()
    with open(path, "wb") as fout:
        fout.write(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        Alignment.load(path)


# ---------------------------------------------------------------------------------------------------------
# security: the pickle-free paths never unpickle


@pytest.fixture
def no_unpickling(monkeypatch):
    """Make every way of unpickling raise (pickle.load/loads/Unpickler, numpy's pickled arrays)."""

    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    class Refused(pickle.Unpickler):
        def __init__(self, *args, **kwargs):
            refuse()

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", Refused)
    import _pickle
    monkeypatch.setattr(_pickle, "load", refuse)
    monkeypatch.setattr(_pickle, "loads", refuse)


def test_native_files_do_unpickle(pair, tmp_path, no_unpickling):
    """The guard works: a gensim native file cannot load without unpickling (see docs/reliability.md)."""
    pair[0].save(str(tmp_path / "m.kv"))
    with pytest.raises((AssertionError, ModelFileError), match="unpickled"):
        MergeableKeyedVectors.load(str(tmp_path / "m.kv"))


def test_pickle_free_loads(pair, tmp_path, no_unpickling, cli):
    a, b = pair
    with pytest.raises(AssertionError, match="unpickled"):
        pickle.loads(pickle.dumps(1))
    merged = merge([a, b], names=["a", "b"], align_options={"anchor_min_count": 0})
    aligned = b.align_to(a, anchor_min_count=0)
    save_vectors(merged, str(tmp_path / "m.safetensors"))
    save_vectors(aligned, str(tmp_path / "al.safetensors"))
    aligned.alignment.save(str(tmp_path / "map.npz"))
    for mmap in (None, "r"):
        loaded, fmt = load_vectors(str(tmp_path / "m.safetensors"), mmap=mmap)
        assert fmt == "safetensors" and loaded.provenance("x") == ["b"]
        assert load_vectors(str(tmp_path / "al.safetensors"), mmap=mmap)[0].alignment is not None
    assert np.array_equal(Alignment.load(str(tmp_path / "map.npz")).matrix, aligned.alignment.matrix)
    done = cli("evaluate", "m.safetensors", "--reference", "al.safetensors", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "as safetensors (pickle-free)" in done.stderr


def test_a_safetensors_header_length_that_looks_like_pickle_magic(tmp_path, rng):
    # found by tests/test_fuzz.py: a header of 0x380 bytes starts the file with 80 03, pickle protocol 3's magic
    kv = make_kv(WORDS, DIM, rng)
    path = str(tmp_path / "m.safetensors")
    for k in range(2000):
        kv.sources = ["s" * k]
        save_vectors(kv, path)
        head = Path(path).read_bytes()[:2]
        if head[0] == 0x80 and 2 <= head[1] <= 5:
            break
    else:
        pytest.fail("no header length with the pickle magic found")
    loaded, fmt = load_vectors(path)  # was: read as a gensim native file, ModelFileError (UnpicklingError)
    assert fmt == "safetensors" and loaded.sources == kv.sources


@pytest.mark.parametrize("separately", [["vectors", "expandos"], ["index_to_key"]])
def test_save_refuses_separately_names_that_gensim_would_drop(pair, tmp_path, separately):
    # gensim sets a non-array attribute named in `separately` aside and writes nothing: it loads back as None
    a, _ = pair
    with pytest.raises(ValueError, match="not arrays: gensim would leave them out"):
        a.save(str(tmp_path / "m.kv"), separately=separately)
    assert os.listdir(tmp_path) == []
    a.save(str(tmp_path / "m.kv"), separately=["vectors"])
    loaded = MergeableKeyedVectors.load(str(tmp_path / "m.kv"))
    np.testing.assert_array_equal(loaded.expandos["count"], a.expandos["count"])


def test_float_counts_are_truncated_to_integers(rng):
    a, b = make_kv(WORDS, DIM, rng), make_kv(WORDS, DIM, rng)
    a.expandos["count"], b.expandos["count"] = np.full(60, 3.7), np.full(60, 2, dtype=np.int32)
    assert merge([a, b], align=False).expandos["count"].tolist() == [5] * 60


@pytest.mark.parametrize("output, message", [("out.weird", "cannot tell the output format"),
                                             ("no/such/dir/out.kv", "does not exist"),
                                             ("out.safetensors.gz", "not compressed")])
def test_unusable_output_paths_fail_before_any_work(pair, tmp_path, cli, output, message):
    a, b = pair
    save_vectors(a, str(tmp_path / "a.safetensors"))
    save_vectors(b, str(tmp_path / "b.safetensors"))
    done = cli("merge", "a.safetensors", "b.safetensors", "-o", output, cwd=tmp_path)
    assert done.returncode == 1 and message in error_line(done)
    assert "loaded" not in done.stderr  # refused before loading anything
    assert sorted(os.listdir(tmp_path)) == ["a.safetensors", "b.safetensors"]
