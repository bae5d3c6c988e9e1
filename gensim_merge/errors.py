"""Exception types of :mod:`gensim_merge`.

Every error the package raises on purpose derives from :class:`GensimMergeError`, so a caller can catch
them all at once. Each also derives from the builtin that Python or gensim raises for the same problem
(``ValueError``; ``TypeError`` for a wrong type; ``FileNotFoundError`` for a missing file;
``UnicodeDecodeError`` for bytes that do not decode), so code written against plain gensim keeps catching
what it caught before. ``GensimMergeError`` itself is never raised bare.

Examples
--------
>>> from gensim_merge.errors import DimensionMismatchError, GensimMergeError
>>> issubclass(DimensionMismatchError, (GensimMergeError, ValueError))
True
"""

__all__ = [
    "AnchorError",
    "AnchorFileEncodingError",
    "BucketMismatchError",
    "CorpusDecodeError",
    "CorpusError",
    "CountsError",
    "DimensionMismatchError",
    "DuplicateKeyError",
    "EmptyModelError",
    "GensimMergeError",
    "IncompatibleModelError",
    "ModelFileEncodingError",
    "ModelFileError",
    "ModelFileNotFoundError",
    "NoBucketsError",
    "NoSharedVocabularyError",
    "NonFiniteVectorsError",
    "NotMergedError",
    "OptionError",
    "OptionTypeError",
    "PickleNotAllowedError",
]


class GensimMergeError(Exception):
    """Base class of every error raised on purpose by gensim_merge."""


class CountsError(GensimMergeError, ValueError):
    """A model's word counts are missing where they are needed, are not counts, or overflow when summed."""


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


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """A model (or map) file does not exist; still a :class:`FileNotFoundError`, as gensim and ``open()`` raise.

    Examples
    --------
    >>> err = ModelFileNotFoundError("no such file: 'x.kv'", filename="x.kv")
    >>> isinstance(err, FileNotFoundError), isinstance(err, ValueError), err.filename
    (True, True, 'x.kv')
    """

    def __init__(self, message, *, filename=None):
        super().__init__(message)
        self.message, self.filename = message, filename

    def __str__(self):  # not OSError's "[Errno None] None: filename"
        return self.message


class NoSharedVocabularyError(GensimMergeError, ValueError):
    """Two models have no (or too few) words in common to be compared."""


class NotMergedError(GensimMergeError, ValueError):
    """A question only a merged model can answer (which input held a word) was asked of a model never merged."""


class UnknownSourceError(GensimMergeError, KeyError):
    """A name that is not one of a merged model's inputs (e.g. ``words_from("nobody")``)."""

    def __str__(self):  # KeyError would show the message quoted, as a key
        return str(self.args[0]) if self.args else ""


class OptionError(GensimMergeError, ValueError):
    """An option is out of its allowed range or not one of its choices.

    Attributes
    ----------
    option : str or None
        The option's name (as the function spells it).
    value : object
        The value that was given.
    allowed : str or None
        The allowed range or choices, in words (e.g. ``"in [0, 1)"``).
    """

    def __init__(self, message, *, option=None, value=None, allowed=None):
        super().__init__(message)
        self.option, self.value, self.allowed = option, value, allowed


class OptionTypeError(OptionError, TypeError):
    """An option is of the wrong type (e.g. a string, or a bool where a number is expected)."""


class PickleNotAllowedError(ModelFileError):
    """A file in gensim's native format (a pickle, which runs code when loaded) was not allowed to be loaded.

    Raised unless the caller opts in (``allow_pickle=True``, ``--allow-pickle``), as ``numpy.load`` does.
    """


class _DecodeError(UnicodeDecodeError):
    """A UnicodeDecodeError whose ``str()`` is the package's message (naming the file and the remedy).

    Built from that message plus :class:`UnicodeDecodeError`'s five fields (encoding, object, start, end,
    reason), so ``except UnicodeDecodeError`` and the fields keep working; pickles with all six.
    """

    def __init__(self, message, encoding, obj, start, end, reason):
        UnicodeDecodeError.__init__(self, encoding, obj, start, end, reason)
        self.message = message

    def __str__(self):
        return self.message

    def __reduce__(self):
        return type(self), (self.message, self.encoding, self.object, self.start, self.end, self.reason)


class ModelFileEncodingError(ModelFileError, _DecodeError):
    """A word in a word2vec file is not valid in the encoding it was read with.

    Still a :class:`UnicodeDecodeError` (gensim's contract).

    Examples
    --------
    >>> err = ModelFileEncodingError("v.txt: not UTF-8", "utf-8", b"caf\\xe9", 3, 4, "invalid continuation byte")
    >>> isinstance(err, UnicodeDecodeError), err.start, str(err)
    (True, 3, 'v.txt: not UTF-8')
    """


class CorpusDecodeError(CorpusError, _DecodeError):
    """A corpus file cannot be decoded as text (e.g. a binary vectors file passed as a corpus).

    Still a :class:`UnicodeDecodeError`, which is what gensim raises for the same file.

    Examples
    --------
    >>> err = CorpusDecodeError("corpus.bin is not text", "utf-8", b"\\xff", 0, 1, "invalid start byte")
    >>> isinstance(err, UnicodeDecodeError), str(err)
    (True, 'corpus.bin is not text')
    """


class AnchorFileEncodingError(AnchorError, _DecodeError):
    """An anchor pair file is not valid in the encoding it was read with; still a :class:`UnicodeDecodeError`."""


class BucketMismatchError(IncompatibleModelError):
    """fastText models whose n-gram buckets cannot be combined (different ``bucket``, ``min_n`` or ``max_n``)."""


class NoBucketsError(IncompatibleModelError):
    """A fastText model without n-gram buckets (``bucket=0``) where its subword vectors are needed."""
