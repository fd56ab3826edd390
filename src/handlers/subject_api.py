"""Subject routes: the profile (access and rectification), activity, data-subject requests and their
downloads, and the records the host application registers about a subject (api/routes/subject.py)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.http import build_app, resolve
from api.routes.standing import router as standing_router
from api.routes.subject import router
from api.snapstart import prime_on_snapshot
from observability import logger
from wiring.erasure import erasure
from wiring.requests import requests
from wiring.shared import store
from wiring.standing import permission_rules, standing

app = build_app()
app.include_router(router)
app.include_router(standing_router)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(
    app, requests, erasure, store, standing, permission_rules
)  # SnapStart: what the published version's snapshot holds
