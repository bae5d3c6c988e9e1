"""Anchor selection: shared words by frequency, explicit pairs, pair files."""

import numpy as np
import pytest

from gensim_merge import AnchorError
from gensim_merge.anchors import (
    frequency_ranks,
    pair_anchors,
    read_pairs_file,
    resolve_anchors,
    shared_anchors,
)
from tests.conftest import make_kv


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
    with pytest.raises(AnchorError, match="cannot read"):
        read_pairs_file(tmp_path / "absent.txt")


def test_no_pair_present(rng):
    with pytest.raises(AnchorError, match="none of the 1 anchor pairs"):
        pair_anchors(make_kv(["a"], 3, rng), make_kv(["b"], 3, rng), [("x", "y")], on_missing="skip")
