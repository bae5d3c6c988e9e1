"""Reading and writing word vectors in every format gensim-merge meets, detected from the file itself.

Five formats:

============================  ==========================  ===========================================
format name                   written for extensions      what it is
============================  ==========================  ===========================================
``"native"``                  ``.kv``, ``.model``         gensim's own ``save`` (a Python pickle plus
                                                          ``.npy`` side files); full ``Word2Vec.save``
                                                          files load too (their word vectors)
``"word2vec-text"``           ``.txt``, ``.vec``          the word2vec C tool's text format (also
                                                          headerless GloVe-style text on reading)
``"word2vec-binary"``         ``.bin``                    the word2vec C tool's binary format
``"safetensors"``             ``.safetensors``            pickle-free: vectors, keys, per-key
                                                          attributes and metadata (a fastText
                                                          model's n-gram buckets too)
``"fasttext-binary"``         (read only)                 Facebook's fastText ``.bin``: read with its
                                                          n-gram buckets into
                                                          ``MergeableFastTextKeyedVectors`` (no pickle)
============================  ==========================  ===========================================

A trailing ``.gz`` compresses the native and word2vec formats. :func:`load_vectors` looks at the bytes of
the file (gzip and pickle magic numbers, the safetensors header, the word2vec header line and first record),
so a misnamed file still loads as what it is.

Security: gensim's native format is a pickle, and unpickling runs code stored in the file. Like
``numpy.load(allow_pickle=False)``, :func:`load_vectors` refuses native files unless called with
``allow_pickle=True`` (on the command line, ``--allow-pickle``); detection never unpickles. Exchange vectors
as ``.safetensors``, which holds data only (layout: :mod:`gensim_merge._files`); plain gensim reads
them after one ``gensim-merge convert vectors.safetensors vectors.kv``.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from gensim_merge import MergeableKeyedVectors
>>> kv = MergeableKeyedVectors(3)
>>> kv.add_vectors(["new york", "café", "line\\nbreak"], np.eye(3, dtype=np.float32))
>>> path = os.path.join(tempfile.mkdtemp(), "vectors.safetensors")
>>> save_vectors(kv, path)
'safetensors'
>>> loaded, fmt = load_vectors(path, mmap="r", return_format=True)
>>> fmt, loaded.index_to_key == kv.index_to_key, bool((loaded.vectors == kv.vectors).all())
('safetensors', True, True)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Literal, Union, overload

from gensim.models import KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge import _files
from gensim_merge._files import (
    EXTENSIONS,
    FORMATS,
    describe_file,
    describe_format,
    detect_format,
    format_for_path,
    refuse_pickle,
    register_fasttext_loader,
    starts_like_facebook,
)
from gensim_merge._files import FORMAT_NAME as SAFETENSORS_FORMAT
from gensim_merge._typing import BucketWeights, MergeStrategy, MmapMode, PathType, Progress, VectorsFormat
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, AlignOptionsLike
from gensim_merge.errors import IncompatibleModelError, ModelFileError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.keyedvectors import MergeableKeyedVectors, load_safetensors
from gensim_merge.merging import check_options, merge_vectors, resolve_reference, source_names

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "SAFETENSORS_FORMAT",
    "describe_file",
    "describe_format",
    "detect_format",
    "format_for_path",
    "load_any",
    "load_fasttext_any",
    "load_vectors",
    "merge",
    "merge_fasttext_models",
    "save_any",
    "save_fasttext",
    "save_vectors",
]

logger = logging.getLogger(__name__)


#: File names :func:`save_fasttext` writes in gensim's native format (which, like .safetensors, keeps the buckets).
NATIVE_EXTENSIONS = (".wv", ".kv", ".model", ".ft")


def load_fasttext_any(path: PathType, *, allow_pickle: bool = False,
                      mmap: str | None = None) -> MergeableFastTextKeyedVectors:
    """Load fastText vectors from a Facebook ``.bin`` file or (with `allow_pickle`) a gensim native file.

    A file whose first bytes make a fastText header goes to the ``.bin`` reader, which checks its whole
    layout and never unpickles; any other file is a pickle to gensim, refused without `allow_pickle`.

    Raises
    ------
    ModelFileError
        A gensim native file (a pickle, which runs code when loaded) without ``allow_pickle=True``
        (:class:`~gensim_merge.errors.PickleNotAllowedError`), a truncated file, or a file of neither kind.
    """
    if starts_like_facebook(path):
        return MergeableFastTextKeyedVectors.from_facebook(path)
    if not allow_pickle:
        raise refuse_pickle(path)
    return MergeableFastTextKeyedVectors.load(path, mmap=mmap)


def merge_fasttext_models(models: Iterable[FastTextKeyedVectors], *, reference: int | str = 0,
                          names: Sequence[str] | None = None, strategy: MergeStrategy = "count",
                          bucket_weights: BucketWeights = "ngram", align: bool = True,
                          align_options: AlignOptionsLike = None, center_fit: bool | None = None,
                          chunk_size: int = DEFAULT_CHUNK_SIZE, progress: Progress | None = None,
                          count_rule: Literal["sum", "max"] = "sum") -> MergeableFastTextKeyedVectors:
    """:func:`gensim_merge.merge`'s call for fastText models: any input as the reference.

    The reference comes first in the result's ``sources`` (and provenance bits); the options are checked by
    the word2vec merge's own code (one signature for both kinds); see
    :meth:`MergeableFastTextKeyedVectors.merge_with` for them.
    """
    models = list(models)
    check_options(len(models), strategy, chunk_size, progress, count_rule)
    labels = source_names(models, names)[0]
    ref = resolve_reference(reference, labels)
    order = [ref] + [i for i in range(len(models)) if i != ref]
    first = MergeableFastTextKeyedVectors.from_keyed_vectors(models[ref], copy=False)
    return first.merge_with(*[models[i] for i in order[1:]], names=[labels[i] for i in order], strategy=strategy,
                            bucket_weights=bucket_weights, align=align, align_options=align_options,
                            center_fit=center_fit, chunk_size=chunk_size, progress=progress, count_rule=count_rule)


#: Every fastText file the word2vec class (``MergeableKeyedVectors.load``) meets comes here.
register_fasttext_loader(load_fasttext_any)


def save_fasttext(kv: FastTextKeyedVectors, path: PathType, *, fmt: str | None = None) -> str:
    """Save a fastText model atomically, n-gram buckets included: ``.safetensors`` pickle-free, ``.wv``/``.kv``/
    ``.model``/``.ft`` (optionally ``.gz``) gensim's native format; returns the format written.

    Parameters
    ----------
    kv : gensim.models.fasttext.FastTextKeyedVectors
    path : str or os.PathLike
    fmt : {None, "native", "safetensors"}, optional
        Force a format regardless of the extension.

    Raises
    ------
    ModelFileError
        A file name (or `fmt`) for a word2vec format (text or binary), or a name of no format: the n-gram
        buckets would be lost; save to ``.safetensors`` or ``.wv``/``.kv``/``.model``, or write the whole-word
        vectors on purpose with ``kv.save_word2vec_format``.
    """
    name = os.fsdecode(path)
    if fmt is None:
        stem = name[:-3] if name.lower().endswith(".gz") else name
        fmt = ("safetensors" if name.lower().endswith(".safetensors")
               else "native" if stem.lower().endswith(NATIVE_EXTENSIONS) else None)
    if fmt not in ("native", "safetensors"):
        raise ModelFileError(
            f"{name}: fastText models are saved in gensim's native format (names ending {NATIVE_EXTENSIONS}) or as "
            ".safetensors, which keep the n-gram buckets; other formats would keep whole-word vectors only (write "
            "those on purpose with kv.save_word2vec_format)")
    model = MergeableFastTextKeyedVectors.from_keyed_vectors(kv, copy=False)
    if fmt == "safetensors":
        model._save_safetensors(path)
    else:
        model._save_native(path)
    return fmt


def load_any(cls: type[MergeableKeyedVectors], path: PathType, *, fmt: VectorsFormat | None = None,
             mmap: MmapMode | None = None,
             allow_pickle: bool = False, encoding: str = "utf8", unicode_errors: str = "strict",
             return_format: bool = False) -> LoadedVectors | tuple[LoadedVectors, VectorsFormat]:
    """:func:`gensim_merge.load_vectors`, building `cls` (see there)."""
    path = os.fspath(path)
    if mmap not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap must be None, 'r', 'r+' or 'c', got {mmap!r}")
    found = _files.sniff(path)
    if fmt is None:
        fmt = found.fmt
    elif _files.check_fmt(fmt) != found.fmt:
        logger.warning("%s looks like %s but fmt=%r was requested; reading it as %s", path, found.fmt, fmt, fmt)
    if fmt == "native" and not allow_pickle:
        raise _files.refuse_pickle(path)
    if fmt == "fasttext-binary":  # Facebook's layout, checked whole; never a pickle, whatever fmt says
        kv = MergeableFastTextKeyedVectors.from_facebook(path)
    elif fmt == "native":  # a fastText pickle loads with its buckets
        kv = cls.load(path, mmap=mmap)
    elif fmt == "safetensors":
        kv = load_safetensors(cls, path, mmap)
    else:
        if mmap is not None:
            logger.warning("%s is in the %s format, which is parsed, not memory-mapped: reading it into memory "
                           "(convert it to .safetensors to memory-map it)", path, fmt)
        if found.compressed and not path.lower().endswith((".gz", ".gzip")):
            raise ModelFileError(f"{path!r} is gzip-compressed but its name does not end in .gz, which gensim "
                                 "needs to decompress it; rename it to end in .gz")
        kv = cls.load_word2vec_format(
            path, binary=fmt == "word2vec-binary", no_header=found.no_header, encoding=encoding,
            unicode_errors=unicode_errors)
    logger.info("loaded %s from %s as %s", kv, path, _files.describe_format(fmt, compressed=found.compressed))
    return (kv, fmt) if return_format else kv


def save_any(cls: type[MergeableKeyedVectors], kv: KeyedVectors | Word2Vec, path: PathType, *,
             fmt: VectorsFormat | None = None) -> str:
    """:func:`gensim_merge.save_vectors`, through `cls` (see there)."""
    path = os.fspath(path)
    if fmt is None:
        fmt, compressed = _files.format_for_path(path)
    else:
        _files.check_fmt(fmt)
        compressed = path.lower().endswith(".gz")
    if fmt != "safetensors" and path.lower().endswith(".safetensors"):
        raise ModelFileError(f"{path!r}: a .safetensors file must hold the pickle-free format, not {fmt!r}; "
                             "choose another name or leave fmt unset")
    if fmt == "safetensors" and compressed:
        raise ModelFileError(f"{path!r}: safetensors files are not compressed (they are memory-mapped); drop the "
                             ".gz")
    if isinstance(kv, FastTextKeyedVectors) or isinstance(getattr(kv, "wv", None), FastTextKeyedVectors):
        return save_fasttext(getattr(kv, "wv", kv), path, fmt=fmt)
    if isinstance(kv, Word2Vec):
        kv = cls.from_word2vec(kv, copy=False)
    elif isinstance(kv, KeyedVectors):
        kv = cls.from_keyed_vectors(kv, copy=False)
    else:
        raise IncompatibleModelError(f"save_vectors needs gensim KeyedVectors (or a Word2Vec model), got "
                                     f"{type(kv).__name__}")
    if fmt == "safetensors":
        kv._save_safetensors(path)
    elif fmt == "native":
        kv._save_native(path)
    else:
        kv.save_word2vec_format(path, binary=fmt == "word2vec-binary")
    logger.info("saved %s to %s as %s", kv, path, _files.describe_format(fmt, compressed=compressed))
    return fmt


#: What :func:`load_vectors` (and :meth:`MergeableKeyedVectors.load`) return: fastText files keep their buckets.
LoadedVectors = Union[MergeableKeyedVectors, MergeableFastTextKeyedVectors]  # noqa: UP007 (evaluated: Python 3.9)


@overload
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = ..., mmap: MmapMode | None = ...,
                 allow_pickle: bool = ..., encoding: str = ..., unicode_errors: str = ...,
                 return_format: Literal[False] = ...) -> LoadedVectors: ...


@overload
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = ..., mmap: MmapMode | None = ...,
                 allow_pickle: bool = ..., encoding: str = ..., unicode_errors: str = ...,
                 return_format: Literal[True]) -> tuple[LoadedVectors, VectorsFormat]: ...


@overload
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = ..., mmap: MmapMode | None = ...,
                 allow_pickle: bool = ..., encoding: str = ..., unicode_errors: str = ...,
                 return_format: bool = ...) -> LoadedVectors | tuple[LoadedVectors, VectorsFormat]: ...


def load_vectors(path: PathType, *, fmt: VectorsFormat | None = None, mmap: MmapMode | None = None,
                 allow_pickle: bool = False, encoding: str = "utf8", unicode_errors: str = "strict",
                 return_format: bool = False) -> LoadedVectors | tuple[LoadedVectors, VectorsFormat]:
    """Load word vectors from any supported file, detecting its format from its bytes (not its name).

    Parameters
    ----------
    path : str or os.PathLike
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors", "fasttext-binary"}, optional
        Force a format instead of detecting it (``"native"`` still needs `allow_pickle`; a fastText binary
        is read by its own reader, never unpickled).
    mmap : {None, "r", "r+", "c"}, optional
        Memory-map the vectors (``"r"``: read-only) of safetensors files and of native files whose arrays were
        saved as side files (gensim does so above 10 MB); the word2vec formats are parsed into memory.
    allow_pickle : bool, optional
        Load gensim's native format, a Python pickle that runs code stored in the file (default False: such
        files are refused with :class:`~gensim_merge.errors.PickleNotAllowedError`, as ``numpy.load`` does).
    encoding, unicode_errors : str, optional
        How the words of word2vec files are decoded (as in gensim's ``load_word2vec_format``).
    return_format : bool, optional
        Return ``(vectors, format name)`` instead of the vectors alone.

    Returns
    -------
    MergeableKeyedVectors or MergeableFastTextKeyedVectors
        The latter for a fastText file (n-gram buckets included).

    Raises
    ------
    PickleNotAllowedError
        A native file without ``allow_pickle=True``.
    ModelFileEncodingError
        A word2vec file whose words are not in `encoding` (also a ``UnicodeDecodeError``).
    ModelFileError
        Missing, empty, truncated or unreadable files, naming the path and the expected content; a word2vec
        file whose header line does not match its records; a file that starts like a fastText binary but is
        not a complete one.
    IncompatibleModelError
        A native file holding something other than word vectors, or a supervised fastText model.
    DuplicateKeyError
        A safetensors file listing a key twice.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> kv = MergeableKeyedVectors(3)
    >>> kv.add_vectors(["new york", "café"], np.eye(2, 3, dtype=np.float32))
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.safetensors")
    >>> save_vectors(kv, path)
    'safetensors'
    >>> load_vectors(path, mmap="r").index_to_key
    ['new york', 'café']
    """
    return load_any(MergeableKeyedVectors, path, fmt=fmt, mmap=mmap, allow_pickle=allow_pickle, encoding=encoding,
                    unicode_errors=unicode_errors, return_format=return_format)


def save_vectors(kv: KeyedVectors | Word2Vec, path: PathType, *, fmt: VectorsFormat | None = None) -> str:
    """Save word vectors atomically, in the format named by `path`'s extension (or `fmt`).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors or gensim.models.Word2Vec
        The vectors (of a Word2Vec model: its ``wv``). Not modified.
    path : str or os.PathLike
        ``.kv``/``.model`` native, ``.txt``/``.vec`` word2vec text, ``.bin`` word2vec binary,
        ``.safetensors`` pickle-free; ``.gz`` compresses all but safetensors.
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors"}, optional
        Force a format regardless of the extension.

    Returns
    -------
    str
        The format written.

    Raises
    ------
    ValueError
        An extension naming no format.
    ModelFileError
        Keys that the chosen word2vec format cannot hold (empty, or containing whitespace), or a compressed
        safetensors destination.

    Notes
    -----
    The word2vec formats keep keys and vectors only (counts become a rank order when read back); the native
    and safetensors formats keep everything, and only safetensors is pickle-free.
    """
    return save_any(MergeableKeyedVectors, kv, path, fmt=fmt)


def merge(models: Iterable[KeyedVectors], *, reference: int | str = 0, names: Sequence[str] | None = None,
          strategy: MergeStrategy = "count", align: bool = True, align_options: AlignOptionsLike = None,
          center_fit: bool | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
          progress: Progress | None = None, count_rule: Literal["sum", "max"] = "sum") -> LoadedVectors:
    """Merge several models into one union-vocabulary model in the reference's space.

    The model built from :func:`gensim_merge.merging.merge_vectors`, which does the work and documents every
    parameter (`models`, `reference`, `names`, `strategy`, `align`, `align_options`, `center_fit`,
    `chunk_size`, `progress`, `count_rule`: ``"max"`` when one input's counts already include another's corpus)
    and the combining strategies.

    Returns
    -------
    MergeableKeyedVectors or MergeableFastTextKeyedVectors
        The latter when every input is a fastText model. Every word of every input; real counts combined
        into ``count`` (rank stand-ins never added to them: see :mod:`gensim_merge.merging`); ordered by combined
        count (ties: the reference's order, then by key); ``provenance``
        attribute (bit mask) and ``sources`` say which inputs held each word (see
        :meth:`MergeableKeyedVectors.provenance`); ``merge_report`` says what was done.

    Raises
    ------
    DimensionMismatchError, DuplicateKeyError, EmptyModelError, NonFiniteVectorsError, AnchorError

    Examples
    --------
    >>> import numpy as np
    >>> a, b = MergeableKeyedVectors(2), MergeableKeyedVectors(2)
    >>> a.add_vectors(["cat", "dog"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> b.add_vectors(["dog", "fish"], np.array([[0, 1], [1, 1]], dtype=np.float32))
    >>> merged = merge([a, b], strategy="mean", align=False)
    >>> merged.index_to_key, merged.provenance("dog")
    (['cat', 'dog', 'fish'], ['model0', 'model1'])
    """
    models = list(models)
    n_fasttext = sum(isinstance(kv, FastTextKeyedVectors) for kv in models)
    if n_fasttext and n_fasttext == len(models):
        return merge_fasttext_models(models, reference=reference, names=names, strategy=strategy, align=align,
                                     align_options=align_options, center_fit=center_fit, chunk_size=chunk_size,
                                     progress=progress, count_rule=count_rule)
    if n_fasttext:
        raise IncompatibleModelError(
            f"{n_fasttext} of the {len(models)} models are fastText models: merge fastText models together (their "
            "n-gram buckets are combined too), or convert them to plain vectors first "
            "(MergeableKeyedVectors.from_keyed_vectors(model, copy=False) keeps the whole-word vectors only)")
    return MergeableKeyedVectors._from_merge_result(merge_vectors(
        models, reference=reference, names=names, strategy=strategy, align=align, align_options=align_options,
        center_fit=center_fit, chunk_size=chunk_size, progress=progress, count_rule=count_rule))
