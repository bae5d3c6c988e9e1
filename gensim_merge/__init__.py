"""gensim-merge: grow gensim word2vec models across corpora without retraining from scratch."""

import logging

from gensim_merge._mixins import MergeReport
from gensim_merge.alignment import Alignment, AlignmentReport, AlignOptions, fit_between
from gensim_merge.errors import (
    AnchorError,
    AnchorFileEncodingError,
    BucketMismatchError,
    CorpusDecodeError,
    CorpusError,
    CountsError,
    DimensionMismatchError,
    DuplicateKeyError,
    EmptyModelError,
    GensimMergeError,
    IncompatibleModelError,
    ModelFileEncodingError,
    ModelFileError,
    ModelFileNotFoundError,
    NoBucketsError,
    NonFiniteVectorsError,
    NoSharedVocabularyError,
    NotMergedError,
    OptionError,
    OptionTypeError,
    PickleNotAllowedError,
)
from gensim_merge.evaluation import (
    closeness,
    fidelity_ratio,
    neighbour_overlap,
    similarity_correlation,
    standard_scores,
)
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import load_vectors, merge, save_vectors
from gensim_merge.keyedvectors import MergeableKeyedVectors

#: Ensemble of models of the same corpus (see :meth:`MergeableKeyedVectors.ensemble`).
ensemble = MergeableKeyedVectors.ensemble

__version__ = "0.2.0"

__all__ = [
    "AlignOptions",
    "Alignment",
    "AlignmentReport",
    "AnchorError",
    "AnchorFileEncodingError",
    "BucketMismatchError",
    "CorpusDecodeError",
    "CorpusError",
    "CountsError",
    "DimensionMismatchError",
    "DuplicateKeyError",
    "EmptyModelError",
    "GensimMergeError",
    "IncompatibleModelError",
    "MergeReport",
    "MergeableFastTextKeyedVectors",
    "MergeableKeyedVectors",
    "ModelFileEncodingError",
    "ModelFileError",
    "ModelFileNotFoundError",
    "NoBucketsError",
    "NoSharedVocabularyError",
    "NonFiniteVectorsError",
    "NotMergedError",
    "OptionError",
    "OptionTypeError",
    "PickleNotAllowedError",
    "__version__",
    "closeness",
    "ensemble",
    "fidelity_ratio",
    "fit_between",
    "load_vectors",
    "merge",
    "neighbour_overlap",
    "save_vectors",
    "similarity_correlation",
    "standard_scores",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
