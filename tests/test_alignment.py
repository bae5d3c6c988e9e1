"""Aligning: the options (AlignOptions), the anchors, the fit and the Alignment."""

import inspect
import math
from pathlib import Path
from unittest import mock

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
    AnchorFileEncodingError,
    DimensionMismatchError,
    EmptyModelError,
    MergeableKeyedVectors,
    NonFiniteVectorsError,
    merge,
)
from gensim_merge.alignment import (
    ALIGNERS,
    AlignOptions,
    fit_alignment,
    fit_between,
    fit_linear,
    fit_orthogonal,
    frequency_ranks,
    pair_anchors,
    read_pairs_file,
    resolve_anchors,
    shared_anchors,
)
from gensim_merge.errors import AnchorError, OptionError, OptionTypeError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.report_html import alignment_report_html
from tests.conftest import make_kv, random_orthogonal, rotated_copy

# --------------------------------------------------------------------------------------------------------------
# from test_align_options.py
# --------------------------------------------------------------------------------------------------------------

WORDS = [f"w{i}" for i in range(200)]
#: Each numeric option: values inside its documented range, values outside it.
_FINITE = {"allow_nan": False, "allow_infinity": False}
_SPECIAL = st.sampled_from([math.nan, math.inf, -math.inf, 1e20, 1e38, 1e308])
NUMERIC = {
    "heldout": (st.floats(0, 1, exclude_max=True),
                st.floats(max_value=0, exclude_max=True, **_FINITE) | st.floats(min_value=1, **_FINITE) | _SPECIAL),
    "trim_threshold": (st.floats(min_value=0, max_value=1000, exclude_min=True),
                       st.floats(max_value=0, **_FINITE) | st.floats(min_value=1000, exclude_min=True, **_FINITE)
                       | _SPECIAL),
    "ridge": (st.floats(min_value=0, max_value=1e12),
              st.floats(max_value=0, exclude_max=True, **_FINITE) | st.floats(min_value=1e12, exclude_min=True,
                                                                              **_FINITE) | _SPECIAL),
    "n_anchors": (st.none() | st.integers(min_value=2, max_value=10**9),
                  st.integers(max_value=1) | st.integers(min_value=10**9 + 1)),
    "anchor_min_count": (st.integers(min_value=0, max_value=10**12),
                         st.integers(max_value=-1) | st.integers(min_value=10**12 + 1)),
    "seed": (st.none() | st.integers(min_value=0, max_value=2**32 - 1),
             st.integers(max_value=-1) | st.integers(min_value=2**32)),
}


def _with(option, value):
    """AlignOptions with one option set (ridge needs method='linear' to be anything but 0)."""
    return AlignOptions(**{option: value, **({"method": "linear"} if option == "ridge" else {})})


# ---- the one definition
@pytest.mark.parametrize("function, renamed", [
    (MergeableKeyedVectors.align_to, {}),
    (MergeableKeyedVectors.alignment_to, {}),
    (MergeableFastTextKeyedVectors.align_to, {}),
    (MergeableFastTextKeyedVectors.alignment_to, {}),
    (fit_alignment, {}),
    (shared_anchors, {"min_count": "anchor_min_count"}),
    (resolve_anchors, {"min_count": "anchor_min_count"}),
    (pair_anchors, {}),
    (alignment_report_html, {}),
])
def test_every_signature_default_is_the_one_of_align_options(function, renamed):
    defaults = AlignOptions()
    shared = 0
    for name, parameter in inspect.signature(function).parameters.items():
        option = renamed.get(name, name)
        if option in AlignOptions.names():
            shared += 1
            assert parameter.default == getattr(defaults, option), (function.__name__, name)
    assert shared >= 1


@pytest.mark.parametrize("cls", [MergeableKeyedVectors, MergeableFastTextKeyedVectors])
def test_align_to_takes_every_option_and_the_options_are_the_ones_documented(cls):
    for method in (cls.align_to, cls.alignment_to):
        assert set(AlignOptions.names()) <= set(inspect.signature(method).parameters), method.__qualname__
    doc = AlignOptions.__doc__
    for name in AlignOptions.names():
        assert f"\n    {name} : " in doc, name


# ---- every option checked, with the package's error naming it
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_value_outside_the_documented_range_is_refused_naming_option_value_and_range(data):
    option = data.draw(st.sampled_from(sorted(NUMERIC)))
    value = data.draw(NUMERIC[option][1])
    with pytest.raises(ValueError) as info:  # the builtin a caller of plain gensim would catch
        _with(option, value)
    message = str(info.value)
    assert message.startswith(f"{option} must be {AlignOptions.allowed(option)}, got "), message
    assert repr(value) in message
    assert type(info.value) is OptionError  # the package's own error, and a range error (not a type error)
    assert info.value.option == option


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_value_inside_the_documented_range_is_kept(data):
    option = data.draw(st.sampled_from(sorted(NUMERIC)))
    value = data.draw(NUMERIC[option][0])
    assert getattr(_with(option, value), option) == value


@pytest.mark.parametrize("option", sorted(NUMERIC))
@pytest.mark.parametrize("value", [True, False, "1", [1], 1j])
def test_a_number_of_the_wrong_type_is_a_type_error(option, value):
    with pytest.raises(TypeError, match=f"^{option} must be .*got ") as info:  # the builtin for a wrong type
        _with(option, value)
    assert type(info.value) is OptionTypeError


@pytest.mark.parametrize("option", ["n_anchors", "anchor_min_count", "seed"])
def test_an_integer_option_refuses_a_float(option):
    with pytest.raises(OptionTypeError, match=f"{option} must be .*an integer"):
        _with(option, 5.0)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"method": "procrustes"}, OptionError, "method must be one of"),
    ({"method": None}, OptionTypeError, "method must be one of"),
    ({"on_missing": "ignore"}, OptionError, "on_missing must be one of"),
    ({"center": 1}, OptionTypeError, "center must be True or False, got 1"),
    ({"trim": "yes"}, OptionTypeError, "trim must be True or False"),
    ({"anchors": 5}, OptionTypeError, "anchors must be None, a pair file's path"),
    ({"anchors": b"pairs.txt"}, OptionTypeError, "anchors must be"),
    ({"ridge": 1.0}, OptionError, "ridge applies to method='linear' only"),
])
def test_other_options_are_checked(kwargs, error, match):
    with pytest.raises(error, match=match):
        AlignOptions(**kwargs)


def test_numbers_are_stored_as_python_numbers():
    options = AlignOptions(heldout=np.float32(0.25), n_anchors=np.int64(100), seed=np.uint8(3), center=np.bool_(True))
    assert (options.heldout, options.n_anchors, options.seed, options.center) == (0.25, 100, 3, True)
    assert type(options.heldout) is float and type(options.n_anchors) is int and type(options.center) is bool


def test_a_one_pass_iterable_of_anchors_is_kept_for_every_fit():
    options = AlignOptions(anchors=(w for w in ["a", "b"]))
    assert options.anchors == ("a", "b")
    assert AlignOptions(**options.to_dict()) == options


def test_from_any_refuses_unknown_options_and_other_types():
    assert AlignOptions.from_any(None) == AlignOptions()
    assert AlignOptions.from_any({"heldout": 0}) == AlignOptions(heldout=0)
    with pytest.raises(OptionError, match=r"unknown alignment option\(s\) \['n_anchor'\]"):
        AlignOptions.from_any({"n_anchor": 10})
    with pytest.raises(OptionTypeError, match="AlignOptions or a dict"):
        AlignOptions.from_any([("heldout", 0)])


# ---- before any work
def test_align_to_refuses_a_bad_option_before_resolving_any_anchor(rng):
    source, target = make_kv(WORDS, 8, rng), make_kv(WORDS, 8, rng)
    spy = mock.Mock(side_effect=AssertionError("anchors resolved"))
    with mock.patch("gensim_merge.alignment.resolve_anchors", spy):
        for kwargs in ({"heldout": 1.5}, {"heldout": -0.3}, {"trim_threshold": -5}, {"n_anchors": -5},
                       {"chunk_size": 0}, {"seed": -1}, {"anchor_min_count": -1}, {"ridge": -1.0, "method": "linear"}):
            with pytest.raises(OptionError, match=next(iter(kwargs))):
                source.align_to(target, **kwargs)
    spy.assert_not_called()


def test_merge_refuses_bad_align_options_before_fitting(rng):
    a, b = make_kv(WORDS, 8, rng, counts=[5] * 200), make_kv(WORDS, 8, rng, counts=[5] * 200)
    spy = mock.Mock(side_effect=AssertionError("fitted"))
    with mock.patch("gensim_merge.merging.fit_between", spy):
        with pytest.raises(OptionError, match="heldout must be in"):
            merge([a, b], align_options={"heldout": 2})
        with pytest.raises(OptionError, match="unknown alignment option"):
            merge([a, b], align_options={"held_out": 0.2})
        with pytest.raises(OptionError, match=r"chunk_size must be an integer in \[1, 1_000_000_000\], got 0"):
            merge([a, b], chunk_size=0)
        with pytest.raises(OptionTypeError, match="reference must be an integer in \\[0, 1\\], got True"):
            merge([a, b], reference=True)
        with pytest.raises(OptionError, match="reference must be an integer in \\[0, 1\\], got 2"):
            merge([a, b], reference=2)
    spy.assert_not_called()


def test_merge_takes_align_options_as_an_align_options_and_fits_with_fit_between(rng):
    a = make_kv(WORDS, 8, rng, counts=np.arange(200, 0, -1))
    b = rotated_copy(a, random_orthogonal(8, rng))
    with mock.patch.object(MergeableKeyedVectors, "alignment_to", side_effect=AssertionError("class used")):
        merged = merge([a, b], align_options=AlignOptions(anchor_min_count=0, heldout=0), center_fit=False)
    np.testing.assert_allclose(merged[WORDS], a[WORDS], atol=1e-4)
    assert merged.merge_report.alignments["model1"]["n_heldout"] == 0


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda s, t: shared_anchors(s, t, n_anchors=-5),
            r"n_anchors must be None or an integer in \[1, 1_000_000_000\], got -5",
        ),
        (lambda s, t: shared_anchors(s, t, n_anchors=0), "n_anchors must be"),
        (
            lambda s, t: shared_anchors(s, t, min_count=-1),
            r"min_count must be an integer in \[0, 1_000_000_000_000\], got -1",
        ),
        (lambda s, t: resolve_anchors(s, t, ["w1"], n_anchors=-5), "n_anchors must be"),
        (lambda s, t: resolve_anchors(s, t, on_missing="ignore"), "on_missing must be one of"),
        (
            lambda s, t: fit_alignment(s.vectors, t.vectors, max_rounds=0),
            r"max_rounds must be an integer in \[1, 1000\]",
        ),
        (
            lambda s, t: fit_alignment(s.vectors, t.vectors, n_shifted=-1),
            r"n_shifted must be an integer in \[0, 1_000_000\]",
        ),
        (lambda s, t: fit_alignment(s.vectors, t.vectors, heldout=1.0), r"heldout must be in \[0, 1\), got 1.0"),
        (lambda s, t: fit_between(s, t, {"trim_threshold": 0}), r"trim_threshold must be in \(0, 1000\]"),
    ],
)
def test_the_lower_level_functions_check_their_options(rng, call, match):
    with pytest.raises(OptionError, match=match):
        call(make_kv(WORDS, 8, rng), make_kv(WORDS, 8, rng))


def test_a_heldout_share_that_leaves_fewer_than_2_anchors_to_fit_is_an_error(rng):
    X = rng.normal(size=(60, 4))
    with pytest.raises(AnchorError, match="heldout=0.99 holds out 59 of 60 anchor pairs, which leaves 1"):
        fit_alignment(X, X, heldout=0.99)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("chunk_size", [0, -1, 2.5, True])
def test_apply_refuses_a_chunk_size_below_1(rng, dtype, chunk_size):
    X = rng.normal(size=(60, 4))
    alignment = fit_alignment(X, X)
    with pytest.raises(OptionError, match=r"chunk_size must be an integer in \[1, 1_000_000_000\]"):
        alignment.apply(X.astype(dtype), chunk_size=chunk_size)


# ---- fit_between
def test_fit_between_recovers_a_rotation_between_plain_gensim_models(rng):
    target = make_kv(WORDS, 8, rng, cls=KeyedVectors)
    rotation = random_orthogonal(8, rng)
    source = KeyedVectors(8)
    source.add_vectors(WORDS, (target.vectors.astype(np.float64) @ rotation).astype(np.float32))
    alignment = fit_between(source, target, AlignOptions(anchor_min_count=0))
    np.testing.assert_allclose(alignment.matrix, rotation.T, atol=1e-5)
    assert alignment.report.n_anchors == 200


def test_fit_between_equals_alignment_to(rng):
    target = make_kv(WORDS, 8, rng)
    source = rotated_copy(target, random_orthogonal(8, rng))
    options = AlignOptions(method="linear", ridge=0.1, n_anchors=150, heldout=0.2, seed=3)
    ours = fit_between(source, target, options)
    theirs = source.alignment_to(target, **{k: v for k, v in options.to_dict().items()})
    np.testing.assert_array_equal(ours.matrix, theirs.matrix)
    assert ours.report == theirs.report


# ---- progress
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n, chunk_size", [(1000, 64), (1000, 1000), (999, 100), (0, 10), (5, 1)])
def test_the_progress_callback_sees_every_row_once(rng, dtype, n, chunk_size):
    X = rng.normal(size=(80, 6))
    alignment = fit_alignment(X, X @ random_orthogonal(6, rng), center=True)
    vectors = rng.normal(size=(n, 6)).astype(dtype)
    done = []
    mapped = alignment.apply(vectors, chunk_size=chunk_size, progress=done.append)
    assert sum(done) == n and all(0 < k <= chunk_size for k in done)
    assert len(done) == -(-n // chunk_size)
    # the same map (a chunked product may round differently from the one product in the last bit)
    np.testing.assert_allclose(mapped, alignment.apply(vectors, chunk_size=chunk_size), rtol=1e-6, atol=1e-6)


def test_progress_must_be_callable(rng):
    X = rng.normal(size=(60, 4))
    with pytest.raises(OptionTypeError, match="progress must be None or a callable"):
        fit_alignment(X, X).apply(X, progress=5)


def test_apply_alignment_passes_progress_on(rng):
    target = make_kv(WORDS, 8, rng)
    source = rotated_copy(target, random_orthogonal(8, rng))
    done = []
    source.apply_alignment(source.alignment_to(target), chunk_size=30, progress=done.append)
    assert sum(done) == len(WORDS) and len(done) == 7
# --------------------------------------------------------------------------------------------------------------
# from test_anchors.py
# --------------------------------------------------------------------------------------------------------------


def test_shared_words_most_frequent_in_both_first(rng):
    source = make_kv(["a", "b", "c", "d", "e"], 3, rng, counts=[50, 40, 30, 20, 10])
    target = make_kv(["e", "d", "c", "b", "x"], 3, rng, counts=[100, 90, 80, 70, 60])
    anchors = shared_anchors(source, target, min_count=0)
    # worse rank of (source, target): b=(1,3) c=(2,2) d=(3,1) e=(4,0) -> c(2), b(3), d(3), e(4)
    assert anchors.source_words == ("c", "b", "d", "e")
    assert [source.index_to_key[i] for i in anchors.source_index] == list(anchors.source_words)
    assert [target.index_to_key[i] for i in anchors.target_index] == list(anchors.target_words)


def test_cap_and_min_count(rng):
    source = make_kv(["a", "b", "c"], 3, rng, counts=[100, 50, 3])
    target = make_kv(["a", "b", "c"], 3, rng, counts=[100, 50, 300])
    assert shared_anchors(source, target, min_count=20).source_words == ("a", "b")
    assert shared_anchors(source, target, n_anchors=1, min_count=0).source_words == ("a",)
    with pytest.raises(AnchorError, match="min_count=1000"):
        shared_anchors(source, target, min_count=1000)


def test_vocabulary_order_without_counts(rng):
    source = make_kv(["a", "b", "c"], 3, rng)
    np.testing.assert_array_equal(frequency_ranks(source), [0, 1, 2])
    counted = make_kv(["a", "b", "c"], 3, rng, counts=[1, 9, 9])
    np.testing.assert_array_equal(frequency_ranks(counted), [2, 0, 1])


@pytest.mark.parametrize("spelling", [
    [("a", "A"), ("b", "B")],
    {"a": "A", "b": "B"},
    [["a", "A"], ["b", "B"], ("a", "A")],  # a repeated pair counts once
])
def test_explicit_pair_spellings(rng, spelling):
    source = make_kv(["a", "b"], 3, rng)
    target = make_kv(["B", "A"], 3, rng)
    anchors = pair_anchors(source, target, spelling)
    assert anchors.target_index.tolist() == [1, 0]
    assert len(anchors) == 2


def test_single_words_mean_identical_pairs(rng):
    source, target = make_kv(["a", "b", "c"], 3, rng), make_kv(["c", "a"], 3, rng)
    assert resolve_anchors(source, target, ["a", "c"]).target_index.tolist() == [1, 0]


def test_pair_file(tmp_path, rng):
    path = tmp_path / "pairs.txt"
    path.write_text("# source target\none uno\n\ntwo due\n", encoding="utf8")
    assert read_pairs_file(path) == [("one", "uno"), ("two", "due")]
    anchors = resolve_anchors(make_kv(["one", "two"], 3, rng), make_kv(["due", "uno"], 3, rng), str(path))
    assert anchors.target_words == ("uno", "due")
    path.write_text("one uno extra\n", encoding="utf8")
    with pytest.raises(AnchorError, match="pairs.txt:1: .*two whitespace-separated columns"):
        read_pairs_file(path)
    with pytest.raises(FileNotFoundError):  # what open() raises: users' except clauses keep working
        read_pairs_file(tmp_path / "absent.txt")
    path.write_bytes("caf\xe9 cafe\n".encode("latin-1"))
    with pytest.raises(AnchorFileEncodingError, match="pairs.txt is not valid utf8") as info:
        read_pairs_file(path)
    assert isinstance(info.value, (AnchorError, UnicodeDecodeError)) and info.value.start == 3
    assert read_pairs_file(path, encoding="latin-1") == [("caf\xe9", "cafe")]


def test_no_pair_present(rng):
    with pytest.raises(AnchorError, match="none of the 1 anchor pairs"):
        pair_anchors(make_kv(["a"], 3, rng), make_kv(["b"], 3, rng), [("x", "y")], on_missing="skip")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400), st.sampled_from([0, 5]))
def test_shared_anchors_equal_a_full_scan(seed, n_anchors, min_count):
    # the scan stops early once no unscanned word can make the cut: it must pick what a full scan picks
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(3000)]
    src_words = list(rng.choice(vocab, size=int(rng.integers(1, 2500)), replace=False))
    tgt_words = list(rng.choice(vocab, size=int(rng.integers(1, 2500)), replace=False))
    source = KeyedVectors(2)
    source.add_vectors(src_words, np.ones((len(src_words), 2)))
    target = KeyedVectors(2)
    target.add_vectors(tgt_words, np.ones((len(tgt_words), 2)))
    for kv in (source, target):
        if rng.random() < 0.7:  # counts (with ties), or vocabulary order
            kv.expandos["count"] = rng.integers(1, 50, size=len(kv.index_to_key))
    src_rank, tgt_rank = frequency_ranks(source), frequency_ranks(target)
    src_count, tgt_count = source.expandos.get("count"), target.expandos.get("count")
    full = []
    for i, word in enumerate(source.index_to_key):
        j = target.key_to_index.get(word)
        if j is None:
            continue
        filtered = min_count and src_count is not None and tgt_count is not None
        if filtered and (src_count[i] < min_count or tgt_count[j] < min_count):
            continue
        full.append((max(src_rank[i], tgt_rank[j]), i, word))
    full.sort()
    expected = tuple(word for _, _, word in full[:n_anchors])
    if not expected:
        with pytest.raises(AnchorError, match="share no word|min_count"):
            shared_anchors(source, target, n_anchors=n_anchors, min_count=min_count)
        return
    with mock.patch("gensim_merge.alignment._FIRST_SCAN", 16):  # many chunks, so that the scan can stop early
        assert shared_anchors(source, target, n_anchors=n_anchors, min_count=min_count).source_words == expected
# --------------------------------------------------------------------------------------------------------------
# from test_alignment.py
# --------------------------------------------------------------------------------------------------------------


WORDS_alignment = [f"w{i}" for i in range(300)]


@pytest.fixture
def target(rng):
    # word2vec-like: a shared offset and unequal norms
    kv = make_kv(WORDS_alignment, 16, rng, counts=np.arange(len(WORDS_alignment), 0, -1) * 10)
    kv.vectors = (kv.vectors * rng.uniform(0.5, 3.0, size=(len(WORDS_alignment), 1)) + 0.7).astype(np.float32)
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
    source = make_kv(WORDS_alignment[::-1] + ["only_source"], 16, rng, counts=np.arange(301))
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
    stable = [w for w in WORDS_alignment if w not in shifted]
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
    from gensim_merge import _procrustes

    passes = []
    full_pass = _procrustes.residual_terms

    def counting(A, B, matrix, *, rows=None, **options):
        passes.append(len(A) if rows is None else len(rows))
        return full_pass(A, B, matrix, rows=rows, **options)

    for module in (_procrustes, _procrustes):  # every caller of the residual products
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
        make_kv(WORDS_alignment, 8, rng).align_to(target)


def test_no_shared_words_and_no_pairs(target, rng):
    with pytest.raises(AnchorError, match="share no word.*explicit pairs"):
        make_kv(["zz1", "zz2"], 16, rng).align_to(target)


def test_too_few_anchors(target, rng):
    with pytest.raises(AnchorError, match="at least 2 anchor pairs, got 1"):
        make_kv(["w0", "zz"], 16, rng).align_to(target)


def test_pair_words_missing(target, rng):
    source = make_kv(WORDS_alignment, 16, rng)
    pairs = [("w1", "w1"), ("w2", "w2"), ("nope", "w3")]
    with pytest.raises(AnchorError, match="1 of 3 anchor pairs.*on_missing='skip'"):
        source.align_to(target, anchors=pairs)
    with pytest.warns(UserWarning):
        skipped = source.align_to(target, anchors=pairs, on_missing="skip")
    assert skipped.alignment.report.n_missing == 1


def test_non_finite_vectors(target, rng):
    source = make_kv(WORDS_alignment, 16, rng)
    source.vectors[5, 3] = np.nan
    with pytest.raises(NonFiniteVectorsError, match="'w5'"):
        source.align_to(target)
    nonanchor = make_kv(WORDS_alignment + ["bad"], 16, rng)
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
        make_kv(WORDS_alignment, 16, rng).align_to(target, **kwargs)


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
