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
    "CorpusDecodeError",
    "CorpusError",
    "DimensionMismatchError",
    "DuplicateKeyError",
    "EmptyModelError",
    "GensimMergeError",
    "IncompatibleModelError",
    "ModelFileError",
    "NoSharedVocabularyError",
    "NonFiniteVectorsError",
    "OptionError",
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


class OptionError(GensimMergeError, ValueError):
    """An option's value is out of its allowed range (or of the wrong kind); raised before any work."""


class CorpusDecodeError(CorpusError, UnicodeDecodeError):
    """A corpus file cannot be decoded as text (e.g. a binary vectors file passed as a corpus).

    Still a :class:`UnicodeDecodeError`, which is what gensim raises for the same file. The first argument is
    the package's message; the other five are :class:`UnicodeDecodeError`'s (encoding, object, start, end,
    reason).

    Examples
    --------
    >>> err = CorpusDecodeError("corpus.bin is not text", "utf-8", b"\\xff", 0, 1, "invalid start byte")
    >>> isinstance(err, UnicodeDecodeError), str(err)
    (True, 'corpus.bin is not text')
    """

    def __init__(self, message, encoding, obj, start, end, reason):
        UnicodeDecodeError.__init__(self, encoding, obj, start, end, reason)
        self.message = message

    def __str__(self):
        return self.message

    def __reduce__(self):
        return type(self), (self.message, self.encoding, self.object, self.start, self.end, self.reason)
