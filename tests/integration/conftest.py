"""Handlers under moto in-process, with every resource built from template.yaml."""

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.provision import Provisioner, function_environment
from localcloud.template import Stack


class LambdaContext:
    function_name = "test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    memory_limit_in_mb = 512
    aws_request_id = "test-request"
    log_group_name = "/aws/lambda/test"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


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


def _clear_cached_clients() -> None:
    from adapters.aws import client

    client.cache_clear()


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")
