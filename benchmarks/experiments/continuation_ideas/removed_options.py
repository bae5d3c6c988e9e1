"""Removed continuation options, kept for the experiments that measured them (not part of the package).

A verbatim copy of gensim_merge/continuation.py at commit 9e37d86 (before continued training was rebuilt on
gensim's build_vocab(update=True)): per-word locks (`lock`, `lock_power`), drift correction (`drift_correction`,
`correct_drift`, `anchors`) and blending (`blend`, `blend_every_epoch`). They measured no closer to joint
training than the default (benchmarks/CONTINUATION_RESULTS.md) and left the library;
continuation_experiments.py and exp6.py (next to this file) import them from here to rerun those measurements.

The original module docstring follows.

Continued training of a word2vec model on a new corpus, done right.

gensim's own recipe (``build_vocab(corpus, update=True)`` then ``train(corpus, ...)``) works, but it leaves
several traps and lets the last corpus win. :func:`continue_training` runs the same machinery on a deep copy
of the source model and adds (the options marked "opt-in" measured no closer to joint training on the
benchmark and are off by default; see ``benchmarks/CONTINUATION_RESULTS.md``):

* ``min_count`` judged on combined counts (old + new), and each word's downsampling threshold computed from
  its combined frequency, as a joint training on both corpora would;
* the vocabulary re-sorted by combined frequency, with every per-word array kept consistent (input vectors,
  ``count``/``sample_int`` attributes, output-layer rows, the negative-sampling ``cum_table``);
* opt-in: per-word learning-rate scaling through ``vectors_lockf`` (``lock="evidence"``): a word moves in
  proportion to the share of its evidence that the new corpus brings, so what the old corpus taught is not
  overwritten;
* opt-in: drift correction, an orthogonal map fitted on stable shared words (old position -> new position)
  carries the old words that the new corpus never mentions along with the moving space, and optionally
  blends each shared word's old vector (mapped) into its continued vector, weighted by the counts;
* an optional rehearsal sample of the old corpus interleaved with the new one;
* a warm start from vectors alone (no output layer): the input vectors are held while the output layer is
  learned, then released;
* the gensim traps: ``train(start_alpha=...)`` overwriting ``alpha`` (restored), ``corpus_count`` overwritten
  by the new corpus's (a combined record is kept), ``vectors_lockf`` left at length 1 (sized per word while
  training, released afterwards), hierarchical softmax rebuilding its Huffman tree under old weights
  (refused).

Examples
--------
>>> from gensim.models import Word2Vec
>>> old = [["cat", "sat", "on", "mat"], ["dog", "sat", "on", "rug"]] * 20
>>> new = [["cat", "ate", "the", "fish"], ["dog", "ate", "the", "bone"]] * 20
>>> source = Word2Vec(old, vector_size=8, min_count=1, workers=1, seed=1, epochs=2)
>>> result = continue_training(source, new, epochs=2)
>>> sorted(set(result.model.wv.index_to_key) - set(source.wv.index_to_key))
['ate', 'bone', 'fish', 'the']
>>> "fish" in source.wv  # the source is left untouched
False
"""

import copy
import dataclasses
import logging
import os
import time
from collections.abc import Iterable, Iterator
from typing import Optional

import numpy as np
from gensim.models import Word2Vec
from gensim.models.keyedvectors import KeyedVectors
from gensim.models.word2vec import LineSentence
from scipy.linalg import orthogonal_procrustes

from gensim_merge.errors import (
    CorpusError,
    DimensionMismatchError,
    EmptyModelError,
    IncompatibleModelError,
    ModelFileError,
)

__all__ = [
    "LOCKS",
    "ContinuationReport",
    "ContinuationResult",
    "continue_training",
    "correct_drift",
]

logger = logging.getLogger(__name__)

#: Per-word learning-rate rules during continuation (see :func:`continue_training`).
LOCKS = ("none", "evidence")

#: How many of the most frequent stable shared words guide the drift map.
DEFAULT_ANCHORS = 5000

_REAL = np.float32


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
    lock : str
        Per-word learning-rate rule (one of :data:`LOCKS`).
    warm_start, warm_start_epochs : bool, int
        Whether the source was vectors alone, and the epochs spent learning the output layer first.
    rehearsal_lines : int
        Lines of the old corpus interleaved with the new one (0 when none was given).
    new_corpus_lines, new_corpus_words, combined_corpus_count : int
        Size of the new corpus; ``combined_corpus_count`` is what the model's ``corpus_count`` now holds.
    drift_correction : bool
    drift_corrected_words : int
        Old words absent from the new corpus mapped along with the space.
    blend, blended_words : float, int
        Strength of the count-weighted blend of old vectors into shared words, and how many were blended.
    anchors : int
        Stable shared words the drift map was fitted on (0 when no map was fitted).
    fit_cosine : float or None
        Mean cosine, over the anchors, between the mapped old vector and the continued one (1.0 is perfect).
    seconds_vocab, seconds_train, seconds_post, seconds_total : float
        Wall-clock timings.
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
    lock: str
    warm_start: bool
    warm_start_epochs: int
    rehearsal_lines: int
    new_corpus_lines: int
    new_corpus_words: int
    combined_corpus_count: int
    drift_correction: bool
    drift_corrected_words: int
    blend: float
    blended_words: int
    anchors: int
    fit_cosine: Optional[float]
    seconds_vocab: float
    seconds_train: float
    seconds_post: float
    seconds_total: float

    def to_dict(self):
        """Return the report as a plain dict of JSON-safe values."""
        return dataclasses.asdict(self)

    def __str__(self):
        fit = "n/a" if self.fit_cosine is None else f"{self.fit_cosine:.3f}"
        rows = [
            ("vocabulary", f"{self.old_words} -> {self.final_words} words (+{self.added_words}, "
                           f"{self.admitted_by_combined_count} admitted by combined counts)"),
            ("min_count", f"{self.min_count} on {self.min_count_rule} counts"),
            ("shared / old unseen", f"{self.shared_words} / {self.old_words_unseen}"),
            ("re-sorted", f"{self.resorted} ({self.moved_words} words moved)"),
            ("new corpus", f"{self.new_corpus_lines} lines, {self.new_corpus_words} words; "
                           f"rehearsal {self.rehearsal_lines} lines"),
            ("schedule", f"{self.epochs} epochs, alpha {self.start_alpha:g} -> {self.end_alpha:g}, "
                         f"lock={self.lock}"),
            ("warm start", f"{self.warm_start} ({self.warm_start_epochs} output-layer epochs)"
                           if self.warm_start else "no"),
            ("drift correction", f"{self.drift_corrected_words} words mapped, {self.blended_words} blended "
                                 f"(blend={self.blend:g}); {self.anchors} anchors, fit cosine {fit}"),
            ("time", f"vocab {self.seconds_vocab:.1f}s, train {self.seconds_train:.1f}s, "
                     f"post {self.seconds_post:.1f}s, total {self.seconds_total:.1f}s"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"{self.__class__.__name__}"] + [f"  {name:<{width}}  {value}" for name, value in rows]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class ContinuationResult:
    """The outcome of :func:`continue_training`.

    Attributes
    ----------
    model : gensim.models.Word2Vec
        The continued model, with its training state, ready to be continued again.
    report : ContinuationReport
        What was done.
    """

    model: Word2Vec
    report: ContinuationReport


# ----------------------------------------------------------------------------------------------------------
# corpus handling

class _Interleaved:
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


def _check_corpus(corpus, name):
    """Return a restartable iterable of token lists for `corpus` (iterable or path), or raise CorpusError."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        path = os.fspath(corpus)
        if not os.path.isfile(path):
            raise CorpusError(f"{name} path {path!r} is not a file; pass an existing text or .gz file "
                              "(one whitespace-tokenised sentence per line) or an iterable of token lists")
        if os.path.getsize(path) == 0:
            raise CorpusError(f"{name} file {path!r} is empty; a continuation needs at least one sentence")
        return LineSentence(path)
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


class _TokenListsOnly:
    """Pass a corpus through, refusing any later item that is a plain string (checked on every pass).

    The first item is checked eagerly by :func:`_check_corpus`; a string further on would otherwise make
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


def _count_lines(corpus):
    """Lines and words of a corpus (one pass)."""
    lines = words = 0
    for line in corpus:
        lines += 1
        words += len(line)
    return lines, words


# ----------------------------------------------------------------------------------------------------------
# sources

def _check_word2vec(model, what="source"):
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
    if model.max_final_vocab is not None:
        logger.info("source has max_final_vocab=%s; continuation applies min_count=%s only",
                    model.max_final_vocab, model.min_count)


def _load_source(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(f"no model file at {path!r}; save the source with model.save(path) first")
    try:
        obj = Word2Vec.load(path)
    except Exception as exc:  # gensim raises many types for foreign files
        try:
            obj = KeyedVectors.load(path)
        except Exception:
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


def _model_from_vectors(kv, word2vec_kwargs):
    """A Word2Vec model whose input vectors are `kv`'s (copied), with an empty output layer."""
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
    counts = kv.expandos.get("count") if hasattr(kv, "expandos") else None
    if counts is None or len(counts) != len(kv) or not np.all(np.asarray(counts) > 0):
        # no counts: assume a Zipf law on the stored order, which is by descending frequency in gensim files
        counts = np.maximum(1, np.round(1e6 / np.arange(1, len(kv) + 1))).astype(np.int64)
    wv.expandos["count"] = np.asarray(counts, dtype=np.int64).copy()
    wv.expandos["sample_int"] = np.full(len(kv), 2**32 - 1, dtype=np.uint32)
    model.syn1neg = np.zeros_like(wv.vectors)
    wv.vectors_lockf = np.ones(1, dtype=_REAL)
    model.corpus_count = 0
    model.corpus_total_words = int(wv.expandos["count"].sum())
    model.make_cum_table()
    return model


# ----------------------------------------------------------------------------------------------------------
# vocabulary

def _sample_ints(counts, sample, total):
    """gensim's downsampling keep-probabilities (as uint32 thresholds) for `counts` out of `total`."""
    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    if not sample:
        prob = np.ones_like(counts)
    else:
        threshold = sample * total if sample < 1.0 else int(sample * (3 + np.sqrt(5)) / 2)
        prob = np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * (threshold / counts))
    return (prob * (2**32 - 1)).astype(np.uint32)


def _update_vocab(model, raw_new, prior_raw, rule):
    """Add the new corpus's words to `model` (in place); return per-row (old_count, new_count, old_index)."""
    wv = model.wv
    n_old = len(wv)
    min_count = int(model.min_count)
    old_counts = np.asarray(wv.expandos["count"], dtype=np.int64).copy()
    added, by_combined = [], 0
    for word, count in raw_new.items():  # dict order: first occurrence in the corpus, deterministic
        if word in wv.key_to_index:
            continue
        if count >= min_count:
            added.append(word)
        elif rule == "combined" and count + prior_raw.get(word, 0) >= min_count:
            added.append(word)
            by_combined += 1
    for word in added:
        wv.key_to_index[word] = len(wv.index_to_key)
        wv.index_to_key.append(word)
    wv.resize_vectors(seed=model.seed)
    model.syn1neg = np.vstack([model.syn1neg, np.zeros((len(added), model.layer1_size), dtype=_REAL)])

    old_part = np.concatenate([old_counts, np.fromiter((prior_raw.get(w, 0) for w in added), np.int64,
                                                       count=len(added))])
    new_part = np.fromiter((raw_new.get(w, 0) for w in wv.index_to_key), np.int64, count=len(wv))
    combined = old_part + new_part
    wv.expandos["count"] = combined
    wv.expandos["sample_int"] = _sample_ints(combined, model.sample, combined.sum())
    old_index = np.full(len(wv), -1, dtype=np.int64)
    old_index[:n_old] = np.arange(n_old)
    return old_part, new_part, old_index, len(added), by_combined


def _resort(model, *arrays):
    """Re-sort `model`'s vocabulary by descending count, permuting every per-word array together."""
    wv = model.wv
    counts = np.asarray(wv.expandos["count"], dtype=np.int64)
    order = np.lexsort((np.arange(len(counts)), -counts))
    moved = int(np.count_nonzero(order != np.arange(len(order))))
    wv.index_to_key = [wv.index_to_key[i] for i in order]
    wv.key_to_index = {key: i for i, key in enumerate(wv.index_to_key)}
    for attr in list(wv.expandos):
        wv.expandos[attr] = wv.expandos[attr][order]
    wv.vectors = wv.vectors[order]
    wv.norms = None
    model.syn1neg = model.syn1neg[order]
    return moved, [a[order] for a in arrays]


# ----------------------------------------------------------------------------------------------------------
# drift correction

def correct_drift(old_vectors, new_vectors, old_counts, new_counts, *, blend=0.0, anchors=DEFAULT_ANCHORS,
                  min_count=5):
    """Carry old words along with a continued space and blend old evidence into shared words.

    Parameters
    ----------
    old_vectors : (n, d) ndarray
        Each word's vector before the continuation (rows of words new to the model are ignored).
    new_vectors : (n, d) ndarray
        The same words' vectors after it. Not modified.
    old_counts, new_counts : (n,) ndarray of int
        Each word's count in the old corpus (0 for new words) and in the new corpus.
    blend : float, default=0.0
        For words in both corpora, the result is ``(1 - b) * new + b * map(old)`` with
        ``b = blend * old / (old + new)`` (counts). 0 keeps the continued vectors.
    anchors : int, default=5000
        At most this many shared words, those with the highest combined count among words seen at least
        `min_count` times in each corpus, guide the map.
    min_count : int, default=5

    Returns
    -------
    vectors : (n, d) ndarray
        Corrected vectors, same dtype as `new_vectors`.
    info : dict
        ``anchors`` used, ``fit_cosine`` (mean cosine of mapped old vs new over the anchors), ``mapped``
        (old words absent from the new corpus, replaced by their mapped old vector) and ``blended``.

    Notes
    -----
    The map is ``x -> s * x @ R`` with ``R`` minimising ``||U_old R - U_new||_F`` over orthogonal matrices
    (Schönemann 1966), ``U`` the unit-normalised anchor vectors, and ``s`` the ratio of the anchors' median
    norms. Input vectors of words that do not occur in the new corpus receive no update while the rest of
    the space moves; mapping them keeps them comparable with the rest (Hamilton et al. 2016 align diachronic
    embeddings the same way).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> old = rng.normal(size=(50, 4))
    >>> q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> new = old @ q
    >>> new[-5:] = old[-5:]  # five words the new corpus never mentioned stayed behind
    >>> counts_new = np.r_[np.full(45, 10), np.zeros(5)]
    >>> fixed, info = correct_drift(old, new, np.full(50, 10), counts_new)
    >>> bool(np.allclose(fixed, old @ q)), info["mapped"]
    (True, 5)
    """
    old_counts = np.asarray(old_counts, dtype=np.float64)
    new_counts = np.asarray(new_counts, dtype=np.float64)
    shared = (old_counts > 0) & (new_counts > 0)
    unseen = (old_counts > 0) & (new_counts == 0)
    stable = np.flatnonzero((old_counts >= min_count) & (new_counts >= min_count))
    if len(stable) < old_vectors.shape[1]:
        stable = np.flatnonzero(shared)
    info = {"anchors": 0, "fit_cosine": None, "mapped": 0, "blended": 0}
    result = np.array(new_vectors, copy=True)
    if len(stable) < max(2, old_vectors.shape[1]):
        logger.warning("drift correction skipped: %s shared words, fewer than the %s dimensions",
                       len(stable), old_vectors.shape[1])
        return result, info
    top = stable[np.argsort(-(old_counts + new_counts)[stable], kind="stable")[:anchors]]
    a = np.asarray(old_vectors[top], dtype=np.float64)
    b = np.asarray(new_vectors[top], dtype=np.float64)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    ok = (na > 0) & (nb > 0)
    a, b, na, nb = a[ok], b[ok], na[ok], nb[ok]
    ua, ub = a / na[:, None], b / nb[:, None]
    rot, _ = orthogonal_procrustes(ua, ub)
    scale = float(np.median(nb) / np.median(na))
    info["anchors"] = int(len(a))
    info["fit_cosine"] = float(np.mean(np.sum((ua @ rot) * ub, axis=1)))
    rot = (scale * rot).astype(result.dtype)
    idx = np.flatnonzero(unseen)
    if len(idx):
        result[idx] = old_vectors[idx].astype(result.dtype) @ rot
    info["mapped"] = int(len(idx))
    if blend > 0:
        idx = np.flatnonzero(shared)
        weight = (blend * old_counts[idx] / (old_counts[idx] + new_counts[idx])).astype(result.dtype)[:, None]
        result[idx] = (1 - weight) * result[idx] + weight * (old_vectors[idx].astype(result.dtype) @ rot)
        info["blended"] = int(len(idx))
    return result, info


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
    min_count_rule="combined",
    resort=True,
    lock="none",
    lock_power=1.0,
    drift_correction=False,
    blend=0.0,
    blend_every_epoch=False,
    anchors=DEFAULT_ANCHORS,
    rehearsal=None,
    warm_start_epochs=1,
    word2vec_kwargs=None,
    workers=None,
    inplace=False,
):
    """Continue training a word2vec model on a new corpus, staying close to joint training.

    Parameters
    ----------
    source : {gensim.models.Word2Vec, str, os.PathLike, gensim.models.KeyedVectors}
        The model to continue (it must carry its output layer: negative sampling, ``hs=0``), a path to a
        model saved by ``Word2Vec.save``, or vectors alone for a warm start (see Notes).
    corpus : {iterable of list of str, str, os.PathLike}, optional
        The new corpus: a restartable iterable of token lists, or a path to a text or gzip file with one
        whitespace-tokenised sentence per line. Exactly one of `corpus` and `corpus_file` is required.
    corpus_file : str, optional
        Path to an uncompressed LineSentence file, trained with gensim's faster ``corpus_file`` mode.
    epochs : int, optional
        Passes over the new corpus; default the source's ``epochs``.
    alpha, min_alpha : float, optional
        Learning rate at the start and end of the continuation; default the source's ``alpha`` and
        ``min_alpha``. The model's stored ``alpha``/``min_alpha`` are left unchanged.
    min_count_rule : {"combined", "new"}, default="combined"
        Keep a new word when its old + new count reaches ``min_count`` (old counts below the source's
        ``min_count`` are known only if the source kept ``raw_vocab``), or, as gensim does, on new counts
        alone. The words only the combined rule admits are rare in the new corpus and start from random
        vectors: coverage of the joint vocabulary rises, neighbour fidelity falls (see the benchmark notes).
    resort : bool, default=True
        Re-sort the vocabulary by combined frequency (gensim leaves new words at the end).
    lock : {"none", "evidence"}, default="none"
        Per-word learning-rate scale of the input vectors during the continuation: ``"evidence"`` scales each
        word by the new corpus's share of its combined count (``new / (old + new)``), so words the old corpus
        knew well move less; ``"none"`` lets every word move at the full rate (gensim's behaviour). The
        default is measured: ``"evidence"`` gained at most .01-.03 of the noise floor on different-domain
        corpora and lost .04-.12 on same-distribution ones (benchmarks/CONTINUATION_RESULTS.md).
    lock_power : float, default=1.0
        With ``lock="evidence"``, the share is raised to this power (larger: old words move less).
    drift_correction : bool, default=False
        Map old words absent from the new corpus along with the moving space (see :func:`correct_drift`).
        Off by default: on the fidelity benchmark it lowered the neighbour overlap of those words with the
        jointly trained model (0.82 -> 0.79 of the noise floor) without raising the pair correlation; use
        it when the old words must be compared with the moved space by a linear probe or across models.
    blend : float, default=0.0
        Strength of the count-weighted blend of each shared word's old (mapped) vector into its continued one;
        0 (the default: measured not to bring the result closer to joint training) switches it off.
        Ignored without `drift_correction`.
    blend_every_epoch : bool, default=False
        Apply the drift correction and blend after every epoch instead of once at the end, so the rest of
        the space (new words, the output layer) adapts to the blended positions while training goes on.
    anchors : int, default=5000
        Most frequent stable shared words fitting the drift map.
    rehearsal : {iterable of list of str, str, os.PathLike}, optional
        A sample of the old corpus, interleaved evenly with the new one during training. Its words are not
        counted again (the old model's counts already hold them). Not available with `corpus_file`.
    warm_start_epochs : int, default=1
        With vectors alone as source: epochs over the new corpus spent learning the output layer while the
        given vectors are held (new words train freely), before the continuation proper.
    word2vec_kwargs : dict, optional
        With vectors alone as source: parameters of the Word2Vec model built around them (``window``,
        ``negative``, ``sg``, ``min_count``, ``seed``...). Refused for a model source, whose own are used.
    workers : int, optional
        Training threads; default the source's.
    inplace : bool, default=False
        Update `source` itself instead of a deep copy (only when it is a Word2Vec model).

    Returns
    -------
    ContinuationResult
        ``model`` (the continued Word2Vec, which can be continued again) and ``report``.

    Raises
    ------
    IncompatibleModelError
        Doc2Vec, FastText or hierarchical-softmax sources, or a source of another type.
    ModelFileError
        A path that does not hold a Word2Vec model with its training state.
    CorpusError
        An empty corpus, a one-shot iterator, or a corpus of strings rather than token lists.
    DimensionMismatchError
        `word2vec_kwargs` with a ``vector_size`` other than the source vectors'.
    ValueError
        Bad option values or combinations.

    Notes
    -----
    The continued model's ``corpus_count`` and ``corpus_total_words`` are the combined figures (old + new),
    matching its combined word counts; the report keeps the new corpus's own.

    A warm start from vectors alone has no output layer to continue: it starts from zeros and is learned in
    `warm_start_epochs` extra passes over the new corpus, one more training's worth of time. The result stays
    further from a model continued with its output layer, because the old corpus's evidence about contexts
    (which the output layer holds) is lost; the benchmarks in ``benchmarks/CONTINUATION_RESULTS.md`` quantify
    it.

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
    started = time.perf_counter()
    if min_count_rule not in ("combined", "new"):
        raise ValueError(f"min_count_rule must be 'combined' or 'new', got {min_count_rule!r}")
    if lock not in LOCKS:
        raise ValueError(f"lock must be one of {sorted(LOCKS)}, got {lock!r}")
    if not float(lock_power) > 0:
        raise ValueError(f"lock_power must be positive, got {lock_power!r}")
    if not 0.0 <= float(blend) <= 1.0:
        raise ValueError(f"blend must lie in [0, 1], got {blend!r}")
    if int(anchors) < 2:
        raise ValueError(f"anchors must be at least 2, got {anchors!r}")
    if corpus is None and corpus_file is None:
        raise CorpusError("no new corpus given; pass corpus=... (token lists or a path) or corpus_file=...")
    if corpus is not None and corpus_file is not None:
        raise CorpusError("pass either corpus or corpus_file, not both")
    if corpus_file is not None and rehearsal is not None:
        raise ValueError("rehearsal cannot be mixed into a corpus_file run; pass the new corpus as "
                         "corpus=path")

    # --- the model to work on
    warm = isinstance(source, KeyedVectors)
    if isinstance(source, (str, bytes, os.PathLike)):
        source = _load_source(source)
        inplace = True  # a freshly loaded model belongs to us
    if warm:
        model = _model_from_vectors(source, word2vec_kwargs)
    else:
        if word2vec_kwargs:
            raise ValueError("word2vec_kwargs apply to a warm start from vectors only; a Word2Vec source "
                             f"keeps its own parameters (got {sorted(word2vec_kwargs)})")
        _check_word2vec(source)
        model = source if inplace else copy.deepcopy(source)
    if workers is not None:
        model.workers = int(workers)
    epochs = int(model.epochs if epochs is None else epochs)
    start_alpha = float(model.alpha if alpha is None else alpha)
    end_alpha = float(model.min_alpha if min_alpha is None else min_alpha)
    if epochs < 1 or not start_alpha > 0 or not 0 <= end_alpha <= start_alpha:
        raise ValueError(f"need epochs >= 1 and 0 <= min_alpha <= alpha, alpha > 0; got epochs={epochs}, "
                         f"alpha={start_alpha}, min_alpha={end_alpha}")

    # --- corpus
    if corpus_file is not None:
        path = os.fspath(corpus_file)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            raise CorpusError(f"corpus_file {path!r} is missing or empty; pass an existing LineSentence file")
        if path.endswith((".gz", ".bz2", ".xz", ".zst")):
            raise CorpusError(f"corpus_file {path!r} is compressed, which gensim's corpus_file mode cannot "
                              "read; pass it as corpus=path instead, or decompress it")
        train_corpus = None
    else:
        corpus = _check_corpus(corpus, "corpus")
        train_corpus = corpus
    rehearsal_lines = 0
    if rehearsal is not None:
        rehearsal = _check_corpus(rehearsal, "rehearsal")

    # --- vocabulary
    prior_raw = dict(getattr(model, "raw_vocab", None) or {})
    old_alpha, old_min_alpha = model.alpha, model.min_alpha
    old_vectors = model.wv.vectors.copy()
    old_syn1neg = model.syn1neg.copy()
    n_old = len(model.wv)
    old_corpus_count = int(model.corpus_count or 0)
    total_words, new_lines = model.scan_vocab(corpus_iterable=train_corpus, corpus_file=corpus_file)
    raw_new = model.raw_vocab
    model.raw_vocab = {}
    if total_words == 0:
        raise CorpusError("the new corpus holds no tokens; a continuation needs at least one word")
    old_part, new_part, old_index, n_added, by_combined = _update_vocab(model, raw_new, prior_raw,
                                                                        min_count_rule)
    moved = 0
    if resort:
        moved, (old_part, new_part, old_index) = _resort(model, old_part, new_part, old_index)
    model.make_cum_table()
    if rehearsal is not None:
        rehearsal_lines, rehearsal_words = _count_lines(rehearsal)
        train_corpus = _Interleaved(corpus, rehearsal, new_lines, rehearsal_lines)
    else:
        rehearsal_words = 0
    seconds_vocab = time.perf_counter() - started

    # --- training
    t0 = time.perf_counter()
    n = len(model.wv)
    # old evidence that comes with an old vector (words admitted by combined counts start from random)
    old_known = np.where(old_index >= 0, old_part, 0)
    if lock == "evidence":
        share = new_part / np.maximum(old_known + new_part, 1)
        lockf = np.where(old_known > 0, share ** float(lock_power), 1.0).astype(_REAL)
    else:
        lockf = np.ones(n, dtype=_REAL)
    train_args = dict(corpus_iterable=train_corpus, corpus_file=corpus_file,
                      total_examples=new_lines + rehearsal_lines, total_words=total_words + rehearsal_words)
    rows = np.flatnonzero(old_index >= 0)
    snap = np.zeros_like(model.wv.vectors)
    snap[rows] = old_vectors[old_index[rows]]
    correct = bool(drift_correction and n_old)
    info = {"anchors": 0, "fit_cosine": None, "mapped": 0, "blended": 0}
    seconds_post = 0.0

    def _correct():
        nonlocal info, seconds_post
        t = time.perf_counter()
        model.wv.vectors, info = correct_drift(snap, model.wv.vectors, old_known, new_part,
                                               blend=float(blend), anchors=int(anchors),
                                               min_count=model.min_count)
        seconds_post += time.perf_counter() - t

    try:
        if warm and warm_start_epochs > 0:
            model.wv.vectors_lockf = np.where(old_index >= 0, 0.0, 1.0).astype(_REAL)
            model.train(epochs=int(warm_start_epochs), start_alpha=start_alpha, end_alpha=start_alpha,
                        **train_args)
        model.wv.vectors_lockf = lockf
        if correct and blend_every_epoch:
            # the same linear decay as one train() call, cut at epoch ends to pull shared words back
            schedule = np.linspace(start_alpha, end_alpha, epochs + 1)
            for epoch in range(epochs):
                model.train(epochs=1, start_alpha=float(schedule[epoch]),
                            end_alpha=float(schedule[epoch + 1]), **train_args)
                _correct()
        else:
            model.train(epochs=epochs, start_alpha=start_alpha, end_alpha=end_alpha, **train_args)
    finally:
        model.wv.vectors_lockf = np.ones(1, dtype=_REAL)
        model.alpha, model.min_alpha = old_alpha, old_min_alpha
    seconds_train = time.perf_counter() - t0 - seconds_post

    # --- drift correction
    t0 = time.perf_counter()
    if correct and not blend_every_epoch:
        _correct()
    if correct and not warm:  # output rows of unseen words drift too; a warm start had no old output layer
        snap[rows] = old_syn1neg[old_index[rows]]
        model.syn1neg, _ = correct_drift(snap, model.syn1neg, old_known, new_part, blend=0.0,
                                         anchors=int(anchors), min_count=model.min_count)
    seconds_post += time.perf_counter() - t0
    model.wv.norms = None

    combined_count = int(new_lines) + old_corpus_count
    model.corpus_count = combined_count
    model.corpus_total_words = int(np.sum(model.wv.expandos["count"]))
    report = ContinuationReport(
        old_words=int(n_old), final_words=int(n), added_words=int(n_added),
        admitted_by_combined_count=int(by_combined),
        shared_words=int(np.count_nonzero((old_part > 0) & (new_part > 0))),
        old_words_unseen=int(np.count_nonzero((old_index >= 0) & (new_part == 0))),
        min_count=int(model.min_count), min_count_rule=min_count_rule, resorted=bool(resort),
        moved_words=int(moved), start_alpha=start_alpha, end_alpha=end_alpha, epochs=epochs, lock=lock,
        warm_start=bool(warm), warm_start_epochs=int(warm_start_epochs) if warm else 0,
        rehearsal_lines=int(rehearsal_lines), new_corpus_lines=int(new_lines),
        new_corpus_words=int(total_words), combined_corpus_count=combined_count,
        drift_correction=bool(drift_correction), drift_corrected_words=int(info["mapped"]),
        blend=float(blend) if drift_correction else 0.0, blended_words=int(info["blended"]),
        anchors=int(info["anchors"]), fit_cosine=info["fit_cosine"],
        seconds_vocab=round(seconds_vocab, 3), seconds_train=round(seconds_train, 3),
        seconds_post=round(seconds_post, 3), seconds_total=round(time.perf_counter() - started, 3),
    )
    model.add_lifecycle_event("continue_training", **{k: v for k, v in report.to_dict().items()
                                                      if not k.startswith("seconds")})
    logger.info("continued training: %s -> %s words (+%s), %s old words drift-corrected, %.1fs",
                n_old, n, n_added, info["mapped"], report.seconds_total)
    return ContinuationResult(model=model, report=report)
