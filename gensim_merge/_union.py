"""The union vocabulary of several models and its merged order, with array-level key handling.

Keys are matched through their Python hashes (computed once per key and cached by Python in every ``str``,
so reading them costs one C-level pass), grouped by one integer sort, and every match is then confirmed by
comparing the keys themselves; should two different keys share a hash (a 1 in 10**7 chance for two 1M-word
vocabularies of strings, certain for the integers -1 and -2) the union is rebuilt with a dict instead. Only
the words a tie could order by key are sorted by key. Nothing here loops over the vocabulary in Python.

>>> u = union_positions([["a", "b"], ["c", "a"]])
>>> len(u.keys), u.keys[u.positions[1]].tolist(), u.holders[u.positions[1]].tolist()
(3, ['c', 'a'], [1, 2])
>>> order = merged_order(u.keys, u.holders, u.in_reference, 2)
>>> u.keys[order].tolist()
['a', 'b', 'c']
"""

from dataclasses import dataclass
from itertools import chain

import numpy as np

__all__ = ["Union", "merged_order", "union_positions", "union_rows"]

#: The hash used to group keys (a module attribute so that tests can force collisions).
_hash = hash


@dataclass(frozen=True, eq=False)
class Union:
    """The union of several key lists.

    Attributes
    ----------
    keys : (n_union,) object ndarray
        Each key of the union once, in no particular order.
    positions : list of int ndarray
        Per input, the union index of each of its rows (``keys[positions[i]]`` are input ``i``'s keys).
    in_reference : (n_union,) int64 ndarray
        Row of each union key in the reference input, or the reference's length where it has none.
    holders : (n_union,) int64 ndarray
        How many inputs hold each key.
    """

    keys: np.ndarray
    positions: list
    in_reference: np.ndarray
    holders: np.ndarray


def union_positions(key_lists, reference=0):
    """The union of `key_lists` (each without duplicates) and where each input's rows land in it.

    Parameters
    ----------
    key_lists : sequence of list
        One list of hashable keys per input; no list may hold a key twice.
    reference : int, optional
        The input whose rows :attr:`Union.in_reference` gives.

    Returns
    -------
    Union
    """
    sizes = [len(keys) for keys in key_lists]
    total = sum(sizes)
    keys = np.fromiter(chain.from_iterable(key_lists), dtype=object, count=total)
    hashes = np.fromiter(map(_hash, chain.from_iterable(key_lists)), dtype=np.int64, count=total)
    order = np.argsort(hashes)
    sorted_hashes = hashes[order]
    del hashes
    new_group = np.empty(total, dtype=bool)
    new_group[:1] = True
    np.not_equal(sorted_hashes[1:], sorted_hashes[:-1], out=new_group[1:])
    del sorted_hashes
    starts = np.flatnonzero(new_group)
    group = np.empty(total, dtype=np.int64)
    group[order] = np.cumsum(new_group) - 1
    del new_group
    first = np.minimum.reduceat(order, starts)  # lowest row of each group in the concatenation
    del order, starts
    representative = first[group]
    repeated = np.flatnonzero(representative != np.arange(total))
    if repeated.size and not (keys[repeated] == keys[representative[repeated]]).all():
        return _union_by_dict(key_lists, reference)  # two different keys share a hash
    return _finish(keys[first], np.split(group, np.cumsum(sizes)[:-1]), reference)


def union_rows(key_lists):
    """The union of several key lists in first-seen order and, per list, each key's row in it.

    :func:`union_positions` with the union put in the order its keys are first met (the list of an ensemble's
    reference first).

    Parameters
    ----------
    key_lists : sequence of list
        One list of hashable keys per input; no list may hold a key twice.

    Returns
    -------
    (list, list of (n_i,) int64 ndarray)

    Examples
    --------
    >>> keys, rows = union_rows([["a", "b"], ["b", "c"]])
    >>> keys, [r.tolist() for r in rows]
    (['a', 'b', 'c'], [[0, 1], [1, 2]])
    """
    union = union_positions(key_lists)
    everywhere = np.concatenate([np.asarray(p, dtype=np.int64) for p in union.positions])
    first = np.full(len(union.keys), everywhere.size, dtype=np.int64)
    np.minimum.at(first, everywhere, np.arange(everywhere.size))
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return union.keys[order].tolist(), [rank[np.asarray(p, dtype=np.int64)] for p in union.positions]


def _finish(keys, positions, reference):
    n_union = len(keys)
    in_reference = np.full(n_union, len(positions[reference]), dtype=np.int64)
    in_reference[positions[reference]] = np.arange(len(positions[reference]))
    holders = np.zeros(n_union, dtype=np.int64)
    for pos in positions:
        holders[pos] += 1  # unique within one input, so fancy-index += is exact
    return Union(keys=keys, positions=positions, in_reference=in_reference, holders=holders)


def _union_by_dict(key_lists, reference):
    """The exact union through a dict (the fallback when two different keys share a hash)."""
    index = {}
    positions = []
    for keys in key_lists:
        positions.append(np.fromiter((index.setdefault(key, len(index)) for key in keys), dtype=np.int64,
                                     count=len(keys)))
    return _finish(np.fromiter(index, dtype=object, count=len(index)), positions, reference)


def merged_order(keys, counts, in_reference, n_reference):
    """The merged model's order: `counts` descending, ties by `in_reference`, then by key.

    Parameters
    ----------
    keys : (n,) object ndarray
    counts : (n,) int64 ndarray
    in_reference : (n,) int64 ndarray
        Each word's row in the reference, `n_reference` for the words it lacks.
    n_reference : int
        The reference's length. Only the words it lacks can tie on both counts and `in_reference`; they
        alone are sorted by key (their keys must be mutually comparable).

    Returns
    -------
    (n,) intp ndarray
        The permutation of the union that gives the merged order.

    Examples
    --------
    >>> keys = np.array(["b", "a", "c", "d"], dtype=object)
    >>> merged_order(keys, np.array([5, 5, 5, 9]), np.array([2, 2, 0, 1]), 2).tolist()
    [3, 2, 1, 0]
    """
    tie_rank = in_reference.copy()  # the reference's row; after them, the other words by key
    outside = np.flatnonzero(in_reference == n_reference)
    if outside.size > 1:
        outside_keys = keys[outside].tolist()
        by_key = sorted(range(len(outside_keys)), key=outside_keys.__getitem__)
        tie_rank[outside[by_key]] += np.arange(len(by_key))
    return np.lexsort((tie_rank, -counts))
