"""Nearest neighbours by cosine, vectorised: the one top-k search of the package (closeness and the report).

No vocabulary-by-vocabulary matrix is built: queries are compared with all rows a block at a time, and the
top-k comes from :func:`numpy.argpartition` (with a sampled pre-filter on wide rows).
"""

import numpy as np

from gensim_merge._anchor_products import unit_rows

__all__ = ["nearest_keys", "nearest_rows", "top_k"]

_PREFILTER_STEP = 16  # every 16th column gives each row a lower bound on its k-th largest value
_CHUNK_ROWS = 65536   # model rows per block in nearest_keys; bounds the temporaries


def top_k(sims, k):
    """Column indices of the `k` largest values of each row of `sims` (in no particular order).

    Equivalent to ``np.argpartition(sims, -k, axis=1)[:, -k:]`` up to ties, and faster on wide rows: the
    k-th largest value of every 16th column is a lower bound on the row's k-th largest, so only the few
    values above it (about 16 k per row) need ranking.

    Examples
    --------
    >>> import numpy as np
    >>> np.sort(top_k(np.array([[0.1, 0.9, 0.5, 0.7]]), 2), axis=1)
    array([[1, 3]])
    """
    n_rows, n_cols = sims.shape
    if n_cols < 8 * k * _PREFILTER_STEP:
        return np.argpartition(sims, -k, axis=1)[:, -k:]
    sample = np.ascontiguousarray(sims[:, ::_PREFILTER_STEP])
    bound = np.partition(sample, -k, axis=1)[:, -k]
    flat = np.flatnonzero(sims >= bound[:, None])  # at least k per row: the sample's own top k
    rows, cols = np.divmod(flat, n_cols)
    order = np.lexsort((-sims.ravel()[flat], rows))  # by row, then by descending value
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    return cols[starts[:, None] + np.arange(k)]


def nearest_rows(unit, queries, topn):
    """Rows of the `topn` highest cosines of each query row of `unit` (unit-length rows), itself excluded.

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> nearest_rows(unit, np.array([0, 2]), 1)
    array([[1],
           [1]])
    """
    sims = unit[queries] @ unit.T
    sims[np.arange(len(queries)), queries] = -np.inf
    return top_k(sims, topn)


def nearest_keys(kv, rows, topn):
    """The `topn` nearest keys of each row in `rows` (closest first, itself excluded); `kv` is only read.

    The model's vectors are normalised a block at a time (a zero vector stays zero), so no normalised
    copy of a large model is made.

    Examples
    --------
    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> nearest_keys(kv, [0, 2], 2)
    [['b', 'c'], ['b', 'a']]
    """
    if not len(rows):
        return []
    rows = np.asarray(rows, dtype=np.intp)
    k = min(topn, len(kv.index_to_key) - 1)
    if k <= 0:
        return [[] for _ in rows]
    queries = unit_rows(np.asarray(kv.vectors[rows]), dtype=np.float64)
    sims = np.empty((len(rows), len(kv.index_to_key)), dtype=np.float32)
    for start in range(0, sims.shape[1], _CHUNK_ROWS):
        block = unit_rows(np.asarray(kv.vectors[start:start + _CHUNK_ROWS]), dtype=np.float64)
        sims[:, start:start + _CHUNK_ROWS] = queries @ block.T
    sims[np.arange(len(rows)), rows] = -np.inf
    top = top_k(sims, k)
    order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    keys = kv.index_to_key
    return [[keys[i] for i in line] for line in top.tolist()]
