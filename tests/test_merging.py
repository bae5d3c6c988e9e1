"""Merging: merge_with, gensim_merge.merge and merge_vectors, their counts and reports."""

import ast
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import common_texts
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
from gensim_merge import merging as _union
from gensim_merge.cli import Console
from gensim_merge.counts import counts_for, looks_rank_based, read_counts
from gensim_merge.errors import ModelFileError, OptionError, UnknownSourceError
from gensim_merge.merging import STRATEGIES, MergeResult, _without_translation, merge_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

# --------------------------------------------------------------------------------------------------------------
# from test_merging.py
# --------------------------------------------------------------------------------------------------------------

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
    assert (
        str(caught.value) == "words_from('nobody'): no input of this merge was named so; the inputs are ['old', 'new']"
    )


# --------------------------------------------------------------------------------------------------------------
# from test_merge_vectors.py
# --------------------------------------------------------------------------------------------------------------


PACKAGE = Path(__file__).resolve().parents[1] / "gensim_merge"


def reference_merge(vocabularies, counts, reference):
    """The merged order, combined counts and provenance, spelled out with dicts and one sort."""
    n_reference = len(vocabularies[reference])
    in_reference = {key: i for i, key in enumerate(vocabularies[reference])}
    total, provenance = {}, {}
    for bit, (keys, cnt) in enumerate(zip(vocabularies, counts)):
        for key, c in zip(keys, cnt):
            total[key] = total.get(key, 0) + c
            provenance[key] = provenance.get(key, 0) | 1 << bit
    order = sorted(total, key=lambda k: (-total[k], in_reference.get(k, n_reference), k))
    return order, [total[k] for k in order], [provenance[k] for k in order]


# short words from a small alphabet (with a trailing-NUL-prone character and a non-ASCII one): many shared
# words and many ties of counts
WORDS_merge_vectors = st.text(alphabet="ab\x00é", max_size=3)
INPUTS = st.lists(st.lists(st.tuples(WORDS_merge_vectors, st.integers(0, 3)), min_size=1, max_size=30,
                           unique_by=lambda pair: pair[0]), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(INPUTS, st.data())
def test_vectorised_union_matches_the_reference_implementation(inputs, data):
    reference = data.draw(st.integers(0, len(inputs) - 1))
    vocabularies = [[w for w, _ in pairs] for pairs in inputs]
    counts = [np.array([c for _, c in pairs], dtype=np.int64) for pairs in inputs]
    union = _union.union_positions(vocabularies, reference)
    for keys, pos in zip(vocabularies, union.positions):
        assert union.keys[pos].tolist() == keys
    combined = np.zeros(len(union.keys), dtype=np.int64)
    for pos, cnt in zip(union.positions, counts):
        combined[pos] += cnt
    order = _union.merged_order(union.keys, combined, union.in_reference, len(vocabularies[reference]))
    expected_keys, expected_counts, expected_provenance = reference_merge(vocabularies, counts, reference)
    assert union.keys[order].tolist() == expected_keys
    assert combined[order].tolist() == expected_counts

    if any(looks_rank_based(cnt) for cnt in counts):
        return  # counts like 2, 1 are gensim's stand-ins, never summed (test_stand_in_counts_... covers them)
    models = [make_kv(keys, 3, np.random.default_rng(0), counts=cnt) for keys, cnt in zip(vocabularies, counts)]
    result = merge_vectors(models, reference=reference, align=False, strategy="mean")
    assert result.keys == expected_keys
    assert result.counts.tolist() == expected_counts
    assert result.provenance.tolist() == expected_provenance


@settings(max_examples=40, deadline=None)
@given(INPUTS)
def test_union_is_exact_when_different_keys_share_a_hash(inputs):
    vocabularies = [[w for w, _ in pairs] for pairs in inputs]
    honest = _union.union_positions(vocabularies)
    original = _union._hash
    _union._hash = len  # "", "a", "b", ... collide
    try:
        colliding = _union.union_positions(vocabularies)
    finally:
        _union._hash = original
    assert sorted(colliding.keys.tolist()) == sorted(honest.keys.tolist())
    for keys, pos in zip(vocabularies, colliding.positions):
        assert colliding.keys[pos].tolist() == keys
    assert sorted(colliding.holders.tolist()) == sorted(honest.holders.tolist())


def test_integer_keys_whose_hashes_collide_stay_apart():
    assert hash(-1) == hash(-2)
    union = _union.union_positions([[-1, 5], [-2, -1]])
    assert sorted(union.keys.tolist()) == [-2, -1, 5]
    assert union.keys[union.positions[1]].tolist() == [-2, -1]


def test_merge_vectors_returns_a_record_and_merge_builds_the_same_model(rng):
    a = make_kv([f"w{i}" for i in range(50)], 6, rng, counts=np.full(50, 40))
    b = make_kv([f"w{i}" for i in range(25, 80)], 6, rng, counts=np.full(55, 30))
    result = merge_vectors([a, b], names=["a", "b"], align_options={"anchor_min_count": 0})
    assert isinstance(result, MergeResult) and type(result.vectors) is np.ndarray
    model = merge([a, b], names=["a", "b"], align_options={"anchor_min_count": 0})
    assert type(model) is MergeableKeyedVectors
    assert model.index_to_key == result.keys
    assert model.key_to_index == {k: i for i, k in enumerate(result.keys)}
    np.testing.assert_array_equal(model.vectors, result.vectors)
    np.testing.assert_array_equal(model.expandos["count"], result.counts)
    assert model.sources == list(result.sources) == ["a", "b"]
    assert model.merge_report == result.report
    assert model.provenance("w30") == ["a", "b"]
    assert a.merge_with(b, names=["a", "b"], align_options={"anchor_min_count": 0}).index_to_key == result.keys


def test_merging_does_not_import_the_class():
    tree = ast.parse((PACKAGE / "merging.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "gensim_merge" not in imported and "gensim_merge.keyedvectors" not in imported
    assert "MergeableKeyedVectors" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_progress_reports_every_input_row_once(rng):
    a = make_kv([f"w{i}" for i in range(40)], 4, rng, counts=np.full(40, 9))
    b = make_kv([f"w{i}" for i in range(30, 75)], 4, rng, counts=np.full(45, 9))
    steps = []
    merge_vectors([a, b], align=False, chunk_size=7, progress=steps.append)
    assert sum(steps) == 85 and all(n > 0 for n in steps) and len(steps) > 1  # every input row once, in steps


@pytest.mark.parametrize("kwargs, error, match", [
    ({"chunk_size": 0}, ValueError, r"chunk_size must be an integer in \[1, 1_000_000_000\], got 0"),
    ({"chunk_size": 2.5}, ValueError, "chunk_size"),
    ({"progress": 3}, TypeError, "progress must be a callable"),
    ({"align_options": {"n_anchor": 5}}, TypeError, r"unknown alignment option\(s\) \['n_anchor'\]"),
])
def test_bad_options_are_refused_before_any_work(rng, kwargs, error, match):
    a = make_kv(["x", "y"], 3, rng, counts=[4, 4])
    with pytest.raises(error, match=match):
        merge_vectors([a, a], **kwargs)


# ---------------------------------------------------------------- counts: stand-ins and real ones
def test_looks_rank_based_matches_gensims_fill(tmp_path, rng):
    kv = make_kv(["the", "cat", "sat"], 4, rng)
    kv.save_word2vec_format(str(tmp_path / "v.txt"))
    loaded = MergeableKeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    assert loaded.expandos["count"].tolist() == [3, 2, 1] and looks_rank_based(loaded.expandos["count"])
    assert not looks_rank_based(np.array([4, 2, 1])) and not looks_rank_based(np.array([3, 2, 1, 1]))
    assert not looks_rank_based(np.array([1])) and not looks_rank_based(None)


@pytest.fixture
def word2vec_pair(tmp_path, rng):
    """Two word2vec text files sharing 'the', with their vocabulary files (real counts: 2083 and 2052)."""
    paths = []
    for name, words, counts in (("a", ["the", "of", "cat", "tree"], [2083, 1500, 40, 30]),
                                ("b", ["of", "the", "dog", "sea", "sky"], [2100, 2052, 50, 20, 10])):
        kv = make_kv(words, 4, rng, counts=counts)
        kv.save_word2vec_format(str(tmp_path / f"{name}.txt"), fvocab=str(tmp_path / f"{name}.vocab"))
        paths.append((tmp_path / f"{name}.txt", tmp_path / f"{name}.vocab"))
    return paths


def rank_warnings(record):
    return [w for w in record if "rank-based" in str(w.message)]


def test_merging_word2vec_files_without_counts_warns_once(word2vec_pair):
    (a, _), (b, _) = word2vec_pair
    models = [MergeableKeyedVectors.load_word2vec_format(str(p)) for p in (a, b)]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        merged = merge(models, names=["a", "b"], align=False)
    (warning,) = rank_warnings(record)
    assert warning.category is UserWarning and "\n" not in str(warning.message)
    assert "a, b" in str(warning.message) and "fvocab" in str(warning.message) and "--counts" in str(warning.message)
    # no input has real counts: the result's counts are stand-ins again (never sums of ranks), and say so
    assert looks_rank_based(merged.expandos["count"]) and merged.index_to_key[0] == "the"
    assert merged.merge_report.counts == {"a": "stand-in", "b": "stand-in"}
    assert merged.merge_report.stand_in_curve == "zipf" and merged.merge_report.estimated_counts == len(merged)
    assert "rank stand-ins" in str(merged.merge_report)


def test_merging_word2vec_files_with_their_vocabulary_files_does_not_warn(word2vec_pair):
    models = [MergeableKeyedVectors.load_word2vec_format(str(p), fvocab=str(v)) for p, v in word2vec_pair]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        merged = merge(models, names=["a", "b"], align=False)
    assert rank_warnings(record) == []
    assert merged.get_vecattr("the", "count") == 2083 + 2052


def test_counts_for_reads_a_vocabulary_file_and_names_what_it_lacks(word2vec_pair, tmp_path, rng):
    (a, a_vocab), _ = word2vec_pair
    kv = MergeableKeyedVectors.load_word2vec_format(str(a))
    assert counts_for(kv, a_vocab).tolist() == [2083, 1500, 40, 30]
    assert read_counts(a_vocab)["the"] == 2083
    with pytest.raises(GensimMergeError, match=r"no count for 1 of the model's 5 words \(e\.g\. \['sky'\]\)"):
        counts_for(make_kv(["the", "of", "cat", "tree", "sky"], 4, rng), a_vocab)
    bad = tmp_path / "bad.vocab"
    bad.write_text("the 12\ncat many\n")
    with pytest.raises(ModelFileError, match="line 2 reads b'cat many"):
        read_counts(bad)
    with pytest.raises(ModelFileError, match="no such counts file"):
        read_counts(tmp_path / "missing.vocab")


@pytest.fixture
def run_cli(run_main):
    """The shared in-process runner, its output as one ``captured`` object (``.out``, ``.err``)."""
    def call(*args):
        code, out, err = run_main(*args)
        return code, SimpleNamespace(out=out, err=err)

    return call


def test_cli_counts_give_the_true_combined_count(word2vec_pair, tmp_path, run_cli):
    (a, a_vocab), (b, b_vocab) = word2vec_pair
    out = tmp_path / "merged.kv"
    code, _ = run_cli("merge", a, b, "-o", out, "--no-align")
    assert code == 0 and looks_rank_based(MergeableKeyedVectors.load(str(out)).expandos["count"])  # no real counts
    code, captured = run_cli("merge", a, b, "-o", out, "--no-align", "--counts", a_vocab, b_vocab)
    assert code == 0, captured.err
    assert MergeableKeyedVectors.load(str(out)).get_vecattr("the", "count") == 2083 + 2052
    code, captured = run_cli("merge", a, b, "-o", out, "--no-align", "--counts", a_vocab, "-")
    merged = MergeableKeyedVectors.load(str(out))
    # a real count is never added to a rank stand-in: 'the' (in both) keeps a's real count
    assert code == 0 and merged.get_vecattr("the", "count") == 2083
    assert merged.merge_report.counts == {"a": "real", "b": "stand-in"}


@pytest.mark.parametrize("counts, match", [(["{a}"], "one vocabulary file per model"),
                                           (["{a}", "nope.vocab"], "nope.vocab")])
def test_cli_counts_are_checked_before_any_work(word2vec_pair, tmp_path, run_cli, counts, match):
    (a, a_vocab), (b, _) = word2vec_pair
    out = tmp_path / "never.kv"
    code, captured = run_cli("merge", a, b, "-o", out, "--counts", *[c.format(a=a_vocab) for c in counts])
    assert code != 0 and match in captured.err and not out.exists()


def test_cli_merge_feeds_a_progress_bar_above_100k_rows(tmp_path, run_cli, monkeypatch, rng):
    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.kwargs, self.n, self.closed = kwargs, 0, False
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setattr(Console, "progress", lambda self, **kwargs: Bar(**kwargs))
    words = [f"w{i}" for i in range(60_000)]
    for name, keys in (("a", words), ("b", words[10_000:] + ["x"]), ("small", words[:100])):
        make_kv(keys, 2, rng).save_word2vec_format(str(tmp_path / f"{name}.bin"), binary=True)
    code, captured = run_cli("merge", tmp_path / "a.bin", tmp_path / "b.bin", "-o", tmp_path / "m.kv", "--no-align")
    assert code == 0, captured.err
    (bar,) = bars
    assert bar.kwargs["total"] == bar.n == 110_001 and bar.closed
    bars.clear()
    code, _ = run_cli("merge", tmp_path / "small.bin", tmp_path / "small.bin", "-o", tmp_path / "m.kv", "--no-align")
    assert code == 0 and bars == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([f"k{i}" for i in range(30)] + [-1, -2]), unique=True, max_size=30),
                min_size=1, max_size=5))
def test_union_rows_is_the_one_union_in_first_seen_order(lists):
    keys, rows = _union.union_rows(lists)
    assert keys == list(dict.fromkeys(k for keys_i in lists for k in keys_i))  # -1 and -2 share a hash
    for keys_i, rows_i in zip(lists, rows):
        assert [keys[r] for r in rows_i] == keys_i


def test_cli_quiet_merge_still_reports_stand_in_counts(word2vec_pair, tmp_path, run_cli):
    (a, a_vocab), (b, _) = word2vec_pair
    out = tmp_path / "merged.kv"
    code, captured = run_cli("merge", a, b, "-o", out, "--no-align", "--counts", a_vocab, "-", "-q")
    assert code == 0 and captured.err == ""
    assert "stand-in" in captured.out and "frequency curve of 'a'" in captured.out
# --------------------------------------------------------------------------------------------------------------
# from test_count_rule.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def continued_and_new():
    old_corpus, new_corpus = common_texts[:5] * 20, common_texts[4:] * 20
    old = Word2Vec(old_corpus, vector_size=8, min_count=1, workers=1, seed=1, epochs=2)
    continued = MergeableKeyedVectors.continue_from(old, new_corpus, epochs=1, workers=1)
    new = MergeableKeyedVectors.from_word2vec(Word2Vec(new_corpus, vector_size=8, min_count=1, workers=1, seed=2,
                                                       epochs=2))
    return continued, new


def test_continued_model_carries_combined_counts(continued_and_new):
    continued, new = continued_and_new
    word = "user"  # in both corpora
    assert continued.get_vecattr(word, "count") > new.get_vecattr(word, "count")


def test_max_rule_keeps_the_continued_models_counts(continued_and_new):
    continued, new = continued_and_new
    merged = continued.merge_with(new, names=["continued", "new"], count_rule="max")
    for word in new.index_to_key:
        assert merged.get_vecattr(word, "count") == continued.get_vecattr(word, "count")
    summed = continued.merge_with(new, names=["continued", "new"])  # the default: different corpora
    assert summed.get_vecattr("user", "count") == (continued.get_vecattr("user", "count")
                                                    + new.get_vecattr("user", "count"))


def test_unknown_count_rule_is_refused(continued_and_new):
    with pytest.raises(OptionError, match="count_rule"):
        merge(list(continued_and_new), count_rule="mean")


def test_command_line_count_rule(continued_and_new, tmp_path, run_main):
    from gensim_merge import load_vectors, save_vectors

    continued, new = continued_and_new
    save_vectors(continued, tmp_path / "c.safetensors")
    save_vectors(new, tmp_path / "n.safetensors")
    code, _, err = run_main("merge", tmp_path / "c.safetensors", tmp_path / "n.safetensors", "-o",
                            tmp_path / "m.safetensors", "--count-rule", "max", "--anchor-min-count", "1")
    assert code == 0, err
    merged = load_vectors(tmp_path / "m.safetensors")
    assert np.array_equal([merged.get_vecattr(w, "count") for w in new.index_to_key],
                          [continued.get_vecattr(w, "count") for w in new.index_to_key])
