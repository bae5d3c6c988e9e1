"""Hooks for the package's loaders, savers and command line: recognise, load, merge and save fastText models.

Each is one call at its integration point:

- ``MergeableKeyedVectors.load``: ``if is_fasttext_file(path): return load_fasttext_any(path,
  allow_pickle=True, mmap=mmap)`` (``io.load_vectors`` sends a Facebook ``.bin`` file straight to
  ``MergeableFastTextKeyedVectors.from_facebook``);
- the command line's ``merge``: ``merge_fasttext_models(models, reference=..., names=..., ...)`` when the
  inputs are fastText models (``align`` needs nothing: the class has ``alignment_to``/``apply_alignment``);
- saving: ``save_fasttext(kv, path)`` for a :class:`MergeableFastTextKeyedVectors`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Literal

from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge._align_options import AlignOptionsLike
from gensim_merge._fasttext_files import is_facebook_file, pickled_class, starts_like_facebook
from gensim_merge._formats import refuse_pickle
from gensim_merge._merge_inputs import check_options, resolve_reference, source_names
from gensim_merge._typing import BucketWeights, MergeStrategy, PathType, Progress
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE
from gensim_merge.errors import ModelFileError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors

__all__ = ["is_fasttext_file", "load_fasttext_any", "merge_fasttext_models", "save_fasttext"]

_FASTTEXT_CLASSES = {("gensim.models.fasttext", "FastTextKeyedVectors"), ("gensim.models.fasttext", "FastText"),
                     ("gensim_merge.fasttext", "MergeableFastTextKeyedVectors")}
#: File names :func:`save_fasttext` writes in gensim's native format (the only one that keeps the buckets).
NATIVE_EXTENSIONS = (".wv", ".kv", ".model", ".ft")


def is_fasttext_file(path: PathType) -> bool:
    """True when `path` holds fastText vectors: a complete Facebook ``.bin`` file (its whole layout checked, in
    either header version), or a gensim file of fastText vectors or of a FastText model (recognised from the
    pickle's opcodes, without running it).

    Examples
    --------
    >>> from gensim.test.utils import datapath
    >>> is_fasttext_file(datapath("lee_fasttext.bin")), is_fasttext_file(datapath("lee_fasttext.vec"))
    (True, False)
    """
    if not os.path.isfile(os.fspath(path)):
        return False
    return is_facebook_file(path) or pickled_class(path) in _FASTTEXT_CLASSES


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
