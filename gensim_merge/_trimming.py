"""The robust fit: fit a map on anchor pairs, trim the pairs far out, refit (see :func:`robust_fit`)."""

import numpy as np
import scipy.linalg

from gensim_merge._anchor_products import cosines_from_dots, cross_product, exact_cosines, prepared, residual_terms
from gensim_merge._procrustes import ALIGNERS, orthogonal_from_cross

_MAD_TO_SIGMA = 1.4826  # median absolute deviation of a normal distribution, in standard deviations
#: Smallest robust spread of the residuals (1 - cos) used for trimming: a near-perfect fit (a rotated copy)
#: has residuals of 1e-16 whose MAD would otherwise make rounding noise look "far out".
MIN_RESIDUAL_SIGMA = 0.01
#: Allowance for float32 rounding in anchor cosines when bounding how far a refit can move them.
_COSINE_ROUNDING = 1e-4


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
