"""gensim-merge: grow gensim word2vec models across corpora without retraining from scratch."""

import logging

from gensim_merge.alignment import Alignment, AlignmentReport
from gensim_merge.errors import (
    AnchorError,
    CorpusError,
    DimensionMismatchError,
    DuplicateKeyError,
    EmptyModelError,
    GensimMergeError,
    IncompatibleModelError,
    ModelFileError,
    NonFiniteVectorsError,
)
from gensim_merge.keyedvectors import MergeableKeyedVectors
from gensim_merge.merging import MergeReport, merge

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "AlignmentReport",
    "MergeableKeyedVectors",
    "MergeReport",
    "merge",
    "AnchorError",
    "CorpusError",
    "DimensionMismatchError",
    "DuplicateKeyError",
    "EmptyModelError",
    "GensimMergeError",
    "IncompatibleModelError",
    "ModelFileError",
    "NonFiniteVectorsError",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
