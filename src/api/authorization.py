"""Who may call a route, declared where the route is: `@router.post(..., middlewares=[ADMIN])`, or once for an
audience of routes (`operator = Routes(router, tags=["admin"], middlewares=[ADMIN])`: api.http.Routes).

Each requirement is a powertools route middleware: it runs after request validation (as the hand-written checks in
route bodies did) and before the route, and answers 403 through the shared error handlers (api.errors). Routes
without one are open to any valid token, or to anyone where the template's route has no authorizer; the subject
is always the token's (api.identity). `declared` lists the requirement of every route, and the authorization matrix
(tests/e2e/test_authorization_matrix.py) checks the declarations against the rules it tests over HTTP.
"""

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from api.identity import ADMIN_GROUP, APP_GROUP, caller_of

MINORS_SCOPE = "privacy/minors"


@dataclass(frozen=True)
class Requires:
    """A token of `group`, or (for machine clients, which have no groups) one granted `scope`."""

    group: str
    scope: str | None = None

    @property
    def __name__(self) -> str:  # powertools names middlewares in its debug output
        return f"requires {self.group}" + (f" or {self.scope}" if self.scope else "")

    def __call__(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        caller = caller_of(app.current_event)
        if self.scope is None:
            caller.require_group(self.group)
        else:
            caller.require_group_or_scope(self.group, self.scope)
        return next_middleware(app)


ADMIN = Requires(ADMIN_GROUP)  # operators
HOST_APP = Requires(APP_GROUP)  # the host application's services
HOST_APP_OR_MINORS_SCOPE = Requires(APP_GROUP, MINORS_SCOPE)  # also its client-credentials clients


def declared(app: APIGatewayHttpResolver) -> dict[tuple[str, str], Requires | None]:
    """("METHOD", "/openapi/{path}") -> the requirement the route declares (None: any valid token, or none)."""
    table: dict[tuple[str, str], Requires | None] = {}
    for route in app._static_routes + app._dynamic_routes:
        found = [middleware for middleware in route.middlewares if isinstance(middleware, Requires)]
        table[(str(route.method).upper(), route.openapi_path)] = found[0] if found else None
    return table
