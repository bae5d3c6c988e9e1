"""How close a model is to a reference, and how it scores on the standard benchmarks.

:func:`closeness` (neighbour overlap and similarity correlation, overall and by word-frequency group) returns a
:class:`ClosenessReport`; :func:`fidelity_ratio` puts it against a noise floor; :func:`standard_scores` runs
gensim's WordSim-353, SimLex-999 and Google-analogy evaluations. The same code the benchmarks use.

Examples
--------
>>> from gensim_merge.evaluation import closeness
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import warnings
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from gensim.models import KeyedVectors
from scipy import stats

from gensim_merge._procrustes import unit_rows
from gensim_merge._validation import check_keyed_vectors, check_options_of, check_real, check_same_dim
from gensim_merge.errors import (
    IncompatibleModelError,
    NonFiniteVectorsError,
    NoSharedVocabularyError,
    OptionError,
    OptionTypeError,
)

__all__ = [
    "MIN_FLOOR_SHARE",
    "OVERALL",
    "ClosenessReport",
    "GroupCloseness",
    "NoSharedVocabularyError",
    "check_noise_floor",
    "closeness",
    "fidelity_ratio",
    "neighbour_overlap",
    "shared_vocabulary",
    "similarity_correlation",
    "standard_scores",
]

logger = logging.getLogger(__name__)


OVERALL = "overall"
"""Name of the report row computed over the whole shared vocabulary."""


@dataclass(frozen=True)
class GroupCloseness:
    """Closeness of a model to a reference over one group of words.

    Attributes
    ----------
    name : str
        Group name (``"overall"`` for the whole shared vocabulary).
    n_words : int
        Words of the group present in both models.
    n_skipped : int
        Words of the group missing from either model (for ``"overall"``: reference words the model
        lacks).
    n_evaluated : int
        Words whose neighbours were compared (a seeded sample of at most ``max_words_per_group``).
    nn_overlap : float
        Mean neighbour overlap of the evaluated words (NaN if none).
    spearman : float
        Similarity correlation over random pairs of the group's words (NaN with fewer than 2 words).
    """

    name: str
    n_words: int
    n_skipped: int
    n_evaluated: int
    nn_overlap: float
    spearman: float


@dataclass(frozen=True)
class ClosenessReport:
    """What :func:`closeness` found: one :class:`GroupCloseness` row per group, then ``"overall"``.

    Attributes
    ----------
    groups : tuple of GroupCloseness
        The rows; look one up with ``report["name"]``.
    coverage : float
        Share of the reference's vocabulary the model holds.
    n_shared, n_model, n_reference : int
        Keys in both models, in the model, in the reference.
    topn, n_pairs, seed : int
        The settings used.
    """

    groups: tuple[GroupCloseness, ...]
    coverage: float
    n_shared: int
    n_model: int
    n_reference: int
    topn: int
    n_pairs: int
    seed: int

    @property
    def names(self) -> list[str]:
        """Group names, in row order."""
        return [row.name for row in self.groups]

    @property
    def overall(self) -> GroupCloseness:
        """The row computed over the whole shared vocabulary."""
        return self[OVERALL]

    def __getitem__(self, name: str) -> GroupCloseness:
        for row in self.groups:
            if row.name == name:
                return row
        raise KeyError(f"no group {name!r} in this report; groups are {self.names}")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe dict (NaN becomes None)."""
        def clean(value: Any) -> Any:
            return None if isinstance(value, float) and math.isnan(value) else value

        return {
            "coverage": self.coverage,
            "n_shared": self.n_shared,
            "n_model": self.n_model,
            "n_reference": self.n_reference,
            "topn": self.topn,
            "n_pairs": self.n_pairs,
            "seed": self.seed,
            "groups": {
                row.name: {key: clean(value) for key, value in vars(row).items() if key != "name"}
                for row in self.groups
            },
        }

    def __str__(self) -> str:
        header = ("group", "words", "skipped", "evaluated", f"nn@{self.topn}", "rho")
        rows = [
            (row.name, str(row.n_words), str(row.n_skipped), str(row.n_evaluated),
             f"{row.nn_overlap:.3f}", f"{row.spearman:.3f}")
            for row in self.groups
        ]
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
        title = (f"{self.__class__.__name__}<coverage={self.coverage:.3f}, shared={self.n_shared}, "
                 f"model={self.n_model}, reference={self.n_reference}>")
        lines = [title]
        for cells in (header, *rows):
            lines.append("  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths))
            ))
        return "\n".join(lines)

    def table(self, noise_floor: ClosenessReport | None = None) -> str:
        """The report as a table to read, with a legend; with `noise_floor`, each group's ratio to it.

        Parameters
        ----------
        noise_floor : ClosenessReport, optional
            The closeness of a second training of the reference (another seed) to the reference: the
            best a candidate can be expected to reach. Adds its overlap and :func:`fidelity_ratio`.

        Returns
        -------
        str

        Examples
        --------
        >>> row = GroupCloseness("overall", 8, 2, 8, 0.5, 0.9)
        >>> print(ClosenessReport((row,), 0.8, 8, 9, 10, 10, 100, 0).table())
        group    words  nn@10 overlap    rho  coverage
        overall      8          0.500  0.900     80.0%
        <BLANKLINE>
        nn@10 overlap: share of a word's 10 nearest neighbours that are its neighbours in the reference too (1: all).
        rho: Spearman correlation of the cosines of random word pairs in the two models (1: same similarities).
        coverage: share of the group's words the model holds.
        """
        header = ["group", "words", f"nn@{self.topn} overlap", "rho", "coverage"]
        ratios = {}
        if noise_floor is not None:
            ratios = fidelity_ratio(self, noise_floor)
            header += [f"floor nn@{self.topn}", "ratio to floor"]
        rows = []
        for row in self.groups:
            known = row.n_words + row.n_skipped
            cells = [row.name, str(row.n_words), _number(row.nn_overlap), _number(row.spearman),
                     "n/a" if not known else f"{row.n_words / known:.1%}"]
            if noise_floor is not None:
                floor = noise_floor[row.name].nn_overlap if row.name in noise_floor.names else math.nan
                cells += [_number(floor), _number(ratios.get(row.name, math.nan), 2)]
            rows.append(cells)
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
        lines = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                           for i, (cell, width) in enumerate(zip(cells, widths))).rstrip()
                 for cells in (header, *rows)]
        lines += [
            "",
            (f"nn@{self.topn} overlap: share of a word's {self.topn} nearest neighbours that are its neighbours "
             "in the reference too (1: all)."),
            "rho: Spearman correlation of the cosines of random word pairs in the two models (1: same similarities).",
            "coverage: share of the group's words the model holds.",
        ]
        if noise_floor is not None:
            lines.append("ratio to floor: nn overlap divided by the floor's (a second training of the reference; "
                         "1.00: as close as retraining gets).")
        return "\n".join(lines)


def fidelity_ratio(candidate: ClosenessReport, noise_floor: ClosenessReport) -> dict[str, float]:
    """Divide a candidate's neighbour overlap by the noise floor's, group by group.

    The noise floor is the closeness of a second jointly trained model (another seed) to the
    reference: the best a candidate can be expected to reach. A ratio of 1 means "as close to joint
    training as joint training itself is".

    Parameters
    ----------
    candidate, noise_floor : ClosenessReport
        Reports against the same reference.

    Returns
    -------
    dict of str to float
        One ratio per group present in both reports, in the candidate's order; NaN where the floor's
        overlap is 0 or NaN.

    Examples
    --------
    >>> floor = ClosenessReport((GroupCloseness("overall", 10, 0, 10, 0.5, 0.9),), 1.0, 10, 10, 10, 3, 100, 0)
    >>> cand = ClosenessReport((GroupCloseness("overall", 10, 0, 10, 0.4, 0.8),), 1.0, 10, 10, 10, 3, 100, 0)
    >>> fidelity_ratio(cand, floor)
    {'overall': 0.8}
    """
    for name, report in (("candidate", candidate), ("noise_floor", noise_floor)):
        if not isinstance(report, ClosenessReport):
            raise IncompatibleModelError(f"{name} must be a ClosenessReport, got {type(report).__name__}")
    floor_names = set(noise_floor.names)
    ratios = {}
    for row in candidate.groups:
        if row.name in floor_names:
            base = noise_floor[row.name].nn_overlap
            ratios[row.name] = row.nn_overlap / base if base > 0 else math.nan
    return ratios


_PREFILTER_STEP = 16  # every 16th column gives each row a lower bound on its k-th largest value
_CHUNK_ROWS = 65536   # model rows per block in nearest_keys; bounds the temporaries


def top_k(sims, k):
    """Column indices of the `k` largest values of each row of `sims` (in no particular order).

    Equivalent to ``np.argpartition(sims, -k, axis=1)[:, -k:]`` up to ties, and faster on wide rows: the
    k-th largest value of every 16th column is a lower bound on the row's k-th largest, so only the few
    values above it (about 16 k per row) need ranking.

    Examples
    --------
    >>> import numpy as np
    >>> np.sort(top_k(np.array([[0.1, 0.9, 0.5, 0.7]]), 2), axis=1)
    array([[1, 3]])
    """
    n_rows, n_cols = sims.shape
    if n_cols < 8 * k * _PREFILTER_STEP:
        return np.argpartition(sims, -k, axis=1)[:, -k:]
    sample = np.ascontiguousarray(sims[:, ::_PREFILTER_STEP])
    bound = np.partition(sample, -k, axis=1)[:, -k]
    flat = np.flatnonzero(sims >= bound[:, None])  # at least k per row: the sample's own top k
    rows, cols = np.divmod(flat, n_cols)
    order = np.lexsort((-sims.ravel()[flat], rows))  # by row, then by descending value
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    return cols[starts[:, None] + np.arange(k)]


def nearest_rows(unit, queries, topn):
    """Rows of the `topn` highest cosines of each query row of `unit` (unit-length rows), itself excluded.

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> nearest_rows(unit, np.array([0, 2]), 1)
    array([[1],
           [1]])
    """
    sims = unit[queries] @ unit.T
    sims[np.arange(len(queries)), queries] = -np.inf
    return top_k(sims, topn)


def nearest_keys(kv, rows, topn):
    """The `topn` nearest keys of each row in `rows` (closest first, itself excluded); `kv` is only read.

    The model's vectors are normalised a block at a time (a zero vector stays zero), so no normalised
    copy of a large model is made.

    Examples
    --------
    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> nearest_keys(kv, [0, 2], 2)
    [['b', 'c'], ['b', 'a']]
    """
    if not len(rows):
        return []
    rows = np.asarray(rows, dtype=np.intp)
    k = min(topn, len(kv.index_to_key) - 1)
    if k <= 0:
        return [[] for _ in rows]
    queries = unit_rows(np.asarray(kv.vectors[rows]), dtype=np.float64)
    sims = np.empty((len(rows), len(kv.index_to_key)), dtype=np.float32)
    for start in range(0, sims.shape[1], _CHUNK_ROWS):
        block = unit_rows(np.asarray(kv.vectors[start:start + _CHUNK_ROWS]), dtype=np.float64)
        sims[:, start:start + _CHUNK_ROWS] = queries @ block.T
    sims[np.arange(len(rows)), rows] = -np.inf
    top = top_k(sims, k)
    order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    keys = kv.index_to_key
    return [[keys[i] for i in line] for line in top.tolist()]


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


#: The least share of the reference's words a noise floor must hold to be taken for a second training of the
#: reference's corpus (see :func:`check_noise_floor`).
MIN_FLOOR_SHARE = 0.5


def shared_vocabulary(model: KeyedVectors, reference: KeyedVectors) -> list[str]:
    """List the keys two models have in common, in the reference's order.

    Parameters
    ----------
    model, reference : gensim.models.KeyedVectors
        The two models; only their keys are read.

    Returns
    -------
    list of str
        Keys present in both, ordered by their index in `reference`.

    Examples
    --------
    >>> from gensim.models import KeyedVectors
    >>> a, b = KeyedVectors(2), KeyedVectors(2)
    >>> a.add_vectors(["x", "y", "z"], [[1, 0], [0, 1], [1, 1]])
    >>> b.add_vectors(["z", "q", "x"], [[1, 0], [0, 1], [1, 1]])
    >>> shared_vocabulary(a, b)
    ['z', 'x']
    """
    check_keyed_vectors(model, "model")
    check_keyed_vectors(reference, "reference")
    return shared_indices(model, reference)[0]


def neighbour_overlap(model: KeyedVectors, reference: KeyedVectors, words: Iterable[str], *, topn: int = 10,
                      chunk_size: int = 256) -> np.ndarray:
    """Share of each word's nearest neighbours that are the same in two models.

    For every query word, the `topn` nearest neighbours by cosine (the word itself excluded) are found
    in each model, searching only the vocabulary the two models share, and the size of the
    intersection of the two neighbour sets is divided by `topn`.

    Parameters
    ----------
    model, reference : gensim.models.KeyedVectors
        The model under test and the model it should resemble (e.g. a jointly trained one). Same
        vector size. Only read.
    words : iterable of str
        Query words; each must be in both models (see :func:`shared_vocabulary`). A single ``str`` is
        taken as one word.
    topn : int, default=10
        Neighbours per word.
    chunk_size : int, default=256
        Queries per matrix product; memory is about ``2 * chunk_size * n_shared`` floats.

    Returns
    -------
    (len(words),) numpy.ndarray of float64
        Values in ``{0, 1/topn, ..., 1}``, in the order of `words`.

    Raises
    ------
    OptionError
        `topn` or `chunk_size` is not an integer >= 1 (checked before any work).
    KeyError
        A query word is missing from either model.
    DimensionMismatchError, EmptyModelError, IncompatibleModelError, NonFiniteVectorsError
        Invalid models.
    NoSharedVocabularyError
        The models share fewer than ``topn + 1`` words.

    Notes
    -----
    Ties between equal cosines are broken arbitrarily (but deterministically) by
    :func:`numpy.argpartition`. A word whose neighbours in the reference are not in `model` at all
    cannot count them, by construction: the search space is the shared vocabulary.

    Examples
    --------
    >>> from gensim.models import KeyedVectors
    >>> reference, model = KeyedVectors(2), KeyedVectors(2)
    >>> reference.add_vectors(["a", "b", "c", "d"], [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]])
    >>> model.add_vectors(["a", "b", "c", "d"], [[1, 0], [0.1, 0.9], [0, 1], [0.9, 0.1]])
    >>> neighbour_overlap(model, reference, ["a", "c"], topn=1)
    array([0., 0.])
    >>> neighbour_overlap(reference, reference, ["a", "c"], topn=1)
    array([1., 1.])
    """
    topn, chunk_size = check_options_of("closeness", topn=topn, chunk_size=chunk_size).values()
    space = SharedSpace(model, reference)
    positions, _ = space.positions(words, strict=True)
    logger.debug("neighbour overlap of %d words at top-%d over %d shared words",
                 len(positions), topn, len(space))
    return space.overlap(positions, topn, chunk_size)


def similarity_correlation(model: KeyedVectors, reference: KeyedVectors, *, n_pairs: int = 20000,
                           words: Iterable[str] | None = None, seed: int = 0) -> float:
    """Spearman correlation between the cosines of random word pairs in two models.

    Parameters
    ----------
    model, reference : gensim.models.KeyedVectors
        Same vector size. Only read.
    n_pairs : int, default=20000
        Pairs drawn (with replacement) from distinct words.
    words : iterable of str, optional
        Draw the pairs from these words (each must be in both models); by default from the whole
        shared vocabulary.
    seed : int, default=0
        Seed of the pair sampling.

    Returns
    -------
    float
        Spearman's ρ in [-1, 1]; NaN when either model gives all pairs the same cosine.

    Raises
    ------
    OptionError
        `n_pairs` is not an integer >= 1 or `seed` not one >= 0 (checked before any work).
    KeyError
        A word of `words` is missing from either model.
    NoSharedVocabularyError
        Fewer than 2 distinct words to draw pairs from.
    DimensionMismatchError, EmptyModelError, IncompatibleModelError, NonFiniteVectorsError
        Invalid models.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> rng = np.random.default_rng(0)
    >>> reference = KeyedVectors(4)
    >>> reference.add_vectors([f"w{i}" for i in range(20)], rng.normal(size=(20, 4)))
    >>> round(similarity_correlation(reference, reference, n_pairs=500), 6)
    1.0
    """
    n_pairs, seed = check_options_of("closeness", n_pairs=n_pairs, seed=seed).values()
    space = SharedSpace(model, reference)
    if words is None:
        positions = np.arange(len(space), dtype=np.intp)
    else:
        positions = np.unique(space.positions(words, strict=True)[0])
    if len(positions) < 2:
        raise NoSharedVocabularyError(
            f"similarity correlation needs at least 2 distinct shared words to form pairs, got "
            f"{len(positions)}; pass more words"
        )
    cosines = space.pair_cosines(positions, n_pairs, np.random.default_rng(seed))
    return spearman(cosines[0], cosines[1])


def check_noise_floor(floor: KeyedVectors, reference: KeyedVectors, *, min_share: float = MIN_FLOOR_SHARE,
                      floor_name: str = "the noise floor", reference_name: str = "the reference") -> float:
    """Return the share of `reference`'s words that `floor` holds; raise unless it can be a second training.

    Another training of the reference's corpus (e.g. another seed) holds its words; a model of another corpus,
    or of a small sample, holds far fewer, and ratios to it would mean nothing.

    Parameters
    ----------
    floor, reference : gensim.models.KeyedVectors
        Only their keys are read.
    min_share : float, default=MIN_FLOOR_SHARE
        The least share of the reference's words that `floor` must hold, in (0, 1]; below it,
        :class:`NoSharedVocabularyError` (naming the models as `floor_name` and `reference_name`).

    Examples
    --------
    >>> reference, other = KeyedVectors(2), KeyedVectors(2)
    >>> reference.add_vectors(["a", "b", "c", "d"], np.eye(4, 2))
    >>> other.add_vectors(["a", "x", "y", "z"], np.eye(4, 2))
    >>> check_noise_floor(other, reference, min_share=0.25)
    0.25
    >>> check_noise_floor(other, reference)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gensim_merge.errors.NoSharedVocabularyError: the noise floor holds 1 of the reference's 4 words (25.0%): ...
    """
    check_keyed_vectors(floor, "floor")
    check_keyed_vectors(reference, "reference")
    min_share = check_real(min_share, "min_share", low=0, high=1, low_open=True)
    n_shared = len(reference.key_to_index.keys() & floor.key_to_index.keys())
    share = n_shared / max(len(reference), 1)
    if share < min_share:
        raise NoSharedVocabularyError(
            f"{floor_name} holds {n_shared} of {reference_name}'s {len(reference)} words "
            f"({share:.1%}): a noise floor is a second training of the reference's own corpus (e.g. another seed), "
            f"which holds its words (at least {min_share:.0%} of them is asked); give such a model")
    return share


def closeness(model: KeyedVectors, reference: KeyedVectors, *, groups: Mapping[str, Iterable[str]] | None = None,
              topn: int = 10, max_words_per_group: int | None = 2000, n_pairs: int = 20000, seed: int = 0,
              chunk_size: int = 256) -> ClosenessReport:
    """Measure how close a model is to a reference, per group of words and overall.

    Parameters
    ----------
    model, reference : gensim.models.KeyedVectors
        The model under test and the one it should resemble. Same vector size. Only read.
    groups : mapping of str to iterable of str, optional
        Named word groups, e.g. ``{"A-only": ..., "B-only": ..., "shared": ...}``. Words missing from
        either model are skipped and counted; duplicates count once. The name ``"overall"`` is
        reserved for the row over the whole shared vocabulary, which is always added last.
    topn : int, default=10
        Neighbours compared per word.
    max_words_per_group : int or None, default=2000
        Evaluate the neighbours of at most this many words per group (a seeded sample); None for all.
    n_pairs : int, default=20000
        Random word pairs per group for the similarity correlation.
    seed : int, default=0
        Seed of all sampling; each group draws from its own stream, keyed by its name.
    chunk_size : int, default=256
        Queries per matrix product (see :func:`neighbour_overlap`).

    Returns
    -------
    ClosenessReport

    Raises
    ------
    OptionError
        A numeric option out of its range, or a group called ``"overall"`` (checked before any work).
    NoSharedVocabularyError
        The models share fewer than ``topn + 1`` words.
    DimensionMismatchError, EmptyModelError, IncompatibleModelError, NonFiniteVectorsError
        Invalid models.

    Notes
    -----
    The words of each group are ordered by their position in `reference` before sampling, so the
    result does not depend on the iteration order of the iterables given (sets included).

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> rng = np.random.default_rng(0)
    >>> reference, model = KeyedVectors(4), KeyedVectors(4)
    >>> reference.add_vectors([f"w{i}" for i in range(30)], rng.normal(size=(30, 4)))
    >>> model.add_vectors([f"w{i}" for i in range(20)], rng.normal(size=(20, 4)))
    >>> report = closeness(model, reference, groups={"low": ["w1", "w2", "w3", "w25"]}, topn=3)
    >>> report.coverage, report["low"].n_words, report["low"].n_skipped
    (0.6666666666666666, 3, 1)
    """
    topn, max_words_per_group, n_pairs, seed, chunk_size = check_options_of(
        "closeness", topn=topn, max_words_per_group=max_words_per_group, n_pairs=n_pairs, seed=seed,
        chunk_size=chunk_size).values()
    groups = _checked_groups(groups)
    space = SharedSpace(model, reference)
    members, skipped = {}, {}
    for name, words in groups.items():
        positions, n_missing = space.positions(dict.fromkeys(words), strict=False)
        members[name], skipped[name] = np.unique(positions), n_missing
    members[OVERALL], skipped[OVERALL] = np.arange(len(space), dtype=np.intp), space.n_reference - len(space)

    samples, correlations = _sample_groups(space, members, max_words_per_group, n_pairs, seed)
    # one batched neighbour search for every group's sample
    overlaps = space.overlap(np.concatenate(list(samples.values())), topn, chunk_size)
    bounds = np.cumsum([0] + [len(s) for s in samples.values()])
    rows = []
    for k, name in enumerate(samples):
        values = overlaps[bounds[k]:bounds[k + 1]]
        rows.append(GroupCloseness(
            name=name,
            n_words=len(members[name]),
            n_skipped=int(skipped[name]),
            n_evaluated=len(values),
            nn_overlap=float(values.mean()) if len(values) else math.nan,
            spearman=correlations[name],
        ))
    report = ClosenessReport(
        groups=tuple(rows), coverage=len(space) / space.n_reference, n_shared=len(space), n_model=space.n_model,
        n_reference=space.n_reference, topn=topn, n_pairs=n_pairs, seed=seed,
    )
    logger.info(
        "closeness over %d shared words (coverage %.3f): nn@%d %.3f, rho %.3f",
        len(space), report.coverage, topn, report.overall.nn_overlap, report.overall.spearman,
    )
    return report


class _BelowWarning(logging.Filter):
    def filter(self, record):
        return record.levelno >= logging.WARNING


def standard_scores(model: KeyedVectors, *, restrict_vocab: int = 300000,
                    analogy_restrict_vocab: int = 30000) -> dict[str, float]:
    """Score a model on WordSim-353, SimLex-999 and the Google analogies, with gensim's evaluators.

    Parameters
    ----------
    model : gensim.models.KeyedVectors
        Model to score; only read. "Most frequent" below means the first keys of
        ``model.index_to_key``, as gensim assumes (a vocabulary sorted by descending count).
    restrict_vocab : int, default=300000
        Word pairs are looked up among this many most frequent words.
    analogy_restrict_vocab : int, default=30000
        Analogies are only asked, and answered, among this many most frequent words.

    Returns
    -------
    dict
        ``wordsim353`` and ``simlex999``: Spearman ρ with the human scores (NaN if no pair is in
        the vocabulary); ``wordsim353_oov`` and ``simlex999_oov``: share of pairs skipped as
        out-of-vocabulary; ``analogies``: accuracy over the questions asked (NaN if none);
        ``analogies_coverage``: share of the questions asked.

    Raises
    ------
    OptionError
        `restrict_vocab` or `analogy_restrict_vocab` is not an integer >= 1 (checked before any work).
    EmptyModelError, IncompatibleModelError
        Invalid model.

    Notes
    -----
    The data files are the copies bundled with gensim (:func:`gensim.test.utils.datapath`). Words are
    matched case-insensitively. gensim's per-line INFO logging is suppressed during the evaluation.
    These scores measure agreement with human judgements, not closeness to a reference model.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["king", "queen", "man", "woman"], np.eye(4, 3) + 0.1)
    >>> scores = standard_scores(kv)
    >>> sorted(scores)
    ['analogies', 'analogies_coverage', 'simlex999', 'simlex999_oov', 'wordsim353', 'wordsim353_oov']
    >>> scores["analogies_coverage"] > 0
    True
    """
    from gensim.test.utils import datapath

    restrict_vocab, analogy_restrict_vocab = check_options_of(
        "standard_scores", restrict_vocab=restrict_vocab, analogy_restrict_vocab=analogy_restrict_vocab).values()
    check_keyed_vectors(model, "model")
    view = _evaluation_view(model)
    scores = {}
    with _quiet("gensim.models.keyedvectors"), warnings.catch_warnings():
        # scipy warns about (near-)constant inputs when a tiny model knows almost no pair
        warnings.simplefilter("ignore", category=RuntimeWarning)
        for name, filename in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
            try:
                _, spearman, oov_percent = view.evaluate_word_pairs(
                    datapath(filename), restrict_vocab=restrict_vocab
                )
                scores[name], scores[f"{name}_oov"] = float(spearman[0]), oov_percent / 100.0
            except ValueError:  # gensim raises it when every pair is out of vocabulary
                scores[name], scores[f"{name}_oov"] = math.nan, 1.0
        path = datapath("questions-words.txt")
        _, sections = view.evaluate_word_analogies(path, restrict_vocab=analogy_restrict_vocab)
    total = sections[-1]
    asked = len(total["correct"]) + len(total["incorrect"])
    scores["analogies"] = len(total["correct"]) / asked if asked else math.nan
    scores["analogies_coverage"] = asked / _count_analogies(path)
    logger.info(
        "standard scores: WS353 %.3f (oov %.2f), SimLex %.3f (oov %.2f), analogies %.3f (coverage %.2f)",
        scores["wordsim353"], scores["wordsim353_oov"], scores["simlex999"], scores["simlex999_oov"],
        scores["analogies"], scores["analogies_coverage"],
    )
    return {key: scores[key] for key in sorted(scores)}


def _number(value, digits=3):
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


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


def _group_rng(seed, name):
    # Seeded per group name (crc32 is stable across processes, unlike hash()), so adding or
    # reordering groups leaves every other group's sample unchanged.
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf8"))])


def _checked_groups(groups):
    """`groups` as a dict of name to iterable of words; raise on a name that is not a str or is reserved."""
    if groups is None:
        return {}
    if not isinstance(groups, Mapping):
        raise OptionTypeError(f"groups must be a mapping of group name to words, got {type(groups).__name__}",
                              option="groups", value=groups, allowed="a mapping of str to words")
    checked = {}
    for name, words in groups.items():
        if not isinstance(name, str):
            raise OptionTypeError(f"group names must be str, got {type(name).__name__} ({name!r})",
                                  option="groups", value=name, allowed="str names")
        if name == OVERALL:
            raise OptionError(
                f"the group name {OVERALL!r} is reserved for the row over the whole shared vocabulary; "
                "rename that group", option="groups", value=name, allowed=f"any name but {OVERALL!r}")
        checked[name] = [words] if isinstance(words, str) else words
    return checked


def _sample_groups(space, members, max_words_per_group, n_pairs, seed):
    """Per group: the sample of words whose neighbours are compared, and the pair-cosine correlation."""
    samples, correlations = {}, {}
    for name, positions in members.items():
        rng = _group_rng(seed, name)
        if max_words_per_group is not None and len(positions) > max_words_per_group:
            positions = np.sort(rng.choice(positions, size=max_words_per_group, replace=False))
        samples[name] = positions
        if len(members[name]) >= 2:
            cosines = space.pair_cosines(members[name], n_pairs, rng)
            correlations[name] = spearman(cosines[0], cosines[1])
        else:
            correlations[name] = math.nan
    return samples, correlations


@contextlib.contextmanager
def _quiet(logger_name):
    """Drop INFO/DEBUG records of one logger for the duration (gensim logs every skipped pair)."""
    target, drop = logging.getLogger(logger_name), _BelowWarning()
    target.addFilter(drop)
    try:
        yield
    finally:
        target.removeFilter(drop)


@functools.cache
def _count_analogies(path):
    with open(path, encoding="utf8") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith(": "))


def _evaluation_view(model):
    """A plain KeyedVectors sharing the model's arrays, so gensim's evaluators (which fill norms and
    temporarily swap key_to_index) never touch the caller's object."""
    view = KeyedVectors(model.vector_size, count=0, dtype=model.vectors.dtype)
    view.vectors = model.vectors
    view.index_to_key = model.index_to_key
    view.key_to_index = model.key_to_index
    view.norms = None
    return view
