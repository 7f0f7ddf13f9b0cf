"""An OpenTelemetry span per call when opentelemetry is installed."""

from __future__ import annotations

import pytest

from ongage_async import NotFoundError
from ongage_async.sandbox import Sandbox

trace = pytest.importorskip("opentelemetry.trace")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
exporters = pytest.importorskip("opentelemetry.sdk.trace.export")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")

EXPORTER = in_memory.InMemorySpanExporter()
_provider = sdk_trace.TracerProvider()
_provider.add_span_processor(exporters.SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(_provider)


async def test_one_span_per_call_without_email_addresses() -> None:
    EXPORTER.clear()
    sandbox = Sandbox()
    async with sandbox.client() as client:
        await client.lists.get(sandbox.config.default_list_id)
        with pytest.raises(NotFoundError):
            await client.contacts.get("secret.person@example.com")
    spans = EXPORTER.get_finished_spans()
    assert [s.name for s in spans] == ["ongage GET", "ongage GET"]
    ok, missing = (dict(s.attributes or {}) for s in spans)
    assert ok["http.response.status_code"] == 200
    assert missing["http.response.status_code"] == 404
    assert missing["url.path"] == "/api/contacts/by_email/{email}"
    assert "secret.person" not in str([dict(s.attributes or {}) for s in spans])
