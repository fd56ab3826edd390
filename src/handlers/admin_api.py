"""Operator routes (privacy-admin group): the request queue (rectifications applied at once), restores, legal holds,
audit chains and deletion certificates (api/routes/admin.py)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.http import build_app, resolve
from api.routes.admin import router
from api.snapstart import prime_on_snapshot
from observability import logger
from wiring.audit import audit
from wiring.erasure import erasure, holds
from wiring.requests import operator_desk, rectification, requests

app = build_app()
app.include_router(router)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(
    app, requests, operator_desk, rectification, erasure, holds, audit
)  # SnapStart: what the published version's snapshot holds
