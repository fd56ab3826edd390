"""What the template promises beyond its resources: throttled public writes, backups that age out within the
deletion promise, parameter rules CloudFormation enforces, and roles scoped to each function's own sources."""

from typing import Any

import pytest

from localcloud.routes import Wiring
from localcloud.template import Stack

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
