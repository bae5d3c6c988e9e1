"""How close is a word-vector model to a reference model?

The questions this module answers are the ones gensim-merge is judged by: after aligning, merging or
continuing a model, how much does it look like the model that *joint training* on all corpora would
have given? Two complementary measures, both computed only over the words the two models share:

- **neighbour overlap** (``nn@k``): the share of a word's ``k`` nearest cosine neighbours that are the
  same in both models. Local structure; sensitive to every word that moves.
- **similarity correlation** (``ρ``): the Spearman correlation between the cosines of random word pairs
  in the two models. Global structure; a rotation, scaling or any other similarity-preserving change
  leaves it at 1.

:func:`closeness` computes both per word group (e.g. words seen only in corpus A, only in B, in both)
and returns a :class:`ClosenessReport`; :func:`fidelity_ratio` divides its overlaps by those of a noise
floor (a second training of the reference). The standard scores (agreement with human judgements) are in
:mod:`gensim_merge.scores`.

Everything works on any :class:`gensim.models.KeyedVectors`, subclasses included; the models are only
read. Neighbour search is vectorised: the shared rows of both models are normalised once, queries are
multiplied against the shared matrix in chunks, and the top-k comes from :func:`numpy.argpartition`.
No vocabulary-by-vocabulary matrix is ever built.

Examples
--------
>>> import numpy as np
>>> from gensim.models import KeyedVectors
>>> from gensim_merge.fidelity import closeness
>>> rng = np.random.default_rng(0)
>>> words = [f"w{i}" for i in range(50)]
>>> reference = KeyedVectors(8)
>>> reference.add_vectors(words, rng.normal(size=(50, 8)))
>>> rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
>>> model = KeyedVectors(8)
>>> model.add_vectors(words, reference.vectors @ rotation)
>>> report = closeness(model, reference, topn=5)
>>> round(report.overall.nn_overlap, 3), round(report.overall.spearman, 3), report.coverage
(1.0, 1.0, 1.0)
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Iterable, Mapping

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge._closeness_report import OVERALL, ClosenessReport, GroupCloseness, fidelity_ratio
from gensim_merge._shared_space import SharedSpace, shared_indices, spearman
from gensim_merge._validation import check_keyed_vectors, check_options_of, check_real
from gensim_merge.errors import NoSharedVocabularyError, OptionError, OptionTypeError

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
]

logger = logging.getLogger(__name__)

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


def _group_rng(seed, name):
    # Seeded per group name (crc32 is stable across processes, unlike hash()), so adding or
    # reordering groups leaves every other group's sample unchanged.
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf8"))])


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
