"""What typing has on Python 3.11+ and `typing_extensions` has before it (3.10)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from typing import Self, Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Self, Unpack

__all__ = ["Self", "Unpack"]
