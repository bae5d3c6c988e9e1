"""Checks run once, at the public boundary; each raises the package's own error with a remedy."""

import math
import numbers
import re

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge.errors import (
    DimensionMismatchError,
    EmptyModelError,
    IncompatibleModelError,
    ModelFileError,
    NonFiniteVectorsError,
    OptionError,
    OptionTypeError,
)

__all__ = [
    "check_bool", "check_choice", "check_finite_rows", "check_integer", "check_keyed_vectors", "check_real",
    "check_same_dim", "check_word2vec_keys", "describe_integer", "describe_real",
]

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
    """Raise :class:`OptionError` (a ``ValueError``) unless ``value`` is one of ``choices``."""
    try:
        known = value in choices
    except TypeError:  # an unhashable value looked up in a dict or set
        known = False
    if not known:
        allowed = f"one of {sorted(choices)}"
        raise OptionError(f"{name} must be {allowed}, got {_shown(value)}", option=name, value=value, allowed=allowed)


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


def _shown(value):
    """`value` as a message shows it: numpy scalars as the Python number they hold."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _bounds(low, high, low_open, high_open):
    """A range in words: "in [0, 1)", ">= 2", "> 0"."""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def _inside(value, low, high, low_open, high_open):
    if low is not None and not (value > low if low_open else value >= low):
        return False
    return high is None or (value < high if high_open else value <= high)


def describe_integer(*, low=None, high=None, none=False):
    """The range :func:`check_integer` accepts, in words ("None or an integer >= 2")."""
    bounds = _bounds(low, high, False, False)
    return ("None or " if none else "") + "an integer" + (f" {bounds}" if bounds else "")


def describe_real(*, low=None, high=None, low_open=False, high_open=False):
    """The range :func:`check_real` accepts, in words ("in [0, 1)", "a finite number > 0")."""
    bounds = _bounds(low, high, low_open, high_open)
    return bounds if low is not None and high is not None else f"a finite number {bounds}".rstrip()


def check_bool(value, name):
    """Return `value` as a bool; raise :class:`OptionTypeError` unless it is a bool (or numpy bool)."""
    if not _is_bool(value):
        raise OptionTypeError(f"{name} must be True or False, got {_shown(value)} ({type(value).__name__})",
                              option=name, value=value, allowed="True or False")
    return bool(value)


def check_integer(value, name, *, low=None, high=None, none=False):
    """Return `value` as an int, checked against ``[low, high]`` (None: unbounded).

    Parameters
    ----------
    value : object
    name : str
        The option's name, for the message.
    low, high : int, optional
        Inclusive bounds.
    none : bool, optional
        Accept None (returned as it is).

    Raises
    ------
    OptionTypeError
        When `value` is not an integer (a bool is not one, nor is a float holding a whole number).
    OptionError
        When it is out of range.

    Examples
    --------
    >>> check_integer(5, "n_anchors", low=2)
    5
    >>> check_integer(-5, "n_anchors", low=2, none=True)
    Traceback (most recent call last):
    ...
    gensim_merge.errors.OptionError: n_anchors must be None or an integer >= 2, got -5
    """
    if value is None and none:
        return None
    allowed = describe_integer(low=low, high=high, none=none)
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise OptionTypeError(f"{name} must be {allowed}, got {_shown(value)} ({type(value).__name__})",
                              option=name, value=value, allowed=allowed)
    if not _inside(value, low, high, False, False):
        raise OptionError(f"{name} must be {allowed}, got {_shown(value)}", option=name, value=value,
                          allowed=allowed)
    return int(value)


def check_real(value, name, *, low=None, high=None, low_open=False, high_open=False):
    """Return `value` as a finite float, checked against the range given (None: unbounded).

    Raises
    ------
    OptionTypeError
        When `value` is not a real number (a bool is not one).
    OptionError
        When it is NaN, infinite or out of range.

    Examples
    --------
    >>> check_real(0.25, "heldout", low=0, high=1, high_open=True)
    0.25
    >>> check_real(1.5, "heldout", low=0, high=1, high_open=True)
    Traceback (most recent call last):
    ...
    gensim_merge.errors.OptionError: heldout must be in [0, 1), got 1.5
    """
    allowed = describe_real(low=low, high=high, low_open=low_open, high_open=high_open)
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise OptionTypeError(f"{name} must be {allowed}, got {_shown(value)} ({type(value).__name__})",
                              option=name, value=value, allowed=allowed)
    if not math.isfinite(value) or not _inside(value, low, high, low_open, high_open):
        raise OptionError(f"{name} must be {allowed}, got {_shown(value)}", option=name, value=value,
                          allowed=allowed)
    return float(value)
