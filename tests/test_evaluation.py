"""Tests of gensim_merge.evaluation: known answers on tiny hand-built and random models."""

import dataclasses
import json
import logging
import math
import re

import numpy as np
import pytest
from gensim.models import KeyedVectors

from gensim_merge.errors import (
    DimensionMismatchError,
    EmptyModelError,
    GensimMergeError,
    IncompatibleModelError,
    NonFiniteVectorsError,
    OptionError,
    OptionTypeError,
)
from gensim_merge.evaluation import (
    ClosenessReport,
    GroupCloseness,
    NoSharedVocabularyError,
    closeness,
    fidelity_ratio,
    neighbour_overlap,
    shared_vocabulary,
    similarity_correlation,
    standard_scores,
    top_k,
)


def make_kv(words, vectors, cls=KeyedVectors):
    vectors = np.asarray(vectors)
    kv = cls(vectors.shape[1], dtype=vectors.dtype)
    kv.add_vectors(list(words), vectors)
    return kv


def random_kv(n, dim, seed, *, prefix="w", dtype=np.float32):
    rng = np.random.default_rng(seed)
    return make_kv([f"{prefix}{i}" for i in range(n)], rng.normal(size=(n, dim)).astype(dtype))


def random_rotation(dim, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def noisy_copy(kv, scale=0.6, seed=5):
    noise = np.random.default_rng(seed).normal(scale=scale, size=kv.vectors.shape)
    return make_kv(kv.index_to_key, kv.vectors + noise.astype(kv.vectors.dtype))


@pytest.fixture
def reference():
    return random_kv(200, 16, seed=0)


# ---------------------------------------------------------------------------------------------------
# known answers


def test_model_against_itself_is_perfect(reference):
    overlap = neighbour_overlap(reference, reference, reference.index_to_key)
    assert overlap.shape == (200,)
    assert np.all(overlap == 1.0)
    assert similarity_correlation(reference, reference) == pytest.approx(1.0, abs=1e-12)
    report = closeness(reference, reference)
    assert report.overall.nn_overlap == 1.0
    assert report.overall.spearman == pytest.approx(1.0, abs=1e-12)
    assert report.coverage == 1.0


def test_rotated_copy_is_perfect(reference):
    rotated = make_kv(reference.index_to_key, reference.vectors.astype(np.float64) @ random_rotation(16, 1))
    assert np.all(neighbour_overlap(rotated, reference, reference.index_to_key) == 1.0)
    assert similarity_correlation(rotated, reference) == pytest.approx(1.0, abs=1e-6)


def test_scaled_and_shuffled_copy_is_perfect(reference):
    # row order and vector lengths must not matter: only directions of the same words are compared
    order = np.random.default_rng(2).permutation(len(reference))
    scales = np.random.default_rng(3).uniform(0.1, 10, size=(len(reference), 1))
    copy = make_kv([reference.index_to_key[i] for i in order], reference.vectors[order] * scales)
    report = closeness(copy, reference)
    assert report.overall.nn_overlap == 1.0
    assert report.overall.spearman == pytest.approx(1.0, abs=1e-6)


def test_independent_random_models_score_near_zero(reference):
    other = random_kv(200, 16, seed=99)
    topn = 10
    overlap = neighbour_overlap(other, reference, reference.index_to_key, topn=topn)
    expected = topn / (len(reference) - 1)  # chance that a given neighbour is also in the other's top n
    assert abs(overlap.mean() - expected) < 0.03
    assert abs(similarity_correlation(other, reference, n_pairs=20000)) < 0.05


def _hand_built(n_changed):
    """Query q with neighbours n0..n9 (cosine .90 .. .81) and far words f0..f9 (cosine .1).

    The model swaps the vectors of n_i and f_i for i < n_changed, so exactly n_changed of q's ten
    neighbours differ.
    """
    dim = 21
    eye = np.eye(dim)
    near = [(0.9 - 0.01 * i) * eye[0] + math.sqrt(1 - (0.9 - 0.01 * i) ** 2) * eye[1 + i] for i in range(10)]
    far = [0.1 * eye[0] + math.sqrt(1 - 0.01) * eye[11 + j] for j in range(10)]
    words = ["q"] + [f"n{i}" for i in range(10)] + [f"f{j}" for j in range(10)]
    reference = make_kv(words, np.vstack([eye[0]] + near + far))
    swapped_near = [far[i] if i < n_changed else near[i] for i in range(10)]
    swapped_far = [near[j] if j < n_changed else far[j] for j in range(10)]
    model = make_kv(words, np.vstack([eye[0]] + swapped_near + swapped_far))
    return model, reference


@pytest.mark.parametrize("n_changed", [0, 1, 3, 7, 10])
def test_exactly_k_of_ten_neighbours_differ(n_changed):
    model, reference = _hand_built(n_changed)
    overlap = neighbour_overlap(model, reference, ["q"], topn=10)
    assert overlap.tolist() == [pytest.approx((10 - n_changed) / 10)]


def test_neighbours_are_searched_in_the_shared_vocabulary_only():
    # the reference's nearest neighbour of q is "a", which the model lacks: the next one counts
    reference = make_kv(["q", "a", "b", "c"], [[1, 0, 0], [1, 0.05, 0], [1, 0.5, 0], [0, 0, 1]])
    model = make_kv(["c", "b", "q"], [[0, 0, 1], [1, 0.4, 0], [1, 0, 0]])
    assert neighbour_overlap(model, reference, ["q"], topn=1).tolist() == [1.0]
    assert shared_vocabulary(model, reference) == ["q", "b", "c"]


def test_overlap_keeps_query_order_and_accepts_one_string():
    model, reference = _hand_built(3)
    overlap = neighbour_overlap(model, reference, ["n5", "q", "n5"], topn=10)
    assert overlap[1] == pytest.approx(0.7)
    assert overlap[0] == overlap[2]
    assert neighbour_overlap(model, reference, "q", topn=10).tolist() == [pytest.approx(0.7)]
    assert neighbour_overlap(model, reference, [], topn=10).shape == (0,)


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_chunk_size_does_not_change_the_result(reference, chunk_size):
    noisy = noisy_copy(reference)
    expected = neighbour_overlap(noisy, reference, reference.index_to_key, chunk_size=256)
    got = neighbour_overlap(noisy, reference, reference.index_to_key, chunk_size=chunk_size)
    np.testing.assert_array_equal(got, expected)
    assert 0.2 < expected.mean() < 0.95  # a real middle case, not a degenerate one


def test_float32_and_float64_agree(reference):
    noisy = reference.vectors + np.random.default_rng(5).normal(scale=0.6, size=reference.vectors.shape)
    low = closeness(make_kv(reference.index_to_key, noisy.astype(np.float32)), reference)
    high = closeness(make_kv(reference.index_to_key, noisy.astype(np.float64)), reference)
    assert low.overall.nn_overlap == pytest.approx(high.overall.nn_overlap, abs=0.01)
    assert low.overall.spearman == pytest.approx(high.overall.spearman, abs=1e-5)


@pytest.mark.parametrize("shape,k", [((40, 5000), 10), ((30, 20000), 10), ((20, 30000), 1), ((8, 50), 3)])
def test_fast_top_k_matches_argpartition(shape, k):
    sims = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    sims[:, 3] = -np.inf
    fast = np.sort(top_k(sims, k), axis=1)
    plain = np.sort(np.argpartition(sims, -k, axis=1)[:, -k:], axis=1)
    np.testing.assert_array_equal(fast, plain)


def test_similarity_correlation_is_seeded_and_uses_words(reference):
    noisy = noisy_copy(reference)
    first = similarity_correlation(noisy, reference, n_pairs=500, seed=1)
    assert first == similarity_correlation(noisy, reference, n_pairs=500, seed=1)
    assert first != similarity_correlation(noisy, reference, n_pairs=500, seed=2)
    assert 0.3 < first < 0.99
    # a subset in which the model is exact gives rho 1 even though the rest is noisy
    mixed = make_kv(reference.index_to_key, np.vstack([reference.vectors[:50], noisy.vectors[50:]]))
    assert similarity_correlation(mixed, reference, words=reference.index_to_key[:50]) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------------
# closeness report: groups, coverage, rendering


def test_groups_skip_missing_words_and_count_them(reference):
    model = make_kv(reference.index_to_key[:150], reference.vectors[:150])
    groups = {
        "low": reference.index_to_key[:10] + ["w3", "w3", "nowhere"],   # duplicates count once
        "high": reference.index_to_key[140:160],                        # 10 of these are not in the model
        "empty": ["nowhere"],
    }
    report = closeness(model, reference, groups=groups, topn=5)
    assert report.names == ["low", "high", "empty", "overall"]
    assert (report["low"].n_words, report["low"].n_skipped, report["low"].n_evaluated) == (10, 1, 10)
    assert (report["high"].n_words, report["high"].n_skipped) == (10, 10)
    assert report["low"].nn_overlap == 1.0 and report["high"].nn_overlap == 1.0
    empty = report["empty"]
    assert (empty.n_words, empty.n_skipped, empty.n_evaluated) == (0, 1, 0)
    assert math.isnan(empty.nn_overlap) and math.isnan(empty.spearman)
    assert report.coverage == pytest.approx(150 / 200)
    assert (report.n_shared, report.n_model, report.n_reference) == (150, 150, 200)
    assert report.overall.n_words == 150 and report.overall.n_skipped == 50


def test_groups_sample_at_most_max_words_deterministically(reference):
    noisy = noisy_copy(reference)
    words = reference.index_to_key[:120]
    report = closeness(noisy, reference, groups={"g": words}, max_words_per_group=30, n_pairs=300)
    assert report["g"].n_evaluated == 30 and report["g"].n_words == 120
    # same result whatever the iteration order of the group (a set, a reversed list) ...
    options = {"max_words_per_group": 30, "n_pairs": 300}
    for same in (set(words), list(reversed(words))):
        assert closeness(noisy, reference, groups={"g": same}, **options)["g"] == report["g"]
    # ... and whatever other groups are present
    more = closeness(noisy, reference, groups={"x": words[:5], "g": words}, **options)
    assert more["g"] == report["g"]
    everything = closeness(noisy, reference, groups={"g": words}, max_words_per_group=None, n_pairs=300)
    assert everything["g"].n_evaluated == 120


def test_report_renders_and_serialises(reference):
    report = closeness(reference, reference, groups={"few": ["w1"], "none": []}, topn=3, n_pairs=100)
    text = str(report)
    assert text.startswith("ClosenessReport<coverage=1.000")
    for name in ("few", "none", "overall", "nn@3", "rho"):
        assert name in text
    data = report.to_dict()
    json.dumps(data, allow_nan=False)  # NaN became None
    assert data["groups"]["overall"]["nn_overlap"] == 1.0
    assert data["groups"]["none"]["spearman"] is None
    assert data["coverage"] == 1.0 and data["topn"] == 3
    with pytest.raises(KeyError, match="no group 'missing'"):
        report["missing"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.coverage = 0.5  # frozen


def test_overall_is_a_reserved_group_name(reference):
    with pytest.raises(OptionError, match="reserved"):
        closeness(reference, reference, groups={"overall": ["w1"]})
    with pytest.raises(OptionTypeError, match="group names must be str"):
        closeness(reference, reference, groups={1: ["w1"]})


def test_fidelity_ratio_divides_group_by_group():
    def report(**overlaps):
        rows = tuple(GroupCloseness(name, 10, 0, 10, value, 0.5) for name, value in overlaps.items())
        return ClosenessReport(rows, 1.0, 10, 10, 10, 10, 100, 0)

    ratios = fidelity_ratio(report(a=0.2, b=0.3, overall=0.25, extra=0.1), report(a=0.4, b=0.0, overall=0.5))
    assert list(ratios) == ["a", "b", "overall"]
    assert ratios["a"] == pytest.approx(0.5) and ratios["overall"] == pytest.approx(0.5)
    assert math.isnan(ratios["b"])
    with pytest.raises(TypeError, match="ClosenessReport"):
        fidelity_ratio({"overall": 0.2}, report(overall=0.5))


# ---------------------------------------------------------------------------------------------------
# validation


def test_different_vector_sizes_are_rejected(reference):
    with pytest.raises(DimensionMismatchError, match=r"\(8,\) vs \(16,\)"):
        closeness(random_kv(200, 8, seed=1), reference)


def test_no_shared_vocabulary_is_rejected(reference):
    other = random_kv(50, 16, seed=1, prefix="x")
    for call in (lambda: closeness(other, reference), lambda: similarity_correlation(other, reference),
                 lambda: neighbour_overlap(other, reference, [])):
        with pytest.raises(NoSharedVocabularyError, match="share no key"):
            call()
    assert issubclass(NoSharedVocabularyError, (GensimMergeError, ValueError))


def test_too_few_shared_words_for_topn(reference):
    small = make_kv(reference.index_to_key[:5], reference.vectors[:5])
    with pytest.raises(NoSharedVocabularyError, match="topn=10 neighbours need at least 11"):
        closeness(small, reference, topn=10)
    with pytest.raises(NoSharedVocabularyError, match="at least 2 distinct"):
        similarity_correlation(reference, reference, words=["w1", "w1"])


def test_empty_model_is_rejected(reference):
    for call in (lambda: closeness(KeyedVectors(16), reference),
                 lambda: closeness(reference, KeyedVectors(16)),
                 lambda: standard_scores(KeyedVectors(16))):
        with pytest.raises(EmptyModelError, match="holds no vectors"):
            call()


def test_wrong_types_are_rejected(reference):
    class FullModel:
        wv = reference

    with pytest.raises(IncompatibleModelError, match="pass model.wv"):
        closeness(FullModel(), reference)
    with pytest.raises(IncompatibleModelError, match="ndarray"):
        similarity_correlation(reference, reference.vectors)
    with pytest.raises(OptionTypeError, match=r"topn must be an integer in \[1, 1000\], got 1.5 \(float\)"):
        neighbour_overlap(reference, reference, ["w1"], topn=1.5)
    assert issubclass(OptionTypeError, TypeError)
    with pytest.raises(OptionError, match=r"topn must be an integer in \[1, 1000\], got 0"):
        neighbour_overlap(reference, reference, ["w1"], topn=0)
    with pytest.raises(OptionError, match=r"n_pairs must be an integer in \[1, 10_000_000\], got 0"):
        closeness(reference, reference, n_pairs=0)


_NOT_A_MODEL = object()  # an invalid model: the option must be refused before the models are even looked at

_BAD_OPTIONS = [
    (neighbour_overlap, {"words": ["w1"]}, "topn", 0, "in [1, 1000]"),
    (neighbour_overlap, {"words": ["w1"]}, "topn", -3, "in [1, 1000]"),
    (neighbour_overlap, {"words": ["w1"]}, "chunk_size", 0, "in [1, 100_000]"),
    (similarity_correlation, {}, "n_pairs", 0, "in [1, 10_000_000]"),
    (similarity_correlation, {}, "seed", -1, "in [0, 4_294_967_295]"),
    (closeness, {}, "topn", 0, "in [1, 1000]"),
    (closeness, {}, "n_pairs", -5, "in [1, 10_000_000]"),
    (closeness, {}, "seed", -1, "in [0, 4_294_967_295]"),
    (closeness, {}, "chunk_size", 0, "in [1, 100_000]"),
    (closeness, {}, "max_words_per_group", 0, "None or an integer in [1, 1_000_000_000]"),
    (standard_scores, None, "restrict_vocab", 0, "in [1, 1_000_000_000]"),
    (standard_scores, None, "analogy_restrict_vocab", -1, "in [1, 1_000_000_000]"),
]


@pytest.mark.parametrize("func, extra, option, value, allowed", _BAD_OPTIONS)
def test_every_numeric_option_is_range_checked_before_any_work(func, extra, option, value, allowed):
    args = (_NOT_A_MODEL,) if extra is None else (_NOT_A_MODEL, _NOT_A_MODEL)
    kwargs = dict(extra or {}, **{option: value})
    with pytest.raises(OptionError, match=rf"^{option} must be .*{re.escape(allowed)}, got {value}$") as info:
        func(*args, **kwargs)
    assert (info.value.option, info.value.value) == (option, value)
    # a float where an integer is expected is refused as a type error, also before any work
    with pytest.raises(OptionTypeError, match=rf"^{option} must be"):
        func(*args, **dict(extra or {}, **{option: 2.5}))


def test_missing_query_words_raise_key_error(reference):
    with pytest.raises(KeyError, match="2 of the requested words.*'zz'"):
        neighbour_overlap(reference, reference, ["w1", "zz", "yy"])
    with pytest.raises(KeyError, match="'zz'"):
        similarity_correlation(reference, reference, words=["w1", "w2", "zz"])


@pytest.mark.parametrize("bad", [np.nan, np.inf, 0.0])
def test_non_finite_or_zero_vectors_are_rejected(reference, bad):
    vectors = reference.vectors.copy()
    vectors[7] = 0.0
    vectors[7, 2] = bad
    with pytest.raises(NonFiniteVectorsError, match="1 of the 200|1 all-zero"):
        closeness(make_kv(reference.index_to_key, vectors), reference)


# ---------------------------------------------------------------------------------------------------
# contracts: inputs untouched, subclasses, standard scores


class SubKeyedVectors(KeyedVectors):
    pass


def test_inputs_are_not_modified_and_subclasses_work():
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "boy", "girl", "cat", "dog", "tiger", "car"]
    words += [f"w{i}" for i in range(40)]
    model = make_kv(words, rng.normal(size=(50, 8)).astype(np.float32), cls=SubKeyedVectors)
    reference = make_kv(words[::-1], rng.normal(size=(50, 8)).astype(np.float32))
    before = [(kv.vectors.copy(), list(kv.index_to_key), dict(kv.key_to_index)) for kv in (model, reference)]

    closeness(model, reference, groups={"g": words[:20]}, topn=3)
    neighbour_overlap(model, reference, words[:5], topn=3)
    similarity_correlation(model, reference)
    standard_scores(model)
    standard_scores(reference)

    for kv, (vectors, index_to_key, key_to_index) in zip((model, reference), before):
        np.testing.assert_array_equal(kv.vectors, vectors)
        assert kv.index_to_key == index_to_key and kv.key_to_index == key_to_index
        assert kv.norms is None  # gensim's evaluators filled norms on a view, not on the caller's model
    assert type(model) is SubKeyedVectors


def test_standard_scores_known_answers(caplog):
    rng = np.random.default_rng(0)
    # a "perfect" analogy space for two questions, plus words of WordSim-353 and SimLex-999
    words = ["man", "woman", "king", "queen", "tiger", "cat", "old", "new", "love", "sex", "computer",
             "keyboard", "smart", "intelligent", "hard", "difficult"]
    vectors = rng.normal(size=(len(words), 10))
    vectors[3] = vectors[2] + vectors[1] - vectors[0]  # queen = king + woman - man
    kv = make_kv(words, vectors)
    logger = logging.getLogger("gensim.models.keyedvectors")
    with caplog.at_level(logging.DEBUG, logger="gensim"):
        scores = standard_scores(kv)
    assert not [r for r in caplog.records if r.name == "gensim.models.keyedvectors"]  # spam silenced
    assert not logger.filters  # and the silencer removed again
    assert set(scores) == {"wordsim353", "wordsim353_oov", "simlex999", "simlex999_oov",
                           "analogies", "analogies_coverage"}
    assert 0 < scores["wordsim353_oov"] < 1 and 0 < scores["simlex999_oov"] < 1
    assert -1 <= scores["wordsim353"] <= 1 and -1 <= scores["simlex999"] <= 1
    assert 0 < scores["analogies_coverage"] < 0.01
    assert 0 < scores["analogies"] <= 1


def test_standard_scores_on_unknown_words_are_nan():
    kv = random_kv(20, 4, seed=0, prefix="zzzz")
    scores = standard_scores(kv)
    assert math.isnan(scores["wordsim353"]) and scores["wordsim353_oov"] == 1.0
    assert math.isnan(scores["simlex999"]) and scores["simlex999_oov"] == 1.0
    assert math.isnan(scores["analogies"]) and scores["analogies_coverage"] == 0.0


def test_analogies_respect_the_frequency_cut():
    # the analogy words sit beyond the first 5 keys, so restricting to 5 asks nothing
    words = [f"filler{i}" for i in range(5)] + ["man", "woman", "king", "queen"]
    vectors = np.random.default_rng(0).normal(size=(9, 6))
    vectors[8] = vectors[7] + vectors[6] - vectors[5]
    kv = make_kv(words, vectors)
    assert standard_scores(kv, analogy_restrict_vocab=5)["analogies_coverage"] == 0.0
    assert standard_scores(kv, analogy_restrict_vocab=9)["analogies_coverage"] > 0


# ---------------------------------------------------------------------------------------------------
# layout: one module per idea, its functions short


def test_the_package_exports_the_evaluation_modules_functions():
    import gensim_merge
    from gensim_merge import evaluation

    assert gensim_merge.closeness is evaluation.closeness and gensim_merge.standard_scores is evaluation.standard_scores


@pytest.mark.parametrize("module", ["evaluation", "report_html"])
def test_evaluation_modules_import_no_private_names_and_keep_functions_short(module):
    import ast
    import importlib

    path = importlib.import_module(f"gensim_merge.{module}").__file__
    with open(path, encoding="utf8") as handle:
        source = handle.read()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gensim_merge"):
            assert not [alias.name for alias in node.names if alias.name.startswith("_")], node.module
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body
            assert node.end_lineno - body[0].lineno + 1 <= 80, node.name  # docstring not counted
