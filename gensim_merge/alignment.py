"""Fitting a map from one embedding space to another, and applying it to whole models.

The core works on plain arrays and knows nothing about words: :func:`fit_orthogonal` and
:func:`fit_linear` solve the two classic problems (in ``_procrustes``), :func:`fit_alignment` adds the
preprocessing, the robust refit that trims anchors used in a different sense (``_trimming``, over the block
products of ``_anchor_products``), and the held-out estimate of quality, and returns an :class:`Alignment` —
the fitted map as explicit data that can be inspected, applied again and saved. :func:`fit_between` does the
whole job for two models: it resolves the anchors and fits, with the options of one :class:`AlignOptions`
(the single definition of every alignment option, its default and its range).

References
----------
The solvers' own references are in ``_procrustes``.

.. [1] Xing, C., Wang, D., Liu, C., Lin, Y. (2015). Normalized word embedding and orthogonal transform
   for bilingual word translation. NAACL.
.. [2] Hamilton, W. L., Leskovec, J., Jurafsky, D. (2016). Diachronic word embeddings reveal statistical
   laws of semantic change. ACL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from gensim.models import KeyedVectors

from gensim_merge._align_options import AlignOptions, AlignOptionsLike
from gensim_merge._alignment_data import DEFAULT_CHUNK_SIZE, Alignment, AlignmentReport
from gensim_merge._anchor_products import as_work, row_cosines, row_dots, unit_rows
from gensim_merge._procrustes import ALIGNERS, fit_linear, fit_orthogonal, warn_underdetermined
from gensim_merge._trimming import robust_fit
from gensim_merge._typing import AlignMethod
from gensim_merge._validation import (
    RIDGE_PER_SQUARED_NORM,
    check_finite_rows,
    check_keyed_vectors,
    check_options_of,
    check_same_dim,
)
from gensim_merge.anchors import resolve_anchors
from gensim_merge.errors import AnchorError, DimensionMismatchError, OptionError

__all__ = [
    "ALIGNERS",
    "DEFAULT_CHUNK_SIZE",
    "AlignOptions",
    "Alignment",
    "AlignmentReport",
    "fit_alignment",
    "fit_between",
    "fit_linear",
    "fit_orthogonal",
]

logger = logging.getLogger(__name__)

#: Below this many anchors, robust trimming and the held-out estimate are skipped (too few to spare).
MIN_ANCHORS_FOR_STATISTICS = 50




def _precision_at_1(mapped, targets, target_words=None):
    """Share of the mapped rows whose nearest row of `targets` (by cosine) is their own pair.

    Row ``i`` of `mapped` pairs with row ``i`` of `targets` (the held-out target anchors, already centred
    where the fit centres). A retrieved row naming the same target word counts as a hit (a dictionary may
    pair one target word with several source words). Scored in float32; ties go to the first candidate.
    """
    best = (unit_rows(mapped) @ unit_rows(targets).T).argmax(axis=1)
    if target_words is None:
        return float(np.mean(best == np.arange(best.size)))
    return sum(target_words[b] == target_words[i] for i, b in enumerate(best)) / best.size


def _working_dtype(*arrays):
    """float32 when every array is float32 or narrower (vectors as gensim stores them), else float64."""
    if all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _word(words, i):
    return f"#{i}" if words is None else words[i]


def _anchor_rows(X, rows, dtype):
    """The rows `rows` of X as a `dtype` array: a view where they are consecutive (no copy), else gathered."""
    consecutive = rows.size > 0 and rows[-1] - rows[0] + 1 == rows.size and bool(np.all(np.diff(rows) == 1))
    return np.asarray(X[rows[0]:rows[-1] + 1] if consecutive else X[rows], dtype=dtype)


def _checked_norms(X, words, what):
    """Squared norms of the rows of X (float64); a row holding NaN or inf raises, naming its word."""
    sq = row_dots(X, X)
    if not np.isfinite(sq).all():
        check_finite_rows(X, words, what)
    return sq


def fit_alignment(
    source_anchors: npt.ArrayLike, target_anchors: npt.ArrayLike, *, method: AlignMethod = AlignOptions.method,
    center: bool = AlignOptions.center, normalize: bool = AlignOptions.normalize, ridge: float = AlignOptions.ridge,
    trim: bool = AlignOptions.trim, trim_threshold: float = AlignOptions.trim_threshold, max_rounds: int = 2,
    heldout: float = AlignOptions.heldout, seed: int | None = AlignOptions.seed,
    source_words: Sequence[str] | None = None, target_words: Sequence[str] | None = None, n_shifted: int = 20,
    n_missing: int = 0, source_rows: npt.ArrayLike | None = None, target_rows: npt.ArrayLike | None = None,
) -> Alignment:
    """Fit a map from paired anchor vectors.

    The options shared with :class:`AlignOptions` have its defaults and ranges (checked first).

    Parameters
    ----------
    source_anchors, target_anchors : (n, d) array_like
        Row ``i`` of each is one anchor pair; or, with `source_rows` and `target_rows`, two whole models.
    method : {"orthogonal", "linear"}, optional
        The map to fit (:data:`ALIGNERS`).
    center : bool, optional
        Subtract each side's anchor mean before fitting (and add the target's back after mapping).
    normalize : bool, optional
        Fit on unit-length anchors, so that frequent words with long vectors do not dominate the fit.
        The map is then applied to the vectors as they are (norms kept) and a global ``scale`` brings them
        to the target's scale.
    ridge : float, optional
        Regularisation of ``method="linear"``.
    trim : bool, optional
        Refit after dropping anchors whose residual ``1 − cos`` exceeds the median by more than
        `trim_threshold` robust standard deviations (MAD). Skipped with fewer than 50 anchors.
    trim_threshold : float, optional
    max_rounds : int, optional
        Fits at most (>= 1): 2 (the default) fits, trims once and refits; more repeat the trimming until the
        trimmed set is stable, at one more pass over the anchors per round.
    heldout : float, optional
        Share of anchors (at most 2000) kept out of the fit to estimate quality: their mean cosine after
        mapping, and their precision@1 (the share whose nearest held-out target anchor is their own pair).
        0 disables it. Skipped with fewer than 50 anchors.
    seed : int, optional
        Seeds the held-out draw.
    source_words, target_words : sequence of str, optional
        The anchors' words, for the report.
    n_shifted : int, optional
        How many most-shifted anchors the report lists (>= 0).
    n_missing : int, optional
        Recorded in the report (>= 0).
    source_rows, target_rows : (n,) array of int, optional
        Fit on the pairs ``(source_anchors[source_rows[i]], target_anchors[target_rows[i]])``: the models'
        anchor rows are read where they are (a memory-mapped model included) instead of being copied out
        by the caller first.

    Returns
    -------
    Alignment

    Raises
    ------
    AnchorError
        Fewer than 2 usable anchors (pairs with an all-zero vector are dropped, with a warning), or shapes
        that do not pair up.
    DimensionMismatchError
        Source and target anchors of different widths.
    NonFiniteVectorsError
        NaN or inf in an anchor.
    OptionError
        An option out of its range (see :class:`AlignOptions`).

    Notes
    -----
    Cost, for the default orthogonal fit on n anchors of d dimensions: the anchors are read in place where
    their rows are consecutive in both models and gathered once otherwise, their
    (d, n)·(n, d) cross product is formed once (block products in the anchors' dtype, summed in float64)
    and downdated by the trimmed anchors, and the anchors' cosines under the first map cost one
    (n, d)·(d, d) product; the refit needs none (see ``gensim_merge._trimming.robust_fit``). The held-out
    anchors are scored against each other ((h, d)·(d, h), h ≤ 2000). Maps are always solved in float64;
    other input dtypes than float32 (or narrower) are worked in float64 throughout.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype(np.float32)
    >>> Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    >>> alignment = fit_alignment(X @ Q, X)
    >>> bool(np.allclose(alignment.matrix, Q.T, atol=1e-5)), alignment.report.n_used
    (True, 180)
    """
    options = AlignOptions(method=method, center=center, normalize=normalize, ridge=ridge, trim=trim,
                           trim_threshold=trim_threshold, heldout=heldout, seed=seed)
    method, center, normalize, ridge = options.method, options.center, options.normalize, options.ridge
    trim, trim_threshold, heldout, seed = options.trim, options.trim_threshold, options.heldout, options.seed
    max_rounds, n_shifted, n_missing = check_options_of(
        "fit_alignment", max_rounds=max_rounds, n_shifted=n_shifted, n_missing=n_missing).values()
    A = np.asanyarray(source_anchors)
    B = np.asanyarray(target_anchors)
    if A.ndim != 2 or B.ndim != 2:
        raise AnchorError(f"anchor arrays must be 2-D (n, d), got shapes {A.shape} and {B.shape}")
    if A.shape[1] != B.shape[1]:
        raise DimensionMismatchError(
            f"source and target anchors have different widths ({A.shape[1]},) vs ({B.shape[1]},); "
            "both models must have the same vector_size"
        )
    if (source_rows is None) != (target_rows is None):
        raise ValueError("pass both source_rows and target_rows, or neither")
    if source_rows is None:
        if A.shape[0] != B.shape[0]:
            raise AnchorError(f"anchor arrays must pair up row by row, got {A.shape[0]} and {B.shape[0]} rows")
        source_rows = target_rows = np.arange(A.shape[0])
    source_rows, target_rows = np.asarray(source_rows, dtype=np.intp), np.asarray(target_rows, dtype=np.intp)
    if source_rows.shape != target_rows.shape or source_rows.ndim != 1:
        raise AnchorError(
            f"source_rows and target_rows must be two 1-D index arrays of one length, got shapes "
            f"{source_rows.shape} and {target_rows.shape}"
        )
    n, d = source_rows.size, A.shape[1]
    if n < 2:
        raise AnchorError(
            f"an alignment needs at least 2 anchor pairs, got {n}; pass more anchors "
            "(anchors=None uses every word the two models share)"
        )
    if target_words is None:
        target_words = source_words

    enough = n >= MIN_ANCHORS_FOR_STATISTICS
    held = np.zeros(n, dtype=bool)
    if enough and heldout > 0:
        held[np.random.default_rng(seed).permutation(n)[:max(1, min(round(n * heldout), 2000))]] = True
    work = _working_dtype(A, B)
    A, B = _anchor_rows(A, source_rows, work), _anchor_rows(B, target_rows, work)
    norms = _checked_norms(A, source_words, "the source model"), _checked_norms(B, target_words, "the target model")
    nonzero = (norms[0] > 0) & (norms[1] > 0)
    _drop_zero_pairs(nonzero, held, source_words, target_words)
    fit_valid = nonzero & ~held
    if fit_valid.sum() < 2:
        raise AnchorError(
            f"heldout={heldout} holds out {int(held.sum())} of {n} anchor pairs, which leaves "
            f"{int(fit_valid.sum())} to fit on; an alignment needs at least 2: lower heldout or pass more anchors"
        )
    if ridge:
        _check_ridge(ridge, A, norms[0], fit_valid, center, normalize)
    if method == "orthogonal" and fit_valid.sum() < d:
        warn_underdetermined(int(fit_valid.sum()), d, "fewer pairs than dimensions", method)

    matrix, scale, mu_s, mu_t, mask, cosines, mean_cosine = robust_fit(
        A, B, norms, fit_valid, method, center, normalize, ridge, trim and enough, trim_threshold, max_rounds,
        n_shifted,
    )
    held_rows = np.flatnonzero(held & nonzero)
    heldout_cosine = heldout_p1 = None
    if held_rows.size:
        mapped = as_work(A[held_rows], mu_s if center else None, work) @ matrix.astype(work)
        paired = as_work(B[held_rows], mu_t if center else None, work)
        heldout_cosine = float(row_cosines(mapped, paired).mean())
        held_words = None if target_words is None else [target_words[i] for i in held_rows.tolist()]
        heldout_p1 = _precision_at_1(mapped, paired, held_words)

    def named(positions):
        return tuple((_word(source_words, i), _word(target_words, i), float(cosines[i])) for i in positions)

    fitted = np.flatnonzero(fit_valid)
    order = fitted[np.argsort(cosines[fitted], kind="stable")]
    report = AlignmentReport(
        method=method, n_anchors=int(nonzero.sum()), n_used=int(mask.sum()),
        trimmed=named(order[~mask[order]]), mean_cosine=mean_cosine, heldout_cosine=heldout_cosine,
        heldout_precision_at_1=heldout_p1, n_heldout=int(held_rows.size), most_shifted=named(order[:n_shifted]),
        scale=scale, center=center, normalize=normalize, n_missing=n_missing,
    )
    logger.info(
        "fitted %s map on %i of %i anchors (%i trimmed, %i held out): mean cosine %.4f, held-out %s",
        method, report.n_used, report.n_anchors, len(report.trimmed), report.n_heldout, report.mean_cosine,
        "n/a" if heldout_cosine is None else f"{heldout_cosine:.4f}",
    )
    return Alignment(method, matrix, scale, mu_s, mu_t, report)


def _check_ridge(ridge, A, source_sq, rows, center, normalize):
    """Refuse a ridge so large against the fitted anchors' total squared norm that the linear map vanishes.

    The map is ``(AᵀA + ridge·I)⁻¹ AᵀB``: once ridge is far above ``trace(AᵀA)`` it is ``AᵀB / ridge``, the same
    map shrunk, and mapped vectors underflow to zero (every word then maps onto the same point). Up to
    :data:`RIDGE_PER_SQUARED_NORM` times the trace they keep ~1e-8 of their length, which the global scale
    restores; a larger ridge would change nothing but that.
    """
    if normalize:
        trace = float(np.count_nonzero(rows))
    else:
        trace = float(source_sq[rows].sum())
        if center:
            mean = A[np.flatnonzero(rows)].mean(axis=0, dtype=np.float64)
            trace -= np.count_nonzero(rows) * float(mean @ mean)
    limit = RIDGE_PER_SQUARED_NORM * trace
    if not ridge <= limit:
        raise OptionError(
            f"ridge={ridge:g} is more than {RIDGE_PER_SQUARED_NORM:g} times the fitted anchors' total squared norm "
            f"({trace:.6g}): the linear map would shrink every vector to zero (a larger ridge changes nothing but "
            f"that); use ridge <= {limit:.6g}", option="ridge", value=ridge, allowed=f"in [0, {limit:.6g}]")


def _drop_zero_pairs(nonzero, held, source_words, target_words):
    """Log the pairs with an all-zero vector (they have no direction to fit); raise when fewer than 2 are left."""
    n_zero = int((~nonzero).sum())
    if not n_zero:
        return
    first = int(np.argmin(nonzero))
    example = (_word(source_words, first), _word(target_words, first))
    if n_zero == nonzero.size:
        raise AnchorError(
            f"all {nonzero.size} anchor pairs have an all-zero vector in the source or the target model (e.g. "
            f"{example}); a zero vector has no direction to align: check that the models are trained and loaded "
            "correctly, or pass anchors=... naming words with non-zero vectors"
        )
    logger.warning("dropping %i of %i anchor pairs with an all-zero vector (e.g. %s)", n_zero, nonzero.size, example)
    if (nonzero & ~held).sum() < 2:
        raise AnchorError(
            f"only {int((nonzero & ~held).sum())} anchor pair(s) without an all-zero vector are left to fit on; "
            "an alignment needs at least 2: pass more anchors"
        )


def fit_between(source: KeyedVectors, target: KeyedVectors, options: AlignOptionsLike = None) -> Alignment:
    """Fit the map from `source`'s space into `target`'s: resolve the anchors, then :func:`fit_alignment`.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
        Plain gensim ones or MergeableKeyedVectors, of one vector size. Only read.
    options : AlignOptions or dict, optional
        The options (a dict is checked through :class:`AlignOptions`); default ``AlignOptions()``.

    Returns
    -------
    Alignment
        Apply it with :meth:`Alignment.apply` (or :meth:`MergeableKeyedVectors.apply_alignment`).

    Raises
    ------
    OptionError
        A bad option (before anything is read from the models).
    IncompatibleModelError, EmptyModelError, DimensionMismatchError, AnchorError, NonFiniteVectorsError

    Examples
    --------
    >>> from gensim.models import KeyedVectors
    >>> rng = np.random.default_rng(0)
    >>> words = [f"w{i}" for i in range(60)]
    >>> target, source = KeyedVectors(4), KeyedVectors(4)
    >>> target.add_vectors(words, rng.normal(size=(60, 4)))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> source.add_vectors(words, target.vectors @ Q)
    >>> alignment = fit_between(source, target, AlignOptions(anchor_min_count=0, heldout=0))
    >>> bool(np.allclose(alignment.matrix, Q.T, atol=1e-5))
    True
    """
    options = AlignOptions.from_any(options)
    check_keyed_vectors(source, "source")
    check_keyed_vectors(target, "target")
    check_same_dim(source, target)
    resolved = resolve_anchors(source, target, options.anchors, n_anchors=options.n_anchors,
                               min_count=options.anchor_min_count, on_missing=options.on_missing)
    return fit_alignment(
        source.vectors, target.vectors, source_rows=resolved.source_index, target_rows=resolved.target_index,
        method=options.method, center=options.center, normalize=options.normalize, ridge=options.ridge,
        trim=options.trim, trim_threshold=options.trim_threshold, heldout=options.heldout, seed=options.seed,
        source_words=resolved.source_words, target_words=resolved.target_words, n_missing=resolved.n_missing,
    )
