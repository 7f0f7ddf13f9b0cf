"""``python -m ongage_async demo``: run the demo against the embedded sandbox."""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] != "demo":
        sys.exit("usage: python -m ongage_async demo [--http] [--calls N]")
    from ._demo import run

    run(sys.argv[2:])


if __name__ == "__main__":
    main()
