"""Ensembles of models of one corpus, and the estimates they and continuations share."""

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge import (
    DimensionMismatchError,
    MergeableKeyedVectors,
    NoSharedVocabularyError,
    NotMergedError,
    OptionError,
    ensemble,
    load_vectors,
    save_vectors,
)
from gensim_merge.ensembles import accumulate, check_rules, combine_groups, ensemble_vectors, histogram
from gensim_merge.merging import union_rows
from tests.conftest import make_kv, random_orthogonal, rotated_copy

# --------------------------------------------------------------------------------------------------------------
# from test_ensemble.py
# --------------------------------------------------------------------------------------------------------------

EXACT = {"anchor_min_count": 0, "heldout": 0}
WORDS = [f"w{i}" for i in range(80)]


@pytest.fixture
def base(rng):
    return make_kv(WORDS, 6, rng, counts=np.arange(1000, 1000 - 80, -1))


def test_rotated_copies_give_back_the_model(base, rng):
    copies = [rotated_copy(base, random_orthogonal(6, rng)) for _ in range(3)]
    before = [c.vectors.copy() for c in copies]
    result = ensemble([base, *copies], names=["a", "b", "c", "d"], align_options=EXACT)
    assert result.index_to_key == base.index_to_key
    np.testing.assert_allclose(result.vectors, base.vectors, atol=1e-4)
    assert result.estimates() == {"4": 80}
    assert result.provenance("w3") == ["a", "b", "c", "d"]
    # counts are the corpus's, not summed over the members
    np.testing.assert_array_equal(result.expandos["count"], base.expandos["count"])
    for c, b in zip(copies, before):
        np.testing.assert_array_equal(c.vectors, b)  # inputs untouched


def test_a_different_reference_gives_its_space(base, rng):
    rotation = random_orthogonal(6, rng)
    turned = rotated_copy(base, rotation)
    result = ensemble([base, turned], reference=1, align_options=EXACT)
    np.testing.assert_allclose(result.vectors, turned.vectors, atol=1e-4)


def test_words_are_weighted_by_their_count_in_each_member(base):
    other = MergeableKeyedVectors.from_keyed_vectors(base)
    other.vectors[5] = other.vectors[5] + 3.0  # one word estimated differently; trimmed out of the fit
    other.expandos["count"] = base.expandos["count"].copy()
    other.expandos["count"][5] = 3 * base.expandos["count"][5]
    result = ensemble([base, other], align_options=EXACT)
    row = result.get_index("w5")
    expected = (base.vectors[5] * 1 + other.vectors[5] * 3) / 4
    np.testing.assert_allclose(result.vectors[row], expected, atol=1e-4)
    assert result.expandos["count"][row] == other.expandos["count"][5]  # the maximum, not the sum


def test_union_vocabulary_and_per_word_evidence(base, rng):
    extra = make_kv(WORDS[:60] + ["only_b1", "only_b2"], 6, rng,
                    counts=np.r_[base.expandos["count"][:60], 2000, 1]).vectors
    other = MergeableKeyedVectors(6)
    other.add_vectors(WORDS[:60] + ["only_b1", "only_b2"], extra)
    other.expandos["count"] = np.r_[base.expandos["count"][:60], 2000, 1]
    result = ensemble([base, other], names=["s1", "s2"], align_options=EXACT)
    assert len(result) == 82
    assert result.index_to_key[0] == "only_b1"  # sorted by count
    assert result.estimates("only_b1") == 1 and result.provenance("only_b1") == ["s2"]
    assert result.estimates("w70") == 1 and result.provenance("w70") == ["s1"]
    assert result.estimates("w10") == 2
    assert result.estimates() == {"1": 22, "2": 60}
    event = result.lifecycle_events[-1]
    assert event["event"] == "ensemble" and event["count_rule"] == "max"
    assert event["estimates"] == {"all": {"1": 22, "2": 60}}


def test_single_member_is_the_model(base):
    result = ensemble([base])
    np.testing.assert_allclose(result.vectors, base.vectors, rtol=1e-6)
    assert result.estimates() == {"1": 80}


def test_members_without_counts_are_weighted_equally(rng):
    plain = KeyedVectors(4)
    plain.add_vectors(WORDS, rng.normal(size=(80, 4)))
    record = ensemble_vectors([plain, plain], align_options=EXACT)
    assert record.report.weighting == "equal" and record.counts is None
    np.testing.assert_allclose(record.vectors, plain.vectors, atol=1e-5)


@pytest.mark.parametrize("fmt", ["kv", "safetensors"])
def test_evidence_survives_save_and_load(base, rng, tmp_path, fmt):
    result = ensemble([base, rotated_copy(base, random_orthogonal(6, rng))], names=["x", "y"], align_options=EXACT)
    path = tmp_path / f"ens.{fmt}"
    save_vectors(result, path)
    back = load_vectors(path, allow_pickle=True)
    assert back.estimates("w1") == 2 and back.provenance("w1") == ["x", "y"]
    assert back.estimates() == {"2": 80}


def test_estimates_of_a_plain_model_is_refused(base):
    with pytest.raises(NotMergedError, match="estimates"):
        base.estimates("w1")


def test_bad_input(base, rng):
    with pytest.raises(OptionError, match="at least 1 member"):
        ensemble([])
    with pytest.raises(OptionError, match="list of models"):
        ensemble(base)
    with pytest.raises(DimensionMismatchError, match="vector sizes"):
        ensemble([base, make_kv(WORDS, 5, rng)])
    with pytest.raises(NoSharedVocabularyError, match="shares no word"):
        ensemble([base, make_kv(["x1", "x2", "x3"], 6, rng)], names=["a", "stranger"])
    with pytest.raises(OptionError, match="reference"):
        ensemble([base, base], reference=2)
    with pytest.raises(OptionError, match="distinct names"):
        ensemble([base, base], names=["a", "a"])
    with pytest.raises(OptionError, match="heldout"):
        ensemble([base, base], align_options={"heldout": 2})
# --------------------------------------------------------------------------------------------------------------
# from test_estimates_pure.py
# --------------------------------------------------------------------------------------------------------------


key_lists = st.lists(st.lists(st.sampled_from([f"k{i}" for i in range(30)]), unique=True, max_size=30),
                     min_size=1, max_size=5)


@given(key_lists)
def test_union_rows_maps_every_key_to_itself(lists):
    keys, rows = union_rows(lists)
    assert len(set(keys)) == len(keys) == len({k for keys_i in lists for k in keys_i})
    for keys_i, rows_i in zip(lists, rows):
        assert [keys[r] for r in rows_i] == keys_i


@settings(max_examples=30)
@given(st.integers(1, 40), st.integers(1, 7), st.integers(0, 1000))
def test_accumulate_in_chunks_equals_one_pass(n, chunk, seed):
    rng = np.random.default_rng(seed)
    vectors, weights = rng.normal(size=(n, 3)), rng.uniform(0.5, 2, n)
    rows = rng.permutation(n + 5)[:n]
    whole = [np.zeros((n + 5, 3)), np.zeros(n + 5)]
    parts = [np.zeros((n + 5, 3)), np.zeros(n + 5)]
    accumulate(*whole, rows, vectors, weights, chunk_size=10**6)
    accumulate(*parts, rows, vectors, weights, chunk_size=chunk)
    np.testing.assert_allclose(parts[0], whole[0])
    np.testing.assert_allclose(whole[0][rows], vectors * weights[:, None])
    np.testing.assert_allclose(whole[1][rows], weights)
    before = vectors.copy()
    accumulate(*whole, rows, vectors, weights, transform=lambda block: block * 2)
    np.testing.assert_array_equal(vectors, before)  # the input is never written


@settings(max_examples=30)
@given(st.integers(2, 30), st.integers(0, 1000))
def test_combine_groups_follows_each_groups_rule(n, seed):
    rng = np.random.default_rng(seed)
    base, other = rng.normal(size=(n, 4)), rng.normal(size=(n, 4))
    wb, wo = rng.integers(1, 50, n), rng.integers(1, 50, n)
    groups = rng.integers(0, 3, n)
    rows = np.where(rng.random(n) < 0.7, rng.permutation(n), -1)
    vectors, used = combine_groups(base, wb, other, rows, wo, groups=groups,
                                   rules={0: "keep", 1: "evidence", 2: "mean"})
    for i, r in enumerate(rows):
        if r < 0 or groups[r] == 0:
            continue
        share = wo[i] / (wb[r] + wo[i]) if groups[r] == 1 else 0.5
        np.testing.assert_allclose(vectors[r], (1 - share) * base[r] + share * other[i])
    combined = {r for i, r in enumerate(rows) if r >= 0 and groups[r] != 0}
    assert set(np.flatnonzero(used)) == combined
    untouched = [r for r in range(n) if r not in combined]
    np.testing.assert_array_equal(vectors[untouched], base[untouched])


def test_histogram_and_rules():
    assert histogram(np.array([1, 1, 3])) == {"all": {"1": 2, "3": 1}}
    assert check_rules({"added": "mean"}, {"added": "evidence", "shared": "keep"}) == {"added": "mean",
                                                                                       "shared": "keep"}
    with pytest.raises(OptionError, match="unknown word group"):
        check_rules({"B-only": "keep"}, {"added": "evidence"})
    with pytest.raises(OptionError, match="must be a dict"):
        check_rules(["keep"], {"added": "evidence"})
