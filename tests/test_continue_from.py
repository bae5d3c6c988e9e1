"""MergeableKeyedVectors.continue_from: the thin front of continuation.continue_training."""

import numpy as np
import pytest
from gensim.models import Word2Vec
from gensim.test.utils import common_texts

from gensim_merge import CorpusError, MergeableKeyedVectors


@pytest.fixture
def old():
    return Word2Vec(common_texts[:5], vector_size=8, min_count=1, workers=1, seed=1, epochs=3)


def test_returns_vectors_with_the_continued_model(old):
    before = old.wv.vectors.copy(), list(old.wv.index_to_key), old.syn1neg.copy()
    new = MergeableKeyedVectors.continue_from(old, common_texts[5:], epochs=2)
    assert type(new) is MergeableKeyedVectors
    assert {"trees", "graph", "minors"} <= set(new.index_to_key)
    assert set(old.wv.index_to_key) <= set(new.index_to_key)
    assert np.shares_memory(new.vectors, new.model.wv.vectors)
    assert new.continuation_report is not None
    # the source is untouched
    np.testing.assert_array_equal(old.wv.vectors, before[0])
    assert old.wv.index_to_key == before[1]
    np.testing.assert_array_equal(old.syn1neg, before[2])
    # and the result can be continued again
    again = MergeableKeyedVectors.continue_from(new.model, [["trees", "human", "brand_new"]] * 3, epochs=1)
    assert "brand_new" in again and "brand_new" not in new


def test_unknown_option_names_the_known_ones(old):
    with pytest.raises(TypeError, match="unknown option.*'epoch'.*'epochs'"):
        MergeableKeyedVectors.continue_from(old, common_texts, epoch=3)


def test_corpus_of_strings_is_refused(old):
    with pytest.raises(CorpusError):
        MergeableKeyedVectors.continue_from(old, ["human interface computer", "graph trees"])
