"""How a model scores on the standard evaluation sets, with gensim's own evaluators.

:func:`standard_scores` runs gensim's WordSim-353, SimLex-999 and Google-analogy evaluations. They measure
agreement with human judgements, not closeness to a reference model (see :mod:`gensim_merge.fidelity`),
and are reported next to the closeness figures, not instead of them. The model is only read.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import warnings

from gensim.models import KeyedVectors

from gensim_merge._validation import check_keyed_vectors, check_options_of

__all__ = ["standard_scores"]

logger = logging.getLogger(__name__)


class _BelowWarning(logging.Filter):
    def filter(self, record):
        return record.levelno >= logging.WARNING


@contextlib.contextmanager
def _quiet(logger_name):
    """Drop INFO/DEBUG records of one logger for the duration (gensim logs every skipped pair)."""
    target, drop = logging.getLogger(logger_name), _BelowWarning()
    target.addFilter(drop)
    try:
        yield
    finally:
        target.removeFilter(drop)


@functools.cache
def _count_analogies(path):
    with open(path, encoding="utf8") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith(": "))


def _evaluation_view(model):
    """A plain KeyedVectors sharing the model's arrays, so gensim's evaluators (which fill norms and
    temporarily swap key_to_index) never touch the caller's object."""
    view = KeyedVectors(model.vector_size, count=0, dtype=model.vectors.dtype)
    view.vectors = model.vectors
    view.index_to_key = model.index_to_key
    view.key_to_index = model.key_to_index
    view.norms = None
    return view


def standard_scores(model: KeyedVectors, *, restrict_vocab: int = 300000,
                    analogy_restrict_vocab: int = 30000) -> dict[str, float]:
    """Score a model on WordSim-353, SimLex-999 and the Google analogies, with gensim's evaluators.

    Parameters
    ----------
    model : gensim.models.KeyedVectors
        Model to score; only read. "Most frequent" below means the first keys of
        ``model.index_to_key``, as gensim assumes (a vocabulary sorted by descending count).
    restrict_vocab : int, default=300000
        Word pairs are looked up among this many most frequent words.
    analogy_restrict_vocab : int, default=30000
        Analogies are only asked, and answered, among this many most frequent words.

    Returns
    -------
    dict
        ``wordsim353`` and ``simlex999``: Spearman ρ with the human scores (NaN if no pair is in
        the vocabulary); ``wordsim353_oov`` and ``simlex999_oov``: share of pairs skipped as
        out-of-vocabulary; ``analogies``: accuracy over the questions asked (NaN if none);
        ``analogies_coverage``: share of the questions asked.

    Raises
    ------
    OptionError
        `restrict_vocab` or `analogy_restrict_vocab` is not an integer >= 1 (checked before any work).
    EmptyModelError, IncompatibleModelError
        Invalid model.

    Notes
    -----
    The data files are the copies bundled with gensim (:func:`gensim.test.utils.datapath`). Words are
    matched case-insensitively. gensim's per-line INFO logging is suppressed during the evaluation.
    These scores measure agreement with human judgements, not closeness to a reference model.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["king", "queen", "man", "woman"], np.eye(4, 3) + 0.1)
    >>> scores = standard_scores(kv)
    >>> sorted(scores)
    ['analogies', 'analogies_coverage', 'simlex999', 'simlex999_oov', 'wordsim353', 'wordsim353_oov']
    >>> scores["analogies_coverage"] > 0
    True
    """
    from gensim.test.utils import datapath

    restrict_vocab, analogy_restrict_vocab = check_options_of(
        "standard_scores", restrict_vocab=restrict_vocab, analogy_restrict_vocab=analogy_restrict_vocab).values()
    check_keyed_vectors(model, "model")
    view = _evaluation_view(model)
    scores = {}
    with _quiet("gensim.models.keyedvectors"), warnings.catch_warnings():
        # scipy warns about (near-)constant inputs when a tiny model knows almost no pair
        warnings.simplefilter("ignore", category=RuntimeWarning)
        for name, filename in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
            try:
                _, spearman, oov_percent = view.evaluate_word_pairs(
                    datapath(filename), restrict_vocab=restrict_vocab
                )
                scores[name], scores[f"{name}_oov"] = float(spearman[0]), oov_percent / 100.0
            except ValueError:  # gensim raises it when every pair is out of vocabulary
                scores[name], scores[f"{name}_oov"] = math.nan, 1.0
        path = datapath("questions-words.txt")
        _, sections = view.evaluate_word_analogies(path, restrict_vocab=analogy_restrict_vocab)
    total = sections[-1]
    asked = len(total["correct"]) + len(total["incorrect"])
    scores["analogies"] = len(total["correct"]) / asked if asked else math.nan
    scores["analogies_coverage"] = asked / _count_analogies(path)
    logger.info(
        "standard scores: WS353 %.3f (oov %.2f), SimLex %.3f (oov %.2f), analogies %.3f (coverage %.2f)",
        scores["wordsim353"], scores["wordsim353_oov"], scores["simlex999"], scores["simlex999_oov"],
        scores["analogies"], scores["analogies_coverage"],
    )
    return {key: scores[key] for key in sorted(scores)}
