"""A continued model merged with its new corpus's own model must not count that corpus twice (issue 13)."""

import numpy as np
import pytest
from gensim.models import Word2Vec
from gensim.test.utils import common_texts

from gensim_merge import MergeableKeyedVectors, OptionError, merge


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
