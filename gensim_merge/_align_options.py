"""The options of an alignment; their types, defaults and ranges are the ``"align"`` rows of the package's one
table of options (``gensim_merge._validation.OPTIONS``).

:class:`AlignOptions` is re-exported by :mod:`gensim_merge.alignment` (its public home). It lives in a module
of its own so that :mod:`gensim_merge.anchors`, which :mod:`gensim_merge.alignment` imports, can take its
defaults from it too without an import cycle.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from gensim_merge._typing import AlignMethod, AnchorsLike, OnMissing
from gensim_merge._validation import OPTIONS
from gensim_merge.errors import OptionError, OptionTypeError

__all__ = ["ON_MISSING", "AlignOptions", "AlignOptionsLike", "allowed", "check_option"]

#: The options' types, defaults and ranges: the alignment's part of the package's one table of options.
_TABLE = OPTIONS["align"]

#: ``on_missing`` choices for explicit pairs whose words a model does not hold.
ON_MISSING = _TABLE["on_missing"].choices


def _check_anchors(value, name):
    """None, a pair file path, a dict, or a list of words or pairs; a one-pass iterable is read into a tuple."""
    if value is None or isinstance(value, (str, os.PathLike, Mapping, list, tuple)):
        return value
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Iterable):
        raise OptionTypeError(f"{name} must be {allowed('anchors')}, got a {type(value).__name__}", option=name,
                              value=value, allowed=allowed("anchors"))
    return tuple(value)  # a generator would be used up by the first fit made with these options


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
        (see :func:`gensim_merge.anchors.shared_anchors`); a list of pairs, a dict, a list of words present in
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
