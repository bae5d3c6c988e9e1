"""The pure arithmetic of combining estimates (gensim_merge._estimates), checked by properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge._estimates import accumulate, check_rules, combine_groups, histogram
from gensim_merge._union import union_rows
from gensim_merge.errors import OptionError

key_lists = st.lists(st.lists(st.sampled_from([f"k{i}" for i in range(30)]), unique=True, max_size=30),
                     min_size=1, max_size=5)


@given(key_lists)
def test_union_rows_maps_every_key_to_itself(lists):
    keys, rows = union_rows(lists)
    assert len(set(keys)) == len(keys) == len({k for keys_i in lists for k in keys_i})
    for keys_i, rows_i in zip(lists, rows):
        assert [keys[r] for r in rows_i] == keys_i


@settings(max_examples=30)
@given(st.integers(1, 40), st.integers(1, 7), st.integers(0, 1000))
def test_accumulate_in_chunks_equals_one_pass(n, chunk, seed):
    rng = np.random.default_rng(seed)
    vectors, weights = rng.normal(size=(n, 3)), rng.uniform(0.5, 2, n)
    rows = rng.permutation(n + 5)[:n]
    whole = [np.zeros((n + 5, 3)), np.zeros(n + 5)]
    parts = [np.zeros((n + 5, 3)), np.zeros(n + 5)]
    accumulate(*whole, rows, vectors, weights, chunk_size=10**6)
    accumulate(*parts, rows, vectors, weights, chunk_size=chunk)
    np.testing.assert_allclose(parts[0], whole[0])
    np.testing.assert_allclose(whole[0][rows], vectors * weights[:, None])
    np.testing.assert_allclose(whole[1][rows], weights)
    before = vectors.copy()
    accumulate(*whole, rows, vectors, weights, transform=lambda block: block * 2)
    np.testing.assert_array_equal(vectors, before)  # the input is never written


@settings(max_examples=30)
@given(st.integers(2, 30), st.integers(0, 1000))
def test_combine_groups_follows_each_groups_rule(n, seed):
    rng = np.random.default_rng(seed)
    base, other = rng.normal(size=(n, 4)), rng.normal(size=(n, 4))
    wb, wo = rng.integers(1, 50, n), rng.integers(1, 50, n)
    groups = rng.integers(0, 3, n)
    rows = np.where(rng.random(n) < 0.7, rng.permutation(n), -1)
    vectors, used = combine_groups(base, wb, other, rows, wo, groups=groups,
                                   rules={0: "keep", 1: "evidence", 2: "mean"})
    for i, r in enumerate(rows):
        if r < 0 or groups[r] == 0:
            continue
        share = wo[i] / (wb[r] + wo[i]) if groups[r] == 1 else 0.5
        np.testing.assert_allclose(vectors[r], (1 - share) * base[r] + share * other[i])
    combined = {r for i, r in enumerate(rows) if r >= 0 and groups[r] != 0}
    assert set(np.flatnonzero(used)) == combined
    untouched = [r for r in range(n) if r not in combined]
    np.testing.assert_array_equal(vectors[untouched], base[untouched])


def test_histogram_and_rules():
    assert histogram(np.array([1, 1, 3])) == {"all": {"1": 2, "3": 1}}
    assert check_rules({"added": "mean"}, {"added": "evidence", "shared": "keep"}) == {"added": "mean",
                                                                                       "shared": "keep"}
    with pytest.raises(OptionError, match="unknown word group"):
        check_rules({"B-only": "keep"}, {"added": "evidence"})
    with pytest.raises(OptionError, match="must be a dict"):
        check_rules(["keep"], {"added": "evidence"})
