"""A subject pending deletion is unavailable at once: every /me route answers 410 with the purge date,
except those that let the subject see what is happening or undo it.

Checked before the resolver runs (so even an invalid body gets 410, not 422): one BatchGetItem per /me call.
"""

import json
from typing import Any

from domain.errors import Gone

EXEMPT_ROUTES = frozenset(
    {
        "GET /me/status",
        "POST /me/restore",
        "DELETE /me",
        "GET /me/requests",
        "GET /me/requests/{request_id}",
        "GET /me/requests/{request_id}/download",  # the data can be had back until it is purged
        "POST /me/activity",  # activity cancels an inactivity removal; the route decides
        "GET /me/recipients",  # the policy's recipients, no data of the subject: who is told of the erasure
    }
)


def unavailable_response(event: dict[str, Any]) -> dict[str, Any] | None:
    route_key = str(event.get("routeKey", ""))
    path = route_key.partition(" ")[2]
    if not (path == "/me" or path.startswith("/me/")) or route_key in EXEMPT_ROUTES:
        return None
    subject_id = (
        (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    ).get("sub")
    if not subject_id:
        return None  # the route itself answers 401
    from wiring.erasure import erasure

    try:
        erasure().ensure_available(str(subject_id))
    except Gone as error:
        body = {"error": error.code, "message": error.message, "details": error.details}
        return {"statusCode": 410, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
    return None
