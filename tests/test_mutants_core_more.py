"""Survivors of a full `nox -s mutants` run (issue 17) in the answer's reading and the
errors, the retry policy, the sandbox, the tally, the governor and its middleware."""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from ongage_async import (
    AmbiguousOutcomeError,
    APIConnectionError,
    APIError,
    BadRequestError,
    BudgetExhaustedError,
    ConfigurationError,
    ImportUnconfirmedError,
    InvalidResponseError,
    JobFailedError,
    ListIdConflictError,
    OngageError,
    RateLimitError,
    Reserve,
    RetryPolicy,
    ServerError,
)
from ongage_async._call import Call
from ongage_async._concurrency import SlotHold
from ongage_async._middleware import governor as governor_step
from ongage_async._middleware import retry as retry_step
from ongage_async._middleware.governor import GovernorMiddleware
from ongage_async._middleware.list_id import ListIdMiddleware
from ongage_async._middleware.retry import RetryMiddleware
from ongage_async._priority import Priority
from ongage_async._response import Response, parse_response
from ongage_async._retry import RetryEvent, retry_after_seconds
from ongage_async._tally import NEVER_SENT, Tally
from ongage_async._wire import CURRENT_WIRE, trace_requests
from ongage_async.governor import Governor, LocalConcurrencyCap, SlidingWindowBudget
from ongage_async.sandbox._limits import AccountLimits
from ongage_async.sandbox._routing import _as_list_id

from .helpers import task_group

# -- the answer and the errors ---------------------------------------------------------


def test_a_success_envelope_is_read_as_utf8_whatever_charset_its_header_names() -> None:
    # RFC 8259: JSON between systems is UTF-8, and application/json has no charset
    # parameter ("no effect on compliant recipients"): a wrong one must not garble it.
    body = '{"metadata": {}, "payload": {"name": "Zoë"}}'.encode()
    headers = {"Content-Type": "application/json; charset=iso-8859-1"}
    answer = httpx.Response(200, content=body, headers=headers)
    assert parse_response(answer, method="GET", url="https://h/x").payload == {"name": "Zoë"}


def test_a_400_that_is_no_json_is_a_bad_request_not_an_invalid_answer() -> None:
    # Only a success must be JSON; from 400 up the status says what went wrong.
    answer = httpx.Response(400, text="<html>Bad Request</html>")
    with pytest.raises(BadRequestError) as caught:
        parse_response(answer, method="GET", url="https://h/x")
    assert caught.value.status == 400 and "Bad Request" in caught.value.body


def test_a_success_with_metadata_but_no_payload_is_no_envelope() -> None:
    answer = httpx.Response(200, json={"metadata": {"error": False}, "data": [1]})
    with pytest.raises(InvalidResponseError, match="not an Ongage envelope"):
        parse_response(answer, method="GET", url="https://h/x")


@pytest.mark.parametrize("said", ["", 123, ["not found"]])
def test_an_error_message_that_is_no_text_gives_way_to_the_reason_phrase(said: Any) -> None:
    document = {"metadata": {"error": True}, "payload": {"code": 404, "message": said}}
    with pytest.raises(APIError) as caught:
        parse_response(httpx.Response(404, json=document), method="GET", url="https://h/x")
    assert caught.value.message == "Not Found"


def test_an_error_text_of_exactly_the_longest_message_is_kept_whole() -> None:
    page = "x" * 300  # _MAX_MESSAGE: what is longer is cut and ends "..."
    with pytest.raises(APIError) as caught:
        parse_response(httpx.Response(503, text=page), method="GET", url="https://h/x")
    assert caught.value.message == page


def test_a_300_is_a_redirect_too_and_is_not_read() -> None:
    answer = httpx.Response(
        300, headers={"Location": "https://elsewhere/"}, json={"metadata": {}, "payload": 1}
    )
    with pytest.raises(InvalidResponseError, match="redirect"):
        parse_response(answer, method="GET", url="https://h/x")


def test_a_responses_repr_shows_no_header_a_session_cookie_may_be_in() -> None:
    headers = {"Set-Cookie": "PHPSESSID=s3cret"}
    answer = Response(200, {"id": 1}, {}, headers, "GET", "https://h/api/lists/1")
    assert "s3cret" not in repr(answer)
    assert answer.headers == headers


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (APIError, {"status": 404}),
        (APIConnectionError, {"method": "GET", "url": "https://h/x"}),
        (BudgetExhaustedError, {"retry_after": 1.0}),
        (ConfigurationError, {}),
    ],
)
def test_an_error_made_with_keywords_only_carries_its_message(
    kind: type[OngageError], fields: dict[str, Any]
) -> None:
    error = kind(message="gone away", **fields)  # type: ignore[call-arg]
    assert error.args == ("gone away",)
    assert "gone away" in str(error)


def test_a_configuration_error_names_its_problem_or_else_its_message() -> None:
    assert ConfigurationError("account_code is not set").problem == "account_code is not set"
    error = ConfigurationError(
        "account_code is not set", settings=("account_code",), problem="is not set"
    )
    assert error.problem == "is not set"


def test_an_errors_request_is_rebuilt_from_what_it_knows() -> None:
    error = APIError("gone", status=404, method="DELETE", url="https://h/api/lists/5")
    assert (error.request.method, str(error.request.url)) == ("DELETE", "https://h/api/lists/5")
    unknown = APIError("gone", status=404).request  # made by hand: placeholders
    assert (unknown.method, str(unknown.url)) == ("GET", "https://invalid/")


def test_an_errors_response_keeps_its_headers_but_not_those_of_the_wire() -> None:
    # The body is kept decoded: a Content-Encoding left in would make httpx decode it again.
    headers = {"Retry-After": "5", "Content-Encoding": "gzip", "Content-Length": "999"}
    error = APIError("slow down", status=429, body='{"payload": {}}', headers=headers)
    answer = error.response
    assert (answer.status_code, answer.text) == (429, '{"payload": {}}')
    assert answer.headers["Retry-After"] == "5"
    assert "Content-Encoding" not in answer.headers


def test_a_failed_job_says_which_and_why() -> None:
    error = JobFailedError("import", "7", 90001, "the file has no e-mail column")
    assert str(error) == "import 7 failed with status 90001: the file has no e-mail column"


def test_an_unconfirmed_import_says_what_to_check() -> None:
    error = ImportUnconfirmedError("contacts-1.csv", TimeoutError())
    assert "contacts-1.csv may or may not have started (TimeoutError)" in str(error)
    assert "client.imports.list()" in str(error)


# -- the retry policy ------------------------------------------------------------------


def test_a_retry_after_of_zero_means_now() -> None:
    # Not "no header": that would pause every call for the default pause_on_429.
    assert retry_after_seconds({"Retry-After": "0"}) == 0.0


def _no_connection(request_sent: bool | None = None) -> APIConnectionError:
    if request_sent is None:  # as a transport or a middleware may raise it
        return APIConnectionError("connection reset", method="POST", url="https://h/x")
    return APIConnectionError(
        "connection refused", method="GET", url="https://h/x", request_sent=request_sent
    )


async def test_a_connection_error_that_does_not_say_may_have_reached_the_server() -> None:
    # So a write that got it is not sent again (it may have been done).
    sends: list[Call] = []

    async def reset(call: Call) -> Response:
        sends.append(call)
        raise _no_connection()

    async def no_sleep(seconds: float) -> None:
        raise AssertionError("no retry")

    step = RetryMiddleware((), no_sleep)
    with pytest.raises(APIConnectionError):
        await step(Call("POST", "/api/contacts", retry=RetryPolicy(jitter=0)), reset)
    assert len(sends) == 1


async def test_a_write_refused_with_a_400_after_an_unknown_outcome_is_ambiguous() -> None:
    # The first PUT may have done the work (a 503): the 400 may be its doing.
    failures: list[Exception] = [
        ServerError("down", status=503),
        APIError("email already exists", status=400),
    ]

    async def put(call: Call) -> Response:
        raise failures.pop(0)

    async def no_sleep(seconds: float) -> None:
        pass

    step = RetryMiddleware((), no_sleep)
    with pytest.raises(AmbiguousOutcomeError) as caught:
        await step(Call("PUT", "/api/contacts/change_email", retry=RetryPolicy()), put)
    assert caught.value.status == 400


async def test_retries_count_on_across_both_schedules() -> None:
    failures: list[Exception] = [_no_connection(False), ServerError("down", status=503)]
    attempts: list[int] = []
    events: list[RetryEvent] = []

    async def flaky(call: Call) -> Response:
        attempts.append(call.attempt)
        if failures:
            raise failures.pop(0)
        return Response(200, None)

    async def no_sleep(seconds: float) -> None:
        pass

    step = RetryMiddleware((events.append,), no_sleep)
    await step(Call("GET", "/api/lists", retry=RetryPolicy(jitter=0)), flaky)
    assert attempts == [0, 1, 2]
    assert [(event.attempt, event.connection) for event in events] == [(1, True), (2, False)]


def test_a_retry_after_of_zero_is_not_replaced_by_the_schedule() -> None:
    assert RetryPolicy(jitter=0).delay(0, retry_after=0.0) == 0.0


@pytest.mark.parametrize("field", ["base_delay", "max_delay", "multiplier", "jitter"])
def test_a_policys_times_and_factors_are_finite(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be finite"):
        RetryPolicy(**{field: math.inf})  # type: ignore[arg-type]


@pytest.mark.parametrize("multiplier", [1.0, 2.0])
def test_a_policy_that_retries_practically_forever_tells_at_once_when_it_gives_up(
    multiplier: float,
) -> None:
    # The first retry's log line says when the call gives up: once the steps reach
    # max_delay, it must not count the (sys.maxsize) retries one by one.
    policy = RetryPolicy(
        max_retries=sys.maxsize, base_delay=60.0, multiplier=multiplier, max_delay=60.0, jitter=0
    )
    assert policy.backoff_left(1, connection=False) == 60.0 * (sys.maxsize - 1)


# -- the sandbox -----------------------------------------------------------------------


@pytest.mark.parametrize("given", [1, "1", "500"])
def test_the_sandbox_takes_any_positive_list_id(given: int | str) -> None:
    assert _as_list_id(given, "query") == int(given)


def test_the_sandbox_admits_a_call_exactly_one_period_after_the_last() -> None:
    # The budget lets a token go exactly a period after its call: the server's window
    # (the last rate_period seconds) no longer holds that call then.
    limits = AccountLimits(rate_limit=1, rate_period=60.0, max_concurrency=5)
    assert limits.admit(100.0).allowed
    limits.finish()
    assert not limits.admit(159.5).allowed  # (a refused call counts too)
    assert limits.admit(219.5).allowed  # exactly 60 s after the last call


def test_the_sandboxs_fixed_window_counts_afresh_in_each_window() -> None:
    limits = AccountLimits(rate_limit=2, rate_period=60.0, max_concurrency=5, window="fixed")
    for now in (1000.0, 1030.0):
        assert limits.admit(now).allowed
        limits.finish()
    assert not limits.admit(1059.0).allowed  # a third call in the window that began at 1000
    assert [limits.admit(now).allowed for now in (1060.0, 1061.0, 1062.0)] == [True, True, False]


# -- the tally -------------------------------------------------------------------------


def test_a_tallys_done_counts_every_row_with_a_known_outcome() -> None:
    tally = Tally(created=1, updated=2)
    tally.record("failed", "a@x.com", 4, "bad address")
    tally.skip("row 5", 5, "no e-mail")
    tally.skip("row 6", 6, "no e-mail")
    assert tally.done() == 6


def test_settling_a_tally_forgets_which_rows_were_sent() -> None:
    # Once settled, a row read later under the same key and never sent says so.
    tally = Tally()
    tally.pending["a@x.com"] = (1, "a@x.com")
    tally.sent.add("a@x.com")
    tally.settle_pending("not confirmed: stopped")
    tally.pending["a@x.com"] = (2, "A@x.com")
    tally.settle_pending("not confirmed: stopped")
    assert tally.failed == {
        "a@x.com": "not confirmed: stopped",
        "A@x.com": "not confirmed: stopped" + NEVER_SENT,
    }


# -- the governor ----------------------------------------------------------------------


async def test_a_new_governor_has_counted_nothing() -> None:
    stats = Governor.local().statistics()
    assert (stats.calls_started, stats.in_flight, stats.peak_in_flight, stats.waiting) == (0,) * 4
    assert (stats.rate_limited, stats.retries, stats.held, stats.wait_time) == (0, 0, 0, 0.0)
    assert stats.waiting_by_priority == {"high": 0, "normal": 0, "low": 0}


async def test_calls_that_never_waited_report_no_wait_time() -> None:
    governor = Governor.local()
    assert governor.statistics().wait_time == 0.0
    async with governor.call():
        pass
    assert 0.0 <= governor.statistics().wait_time < 1.0


def test_a_window_of_one_call_keeps_no_reserve_whatever_the_share() -> None:
    # The only token of the window is never kept back, or "normal" calls could never run.
    governor = Governor.local(rate_limit=1, reserve=Reserve(share=0.9999999999))
    assert governor.budget.reserve == 0  # type: ignore[attr-defined]


class _SlowToTell(SlidingWindowBudget):
    """A budget whose pause takes a while to reach the others (as Redis's does)."""

    def __init__(self) -> None:
        super().__init__(10, 60.0)
        self.telling = anyio.Event()
        self.go_on = anyio.Event()

    async def pause(self, seconds: float) -> None:
        self.telling.set()
        await self.go_on.wait()
        await super().pause(seconds)


async def test_a_429s_pause_is_told_in_full_when_its_caller_is_cancelled_meanwhile() -> None:
    budget = _SlowToTell()
    step = GovernorMiddleware(Governor(budget, LocalConcurrencyCap(2)), pause_on_429=5.0)

    async def refused(call: Call) -> Response:
        raise RateLimitError("slow down", status=429)

    async def caller(scope: anyio.CancelScope) -> None:
        with scope, pytest.raises(RateLimitError):
            await step(Call("GET", "/api/lists"), refused)

    scope = anyio.CancelScope()
    async with task_group() as tg:
        tg.start_soon(caller, scope)
        await budget.telling.wait()
        scope.cancel()  # the caller gives up while the pause is being told
        await anyio.wait_all_tasks_blocked()
        budget.go_on.set()
    assert budget.statistics().paused_for > 4.0


async def test_a_finished_attempt_watches_no_later_request() -> None:
    # Its wire watch is the attempt's own: a request made after it is not traced into it.
    step = GovernorMiddleware(Governor.local(), pause_on_429=1.0)

    async def answered(call: Call) -> Response:
        assert CURRENT_WIRE.get() is not None  # watched while it runs
        return Response(200, None)

    await step(Call("GET", "/api/lists"), answered)
    later = httpx.Request("GET", "https://h/api/lists")
    await trace_requests(later)
    assert "trace" not in later.extensions


class _PlainCap:
    """A third-party cap: its slots cannot be held, and it keeps no statistics."""

    max_concurrency = 2

    def __init__(self) -> None:
        self.in_use = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.in_use += 1
        try:
            yield
        finally:
            self.in_use -= 1


async def test_a_cut_call_frees_at_once_a_slot_its_cap_cannot_hold() -> None:
    cap = _PlainCap()
    governor = Governor(SlidingWindowBudget(10, 60.0), cap)
    async with governor.call() as attempt:
        attempt.keep_slot(anyio.current_time() + 60.0, set())
        assert cap.in_use == 1
    assert cap.in_use == 0
    assert governor.statistics().held == 0  # nothing held, and nothing to ask the cap


async def test_the_slots_kept_for_a_client_forget_those_already_freed() -> None:
    governor = Governor.local(10, 60.0, 3, reserve=None)
    kept: set[SlotHold] = set()
    async with governor.call() as attempt:
        attempt.keep_slot(anyio.current_time() + 60.0, kept)
    (first,) = kept
    await first.release()  # the server is done with it
    async with governor.call() as attempt:
        attempt.keep_slot(anyio.current_time() + 60.0, kept)
    assert len(kept) == 1
    assert first not in kept
    assert governor.statistics().held == 1


def test_a_governor_over_a_third_party_cap_serves_a_second_event_loop_run() -> None:
    # Only the local cap's held slots are moved onto a new run's clock.
    governor = Governor(SlidingWindowBudget(10, 60.0), _PlainCap())

    async def one_call() -> int:
        async with governor.call():
            pass
        return governor.statistics().calls_started

    assert (anyio.run(one_call), anyio.run(one_call)) == (1, 2)


async def test_an_attempt_that_did_not_wait_says_so() -> None:
    step = GovernorMiddleware(Governor.local(), pause_on_429=1.0)
    seen: list[Call] = []

    async def answered(call: Call) -> Response:
        seen.append(call)
        return Response(200, None)

    await step(Call("GET", "/api/lists"), answered)
    assert 0.0 <= seen[0].waited < 1.0  # the "waited ... ms" of the debug line


async def test_closing_frees_and_forgets_the_slots_kept_for_cut_calls() -> None:
    governor = Governor.local(10, 60.0, 3, reserve=None)
    step = GovernorMiddleware(governor, pause_on_429=1.0)
    async with governor.call() as attempt:
        attempt.keep_slot(anyio.current_time() + 60.0, step.held)
    assert governor.statistics().held == 1
    await step.release_held()  # what the client does when it closes
    assert (governor.statistics().held, step.held) == (0, set())


# -- a deadline at the exact end of a wait ---------------------------------------------


class _FreesUpIn2s(Governor):
    def ready_in(self, priority: Priority = "normal") -> float:
        return 2.0


async def test_a_call_whose_budget_frees_up_only_at_its_deadline_is_refused_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # It could start at its deadline at best, with no time left to run.
    monkeypatch.setattr(governor_step, "remaining", lambda call: 2.0)
    step = GovernorMiddleware(_FreesUpIn2s.local(), pause_on_429=1.0)

    async def answered(call: Call) -> Response:
        raise AssertionError("it must not start")

    with pytest.raises(BudgetExhaustedError) as caught:
        await step(Call("GET", "/api/lists"), answered)
    assert caught.value.retry_after == 2.0


async def test_a_back_off_that_would_end_at_the_deadline_is_not_waited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The retry could only start at the deadline: the caller hears the failure now.
    monkeypatch.setattr(retry_step, "remaining", lambda call: 60.0)  # the first back-off
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def unavailable(call: Call) -> Response:
        raise ServerError("down for maintenance", status=503)

    step = RetryMiddleware((), sleep)
    with pytest.raises(ServerError):
        await step(Call("GET", "/api/lists", retry=RetryPolicy(jitter=0)), unavailable)
    assert slept == []


def test_a_deadline_at_the_end_of_the_back_offs_is_when_the_call_gives_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The last back-off would end at the deadline: that retry is not made (a back-off
    # is waited only if it ends before the deadline), so "after 5 retries" is untrue.
    policy = RetryPolicy(jitter=0)
    backoff = policy.delay(0) + policy.backoff_left(1, connection=False)
    monkeypatch.setattr(retry_step, "remaining", lambda call: backoff)
    note = retry_step._give_up_note(Call("GET", "/api/lists"), policy, policy.delay(0), False)
    assert "gives up at its deadline" in note


# -- the list id -----------------------------------------------------------------------


async def _sent(call: Call) -> Response:
    return Response(200, call.path)


async def test_a_list_id_the_body_carries_is_used_when_none_is_asked_for() -> None:
    call = Call("POST", "/api/contacts", json={"list_id": 7, "email": "a@x.com"})
    assert (await ListIdMiddleware()(call, _sent)).payload == "/api/contacts"


@pytest.mark.parametrize(
    ("asked", "source"),
    [({"list_id": "8"}, "passed"), ({"default_list_id": "8"}, "the client's default")],
)
async def test_a_list_id_asked_for_that_differs_from_the_bodys_is_refused(
    asked: dict[str, str], source: str
) -> None:
    call = Call("POST", "/api/contacts", json={"list_id": 7}, **asked)  # type: ignore[arg-type]
    with pytest.raises(ListIdConflictError, match=rf"list_id 8 \({source}\) differs"):
        await ListIdMiddleware()(call, _sent)
