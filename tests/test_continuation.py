"""Continued training: continue_training, continue_from, members and estimates."""

import copy
import gzip
import inspect
import json
import logging

import numpy as np
import pytest
from gensim.models import Doc2Vec, FastText, KeyedVectors, Word2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import common_texts, datapath
from gensim.utils import simple_preprocess

from gensim_merge import (
    MergeableKeyedVectors,
    NoSharedVocabularyError,
    OptionTypeError,
    continuation,
    load_vectors,
    save_vectors,
)
from gensim_merge.alignment import fit_between
from gensim_merge.continuation import ContinuationResult, Interleaved, continue_training, resort_vocabulary
from gensim_merge.errors import (
    CorpusDecodeError,
    CorpusError,
    DimensionMismatchError,
    EmptyModelError,
    IncompatibleModelError,
    ModelFileError,
    OptionError,
    PickleNotAllowedError,
)

# --------------------------------------------------------------------------------------------------------------
# from test_continuation.py
# --------------------------------------------------------------------------------------------------------------

PARAMS = {"vector_size": 16, "window": 3, "min_count": 3, "workers": 1, "seed": 7, "epochs": 3, "negative": 5}


def _lee():
    return list(LineSentence(datapath("lee_background.cor")))


@pytest.fixture(scope="module")
def halves():
    lines = _lee()
    old = lines[::2]
    # the new half loses a few words entirely, so that some old words go unseen
    banned = {"police", "fire", "government", "Palestinian"}
    new = [[w for w in line if w not in banned] for line in lines[1::2]]
    return old, new


@pytest.fixture(scope="module")
def source(halves):
    return Word2Vec(halves[0], **PARAMS)


def _state(model):
    return {"vectors": model.wv.vectors.copy(), "syn1neg": model.syn1neg.copy(),
                "counts": model.wv.expandos["count"].copy(), "keys": list(model.wv.index_to_key),
                "alpha": model.alpha, "min_alpha": model.min_alpha, "corpus_count": model.corpus_count,
                "lockf": model.wv.vectors_lockf.copy(), "cum": model.cum_table.copy()}


def _assert_same_state(before, after):
    for name, value in before.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, after[name]), name
        else:
            assert value == after[name], name


@pytest.fixture(scope="module")
def continued(source, halves):
    return continue_training(source, halves[1])


def test_source_unchanged(source, halves):
    before = _state(source)
    result = continue_training(source, halves[1], alpha=0.05)
    _assert_same_state(before, _state(source))
    assert result.model is not source
    assert result.model.wv.vectors is not source.wv.vectors


def test_inplace_updates_source(halves):
    model = Word2Vec(halves[0], **PARAMS)
    result = continue_training(model, halves[1], inplace=True)
    assert result.model is model
    assert "minister" in model.wv or result.report.added_words > 0


def test_new_words_present_and_counts_combined(source, halves, continued):
    model = continued.model
    new_words = [w for w in dict.fromkeys(w for line in halves[1] for w in line) if w not in source.wv]
    counts_new = {}
    for line in halves[1]:
        for w in line:
            counts_new[w] = counts_new.get(w, 0) + 1
    kept = [w for w in new_words if counts_new[w] >= PARAMS["min_count"]]
    assert kept and all(w in model.wv for w in kept)
    assert continued.report.added_words == len(kept)
    for w in ["the", "minister", "police"]:
        assert model.wv.get_vecattr(w, "count") == source.wv.get_vecattr(w, "count") + counts_new.get(w, 0)
    assert isinstance(continued, ContinuationResult)


def test_min_count_judged_on_combined_counts():
    old = [["alpha", "beta", "gamma", "rare"]] * 3 + [["alpha", "beta", "gamma"]] * 20
    new = [["alpha", "beta", "rare", "delta"]] * 3 + [["alpha", "beta", "gamma"]] * 20
    src = Word2Vec(vector_size=8, min_count=5, workers=1, seed=1, epochs=1)
    src.build_vocab(old, keep_raw_vocab=True)  # the old corpus's counts below min_count survive
    src.train(old, total_examples=src.corpus_count, epochs=src.epochs)
    assert "rare" not in src.wv
    combined = continue_training(src, new, epochs=1)
    assert "rare" in combined.model.wv  # 3 old + 3 new >= 5
    assert "delta" not in combined.model.wv  # 3 new only
    assert combined.report.admitted_by_combined_count == 1
    assert combined.model.wv.get_vecattr("rare", "count") == 6
    gensim_rule = continue_training(src, new, epochs=1, min_count_rule="new")
    assert "rare" not in gensim_rule.model.wv


def test_vocab_resorted_by_combined_frequency(continued):
    wv = continued.model.wv
    counts = wv.expandos["count"]
    assert np.all(np.diff(counts) <= 0)
    assert continued.report.moved_words > 0
    assert len(continued.model.cum_table) == len(wv) == len(continued.model.syn1neg) == len(wv.vectors)
    assert all(wv.key_to_index[k] == i for i, k in enumerate(wv.index_to_key))


def test_resort_moves_every_array_together(halves):
    model = Word2Vec(halves[0], **PARAMS)
    model.wv.expandos["count"] = model.wv.expandos["count"][::-1].copy()  # force a full reorder
    keys = list(model.wv.index_to_key)
    before = {k: (model.wv[k].copy(), model.syn1neg[i].copy(), model.wv.get_vecattr(k, "count"),
                  model.wv.get_vecattr(k, "sample_int")) for i, k in enumerate(keys)}
    extra = np.arange(len(keys))
    moved, (extra_sorted,) = resort_vocabulary(model, extra)
    assert moved > 0
    for k, (vec, out, count, sample) in before.items():
        i = model.wv.key_to_index[k]
        assert np.array_equal(model.wv.vectors[i], vec)
        assert np.array_equal(model.syn1neg[i], out)
        assert model.wv.get_vecattr(k, "count") == count
        assert model.wv.get_vecattr(k, "sample_int") == sample
        assert keys[extra_sorted[i]] == k


def test_most_similar_still_sane(source, continued):
    # neighbourhoods of frequent words should largely survive a continuation on the same kind of text
    words = source.wv.index_to_key[:60]
    overlaps = []
    for w in words:
        a = {k for k, _ in source.wv.most_similar(w, topn=10)}
        b = {k for k, _ in continued.model.wv.most_similar(w, topn=10)}
        overlaps.append(len(a & b) / 10)
    assert np.mean(overlaps) > 0.2  # a random neighbour list would share ~10/1500 of them


def test_alpha_and_lockf_restored(source, halves):
    result = continue_training(source, halves[1], alpha=0.01, min_alpha=0.001, epochs=1)
    assert result.model.alpha == source.alpha and result.model.min_alpha == source.min_alpha
    assert result.report.start_alpha == 0.01 and result.report.end_alpha == 0.001
    assert result.model.wv.vectors_lockf.shape == (1,)


def test_corpus_count_is_combined_record(source, halves, continued):
    assert continued.model.corpus_count == source.corpus_count + len(halves[1])
    assert continued.report.new_corpus_lines == len(halves[1])
    assert continued.model.corpus_total_words == int(continued.model.wv.expandos["count"].sum())


def test_continued_again(continued, halves):
    third = [line[::-1] for line in halves[0][:50]] + [["quasar", "pulsar", "nebula"]] * 5
    again = continue_training(continued.model, third, epochs=1)
    assert "quasar" in again.model.wv
    assert again.model.corpus_count == continued.model.corpus_count + len(third)
    w = "the"
    assert again.model.wv.get_vecattr(w, "count") > continued.model.wv.get_vecattr(w, "count")
    assert np.all(np.isfinite(again.model.wv.vectors))


def test_rehearsal_is_interleaved(source, halves):
    sample = halves[0][:30]
    result = continue_training(source, halves[1], rehearsal=sample, epochs=1)
    assert result.report.rehearsal_lines == 30
    mixed = list(Interleaved(list(range(10)), ["a", "b"], 10, 2))
    assert mixed == [0, 1, 2, 3, 4, "a", 5, 6, 7, 8, 9, "b"]


def test_warm_start_from_vectors_alone(source, halves):
    kv = copy.deepcopy(source.wv)
    before = kv.vectors.copy()
    result = continue_training(kv, halves[1], word2vec_kwargs={"window": 3, "min_count": 3, "workers": 1, "seed": 7,
                                                                    "epochs": 2})
    assert np.array_equal(kv.vectors, before)
    model = result.model
    assert result.report.warm_start and result.report.warm_start_epochs == 1
    assert all(w in model.wv for w in kv.index_to_key)
    assert np.any(model.syn1neg != 0)
    # the held vectors keep the old geometry: frequent words keep some old neighbours
    w = "the"
    a = {k for k, _ in source.wv.most_similar(w, topn=20)}
    b = {k for k, _ in model.wv.most_similar(w, topn=20)}
    assert len(a & b) >= 2


def test_warm_start_size_mismatch(source, halves):
    with pytest.raises(DimensionMismatchError, match="vector_size=32"):
        continue_training(source.wv, halves[1], word2vec_kwargs={"vector_size": 32})


def test_path_sources_and_corpora(tmp_path, source, halves):
    model_path = tmp_path / "m.model"
    source.save(str(model_path))
    corpus_path = tmp_path / "new.txt.gz"
    with gzip.open(corpus_path, "wt") as fh:
        fh.writelines(" ".join(line) + "\n" for line in halves[1])
    with pytest.raises(PickleNotAllowedError, match="allow_pickle=True"):  # a path is a pickle: opt in
        continue_training(model_path, corpus_path, epochs=1)
    result = continue_training(model_path, corpus_path, epochs=1, allow_pickle=True)
    assert result.report.new_corpus_lines == len(halves[1])
    plain_path = tmp_path / "new.txt"
    plain_path.write_text("".join(" ".join(line) + "\n" for line in halves[1]))
    by_file = continue_training(source, corpus_file=str(plain_path), epochs=1)
    assert by_file.report.new_corpus_words == sum(map(len, halves[1]))
    kv_path = tmp_path / "v.kv"
    source.wv.save(str(kv_path))
    with pytest.raises(ModelFileError, match="vectors only"):
        continue_training(kv_path, halves[1], allow_pickle=True)
    with pytest.raises(ModelFileError, match="no model file"):
        continue_training(tmp_path / "missing.model", halves[1])


@pytest.mark.parametrize("corpus, match", [
    ([" ".join(line) for line in common_texts], "yields strings"),
    ([], "empty"),
    ([[]], "no tokens"),
    ((line for line in common_texts), "one-shot"),
    (iter(common_texts), "one-shot"),
    ([[1, 2, 3]], "lists of str"),
    ("/no/such/file.txt", "not a file"),
    (42, "iterable"),
])
def test_corpus_errors(source, corpus, match):
    with pytest.raises(CorpusError, match=match):
        continue_training(source, corpus)


def test_corpus_option_errors(source, tmp_path):
    with pytest.raises(CorpusError, match="either corpus or corpus_file"):
        continue_training(source, common_texts, corpus_file="x.txt")
    with pytest.raises(CorpusError, match="no new corpus"):
        continue_training(source)
    gz = tmp_path / "c.txt.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write("a b c\n")
    with pytest.raises(CorpusError, match="compressed"):
        continue_training(source, corpus_file=str(gz))


def test_hs_refused():
    model = Word2Vec(common_texts, vector_size=8, min_count=1, hs=1, negative=0, workers=1, seed=1)
    with pytest.raises(IncompatibleModelError, match="hierarchical softmax"):
        continue_training(model, common_texts)


@pytest.mark.parametrize("cls", [Doc2Vec, FastText])
def test_other_model_types_refused(cls):
    if cls is Doc2Vec:
        from gensim.models.doc2vec import TaggedDocument
        model = cls([TaggedDocument(t, [i]) for i, t in enumerate(common_texts)], vector_size=8, min_count=1,
                    workers=1, epochs=1)
    else:
        model = cls(common_texts, vector_size=8, min_count=1, workers=1, epochs=1)
    with pytest.raises(IncompatibleModelError, match=cls.__name__):
        continue_training(model, common_texts)


def test_missing_training_state_refused(source):
    model = copy.deepcopy(source)
    del model.syn1neg
    with pytest.raises(ModelFileError, match="output layer"):
        continue_training(model, common_texts)
    with pytest.raises(IncompatibleModelError, match="dict"):
        continue_training({"a": 1}, common_texts)


@pytest.mark.parametrize("kwargs, match", [
    ({"min_count_rule": "old"}, "min_count_rule"),
    ({"epochs": 0}, "epochs"),
    ({"alpha": 0.01, "min_alpha": 0.1}, "min_alpha"),
    ({"word2vec_kwargs": {"window": 2}}, "warm start"),
])
def test_option_errors(source, kwargs, match):
    with pytest.raises(ValueError, match=match):
        continue_training(source, common_texts, **kwargs)


def test_report_is_json_safe_and_readable(continued):
    data = continued.report.to_dict()
    assert json.loads(json.dumps(data)) == data
    text = str(continued.report)
    assert "ContinuationReport" in text and "re-sorted" in text
    events = [e for e in continued.model.lifecycle_events if e.get("event") == "continue_training"]
    assert events and events[-1]["added_words"] == continued.report.added_words


def test_deterministic(source, halves):
    a = continue_training(source, halves[1], epochs=1)
    b = continue_training(source, halves[1], epochs=1)
    assert a.model.wv.index_to_key == b.model.wv.index_to_key
    assert np.array_equal(a.model.wv.vectors, b.model.wv.vectors)


def test_empty_vectors_refused():
    with pytest.raises(EmptyModelError, match="empty"):
        continue_training(KeyedVectors(4), common_texts)


# ----------------------------------------------------------------------------------------------------------
# issue 12: gensim's build_vocab(update=True) path and the named fix-ups around it
def test_vocabulary_grows_through_gensims_build_vocab_update(source, halves, monkeypatch):
    calls = []
    real = Word2Vec.build_vocab

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Word2Vec, "build_vocab", spy)
    continue_training(source, halves[1], epochs=1)
    assert len(calls) == 1 and calls[0]["update"] is True


def _no_training(monkeypatch):
    monkeypatch.setattr(Word2Vec, "train", lambda self, *args, **kwargs: (0, 0))


def test_rows_before_training_are_gensims_own(source, halves, monkeypatch):
    """Without training, every word's input vector and output row are those of gensim's plain update."""
    plain = copy.deepcopy(source)
    plain.build_vocab(halves[1], update=True)
    _no_training(monkeypatch)
    result = continue_training(source, halves[1], min_count_rule="new")
    model = result.model
    assert result.report.moved_words > 0 and set(model.wv.index_to_key) == set(plain.wv.index_to_key)
    rows = np.array([plain.wv.key_to_index[k] for k in model.wv.index_to_key])
    np.testing.assert_array_equal(model.wv.vectors, plain.wv.vectors[rows])
    np.testing.assert_array_equal(model.syn1neg, plain.syn1neg[rows])
    np.testing.assert_array_equal(model.wv.expandos["count"], plain.wv.expandos["count"][rows])


def test_resort_counts_and_downsampling_match_joint_training(halves, monkeypatch):
    old, new = halves[0][:300], halves[1][:300]
    params = dict(PARAMS, min_count=1)
    joint = Word2Vec(old + new, **params)
    src = Word2Vec(old, **params)
    _no_training(monkeypatch)
    model = continue_training(src, new).model
    wv, jw = model.wv, joint.wv
    assert set(wv.index_to_key) == set(jw.index_to_key)
    rows = np.array([jw.key_to_index[k] for k in wv.index_to_key])
    np.testing.assert_array_equal(wv.expandos["count"], jw.expandos["count"][rows])
    np.testing.assert_array_equal(wv.expandos["sample_int"], jw.expandos["sample_int"][rows])
    counts = wv.expandos["count"]
    assert np.all(np.diff(counts) <= 0)
    unique = np.flatnonzero(np.bincount(counts)[counts] == 1)  # words whose count no other word has
    assert len(unique) > 20 and np.array_equal(rows[unique], unique)  # same index as in the joint model
    np.testing.assert_array_equal(counts, jw.expandos["count"])  # the same sequence of counts...
    np.testing.assert_array_equal(model.cum_table, joint.cum_table)  # ...so the same negative-sampling table
    assert model.corpus_count == joint.corpus_count
    assert model.corpus_total_words == joint.corpus_total_words


def test_resort_keeps_each_words_output_row(source, halves):
    a = continue_training(source, halves[1], epochs=1, resort=False)
    b = continue_training(source, halves[1], epochs=1, resort=True)
    assert a.model.wv.index_to_key != b.model.wv.index_to_key
    for key in ("the", "minister", a.model.wv.index_to_key[-1]):
        i, j = a.model.wv.key_to_index[key], b.model.wv.key_to_index[key]
        assert a.model.wv.get_vecattr(key, "count") == b.model.wv.get_vecattr(key, "count")
        np.testing.assert_allclose(a.model.syn1neg[i], b.model.syn1neg[j], atol=0.05)
        np.testing.assert_allclose(a.model.wv.vectors[i], b.model.wv.vectors[j], atol=0.05)


def test_min_count_option_is_applied_and_recorded(source, halves):
    result = continue_training(source, halves[1], epochs=1, min_count=50)
    new_words = set(result.model.wv.index_to_key) - set(source.wv.index_to_key)
    assert all(result.model.wv.get_vecattr(w, "count") >= 50 for w in new_words)
    assert result.report.min_count == 50 == result.model.min_count
    assert source.min_count == PARAMS["min_count"]


def test_alpha_restored_after_gensim_overwrote_it(source, halves, monkeypatch):
    seen = []
    real = Word2Vec.train

    def spy(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        seen.append((self.alpha, self.min_alpha))
        return out

    monkeypatch.setattr(Word2Vec, "train", spy)
    result = continue_training(source, halves[1], alpha=0.05, min_alpha=0.002, epochs=1)
    assert seen == [(0.05, 0.002)]  # the trap: gensim's train(start_alpha=...) stores them
    assert (result.model.alpha, result.model.min_alpha) == (source.alpha, source.min_alpha)


# ----------------------------------------------------------------------------------------------------------
# issue 11 §5: gensim's "Effective 'alpha' higher" warning is expected when continuing
def test_alpha_restart_warning_kept_out_and_explained_once(source, halves, caplog):
    caplog.set_level(logging.INFO)
    continue_training(source, halves[1], epochs=1)

    def gensim_warnings():
        return [r for r in caplog.records if r.levelno == logging.WARNING and "Effective 'alpha'" in r.getMessage()]

    assert not gensim_warnings()
    ours = [r for r in caplog.records if r.name == "gensim_merge.continuation" and "alpha" in r.getMessage()]
    assert len(ours) == 1 and ours[0].levelno == logging.INFO and "expected" in ours[0].getMessage()
    # the filter is scoped to our training call: gensim's plain recipe still warns afterwards
    caplog.clear()
    plain = copy.deepcopy(source)
    plain.build_vocab(halves[1], update=True)
    plain.train(halves[1], total_examples=plain.corpus_count, epochs=1)
    assert gensim_warnings()


# ----------------------------------------------------------------------------------------------------------
# issue 11 §4: every numeric option range-checked before any work
@pytest.mark.parametrize("kwargs, name", [
    ({"epochs": 0}, "epochs"), ({"epochs": -3}, "epochs"), ({"epochs": 1.5}, "epochs"), ({"epochs": True}, "epochs"),
    ({"epochs": "3"}, "epochs"),
    ({"alpha": 0}, "alpha"), ({"alpha": -0.1}, "alpha"), ({"alpha": float("nan")}, "alpha"),
    ({"alpha": float("inf")}, "alpha"),
    ({"min_alpha": -0.001}, "min_alpha"), ({"alpha": 0.01, "min_alpha": 0.1}, "min_alpha"),
    ({"min_count": 0}, "min_count"), ({"min_count": -5}, "min_count"),
    ({"warm_start_epochs": -1}, "warm_start_epochs"),
    ({"workers": 0}, "workers"),
    ({"min_count_rule": "old"}, "min_count_rule"),
    ({"word2vec_kwargs": {"window": 0}}, "window"), ({"word2vec_kwargs": {"negative": 0}}, "negative"),
    ({"word2vec_kwargs": {"seed": -1}}, "seed"), ({"word2vec_kwargs": {"sg": 2}}, "sg"),
    ({"word2vec_kwargs": {"min_count": 0}}, "min_count"),
])
def test_numeric_options_are_range_checked_before_any_work(tmp_path, kwargs, name):
    missing = tmp_path / "no_such.model"  # loading it would fail: the option error must come first
    with pytest.raises(OptionError, match=name) as info:
        continue_training(missing, common_texts, **kwargs)
    assert isinstance(info.value, ValueError)
    value = list(kwargs.values())[-1]
    value = next(iter(value.values())) if isinstance(value, dict) else value
    message = str(info.value)
    assert "must be" in message and repr(value)[:3] in message  # the rule and the value given


# ----------------------------------------------------------------------------------------------------------
# issue 11 §6: a vectors file given as the corpus
@pytest.mark.parametrize("binary", [True, False])
def test_vectors_file_as_corpus_is_named(source, tmp_path, binary):
    path = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    source.wv.save_word2vec_format(str(path), binary=binary)
    kind = "binary" if binary else "text"
    with pytest.raises(CorpusError, match=f"vectors.{'bin' if binary else 'txt'}.*word2vec {kind} vectors") as info:
        continue_training(source, path)
    assert isinstance(info.value, UnicodeDecodeError) == binary
    assert "not text" in str(info.value)
    with pytest.raises(CorpusError, match="vectors"):
        continue_training(source, corpus_file=str(path))
    with pytest.raises(CorpusError, match="vectors"):
        continue_training(source, common_texts, rehearsal=path)


def test_non_utf8_corpus_is_named(source, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9 cr\xe8me br\xfbl\xe9e\n".encode("latin-1") * 5)
    with pytest.raises(CorpusDecodeError, match="latin1.txt.*not UTF-8") as info:
        continue_training(source, path)
    assert isinstance(info.value, UnicodeDecodeError)
    assert info.value.encoding == "utf-8" and info.value.start == 3


def test_a_corpus_that_starts_with_two_numbers_is_still_text(source, tmp_path):
    path = tmp_path / "numbers.txt"
    path.write_text("3 4\nthe minister said\nthe police said\n", encoding="utf8")
    result = continue_training(source, path, epochs=1)
    assert result.report.new_corpus_lines == 3
# --------------------------------------------------------------------------------------------------------------
# from test_continue_from.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def old():
    return Word2Vec(common_texts[:5], vector_size=8, min_count=1, workers=1, seed=1, epochs=3)


def test_returns_vectors_with_the_continued_model(old):
    before = old.wv.vectors.copy(), list(old.wv.index_to_key), old.syn1neg.copy()
    new = MergeableKeyedVectors.continue_from(old, common_texts[5:], epochs=2)
    assert type(new) is MergeableKeyedVectors
    assert {"trees", "graph", "minors"} <= set(new.index_to_key)
    assert set(old.wv.index_to_key) <= set(new.index_to_key)
    assert np.shares_memory(new.vectors, new.model.wv.vectors)
    assert new.continuation_report is not None
    # the source is untouched
    np.testing.assert_array_equal(old.wv.vectors, before[0])
    assert old.wv.index_to_key == before[1]
    np.testing.assert_array_equal(old.syn1neg, before[2])
    # and the result can be continued again
    again = MergeableKeyedVectors.continue_from(new.model, [["trees", "human", "brand_new"]] * 3, epochs=1)
    assert "brand_new" in again and "brand_new" not in new


def test_unknown_option_is_a_type_error(old):
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        MergeableKeyedVectors.continue_from(old, common_texts, epoch=3)


def test_signature_shows_every_option_of_continue_training():
    """Issue 11 §7: no **options hiding the parameters from help() and IDEs; same names and defaults."""
    front = inspect.signature(MergeableKeyedVectors.continue_from).parameters
    back = inspect.signature(continue_training).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in front.values())
    assert list(front) == list(back)
    for name, param in back.items():
        assert front[name].kind == param.kind, name
        assert front[name].default == param.default, name
    doc = MergeableKeyedVectors.continue_from.__doc__
    assert all(f"{name} :" in doc or f"{name}," in doc for name in back), "every parameter documented"


def test_options_reach_continue_training(old, monkeypatch):
    from gensim_merge import continuation

    seen = {}
    real = continuation.continue_training

    def spy(source, corpus=None, **kwargs):
        seen.update(kwargs)
        return real(source, corpus, **kwargs)

    monkeypatch.setattr(continuation, "continue_training", spy)
    rehearsal = common_texts[:2]
    MergeableKeyedVectors.continue_from(old, common_texts[5:], epochs=2, alpha=0.02, min_alpha=0.001, min_count=1,
                                        min_count_rule="new", resort=False, rehearsal=rehearsal, workers=1)
    assert seen["epochs"] == 2 and seen["alpha"] == 0.02 and seen["min_alpha"] == 0.001
    assert seen["min_count"] == 1 and seen["min_count_rule"] == "new" and seen["resort"] is False
    assert seen["rehearsal"] is rehearsal and seen["workers"] == 1 and seen["inplace"] is False


def test_corpus_of_strings_is_refused(old):
    with pytest.raises(CorpusError):
        MergeableKeyedVectors.continue_from(old, ["human interface computer", "graph trees"])
# --------------------------------------------------------------------------------------------------------------
# from test_continue_estimates.py
# --------------------------------------------------------------------------------------------------------------


PARAMS_continue_estimates = {"vector_size": 16, "min_count": 3, "workers": 1, "epochs": 3}


@pytest.fixture(scope="module")
def halves_continue_estimates():
    with open(datapath("lee_background.cor")) as handle:
        lines = [simple_preprocess(line) for line in handle]
    return lines[::2], lines[1::2]


@pytest.fixture(scope="module")
def source_continue_estimates(halves_continue_estimates):
    return Word2Vec(halves_continue_estimates[0], seed=1, **PARAMS_continue_estimates)


@pytest.fixture(scope="module")
def plain(source_continue_estimates, halves_continue_estimates):
    return continue_training(source_continue_estimates, halves_continue_estimates[1], seed=7)


def _groups(result, source_continue_estimates):
    added = np.array([w not in source_continue_estimates.wv for w in result.model.wv.index_to_key])
    return added


def test_seed_makes_a_continuation_reproducible(source_continue_estimates, halves_continue_estimates, plain):
    again = continue_training(source_continue_estimates, halves_continue_estimates[1], seed=7)
    np.testing.assert_array_equal(again.model.wv.vectors, plain.model.wv.vectors)
    other = continue_training(source_continue_estimates, halves_continue_estimates[1], seed=8)
    assert not np.allclose(other.model.wv.vectors, plain.model.wv.vectors)
    assert plain.evidence is None and plain.report.estimates is None


def test_new_model_equal_to_the_continued_vectors_changes_nothing_but_the_evidence(
    source_continue_estimates, halves_continue_estimates, plain
):
    wv = plain.model.wv
    added = [w for w in wv.index_to_key if w not in source_continue_estimates.wv]
    same = KeyedVectors(wv.vector_size)
    same.add_vectors(added, wv[added])
    same.expandos["count"] = np.asarray(wv.expandos["count"])[[wv.key_to_index[w] for w in added]]
    result = continue_training(source_continue_estimates, halves_continue_estimates[1], seed=7, new_model=same,
                               align_options={"anchor_min_count": 0, "heldout": 0})
    np.testing.assert_allclose(result.model.wv.vectors, wv.vectors, atol=1e-5)
    assert result.model.wv.index_to_key == wv.index_to_key
    estimates = result.evidence.estimates
    is_added = _groups(result, source_continue_estimates)
    assert np.all(estimates[is_added] == 2) and np.all(estimates[~is_added] == 1)
    assert result.report.estimates["added"] == {"2": len(added)}
    assert result.report.new_model == "given" and result.report.members == 1
    assert result.evidence.sources == ["continued (seed 7)", "new corpus model"]


def test_new_model_counts_are_not_added_again(source_continue_estimates, halves_continue_estimates, plain):
    new = Word2Vec(halves_continue_estimates[1], seed=3, **PARAMS_continue_estimates)
    result = continue_training(source_continue_estimates, halves_continue_estimates[1], seed=7, new_model=new)
    np.testing.assert_array_equal(result.model.wv.expandos["count"], plain.model.wv.expandos["count"])
    assert result.model.corpus_total_words == plain.model.corpus_total_words
    # the added words (only the new corpus knows them) moved towards the new model; the others did not
    is_added = _groups(result, source_continue_estimates)
    moved = ~np.all(np.isclose(result.model.wv.vectors, plain.model.wv.vectors, atol=1e-6), axis=1)
    assert moved[is_added].mean() > 0.9 and not moved[~is_added].any()
    assert result.report.new_model_rules == {"added": "evidence", "shared": "keep", "old": "keep"}


def test_shared_rule_combines_shared_words_too(source_continue_estimates, halves_continue_estimates):
    new = Word2Vec(halves_continue_estimates[1], seed=3, **PARAMS_continue_estimates)
    result = continue_training(
        source_continue_estimates,
        halves_continue_estimates[1],
        seed=7,
        new_model=new,
        new_model_rules={"shared": "evidence"},
    )
    shared = result.report.estimates["shared"]
    in_new = sum(
        1 for w in new.wv.index_to_key if w in source_continue_estimates.wv
    )  # shared words the new model holds
    assert shared["2"] == in_new and sum(shared.values()) == result.report.shared_words
    assert result.report.estimates["old"] == {"1": result.report.old_words_unseen}


def test_members_average_the_aligned_continuations(source_continue_estimates, halves_continue_estimates, plain):
    options = {"anchor_min_count": 0}
    second = continue_training(source_continue_estimates, halves_continue_estimates[1], seed=8).model.wv
    result = continue_training(
        source_continue_estimates, halves_continue_estimates[1], seed=7, members=2, align_options=options
    )
    alignment = fit_between(second, plain.model.wv, options)
    expected = (plain.model.wv.vectors + alignment.apply(second.vectors)) / 2
    np.testing.assert_allclose(result.model.wv.vectors, expected, atol=1e-5)
    assert result.report.members == 2
    assert result.report.estimates["added"] == {"2": result.report.added_words}
    assert result.evidence.sources == ["continued (seed 7)", "continued (seed 8)"]
    event = result.model.lifecycle_events[-1]
    assert event["event"] == "combine_estimates" and event["members"] == 2


def test_new_model_train_and_continue_from_record_evidence(
    source_continue_estimates, halves_continue_estimates, tmp_path
):
    kv = MergeableKeyedVectors.continue_from(
        source_continue_estimates, halves_continue_estimates[1], seed=7, members=2, new_model="train"
    )
    report = kv.continuation_report
    assert report.new_model == "trained" and report.members == 2
    added = next(w for w in kv.index_to_key if w not in source_continue_estimates.wv and kv.estimates(w) == 3)
    assert kv.provenance(added) == ["continued (seed 7)", "continued (seed 8)", "new corpus model (trained)"]
    shared = next(w for w in kv.index_to_key if w in source_continue_estimates.wv)
    assert kv.estimates(shared) == 2
    assert "estimates" not in kv.model.wv.expandos  # the trainable model is left as gensim makes it
    for name in ("v.safetensors", "v.kv"):
        save_vectors(kv, tmp_path / name)
        back = load_vectors(tmp_path / name, allow_pickle=True)
        assert back.estimates(added) == 3 and back.provenance(added) == kv.provenance(added)
    assert "estimates" in str(report)


def test_bad_input(source_continue_estimates, halves_continue_estimates, monkeypatch):
    other_dim = Word2Vec(halves_continue_estimates[1], seed=3, **{**PARAMS_continue_estimates, "vector_size": 8})
    with monkeypatch.context() as patch:  # refused before any training
        patch.setattr(continuation, "_continue_once", lambda *a, **k: pytest.fail("trained before the check"))
        with pytest.raises(DimensionMismatchError, match="vector sizes"):
            continue_training(source_continue_estimates, halves_continue_estimates[1], new_model=other_dim)
        with pytest.raises(DimensionMismatchError, match="vector sizes"):
            continue_training(
                source_continue_estimates, halves_continue_estimates[1], new_model=other_dim.wv, members=3
            )
    stranger = KeyedVectors(16)
    stranger.add_vectors([f"zz{i}" for i in range(20)], np.ones((20, 16)))
    with pytest.raises(NoSharedVocabularyError, match="none of the words of the new corpus"):
        continue_training(source_continue_estimates, halves_continue_estimates[1], new_model=stranger)
    for options, error, match in (
        ({"members": 0}, OptionError, r"members must be an integer in \[1, 64\]"),
        ({"members": 1.5}, OptionTypeError, "members"),
        ({"new_model": "trian"}, OptionTypeError, "new_model must be"),
        ({"new_model": "train", "new_model_rules": {"added": "avg"}}, OptionError, "must be one of"),
        ({"new_model": "train", "new_model_rules": {"A-only": "keep"}}, OptionError, "unknown word group"),
        ({"new_model_rules": {"added": "keep"}}, OptionError, "only with a new_model"),
        ({"members": 2, "inplace": True}, OptionError, "inplace"),
        ({"members": 2, "client": object()}, OptionTypeError, "Client"),
        ({"members": 2, "align_options": {"n_anchors": 1}}, OptionError, "n_anchors"),
    ):
        with pytest.raises(error, match=match):
            continue_training(source_continue_estimates, halves_continue_estimates[1], **options)


def test_members_on_a_dask_cluster(source_continue_estimates, halves_continue_estimates, plain):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = continue_training(
            source_continue_estimates, halves_continue_estimates[1], seed=7, members=2, new_model="train", client=client
        )
    here = continue_training(
        source_continue_estimates, halves_continue_estimates[1], seed=7, members=2, new_model="train"
    )
    np.testing.assert_allclose(result.model.wv.vectors, here.model.wv.vectors, atol=1e-6)
    assert result.report.members == 2 and result.report.new_model == "trained"
    assert result.report.estimates == here.report.estimates


def test_members_of_a_warm_start_use_the_given_seed(source_continue_estimates, halves_continue_estimates):
    result = continue_training(
        source_continue_estimates.wv,
        halves_continue_estimates[1],
        members=2,
        word2vec_kwargs={"seed": 4, "workers": 1},
        epochs=1,
        warm_start_epochs=1,
    )
    assert result.evidence.sources == ["continued (seed 4)", "continued (seed 5)"]
    assert result.report.warm_start and result.report.members == 2


def test_each_member_counts_as_one_estimate_against_the_new_model(source_continue_estimates, halves_continue_estimates):
    new = Word2Vec(halves_continue_estimates[1], seed=3, **PARAMS_continue_estimates)
    options = {"anchor_min_count": 0}
    averaged = continue_training(
        source_continue_estimates, halves_continue_estimates[1], seed=7, members=2, align_options=options
    ).model.wv
    result = continue_training(
        source_continue_estimates, halves_continue_estimates[1], seed=7, members=2, new_model=new, align_options=options
    )
    continued = KeyedVectors(16)
    continued.add_vectors(averaged.index_to_key, averaged.vectors)
    continued.expandos["count"] = np.asarray(averaged.expandos["count"])
    aligned = fit_between(new.wv, continued, options).apply(new.wv.vectors)
    added = [w for w in new.wv.index_to_key if w not in source_continue_estimates.wv and w in averaged]
    rows, new_rows = [averaged.key_to_index[w] for w in added], [new.wv.key_to_index[w] for w in added]
    c_cont = np.asarray(averaged.expandos["count"])[rows][:, None].astype(float)
    c_new = np.asarray(new.wv.expandos["count"])[new_rows][:, None].astype(float)
    expected = (2 * c_cont * averaged.vectors[rows] + c_new * aligned[new_rows]) / (2 * c_cont + c_new)
    np.testing.assert_allclose(result.model.wv.vectors[rows], expected, atol=1e-5)
