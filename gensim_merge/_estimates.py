"""Combining independent estimates of the same words: pure array functions, no model class.

Two trainings of word2vec never agree exactly; averaging two independent estimates of a word (after aligning
them into one space) cancels part of the noise each carries. This module holds the arithmetic shared by
:func:`gensim_merge.ensemble` (models of one corpus, several seeds) and by continued training that is given
more estimates (``continue_training(..., members=k, new_model=...)``):

* :func:`accumulate` — add one member's aligned vectors, weighted per word, into a running sum (streaming:
  one member at a time, `chunk_size` rows at a time, so memory-mapped inputs are never copied whole);
* :func:`combine_groups` — combine a base estimate with a second one, word group by word group, each group
  with its own rule (``"keep"``, ``"evidence"``, ``"mean"``);
* :func:`histogram` — how many words had 1, 2, ... estimates, per group, as JSON-safe data.

Examples
--------
>>> import numpy as np
>>> base = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
>>> other = np.array([[3.0, 0.0], [0.0, 3.0]], dtype=np.float32)
>>> vectors, used = combine_groups(base, np.array([1, 1, 1]), other, np.array([0, 1]),
...                                np.array([1, 3]), groups=np.array([0, 1, 1]),
...                                rules={0: "keep", 1: "evidence"})
>>> vectors.tolist(), used.tolist()
([[1.0, 0.0], [0.0, 2.5], [1.0, 1.0]], [False, True, False])
"""

import numpy as np

from gensim_merge.errors import OptionError

__all__ = ["RULES", "accumulate", "check_rules", "combine_groups", "histogram"]

#: How a word group combines a base estimate with a second one: keep the base's, weight each by its evidence
#: (the word's count in the data each estimate saw), or the plain mean.
RULES = ("keep", "evidence", "mean")


def check_rules(rules, groups, name="rules"):
    """`rules` completed to every group of `groups` (a dict {group: default rule}); OptionError if bad."""
    if rules is None:
        return dict(groups)
    if not isinstance(rules, dict):
        raise OptionError(f"{name} must be a dict {{group: rule}} over the groups {list(groups)}, got "
                          f"{type(rules).__name__}", option=name, value=rules, allowed=f"a dict over {list(groups)}")
    unknown = sorted(set(rules) - set(groups), key=str)
    if unknown:
        raise OptionError(f"{name} names unknown word group(s) {unknown}; the groups are {list(groups)}",
                          option=name, value=rules, allowed=f"keys among {list(groups)}")
    for group, rule in rules.items():
        if rule not in RULES:
            raise OptionError(f"{name}[{group!r}] must be one of {list(RULES)}, got {rule!r}", option=name,
                              value=rule, allowed=f"one of {list(RULES)}")
    return {**groups, **rules}


def accumulate(total, weight_sum, rows, vectors, weights, *, transform=None, chunk_size=100_000):
    """Add ``weights[i] * transform(vectors[i])`` into ``total[rows[i]]`` and the weights into `weight_sum`.

    `vectors` is read `chunk_size` rows at a time (a memory-mapped member is streamed, never copied whole).
    `rows` must not repeat (each member holds a key once). Works in place on `total` and `weight_sum`.

    Parameters
    ----------
    total : (n, d) float ndarray
    weight_sum : (n,) float64 ndarray
    rows : (m,) int ndarray
        Row of each of `vectors`' rows in `total`.
    vectors : (m, d) array_like
    weights : (m,) array_like
    transform : callable, optional
        Applied to each chunk of rows (e.g. an alignment's ``apply``); default none.
    chunk_size : int
    """
    weights = np.asarray(weights, dtype=np.float64)
    for start in range(0, len(rows), chunk_size):
        stop = min(start + chunk_size, len(rows))
        block = vectors[start:stop]
        # a fresh array either way (the input is never written), weighted in place: one chunk-sized temporary
        block = np.array(block, dtype=total.dtype) if transform is None else transform(block).astype(total.dtype,
                                                                                                      copy=False)
        block *= weights[start:stop, None].astype(total.dtype)
        total[rows[start:stop]] += block
        weight_sum[rows[start:stop]] += weights[start:stop]


def combine_groups(base, base_weights, other, other_rows, other_weights, *, groups, rules):
    """Combine a base estimate of every word with a second estimate of some, group by group.

    Parameters
    ----------
    base : (n, d) float ndarray
        The base estimate of each word (e.g. the continued model's vectors). Not modified.
    base_weights : (n,) array_like
        Evidence behind each base vector (e.g. the word's count in everything the base saw).
    other : (m, d) float ndarray
        The second estimates, already in `base`'s space.
    other_rows : (m,) int ndarray
        Row in `base` of each of `other`'s rows (-1: the word is not in `base`, ignored).
    other_weights : (m,) array_like
        Evidence behind each second estimate.
    groups : (n,) int ndarray
        Word group of each base row.
    rules : dict {group: rule}
        One of :data:`RULES` per group in `groups` (a missing group keeps the base).

    Returns
    -------
    vectors : (n, d) ndarray
        A new array (dtype of `base`).
    used : (n,) bool ndarray
        Where the second estimate was combined in.
    """
    other_rows = np.asarray(other_rows, dtype=np.int64)
    held = other_rows >= 0
    rows, from_other = other_rows[held], np.flatnonzero(held)
    rule_of_row = np.full(len(base), "keep", dtype=object)
    for group, rule in rules.items():
        rule_of_row[groups == group] = rule
    rule_here = rule_of_row[rows]
    vectors = np.array(base, copy=True)
    used = np.zeros(len(base), dtype=bool)
    w_base = np.asarray(base_weights, dtype=np.float64)[rows]
    w_other = np.asarray(other_weights, dtype=np.float64)[from_other]
    for rule, (wb, wo) in (("evidence", (w_base, w_other)), ("mean", (np.ones_like(w_base), np.ones_like(w_other)))):
        pick = (rule_here == rule) & (wb + wo > 0)
        if not pick.any():
            continue
        share = (wo[pick] / (wb[pick] + wo[pick]))[:, None]
        target = rows[pick]
        vectors[target] = ((1 - share) * base[target] + share * other[from_other[pick]]).astype(vectors.dtype)
        used[target] = True
    return vectors, used


def histogram(estimates, groups=None, names=None):
    """How many words had 1, 2, ... estimates: ``{group name: {"1": words, "2": words, ...}}``, JSON-safe.

    Parameters
    ----------
    estimates : (n,) int ndarray
    groups : (n,) int ndarray, optional
        Word group codes (default: one group, ``"all"``).
    names : dict {code: name}, optional

    Examples
    --------
    >>> histogram(np.array([1, 2, 2, 1]), np.array([0, 0, 1, 1]), {0: "a", 1: "b"})
    {'a': {'1': 1, '2': 1}, 'b': {'1': 1, '2': 1}}
    """
    estimates = np.asarray(estimates, dtype=np.int64)
    if groups is None:
        groups, names = np.zeros(len(estimates), dtype=np.int64), {0: "all"}
    out = {}
    for code, name in names.items():
        counts = np.bincount(estimates[groups == code])
        out[name] = {str(n): int(c) for n, c in enumerate(counts) if c}
    return out
