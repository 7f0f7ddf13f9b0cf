"""The ``ongage-async`` command line (the ``[cli]`` extra: Typer and Rich).

``main`` imports nothing of the extra until it runs, so that without it the command
says what to install instead of ending in a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]

#: What the ``[cli]`` extra brings; a missing one means the extra is not installed.
_EXTRA = frozenset({"typer", "click", "rich"})


def main() -> None:
    """The ``ongage-async`` command."""
    try:
        from ._app import app
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in _EXTRA:
            raise
        sys.stderr.write(
            f"error: the ongage-async command needs {missing}, which the [cli] extra "
            "brings: install 'ongage-async[cli]'\n"
        )
        raise SystemExit(2) from None
    app()


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer app, for tests and embedding
        from ._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
