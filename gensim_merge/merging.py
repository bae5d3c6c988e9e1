"""One union-vocabulary model from several: align, combine shared words, sum counts, record provenance.

The output is built in one pass per input: each input is streamed in chunks through its fitted map and added
into a single preallocated output matrix already in the final (combined-frequency) order, so merging costs
a few matrix products and one output allocation, and a memory-mapped input is never copied whole.

How shared words are combined
-----------------------------
Models trained on different corpora differ in scale, and within one model frequent words have longer
vectors. So directions and lengths are combined separately: the merged direction is the weighted sum of the
inputs' unit vectors (after alignment), and the merged length is the weighted mean of the inputs' lengths
(each input first brought to the reference's overall scale by its alignment). With ``strategy="count"`` the
weights are the words' counts in each corpus, so a word seen 10 000 times in one corpus and 5 times in the
other takes (almost) the better estimate; ``"mean"`` weighs inputs equally; ``"reference"`` keeps the
reference's vector wherever it has one.

Centred fit (``center_fit=True``)
---------------------------------
Word2vec vectors share a large common direction (the mean of the unit vectors has length 0.57 in a model of
the ``tech`` corpus, 0.67 in one of ``general``). A rotation fitted on the raw vectors spends much of its fit
on turning one model's common direction onto the other's. With ``center_fit=True`` the rotation is fitted on
mean-centred anchors (``center=True`` of the alignment) but applied *without* the translation: the inputs'
specific directions are matched while their common directions are not, so cosines between words of different
inputs lose part of their shared offset. That is where the gain comes from, not from a better match (tech +
general: the common directions' cosine falls from .95 to .65, the mean centred cosine of a shared word's two
vectors stays at .28): cross-input similarities, noisier than those within one input, weigh less in neighbour
lists, as in a concatenation of the two models, but in d dimensions. Against a model trained jointly on both
corpora (``benchmarks/fidelity.py``, tech + general) this brought every word group's top-10 neighbours closer
to the joint model's (ratio to the noise floor, A-only / B-only / shared: .805 / .686 / .649 -> .820 / .692 /
.674, the same direction on four samplings of the words), at a small cost in the correlation of the similarity
values of random word pairs (Spearman ρ .818 -> .799); on two halves of one corpus (same distribution) both
fits give the same figures. It is the default whenever inputs are aligned.
"""

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from gensim_merge._validation import (
    check_choice,
    check_finite_rows,
    check_integer,
    check_keyed_vectors,
    check_same_dim,
)
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, AlignOptions, fit_between
from gensim_merge.errors import DuplicateKeyError, GensimMergeError

__all__ = ["MAX_SOURCES", "STRATEGIES", "MergeReport", "merge"]

logger = logging.getLogger(__name__)

#: How shared words are combined (see the module docstring).
STRATEGIES = ("count", "mean", "reference")
#: Provenance is a bit mask per word (one bit per original input).
MAX_SOURCES = 64


@dataclass(frozen=True)
class MergeReport:
    """What a merge did.

    Attributes
    ----------
    sources : tuple of str
        The original inputs, in bit order of the provenance mask.
    reference : str
        The input whose space the merged model lives in.
    strategy : str
    n_words : int
        Words of the merged model (the union).
    n_shared : int
        Words held by more than one input.
    words_per_source : tuple of int
    alignments : dict
        Source name -> the JSON-safe report of its alignment onto the reference (absent when not aligned).
    center_fit : bool
        Whether the rotations were fitted on centred anchors and applied without translation.
    """

    sources: tuple
    reference: str
    strategy: str
    n_words: int
    n_shared: int
    words_per_source: tuple
    alignments: dict = field(default_factory=dict)
    center_fit: bool = False

    def to_dict(self):
        """A JSON-safe dict of the report."""
        return {
            "sources": list(self.sources), "reference": self.reference, "strategy": self.strategy,
            "n_words": self.n_words, "n_shared": self.n_shared, "words_per_source": list(self.words_per_source),
            "alignments": dict(self.alignments), "center_fit": self.center_fit,
        }

    @classmethod
    def from_dict(cls, data):
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["sources"] = tuple(data["sources"])
        data["words_per_source"] = tuple(data["words_per_source"])
        return cls(**data)

    def __str__(self):
        lines = [
            f"Merge of {len(self.sources)} model(s) into the space of {self.reference!r} (strategy={self.strategy}"
            f"{', centred fit' if self.center_fit else ''}): {self.n_words} words, {self.n_shared} in more "
            "than one input",
        ]
        for name, n in zip(self.sources, self.words_per_source):
            extra = ""
            if name in self.alignments:
                rep = self.alignments[name]
                held = rep.get("heldout_cosine")
                extra = (f"; aligned on {rep['n_used']} anchors ({len(rep['trimmed'])} trimmed), held-out cosine "
                         + ("n/a" if held is None else f"{held:.3f}"))
            lines.append(f"  {name}: {n} words{extra}")
        return "\n".join(lines)


def _check_unique_keys(kv, name):
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


_MAX_COUNT = np.iinfo(np.int64).max


def _counts(kv, name):
    """The ``count`` attribute of `kv` as int64 (None when absent), or an error for counts that are no counts."""
    counts = kv.expandos.get("count")
    if counts is None or len(counts) != len(kv.index_to_key):
        return None
    counts = np.asarray(counts)
    if counts.size and counts.dtype.kind in "iuf":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(counts) | (counts < 0) | (counts > (2.0 ** 63 - 1024 if counts.dtype.kind == "f"
                                                                  else _MAX_COUNT))
    else:
        bad = np.zeros(counts.shape, dtype=bool) if counts.dtype.kind in "iufb" else np.ones(counts.shape, bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GensimMergeError(
            f"{name}'s 'count' attribute holds {counts[i].item()!r} for {kv.index_to_key[i]!r} "
            f"({int(bad.sum())} such value(s)): counts must be whole numbers from 0 to 2**63 - 1; repair them on "
            "a copy, or drop them (del kv.expandos['count']) and merge with strategy='mean'"
        )
    return counts.astype(np.int64)


def _source_names(models, names):
    """One name per input and the flat list of original sources (inputs that are merges expand)."""
    if names is None:
        names = [f"model{i}" for i in range(len(models))]
    names = [str(n) for n in names]
    if len(names) != len(models):
        raise ValueError(f"names must give one name per model: {len(models)} models, {len(names)} names")
    flat, offsets = [], []
    for name, kv in zip(names, models):
        offsets.append(len(flat))
        inner = list(getattr(kv, "sources", None) or [])
        has_mask = "provenance" in kv.expandos and inner
        flat.extend([f"{name}/{s}" for s in inner] if has_mask else [name])
    if len(set(flat)) != len(flat):
        raise ValueError(f"model names must be unique, got {names}")
    if len(flat) > MAX_SOURCES:
        raise ValueError(f"provenance records at most {MAX_SOURCES} original inputs, got {len(flat)}; "
                         "merge in stages and save intermediate results without provenance")
    return names, flat, offsets


def _without_translation(alignment):
    """The same fitted map with its centring means dropped: ``y = x · matrix · scale``."""
    return dataclasses.replace(alignment, source_mean=np.zeros_like(alignment.source_mean),
                               target_mean=np.zeros_like(alignment.target_mean))


def merge(models, *, reference=0, names=None, strategy="count", align=True, align_options=None,
          center_fit=None, chunk_size=DEFAULT_CHUNK_SIZE):
    """Merge several models into one union-vocabulary model in the reference's space.

    Parameters
    ----------
    models : sequence of gensim.models.KeyedVectors
        Two or more models of the same vector size. None is modified.
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
        Rows streamed per step (>= 1).

    Returns
    -------
    MergeableKeyedVectors
        Every word of every input; counts summed into ``count``; ordered by combined count (ties: the
        reference's order, then by key); ``provenance`` attribute (bit mask) and ``sources`` say which inputs
        held each word (see :meth:`MergeableKeyedVectors.provenance`); ``merge_report`` says what was done.

    Raises
    ------
    DimensionMismatchError, DuplicateKeyError, EmptyModelError, NonFiniteVectorsError, AnchorError

    Examples
    --------
    >>> import numpy as np
    >>> from gensim_merge import MergeableKeyedVectors
    >>> a, b = MergeableKeyedVectors(2), MergeableKeyedVectors(2)
    >>> a.add_vectors(["cat", "dog"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> b.add_vectors(["dog", "fish"], np.array([[0, 1], [1, 1]], dtype=np.float32))
    >>> merged = merge([a, b], strategy="mean", align=False)
    >>> merged.index_to_key, merged.provenance("dog")
    (['cat', 'dog', 'fish'], ['model0', 'model1'])
    """
    from gensim_merge.keyedvectors import (
        MergeableKeyedVectors,  # the class module imports this one
    )

    models = list(models)
    if len(models) < 1:
        raise ValueError("merge needs at least one model")
    check_choice(strategy, STRATEGIES, "strategy")
    chunk_size = check_integer(chunk_size, "chunk_size", low=1)
    explicit_center = ("center" in align_options if isinstance(align_options, Mapping)
                       else bool(getattr(align_options, "center", False)))
    align_options = AlignOptions.from_any(align_options)
    if center_fit is None:
        center_fit = bool(align) and not explicit_center
    if center_fit:
        if not align:
            raise ValueError("center_fit=True changes how the alignments are fitted, but align=False fits "
                             "none; drop center_fit, or set align=True")
        if explicit_center and not align_options.center:
            raise ValueError("center_fit=True fits on centred anchors, but align_options sets center=False; "
                             "drop one of the two")
        align_options = align_options.replace(center=True)
    names, flat_sources, bit_offsets = _source_names(models, names)
    if isinstance(reference, str):
        if reference not in names:
            raise ValueError(f"reference {reference!r} is not one of the names {names}")
        reference = names.index(reference)
    reference = check_integer(reference, "reference", low=0, high=len(models) - 1)
    for name, kv in zip(names, models):
        check_keyed_vectors(kv, name)
        check_same_dim(models[reference], kv, names[reference], name)
        _check_unique_keys(kv, name)
    counts = [_counts(kv, name) for name, kv in zip(names, models)]
    if strategy == "count" and any(c is None for c in counts):
        missing = [n for n, c in zip(names, counts) if c is None]
        raise GensimMergeError(
            f"strategy='count' weighs shared words by their counts, but {missing} carry no 'count' attribute; "
            "use strategy='mean', or set counts with kv.set_vecattr / kv.expandos['count']"
        )

    # ---- the alignments (fitted only; applied chunk by chunk below)
    alignments = [None] * len(models)
    if align and len(models) > 1:
        for i, kv in enumerate(models):
            if i != reference:
                logger.info("aligning %s onto %s", names[i], names[reference])
                alignments[i] = fit_between(kv, models[reference], align_options)
                if center_fit:
                    alignments[i] = _without_translation(alignments[i])

    # ---- the union vocabulary, in its final order
    order_of_inputs = [reference] + [i for i in range(len(models)) if i != reference]
    union = {}
    for i in order_of_inputs:
        for key in models[i].index_to_key:
            union.setdefault(key, len(union))
    keys = list(union)
    positions = [np.fromiter((union[k] for k in kv.index_to_key), dtype=np.intp, count=len(kv.index_to_key))
                 for kv in models]
    n_union = len(keys)
    combined_count = np.zeros(n_union, dtype=np.int64)
    holders = np.zeros(n_union, dtype=np.int64)
    provenance = np.zeros(n_union, dtype=np.uint64)
    for kv, pos, cnt, offset, name in zip(models, positions, counts, bit_offsets, names):
        if cnt is not None:
            overflow = combined_count[pos] > _MAX_COUNT - cnt
            if overflow.any():
                i = int(np.flatnonzero(overflow)[0])
                raise GensimMergeError(
                    f"the counts of {kv.index_to_key[i]!r} sum to more than 2**63 - 1 (int64) once {name}'s are "
                    f"added ({int(overflow.sum())} such word(s)); counts that large are not word counts: check the "
                    "inputs' 'count' attributes, or scale them down on copies (kv.expandos['count'] //= 1000)"
                )
            combined_count[pos] += cnt
        holders[pos] += 1
        inner = kv.expandos.get("provenance") if getattr(kv, "sources", None) else None
        bits = (np.asarray(inner, dtype=np.uint64) if inner is not None and len(inner) == len(kv.index_to_key)
                else np.ones(len(kv.index_to_key), dtype=np.uint64))
        provenance[pos] |= bits << np.uint64(offset)
    in_reference = np.full(n_union, len(models[reference].index_to_key), dtype=np.int64)
    in_reference[positions[reference]] = np.arange(len(models[reference].index_to_key))
    key_rank = np.empty(n_union, dtype=np.int64)
    key_rank[np.argsort(np.array(keys, dtype=object), kind="stable")] = np.arange(n_union)
    final_order = np.lexsort((key_rank, in_reference, -combined_count))
    final_position = np.empty(n_union, dtype=np.intp)
    final_position[final_order] = np.arange(n_union)

    # ---- the weights of each input's rows
    weights = []
    for i, kv in enumerate(models):
        n = len(kv.index_to_key)
        if strategy == "count":
            w = np.maximum(counts[i], 1).astype(np.float64)
        elif strategy == "reference" and i != reference:
            w = np.where(in_reference[positions[i]] < len(models[reference].index_to_key), 0.0, 1.0)
        else:
            w = np.ones(n, dtype=np.float64)
        weights.append(w)

    dtype = np.result_type(*[kv.vectors.dtype for kv in models], np.float32)
    vectors = _combine(models, alignments, [final_position[p] for p in positions], weights, n_union, dtype,
                       chunk_size, names)

    merged = MergeableKeyedVectors(models[reference].vector_size, dtype=dtype)
    merged.index_to_key = [keys[i] for i in final_order]
    merged.key_to_index = {key: i for i, key in enumerate(merged.index_to_key)}
    merged.next_index = n_union
    merged.vectors = vectors
    merged.norms = None
    merged.expandos = {"provenance": provenance[final_order]}
    if any(c is not None for c in counts):
        merged.expandos["count"] = combined_count[final_order]
    merged.sources = flat_sources
    merged.merge_report = MergeReport(
        sources=tuple(flat_sources), reference=names[reference], strategy=strategy, n_words=n_union,
        n_shared=int((holders > 1).sum()), words_per_source=tuple(len(kv.index_to_key) for kv in models),
        alignments={names[i]: a.report.to_dict() for i, a in enumerate(alignments) if a is not None},
        center_fit=bool(center_fit),
    )
    merged.add_lifecycle_event(
        "merge", sources=list(names), reference=names[reference], strategy=strategy, center_fit=center_fit,
        n_words=n_union,
        n_shared=merged.merge_report.n_shared,
    )
    logger.info("%s", merged.merge_report)
    return merged


def _combine(models, alignments, positions, weights, n_union, dtype, chunk_size, names):
    """Weighted directions and weighted mean lengths, accumulated straight into the output matrix."""
    d = models[0].vector_size
    out = np.zeros((n_union, d), dtype=dtype)
    length_sum = np.zeros(n_union, dtype=np.float64)
    weight_sum = np.zeros(n_union, dtype=np.float64)
    for kv, alignment, pos, w, name in zip(models, alignments, positions, weights, names):
        for start in range(0, len(kv.index_to_key), chunk_size):
            stop = min(start + chunk_size, len(kv.index_to_key))
            block = np.asarray(kv.vectors[start:stop], dtype=dtype)
            # an all-zero row is no estimate: it weighs nothing (its length would otherwise shrink the mean)
            wb = np.where(block.any(axis=1), w[start:stop], 0.0)
            if alignment is not None:
                block = alignment.apply(block, keys=kv.index_to_key[start:stop])
            elif not np.isfinite(block).all():
                check_finite_rows(block, kv.index_to_key, name, row_offset=start)
            lengths = np.linalg.norm(block, axis=1)
            scale = np.divide(wb, lengths, out=np.zeros_like(wb), where=lengths > 0)
            rows = pos[start:stop]  # unique within one input, so fancy-index += is exact
            if alignment is not None:  # a fresh array: scale it in place (one temporary less)
                block *= scale[:, None].astype(dtype)
            else:  # a view of the input: never written to
                block = block * scale[:, None].astype(dtype)
            out[rows] += block
            del block
            length_sum[rows] += wb * lengths
            weight_sum[rows] += wb
    for start in range(0, n_union, chunk_size):
        stop = min(start + chunk_size, n_union)
        block = out[start:stop]
        direction_norm = np.linalg.norm(block, axis=1)
        target_len = np.divide(length_sum[start:stop], weight_sum[start:stop],
                               out=np.zeros(stop - start), where=weight_sum[start:stop] > 0)
        factor = np.divide(target_len, direction_norm, out=np.zeros(stop - start), where=direction_norm > 0)
        block *= factor[:, None].astype(dtype)
        cancelled = int(((direction_norm == 0) & (target_len > 0)).sum())
        if cancelled:
            logger.warning("%i merged word(s) got opposite directions from their inputs and were left at zero",
                           cancelled)
    return out
