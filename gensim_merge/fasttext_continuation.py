"""Continued training of a FastText model on a new corpus, through gensim's ``build_vocab(update=True)``.

gensim's recipe (``build_vocab(corpus, update=True)`` then ``train``) grows the vocabulary, the word-token
vectors and the output layer, and keeps the n-gram buckets. What it leaves, and what is added here:

- ``min_count`` is judged on the new corpus's counts alone: a word seen 3 times in each corpus is dropped at
  ``min_count=5``. Here a ``trim_rule`` keeps every word whose combined count (old + new) reaches it, and its
  old count is added to its new one. Old counts are known for the model's vocabulary and, where the model
  kept them, for the words its ``raw_vocab`` holds (Facebook ``.bin`` models; ``keep_raw_vocab=True``); a word
  the old model dropped without keeping its count is judged on its new count, as gensim does.
- downsampling thresholds (``sample_int``) are computed from the new corpus alone, and only for the words
  it holds; here every word's is recomputed from the combined counts, as a joint training would have them.
- the vocabulary stays in old-then-new order; here it is re-sorted by combined count, moving every per-word
  array together (word-token and whole-word vectors, n-gram hash lists, counts, output-layer rows) and
  rebuilding the negative-sampling table.
- ``train(start_alpha=..., end_alpha=...)`` overwrites the model's ``alpha``/``min_alpha`` (restored here),
  and ``corpus_count``/``corpus_total_words`` are left at the new corpus's figures (set to the combined
  ones after training; the report keeps the new corpus's own).

Hierarchical-softmax models are refused: gensim rebuilds their Huffman tree under the old output weights.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import pickle
from typing import Any, Literal

import numpy as np
from gensim.models.fasttext import FastText, load_facebook_model
from gensim.models.word2vec import LineSentence
from gensim.utils import RULE_DEFAULT, RULE_KEEP

from gensim_merge._fasttext_files import check_facebook_file, is_facebook_file
from gensim_merge._typing import Corpus, PathType
from gensim_merge.errors import CorpusError, EmptyModelError, IncompatibleModelError, ModelFileError

__all__ = ["FastTextContinuationReport", "continue_fasttext"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class FastTextContinuationReport:
    """What a continuation did (counts of words, the corpus, the learning rate)."""

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
        """A JSON-safe dict."""
        return dataclasses.asdict(self)


def _load(source: PathType) -> FastText:
    path = os.fspath(source)
    try:
        if is_facebook_file(path) or path.endswith(".bin"):
            check_facebook_file(path, full_model=True)
            return load_facebook_model(path)
        return FastText.load(path)
    except FileNotFoundError as err:
        raise ModelFileError(f"no such model file: {path}") from err
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


def _check_corpus(corpus):
    if isinstance(corpus, (str, bytes, os.PathLike)):
        if not os.path.isfile(corpus):
            raise CorpusError(f"no such corpus file: {corpus}")
        corpus = LineSentence(corpus)
    elif iter(corpus) is corpus:
        raise CorpusError("the corpus is a one-shot iterator; training passes over it several times: pass a list "
                          "or a restartable iterable (e.g. gensim's LineSentence)")
    first = next(iter(corpus), None)
    if first is None:
        raise CorpusError("the new corpus is empty; a continuation needs at least one sentence")
    if isinstance(first, str):
        raise CorpusError("the corpus yields strings, not token lists: split each line into words first")
    return corpus


def _sample_ints(counts, sample):
    """gensim's downsampling keep-probabilities (uint32 thresholds) for `counts`, judged on their total."""
    counts = np.maximum(counts.astype(np.float64), 1.0)
    if not sample:
        return np.full(counts.shape, 2**32 - 1, dtype=np.uint32)
    threshold = sample * counts.sum() if sample < 1.0 else int(sample * (3 + np.sqrt(5)) / 2)
    prob = np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * (threshold / counts))
    return (prob * (2**32 - 1)).astype(np.uint32)


def _resort(model):
    """Order the vocabulary by descending count (stable), moving every per-word array; returns words moved."""
    wv = model.wv
    order = np.lexsort((np.arange(len(wv)), -np.asarray(wv.expandos["count"], dtype=np.int64)))
    moved = int(np.count_nonzero(order != np.arange(len(order))))
    if moved:
        wv.index_to_key = [wv.index_to_key[i] for i in order]
        wv.key_to_index = {key: i for i, key in enumerate(wv.index_to_key)}
        wv.expandos = {name: values[order] for name, values in wv.expandos.items()}
        wv.buckets_word = [wv.buckets_word[i] for i in order]
        wv.vectors_vocab, wv.vectors = wv.vectors_vocab[order], wv.vectors[order]
        model.syn1neg = model.syn1neg[order]
        wv.norms = None
    return moved


def continue_fasttext(source: FastText | PathType, corpus: Corpus, *, epochs: int | None = None,
                      alpha: float | None = None, min_alpha: float | None = None,
                      min_count_rule: Literal["combined", "new"] = "combined", resort: bool = True,
                      workers: int | None = None) -> tuple[FastText, FastTextContinuationReport]:
    """Continue training `source` on `corpus`: gensim's ``build_vocab(update=True)`` + ``train``, trap-free.

    Parameters
    ----------
    source : gensim.models.FastText or str or os.PathLike
        A full FastText model (left untouched: a deep copy is trained), or the path of one (``FastText.save``,
        a pickle: load only files you trust; or Facebook's ``.bin``, read with ``load_facebook_model``).
    corpus : iterable of list of str, or str or os.PathLike
        The new corpus (restartable), or the path of a text file with one sentence per line.
    epochs, alpha, min_alpha : optional
        Training schedule; default the source's.
    min_count_rule : {"combined", "new"}, optional
        Judge ``min_count`` on old + new counts (default) or, as gensim does, on the new corpus's alone.
    resort : bool, optional
        Re-sort the vocabulary by combined count (default).
    workers : int, optional
        Training threads; default the source's.

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
    if min_count_rule not in ("combined", "new"):
        raise ValueError(f"min_count_rule must be 'combined' or 'new', got {min_count_rule!r}")
    loaded = isinstance(source, (str, bytes, os.PathLike))
    model: FastText = _load(source) if loaded else source
    _check_model(model)
    corpus = _check_corpus(corpus)
    model = model if loaded else copy.deepcopy(model)
    epochs = int(model.epochs if epochs is None else epochs)
    start_alpha = float(model.alpha if alpha is None else alpha)
    end_alpha = float(model.min_alpha if min_alpha is None else min_alpha)
    if epochs < 1 or not start_alpha > 0 or not 0 <= end_alpha <= start_alpha:
        raise ValueError(f"need epochs >= 1 and 0 <= min_alpha <= alpha, alpha > 0; got epochs={epochs}, "
                         f"alpha={start_alpha}, min_alpha={end_alpha}")
    if workers is not None:
        model.workers = int(workers)
    wv = model.wv
    n_old, old_keys = len(wv), set(wv.key_to_index)
    prior = dict(getattr(model, "raw_vocab", None) or {})
    prior.update(zip(wv.index_to_key, np.asarray(wv.expandos["count"]).tolist()))
    old_corpus_count, old_alpha, old_min_alpha = int(model.corpus_count or 0), model.alpha, model.min_alpha
    admitted = []

    def combined_rule(word, count, min_count):
        if word not in old_keys and count < min_count <= count + prior.get(word, 0):
            admitted.append(word)
            return RULE_KEEP
        return RULE_DEFAULT

    model.build_vocab(corpus, update=True, trim_rule=combined_rule if min_count_rule == "combined" else None)
    new_lines, new_words = int(model.corpus_count), int(model.corpus_total_words)
    admitted = list(dict.fromkeys(admitted))
    if admitted:  # their old occurrences count too (gensim set the new corpus's count only)
        rows = np.fromiter((wv.key_to_index[w] for w in admitted), dtype=np.intp, count=len(admitted))
        wv.expandos["count"][rows] += np.fromiter((prior[w] for w in admitted), dtype=np.int64, count=len(rows))
    wv.expandos["sample_int"] = _sample_ints(np.asarray(wv.expandos["count"]), model.sample)
    moved = _resort(model) if resort else 0
    model.make_cum_table()
    try:
        model.train(corpus, total_examples=new_lines, epochs=epochs, start_alpha=start_alpha, end_alpha=end_alpha)
    finally:
        model.alpha, model.min_alpha = old_alpha, old_min_alpha
    model.corpus_count = old_corpus_count + new_lines
    model.corpus_total_words = int(np.sum(wv.expandos["count"]))
    report = FastTextContinuationReport(
        old_words=n_old, final_words=len(wv), added_words=len(wv) - n_old, admitted_by_combined_count=len(admitted),
        moved_words=moved, new_corpus_lines=new_lines, new_corpus_words=new_words, epochs=epochs,
        start_alpha=start_alpha, end_alpha=end_alpha)
    model.add_lifecycle_event("continue_fasttext", **report.to_dict())
    logger.info("continued FastText training: %s -> %s words", n_old, len(wv))
    return model, report
