"""``@deprecated`` for names kept under an older spelling: the user's type checker flags a use (PEP
702, through typing_extensions, which pydantic-core requires), and a call warns at run time, where
typing_extensions is not imported: it is not this package's dependency, and a cold start does not
pay for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["deprecated"]

if TYPE_CHECKING:
    from typing_extensions import deprecated
else:
    from functools import wraps

    def deprecated(message):
        def mark(function):
            @wraps(function)
            def warned(*args, **kwargs):
                import warnings  # only when a deprecated name is used

                warnings.warn(message, DeprecationWarning, stacklevel=2)
                return function(*args, **kwargs)

            warned.__deprecated__ = message
            return warned

        return mark
