"""The one table of options (``gensim_merge._validation.OPTIONS``): every option bounded, checked before any work.

A property test over the extremes of every option of the table; then every option refused through its entry
point before any training or fit starts (spies that fail the test if called); the table against the entry
points' signatures; the linear map's ridge; the command line's refusals of the values that crashed or hung.
"""

import inspect
import math
from unittest import mock

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec
from gensim.test.utils import common_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge import MergeableKeyedVectors, merge
from gensim_merge._validation import OPTIONS, RIDGE_PER_SQUARED_NORM
from gensim_merge.alignment import Alignment, AlignOptions, fit_alignment, shared_anchors
from gensim_merge.continuation import continue_fasttext, continue_training
from gensim_merge.ensembles import ensemble_vectors
from gensim_merge.errors import OptionError, OptionTypeError
from gensim_merge.evaluation import closeness, neighbour_overlap, similarity_correlation, standard_scores
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import save_vectors
from gensim_merge.merging import merge_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

ROWS = [(entry, name) for entry, table in OPTIONS.items() for name in table]
NUMBERS = [(entry, name) for entry, name in ROWS if OPTIONS[entry][name].kind in ("integer", "real")]
WORDS = [f"w{i}" for i in range(120)]


def _inside(option):
    """A strategy of values inside the option's range, its bounds included (where they are closed)."""
    if option.kind == "integer":
        values = st.sampled_from([option.low, option.high]) | st.integers(option.low, option.high)
    elif option.kind == "real":
        values = st.floats(option.low, option.high, exclude_min=option.low_open, exclude_max=option.high_open)
        closed = [b for b, is_open in ((option.low, option.low_open), (option.high, option.high_open)) if not is_open]
        values = values | st.sampled_from(closed) if closed else values
    elif option.kind == "bool":
        values = st.sampled_from([True, False, np.bool_(True)])
    else:
        values = st.sampled_from(option.choices)
    return values | st.none() if option.none else values


def _outside(option):
    """Values every check must refuse: past each bound, the extremes, NaN/inf, wrong types."""
    wrong_types = ["1", [1], b"1", object(), 1j]
    if option.kind == "integer":
        return [option.low - 1, option.high + 1, 10**20, -(10**20), -1 if option.low > -1 else option.high + 2,
                1e20, 1e38, 1.5, float(option.low), math.nan, math.inf, True, False, np.bool_(True),
                *wrong_types, *([] if option.none else [None])]
    if option.kind == "real":
        below = option.low if option.low_open else option.low - max(1e-9, abs(option.low) * 1e-9)
        above = option.high if option.high_open else option.high * (1 + 1e-9) + 1e-9
        return [below, above, 1e20, 1e38, 1e308, -1e20, -1 if option.low > -1 else option.high + 1, math.nan,
                math.inf, -math.inf, True, False, *wrong_types, *([] if option.none else [None])]
    if option.kind == "bool":
        return [0, 1, "True", None, 1.0, *wrong_types]
    return ["bogus", "", None, 1, True, [option.choices[0]], option.choices[0].upper() + "!"]


# ---- the checker, over the extremes of every option


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_value_inside_every_options_range_is_accepted_as_a_python_value(data):
    entry, name = data.draw(st.sampled_from(ROWS))
    option = OPTIONS[entry][name]
    value = data.draw(_inside(option))
    checked = option.check(value, name)
    if value is None:
        assert checked is None
    else:
        assert checked == value
        assert type(checked) is {"integer": int, "real": float, "bool": bool, "choice": str}[option.kind]


@pytest.mark.parametrize("entry, name", ROWS)
def test_every_value_outside_an_options_range_is_refused_with_the_one_message(entry, name):
    option = OPTIONS[entry][name]
    for value in _outside(option):
        with pytest.raises(OptionError) as info:
            option.check(value, name)
        message = str(info.value)
        assert message.startswith(f"{name} must be {option.allowed()}, got "), message
        assert (info.value.option, info.value.allowed) == (name, option.allowed())
        wrong_type = isinstance(value, (bool, np.bool_, str, list, bytes, object)) and not (
            isinstance(value, (int, float)) and not isinstance(value, bool)) and value is not None
        if option.kind in ("integer", "real") and wrong_type:
            assert type(info.value) is OptionTypeError, (value, message)


@pytest.mark.parametrize("entry, name", NUMBERS)
def test_every_number_has_both_bounds(entry, name):
    option = OPTIONS[entry][name]
    assert option.low is not None and option.high is not None
    assert math.isfinite(option.low) and math.isfinite(option.high) and option.low < option.high


@pytest.mark.parametrize("entry, name", ROWS)
def test_every_default_is_allowed(entry, name):
    option = OPTIONS[entry][name]
    assert option.check(option.default, name) == option.default


def test_align_options_take_their_defaults_and_ranges_from_the_table():
    defaults = AlignOptions()
    for name, option in OPTIONS["align"].items():
        assert getattr(defaults, name) == option.default
        assert AlignOptions.allowed(name) == option.allowed()


# ---- the table against the entry points


def _entry_points():
    return {
        "fit_alignment": [fit_alignment],
        "shared_anchors": [shared_anchors],
        "apply": [Alignment.apply, MergeableKeyedVectors.apply_alignment, MergeableKeyedVectors.align_to,
                  MergeableFastTextKeyedVectors.apply_alignment, MergeableFastTextKeyedVectors.align_to],
        "merge": [merge, merge_vectors, MergeableKeyedVectors.merge_with, MergeableFastTextKeyedVectors.merge_with],
        "ensemble": [ensemble_vectors, MergeableKeyedVectors.ensemble],
        "continue_training": [continue_training, MergeableKeyedVectors.continue_from],
        "continue_fasttext": [continue_fasttext, MergeableFastTextKeyedVectors.continue_from],
        "closeness": [closeness, neighbour_overlap, similarity_correlation],
        "standard_scores": [standard_scores],
        "word2vec_kwargs": [Word2Vec.__init__],
    }


#: Parameters with a number or bool default that are not options of the table: an index into the models given.
NOT_OPTIONS = {"reference", "copy", "allow_inference"}


@pytest.mark.parametrize("entry", sorted(_entry_points()))
def test_every_number_or_switch_of_an_entry_point_is_in_its_table_with_the_same_default(entry):
    table = {**OPTIONS[entry], **(OPTIONS["align"] if entry == "apply" else {})}
    seen = set()
    for function in _entry_points()[entry]:
        parameters = inspect.signature(function).parameters
        seen |= set(parameters)
        for name, parameter in parameters.items():
            default = parameter.default
            numeric = isinstance(default, (bool, int, float)) or name in table
            if not numeric or name in NOT_OPTIONS or (entry == "word2vec_kwargs" and name not in table):
                continue
            assert name in table, (entry, function.__qualname__, name)
            if entry == "apply" and name in OPTIONS["align"]:
                assert default == OPTIONS["align"][name].default, (function.__qualname__, name)
            else:
                assert default == table[name].default, (entry, function.__qualname__, name)
    assert set(OPTIONS[entry]) <= seen  # no row of the table names an option its entry points do not take


# ---- every option refused through its entry point before any work


@pytest.fixture(scope="module")
def corpus():
    return [list(sentence) for sentence in common_texts] * 3


@pytest.fixture(scope="module")
def w2v(corpus):
    return Word2Vec(corpus, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)


@pytest.fixture(scope="module")
def fasttext(corpus):
    return FastText(corpus, vector_size=8, min_count=1, bucket=200, workers=1, seed=1, epochs=1)


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    a = make_kv(WORDS, 8, rng, counts=np.arange(1200, 0, -10))
    return a, rotated_copy(a, random_orthogonal(8, rng))


def _fail(what):
    return mock.Mock(side_effect=AssertionError(f"{what} started: the option was not refused first"))


def _call(entry, name, value, w2v, fasttext, corpus, pair):
    """Call `entry`'s public function with option `name` set to `value`, work spied on; returns the spies."""
    a, b = pair
    spies = {}

    def spy(target, what):
        spies[target] = mock.patch(target, _fail(what))

    kwargs = {name: value}
    if entry in ("align", "apply"):
        spy("gensim_merge.alignment.resolve_anchors", "anchor resolution")
        if name == "ridge":
            kwargs["method"] = "linear"
        run = lambda: a.align_to(b, **kwargs)
    elif entry == "fit_alignment":
        spy("gensim_merge.alignment.robust_fit", "the fit")
        if name == "ridge":
            kwargs["method"] = "linear"
        run = lambda: fit_alignment(a.vectors, b.vectors, **kwargs)
    elif entry == "shared_anchors":
        spy("gensim_merge.alignment._scan_shared", "the anchor scan")
        run = lambda: shared_anchors(a, b, **kwargs)
    elif entry == "merge" and name == "bucket_weights":
        spy("gensim_merge.merging.fit_between", "the fit")
        ft = MergeableFastTextKeyedVectors.from_fasttext(fasttext)
        run = lambda: ft.merge_with(fasttext.wv, **kwargs)
    elif entry == "merge":
        spy("gensim_merge.merging.fit_between", "the fit")
        run = lambda: merge([a, b], **kwargs)
    elif entry == "ensemble":
        spy("gensim_merge.ensembles.fit_between", "the fit")
        run = lambda: ensemble_vectors([a, b], **kwargs)
    elif entry in ("continue_training", "word2vec_kwargs"):
        spy("gensim.models.word2vec.Word2Vec.train", "training")
        spy("gensim.models.word2vec.Word2Vec.build_vocab", "the vocabulary scan")
        spy("gensim_merge.continuation.model_from_vectors", "the warm-start model")
        if entry == "word2vec_kwargs":
            run = lambda: continue_training(a, corpus, word2vec_kwargs=kwargs)
        else:
            run = lambda: continue_training(w2v, corpus, **kwargs)
    elif entry == "continue_fasttext":
        spy("gensim.models.fasttext.FastText.train", "training")
        spy("gensim.models.fasttext.FastText.build_vocab", "the vocabulary scan")
        run = lambda: continue_fasttext(fasttext, corpus, **kwargs)
    elif entry == "closeness":
        run = lambda: closeness(object(), object(), **kwargs)
    else:
        run = lambda: standard_scores(object(), **kwargs)
    return run, list(spies.values())


def _bad_values(option):
    """A few of the values that crashed, ran away or were accepted before: each end's extreme and a wrong type."""
    if option.kind == "integer":
        return [10**20, option.low - 1, True]
    if option.kind == "real":
        return [1e38, math.nan, -1e20]
    if option.kind == "bool":
        return ["yes"]
    return ["bogus"]


@pytest.mark.parametrize("entry, name", ROWS)
def test_every_option_is_refused_through_its_entry_point_before_any_work(entry, name, w2v, fasttext, corpus, pair):
    for value in _bad_values(OPTIONS[entry][name]):
        run, patches = _call(entry, name, value, w2v, fasttext, corpus, pair)
        for patch in patches:
            patch.start()
        try:
            with pytest.raises(OptionError, match=rf"{name}\W* must be "):
                run()
        finally:
            for patch in patches:
                patch.stop()


def test_the_continuation_refuses_unknown_or_training_word2vec_kwargs_before_any_work(pair, corpus):
    with mock.patch("gensim_merge.continuation.model_from_vectors", _fail("the warm-start model")):
        for kwargs in ({"sentences": corpus}, {"corpus_file": "c.txt"}, {"windw": 5}):
            with pytest.raises(OptionTypeError, match="word2vec_kwargs cannot hold"):
                continue_training(pair[0], corpus, word2vec_kwargs=kwargs)


def test_a_default_read_from_the_source_model_is_held_to_the_same_range(w2v, corpus):
    crafted = Word2Vec(vector_size=8, min_count=1, workers=1)
    crafted.__dict__.update({k: v for k, v in w2v.__dict__.items() if k not in ("alpha",)})
    crafted.alpha = 1e38  # e.g. read from a file
    with mock.patch("gensim.models.word2vec.Word2Vec.train", _fail("training")), \
            pytest.raises(OptionError, match=r"the source model's alpha \(pass alpha=...\) must be"):
        continue_training(crafted, corpus)


def test_members_and_seed_together_stay_within_32_bit_seeds(w2v, corpus):
    with pytest.raises(OptionError, match="seed must be an integer in"):
        continue_training(w2v, corpus, members=3, seed=2**32 - 2)


# ---- the ridge of a linear map


def test_a_huge_ridge_is_refused_instead_of_mapping_every_vector_to_zero():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 6))
    for ridge in (1e308, 1e30):
        with pytest.raises(OptionError, match="ridge"):
            fit_alignment(X @ random_orthogonal(6, rng), X, method="linear", ridge=ridge)
    # inside the table's range but so far above the anchors' own scale that the map would vanish
    with pytest.raises(OptionError, match=r"ridge=1e\+12 is more than 1e\+08 times the fitted anchors'"):
        fit_alignment(X * 1e-3, X, method="linear", ridge=1e12, normalize=False)


@settings(max_examples=40, deadline=None)
@given(scale=st.sampled_from([1e-6, 1e-3, 1.0, 1e3]), normalize=st.booleans(), center=st.booleans(),
       share=st.floats(0, 1))
def test_no_ridge_that_is_accepted_collapses_the_map(scale, normalize, center, share):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 6)) * scale
    source = (X @ random_orthogonal(6, rng)).astype(np.float32)
    ridge = share * 1e12
    try:
        alignment = fit_alignment(source, X.astype(np.float32), method="linear", ridge=ridge, normalize=normalize,
                                  center=center, heldout=0)
    except OptionError as err:
        assert err.option == "ridge"
        return
    mapped = alignment.apply(source) - (alignment.target_mean if center else 0)
    lengths = np.linalg.norm(mapped.astype(np.float64), axis=1)
    assert np.isfinite(lengths).all() and lengths.min() > 0
    assert np.median(lengths) > 1e-3 * np.median(np.linalg.norm(X, axis=1))
    assert alignment.report.mean_cosine > 0.5


def test_the_fit_bound_is_the_documented_multiple_of_the_anchors_squared_norm():
    X = np.eye(4).repeat(10, axis=0)  # 40 unit anchors: total squared norm 40
    fit_alignment(X, X, method="linear", ridge=RIDGE_PER_SQUARED_NORM * 40 * 0.99, heldout=0, trim=False)
    with pytest.raises(OptionError, match="use ridge <= 4e"):
        fit_alignment(X, X, method="linear", ridge=RIDGE_PER_SQUARED_NORM * 40 * 1.01, heldout=0, trim=False)


# ---- the command line refuses, from the library's checks, before any work


@pytest.fixture
def files(tmp_path, w2v, corpus, pair):
    model = tmp_path / "full.model"
    w2v.save(str(model))
    text = tmp_path / "corpus.txt"
    text.write_text("\n".join(" ".join(s) for s in corpus) + "\n", encoding="utf8")
    vectors = tmp_path / "vectors.safetensors"
    save_vectors(pair[0], vectors)
    target = tmp_path / "target.safetensors"
    save_vectors(pair[1], target)
    return tmp_path, model, text, vectors, target


@pytest.mark.parametrize("flags", [
    ["--alpha", "1e38"], ["--epochs", str(10**20)], ["--workers", str(10**20)], ["--min-alpha", "1e38"],
    ["--min-count", str(10**20)],
])
def test_the_cli_continue_refuses_what_crashed_or_ran_away(run_main, files, flags):
    tmp, model, text, _, _ = files
    out = tmp / "out.safetensors"
    with mock.patch("gensim.models.word2vec.Word2Vec.train", _fail("training")):
        code, _, err = run_main("continue", model, text, "-o", out, "--allow-pickle", *flags)
    assert code != 0
    assert f"{flags[0]} must be " in err.strip().splitlines()[-1], err
    assert not out.exists()


@pytest.mark.parametrize("flags", [["--window", str(10**20)], ["--negative", str(10**20)],
                                   ["--warm-start-epochs", str(10**20)], ["--members", str(10**20)]])
def test_the_cli_warm_start_refuses_what_hung_or_ran_away(run_main, files, flags):
    tmp, _, text, vectors, _ = files
    out = tmp / "out.safetensors"
    with mock.patch("gensim.models.word2vec.Word2Vec.train", _fail("training")), \
            mock.patch("gensim_merge.continuation.model_from_vectors", _fail("the warm-start model")):
        code, _, err = run_main("continue", vectors, text, "-o", out, *flags)
    assert code != 0
    assert flags[0].lstrip("-") in err.strip().splitlines()[-1] and "must be" in err, err
    assert not out.exists()


def test_the_cli_align_refuses_a_ridge_that_maps_everything_to_zero(run_main, files):
    tmp, _, _, vectors, target = files
    out = tmp / "aligned.safetensors"
    with mock.patch("gensim_merge.alignment.robust_fit", _fail("the fit")):
        code, _, err = run_main("align", vectors, target, "-o", out, "--method", "linear", "--ridge", "1e308")
    assert code != 0
    assert err.strip().splitlines()[-1].endswith("--ridge must be in [0, 1e+12], got 1e+308"), err
    assert not out.exists()
