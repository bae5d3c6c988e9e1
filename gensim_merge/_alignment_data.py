"""The fitted map as data: :class:`Alignment` (map, means, scale, report) and its :class:`AlignmentReport`.

An alignment can be inspected, applied to any model of the source space (chunk by chunk, so a memory-mapped
model is streamed), saved to ``.npz`` + JSON (no pickle) and loaded again. Fitting lives in
:mod:`gensim_merge.alignment`, which re-exports both classes.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from gensim_merge._io import atomic_output
from gensim_merge._typing import PathType, Progress
from gensim_merge._validation import OPTIONS, check_finite_rows, check_option_of
from gensim_merge.errors import DimensionMismatchError, ModelFileError, OptionTypeError

__all__ = ["DEFAULT_CHUNK_SIZE", "Alignment", "AlignmentReport"]

logger = logging.getLogger(__name__)

#: Rows mapped per matrix product when applying a map to a whole model (bounds temporary memory).
DEFAULT_CHUNK_SIZE = OPTIONS["apply"]["chunk_size"].default


def probably_finite(X):
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the report."""
        out = asdict(self)
        out["trimmed"] = [list(t) for t in self.trimmed]
        out["most_shifted"] = [list(t) for t in self.most_shifted]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlignmentReport:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["trimmed"] = tuple(tuple(t) for t in data["trimmed"])
        data["most_shifted"] = tuple(tuple(t) for t in data["most_shifted"])
        return cls(**data)

    def __str__(self) -> str:
        def fmt(value: object) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        lines = [
            f"Alignment ({self.method}, center={self.center}, normalize={self.normalize}, scale={self.scale:.4f})",
            (f"  anchors offered / used / trimmed / held out : {self.n_anchors} / {self.n_used} / "
             f"{len(self.trimmed)} / {self.n_heldout}"),
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
    >>> from gensim_merge.alignment import fit_alignment
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
    def vector_size(self) -> int:
        """The dimensionality the map reads and writes."""
        return self.matrix.shape[0]

    def _affine(self, dtype):
        weight = (self.matrix * self.scale).astype(dtype)
        bias = (self.target_mean - self.source_mean @ (self.matrix * self.scale)).astype(dtype)
        return weight, (bias if np.any(bias) else None)

    def apply(self, vectors: npt.ArrayLike, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
              keys: Sequence[str] | None = None, progress: Progress | None = None) -> np.ndarray:
        """Map the rows of `vectors` into the target space.

        The input is only read, never copied whole: rows already in the output's dtype (a memory-mapped
        array included) are read in place by one product; others are converted and mapped `chunk_size` rows
        at a time. One output array is allocated. float32 input gives float32 output, float64 gives
        float64, float16 gives float32.

        Parameters
        ----------
        vectors : (n, d) array_like
        chunk_size : int, optional
            Rows converted at a time (bounds temporary memory), and rows per finiteness check; >= 1.
        keys : list of str, optional
            Keys of the rows, to name the first non-finite row in the error.
        progress : callable, optional
            Called with the number of rows done after each chunk (e.g. a tqdm bar's ``update``); the calls add
            up to ``n``. With it, rows read in place are also mapped a chunk at a time, so that it advances.

        Returns
        -------
        (n, d) ndarray

        Raises
        ------
        DimensionMismatchError
            When ``d`` differs from the map's.
        NonFiniteVectorsError
            When a row holds NaN or inf.
        OptionError
            When `chunk_size` is not an integer >= 1, or `progress` is not callable.
        """
        chunk_size = check_option_of("apply", "chunk_size", chunk_size)
        if progress is not None and not callable(progress):
            raise OptionTypeError(f"progress must be None or a callable, got {type(progress).__name__}",
                                  option="progress", value=progress, allowed="None or a callable")
        vectors = np.asanyarray(vectors)
        if vectors.ndim != 2 or vectors.shape[1] != self.vector_size:
            raise DimensionMismatchError(
                f"this alignment maps {self.vector_size}-dimensional vectors, got an array of shape "
                f"{vectors.shape}; apply it to vectors of the source model's space"
            )
        dtype = np.result_type(vectors.dtype, np.float32)
        weight, bias = self._affine(dtype)
        out = np.empty(vectors.shape, dtype=dtype)
        whole = progress is None and vectors.dtype == dtype and vectors.flags.c_contiguous
        if whole:
            # rows that need no conversion are read where they are, in one product: chunked products into a
            # fresh output measured about 15% slower (1M x 300, float32)
            np.matmul(vectors, weight, out=out)
        for start in range(0, vectors.shape[0], chunk_size):
            stop = min(start + chunk_size, vectors.shape[0])
            mapped = out[start:stop]
            if not whole:  # (a view, not a copy, where the rows are already in the output's dtype)
                np.matmul(np.asarray(vectors[start:stop], dtype=dtype), weight, out=mapped)
            if bias is not None:
                mapped += bias
            # a NaN or inf in a source row spreads to its mapped row: one cheap pass over the output
            if not probably_finite(mapped):
                check_finite_rows(np.asarray(vectors[start:stop]), keys, "the source model", row_offset=start)
            if progress is not None:
                progress(stop - start)
        return out

    def to_dict(self) -> dict[str, Any]:
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
    def from_dict(cls, data: Mapping[str, Any]) -> Alignment:
        """Inverse of :meth:`to_dict`."""
        return cls(
            method=data["method"],
            matrix=np.asarray(data["matrix"], dtype=np.float64),
            scale=float(data["scale"]),
            source_mean=np.asarray(data["source_mean"], dtype=np.float64),
            target_mean=np.asarray(data["target_mean"], dtype=np.float64),
            report=AlignmentReport.from_dict(data["report"]),
        )

    def save(self, fname: PathType) -> None:
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
    def load(cls, fname: PathType) -> Alignment:
        """Load an alignment saved by :meth:`save`."""
        try:
            with np.load(os.fspath(fname), allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta"]))
                return cls.from_dict({**meta, **{k: npz[k] for k in ("matrix", "source_mean", "target_mean")}})
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
            raise ModelFileError(f"cannot read an alignment from {fname}: {err}") from err
