"""The model side of :mod:`gensim_merge.continuation`: sources, the vocabulary update and its fix-ups.

The vocabulary update itself is gensim's: ``Word2Vec.build_vocab(corpus, update=True)`` scans the new corpus,
adds the words that pass ``min_count`` (with a ``trim_rule`` when the rule is judged on combined counts),
adds the new counts to the old ones, and grows (and seeds) the input vectors and the output layer. What gensim
lacks is done here, each step named:

* :func:`combine_counts`: the counts of words admitted by their combined count include the old raw count, and
  every word's downsampling threshold follows its combined frequency (gensim uses the new corpus's alone);
* :func:`resort_vocabulary`: the vocabulary re-sorted by combined frequency with gensim's own
  ``sort_by_descending_frequency`` (its tie rule), the output layer permuted along with it;
* :func:`restarted_learning_rate`: gensim's "Effective 'alpha' higher than previous training cycles" warning,
  expected when the learning rate restarts on purpose, kept out of the log during our training call.
"""

import contextlib
import dataclasses
import logging
import os

import numpy as np
from gensim.models import Word2Vec
from gensim.models.keyedvectors import KeyedVectors
from gensim.utils import RULE_DEFAULT, RULE_KEEP

from gensim_merge._validation import check_option_of
from gensim_merge.counts import frequency_curve, read_model_counts, zipf_counts
from gensim_merge.errors import (
    DimensionMismatchError,
    EmptyModelError,
    IncompatibleModelError,
    ModelFileError,
    ModelFileNotFoundError,
    OptionError,
)

__all__ = [
    "VocabularyGrowth",
    "check_word2vec",
    "combine_counts",
    "grow_vocabulary",
    "load_source",
    "model_from_vectors",
    "resort_vocabulary",
    "restarted_learning_rate",
    "sample_ints",
    "training_schedule",
]

logger = logging.getLogger(__name__)

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

    from gensim_merge._formats import describe_format, refuse_pickle, sniff

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


def _combined_rule(prior_raw):
    """gensim ``trim_rule`` keeping a word whose old raw count plus its new count reaches ``min_count``."""
    def rule(word, count, min_count):
        return RULE_KEEP if count + prior_raw.get(word, 0) >= min_count else RULE_DEFAULT
    return rule


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


def _python(value):
    """A numpy scalar as the Python number it holds (models loaded from files may hold numpy numbers)."""
    return value.item() if isinstance(value, np.generic) else value
