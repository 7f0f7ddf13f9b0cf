"""The command line as a newcomer meets it (issue 14, item 5's quick ones).

Without the ``[cli]`` extra it says what to install; ``--version``; help that says what
the commands do; ``sandbox serve`` with ``--host``/``--log-level`` and a one-line error
for a busy port.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

import ongage_async.sandbox.__main__ as sandbox_main
from ongage_async import __version__
from ongage_async.cli import app


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_without_the_cli_extra_the_command_says_what_to_install() -> None:
    # As if Typer and Rich were not installed: their imports fail.
    code = (
        "import sys; sys.modules['typer'] = None; sys.modules['rich'] = None; "
        "from ongage_async.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "install 'ongage-async[cli]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_another_missing_module_is_not_blamed_on_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ongage_async import cli

    monkeypatch.delitem(sys.modules, "ongage_async.cli._app", raising=False)
    monkeypatch.setitem(sys.modules, "ongage_async.cli._common", None)  # a bug, not the extra
    with pytest.raises(ImportError):
        cli.main()


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"ongage-async {__version__}"


def test_the_help_says_what_the_commands_do() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "--version" in result.output
    for terse in ("Lists.", "Reports."):
        assert terse not in result.output
    assert "Show the account's lists" in result.output
    assert "Run a report" in result.output
    status = invoke("contacts", "status", "--help")
    assert "for example --to unsubscribe" in status.output and "``" not in status.output


def test_sandbox_serve_passes_host_and_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[str], str]] = []
    monkeypatch.setattr(sandbox_main, "main", lambda argv, prog: seen.append((argv, prog)))
    result = invoke("sandbox", "serve", "--host", "0.0.0.0", "--log-level", "info", "--port", "0")
    assert result.exit_code == 0, result.output
    argv, prog = seen[0]
    args = sandbox_main.parse_args(argv)
    assert (args.host, args.log_level, args.port) == ("0.0.0.0", "info", 0)
    assert prog == "ongage-async sandbox serve"
    help_text = invoke("sandbox", "serve", "--help").output
    assert "--host" in help_text and "--log-level" in help_text


def test_sandbox_serve_refuses_an_unknown_log_level() -> None:
    result = invoke("sandbox", "serve", "--log-level", "loud")
    assert result.exit_code == 2
    assert "loud" in result.output


def test_a_busy_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            sandbox_main.main(["--port", str(port), "--log-level", "critical"])
    message = str(stopped.value.code)
    assert message == (
        f"error: cannot listen on 127.0.0.1:{port}: the port is in use "
        "(pick another with --port, or 0 for any free one)"
    )
    assert "\n" not in message and capsys.readouterr().out == ""


def test_the_cli_shows_the_busy_port_error_alone() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("sandbox", "serve", "--port", str(port), "--log-level", "critical")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert "the port is in use" in str(result.exception.code)


def test_demo_passes_its_rate_limit_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import ongage_async._demo as demo

    seen: list[list[str]] = []
    monkeypatch.setattr(demo, "run", seen.append)
    result = invoke("demo", "--rate-limit", "7", "--rate-period", "0.5", "-q")
    assert result.exit_code == 0, result.output
    assert seen == [["--contacts", "20000", "--rate-limit", "7", "--rate-period", "0.5", "--quiet"]]


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("0", (0.0, 0.0)),
        ("0.005", (0.005, 0.005)),
        ("5ms", (0.005, 0.005)),
        ("5MS", (0.005, 0.005)),
        ("1s", (1.0, 1.0)),
        ("5ms,30ms", (0.005, 0.03)),
        ("0.005, 0.03", (0.005, 0.03)),
    ],
)
def test_latency_takes_seconds_or_milliseconds(text: str, bounds: tuple[float, float]) -> None:
    assert sandbox_main.parse_args(["--latency", text]).latency == pytest.approx(bounds)


@pytest.mark.parametrize("text", ["5xs", "fast", "30ms,5ms", "1,2,3", "-1", "nan", "inf", ""])
def test_a_bad_latency_names_the_program_and_no_private_name(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        sandbox_main.parse_args(["--latency", text], prog="ongage-async sandbox serve")
    error = capsys.readouterr().err
    assert "ongage-async sandbox serve: error: argument --latency:" in error
    assert "_latency" not in error and "invalid" not in error
    result = invoke("sandbox", "serve", "--latency", text)
    assert result.exit_code == 2
    assert "Invalid value for '--latency'" in result.output


def test_serve_help_explains_every_option() -> None:
    wide = CliRunner().invoke(app, ["sandbox", "serve", "--help"], env={"COLUMNS": "250"})
    help_text = wide.output
    assert "delay added to each answer" in help_text and "5ms" in help_text
    for option in ("--port", "--rate-limit", "--rate-period", "--max-concurrency", "--window"):
        line = next(line for line in help_text.splitlines() if option in line)
        assert len(line.split("│")[1].split(maxsplit=2)) == 3, line  # option, type, help
    assert invoke("sandbox", "serve", "--window", "rolling").exit_code == 2


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {},
            "error: no credentials: set --username (or ONGAGE_USERNAME), --password (or "
            "ONGAGE_PASSWORD) and --account-code (or ONGAGE_ACCOUNT_CODE)",
        ),
        (
            {"ONGAGE_USERNAME": "u", "ONGAGE_PASSWORD": "p"},
            "error: --account-code (or ONGAGE_ACCOUNT_CODE) is not set",
        ),
        (
            {"ONGAGE_USERNAME": "u", "ONGAGE_ACCOUNT_CODE": "c"},
            "error: --password (or ONGAGE_PASSWORD) is not set",
        ),
        (
            {"ONGAGE_USERNAME": "u", "ONGAGE_PASSWORD": "p\x01", "ONGAGE_ACCOUNT_CODE": "c"},
            "error: --password (or ONGAGE_PASSWORD) contains a line break or another control "
            "character",
        ),
        (
            {
                "ONGAGE_USERNAME": "u",
                "ONGAGE_PASSWORD": "p",
                "ONGAGE_ACCOUNT_CODE": "c",
                "ONGAGE_BASE_URL": "http://api.example.com",
            },
            "error: --base-url (or ONGAGE_BASE_URL) must use https:// (credentials travel in "
            "headers); plain http is allowed only for loopback hosts",
        ),
    ],
)
def test_configuration_errors_name_flags_and_variables(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], message: str
) -> None:
    for name in ("USERNAME", "PASSWORD", "ACCOUNT_CODE", "API_KEY", "BASE_URL", "LIST_ID"):
        monkeypatch.delenv(f"ONGAGE_{name}", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["lists", "ls"])
    assert result.exit_code == 2
    assert result.output.strip() == message
    assert "=" not in result.output.replace("(or ", "")  # no `username=`, `allow_insecure=True`
