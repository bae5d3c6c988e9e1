"""Checks run once, at the public boundary; each raises the package's own error with a remedy."""

import re

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge.errors import (
    DimensionMismatchError,
    EmptyModelError,
    IncompatibleModelError,
    ModelFileError,
    NonFiniteVectorsError,
)

__all__ = ["check_choice", "check_finite_rows", "check_keyed_vectors", "check_same_dim", "check_word2vec_keys"]

_WHITESPACE = re.compile(r"\s")


def check_keyed_vectors(kv, name):
    """Raise unless `kv` is a non-empty gensim KeyedVectors whose vectors match its keys."""
    if not isinstance(kv, KeyedVectors):
        raise IncompatibleModelError(
            f"{name} must be a gensim KeyedVectors (or MergeableKeyedVectors), got {type(kv).__name__}; "
            "for a full Word2Vec model pass model.wv"
        )
    if len(kv.index_to_key) == 0 or kv.vectors.shape[0] == 0:
        raise EmptyModelError(f"{name} holds no vectors; train or load a model with at least one word first")
    if kv.vectors.shape[0] != len(kv.index_to_key) or kv.index_to_key[-1] is None:
        raise EmptyModelError(
            f"{name} has {kv.vectors.shape[0]} vector rows for {len(kv.key_to_index)} keys; "
            "it was pre-allocated and only partly filled (gensim's KeyedVectors(count=...) followed by "
            "add_vectors): build it with add_vectors on an empty KeyedVectors(vector_size) instead"
        )


def check_same_dim(a, b, a_name="source", b_name="target"):
    """Raise :class:`DimensionMismatchError` unless both models have the same vector size."""
    if a.vector_size != b.vector_size:
        raise DimensionMismatchError(
            f"{a_name} and {b_name} have different vector sizes ({a.vector_size},) vs ({b.vector_size},); "
            "vectors of different dimensionality cannot be aligned or merged: retrain one of them "
            "with the other's vector_size"
        )


def check_finite_rows(vectors, keys, what, row_offset=0):
    """Raise :class:`NonFiniteVectorsError` naming the first word whose vector holds NaN or inf.

    Parameters
    ----------
    vectors : (n, d) ndarray
        The rows to check.
    keys : list of str or None
        Keys of the whole model (indexed with ``row_offset + i``); None names rows by number.
    what : str
        How the message names the model.
    row_offset : int, optional
        Index of ``vectors[0]`` in the model (for chunked checks).
    """
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        row = row_offset + int(bad[0])
        first = keys[row] if keys is not None else f"row {row}"
        raise NonFiniteVectorsError(
            f"{what} holds {bad.size} vector(s) with NaN or inf values (first: {first!r}); "
            "drop or repair those words (e.g. model.vectors[~np.isfinite(model.vectors).all(1)] = 0 "
            "on a copy) before aligning or merging"
        )


def check_choice(value, choices, name):
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")


def check_word2vec_keys(keys, fmt):
    """Raise :class:`ModelFileError` unless the word2vec formats can hold every key and load it back as it is.

    They cannot hold empty keys, keys containing whitespace (a record is split on it) or keys that are not
    encodable as UTF-8 (lone surrogates).
    """
    keys = [str(k) for k in keys]
    joined = "\x00".join(keys)
    if _WHITESPACE.search(joined) is not None or (keys and min(len(k) for k in keys) == 0):
        example = next((k for k in keys if not k or _WHITESPACE.search(k)), "")
        raise ModelFileError(
            f"the {fmt} format cannot hold keys that are empty or contain whitespace (e.g. {example!r}): the "
            "file would load back with different keys; save as .safetensors (or .kv) instead")
    try:
        joined.encode("utf8")
    except UnicodeEncodeError:
        example = next(k for k in keys if not _encodable(k))
        raise ModelFileError(
            f"the {fmt} format holds UTF-8 keys and {example!r} cannot be encoded (a lone surrogate); save as "
            ".safetensors (or .kv) instead, or repair the key") from None


def _encodable(key):
    try:
        key.encode("utf8")
    except UnicodeEncodeError:
        return False
    return True
