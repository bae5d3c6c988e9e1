"""Hooks for the package's loaders, savers and command line: recognise, load, merge and save fastText models.

Each is one call at its integration point:

- ``MergeableKeyedVectors.load`` / ``io.load_vectors``: ``if is_fasttext_file(path): return
  load_fasttext_any(path, allow_pickle=..., mmap=mmap)``;
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
from gensim_merge._fasttext_files import is_facebook_file, pickled_class
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
    """True when `path` holds fastText vectors: a Facebook ``.bin`` file, or a gensim file of fastText vectors
    or of a FastText model (recognised from the pickle's opcodes, without running it).

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

    Raises
    ------
    ModelFileError
        A gensim native file (a pickle, which runs code when loaded) without ``allow_pickle=True``, a
        truncated file, or a file of neither kind.
    """
    if is_facebook_file(path) or os.fspath(path).endswith(".bin"):
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


def save_fasttext(kv: FastTextKeyedVectors, path: PathType) -> str:
    """Save a fastText model in gensim's native format (atomically), the only format that keeps its buckets.

    Raises
    ------
    ModelFileError
        A file name for another format (word2vec text or binary, safetensors): the n-gram buckets would be
        lost; save to ``.wv``/``.kv``/``.model``, or save ``kv`` as plain word vectors on purpose.
    """
    if not os.fspath(path).endswith(NATIVE_EXTENSIONS):
        raise ModelFileError(
            f"{path}: fastText models are saved in gensim's native format only (names ending {NATIVE_EXTENSIONS}),"
            " which keeps the n-gram buckets; other formats would keep whole-word vectors only")
    MergeableFastTextKeyedVectors.from_keyed_vectors(kv, copy=False).save(path)
    return "native"
