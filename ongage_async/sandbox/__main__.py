"""``python -m ongage_async.sandbox``: serve the sandbox over HTTP on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Sequence

from ._config import LATENCY_HELP, SandboxConfig, SandboxCredentials, parse_latency
from ._sandbox import Sandbox


def _latency_argument(text: str) -> tuple[float, float]:
    # argparse prints an ArgumentTypeError's own words (not the function's name).
    try:
        return parse_latency(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(
    argv: Sequence[str] | None = None, *, prog: str = "python -m ongage_async.sandbox"
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve an in-memory Ongage API sandbox over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--rate-limit", type=int, default=300)
    parser.add_argument("--rate-period", type=float, default=60.0)
    parser.add_argument("--max-concurrency", type=int, default=10)
    parser.add_argument("--window", choices=("sliding", "fixed"), default="sliding")
    parser.add_argument(
        "--latency",
        type=_latency_argument,
        default=(0.0, 0.0),
        metavar="DURATION",
        help=LATENCY_HELP,
    )
    parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        default="warning",
        help="how much the HTTP server logs",
    )
    return parser.parse_args(argv)


def main(
    argv: Sequence[str] | None = None, *, prog: str = "python -m ongage_async.sandbox"
) -> None:
    args = parse_args(argv, prog=prog)
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        sys.exit("serving over HTTP needs uvicorn: pip install 'ongage-async[sandbox]'")
    credentials = SandboxCredentials.from_env()
    sandbox = Sandbox(
        SandboxConfig(
            credentials=credentials,
            rate_limit=args.rate_limit,
            rate_period=args.rate_period,
            max_concurrency=args.max_concurrency,
            window=args.window,
            latency=args.latency,
        )
    )
    with contextlib.ExitStack() as stack:
        try:
            base_url = stack.enter_context(
                sandbox.serve(args.host, args.port, log_level=args.log_level)
            )
        except OSError as exc:  # a busy port, an address not ours: one line, no traceback
            sys.exit(f"error: cannot listen on {args.host}:{args.port}: {_why(exc)}")
        print(f"Ongage sandbox listening on {base_url}", flush=True)
        print(f"  ONGAGE_BASE_URL={base_url}", flush=True)
        for line in _credential_lines(credentials):
            print(f"  {line}", flush=True)
        print(
            f"  limits: {args.rate_limit} calls / {args.rate_period:g} s, "
            f"{args.max_concurrency} in flight ({args.window} window)",
            flush=True,
        )
        try:
            threading_event_wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)


def _why(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "the port is in use (pick another with --port, or 0 for any free one)"
    return exc.strerror or str(exc)


def _credential_lines(credentials: SandboxCredentials) -> list[str]:
    """The sandbox's own throwaway defaults, shown (that is the point); never a value
    taken from an ``ONGAGE_*`` variable, which may well be a real account's.

    Always three lines (``serve_in_subprocess`` reads a banner of fixed length); an
    ``ONGAGE_API_KEY`` is accepted and, as before, not printed.
    """
    lines = []
    for name, value in (
        ("USERNAME", credentials.username),
        ("PASSWORD", credentials.password),
        ("ACCOUNT_CODE", credentials.account_code),
    ):
        variable = f"ONGAGE_{name}"
        if os.environ.get(variable):
            lines.append(f"{variable}: as set in your environment (not shown)")
        else:
            lines.append(f"{variable}={value}")
    return lines


def threading_event_wait() -> None:
    import threading

    threading.Event().wait()


if __name__ == "__main__":
    main()
