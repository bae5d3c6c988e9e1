"""Exception types of :mod:`gensim_merge`.

Every error the package raises on purpose derives from :class:`GensimMergeError`, so a caller can catch
them all at once. Each also derives from the matching builtin (``ValueError``, ``TypeError``,
``KeyError``) so code written against plain gensim keeps catching what it caught before.

Examples
--------
>>> from gensim_merge.errors import DimensionMismatchError, GensimMergeError
>>> issubclass(DimensionMismatchError, (GensimMergeError, ValueError))
True
"""

__all__ = [
    "AnchorError",
    "CorpusError",
    "DimensionMismatchError",
    "DuplicateKeyError",
    "EmptyModelError",
    "GensimMergeError",
    "IncompatibleModelError",
    "ModelFileError",
    "NoSharedVocabularyError",
    "NonFiniteVectorsError",
    "NotMergedError",
]


class GensimMergeError(Exception):
    """Base class of every error raised on purpose by gensim_merge."""


class DimensionMismatchError(GensimMergeError, ValueError):
    """Two models (or a model and a map) do not have the same vector size."""


class AnchorError(GensimMergeError, ValueError):
    """The anchors (guide-post word pairs) of an alignment are missing, too few or invalid."""


class NonFiniteVectorsError(GensimMergeError, ValueError):
    """A model holds NaN or infinite values (or vectors that cannot be normalised)."""


class EmptyModelError(GensimMergeError, ValueError):
    """A model holds no vectors."""


class DuplicateKeyError(GensimMergeError, ValueError):
    """The same key appears more than once where keys must be unique."""


class IncompatibleModelError(GensimMergeError, TypeError):
    """An object of the wrong kind was given (e.g. a Doc2Vec model where a Word2Vec one is needed)."""


class CorpusError(GensimMergeError, ValueError):
    """A training corpus is empty, not restartable, or not made of token lists."""


class ModelFileError(GensimMergeError, ValueError):
    """A model file is missing, truncated, or in a format that cannot be read."""


class NoSharedVocabularyError(GensimMergeError, ValueError):
    """Two models have no (or too few) words in common to be compared."""


class NotMergedError(GensimMergeError, ValueError):
    """A question only a merged model can answer (which input held a word) was asked of a model never merged."""


# ---- fastText models (gensim_merge.fasttext)

__all__ += ["BucketMismatchError", "NoBucketsError"]


class BucketMismatchError(IncompatibleModelError):
    """fastText models whose n-gram buckets cannot be combined (different ``bucket``, ``min_n`` or ``max_n``)."""


class NoBucketsError(IncompatibleModelError):
    """A fastText model without n-gram buckets (``bucket=0``) where its subword vectors are needed."""
