"""Ensembles of word2vec models of the same corpus: align every member onto one, average each word.

Two trainings of word2vec on one corpus with different seeds give different vectors and, for many words,
different nearest neighbours. :func:`ensemble_vectors` aligns every member onto a reference member
(:func:`~gensim_merge.alignment.fit_between`) and averages each word over the members that hold it, weighted
by its count in each member (where every member carries counts; otherwise equally). It is pure: it returns an
:class:`EnsembleRecord` of arrays and never builds a model class; :func:`gensim_merge.ensemble`
(``MergeableKeyedVectors.ensemble``) turns it into a model.

Counts are **not** summed: the members saw the same corpus, so a word's count is its count in that corpus, the
same in every member that holds it. The result takes the **maximum** over the members (equal to each member's
count when they agree; a member that left the word out, e.g. by another ``min_count``, saw it no more often).

Members are streamed: each is aligned and added into the output `chunk_size` rows at a time, so besides the
inputs the memory used is the output, one weight per word and one chunk. What averaging buys in stability is
measured in ``benchmarks/RESULTS.md``.

Examples
--------
>>> import numpy as np
>>> from gensim.models import KeyedVectors
>>> rng = np.random.default_rng(0)
>>> words = [f"w{i}" for i in range(50)]
>>> base = KeyedVectors(4)
>>> base.add_vectors(words, rng.normal(size=(50, 4)))
>>> rotated = KeyedVectors(4)
>>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
>>> rotated.add_vectors(words, base.vectors @ Q)
>>> record = ensemble_vectors([base, rotated], align_options={"anchor_min_count": 0, "heldout": 0})
>>> bool(np.allclose(record.vectors, base.vectors, atol=1e-4)), record.estimates[:3].tolist()
(True, [2, 2, 2])
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from gensim_merge._validation import MAX_MEMBERS, check_integer, check_keyed_vectors, check_option_of, check_same_dim
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, AlignOptions, fit_between
from gensim_merge.counts import read_model_counts
from gensim_merge.errors import NoSharedVocabularyError, OptionError, OptionTypeError
from gensim_merge.merging import union_rows

__all__ = ["MAX_MEMBERS", "EnsembleRecord", "EnsembleReport", "ensemble_vectors"]

logger = logging.getLogger(__name__)


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


#: Members an ensemble can record per word (one bit each in the ``provenance`` attribute).
@dataclasses.dataclass(frozen=True)
class EnsembleReport:
    """What :func:`ensemble_vectors` did; JSON-safe (:meth:`to_dict`).

    Attributes
    ----------
    names : list of str
        The members, in the order given.
    reference : str
        The member whose space the result is in.
    n_words : int
        Union vocabulary.
    words_per_member : list of int
    weighting : str
        ``"count"`` (each word weighted by its count in each member) or ``"equal"`` (a member lacks counts).
    count_rule : str
        How the result's ``count`` is made: ``"max"`` over the members (never summed: same corpus).
    estimates : dict
        How many words had 1, 2, ... independent estimates: ``{"all": {"1": words, "2": words, ...}}``.
    alignment_cosine : dict of str to float
        Mean cosine of each member's anchors to the reference's after alignment (1.0 for the reference).
    seconds : float
    """

    names: list
    reference: str
    n_words: int
    words_per_member: list
    weighting: str
    count_rule: str
    estimates: dict
    alignment_cosine: dict
    seconds: float

    def to_dict(self):
        """The report as plain data."""
        return dataclasses.asdict(self)

    def __str__(self):
        return (f"Ensemble of {len(self.names)} member(s) in the space of {self.reference!r}: {self.n_words} words "
                f"({self.weighting}-weighted, count = {self.count_rule}); words with n estimates: "
                f"{self.estimates['all']}")


@dataclasses.dataclass(frozen=True)
class EnsembleRecord:
    """The arrays of an ensemble, sorted by descending count (stable: the reference's order first).

    Attributes
    ----------
    keys : list of str
    vectors : (n, d) float32 ndarray
    counts : (n,) int64 ndarray or None
        None when no member carries counts.
    provenance : (n,) uint64 ndarray
        Bit i set when member i holds the word.
    estimates : (n,) int32 ndarray
        Number of members averaged into each word.
    names : list of str
    report : EnsembleReport
    """

    keys: list
    vectors: np.ndarray
    counts: object
    provenance: np.ndarray
    estimates: np.ndarray
    names: list
    report: EnsembleReport


def ensemble_vectors(models, *, reference=0, names=None, align_options=None, chunk_size=DEFAULT_CHUNK_SIZE):
    """Align every member onto `reference` and average each word over the members holding it.

    Parameters
    ----------
    models : sequence of {gensim.models.KeyedVectors, gensim.models.Word2Vec}
        At least one model of the same corpus (e.g. several seeds), one vector size. Only read.
    reference : int, default=0
        Index of the member whose space the result is in.
    names : sequence of str, optional
        One distinct name per member (default ``model0``, ``model1``, ...).
    align_options : AlignOptions or dict, optional
        Options of every alignment (default ``AlignOptions()``).
    chunk_size : int, optional
        Rows aligned and added at a time.

    Returns
    -------
    EnsembleRecord

    Raises
    ------
    OptionError
        No model, more than :data:`MAX_MEMBERS`, a bad `reference`, `names` or alignment option.
    DimensionMismatchError
        Members of different vector sizes.
    NoSharedVocabularyError
        A member sharing no word with the reference.
    IncompatibleModelError, EmptyModelError, AnchorError, NonFiniteVectorsError
    """
    started = time.perf_counter()
    align_options = AlignOptions.from_any(align_options)
    check_option_of("ensemble", "chunk_size", chunk_size)
    members, reference, names = _members(models, reference, names)
    keys, rows = union_rows([m.index_to_key for m in members])
    in_reference = np.zeros(len(keys), dtype=bool)
    in_reference[rows[reference]] = True
    for i, member_rows in enumerate(rows):
        if not in_reference[member_rows].any():
            raise NoSharedVocabularyError(
                f"member {names[i]!r} shares no word with the reference {names[reference]!r}, so it cannot be "
                "aligned; an ensemble is for models of the same corpus: leave it out")
    alignments = [None if i == reference else fit_between(m, members[reference], align_options)
                  for i, m in enumerate(members)]
    member_counts = [_counts(m) for m in members]
    weighted = all(c is not None for c in member_counts)
    counts = np.zeros(len(keys), dtype=np.int64) if weighted or any(c is not None for c in member_counts) else None
    for member_rows, c in zip(rows, member_counts):
        if c is not None:
            counts[member_rows] = np.maximum(counts[member_rows], c)
    order = np.argsort(-counts, kind="stable") if counts is not None else np.arange(len(keys))
    position = np.empty(len(keys), dtype=np.int64)
    position[order] = np.arange(len(keys))
    total = np.zeros((len(keys), members[reference].vector_size), dtype=np.float32)
    weight = np.zeros(len(keys), dtype=np.float64)
    estimates = np.zeros(len(keys), dtype=np.int32)
    provenance = np.zeros(len(keys), dtype=np.uint64)
    for i, (member, member_rows) in enumerate(zip(members, rows)):
        target = position[member_rows]
        weights = member_counts[i] if weighted else np.ones(len(member))
        transform = None if alignments[i] is None else alignments[i].apply
        accumulate(total, weight, target, member.vectors, weights, transform=transform, chunk_size=chunk_size)
        estimates[target] += 1
        provenance[target] |= np.uint64(1 << i)
    total /= weight[:, None].astype(np.float32)
    report = EnsembleReport(
        names=names, reference=names[reference], n_words=len(keys), words_per_member=[len(m) for m in members],
        weighting="count" if weighted else "equal", count_rule="max", estimates=histogram(estimates),
        alignment_cosine={names[i]: (1.0 if a is None else round(float(a.report.mean_cosine), 6))
                          for i, a in enumerate(alignments)},
        seconds=round(time.perf_counter() - started, 3))
    logger.info("%s", report)
    return EnsembleRecord(keys=[keys[i] for i in order], vectors=total,
                          counts=None if counts is None else counts[order], provenance=provenance,
                          estimates=estimates, names=names, report=report)


def _members(models, reference, names):
    """Checked members (KeyedVectors), reference index and names."""
    if isinstance(models, (KeyedVectors, Word2Vec)) or not hasattr(models, "__len__"):
        raise OptionTypeError(f"models must be a list of models, got {type(models).__name__}", option="models",
                              value=models, allowed="a list of KeyedVectors or Word2Vec models")
    if len(models) < 1:
        raise OptionError("an ensemble needs at least 1 member, got 0 models; pass a list of models of one corpus",
                          option="models", value=models, allowed="at least 1 model")
    if len(models) > MAX_MEMBERS:
        raise OptionError(f"an ensemble records at most {MAX_MEMBERS} members per word, got {len(models)}",
                          option="models", value=len(models), allowed=f"at most {MAX_MEMBERS} models")
    members = [m.wv if isinstance(m, Word2Vec) else m for m in models]
    check_integer(reference, "reference", low=0, high=len(members) - 1)
    names = [f"model{i}" for i in range(len(members))] if names is None else [str(n) for n in names]
    if len(names) != len(members) or len(set(names)) != len(names):
        raise OptionError(f"names must be {len(members)} distinct names, one per model, got {names}",
                          option="names", value=names, allowed=f"{len(members)} distinct names")
    for i, member in enumerate(members):
        check_keyed_vectors(member, f"member {names[i]!r}")
        check_same_dim(member, members[reference], f"member {names[i]!r}", f"reference {names[reference]!r}")
    return members, reference, names


def _counts(member):
    """The member's real counts (all above 0), else None: the ensemble weighs its members equally (rank
    stand-ins are an order, not counts; see :mod:`gensim_merge.counts`)."""
    counts = read_model_counts(member, "member").real if hasattr(member, "expandos") else None
    if counts is None or not np.all(counts > 0):
        return None
    return counts
