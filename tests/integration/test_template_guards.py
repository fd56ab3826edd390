"""What the template promises beyond its resources: throttled public writes, backups that age out within the
deletion promise, parameter rules CloudFormation enforces, and roles scoped to each function's own sources."""

import json
import subprocess
from functools import cache
from typing import Any

import pytest
from moto import mock_aws

from localcloud.provision import Provisioner
from localcloud.routes import Wiring
from localcloud.template import Stack
from tests.support import ROOT

STACK = Stack.from_template()
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _routes() -> Wiring:
    stack = Stack.from_template()
    for logical_id in stack.resources:  # queues and streams resolve ARNs: placeholders will do for routes
        stack.physical_ids.setdefault(logical_id, logical_id)
        stack.attributes.setdefault(logical_id, {"Arn": f"arn:{logical_id}", "StreamArn": f"arn:{logical_id}/stream"})
    return Wiring.from_stack(stack)


def _http_api() -> dict[str, Any]:
    return STACK.resources["HttpApi"]["Properties"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- throttling (issue #16, item 2)
def test_every_route_has_the_stage_throttling_limits_from_parameters():
    # Given the HTTP API as declared
    defaults = _http_api().get("DefaultRouteSettings", {})
    # Then the stage's default route settings throttle every route, with limits the deployer sets
    assert defaults.get("ThrottlingRateLimit") == {"Ref": "ApiThrottlingRateLimit"}
    assert defaults.get("ThrottlingBurstLimit") == {"Ref": "ApiThrottlingBurstLimit"}


def test_every_public_write_route_has_its_own_lower_throttling_limits():
    # Given the routes anyone may write to without a token
    public_writes = {r.route_key for r in _routes().routes if not r.authorized and r.method in WRITE_METHODS}
    assert {"PUT /visitors/{visitor_id}/consents", "POST /unsubscribe"} <= public_writes
    settings = _http_api().get("RouteSettings", {})
    for route_key in public_writes:
        # Then each has route settings from the public-write parameters
        assert settings.get(route_key) == {
            "ThrottlingRateLimit": {"Ref": "PublicWriteThrottlingRateLimit"},
            "ThrottlingBurstLimit": {"Ref": "PublicWriteThrottlingBurstLimit"},
        }, route_key
    # And by default they are lower than the stage's
    parameters = STACK.parameters
    assert parameters["PublicWriteThrottlingRateLimit"] < parameters["ApiThrottlingRateLimit"]
    assert parameters["PublicWriteThrottlingBurstLimit"] < parameters["ApiThrottlingBurstLimit"]


def test_route_settings_name_only_routes_the_api_serves():
    # API Gateway refuses a stage whose route settings name a route it does not have
    route_keys = {r.route_key for r in _routes().routes}
    assert set(_http_api().get("RouteSettings", {})) <= route_keys


# ---------------------------------------------------------------- parameter rules
class _RuleStack(Stack):
    """Adds the rule-only intrinsics to the local cloud's resolver."""

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Contains":
                return self.resolve(arg[1]) in [str(item) for item in self.resolve(arg[0])]
        return super().resolve(value)


def broken_rules(**parameters: Any) -> set[str]:
    """The template rules CloudFormation would refuse the stack for, with these parameter values."""
    stack = _RuleStack.from_template(STACK.template, overrides=parameters)
    # CloudFormation hands rules every parameter as a string (a list parameter as a list of strings)
    stack.parameters = {
        name: value if isinstance(value, list) else str(value) for name, value in stack.parameters.items()
    }
    broken = set()
    for name, rule in stack.template.get("Rules", {}).items():
        if "RuleCondition" in rule and not stack.resolve(rule["RuleCondition"]):
            continue
        if not all(stack.resolve(assertion["Assert"]) for assertion in rule["Assertions"]):
            broken.add(name)
    return broken


def test_the_defaults_break_no_rule():
    assert broken_rules() == set()


def test_an_external_issuer_without_an_audience_is_refused():
    # Given an external issuer whose audience is left empty, Then the stack is refused
    assert "ExternalIssuerNamesItsAudience" in broken_rules(JwtIssuer="https://issuer.example.com")
    # And with an audience it is accepted
    assert broken_rules(JwtIssuer="https://issuer.example.com", JwtAudience="client-1") == set()


def test_every_function_is_told_which_claim_lists_the_groups():
    variables = STACK.template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["GROUPS_CLAIM"] == {"Ref": "GroupsClaim"}
    assert STACK.parameters["GroupsClaim"] == "cognito:groups"


# ---------------------------------------------------------------- backups against the deletion promise (item 8)
def _allowed(name: str) -> list[int]:
    return [int(value) for value in STACK.template["Parameters"][name]["AllowedValues"]]


def test_the_tables_holding_subject_data_keep_backups_for_the_backup_parameter():
    for table in ("SubjectsTable", "IdempotencyTable"):
        recovery = STACK.resources[table]["Properties"]["PointInTimeRecoverySpecification"]
        assert recovery == {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": {"Ref": "BackupRetentionDays"}}


def test_the_defaults_keep_grace_plus_backups_within_the_promised_60_days():
    parameters = STACK.parameters
    assert parameters["PromisedDeletionDays"] == 60  # iMind: "permanently deleted within 60 days"
    assert parameters["ErasureGraceDays"] + parameters["BackupRetentionDays"] <= parameters["PromisedDeletionDays"]


@pytest.mark.parametrize("promise", _allowed("PromisedDeletionDays"))
@pytest.mark.parametrize("backup", _allowed("BackupRetentionDays"))
def test_a_grace_period_that_backups_would_carry_past_the_promise_is_refused(promise, backup):
    grace_range = STACK.template["Parameters"]["ErasureGraceDays"]
    for grace in range(int(grace_range["MinValue"]), int(grace_range["MaxValue"]) + 1):
        # Given a grace period, days of backups and the promised bound
        broken = broken_rules(ErasureGraceDays=grace, BackupRetentionDays=backup, PromisedDeletionDays=promise)
        # Then the stack is refused exactly when the purged subject would outlive the promise in the backups
        refused = any(name.startswith("BackupsAgeOutWithin") for name in broken)
        assert refused == (grace + backup > promise), (grace, backup, promise)


# ---------------------------------------------------------------- a visitor's chain against its consent record (§2)
def test_the_default_visitor_chain_is_the_consent_lifetime_plus_the_accountability_period():
    parameters = STACK.parameters
    assert (
        parameters["VisitorAuditRetentionDays"]
        == parameters["ConsentMaxAgeDays"] + parameters["RequestRecordRetentionDays"]
    )


@pytest.mark.parametrize(
    ("consent", "accountability"), [(396, 365), (396, 730), (396, 1094), (180, 1095), (30, 1095), (395, 1095)]
)
def test_the_default_visitor_chain_is_refused_when_a_period_it_covers_is_shortened(consent, accountability):
    # Given the default visitor chain (1491 days) and a shorter consent lifetime or accountability period
    broken = broken_rules(ConsentMaxAgeDays=consent, RequestRecordRetentionDays=accountability)
    # Then the chain would outlive the consent record by more than the accountability period: the stack is refused
    assert consent + accountability < 1491
    assert "VisitorChainWithinAccountability" in broken


@pytest.mark.parametrize("consent", [30, 180, 395, 396])
@pytest.mark.parametrize("accountability", [365, 1094, 1095, 1200, 1461, 2000])
@pytest.mark.parametrize("chain", [30, 395, 396, 1275, 1491, 1825])
def test_the_visitor_chain_rule_never_refuses_a_chain_within_its_bounds(consent, accountability, chain):
    broken = broken_rules(
        ConsentMaxAgeDays=consent, RequestRecordRetentionDays=accountability, VisitorAuditRetentionDays=chain
    )
    if consent <= chain <= consent + accountability:
        assert "VisitorChainWithinAccountability" not in broken, (consent, accountability, chain)


# ---------------------------------------------------------------- the export cooldown against the export's lifetime
def test_the_default_cooldown_ends_before_the_default_archive_expires():
    assert STACK.parameters["ExportCooldownHours"] <= STACK.parameters["ExportExpiryDays"] * 24


def test_a_cooldown_is_counted_in_hours_up_to_a_day_then_in_whole_days_up_to_the_longest_archive_lifetime():
    expiry = STACK.template["Parameters"]["ExportExpiryDays"]
    longest = int(expiry["MaxValue"]) * 24
    assert _allowed("ExportCooldownHours") == [*range(0, 25), *range(48, longest + 1, 24)]


@pytest.mark.parametrize("cooldown", _allowed("ExportCooldownHours"))
def test_a_cooldown_longer_than_the_archive_lives_is_refused(cooldown):
    expiry = STACK.template["Parameters"]["ExportExpiryDays"]
    for days in range(int(expiry["MinValue"]), int(expiry["MaxValue"]) + 1):
        # Given a cooldown and the days an archive is kept
        broken = broken_rules(ExportCooldownHours=cooldown, ExportExpiryDays=days)
        # Then the stack is refused exactly when a subject could be held back while having no copy any more
        assert ("ExportCooldownWithinExportLifetime" in broken) == (cooldown > days * 24), (cooldown, days)


# ---------------------------------------------------------------- least privilege, as deployed (item 9)
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
STREAM_AND_QUEUE_READS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
}
# What SAM attaches for an event source when it makes the role: each grants the source's reads on Resource "*".
EVENT_SOURCE_POLICIES = (
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaKinesisExecutionRole",
)


@cache
def _deployed() -> dict[str, Any]:
    """The template after the SAM transform (aws-sam-translator, which lives in .venv-sam)."""
    if not SAM_PYTHON.exists():
        pytest.fail("aws-sam-translator missing: make .venv-sam/.installed")
    done = subprocess.run(
        [str(SAM_PYTHON), str(ROOT / "tests" / "sam_transform.py")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _roles() -> dict[str, dict[str, Any]]:
    resources = _deployed()["Resources"]
    return {name: res["Properties"] for name, res in resources.items() if res["Type"] == "AWS::IAM::Role"}


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _reads(statement: dict[str, Any]) -> set[str]:
    actions = set(_listed(statement.get("Action", [])))
    return {a for a in STREAM_AND_QUEUE_READS if a in actions or f"{a.split(':')[0]}:*" in actions or "*" in actions}


def _function_of(role_name: str) -> str:
    resources = _deployed()["Resources"]
    (function,) = [
        name
        for name, res in resources.items()
        if res["Type"] == "AWS::Lambda::Function" and res["Properties"]["Role"] == {"Fn::GetAtt": [role_name, "Arn"]}
    ]
    return function


def test_no_role_gets_the_event_source_policies_that_read_every_stream_and_queue():
    for name, role in _roles().items():
        attached = [str(arn) for arn in role.get("ManagedPolicyArns", [])]
        assert not [arn for arn in attached if arn.endswith(EVENT_SOURCE_POLICIES)], name


def test_no_statement_reads_streams_or_queues_on_a_wildcard_resource():
    for name, role in _roles().items():
        for statement in _statements(role):
            if _reads(statement):
                assert "*" not in _listed(statement["Resource"]), (name, statement)


def test_each_function_reads_only_its_own_streams_and_queues():
    template_functions = STACK.of_type("AWS::Serverless::Function")
    for name, role in _roles().items():
        function = _function_of(name)
        events = template_functions[function]["Properties"].get("Events", {}).values()
        own = [
            e["Properties"].get("Stream") or e["Properties"].get("Queue")
            for e in events
            if e["Type"] in ("SQS", "DynamoDB")
        ]
        for statement in _statements(role):
            if statement.get("Effect") == "Allow" and _reads(statement):
                for resource in _listed(statement["Resource"]):
                    assert resource in own, (function, resource)


def test_eventbridge_may_use_the_data_key_only_for_this_accounts_rules():
    statements = STACK.resources["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    (statement,) = [s for s in statements if s.get("Principal", {}).get("Service") == "events.amazonaws.com"]
    conditions = {key: value for block in statement["Condition"].values() for key, value in block.items()}
    assert conditions["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "rule/" in str(conditions["aws:SourceArn"])


def test_every_list_bucket_is_limited_to_a_prefix():
    for name, role in _roles().items():
        for statement in _statements(role):
            if "s3:ListBucket" in _listed(statement.get("Action", [])):
                prefix = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
                assert prefix, (name, statement.get("Sid"))
                assert prefix != "*", (name, statement.get("Sid"))


def test_the_local_cloud_provisions_the_functions_that_declare_their_own_role():
    # Given the template provisioned by the local cloud
    with mock_aws():
        stack = Provisioner(Stack.from_template()).provision()
    # Then every function naming its role resolves it to the role the local cloud recorded
    for name, function in stack.of_type("AWS::Serverless::Function").items():
        if "Role" in function["Properties"]:
            role = function["Properties"]["Role"]["Fn::GetAtt"][0]
            assert stack.properties(name)["Role"] == stack.attributes[role]["Arn"], name


def test_the_sign_up_triggers_read_no_subjects_data_only_parental_approvals():
    """The triggers a sign-up runs read the subjects table only for a parental approval (PARENTREQ#<id>): what they
    bind or refuse; never a subject's partition."""
    for function in ("PreSignUpFunction", "PostConfirmationFunction"):
        policies = STACK.resources[function]["Properties"]["Policies"]
        statements = [s for policy in policies if isinstance(policy, dict) for s in policy.get("Statement", [])]
        reads = [s for s in statements if {"dynamodb:GetItem", "dynamodb:Query"} & set(_listed(s["Action"]))]
        on_subjects = [s for s in reads if s["Resource"] == {"Fn::GetAtt": ["SubjectsTable", "Arn"]}]
        assert on_subjects, function
        for statement in on_subjects:
            leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            assert leading == ["PARENTREQ#*"], function
