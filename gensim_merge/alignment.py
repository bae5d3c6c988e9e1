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


def _row_blocks(rows):
    """(start, stop, index) per block of the sorted, distinct anchor indices `rows`.

    ``index`` selects ``rows[start:stop]``: a slice (a view, no copy) when `rows` are consecutive.
    """
    consecutive = rows.size > 0 and rows[-1] - rows[0] + 1 == rows.size
    for start, stop in _blocks(rows.size):
        yield start, stop, (slice(rows[0] + start, rows[0] + stop) if consecutive else rows[start:stop])


def _squared_norms(X, rows):
    """Squared norm of the rows `rows` of X, summed in float64."""
    out = np.empty(rows.size)
    for start, stop, idx in _row_blocks(rows):
        block = X[idx].astype(np.float64)
        out[start:stop] = _row_dots(block, block)
    return out


def _cross_product(A, B, rows, *, means=None, normalize=False):
    """``Σ_i prep(a_i)ᵀ prep(b_i)`` over the anchors `rows`, in float64, and the rows' squared norms.

    ``prep`` subtracts ``means = (mu_s, mu_t)`` (None: nothing) and, if `normalize`, brings rows to unit
    length (by weighting each pair's product by ``1 / (|a_i| |b_i|)``, without forming the unit rows).

    Rows are converted to float64 a block at a time (no float64 copy of all anchors). The product itself
    must be float64: the unit rows of real embeddings share a dominant direction, which makes the map
    sensitive to this matrix (condition numbers near 1e6 measured on word2vec models), and a float32
    product, even in short blocks, moves the fitted map by 1e-6 to 1e-5, ten to a hundred times the effect
    of the inputs' own rounding.

    Returns
    -------
    cross : (d, d) ndarray of float64
    source_sq, target_sq : (len(rows),) ndarray of float64
        Squared norms of the rows after centring (before normalising).
    """
    mu_s, mu_t = (None, None) if means is None else means
    cross = np.zeros((A.shape[1], A.shape[1]))
    source_sq, target_sq = np.empty(rows.size), np.empty(rows.size)
    for start, stop, idx in _row_blocks(rows):
        a, b = _prepared(A[idx], mu_s, False), _prepared(B[idx], mu_t, False)
        source_sq[start:stop] = a_sq = _row_dots(a, a)
        target_sq[start:stop] = b_sq = _row_dots(b, b)
        if normalize:
            lengths = np.sqrt(a_sq * b_sq)
            b *= np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)[:, None]
        cross += a.T @ b
    return cross, source_sq, target_sq


def _residual_terms(A, B, rows, matrix, means=None):
    """Per anchor of `rows`: squared norm of the mapped source, and its dot product with the target.

    Also the targets' squared norms when `means` (centred rows) are given, else None. The map is applied
    block by block in the anchors' dtype: one (n, d)·(d, d) product in all, no (n, d) temporary.
    """
    weight = matrix.astype(A.dtype)
    mapped_sq, dots = np.empty(rows.size), np.empty(rows.size)
    target_sq = None if means is None else np.empty(rows.size)
    for start, stop, idx in _row_blocks(rows):
        if means is None:
            x, y = A[idx], B[idx]
        else:
            x, y = _prepared(A[idx], means[0], False, A.dtype), _prepared(B[idx], means[1], False, B.dtype)
            target_sq[start:stop] = _row_dots(y, y)
        mapped = x @ weight
        mapped_sq[start:stop] = _row_dots(mapped, mapped)
        dots[start:stop] = _row_dots(mapped, y)
    return mapped_sq, dots, target_sq


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
        On anchors held out from the fit: the mean cosine, and the share whose nearest target anchor
        (by cosine) is their own pair. An honest estimate of quality; None when too few anchors.
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


def _precision_at_1(mapped, targets, mean, rows, target_words):
    """Share of the mapped rows whose nearest target anchor (by cosine, among all `targets`) is their pair.

    `targets` holds every target anchor, `mean` is subtracted from them first (None: nothing), `rows` are
    the mapped rows' anchor indices. Scored in float32, the candidates brought to unit length a block at a
    time (no copy of all of them); ties go to the first candidate.
    """
    queries = _unit_rows(mapped)
    best = np.zeros(len(rows), dtype=np.intp)
    best_score = np.full(len(rows), -np.inf, dtype=np.float32)
    everyone = np.arange(len(rows))
    for start, stop in _blocks(targets.shape[0]):
        scores = queries @ _unit_rows(targets[start:stop], mean).T
        top = scores.argmax(axis=1)
        top_score = scores[everyone, top]
        better = top_score > best_score
        best[better] = start + top[better]
        best_score[better] = top_score[better]
    hits = sum(target_words[b] == target_words[r] for b, r in zip(best, rows))
    return hits / len(rows)


def _robust_fit(A, B, rows, method, center, normalize, ridge, trim, trim_threshold, max_rounds):
    """Fit on the anchors `rows`, trim those whose residual is far out (median + k·MAD), refit until stable.

    `A` and `B` hold the anchors in the working dtype (float32 for float32 models). Maps are solved in
    float64 from float64 cross products; the residuals (one (n, d)·(d, d) product per round) are computed
    block by block in the working dtype. An orthogonal fit without centering forms the cross product once
    and, in later rounds, subtracts the trimmed rows' share instead of recomputing it.
    """
    n, d = rows.size, A.shape[1]
    mask = np.ones(n, dtype=bool)
    incremental = method == "orthogonal" and not center
    if incremental:
        full_cross, _, target_sq = _cross_product(A, B, rows, normalize=normalize)
    elif not center:
        target_sq = _squared_norms(B, rows)
    for _ in range(max_rounds if trim else 1):
        mu_s = A[rows[mask]].mean(axis=0, dtype=np.float64) if center else np.zeros(d)
        mu_t = B[rows[mask]].mean(axis=0, dtype=np.float64) if center else np.zeros(d)
        means = (mu_s, mu_t) if center else None
        if incremental:
            cross = full_cross
            if not mask.all():
                cross = full_cross - _cross_product(A, B, rows[~mask], normalize=normalize)[0]
            matrix = _orthogonal_from_cross(cross)
        elif method == "orthogonal":
            cross = _cross_product(A, B, rows[mask], means=means, normalize=normalize)[0]
            matrix = _orthogonal_from_cross(cross)
        else:
            kept = rows[mask]
            matrix = ALIGNERS[method](
                _prepared(A[kept], mu_s if center else None, normalize),
                _prepared(B[kept], mu_t if center else None, normalize), ridge=ridge,
            )
        mapped_sq, dots, centred_target_sq = _residual_terms(A, B, rows, matrix, means)
        if center:
            target_sq = centred_target_sq
        cosines = _cosines(dots, mapped_sq, target_sq)
        mapped_norm = np.sqrt(mapped_sq[mask].sum())
        scale = float(np.sqrt(target_sq[mask].sum()) / mapped_norm) if mapped_norm > 0 else 1.0
        if not trim:
            break
        residual = 1.0 - cosines
        med = np.median(residual[mask])
        mad = np.median(np.abs(residual[mask] - med))
        sigma = max(_MAD_TO_SIGMA * mad, MIN_RESIDUAL_SIGMA)
        new_mask = residual <= med + trim_threshold * sigma
        if new_mask.sum() < max(2, n // 2) or np.array_equal(new_mask, mask):
            break
        mask = new_mask
    return matrix, scale, mu_s, mu_t, mask, cosines


def _working_dtype(*arrays):
    """float32 when every array is float32 or narrower (vectors as gensim stores them), else float64."""
    if all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def fit_alignment(
    source_anchors, target_anchors, *, method="orthogonal", center=False, normalize=True, ridge=0.0,
    trim=True, trim_threshold=3.0, max_rounds=3, heldout=0.1, seed=0, source_words=None, target_words=None,
    n_shifted=20, n_missing=0,
):
    """Fit a map from paired anchor vectors.

    Parameters
    ----------
    source_anchors, target_anchors : (n, d) array_like
        Row ``i`` of each is one anchor pair.
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
        `trim_threshold` robust standard deviations (MAD); repeated up to `max_rounds` fits.
        Skipped with fewer than 50 anchors.
    trim_threshold : float, optional
    max_rounds : int, optional
    heldout : float, optional
        Share of anchors (at most 2000) kept out of the fit to estimate quality; 0 disables it.
        Skipped with fewer than 50 anchors.
    seed : int, optional
        Seeds the held-out draw.
    source_words, target_words : sequence of str, optional
        The anchors' words, for the report.
    n_shifted : int, optional
        How many most-shifted anchors the report lists.
    n_missing : int, optional
        Recorded in the report.

    Returns
    -------
    Alignment

    Raises
    ------
    AnchorError
        Fewer than 2 anchors, or shapes that do not pair up.
    DimensionMismatchError
        Source and target anchors of different widths.
    NonFiniteVectorsError
        NaN or inf in an anchor.

    Notes
    -----
    Cost: one float64 (d, n)·(n, d) cross product (formed once and downdated across trimming rounds for the
    default uncentred orthogonal fit), one (n, d)·(d, d) product per round for the residuals, and, with a
    held-out share, the held-out anchors scored against all n target anchors. The maps are always solved
    in float64; with float32 (or narrower) anchors the residual and held-out products run in float32, which
    moves cosines by about 1e-7. Other dtypes are worked in float64 throughout. All of it runs a few
    thousand rows at a time: no (n, d) float64 copy of the anchors is made.
    """
    check_choice(method, ALIGNERS, "method")
    A = np.asarray(source_anchors)
    B = np.asarray(target_anchors)
    work = _working_dtype(A, B)
    A = np.asarray(A, dtype=work)
    B = np.asarray(B, dtype=work)
    if A.ndim != 2 or B.ndim != 2:
        raise AnchorError(f"anchor arrays must be 2-D (n, d), got shapes {A.shape} and {B.shape}")
    if A.shape[1] != B.shape[1]:
        raise DimensionMismatchError(
            f"source and target anchors have different widths ({A.shape[1]},) vs ({B.shape[1]},); "
            "both models must have the same vector_size"
        )
    if A.shape[0] != B.shape[0]:
        raise AnchorError(f"anchor arrays must pair up row by row, got {A.shape[0]} and {B.shape[0]} rows")
    n, d = A.shape
    if n < 2:
        raise AnchorError(
            f"an alignment needs at least 2 anchor pairs, got {n}; pass more anchors "
            "(anchors=None uses every word the two models share)"
        )
    source_words = list(source_words) if source_words is not None else [f"#{i}" for i in range(n)]
    target_words = list(target_words) if target_words is not None else source_words
    if not _probably_finite(A):
        check_finite_rows(A, source_words, "the source model")
    if not _probably_finite(B):
        check_finite_rows(B, target_words, "the target model")
    if ridge and method != "linear":
        raise ValueError(f"ridge applies to method='linear' only, got ridge={ridge} with method={method!r}")

    enough = n >= MIN_ANCHORS_FOR_STATISTICS
    fit_rows = np.arange(n)
    heldout_rows = np.arange(0)
    if enough and heldout > 0:
        n_heldout = max(1, min(int(round(n * heldout)), 2000))
        perm = np.random.default_rng(seed).permutation(n)
        heldout_rows, fit_rows = np.sort(perm[:n_heldout]), np.sort(perm[n_heldout:])
    if method == "orthogonal" and fit_rows.size < d:
        _warn_underdetermined(fit_rows.size, d, "fewer pairs than dimensions")

    matrix, scale, mu_s, mu_t, mask, cosines = _robust_fit(
        A, B, fit_rows, method, center, normalize, ridge, trim and enough, trim_threshold, max_rounds,
    )
    heldout_cosine = heldout_p1 = None
    if heldout_rows.size:
        mapped = _prepared(A[heldout_rows], mu_s if center else None, False, work) @ matrix.astype(work)
        paired = _prepared(B[heldout_rows], mu_t if center else None, False, work)
        heldout_cosine = float(_row_cosines(mapped, paired).mean())
        heldout_p1 = _precision_at_1(mapped, B, mu_t if center else None, heldout_rows, target_words)

    fit_src = [source_words[i] for i in fit_rows]
    fit_tgt = [target_words[i] for i in fit_rows]
    order = np.argsort(cosines, kind="stable")
    trimmed = tuple((fit_src[i], fit_tgt[i], float(cosines[i])) for i in order if not mask[i])
    most_shifted = tuple((fit_src[i], fit_tgt[i], float(cosines[i])) for i in order[:n_shifted])
    report = AlignmentReport(
        method=method, n_anchors=n, n_used=int(mask.sum()), trimmed=trimmed,
        mean_cosine=float(cosines[mask].mean()), heldout_cosine=heldout_cosine,
        heldout_precision_at_1=heldout_p1, n_heldout=int(heldout_rows.size), most_shifted=most_shifted,
        scale=scale, center=center, normalize=normalize, n_missing=n_missing,
    )
    logger.info(
        "fitted %s map on %i of %i anchors (%i trimmed, %i held out): mean cosine %.4f, held-out %s",
        method, report.n_used, n, len(trimmed), report.n_heldout, report.mean_cosine,
        "n/a" if heldout_cosine is None else f"{heldout_cosine:.4f}",
    )
    return Alignment(method, matrix, scale, mu_s, mu_t, report)
