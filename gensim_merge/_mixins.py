"""What both model classes (word2vec and fastText) share: their own attributes, alignment, evidence.

:class:`MetadataMixin` (the package's own attributes and the one to/from plain-data pair every file format
uses), :class:`AlignmentMixin` (``align_to``, ``alignment_to``, ``apply_alignment``) and :class:`EvidenceMixin`
(provenance and estimates of merged, ensembled and continued models).
"""

# ruff: noqa: PYI019  (typing.Self needs Python 3.11; a TypeVar types the returned class on 3.9)

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge._typing import AlignMethod, AnchorsLike, OnMissing, Progress
from gensim_merge._validation import check_keyed_vectors, check_option_of
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, Alignment, AlignOptions, fit_between
from gensim_merge.errors import IncompatibleModelError, NotMergedError, UnknownSourceError

__all__ = ["METADATA_ATTR", "OWN_ATTRS", "AlignmentMixin", "EvidenceMixin", "MergeReport", "MetadataMixin"]

logger = logging.getLogger(__name__)


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


#: Attribute under which our metadata travels inside a plain-gensim file.
METADATA_ATTR = "gensim_merge_metadata"
#: Attributes of the classes that gensim's do not have, and their defaults (a callable makes a fresh one).
_DEFAULTS = (("alignment", None), ("sources", list), ("merge_report", None), ("model", None),
             ("continuation_report", None))
OWN_ATTRS = tuple(name for name, _ in _DEFAULTS)


class MetadataMixin:
    """Defaults of the package's own attributes, and their one to/from plain-data pair."""

    def _set_defaults(self):
        for name, default in _DEFAULTS:
            if not hasattr(self, name):
                setattr(self, name, default() if callable(default) else default)

    def _metadata_to_dict(self):
        """Our own attributes as plain data (str, numbers, lists, dicts, numpy arrays): what every file
        format stores besides keys, vectors and per-key attributes. Inverse: :meth:`_metadata_from_dict`."""
        return {
            "alignment": self.alignment.to_dict() if self.alignment is not None else None,
            "sources": list(self.sources),
            "merge_report": self.merge_report.to_dict() if self.merge_report is not None else None,
        }

    def _metadata_from_dict(self, metadata):
        if metadata.get("alignment") is not None:
            self.alignment = Alignment.from_dict(metadata["alignment"])
        if metadata.get("sources") is not None:
            self.sources = list(metadata["sources"])
        if metadata.get("merge_report") is not None:
            self.merge_report = MergeReport.from_dict(metadata["merge_report"])

    def _restore_metadata(self):
        """After unpickling a file: our attributes back from the plain data it carried (defaults otherwise)."""
        self._metadata_from_dict(self.__dict__.pop(METADATA_ATTR, None) or {})
        self._set_defaults()


if TYPE_CHECKING:  # the type checker sees the KeyedVectors attributes the mixin uses; at run time a plain mixin
    from gensim.models import KeyedVectors as _MixinBase
else:
    _MixinBase = object
#: The class of the model a method is called on (``MergeableKeyedVectors``, or a subclass): what it returns.
_Model = TypeVar("_Model", bound="AlignmentMixin")


class AlignmentMixin(_MixinBase):
    """``align_to``, ``alignment_to`` and ``apply_alignment`` for the class."""

    def align_to(
        self: _Model, target: KeyedVectors, anchors: AnchorsLike = AlignOptions.anchors, *,
        method: AlignMethod = AlignOptions.method, center: bool = AlignOptions.center,
        normalize: bool = AlignOptions.normalize, ridge: float = AlignOptions.ridge,
        n_anchors: int | None = AlignOptions.n_anchors, anchor_min_count: int = AlignOptions.anchor_min_count,
        on_missing: OnMissing = AlignOptions.on_missing, trim: bool = AlignOptions.trim,
        trim_threshold: float = AlignOptions.trim_threshold, heldout: float = AlignOptions.heldout,
        seed: int | None = AlignOptions.seed, chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> _Model:
        """Map every word of this model into `target`'s space.

        The options are those of :class:`~gensim_merge.alignment.AlignOptions` (defaults and allowed ranges
        there), all checked before any work.

        Parameters
        ----------
        target : gensim.models.KeyedVectors
            The model whose space (and scale) the result lives in. Not modified.
        anchors : None, list of (str, str), dict, iterable of str, str or os.PathLike, optional
            Guide-post pairs (source word, target word). None (default): the words both models share, most
            frequent first (see :func:`gensim_merge.alignment.shared_anchors`); a list of pairs, a dict, a list
            of words present in both, or the path of a two-column pair file for models whose vocabularies
            differ (two languages).
        method : {"orthogonal", "linear"}, optional
            Orthogonal Procrustes (default: keeps the geometry of the source) or a general least-squares map
            (with optional `ridge`); ``method="linear", trim=False`` on unit vectors reproduces gensim's
            TranslationMatrix.
        center, normalize : bool, optional
            Preprocessing of the anchors for the fit (see :func:`gensim_merge.alignment.fit_alignment`).
        ridge : float, optional
            Regularisation of the linear map (>= 0).
        n_anchors : int or None, optional
            Cap on shared-word anchors (most frequent first; >= 2).
        anchor_min_count : int, optional
            Skip shared words seen fewer times than this in either corpus (where counts are known; >= 0).
        on_missing : {"raise", "skip"}, optional
            Explicit pairs naming a word a model lacks.
        trim : bool, optional
            Robust refit: drop anchors whose residual is far out (words used in a different sense) and refit.
            The dropped words are listed in ``result.alignment.report.trimmed``.
        trim_threshold : float, optional
            How far out (in robust standard deviations of the residuals) an anchor must be to be dropped (> 0).
        heldout : float, optional
            Share of anchors held out of the fit to estimate quality (``report.heldout_*``), in [0, 1).
        seed : int, optional
            Seeds the held-out draw (>= 0).
        chunk_size : int, optional
            Rows mapped per matrix product (bounds temporary memory; a memory-mapped model is streamed; >= 1).

        Returns
        -------
        MergeableKeyedVectors
            A new model with every key, count and attribute of this one, its vectors mapped into `target`'s
            space; ``result.alignment`` holds the fitted map and its report.

        Raises
        ------
        OptionError
            An option out of its range, or of the wrong type (:class:`~gensim_merge.errors.OptionTypeError`).
        DimensionMismatchError, AnchorError, NonFiniteVectorsError, EmptyModelError, IncompatibleModelError

        Examples
        --------
        >>> import numpy as np
        >>> from gensim_merge import MergeableKeyedVectors
        >>> rng = np.random.default_rng(0)
        >>> words = [f"w{i}" for i in range(60)]
        >>> target = MergeableKeyedVectors(8)
        >>> target.add_vectors(words, rng.normal(size=(60, 8)).astype(np.float32))
        >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
        >>> source = MergeableKeyedVectors(8)
        >>> source.add_vectors(words, (target.vectors @ Q).astype(np.float32))
        >>> aligned = source.align_to(target)
        >>> bool(np.allclose(aligned.vectors, target.vectors, atol=1e-5))
        True
        """
        chunk_size = check_option_of("apply", "chunk_size", chunk_size)  # before the fit, not after it
        alignment = self.alignment_to(
            target, anchors, method=method, center=center, normalize=normalize, ridge=ridge, n_anchors=n_anchors,
            anchor_min_count=anchor_min_count, on_missing=on_missing, trim=trim, trim_threshold=trim_threshold,
            heldout=heldout, seed=seed,
        )
        return self.apply_alignment(alignment, chunk_size=chunk_size)

    def alignment_to(
        self, target: KeyedVectors, anchors: AnchorsLike = AlignOptions.anchors, *,
        method: AlignMethod = AlignOptions.method, center: bool = AlignOptions.center,
        normalize: bool = AlignOptions.normalize, ridge: float = AlignOptions.ridge,
        n_anchors: int | None = AlignOptions.n_anchors, anchor_min_count: int = AlignOptions.anchor_min_count,
        on_missing: OnMissing = AlignOptions.on_missing, trim: bool = AlignOptions.trim,
        trim_threshold: float = AlignOptions.trim_threshold, heldout: float = AlignOptions.heldout,
        seed: int | None = AlignOptions.seed,
    ) -> Alignment:
        """Fit the map :meth:`align_to` would apply, without mapping the model.

        Takes the options of :meth:`align_to` (but `chunk_size`) and returns the fitted
        :class:`~gensim_merge.alignment.Alignment`; apply it with :meth:`apply_alignment`. The same as
        :func:`gensim_merge.alignment.fit_between` with an :class:`~gensim_merge.alignment.AlignOptions`.
        """
        options = AlignOptions(
            anchors=anchors, method=method, center=center, normalize=normalize, ridge=ridge, n_anchors=n_anchors,
            anchor_min_count=anchor_min_count, on_missing=on_missing, trim=trim, trim_threshold=trim_threshold,
            heldout=heldout, seed=seed,
        )
        self._check_alignable()
        return fit_between(self, target, options)

    def _check_alignable(self) -> None:
        """A subclass's own precondition for being aligned (fastText: it has n-gram buckets); none here."""

    def apply_alignment(self: _Model, alignment: Alignment, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                        progress: Progress | None = None) -> _Model:
        """A new model with this model's vectors mapped by a fitted :class:`Alignment`.

        Parameters
        ----------
        alignment : Alignment
            E.g. ``other.alignment`` from an earlier :meth:`align_to`, or ``Alignment.load(path)``.
        chunk_size : int, optional
            Rows mapped per step (>= 1).
        progress : callable, optional
            Called with the number of rows mapped after each step (see :meth:`Alignment.apply`).

        Returns
        -------
        MergeableKeyedVectors
        """
        if not isinstance(alignment, Alignment):
            raise IncompatibleModelError(f"apply_alignment needs an Alignment, got {type(alignment).__name__}")
        check_keyed_vectors(self, "source")
        logger.info("mapping %i vectors with the %s alignment", len(self), alignment.method)
        mapped = alignment.apply(self.vectors, chunk_size=chunk_size, keys=self.index_to_key, progress=progress)
        result = self._with_vectors(mapped)
        result.alignment = alignment
        report = alignment.report
        result.add_lifecycle_event(
            "align_to", method=alignment.method, n_anchors=report.n_anchors, n_used=report.n_used,
            n_trimmed=len(report.trimmed), mean_cosine=round(report.mean_cosine, 6),
        )
        return result

    def _with_vectors(self, vectors):
        """A new object with our keys and attributes (copied) and the given vectors."""
        new = type(self)(self.vector_size, dtype=vectors.dtype)
        new.index_to_key = list(self.index_to_key)
        new.key_to_index = dict(self.key_to_index)
        new.next_index = len(new.index_to_key)
        new.expandos = {name: np.array(values) for name, values in self.expandos.items()}
        new.vectors = vectors
        new.sources = list(self.sources)
        return new


class EvidenceMixin(_MixinBase):
    """``provenance``, ``words_from`` and ``estimates`` for the class (which sets ``sources``)."""

    sources: list[str]

    def _check_merged(self, method):
        if not self.sources or "provenance" not in self.expandos:
            raise NotMergedError(
                f"{method} needs a model produced by merging (merge_with / gensim_merge.merge), which records "
                f"which input held each word; this {type(self).__name__} was never merged"
            )

    def provenance(self, key: str | int) -> list[str]:
        """Names of the merged inputs that held `key`.

        Raises
        ------
        KeyError
            When `key` is not in the model.
        NotMergedError
            When the model was not produced by a merge (it records no inputs).

        Examples
        --------
        >>> import numpy as np
        >>> from gensim_merge import MergeableKeyedVectors
        >>> a, b = MergeableKeyedVectors(2), MergeableKeyedVectors(2)
        >>> a.add_vectors(["cat", "dog"], np.eye(2, dtype=np.float32))
        >>> b.add_vectors(["dog", "fish"], np.eye(2, dtype=np.float32))
        >>> merged = a.merge_with(b, names=["a", "b"], strategy="mean", align=False)
        >>> merged.provenance("dog"), merged.provenance("fish")
        (['a', 'b'], ['b'])
        """
        index = self.get_index(key)
        self._check_merged("provenance")
        bits = int(self.expandos["provenance"][index])
        return [name for bit, name in enumerate(self.sources) if bits >> bit & 1]

    def words_from(self, source: str, *, only: bool = False) -> list[str]:
        """The words that the merged input `source` held (``only=True``: held by no other input).

        Vectorised over the vocabulary; returns the words in the model's order.

        Raises
        ------
        UnknownSourceError
            When `source` is not one of the merged inputs' names (a ``KeyError``).
        NotMergedError
            When the model was not produced by a merge.
        """
        self._check_merged("words_from")
        if source not in self.sources:
            raise UnknownSourceError(f"words_from({source!r}): no input of this merge was named so; the inputs "
                                     f"are {self.sources}")
        mask = np.asarray(self.expandos["provenance"], dtype=np.uint64)
        bit = np.uint64(1) << np.uint64(self.sources.index(source))
        selected = (mask == bit) if only else (mask & bit) != 0
        return [self.index_to_key[i] for i in np.flatnonzero(selected)]

    def estimates(self, key: str | int | None = None) -> int | dict[str, int]:
        """How many independent estimates were averaged into `key` (or, without a key, into the words).

        Set by :meth:`ensemble` and by :meth:`continue_from` with ``members`` or ``new_model``; saved with the
        vectors (a per-word attribute). :meth:`provenance` names the inputs that contributed.

        Returns
        -------
        int or dict
            For a key, its number of estimates; without one, ``{"1": words, "2": words, ...}``.

        Raises
        ------
        KeyError
            When `key` is not in the model.
        NotMergedError
            When the model records no estimates (it was not combined from several).

        Examples
        --------
        >>> import numpy as np
        >>> from gensim_merge import MergeableKeyedVectors
        >>> a, b = MergeableKeyedVectors(3), MergeableKeyedVectors(3)
        >>> a.add_vectors(["cat", "dog", "owl"], np.eye(3, dtype=np.float32))
        >>> b.add_vectors(["dog", "owl", "fish"], np.eye(3, dtype=np.float32)[[1, 2, 0]])
        >>> both = MergeableKeyedVectors.ensemble([a, b], names=["s1", "s2"], align_options={"anchor_min_count": 0,
        ...                                       "heldout": 0, "trim": False})
        >>> both.estimates("dog"), both.provenance("dog"), both.estimates()
        (2, ['s1', 's2'], {'1': 2, '2': 2})
        """
        if "estimates" not in self.expandos:
            raise NotMergedError("estimates needs a model combined from several estimates (MergeableKeyedVectors"
                                 ".ensemble, or continue_from with members or new_model); this one records none")
        if key is None:
            counts = np.bincount(np.asarray(self.expandos["estimates"], dtype=np.int64))
            return {str(n): int(c) for n, c in enumerate(counts) if c}
        return int(self.expandos["estimates"][self.get_index(key)])
