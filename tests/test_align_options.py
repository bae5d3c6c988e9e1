"""One definition of the alignment options (AlignOptions), checked at the boundary, and fit_between."""

import inspect
import math
from unittest import mock

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge import MergeableKeyedVectors, merge
from gensim_merge.alignment import AlignOptions, fit_alignment, fit_between
from gensim_merge.anchors import pair_anchors, resolve_anchors, shared_anchors
from gensim_merge.errors import AnchorError, OptionError, OptionTypeError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.report_html import alignment_report_html
from tests.conftest import make_kv, random_orthogonal, rotated_copy

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


@pytest.mark.parametrize("call, match", [
    (lambda s, t: shared_anchors(s, t, n_anchors=-5), r"n_anchors must be None or an integer in \[1, 1_000_000_000\], got -5"),
    (lambda s, t: shared_anchors(s, t, n_anchors=0), "n_anchors must be"),
    (lambda s, t: shared_anchors(s, t, min_count=-1), r"min_count must be an integer in \[0, 1_000_000_000_000\], got -1"),
    (lambda s, t: resolve_anchors(s, t, ["w1"], n_anchors=-5), "n_anchors must be"),
    (lambda s, t: resolve_anchors(s, t, on_missing="ignore"), "on_missing must be one of"),
    (lambda s, t: fit_alignment(s.vectors, t.vectors, max_rounds=0), r"max_rounds must be an integer in \[1, 1000\]"),
    (lambda s, t: fit_alignment(s.vectors, t.vectors, n_shifted=-1), r"n_shifted must be an integer in \[0, 1_000_000\]"),
    (lambda s, t: fit_alignment(s.vectors, t.vectors, heldout=1.0), r"heldout must be in \[0, 1\), got 1.0"),
    (lambda s, t: fit_between(s, t, {"trim_threshold": 0}), r"trim_threshold must be in \(0, 1000\]"),
])
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
