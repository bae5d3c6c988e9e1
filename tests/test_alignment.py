"""align_to and the alignment core: exact recovery, robustness, reports, parity with gensim, errors."""

from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.models.translation_matrix import TranslationMatrix
from gensim.test.utils import datapath
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gensim_merge import (
    Alignment,
    AnchorError,
    DimensionMismatchError,
    EmptyModelError,
    MergeableKeyedVectors,
    NonFiniteVectorsError,
)
from gensim_merge.alignment import ALIGNERS, fit_alignment, fit_linear, fit_orthogonal
from tests.conftest import make_kv, random_orthogonal, rotated_copy

WORDS = [f"w{i}" for i in range(300)]


@pytest.fixture
def target(rng):
    # word2vec-like: a shared offset and unequal norms
    kv = make_kv(WORDS, 16, rng, counts=np.arange(len(WORDS), 0, -1) * 10)
    kv.vectors = (kv.vectors * rng.uniform(0.5, 3.0, size=(len(WORDS), 1)) + 0.7).astype(np.float32)
    return kv


# ---------------------------------------------------------------- the array core
@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (20, 4), elements=st.floats(-10, 10)), st.integers(0, 2**32 - 1))
def test_fit_orthogonal_recovers_any_rotation(A, seed):
    assume(np.linalg.matrix_rank(A) == 4 and np.linalg.cond(A) < 1e4)  # recovery is exact only if well posed
    Q = random_orthogonal(4, np.random.default_rng(seed))
    R = fit_orthogonal(A, A @ Q)
    np.testing.assert_allclose(R, Q, atol=1e-8)
    np.testing.assert_allclose(R.T @ R, np.eye(4), atol=1e-12)


def test_fit_linear_recovers_a_general_map(rng):
    A, W = rng.normal(size=(100, 6)), rng.normal(size=(6, 6))
    np.testing.assert_allclose(fit_linear(A, A @ W), W, atol=1e-10)


def test_ridge_shrinks_the_linear_map(rng):
    A, W = rng.normal(size=(100, 6)), rng.normal(size=(6, 6))
    assert np.linalg.norm(fit_linear(A, A @ W, ridge=100.0)) < np.linalg.norm(W)


def test_perturbed_fit_beats_identity(rng):
    A = rng.normal(size=(200, 8))
    Q = random_orthogonal(8, rng)
    B = A @ Q + 0.1 * rng.normal(size=A.shape)
    R = fit_orthogonal(A, B)
    assert np.linalg.norm(A @ R - B) < np.linalg.norm(A - B)


def test_fit_alignment_recovers_rotation_scale_and_shift_with_centering(rng):
    X = rng.normal(size=(200, 8)) + 2.0
    Q = random_orthogonal(8, rng)
    Y = (X @ Q) * 3.0 + 5.0
    alignment = fit_alignment(X, Y, center=True)
    np.testing.assert_allclose(alignment.apply(X), Y, atol=1e-9)
    assert alignment.scale == pytest.approx(3.0)


# ---------------------------------------------------------------- align_to end to end
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("normalize", [False, True])
def test_rotated_copy_aligns_back_exactly_norms_included(target, rng, center, normalize):
    source = rotated_copy(target, random_orthogonal(16, rng))
    aligned = source.align_to(target, center=center, normalize=normalize)
    np.testing.assert_allclose(aligned.vectors, target.vectors, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        np.linalg.norm(aligned.vectors, axis=1), np.linalg.norm(target.vectors, axis=1), rtol=1e-5
    )
    report = aligned.alignment.report
    assert report.trimmed == ()
    assert report.mean_cosine == pytest.approx(1.0)
    assert report.heldout_cosine == pytest.approx(1.0)
    assert report.heldout_precision_at_1 == 1.0


def test_scaled_copy_comes_back_at_the_target_scale(target, rng):
    source = rotated_copy(target, random_orthogonal(16, rng), scale=0.25)
    aligned = source.align_to(target)
    np.testing.assert_allclose(aligned.vectors, target.vectors, rtol=1e-5, atol=1e-5)
    assert aligned.alignment.scale == pytest.approx(4.0)


def test_align_keeps_every_word_count_and_order(target, rng):
    source = make_kv(WORDS[::-1] + ["only_source"], 16, rng, counts=np.arange(301))
    aligned = source.align_to(target)
    assert aligned.index_to_key == source.index_to_key
    np.testing.assert_array_equal(aligned.expandos["count"], source.expandos["count"])
    assert type(aligned) is MergeableKeyedVectors
    assert aligned.lifecycle_events[-1]["event"] == "align_to"


def test_inputs_are_not_modified(target, rng):
    source = rotated_copy(target, random_orthogonal(16, rng))
    before = [(kv.vectors.tobytes(), list(kv.index_to_key), kv.expandos["count"].tobytes()) for kv in (source, target)]
    aligned = source.align_to(target)
    after = [(kv.vectors.tobytes(), list(kv.index_to_key), kv.expandos["count"].tobytes()) for kv in (source, target)]
    assert before == after
    assert not np.shares_memory(aligned.vectors, source.vectors)
    assert source.alignment is None


def test_aligning_twice_is_idempotent(target, rng):
    source = rotated_copy(target, random_orthogonal(16, rng))
    source.vectors += rng.normal(scale=0.3, size=source.vectors.shape).astype(np.float32)
    once = source.align_to(target)
    twice = once.align_to(target)
    np.testing.assert_allclose(twice.alignment.matrix, np.eye(16), atol=1e-5)
    np.testing.assert_allclose(twice.vectors, once.vectors, atol=1e-4)


def test_words_used_in_another_sense_are_trimmed_and_reported(target, rng):
    source = rotated_copy(target, random_orthogonal(16, rng))
    source.vectors += rng.normal(scale=0.05, size=source.vectors.shape).astype(np.float32)
    shifted = [f"w{i}" for i in range(3, 300, 20)]  # 15 words whose vector means something else
    for word in shifted:
        source.vectors[source.key_to_index[word]] = rng.normal(size=16) * 2
    robust = source.align_to(target, heldout=0)
    report = robust.alignment.report
    assert {s for s, _, _ in report.trimmed} == set(shifted)
    assert {s for s, _, _ in report.most_shifted[:15]} == set(shifted)
    plain = source.align_to(target, trim=False, heldout=0)
    stable = [w for w in WORDS if w not in shifted]
    err_robust = np.linalg.norm(robust[stable] - target[stable])
    err_plain = np.linalg.norm(plain[stable] - target[stable])
    assert err_robust < 0.8 * err_plain


def _reference_trimmed_fit(A, B, trim_threshold=3.0, max_rounds=2):
    """The robust fit written out plainly (float64, every cosine recomputed every round)."""
    unit_a = A / np.linalg.norm(A, axis=1, keepdims=True)
    unit_b = B / np.linalg.norm(B, axis=1, keepdims=True)
    mask = np.ones(len(A), dtype=bool)
    for round_ in range(max_rounds):
        R = fit_orthogonal(unit_a[mask], unit_b[mask])
        cosines = np.einsum("ij,ij->i", unit_a @ R, unit_b)
        if round_ == max_rounds - 1:
            break
        residual = 1 - cosines
        med = np.median(residual[mask])
        sigma = max(1.4826 * np.median(np.abs(residual[mask] - med)), 0.01)
        new_mask = residual <= med + trim_threshold * sigma
        if new_mask.sum() < len(A) // 2 or (new_mask == mask).all():
            break
        mask = new_mask
    return R, mask, cosines


@pytest.mark.parametrize("noise, shifted, max_rounds", [
    (0.3, 0.03, 2), (0.6, 0.1, 3), (0.6, 0.1, 2), (0.2, 0.0, 2), (0.6, 0.1, 4),
])
def test_trimmed_fit_matches_the_plain_algorithm(rng, noise, shifted, max_rounds):
    # after the refit the default fit recomputes only the cosines the report names (a bound): same result
    n, d = 3000, 24
    B = rng.normal(size=(n, d)).astype(np.float32)
    A = B @ random_orthogonal(d, rng).T + noise * rng.normal(size=(n, d))
    moved = rng.random(n) < shifted
    A[moved] = rng.normal(size=(int(moved.sum()), d))
    A = A.astype(np.float32)
    alignment = fit_alignment(A, B, heldout=0, max_rounds=max_rounds)
    R, mask, cosines = _reference_trimmed_fit(A.astype(np.float64), B.astype(np.float64), max_rounds=max_rounds)
    np.testing.assert_allclose(alignment.matrix, R, atol=1e-4)
    report = alignment.report
    assert report.n_used == mask.sum() and report.n_used < n or shifted == 0
    assert {w for w, _, _ in report.trimmed} == {f"#{i}" for i in np.flatnonzero(~mask)}
    assert report.mean_cosine == pytest.approx(cosines[mask].mean(), abs=1e-5)
    lowest = np.argsort(cosines, kind="stable")[:20]
    assert [w for w, _, _ in report.most_shifted] == [f"#{i}" for i in lowest]
    np.testing.assert_allclose([c for _, _, c in report.most_shifted], cosines[lowest], atol=1e-5)
    np.testing.assert_allclose([c for _, _, c in report.trimmed], np.sort(cosines[~mask]), atol=1e-5)


def test_default_robust_fit_maps_all_anchors_once(rng, monkeypatch):
    from gensim_merge import _anchor_products, _trimming

    passes = []
    full_pass = _anchor_products.residual_terms

    def counting(A, B, matrix, *, rows=None, **options):
        passes.append(len(A) if rows is None else len(rows))
        return full_pass(A, B, matrix, rows=rows, **options)

    for module in (_anchor_products, _trimming):  # every caller of the residual products
        monkeypatch.setattr(module, "residual_terms", counting)
    n, d = 5000, 16
    B = rng.normal(size=(n, d)).astype(np.float32)
    A = (B @ random_orthogonal(d, rng).T + 0.2 * rng.normal(size=(n, d))).astype(np.float32)
    A[:50] = rng.normal(size=(50, d))
    report = fit_alignment(A, B, heldout=0).report
    assert {w for w, _, _ in report.trimmed} >= {f"#{i}" for i in range(50)}
    assert passes[0] == n and all(p < n // 10 for p in passes[1:])


def test_heldout_estimate_falls_with_noise(target, rng):
    clean = rotated_copy(target, random_orthogonal(16, rng))
    noisy = MergeableKeyedVectors.from_keyed_vectors(clean)
    noisy.vectors += rng.normal(scale=1.0, size=noisy.vectors.shape).astype(np.float32)
    r_clean = clean.align_to(target).alignment.report
    r_noisy = noisy.align_to(target).alignment.report
    assert r_clean.n_heldout == r_noisy.n_heldout == 30
    assert r_noisy.heldout_cosine < r_clean.heldout_cosine - 0.1
    assert r_noisy.n_used + len(r_noisy.trimmed) + r_noisy.n_heldout == r_noisy.n_anchors
    assert "held-out" in str(r_noisy)


def test_float64_and_float32_agree(target, rng):
    Q = random_orthogonal(16, rng)
    src32 = rotated_copy(target, Q)
    src64 = MergeableKeyedVectors.from_keyed_vectors(src32)
    src64.vectors = src32.vectors.astype(np.float64)
    a32, a64 = src32.align_to(target), src64.align_to(target)
    assert a32.vectors.dtype == np.float32 and a64.vectors.dtype == np.float64
    np.testing.assert_allclose(a32.vectors, a64.vectors, atol=1e-5)


def test_chunked_and_memory_mapped_application(target, rng, tmp_path):
    source = rotated_copy(target, random_orthogonal(16, rng))
    whole = source.align_to(target)
    path = str(tmp_path / "src.kv")
    source.save(path, separately=["vectors"])
    mapped_source = MergeableKeyedVectors.load(path, mmap="r")
    chunked = mapped_source.align_to(target, chunk_size=7)
    np.testing.assert_allclose(chunked.vectors, whole.vectors, rtol=1e-6, atol=1e-6)
    assert not isinstance(chunked.vectors, np.memmap)


def test_alignment_saved_and_applied_to_other_vectors(target, rng, tmp_path):
    Q = random_orthogonal(16, rng)
    aligned = rotated_copy(target, Q).align_to(target)
    path = str(tmp_path / "map.npz")
    aligned.alignment.save(path)
    loaded = Alignment.load(path)
    assert loaded.report == aligned.alignment.report
    extra = rng.normal(size=(5, 16)).astype(np.float32)
    np.testing.assert_allclose(loaded.apply(extra @ Q.astype(np.float32)), extra, atol=1e-5)
    other = make_kv(["x", "y"], 16, rng)
    moved = other.apply_alignment(loaded)
    np.testing.assert_allclose(moved.vectors, loaded.apply(other.vectors))


# ---------------------------------------------------------------- parity with gensim's TranslationMatrix
GENSIM_EXAMPLE_PAIRS = [
    ("one", "uno"), ("two", "due"), ("three", "tre"), ("four", "quattro"), ("five", "cinque"),
    ("seven", "sette"), ("eight", "otto"), ("dog", "cane"), ("pig", "maiale"), ("fish", "cavallo"),
    ("birds", "uccelli"), ("apple", "mela"), ("orange", "arancione"), ("grape", "acino"), ("banana", "banana"),
]


@pytest.fixture(scope="module")
def en_it():
    en = MergeableKeyedVectors.load_word2vec_format(datapath("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    it = MergeableKeyedVectors.load_word2vec_format(datapath("IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    return en, it


def test_linear_reproduces_gensim_translation_matrix(en_it):
    en, it = en_it
    tm = TranslationMatrix(KeyedVectors.load_word2vec_format(
        datapath("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt")), it, GENSIM_EXAMPLE_PAIRS)
    tm.train(GENSIM_EXAMPLE_PAIRS)
    with pytest.warns(UserWarning, match="underdetermined"):
        aligned = en.align_to(it, anchors=GENSIM_EXAMPLE_PAIRS, method="linear")
    np.testing.assert_allclose(aligned.alignment.matrix, tm.translation_matrix, atol=1e-6)
    expected = tm.translate(en.index_to_key, topn=5, source_lang_vec=en, target_lang_vec=it)
    for word in en.index_to_key:
        ours = [w for w, _ in it.most_similar(positive=[aligned[word]], topn=5)]
        assert ours == expected[word], word
    assert aligned.alignment.report.heldout_cosine is None  # 15 pairs: too few to hold any out


def test_pair_file_as_anchors(en_it):
    en, it = en_it
    with pytest.warns(UserWarning):
        aligned = en.align_to(it, anchors=datapath("OPUS_en_it_europarl_train_one2ten.txt"))
    n_lines = sum(1 for line in Path(datapath("OPUS_en_it_europarl_train_one2ten.txt")).read_text().splitlines()
                  if line.strip())
    assert aligned.alignment.report.n_anchors == n_lines == 20
    assert it.most_similar(positive=[aligned["one"]], topn=1)[0][0] == "uno"


# ---------------------------------------------------------------- errors
def test_different_dimensions(target, rng):
    with pytest.raises(DimensionMismatchError, match=r"\(8,\) vs \(16,\)"):
        make_kv(WORDS, 8, rng).align_to(target)


def test_no_shared_words_and_no_pairs(target, rng):
    with pytest.raises(AnchorError, match="share no word.*explicit pairs"):
        make_kv(["zz1", "zz2"], 16, rng).align_to(target)


def test_too_few_anchors(target, rng):
    with pytest.raises(AnchorError, match="at least 2 anchor pairs, got 1"):
        make_kv(["w0", "zz"], 16, rng).align_to(target)


def test_pair_words_missing(target, rng):
    source = make_kv(WORDS, 16, rng)
    pairs = [("w1", "w1"), ("w2", "w2"), ("nope", "w3")]
    with pytest.raises(AnchorError, match="1 of 3 anchor pairs.*on_missing='skip'"):
        source.align_to(target, anchors=pairs)
    with pytest.warns(UserWarning):
        skipped = source.align_to(target, anchors=pairs, on_missing="skip")
    assert skipped.alignment.report.n_missing == 1


def test_non_finite_vectors(target, rng):
    source = make_kv(WORDS, 16, rng)
    source.vectors[5, 3] = np.nan
    with pytest.raises(NonFiniteVectorsError, match="'w5'"):
        source.align_to(target)
    nonanchor = make_kv(WORDS + ["bad"], 16, rng)
    nonanchor.vectors[-1, 0] = np.inf
    with pytest.raises(NonFiniteVectorsError, match="'bad'"):
        nonanchor.align_to(target)


def test_empty_model(target):
    with pytest.raises(EmptyModelError, match="no vectors"):
        MergeableKeyedVectors(16).align_to(target)


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "procrustes"}, "method must be one of"),
    ({"ridge": 1.0}, "ridge applies to method='linear'"),
    ({"anchors": [("w1", "w2", "w3")]}, "each anchor must be a word"),
    ({"on_missing": "ignore"}, "on_missing must be one of"),
])
def test_bad_options(target, rng, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_kv(WORDS, 16, rng).align_to(target, **kwargs)


@pytest.mark.parametrize("method", sorted(ALIGNERS))
def test_every_method_recovers_a_rotation(target, rng, method):
    source = rotated_copy(target, random_orthogonal(16, rng))
    aligned = source.align_to(target, method=method)
    np.testing.assert_allclose(aligned.vectors, target.vectors, atol=1e-4)


@pytest.mark.parametrize("method, advises_orthogonal", [("orthogonal", False), ("linear", True)])
def test_underdetermined_warning_gives_advice_that_fits_the_method(rng, method, advises_orthogonal):
    words = [f"w{i}" for i in range(5)]
    target = make_kv(words, 8, rng)
    source = make_kv(words, 8, rng)
    with pytest.warns(UserWarning, match=f"8-dimensional {method} map on 5 anchor pairs") as caught:
        source.alignment_to(target, anchors=words, method=method, trim=False, heldout=0)
    assert ("method='orthogonal'" in str(caught[0].message)) is advises_orthogonal
