"""Who is calling: the subject from `sub`, the groups from the claim the deployment names (GroupsClaim)."""

from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from api.identity import caller_of, groups_claim


def _event(claims: dict[str, Any]) -> APIGatewayProxyEventV2:
    return APIGatewayProxyEventV2(
        {"rawPath": "/whoami", "requestContext": {"authorizer": {"jwt": {"claims": claims, "scopes": None}}}}
    )


@pytest.fixture
def claim_named(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sets GROUPS_CLAIM as a new container would see it (the name is read once per container)."""

    def name(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("GROUPS_CLAIM", raising=False)
        else:
            monkeypatch.setenv("GROUPS_CLAIM", value)
        groups_claim.cache_clear()

    yield name
    groups_claim.cache_clear()


def test_groups_come_from_cognito_groups_by_default(claim_named):
    # Given a deployment that names no groups claim
    claim_named(None)
    # When a Cognito token lists the caller's groups (API Gateway flattens the array to a string)
    caller = caller_of(_event({"sub": "s-1", "cognito:groups": "[privacy-admin privacy-app]"}))
    # Then those are the caller's groups
    assert caller.groups == {"privacy-admin", "privacy-app"}


def test_groups_come_from_the_claim_the_deployment_names(claim_named):
    # Given a deployment whose external issuer lists groups in a claim called "groups"
    claim_named("groups")
    # When its token carries both that claim and a cognito:groups claim
    caller = caller_of(_event({"sub": "s-1", "groups": "[privacy-admin]", "cognito:groups": "[privacy-app]"}))
    # Then only the named claim counts
    assert caller.groups == {"privacy-admin"}
