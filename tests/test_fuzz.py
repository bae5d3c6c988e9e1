"""Property tests over model shapes, vocabularies and overlaps (hypothesis).

For any models drawn: align_to, merge and save either succeed or raise a GensimMergeError subclass (nothing
else); the inputs are byte-identical afterwards; a merge holds exactly the union of the inputs' words, with
summed counts and the right provenance; save -> load round-trips exactly (keys, vectors, counts, provenance,
merge report, fitted alignment) in the native and the safetensors formats.
"""

import os
import tempfile
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gensim_merge import MergeableKeyedVectors, merge
from gensim_merge.errors import GensimMergeError
from gensim_merge.io import load_vectors as _load_vectors
from gensim_merge.io import save_vectors

#: Words the models draw from: plain ones and keys that trip text formats and naive code.
POOL = [f"w{i}" for i in range(24)] + ["new york", "café", "cafe\u0301", "\ud800", "😀", "", " ", "tab\t",
                                       "line\nbreak", "0", "None"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def models(draw, n_models=(1, 3)):
    """A list of models of one dimensionality over overlapping vocabularies from POOL."""
    dim = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.float16]))
    with_counts = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(draw(st.integers(*n_models))):
        words = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))
        kv = MergeableKeyedVectors(dim, dtype=dtype)
        vectors = rng.normal(size=(len(words), dim)).astype(dtype)
        if draw(st.booleans()):  # some all-zero rows
            vectors[rng.random(len(words)) < 0.2] = 0
        kv.add_vectors(words, vectors)
        if with_counts:
            kv.expandos["count"] = rng.integers(0, 10 ** 6, size=len(words))
        drawn.append(kv)
    return drawn


def snapshot(kv):
    return (kv.vectors.dtype, kv.vectors.tobytes(), list(kv.index_to_key), dict(kv.key_to_index),
            {k: (v.dtype, v.tobytes()) for k, v in kv.expandos.items()}, list(kv.sources))


def attempt(call):
    """The call's result, or None when it raised one of the package's own errors (anything else fails)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. underdetermined fits
        try:
            return call()
        except GensimMergeError:
            return None


def assert_round_trip(kv):
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("m.kv", "m.safetensors"):
            path = os.path.join(tmp, name)
            save_vectors(kv, path)
            loaded, _ = _load_vectors(path, allow_pickle=True, return_format=True)
            assert loaded.index_to_key == kv.index_to_key
            assert loaded.key_to_index == kv.key_to_index
            assert loaded.vectors.dtype == kv.vectors.dtype
            assert loaded.vectors.tobytes() == kv.vectors.tobytes()
            assert sorted(loaded.expandos) == sorted(kv.expandos)
            for attr, values in kv.expandos.items():
                assert np.array_equal(np.asarray(loaded.expandos[attr]), values)
            assert loaded.sources == kv.sources
            assert loaded.merge_report == kv.merge_report
            if kv.alignment is None:
                assert loaded.alignment is None
            else:
                for part in ("matrix", "source_mean", "target_mean"):
                    assert np.array_equal(getattr(loaded.alignment, part), getattr(kv.alignment, part))
                assert loaded.alignment.scale == kv.alignment.scale
                assert loaded.alignment.method == kv.alignment.method
                assert loaded.alignment.report == kv.alignment.report
            if kv.sources:
                for key in kv.index_to_key[:3]:
                    assert loaded.provenance(key) == kv.provenance(key)


@SETTINGS
@given(models(n_models=(2, 2)), st.sampled_from(["orthogonal", "linear"]), st.booleans())
def test_align_to_raises_only_our_errors_and_never_touches_its_inputs(kvs, method, center):
    source, target = kvs
    before = [snapshot(kv) for kv in kvs]
    aligned = attempt(lambda: source.align_to(target, method=method, center=center, anchor_min_count=0,
                                              heldout=0.2))
    assert [snapshot(kv) for kv in kvs] == before
    if aligned is not None:
        assert aligned.index_to_key == source.index_to_key
        assert aligned.vectors is not source.vectors
        assert np.isfinite(aligned.vectors).all()
        assert_round_trip(aligned)


@SETTINGS
@given(models(), st.sampled_from(["count", "mean", "reference"]), st.booleans(), st.data())
def test_merge_keeps_every_word_exactly_once_and_never_touches_its_inputs(kvs, strategy, align, data):
    names = [f"m{i}" for i in range(len(kvs))]
    reference = data.draw(st.integers(0, len(kvs) - 1))
    before = [snapshot(kv) for kv in kvs]
    merged = attempt(lambda: merge(kvs, names=names, reference=reference, strategy=strategy, align=align,
                                   align_options={"anchor_min_count": 0, "heldout": 0.0}))
    assert [snapshot(kv) for kv in kvs] == before
    if merged is None:
        return
    union = {key for kv in kvs for key in kv.index_to_key}
    assert len(merged.index_to_key) == len(union) == len(merged.key_to_index)  # nothing lost, nothing twice
    assert set(merged.index_to_key) == union  # nothing invented
    assert merged.vectors.shape == (len(union), kvs[0].vector_size)
    assert np.isfinite(merged.vectors).all()
    for key in merged.index_to_key:
        assert merged.provenance(key) == [n for n, kv in zip(names, kvs) if key in kv.key_to_index]
    if "count" in kvs[0].expandos:
        expected = {key: sum(int(kv.get_vecattr(key, "count")) for kv in kvs if key in kv.key_to_index)
                    for key in union}
        assert {key: int(merged.get_vecattr(key, "count")) for key in union} == expected
    if strategy == "reference":  # the reference's words keep its vectors (up to float rounding)
        ref = kvs[reference]
        np.testing.assert_allclose(merged[ref.index_to_key], ref.vectors.astype(merged.vectors.dtype),
                                   rtol=1e-3 if ref.vectors.dtype == np.float16 else 1e-5, atol=1e-6)
    assert_round_trip(merged)


@SETTINGS
@given(models(n_models=(1, 1)))
def test_save_load_round_trip_of_any_model(kvs):
    (kv,) = kvs
    before = snapshot(kv)
    assert_round_trip(kv)
    assert snapshot(kv) == before
