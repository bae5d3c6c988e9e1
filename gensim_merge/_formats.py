"""Word-vector file formats: their names, the extension of each, and detection from a file's bytes.

Pure: never unpickles, imports or builds a model; reads the first 64 KiB of a file (and, for a file that
starts like a fastText binary, its header and vocabulary: :mod:`gensim_merge._fasttext_files`). Loading and
saving (which need the model class) live in :mod:`gensim_merge.keyedvectors`; the public face of both is
:mod:`gensim_merge.io`.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from typing import NamedTuple

from gensim_merge._fasttext_files import check_facebook_file, facebook_header
from gensim_merge._safetensors import looks_like_safetensors
from gensim_merge._typing import PathType, VectorsFormat
from gensim_merge.errors import (
    ModelFileEncodingError,
    ModelFileError,
    ModelFileNotFoundError,
    PickleNotAllowedError,
)

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "WORD2VEC_READ_ERRORS",
    "Sniffed",
    "check_fmt",
    "describe_file",
    "describe_format",
    "detect_format",
    "format_for_path",
    "refuse_pickle",
    "sniff",
    "word2vec_read_error",
]

#: Format names, as returned by ``load_vectors(..., return_format=True)`` and accepted as ``fmt``.
FORMATS = ("native", "word2vec-text", "word2vec-binary", "safetensors", "fasttext-binary")
#: Output format chosen from a file extension (a trailing ``.gz`` is looked through).
EXTENSIONS: dict[str, VectorsFormat] = {
    ".kv": "native", ".model": "native", ".wv": "native",
    ".txt": "word2vec-text", ".vec": "word2vec-text",
    ".bin": "word2vec-binary",
    ".safetensors": "safetensors",
}

#: What gensim raises on a damaged word2vec file.
WORD2VEC_READ_ERRORS = (ValueError, EOFError, OSError, struct.error, zlib.error)

_SNIFF_BYTES = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_DESCRIPTIONS = {
    "native": "gensim native (a pickle: loading it runs code stored in the file; load only files you trust, "
              "and prefer .safetensors for exchange)",
    "word2vec-text": "word2vec text",
    "word2vec-binary": "word2vec binary",
    "safetensors": "safetensors (pickle-free)",
    "fasttext-binary": "fastText binary (Facebook's .bin, n-gram buckets included; no pickle)",
}


class Sniffed(NamedTuple):
    """What the first bytes of a file say: its format, whether it is gzipped, whether a text file lacks
    the ``n_words vector_size`` header line (GloVe style)."""

    fmt: VectorsFormat
    compressed: bool
    no_header: bool


def check_fmt(fmt: str) -> str:
    """`fmt` if it names a format, else a ModelFileError (a ValueError) listing them."""
    if fmt not in FORMATS:
        raise ModelFileError(f"fmt must be one of {list(FORMATS)} or None (detect), got {fmt!r}")
    return fmt


def format_for_path(path: PathType) -> tuple[VectorsFormat, bool]:
    """The format :func:`~gensim_merge.io.save_vectors` writes for `path`, from its extension.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    (str, bool)
        The format name and whether the file is gzip-compressed (a trailing ``.gz``).

    Raises
    ------
    ModelFileError
        An extension that names no format (a ValueError).

    Examples
    --------
    >>> format_for_path("vectors.vec.gz")
    ('word2vec-text', True)
    """
    name = os.fspath(path).lower()
    compressed = name.endswith(".gz")
    stem = name[:-3] if compressed else name
    ext = os.path.splitext(stem)[1]
    if ext not in EXTENSIONS:
        raise ModelFileError(
            f"cannot tell the output format of {os.fspath(path)!r} from its extension {ext or '(none)'!r}; "
            f"end the name with one of {sorted(EXTENSIONS)} (optionally followed by .gz)"
        )
    return EXTENSIONS[ext], compressed


def _read_head(path):
    """(first bytes as stored, first bytes after decompression, gzip?) of `path`, or ModelFileError."""
    if not os.path.exists(path):
        raise ModelFileNotFoundError(filename=os.fspath(path), message=f"no such file: {path!r}; expected a word-vector file (.kv, .model, .txt, .vec, "
                             ".bin, .safetensors, optionally .gz)")
    if os.path.isdir(path):
        raise ModelFileError(f"{path!r} is a directory; expected a word-vector file")
    if os.path.getsize(path) == 0:
        raise ModelFileError(f"{path!r} is empty (0 bytes); expected a word-vector file — was the save "
                             "interrupted?")
    with open(path, "rb") as fin:
        raw = fin.read(_SNIFF_BYTES)
    if not raw.startswith(_GZIP_MAGIC):
        return raw, raw, False
    try:
        with gzip.open(path, "rb") as fin:
            head = fin.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as err:
        raise ModelFileError(f"{path!r} starts like a gzip file but cannot be decompressed ({err}); is it "
                             "truncated?") from err
    return raw, head, True


def _is_float(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def _word2vec_kind(head):
    """(format, no_header, n_values) of a word2vec-like file, judged from the header line and the first
    record's structure (bytes, not their encoding: a Latin-1 word is still text), or None. `n_values` is None,
    or the number of values of a text record whose count differs from the header's vector size."""
    newline = head.find(b"\n")
    first = head[:newline if newline >= 0 else len(head)]
    tokens = first.split()
    if len(tokens) == 2 and tokens[0].isdigit() and tokens[1].isdigit():
        dim = int(tokens[1])
        rest = head[newline + 1:] if newline >= 0 else b""
        end = rest.find(b"\n")
        parts = rest[:end if end >= 0 else len(rest)].rstrip(b"\r\n ").split(b" ")
        is_text = len(parts) == dim + 1 and all(_is_float(p) for p in parts[1:])
        if is_text or int(tokens[0]) == 0 or not rest:
            return "word2vec-text", False, None
        if end >= 0 and len(parts) >= 2 and all(_is_float(p) for p in parts[1:]):  # a text record, wrong length
            return "word2vec-text", False, len(parts) - 1
        return "word2vec-binary", False, None
    if len(tokens) >= 2 and all(_is_float(t) for t in tokens[1:]):
        return "word2vec-text", True, None  # GloVe-style text without the header line
    return None


def sniff(path: PathType) -> Sniffed:
    """The :class:`Sniffed` format of `path`, from its bytes (never from its name). Nothing is unpickled.

    A file that starts like a Facebook fastText binary (either header version) is recognised only when its
    whole layout checks out; otherwise it is refused here, before any loader sees it.

    Raises
    ------
    ModelFileNotFoundError
        A missing file (also a ``FileNotFoundError``).
    ModelFileError
        Empty, undecompressable or unrecognised files; a fastText binary that is truncated, compressed or
        otherwise not what its header promises; a word2vec text file whose header's vector size differs from
        its records'.
    """
    path = os.fspath(path)
    raw, head, compressed = _read_head(path)
    # safetensors first: its 8-byte header length can start with the pickle magic bytes (e.g. 896 = 80 03 ..)
    if not compressed and looks_like_safetensors(raw, os.path.getsize(path)):
        return Sniffed("safetensors", False, False)
    # fastText before pickles: an old-format header can start 80 02 (vector size 640), never a valid pickle
    if facebook_header(head) is not None:
        check_facebook_file(path)  # the whole layout, or an error saying what is wrong (truncated ...)
        return Sniffed("fasttext-binary", False, False)
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return Sniffed("native", compressed, False)
    kind = _word2vec_kind(head)
    if kind is not None and kind[2] is not None:
        first = head.split(b"\n", 2)
        raise ModelFileError(
            f"{path!r} is a word2vec text file whose header line {first[0].strip().decode('ascii', 'replace')!r} "
            f"says vector size {int(first[0].split()[1])}, but its first record has {kind[2]} values "
            f"({first[1][:60].decode('utf8', 'replace')!r}...); the header is wrong (fix its second number) "
            "or the file is damaged")
    if kind is not None:
        return Sniffed(kind[0], compressed, kind[1])
    raise ModelFileError(
        f"cannot tell the format of {path!r}: it is neither a gensim native file (pickle), a safetensors file, "
        "a word2vec text/binary file (header line 'n_words vector_size'), nor a fastText .bin file; "
        f"first bytes: {raw[:24]!r}"
    )


def detect_format(path: PathType) -> VectorsFormat:
    """The format name of the vector file at `path`, from its bytes (not its name). Nothing is unpickled.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    ModelFileError
        The file is missing, empty, in no known format, or a damaged fastText binary (see :func:`sniff`).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "misnamed.kv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 2\\ncat 0.5 -1.0\\n")
    >>> detect_format(path)
    'word2vec-text'
    """
    return sniff(path).fmt


def describe_format(fmt: str, *, compressed: bool = False) -> str:
    """A one-line human description of a format name (security note included for native files).

    Examples
    --------
    >>> describe_format("word2vec-binary", compressed=True)
    'word2vec binary (gzip)'
    """
    description = _DESCRIPTIONS[check_fmt(fmt)]
    return f"{description} (gzip)" if compressed else description


def describe_file(path: PathType) -> str:
    """:func:`describe_format` of what :func:`sniff` finds in `path`."""
    found = sniff(path)
    return describe_format(found.fmt, compressed=found.compressed)


def refuse_pickle(path: PathType, *, switch: str = "allow_pickle=True") -> PickleNotAllowedError:
    """The error for a native (pickle) file that the caller did not allow: why, and the switch to allow it.

    The message names the Python switch (`switch`, e.g. ``allow_pickle=True``), which the command line
    rewrites as its flag (``--allow-pickle``), and a pickle-free copy made with ``convert`` (whose own
    ``--allow-pickle`` is spelled out, as it is a command in either case).
    """
    return PickleNotAllowedError(
        f"{os.fspath(path)!r} is in gensim's native format, a Python pickle: loading it runs code stored in the "
        f"file, so it is refused by default. If you trust its source, pass {switch}; or make a pickle-free "
        "copy where the file is trusted: gensim-merge convert --allow-pickle IN OUT.safetensors"
    )


def word2vec_read_error(err: Exception, fname: PathType, *, binary: bool,
                        encoding: str) -> ModelFileError:
    """The error to raise for `err`, raised by gensim while reading the word2vec file `fname`.

    A :class:`UnicodeDecodeError` (a word not in `encoding`) becomes a :class:`ModelFileEncodingError`, still
    a UnicodeDecodeError, that names the file and the way out; anything else a :class:`ModelFileError`.
    """
    kind = "binary" if binary else "text"
    if isinstance(err, UnicodeDecodeError):
        word = bytes(err.object).split(b" ")[0][:40] if isinstance(err.object, (bytes, bytearray)) else b""
        return ModelFileEncodingError(
            f"cannot read {fname} as a word2vec {kind} file: a word is not valid {encoding} ({err.reason}: byte "
            f"{bytes(err.object[err.start:err.end])!r} in {word!r}); the file uses another encoding. Pass its "
            "encoding (encoding='latin-1'; command line: --encoding latin-1), or replace or drop the bad bytes "
            "(unicode_errors='replace' or 'ignore'; command line: --unicode-errors replace)",
            err.encoding, err.object, err.start, err.end, err.reason)
    detail = str(err).splitlines()[0] if str(err) else type(err).__name__
    return ModelFileError(
        f"cannot read {fname} as a word2vec {kind} file ({type(err).__name__}: {detail}); expected a header line "
        "'n_words vector_size' then one word and its vector per record — is the file truncated, its header's "
        "word count wrong, or binary= wrong?")
