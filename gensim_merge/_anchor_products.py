"""Products over paired anchor rows, a block of rows at a time (the arithmetic of the robust fit).

Every function reads its inputs only: blocks may be views of the caller's (or a model's) arrays.
"""

import numpy as np

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


def _blocks(n, size=None):
    """(start, stop) of consecutive blocks of `size` rows (default :data:`_BLOCK_ROWS`) covering n rows."""
    size = size or _BLOCK_ROWS
    return ((start, min(start + size, n)) for start in range(0, n, size))


def _block_index(start, stop, rows):
    """Selects block ``start:stop`` of all rows (`rows` None: a slice, a view) or of the given `rows`."""
    return slice(start, stop) if rows is None else rows[start:stop]


def as_work(X, mean, dtype):
    """Rows X as `dtype` minus `mean` (None: nothing): a new array only where a conversion is needed.

    Callers never write into the result: it may be a view of the caller's anchors.
    """
    if mean is None:
        return np.asarray(X, dtype=dtype)
    return prepared(X, mean, False, dtype)


def _inverse_lengths(x_sq, y_sq):
    """``1 / (|x_i| |y_i|)`` from squared norms, 0 where a row is zero."""
    lengths = np.sqrt(x_sq * y_sq)
    return np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)


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


