"""Who is calling, from the claims API Gateway's JWT authorizer already verified.

The subject id comes only from the token's `sub`; never from a path or a body.
"""

import os
from dataclasses import dataclass
from functools import cache

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from domain.errors import Forbidden, Unauthenticated

ADMIN_GROUP = "privacy-admin"
APP_GROUP = "privacy-app"
DEFAULT_GROUPS_CLAIM = "cognito:groups"


@dataclass(frozen=True)
class Caller:
    subject_id: str
    groups: frozenset[str]
    scopes: frozenset[str]

    def require_group(self, group: str) -> None:
        if group not in self.groups:
            raise Forbidden(f"This route needs a token of the '{group}' group.")

    def require_group_or_scope(self, group: str, scope: str) -> None:
        """A user in the group, or a machine client (client credentials: no groups) granted the scope."""
        if group not in self.groups and scope not in self.scopes:
            raise Forbidden(f"This route needs a token of the '{group}' group or with the '{scope}' scope.")


def _as_list(value: object) -> list[str]:
    # API Gateway flattens array claims to a string such as "[privacy-admin privacy-app]".
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str):
        return [item for item in value.strip("[]").replace(",", " ").split() if item]
    return []


@cache
def groups_claim() -> str:
    """The claim that lists the caller's groups, read once per container from GROUPS_CLAIM (the template's
    GroupsClaim): Cognito names it cognito:groups, an external issuer (JwtIssuer) often something else."""
    return os.environ.get("GROUPS_CLAIM", "").strip() or DEFAULT_GROUPS_CLAIM


def caller_of(event: APIGatewayProxyEventV2) -> Caller:
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    subject_id = (claims or {}).get("sub")
    if not claims or not subject_id:
        raise Unauthenticated("A valid bearer token is required.")
    scopes = set(authorizer.jwt_scopes or []) if authorizer else set()
    scopes.update(_as_list(claims.get("scope", "")))
    return Caller(
        subject_id=str(subject_id),
        groups=frozenset(_as_list(claims.get(groups_claim(), []))),
        scopes=frozenset(scopes),
    )
