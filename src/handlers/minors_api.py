"""Minors routes: the host application's age check and parental consent requests, the parent's one-time answer,
the parent's rights over a linked child's data, and the operator's purge of a child who signed up without consent
(api/routes/minors.py)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.http import build_app, resolve
from api.routes.minors import router
from api.snapstart import prime_on_snapshot
from observability import logger
from wiring.consent import catalog, consents
from wiring.erasure import erasure, underage
from wiring.minors import age_check, parental, parents
from wiring.requests import requests
from wiring.shared import store

app = build_app()
app.include_router(router)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(
    app, requests, erasure, store, parental, consents, underage, catalog, parents, age_check
)  # SnapStart: what the published version's snapshot holds
