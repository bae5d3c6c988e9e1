"""Range checks of numeric options, run at the public boundary before any work."""

import math
import numbers

from gensim_merge.errors import OptionError

__all__ = ["check_number"]


def check_number(name, value, *, low, high=math.inf, integer=False, low_open=False):
    """Raise :class:`OptionError` naming the option unless `value` is a number in the allowed range.

    Parameters
    ----------
    name : str
        How the message names the option.
    value : object
        The value given.
    low, high : float
        The allowed range; `low` is excluded when `low_open`, `high` is included when finite. NaN and
        infinities are refused.
    integer : bool, default=False
        Require an integral number (``bool`` is refused either way).

    Examples
    --------
    >>> check_number("epochs", 3, low=1, integer=True)
    >>> check_number("epochs", 0, low=1, integer=True)
    Traceback (most recent call last):
    ...
    gensim_merge.errors.OptionError: epochs=0 is out of range: allowed [1, inf)
    """
    kind = numbers.Integral if integer else numbers.Real
    bracket = "(" if low_open else "["
    allowed = f"{bracket}{low}, {high}]" if high != math.inf else f"{bracket}{low}, inf)"
    if isinstance(value, bool) or not isinstance(value, kind):
        raise OptionError(f"{name} must be {'an integer' if integer else 'a number'}, allowed {allowed}; got "
                          f"{value!r} ({type(value).__name__})")
    ok = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
    if not ok:
        raise OptionError(f"{name}={value!r} is out of range: allowed {allowed}")
