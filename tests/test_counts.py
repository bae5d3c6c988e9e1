"""Counts: the one reader (real, stand-in, missing) and what a merge does with gensim's rank stand-ins."""

import warnings

import numpy as np
import pytest

from gensim_merge import MergeableKeyedVectors, merge
from gensim_merge.counts import frequency_curve, looks_rank_based, read_model_counts, zipf_counts
from gensim_merge.errors import CountsError


def _kv(keys, vectors, counts=None):
    kv = MergeableKeyedVectors(len(vectors[0]))
    kv.add_vectors(list(keys), np.asarray(vectors, dtype=np.float32))
    if counts is not None:
        kv.expandos["count"] = np.asarray(counts)
    return kv


def test_read_model_counts_tells_the_three_kinds_and_refuses_counts_that_are_no_counts():
    kv = _kv(["a", "b", "c"], np.eye(3))
    assert read_model_counts(kv).kind == "missing" and read_model_counts(kv).values is None
    kv.expandos["count"] = np.array([3, 2, 1])
    assert read_model_counts(kv).kind == "stand-in" and read_model_counts(kv).real is None
    kv.expandos["count"] = np.array([9, 2, 2])
    assert read_model_counts(kv).kind == "real" and read_model_counts(kv).real.tolist() == [9, 2, 2]
    kv.expandos["count"] = np.array([9, -2, 2])
    with pytest.raises(CountsError, match="whole numbers"):
        read_model_counts(kv, "old")


def test_frequency_curve_follows_the_real_counts_then_a_falling_power_law():
    curve = frequency_curve([1000, 10, 300, 50], 8)
    assert curve[:4].tolist() == [1000, 300, 50, 10]
    assert np.all(np.diff(curve) <= 0) and curve.min() >= 1 and curve[4] <= 10
    assert frequency_curve(None, 4).tolist() == zipf_counts(4).tolist() == [1000000, 500000, 333333, 250000]


def _pair():
    """A with real counts; B a word2vec file's stand-ins. B's 'y' is its most frequent word, A's 'y' rare."""
    a = _kv(["x", "y", "z"], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1000, 10, 5])
    b = _kv(["y", "w"], [[1, 0, 0], [0, 0, 1]], [2, 1])
    return a, b


def test_stand_in_ranks_weigh_by_the_real_inputs_frequency_curve():
    a, b = _pair()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        merged = merge([a, b], names=["old", "new"], align=False)
    # B's rank 1 weighs as A's most frequent word (1000) against A's 10: 'y' leans to B's direction
    y = merged["y"] / np.linalg.norm(merged["y"])
    assert y[0] > 0.95
    (warning,) = [w for w in record if "stand-ins" in str(w.message)]
    assert "frequency curve of old" in str(warning.message)


def test_merged_counts_never_add_a_stand_in_to_a_real_count_and_the_report_says_so():
    a, b = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        merged = merge([a, b], names=["old", "new"], align=False)
    counts = dict(zip(merged.index_to_key, merged.expandos["count"].tolist()))
    assert counts["y"] == 10 and counts["x"] == 1000  # real only: not 10 + 2 nor 10 + 1000
    assert counts["w"] == 10  # held only by the stand-in input: its rank 2 on old's curve, an estimate
    report = merged.merge_report
    assert report.counts == {"old": "real", "new": "stand-in"} and report.stand_in_curve == "old"
    assert report.estimated_counts == 1
    text = str(report)
    assert "rank stand-ins" in text and "1 word(s) held only by inputs with stand-in counts" in text


def test_only_stand_ins_give_stand_ins_back():
    _, b = _pair()
    c = _kv(["w", "v", "y"], np.eye(3), [3, 2, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        merged = merge([b, c], align=False)
    assert looks_rank_based(merged.expandos["count"]) and merged.merge_report.stand_in_curve == "zipf"


def test_merge_report_prints_a_short_table():
    a, b = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        report = merge([a, b], names=["old", "new"], align=False).merge_report
    assert repr(report) == str(report) and len(repr(report).splitlines()) <= 6
    assert "input" in repr(report).splitlines()[1] and "stand-in" in repr(report)


def test_anchor_filter_reads_stand_ins_on_the_real_sides_curve():
    from gensim_merge.alignment import frequency_ranks, shared_anchors

    keys = [f"w{i}" for i in range(6)]
    rng = np.random.default_rng(0)
    real = _kv(keys, rng.normal(size=(6, 3)), [500, 400, 300, 30, 10, 2])
    stand_in = _kv(keys, rng.normal(size=(6, 3)), [6, 5, 4, 3, 2, 1])
    assert frequency_ranks(stand_in).tolist() == list(range(6))
    # rank 4 of the stand-ins is worth 30 on the real curve: w3 passes min_count=20 on both sides, w4 does not
    anchors = shared_anchors(stand_in, real, n_anchors=None, min_count=20)
    assert sorted(anchors.source_words) == ["w0", "w1", "w2", "w3"]


def test_warm_start_puts_stand_ins_on_a_zipf_curve_like_missing_counts():
    from gensim_merge.continuation import model_from_vectors

    keys = [f"w{i}" for i in range(5)]
    stand_in = _kv(keys, np.eye(5), [5, 4, 3, 2, 1])
    missing = _kv(keys, np.eye(5))
    real = _kv(keys, np.eye(5), [50, 40, 9, 9, 5])
    assert model_from_vectors(stand_in, {}).wv.expandos["count"].tolist() == zipf_counts(5).tolist()
    assert model_from_vectors(missing, {}).wv.expandos["count"].tolist() == zipf_counts(5).tolist()
    assert model_from_vectors(real, {}).wv.expandos["count"].tolist() == [50, 40, 9, 9, 5]


def test_warm_start_from_stand_ins_never_adds_them_to_the_new_counts():
    from collections import Counter

    from gensim.test.utils import common_texts

    from gensim_merge.continuation import continue_training

    old_words = ["human", "computer", "zebra", "system"]
    source = _kv(old_words, np.random.default_rng(0).normal(size=(4, 8)), [4, 3, 2, 1])
    result = continue_training(source, common_texts, min_count=1, epochs=1, word2vec_kwargs={"workers": 1})
    wv = result.model.wv
    seen = Counter(w for line in common_texts for w in line)
    counts = dict(zip(wv.index_to_key, wv.expandos["count"].tolist()))
    assert all(counts[w] == seen[w] for w in seen)  # real counts alone, no rank added
    assert counts["zebra"] >= 1  # an old word the new corpus lacks: an estimate on the new corpus's curve
