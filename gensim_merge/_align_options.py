"""The options of an alignment, each with its default and allowed range written once.

:class:`AlignOptions` is re-exported by :mod:`gensim_merge.alignment` (its public home). It lives in a module
of its own so that :mod:`gensim_merge.anchors`, which :mod:`gensim_merge.alignment` imports, can take its
defaults from it too without an import cycle.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from gensim_merge._procrustes import ALIGNERS
from gensim_merge._typing import AlignMethod, AnchorsLike, OnMissing
from gensim_merge._validation import (
    check_bool,
    check_choice,
    check_integer,
    check_real,
    describe_integer,
    describe_real,
)
from gensim_merge.errors import OptionError, OptionTypeError

__all__ = ["ON_MISSING", "AlignOptions", "AlignOptionsLike", "allowed", "check_option"]

#: ``on_missing`` choices for explicit pairs whose words a model does not hold.
ON_MISSING = ("raise", "skip")


def _check_anchors(value, name):
    """None, a pair file path, a dict, or a list of words or pairs; a one-pass iterable is read into a tuple."""
    if value is None or isinstance(value, (str, os.PathLike, Mapping, list, tuple)):
        return value
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Iterable):
        raise OptionTypeError(f"{name} must be {allowed('anchors')}, got a {type(value).__name__}", option=name,
                              value=value, allowed=allowed("anchors"))
    return tuple(value)  # a generator would be used up by the first fit made with these options


def _check_word(value, choices, name):
    if not isinstance(value, str):
        allowed = f"one of {sorted(choices)}"
        raise OptionTypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})", option=name,
                              value=value, allowed=allowed)
    check_choice(value, choices, name)
    return value


#: The range of each numeric option (the one place it is written; the docstring below repeats it for readers).
_INTEGERS = {"n_anchors": {"low": 2, "none": True}, "anchor_min_count": {"low": 0}, "seed": {"low": 0, "none": True}}
_REALS = {"ridge": {"low": 0}, "trim_threshold": {"low": 0, "low_open": True},
          "heldout": {"low": 0, "high": 1, "high_open": True}}
_CHOICES = {"method": ALIGNERS, "on_missing": ON_MISSING}
_BOOLS = ("center", "normalize", "trim")


def _bound(check: Callable[..., Any], **rule: Any) -> Callable[[Any, str], Any]:
    """``check(value, name=name, **rule)`` as a ``(value, name)`` check."""
    return lambda value, name: check(value, name=name, **rule)


#: One check per option: ``check(value, name)`` returns the value normalised (Python numbers) or raises.
_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "anchors": _check_anchors,
    **{option: check_bool for option in _BOOLS},
    **{option: _bound(_check_word, choices=choices) for option, choices in _CHOICES.items()},
    **{option: _bound(check_integer, **r) for option, r in _INTEGERS.items()},
    **{option: _bound(check_real, **r) for option, r in _REALS.items()},
}


def allowed(option: str) -> str:
    """The values an option accepts, in words (e.g. ``allowed("heldout") == "in [0, 1)"``)."""
    if option in _INTEGERS:
        return describe_integer(**_INTEGERS[option])
    if option in _REALS:
        return describe_real(**_REALS[option])
    if option in _CHOICES:
        return f"one of {sorted(_CHOICES[option])}"
    if option in _BOOLS:
        return "True or False"
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
    return _CHECKS[option](value, name or option)


@dataclass(frozen=True)
class AlignOptions:
    """The options of an alignment: which anchors, which map, which preprocessing, how robust, how checked.

    Every field is checked when the options are made (so a bad value fails before any work), and numbers are
    stored as Python ``int``/``float``. A bool is not a number here, and a float is not an integer.

    Attributes
    ----------
    anchors : None, list of (str, str), dict, iterable of str, str or os.PathLike
        Guide-post pairs (source word, target word). None: the words both models share, most frequent first
        (see :func:`gensim_merge.anchors.shared_anchors`); a list of pairs, a dict, a list of words present in
        both, or the path of a two-column pair file. A one-pass iterable is read into a tuple.
    method : {"orthogonal", "linear"}
        Orthogonal Procrustes (keeps the geometry of the source) or a general least-squares map.
    center : bool
        Subtract each side's anchor mean before fitting (and add the target's back after mapping).
    normalize : bool
        Fit on unit-length anchors (the map is applied to the vectors as they are, then scaled globally).
    ridge : float, >= 0
        Regularisation of ``method="linear"`` (must be 0 with ``"orthogonal"``).
    n_anchors : None or int, >= 2
        Cap on shared-word anchors, most frequent first (None: every shared word). An alignment needs 2.
    anchor_min_count : int, >= 0
        Skip shared words seen fewer times than this in either corpus (where counts are known); 0 skips none.
    on_missing : {"raise", "skip"}
        Explicit pairs naming a word a model lacks: an error, or skipped.
    trim : bool
        Robust refit: drop anchors whose residual is far out (words used in a different sense) and refit.
    trim_threshold : float, > 0
        How far out, in robust standard deviations of the residuals, an anchor must be to be dropped.
    heldout : float, in [0, 1)
        Share of anchors held out of the fit to estimate its quality; 0 holds none out.
    seed : None or int, >= 0
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
    method: AlignMethod = "orthogonal"
    center: bool = False
    normalize: bool = True
    ridge: float = 0.0
    n_anchors: int | None = 5000
    anchor_min_count: int = 20
    on_missing: OnMissing = "raise"
    trim: bool = True
    trim_threshold: float = 3.0
    heldout: float = 0.1
    seed: int | None = 0

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
