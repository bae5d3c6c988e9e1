"""The words two models share, as row-aligned unit vectors: what every closeness measure reads.

Row ``i`` of both matrices is the same word. Built once per call from the models (only read); the
neighbour search and the pair cosines work on it without building a vocabulary-by-vocabulary matrix.
"""

import math

import numpy as np
from scipy import stats

from gensim_merge._anchor_products import unit_rows
from gensim_merge._neighbours import nearest_rows
from gensim_merge._validation import check_keyed_vectors, check_same_dim
from gensim_merge.errors import NonFiniteVectorsError, NoSharedVocabularyError

__all__ = ["SharedSpace", "check_pair", "shared_indices", "spearman"]

_PAIR_CHUNK = 65536  # rows per block when computing pair cosines; bounds the temporary memory


def check_pair(model, reference):
    """Raise unless both are non-empty KeyedVectors of the same vector size."""
    check_keyed_vectors(model, "model")
    check_keyed_vectors(reference, "reference")
    check_same_dim(model, reference, "model", "reference")


def shared_indices(model, reference):
    """Return (keys, model_rows, reference_rows) of the shared words, in the reference's order."""
    keys, model_rows, reference_rows = [], [], []
    lookup = model.key_to_index.get
    for key, ref_row in reference.key_to_index.items():
        row = lookup(key)
        if row is not None:
            keys.append(key)
            model_rows.append(row)
            reference_rows.append(ref_row)
    reference_rows = np.asarray(reference_rows, dtype=np.intp)
    order = np.argsort(reference_rows, kind="stable")
    model_rows = np.asarray(model_rows, dtype=np.intp)[order]
    keys = [keys[i] for i in order]
    return keys, model_rows, reference_rows[order]


def _checked_unit_rows(matrix, name):
    """`matrix` at unit length (float32 at least); raise on NaN, infinite or all-zero rows."""
    dtype = np.result_type(matrix.dtype, np.float32)
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        raise NonFiniteVectorsError(
            f"{name} holds NaN or infinite values in {int((~finite).sum())} of the {len(matrix)} shared "
            "vectors; repair or drop those vectors before evaluating"
        )
    zero = ~matrix.any(axis=1)
    if zero.any():
        raise NonFiniteVectorsError(
            f"{name} holds {int(zero.sum())} all-zero vectors among the {len(matrix)} shared "
            "words, which have no direction and cannot be normalised; drop them before evaluating"
        )
    return unit_rows(matrix, dtype=dtype)


def spearman(x, y):
    """Spearman's rho of two samples; NaN when either is constant or shorter than 2."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.spearmanr(x, y)[0])


class SharedSpace:
    """Unit vectors of the words two models share, row-aligned (row i is the same word in both)."""

    def __init__(self, model, reference):
        check_pair(model, reference)
        self.keys, model_rows, reference_rows = shared_indices(model, reference)
        self.n_model = len(model.key_to_index)
        self.n_reference = len(reference.key_to_index)
        if not self.keys:
            raise NoSharedVocabularyError(
                f"model ({self.n_model} keys) and reference ({self.n_reference} keys) share no key, so "
                "there is nothing to compare; check that both were trained on the same kind of tokens"
            )
        self.position = {key: i for i, key in enumerate(self.keys)}
        self.model_unit = _checked_unit_rows(model.vectors[model_rows], "model")
        self.reference_unit = _checked_unit_rows(reference.vectors[reference_rows], "reference")

    def __len__(self):
        return len(self.keys)

    def positions(self, words, *, strict):
        """Map words to shared rows; returns (positions, n_missing). strict=True raises on a miss."""
        if isinstance(words, str):
            words = [words]
        found, missing = [], []
        for word in words:
            pos = self.position.get(word)
            if pos is None:
                missing.append(word)
            else:
                found.append(pos)
        if missing and strict:
            shown = ", ".join(repr(w) for w in missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise KeyError(
                f"{len(missing)} of the requested words are not in both models ({shown}); pass only "
                "words of shared_vocabulary(model, reference)"
            )
        return np.asarray(found, dtype=np.intp), len(missing)

    def overlap(self, positions, topn, chunk_size):
        """Share of common top-`topn` neighbours (self excluded) for each shared row in `positions`."""
        if topn > len(self) - 1:
            raise NoSharedVocabularyError(
                f"topn={topn} neighbours need at least {topn + 1} shared words, but the models share "
                f"{len(self)}; lower topn"
            )
        result = np.empty(len(positions), dtype=np.float64)
        for start in range(0, len(positions), chunk_size):
            queries = positions[start:start + chunk_size]
            near_model = nearest_rows(self.model_unit, queries, topn)
            near_reference = nearest_rows(self.reference_unit, queries, topn)
            common = (near_model[:, :, None] == near_reference[:, None, :]).any(axis=2).sum(axis=1)
            result[start:start + chunk_size] = common / topn
        return result

    def pair_cosines(self, positions, n_pairs, rng):
        """Cosines of `n_pairs` random pairs of distinct rows from `positions`, in both models."""
        first = rng.integers(len(positions), size=n_pairs)
        second = (first + rng.integers(1, len(positions), size=n_pairs)) % len(positions)
        first, second = positions[first], positions[second]
        cosines = np.empty((2, n_pairs), dtype=np.float64)
        for start in range(0, n_pairs, _PAIR_CHUNK):
            i, j = first[start:start + _PAIR_CHUNK], second[start:start + _PAIR_CHUNK]
            for row, unit in enumerate((self.model_unit, self.reference_unit)):
                cosines[row, start:start + _PAIR_CHUNK] = np.einsum("ij,ij->i", unit[i], unit[j])
        return cosines
