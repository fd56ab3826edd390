"""Handlers under moto in-process, with every resource built from template.yaml."""

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.delivery import LocalClock
from localcloud.provision import Provisioner, function_environment
from localcloud.template import Stack
from tests.support import LambdaContext, drain


@pytest.fixture
def aws() -> Iterator[Stack]:
    """Every resource of the template, in moto; the environment of every function set from it."""
    with mock_aws():
        stack = Provisioner(Stack.from_template()).provision()
        saved = dict(os.environ)
        for function in stack.of_type("AWS::Serverless::Function"):
            os.environ.update(function_environment(stack, function))
        _clear_cached_clients()
        try:
            yield stack
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _clear_cached_clients()


@pytest.fixture(autouse=True)
def _fresh_container() -> Iterator[None]:
    """Every test is a cold start: no client, setting or factory cached by another test (the aws fixture resets
    again once it has set the environment of its own stack), and no override left by one."""
    _clear_cached_clients()
    yield
    _clear_cached_clients()


def _clear_cached_clients() -> None:
    """Each test is a fresh container (wiring.reset: every provider, client and secret of the code is dropped), so
    none keeps a resource name (a secret's ARN, a table) of another test's stack."""
    import wiring
    from api.routes import subject as subject_routes

    wiring.reset()
    subject_routes._active_today.clear()


class FunctionsClock(LocalClock):
    """The offset SystemClock honours in local mode, in a file of the test's own, moved in days as the local cloud
    moves it (POST /_local/clock)."""

    def advance_days(self, days: float) -> None:
        self.advance(days * 86_400)

    def today(self) -> date:
        import wiring.shared

        return wiring.shared.clock().now().date()


@pytest.fixture
def clock(aws: Stack, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> FunctionsClock:
    """The functions' clock in local mode (PRIVACY_LOCAL_CLOUD + LOCAL_CLOCK_FILE), at offset 0."""
    monkeypatch.setenv("PRIVACY_LOCAL_CLOUD", "1")
    monkeypatch.setenv("LOCAL_CLOCK_FILE", str(tmp_path / "clock"))
    return FunctionsClock(tmp_path / "clock")


@pytest.fixture
def local_clock(clock: FunctionsClock) -> Callable[[float], None]:
    """Moves the clock SystemClock reads in local mode: `local_clock(days)` advances it."""
    return clock.advance_days


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def bus_events(aws) -> Callable[[], list[dict[str, Any]]]:
    """The events published on the privacy bus from now on (a queue subscribed to it); each call takes them."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue = sqs.create_queue(QueueName=f"tap-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = aws.physical_ids["PrivacyEventBus"]
    events.put_rule(Name="tap", EventBusName=bus, EventPattern=json.dumps({"source": ["privacy.rights"]}))
    events.put_targets(Rule="tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])

    return lambda: drain(queue)
