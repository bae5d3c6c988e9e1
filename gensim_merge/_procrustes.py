"""The two classic map-fitting problems on plain arrays: orthogonal Procrustes and a general linear map.

Re-exported by :mod:`gensim_merge.alignment`, which adds the preprocessing, the robust refit and the report.

References
----------
.. [1] Schönemann, P. H. (1966). A generalized solution of the orthogonal Procrustes problem.
   Psychometrika 31, 1-10. https://doi.org/10.1007/BF02289451
.. [2] Mikolov, T., Le, Q. V., Sutskever, I. (2013). Exploiting similarities among languages for machine
   translation. arXiv:1309.4168 (the general linear map of gensim's TranslationMatrix).
"""

import warnings

import numpy as np
import scipy.linalg

__all__ = ["ALIGNERS", "fit_linear", "fit_orthogonal"]

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
