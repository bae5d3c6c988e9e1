"""What a model's ``save(fname)`` writes, decided once for both model classes, and the checks of a loaded
native pair (main file and ``.npy`` side files) that a save killed half-way could leave mismatched.

Pure: names and arrays in, a format name or an error out; the savers live in :mod:`gensim_merge._kv_files`
(word2vec) and :mod:`gensim_merge._fasttext_persist` (fastText).
"""

from __future__ import annotations

import os

import numpy as np

from gensim_merge import _formats
from gensim_merge._typing import PathType, VectorsFormat
from gensim_merge.errors import ModelFileError, OptionError

__all__ = ["WORD2VEC_FORMATS", "check_rows", "refuse_native_options", "save_format"]

#: The formats that hold keys and vectors only.
WORD2VEC_FORMATS = ("word2vec-text", "word2vec-binary")


def save_format(fname: PathType) -> tuple[VectorsFormat, bool]:
    """The format ``save(fname)`` writes, for both model classes, and whether it is gzip-compressed.

    The extension decides, as for :func:`gensim_merge.io.save_vectors` (``.txt``/``.vec`` word2vec text,
    ``.bin`` word2vec binary, ``.safetensors`` pickle-free, ``.kv``/``.model``/``.wv`` gensim's native format,
    a trailing ``.gz`` compressing); a name with no or another extension gets gensim's native format, as
    gensim's own ``save`` writes it.

    Examples
    --------
    >>> save_format("m.txt"), save_format("m.bin.gz"), save_format("model.tst")
    (('word2vec-text', False), ('word2vec-binary', True), ('native', False))
    """
    name = os.fsdecode(fname)
    try:
        return _formats.format_for_path(name)
    except ModelFileError:
        return "native", name.lower().endswith(".gz")


def check_rows(obj, fname, arrays=(("vectors", None),)):
    """Raise ModelFileError unless each array of `arrays` (name, rows expected or None for one per key)
    of a loaded model has that many rows: a main file and side files of different saves do not match."""
    n_keys = len(getattr(obj, "index_to_key", None) or [])
    for name, expected in arrays:
        value = getattr(obj, name, None)
        expected = n_keys if expected is None else expected
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] != expected:
            raise ModelFileError(
                f"{fname} lists {n_keys} keys but its {name} hold {value.shape[0]} rows (expected {expected}): the "
                f"main file and its side file {fname}.{name}.npy do not belong together (a save interrupted "
                "between them, or files copied from different saves); save the model again")


def refuse_native_options(fname, fmt, compressed, args, kwargs):
    """gensim's save options (``separately``...) for a format they do not apply to; a compressed
    safetensors name."""
    if args or kwargs:
        given = [*map(repr, args), *kwargs]
        raise OptionError(f"{os.fsdecode(fname)!r} is saved as {fmt} (from its extension); the options {given} apply "
                          "to gensim's native format only: drop them, or save to a .kv name",
                          option=", ".join(given), value=fmt, allowed="no options")
    if fmt == "safetensors" and compressed:
        raise ModelFileError(f"{os.fsdecode(fname)!r}: safetensors files are not compressed (they are "
                             "memory-mapped); drop the .gz")
