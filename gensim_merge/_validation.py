"""Checks run once, at the public boundary; each raises the package's own error with a remedy.

:data:`OPTIONS` is the one table of every option's type, default and allowed range, per entry point (in the
spirit of scikit-learn's ``_parameter_constraints``); :func:`check_options_of` checks a call's options against
it before any work, with one message format: ``"<option> must be <allowed>, got <value>"``.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
import re
from typing import Any

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
    "MAX_MEMBERS",
    "MAX_RIDGE",
    "MAX_SEED",
    "OPTIONS",
    "RIDGE_PER_SQUARED_NORM",
    "WORD2VEC_PASS_THROUGH",
    "Option",
    "check_bool",
    "check_choice",
    "check_finite_rows",
    "check_integer",
    "check_keyed_vectors",
    "check_option_of",
    "check_options_of",
    "check_real",
    "check_same_dim",
    "check_word2vec_keys",
    "default_of",
    "describe_integer",
    "describe_real",
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


# ----------------------------------------------------------------------------------------------------------
# the table of every option

_NO_DEFAULT = "(required)"


@dataclasses.dataclass(frozen=True)
class Option:
    """One option's type, default and allowed values: a row of :data:`OPTIONS`.

    Attributes
    ----------
    kind : {"integer", "real", "bool", "choice"}
    default : object
        The entry point's default (``"(required)"`` where there is none).
    low, high : number, optional
        Bounds (None: unbounded). Every number has both: an upper bound that a real run could want.
    low_open, high_open : bool
        Exclusive bounds (reals only).
    none : bool
        None is accepted too (integers only).
    choices : tuple of str
        The choices of a ``"choice"``.
    """

    kind: str
    default: Any = _NO_DEFAULT
    low: Any = None
    high: Any = None
    low_open: bool = False
    high_open: bool = False
    none: bool = False
    choices: tuple = ()

    def allowed(self) -> str:
        """The values accepted, in words (``"an integer in [1, 10000]"``)."""
        if self.kind == "integer":
            return describe_integer(low=self.low, high=self.high, none=self.none)
        if self.kind == "real":
            return ("None or " if self.none else "") + describe_real(
                low=self.low, high=self.high, low_open=self.low_open, high_open=self.high_open)
        if self.kind == "bool":
            return "True or False"
        return f"one of {sorted(self.choices)}"

    def check(self, value: Any, name: str) -> Any:
        """`value` normalised (a Python int, float, bool or str), or the package's OptionError naming `name`."""
        if value is None and self.none:
            return None
        if self.kind == "real" and self.none:
            try:
                return check_real(value, name, low=self.low, high=self.high, low_open=self.low_open,
                                  high_open=self.high_open)
            except OptionError as err:  # the message names None too
                raise type(err)(f"{name} must be {self.allowed()}, got {_shown(value)}"
                                + (f" ({type(value).__name__})" if isinstance(err, OptionTypeError) else ""),
                                option=name, value=value, allowed=self.allowed()) from None
        if self.kind == "integer":
            return check_integer(value, name, low=self.low, high=self.high, none=self.none)
        if self.kind == "real":
            return check_real(value, name, low=self.low, high=self.high, low_open=self.low_open,
                              high_open=self.high_open)
        if self.kind == "bool":
            return check_bool(value, name)
        if not isinstance(value, str):
            raise OptionTypeError(f"{name} must be {self.allowed()}, got {_shown(value)} ({type(value).__name__})",
                                  option=name, value=value, allowed=self.allowed())
        check_choice(value, self.choices, name)
        return value


def _integer(low, high, default=_NO_DEFAULT, *, none=False):
    return Option("integer", default, low, high, none=none)


def _real(low, high, default=_NO_DEFAULT, *, low_open=False, high_open=False):
    return Option("real", default, low, high, low_open=low_open, high_open=high_open)


def _choice(choices, default=_NO_DEFAULT):
    return Option("choice", default, choices=tuple(choices))


def _bool(default=_NO_DEFAULT):
    return Option("bool", default)


#: Most members of an ensemble (each word records which members held it, in 64 bits).
MAX_MEMBERS = 64
#: Largest seed: gensim seeds its generators with 32-bit numbers (numpy accepts them too).
MAX_SEED = 2**32 - 1
#: Rows of a chunk (``chunk_size``): a chunk never holds more rows than the array, so this only refuses nonsense.
_MAX_ROWS = 10**9
#: Training passes, and training threads.
_MAX_EPOCHS, _MAX_WORKERS = 10_000, 1024
#: Words counted (``min_count``, ``anchor_min_count``): no corpus holds a word 10^12 times.
_MAX_COUNT = 10**12
#: ``ridge`` of a linear map. Anchors are unit vectors by default (``normalize=True``), so ``A^T A`` has trace n:
#: far beyond that the map is ``A^T B / ridge`` (the same map, rescaled) and then underflows to zero. A fit also
#: refuses a ridge above :data:`RIDGE_PER_SQUARED_NORM` times the anchors' total squared norm (see the fit).
MAX_RIDGE = 1e12
#: The fit's data-dependent ridge bound, per unit of the fitted anchors' total squared norm (``trace(A^T A)``):
#: at that ridge the mapped vectors are already ~1e-8 of their length, and a larger one only shrinks them further.
RIDGE_PER_SQUARED_NORM = 1e8

_ALIGN_SEED = _integer(0, MAX_SEED, 0, none=True)

#: Every option of every entry point: ``OPTIONS[entry][option]`` is its :class:`Option`. Options of more than one
#: entry point are the same row (one object). Models, corpora, names, paths, callables and ``reference`` (an
#: index or name of the models given, checked against them) are not options of this table.
OPTIONS: dict[str, dict[str, Option]] = {}
OPTIONS["align"] = {  # AlignOptions (align_to, merge, ensemble, the continuation's alignments, the CLI)
    "method": _choice(("orthogonal", "linear"), "orthogonal"),
    "center": _bool(False),
    "normalize": _bool(True),
    "ridge": _real(0, MAX_RIDGE, 0.0),
    "n_anchors": _integer(2, _MAX_ROWS, 5000, none=True),
    "anchor_min_count": _integer(0, _MAX_COUNT, 20),
    "on_missing": _choice(("raise", "skip"), "raise"),
    "trim": _bool(True),
    "trim_threshold": _real(0, 1000, 3.0, low_open=True),
    "heldout": _real(0, 1, 0.1, high_open=True),
    "seed": _ALIGN_SEED,
}
OPTIONS["fit_alignment"] = {**{k: v for k, v in OPTIONS["align"].items()
                               if k not in ("n_anchors", "anchor_min_count", "on_missing")},
                            "max_rounds": _integer(1, 1000, 2), "n_shifted": _integer(0, 10**6, 20),
                            "n_missing": _integer(0, _MAX_ROWS, 0)}
OPTIONS["shared_anchors"] = {"n_anchors": _integer(1, _MAX_ROWS, 5000, none=True),
                             "min_count": OPTIONS["align"]["anchor_min_count"]}
_CHUNK = _integer(1, _MAX_ROWS, 65536)
OPTIONS["apply"] = {"chunk_size": _CHUNK}  # Alignment.apply, apply_alignment, align_to
OPTIONS["merge"] = {  # merge, merge_vectors, merge_with (word2vec and fastText)
    "strategy": _choice(("count", "mean", "reference"), "count"),
    "count_rule": _choice(("sum", "max"), "sum"),
    "align": _bool(True),
    "chunk_size": _CHUNK,
    "bucket_weights": _choice(("corpus", "mean", "ngram"), "ngram"),  # fastText only
}
OPTIONS["ensemble"] = {"chunk_size": _CHUNK}
OPTIONS["continue_training"] = {  # continue_training, MergeableKeyedVectors.continue_from, the CLI's continue
    "epochs": _integer(1, _MAX_EPOCHS, None, none=True),
    "alpha": Option("real", None, 0, 1, low_open=True, none=True),
    "min_alpha": Option("real", None, 0, 1, none=True),
    "min_count": _integer(1, _MAX_COUNT, None, none=True),
    "min_count_rule": _choice(("combined", "new"), "combined"),
    "resort": _bool(True),
    "warm_start_epochs": _integer(0, _MAX_EPOCHS, 1),
    "workers": _integer(1, _MAX_WORKERS, None, none=True),
    "inplace": _bool(False),
    "allow_pickle": _bool(False),  # a source path in gensim's native format may be unpickled
    "seed": _integer(0, MAX_SEED, None, none=True),  # with members=k, seed + k - 1 too
    "members": _integer(1, MAX_MEMBERS, 1),  # averaged as an ensemble
}
OPTIONS["continue_fasttext"] = {k: OPTIONS["continue_training"][k]
                                for k in ("epochs", "alpha", "min_alpha", "min_count_rule", "resort", "workers",
                                          "allow_pickle")}
OPTIONS["closeness"] = {  # closeness, neighbour_overlap, similarity_correlation, the CLI's evaluate
    "topn": _integer(1, 1000, 10),  # a chunk compares chunk_size * topn^2 neighbour pairs at once
    "max_words_per_group": _integer(1, _MAX_ROWS, 2000, none=True),
    "n_pairs": _integer(1, 10**7, 20000),  # 32 bytes per pair
    "seed": _integer(0, MAX_SEED, 0),
    "chunk_size": _integer(1, 100_000, 256),  # memory: 2 * chunk_size * shared words floats
}
OPTIONS["standard_scores"] = {"restrict_vocab": _integer(1, _MAX_ROWS, 300000),
                              "analogy_restrict_vocab": _integer(1, _MAX_ROWS, 30000)}


def _word2vec_defaults():
    from gensim.models import Word2Vec

    return {name: p.default for name, p in inspect.signature(Word2Vec.__init__).parameters.items()}


_W2V = _word2vec_defaults()
#: ``word2vec_kwargs`` of a warm start (the Word2Vec built around vectors alone); defaults are gensim's own.
OPTIONS["word2vec_kwargs"] = {
    "vector_size": _integer(1, 100_000, _W2V["vector_size"]),  # must also be the vectors' own
    "alpha": _real(0, 1, _W2V["alpha"], low_open=True),
    "min_alpha": _real(0, 1, _W2V["min_alpha"]),
    "window": _integer(1, 10_000, _W2V["window"]),
    "min_count": _integer(1, _MAX_COUNT, _W2V["min_count"]),
    "max_vocab_size": _integer(1, _MAX_COUNT, _W2V["max_vocab_size"], none=True),
    "max_final_vocab": _integer(1, _MAX_COUNT, _W2V["max_final_vocab"], none=True),
    "sample": _real(0, 1e9, _W2V["sample"]),  # below 1 a share, above a count (gensim's rule)
    "seed": _integer(0, MAX_SEED, _W2V["seed"]),
    "workers": _integer(1, _MAX_WORKERS, _W2V["workers"]),
    "sg": _integer(0, 1, _W2V["sg"]),
    "hs": _integer(0, 1, _W2V["hs"]),  # hs=1 is then refused: a warm start learns negative sampling only
    "negative": _integer(1, 1000, _W2V["negative"]),
    "ns_exponent": _real(-10, 10, _W2V["ns_exponent"]),
    "cbow_mean": _integer(0, 1, _W2V["cbow_mean"]),
    "epochs": _integer(1, _MAX_EPOCHS, _W2V["epochs"]),
    "null_word": _integer(0, 1, _W2V["null_word"]),
    "sorted_vocab": _integer(0, 1, _W2V["sorted_vocab"]),
    "batch_words": _integer(1, 10**7, _W2V["batch_words"]),
    "compute_loss": _bool(_W2V["compute_loss"]),
    "shrink_windows": _bool(_W2V["shrink_windows"]),
}
#: ``word2vec_kwargs`` passed to gensim as they are (not numbers); any other name is refused.
WORD2VEC_PASS_THROUGH = ("trim_rule", "callbacks", "comment", "hashfxn")


def default_of(entry: str, option: str) -> Any:
    """The default of `option` of `entry` (``default_of("closeness", "topn") == 10``)."""
    return OPTIONS[entry][option].default


def check_option_of(entry: str, option: str, value: Any, name: str | None = None) -> Any:
    """`value` of `option` of `entry` checked against :data:`OPTIONS` and normalised; `name` spells it."""
    return OPTIONS[entry][option].check(value, name or option)


def check_options_of(entry: str, spell=None, **values: Any) -> dict[str, Any]:
    """Check several options of `entry` at once (in the order given); return them normalised.

    `spell` maps an option name to how the caller's user types it (the command line's ``--min-alpha``).

    Examples
    --------
    >>> check_options_of("closeness", topn=10, seed=0)
    {'topn': 10, 'seed': 0}
    >>> check_options_of("continue_training", epochs=10**20)
    Traceback (most recent call last):
    ...
    gensim_merge.errors.OptionError: epochs must be None or an integer in [1, 10000], got 100000000000000000000
    """
    spell = spell or (lambda name: name)
    return {option: check_option_of(entry, option, value, spell(option)) for option, value in values.items()}


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


def _number(bound):
    """A bound as a message shows it: long integers with ``_`` between thousands (as Python and ``int()`` read
    them), large reals in exponent form."""
    if isinstance(bound, numbers.Integral) and abs(bound) >= 100_000:
        return f"{bound:_}"
    if isinstance(bound, float) and abs(bound) >= 1e6:
        return f"{bound:g}"
    return str(bound)


def _bounds(low, high, low_open, high_open):
    """A range in words: "in [0, 1)", ">= 2", "> 0"."""
    low, high = (None if b is None else _number(b) for b in (low, high))
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
