"""Reading the word2vec C tool's text and binary formats without trusting their header line.

gensim's ``load_word2vec_format`` believes the header's ``n_words vector_size``: it allocates ``n_words``
rows (and a list of ``n_words`` keys) before reading a record, so a 4 KB file claiming 10^9 words takes
8 GB and then fails with a bare ``MemoryError``; it reads exactly ``n_words`` records and silently drops
whatever follows. Here, on gensim's own record parsers (so keys, vectors, counts and duplicate handling
are gensim's):

- the header is checked against the file's size before anything is allocated: a record takes at least
  ``2 * vector_size + 2`` bytes in text (a one-character word, one digit per value, the separators) and
  ``4 * vector_size + 2`` in binary, so a file of ``size`` bytes can hold only so many (a gzip file at most
  1032 times its size, deflate's largest ratio);
- in binary files, the records found in the first 64 KiB must line up with the header's vector size;
- the file must end after the header's count of records (with ``limit``, reading stops early on purpose
  and the rest is not looked at);
- a record that is short, long or not numbers is reported with its number;
- progress is logged at INFO every few seconds on large files (``-v`` on the command line shows it).

Each check reads nothing the load does not read anyway, except one bounded read of the first 64 KiB.
"""

import logging
import os
import time

from gensim import utils as gensim_utils
from gensim.models import keyedvectors as gensim_keyedvectors

from gensim_merge.errors import ModelFileError

__all__ = ["PROGRESS_SECONDS", "max_records", "read_word2vec"]

logger = logging.getLogger(__name__)

#: Seconds between two progress records while a word2vec file loads.
PROGRESS_SECONDS = 5.0
#: deflate's largest compression ratio: a gzip file of n bytes decompresses to at most about 1032 n bytes.
_GZIP_MAX_RATIO = 1032
_CHUNK = 100 * 1024  # gensim's binary_chunk_size
_HEAD = 1 << 16
_MAX_HEADER = 4096  # bytes read for the header line at most (a file without newlines is not read whole)
_NOT_IN_WORDS = (b"\0", b"\t", b"\r", b"\n")  # the C tool splits words on whitespace; NUL ends its strings
_READERS = ("_word2vec_line_to_vector", "_add_word_to_kv", "_add_bytes_to_kv")  # gensim 4's record parsers


def max_records(body_bytes, vector_size, *, binary):
    """The most records of `vector_size` values that `body_bytes` bytes (after the header line) can hold."""
    if binary:
        return body_bytes // (4 * vector_size + 2)
    return (body_bytes + 1) // (2 * vector_size + 2)  # the last line may lack its newline


def read_word2vec(cls, fname, *, fvocab, binary, encoding, unicode_errors, limit, datatype, gensim_loader):
    """`cls` vectors read from the word2vec file `fname`, checked as the module docstring says.

    `gensim_loader` (no arguments) is gensim's own ``load_word2vec_format`` call, used for headerless files
    (gensim counts their lines first) and where this gensim lacks the record parsers used here.
    """
    fname = os.fspath(fname)
    if not os.path.exists(fname):
        return gensim_loader()  # gensim's FileNotFoundError, turned into ours by the caller
    size = os.path.getsize(fname)
    capacity = size * _GZIP_MAX_RATIO if _is_gzip(fname) else size
    with gensim_utils.open(fname, "rb") as fin:
        header = fin.readline(_MAX_HEADER)
        n_words, vector_size = _parse_header(fname, header, encoding)
        wanted = n_words if not limit else min(n_words, int(limit))
        most = max_records(max(capacity - len(header), 0), vector_size, binary=binary)
        if wanted > most:
            raise ModelFileError(
                f"{fname}: its header claims {n_words} words of vector size {vector_size}, but the file "
                f"({size} bytes{', gzip' if capacity != size else ''}) can hold at most {most}; the header is "
                "wrong or the file is truncated (fix the header line 'n_words vector_size', or fetch the file "
                "again)")
        if not all(hasattr(gensim_keyedvectors, name) for name in _READERS):
            return gensim_loader()
        if binary:
            _check_binary_records(fname, _head_after_header(fname), vector_size, wanted)
        counts = _read_counts(fvocab, unicode_errors) if fvocab is not None else None
        logger.info("loading %s words of vector size %s from %s", wanted, vector_size, fname)
        kv = cls(vector_size, wanted, dtype=datatype)
        progress = _Progress(fname, kv, wanted)
        if binary:
            rest = _read_binary(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding,
                                progress)
        else:
            _read_text(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding, progress)
            rest = b""
        if not limit:  # with a limit, the records after it are left on purpose
            rest += fin.read(_HEAD)
            if rest.strip():
                raise ModelFileError(
                    f"{fname}: its header claims {n_words} words, but the file holds more records after the "
                    f"{n_words}th (next bytes: {rest.strip()[:40]!r}); gensim would drop them silently. Fix the "
                    "header's word count (the first number), or pass limit to read the first records on "
                    "purpose")
    if kv.vectors.shape[0] != len(kv):  # duplicates: gensim's own shrink (the caller drops their key slots)
        kv.vectors = kv.vectors[: len(kv)].copy()
    kv.add_lifecycle_event("load_word2vec_format", msg=f"loaded {kv.vectors.shape} matrix of type "
                           f"{kv.vectors.dtype} from {fname}", binary=binary, encoding=encoding)
    return kv


def _is_gzip(fname):
    with open(fname, "rb") as fin:
        return fin.read(2) == b"\x1f\x8b"


def _head_after_header(fname):
    """The first 64 KiB after the header line (decompressed), one bounded read."""
    with gensim_utils.open(fname, "rb") as fin:
        fin.readline(_MAX_HEADER)
        return fin.read(_HEAD)


def _parse_header(fname, header, encoding):
    parts = header.split()
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ModelFileError(f"{fname}: the first line must be the header 'n_words vector_size' (two whole "
                             f"numbers), got {header[:60]!r}; for a file without it, pass no_header=True")
    n_words, vector_size = int(parts[0]), int(parts[1])
    if vector_size == 0 and n_words:
        raise ModelFileError(f"{fname}: its header {header.strip()[:60]!r} gives vector size 0 for {n_words} "
                             "words; the header is wrong")
    return n_words, vector_size


def _check_binary_records(fname, head, vector_size, wanted):
    """The records in `head` line up with `vector_size`: each word ends at a space and holds no NUL/tab/CR/LF."""
    pos, record = 0, 0
    step = 4 * vector_size
    while record < wanted:
        while head[pos:pos + 1] == b"\n":  # gensim strips newlines before a word (some C tool versions)
            pos += 1
        space = head.find(b" ", pos)
        if space < 0 or space + 1 + step > len(head):
            return  # the rest is beyond the first 64 KiB
        word = head[pos:space]
        if not word or any(byte in word for byte in _NOT_IN_WORDS):
            raise ModelFileError(
                f"{fname}: record {record + 1} does not line up with the header's vector size {vector_size} "
                f"(a word would start with {head[pos:pos + 16]!r}); the header's second number is wrong, or the "
                "file is not a word2vec binary file")
        pos, record = space + 1 + step, record + 1


def _read_counts(fvocab, unicode_errors):
    """gensim's reading of a ``-save-vocab`` file (``word count`` per line), with our error for a bad line."""
    counts = {}
    with gensim_utils.open(fvocab, "rb") as fin:
        for number, line in enumerate(fin, 1):
            parts = gensim_utils.to_unicode(line, errors=unicode_errors).strip().split()
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ModelFileError(f"{fvocab}: line {number} is not 'word count' ({line[:60]!r}); fvocab must "
                                     "be the word2vec C tool's -save-vocab file")
            counts[parts[0]] = int(parts[1])
    return counts


class _Progress:
    """Logs at INFO, every PROGRESS_SECONDS, how many records of a word2vec file have been read."""

    def __init__(self, fname, kv, total):
        self.fname, self.kv, self.total = fname, kv, total
        self.start = self.last = time.monotonic()

    def tick(self, done):
        now = time.monotonic()
        if now - self.last >= PROGRESS_SECONDS:
            self.last = now
            logger.info("loading %s: %d of %d words (%.0f%%), %.0f s", self.fname, done, self.total,
                        100.0 * done / max(self.total, 1), now - self.start)


def _read_text(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding, progress):
    """gensim's text record loop, one line at a time, with the record number in its errors."""
    parse, add = gensim_keyedvectors._word2vec_line_to_vector, gensim_keyedvectors._add_word_to_kv
    for number in range(wanted):
        line = fin.readline()
        if line == b"":
            raise ModelFileError(f"{fname}: its header claims {wanted} words, but the file ends after {number} "
                                 "records; the file is truncated or the header's word count is wrong")
        try:
            word, weights = parse(line, datatype, unicode_errors, encoding)
        except ValueError as err:
            if isinstance(err, UnicodeDecodeError):
                raise
            raise ModelFileError(f"{fname}: record {number + 1} (line {number + 2}) is not a word and "
                                 f"{vector_size} numbers: {line[:60]!r} ({err})") from err
        if len(weights) != vector_size:
            raise ModelFileError(f"{fname}: record {number + 1} (line {number + 2}, word {word[:40]!r}) has "
                                 f"{len(weights)} values, but the header's vector size is {vector_size}; the "
                                 "header or the file is wrong")
        add(kv, counts, word, weights, wanted)
        if not number % 4096:
            progress.tick(number)


def _read_binary(fname, fin, kv, counts, wanted, vector_size, datatype, unicode_errors, encoding, progress):
    """gensim's binary chunk loop; returns the bytes read past the last record."""
    chunk, done = b"", 0
    while done < wanted:
        new = fin.read(_CHUNK)
        chunk += new
        processed, chunk = gensim_keyedvectors._add_bytes_to_kv(
            kv, counts, chunk, wanted, vector_size, datatype, unicode_errors, encoding)
        done += processed
        progress.tick(done)
        if len(new) < _CHUNK:
            break
    if done != wanted:
        raise ModelFileError(f"{fname}: its header claims {wanted} "
                             f"words, but the file ends after {done} records; the file is truncated or the "
                             "header's word count is wrong")
    return chunk
