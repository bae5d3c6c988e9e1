"""The fastText class: loading, aligning, merging, continuing, and its wiring."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors, load_facebook_vectors
from gensim.test.utils import common_texts, datapath, lee_corpus_list

from gensim_merge import (
    BucketMismatchError,
    CorpusError,
    IncompatibleModelError,
    ModelFileError,
    NoBucketsError,
    NotMergedError,
    cli,
    load_vectors,
    merge,
    save_vectors,
)
from gensim_merge._files import is_fasttext_file
from gensim_merge.continuation import continue_fasttext, restarted_learning_rate
from gensim_merge.errors import OptionError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import load_fasttext_any, merge_fasttext_models, save_fasttext
from gensim_merge.merging import FastTextMergeResult, compose, merge_fasttext, ngram_matrix
from tests.conftest import make_kv, random_orthogonal

# --------------------------------------------------------------------------------------------------------------
# from test_fasttext.py
# --------------------------------------------------------------------------------------------------------------

OOV = "zebrafication"  # in no model's vocabulary
PARAMS = {"vector_size": 12, "min_count": 2, "bucket": 3000, "workers": 1, "epochs": 3, "sg": 0, "negative": 5}


@pytest.fixture(scope="module")
def model_a():
    return FastText(lee_corpus_list[:150], seed=1, **PARAMS)


@pytest.fixture(scope="module")
def model_b():
    return FastText(lee_corpus_list[150:], seed=2, **PARAMS)


@pytest.fixture
def kv_a(model_a):
    return MergeableFastTextKeyedVectors.from_fasttext(model_a)


@pytest.fixture
def random_kv(model_a):
    """A fastText model with random (well-conditioned) word-token and bucket vectors, composed as gensim does.

    Trained toy models have nearly collinear vectors, on which any float32 fit of a map is ill-conditioned;
    exact-recovery tests need vectors that fix the map in every direction.
    """
    rng = np.random.default_rng(3)
    words = model_a.wv.index_to_key[:400]
    kv = MergeableFastTextKeyedVectors(12, 3, 6, 3000)
    kv.add_vectors(words, np.zeros((len(words), 12), dtype=np.float32))
    kv.expandos["count"] = np.arange(1000, 1000 - len(words), -1)
    kv.vectors_vocab = rng.normal(size=(len(words), 12)).astype(np.float32)
    kv.vectors_ngrams = rng.normal(size=(3000, 12)).astype(np.float32)
    kv.recalc_char_ngram_buckets()
    kv.vectors = compose(kv.vectors_vocab, ngram_matrix(kv), kv.vectors_ngrams)
    return kv


def _rotated(kv, rotation, shift=0.0):
    out = MergeableFastTextKeyedVectors.from_keyed_vectors(kv)
    for name in ("vectors", "vectors_vocab", "vectors_ngrams"):
        setattr(out, name, (getattr(kv, name).astype(np.float64) @ rotation + shift).astype(np.float32))
    return out


def _consistent(kv, atol=2e-6):
    """gensim's composition of the stored word tokens and buckets gives the stored whole-word vectors."""
    np.testing.assert_allclose(compose(kv.vectors_vocab, ngram_matrix(kv), kv.vectors_ngrams), kv.vectors, atol=atol)


# ---------------------------------------------------------------------------------------------- drop-in
def test_from_fasttext_keeps_buckets_and_unseen_words(model_a, kv_a):
    assert type(kv_a) is MergeableFastTextKeyedVectors
    assert OOV not in kv_a.key_to_index
    np.testing.assert_array_equal(kv_a[OOV], model_a.wv[OOV])
    np.testing.assert_array_equal(kv_a.vectors_ngrams, model_a.wv.vectors_ngrams)
    assert kv_a.most_similar("the", topn=3) == model_a.wv.most_similar("the", topn=3)
    assert kv_a.vectors_ngrams is not model_a.wv.vectors_ngrams  # copied by default
    shared = MergeableFastTextKeyedVectors.from_fasttext(model_a, copy=False)
    assert shared.vectors_ngrams is model_a.wv.vectors_ngrams


def test_constructors_refuse_other_models(model_a):
    w2v = Word2Vec(common_texts, vector_size=4, min_count=1, workers=1, seed=1)
    with pytest.raises(IncompatibleModelError, match="FastTextKeyedVectors"):
        MergeableFastTextKeyedVectors.from_keyed_vectors(w2v.wv)
    with pytest.raises(IncompatibleModelError, match="FastText model"):
        MergeableFastTextKeyedVectors.from_fasttext(w2v)


def test_saved_file_loads_in_plain_gensim_without_gensim_merge(tmp_path, kv_a, model_b):
    aligned = kv_a.align_to(model_b.wv, anchor_min_count=1)
    path = str(tmp_path / "ours.wv")
    aligned.save(path)
    code = (
        "import sys; sys.modules['gensim_merge'] = None\n"  # any import of gensim_merge would now fail
        "import numpy as np\n"
        "from gensim.models.fasttext import FastTextKeyedVectors\n"
        f"kv = FastTextKeyedVectors.load({path!r})\n"
        "assert type(kv) is FastTextKeyedVectors, type(kv)\n"
        f"print(len(kv), kv.most_similar('the', topn=1)[0][0], repr(kv[{OOV!r}].tolist()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert int(out[0]) == len(aligned)
    assert out[1] == aligned.most_similar("the", topn=1)[0][0]
    np.testing.assert_allclose(eval(out[2]), aligned[OOV], rtol=1e-6)
    loaded = MergeableFastTextKeyedVectors.load(path)
    assert type(loaded) is MergeableFastTextKeyedVectors
    assert loaded.alignment.report == aligned.alignment.report
    np.testing.assert_allclose(loaded.vectors, aligned.vectors, atol=1e-6)


def test_save_is_atomic_and_memory_mapped_models_align(tmp_path, kv_a, model_b, monkeypatch):
    path = str(tmp_path / "ft.wv")
    kv_a.save(path, separately=["vectors_ngrams"])
    before = sorted(os.listdir(tmp_path))
    sizes = {name: os.path.getsize(tmp_path / name) for name in before}

    def explode(*args, **kwargs):
        raise KeyboardInterrupt("simulated crash in the middle of writing")

    monkeypatch.setattr(pickle, "dump", explode)
    with pytest.raises(KeyboardInterrupt):
        kv_a.align_to(model_b.wv, anchor_min_count=1).save(path, separately=["vectors_ngrams"])
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == before  # no temporary file left, side file kept
    assert {name: os.path.getsize(tmp_path / name) for name in before} == sizes
    mapped = MergeableFastTextKeyedVectors.load(path, mmap="r")
    assert isinstance(mapped.vectors_ngrams, np.memmap) and not mapped.vectors_ngrams.flags.writeable
    aligned = mapped.align_to(model_b.wv, anchor_min_count=1)
    np.testing.assert_allclose(aligned[OOV], kv_a.align_to(model_b.wv, anchor_min_count=1)[OOV], atol=1e-6)


def test_load_native_files_saved_by_gensim(tmp_path, model_a):
    model_path, wv_path = str(tmp_path / "ft.model"), str(tmp_path / "ft.wv")
    model_a.save(model_path)
    model_a.wv.save(wv_path)
    for path in (model_path, wv_path):
        loaded = MergeableFastTextKeyedVectors.load(path)
        assert type(loaded) is MergeableFastTextKeyedVectors
        np.testing.assert_array_equal(loaded[OOV], model_a.wv[OOV])
        assert is_fasttext_file(path)
        assert type(load_fasttext_any(path, allow_pickle=True)) is MergeableFastTextKeyedVectors
        with pytest.raises(ModelFileError, match="pickle"):
            load_fasttext_any(path)


def test_load_refuses_word2vec_and_broken_files(tmp_path, model_a):
    w2v_path = str(tmp_path / "w2v.kv")
    Word2Vec(common_texts, vector_size=4, min_count=1, workers=1, seed=1).wv.save(w2v_path)
    assert not is_fasttext_file(w2v_path)
    with pytest.raises(IncompatibleModelError, match="MergeableKeyedVectors"):
        MergeableFastTextKeyedVectors.load(w2v_path)
    path = str(tmp_path / "ft.wv")
    model_a.wv.save(path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        MergeableFastTextKeyedVectors.load(path)
    with pytest.raises(ModelFileError, match="no such"):
        MergeableFastTextKeyedVectors.load(str(tmp_path / "missing.wv"))


def test_from_facebook_matches_gensim():
    path = datapath("lee_fasttext.bin")
    ours, theirs = MergeableFastTextKeyedVectors.from_facebook(path), load_facebook_vectors(path)
    assert type(ours) is MergeableFastTextKeyedVectors and is_fasttext_file(path)
    np.testing.assert_array_equal(ours[OOV], theirs[OOV])
    assert type(load_fasttext_any(path)) is MergeableFastTextKeyedVectors  # not a pickle: no permission needed


@pytest.mark.parametrize("cut", [0.5, 0.01, 0.999])
def test_truncated_facebook_file_is_a_model_file_error(tmp_path, cut):
    """Cut inside the matrices gensim fails an assert; cut inside the vocabulary (0.01) its reader never ends."""
    with open(datapath("lee_fasttext.bin"), "rb") as f:
        data = f.read()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ModelFileError, match="truncated"):
        MergeableFastTextKeyedVectors.from_facebook(str(path))
    with pytest.raises(ModelFileError, match="truncated"):
        continue_fasttext(str(path), common_texts)


def test_vectors_for_all_returns_the_class_with_buckets(kv_a):
    words = ["the", OOV, "government"]
    result = kv_a.vectors_for_all(words)
    assert type(result) is MergeableFastTextKeyedVectors
    assert result.index_to_key == words
    for word in words:
        np.testing.assert_allclose(result[word], kv_a[word], atol=1e-6)
    np.testing.assert_array_equal(result["unrelatedness"], kv_a["unrelatedness"])  # still infers from buckets
    _consistent(result)


# ---------------------------------------------------------------------------------------------- alignment
def test_align_undoes_a_random_rotation_buckets_included(random_kv):
    kv_a = random_kv
    rotation = random_orthogonal(kv_a.vector_size, np.random.default_rng(5))
    turned = _rotated(kv_a, rotation)
    assert not np.allclose(turned[OOV], kv_a[OOV], atol=1e-3)
    back = turned.align_to(kv_a, anchor_min_count=1, trim=False)
    for name in ("vectors", "vectors_vocab", "vectors_ngrams"):
        np.testing.assert_allclose(getattr(back, name), getattr(kv_a, name), atol=2e-6)
    np.testing.assert_allclose(back[OOV], kv_a[OOV], atol=2e-6)


def test_align_with_translation_reaches_unseen_words(random_kv):
    """An affine map moves every composed and inferred vector by the same translation: all rows are mapped."""
    kv_a = random_kv
    rotation = random_orthogonal(kv_a.vector_size, np.random.default_rng(6))
    shift = np.random.default_rng(7).normal(size=kv_a.vector_size) * 0.5
    moved = _rotated(kv_a, rotation, shift)
    back = moved.align_to(kv_a, anchor_min_count=1, trim=False, center=True, normalize=False)
    np.testing.assert_allclose(back[OOV], kv_a[OOV], atol=1e-5)
    np.testing.assert_allclose(back.vectors, kv_a.vectors, atol=1e-5)
    _consistent(back)


@pytest.mark.parametrize("options", [{}, {"center": True}, {"method": "linear", "center": True, "normalize": False}])
def test_unseen_word_after_alignment_is_the_map_of_its_vector_before(kv_a, model_b, options):
    aligned = kv_a.align_to(model_b.wv, anchor_min_count=1, **options)
    before = np.stack([kv_a[OOV], kv_a["the"]])
    np.testing.assert_allclose(np.stack([aligned[OOV], aligned["the"]]), aligned.alignment.apply(before),
                               atol=2e-6)
    _consistent(aligned)
    assert kv_a.alignment is None  # the source is not modified


def test_align_refuses_a_model_without_buckets(model_b):
    flat = FastText(common_texts, vector_size=12, min_count=1, bucket=0, workers=1, seed=1)
    kv = MergeableFastTextKeyedVectors.from_fasttext(flat)
    with pytest.raises(TypeError, match="bucket=0") as info:  # the builtin a caller of plain gensim would catch
        kv.align_to(model_b.wv, anchor_min_count=1)
    assert type(info.value) is NoBucketsError and isinstance(info.value, IncompatibleModelError)


@pytest.mark.parametrize("kwargs", [{"heldout": 1.5}, {"n_anchors": 1}, {"method": "affine"}, {"seed": -1},
                                    {"on_missing": "ignore"}, {"chunk_size": 0}])
def test_align_refuses_a_bad_option_before_any_work(model_b, kwargs):
    """Options are checked through AlignOptions first: before the buckets, the anchors or the fit."""
    flat = FastText(common_texts, vector_size=12, min_count=1, bucket=0, workers=1, seed=1)
    kv = MergeableFastTextKeyedVectors.from_fasttext(flat)  # NoBucketsError, were the options not checked first
    with pytest.raises(OptionError, match=next(iter(kwargs))):
        kv.align_to(model_b.wv, **kwargs)
    if "chunk_size" not in kwargs:
        with pytest.raises(OptionError, match=next(iter(kwargs))):
            kv.alignment_to(model_b.wv, **kwargs)


def test_alignment_to_is_fit_between_with_align_options(random_kv):
    from gensim_merge.alignment import AlignOptions, fit_between

    turned = _rotated(random_kv, random_orthogonal(random_kv.vector_size, np.random.default_rng(4)))
    options = AlignOptions(method="linear", ridge=0.1, n_anchors=150, anchor_min_count=1, heldout=0.2, seed=3)
    ours = turned.alignment_to(random_kv, **options.to_dict())
    theirs = fit_between(turned, random_kv, options)
    np.testing.assert_array_equal(ours.matrix, theirs.matrix)
    assert ours.report == theirs.report


# ---------------------------------------------------------------------------------------------- merging
def test_the_pure_merge_takes_plain_gensim_models_and_returns_the_parts(model_a, model_b):
    """merge_fasttext reads plain gensim FastTextKeyedVectors and returns a record the class turns into a model."""
    before = model_a.wv.vectors_ngrams.copy()
    parts = merge_fasttext(model_a.wv, [model_b.wv], names=["a", "b"], align=False)
    assert isinstance(parts, FastTextMergeResult) and parts.names == ("a", "b") and parts.sources == ("a", "b")
    assert (parts.bucket, parts.min_n, parts.max_n) == (model_a.wv.bucket, model_a.wv.min_n, model_a.wv.max_n)
    model = MergeableFastTextKeyedVectors.from_fasttext(model_a).merge_with(model_b.wv, names=["a", "b"],
                                                                            align=False)
    assert model.index_to_key == parts.keys and model.merge_report.n_shared == parts.report.n_shared
    for name in ("vectors", "vectors_vocab", "vectors_ngrams"):
        np.testing.assert_array_equal(getattr(model, name), getattr(parts, name))
    np.testing.assert_array_equal(model.expandos["count"], parts.counts)
    np.testing.assert_array_equal(model.expandos["provenance"], parts.provenance)
    reference = FastTextKeyedVectors(12, model.min_n, model.max_n, model.bucket)
    reference.index_to_key = parts.keys
    reference.recalc_char_ngram_buckets()  # gensim's own hashing of the merged vocabulary
    assert all(np.array_equal(x, y) for x, y in zip(parts.buckets_word, reference.buckets_word))
    _consistent(model)
    np.testing.assert_array_equal(model_a.wv.vectors_ngrams, before)
    assert model.lifecycle_events[-1]["bucket_weights"] == "ngram"


def test_merge_takes_the_word2vec_merge_for_words_and_stays_consistent(kv_a, model_b):
    before = kv_a.vectors_ngrams.copy()
    merged = kv_a.merge_with(model_b.wv, names=["a", "b"], align=False)
    words = merge([KeyedVectors.vectors_for_all(kv_a, kv_a.index_to_key, copy_vecattrs=True),
                   KeyedVectors.vectors_for_all(model_b.wv, model_b.wv.index_to_key, copy_vecattrs=True)],
                  names=["a", "b"], align=False)
    assert merged.index_to_key == words.index_to_key
    np.testing.assert_array_equal(merged.vectors, words.vectors)
    for word in ("the", "government"):
        assert merged.get_vecattr(word, "count") == (kv_a.get_vecattr(word, "count")
                                                     + model_b.wv.get_vecattr(word, "count"))
    only_b = next(w for w in model_b.wv.index_to_key if w not in kv_a.key_to_index)
    assert merged.provenance(only_b) == ["b"] and merged.provenance("the") == ["a", "b"]
    _consistent(merged)
    plain = MergeableFastTextKeyedVectors.from_keyed_vectors(merged)
    plain.adjust_vectors()  # what gensim runs after loading or training changes nothing
    np.testing.assert_allclose(plain.vectors, merged.vectors, atol=2e-6)
    np.testing.assert_array_equal(kv_a.vectors_ngrams, before)
    with pytest.raises(NotMergedError):
        kv_a.provenance("the")


def test_merged_buckets_are_weighted_by_corpus_size(kv_a, model_b):
    t_a, t_b = float(kv_a.expandos["count"].sum()), float(model_b.wv.expandos["count"].sum())
    merged = kv_a.merge_with(model_b.wv, align=False, bucket_weights="corpus")
    expected = (t_a * kv_a.vectors_ngrams.astype(np.float64) + t_b * model_b.wv.vectors_ngrams) / (t_a + t_b)
    np.testing.assert_allclose(merged.vectors_ngrams, expected, atol=1e-6)
    mean = kv_a.merge_with(model_b.wv, align=False, bucket_weights="mean")
    np.testing.assert_allclose(mean.vectors_ngrams, (kv_a.vectors_ngrams + model_b.wv.vectors_ngrams) / 2, atol=1e-6)
    np.testing.assert_allclose(mean[OOV], (kv_a[OOV] + model_b.wv[OOV]) / 2, atol=1e-6)


def test_ngram_weights_follow_each_bucket_evidence(kv_a, model_b):
    merged = kv_a.merge_with(model_b.wv, align=False)  # bucket_weights="ngram", the default
    reached_a = np.asarray(ngram_matrix(kv_a).sum(axis=0)).ravel() > 0
    reached_b = np.asarray(ngram_matrix(model_b.wv).sum(axis=0)).ravel() > 0
    only_a = reached_a & ~reached_b
    assert only_a.any()
    np.testing.assert_allclose(merged.vectors_ngrams[only_a], kv_a.vectors_ngrams[only_a], atol=1e-6)


def test_merge_with_alignment_maps_buckets_with_the_word_map(random_kv):
    """Merging a rotated copy of a model with the model gives the model back, unseen words included."""
    kv_a = random_kv
    turned = _rotated(kv_a, random_orthogonal(kv_a.vector_size, np.random.default_rng(8)))
    merged = kv_a.merge_with(turned, align_options={"anchor_min_count": 1, "trim": False}, center_fit=False)
    np.testing.assert_allclose(merged[OOV], kv_a[OOV], atol=1e-5)
    np.testing.assert_allclose(merged.vectors_ngrams, kv_a.vectors_ngrams, atol=1e-5)


@pytest.mark.parametrize("setting", [{"bucket": 2000}, {"min_n": 2}, {"max_n": 5}])
def test_merge_refuses_models_hashing_ngrams_differently(tmp_path, kv_a, setting):
    other = FastText(lee_corpus_list[150:], seed=2, **{**PARAMS, **setting})
    out = tmp_path / "merged.wv"
    with pytest.raises(TypeError, match="bucket, min_n, max_n") as info:  # the builtin, as gensim's callers catch
        kv_a.merge_with(other.wv).save(str(out))
    assert type(info.value) is BucketMismatchError and isinstance(info.value, IncompatibleModelError)
    assert not out.exists()


def test_merge_refuses_word2vec_vectors_and_bad_weights(kv_a, model_b):
    w2v = Word2Vec(common_texts, vector_size=12, min_count=1, workers=1, seed=1)
    with pytest.raises(IncompatibleModelError, match="not fastText"):
        kv_a.merge_with(w2v.wv)
    with pytest.raises(ValueError, match="bucket_weights"):
        kv_a.merge_with(model_b.wv, bucket_weights="size")
    with pytest.raises(ValueError, match="one non-negative weight per model"):
        kv_a.merge_with(model_b.wv, bucket_weights=[1.0, -1.0])


def test_merge_refuses_a_model_without_buckets(kv_a):
    flat = FastText(common_texts, vector_size=12, min_count=1, bucket=0, workers=1, seed=1)
    with pytest.raises(NoBucketsError):
        kv_a.merge_with(flat.wv, align=False)


# ---------------------------------------------------------------------------------------------- continuation
def test_continue_from_fixes_gensim_traps(model_a):
    old_corpus = [["alpha", "beta", "gamma", "delta"]] * 3 + [["alpha", "beta"]] * 10
    new_corpus = [["gamma", "epsilon", "beta"]] * 3 + [["epsilon", "zeta"]] * 20
    old = FastText(old_corpus, vector_size=8, min_count=4, bucket=500, workers=1, seed=1, epochs=2)
    assert "gamma" not in old.wv.key_to_index  # 3 < min_count
    old.raw_vocab = {"gamma": 3, "delta": 3, "zeta": 2}  # kept as gensim keeps it with keep_raw_vocab=True
    result = MergeableFastTextKeyedVectors.continue_from(old, new_corpus, epochs=2, alpha=0.05)
    model, report = result.model, result.continuation_report
    assert "gamma" in model.wv.key_to_index and "delta" not in model.wv.key_to_index  # 3 + 3 >= 4; 3 < 4
    assert model.wv.get_vecattr("gamma", "count") == 6 and report.admitted_by_combined_count == 1
    assert model.wv.get_vecattr("zeta", "count") == 22  # old occurrences count for every new word, as in word2vec
    counts = np.asarray(model.wv.expandos["count"])
    assert np.all(np.diff(counts) <= 0) and model.wv.index_to_key[0] == "epsilon"
    assert model.alpha == old.alpha and model.corpus_count == old.corpus_count + len(new_corpus)
    assert model.corpus_total_words == counts.sum()
    _consistent(MergeableFastTextKeyedVectors.from_fasttext(model), atol=1e-5)
    assert "epsilon" not in old.wv.key_to_index  # the source is untouched
    assert type(result) is MergeableFastTextKeyedVectors and result["epsilon"].shape == (8,)


def test_continuation_moves_every_per_word_array_with_its_word(model_a):
    """The re-sort moves word-token vectors, hash lists and output rows with their words (alpha ~ 0: no learning)."""
    new_corpus = [["zzquux", "yyplugh"]] * 400 + lee_corpus_list[:2]  # new words, frequent: they move up
    model, report = continue_fasttext(model_a, new_corpus, epochs=1, alpha=1e-12, min_alpha=1e-12)
    wv, old = model.wv, model_a.wv
    assert report.moved_words > 0 and wv.key_to_index["zzquux"] < 20  # ahead of most old words
    rows_new = np.array([wv.key_to_index[w] for w in old.index_to_key])
    rows_old = np.arange(len(old))
    np.testing.assert_allclose(wv.vectors_vocab[rows_new], old.vectors_vocab[rows_old], atol=1e-6)
    np.testing.assert_allclose(model.syn1neg[rows_new], model_a.syn1neg[rows_old], atol=1e-6)
    fresh = FastTextKeyedVectors(wv.vector_size, wv.min_n, wv.max_n, wv.bucket)
    fresh.index_to_key = wv.index_to_key
    fresh.recalc_char_ngram_buckets()  # gensim's hashes of the re-sorted vocabulary
    assert all(np.array_equal(x, y) for x, y in zip(wv.buckets_word, fresh.buckets_word))
    assert np.all(np.diff(wv.expandos["count"]) <= 0)


def test_the_learning_rate_is_put_back_however_training_ends(model_a):
    model = FastText(common_texts, vector_size=4, min_count=1, bucket=100, workers=1, seed=1, alpha=0.03)
    with pytest.raises(RuntimeError), restarted_learning_rate(0.5, model=model):
        model.alpha, model.min_alpha = 0.5, 0.4
        raise RuntimeError("training failed")
    assert (model.alpha, model.min_alpha) == (0.03, 0.0001)


def test_continue_from_refuses_bad_input(model_a):
    with pytest.raises(CorpusError, match="one-shot"):
        continue_fasttext(model_a, iter(common_texts))
    with pytest.raises(CorpusError, match="strings"):
        continue_fasttext(model_a, ["a sentence as one string"])
    with pytest.raises(IncompatibleModelError, match="hierarchical softmax"):
        continue_fasttext(FastText(common_texts, vector_size=4, min_count=1, hs=1, negative=0, bucket=100,
                                   workers=1, seed=1), common_texts)
    with pytest.raises(ValueError, match="min_count_rule"):
        continue_fasttext(model_a, common_texts, min_count_rule="old")


def test_continue_from_a_facebook_file():
    result = MergeableFastTextKeyedVectors.continue_from(datapath("lee_fasttext.bin"), common_texts * 5, epochs=1)
    assert "graph" in result.key_to_index and os.path.exists(datapath("lee_fasttext.bin"))
    assert isinstance(result.model, FastText) and isinstance(result, FastTextKeyedVectors)


# ---------------------------------------------------------------------------------------------- hooks
def test_hooks_for_the_command_line(tmp_path, kv_a, model_b):
    merged = merge_fasttext_models([kv_a, model_b.wv], reference="b", names=["a", "b"], align=False)
    assert merged.sources == ["b", "a"] and merged.merge_report.reference == "b"
    np.testing.assert_array_equal(merged.vectors_ngrams,
                                  MergeableFastTextKeyedVectors.from_fasttext(model_b).merge_with(
                                      kv_a, names=["b", "a"], align=False).vectors_ngrams)
    with pytest.raises(ModelFileError, match="native format"):
        save_fasttext(merged, str(tmp_path / "merged.txt"))
    assert not (tmp_path / "merged.txt").exists()
    save_fasttext(merged, str(tmp_path / "merged.wv"))
    assert is_fasttext_file(str(tmp_path / "merged.wv"))
    loaded = load_fasttext_any(str(tmp_path / "merged.wv"), allow_pickle=True)
    assert loaded.sources == ["b", "a"]
    np.testing.assert_allclose(loaded[OOV], merged[OOV], atol=1e-6)


def test_html_report_works_on_fasttext_models(tmp_path, kv_a, model_b):
    pytest.importorskip("matplotlib")
    from gensim_merge.report_html import alignment_report_html

    aligned = kv_a.align_to(model_b.wv, anchor_min_count=1)
    path = alignment_report_html(kv_a, model_b.wv, aligned, str(tmp_path / "report.html"), anchor_min_count=1)
    with open(path, encoding="utf8") as page:
        assert "<html" in page.read().lower()
# --------------------------------------------------------------------------------------------------------------
# from test_fasttext_wiring.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_models():
    return [FastText(common_texts * 20, vector_size=8, min_count=1, bucket=500, workers=1, epochs=2, seed=seed).wv
            for seed in (1, 2)]


def test_merge_of_fasttext_models_keeps_the_buckets(two_models):
    merged = merge(two_models, names=["a", "b"])
    assert isinstance(merged, MergeableFastTextKeyedVectors) and merged.vectors_ngrams.shape == (500, 8)
    assert merged.provenance("human") == ["a", "b"]
    assert np.isfinite(merged.get_vector("never-seen-word")).all()


def test_mixed_inputs_are_refused(two_models, rng):
    plain = make_kv(["human", "system"], 8, rng)
    with pytest.raises(IncompatibleModelError, match="fastText models"):
        merge([two_models[0], plain])


def test_save_vectors_keeps_the_buckets_or_refuses(two_models, tmp_path):
    assert save_vectors(two_models[0], tmp_path / "a.wv") == "native"
    loaded = load_vectors(tmp_path / "a.wv", allow_pickle=True)
    assert isinstance(loaded, MergeableFastTextKeyedVectors)
    np.testing.assert_allclose(loaded.get_vector("never-seen"), two_models[0].get_vector("never-seen"), rtol=1e-6)
    assert save_vectors(two_models[0], tmp_path / "a.safetensors") == "safetensors"  # pickle-free, buckets kept
    loaded = load_vectors(tmp_path / "a.safetensors")
    assert isinstance(loaded, MergeableFastTextKeyedVectors)
    np.testing.assert_array_equal(loaded.get_vector("never-seen"), two_models[0].get_vector("never-seen"))
    with pytest.raises(ModelFileError, match="buckets"):
        save_vectors(two_models[0], tmp_path / "a.txt")
    assert not (tmp_path / "a.txt").exists()


def test_command_line_merges_fasttext_files(two_models, tmp_path, capsys):
    paths = []
    for i, kv in enumerate(two_models):
        kv.save(str(tmp_path / f"m{i}.wv"))
        paths.append(str(tmp_path / f"m{i}.wv"))
    code = cli.main(["merge", *paths, "-o", str(tmp_path / "merged.wv"), "--allow-pickle"])
    assert code == 0, capsys.readouterr().err
    merged = load_vectors(tmp_path / "merged.wv", allow_pickle=True)
    assert isinstance(merged, MergeableFastTextKeyedVectors) and merged.bucket == 500


def test_continue_from_shows_every_option_of_the_function_it_fronts():
    import inspect

    from gensim_merge.continuation import continue_fasttext

    front = inspect.signature(MergeableFastTextKeyedVectors.continue_from).parameters
    core = inspect.signature(continue_fasttext).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in front.values())
    assert {name: p.default for name, p in front.items() if name != "cls"} == \
        {name: p.default for name, p in core.items()}


def test_command_line_aligns_a_fasttext_model_with_a_progress_count(two_models, tmp_path, capsys):
    paths = []
    for i, kv in enumerate(two_models):
        kv.save(str(tmp_path / f"a{i}.wv"))
        paths.append(str(tmp_path / f"a{i}.wv"))
    code = cli.main(["align", *paths, "-o", str(tmp_path / "aligned.wv"), "--allow-pickle", "--anchor-min-count", "1"])
    assert code == 0, capsys.readouterr().err
    aligned = load_vectors(tmp_path / "aligned.wv", allow_pickle=True)
    assert isinstance(aligned, MergeableFastTextKeyedVectors) and aligned.alignment is not None
    steps = []
    MergeableFastTextKeyedVectors.from_keyed_vectors(two_models[0]).apply_alignment(aligned.alignment,
                                                                                    progress=steps.append)
    assert sum(steps) == 2 * len(two_models[0]) + two_models[0].bucket
