"""Consent routes: the purposes catalog, a subject's and a visitor's decisions, history, receipts, claim,
one-click unsubscribe (RFC 8058) and the tokens the host's mailer puts in its List-Unsubscribe headers
(api/routes/consent.py)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.http import build_app, resolve
from api.routes.consent import router
from api.snapstart import prime_on_snapshot
from observability import logger
from wiring.consent import consents, purposes
from wiring.erasure import erasure

app = build_app()
app.include_router(router)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(app, consents, purposes, erasure)  # SnapStart: what the published version's snapshot holds
