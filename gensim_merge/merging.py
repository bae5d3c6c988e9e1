"""One union vocabulary from several models: align, combine shared words, sum counts, record provenance.

:func:`merge_vectors` is pure: it reads gensim KeyedVectors and returns a :class:`MergeResult` (keys, vectors,
counts, provenance, report); :func:`gensim_merge.merge` and :meth:`MergeableKeyedVectors.merge_with` turn it
into a model. The union and its order are computed on arrays of keys (see :mod:`gensim_merge._union`). The
output is built in one pass per input: each input is streamed in chunks through its fitted map and written
into a single preallocated output matrix already in the final (combined-frequency) order, so merging costs
a few matrix products and one output allocation, and a memory-mapped input is never copied whole. Timings:
``benchmarks/RESULTS.md``.

How shared words are combined
-----------------------------
Models trained on different corpora differ in scale, and within one model frequent words have longer
vectors. So directions and lengths are combined separately: the merged direction is the weighted sum of the
inputs' unit vectors (after alignment), and the merged length is the weighted mean of the inputs' lengths
(each input first brought to the reference's overall scale by its alignment). With ``strategy="count"`` the
weights are the words' counts in each corpus, so a word seen 10 000 times in one corpus and 5 times in the
other takes (almost) the better estimate; ``"mean"`` weighs inputs equally; ``"reference"`` keeps the
reference's vector wherever it has one.

Counts that are gensim's rank stand-ins
---------------------------------------
A word2vec file loaded without its vocabulary file carries gensim's stand-ins ``n, n - 1, ..., 1`` as counts
(see :mod:`gensim_merge.counts`). They are a frequency order, not counts: weighed as counts, they made a merge
of an old model (real counts) and a new word2vec file score .49 of the noise floor on held-out corpora, below
the old model alone (.56), against .65 with the real counts. So the ranks of such an input are put on the
frequency curve of the reference (or of the first input with real counts): its word at rank r weighs as the
reference's r-th most frequent word. That scores .645, as the real counts do (equal weights for the stand-in
input: .53; ``benchmarks/results/merge_stand_in_counts.md``). The result's counts are the real inputs' only
(a stand-in is never added to a real count); a word only stand-in inputs hold carries its estimate; with no
real counts at all, the result's counts are stand-ins again. :class:`MergeReport` names each input's kind of
counts and what was done (``counts``, ``stand_in_curve``, ``estimated_counts``, and its printed notes).

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

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge._align_options import AlignOptionsLike
from gensim_merge._alignment_data import probably_finite
from gensim_merge._merge_inputs import COUNT_RULES, MAX_SOURCES, STRATEGIES, check_inputs, warn_rank_based
from gensim_merge._typing import MergeStrategy, Progress
from gensim_merge._union import merged_order, union_positions
from gensim_merge._validation import check_finite_rows
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, fit_between
from gensim_merge.counts import MAX_COUNT, frequency_curve, read_model_counts
from gensim_merge.errors import CountsError

__all__ = ["COUNT_RULES", "MAX_SOURCES", "STRATEGIES", "MergeReport", "MergeResult", "merge_vectors"]

logger = logging.getLogger(__name__)

#: Rows combined per step at most (whatever chunk_size allows): steps that stay in cache measured faster.
_STEP_ROWS = 8192


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
    counts : dict
        Input name -> the kind of its counts: ``"real"``, ``"stand-in"`` (gensim's rank stand-ins of a word2vec
        file loaded without its vocabulary file) or ``"missing"`` (see :mod:`gensim_merge.counts`).
    stand_in_curve : str or None
        Where stand-in counts were put on a frequency curve before weighing: the name of the input whose real
        counts gave the curve, ``"zipf"`` when no input had real counts, None when no input had stand-ins.
    estimated_counts : int
        Words of the result whose ``count`` is an estimate (held only by inputs with stand-in counts; when no
        input has real counts, the result's counts are gensim's rank stand-ins again, and this is every word).
    """

    sources: tuple
    reference: str
    strategy: str
    n_words: int
    n_shared: int
    words_per_source: tuple
    alignments: dict = field(default_factory=dict)
    center_fit: bool = False
    counts: dict = field(default_factory=dict)
    stand_in_curve: str | None = None
    estimated_counts: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the report."""
        return {
            "sources": list(self.sources), "reference": self.reference, "strategy": self.strategy,
            "n_words": self.n_words, "n_shared": self.n_shared, "words_per_source": list(self.words_per_source),
            "alignments": dict(self.alignments), "center_fit": self.center_fit, "counts": dict(self.counts),
            "stand_in_curve": self.stand_in_curve, "estimated_counts": self.estimated_counts,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MergeReport:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["sources"] = tuple(data["sources"])
        data["words_per_source"] = tuple(data["words_per_source"])
        return cls(**data)

    def __str__(self) -> str:
        head = (f"Merge of {len(self.sources)} model(s) into the space of {self.reference!r} (strategy={self.strategy}"
                f"{', centred fit' if self.center_fit else ''}): {self.n_words} words, {self.n_shared} in more "
                "than one input")
        rows = [("input", "words", "counts", "anchors", "trimmed", "held-out cosine")]
        for name, n in zip(self._input_names(), self.words_per_source):
            rep = self.alignments.get(name)
            held = None if rep is None else rep.get("heldout_cosine")
            rows.append((name, str(n), self.counts.get(name, "?"),
                         "-" if rep is None else str(rep["n_used"]), "-" if rep is None else str(len(rep["trimmed"])),
                         "-" if rep is None else "n/a" if held is None else f"{held:.3f}"))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [head] + ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines += [f"  note: {note}" for note in self.notes()]
        return "\n".join(lines)

    __repr__ = __str__

    def notes(self) -> list[str]:
        """What the report's counts mean, in sentences (empty when every input had real counts or none had any)."""
        stand_ins = [name for name, kind in self.counts.items() if kind == "stand-in"]
        if not stand_ins:
            return []
        if self.stand_in_curve == "zipf":
            how = "put on a Zipf curve (no input has real counts)"
        else:
            how = f"put on the frequency curve of {self.stand_in_curve!r} (its real count at the same rank)"
        notes = [(f"the counts of {', '.join(stand_ins)} are gensim's rank stand-ins (a word2vec file loaded without "
                  f"its vocabulary file): their ranks were {how} to weigh shared words; give the real counts "
                  "(--counts FILE, or load_word2vec_format(..., fvocab=FILE)) for a count-weighted merge")]
        if self.estimated_counts == self.n_words:
            notes.append("no input has real counts: the result's counts are rank stand-ins too (n, n-1, ..., 1)")
        elif self.estimated_counts:
            notes.append(f"{self.estimated_counts} word(s) held only by inputs with stand-in counts carry that "
                         "estimate as their count; every other count is a real one, never added to an estimate")
        return notes

    def _input_names(self):
        """The inputs' names (the report keeps the original sources, which may expand merged inputs)."""
        if len(self.counts) == len(self.words_per_source):
            return list(self.counts)
        if len(self.sources) == len(self.words_per_source):
            return list(self.sources)
        return [f"input {i}" for i in range(len(self.words_per_source))]


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


def _stand_ins_on_curve(found, names, ref):
    """Per input, the counts that weigh its words (stand-ins put on a frequency curve), and the curve's name.

    Rank stand-ins are a frequency order, not counts (see :mod:`gensim_merge.counts`): the word at rank r gets
    the r-th largest real count of the reference (or of the first input with real counts), or a Zipf curve
    when no input has real counts. Measured on held-out corpora (``benchmarks/fidelity_counts.py``), this
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
