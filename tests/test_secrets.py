"""Issue #12, item 2: a credential reaches no output channel, whatever happens.

Every test here looks for a marker secret in everything a user or an operator could
see: ``repr``/``str``, exception chains, log lines at DEBUG (the SDK's, httpx's and
httpcore's), tracebacks rendered *with their locals* (the standard library's and
Rich's, as Sentry and Rich do), OpenTelemetry spans, the CLI's output and the
sandbox's banner.
"""

from __future__ import annotations

import io
import logging
import socket
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpcore
import httpx
import pytest

from ongage_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    OngageClient,
    ServerError,
)
from ongage_async._middleware.tracing import TracingMiddleware
from ongage_async.middleware import Call, Handler
from ongage_async.models import Response
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig, SandboxCredentials

from .helpers import FAST_RETRY, creds

pytestmark = pytest.mark.usefixtures("clean_env")

MARK = "Zq7mArk"
USERNAME, PASSWORD, ACCOUNT, API_KEY = (f"{n}-{MARK}" for n in ("user", "pass", "acct", "key"))
MARKED = {"username": USERNAME, "password": PASSWORD, "account_code": ACCOUNT}
FIELDS = ("username", "password", "account_code", "api_key")


def _given(field: str, value: str) -> dict[str, Any]:
    return {"api_key": value} if field == "api_key" else creds(**{field: value})


def _with_locals(exc: BaseException) -> str:
    """The exception as the standard library and Rich render it with every frame's locals."""
    from rich.console import Console
    from rich.traceback import Traceback

    text = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(
        Traceback.from_exception(
            type(exc),
            exc,
            exc.__traceback__,
            show_locals=True,
            locals_max_string=100_000,
            locals_max_length=100_000,
            locals_hide_sunder=False,
        )
    )
    rendered = console.file.getvalue()  # type: ignore[attr-defined]
    return text + rendered


def _everything_about(exc: BaseException) -> str:
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        parts += [str(seen), repr(seen), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join([*parts, _with_locals(exc)])


def _from_the_sdk_down(exc: BaseException) -> BaseException:
    """The traceback without this file's leading frames, whose locals hold the marker."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return exc.with_traceback(tb)


def _raised(make: Callable[[], object]) -> BaseException:
    try:
        make()
    except Exception as exc:  # any failure is what is examined
        return _from_the_sdk_down(exc)
    raise AssertionError("nothing was raised")


async def _araised(make: Callable[[], Awaitable[object]]) -> BaseException:
    try:
        await make()
    except Exception as exc:  # any failure is what is examined
        return _from_the_sdk_down(exc)
    raise AssertionError("nothing was raised")


# -- bad credentials are refused at construction, naming the field, never the value ------


BAD_VALUES = [
    pytest.param(f"pa\nss-{MARK}", id="LF"),
    pytest.param(f"pa\rss-{MARK}", id="CR"),
    pytest.param(f"pass-{MARK}\r\n\r\nX-Evil: 1", id="header-injection"),
    pytest.param(f"pa\x00ss-{MARK}", id="NUL"),
    pytest.param(f"pa\tss-{MARK}", id="TAB"),
    pytest.param(f"pa\x7fss-{MARK}", id="DEL"),
    pytest.param(f"pass-{MARK}\n\n", id="two-trailing-newlines"),
    pytest.param(f" pass-{MARK}", id="leading-space"),
    pytest.param(f"pass-{MARK} ", id="trailing-space"),
]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_credential_with_a_control_character_is_refused_at_construction(
    field: str, value: str
) -> None:
    given = _given(field, value)
    exc = _raised(lambda: OngageClient(**given))
    assert isinstance(exc, ConfigurationError)
    assert field in str(exc)
    assert exc.__cause__ is None
    assert exc.__suppress_context__ or exc.__context__ is None
    assert MARK not in _everything_about(exc)


@pytest.mark.parametrize("field", FIELDS)
def test_a_bad_credential_from_the_environment_names_its_variable(
    field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"ONGAGE_{field.upper()}", f"pa\nss-{MARK}")
    given = {} if field == "api_key" else {k: v for k, v in creds().items() if k != field}
    exc = _raised(lambda: OngageClient(**given))
    assert isinstance(exc, ConfigurationError)
    assert f"ONGAGE_{field.upper()}" in str(exc)
    assert MARK not in _everything_about(exc)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [f"pässword-{MARK}", f"pass-{MARK}\u2028", f"пароль-{MARK}"])
def test_a_non_ascii_credential_is_a_typed_error_that_does_not_show_it(
    field: str, value: str
) -> None:
    given = _given(field, value)
    exc = _raised(lambda: OngageClient(**given))
    assert isinstance(exc, ConfigurationError)
    assert not isinstance(exc, UnicodeError)
    assert field in str(exc)
    assert MARK not in _everything_about(exc)


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
async def test_one_trailing_newline_is_stripped_as_read_text_leaves_it(
    ending: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers)
        return httpx.Response(200, json={"metadata": {"error": False}, "payload": []})

    monkeypatch.setenv("ONGAGE_ACCOUNT_CODE", "ACC-CODE" + ending)  # as `$(cat file)` does not
    client = OngageClient(
        username="user" + ending,
        password="s3cret-pass" + ending,
        transport=httpx.MockTransport(handler),
    )
    async with client:
        await client.request("GET", "/api/lists")
    assert sent[0]["X_USERNAME"] == "user"
    assert sent[0]["X_PASSWORD"] == "s3cret-pass"
    assert sent[0]["X_ACCOUNT_CODE"] == "ACC-CODE"
    keyed = OngageClient(api_key="k-123" + ending, transport=httpx.MockTransport(handler))
    async with keyed:
        await keyed.request("GET", "/api/lists")
    assert sent[1]["x-api-key"] == "k-123"


# -- base_url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{MARK}@api.ongage.net",
        f"https://{MARK}@api.ongage.net",
        f"http://user:{MARK}@127.0.0.1:8080",
        f"https://user:{MARK}@api.ongage.net:99999",  # also not a valid URL
        f"ftp://user:{MARK}@api.ongage.net",  # also not http(s)
    ],
)
def test_a_base_url_with_credentials_in_it_is_refused_without_echoing_them(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    exc = _raised(lambda: OngageClient(**creds(), base_url=url))
    assert isinstance(exc, ConfigurationError)
    assert "base_url" in str(exc)
    assert MARK not in str(exc) + repr(exc)
    assert exc.__cause__ is None
    monkeypatch.setenv("ONGAGE_BASE_URL", url)
    from_env = _raised(lambda: OngageClient(**creds()))
    assert isinstance(from_env, ConfigurationError)
    assert MARK not in str(from_env)


# -- no frame of the SDK holds a credential in its locals ---------------------------------


def test_a_configuration_error_after_the_credentials_shows_none_in_its_locals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONGAGE_API_KEY", API_KEY)  # os.environ in a frame would show it
    for bad in ({"list_id": -1}, {"timeout": -1.0}, {"base_url": "ftp://api.ongage.net"}):
        exc = _raised(lambda: OngageClient(**MARKED, **bad))  # noqa: B023 - called at once
        assert isinstance(exc, ConfigurationError)
        assert MARK not in _everything_about(exc), bad
    monkeypatch.delenv("ONGAGE_API_KEY")
    monkeypatch.setenv("ONGAGE_PASSWORD", PASSWORD)
    missing = _raised(lambda: OngageClient(username=USERNAME))
    assert isinstance(missing, ConfigurationError)
    assert MARK not in _everything_about(missing)


def test_headers_are_held_in_a_type_whose_repr_hides_them() -> None:
    from ongage_async._credentials import Credentials

    credentials = Credentials.resolve(USERNAME, PASSWORD, ACCOUNT, None, environ={})
    headers = credentials.headers()
    assert dict(headers)["X_PASSWORD"] == PASSWORD
    call = Call("GET", "/api/lists", headers=headers)
    from rich.pretty import pretty_repr

    for shown in (repr(headers), str(headers), repr(credentials), repr(call), pretty_repr(call)):
        assert MARK not in shown
    assert "X_PASSWORD" in repr(headers)


# -- every channel, for calls that succeed and fail in every way --------------------------


class _Spy:
    """A user middleware: it sees the call with its headers, as a debugger would."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        from rich.pretty import pretty_repr

        self.shown += [repr(call), str(call), pretty_repr(call), repr(call.headers)]
        return await call_next(call)


class _StalledStream(httpcore.AsyncNetworkStream):
    """A connection that takes nothing: writing the request's headers times out.

    (httpcore reads on after a plain write error, for an early answer; a write timeout
    is raised from inside h11's frames, whose locals hold the serialized headers.)
    """

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        raise httpcore.ReadTimeout("nothing to read")

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        raise httpcore.WriteTimeout("the peer takes no bytes")

    async def aclose(self) -> None:
        pass

    def get_extra_info(self, info: str) -> Any:
        return None


class _StalledBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        return _StalledStream()

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        return _StalledStream()

    async def sleep(self, seconds: float) -> None:
        pass


def _stalled_transport() -> httpx.AsyncHTTPTransport:
    """httpx's real transport, h11 and all, over connections whose every write stalls."""
    transport = httpx.AsyncHTTPTransport()
    transport._pool = httpcore.AsyncConnectionPool(network_backend=_StalledBackend())
    return transport


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def marked_server() -> Iterator[tuple[Sandbox, str]]:
    plan = FaultPlan(
        rules=(
            Fault("server_error", path="/api/segments"),
            Fault("drop", path="/api/mailings"),
        )
    )
    sandbox = Sandbox(
        SandboxConfig(
            credentials=SandboxCredentials(
                username=USERNAME, password=PASSWORD, account_code=ACCOUNT
            ),
            faults=plan,
        )
    )
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


@pytest.mark.http
# Every channel at DEBUG over real HTTP, with retries after drops and stalls: about 5 s.
@pytest.mark.timeout(30)
async def test_a_marker_secret_reaches_no_output_channel(
    marked_server: tuple[Sandbox, str], caplog: pytest.LogCaptureFixture
) -> None:
    sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
    export = pytest.importorskip("opentelemetry.sdk.trace.export")
    memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
    exporter = memory.InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    tracing = TracingMiddleware(provider.get_tracer("test_secrets"))

    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "ongage_async"):
        caplog.set_level(logging.DEBUG, logger=name)
    sandbox, base_url = marked_server
    spy = _Spy()
    options: dict[str, Any] = {"retry": FAST_RETRY, "middleware": [tracing, spy]}
    seen: list[str] = []
    failures: list[BaseException] = []

    client = OngageClient(**MARKED, base_url=base_url, **options)
    view = client.with_options(timeout=5.0)
    seen += [repr(client), str(client), repr(view), repr(client.governor.statistics())]
    async with client:
        await client.lists.get(sandbox.config.default_list_id)  # a call that succeeds
        failures.append(await _araised(lambda: client.request("GET", "/api/segments")))
        failures.append(await _araised(lambda: view.request("GET", "/api/mailings")))
    wrong = OngageClient(
        username=USERNAME, password=PASSWORD + "-old", account_code=ACCOUNT, base_url=base_url
    )
    async with wrong:
        failures.append(await _araised(lambda: wrong.lists.list()))
    nowhere = OngageClient(**MARKED, base_url=f"http://127.0.0.1:{_closed_port()}", **options)
    async with nowhere:
        failures.append(await _araised(lambda: nowhere.lists.list()))
    stalled = OngageClient(
        api_key=API_KEY, base_url="http://127.0.0.1:9", transport=_stalled_transport(), **options
    )
    async with stalled:
        failures.append(await _araised(lambda: stalled.lists.list()))

    kinds = [type(f) for f in failures]
    assert kinds[0] is ServerError
    assert issubclass(kinds[1], APIConnectionError)  # dropped mid-answer
    assert kinds[2] is AuthenticationError
    assert issubclass(kinds[3], APIConnectionError)  # connection refused
    assert issubclass(kinds[4], APITimeoutError)  # stalled while sending the headers
    assert any("retrying" in r.getMessage() for r in caplog.records)  # WARNING lines seen
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # httpcore's DEBUG too

    seen += [_everything_about(f) for f in failures]
    seen += spy.shown
    seen.append(caplog.text)
    seen += [f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text}" for r in caplog.records]
    spans = exporter.get_finished_spans()
    assert len(spans) >= 5
    for span in spans:
        seen.append(f"{span.name} {dict(span.attributes or {})} {span.status.description}")
        seen += [f"{e.name} {dict(e.attributes or {})}" for e in span.events]
    leaks = [text for text in seen if MARK in text]
    assert not leaks, leaks[0][max(0, leaks[0].find(MARK) - 2000) : leaks[0].find(MARK) + 200]


# -- the CLI and the sandbox's banner -----------------------------------------------------


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0))
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


@pytest.mark.http
@pytest.mark.parametrize("password", [f"pa\nss-{MARK}", f"pa\rss-{MARK}", f"päss-{MARK}"])
def test_the_cli_names_a_bad_credential_without_printing_it(
    password: str, served: tuple[Sandbox, str]
) -> None:
    pytest.importorskip("typer")
    from typer.testing import CliRunner

    from ongage_async.cli import app

    _, base_url = served
    env = {
        "ONGAGE_USERNAME": "sandbox",
        "ONGAGE_PASSWORD": password,
        "ONGAGE_ACCOUNT_CODE": "SANDBOX",
        "ONGAGE_BASE_URL": base_url,
    }
    result = CliRunner().invoke(app, ["lists", "ls"], env=env)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, output
    assert "password" in output
    assert MARK not in output


@pytest.mark.http
def test_the_cli_shows_no_locals_when_it_crashes(
    served: tuple[Sandbox, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typer_main = pytest.importorskip("typer.main")
    from ongage_async.cli import _common, app

    def crash(self: object, **options: Any) -> OngageClient:
        raise RuntimeError("an unexpected failure")

    _, base_url = served
    monkeypatch.setattr(_common.Connection, "client", crash)
    for name, value in {**{f"ONGAGE_{k.upper()}": v for k, v in MARKED.items()}}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ONGAGE_BASE_URL", base_url)
    monkeypatch.delenv("TYPER_STANDARD_TRACEBACK", raising=False)
    monkeypatch.delenv("_TYPER_STANDARD_TRACEBACK", raising=False)
    with pytest.raises(RuntimeError) as caught:
        app(["lists", "ls"], prog_name="ongage-async")
    capsys.readouterr()
    typer_main.except_hook(caught.type, caught.value, caught.tb)  # what the shell would show
    shown = capsys.readouterr()
    assert "unexpected failure" in shown.out + shown.err
    assert MARK not in shown.out + shown.err


def test_the_sandbox_banner_never_prints_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("uvicorn")
    import contextlib

    from ongage_async.sandbox import __main__ as sandbox_main

    @contextlib.contextmanager
    def serve(self: Sandbox, host: str, port: int, *, log_level: str) -> Iterator[str]:
        assert self.credentials.password == PASSWORD  # the sandbox does accept them
        yield "http://127.0.0.1:8080"

    def stop() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Sandbox, "serve", serve)
    monkeypatch.setattr(sandbox_main, "threading_event_wait", stop)
    monkeypatch.setenv("ONGAGE_USERNAME", USERNAME)
    monkeypatch.setenv("ONGAGE_PASSWORD", PASSWORD)
    monkeypatch.setenv("ONGAGE_ACCOUNT_CODE", ACCOUNT)
    monkeypatch.setenv("ONGAGE_API_KEY", API_KEY)
    sandbox_main.main(["--port", "0"])
    banner = capsys.readouterr()
    assert "ONGAGE_BASE_URL=http://127.0.0.1:8080" in banner.out
    assert "ONGAGE_PASSWORD" in banner.out  # says where the password comes from
    assert MARK not in banner.out + banner.err

    # The sandbox's own throwaway defaults are still printed: that is the point.
    for name in ("USERNAME", "PASSWORD", "ACCOUNT_CODE", "API_KEY"):
        monkeypatch.delenv(f"ONGAGE_{name}")
    monkeypatch.setattr(Sandbox, "serve", _default_serve)
    sandbox_main.main(["--port", "0"])
    assert "ONGAGE_PASSWORD=sandbox" in capsys.readouterr().out


def _default_serve(self: Sandbox, host: str, port: int, *, log_level: str) -> Any:
    import contextlib

    return contextlib.nullcontext("http://127.0.0.1:8080")
