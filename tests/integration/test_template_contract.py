"""template.yaml, the code and the committed documents cannot drift apart."""

import importlib
import json
import re
from pathlib import Path

import pytest

from api.openapi import API_HANDLER_MODULES, openapi_json
from localcloud.routes import Wiring
from localcloud.template import Stack
from tests.support import EVENTS, ROOT

STACK = Stack.from_template()
FUNCTIONS = STACK.of_type("AWS::Serverless::Function")


def _wiring() -> Wiring:
    stack = Stack.from_template()
    # Routes need no physical resources, but queues/streams resolve ARNs: give them placeholders.
    for logical_id in stack.resources:
        stack.physical_ids.setdefault(logical_id, logical_id)
        stack.attributes.setdefault(logical_id, {"Arn": f"arn:{logical_id}", "StreamArn": f"arn:{logical_id}/stream"})
    return Wiring.from_stack(stack)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_handler_exists(function):
    module_name, _, attribute = FUNCTIONS[function]["Properties"]["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module_name), attribute))


def test_the_openapi_merge_covers_exactly_the_api_functions():
    api_modules = {FUNCTIONS[r.function]["Properties"]["Handler"].rpartition(".")[0] for r in _wiring().routes}
    assert set(API_HANDLER_MODULES) == api_modules


def _openapi_path(path: str) -> str:
    return re.sub(r"\{(\w+)\+\}", r"{\1}", path)


def test_template_routes_and_openapi_operations_match_one_to_one():
    document = json.loads(openapi_json())
    documented = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    declared = {(route.method, _openapi_path(route.path)) for route in _wiring().routes}
    hidden = {("GET", "/swagger")}  # served, but not an operation of the document
    assert documented == declared - hidden


def test_public_routes_are_exactly_the_operations_without_security():
    document = json.loads(openapi_json())
    for route in _wiring().routes:
        operation = document["paths"].get(_openapi_path(route.path), {}).get(route.method.lower())
        if operation is None:
            continue
        assert bool(operation.get("security")) == route.authorized, route.route_key


def test_committed_openapi_document_is_up_to_date():
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json() + "\n", "docs/openapi.json is stale: run `make openapi`"


@pytest.mark.parametrize("event_file", sorted(p.relative_to(EVENTS).as_posix() for p in EVENTS.rglob("*.json")))
def test_every_sample_event_is_used_by_a_test(event_file):
    if event_file.startswith("schemas/"):
        pytest.skip("event schemas are checked by their own test")
    sources = "\n".join(p.read_text(encoding="utf-8") for p in Path(ROOT / "tests").rglob("*.py"))
    assert f'"{event_file}"' in sources, f"events/{event_file} is exercised by no test"


def test_every_function_logs_to_a_group_with_a_retention_and_the_data_key():
    """Lambda's default log group keeps logs forever and unencrypted by our key; logs are kept only as long as said."""
    defaults = STACK.template["Globals"]["Function"].get("LoggingConfig", {})
    for name, function in FUNCTIONS.items():
        logging_config = {**defaults, **function["Properties"].get("LoggingConfig", {})}
        group = logging_config.get("LogGroup", {}).get("Ref")
        assert group in STACK.of_type("AWS::Logs::LogGroup"), f"{name} logs to Lambda's default group"
        properties = STACK.resources[group]["Properties"]
        assert int(STACK.resolve(properties["RetentionInDays"])) >= 365, name  # enough to investigate, then gone
        assert properties["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name


def test_no_stream_mapping_drops_a_batch_silently_when_its_retries_run_out():
    for name, function in FUNCTIONS.items():
        for event_name, event in function["Properties"].get("Events", {}).items():
            if event["Type"] == "DynamoDB":
                destination = event["Properties"].get("DestinationConfig", {}).get("OnFailure", {})
                assert destination.get("Type") == "SQS", f"{name}.{event_name} has no on-failure destination"
                # Handed over with time to spare: the batch is read back from the stream, which keeps 24 hours.
                max_age = event["Properties"].get("MaximumRecordAgeInSeconds", -1)
                assert 0 < max_age <= 12 * 3600, f"{name}.{event_name} may hand a batch over after the stream lost it"


def _dead_letter_queues() -> set[str]:
    """Every queue where work waits after its retries ran out: queues' redrive targets, functions' dead-letter
    queues, and stream mappings' on-failure destinations that no function consumes."""
    consumed = {
        event["Properties"]["Queue"]["Fn::GetAtt"][0]
        for function in FUNCTIONS.values()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    }
    targets = {
        queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in STACK.of_type("AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue["Properties"]
    }
    for function in FUNCTIONS.values():
        if "DeadLetterQueue" in function["Properties"]:
            targets.add(function["Properties"]["DeadLetterQueue"]["TargetArn"]["Fn::GetAtt"][0])
        for event in function["Properties"].get("Events", {}).values():
            destination = event["Properties"].get("DestinationConfig", {}).get("OnFailure", {})
            if destination:
                targets.add(destination["Destination"]["Fn::GetAtt"][0])
    return targets - consumed


def test_every_dead_letter_queue_raises_the_operator_alarm():
    dead_letters = _dead_letter_queues()
    assert {"ExportDeadLetterQueue", "PurgeDeadLetterQueue", "StreamDeadLetterQueue"} <= dead_letters
    watched = {
        query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for query in STACK.resources["DeadLettersAlarm"]["Properties"]["Metrics"]
        if "MetricStat" in query
    }
    assert watched == dead_letters


def test_every_alarm_tells_the_operator_through_an_encrypted_topic():
    for name, alarm in STACK.of_type("AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "OperatorAlarmTopic"}], name
    topic = STACK.resources["OperatorAlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "DataKey"}


def test_every_function_is_built_by_src_makefile_so_its_package_ships_bytecode():
    code_uri = STACK.template["Globals"]["Function"]["CodeUri"]
    assert (ROOT / code_uri / "Makefile").is_file()
    for name, function in FUNCTIONS.items():
        assert function["Metadata"]["BuildMethod"] == "makefile", f"{name} would be built without bytecode"
        assert function["Properties"].get("CodeUri", code_uri) == code_uri, name
