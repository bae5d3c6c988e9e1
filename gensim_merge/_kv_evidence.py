"""Which inputs each word of a merged or combined model came from (a mixin of the class).

Merges (:meth:`~gensim_merge.keyedvectors.MergeableKeyedVectors.merge_with`), ensembles and continuations with
more than one estimate record, per word, a provenance bit mask over ``sources`` and the number of independent
estimates averaged into it; these methods read them back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim_merge.errors import NotMergedError, UnknownSourceError

__all__ = ["EvidenceMixin"]


if TYPE_CHECKING:  # the type checker sees the KeyedVectors attributes the mixin uses; at run time a plain mixin
    from gensim.models import KeyedVectors as _MixinBase
else:
    _MixinBase = object


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
