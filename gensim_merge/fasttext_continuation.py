"""Continued training of a FastText model on a new corpus, through gensim's ``build_vocab(update=True)``.

gensim's FastText subclasses its Word2Vec, and its vocabulary update is the same ``build_vocab(corpus,
update=True)``; so the steps around it are the word2vec continuation's own, from
:mod:`gensim_merge._continuation_model` (and the corpus checks from ``gensim_merge._corpus``):

- ``min_count`` judged on combined counts (old + new, where the model kept the old raw counts: Facebook
  ``.bin`` models, ``keep_raw_vocab=True``), every word's count and downsampling threshold from its combined
  frequency (:func:`~gensim_merge._continuation_model.grow_vocabulary`,
  :func:`~gensim_merge._continuation_model.combine_counts`);
- the vocabulary re-sorted by combined count with gensim's own sort
  (:func:`~gensim_merge._continuation_model.resort_vocabulary`), the negative-sampling table rebuilt;
- ``alpha``/``min_alpha`` put back after ``train(start_alpha=...)`` and the "Effective 'alpha' higher"
  warning kept out (:func:`~gensim_merge._continuation_model.restarted_learning_rate`); ``corpus_count`` and
  ``corpus_total_words`` set to the combined figures after training (the report keeps the new corpus's own).

What is fastText's own is here: loading a full FastText model (gensim's or Facebook's ``.bin``), its checks,
and the per-word arrays a re-sort must move besides gensim's (``vectors_vocab`` and the ``buckets_word`` hash
lists; the n-gram buckets are per bucket, not per word, and stay as they are).

Hierarchical-softmax models are refused: gensim rebuilds their Huffman tree under the old output weights.
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
from typing import Literal

import numpy as np
from gensim.models.fasttext import FastText, load_facebook_model

from gensim_merge._continuation_model import (
    combine_counts,
    grow_vocabulary,
    resort_vocabulary,
    restarted_learning_rate,
    training_schedule,
)
from gensim_merge._continuation_report import FastTextContinuationReport
from gensim_merge._corpus import check_corpus
from gensim_merge._formats import describe_format, refuse_pickle, sniff
from gensim_merge._typing import Corpus, PathType
from gensim_merge._validation import check_option_of
from gensim_merge.continuation import check_options
from gensim_merge.errors import CorpusError, EmptyModelError, IncompatibleModelError, ModelFileError

__all__ = ["FastTextContinuationReport", "continue_fasttext"]

logger = logging.getLogger(__name__)


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
    except (pickle.UnpicklingError, AttributeError, EOFError, ValueError, TypeError, ImportError, AssertionError) as err:
        raise ModelFileError(f"cannot read {path} as a full FastText model ({type(err).__name__}: {err}); vectors "
                             "alone (a .wv file, load_facebook_vectors) cannot be trained further") from err


def _check_model(model):
    if not isinstance(model, FastText):
        raise IncompatibleModelError(f"continue_fasttext needs a gensim FastText model (or its path), got "
                                     f"{type(model).__name__}; word2vec models go to MergeableKeyedVectors.continue_from")
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
