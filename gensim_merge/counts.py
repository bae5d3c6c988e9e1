"""Word counts: the one reader of a model's counts, gensim's vocabulary files, and gensim's rank stand-ins.

A word2vec text or binary file holds no counts. gensim's ``load_word2vec_format`` then fills the ``count``
attribute with made-up ones, descending by rank (``n, n - 1, ..., 1`` for ``n`` words), unless it is given
the vocabulary file written with the vectors (``fvocab=``: one ``word count`` line per word, what
``word2vec -save-vocab`` and ``save_word2vec_format(fvocab=...)`` write). :func:`looks_rank_based` spots
them, :func:`counts_for` reads the real ones.

One rule for counts
-------------------
Every part of the package reads a model's counts through :func:`read_model_counts`, which says which of three
kinds they are:

- ``"real"``: whole numbers from 0 to 2**63 - 1, one per word; used as they are. Anything else in the
  ``count`` attribute (negative, fractional dtype with NaN, text, ...) is a :class:`CountsError`.
- ``"stand-in"``: exactly gensim's ``n, n - 1, ..., 1``. They are a *frequency order* (gensim files list
  words by descending frequency), never counts: where counts order words (anchor choice, the merged order)
  the rank order is used; where counts weigh estimates or set frequencies, the ranks are first put on a
  frequency curve (:func:`frequency_curve`: the real counts of another input at the same rank, or a Zipf
  curve when no input has real counts), and whatever reports the result says so; they are never added to
  real counts.
- ``"missing"``: no ``count`` attribute (or one of the wrong length): the stored order is taken as the
  frequency order, as for stand-ins; weighing by counts needs real or stand-in counts (a count-weighted
  merge refuses, an ensemble weighs its members equally).

Examples
--------
>>> import numpy as np
>>> looks_rank_based(np.array([3, 2, 1])), looks_rank_based(np.array([30, 2, 1]))
(True, False)
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from gensim import utils
from gensim.models import KeyedVectors

from gensim_merge._typing import PathType
from gensim_merge.errors import CountsError, ModelFileError

__all__ = ["MAX_COUNT", "ModelCounts", "counts_for", "frequency_curve", "looks_rank_based", "model_counts",
           "read_counts", "read_model_counts", "zipf_counts"]

#: The largest count (int64).
MAX_COUNT = np.iinfo(np.int64).max
#: The kinds of counts a model can carry (see the module docstring).
CountsKind = Literal["real", "stand-in", "missing"]
#: The total of the Zipf curve given to a model without real counts when no real counts are at hand.
_ZIPF_TOP = 1_000_000


@dataclass(frozen=True, eq=False)
class ModelCounts:
    """A model's counts as :func:`read_model_counts` finds them.

    Attributes
    ----------
    values : (n,) int64 ndarray or None
        The ``count`` attribute (the stand-ins themselves for ``"stand-in"``); None when ``"missing"``.
    kind : {"real", "stand-in", "missing"}
    """

    values: np.ndarray | None
    kind: CountsKind

    @property
    def real(self) -> np.ndarray | None:
        """The counts when they are real, else None."""
        return self.values if self.kind == "real" else None


def read_model_counts(kv: KeyedVectors, name: str = "the model") -> ModelCounts:
    """The counts of `kv` and their kind: the one reader of counts (see the module docstring).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        Only read.
    name : str, optional
        How messages name the model.

    Returns
    -------
    ModelCounts

    Raises
    ------
    CountsError
        A ``count`` attribute holding values that are no counts.

    Examples
    --------
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["the", "cat", "sat"], np.ones((3, 2), dtype=np.float32))
    >>> read_model_counts(kv).kind
    'missing'
    >>> kv.expandos["count"] = np.array([3, 2, 1]); read_model_counts(kv).kind
    'stand-in'
    >>> kv.expandos["count"] = np.array([70, 9, 9]); read_model_counts(kv).kind
    'real'
    """
    values = model_counts(kv, name)
    if values is None:
        return ModelCounts(None, "missing")
    return ModelCounts(values, "stand-in" if looks_rank_based(values) else "real")


def frequency_curve(reference: npt.ArrayLike | None, n: int) -> np.ndarray:
    """Counts for ranks 1..n on a frequency curve: `reference`'s counts at the same rank, or a Zipf curve.

    What stand-in (or missing) counts become where counts must weigh something: the word at rank ``r`` gets
    the ``r``-th largest of the `reference` counts (real counts of another model); beyond them, the power law
    fitted (least squares in log-log) to them, never above the smallest reference count. Without a
    reference, ``round(1e6 / r)`` (at least 1).

    Parameters
    ----------
    reference : array_like of int, or None
        Real counts of another model (any order).
    n : int
        Number of ranks.

    Returns
    -------
    (n,) int64 ndarray
        Non-increasing, at least 1.

    Examples
    --------
    >>> frequency_curve([5, 40, 10], 4).tolist()
    [40, 10, 5, 3]
    >>> frequency_curve(None, 3).tolist()
    [1000000, 500000, 333333]
    """
    if reference is None or np.size(reference) == 0:
        return zipf_counts(n)
    curve = np.maximum(np.sort(np.asarray(reference, dtype=np.int64))[::-1], 1)
    if n <= curve.size:
        return curve[:n].copy()
    tail = np.full(n - curve.size, curve[-1], dtype=np.int64)
    if curve.size > 1:
        ranks = np.log(np.arange(1, curve.size + 1))
        slope, intercept = np.polyfit(ranks, np.log(curve.astype(np.float64)), 1)
        fitted = np.exp(intercept + slope * np.log(np.arange(curve.size + 1, n + 1)))
        tail = np.clip(np.rint(fitted), 1, curve[-1]).astype(np.int64)
    return np.concatenate([curve, tail])


def zipf_counts(n: int) -> np.ndarray:
    """``round(1e6 / r)`` (at least 1) for ranks ``r = 1..n``: a Zipf curve where no real counts are known."""
    return np.maximum(1, np.rint(_ZIPF_TOP / np.arange(1, n + 1))).astype(np.int64)


def looks_rank_based(counts: npt.ArrayLike | None) -> bool:
    """Whether `counts` are exactly gensim's stand-ins for a file without counts (``n, n - 1, ..., 1``).

    Parameters
    ----------
    counts : (n,) array_like of int, or None

    Returns
    -------
    bool
        False for None and for a single word (nothing to tell).
    """
    if counts is None:
        return False
    counts = np.asarray(counts)
    n = counts.shape[0] if counts.ndim == 1 else 0
    return n > 1 and bool(np.array_equal(counts, np.arange(n, 0, -1)))


def read_counts(path: PathType, *, encoding: str = "utf8", unicode_errors: str = "strict") -> dict[str, int]:
    """The counts of a gensim vocabulary file (``fvocab``): one ``word count`` line per word.

    Parameters
    ----------
    path : str or os.PathLike
        The file (compressed files are read as gensim reads them).
    encoding, unicode_errors : str, optional
        How the words are decoded (as in ``load_word2vec_format``).

    Returns
    -------
    dict
        Word -> count (int). A word listed twice keeps its last count, as in gensim.

    Raises
    ------
    ModelFileError
        A missing file, or a line that is not a word and a whole number from 0 up.
    """
    path = os.fspath(path)
    counts = {}
    try:
        with utils.open(path, "rb") as fin:
            for number, line in enumerate(fin, 1):
                parts = line.decode(encoding, errors=unicode_errors).split()
                if not parts:
                    continue
                if len(parts) != 2 or not (parts[1].isascii() and parts[1].isdigit()) or int(parts[1]) > MAX_COUNT:
                    raise ModelFileError(
                        f"{path} line {number} reads {line[:60]!r}: a vocabulary (counts) file holds one "
                        "'word count' pair per line, counts from 0 to 2**63 - 1 (what word2vec -save-vocab or "
                        "save_word2vec_format(fvocab=...) writes); give that file"
                    )
                counts[parts[0]] = int(parts[1])
    except FileNotFoundError as err:
        raise ModelFileError(f"no such counts file: {path}") from err
    except UnicodeDecodeError as err:
        raise ModelFileError(f"{path} is not {encoding} text ({err.reason} at byte {err.start}); give the "
                             "vocabulary file's encoding") from err
    return counts


def counts_for(kv: KeyedVectors, path: PathType, *, encoding: str = "utf8",
               unicode_errors: str = "strict") -> np.ndarray:
    """The counts that the vocabulary file `path` gives the words of `kv`, in `kv`'s order.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        Not modified; set the result with ``kv.expandos["count"] = counts_for(kv, path)``.
    path : str or os.PathLike
        See :func:`read_counts`; it may list more words than `kv` holds.
    encoding, unicode_errors : str, optional

    Returns
    -------
    (len(kv),) int64 ndarray

    Raises
    ------
    ModelFileError
        A file :func:`read_counts` refuses.
    CountsError
        Words of `kv` that the file does not count.

    Examples
    --------
    >>> import tempfile
    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["the", "cat"], np.ones((2, 2), dtype=np.float32))
    >>> with tempfile.NamedTemporaryFile("w", suffix=".vocab", delete=False) as f:
    ...     _ = f.write("the 2052\\ncat 7\\ndog 3\\n")
    >>> counts_for(kv, f.name).tolist()
    [2052, 7]
    """
    table = read_counts(path, encoding=encoding, unicode_errors=unicode_errors)
    keys = kv.index_to_key
    counts = np.fromiter(map(table.get, keys, itertools.repeat(-1)), dtype=np.int64, count=len(keys))
    missing = np.flatnonzero(counts < 0)
    if missing.size:
        examples = [keys[i] for i in missing[:5]]
        raise CountsError(
            f"{os.fspath(path)} gives no count for {missing.size} of the model's {len(keys)} words (e.g. "
            f"{examples}); give the vocabulary file written with these vectors"
        )
    return counts


def model_counts(kv: KeyedVectors, name: str) -> np.ndarray | None:
    """The ``count`` attribute of `kv` as int64 (None when absent), or an error for counts that are no counts."""
    counts = kv.expandos.get("count")
    if counts is None or len(counts) != len(kv.index_to_key):
        return None
    counts = np.asarray(counts)
    if counts.size and counts.dtype.kind in "iuf":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(counts) | (counts < 0) | (counts > (2.0 ** 63 - 1024 if counts.dtype.kind == "f"
                                                                  else MAX_COUNT))
    else:
        bad = np.zeros(counts.shape, dtype=bool) if counts.dtype.kind in "iufb" else np.ones(counts.shape, bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CountsError(
            f"{name}'s 'count' attribute holds {counts[i].item()!r} for {kv.index_to_key[i]!r} "
            f"({int(bad.sum())} such value(s)): counts must be whole numbers from 0 to 2**63 - 1; repair them on "
            "a copy, or drop them (del kv.expandos['count']) and merge with strategy='mean'"
        )
    return counts.astype(np.int64)
