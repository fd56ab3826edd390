"""SnapStart: the user-facing API functions are published with a snapshot, API Gateway invokes the published alias,
and the snapshot holds primed code and clients but the result of no AWS call."""

import importlib
import random

import pytest
from botocore.endpoint import Endpoint
from moto.core.botocore_stubber import BotocoreStubber
from snapshot_restore_py import get_after_restore, get_before_snapshot

from localcloud.template import Stack

SNAPSTART_FUNCTIONS = {
    "PlatformApiFunction": "handlers.platform_api",
    "ConsentApiFunction": "handlers.consent_api",
    "SubjectApiFunction": "handlers.subject_api",
    "AdminApiFunction": "handlers.admin_api",
    "MinorsApiFunction": "handlers.minors_api",
}


def test_every_api_function_is_published_with_a_snapshot_behind_an_alias():
    stack = Stack.from_template()
    functions = stack.of_type("AWS::Serverless::Function")
    api_functions = {
        name
        for name, resource in functions.items()
        if any(event["Type"] == "HttpApi" for event in resource["Properties"].get("Events", {}).values())
    }
    assert api_functions == set(SNAPSTART_FUNCTIONS)
    for name in api_functions:
        props = functions[name]["Properties"]
        assert props["AutoPublishAlias"] == "live", name
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}, name


@pytest.fixture
def no_aws(aws, monkeypatch):
    """The environment of every function, where any request that leaves botocore (for AWS or for moto) fails."""

    def refuse(*_, **__):
        raise AssertionError("a request left botocore while priming")

    monkeypatch.setattr(BotocoreStubber, "__call__", lambda *_, **__: None)  # moto answers nothing: all goes out
    monkeypatch.setattr(Endpoint, "_send", refuse)


def _hooks_of(module_name: str) -> tuple[list, list]:
    before, after = get_before_snapshot(), get_after_restore()
    del before[:], after[:]
    importlib.reload(importlib.import_module(module_name))
    return list(before), list(after)


@pytest.mark.parametrize("module_name", sorted(SNAPSTART_FUNCTIONS.values()))
def test_priming_builds_every_route_and_makes_no_aws_call(no_aws, module_name):
    before, after = _hooks_of(module_name)
    assert before, f"{module_name} registers no before-snapshot hook"
    assert after, f"{module_name} registers no after-restore hook"

    for hook, args, kwargs in before:
        hook(*args, **kwargs)  # a request for AWS fails here (no_aws)

    app = importlib.import_module(module_name).app
    routes = app._static_routes + app._dynamic_routes
    assert routes
    assert all(route._dependant is not None for route in routes), "a route's validation models were left unbuilt"


def test_a_restored_environment_draws_its_own_random_numbers(no_aws):
    _, after = _hooks_of("handlers.platform_api")
    random.seed(1234)  # the state every environment restored from one snapshot would share
    shared = random.random()
    random.seed(1234)
    for hook, args, kwargs in after:
        hook(*args, **kwargs)
    assert random.random() != shared


def test_a_restored_environment_reads_secrets_anew(no_aws):
    from datetime import UTC, datetime, timedelta

    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.base import ExpirableValue
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    _, after = _hooks_of("handlers.consent_api")
    provider = DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider()
    frozen = ExpirableValue("value read before the snapshot", datetime.now(UTC) + timedelta(minutes=5))
    provider.store[("arn:secret", None)] = frozen
    for hook, args, kwargs in after:
        hook(*args, **kwargs)
    assert DEFAULT_PROVIDERS["secrets"] is provider  # its client stays primed
    assert not provider.store  # no value read before the restore is served after it


def test_priming_makes_each_clients_first_call_without_sending_it(no_aws, monkeypatch):
    from adapters.aws import created_clients
    from api import snapstart

    answered: list[str] = []
    canned = snapstart._canned_answer

    def counted(request, **kwargs):
        answered.append(request.url)
        return canned(request, **kwargs)

    monkeypatch.setattr(snapstart, "_canned_answer", counted)
    before, _ = _hooks_of("handlers.subject_api")
    for hook, args, kwargs in before:
        hook(*args, **kwargs)
    # Then every client the function made, and the secrets provider's, built a whole request, answered in-process
    primed = [service for service in created_clients() if service in snapstart.DRY_CALLS]
    assert {"dynamodb", "s3"} <= set(primed)
    assert len(answered) >= len(primed) + 1
