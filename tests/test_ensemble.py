"""gensim_merge.ensemble: models of one corpus aligned onto a reference and averaged word by word."""

import numpy as np
import pytest
from gensim.models import KeyedVectors

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
from gensim_merge.ensembles import ensemble_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

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
