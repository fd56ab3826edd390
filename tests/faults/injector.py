"""A fault injector on botocore's event system: throttling, 5xx answers and timeouts on a fraction of AWS calls.

It takes the place of the transport. Under moto, the `before-send` handler moto registers on every emitter
answers each request in-process; the injector swaps it for its own `before-send` handler, which either answers
with a fault or hands the request on to moto. So a faulted request never reaches the service (the change is not
applied), exactly as when AWS throttles or fails a request before doing anything:

- throttling: a real HTTP answer (400 `ThrottlingException` / `ProvisionedThroughputExceededException`, S3's 503
  `SlowDown`), parsed by botocore into the error code its retry checker looks for;
- server errors: 500 `InternalServerError` (S3: `InternalError`) and 503 `ServiceUnavailable`;
- timeouts: `ReadTimeoutError` / `ConnectTimeoutError` raised from the handler, which botocore treats as it treats
  its HTTP layer's own (`endpoint._do_get_response` returns them as the attempt's exception).

Each attempt is faulted independently with probability `rate`; in addition, a fraction `sustained` of calls meets
an outage that outlasts the SDK's retries (every attempt of that call fails: botocore's `amz-sdk-invocation-id`
header names the call across its attempts), as a throttled hot partition or a failing host does.

botocore's standard retry mode (adapters.aws: `max_attempts` 5, which botocore reads as five retries, so six
attempts, under a per-client retry quota) sees these exactly as it sees AWS's, so it absorbs most of them; the
others (an outage, six faults in a row, or an exhausted quota) fail upward into the code. Every injected fault is
counted, and so is every call whose final outcome was an injected fault.

botocore sleeps between attempts (`time.sleep` in botocore.endpoint); `VirtualSleep` stands in for that module's
`time` so backoff costs no wall-clock time, and adds the delays up instead.
"""

import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

HANDLER_ID = "fault-injector-transport"


@dataclass(frozen=True)
class Fault:
    """One kind of fault: an HTTP answer (status and error code) or a timeout raised before any answer."""

    name: str
    status: int = 0
    code: str = ""
    timeout: type[Exception] | None = None


# The faults, as each service spells them.
THROTTLING = Fault("throttling", 400, "ThrottlingException")
DDB_THROUGHPUT = Fault("throughput", 400, "ProvisionedThroughputExceededException")
S3_SLOW_DOWN = Fault("throttling", 503, "SlowDown")
SERVER_ERROR = Fault("server_error", 500, "InternalServerError")
S3_SERVER_ERROR = Fault("server_error", 500, "InternalError")
UNAVAILABLE = Fault("unavailable", 503, "ServiceUnavailable")
READ_TIMEOUT = Fault("read_timeout", timeout=ReadTimeoutError)
CONNECT_TIMEOUT = Fault("connect_timeout", timeout=ConnectTimeoutError)


def faults_for(service: str) -> list[Fault]:
    """The faults a service can answer with, each as likely as the others."""
    if service == "s3":
        return [S3_SLOW_DOWN, S3_SERVER_ERROR, UNAVAILABLE, READ_TIMEOUT, CONNECT_TIMEOUT]
    if service == "dynamodb":
        return [THROTTLING, DDB_THROUGHPUT, SERVER_ERROR, UNAVAILABLE, READ_TIMEOUT, CONNECT_TIMEOUT]
    return [THROTTLING, SERVER_ERROR, UNAVAILABLE, READ_TIMEOUT, CONNECT_TIMEOUT]


class _RawBody(BytesIO):
    """What AWSResponse reads an answer's body from (botocore calls `stream()` on it)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def error_response(url: str, protocol: str, target_prefix: str, fault: Fault) -> AWSResponse:
    """The HTTP answer AWS gives for `fault`, in the service's wire protocol, for botocore to parse."""
    request_id = uuid.uuid4().hex
    message = f"Injected fault: {fault.code}"
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
    if protocol in ("rest-xml", "query", "ec2"):
        if protocol == "rest-xml":
            body = f"<Error><Code>{fault.code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        else:
            body = (
                f"<ErrorResponse><Error><Type>Receiver</Type><Code>{fault.code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        headers["Content-Type"] = "application/xml"
        payload = f'<?xml version="1.0" encoding="UTF-8"?>{body}'.encode()
    else:  # json, rest-json (and anything else: the status code alone makes it retryable)
        error_type = f"{target_prefix}#{fault.code}" if target_prefix else fault.code
        headers["Content-Type"] = "application/x-amz-json-1.0"
        headers["x-amzn-ErrorType"] = fault.code
        headers["x-amzn-query-error"] = f"{fault.code};Receiver"  # SQS reads its (query-compatible) code here
        payload = json.dumps({"__type": error_type, "message": message}).encode()
    return AWSResponse(url, fault.status, headers, _RawBody(payload))


def _moto_transport() -> Any:
    """moto's in-process transport (a `before-send` handler on every emitter), if moto is installed."""
    try:
        from moto.core.models import botocore_stubber
    except ImportError:  # pragma: no cover - the suite always has moto
        return None
    return botocore_stubber


class FaultInjector:
    """Faults on a seeded fraction of the AWS calls of every client it is installed on.

    `install(x)` takes a client (`x.meta.events`) or a session (`x.events`: clients created from it later inherit
    the handler). `paused()` lets set-up and checks talk to AWS without faults, `resumed()` turns them on inside.
    `rules` force a fault on the matching attempts whatever the dice say (targeted scenarios): a callable
    (service, operation, request) -> Fault | None, given botocore's prepared request (url, headers, body).
    """

    def __init__(self, *, rate: float, seed: int, sustained: float = 0.0, rules: Any = None) -> None:
        if not 0 <= rate < 1 or not 0 <= sustained < 1:
            raise ValueError("rates are fractions of calls, in [0, 1)")
        self.rate = rate
        self.sustained = sustained
        self.random = random.Random(seed)
        self.rules = rules
        self._outages: dict[str, Fault] = {}  # botocore invocation id -> the fault every attempt of that call gets
        self.injected: Counter[str] = Counter()  # by fault name
        self.injected_by_operation: Counter[str] = Counter()  # by "service.Operation"
        self.attempts: Counter[str] = Counter()  # every request that reached the transport while active
        self.failed_upward: Counter[str] = Counter()  # calls whose final outcome (after retries) was a fault
        self.outages = 0  # calls that met a fault lasting longer than their retries
        self._paused = 0
        self._installed: list[Any] = []
        self._closed = False
        self._moto = _moto_transport()

    # ------------------------------------------------------------------ figures
    @property
    def total(self) -> int:
        return sum(self.injected.values())

    def summary(self) -> str:
        kinds = ", ".join(f"{name} {count}" for name, count in sorted(self.injected.items()))
        upward = sum(self.failed_upward.values())
        return (
            f"{self.total} faults injected in {sum(self.attempts.values())} attempts ({kinds}); "
            f"{upward} calls failed upward after botocore's retries ({self.outages} met an outage)"
        )

    # ------------------------------------------------------------------ installation
    def install(self, target: Any) -> None:
        events = target.meta.events if hasattr(target, "meta") else target.events
        had_moto = False
        if self._moto is not None:
            # Whether moto's handler was there: unregister is silent when it was not, so look first.
            had_moto = self._moto in _handlers(events, "before-send")
            events.unregister("before-send", self._moto)
        events.register_first("before-send", self._transport, unique_id=HANDLER_ID)
        events.register("after-call", self._after_call, unique_id=f"{HANDLER_ID}-after-call")
        events.register("after-call-error", self._after_call_error, unique_id=f"{HANDLER_ID}-after-call-error")
        if had_moto:  # a session, or a client of its own session: given back its transport on uninstall
            self._installed.append(events)
        # (A client created from an installed session inherited the handler, and is not held on to here: once
        # uninstalled, the injector only forwards, so such a client, if anything still has it, talks to moto.)

    def uninstall(self) -> None:
        self._closed = True
        for events in reversed(self._installed):
            events.unregister("before-send", unique_id=HANDLER_ID)
            events.unregister("after-call", unique_id=f"{HANDLER_ID}-after-call")
            events.unregister("after-call-error", unique_id=f"{HANDLER_ID}-after-call-error")
            events.register("before-send", self._moto)
        self._installed.clear()

    @contextmanager
    def paused(self) -> Iterator[None]:
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    @contextmanager
    def resumed(self) -> Iterator[None]:
        """Faults on, even inside `paused()` (the flows run in here; set-up and checks stay fault-free)."""
        saved, self._paused = self._paused, 0
        try:
            yield
        finally:
            self._paused = saved

    @property
    def active(self) -> bool:
        return self._paused == 0 and not self._closed

    # ------------------------------------------------------------------ the transport
    def _transport(self, request: Any, event_name: str, **kwargs: Any) -> AWSResponse | None:
        _, service, operation = event_name.split(".", 2)
        fault = self._choose(service, operation, request) if self.active else None
        if fault is None:
            return self._forward(request, event_name, **kwargs)
        self.injected[fault.name] += 1
        self.injected_by_operation[f"{service}.{operation}"] += 1
        if fault.timeout is not None:
            raise fault.timeout(endpoint_url=request.url)
        return error_response(request.url, _protocol(service, request), _target_prefix(request), fault)

    def _forward(self, request: Any, event_name: str, **kwargs: Any) -> AWSResponse | None:
        if self._moto is not None and self._moto.enabled:
            return self._moto(event_name=event_name, request=request, **kwargs)  # type: ignore[no-any-return]
        return None  # botocore sends it over HTTP

    def _choose(self, service: str, operation: str, request: Any) -> Fault | None:
        key = f"{service}.{operation}"
        self.attempts[key] += 1
        if self.rules is not None:
            forced = self.rules(service, operation, request)
            if forced is not None:
                return forced  # type: ignore[no-any-return]
        # botocore marks every attempt of one call with the same invocation id, and numbers the attempts.
        invocation = _header(request, "amz-sdk-invocation-id")
        if invocation in self._outages:
            return self._outages[invocation]
        first = "attempt=1" in _header(request, "amz-sdk-request").replace(" ", "").split(";")
        if invocation and first and self.random.random() < self.sustained:
            # An outage (a hot partition, a failing host) outlasts the SDK's retries: every attempt fails.
            self.outages += 1
            self._outages[invocation] = self.random.choice(faults_for(service))
            return self._outages[invocation]
        if self.random.random() >= self.rate:
            return None
        return self.random.choice(faults_for(service))

    # ------------------------------------------------------------------ outcomes
    def _after_call(self, http_response: Any, parsed: Any, event_name: str, **_: Any) -> None:
        if self._closed:
            return
        message = str((parsed or {}).get("Error", {}).get("Message", ""))
        if http_response is not None and http_response.status_code >= 300 and message.startswith("Injected fault"):
            self.failed_upward[event_name.split(".", 1)[1]] += 1

    def _after_call_error(self, exception: Exception, event_name: str, **_: Any) -> None:
        if not self._closed and isinstance(exception, ReadTimeoutError | ConnectTimeoutError):
            self.failed_upward[event_name.split(".", 1)[1]] += 1


def _handlers(events: Any, event_name: str) -> list[Any]:
    """The handlers an emitter would call for a bare event name (botocore has no public listing of them)."""
    emitter = getattr(events, "_emitter", events)
    try:
        return list(emitter._handlers.prefix_search(event_name))
    except AttributeError:  # another botocore: assume moto's handler was there (it is on every emitter)
        return [_moto_transport()]


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name, b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def _protocol(service: str, request: Any) -> str:
    """The wire protocol of a request: JSON (X-Amz-Target or a JSON body), S3's REST-XML, else the query protocol."""
    content_type = request.headers.get("Content-Type", b"")
    content_type = content_type.decode() if isinstance(content_type, bytes) else str(content_type)
    if request.headers.get("X-Amz-Target") or "json" in content_type:
        return "json"
    return "rest-xml" if service == "s3" else "query"


def _target_prefix(request: Any) -> str:
    """The service namespace of a JSON-protocol error type, from the X-Amz-Target header (DynamoDB_20120810.X)."""
    target = request.headers.get("X-Amz-Target")
    if not target:
        return ""
    service = target.decode() if isinstance(target, bytes) else str(target)
    return service.split(".", 1)[0]


class VirtualSleep:
    """Stands in for botocore.endpoint's `time` module: backoff is added up instead of slept."""

    def __init__(self) -> None:
        self.slept = 0.0
        self.sleeps = 0

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.sleeps += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)
