"""Recognising fastText files without running them: Facebook's ``.bin`` layout and gensim's pickles.

The package's one fastText recogniser. A Facebook ``.bin`` file is recognised only by its whole structure,
in both header versions: the 2017+ layout (magic number 793712314, a version, then the training arguments)
and the older headerless one (the training arguments straight away, first the vector size). The first bytes
must make a plausible header (:func:`facebook_header`); then :func:`check_facebook_file` walks the layout,
reading the header and the vocabulary and measuring both matrices against the file's size, and the file must
end where the last matrix ends. gensim reads such a file trusting its header: a file cut short inside the
vocabulary makes its reader loop forever (``fin.read(1)`` returns ``b""`` at the end of the file, never the
end-of-word byte), and one cut inside the matrices fails an ``assert``; here either is a
:class:`~gensim_merge.errors.ModelFileError` that says the file is truncated.

No valid pickle can start like a plausible old-format header (its vector size would put a byte 0x00 or
0x01, no pickle opcode, right after the protocol opcode), so a file that looks like a fastText header is
never handed to an unpickler: either its layout checks out, or it is refused.
"""

import functools
import gzip
import math
import os
import pickletools
import struct
import zlib
from typing import NamedTuple

from gensim import utils as gensim_utils

from gensim_merge.errors import ModelFileError

__all__ = ["FACEBOOK_MAGIC", "FacebookHeader", "check_facebook_file", "facebook_header", "is_facebook_file",
           "pickled_class", "starts_like_facebook"]

#: First four bytes (native int32) of a fastText ``.bin`` file in the format of fastText >= 0.2 / gensim 3.8+.
FACEBOOK_MAGIC = 793712314
#: Bytes :func:`facebook_header` needs (the new header: magic, version, 12 int32 and a float64).
HEADER_BYTES = 64
# gensim reads each field with its own struct call, so there is no padding between them
_ARGS = struct.Struct("<12id")  # dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
#                                 lr_update_rate, t
_ENTRY_TAIL = 9  # '@qb': the count and the entry type after each word's terminating NUL
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst")
_MAX_DIM = 100_000


class FacebookHeader(NamedTuple):
    """The training arguments at the start of a fastText ``.bin`` file, and which header version holds them."""

    new_format: bool
    version: int
    dim: int
    ws: int
    epoch: int
    min_count: int
    neg: int
    word_ngrams: int
    loss: int
    model: int
    bucket: int
    minn: int
    maxn: int
    lr_update_rate: int
    t: float

    @property
    def size(self):
        """Bytes the header takes in the file."""
        return _ARGS.size + (8 if self.new_format else 0)


def facebook_header(head):
    """The :class:`FacebookHeader` at the start of the bytes `head`, or None when they cannot start one.

    New-format headers need the magic number, a version in 1..100 and plausible arguments; old-format ones
    (no magic number: the first int32 is the vector size) only plausible arguments: a vector size in
    1..100000, positive window, epochs and learning-rate update rate, a loss of 1..4 (hs, ns, softmax,
    one-vs-all), a model of 1..3 (cbow, skip-gram, supervised), 0 <= minn <= maxn <= 1000 and a finite
    sampling threshold in [0, 1]. Cheap: reads no file.
    """
    head = bytes(head[:HEADER_BYTES])
    if len(head) >= 8 and struct.unpack("<i", head[:4])[0] == FACEBOOK_MAGIC:
        version = struct.unpack("<i", head[4:8])[0]
        if len(head) < 8 + _ARGS.size or not 0 < version <= 100:
            return None
        header = FacebookHeader(True, version, *_ARGS.unpack(head[8:8 + _ARGS.size]))
    elif len(head) >= _ARGS.size:
        header = FacebookHeader(False, 0, *_ARGS.unpack(head[:_ARGS.size]))
    else:
        return None
    plausible = (0 < header.dim <= _MAX_DIM and 0 < header.ws <= 10_000 and 0 < header.epoch <= 1_000_000
                 and header.min_count >= 0 and header.neg >= 0 and 0 < header.word_ngrams <= 100
                 and 1 <= header.loss <= 4 and 1 <= header.model <= 3 and header.bucket >= 0
                 and 0 <= header.minn <= header.maxn <= 1000 and header.lr_update_rate > 0
                 and math.isfinite(header.t) and 0 <= header.t <= 1)
    return header if plausible else None


def starts_like_facebook(path):
    """Whether the first bytes of the file at `path` (of a gzip file: decompressed) make a fastText header;
    False when unreadable.

    Such a file is read by the ``.bin`` reader, which checks its whole layout, and never by an unpickler.
    """
    try:
        with open(os.fspath(path), "rb") as fin:
            head = fin.read(HEADER_BYTES)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(os.fspath(path), "rb") as fin:
                head = fin.read(HEADER_BYTES)
    except (OSError, EOFError, TypeError, ValueError, zlib.error):
        return False
    return facebook_header(head) is not None


def is_facebook_file(path):
    """True when `path` is a complete Facebook fastText ``.bin`` file (its whole layout checks out).

    False for anything else, a truncated or compressed fastText file included (:func:`check_facebook_file`
    says what is wrong with those).
    """
    try:
        check_facebook_file(path)
    except ModelFileError:
        return False
    return True


def _truncated(path, where, needed, size):
    return ModelFileError(
        f"{path} is not a complete fastText .bin file: it ends inside the {where} ({size} bytes, the header "
        f"promises at least {needed}); the file is truncated (an interrupted download or copy?): fetch it again")


class _Reader:
    def __init__(self, fin, path, size):
        self.fin, self.path, self.size = fin, path, size

    def read(self, fmt, where):
        raw = self.fin.read(struct.calcsize(fmt))
        if len(raw) < struct.calcsize(fmt):
            raise _truncated(self.path, where, self.fin.tell() + struct.calcsize(fmt) - len(raw), self.size)
        return struct.unpack(fmt, raw)


def check_facebook_file(path):
    """Raise :class:`ModelFileError` unless `path` holds a complete Facebook fastText ``.bin`` file.

    Reads the header and the vocabulary (one pass over the words, a small part of what gensim's reader does
    with them); both matrices are measured against the file's size, and the file must end where the second
    one ends. A file recognised once is not walked again while its size and modification time stay the same.
    """
    path = os.fspath(path)
    try:
        stat = os.stat(path)
    except FileNotFoundError as err:
        from gensim_merge.errors import ModelFileNotFoundError

        raise ModelFileNotFoundError(f"no such fastText file: {path}", filename=path) from err
    except OSError as err:
        raise ModelFileError(f"cannot open fastText file {path}: {err}") from err
    _check_layout(path, stat.st_size, stat.st_mtime_ns, stat.st_ino)


@functools.lru_cache(maxsize=16)
def _check_layout(path, size, _mtime_ns, _inode):
    """:func:`check_facebook_file`'s walk (cached per file version: only successes are kept)."""
    try:
        fin = open(path, "rb")  # noqa: SIM115 - closed by the with block below
    except OSError as err:
        raise ModelFileError(f"cannot open fastText file {path}: {err}") from err
    with fin:
        head = fin.read(HEADER_BYTES)
        if path.endswith(_COMPRESSED) or head[:2] == b"\x1f\x8b":
            raise ModelFileError(f"{path} is compressed; fastText .bin files are read uncompressed (their layout "
                                 "is checked against the file's size first): decompress it (e.g. gunzip) and "
                                 "load the result")
        header = facebook_header(head)
        if header is None:
            raise ModelFileError(f"{path} is not a fastText .bin file: its first {HEADER_BYTES} bytes are no "
                                 f"fastText header (first bytes: {head[:16]!r})")
        fin.seek(header.size)
        reader = _Reader(fin, path, size)
        vocab_size, _, nlabels = reader.read("<3i", "header")
        reader.read("<q", "header")
        prune = reader.read("<q", "header")[0] if header.new_format else 0
        if min(vocab_size, nlabels) < 0 or prune < -1:  # fastText writes -1 for "not pruned"
            raise ModelFileError(f"{path} is not a fastText .bin file, or its header is corrupt (vector size "
                                 f"{header.dim}, {vocab_size} words, {nlabels} labels, {prune} pruned "
                                 "entries); fetch the file again")
        offset = _skip_words(fin, vocab_size, path, size) + 8 * max(prune, 0)
        for part in ("input matrix", "output matrix"):
            fin.seek(offset)
            if header.new_format:
                reader.read("<?", part)
            rows, cols = reader.read("<2q", part)
            if rows < 0 or cols != header.dim:
                raise ModelFileError(f"{path} starts like a fastText .bin file, but its {part} is declared "
                                     f"{rows}x{cols} for vector size {header.dim}: the file is corrupt, or no "
                                     "fastText file; it is not read (nor unpickled). Fetch it again")
            offset = fin.tell() + 4 * rows * cols
            if offset > size:
                raise _truncated(path, part, offset, size)
        if offset != size:
            raise ModelFileError(f"{path} holds {size - offset} bytes past the end of a fastText model: it is not "
                                 "a fastText .bin file as fastText writes them (was something appended?)")


def _skip_words(fin, n_words, path, size, block=1 << 20):
    """Offset just past `n_words` vocabulary entries (NUL-terminated word + 9 bytes) from the current position."""
    base = fin.tell()  # file offset of buf[0]
    buf, pos = b"", 0
    for done in range(n_words):
        while True:
            end = buf.find(b"\0", pos)
            if end >= 0 and end + 1 + _ENTRY_TAIL <= len(buf):
                break
            more = fin.read(block)
            if not more:
                raise _truncated(path, f"vocabulary (word {done + 1} of {n_words})", base + len(buf) + 1, size)
            base, buf, pos = base + pos, buf[pos:] + more, 0
        pos = end + 1 + _ENTRY_TAIL
    return base + pos


def pickled_class(path):
    """``(module, name)`` of the object at the top of a gensim native (pickle) file, read without unpickling.

    Returns None when the file is not a pickle (or not readable). ``.gz``/``.bz2`` names are decompressed.
    """
    try:
        with gensim_utils.open(os.fspath(path), "rb") as fin:
            strings = []
            for opcode, arg, _ in pickletools.genops(fin):
                if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                    strings.append(arg)
                elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                    return strings[-2], strings[-1]
                elif opcode.name == "GLOBAL":
                    module, name = arg.split(" ", 1)
                    return module, name
    except Exception:  # noqa: BLE001 - any unreadable file is "not a pickle" here
        return None
    return None
