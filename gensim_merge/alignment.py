"""Aligning one model's space onto another's: the options, the anchors, the fit and the ``Alignment``.

:class:`AlignOptions` holds every option of an alignment (defaults and ranges defined once); the anchors (which
word pairs guide the fit: shared words by frequency, an explicit pair list or file, identical strings) are
resolved here; :func:`fit_alignment` / :func:`fit_between` prepare the anchors, call the solvers of
:mod:`gensim_merge._procrustes` (with the robust refit) and return an :class:`Alignment`: the map, the anchors
used and trimmed, the residuals and an :class:`AlignmentReport`, which can be inspected, saved and applied again
to a whole model in chunks.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt
from gensim.models import KeyedVectors

from gensim_merge._files import atomic_output
from gensim_merge._procrustes import (
    ALIGNERS,
    as_work,
    fit_linear,
    fit_orthogonal,
    robust_fit,
    row_cosines,
    row_dots,
    unit_rows,
    warn_underdetermined,
)
from gensim_merge._typing import AlignMethod, AnchorsLike, OnMissing, PathType, Progress
from gensim_merge._validation import (
    OPTIONS,
    RIDGE_PER_SQUARED_NORM,
    check_finite_rows,
    check_keyed_vectors,
    check_option_of,
    check_options_of,
    check_same_dim,
)
from gensim_merge.counts import frequency_curve, read_model_counts
from gensim_merge.errors import (
    AnchorError,
    AnchorFileEncodingError,
    DimensionMismatchError,
    ModelFileError,
    OptionError,
    OptionTypeError,
)

__all__ = [
    "ALIGNERS",
    "DEFAULT_CHUNK_SIZE",
    "AlignOptions",
    "Alignment",
    "AlignmentReport",
    "Anchors",
    "fit_alignment",
    "fit_between",
    "fit_linear",
    "fit_orthogonal",
    "frequency_ranks",
    "pair_anchors",
    "read_pairs_file",
    "resolve_anchors",
    "shared_anchors",
]

logger = logging.getLogger(__name__)


#: The options' types, defaults and ranges: the alignment's part of the package's one table of options.
_TABLE = OPTIONS["align"]
#: ``on_missing`` choices for explicit pairs whose words a model does not hold.
ON_MISSING = _TABLE["on_missing"].choices


def allowed(option: str) -> str:
    """The values an option accepts, in words (e.g. ``allowed("heldout") == "in [0, 1)"``)."""
    if option in _TABLE:
        return _TABLE[option].allowed()
    return "None, a pair file's path, a dict {source_word: target_word} or a list of words or pairs"


def check_option(option: str, value: Any, name: str | None = None) -> Any:
    """Check one alignment option against its rule in :class:`AlignOptions`; return it normalised.

    Parameters
    ----------
    option : str
        A field of :class:`AlignOptions`.
    value : object
    name : str, optional
        How the caller spells the option, for the message (default `option`).

    Raises
    ------
    OptionError, OptionTypeError
    """
    if option == "anchors":
        return _check_anchors(value, name or option)
    return _TABLE[option].check(value, name or option)


@dataclass(frozen=True)
class AlignOptions:
    """The options of an alignment: which anchors, which map, which preprocessing, how robust, how checked.

    Every field is checked when the options are made (so a bad value fails before any work), and numbers are
    stored as Python ``int``/``float``. A bool is not a number here, and a float is not an integer.

    Attributes
    ----------
    anchors : None, list of (str, str), dict, iterable of str, str or os.PathLike
        Guide-post pairs (source word, target word). None: the words both models share, most frequent first
        (see :func:`gensim_merge.alignment.shared_anchors`); a list of pairs, a dict, a list of words present in
        both, or the path of a two-column pair file. A one-pass iterable is read into a tuple.
    method : {"orthogonal", "linear"}
        Orthogonal Procrustes (keeps the geometry of the source) or a general least-squares map.
    center : bool
        Subtract each side's anchor mean before fitting (and add the target's back after mapping).
    normalize : bool
        Fit on unit-length anchors (the map is applied to the vectors as they are, then scaled globally).
    ridge : float, in [0, 1e12]
        Regularisation of ``method="linear"`` (must be 0 with ``"orthogonal"``). A fit also refuses a ridge so
        large against the anchors' total squared norm (over 1e8 times it) that the map would vanish.
    n_anchors : None or int, in [2, 10**9]
        Cap on shared-word anchors, most frequent first (None: every shared word). An alignment needs 2.
    anchor_min_count : int, in [0, 10**12]
        Skip shared words seen fewer times than this in either corpus (where counts are known); 0 skips none.
    on_missing : {"raise", "skip"}
        Explicit pairs naming a word a model lacks: an error, or skipped.
    trim : bool
        Robust refit: drop anchors whose residual is far out (words used in a different sense) and refit.
    trim_threshold : float, in (0, 1000]
        How far out, in robust standard deviations of the residuals, an anchor must be to be dropped.
    heldout : float, in [0, 1)
        Share of anchors held out of the fit to estimate its quality; 0 holds none out.
    seed : None or int, in [0, 2**32 - 1]
        Seeds the held-out draw (None: a fresh draw each time).

    Raises
    ------
    OptionError
        A value out of its range or not one of its choices (a ``ValueError``), naming the option, the value
        and the allowed range.
    OptionTypeError
        A value of the wrong type (also a ``TypeError``).

    Examples
    --------
    >>> AlignOptions(method="linear", ridge=0.5).ridge
    0.5
    >>> AlignOptions(heldout=1.5)
    Traceback (most recent call last):
    ...
    gensim_merge.errors.OptionError: heldout must be in [0, 1), got 1.5
    >>> AlignOptions.from_any({"n_anchors": 1000}) == AlignOptions(n_anchors=1000)
    True
    """

    anchors: AnchorsLike = field(default=None, hash=False)
    method: AlignMethod = _TABLE["method"].default
    center: bool = _TABLE["center"].default
    normalize: bool = _TABLE["normalize"].default
    ridge: float = _TABLE["ridge"].default
    n_anchors: int | None = _TABLE["n_anchors"].default
    anchor_min_count: int = _TABLE["anchor_min_count"].default
    on_missing: OnMissing = _TABLE["on_missing"].default
    trim: bool = _TABLE["trim"].default
    trim_threshold: float = _TABLE["trim_threshold"].default
    heldout: float = _TABLE["heldout"].default
    seed: int | None = _TABLE["seed"].default

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, check_option(f.name, getattr(self, f.name)))
        if self.ridge and self.method != "linear":
            raise OptionError(
                f"ridge applies to method='linear' only, got ridge={self.ridge} with method={self.method!r}; "
                "pass method='linear' or leave ridge at 0", option="ridge", value=self.ridge,
                allowed="0 unless method is linear")

    @classmethod
    def from_any(cls, options: AlignOptionsLike = None) -> AlignOptions:
        """Options from None (the defaults), an :class:`AlignOptions` or a dict of its fields.

        Raises
        ------
        OptionError
            A dict naming an option that does not exist, or any value :class:`AlignOptions` refuses.
        OptionTypeError
            Anything else than None, an AlignOptions or a mapping.
        """
        if options is None:
            return cls()
        if isinstance(options, cls):
            return options
        if not isinstance(options, Mapping):
            raise OptionTypeError(
                f"alignment options must be an AlignOptions or a dict of its fields, got {type(options).__name__}",
                option="align_options", value=options, allowed="an AlignOptions or a dict")
        unknown = sorted(set(options) - set(cls.names()))
        if unknown:
            raise OptionTypeError(  # what f(**options) raises for an unknown keyword, and an OptionError
                f"unknown alignment option(s) {unknown}; the options are {list(cls.names())}",
                option=str(unknown[0]), value=options[unknown[0]], allowed=f"one of {list(cls.names())}")
        return cls(**options)

    @staticmethod
    def allowed(option: str) -> str:
        """The values `option` accepts, in words (``AlignOptions.allowed("heldout") == "in [0, 1)"``)."""
        return allowed(option)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in definition order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> AlignOptions:
        """A copy with some options changed (and checked)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The options as a dict (``AlignOptions(**options.to_dict()) == options``)."""
        return {name: getattr(self, name) for name in self.names()}


#: What every ``align_options`` parameter accepts (see :meth:`AlignOptions.from_any`).
AlignOptionsLike = Optional[Union[AlignOptions, Mapping[str, Any]]]  # noqa: UP007, UP045 (evaluated at import: Python 3.9)


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


#: Source words looked up in the first chunk of the shared-word scan (the chunks then double).
_FIRST_SCAN = 8192


@dataclass(frozen=True)
class Anchors:
    """Anchor pairs resolved to row indices of the source and the target model.

    Attributes
    ----------
    source_index, target_index : (n,) ndarray of intp
        Rows of ``source.vectors`` and ``target.vectors`` that should map onto each other.
    source_words, target_words : tuple of str
        The same pairs as words.
    n_missing : int
        Explicit pairs skipped because a word was missing from a model (``on_missing="skip"``).
    """

    source_index: np.ndarray
    target_index: np.ndarray
    source_words: tuple
    target_words: tuple
    n_missing: int = 0

    def __len__(self) -> int:
        return len(self.source_words)


def frequency_ranks(kv: KeyedVectors) -> np.ndarray:
    """Rank of every word of `kv` by frequency (0 = most frequent).

    Uses the ``count`` attribute where the model has real counts (ties broken by vocabulary order), else the
    vocabulary order itself, which gensim keeps sorted by descending frequency after training and in its
    files (gensim's rank stand-ins give that same order; see :mod:`gensim_merge.counts`).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors

    Returns
    -------
    (len(kv),) ndarray of int64
    """
    n = len(kv.index_to_key)
    counts = read_model_counts(kv).real
    if counts is None:
        return np.arange(n, dtype=np.int64)
    order = np.lexsort((np.arange(n), -counts))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    return ranks


def shared_anchors(source: KeyedVectors, target: KeyedVectors, *, n_anchors: int | None = AlignOptions.n_anchors,
                   min_count: int = AlignOptions.anchor_min_count) -> Anchors:
    """Anchors from the words both models know, most frequent (in both) first.

    A word's priority is the worse of its two frequency ranks, so an anchor is frequent in *both*
    corpora (a reliable vector on both sides). Words whose ``count`` is below `min_count` in either model
    are skipped (only where the models carry counts; rank stand-ins facing real counts are read on the real
    side's frequency curve, see :mod:`gensim_merge.counts`). Words are kept in priority order, then capped.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
    n_anchors : int or None, optional
        Keep at most this many, >= 1 (None: all shared words).
    min_count : int, optional
        Skip words seen fewer times than this in either corpus, >= 0.

    Returns
    -------
    Anchors

    Raises
    ------
    AnchorError
        When the models share no word (or none frequent enough).
    OptionError
        When `n_anchors` or `min_count` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> a, b = KeyedVectors(2), KeyedVectors(2)
    >>> a.add_vectors(["the", "cat", "sat"], np.eye(3, 2))
    >>> b.add_vectors(["dog", "cat", "the"], np.eye(3, 2))
    >>> shared_anchors(a, b).source_words
    ('cat', 'the')
    """
    n_anchors, min_count = _checked_counts(n_anchors, min_count)
    src_idx, tgt_idx, priority, n_shared = _scan_shared(source, target, n_anchors, min_count)
    if n_shared == 0:
        raise AnchorError(
            "source and target share no word, so shared-word anchors cannot be formed; "
            "pass explicit pairs with anchors=[(source_word, target_word), ...] or a pair file"
        )
    if src_idx.size == 0:
        raise AnchorError(
            f"none of the {n_shared} shared words is seen at least min_count={min_count} times in both "
            "models; lower anchor_min_count or pass explicit anchors"
        )
    order = np.lexsort((src_idx, priority))[:n_anchors]
    src_idx, tgt_idx = src_idx[order], tgt_idx[order]
    src_words = tuple(map(source.index_to_key.__getitem__, src_idx.tolist()))
    tgt_words = tuple(map(target.index_to_key.__getitem__, tgt_idx.tolist()))
    return Anchors(src_idx.astype(np.intp), tgt_idx.astype(np.intp), src_words, tgt_words)


def read_pairs_file(path: PathType, *, encoding: str = "utf8") -> list[tuple[str, str]]:
    """Read word pairs from a two-column text file (whitespace separated, one pair a line).

    Blank lines and lines starting with ``#`` are ignored; the format of gensim's
    ``OPUS_en_it_europarl_train_one2ten.txt``.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of (str, str)

    Raises
    ------
    AnchorError
        When a line does not hold exactly two columns, or the file cannot be read.
    """
    pairs = []
    try:
        with open(path, encoding=encoding) as fin:
            for lineno, line in enumerate(fin, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                fields = line.split()
                if len(fields) != 2:
                    raise AnchorError(
                        f"{path}:{lineno}: a pair file needs two whitespace-separated columns "
                        f"(source word, target word), got {len(fields)} in {line[:60]!r}"
                    )
                pairs.append((fields[0], fields[1]))
    except UnicodeDecodeError as err:
        raise AnchorFileEncodingError(f"the anchor pair file {path} is not valid {encoding} ({err.reason} at byte "
                                      f"{err.start}); pass its encoding", err.encoding, err.object, err.start,
                                      err.end, err.reason) from err
    return pairs


def pair_anchors(source: KeyedVectors, target: KeyedVectors, pairs: AnchorsLike, *,
                 on_missing: OnMissing = AlignOptions.on_missing) -> Anchors:
    """Anchors from explicit word pairs.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
    pairs : list of (str, str), dict, iterable of str, str or os.PathLike
        Pairs as a list or a dict ``{source_word: target_word}``, single words meaning the same word in
        both models, or the path of a two-column pair file. Duplicate pairs are kept once; a word may
        appear in several pairs (a dictionary with several translations).
    on_missing : {"raise", "skip"}, optional
        What to do with pairs naming a word a model does not hold.

    Returns
    -------
    Anchors

    Raises
    ------
    AnchorError
        When pairs are missing (with ``on_missing="raise"``) or none is left.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> en, it = KeyedVectors(2), KeyedVectors(2)
    >>> en.add_vectors(["one", "two"], np.eye(2))
    >>> it.add_vectors(["uno", "due"], np.eye(2))
    >>> pair_anchors(en, it, {"one": "uno", "two": "due"}).target_index
    array([0, 1])
    """
    check_option("on_missing", on_missing)
    pairs = list(dict.fromkeys(_as_pairs(pairs)))
    src_lookup, tgt_lookup = source.key_to_index, target.key_to_index
    src_idx = np.fromiter((src_lookup.get(s, -1) for s, _ in pairs), dtype=np.intp, count=len(pairs))
    tgt_idx = np.fromiter((tgt_lookup.get(t, -1) for _, t in pairs), dtype=np.intp, count=len(pairs))
    present = (src_idx >= 0) & (tgt_idx >= 0)
    n_missing = int((~present).sum())
    if n_missing and on_missing == "raise":
        examples = [pairs[i] for i in np.flatnonzero(~present)[:5]]
        raise AnchorError(
            f"{n_missing} of {len(pairs)} anchor pairs name a word missing from a model "
            f"(e.g. {examples}); remove them or pass on_missing='skip' to ignore them"
        )
    if n_missing:
        logger.info("skipping %i of %i anchor pairs with a word missing from a model", n_missing, len(pairs))
    keep = np.flatnonzero(present)
    if keep.size == 0:
        raise AnchorError(
            f"none of the {len(pairs)} anchor pairs has both words in the models; check that the pair file's "
            "columns are in (source, target) order"
        )
    return Anchors(
        src_idx[keep], tgt_idx[keep],
        tuple(pairs[i][0] for i in keep), tuple(pairs[i][1] for i in keep), n_missing,
    )


def resolve_anchors(source: KeyedVectors, target: KeyedVectors, anchors: AnchorsLike = None, *,
                    n_anchors: int | None = AlignOptions.n_anchors, min_count: int = AlignOptions.anchor_min_count,
                    on_missing: OnMissing = AlignOptions.on_missing) -> Anchors:
    """Resolve any accepted spelling of anchors into an :class:`Anchors` of row indices.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
    anchors : None, list of (str, str), dict, iterable of str, str or os.PathLike, optional
        None: the shared words (see :func:`shared_anchors`); otherwise explicit pairs
        (see :func:`pair_anchors`).
    n_anchors, min_count : int, optional
        Passed to :func:`shared_anchors` (ignored with explicit pairs).
    on_missing : {"raise", "skip"}, optional
        Passed to :func:`pair_anchors`.

    Returns
    -------
    Anchors

    Raises
    ------
    OptionError
        An option out of its range (checked whether or not it applies to the anchors given).
    AnchorError
    """
    anchors = check_option("anchors", anchors)
    _checked_counts(n_anchors, min_count)
    check_option("on_missing", on_missing)
    if anchors is None:
        return shared_anchors(source, target, n_anchors=n_anchors, min_count=min_count)
    return pair_anchors(source, target, anchors, on_missing=on_missing)


#: Below this many anchors, robust trimming and the held-out estimate are skipped (too few to spare).
MIN_ANCHORS_FOR_STATISTICS = 50


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
    (n, d)·(d, d) product; the refit needs none (see ``gensim_merge._procrustes.robust_fit``). The held-out
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


def _check_anchors(value, name):
    """None, a pair file path, a dict, or a list of words or pairs; a one-pass iterable is read into a tuple."""
    if value is None or isinstance(value, (str, os.PathLike, Mapping, list, tuple)):
        return value
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Iterable):
        raise OptionTypeError(f"{name} must be {allowed('anchors')}, got a {type(value).__name__}", option=name,
                              value=value, allowed=allowed("anchors"))
    return tuple(value)  # a generator would be used up by the first fit made with these options


def _filter_counts(source, target):
    """The counts the ``min_count`` filter reads on each side, or None when it cannot apply.

    Real counts are used as they are. Rank stand-ins facing real counts are put on the real side's frequency
    curve (:func:`gensim_merge.counts.frequency_curve`), as a merge weighs them: filtering on the ranks
    themselves would keep nearly every word and fit worse (benchmarks/RESULTS.md section 13).
    Missing counts, or stand-ins on both sides, give nothing to filter on.
    """
    src, tgt = read_model_counts(source, "source"), read_model_counts(target, "target")
    if src.kind == "real" and tgt.kind == "stand-in":
        return src.values, frequency_curve(src.values, len(tgt.values))
    if tgt.kind == "real" and src.kind == "stand-in":
        return frequency_curve(tgt.values, len(src.values)), tgt.values
    if src.kind == tgt.kind == "real":
        return src.values, tgt.values
    return None


def _checked_counts(n_anchors, min_count):
    """`n_anchors` (None or an int >= 1: a cap, not an alignment, so 1 will do) and `min_count` (an int >= 0)."""
    return check_option_of("shared_anchors", "n_anchors", n_anchors), check_option("anchor_min_count", min_count,
                                                                                 "min_count")


def _scan_shared(source, target, n_anchors, min_count):
    """Rows of the shared words (frequent enough) that can be among the `n_anchors` of highest priority.

    Source words are looked up in the target a chunk at a time, most frequent first, and the scan stops
    once the `n_anchors`-th best priority found is better than the rank of every word not yet looked up
    (a word's priority is at least its source rank): on two large vocabularies this looks up a few
    multiples of `n_anchors` words instead of all of them (one dict lookup each, ~0.6 us on 1M words).

    Returns
    -------
    src_idx, tgt_idx : ndarray of intp
        The candidates, in no particular order.
    priority : ndarray of int64
        Their priorities (the worse of the two frequency ranks).
    n_shared : int
        Shared words seen by the scan (before the `min_count` filter).
    """
    src_ranks, tgt_ranks = frequency_ranks(source), frequency_ranks(target)
    by_rank = np.argsort(src_ranks, kind="stable")
    counted = _filter_counts(source, target) if min_count else None
    filter_counts = counted is not None
    src_counts, tgt_counts = counted or (None, None)
    lookup, keys = target.key_to_index.get, source.index_to_key
    found_src, found_tgt, n_shared, n_found = [], [], 0, 0
    start, step = 0, max(2 * (n_anchors or 0), _FIRST_SCAN)
    while start < by_rank.size:
        rows = by_rank[start:start + step]
        start += rows.size
        step *= 2
        tgt = np.fromiter(
            map(lookup, map(keys.__getitem__, rows.tolist()), itertools.repeat(-1)), dtype=np.intp, count=rows.size
        )
        shared = tgt >= 0
        n_shared += int(shared.sum())
        rows, tgt = rows[shared], tgt[shared]
        if filter_counts:
            frequent = (src_counts[rows] >= min_count) & (tgt_counts[tgt] >= min_count)
            rows, tgt = rows[frequent], tgt[frequent]
        found_src.append(rows)
        found_tgt.append(tgt)
        n_found += rows.size
        if n_anchors is not None and n_found >= n_anchors:
            priority = np.maximum(src_ranks[np.concatenate(found_src)], tgt_ranks[np.concatenate(found_tgt)])
            if np.partition(priority, n_anchors - 1)[n_anchors - 1] < start:
                break
    src_idx, tgt_idx = np.concatenate(found_src).astype(np.intp), np.concatenate(found_tgt).astype(np.intp)
    return src_idx, tgt_idx, np.maximum(src_ranks[src_idx], tgt_ranks[tgt_idx]), n_shared


def _as_pairs(anchors):
    """Normalise the accepted anchor spellings to a list of (source, target) tuples."""
    if isinstance(anchors, (str, os.PathLike)):
        return read_pairs_file(anchors)
    if isinstance(anchors, dict):
        return list(anchors.items())
    pairs = []
    for item in anchors:
        if isinstance(item, str):
            pairs.append((item, item))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            pairs.append((item[0], item[1]))
        else:
            raise AnchorError(
                f"each anchor must be a word (the same word in both models) or a (source_word, target_word) "
                f"pair, got {item!r}"
            )
    return pairs


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
