"""Word counts: gensim's vocabulary files, and telling real counts from gensim's rank-based stand-ins.

A word2vec text or binary file holds no counts. gensim's ``load_word2vec_format`` then fills the ``count``
attribute with made-up ones, descending by rank (``n, n - 1, ..., 1`` for ``n`` words), unless it is given
the vocabulary file written with the vectors (``fvocab=``: one ``word count`` line per word, what
``word2vec -save-vocab`` and ``save_word2vec_format(fvocab=...)`` write). A merge weighs shared words by
their counts and orders the result by their sums, so stand-ins silently turn both into rank arithmetic;
:func:`looks_rank_based` spots them, :func:`counts_for` reads the real ones.

Examples
--------
>>> import numpy as np
>>> looks_rank_based(np.array([3, 2, 1])), looks_rank_based(np.array([30, 2, 1]))
(True, False)
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import numpy.typing as npt
from gensim import utils
from gensim.models import KeyedVectors

from gensim_merge._typing import PathType
from gensim_merge.errors import CountsError, ModelFileError

__all__ = ["MAX_COUNT", "counts_for", "looks_rank_based", "model_counts", "read_counts"]

#: The largest count (int64).
MAX_COUNT = np.iinfo(np.int64).max


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
