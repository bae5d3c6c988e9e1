"""Type aliases shared by the public API's annotations (one place for each).

The aliases are evaluated when this module is imported, so they are spelled for Python 3.9
(``Optional``/``Union``, not ``X | Y``); the annotations that use them are strings (``from __future__ import
annotations``), which :func:`typing.get_type_hints` resolves.
"""

# ruff: noqa: UP007, UP045  (aliases are evaluated at import, so not `X | Y`, which needs Python 3.10)

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, Optional, Union

__all__ = ["AlignMethod", "AnchorsLike", "BucketWeights", "Corpus", "MergeStrategy", "MmapMode", "OnMissing",
           "PathType", "Progress", "VectorsFormat"]

#: A file name: a str or an ``os.PathLike`` (e.g. ``pathlib.Path``).
PathType = Union[str, os.PathLike[str]]

#: A vectors file format (:data:`gensim_merge.io.FORMATS`): what ``fmt=`` forces and ``return_format`` names.
VectorsFormat = Literal["native", "word2vec-text", "word2vec-binary", "safetensors", "fasttext-binary"]

#: How :func:`gensim_merge.load_vectors` memory-maps arrays (``numpy.load``'s modes; ``"r"``: read-only).
MmapMode = Literal["r", "r+", "c"]

#: The maps :func:`gensim_merge.alignment.fit_alignment` can fit (the keys of ``ALIGNERS``).
AlignMethod = Literal["orthogonal", "linear"]

#: What to do with explicit anchor pairs naming a word a model does not hold.
OnMissing = Literal["raise", "skip"]

#: How a merge combines the vectors of a word several inputs hold.
MergeStrategy = Literal["count", "mean", "reference"]

#: How a fastText merge weighs each model's n-gram buckets: a rule, or one weight per model.
BucketWeights = Union[Literal["ngram", "corpus", "mean"], Sequence[float]]

#: Every accepted spelling of anchors: None (shared words), a pair file, ``{source: target}``, or a list of
#: words (the same word on both sides) and ``(source, target)`` pairs.
AnchorsLike = Optional[Union[PathType, Mapping[str, str], Iterable[Union[str, tuple[str, str], Sequence[str]]]]]

#: Called with the number of rows just done (e.g. a tqdm bar's ``update``); its result is ignored.
Progress = Callable[[int], object]

#: A training corpus: a restartable iterable of token lists, or the path of a text file (one sentence a line).
Corpus = Union[PathType, Iterable[Sequence[str]]]
