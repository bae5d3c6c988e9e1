"""Continued training of word2vec and fastText models on a new corpus, done right.

:func:`continue_training` (word2vec) and :func:`continue_fasttext` (fastText) continue a model through gensim's
``build_vocab(update=True)`` and ``train`` on a copy, with the fix-ups gensim lacks (combined counts and
min_count, the vocabulary re-sorted by frequency, the learning rate restarted, the corpus counted); the
corpus readers and checks; several continued members and a new corpus's own model combined as estimates; and
the :class:`ContinuationReport` of what was done.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import copy
import dataclasses
import functools
import gzip
import logging
import os
import pickle
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

import numpy as np
from gensim.models import Word2Vec
from gensim.models.fasttext import FastText, load_facebook_model
from gensim.models.keyedvectors import KeyedVectors
from gensim.models.word2vec import LineSentence
from gensim.utils import RULE_DEFAULT, RULE_KEEP

from gensim_merge._files import describe_format, refuse_pickle, sniff
from gensim_merge._typing import Corpus, PathType
from gensim_merge._validation import (
    MAX_SEED,
    OPTIONS,
    WORD2VEC_PASS_THROUGH,
    check_integer,
    check_keyed_vectors,
    check_option_of,
    check_same_dim,
)
from gensim_merge.alignment import AlignOptions, fit_between
from gensim_merge.counts import frequency_curve, read_model_counts, zipf_counts
from gensim_merge.ensembles import accumulate, check_rules, combine_groups, histogram
from gensim_merge.errors import (
    CorpusDecodeError,
    CorpusError,
    DimensionMismatchError,
    EmptyModelError,
    IncompatibleModelError,
    ModelFileError,
    ModelFileNotFoundError,
    NoSharedVocabularyError,
    OptionError,
    OptionTypeError,
)

__all__ = [
    "MIN_COUNT_RULES",
    "ContinuationReport",
    "ContinuationResult",
    "FastTextContinuationReport",
    "check_options",
    "continue_fasttext",
    "continue_training",
]

logger = logging.getLogger(__name__)


#: Word groups of a continued model (code: name).
GROUPS = {0: "added", 1: "shared", 2: "old"}
#: How each group combines the new corpus's model with the continued vectors, chosen by measurement
#: (benchmarks/RESULTS.md): words only the new corpus knows gain from a second estimate; shared words do not.
DEFAULT_RULES = {"added": "evidence", "shared": "keep", "old": "keep"}
#: Word2Vec parameters copied from the source when the new corpus's model is trained here.
_PARAMS = ("vector_size", "window", "min_count", "sg", "negative", "ns_exponent", "sample", "epochs", "alpha",
           "min_alpha", "cbow_mean", "workers", "max_final_vocab")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """Which inputs contributed to each word of a combined model.

    Attributes
    ----------
    sources : list of str
        Input names (bit ``i`` of `provenance` is ``sources[i]``).
    provenance : (n,) uint64 ndarray
        Per word, the bit mask of the inputs whose estimate it holds.
    estimates : (n,) int32 ndarray
        Per word, the number of independent estimates averaged into it.
    """

    sources: list
    provenance: np.ndarray
    estimates: np.ndarray


def check_estimate_options(*, members=1, new_model=None, client=None, new_model_rules=None, align_options=None,
                           seed=None, inplace=False):
    """Range-check the options of this module before any work; returns (rules, AlignOptions)."""
    members = check_option_of("continue_training", "members", members)
    check_option_of("continue_training", "inplace", inplace)
    if seed is not None:
        check_integer(seed, "seed", low=0, high=MAX_SEED - members)  # the members' seeds: seed .. seed + members - 1
    if new_model is not None and not (isinstance(new_model, (KeyedVectors, Word2Vec)) or new_model == "train"):
        raise OptionTypeError(f"new_model must be None, 'train', a Word2Vec model or KeyedVectors, got "
                              f"{new_model!r}", option="new_model", value=new_model,
                              allowed="None, 'train', Word2Vec or KeyedVectors")
    if isinstance(new_model, (KeyedVectors, Word2Vec)):
        check_keyed_vectors(new_model.wv if isinstance(new_model, Word2Vec) else new_model, "new_model")
    if new_model_rules is not None and new_model is None:
        raise OptionError("new_model_rules apply only with a new_model; pass new_model=... or drop them",
                          option="new_model_rules", value=new_model_rules)
    if client is not None:
        check_client(client)
        if members == 1 and new_model != "train":
            raise OptionError("client= runs the members of members=k (or new_model='train') on a cluster; with "
                              "members=1 and no model to train there is nothing to run there: drop client",
                              option="client", value=client)
    if inplace and members > 1:
        raise OptionError(f"inplace=True updates the source itself, but members={members} trains that many "
                          "copies; drop inplace", option="inplace", value=inplace)
    rules = check_rules(new_model_rules, DEFAULT_RULES, "new_model_rules")
    return rules, AlignOptions.from_any(align_options)


def check_new_model_size(new_model, source):
    """DimensionMismatchError before any training when a given `new_model` and `source` differ in vector size."""
    if isinstance(new_model, (KeyedVectors, Word2Vec)) and isinstance(source, (KeyedVectors, Word2Vec)):
        check_same_dim(new_model.wv if isinstance(new_model, Word2Vec) else new_model,
                       source.wv if isinstance(source, Word2Vec) else source, "new_model", "source")


def check_client(client):
    """Raise unless dask.distributed is installed and `client` is one of its Clients."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise OptionError("client= needs dask.distributed, which is not installed; install it with "
                          "pip install 'gensim-merge[dask]' (or drop client to run one after another)",
                          option="client", value=client) from exc
    if not isinstance(client, Client):
        raise OptionTypeError(f"client must be a dask.distributed Client, got {type(client).__name__}",
                              option="client", value=client, allowed="a dask.distributed Client")


def continue_with_estimates(run_once, *, seed, members, new_model, corpus, corpus_file, client, rules,
                            align_options):
    """Run `members` continuations (``run_once(seed) -> ContinuationResult``) and combine every estimate.

    Returns the first member's ContinuationResult with its model's input vectors replaced by the combined
    ones, the report completed, and an :class:`Evidence`.
    """
    started = time.perf_counter()
    seeds = [seed + i for i in range(members)]
    (first, was_old, new_counts), others = _run_members(run_once, seeds, client)
    model, report = first.model, first.report
    t0 = time.perf_counter()
    vectors, held, provenance = _average_members(model.wv, others, align_options)
    groups = np.where(~was_old, 0, np.where(new_counts > 0, 1, 2))
    sources = [f"continued (seed {s})" for s in seeds]
    estimates, extra = held.copy(), {}
    if new_model is not None:
        other = _new_corpus_model(new_model, model, corpus, corpus_file, seed + members, client)
        vectors, used, ignored = _combine_new_model(model, vectors, other, groups, new_counts, rules, align_options,
                                                    held)
        sources.append("new corpus model (trained)" if new_model == "train" else "new corpus model")
        provenance[used] |= np.uint64(1 << members)
        estimates += used
        extra = {"new_model_words": len(other), "new_model_ignored": ignored, "new_model_rules": dict(rules)}
    model.wv.vectors = vectors
    model.wv.norms = None
    evidence = Evidence(sources=sources, provenance=provenance, estimates=estimates.astype(np.int32))
    report = dataclasses.replace(
        report, members=members, new_model=("none" if new_model is None else "trained" if new_model == "train"
                                            else "given"),
        estimates=histogram(estimates, groups, GROUPS), seconds_combine=round(time.perf_counter() - t0, 3),
        seconds_total=round(time.perf_counter() - started, 3), **extra)
    model.add_lifecycle_event("combine_estimates", members=members, new_model=report.new_model, sources=sources,
                              estimates=report.estimates, **extra)
    logger.info("combined %d continued member(s)%s: %s", members, "" if new_model is None else " + new model",
                report.estimates)
    return dataclasses.replace(first, model=model, report=report, evidence=evidence)


_REAL = np.float32
_ALPHA_WARNING = "Effective 'alpha' higher than previous training cycles"
_TRAINING_LOGGER = "gensim.models.word2vec"


# ----------------------------------------------------------------------------------------------------------
# sources
def check_word2vec(model, what="source"):
    """Raise unless `model` is a plain negative-sampling Word2Vec model with its output layer."""
    if not isinstance(model, Word2Vec):
        raise IncompatibleModelError(
            f"{what} must be a gensim Word2Vec model, a path to a saved one, or KeyedVectors; "
            f"got {type(model).__name__}")
    if type(model) is not Word2Vec:
        raise IncompatibleModelError(
            f"{what} is a {type(model).__name__}; continued training supports plain Word2Vec models only "
            f"({type(model).__name__} keeps extra state, e.g. document or n-gram vectors, that this would "
            "not update). Pass model.wv for a warm start from its word vectors instead")
    if model.hs:
        raise IncompatibleModelError(
            "source uses hierarchical softmax (hs=1): gensim's update rebuilds the Huffman tree from the "
            "combined counts but keeps the old inner-node weights, so every old word's output path would "
            "change meaning; train the source with negative sampling (hs=0, negative>0), or pass source.wv "
            "for a warm start that learns a fresh output layer")
    if not model.negative:
        raise IncompatibleModelError(
            f"source has neither negative sampling nor hierarchical softmax (negative={model.negative}, "
            "hs=0) and so no output layer to continue; train it with negative>0")
    if len(model.wv) == 0 or len(model.wv.vectors) == 0:
        raise EmptyModelError("source model has no vocabulary; train it before continuing it, or train a "
                              "fresh Word2Vec on the new corpus")
    syn1neg = getattr(model, "syn1neg", None)
    if syn1neg is None or syn1neg.shape != model.wv.vectors.shape:
        shape = None if syn1neg is None else syn1neg.shape
        raise ModelFileError(
            f"source model carries no usable output layer (syn1neg {shape} vs vectors "
            f"{model.wv.vectors.shape}); it was probably saved without its training state; load the full "
            "model saved with model.save(path), or pass model.wv for a warm start from the vectors alone")


def load_source(path, *, allow_pickle=False):
    """The Word2Vec model saved at `path` (a full model with its training state), or the package's error.

    A model saved by ``Word2Vec.save`` is a pickle: refused unless `allow_pickle` (the file's format is read
    from its bytes first, nothing is unpickled before that), and unpickled once.
    """
    from gensim.utils import SaveLoad

    from gensim_merge._files import describe_format, refuse_pickle, sniff

    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileNotFoundError(f"no model file at {path!r}; save the source with model.save(path) first",
                                     filename=os.fspath(path))
    fmt = sniff(path).fmt
    if fmt == "fasttext-binary":
        raise IncompatibleModelError(f"{path!r} is a fastText model; continue it with "
                                     "MergeableFastTextKeyedVectors.continue_from")
    if fmt != "native":
        raise ModelFileError(
            f"{path!r} holds vectors only ({describe_format(fmt)}), not a Word2Vec model with its training "
            "state; load them (gensim_merge.load_vectors) and pass them for a warm start, or give the file "
            "written by Word2Vec.save()")
    if not allow_pickle:
        raise refuse_pickle(path)
    try:
        obj = SaveLoad.load(path)  # gensim's unpickling, whatever class the file holds: read once
    except Exception as exc:  # gensim raises many types for foreign files
        raise ModelFileError(
            f"cannot read a gensim model from {path!r} ({type(exc).__name__}: {exc}); pass a file "
            "written by Word2Vec.save(), or load vectors yourself (KeyedVectors.load_word2vec_format) "
            "and pass them for a warm start") from exc
    if isinstance(obj, KeyedVectors):
        raise ModelFileError(
            f"{path!r} holds vectors only ({type(obj).__name__}), not a model with its training state; pass "
            "KeyedVectors.load(path) as source for a warm start (the output layer is then learned afresh), "
            "or give the file written by Word2Vec.save()")
    return obj


def invented_counts(kv):
    """Whether a warm start from `kv` invents its counts: missing, rank stand-ins, or not all above 0."""
    counts = read_model_counts(kv, "source").real if hasattr(kv, "expandos") else None
    return counts is None or not np.all(counts > 0)


def model_from_vectors(kv, word2vec_kwargs):
    """A Word2Vec model whose input vectors are `kv`'s (copied), with an empty output layer (warm start)."""
    if len(kv) == 0:
        raise EmptyModelError("source vectors are empty; a warm start needs at least one vector")
    params = dict(word2vec_kwargs or {})
    size = params.pop("vector_size", kv.vector_size)
    if size != kv.vector_size:
        raise DimensionMismatchError(
            f"word2vec_kwargs vector_size={size} does not match the source vectors' {kv.vector_size}; "
            "leave vector_size out for a warm start")
    if params.get("hs"):
        raise IncompatibleModelError("warm start supports negative sampling only; drop hs=1")
    model = Word2Vec(vector_size=kv.vector_size, **params)
    wv = model.wv
    wv.index_to_key = list(kv.index_to_key)
    wv.key_to_index = {key: i for i, key in enumerate(wv.index_to_key)}
    wv.vectors = np.array(kv.vectors, dtype=_REAL, copy=True)
    wv.norms = None
    wv.allocate_vecattrs(attrs=["count", "sample_int"], types=[np.int64, np.uint32])
    counts = None if invented_counts(kv) else read_model_counts(kv, "source").real
    if counts is None:
        # missing counts or gensim's rank stand-ins (one rule, see gensim_merge.counts): the stored order is a
        # frequency order; the negative-sampling table needs frequencies, so the ranks go on a Zipf curve
        counts = zipf_counts(len(kv))
    wv.expandos["count"] = np.asarray(counts, dtype=np.int64).copy()
    wv.expandos["sample_int"] = np.full(len(kv), 2**32 - 1, dtype=np.uint32)
    model.syn1neg = np.zeros_like(wv.vectors)
    wv.vectors_lockf = np.ones(1, dtype=_REAL)
    model.corpus_count = 0
    model.corpus_total_words = int(wv.expandos["count"].sum())
    model.effective_min_count = model.min_count
    model.make_cum_table()
    return model


# ----------------------------------------------------------------------------------------------------------
# vocabulary
@dataclasses.dataclass
class VocabularyGrowth:
    """What the vocabulary update did, per row of the grown vocabulary (arrays follow any re-sort)."""

    n_old: int
    added: int
    admitted_by_combined_count: int
    old_counts: np.ndarray  # count known before the update (old raw count for admitted words, else 0)
    new_counts: np.ndarray  # count in the new corpus
    was_old: np.ndarray  # bool: the row held a vector before the update
    new_lines: int
    new_words: int


def grow_vocabulary(model, corpus, corpus_file, *, min_count, rule):
    """Grow `model`'s vocabulary with the new corpus through gensim's ``build_vocab(update=True)`` (in place).

    Parameters
    ----------
    model : gensim.models.Word2Vec
    corpus, corpus_file
        The new corpus (checked), as ``build_vocab`` takes them.
    min_count : int
        The threshold for new words.
    rule : {"combined", "new"}
        Judge new words on old raw + new counts (when the model kept ``raw_vocab``), or on new counts alone.

    Returns
    -------
    VocabularyGrowth
    """
    n_old = len(model.wv)
    before = np.asarray(model.wv.expandos["count"], dtype=np.int64).copy()
    prior_raw = dict(getattr(model, "raw_vocab", None) or {})
    trim_rule = _combined_rule(prior_raw) if rule == "combined" and prior_raw else None
    model.build_vocab(corpus, corpus_file=corpus_file, update=True, trim_rule=trim_rule, min_count=min_count)
    after = np.asarray(model.wv.expandos["count"], dtype=np.int64)
    new_counts = after.copy()
    new_counts[:n_old] -= before
    old_counts = np.zeros(len(after), dtype=np.int64)
    old_counts[:n_old] = before
    added = model.wv.index_to_key[n_old:]
    if prior_raw and added:
        old_counts[n_old:] = np.fromiter((prior_raw.get(w, 0) for w in added), np.int64, count=len(added))
    was_old = np.zeros(len(after), dtype=bool)
    was_old[:n_old] = True
    return VocabularyGrowth(
        n_old=n_old, added=len(added),
        admitted_by_combined_count=int(np.count_nonzero(new_counts[n_old:] < min_count)),
        old_counts=old_counts, new_counts=new_counts, was_old=was_old,
        new_lines=int(model.corpus_count), new_words=int(model.corpus_total_words))


def sample_ints(counts, sample, total):
    """gensim's downsampling keep-probabilities (as uint32 thresholds) for `counts` out of `total`."""
    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    if not sample:
        prob = np.ones_like(counts)
    else:
        threshold = sample * total if sample < 1.0 else int(sample * (3 + np.sqrt(5)) / 2)
        prob = np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * (threshold / counts))
    return (prob * (2**32 - 1)).astype(np.uint32)


def combine_counts(model, growth, *, old_estimated=False):
    """Set every word's count to old + new and its downsampling threshold from that combined frequency.

    `old_estimated`: the old counts were invented (a warm start from vectors whose counts were missing or gensim's
    rank stand-ins). By the rule of :mod:`gensim_merge.counts` an invented count is never added to a real one:
    a word the new corpus saw takes its new count; an old word it did not see takes the new corpus's count at
    the word's old rank (its frequency curve), an estimate.
    """
    if old_estimated:
        seen = growth.new_counts > 0
        old_rank = np.arange(growth.n_old)
        estimate = frequency_curve(growth.new_counts[seen], max(growth.n_old, 1))
        combined = growth.new_counts.copy()
        unseen_old = np.flatnonzero(~seen[:growth.n_old])
        combined[unseen_old] = estimate[old_rank[unseen_old]]
        model.wv.expandos["count"] = combined
        model.wv.expandos["sample_int"] = sample_ints(combined, model.sample, combined.sum())
        return
    combined = growth.old_counts + growth.new_counts
    model.wv.expandos["count"] = combined
    model.wv.expandos["sample_int"] = sample_ints(combined, model.sample, combined.sum())


def resort_vocabulary(model, *arrays):
    """Re-sort `model`'s vocabulary by descending count, permuting every per-word array together.

    The order is gensim's own (:meth:`KeyedVectors.sort_by_descending_frequency`, which permutes the keys and
    every per-word attribute); the input vectors, the output layer and `arrays` follow the same permutation.
    Returns the number of words that changed index and the permuted `arrays`.
    """
    wv = model.wv
    vectors = wv.vectors
    wv.vectors = vectors[:0]  # detached while gensim sorts: it would permute them itself, with a warning
    wv.expandos["_row"] = np.arange(len(wv), dtype=np.int64)
    try:
        wv.sort_by_descending_frequency()
        order = wv.expandos.pop("_row")
    finally:
        wv.expandos.pop("_row", None)
    wv.vectors = vectors[order]
    wv.norms = None
    model.syn1neg = model.syn1neg[order]
    moved = int(np.count_nonzero(order != np.arange(len(order))))
    return moved, [np.asarray(a)[order] for a in arrays]


# ----------------------------------------------------------------------------------------------------------
# training
class _DropAlphaWarning(logging.Filter):
    """Drops gensim's "Effective 'alpha' higher than previous training cycles" record."""

    def filter(self, record):
        return not str(record.msg).startswith(_ALPHA_WARNING)


@contextlib.contextmanager
def restarted_learning_rate(alpha=None, model=None):
    """Keep gensim's "Effective 'alpha' higher" warning out while the learning rate restarts on purpose.

    gensim warns when a training starts at a learning rate above the lowest one already reached, which every
    continuation does on purpose. The filter sits on gensim's training logger only while the block runs;
    one INFO line says why. With `model`, its ``alpha`` and ``min_alpha`` (which ``train(start_alpha=...,
    end_alpha=...)`` overwrites) are put back as found when the block ends, however it ends.

    Examples
    --------
    >>> with restarted_learning_rate(0.025):
    ...     pass
    """
    target, drop = logging.getLogger(_TRAINING_LOGGER), _DropAlphaWarning()
    logger.info("restarting the learning rate%s on purpose: gensim's \"%s\" warning is expected and not shown",
                "" if alpha is None else f" at alpha={alpha:g}", _ALPHA_WARNING)
    saved = None if model is None else (model.alpha, model.min_alpha)
    target.addFilter(drop)
    try:
        yield
    finally:
        target.removeFilter(drop)
        if saved is not None:
            model.alpha, model.min_alpha = saved


def training_schedule(model, epochs=None, alpha=None, min_alpha=None):
    """``(epochs, start_alpha, end_alpha)`` of a continuation: the options given, else the model's own.

    Raises :class:`OptionError` when the learning rate would grow (a default taken from the model may meet an
    option given, so this is checked once both are known), or when a default taken from the model is out of
    the option's range (a file can hold any number).
    """
    given = {"epochs": epochs, "alpha": alpha, "min_alpha": min_alpha}
    for name, value in given.items():  # a default taken from the model is held to the options' ranges too
        if value is None:
            given[name] = check_option_of("continue_training", name, _python(getattr(model, name)),
                                          f"the source model's {name} (pass {name}=...)")
    epochs, start_alpha, end_alpha = int(given["epochs"]), float(given["alpha"]), float(given["min_alpha"])
    if not 0 <= end_alpha <= start_alpha:
        raise OptionError(f"min_alpha={end_alpha:g} is out of range: allowed [0, alpha={start_alpha:g}] (a "
                          "default comes from the source model); pass both alpha and min_alpha")
    return epochs, start_alpha, end_alpha


@dataclasses.dataclass(frozen=True)
class ContinuationReport:
    """What :func:`continue_training` did; every field is JSON-safe.

    Attributes
    ----------
    old_words, final_words : int
        Vocabulary size before and after.
    added_words : int
        Words new to the model (kept by the ``min_count`` rule).
    admitted_by_combined_count : int
        Of those, words kept only because the old corpus's counts were added to the new ones.
    shared_words, old_words_unseen : int
        Old words that occur in the new corpus, and old words that do not.
    min_count, min_count_rule : int, str
        The threshold and whether it was judged on ``"combined"`` or ``"new"`` counts.
    resorted, moved_words : bool, int
        Whether the vocabulary was re-sorted by combined frequency, and how many words changed index.
    start_alpha, end_alpha, epochs : float, float, int
        Learning-rate schedule of the continuation (the model's own ``alpha`` is left as it was).
    warm_start, warm_start_epochs : bool, int
        Whether the source was vectors alone, and the epochs spent learning the output layer first.
    rehearsal_lines : int
        Lines of the old corpus interleaved with the new one (0 when none was given).
    new_corpus_lines, new_corpus_words, combined_corpus_count : int
        Size of the new corpus; ``combined_corpus_count`` is what the model's ``corpus_count`` now holds.
    seconds_vocab, seconds_train, seconds_total : float
        Wall-clock timings (of the first member, and ``seconds_total`` of everything).
    members : int
        Continued trainings averaged (``members=k``; 1 when none was asked).
    new_model, new_model_words, new_model_ignored, new_model_rules : str, int, int, dict
        ``"none"``, ``"given"`` or ``"trained"``; the words of the new corpus's model, how many of them the
        continued model does not hold (left out), and the rule applied per word group.
    estimates : dict or None
        Per word group (``added``: new to the model, ``shared``: old and seen in the new corpus, ``old``: not
        seen in it), how many words had 1, 2, ... independent estimates (``{"added": {"1": 10, "2": 400}}``);
        None when a single estimate was made.
    seconds_combine : float
        Time spent aligning and combining the estimates.
    """

    old_words: int
    final_words: int
    added_words: int
    admitted_by_combined_count: int
    shared_words: int
    old_words_unseen: int
    min_count: int
    min_count_rule: str
    resorted: bool
    moved_words: int
    start_alpha: float
    end_alpha: float
    epochs: int
    warm_start: bool
    warm_start_epochs: int
    rehearsal_lines: int
    new_corpus_lines: int
    new_corpus_words: int
    combined_corpus_count: int
    seconds_vocab: float
    seconds_train: float
    seconds_total: float
    members: int = 1
    new_model: str = "none"
    new_model_words: int = 0
    new_model_ignored: int = 0
    new_model_rules: dict | None = None
    estimates: dict | None = None
    seconds_combine: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict of JSON-safe values."""
        return dataclasses.asdict(self)

    def __str__(self):
        rows = [
            ("vocabulary", (f"{self.old_words} -> {self.final_words} words (+{self.added_words}, "
                           f"{self.admitted_by_combined_count} admitted by combined counts)")),
            ("min_count", f"{self.min_count} on {self.min_count_rule} counts"),
            ("shared / old unseen", f"{self.shared_words} / {self.old_words_unseen}"),
            ("re-sorted", f"{self.resorted} ({self.moved_words} words moved)"),
            ("new corpus", (f"{self.new_corpus_lines} lines, {self.new_corpus_words} words; "
                           f"rehearsal {self.rehearsal_lines} lines")),
            ("schedule", f"{self.epochs} epochs, alpha {self.start_alpha:g} -> {self.end_alpha:g}"),
            ("warm start", f"{self.warm_start} ({self.warm_start_epochs} output-layer epochs)"
                           if self.warm_start else "no"),
            ("time", (f"vocab {self.seconds_vocab:.1f}s, train {self.seconds_train:.1f}s, "
                     f"total {self.seconds_total:.1f}s")),
        ]
        if self.estimates is not None:
            rows.append(("estimates", f"{self.members} member(s), new corpus model: {self.new_model}; words with "
                                      "n estimates: " + "; ".join(f"{group} {counts}" for group, counts
                                                                   in self.estimates.items())
                         + f" (aligned and combined in {self.seconds_combine:.1f}s)"))
        return _table(self.__class__.__name__, rows)


@dataclasses.dataclass(frozen=True)
class FastTextContinuationReport:
    """What :func:`gensim_merge.continuation.continue_fasttext` did; every field is JSON-safe.

    Attributes
    ----------
    old_words, final_words, added_words : int
        Vocabulary size before and after, and words new to the model.
    admitted_by_combined_count : int
        Of those, words kept only because the old corpus's counts were added to the new ones.
    moved_words : int
        Words whose index changed when the vocabulary was re-sorted by combined frequency.
    new_corpus_lines, new_corpus_words : int
        Size of the new corpus.
    epochs, start_alpha, end_alpha : int, float, float
        Learning-rate schedule of the continuation.
    """

    old_words: int
    final_words: int
    added_words: int
    admitted_by_combined_count: int
    moved_words: int
    new_corpus_lines: int
    new_corpus_words: int
    epochs: int
    start_alpha: float
    end_alpha: float

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict of JSON-safe values."""
        return dataclasses.asdict(self)

    def __str__(self):
        return _table(self.__class__.__name__, [
            ("vocabulary", (f"{self.old_words} -> {self.final_words} words (+{self.added_words}, "
                           f"{self.admitted_by_combined_count} admitted by combined counts)")),
            ("re-sorted", f"{self.moved_words} words moved"),
            ("new corpus", f"{self.new_corpus_lines} lines, {self.new_corpus_words} words"),
            ("schedule", f"{self.epochs} epochs, alpha {self.start_alpha:g} -> {self.end_alpha:g}"),
        ])


@dataclasses.dataclass(frozen=True)
class ContinuationResult:
    """The outcome of :func:`continue_training`.

    Attributes
    ----------
    model : gensim.models.Word2Vec
        The continued model, with its training state, ready to be continued again.
    report : ContinuationReport
        What was done.
    evidence : gensim_merge.continuation.Evidence or None
        With ``members`` > 1 or a ``new_model``: per word, which estimates were combined (``sources``,
        ``provenance`` bit masks, number of ``estimates``); None otherwise.
    """

    model: Word2Vec
    report: ContinuationReport
    evidence: object = None


#: How much of a corpus file is read to tell text from a word2vec vectors file.
_SNIFF_BYTES = 64 * 1024
_HEADER = re.compile(rb"\A\s*(\d+)[ \t]+(\d+)[ \t]*\r?\n")


class Interleaved:
    """Restartable iterable: the lines of `main` with the lines of `extra` spread evenly among them."""

    def __init__(self, main, extra, main_lines, extra_lines):
        self.main, self.extra = main, extra
        self.main_lines, self.extra_lines = main_lines, extra_lines

    def __iter__(self):
        extra = iter(self.extra)
        owed = 0
        for line in self.main:
            yield line
            owed += self.extra_lines
            while owed >= self.main_lines:
                owed -= self.main_lines
                item = next(extra, None)
                if item is not None:
                    yield item
        yield from extra


class _TokenListsOnly:
    """Pass a corpus through, refusing any later item that is a plain string (checked on every pass).

    The first item is checked eagerly by :func:`check_corpus`; a string further on would otherwise make
    gensim train on its single characters.
    """

    def __init__(self, corpus, name):
        self.corpus, self.name = corpus, name

    def __iter__(self):
        for i, sentence in enumerate(self.corpus):
            if isinstance(sentence, (str, bytes)):
                raise CorpusError(
                    f"{self.name} item {i} is a string ({str(sentence)[:40]!r}) where a token list is needed: "
                    "word2vec would train on single characters; split every sentence into tokens")
            yield sentence


def check_corpus(corpus, name):
    """Return a restartable iterable of token lists for `corpus` (iterable or path), or raise CorpusError."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        return LineSentence(_check_path(corpus, name))
    if not isinstance(corpus, Iterable):
        raise CorpusError(f"{name} must be an iterable of token lists or a path, got {type(corpus).__name__}")
    if isinstance(corpus, Iterator):
        raise CorpusError(
            f"{name} is a one-shot iterator ({type(corpus).__name__}); training passes over the corpus "
            "several times, so pass a restartable iterable instead: a list, gensim's LineSentence(path), "
            "or a class whose __iter__ opens the data afresh")
    first = next(iter(corpus), None)
    if first is None:
        raise CorpusError(f"{name} is empty; a continuation needs at least one sentence")
    if isinstance(first, (str, bytes)):
        raise CorpusError(
            f"{name} yields strings (first item {str(first)[:40]!r}) where token lists are needed: word2vec "
            "would train on single characters; split each sentence into tokens, e.g. "
            "[line.split() for line in lines], or pass the file path")
    if not isinstance(first, (list, tuple)) or not all(isinstance(tok, str) for tok in first):
        raise CorpusError(f"{name} must yield lists of str tokens, first item is {type(first).__name__} "
                          f"{str(first)[:60]}")
    return _TokenListsOnly(corpus, name)


def check_corpus_file(corpus_file):
    """Return `corpus_file` as a path gensim's ``corpus_file`` mode can read, or raise CorpusError."""
    path = os.fspath(corpus_file)
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise CorpusError(f"corpus_file {path!r} is missing or empty; pass an existing LineSentence file")
    if path.endswith((".gz", ".bz2", ".xz", ".zst")):
        raise CorpusError(f"corpus_file {path!r} is compressed, which gensim's corpus_file mode cannot "
                          "read; pass it as corpus=path instead, or decompress it")
    _sniff_corpus_file(path, "corpus_file")
    return path


def count_lines(corpus):
    """Lines and words of a corpus (one pass)."""
    lines = words = 0
    for line in corpus:
        lines += 1
        words += len(line)
    return lines, words


def training_corpus(corpus, corpus_file, rehearsal):
    """Checked (corpus, corpus_file, rehearsal) for build_vocab and train."""
    if corpus is None and corpus_file is None:
        raise CorpusError("no new corpus given; pass corpus=... (token lists or a path) or corpus_file=...")
    if corpus is not None and corpus_file is not None:
        raise CorpusError("pass either corpus or corpus_file, not both")
    if corpus_file is not None and rehearsal is not None:
        raise OptionError("rehearsal cannot be mixed into a corpus_file run; pass the new corpus as corpus=path")
    if corpus_file is not None:
        return None, check_corpus_file(corpus_file), None
    return (check_corpus(corpus, "corpus"), None,
            None if rehearsal is None else check_corpus(rehearsal, "rehearsal"))


#: How ``min_count`` is judged for words new to the model (see :func:`continue_training`).
MIN_COUNT_RULES = OPTIONS["continue_training"]["min_count_rule"].choices


# ----------------------------------------------------------------------------------------------------------
# option checks (all run before any work)
def check_options(*, epochs=None, alpha=None, min_alpha=None, min_count=None, min_count_rule="combined",
                  warm_start_epochs=1, workers=None, word2vec_kwargs=None, spell=None, members=1,
                  allow_pickle=False):
    """Range-check the options of :func:`continue_training`; raise :class:`OptionError` naming the first bad one.

    The ranges are ``OPTIONS["continue_training"]`` and ``OPTIONS["word2vec_kwargs"]`` of
    :mod:`gensim_merge._validation` (e.g. epochs in [1, 10000], alpha in (0, 1], workers in [1, 1024]).

    :func:`continue_training` runs this first; a caller that has work to do before it (the command line
    loading a model) may run it earlier. `spell` maps an option name to how the caller's user types it
    (``lambda name: "--" + name.replace("_", "-")`` for the command line); word2vec_kwargs keys go through it
    too.

    Examples
    --------
    >>> check_options(epochs=0)
    Traceback (most recent call last):
    ...
    gensim_merge.errors.OptionError: epochs must be None or an integer in [1, 10000], got 0
    """
    kwarg_name = spell or (lambda name: f"word2vec_kwargs[{name!r}]")
    spell = spell or (lambda name: name)
    for name, value in (("epochs", epochs), ("alpha", alpha), ("min_alpha", min_alpha), ("min_count", min_count),
                        ("min_count_rule", min_count_rule), ("warm_start_epochs", warm_start_epochs),
                        ("workers", workers), ("members", members), ("allow_pickle", allow_pickle)):
        check_option_of("continue_training", name, value, spell(name))
    if alpha is not None and min_alpha is not None and min_alpha > alpha:
        raise OptionError(f"{spell('min_alpha')} must be in [0, {spell('alpha')}={alpha!r}] (the learning rate "
                          f"decays from alpha to min_alpha), got {min_alpha!r}", option=spell("min_alpha"),
                          value=min_alpha, allowed=f"in [0, {alpha!r}]")
    check_word2vec_kwargs(word2vec_kwargs, kwarg_name)


def check_word2vec_kwargs(word2vec_kwargs, name=None):
    """Range-check the parameters of a warm start's Word2Vec (``OPTIONS["word2vec_kwargs"]``) before any work.

    Names outside the table and the few passed through as they are (``trim_rule``, ``callbacks``, ``comment``,
    ``hashfxn``) are refused: a corpus (``sentences``, ``corpus_iterable``, ``corpus_file``) would train the
    model while it is built.
    """
    if word2vec_kwargs is None:
        return
    name = name or (lambda key: f"word2vec_kwargs[{key!r}]")
    table = OPTIONS["word2vec_kwargs"]
    if not isinstance(word2vec_kwargs, Mapping):
        raise OptionTypeError(f"word2vec_kwargs must be None or a dict, got {type(word2vec_kwargs).__name__}",
                              option="word2vec_kwargs", value=word2vec_kwargs, allowed="None or a dict")
    for key, value in word2vec_kwargs.items():
        if key in table:
            table[key].check(value, name(key))
        elif key not in WORD2VEC_PASS_THROUGH:
            known = sorted([*table, *WORD2VEC_PASS_THROUGH])
            raise OptionTypeError(f"word2vec_kwargs cannot hold {key!r}; a warm start's Word2Vec takes {known} "
                                  "(the corpus is passed to the continuation itself)", option="word2vec_kwargs",
                                  value=key, allowed=f"one of {known}")


# ----------------------------------------------------------------------------------------------------------
# the public entry point
def continue_training(
    source,
    corpus=None,
    *,
    corpus_file=None,
    epochs=None,
    alpha=None,
    min_alpha=None,
    min_count=None,
    min_count_rule="combined",
    resort=True,
    rehearsal=None,
    warm_start_epochs=1,
    word2vec_kwargs=None,
    workers=None,
    inplace=False,
    seed=None,
    members=1,
    new_model=None,
    new_model_rules=None,
    align_options=None,
    client=None,
    allow_pickle=False,
):
    """Continue training a word2vec model on a new corpus, staying close to joint training.

    Parameters
    ----------
    source : {gensim.models.Word2Vec, str, os.PathLike, gensim.models.KeyedVectors}
        The model to continue (it must carry its output layer: negative sampling, ``hs=0``), a path to a
        model saved by ``Word2Vec.save`` (a pickle: needs `allow_pickle`), or vectors alone for a warm start
        (see Notes).
    corpus : {iterable of list of str, str, os.PathLike}, optional
        The new corpus: a restartable iterable of token lists, or a path to a UTF-8 text or gzip file with one
        whitespace-tokenised sentence per line. Exactly one of `corpus` and `corpus_file` is required.
    corpus_file : str, optional
        Path to an uncompressed LineSentence file, trained with gensim's faster ``corpus_file`` mode.
    epochs : int, optional
        Passes over the new corpus, in [1, 10000]; default the source's ``epochs``.
    alpha, min_alpha : float, optional
        Learning rate at the start (in (0, 1]) and end (in [0, alpha]) of the continuation; default the source's
        ``alpha`` and ``min_alpha``. The model's stored ``alpha``/``min_alpha`` are left unchanged.
    min_count : int, optional
        Keep a new word seen at least this often (in [1, 10**12]); default the source's ``min_count``.
    min_count_rule : {"combined", "new"}, default="combined"
        Keep a new word when its old + new count reaches `min_count` (old counts below the source's
        ``min_count`` are known only if the source kept ``raw_vocab``), or, as gensim does, on new counts
        alone.
    resort : bool, default=True
        Re-sort the vocabulary by combined frequency (gensim leaves new words at the end).
    rehearsal : {iterable of list of str, str, os.PathLike}, optional
        A sample of the old corpus, interleaved evenly with the new one during training. Its words are not
        counted again (the old model's counts already hold them). Not available with `corpus_file`.
    warm_start_epochs : int, default=1
        With vectors alone as source: epochs (in [0, 10000]) over the new corpus spent learning the output layer
        while the given vectors are held (new words train freely), before the continuation proper.
    word2vec_kwargs : dict, optional
        With vectors alone as source: parameters of the Word2Vec model built around them (``window``,
        ``negative``, ``sg``, ``min_count``, ``seed``...). Refused for a model source, whose own are used.
    workers : int, optional
        Training threads (in [1, 1024]); default the source's.
    inplace : bool, default=False
        Update `source` itself instead of a deep copy (only when it is a Word2Vec model; not with `members`).
    seed : int, optional
        Seeds the continuation's random draws (new words' first vectors, negative samples, downsampling);
        default the source's seed; in [0, 2**32 - 1 - members]. With several `workers` a training is not exactly
        reproducible anyway.
    members : int, default=1
        Continued trainings to run (in [1, 64]), with seeds ``seed, seed + 1, ...``; members 2..k are aligned
        onto the first and every word averaged over the members. **k times the cost of one continuation**
        (time; memory: one extra set of vectors per member). See Notes.
    new_model : {None, "train", gensim.models.Word2Vec, gensim.models.KeyedVectors}, optional
        A model of the new corpus alone (``"train"``: trained here on `corpus` with the source's parameters,
        one more training's worth of time). After continued training it is aligned onto the continued vectors
        and combined with them per word group (`new_model_rules`), each estimate weighted by its evidence (the
        word's count in the data it saw). It adds no counts: the continued model's already hold the new corpus.
    new_model_rules : dict, optional
        Per word group, how `new_model` is combined: ``{"added": ..., "shared": ..., "old": ...}`` with
        ``"evidence"`` (count-weighted average), ``"mean"`` or ``"keep"`` (the continued vector alone). Groups:
        ``added`` words the source lacked, ``shared`` source words seen in the new corpus, ``old`` the rest.
        Default ``{"added": "evidence", "shared": "keep", "old": "keep"}``, the measured best
        (``benchmarks/RESULTS.md``); given groups override the default's.
    align_options : AlignOptions or dict, optional
        Options of the alignments of `members` and `new_model` (default ``AlignOptions()``).
    client : dask.distributed.Client, optional
        Run members 2..k (and the training of ``new_model="train"``) as tasks on the client's workers while
        the first member trains here; only keys, vectors and counts come back. The source and the corpus are
        sent to the workers (a corpus path must be readable there). Needs the ``dask`` extra
        (``pip install 'gensim-merge[dask]'``); without a client the trainings run one after another.
    allow_pickle : bool, default=False
        Let a `source` path be unpickled: ``Word2Vec.save`` writes a Python pickle, and loading one runs code
        stored in the file, so such a path is refused by default
        (:class:`~gensim_merge.errors.PickleNotAllowedError`), as in :func:`gensim_merge.load_vectors`. Its
        format is read from its bytes first; the file is loaded once. A model passed in memory needs no switch.

    Returns
    -------
    ContinuationResult
        ``model`` (the continued Word2Vec, which can be continued again) and ``report``.

    Raises
    ------
    OptionError
        An option out of its range (raised before any work), or options that do not go together.
    IncompatibleModelError
        Doc2Vec, FastText or hierarchical-softmax sources, or a source of another type.
    PickleNotAllowedError
        A `source` path (a pickle) without ``allow_pickle=True``.
    ModelFileError
        A path that does not hold a Word2Vec model with its training state.
    CorpusError
        An empty corpus, a one-shot iterator, a corpus of strings rather than token lists, or a file that is
        not text (a :class:`~gensim_merge.errors.CorpusDecodeError`, also a ``UnicodeDecodeError``, e.g. for
        a word2vec vectors file given as the corpus).
    DimensionMismatchError
        `word2vec_kwargs` with a ``vector_size`` other than the source vectors', or a `new_model` of another
        vector size.
    NoSharedVocabularyError
        A `new_model` that holds none of the words of the new corpus (known after the continued training).

    Notes
    -----
    The vocabulary is grown by gensim's ``build_vocab(corpus, update=True)`` (with a ``trim_rule`` for the
    combined ``min_count``), so gensim's own vocabulary logic, seeding of new rows and array growth apply;
    the fix-ups it lacks are in :mod:`gensim_merge.continuation`.

    The continued model's ``corpus_count`` and ``corpus_total_words`` are the combined figures (old + new),
    matching its combined word counts; the report keeps the new corpus's own.

    A warm start from vectors alone has no output layer to continue: it starts from zeros and is learned in
    `warm_start_epochs` extra passes over the new corpus, one more training's worth of time. The result stays
    further from a model continued with its output layer, because the old corpus's evidence about contexts
    (which the output layer holds) is lost; ``benchmarks/RESULTS.md`` quantifies it.

    With `members` or `new_model` the returned model is the first member's, its input vectors replaced by the
    combined ones (the output layer is the first member's); ``result.evidence`` says which estimates each word
    holds and ``report.estimates`` how many words had 1, 2, ... estimates per word group. Averaging
    independent estimates cancels part of the noise of each training; what it gains, per word group, is in
    ``benchmarks/RESULTS.md``.

    Examples
    --------
    >>> from gensim.models import Word2Vec
    >>> old = [["cpu", "runs", "code"], ["gpu", "runs", "kernels"]] * 30
    >>> new = [["cpu", "draws", "power"], ["fan", "cools", "cpu"]] * 30
    >>> src = Word2Vec(old, vector_size=8, min_count=2, workers=1, seed=3, epochs=2)
    >>> res = continue_training(src, new, epochs=2)
    >>> res.report.added_words, res.model.alpha == src.alpha
    (4, True)
    >>> res.model.wv.index_to_key[0]
    'cpu'
    """
    check_options(epochs=epochs, alpha=alpha, min_alpha=min_alpha, min_count=min_count,
                  min_count_rule=min_count_rule, warm_start_epochs=warm_start_epochs, workers=workers,
                  word2vec_kwargs=word2vec_kwargs, members=members, allow_pickle=allow_pickle)
    check_option_of("continue_training", "resort", resort)
    rules, align_options = check_estimate_options(
        members=members, new_model=new_model, client=client, new_model_rules=new_model_rules,
        align_options=align_options, seed=seed, inplace=inplace)
    corpus, corpus_file, rehearsal = training_corpus(corpus, corpus_file, rehearsal)
    if isinstance(source, (str, bytes, os.PathLike)):  # loaded once; a freshly loaded model belongs to us
        source, inplace = load_source(source, allow_pickle=allow_pickle), members == 1
    check_new_model_size(new_model, source)
    once = functools.partial(
        _continue_once, source, corpus, corpus_file, rehearsal, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
        min_count=min_count, min_count_rule=min_count_rule, resort=resort, warm_start_epochs=warm_start_epochs,
        word2vec_kwargs=word2vec_kwargs, workers=workers, inplace=inplace)
    if members == 1 and new_model is None:
        return once(seed)[0]
    if seed is None:
        seed = int(source.seed if isinstance(source, Word2Vec) else (word2vec_kwargs or {}).get("seed", 1))
    return continue_with_estimates(once, seed=seed, members=members, new_model=new_model, corpus=corpus,
                                   corpus_file=corpus_file, client=client, rules=rules,
                                   align_options=align_options)


def continue_fasttext(source: FastText | PathType, corpus: Corpus, *, epochs: int | None = None,
                      alpha: float | None = None, min_alpha: float | None = None,
                      min_count_rule: Literal["combined", "new"] = "combined", resort: bool = True,
                      workers: int | None = None,
                      allow_pickle: bool = False) -> tuple[FastText, FastTextContinuationReport]:
    """Continue training `source` on `corpus`: gensim's ``build_vocab(update=True)`` + ``train``, trap-free.

    Parameters
    ----------
    source : gensim.models.FastText or str or os.PathLike
        A full FastText model (left untouched: a deep copy is trained), or the path of one: Facebook's
        ``.bin`` (read with ``load_facebook_model`` after its layout is checked; not a pickle), or a
        ``FastText.save`` file (a pickle: refused unless `allow_pickle`).
    corpus : iterable of list of str, or str or os.PathLike
        The new corpus (restartable), or the path of a text file with one sentence per line.
    epochs, alpha, min_alpha : optional
        Training schedule (epochs in [1, 10000], alpha in (0, 1], min_alpha in [0, alpha]); default the
        source's.
    min_count_rule : {"combined", "new"}, optional
        Judge ``min_count`` on old + new counts (default) or, as gensim does, on the new corpus's alone.
    resort : bool, optional
        Re-sort the vocabulary by combined count (default).
    workers : int, optional
        Training threads, in [1, 1024]; default the source's.
    allow_pickle : bool, optional
        Let a `source` path in gensim's native format be unpickled (loading a pickle runs code stored in the
        file: only for files you trust). Default False: such a path is refused with
        :class:`~gensim_merge.errors.PickleNotAllowedError`. The file is loaded once.

    Returns
    -------
    (gensim.models.FastText, FastTextContinuationReport)

    Examples
    --------
    >>> from gensim.test.utils import common_texts
    >>> old = FastText(common_texts[:5], vector_size=8, min_count=1, bucket=500, workers=1, seed=1)
    >>> model, report = continue_fasttext(old, common_texts[5:], epochs=2)
    >>> "trees" in model.wv.key_to_index and "trees" not in old.wv.key_to_index
    True
    >>> model.alpha == old.alpha, report.added_words
    (True, 3)
    """
    check_options(epochs=epochs, alpha=alpha, min_alpha=min_alpha, min_count_rule=min_count_rule,
                  workers=workers, allow_pickle=allow_pickle)
    check_option_of("continue_fasttext", "resort", resort)
    corpus = check_corpus(corpus, "corpus")
    loaded = isinstance(source, (str, bytes, os.PathLike))
    model: FastText = _load(source, allow_pickle=allow_pickle) if loaded else source
    _check_model(model)
    model = model if loaded else copy.deepcopy(model)
    epochs, start_alpha, end_alpha = training_schedule(model, epochs, alpha, min_alpha)
    if workers is not None:
        model.workers = int(workers)
    old_corpus_count = int(model.corpus_count or 0)
    growth = grow_vocabulary(model, corpus, None, min_count=int(model.min_count), rule=min_count_rule)
    if growth.new_words == 0:
        raise CorpusError("the new corpus holds no tokens; a continuation needs at least one word")
    combine_counts(model, growth)
    moved = _resort(model) if resort else 0
    model.make_cum_table()
    with restarted_learning_rate(start_alpha, model=model):
        model.train(corpus, total_examples=growth.new_lines, total_words=growth.new_words, epochs=epochs,
                    start_alpha=start_alpha, end_alpha=end_alpha)
    wv = model.wv
    wv.norms = None
    model.corpus_count = old_corpus_count + growth.new_lines
    model.corpus_total_words = int(np.sum(wv.expandos["count"]))
    report = FastTextContinuationReport(
        old_words=growth.n_old, final_words=len(wv), added_words=growth.added,
        admitted_by_combined_count=growth.admitted_by_combined_count, moved_words=moved,
        new_corpus_lines=growth.new_lines, new_corpus_words=growth.new_words, epochs=epochs,
        start_alpha=start_alpha, end_alpha=end_alpha)
    model.add_lifecycle_event("continue_fasttext", **report.to_dict())
    logger.info("continued FastText training: %s -> %s words", growth.n_old, len(wv))
    return model, report


def _vectors_only(run_once, seed):
    """Run one member and keep only what travels back: keys, vectors, counts."""
    wv = run_once(seed)[0].model.wv
    return list(wv.index_to_key), np.asarray(wv.vectors), np.asarray(wv.expandos["count"])


def _run_members(run_once, seeds, client):
    """The first member's full result, and (keys, vectors, counts) of the others (on `client` if given)."""
    futures = [client.submit(_vectors_only, run_once, s, pure=False) for s in seeds[1:]] if client else []
    first = run_once(seeds[0])  # runs here while the cluster trains the others
    others = client.gather(futures) if client else [_vectors_only(run_once, s) for s in seeds[1:]]
    return first, others


def _as_kv(keys, vectors):
    kv = KeyedVectors(vectors.shape[1], dtype=vectors.dtype)
    kv.add_vectors(keys, vectors)
    return kv


def _average_members(wv, others, align_options):
    """`wv`'s vectors averaged with the other members' (aligned onto it), word by word: a new array, the
    number of members holding each word, and their bit mask (bit 0: the first member)."""
    total = np.array(wv.vectors, dtype=np.float32, copy=True)
    weight = np.ones(len(wv), dtype=np.float64)
    held = np.ones(len(wv), dtype=np.int32)
    bits = np.ones(len(wv), dtype=np.uint64)
    for member, (keys, vectors, _) in enumerate(others, start=1):
        alignment = fit_between(_as_kv(keys, vectors), wv, align_options)
        rows = np.fromiter((wv.key_to_index.get(k, -1) for k in keys), np.int64, len(keys))
        inside = rows >= 0
        accumulate(total, weight, rows[inside], vectors[inside], np.ones(int(inside.sum())),
                   transform=alignment.apply)
        held[rows[inside]] += 1
        bits[rows[inside]] |= np.uint64(1 << member)
    return (total / weight[:, None]).astype(np.float32), held, bits


def _new_corpus_model(new_model, model, corpus, corpus_file, seed, client):
    """The new corpus's model as KeyedVectors: given, or trained with the continued model's parameters."""
    if new_model != "train":
        return new_model.wv if isinstance(new_model, Word2Vec) else new_model
    params = {name: getattr(model, name) for name in _PARAMS if hasattr(model, name)}
    params.update(hs=0, seed=seed)
    if client is not None:
        keys, vectors, counts = client.submit(_train_vectors, params, corpus, corpus_file, pure=False).result()
        kv = _as_kv(keys, vectors)
        kv.expandos["count"] = counts
        return kv
    return Word2Vec(sentences=corpus, corpus_file=corpus_file, **params).wv


def _train_vectors(params, corpus, corpus_file):
    wv = Word2Vec(sentences=corpus, corpus_file=corpus_file, **params).wv
    return list(wv.index_to_key), np.asarray(wv.vectors), np.asarray(wv.expandos["count"])


def _counts(kv):
    """Real counts, else equal weights (missing counts or rank stand-ins; see :mod:`gensim_merge.counts`)."""
    counts = read_model_counts(kv, "new_model").real if hasattr(kv, "expandos") else None
    return np.ones(len(kv), dtype=np.int64) if counts is None else counts


def _combine_new_model(model, vectors, other_kv, groups, new_counts, rules, align_options, held):
    """Align the new corpus's model onto `vectors` (the continued model's) and combine per group.

    The continued vector of a word averages `held` member estimates, each of which saw the word's count: its
    evidence is ``held * count`` (one estimate's worth per member), the new model's its own count."""
    wv = model.wv
    check_same_dim(other_kv, wv, "new_model", "the continued model")
    rows = np.fromiter((wv.key_to_index.get(k, -1) for k in other_kv.index_to_key), np.int64, len(other_kv))
    seen = rows >= 0
    seen[seen] = new_counts[rows[seen]] > 0
    if not seen.any():
        raise NoSharedVocabularyError(
            f"new_model holds none of the words of the new corpus ({len(other_kv)} words, e.g. "
            f"{other_kv.index_to_key[:3]}); it must be a model of the new corpus: pass the right model, or "
            "new_model='train' to train one here")
    continued = _as_kv(wv.index_to_key, vectors)
    continued.expandos["count"] = np.asarray(wv.expandos["count"])
    alignment = fit_between(other_kv, continued, align_options)
    aligned = alignment.apply(other_kv.vectors, keys=other_kv.index_to_key)
    evidence = np.asarray(wv.expandos["count"], dtype=np.float64) * held
    combined, used = combine_groups(vectors, evidence, aligned, np.where(seen, rows, -1),
                                    _counts(other_kv), groups=groups, rules={code: rules[name]
                                                                             for code, name in GROUPS.items()})
    return combined.astype(np.float32), used, int(np.count_nonzero(rows < 0))


def _combined_rule(prior_raw):
    """gensim ``trim_rule`` keeping a word whose old raw count plus its new count reaches ``min_count``."""
    def rule(word, count, min_count):
        return RULE_KEEP if count + prior_raw.get(word, 0) >= min_count else RULE_DEFAULT
    return rule


def _python(value):
    """A numpy scalar as the Python number it holds (models loaded from files may hold numpy numbers)."""
    return value.item() if isinstance(value, np.generic) else value


def _table(title, rows):
    """`title`, then one ``name  value`` line per row, names aligned."""
    width = max(len(name) for name, _ in rows)
    return "\n".join([title] + [f"  {name:<{width}}  {value}" for name, value in rows])


def _head(path):
    """The first bytes of a corpus file, decompressed when it is gzip."""
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(os.path.splitext(path)[1], open)  # as LineSentence does
    with opener(path, "rb") as fh:
        return fh.read(_SNIFF_BYTES)


def _looks_like_text_vectors(head, dim):
    """Whether the line after a word2vec header is ``word`` followed by `dim` numbers."""
    lines = head.split(b"\n", 2)
    if len(lines) < 3:
        return False
    fields = lines[1].split()
    if len(fields) != dim + 1:
        return False
    try:
        [float(x) for x in fields[1:]]
    except ValueError:
        return False
    return True


def _sniff_corpus_file(path, name):
    """Refuse a vectors file (any format the package reads) or another binary file given as a corpus, and a
    file that is not UTF-8 text."""
    head = _head(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is not an error
        bad = None
    except UnicodeDecodeError as exc:
        bad = exc
    _refuse_binary(path, name, head, bad)
    header = _HEADER.match(head)
    if header is not None and (bad is not None or _looks_like_text_vectors(head, int(header.group(2)))):
        words, dim = int(header.group(1)), int(header.group(2))
        kind = "binary" if bad is not None else "text"
        message = (f"{name} file {path!r} looks like a word2vec {kind} vectors file ({words} words x {dim} "
                   "dimensions), not text: a corpus is one whitespace-tokenised sentence per line. Pass the "
                   "model as the source and the training text as the corpus")
        if bad is None:
            raise CorpusError(message)
        raise CorpusDecodeError(message, bad.encoding, bad.object, bad.start, bad.end, bad.reason)
    if bad is not None:
        raise CorpusDecodeError(
            f"{name} file {path!r} is not UTF-8 text (byte {bad.object[bad.start]:#04x} at offset {bad.start}: "
            f"{bad.reason}); gensim reads corpora as UTF-8: convert it, e.g. iconv -f latin1 -t utf-8",
            bad.encoding, bad.object, bad.start, bad.end, bad.reason)


def _refuse_binary(path, name, head, bad):
    """Refuse a model file (safetensors, pickle, fastText or word2vec binary) or a file holding NUL bytes; a
    :class:`CorpusDecodeError` (a UnicodeDecodeError) when its bytes are not UTF-8 (`bad`), as for any binary."""
    from gensim_merge._files import describe_format, sniff

    try:
        found = sniff(path)
    except (OSError, ValueError):
        found = None  # not a vectors file: text is checked next
    if found is not None and found.fmt == "word2vec-binary":
        return  # named with its size by the caller
    if found is not None and found.fmt != "word2vec-text":
        kind = describe_format(found.fmt, compressed=found.compressed).split(" (")[0]
        message = (f"{name} file {path!r} is a {kind} vectors file, not text: a corpus is one whitespace-tokenised "
                   "sentence per line. Pass the model as the source and the training text as the corpus")
    elif b"\0" in head:
        message = (f"{name} file {path!r} is a binary file (it holds NUL bytes), not text: a corpus is one "
                   "whitespace-tokenised sentence per line")
    else:
        return
    if bad is None:
        raise CorpusError(message)
    raise CorpusDecodeError(message, bad.encoding, bad.object, bad.start, bad.end, bad.reason)


def _check_path(corpus, name):
    path = os.fspath(corpus)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not os.path.isfile(path):
        raise CorpusError(f"{name} path {path!r} is not a file; pass an existing text or .gz file "
                          "(one whitespace-tokenised sentence per line) or an iterable of token lists")
    if os.path.getsize(path) == 0:
        raise CorpusError(f"{name} file {path!r} is empty; a continuation needs at least one sentence")
    _sniff_corpus_file(path, name)
    return path


# ----------------------------------------------------------------------------------------------------------
# the steps
def _working_model(source, word2vec_kwargs, inplace):
    """The Word2Vec model to continue (a deep copy unless `inplace`), and whether it is a warm start.

    `source` is a model or vectors: a path was loaded (once) by :func:`continue_training`."""
    if isinstance(source, KeyedVectors):
        return model_from_vectors(source, word2vec_kwargs), True
    if word2vec_kwargs:
        raise OptionError("word2vec_kwargs apply to a warm start from vectors only; a Word2Vec source keeps "
                          f"its own parameters (got {sorted(word2vec_kwargs)})")
    check_word2vec(source)
    return (source if inplace else copy.deepcopy(source)), False


def _train(model, train_args, *, warm_epochs, held_rows, epochs, start_alpha, end_alpha):
    """Warm-start epochs (input vectors of `held_rows` held), then the continuation proper; alpha restored."""
    try:
        with restarted_learning_rate(start_alpha, model=model):  # puts back alpha/min_alpha, which train overwrites
            if warm_epochs:
                model.wv.vectors_lockf = np.where(held_rows, 0.0, 1.0).astype(_REAL)
                model.train(epochs=warm_epochs, start_alpha=start_alpha, end_alpha=start_alpha, **train_args)
                model.wv.vectors_lockf = np.ones(1, dtype=_REAL)
            model.train(epochs=epochs, start_alpha=start_alpha, end_alpha=end_alpha, **train_args)
    finally:
        model.wv.vectors_lockf = np.ones(1, dtype=_REAL)
    model.wv.norms = None


def _continue_once(source, corpus, corpus_file, rehearsal, seed, *, epochs, alpha, min_alpha, min_count,
                   min_count_rule, resort, warm_start_epochs, word2vec_kwargs, workers, inplace):
    """One continued training (options checked): (ContinuationResult, was_old, new_counts) per final row."""
    started = time.perf_counter()
    model, warm = _working_model(source, word2vec_kwargs, inplace)
    if seed is not None:
        model.seed, model.random = int(seed), np.random.RandomState(int(seed))
    if workers is not None:
        model.workers = int(workers)
    epochs, start_alpha, end_alpha = training_schedule(model, epochs, alpha, min_alpha)
    min_count = int(model.min_count if min_count is None else min_count)
    model.min_count = min_count  # the continued model's setting, for a further continuation

    # --- vocabulary: gensim's update, then the fix-ups it lacks
    old_corpus = int(model.corpus_count or 0), model.corpus_total_words
    growth = grow_vocabulary(model, corpus, corpus_file, min_count=min_count, rule=min_count_rule)
    if growth.new_words == 0:
        model.corpus_count, model.corpus_total_words = old_corpus
        raise CorpusError("the new corpus holds no tokens; a continuation needs at least one word")
    # a warm start from vectors without real counts: their invented counts are never added to the new ones
    combine_counts(model, growth, old_estimated=warm and invented_counts(source))
    moved, new_counts, was_old = 0, growth.new_counts, growth.was_old
    if resort:
        moved, (new_counts, was_old) = resort_vocabulary(model, new_counts, was_old)
    model.make_cum_table()
    rehearsal_lines = rehearsal_words = 0
    train_corpus = corpus
    if rehearsal is not None:
        rehearsal_lines, rehearsal_words = count_lines(rehearsal)
        train_corpus = Interleaved(corpus, rehearsal, growth.new_lines, rehearsal_lines)
    seconds_vocab = time.perf_counter() - started

    # --- training
    t0 = time.perf_counter()
    warm_epochs = int(warm_start_epochs) if warm else 0
    _train(model, {"corpus_iterable": train_corpus, "corpus_file": corpus_file,
                       "total_examples": growth.new_lines + rehearsal_lines,
                       "total_words": growth.new_words + rehearsal_words},
           warm_epochs=warm_epochs, held_rows=was_old, epochs=epochs, start_alpha=start_alpha,
           end_alpha=end_alpha)
    seconds_train = time.perf_counter() - t0

    # --- corpus_count trap: the combined record, matching the combined counts
    model.corpus_count = growth.new_lines + old_corpus[0]
    model.corpus_total_words = int(np.sum(model.wv.expandos["count"]))
    report = ContinuationReport(
        old_words=growth.n_old, final_words=len(model.wv), added_words=growth.added,
        admitted_by_combined_count=growth.admitted_by_combined_count,
        shared_words=int(np.count_nonzero(was_old & (new_counts > 0))),
        old_words_unseen=int(np.count_nonzero(was_old & (new_counts == 0))),
        min_count=min_count, min_count_rule=min_count_rule, resorted=bool(resort), moved_words=moved,
        start_alpha=start_alpha, end_alpha=end_alpha, epochs=epochs, warm_start=bool(warm),
        warm_start_epochs=warm_epochs, rehearsal_lines=int(rehearsal_lines), new_corpus_lines=growth.new_lines,
        new_corpus_words=growth.new_words, combined_corpus_count=int(model.corpus_count),
        seconds_vocab=round(seconds_vocab, 3), seconds_train=round(seconds_train, 3),
        seconds_total=round(time.perf_counter() - started, 3),
    )
    model.add_lifecycle_event("continue_training", **{k: v for k, v in report.to_dict().items()
                                                      if not k.startswith("seconds")})
    logger.info("continued training: %s -> %s words (+%s), %.1fs", growth.n_old, len(model.wv), growth.added,
                report.seconds_total)
    return ContinuationResult(model=model, report=report), was_old, new_counts


def _load(source: PathType, *, allow_pickle: bool) -> FastText:
    """The full FastText model at `source`, read once: Facebook's ``.bin`` (its layout checked, no pickle) or,
    with `allow_pickle`, gensim's ``FastText.save`` file; the format is read from the file's bytes first."""
    path = os.fspath(source)
    fmt = sniff(path).fmt  # missing, truncated or damaged files: the package's error, nothing unpickled
    if fmt not in ("fasttext-binary", "native"):
        raise ModelFileError(f"{path!r} holds {describe_format(fmt)} vectors, not a full FastText model; vectors "
                             "alone cannot be trained further")
    if fmt == "native" and not allow_pickle:
        raise refuse_pickle(path)
    try:
        if fmt == "fasttext-binary":
            return load_facebook_model(path)
        return FastText.load(path)
    except (
        pickle.UnpicklingError,
        AttributeError,
        EOFError,
        ValueError,
        TypeError,
        ImportError,
        AssertionError,
    ) as err:
        raise ModelFileError(
            f"cannot read {path} as a full FastText model ({type(err).__name__}: {err}); vectors "
            "alone (a .wv file, load_facebook_vectors) cannot be trained further"
        ) from err


def _check_model(model):
    if not isinstance(model, FastText):
        raise IncompatibleModelError(
            f"continue_fasttext needs a gensim FastText model (or its path), got "
            f"{type(model).__name__}; word2vec models go to MergeableKeyedVectors.continue_from"
        )
    if model.hs:
        raise IncompatibleModelError("the source uses hierarchical softmax (hs=1): gensim rebuilds its Huffman tree "
                                     "under the old output weights on a vocabulary update; continue negative-sampling "
                                     "models only")
    if len(model.wv) == 0 or getattr(model, "syn1neg", None) is None or len(model.syn1neg) != len(model.wv):
        raise EmptyModelError("the source FastText model has no trained vocabulary or output layer; train it "
                              "first, or load it with load_facebook_model (not load_facebook_vectors)")


def _resort(model):
    """Re-sort by combined count (the word2vec step) and move fastText's own per-word arrays along."""
    wv = model.wv
    moved, (vectors_vocab, order) = resort_vocabulary(model, wv.vectors_vocab, np.arange(len(wv)))
    wv.vectors_vocab = vectors_vocab
    wv.buckets_word = [wv.buckets_word[i] for i in order.tolist()]
    return moved
