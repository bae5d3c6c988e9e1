"""Recognising fastText files without running them: Facebook's ``.bin`` layout and gensim's pickles.

gensim reads a Facebook ``.bin`` file trusting its header: a file cut short inside the vocabulary makes its
reader loop forever (``fin.read(1)`` returns ``b""`` at the end of the file, never the end-of-word byte), and
one cut inside the matrices fails an ``assert``. :func:`check_facebook_file` walks the layout first, reading
only the header and the vocabulary, and compares the sizes the header promises with the file's size.
"""

import os
import pickletools
import struct

from gensim import utils as gensim_utils

from gensim_merge.errors import ModelFileError

__all__ = ["FACEBOOK_MAGIC", "check_facebook_file", "is_facebook_file", "pickled_class"]

#: First four bytes (native int32) of a fastText ``.bin`` file in the format of fastText >= 0.2 / gensim 3.8+.
FACEBOOK_MAGIC = 793712314
# gensim reads each field with its own struct call, so there is no padding between them
_NEW_HEADER = struct.Struct("@12id")  # dim ... lr_update_rate, t (after magic and version)
_OLD_HEADER = struct.Struct("@10id")  # epoch ... t (the first two ints were dim and ws)
_ENTRY_TAIL = 9  # '@qb': the count and the entry type after each word's terminating NUL
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst")


def is_facebook_file(path):
    """True when `path` is a Facebook fastText ``.bin`` file, complete or not.

    New-format files are recognised by their magic number; old-format files (no magic number, e.g. gensim's
    ``lee_fasttext.bin``) only when their whole layout checks out. Compressed files are not opened.
    """
    if os.fspath(path).endswith(_COMPRESSED):  # not opened: check_facebook_file would accept it unread
        return False
    try:
        with open(os.fspath(path), "rb") as fin:
            head = fin.read(4)
    except OSError:
        return False
    if len(head) == 4 and struct.unpack("@i", head)[0] == FACEBOOK_MAGIC:
        return True
    try:
        check_facebook_file(path, full_model=True, exact=True)
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


def check_facebook_file(path, *, full_model=False, exact=False):
    """Raise :class:`ModelFileError` unless `path` holds a complete Facebook fastText ``.bin`` file.

    Reads the header and the vocabulary (the matrices are only measured against the file's size; with
    `exact`, the file must end where the last matrix ends). Compressed files are left to gensim's reader,
    which fails cleanly on them.
    """
    path = os.fspath(path)
    if path.endswith(_COMPRESSED):
        return
    try:
        size = os.path.getsize(path)
        fin = open(path, "rb")  # noqa: SIM115 - closed by the with block below
    except OSError as err:
        raise ModelFileError(f"cannot open fastText file {path}: {err}") from err
    with fin:
        reader = _Reader(fin, path, size)
        magic, _ = reader.read("@2i", "header")
        new_format = magic == FACEBOOK_MAGIC
        fields = reader.read(_NEW_HEADER.format if new_format else _OLD_HEADER.format, "header")
        dim, bucket = (fields[0], fields[8]) if new_format else (magic, fields[6])
        vocab_size, _, nlabels = reader.read("@3i", "header")
        reader.read("@q", "header")
        prune = reader.read("@q", "header")[0] if new_format else 0
        if min(vocab_size, bucket, nlabels) < 0 or not 0 < dim < 100000:
            raise ModelFileError(f"{path} is not a fastText .bin file, or its header is corrupt (vector size "
                                 f"{dim}, {vocab_size} words, bucket={bucket}); fetch the file again")
        offset = _skip_words(fin, vocab_size, path, size) + 8 * max(prune, 0)
        for part in ("input matrix", "output matrix")[: 2 if full_model else 1]:
            fin.seek(offset)
            if new_format:
                reader.read("@?", part)
            rows, cols = reader.read("@2q", part)
            offset = fin.tell() + 4 * rows * cols
            if rows < 0 or cols != dim:
                raise ModelFileError(f"{path}'s {part} is declared {rows}x{cols} for vector size {dim}: the file "
                                     "is corrupt; fetch it again")
            if offset > size:
                raise _truncated(path, part, offset, size)
        if exact and offset != size:
            raise ModelFileError(f"{path} holds {size - offset} bytes past the end of a fastText model")


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
