"""Checks and wrappers for the training corpora of :mod:`gensim_merge.continuation`.

A corpus is a restartable iterable of token lists or a path to a text file (one whitespace-tokenised sentence
per line, optionally gzip-compressed). The checks here run before any training and name what is wrong.
"""

import bz2
import codecs
import gzip
import os
import re
from collections.abc import Iterable, Iterator

from gensim.models.word2vec import LineSentence

from gensim_merge.errors import CorpusDecodeError, CorpusError, OptionError

__all__ = ["Interleaved", "check_corpus", "check_corpus_file", "count_lines", "training_corpus"]

#: How much of a corpus file is read to tell text from a word2vec vectors file.
_SNIFF_BYTES = 64 * 1024
_HEADER = re.compile(rb"\A\s*(\d+)[ \t]+(\d+)[ \t]*\r?\n")


class Interleaved:
    """Restartable iterable: the lines of `main` with the lines of `extra` spread evenly among them."""

    def __init__(self, main, extra, main_lines, extra_lines):
        self.main, self.extra = main, extra
        self.main_lines, self.extra_lines = main_lines, extra_lines

    def __iter__(self):
        extra = iter(self.extra)
        owed = 0
        for line in self.main:
            yield line
            owed += self.extra_lines
            while owed >= self.main_lines:
                owed -= self.main_lines
                item = next(extra, None)
                if item is not None:
                    yield item
        yield from extra


class _TokenListsOnly:
    """Pass a corpus through, refusing any later item that is a plain string (checked on every pass).

    The first item is checked eagerly by :func:`check_corpus`; a string further on would otherwise make
    gensim train on its single characters.
    """

    def __init__(self, corpus, name):
        self.corpus, self.name = corpus, name

    def __iter__(self):
        for i, sentence in enumerate(self.corpus):
            if isinstance(sentence, (str, bytes)):
                raise CorpusError(
                    f"{self.name} item {i} is a string ({str(sentence)[:40]!r}) where a token list is needed: "
                    "word2vec would train on single characters; split every sentence into tokens")
            yield sentence


def _head(path):
    """The first bytes of a corpus file, decompressed when it is gzip."""
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(os.path.splitext(path)[1], open)  # as LineSentence does
    with opener(path, "rb") as fh:
        return fh.read(_SNIFF_BYTES)


def _looks_like_text_vectors(head, dim):
    """Whether the line after a word2vec header is ``word`` followed by `dim` numbers."""
    lines = head.split(b"\n", 2)
    if len(lines) < 3:
        return False
    fields = lines[1].split()
    if len(fields) != dim + 1:
        return False
    try:
        [float(x) for x in fields[1:]]
    except ValueError:
        return False
    return True


def _sniff_corpus_file(path, name):
    """Refuse a vectors file (any format the package reads) or another binary file given as a corpus, and a
    file that is not UTF-8 text."""
    head = _head(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is not an error
        bad = None
    except UnicodeDecodeError as exc:
        bad = exc
    _refuse_binary(path, name, head, bad)
    header = _HEADER.match(head)
    if header is not None and (bad is not None or _looks_like_text_vectors(head, int(header.group(2)))):
        words, dim = int(header.group(1)), int(header.group(2))
        kind = "binary" if bad is not None else "text"
        message = (f"{name} file {path!r} looks like a word2vec {kind} vectors file ({words} words x {dim} "
                   "dimensions), not text: a corpus is one whitespace-tokenised sentence per line. Pass the "
                   "model as the source and the training text as the corpus")
        if bad is None:
            raise CorpusError(message)
        raise CorpusDecodeError(message, bad.encoding, bad.object, bad.start, bad.end, bad.reason)
    if bad is not None:
        raise CorpusDecodeError(
            f"{name} file {path!r} is not UTF-8 text (byte {bad.object[bad.start]:#04x} at offset {bad.start}: "
            f"{bad.reason}); gensim reads corpora as UTF-8: convert it, e.g. iconv -f latin1 -t utf-8",
            bad.encoding, bad.object, bad.start, bad.end, bad.reason)


def _refuse_binary(path, name, head, bad):
    """Refuse a model file (safetensors, pickle, fastText or word2vec binary) or a file holding NUL bytes; a
    :class:`CorpusDecodeError` (a UnicodeDecodeError) when its bytes are not UTF-8 (`bad`), as for any binary."""
    from gensim_merge._formats import describe_format, sniff

    try:
        found = sniff(path)
    except (OSError, ValueError):
        found = None  # not a vectors file: text is checked next
    if found is not None and found.fmt == "word2vec-binary":
        return  # named with its size by the caller
    if found is not None and found.fmt != "word2vec-text":
        kind = describe_format(found.fmt, compressed=found.compressed).split(" (")[0]
        message = (f"{name} file {path!r} is a {kind} vectors file, not text: a corpus is one whitespace-tokenised "
                   "sentence per line. Pass the model as the source and the training text as the corpus")
    elif b"\0" in head:
        message = (f"{name} file {path!r} is a binary file (it holds NUL bytes), not text: a corpus is one "
                   "whitespace-tokenised sentence per line")
    else:
        return
    if bad is None:
        raise CorpusError(message)
    raise CorpusDecodeError(message, bad.encoding, bad.object, bad.start, bad.end, bad.reason)


def _check_path(corpus, name):
    path = os.fspath(corpus)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not os.path.isfile(path):
        raise CorpusError(f"{name} path {path!r} is not a file; pass an existing text or .gz file "
                          "(one whitespace-tokenised sentence per line) or an iterable of token lists")
    if os.path.getsize(path) == 0:
        raise CorpusError(f"{name} file {path!r} is empty; a continuation needs at least one sentence")
    _sniff_corpus_file(path, name)
    return path


def check_corpus(corpus, name):
    """Return a restartable iterable of token lists for `corpus` (iterable or path), or raise CorpusError."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        return LineSentence(_check_path(corpus, name))
    if not isinstance(corpus, Iterable):
        raise CorpusError(f"{name} must be an iterable of token lists or a path, got {type(corpus).__name__}")
    if isinstance(corpus, Iterator):
        raise CorpusError(
            f"{name} is a one-shot iterator ({type(corpus).__name__}); training passes over the corpus "
            "several times, so pass a restartable iterable instead: a list, gensim's LineSentence(path), "
            "or a class whose __iter__ opens the data afresh")
    first = next(iter(corpus), None)
    if first is None:
        raise CorpusError(f"{name} is empty; a continuation needs at least one sentence")
    if isinstance(first, (str, bytes)):
        raise CorpusError(
            f"{name} yields strings (first item {str(first)[:40]!r}) where token lists are needed: word2vec "
            "would train on single characters; split each sentence into tokens, e.g. "
            "[line.split() for line in lines], or pass the file path")
    if not isinstance(first, (list, tuple)) or not all(isinstance(tok, str) for tok in first):
        raise CorpusError(f"{name} must yield lists of str tokens, first item is {type(first).__name__} "
                          f"{str(first)[:60]}")
    return _TokenListsOnly(corpus, name)


def check_corpus_file(corpus_file):
    """Return `corpus_file` as a path gensim's ``corpus_file`` mode can read, or raise CorpusError."""
    path = os.fspath(corpus_file)
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise CorpusError(f"corpus_file {path!r} is missing or empty; pass an existing LineSentence file")
    if path.endswith((".gz", ".bz2", ".xz", ".zst")):
        raise CorpusError(f"corpus_file {path!r} is compressed, which gensim's corpus_file mode cannot "
                          "read; pass it as corpus=path instead, or decompress it")
    _sniff_corpus_file(path, "corpus_file")
    return path


def count_lines(corpus):
    """Lines and words of a corpus (one pass)."""
    lines = words = 0
    for line in corpus:
        lines += 1
        words += len(line)
    return lines, words


def training_corpus(corpus, corpus_file, rehearsal):
    """Checked (corpus, corpus_file, rehearsal) for build_vocab and train."""
    if corpus is None and corpus_file is None:
        raise CorpusError("no new corpus given; pass corpus=... (token lists or a path) or corpus_file=...")
    if corpus is not None and corpus_file is not None:
        raise CorpusError("pass either corpus or corpus_file, not both")
    if corpus_file is not None and rehearsal is not None:
        raise OptionError("rehearsal cannot be mixed into a corpus_file run; pass the new corpus as corpus=path")
    if corpus_file is not None:
        return None, check_corpus_file(corpus_file), None
    return (check_corpus(corpus, "corpus"), None,
            None if rehearsal is None else check_corpus(rehearsal, "rehearsal"))
