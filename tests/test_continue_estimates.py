"""continue_training / continue_from with members=k and new_model=...: every estimate combined, counted once."""

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

from gensim_merge import (
    DimensionMismatchError,
    MergeableKeyedVectors,
    NoSharedVocabularyError,
    OptionError,
    OptionTypeError,
    continuation,
    load_vectors,
    save_vectors,
)
from gensim_merge.alignment import fit_between
from gensim_merge.continuation import continue_training

PARAMS = {"vector_size": 16, "min_count": 3, "workers": 1, "epochs": 3}


@pytest.fixture(scope="module")
def halves():
    with open(datapath("lee_background.cor")) as handle:
        lines = [simple_preprocess(line) for line in handle]
    return lines[::2], lines[1::2]


@pytest.fixture(scope="module")
def source(halves):
    return Word2Vec(halves[0], seed=1, **PARAMS)


@pytest.fixture(scope="module")
def plain(source, halves):
    return continue_training(source, halves[1], seed=7)


def _groups(result, source):
    added = np.array([w not in source.wv for w in result.model.wv.index_to_key])
    return added


def test_seed_makes_a_continuation_reproducible(source, halves, plain):
    again = continue_training(source, halves[1], seed=7)
    np.testing.assert_array_equal(again.model.wv.vectors, plain.model.wv.vectors)
    other = continue_training(source, halves[1], seed=8)
    assert not np.allclose(other.model.wv.vectors, plain.model.wv.vectors)
    assert plain.evidence is None and plain.report.estimates is None


def test_new_model_equal_to_the_continued_vectors_changes_nothing_but_the_evidence(source, halves, plain):
    wv = plain.model.wv
    added = [w for w in wv.index_to_key if w not in source.wv]
    same = KeyedVectors(wv.vector_size)
    same.add_vectors(added, wv[added])
    same.expandos["count"] = np.asarray(wv.expandos["count"])[[wv.key_to_index[w] for w in added]]
    result = continue_training(source, halves[1], seed=7, new_model=same,
                               align_options={"anchor_min_count": 0, "heldout": 0})
    np.testing.assert_allclose(result.model.wv.vectors, wv.vectors, atol=1e-5)
    assert result.model.wv.index_to_key == wv.index_to_key
    estimates = result.evidence.estimates
    is_added = _groups(result, source)
    assert np.all(estimates[is_added] == 2) and np.all(estimates[~is_added] == 1)
    assert result.report.estimates["added"] == {"2": len(added)}
    assert result.report.new_model == "given" and result.report.members == 1
    assert result.evidence.sources == ["continued (seed 7)", "new corpus model"]


def test_new_model_counts_are_not_added_again(source, halves, plain):
    new = Word2Vec(halves[1], seed=3, **PARAMS)
    result = continue_training(source, halves[1], seed=7, new_model=new)
    np.testing.assert_array_equal(result.model.wv.expandos["count"], plain.model.wv.expandos["count"])
    assert result.model.corpus_total_words == plain.model.corpus_total_words
    # the added words (only the new corpus knows them) moved towards the new model; the others did not
    is_added = _groups(result, source)
    moved = ~np.all(np.isclose(result.model.wv.vectors, plain.model.wv.vectors, atol=1e-6), axis=1)
    assert moved[is_added].mean() > 0.9 and not moved[~is_added].any()
    assert result.report.new_model_rules == {"added": "evidence", "shared": "keep", "old": "keep"}


def test_shared_rule_combines_shared_words_too(source, halves):
    new = Word2Vec(halves[1], seed=3, **PARAMS)
    result = continue_training(source, halves[1], seed=7, new_model=new, new_model_rules={"shared": "evidence"})
    shared = result.report.estimates["shared"]
    in_new = sum(1 for w in new.wv.index_to_key if w in source.wv)  # shared words the new model holds
    assert shared["2"] == in_new and sum(shared.values()) == result.report.shared_words
    assert result.report.estimates["old"] == {"1": result.report.old_words_unseen}


def test_members_average_the_aligned_continuations(source, halves, plain):
    options = {"anchor_min_count": 0}
    second = continue_training(source, halves[1], seed=8).model.wv
    result = continue_training(source, halves[1], seed=7, members=2, align_options=options)
    alignment = fit_between(second, plain.model.wv, options)
    expected = (plain.model.wv.vectors + alignment.apply(second.vectors)) / 2
    np.testing.assert_allclose(result.model.wv.vectors, expected, atol=1e-5)
    assert result.report.members == 2
    assert result.report.estimates["added"] == {"2": result.report.added_words}
    assert result.evidence.sources == ["continued (seed 7)", "continued (seed 8)"]
    event = result.model.lifecycle_events[-1]
    assert event["event"] == "combine_estimates" and event["members"] == 2


def test_new_model_train_and_continue_from_record_evidence(source, halves, tmp_path):
    kv = MergeableKeyedVectors.continue_from(source, halves[1], seed=7, members=2, new_model="train")
    report = kv.continuation_report
    assert report.new_model == "trained" and report.members == 2
    added = next(w for w in kv.index_to_key if w not in source.wv and kv.estimates(w) == 3)
    assert kv.provenance(added) == ["continued (seed 7)", "continued (seed 8)", "new corpus model (trained)"]
    shared = next(w for w in kv.index_to_key if w in source.wv)
    assert kv.estimates(shared) == 2
    assert "estimates" not in kv.model.wv.expandos  # the trainable model is left as gensim makes it
    for name in ("v.safetensors", "v.kv"):
        save_vectors(kv, tmp_path / name)
        back = load_vectors(tmp_path / name, allow_pickle=True)
        assert back.estimates(added) == 3 and back.provenance(added) == kv.provenance(added)
    assert "estimates" in str(report)


def test_bad_input(source, halves, monkeypatch):
    other_dim = Word2Vec(halves[1], seed=3, **{**PARAMS, "vector_size": 8})
    with monkeypatch.context() as patch:  # refused before any training
        patch.setattr(continuation, "_continue_once", lambda *a, **k: pytest.fail("trained before the check"))
        with pytest.raises(DimensionMismatchError, match="vector sizes"):
            continue_training(source, halves[1], new_model=other_dim)
        with pytest.raises(DimensionMismatchError, match="vector sizes"):
            continue_training(source, halves[1], new_model=other_dim.wv, members=3)
    stranger = KeyedVectors(16)
    stranger.add_vectors([f"zz{i}" for i in range(20)], np.ones((20, 16)))
    with pytest.raises(NoSharedVocabularyError, match="none of the words of the new corpus"):
        continue_training(source, halves[1], new_model=stranger)
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
            continue_training(source, halves[1], **options)


def test_members_on_a_dask_cluster(source, halves, plain):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = continue_training(source, halves[1], seed=7, members=2, new_model="train", client=client)
    here = continue_training(source, halves[1], seed=7, members=2, new_model="train")
    np.testing.assert_allclose(result.model.wv.vectors, here.model.wv.vectors, atol=1e-6)
    assert result.report.members == 2 and result.report.new_model == "trained"
    assert result.report.estimates == here.report.estimates


def test_members_of_a_warm_start_use_the_given_seed(source, halves):
    result = continue_training(source.wv, halves[1], members=2, word2vec_kwargs={"seed": 4, "workers": 1},
                               epochs=1, warm_start_epochs=1)
    assert result.evidence.sources == ["continued (seed 4)", "continued (seed 5)"]
    assert result.report.warm_start and result.report.members == 2


def test_each_member_counts_as_one_estimate_against_the_new_model(source, halves):
    new = Word2Vec(halves[1], seed=3, **PARAMS)
    options = {"anchor_min_count": 0}
    averaged = continue_training(source, halves[1], seed=7, members=2, align_options=options).model.wv
    result = continue_training(source, halves[1], seed=7, members=2, new_model=new, align_options=options)
    continued = KeyedVectors(16)
    continued.add_vectors(averaged.index_to_key, averaged.vectors)
    continued.expandos["count"] = np.asarray(averaged.expandos["count"])
    aligned = fit_between(new.wv, continued, options).apply(new.wv.vectors)
    added = [w for w in new.wv.index_to_key if w not in source.wv and w in averaged]
    rows, new_rows = [averaged.key_to_index[w] for w in added], [new.wv.key_to_index[w] for w in added]
    c_cont = np.asarray(averaged.expandos["count"])[rows][:, None].astype(float)
    c_new = np.asarray(new.wv.expandos["count"])[new_rows][:, None].astype(float)
    expected = (2 * c_cont * averaged.vectors[rows] + c_new * aligned[new_rows]) / (2 * c_cont + c_new)
    np.testing.assert_allclose(result.model.wv.vectors[rows], expected, atol=1e-5)
