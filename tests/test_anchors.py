"""Anchor selection: shared words by frequency, explicit pairs, pair files."""

from unittest import mock

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge import AnchorError, AnchorFileEncodingError
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
    with mock.patch("gensim_merge.anchors._FIRST_SCAN", 16):  # many chunks, so that the scan can stop early
        assert shared_anchors(source, target, n_anchors=n_anchors, min_count=min_count).source_words == expected
