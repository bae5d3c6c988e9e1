"""Merging N models into one: the inputs' checks, the union vocabulary, the combination of shared words.

:func:`merge_vectors` checks the inputs, aligns every model onto the reference, builds the union of the
vocabularies (in the order of combined frequency), combines each shared word (count-weighted, mean,
prefer-reference, concatenation), sums the counts, records each word's provenance and returns plain arrays in a
:class:`MergeResult` with its :class:`MergeReport`. :func:`merge_fasttext` does the same for fastText models
(whole words through :func:`merge_vectors`, the n-gram buckets bucket by bucket, with the bucket operations they
share with the fastText class). The model classes turn the results into models.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np
import scipy.sparse
from gensim.models import KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge._mixins import MergeReport
from gensim_merge._typing import MergeStrategy, Progress
from gensim_merge._validation import (
    OPTIONS,
    check_finite_rows,
    check_integer,
    check_keyed_vectors,
    check_option_of,
    check_options_of,
    check_same_dim,
)
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, AlignOptions, AlignOptionsLike, fit_between, probably_finite
from gensim_merge.counts import MAX_COUNT, frequency_curve, read_model_counts
from gensim_merge.errors import (
    BucketMismatchError,
    CountsError,
    DimensionMismatchError,
    DuplicateKeyError,
    IncompatibleModelError,
    NoBucketsError,
    OptionError,
    OptionTypeError,
)

__all__ = ["COUNT_RULES", "MAX_SOURCES", "STRATEGIES", "MergeResult", "merge_vectors"]

logger = logging.getLogger(__name__)


def check_buckets(kv, name):
    """Raise unless `kv` is a fastText model whose n-gram buckets are present and shaped as declared."""
    if int(getattr(kv, "bucket", 0) or 0) == 0:
        raise NoBucketsError(
            f"{name} has no n-gram buckets (bucket=0): it is a whole-word model and gives no vectors to unseen "
            "words; align and merge it as word2vec vectors (MergeableKeyedVectors.from_keyed_vectors(kv)), or "
            "train it with bucket > 0")
    ngrams = getattr(kv, "vectors_ngrams", None)
    shape = (int(kv.bucket), int(kv.vector_size))
    if ngrams is None or tuple(ngrams.shape) != shape:
        got = None if ngrams is None else tuple(ngrams.shape)
        raise NoBucketsError(
            f"{name} declares bucket={kv.bucket} but its vectors_ngrams has shape {got}, expected {shape}; the "
            "model is incomplete (not trained, or saved partially): load it again from the file gensim wrote")


def check_shared_buckets(models, names):
    """Raise :class:`BucketMismatchError` unless every model hashes n-grams into the same buckets."""
    first = models[0]
    for kv, name in zip(models[1:], names[1:]):
        if kv.vector_size != first.vector_size:
            raise DimensionMismatchError(
                f"{names[0]} and {name} have different vector sizes ({first.vector_size},) vs ({kv.vector_size},);"
                " retrain one of them with the other's vector_size")
        theirs = (int(kv.bucket), int(kv.min_n), int(kv.max_n))
        ours = (int(first.bucket), int(first.min_n), int(first.max_n))
        if theirs != ours:
            raise BucketMismatchError(
                f"{names[0]} and {name} hash character n-grams differently ((bucket, min_n, max_n) = {ours} vs "
                f"{theirs}): bucket b holds different n-grams in each, so buckets cannot be combined; retrain one "
                "with the other's bucket/min_n/max_n, or merge their whole-word vectors only "
                "(MergeableKeyedVectors.from_keyed_vectors on each)")


def ngram_matrix(kv, buckets_word=None):
    """The sparse (n_words, bucket) matrix S with ``S[w, h]`` = how often hash h occurs among word w's n-grams.

    Parameters
    ----------
    kv : gensim.models.fasttext.FastTextKeyedVectors
    buckets_word : list of (k,) ndarray, optional
        The hashes of each word (default ``kv.buckets_word``, gensim's cache).

    Returns
    -------
    scipy.sparse.csr_matrix of float32
        Duplicated hashes are stored as repeated entries, which products add up as gensim's loop does.

    Examples
    --------
    >>> from gensim.models.fasttext import FastTextKeyedVectors
    >>> kv = FastTextKeyedVectors(2, min_n=3, max_n=3, bucket=50)
    >>> kv.add_vectors(["abc"], np.ones((1, 2), dtype=np.float32))
    >>> kv.recalc_char_ngram_buckets()
    >>> int(ngram_matrix(kv).sum())  # "<abc>" has 3 three-letter n-grams
    3
    """
    hashes = kv.buckets_word if buckets_word is None else buckets_word
    if hashes is None or len(hashes) != len(kv.index_to_key):
        kv.recalc_char_ngram_buckets()
        hashes = kv.buckets_word
    lengths = np.fromiter((len(h) for h in hashes), dtype=np.int64, count=len(hashes))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(hashes).astype(np.int64) if len(hashes) else np.zeros(0, np.int64)
    data = np.ones(indices.size, dtype=np.float32)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(len(hashes), int(kv.bucket)))


def compose(vectors_vocab, S, vectors_ngrams):
    """gensim's ``adjust_vectors`` in one sparse product: ``(vectors_vocab + S @ vectors_ngrams) / (1 + n)``.

    Equal to gensim's loop up to the order of float32 additions.
    """
    out = np.asarray(S @ vectors_ngrams, dtype=vectors_vocab.dtype)
    out += vectors_vocab
    out /= (1.0 + _n_ngrams(S))[:, None].astype(out.dtype)
    return out


def back_solve(vectors, S, vectors_ngrams):
    """The ``vectors_vocab`` that :func:`compose` turns into `vectors`: ``(1 + n) · vectors − S @ vectors_ngrams``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> S = scipy.sparse.csr_matrix(np.array([[1, 0, 2], [0, 1, 0]], dtype=np.float32))
    >>> ngrams, vectors = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    >>> bool(np.allclose(compose(back_solve(vectors, S, ngrams), S, ngrams), vectors))
    True
    """
    out = np.multiply(vectors, (1.0 + _n_ngrams(S))[:, None], dtype=np.result_type(vectors.dtype, np.float32))
    out -= np.asarray(S @ vectors_ngrams, dtype=out.dtype)
    return out


def bucket_evidence(S, counts):
    """Per-bucket evidence: ``Σ_w count(w) · S[w, h]``, how many token occurrences trained bucket h (float64)."""
    return np.asarray(S.T @ np.asarray(counts, dtype=np.float64)).ravel()


#: How shared words are combined (see :mod:`gensim_merge.merging`).
STRATEGIES = OPTIONS["merge"]["strategy"].choices
#: How the result's count of a word several inputs hold is formed (see :func:`gensim_merge.merging.merge_vectors`).
COUNT_RULES = OPTIONS["merge"]["count_rule"].choices
#: Provenance is a bit mask per word (one bit per original input).
MAX_SOURCES = 64


def check_inputs(models, reference, names, strategy, align, align_options, center_fit, chunk_size, progress,
                 count_rule="sum"):
    """Every option and input checked before any work; the resolved names, sources, reference and options.

    The one check of a merge's options for both model kinds (word2vec and fastText).
    """
    check_options(len(models), strategy, chunk_size, progress, count_rule)
    check_options_of("merge", align=align)
    align_options, center_fit = resolve_center_fit(align, align_options, center_fit)
    names, flat_sources, bit_offsets = source_names(models, names)
    reference = resolve_reference(reference, names)
    for name, kv in zip(names, models):
        check_keyed_vectors(kv, name)
        check_same_dim(models[reference], kv, names[reference], name)
        check_unique_keys(kv, name)
    return names, flat_sources, bit_offsets, reference, align_options, center_fit


def check_options(n_models, strategy, chunk_size, progress, count_rule):
    """The merge options that need no model: the number of inputs, strategy, chunk_size, progress, count_rule."""
    if n_models < 1:
        raise OptionError("merge needs at least one model; give one or more", option="models", value=n_models)
    check_options_of("merge", strategy=strategy, count_rule=count_rule, chunk_size=chunk_size)
    if progress is not None and not callable(progress):
        raise OptionTypeError(f"progress must be a callable taking a number of rows, got {type(progress).__name__}",
                              option="progress", value=progress, allowed="None or a callable")


def resolve_reference(reference: int | str, names: list[str]) -> int:
    """The reference's position: given by position, or by one of `names`."""
    if isinstance(reference, str):
        if reference not in names:
            raise OptionError(f"reference={reference!r} is not one of the inputs' names {names}; give one of them, "
                              f"or a position from 0 to {len(names) - 1}", option="reference", value=reference,
                              allowed=f"one of {names} or 0..{len(names) - 1}")
        return names.index(reference)
    return check_integer(reference, "reference", low=0, high=len(names) - 1)


def resolve_center_fit(align, align_options, center_fit):
    """``(AlignOptions, center_fit)``: the merge's centred-fit default applied to the options given.

    None means: a centred fit whenever the inputs are aligned and the options do not set ``center`` themselves
    (an explicit ``center`` is applied as fitted, translation included).
    """
    explicit_center = ("center" in align_options if isinstance(align_options, Mapping)
                       else bool(getattr(align_options, "center", False)))
    align_options = AlignOptions.from_any(align_options)
    if center_fit is None:
        center_fit = bool(align) and not explicit_center
    if center_fit:
        if not align:
            raise OptionError("center_fit=True changes how the alignments are fitted, but align=False fits "
                              "none; drop center_fit, or set align=True", option="center_fit", value=True)
        if explicit_center and not align_options.center:
            raise OptionError("center_fit=True fits on centred anchors, but align_options sets center=False; "
                              "drop one of the two", option="center_fit", value=True)
        align_options = align_options.replace(center=True)
    return align_options, bool(center_fit)


def check_unique_keys(kv, name):
    if len(kv.key_to_index) != len(kv.index_to_key):
        seen, dupes = set(), []
        for key in kv.index_to_key:
            if key in seen:
                dupes.append(key)
                if len(dupes) == 5:
                    break
            seen.add(key)
        raise DuplicateKeyError(
            f"{name} lists {len(kv.index_to_key) - len(kv.key_to_index)} key(s) more than once (e.g. {dupes}); "
            "deduplicate it first (e.g. kv.vectors_for_all(dict.fromkeys(kv.index_to_key)))"
        )


def source_names(models, names):
    """One name per input and the flat list of original sources (inputs that are merges expand)."""
    if names is None:
        names = [f"model{i}" for i in range(len(models))]
    if isinstance(names, str):
        raise OptionTypeError(f"names must be a sequence of names, one per model, got the string {names!r}",
                              option="names", value=names, allowed=f"{len(models)} names")
    names = [str(n) for n in names]
    if len(names) != len(models):
        raise OptionError(f"names={names} gives {len(names)} name(s) for {len(models)} models; give one name per "
                          "model (the reference first in merge_with), or leave names out", option="names",
                          value=names, allowed=f"{len(models)} distinct names")
    flat, offsets = [], []
    for name, kv in zip(names, models):
        offsets.append(len(flat))
        inner = list(getattr(kv, "sources", None) or [])
        has_mask = "provenance" in kv.expandos and inner
        flat.extend([f"{name}/{s}" for s in inner] if has_mask else [name])
    if len(set(flat)) != len(flat):
        raise OptionError(f"names must be distinct, got {names}; give each model its own name", option="names",
                          value=names, allowed=f"{len(models)} distinct names")
    if len(flat) > MAX_SOURCES:
        raise OptionError(f"provenance records at most {MAX_SOURCES} original inputs, got {len(flat)}; "
                         "merge in stages and save intermediate results without provenance")
    return names, flat, offsets


def warn_rank_based(names, found, curve_name):
    """Warn once, naming the inputs whose counts are gensim's rank stand-ins and what the merge did with them."""
    stand_ins = [name for name, c in zip(names, found) if c.kind == "stand-in"]
    if stand_ins and len(names) > 1:
        curve = ("a Zipf curve" if curve_name == "zipf"
                 else f"the frequency curve of {curve_name} (its real count at the same rank)")
        warnings.warn(
            f"the counts of {', '.join(stand_ins)} are gensim's rank-based stand-ins (n, n-1, ..., 1: a word2vec "
            f"file loaded without its vocabulary file); their ranks were put on {curve} to weigh shared words, "
            "and the merge report says so; give the real counts (load_word2vec_format(..., fvocab=FILE), or "
            "gensim-merge merge --counts FILE ...) for a merge weighted by real counts", UserWarning, stacklevel=4)


#: The hash used to group keys (a module attribute so that tests can force collisions).
_hash = hash


@dataclass(frozen=True, eq=False)
class Union:
    """The union of several key lists.

    Attributes
    ----------
    keys : (n_union,) object ndarray
        Each key of the union once, in no particular order.
    positions : list of int ndarray
        Per input, the union index of each of its rows (``keys[positions[i]]`` are input ``i``'s keys).
    in_reference : (n_union,) int64 ndarray
        Row of each union key in the reference input, or the reference's length where it has none.
    holders : (n_union,) int64 ndarray
        How many inputs hold each key.
    """

    keys: np.ndarray
    positions: list
    in_reference: np.ndarray
    holders: np.ndarray


def union_positions(key_lists, reference=0):
    """The union of `key_lists` (each without duplicates) and where each input's rows land in it.

    Parameters
    ----------
    key_lists : sequence of list
        One list of hashable keys per input; no list may hold a key twice.
    reference : int, optional
        The input whose rows :attr:`Union.in_reference` gives.

    Returns
    -------
    Union
    """
    sizes = [len(keys) for keys in key_lists]
    total = sum(sizes)
    keys = np.fromiter(chain.from_iterable(key_lists), dtype=object, count=total)
    hashes = np.fromiter(map(_hash, chain.from_iterable(key_lists)), dtype=np.int64, count=total)
    order = np.argsort(hashes)
    sorted_hashes = hashes[order]
    del hashes
    new_group = np.empty(total, dtype=bool)
    new_group[:1] = True
    np.not_equal(sorted_hashes[1:], sorted_hashes[:-1], out=new_group[1:])
    del sorted_hashes
    starts = np.flatnonzero(new_group)
    group = np.empty(total, dtype=np.int64)
    group[order] = np.cumsum(new_group) - 1
    del new_group
    first = np.minimum.reduceat(order, starts)  # lowest row of each group in the concatenation
    del order, starts
    representative = first[group]
    repeated = np.flatnonzero(representative != np.arange(total))
    if repeated.size and not (keys[repeated] == keys[representative[repeated]]).all():
        return _union_by_dict(key_lists, reference)  # two different keys share a hash
    return _finish(keys[first], np.split(group, np.cumsum(sizes)[:-1]), reference)


def union_rows(key_lists):
    """The union of several key lists in first-seen order and, per list, each key's row in it.

    :func:`union_positions` with the union put in the order its keys are first met (the list of an ensemble's
    reference first).

    Parameters
    ----------
    key_lists : sequence of list
        One list of hashable keys per input; no list may hold a key twice.

    Returns
    -------
    (list, list of (n_i,) int64 ndarray)

    Examples
    --------
    >>> keys, rows = union_rows([["a", "b"], ["b", "c"]])
    >>> keys, [r.tolist() for r in rows]
    (['a', 'b', 'c'], [[0, 1], [1, 2]])
    """
    union = union_positions(key_lists)
    everywhere = np.concatenate([np.asarray(p, dtype=np.int64) for p in union.positions])
    first = np.full(len(union.keys), everywhere.size, dtype=np.int64)
    np.minimum.at(first, everywhere, np.arange(everywhere.size))
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return union.keys[order].tolist(), [rank[np.asarray(p, dtype=np.int64)] for p in union.positions]


def merged_order(keys, counts, in_reference, n_reference):
    """The merged model's order: `counts` descending, ties by `in_reference`, then by key.

    Parameters
    ----------
    keys : (n,) object ndarray
    counts : (n,) int64 ndarray
    in_reference : (n,) int64 ndarray
        Each word's row in the reference, `n_reference` for the words it lacks.
    n_reference : int
        The reference's length. Only the words it lacks can tie on both counts and `in_reference`; they
        alone are sorted by key (their keys must be mutually comparable).

    Returns
    -------
    (n,) intp ndarray
        The permutation of the union that gives the merged order.

    Examples
    --------
    >>> keys = np.array(["b", "a", "c", "d"], dtype=object)
    >>> merged_order(keys, np.array([5, 5, 5, 9]), np.array([2, 2, 0, 1]), 2).tolist()
    [3, 2, 1, 0]
    """
    tie_rank = in_reference.copy()  # the reference's row; after them, the other words by key
    outside = np.flatnonzero(in_reference == n_reference)
    if outside.size > 1:
        outside_keys = keys[outside].tolist()
        by_key = sorted(range(len(outside_keys)), key=outside_keys.__getitem__)
        tie_rank[outside[by_key]] += np.arange(len(by_key))
    return np.lexsort((tie_rank, -counts))


#: Rows combined per step at most (whatever chunk_size allows): steps that stay in cache measured faster.
_STEP_ROWS = 8192


@dataclass(frozen=True, eq=False)
class MergeResult:
    """What :func:`merge_vectors` computes: the merged model's parts, in its final order.

    Attributes
    ----------
    keys : list
        Every key of every input, ordered by combined count (ties: the reference's order, then by key).
    vectors : (len(keys), d) ndarray
    counts : (len(keys),) int64 ndarray or None
        The inputs' real counts combined by the count rule (None when no input has counts); see the module
        docstring for inputs whose counts are rank stand-ins.
    provenance : (len(keys),) uint64 ndarray
        Bit ``j`` set where ``sources[j]`` held the key.
    sources : tuple of str
        The original inputs, in bit order (an input that is itself a merge contributes its own sources).
    names : tuple of str
        One name per input.
    report : MergeReport
    """

    keys: list
    vectors: np.ndarray
    counts: object
    provenance: np.ndarray
    sources: tuple
    names: tuple
    report: MergeReport


def merge_vectors(models: Iterable[KeyedVectors], *, reference: int | str = 0,
                  names: Sequence[str] | None = None, strategy: MergeStrategy = "count", align: bool = True,
                  align_options: AlignOptionsLike = None, center_fit: bool | None = None,
                  chunk_size: int = DEFAULT_CHUNK_SIZE, progress: Progress | None = None,
                  count_rule: Literal["sum", "max"] = "sum") -> MergeResult:
    """Merge several models into one union vocabulary in the reference's space: the parts, not a model.

    :func:`gensim_merge.merge` (and :meth:`MergeableKeyedVectors.merge_with`) wrap the result in a model.

    Parameters
    ----------
    models : sequence of gensim.models.KeyedVectors
        One or more models of the same vector size. None is modified.
    reference : int or str, optional
        The input (by position, or by name from `names`) whose space the result lives in; its vectors are
        never rotated.
    names : sequence of str, optional
        One name per input, for provenance (default ``model0``, ``model1``, ...).
    strategy : {"count", "mean", "reference"}, optional
        How shared words are combined (see the module docstring). ``"count"`` needs a ``count`` attribute in
        every input.
    align : bool, optional
        Align every other input onto the reference first (default). False when the inputs already share
        one space (e.g. produced by continued training from one model).
    align_options : AlignOptions or dict, optional
        The options of every alignment (:class:`gensim_merge.alignment.AlignOptions`, or a dict of its fields:
        ``anchors``, ``method``, ``n_anchors``, ...), checked before any work.
    center_fit : bool or None, optional
        Fit each alignment on mean-centred anchors but apply it without the translation (see the module
        docstring). None (default): on whenever the inputs are aligned and `align_options` does not set
        ``center`` itself (a dict holding ``center``, or an AlignOptions with ``center=True``; an explicit
        ``center`` is applied as fitted, translation included). True needs ``align=True``; False fits on the
        raw anchors.
    chunk_size : int, optional
        Rows streamed per step (>= 1; bounds temporary memory).
    progress : callable, optional
        Called with the number of input rows just combined after every step; over one merge the calls add
        up to the inputs' total size (``progress=tqdm(total=...).update`` works).
    count_rule : {"sum", "max"}, default="sum"
        How the result's ``count`` of a word several inputs hold is formed: ``"sum"`` for inputs trained on
        different corpora; ``"max"`` when one input's counts already include another's corpus (a model continued
        on a corpus, merged with that corpus's own model: its counts already hold that corpus, which a sum would
        count twice). The weights of shared words are each input's own counts either way.

    Returns
    -------
    MergeResult

    Raises
    ------
    DimensionMismatchError, DuplicateKeyError, EmptyModelError, NonFiniteVectorsError, AnchorError

    Warns
    -----
    UserWarning
        Once per merge of two or more inputs, naming those whose counts are gensim's rank-based stand-ins
        (word2vec files loaded without their vocabulary file; see :mod:`gensim_merge.counts`) and the curve
        their ranks were put on; the report says the same (it survives ``-q`` and is saved with the model).

    Examples
    --------
    >>> from gensim.models import KeyedVectors
    >>> a, b = KeyedVectors(2), KeyedVectors(2)
    >>> a.add_vectors(["cat", "dog"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> b.add_vectors(["dog", "fish"], np.array([[0, 1], [1, 1]], dtype=np.float32))
    >>> result = merge_vectors([a, b], strategy="mean", align=False)
    >>> result.keys, result.provenance.tolist(), result.report.n_shared
    (['cat', 'dog', 'fish'], [1, 3, 2], 1)
    """
    models = list(models)
    ref: int  # `reference` resolved to a position
    names, flat_sources, bit_offsets, ref, align_options, center_fit = check_inputs(
        models, reference, names, strategy, align, align_options, center_fit, chunk_size, progress, count_rule)
    found = [read_model_counts(kv, name) for name, kv in zip(names, models)]
    if strategy == "count" and any(c.kind == "missing" for c in found):
        missing = [n for n, c in zip(names, found) if c.kind == "missing"]
        raise CountsError(
            f"strategy='count' weighs shared words by their counts, but {missing} carry no 'count' attribute; "
            "use strategy='mean', or set counts with kv.set_vecattr / kv.expandos['count']"
        )
    counts, curve_name = _stand_ins_on_curve(found, names, ref)
    warn_rank_based(names, found, curve_name)
    alignments = ([None] * len(models) if not align or len(models) == 1
                  else _fit_alignments(models, ref, names, align_options, center_fit))

    union = union_positions([kv.index_to_key for kv in models], ref)
    combined_count, provenance, estimated = _tally(models, union.positions, found, counts, bit_offsets, names,
                                                   len(union.keys), count_rule)
    n_reference = len(models[ref].index_to_key)
    order = merged_order(union.keys, combined_count, union.in_reference, n_reference)
    final_position = np.empty(len(order), dtype=np.intp)
    final_position[order] = np.arange(len(order))
    weights = [_weights(strategy, counts[i], i == ref, union.in_reference[pos] < n_reference)
               for i, pos in enumerate(union.positions)]
    result_counts = combined_count[order] if any(c.kind != "missing" for c in found) else None
    if result_counts is not None and not any(c.kind == "real" for c in found):
        result_counts = np.arange(len(order), 0, -1, dtype=np.int64)  # stand-ins again: nothing real to give
        estimated = len(order)
    dtype = np.result_type(*[kv.vectors.dtype for kv in models], np.float32)
    vectors = _combine(models, alignments, [final_position[p] for p in union.positions], weights,
                       union.holders[order] > 1, dtype, chunk_size, names, progress)

    report = MergeReport(
        sources=tuple(flat_sources), reference=names[ref], strategy=strategy, n_words=len(order),
        n_shared=int((union.holders > 1).sum()), words_per_source=tuple(len(kv.index_to_key) for kv in models),
        alignments={names[i]: a.report.to_dict() for i, a in enumerate(alignments) if a is not None},
        center_fit=bool(center_fit), counts={name: c.kind for name, c in zip(names, found)},
        stand_in_curve=curve_name, estimated_counts=int(estimated),
    )
    logger.info("%s", report)
    return MergeResult(
        keys=union.keys[order].tolist(), vectors=vectors, counts=result_counts,
        provenance=provenance[order], sources=tuple(flat_sources), names=tuple(names), report=report,
    )


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


def _n_ngrams(S):
    return np.diff(S.indptr).astype(np.float32)


def _finish(keys, positions, reference):
    n_union = len(keys)
    in_reference = np.full(n_union, len(positions[reference]), dtype=np.int64)
    in_reference[positions[reference]] = np.arange(len(positions[reference]))
    holders = np.zeros(n_union, dtype=np.int64)
    for pos in positions:
        holders[pos] += 1  # unique within one input, so fancy-index += is exact
    return Union(keys=keys, positions=positions, in_reference=in_reference, holders=holders)


def _union_by_dict(key_lists, reference):
    """The exact union through a dict (the fallback when two different keys share a hash)."""
    index = {}
    positions = []
    for keys in key_lists:
        positions.append(np.fromiter((index.setdefault(key, len(index)) for key in keys), dtype=np.int64,
                                     count=len(keys)))
    return _finish(np.fromiter(index, dtype=object, count=len(index)), positions, reference)


def _without_translation(alignment):
    """The same fitted map with its centring means dropped: ``y = x · matrix · scale``."""
    return dataclasses.replace(alignment, source_mean=np.zeros_like(alignment.source_mean),
                               target_mean=np.zeros_like(alignment.target_mean))


def _fit_alignments(models, reference, names, align_options, center_fit):
    """The fitted map of every input onto the reference (None for the reference itself)."""
    alignments = [None] * len(models)
    for i, source in enumerate(models):
        if i != reference:
            logger.info("aligning %s onto %s", names[i], names[reference])
            alignment = fit_between(source, models[reference], align_options)
            alignments[i] = _without_translation(alignment) if center_fit else alignment
    return alignments


def _stand_ins_on_curve(found, names, ref):
    """Per input, the counts that weigh its words (stand-ins put on a frequency curve), and the curve's name.

    Rank stand-ins are a frequency order, not counts (see :mod:`gensim_merge.counts`): the word at rank r gets
    the r-th largest real count of the reference (or of the first input with real counts), or a Zipf curve
    when no input has real counts. Measured on held-out corpora (benchmarks/RESULTS.md section 13), this
    comes as close to joint training as the real counts do, where the stand-ins themselves or equal weights
    fall far behind.
    """
    if not any(c.kind == "stand-in" for c in found):
        return [c.values for c in found], None
    real = [i for i, c in enumerate(found) if c.kind == "real"]
    source = ref if ref in real else real[0] if real else None
    curve_name = "zipf" if source is None else names[source]
    reference = None if source is None else found[source].values
    counts = [frequency_curve(reference, len(c.values)) if c.kind == "stand-in" else c.values for c in found]
    return counts, curve_name


def _tally(models, positions, found, counts, bit_offsets, names, n_union, count_rule="sum"):
    """The combined counts (checked for overflow), the provenance bit masks of the union, and the number of
    words whose count is an estimate.

    Real counts combine by `count_rule`; a word no input with real counts holds takes the largest estimate of
    the inputs with stand-in counts that hold it (an estimate is never added to a real count).
    """
    combined_count = np.zeros(n_union, dtype=np.int64)
    estimate = np.zeros(n_union, dtype=np.int64)
    has_real = np.zeros(n_union, dtype=bool)
    provenance = np.zeros(n_union, dtype=np.uint64)
    for kv, pos, kind, cnt, offset, name in zip(models, positions, (c.kind for c in found), counts, bit_offsets,
                                                names):
        if kind == "stand-in":
            estimate[pos] = np.maximum(estimate[pos], cnt)
        elif cnt is not None and count_rule == "max":
            combined_count[pos] = np.maximum(combined_count[pos], cnt)  # rows are unique within one input
            has_real[pos] = True
        elif cnt is not None:
            overflow = combined_count[pos] > MAX_COUNT - cnt
            if overflow.any():
                i = int(np.flatnonzero(overflow)[0])
                raise CountsError(
                    f"the counts of {kv.index_to_key[i]!r} sum to more than 2**63 - 1 (int64) once {name}'s are "
                    f"added ({int(overflow.sum())} such word(s)); counts that large are not word counts: check the "
                    "inputs' 'count' attributes, or scale them down on copies (kv.expandos['count'] //= 1000)"
                )
            combined_count[pos] += cnt
            has_real[pos] = True
        inner = kv.expandos.get("provenance") if getattr(kv, "sources", None) else None
        bits = (np.asarray(inner, dtype=np.uint64) if inner is not None and len(inner) == len(kv.index_to_key)
                else np.ones(len(kv.index_to_key), dtype=np.uint64))
        provenance[pos] |= bits << np.uint64(offset)
    estimated = (estimate > 0) & ~has_real
    combined_count[estimated] = estimate[estimated]
    return combined_count, provenance, int(estimated.sum())


def _weights(strategy, counts, is_reference, in_reference):
    """The weight of each row of one input (`in_reference`: whether the reference holds its word)."""
    if strategy == "count":
        return np.maximum(counts, 1).astype(np.float64)
    if strategy == "reference" and not is_reference:
        return np.where(in_reference, 0.0, 1.0)
    return np.ones(len(in_reference), dtype=np.float64)


def _combine(models, alignments, positions, weights, shared, dtype, chunk_size, names, progress):
    """The merged vectors, built in output order, one block of output rows at a time.

    For each block every input's rows are gathered (a read), mapped, and combined; the block is then written
    once, in order, so that the output's pages are touched sequentially (first touches in scattered order
    cost several times more on some systems) and never twice. A word held by one input takes its (mapped)
    vector as it is; for the others (`shared`) the weighted unit vectors are summed (inputs in order) and
    scaled to the weighted mean length of their estimates.
    """
    n_out, dim = len(shared), models[0].vector_size
    sources = []  # the row of each output word in each input, -1 where the input lacks it
    for pos in positions:
        src = np.full(n_out, -1, dtype=np.intp)
        src[pos] = np.arange(len(pos))
        sources.append(src)
    out = np.empty((n_out, dim), dtype=dtype)
    step = min(chunk_size, _STEP_ROWS)
    cancelled = 0
    for start in range(0, n_out, step):
        stop = min(start + step, n_out)
        view = out[start:stop]  # written block by block: its pages are first touched in order
        together = np.flatnonzero(shared[start:stop])  # rows of the block with several estimates
        slot = np.full(stop - start, -1, dtype=np.intp)
        slot[together] = np.arange(together.size)
        acc = np.zeros((together.size, dim), dtype=dtype)  # their weighted unit vectors, summed in input order
        length_sum = np.zeros(together.size, dtype=np.float64)
        weight_sum = np.zeros(together.size, dtype=np.float64)
        done = 0
        for kv, alignment, src, w, name in zip(models, alignments, sources, weights, names):
            rows = src[start:stop]
            held = np.flatnonzero(rows >= 0)
            if held.size == 0:
                continue
            index = rows[held]
            part = _mapped_rows(kv, index, alignment, dtype, name)
            target = slot[held]
            alone = target < 0
            view[held[alone]] = part[alone]
            if not alone.all():
                mine = ~alone
                part = part[mine]
                lengths = _row_norms(part)
                # an all-zero row is no estimate: it weighs nothing (its length would otherwise shrink the mean)
                wb = np.where(lengths > 0, w[index[mine]], 0.0)
                part *= np.divide(wb, lengths, out=np.zeros_like(wb), where=lengths > 0)[:, None].astype(dtype)
                target = target[mine]
                acc[target] += part
                length_sum[target] += wb * lengths
                weight_sum[target] += wb
            done += index.size
        cancelled += _rescale(acc, length_sum, weight_sum)
        view[together] = acc
        if progress is not None:
            progress(done)
    if cancelled:
        logger.warning("%i merged word(s) got opposite directions from their inputs and were left at zero",
                       cancelled)
    return out


def _mapped_rows(kv, index, alignment, dtype, name):
    """Rows `index` of `kv` (checked finite), mapped by `alignment` when there is one."""
    part = np.asarray(kv.vectors[index], dtype=dtype)  # a gathered copy: the input is never written to
    if not probably_finite(part) and not np.isfinite(part).all():
        bad = int(np.flatnonzero(~np.isfinite(part).all(axis=1))[0])
        check_finite_rows(part[bad:bad + 1], [kv.index_to_key[int(index[bad])]], name)
    return part if alignment is None else alignment.apply(part)


def _row_norms(block):
    """Euclidean length of each row, in float64 (no temporary of the block's size)."""
    return np.sqrt(np.einsum("ij,ij->i", block, block, dtype=np.float64))


def _rescale(acc, length_sum, weight_sum):
    """Scale each row of `acc` (a sum of weighted unit vectors) to its weighted mean length, in place.

    Returns how many rows had estimates whose directions cancelled out (left at zero).
    """
    direction_norm = _row_norms(acc)
    target_len = np.divide(length_sum, weight_sum, out=np.zeros(len(acc)), where=weight_sum > 0)
    factor = np.divide(target_len, direction_norm, out=np.zeros(len(acc)), where=direction_norm > 0)
    acc *= factor[:, None].astype(acc.dtype)
    return int(((direction_norm == 0) & (target_len > 0)).sum())


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

    found = [read_model_counts(kv, name) for kv, name in zip(models, names)]
    for name, c in zip(names, found):
        if c.kind == "missing":
            raise CountsError(
                f"bucket_weights={rule!r} weighs buckets by the word counts of each model (its evidence), but "
                f"{name} carries no 'count' attribute; use bucket_weights='mean' or give one weight per model")
    return _stand_ins_on_curve(found, names, 0)[0]


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
