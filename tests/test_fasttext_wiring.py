"""fastText files through the package's front doors: load_vectors, gensim_merge.merge, save_vectors, the command."""

import numpy as np
import pytest
from gensim.models import FastText
from gensim.test.utils import common_texts

from gensim_merge import (
    IncompatibleModelError,
    MergeableFastTextKeyedVectors,
    ModelFileError,
    cli,
    load_vectors,
    merge,
    save_vectors,
)
from tests.conftest import make_kv


@pytest.fixture(scope="module")
def two_models():
    return [FastText(common_texts * 20, vector_size=8, min_count=1, bucket=500, workers=1, epochs=2, seed=seed).wv
            for seed in (1, 2)]


def test_merge_of_fasttext_models_keeps_the_buckets(two_models):
    merged = merge(two_models, names=["a", "b"])
    assert isinstance(merged, MergeableFastTextKeyedVectors) and merged.vectors_ngrams.shape == (500, 8)
    assert merged.provenance("human") == ["a", "b"]
    assert np.isfinite(merged.get_vector("never-seen-word")).all()


def test_mixed_inputs_are_refused(two_models, rng):
    plain = make_kv(["human", "system"], 8, rng)
    with pytest.raises(IncompatibleModelError, match="fastText models"):
        merge([two_models[0], plain])


def test_save_vectors_keeps_the_buckets_or_refuses(two_models, tmp_path):
    assert save_vectors(two_models[0], tmp_path / "a.wv") == "native"
    loaded = load_vectors(tmp_path / "a.wv", allow_pickle=True)
    assert isinstance(loaded, MergeableFastTextKeyedVectors)
    np.testing.assert_allclose(loaded.get_vector("never-seen"), two_models[0].get_vector("never-seen"), rtol=1e-6)
    assert save_vectors(two_models[0], tmp_path / "a.safetensors") == "safetensors"  # pickle-free, buckets kept
    loaded = load_vectors(tmp_path / "a.safetensors")
    assert isinstance(loaded, MergeableFastTextKeyedVectors)
    np.testing.assert_array_equal(loaded.get_vector("never-seen"), two_models[0].get_vector("never-seen"))
    with pytest.raises(ModelFileError, match="buckets"):
        save_vectors(two_models[0], tmp_path / "a.txt")
    assert not (tmp_path / "a.txt").exists()


def test_command_line_merges_fasttext_files(two_models, tmp_path, capsys):
    paths = []
    for i, kv in enumerate(two_models):
        kv.save(str(tmp_path / f"m{i}.wv"))
        paths.append(str(tmp_path / f"m{i}.wv"))
    code = cli.main(["merge", *paths, "-o", str(tmp_path / "merged.wv"), "--allow-pickle"])
    assert code == 0, capsys.readouterr().err
    merged = load_vectors(tmp_path / "merged.wv", allow_pickle=True)
    assert isinstance(merged, MergeableFastTextKeyedVectors) and merged.bucket == 500


def test_continue_from_shows_every_option_of_the_function_it_fronts():
    import inspect

    from gensim_merge.fasttext_continuation import continue_fasttext

    front = inspect.signature(MergeableFastTextKeyedVectors.continue_from).parameters
    core = inspect.signature(continue_fasttext).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in front.values())
    assert {name: p.default for name, p in front.items() if name != "cls"} == \
        {name: p.default for name, p in core.items()}


def test_command_line_aligns_a_fasttext_model_with_a_progress_count(two_models, tmp_path, capsys):
    paths = []
    for i, kv in enumerate(two_models):
        kv.save(str(tmp_path / f"a{i}.wv"))
        paths.append(str(tmp_path / f"a{i}.wv"))
    code = cli.main(["align", *paths, "-o", str(tmp_path / "aligned.wv"), "--allow-pickle", "--anchor-min-count", "1"])
    assert code == 0, capsys.readouterr().err
    aligned = load_vectors(tmp_path / "aligned.wv", allow_pickle=True)
    assert isinstance(aligned, MergeableFastTextKeyedVectors) and aligned.alignment is not None
    steps = []
    MergeableFastTextKeyedVectors.from_keyed_vectors(two_models[0]).apply_alignment(aligned.alignment,
                                                                                    progress=steps.append)
    assert sum(steps) == 2 * len(two_models[0]) + two_models[0].bucket
