"""A small FastAPI service on Ongage: subscribe, unsubscribe, look up, and metrics.

One ``OngageClient`` lives in the app's lifespan and is shared by every request (one
governor for the account).  Each request gets a view with a 2-second deadline and
``"high"`` priority: a web request answers fast or fails cleanly, goes before any bulk
job sharing the account (bulk runs go at ``"low"``) and may use the governor's reserve,
and when the Ongage budget is spent it answers 429 with ``Retry-After`` at once instead
of hanging.

    ONGAGE_USERNAME=... ONGAGE_PASSWORD=... ONGAGE_ACCOUNT_CODE=... ONGAGE_LIST_ID=... \\
        uvicorn examples.fastapi_app:app

Tests build it with ``create_app(lambda: sandbox.client(...))``.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ongage_async import (
    APIError,
    BudgetExhaustedError,
    ContactWriteError,
    DeadlineExceededError,
    InvalidArgumentError,
    NotFoundError,
    OngageClient,
    RateLimitError,
)

REQUEST_DEADLINE = 2.0


class Subscriber(BaseModel):
    email: str
    first_name: str | None = None


def ongage(request: Request) -> OngageClient:
    """The dependency: a view per request (same pool and governor, its own deadline).

    ``"high"``: someone is waiting on this answer, so its calls go first and may use the
    reserve a bulk job on the same account leaves free.
    """
    client: OngageClient = request.app.state.ongage
    return client.with_options(deadline=REQUEST_DEADLINE, priority="high")


Ongage = Annotated[OngageClient, Depends(ongage)]


def create_app(make_client: Callable[[], OngageClient] = OngageClient) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with make_client() as client:
            app.state.ongage = client
            yield

    app = FastAPI(title="ongage-async example", lifespan=lifespan)

    @app.post("/subscribe")
    async def subscribe(subscriber: Subscriber, client: Ongage) -> dict[str, Any]:
        fields = {"first_name": subscriber.first_name} if subscriber.first_name else {}
        result = await client.contacts.create(
            {"email": subscriber.email, "fields": fields}, overwrite=True
        )
        result.raise_for_failures()
        return {"email": subscriber.email, "id": result.succeeded.get(subscriber.email)}

    @app.post("/unsubscribe")
    async def unsubscribe(subscriber: Subscriber, client: Ongage) -> dict[str, Any]:
        result = await client.contacts.change_status([subscriber.email], "unsubscribe")
        if not result.ok:
            return JSONResponse({"detail": result.failed}, status_code=404)  # type: ignore[return-value]
        return {"email": subscriber.email, "status": "unsubscribed"}

    @app.get("/contacts/{email}")
    async def lookup(email: str, client: Ongage) -> dict[str, Any]:
        contact = await client.contacts.get(email)
        return contact.to_dict()  # JSON-ready: times as ISO strings, status as its value

    @app.get("/metrics")
    async def metrics(request: Request) -> dict[str, Any]:
        stats = request.app.state.ongage.governor.statistics()
        return {
            "calls_started": stats.calls_started,
            "in_flight": stats.in_flight,
            "waiting": stats.waiting,
            "rate_limited": stats.rate_limited,
            "retries": stats.retries,
            "budget_available": stats.budget.available,
            "budget_limit": stats.budget.limit,
            "paused_for": stats.budget.paused_for,
        }

    def retry_after(seconds: float) -> dict[str, str]:
        return {"Retry-After": str(max(1, math.ceil(seconds)))}

    @app.exception_handler(BudgetExhaustedError)
    async def budget_spent(request: Request, exc: BudgetExhaustedError) -> JSONResponse:
        return JSONResponse(
            {"detail": "the Ongage call budget is spent; retry later"},
            status_code=429,
            headers=retry_after(exc.retry_after),
        )

    @app.exception_handler(RateLimitError)
    async def record_rate_limit(request: Request, exc: RateLimitError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=429, headers=retry_after(60))

    @app.exception_handler(DeadlineExceededError)
    async def too_slow(request: Request, exc: DeadlineExceededError) -> JSONResponse:
        return JSONResponse(
            {"detail": "Ongage did not answer in time"}, status_code=503, headers=retry_after(5)
        )

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=404)

    @app.exception_handler(ContactWriteError)
    async def rejected(request: Request, exc: ContactWriteError) -> JSONResponse:
        return JSONResponse({"detail": exc.failed}, status_code=422)

    @app.exception_handler(InvalidArgumentError)
    async def invalid(request: Request, exc: InvalidArgumentError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(APIError)
    async def upstream(request: Request, exc: APIError) -> JSONResponse:
        return JSONResponse({"detail": f"Ongage answered {exc.status}"}, status_code=502)

    return app


# The client (and its credentials check) is made at startup, in the lifespan.
app = create_app()


def main() -> None:
    """``python examples/fastapi_app.py --sandbox``: serve it on 127.0.0.1:8000 against an
    in-process sandbox (list 500), no credentials needed."""
    import argparse

    import uvicorn

    from ongage_async.sandbox import Sandbox, SandboxConfig

    parser = argparse.ArgumentParser(description="Serve the example FastAPI app.")
    parser.add_argument("--sandbox", action="store_true", help="use an embedded sandbox")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    served = app
    if args.sandbox:
        sandbox = Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}]))
        served = create_app(lambda: sandbox.client(list_id=500))
        print(
            f"try: curl -X POST localhost:{args.port}/subscribe -H 'content-type: "
            'application/json\' -d \'{"email": "ann@example.com"}\'',
            flush=True,
        )
    uvicorn.run(served, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
