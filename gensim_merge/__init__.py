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
    NoSharedVocabularyError,
    NotMergedError,
)
from gensim_merge.evaluation import (
    closeness,
    fidelity_ratio,
    neighbour_overlap,
    similarity_correlation,
    standard_scores,
)
from gensim_merge.keyedvectors import MergeableKeyedVectors
from gensim_merge.merging import MergeReport, merge

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "AlignmentReport",
    "AnchorError",
    "CorpusError",
    "DimensionMismatchError",
    "DuplicateKeyError",
    "EmptyModelError",
    "GensimMergeError",
    "IncompatibleModelError",
    "MergeReport",
    "MergeableKeyedVectors",
    "ModelFileError",
    "NoSharedVocabularyError",
    "NonFiniteVectorsError",
    "NotMergedError",
    "__version__",
    "closeness",
    "fidelity_ratio",
    "merge",
    "neighbour_overlap",
    "similarity_correlation",
    "standard_scores",
]

# ---- fastText models
from gensim_merge.errors import BucketMismatchError, NoBucketsError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors

__all__ += ["BucketMismatchError", "MergeableFastTextKeyedVectors", "NoBucketsError"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
