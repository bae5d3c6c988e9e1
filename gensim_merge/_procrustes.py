"""Fitting a map between two sets of anchor vectors: the solvers and the robust refit.

The orthogonal (Procrustes), general linear and ridge solvers, their under-determination check, the robust
refit that trims anchors used in a different sense, and the row-wise products (norms, cosines) that the fits,
the trimming and the reports share. Everything here works on plain float arrays; :mod:`gensim_merge.alignment`
chooses the anchors, prepares them and wraps the result in an ``Alignment``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

__all__ = ["ALIGNERS", "fit_linear", "fit_orthogonal"]


#: Rows per block in the anchor products (bounds their temporaries, keeps float32 sums short).
_BLOCK_ROWS = 2048


def row_dots(X, Y):
    """Dot product of each row of X with the same row of Y (no (n, d) temporary), as float64."""
    return np.einsum("ij,ij->i", X, Y).astype(np.float64, copy=False)


def cosines_from_dots(dots, x_sq, y_sq):
    """Cosines from row dot products and squared row norms (0 where a row is zero)."""
    den = np.sqrt(x_sq * y_sq)
    return np.divide(dots, den, out=np.zeros_like(dots), where=den > 0)


def row_cosines(X, Y):
    """Cosine of each row of X with the same row of Y (0 where a row is zero), as float64."""
    return cosines_from_dots(row_dots(X, Y), row_dots(X, X), row_dots(Y, Y))


def prepared(X, mean, normalize, dtype=np.float64):
    """A new array: the rows of X minus `mean` (None: nothing), at unit length if `normalize`, as `dtype`.

    The arithmetic is done in float64 (no cancellation when the mean is large), the result rounded once.
    """
    out = np.array(X, dtype=np.float64)
    if mean is not None:
        out -= mean
    if normalize:
        norms = np.sqrt(np.einsum("ij,ij->i", out, out))
        norms[norms == 0] = 1.0
        out /= norms[:, None]
    return out.astype(dtype, copy=False)


def as_work(X, mean, dtype):
    """Rows X as `dtype` minus `mean` (None: nothing): a new array only where a conversion is needed.

    Callers never write into the result: it may be a view of the caller's anchors.
    """
    if mean is None:
        return np.asarray(X, dtype=dtype)
    return prepared(X, mean, False, dtype)


def cross_product(A, B, *, means=None, normalize=False, rows=None, norms=None):
    """``Σ_i prep(a_i)ᵀ prep(b_i)`` over the paired anchor rows of A and B (all, or `rows`), and their norms.

    ``prep`` subtracts ``means = (mu_s, mu_t)`` (None: nothing) and, if `normalize`, brings rows to unit
    length (by weighting each pair's product by ``1 / (|a_i| |b_i|)``, without forming the unit rows).

    Each block of :data:`_BLOCK_ROWS` pairs is multiplied in the anchors' dtype (float32 for float32
    models: the speed of the bare product) and summed into a float64 total, so rounding grows with the
    block, not with the number of anchors. How far this moves the fitted map against an all-float64 product
    on real models (far less than the anchors' own noise) is measured in ``benchmarks/RESULTS.md``.

    `norms`, the rows' squared norms ``(source_sq, target_sq)`` where the caller has them already (all rows,
    uncentred), saves computing them again.

    Returns
    -------
    cross : (d, d) ndarray of float64
    source_sq, target_sq : ndarray of float64
        Squared norms of the rows after centring (before normalising).
    """
    mu_s, mu_t = (None, None) if means is None else means
    n = A.shape[0] if rows is None else rows.size
    cross = np.zeros((A.shape[1], A.shape[1]))
    source_sq, target_sq = (np.empty(n), np.empty(n)) if norms is None else norms
    for start, stop in _blocks(n):
        idx = _block_index(start, stop, rows)
        a, b = as_work(A[idx], mu_s, A.dtype), as_work(B[idx], mu_t, B.dtype)
        if norms is None:
            source_sq[start:stop] = row_dots(a, a)
            target_sq[start:stop] = row_dots(b, b)
        a_sq, b_sq = source_sq[start:stop], target_sq[start:stop]
        if normalize:
            b = b * _inverse_lengths(a_sq, b_sq).astype(b.dtype)[:, None]
        cross += a.T @ b
    return cross, source_sq, target_sq


def residual_terms(A, B, matrix, *, means=None, rows=None, norms=None):
    """Per anchor pair (all, or `rows`): squared norms of the mapped source and of the target, and their dot.

    The map is applied block by block in the anchors' dtype: one (n, d)·(d, d) product in all, no (n, d)
    temporary. `norms`, the uncentred rows' squared norms ``(source_sq, target_sq)``, stand in for the
    mapped and target norms where the map is orthogonal (it keeps lengths) and nothing is centred.
    """
    mu_s, mu_t = (None, None) if means is None else means
    weight = matrix.astype(A.dtype)
    n = A.shape[0] if rows is None else rows.size
    dots = np.empty(n)
    mapped_sq, target_sq = (np.empty(n), np.empty(n)) if norms is None else (
        norms[0][_block_index(0, n, rows)], norms[1][_block_index(0, n, rows)])
    for start, stop in _blocks(n):
        idx = _block_index(start, stop, rows)
        x, y = as_work(A[idx], mu_s, A.dtype), as_work(B[idx], mu_t, B.dtype)
        mapped = x @ weight
        dots[start:stop] = row_dots(mapped, y)
        if norms is None:
            mapped_sq[start:stop] = row_dots(mapped, mapped)
            target_sq[start:stop] = row_dots(y, y)
    return mapped_sq, dots, target_sq


def exact_cosines(A, B, matrix, means=None, rows=None, norms=None):
    """Cosine between each mapped source anchor (all, or `rows`) and its target anchor."""
    mapped_sq, dots, target_sq = residual_terms(A, B, matrix, means=means, rows=rows, norms=norms)
    return cosines_from_dots(dots, mapped_sq, target_sq)


def unit_rows(X, mean=None, dtype=np.float32):
    """A new `dtype` array: the rows of X minus `mean` (None: nothing), at unit length (zero rows stay 0)."""
    if mean is not None or X.dtype != dtype:
        return prepared(X, mean, True, dtype)
    lengths = np.sqrt(row_dots(X, X)).astype(dtype)
    lengths[lengths == 0] = 1
    return X / lengths[:, None]


#: Smallest ratio of the extreme singular values of an anchor cross product that the fast SVD driver serves.
_WELL_CONDITIONED = 1e-6


def fit_orthogonal(A, B, *, ridge=0.0):
    """Orthogonal Procrustes: the rotation ``R`` minimising ``‖A R − B‖_F`` subject to ``Rᵀ R = I``.

    Parameters
    ----------
    A, B : (n, d) ndarray
        Paired rows (source, target). Solved in float64.
    ridge : float, optional
        Accepted for a uniform signature with :func:`fit_linear`; must be 0.

    Returns
    -------
    R : (d, d) ndarray of float64

    Notes
    -----
    ``R = U Vᵀ`` where ``U Σ Vᵀ`` is the SVD of ``Aᵀ B`` [1]_. No scaling or translation: those are the
    preprocessing of :func:`fit_alignment`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(50, 4))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> np.allclose(fit_orthogonal(A, A @ Q), Q)
    True
    """
    if ridge:
        raise ValueError(f"ridge applies to method='linear' only, got ridge={ridge} with method='orthogonal'")
    return orthogonal_from_cross(np.asarray(A, dtype=np.float64).T @ np.asarray(B, dtype=np.float64))


def orthogonal_from_cross(cross):
    """The orthogonal factor ``U Vᵀ`` of the (d, d) float64 cross product ``Aᵀ B``.

    The divide-and-conquer SVD (``gesdd``) is several times faster than ``gesvd`` and agrees with it to
    rounding where the factor is unique (``cross`` of full rank); where it is not (fewer independent anchors
    than dimensions) or nearly so (condition number above 1e6), ``gesvd`` decides, as it always has, so
    that results do not depend on the driver.
    """
    try:
        u, s, vt = scipy.linalg.svd(cross, full_matrices=False, lapack_driver="gesdd", check_finite=False)
        full_rank = s[-1] > s[0] * _WELL_CONDITIONED
    except np.linalg.LinAlgError:
        full_rank = False
    if not full_rank:
        u, _, vt = scipy.linalg.svd(cross, full_matrices=False, lapack_driver="gesvd")
    return u @ vt


def fit_linear(A, B, *, ridge=0.0):
    """General linear map: the ``W`` minimising ``‖A W − B‖_F² + ridge ‖W‖_F²``.

    Parameters
    ----------
    A, B : (n, d) ndarray
        Paired rows (source, target). Solved in float64.
    ridge : float, optional
        Tikhonov regularisation; 0 gives the minimum-norm least-squares solution (as gensim's
        TranslationMatrix computes it).

    Returns
    -------
    W : (d, d) ndarray of float64

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A, W = rng.normal(size=(50, 3)), rng.normal(size=(3, 3))
    >>> np.allclose(fit_linear(A, A @ W), W)
    True
    """
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if ridge == 0:
        W, _, rank, _ = np.linalg.lstsq(A, B, rcond=None)
        if rank < A.shape[1]:
            warn_underdetermined(A.shape[0], A.shape[1], f"the anchors span only {rank} dimensions", "linear")
        return W
    gram = A.T @ A
    gram[np.diag_indices_from(gram)] += ridge
    return scipy.linalg.solve(gram, A.T @ B, assume_a="pos")


#: The fitting methods by name.
ALIGNERS = {"orthogonal": fit_orthogonal, "linear": fit_linear}


def warn_underdetermined(n, d, detail, method):
    other = " or use method='orthogonal'" if method != "orthogonal" else ""
    warnings.warn(
        f"fitting a {d}-dimensional {method} map on {n} anchor pairs is underdetermined ({detail}): "
        f"the map is fixed only on the anchors' span; add anchors (e.g. anchors=None for all shared words){other}",
        UserWarning,
        stacklevel=4,
    )


_MAD_TO_SIGMA = 1.4826  # median absolute deviation of a normal distribution, in standard deviations
#: Smallest robust spread of the residuals (1 - cos) used for trimming: a near-perfect fit (a rotated copy)
#: has residuals of 1e-16 whose MAD would otherwise make rounding noise look "far out".
MIN_RESIDUAL_SIGMA = 0.01
#: Allowance for float32 rounding in anchor cosines when bounding how far a refit can move them.
_COSINE_ROUNDING = 1e-4


def robust_fit(A, B, norms, valid, method, center, normalize, ridge, trim, trim_threshold, max_rounds, n_lowest):
    """Fit on the `valid` anchor pairs (rows of A and B), trim those far out (median + k·MAD) and refit.

    Refits repeat while the trimmed set changes, up to `max_rounds` fits in all (default 2: fit, trim, refit).

    Rows outside `valid` (held out, or all-zero) take no part in the fit; `norms` are the rows' squared norms.

    Returns ``(matrix, scale, mu_s, mu_t, mask, cosines, mean_cosine)``: ``mask`` marks the pairs the map
    was fitted on, ``cosines`` are under the final map (exact for every pair the report names, see
    :func:`_cosines_for_report`), ``mean_cosine`` is over the fitted pairs.

    Maps are solved in float64 from float64 totals of block products run in the anchors' dtype. The default
    (orthogonal, uncentred, unit-length) fit forms the cross product once and downdates it by the trimmed
    pairs, and after the last refit it does not map all anchors again: that map differs from the previous
    one by ``delta = ‖R_new − R_old‖₂``, which moves every cosine by at most delta, so only the pairs the
    report names (trimmed, or within 2·delta of the lowest) are recomputed, and the mean cosine of the
    fitted pairs is read off the cross product (``⟨R, Σ âᵢᵀ b̂ᵢ⟩ / n``). With the default two rounds (fit,
    trim, refit) that is one pass over the anchors for the residuals. Other settings recompute every
    cosine every round.
    """
    d = A.shape[1]
    mask = valid.copy()
    incremental = method == "orthogonal" and not center
    bounded = incremental and normalize
    rounds = max_rounds if trim else 1
    mu_s = mu_t = np.zeros(d)
    means = None
    previous = None  # (matrix, exact cosines) of the previous round
    source_sq, target_sq = norms
    if incremental:
        # all pairs at once (a view of consecutive anchors is read in place), less the held-out ones
        valid_cross = cross_product(A, B, normalize=normalize, norms=norms)[0]
        held = np.flatnonzero(~valid & (source_sq > 0) & (target_sq > 0))
        if held.size:
            valid_cross -= cross_product(A, B, normalize=normalize, rows=held)[0]
    for round_ in range(rounds):
        if incremental:
            trimmed = np.flatnonzero(valid & ~mask)
            cross = valid_cross
            if trimmed.size:
                cross = valid_cross - cross_product(A, B, normalize=normalize, rows=trimmed)[0]
            matrix = orthogonal_from_cross(cross)
        else:
            kept = np.flatnonzero(mask)
            if center:
                mu_s = A[kept].mean(axis=0, dtype=np.float64)
                mu_t = B[kept].mean(axis=0, dtype=np.float64)
                means = (mu_s, mu_t)
            if method == "orthogonal":
                matrix = orthogonal_from_cross(cross_product(A, B, means=means, normalize=normalize, rows=kept)[0])
            else:
                matrix = ALIGNERS[method](
                    prepared(A[kept], mu_s if center else None, normalize),
                    prepared(B[kept], mu_t if center else None, normalize),
                    ridge=ridge,
                )
        if bounded and previous is not None and round_ == rounds - 1:
            # the last refit: no trimming decision is left to make, only the report's cosines
            cosines = _cosines_for_report(A, B, matrix, previous, mask, valid, n_lowest)
            mean_cosine = float(np.sum(matrix * cross)) / int(mask.sum())
            scale = float(np.sqrt(target_sq[mask].sum() / source_sq[mask].sum()))
            return matrix, scale, mu_s, mu_t, mask, cosines, mean_cosine
        mapped_sq, dots, centred_target_sq = residual_terms(
            A, B, matrix, means=means, norms=norms if incremental else None)
        cosines = cosines_from_dots(dots, mapped_sq, centred_target_sq)
        if round_ == rounds - 1:
            break
        residual = 1.0 - cosines
        new_mask = valid & (residual <= _trim_cutoff(residual, mask, trim_threshold))
        if new_mask.sum() < max(2, int(valid.sum()) // 2) or np.array_equal(new_mask, mask):
            break
        previous, mask = (matrix, cosines), new_mask
    mapped_norm = np.sqrt(mapped_sq[mask].sum())
    scale = float(np.sqrt(centred_target_sq[mask].sum()) / mapped_norm) if mapped_norm > 0 else 1.0
    return matrix, scale, mu_s, mu_t, mask, cosines, float(cosines[mask].mean())


def _blocks(n, size=None):
    """(start, stop) of consecutive blocks of `size` rows (default :data:`_BLOCK_ROWS`) covering n rows."""
    size = size or _BLOCK_ROWS
    return ((start, min(start + size, n)) for start in range(0, n, size))


def _block_index(start, stop, rows):
    """Selects block ``start:stop`` of all rows (`rows` None: a slice, a view) or of the given `rows`."""
    return slice(start, stop) if rows is None else rows[start:stop]


def _inverse_lengths(x_sq, y_sq):
    """``1 / (|x_i| |y_i|)`` from squared norms, 0 where a row is zero."""
    lengths = np.sqrt(x_sq * y_sq)
    return np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)


def _trim_cutoff(residual, mask, trim_threshold):
    """The robust rule's cut-off: median + k·σ of the kept residuals, σ = max(1.4826·MAD, floor)."""
    kept = residual[mask]
    med = np.median(kept)
    sigma = max(_MAD_TO_SIGMA * float(np.median(np.abs(kept - med))), MIN_RESIDUAL_SIGMA)
    return med + trim_threshold * sigma


def _cosines_for_report(A, B, matrix, previous, mask, valid, n_lowest):
    """Cosines under `matrix`, from the previous round's ``(map, cosines)``, exact where the report reads them.

    The new map differs from the previous one by ``delta = ‖R_new − R_old‖₂``, which moves every cosine by at
    most delta. The report names the trimmed anchors and the `n_lowest` lowest, and an anchor can only be
    among those if its previous cosine is within 2·delta of the previous `n_lowest`-th lowest: those are
    recomputed; the others keep their previous value, which only serves to order them after the named ones.
    The Frobenius norm bounds delta first (free); the spectral norm (an SVD of the difference) only where
    that bound leaves many anchors to recompute.
    """
    old_matrix, cosines = previous
    k = min(n_lowest, int(valid.sum()))
    kth_lowest = np.partition(cosines[valid], k - 1)[k - 1] if k else -np.inf

    def wanted(delta):
        return valid & (~mask | (cosines <= kth_lowest + 2.0 * (delta + _COSINE_ROUNDING)))

    rows = np.flatnonzero(wanted(np.linalg.norm(matrix - old_matrix)))
    if rows.size > max(4 * A.shape[1], valid.size // 20):
        rows = np.flatnonzero(wanted(scipy.linalg.svdvals(matrix - old_matrix, check_finite=False)[0]))
    cosines = cosines.copy()
    cosines[rows] = exact_cosines(A, B, matrix, rows=rows)
    return cosines
