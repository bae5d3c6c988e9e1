"""Aligning :class:`~gensim_merge.keyedvectors.MergeableKeyedVectors` to another model (a mixin of the class).

The work is :func:`gensim_merge.alignment.fit_between` (fit) and :meth:`gensim_merge.alignment.Alignment.apply`
(map); these methods check the inputs, pass the options of one :class:`~gensim_merge.alignment.AlignOptions`
and wrap the result in a new object of the caller's class.
"""

# ruff: noqa: PYI019  (typing.Self needs Python 3.11; a TypeVar types the returned class on 3.9)

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge._typing import AlignMethod, AnchorsLike, OnMissing, Progress
from gensim_merge._validation import check_keyed_vectors, check_option_of
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, Alignment, AlignOptions, fit_between
from gensim_merge.errors import IncompatibleModelError

__all__ = ["AlignmentMixin"]

logger = logging.getLogger(__name__)

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
            frequent first (see :func:`gensim_merge.anchors.shared_anchors`); a list of pairs, a dict, a list
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
