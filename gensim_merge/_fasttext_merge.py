"""The merge of fastText models: whole words through :func:`gensim_merge.merging.merge`, buckets bucket by bucket.

Whole words
    Each input's whole-word vectors (``vectors``, what lookups return) are mapped by its alignment and handed
    to :func:`gensim_merge.merging.merge` with ``align=False``: the union vocabulary, count-weighted
    combination, summed counts and provenance are the word2vec merge's, unchanged.
Buckets
    Bucket ``b`` holds the same n-grams in every input (same ``bucket``, ``min_n``, ``max_n``: checked), so
    the merged bucket is the weighted mean of the inputs' mapped bucket vectors, computed in row chunks into
    one output array. The weights are in :data:`BUCKET_WEIGHTS`; the default, ``"ngram"``,
    weighs each model by its own evidence for the bucket (the occurrences of its words whose n-grams hash
    there), so a bucket that only one model trained is taken from that model.
Word tokens
    ``vectors_vocab`` is solved from the two (``back_solve``): gensim's composition of it with the merged
    buckets gives back the merged whole-word vectors exactly (to float32 rounding), so the result is a
    consistent FastTextKeyedVectors: ``adjust_vectors`` (run by gensim after loading or training) changes
    nothing.

The module is pure: :func:`merge_fasttext` reads gensim FastTextKeyedVectors (ours or plain) and returns a
:class:`FastTextMergeResult`, the merged model's parts; :mod:`gensim_merge.fasttext` builds the model from it.
"""

import dataclasses
import logging
import types

import numpy as np
from gensim.models.fasttext import FastTextKeyedVectors
from gensim.models.keyedvectors import KeyedVectors

from gensim_merge._fasttext_ops import back_solve, bucket_evidence, check_buckets, check_shared_buckets, ngram_matrix
from gensim_merge._merge_inputs import check_options, resolve_center_fit, source_names
from gensim_merge._validation import OPTIONS, check_keyed_vectors, check_option_of, check_options_of
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, fit_between
from gensim_merge.counts import read_model_counts
from gensim_merge.errors import CountsError, IncompatibleModelError
from gensim_merge.merging import MergeReport, merge_vectors

__all__ = ["BUCKET_WEIGHTS", "FastTextMergeResult", "bucket_weight_rows", "merge_fasttext"]

logger = logging.getLogger(__name__)

#: How n-gram buckets of merged models are weighted (see :meth:`MergeableFastTextKeyedVectors.merge_with`).
BUCKET_WEIGHTS = OPTIONS["merge"]["bucket_weights"].choices


@dataclasses.dataclass(frozen=True, eq=False)
class FastTextMergeResult:
    """What :func:`merge_fasttext` computes: the merged fastText model's parts, in its final order.

    Attributes
    ----------
    keys, vectors, counts, provenance, sources, names
        The whole-word merge, as in :class:`gensim_merge.merging.MergeResult` (`names`: one per input).
    vectors_vocab : (len(keys), d) ndarray
        Word-token vectors solved so that gensim's composition with `vectors_ngrams` gives back `vectors`.
    vectors_ngrams : (bucket, d) ndarray
        The combined n-gram buckets.
    buckets_word : list of ndarray
        The n-gram hashes of each key (gensim's ``buckets_word`` cache).
    min_n, max_n, bucket : int
        The inputs' (shared) n-gram settings.
    report : MergeReport
        The whole-word merge's report, with ``center_fit`` and every fitted alignment's report.
    bucket_rule : str
        The `bucket_weights` rule, or ``"given"`` for explicit weights.
    corpus_weights : list of float
        Each input's mean bucket weight.
    """

    keys: list
    vectors: np.ndarray
    vectors_vocab: np.ndarray
    vectors_ngrams: np.ndarray
    buckets_word: list
    counts: object
    provenance: np.ndarray
    sources: tuple
    names: tuple
    min_n: int
    max_n: int
    bucket: int
    report: MergeReport
    bucket_rule: str
    corpus_weights: list


def _as_fasttext(kv, name):
    """`kv` itself when it is gensim fastText vectors (ours or plain); word2vec vectors and others are refused."""
    if not isinstance(kv, FastTextKeyedVectors):
        raise IncompatibleModelError(
            f"{name} is a {type(kv).__name__}, not fastText vectors; a fastText model merges only with fastText "
            "models (for whole-word vectors alone: gensim_merge.merge on MergeableKeyedVectors)")
    return kv


def _hashed(keys, first):
    """A stand-in holding `keys`' n-gram hashes (``buckets_word``) by gensim's own ``recalc_char_ngram_buckets``."""
    words = types.SimpleNamespace(index_to_key=keys, bucket=int(first.bucket), min_n=int(first.min_n),
                                  max_n=int(first.max_n), buckets_word=None)
    FastTextKeyedVectors.recalc_char_ngram_buckets(words)
    return words


def _plain_words(kv, vectors):
    """A plain KeyedVectors with `kv`'s keys, attributes and sources and the given whole-word `vectors`."""
    plain = KeyedVectors(kv.vector_size, dtype=vectors.dtype)
    plain.index_to_key, plain.key_to_index, plain.next_index = kv.index_to_key, kv.key_to_index, len(kv)
    plain.vectors, plain.expandos = vectors, kv.expandos
    plain.sources = list(getattr(kv, "sources", None) or [])
    return plain


def _evidence_counts(models, names, rule):
    """Each model's counts for weighing its buckets, read by the one rule of :mod:`gensim_merge.counts`:
    rank stand-ins put on the frequency curve of the first model with real counts (as the word merge does)."""
    from gensim_merge.merging import _stand_ins_on_curve

    found = [read_model_counts(kv, name) for kv, name in zip(models, names)]
    for name, c in zip(names, found):
        if c.kind == "missing":
            raise CountsError(
                f"bucket_weights={rule!r} weighs buckets by the word counts of each model (its evidence), but "
                f"{name} carries no 'count' attribute; use bucket_weights='mean' or give one weight per model")
    return _stand_ins_on_curve(found, names, 0)[0]


def bucket_weight_rows(models, names, rule):
    """Per model, its weight for every bucket: a (bucket,) array or a scalar; weights sum to 1 per bucket.

    Parameters
    ----------
    models : list of FastTextKeyedVectors
    names : list of str
    rule : {"corpus", "mean", "ngram"} or sequence of float
        See :meth:`gensim_merge.fasttext.MergeableFastTextKeyedVectors.merge_with`.
    """
    if isinstance(rule, str):
        check_option_of("merge", "bucket_weights", rule)
    else:
        given = np.asarray(rule, dtype=np.float64)
        if given.shape != (len(models),) or not np.isfinite(given).all() or (given < 0).any() or given.sum() <= 0:
            raise ValueError(f"bucket_weights must be one of {list(BUCKET_WEIGHTS)} or one non-negative weight per "
                             f"model ({len(models)}), not all zero; got {rule!r}")
        return list(given / given.sum())
    if rule == "mean":
        return [1.0 / len(models)] * len(models)
    counts = _evidence_counts(models, names, rule)
    totals = np.array([float(np.sum(c, dtype=np.float64)) for c in counts])
    if totals.sum() <= 0:
        raise CountsError(f"every model's word counts sum to 0: bucket_weights={rule!r} has nothing to weigh "
                               "by; use bucket_weights='mean'")
    corpus = list(totals / totals.sum())
    if rule == "corpus":
        return corpus
    evidence = [bucket_evidence(ngram_matrix(kv), c) for kv, c in zip(models, counts)]
    total = np.sum(evidence, axis=0)
    reached = total > 0
    return [np.where(reached, e / np.where(reached, total, 1.0), c).astype(np.float32)
            for e, c in zip(evidence, corpus)]


def _combine_buckets(models, alignments, weights, dtype, chunk_size):
    """Σ_i w_i · map_i(ngrams_i), chunk by chunk into one output array (no full-size temporary)."""
    n_buckets, d = models[0].vectors_ngrams.shape
    out = np.empty((n_buckets, d), dtype=dtype)
    for start in range(0, n_buckets, chunk_size):
        stop = min(start + chunk_size, n_buckets)
        acc = out[start:stop]
        for i, (kv, alignment, w) in enumerate(zip(models, alignments, weights)):
            w_block = (w[start:stop, None] if isinstance(w, np.ndarray) else np.asarray(w)).astype(dtype)
            block = kv.vectors_ngrams[start:stop]
            if alignment is None:
                if i == 0:
                    np.multiply(block, w_block, out=acc)
                else:
                    acc += block * w_block
                continue
            mapped = alignment.apply(block, chunk_size=chunk_size)  # a fresh array: scaled in place
            mapped *= w_block
            if i == 0:
                acc[...] = mapped
            else:
                acc += mapped
    return out


def merge_fasttext(reference, others, *, names=None, strategy="count", bucket_weights="ngram", align=True,
                   align_options=None, center_fit=None, chunk_size=DEFAULT_CHUNK_SIZE, progress=None,
                   count_rule="sum"):
    """Merge fastText models into `reference`'s space (see the module docstring): the parts, not a model.

    Inputs (any gensim FastTextKeyedVectors) are never modified. The options are the word2vec merge's
    (:func:`gensim_merge.merging.merge_vectors`, checked by the same code before any work) plus
    `bucket_weights`; `progress` and `count_rule` apply to the whole words. Returns a
    :class:`FastTextMergeResult`; :meth:`gensim_merge.fasttext.MergeableFastTextKeyedVectors.merge_with` makes
    the model of it.
    """
    inputs = [reference, *others]
    check_options(len(inputs), strategy, chunk_size, progress, count_rule)  # before any work
    check_options_of("merge", align=align,
                     **({"bucket_weights": bucket_weights} if isinstance(bucket_weights, str) else {}))
    labels = source_names(inputs, names)[0]
    models = [_as_fasttext(kv, label) for kv, label in zip(inputs, labels)]
    for kv, label in zip(models, labels):
        check_keyed_vectors(kv, label)
        check_buckets(kv, label)
    check_shared_buckets(models, labels)
    weights = bucket_weight_rows(models, labels, bucket_weights)
    align_options, center_fit = resolve_center_fit(align, align_options, center_fit)
    alignments = [None] * len(models)
    if align:
        for i, kv in enumerate(models[1:], start=1):
            logger.info("aligning %s onto %s", labels[i], labels[0])
            fitted = fit_between(kv, models[0], align_options)
            alignments[i] = (dataclasses.replace(fitted, source_mean=np.zeros_like(fitted.source_mean),
                                                 target_mean=np.zeros_like(fitted.target_mean))
                             if center_fit else fitted)
    words = [_plain_words(kv, kv.vectors if a is None else a.apply(kv.vectors, chunk_size=chunk_size,
                                                                     keys=kv.index_to_key))
             for kv, a in zip(models, alignments)]
    merged_words = merge_vectors(words, reference=0, names=names, strategy=strategy, align=False,
                                 chunk_size=chunk_size, progress=progress, count_rule=count_rule)
    dtype = merged_words.vectors.dtype
    ngrams = _combine_buckets(models, alignments, weights, dtype, chunk_size)

    first = models[0]
    hashed = _hashed(list(merged_words.keys), first)
    report = dataclasses.replace(
        merged_words.report, center_fit=bool(center_fit),
        alignments={labels[i]: a.report.to_dict() for i, a in enumerate(alignments) if a is not None})
    rule = bucket_weights if isinstance(bucket_weights, str) else "given"
    logger.info("%s; buckets combined by %s weights", report, rule)
    return FastTextMergeResult(
        keys=hashed.index_to_key, vectors=merged_words.vectors,
        vectors_vocab=back_solve(merged_words.vectors, ngram_matrix(hashed), ngrams), vectors_ngrams=ngrams,
        buckets_word=hashed.buckets_word, counts=merged_words.counts, provenance=merged_words.provenance,
        sources=tuple(merged_words.sources), names=tuple(labels), min_n=hashed.min_n, max_n=hashed.max_n,
        bucket=hashed.bucket, report=report, bucket_rule=rule,
        corpus_weights=[round(float(np.mean(w)), 6) for w in weights])
