"""merge / merge_with: union vocabulary, combining, counts, order, provenance, errors, no mutation."""

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge import (
    DimensionMismatchError,
    DuplicateKeyError,
    EmptyModelError,
    GensimMergeError,
    MergeableKeyedVectors,
    NonFiniteVectorsError,
    merge,
)
from gensim_merge.errors import OptionError, UnknownSourceError
from gensim_merge.merging import STRATEGIES, _without_translation
from tests.conftest import make_kv, random_orthogonal, rotated_copy

WORDS = [f"w{i}" for i in range(200)]


@pytest.fixture
def model_a(rng):
    return make_kv(WORDS, 12, rng, counts=np.arange(400, 200, -1))


def snapshot(kv):
    return (kv.vectors.tobytes(), list(kv.index_to_key), {k: v.tobytes() for k, v in kv.expandos.items()})


def test_merging_a_model_with_itself_changes_nothing(model_a):
    merged = model_a.merge_with(model_a)
    assert merged.index_to_key == model_a.index_to_key
    np.testing.assert_allclose(merged.vectors, model_a.vectors, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(merged.expandos["count"], 2 * model_a.expandos["count"])


def test_merging_with_a_rotated_copy_gives_back_the_original(model_a, rng):
    turned = rotated_copy(model_a, random_orthogonal(12, rng), scale=3.0)
    merged = model_a.merge_with(turned)
    np.testing.assert_allclose(merged[WORDS], model_a[WORDS], rtol=1e-4, atol=1e-4)


def test_union_keeps_every_word_and_sums_counts(model_a, rng):
    other = make_kv(WORDS[100:] + ["new1", "new2"], 12, rng, counts=[20] * 100 + [5000, 7])
    merged = model_a.merge_with(other, names=["a", "b"])
    assert set(merged.index_to_key) == set(WORDS) | {"new1", "new2"}
    assert len(merged) == 202
    assert merged.get_vecattr("new1", "count") == 5000
    assert merged.get_vecattr("w150", "count") == model_a.get_vecattr("w150", "count") + 20
    counts = merged.expandos["count"]
    assert np.all(counts[:-1] >= counts[1:])  # ordered by combined count
    assert merged.index_to_key[0] == "new1"
    assert merged.provenance("w150") == ["a", "b"]
    assert merged.provenance("w3") == ["a"]
    assert merged.words_from("b", only=True) == ["new1", "new2"]
    assert len(merged.words_from("a")) == 200
    # one-model words keep their (mapped) vector: norms and directions
    aligned_other = other.apply_alignment(_without_translation(other.alignment_to(model_a, center=True)))
    np.testing.assert_allclose(merged["new1"], aligned_other["new1"], rtol=1e-5, atol=1e-5)


def test_center_fit_keeps_the_properties_of_a_merge(model_a, rng):
    np.testing.assert_allclose(model_a.merge_with(model_a, align_options={"center": True}).vectors,
                               merge([model_a, model_a], center_fit=True).vectors, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(merge([model_a, model_a], center_fit=True).vectors, model_a.vectors,
                               rtol=1e-5, atol=1e-5)
    turned = rotated_copy(model_a, random_orthogonal(12, rng), scale=3.0)
    merged = merge([model_a, turned], center_fit=True)
    np.testing.assert_allclose(merged[WORDS], model_a[WORDS], rtol=1e-4, atol=1e-4)
    assert merged.merge_report.center_fit
    assert model_a.merge_with(turned).merge_report.center_fit  # the default
    assert not model_a.merge_with(turned, center_fit=False).merge_report.center_fit
    assert not merge([model_a, turned], center_fit=False).merge_report.center_fit
    assert not merge([model_a, turned], align_options={"center": True}).merge_report.center_fit
    assert not merge([model_a, turned], align=False).merge_report.center_fit


def test_center_fit_turns_specific_directions_and_keeps_each_models_common_direction(rng):
    # same word geometry, but each model adds its own large common offset, and b is turned
    words = [f"s{i}" for i in range(300)]
    core = rng.normal(size=(300, 8))
    offset_a, offset_b = 3 * rng.normal(size=8), 3 * rng.normal(size=8)
    turn = random_orthogonal(8, rng)
    a = make_kv(words[:250], 8, rng, counts=[100] * 250)
    a.vectors = (core[:250] + offset_a).astype(np.float32)
    b = make_kv(words[50:], 8, rng, counts=[100] * 250)
    b.vectors = ((core[50:] + offset_b) @ turn).astype(np.float32)
    centred = merge([a, b])  # the default
    plain = merge([a, b], center_fit=False)
    b_only = words[250:]
    # the centred fit undoes the turn exactly: b's own words come back as core + b's offset, not a's
    np.testing.assert_allclose(centred[b_only], core[250:] + offset_b, rtol=1e-4, atol=1e-4)
    # the plain fit also turns b's offset towards a's, so it cannot undo the turn
    assert np.abs(plain[b_only] - (core[250:] + offset_b)).max() > 0.1
    # a's own words are untouched
    np.testing.assert_allclose(centred[words[:50]], a[words[:50]], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    ({"align": False}, "align=False"),
    ({"align_options": {"center": False}}, "center=False"),
])
def test_center_fit_refuses_contradicting_options(model_a, kwargs, match):
    with pytest.raises(ValueError, match=match):
        merge([model_a, model_a], center_fit=True, **kwargs)


def test_merge_report_round_trip_and_older_reports(model_a):
    report = merge([model_a, model_a], center_fit=True).merge_report
    assert "centred fit" in str(report)
    assert type(report).from_dict(report.to_dict()) == report
    older = {k: v for k, v in report.to_dict().items() if k != "center_fit"}
    assert type(report).from_dict(older).center_fit is False


def test_count_weighting_prefers_the_better_estimate(rng):
    a = make_kv(["x", "y", "z"], 4, rng, counts=[10000, 10, 10])
    b = make_kv(["x", "y", "z"], 4, rng, counts=[5, 10, 10])
    merged = a.merge_with(b, align=False)
    cos = lambda u, v: u @ v / np.linalg.norm(u) / np.linalg.norm(v)
    assert cos(merged["x"], a["x"]) > 0.999
    mean = a.merge_with(b, align=False, strategy="mean")
    expected = a["y"] / np.linalg.norm(a["y"]) + b["y"] / np.linalg.norm(b["y"])
    assert cos(mean["y"], expected) == pytest.approx(1.0, abs=1e-6)
    assert np.linalg.norm(mean["y"]) == pytest.approx((np.linalg.norm(a["y"]) + np.linalg.norm(b["y"])) / 2, rel=1e-5)


def test_one_models_scale_does_not_dominate(rng):
    a = make_kv([f"s{i}" for i in range(30)], 4, rng, counts=[100] * 30)
    b = MergeableKeyedVectors.from_keyed_vectors(a)
    b.vectors = b.vectors * 1000 + rng.normal(size=b.vectors.shape).astype(np.float32)
    merged = a.merge_with(b, strategy="mean")  # aligned: b comes back at a's scale
    ratio = np.linalg.norm(merged.vectors, axis=1) / np.linalg.norm(a.vectors, axis=1)
    np.testing.assert_allclose(ratio, 1.0, rtol=0.05)


def test_reference_strategy_keeps_the_reference_vectors(model_a, rng):
    other = make_kv(WORDS[50:] + ["only_b"], 12, rng, counts=np.full(151, 10**6))
    merged = model_a.merge_with(other, strategy="reference")
    np.testing.assert_allclose(merged[WORDS], model_a[WORDS], rtol=1e-5, atol=1e-6)


def test_three_models_independent_of_the_order_of_the_others(model_a, rng):
    b = make_kv(WORDS[:150] + ["b1", "tie1"], 12, rng, counts=[50] * 152)
    c = make_kv(WORDS[60:] + ["c1", "tie2"], 12, rng, counts=[50] * 142)
    abc = merge([model_a, b, c], names=["a", "b", "c"])
    acb = merge([model_a, c, b], names=["a", "c", "b"])
    assert abc.index_to_key == acb.index_to_key
    np.testing.assert_allclose(abc.vectors, acb.vectors, rtol=1e-5, atol=1e-6)
    assert merge([b, model_a, c], reference=1, names=["b", "a", "c"]).index_to_key == abc.index_to_key


def test_nested_merges_keep_the_original_sources(model_a, rng):
    b = make_kv(WORDS[:30] + ["b1"], 12, rng, counts=[30] * 31)
    c = make_kv(WORDS[:30] + ["c1"], 12, rng, counts=[30] * 31)
    ab = model_a.merge_with(b, names=["a", "b"])
    abc = ab.merge_with(c, names=["ab", "c"])
    assert abc.sources == ["ab/a", "ab/b", "c"]
    assert abc.provenance("w1") == ["ab/a", "ab/b", "c"]
    assert abc.provenance("b1") == ["ab/b"]


def test_merged_model_works_as_keyed_vectors(model_a, rng):
    other = make_kv(WORDS[100:] + ["new"], 12, rng, counts=[90] * 101)
    merged = model_a.merge_with(other)
    merged.fill_norms()
    top = merged.most_similar("w5", topn=3, restrict_vocab=50)
    assert all(merged.get_index(w) < 50 for w, _ in top)
    # gensim traps: extras in add_vectors, and stale norms after adding
    merged.add_vectors(["zzz"], merged["w5"][None, :] * 2, extras={"count": np.array([1])})
    assert merged.most_similar("w5", topn=1)[0][0] == "zzz"
    assert merged.get_vecattr("zzz", "count") == 1
    assert merged.provenance("zzz") == []


def test_save_and_load_keep_provenance_and_report(model_a, rng, tmp_path):
    merged = model_a.merge_with(make_kv(WORDS[:30] + ["x"], 12, rng, counts=[50] * 31), names=["a", "b"])
    path = str(tmp_path / "merged.kv")
    merged.save(path)
    loaded = MergeableKeyedVectors.load(path)
    assert loaded.sources == ["a", "b"]
    assert loaded.merge_report == merged.merge_report
    assert loaded.provenance("x") == ["b"]
    plain = KeyedVectors.load(path)
    assert type(plain) is KeyedVectors and len(plain) == len(merged)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_inputs_are_never_modified(model_a, rng, strategy):
    other = make_kv(WORDS[100:] + ["new"], 12, rng, counts=[90] * 101)
    before = snapshot(model_a), snapshot(other)
    merged = model_a.merge_with(other, strategy=strategy)
    assert (snapshot(model_a), snapshot(other)) == before
    assert not np.shares_memory(merged.vectors, model_a.vectors)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sets(st.integers(0, 40), min_size=1, max_size=25), min_size=1, max_size=4))
def test_union_never_loses_or_invents_a_word(vocabularies):
    rng = np.random.default_rng(1)
    models = [make_kv([f"k{i}" for i in sorted(v)], 3, rng, counts=np.arange(len(v), 0, -1)) for v in vocabularies]
    merged = merge(models, align=False)
    expected = set().union(*[{f"k{i}" for i in v} for v in vocabularies])
    assert len(merged) == len(expected) and set(merged.index_to_key) == expected
    for i, kv in enumerate(models):
        assert set(merged.words_from(f"model{i}")) == set(kv.index_to_key)


# ---------------------------------------------------------------- errors
def test_different_dimensions(model_a, rng):
    with pytest.raises(DimensionMismatchError, match=r"\(12,\) vs \(5,\)"):
        model_a.merge_with(make_kv(["x"], 5, rng))


def test_duplicate_keys(model_a, rng):
    dup = make_kv(["x", "y"], 12, rng)
    dup.index_to_key.append("x")
    dup.vectors = np.vstack([dup.vectors, dup.vectors[:1]])
    with pytest.raises(DuplicateKeyError, match=r"more than once \(e\.g\. \['x'\]\)"):
        model_a.merge_with(dup, align=False, strategy="mean")


def test_empty_model(model_a):
    with pytest.raises(EmptyModelError):
        model_a.merge_with(MergeableKeyedVectors(12))


def test_non_finite_values(model_a, rng):
    bad = make_kv(["x", "y"], 12, rng, counts=[1, 1])
    bad.vectors[1, 0] = np.inf
    with pytest.raises(NonFiniteVectorsError, match="'y'"):
        model_a.merge_with(bad, align=False)


def test_count_strategy_needs_counts(model_a, rng):
    with pytest.raises(GensimMergeError, match="strategy='mean'"):
        model_a.merge_with(make_kv(WORDS, 12, rng))


@pytest.mark.parametrize("kwargs, match", [
    ({"strategy": "average"}, "strategy must be one of"),
    ({"names": ["only_one"]}, "one name per model"),
    ({"names": ["same", "same"]}, "distinct"),
])
def test_bad_options(model_a, rng, kwargs, match):
    with pytest.raises(ValueError, match=match):
        model_a.merge_with(make_kv(WORDS, 12, rng, counts=[1] * 200), **kwargs)


# --- one merge signature for both model kinds, checked by one piece of code


def _tiny_fasttext(seed):
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    return FastText(common_texts, vector_size=8, min_count=1, bucket=200, workers=1, epochs=2, seed=seed).wv


@pytest.fixture(scope="module")
def word2vec_and_fasttext_pairs():
    rng = np.random.default_rng(3)
    w2v = [make_kv(WORDS, 8, rng, counts=list(range(400, 200, -1))), make_kv(WORDS[::2], 8, rng,
                                                                               counts=[7] * 100)]
    return {"word2vec": w2v, "fastText": [_tiny_fasttext(1), _tiny_fasttext(2)]}


@pytest.mark.parametrize("kind", ["word2vec", "fastText"])
@pytest.mark.parametrize("kwargs, error, match", [
    ({"count_rule": "bogus"}, OptionError, r"count_rule must be one of \['max', 'sum'\]"),
    ({"progress": 5}, OptionError, "progress must be a callable"),
    ({"names": ["a"]}, OptionError, r"names=\['a'\] gives 1 name\(s\) for 2 models"),
    ({"reference": "B"}, OptionError, r"reference='B' is not one of the inputs' names \['model0', 'model1'\]"),
    ({"names": ["a", "b"], "reference": "B"}, OptionError, r"give one of them, or a position from 0 to 1"),
])
def test_both_model_kinds_check_the_same_options_the_same_way(word2vec_and_fasttext_pairs, kind, kwargs, error,
                                                              match):
    with pytest.raises(error, match=match) as caught:
        merge(word2vec_and_fasttext_pairs[kind], align=False, **kwargs)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("kind", ["word2vec", "fastText"])
def test_both_model_kinds_honour_count_rule_and_progress(word2vec_and_fasttext_pairs, kind):
    models = word2vec_and_fasttext_pairs[kind]
    calls = []
    summed = merge(models, align=False, progress=calls.append)
    maxed = merge(models, align=False, count_rule="max")
    assert sum(calls) == sum(len(m) for m in models)
    shared = next(w for w in models[1].index_to_key if w in models[0].key_to_index)
    a, b = (int(m.get_vecattr(shared, "count")) for m in models)
    assert summed.get_vecattr(shared, "count") == a + b and maxed.get_vecattr(shared, "count") == max(a, b)


def test_merge_with_names_of_the_wrong_length_names_the_way_out(model_a, rng):
    with pytest.raises(OptionError, match="give one name per model") as caught:
        model_a.merge_with(make_kv(WORDS, 12, rng, counts=[1] * 200), names=["a"])
    assert isinstance(caught.value, ValueError) and caught.value.option == "names"


def test_words_from_an_unknown_source_names_the_inputs(model_a, rng):
    merged = model_a.merge_with(make_kv(WORDS, 12, rng, counts=[3] * 200), names=["old", "new"], align=False)
    with pytest.raises(UnknownSourceError) as caught:
        merged.words_from("nobody")
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "words_from('nobody'): no input of this merge was named so; the inputs are ['old', 'new']"
