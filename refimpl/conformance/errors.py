"""Exceptions a candidate may raise on purpose."""


class Unsupported(Exception):  # noqa: N818 - the name a user raises: ``raise rc.Unsupported("bits < 2")``
    """Raised by a candidate to decline an input outside its documented domain (e.g. TF fake-quant below 2 bits).

    The checker counts the input as declined, not as a failure; a report says how many inputs were exercised and
    how many were declined, and never says "conforms" without both numbers.
    """
