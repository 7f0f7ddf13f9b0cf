"""A faithful in-memory Ongage server (ASGI) for tests and local development.

Its rules come from Ongage's documentation (``shared/spec``), never from what this
SDK's client happens to send; where the documentation is silent the strict reading is
taken and said in the docstring of the module that implements it.

In process::

    sandbox = Sandbox(rate_limit=300, rate_period=60)
    async with sandbox.client() as client:          # an OngageClient, no sockets
        await client.lists.list()

Over real HTTP: ``python -m ongage_async.sandbox --port 8080`` (needs the
``[sandbox]`` extra, which adds uvicorn).
"""

from ._app import ConnectionDropped, SandboxApp
from ._config import SandboxConfig, SandboxCredentials
from ._faults import Fault, FaultKind, FaultPlan
from ._process import SandboxProcess, serve_in_subprocess
from ._recorder import CallRecord, Recorder, RecorderStatistics, most_in_any_window
from ._sandbox import Sandbox, SandboxTransport
from ._store import Store

__all__ = [
    "CallRecord",
    "ConnectionDropped",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Recorder",
    "RecorderStatistics",
    "Sandbox",
    "SandboxApp",
    "SandboxConfig",
    "SandboxCredentials",
    "SandboxProcess",
    "SandboxTransport",
    "Store",
    "create_app",
    "most_in_any_window",
    "serve_in_subprocess",
]


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    """The sandbox's ASGI app alone (its store and recorder are ``app.store``/``app.recorder``)."""
    return Sandbox(config).app
