"""Continued training of a word2vec model on a new corpus, on gensim's own ``build_vocab(update=True)``.

gensim's recipe (``build_vocab(corpus, update=True)`` then ``train(corpus, ...)``) works but leaves several
traps. :func:`continue_training` runs that same recipe on a deep copy of the source model and adds, each a
small named step (see :mod:`gensim_merge._continuation_model`):

* ``min_count`` judged on combined counts (old + new, where the source kept its raw counts), and each word's
  count and downsampling threshold computed from its combined frequency, as a joint training would;
* the vocabulary re-sorted by combined frequency, with every per-word array kept consistent (input vectors,
  ``count``/``sample_int`` attributes, output-layer rows, the negative-sampling ``cum_table``);
* an optional rehearsal sample of the old corpus interleaved with the new one;
* a warm start from vectors alone (no output layer): the input vectors are held while the output layer is
  learned, then released;
* the gensim traps: ``train(start_alpha=...)`` overwriting ``alpha`` (restored), ``corpus_count`` overwritten
  by the new corpus's (a combined record is kept), the "Effective 'alpha' higher" warning that a deliberate
  restart of the learning rate triggers (kept out, explained once at INFO), hierarchical softmax rebuilding
  its Huffman tree under old weights (refused).

How close the result comes to joint training is measured in ``benchmarks/RESULTS.md``.

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
import functools
import logging
import os
import time
from collections.abc import Mapping

import numpy as np
from gensim.models import Word2Vec
from gensim.models.keyedvectors import KeyedVectors

from gensim_merge._continuation_estimates import check_estimate_options, check_new_model_size, continue_with_estimates
from gensim_merge._continuation_model import (
    check_word2vec,
    combine_counts,
    grow_vocabulary,
    invented_counts,
    load_source,
    model_from_vectors,
    resort_vocabulary,
    restarted_learning_rate,
    training_schedule,
)
from gensim_merge._continuation_report import ContinuationReport, ContinuationResult
from gensim_merge._corpus import Interleaved, count_lines, training_corpus
from gensim_merge._validation import OPTIONS, WORD2VEC_PASS_THROUGH, check_option_of
from gensim_merge.errors import CorpusError, OptionError, OptionTypeError

__all__ = ["MIN_COUNT_RULES", "ContinuationReport", "ContinuationResult", "check_options", "continue_training"]

logger = logging.getLogger(__name__)

#: How ``min_count`` is judged for words new to the model (see :func:`continue_training`).
MIN_COUNT_RULES = OPTIONS["continue_training"]["min_count_rule"].choices

_REAL = np.float32


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
        default the source's seed; in [0, 2**32 - 1 - members]. With several `workers` a training is not exactly reproducible anyway.
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
    the fix-ups it lacks are in :mod:`gensim_merge._continuation_model`.

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
