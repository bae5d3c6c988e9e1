"""Fitting a map from one embedding space to another, and applying it to whole models.

The core works on plain arrays and knows nothing about words: :func:`fit_orthogonal` and
:func:`fit_linear` solve the two classic problems, :func:`fit_alignment` adds the preprocessing, the robust
refit that trims anchors used in a different sense, and the held-out estimate of quality, and returns an
:class:`Alignment` — the fitted map as explicit data that can be inspected, applied again and saved.

References
----------
.. [1] Schönemann, P. H. (1966). A generalized solution of the orthogonal Procrustes problem.
   Psychometrika 31, 1-10. https://doi.org/10.1007/BF02289451
.. [2] Mikolov, T., Le, Q. V., Sutskever, I. (2013). Exploiting similarities among languages for machine
   translation. arXiv:1309.4168 (the general linear map of gensim's TranslationMatrix).
.. [3] Xing, C., Wang, D., Liu, C., Lin, Y. (2015). Normalized word embedding and orthogonal transform
   for bilingual word translation. NAACL.
.. [4] Hamilton, W. L., Leskovec, J., Jurafsky, D. (2016). Diachronic word embeddings reveal statistical
   laws of semantic change. ACL.
"""

import json
import logging
import os
import warnings
import zipfile
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.linalg

from gensim_merge._io import atomic_output
from gensim_merge._validation import check_choice, check_finite_rows
from gensim_merge.errors import AnchorError, DimensionMismatchError, ModelFileError

__all__ = [
    "ALIGNERS",
    "DEFAULT_CHUNK_SIZE",
    "Alignment",
    "AlignmentReport",
    "fit_alignment",
    "fit_linear",
    "fit_orthogonal",
]

logger = logging.getLogger(__name__)

#: Rows mapped per matrix product when applying a map to a whole model (bounds temporary memory).
DEFAULT_CHUNK_SIZE = 65536
#: Below this many anchors, robust trimming and the held-out estimate are skipped (too few to spare).
MIN_ANCHORS_FOR_STATISTICS = 50
_MAD_TO_SIGMA = 1.4826  # median absolute deviation of a normal distribution, in standard deviations
#: Smallest robust spread of the residuals (1 - cos) used for trimming: a near-perfect fit (a rotated copy)
#: has residuals of 1e-16 whose MAD would otherwise make rounding noise look "far out".
MIN_RESIDUAL_SIGMA = 0.01
#: Rows per block in the anchor products (bounds their temporaries, keeps float32 sums short).
_BLOCK_ROWS = 2048
#: Smallest ratio of the extreme singular values of an anchor cross product that the fast SVD driver serves.
_WELL_CONDITIONED = 1e-6
#: Allowance for float32 rounding in anchor cosines when bounding how far a refit can move them.
_COSINE_ROUNDING = 1e-4


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
    return _orthogonal_from_cross(np.asarray(A, dtype=np.float64).T @ np.asarray(B, dtype=np.float64))


def _orthogonal_from_cross(cross):
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
            _warn_underdetermined(A.shape[0], A.shape[1], f"the anchors span only {rank} dimensions")
        return W
    gram = A.T @ A
    gram[np.diag_indices_from(gram)] += ridge
    return scipy.linalg.solve(gram, A.T @ B, assume_a="pos")


#: The fitting methods by name.
ALIGNERS = {"orthogonal": fit_orthogonal, "linear": fit_linear}


def _warn_underdetermined(n, d, detail):
    warnings.warn(
        f"fitting a {d}-dimensional map on {n} anchor pairs is underdetermined ({detail}): "
        "the map is fixed only on the anchors' span; add anchors (e.g. anchors=None for all shared words) "
        "or use method='orthogonal'",
        UserWarning,
        stacklevel=4,
    )


def _row_dots(X, Y):
    """Dot product of each row of X with the same row of Y (no (n, d) temporary), as float64."""
    return np.einsum("ij,ij->i", X, Y).astype(np.float64, copy=False)


def _cosines(dots, x_sq, y_sq):
    """Cosines from row dot products and squared row norms (0 where a row is zero)."""
    den = np.sqrt(x_sq * y_sq)
    return np.divide(dots, den, out=np.zeros_like(dots), where=den > 0)


def _row_cosines(X, Y):
    """Cosine of each row of X with the same row of Y (0 where a row is zero), as float64."""
    return _cosines(_row_dots(X, Y), _row_dots(X, X), _row_dots(Y, Y))


def _prepared(X, mean, normalize, dtype=np.float64):
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


def _as_work(X, mean, dtype):
    """Rows X as `dtype` minus `mean` (None: nothing): a new array only where a conversion is needed.

    Callers never write into the result: it may be a view of the caller's anchors.
    """
    if mean is None:
        return np.asarray(X, dtype=dtype)
    return _prepared(X, mean, False, dtype)


def _inverse_lengths(x_sq, y_sq):
    """``1 / (|x_i| |y_i|)`` from squared norms, 0 where a row is zero."""
    lengths = np.sqrt(x_sq * y_sq)
    return np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)


def _cross_product(A, B, *, means=None, normalize=False, rows=None, norms=None):
    """``Σ_i prep(a_i)ᵀ prep(b_i)`` over the paired anchor rows of A and B (all, or `rows`), and their norms.

    ``prep`` subtracts ``means = (mu_s, mu_t)`` (None: nothing) and, if `normalize`, brings rows to unit
    length (by weighting each pair's product by ``1 / (|a_i| |b_i|)``, without forming the unit rows).

    Each block of :data:`_BLOCK_ROWS` pairs is multiplied in the anchors' dtype (float32 for float32
    models: the speed of the bare product) and summed into a float64 total, so rounding grows with the
    block, not with the number of anchors. On word2vec models (cross products of condition ~1e6) this
    moves the fitted map by about 1e-5 against an all-float64 product: far below the noise of the
    anchors themselves, which the held-out cosine measures (cosines of 0.5-0.9 on real models).

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
        a, b = _as_work(A[idx], mu_s, A.dtype), _as_work(B[idx], mu_t, B.dtype)
        if norms is None:
            source_sq[start:stop] = _row_dots(a, a)
            target_sq[start:stop] = _row_dots(b, b)
        a_sq, b_sq = source_sq[start:stop], target_sq[start:stop]
        if normalize:
            b = b * _inverse_lengths(a_sq, b_sq).astype(b.dtype)[:, None]
        cross += a.T @ b
    return cross, source_sq, target_sq


def _residual_terms(A, B, matrix, *, means=None, rows=None, norms=None):
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
        x, y = _as_work(A[idx], mu_s, A.dtype), _as_work(B[idx], mu_t, B.dtype)
        mapped = x @ weight
        dots[start:stop] = _row_dots(mapped, y)
        if norms is None:
            mapped_sq[start:stop] = _row_dots(mapped, mapped)
            target_sq[start:stop] = _row_dots(y, y)
    return mapped_sq, dots, target_sq


def _exact_cosines(A, B, matrix, means=None, rows=None, norms=None):
    """Cosine between each mapped source anchor (all, or `rows`) and its target anchor."""
    mapped_sq, dots, target_sq = _residual_terms(A, B, matrix, means=means, rows=rows, norms=norms)
    return _cosines(dots, mapped_sq, target_sq)


def _probably_finite(X):
    """Cheap test (one pass, no temporary): True guarantees every value of X is finite.

    A NaN or inf anywhere makes the sum non-finite; a False may also come from a sum that overflows, so
    callers follow a False with the exact row-by-row check.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.add.reduce(X, axis=None)))


@dataclass(frozen=True)
class AlignmentReport:
    """What an alignment fit did and how good it is estimated to be.

    Attributes
    ----------
    method : str
        ``"orthogonal"`` or ``"linear"``.
    n_anchors : int
        Anchor pairs offered to the fit.
    n_used : int
        Anchor pairs the final map was fitted on (after trimming, without the held-out pairs).
    trimmed : tuple of (str, str, float)
        Anchors dropped by the robust refit as used in a different sense, with their cosine after mapping,
        most shifted first: the words whose meaning differs most between the two corpora.
    mean_cosine : float
        Mean cosine between mapped source anchors and their target anchors (pairs used in the fit).
    heldout_cosine, heldout_precision_at_1 : float or None
        On anchors held out from the fit: the mean cosine, and the share whose nearest held-out target
        anchor (by cosine) is their own pair. An honest estimate of quality; None when too few anchors.
    n_heldout : int
    most_shifted : tuple of (str, str, float)
        The anchors with the lowest cosine after mapping, trimmed or not.
    scale : float
        Global factor bringing mapped vectors to the target's scale.
    center, normalize : bool
        The preprocessing used.
    n_missing : int
        Explicit pairs skipped because a word was missing.
    """

    method: str
    n_anchors: int
    n_used: int
    trimmed: tuple
    mean_cosine: float
    heldout_cosine: object
    heldout_precision_at_1: object
    n_heldout: int
    most_shifted: tuple
    scale: float
    center: bool
    normalize: bool
    n_missing: int = 0

    def to_dict(self):
        """A JSON-safe dict of the report."""
        out = asdict(self)
        out["trimmed"] = [list(t) for t in self.trimmed]
        out["most_shifted"] = [list(t) for t in self.most_shifted]
        return out

    @classmethod
    def from_dict(cls, data):
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["trimmed"] = tuple(tuple(t) for t in data["trimmed"])
        data["most_shifted"] = tuple(tuple(t) for t in data["most_shifted"])
        return cls(**data)

    def __str__(self):
        def fmt(value):
            return "n/a" if value is None else f"{value:.3f}"

        lines = [
            f"Alignment ({self.method}, center={self.center}, normalize={self.normalize}, scale={self.scale:.4f})",
            f"  anchors offered / used / trimmed / held out : {self.n_anchors} / {self.n_used} / "
            f"{len(self.trimmed)} / {self.n_heldout}",
            f"  mean cosine, fitted anchors                 : {self.mean_cosine:.3f}",
            f"  held-out mean cosine                        : {fmt(self.heldout_cosine)}",
            f"  held-out precision@1                        : {fmt(self.heldout_precision_at_1)}",
        ]
        if self.n_missing:
            lines.append(f"  pairs skipped (word missing)                : {self.n_missing}")
        if self.most_shifted:
            shown = ", ".join(
                f"{s}" if s == t else f"{s}->{t}" for s, t, _ in self.most_shifted[:10]
            )
            lines.append(f"  most shifted                                : {shown}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Alignment:
    """A fitted map ``y = ((x − source_mean) · matrix) · scale + target_mean``.

    Attributes
    ----------
    method : str
        How ``matrix`` was fitted (a key of :data:`ALIGNERS`).
    matrix : (d, d) ndarray of float64
        Orthogonal for ``"orthogonal"``, general for ``"linear"``.
    scale : float
    source_mean, target_mean : (d,) ndarray of float64
        Zero unless the fit centred the spaces.
    report : AlignmentReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 4)).astype(np.float32)
    >>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> alignment = fit_alignment(X @ Q, X)
    >>> np.allclose(alignment.apply(X @ Q), X, atol=1e-5)
    True
    """

    method: str
    matrix: np.ndarray
    scale: float
    source_mean: np.ndarray
    target_mean: np.ndarray
    report: AlignmentReport = field(repr=False)

    @property
    def vector_size(self):
        """The dimensionality the map reads and writes."""
        return self.matrix.shape[0]

    def _affine(self, dtype):
        weight = (self.matrix * self.scale).astype(dtype)
        bias = (self.target_mean - self.source_mean @ (self.matrix * self.scale)).astype(dtype)
        return weight, (bias if np.any(bias) else None)

    def apply(self, vectors, *, chunk_size=DEFAULT_CHUNK_SIZE, keys=None):
        """Map the rows of `vectors` into the target space.

        The input is only read, never copied whole: rows already in the output's dtype (a memory-mapped
        array included) are read in place by one product; others are converted and mapped `chunk_size` rows
        at a time. One output array is allocated. float32 input gives float32 output, float64 gives
        float64, float16 gives float32.

        Parameters
        ----------
        vectors : (n, d) array_like
        chunk_size : int, optional
            Rows converted at a time (bounds temporary memory), and rows per finiteness check.
        keys : list of str, optional
            Keys of the rows, to name the first non-finite row in the error.

        Returns
        -------
        (n, d) ndarray

        Raises
        ------
        DimensionMismatchError
            When ``d`` differs from the map's.
        NonFiniteVectorsError
            When a row holds NaN or inf.
        """
        vectors = np.asanyarray(vectors)
        if vectors.ndim != 2 or vectors.shape[1] != self.vector_size:
            raise DimensionMismatchError(
                f"this alignment maps {self.vector_size}-dimensional vectors, got an array of shape "
                f"{vectors.shape}; apply it to vectors of the source model's space"
            )
        dtype = np.result_type(vectors.dtype, np.float32)
        weight, bias = self._affine(dtype)
        out = np.empty(vectors.shape, dtype=dtype)
        in_place = vectors.dtype == dtype and vectors.flags.c_contiguous
        if in_place:
            # rows that need no conversion are read where they are, in one product: chunked products into a
            # fresh output measured about 15% slower (1M x 300, float32)
            np.matmul(vectors, weight, out=out)
        for start in range(0, vectors.shape[0], chunk_size):
            stop = min(start + chunk_size, vectors.shape[0])
            mapped = out[start:stop]
            if not in_place:
                np.matmul(np.asarray(vectors[start:stop], dtype=dtype), weight, out=mapped)
            if bias is not None:
                mapped += bias
            # a NaN or inf in a source row spreads to its mapped row: one cheap pass over the output
            if not _probably_finite(mapped):
                check_finite_rows(np.asarray(vectors[start:stop]), keys, "the source model", row_offset=start)
        return out

    def to_dict(self):
        """The alignment as plain Python and numpy values (no gensim_merge classes: loads anywhere)."""
        return {
            "method": self.method,
            "matrix": np.array(self.matrix),
            "scale": float(self.scale),
            "source_mean": np.array(self.source_mean),
            "target_mean": np.array(self.target_mean),
            "report": self.report.to_dict(),
        }

    @classmethod
    def from_dict(cls, data):
        """Inverse of :meth:`to_dict`."""
        return cls(
            method=data["method"],
            matrix=np.asarray(data["matrix"], dtype=np.float64),
            scale=float(data["scale"]),
            source_mean=np.asarray(data["source_mean"], dtype=np.float64),
            target_mean=np.asarray(data["target_mean"], dtype=np.float64),
            report=AlignmentReport.from_dict(data["report"]),
        )

    def save(self, fname):
        """Save to a ``.npz`` file (arrays plus the report as JSON; no pickle), atomically."""
        data = self.to_dict()
        meta = {k: data[k] for k in ("method", "scale", "report")}
        with atomic_output(fname) as tmp, open(tmp, "wb") as fout:
            np.savez(
                fout, matrix=data["matrix"], source_mean=data["source_mean"], target_mean=data["target_mean"],
                meta=np.array(json.dumps(meta)),
            )
        logger.info("saved %s alignment (%ix%i) to %s", self.method, self.vector_size, self.vector_size, fname)

    @classmethod
    def load(cls, fname):
        """Load an alignment saved by :meth:`save`."""
        try:
            with np.load(os.fspath(fname), allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta"]))
                return cls.from_dict({**meta, **{k: npz[k] for k in ("matrix", "source_mean", "target_mean")}})
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
            raise ModelFileError(f"cannot read an alignment from {fname}: {err}") from err


def _unit_rows(X, mean=None, dtype=np.float32):
    """A new `dtype` array: the rows of X minus `mean` (None: nothing), at unit length (zero rows stay 0)."""
    if mean is not None or X.dtype != dtype:
        return _prepared(X, mean, True, dtype)
    lengths = np.sqrt(_row_dots(X, X)).astype(dtype)
    lengths[lengths == 0] = 1
    return X / lengths[:, None]


def _precision_at_1(mapped, targets, target_words=None):
    """Share of the mapped rows whose nearest row of `targets` (by cosine) is their own pair.

    Row ``i`` of `mapped` pairs with row ``i`` of `targets` (the held-out target anchors, already centred
    where the fit centres). A retrieved row naming the same target word counts as a hit (a dictionary may
    pair one target word with several source words). Scored in float32; ties go to the first candidate.
    """
    best = (_unit_rows(mapped) @ _unit_rows(targets).T).argmax(axis=1)
    if target_words is None:
        return float(np.mean(best == np.arange(best.size)))
    return sum(target_words[b] == target_words[i] for i, b in enumerate(best)) / best.size


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
    cosines[rows] = _exact_cosines(A, B, matrix, rows=rows)
    return cosines


def _robust_fit(A, B, norms, valid, method, center, normalize, ridge, trim, trim_threshold, max_rounds, n_lowest):
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
    n, d = A.shape
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
        valid_cross = _cross_product(A, B, normalize=normalize, norms=norms)[0]
        held = np.flatnonzero(~valid & (source_sq > 0) & (target_sq > 0))
        if held.size:
            valid_cross -= _cross_product(A, B, normalize=normalize, rows=held)[0]
    for round_ in range(rounds):
        if incremental:
            trimmed = np.flatnonzero(valid & ~mask)
            cross = valid_cross
            if trimmed.size:
                cross = valid_cross - _cross_product(A, B, normalize=normalize, rows=trimmed)[0]
            matrix = _orthogonal_from_cross(cross)
        else:
            kept = np.flatnonzero(mask)
            if center:
                mu_s = A[kept].mean(axis=0, dtype=np.float64)
                mu_t = B[kept].mean(axis=0, dtype=np.float64)
                means = (mu_s, mu_t)
            if method == "orthogonal":
                matrix = _orthogonal_from_cross(_cross_product(A, B, means=means, normalize=normalize, rows=kept)[0])
            else:
                matrix = ALIGNERS[method](
                    _prepared(A[kept], mu_s if center else None, normalize),
                    _prepared(B[kept], mu_t if center else None, normalize),
                    ridge=ridge,
                )
        if bounded and previous is not None and round_ == rounds - 1:
            # the last refit: no trimming decision is left to make, only the report's cosines
            cosines = _cosines_for_report(A, B, matrix, previous, mask, valid, n_lowest)
            mean_cosine = float(np.sum(matrix * cross)) / int(mask.sum())
            scale = float(np.sqrt(target_sq[mask].sum() / source_sq[mask].sum()))
            return matrix, scale, mu_s, mu_t, mask, cosines, mean_cosine
        mapped_sq, dots, centred_target_sq = _residual_terms(
            A, B, matrix, means=means, norms=norms if incremental else None)
        cosines = _cosines(dots, mapped_sq, centred_target_sq)
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
    sq = _row_dots(X, X)
    if not np.isfinite(sq).all():
        check_finite_rows(X, words, what)
    return sq


def fit_alignment(
    source_anchors, target_anchors, *, method="orthogonal", center=False, normalize=True, ridge=0.0,
    trim=True, trim_threshold=3.0, max_rounds=2, heldout=0.1, seed=0, source_words=None, target_words=None,
    n_shifted=20, n_missing=0, source_rows=None, target_rows=None,
):
    """Fit a map from paired anchor vectors.

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
        Fits at most: 2 (the default) fits, trims once and refits; more repeat the trimming until the
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
        How many most-shifted anchors the report lists.
    n_missing : int, optional
        Recorded in the report.
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

    Notes
    -----
    Cost, for the default orthogonal fit on n anchors of d dimensions: the anchors are gathered once, their
    (d, n)·(n, d) cross product is formed once (block products in the anchors' dtype, summed in float64)
    and downdated by the trimmed anchors, and the anchors' cosines under the first map cost one
    (n, d)·(d, d) product; the refit needs none (see :func:`_robust_fit`). The held-out anchors are scored
    against each other ((h, d)·(d, h), h ≤ 2000). Maps are always solved in float64; other input dtypes than
    float32 (or narrower) are worked in float64 throughout.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype(np.float32)
    >>> Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    >>> alignment = fit_alignment(X @ Q, X)
    >>> bool(np.allclose(alignment.matrix, Q.T, atol=1e-5)), alignment.report.n_used
    (True, 180)
    """
    check_choice(method, ALIGNERS, "method")
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
    if ridge and method != "linear":
        raise ValueError(f"ridge applies to method='linear' only, got ridge={ridge} with method={method!r}")

    enough = n >= MIN_ANCHORS_FOR_STATISTICS
    held = np.zeros(n, dtype=bool)
    if enough and heldout > 0:
        held[np.random.default_rng(seed).permutation(n)[:max(1, min(int(round(n * heldout)), 2000))]] = True
    work = _working_dtype(A, B)
    A, B = _anchor_rows(A, source_rows, work), _anchor_rows(B, target_rows, work)
    norms = _checked_norms(A, source_words, "the source model"), _checked_norms(B, target_words, "the target model")
    nonzero = (norms[0] > 0) & (norms[1] > 0)
    _drop_zero_pairs(nonzero, held, source_words, target_words)
    fit_valid = nonzero & ~held
    if method == "orthogonal" and fit_valid.sum() < d:
        _warn_underdetermined(int(fit_valid.sum()), d, "fewer pairs than dimensions")

    matrix, scale, mu_s, mu_t, mask, cosines, mean_cosine = _robust_fit(
        A, B, norms, fit_valid, method, center, normalize, ridge, trim and enough, trim_threshold, max_rounds,
        n_shifted,
    )
    held_rows = np.flatnonzero(held & nonzero)
    heldout_cosine = heldout_p1 = None
    if held_rows.size:
        mapped = _as_work(A[held_rows], mu_s if center else None, work) @ matrix.astype(work)
        paired = _as_work(B[held_rows], mu_t if center else None, work)
        heldout_cosine = float(_row_cosines(mapped, paired).mean())
        held_words = None if target_words is None else [target_words[i] for i in held_rows]
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
