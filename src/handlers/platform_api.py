"""Platform routes: health, the OpenAPI document of the whole API and its Swagger UI, and the public key that
verifies deletion certificates and signed audit chain heads (api/routes/platform.py)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.http import build_app, resolve
from api.routes.platform import router
from api.snapstart import prime_on_snapshot
from observability import logger
from wiring.policy import policy

app = build_app()
app.include_router(router)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(app, policy)  # SnapStart: what the published version's snapshot holds
