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
)
from gensim_merge.evaluation import (
    closeness,
    fidelity_ratio,
    neighbour_overlap,
    similarity_correlation,
    standard_scores,
)
from gensim_merge.keyedvectors import MergeableKeyedVectors, merge
from gensim_merge.merging import MergeReport

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
    "__version__",
    "closeness",
    "fidelity_ratio",
    "merge",
    "neighbour_overlap",
    "similarity_correlation",
    "standard_scores",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
