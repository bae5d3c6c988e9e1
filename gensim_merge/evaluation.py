"""How good is a word-vector model? Closeness to a reference and the standard scores, in one import.

This module re-exports the public names of :mod:`gensim_merge.fidelity` (neighbour overlap and
similarity correlation against a reference model, per word group; the ratio to a noise floor) and of
:mod:`gensim_merge.scores` (gensim's WordSim-353, SimLex-999 and Google-analogy evaluations), so that
``from gensim_merge.evaluation import closeness, standard_scores`` keeps working.

Examples
--------
>>> from gensim_merge import fidelity
>>> from gensim_merge.evaluation import closeness
>>> closeness is fidelity.closeness
True
"""

from gensim_merge.fidelity import (
    OVERALL,
    ClosenessReport,
    GroupCloseness,
    NoSharedVocabularyError,
    closeness,
    fidelity_ratio,
    neighbour_overlap,
    shared_vocabulary,
    similarity_correlation,
)
from gensim_merge.scores import standard_scores

__all__ = [
    "OVERALL",
    "ClosenessReport",
    "GroupCloseness",
    "NoSharedVocabularyError",
    "closeness",
    "fidelity_ratio",
    "neighbour_overlap",
    "shared_vocabulary",
    "similarity_correlation",
    "standard_scores",
]
