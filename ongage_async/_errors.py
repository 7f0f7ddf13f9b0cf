"""Deprecated alias of :mod:`ongage_async._exceptions` (kept while branches move over)."""

from ._exceptions import *  # noqa: F403
from ._exceptions import __all__ as __all__
