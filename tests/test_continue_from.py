"""MergeableKeyedVectors.continue_from: the thin front of continuation.continue_training."""

import inspect

import numpy as np
import pytest
from gensim.models import Word2Vec
from gensim.test.utils import common_texts

from gensim_merge import CorpusError, MergeableKeyedVectors
from gensim_merge.continuation import continue_training


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


def test_unknown_option_is_a_type_error(old):
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        MergeableKeyedVectors.continue_from(old, common_texts, epoch=3)


def test_signature_shows_every_option_of_continue_training():
    """Issue 11 §7: no **options hiding the parameters from help() and IDEs; same names and defaults."""
    front = inspect.signature(MergeableKeyedVectors.continue_from).parameters
    back = inspect.signature(continue_training).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in front.values())
    assert list(front) == list(back)
    for name, param in back.items():
        assert front[name].kind == param.kind, name
        assert front[name].default == param.default, name
    doc = MergeableKeyedVectors.continue_from.__doc__
    assert all(f"{name} :" in doc or f"{name}," in doc for name in back), "every parameter documented"


def test_options_reach_continue_training(old, monkeypatch):
    from gensim_merge import continuation

    seen = {}
    real = continuation.continue_training

    def spy(source, corpus=None, **kwargs):
        seen.update(kwargs)
        return real(source, corpus, **kwargs)

    monkeypatch.setattr(continuation, "continue_training", spy)
    rehearsal = common_texts[:2]
    MergeableKeyedVectors.continue_from(old, common_texts[5:], epochs=2, alpha=0.02, min_alpha=0.001, min_count=1,
                                        min_count_rule="new", resort=False, rehearsal=rehearsal, workers=1)
    assert seen["epochs"] == 2 and seen["alpha"] == 0.02 and seen["min_alpha"] == 0.001
    assert seen["min_count"] == 1 and seen["min_count_rule"] == "new" and seen["resort"] is False
    assert seen["rehearsal"] is rehearsal and seen["workers"] == 1 and seen["inplace"] is False


def test_corpus_of_strings_is_refused(old):
    with pytest.raises(CorpusError):
        MergeableKeyedVectors.continue_from(old, ["human interface computer", "graph trees"])
