"""Platform routes: health, the OpenAPI document of the whole API and its Swagger UI, and the public key that
verifies deletion certificates and signed audit chain heads (api/routes/platform.py)."""

from api.http import api_handler, build_app
from api.routes.platform import router
from api.snapstart import prime_on_snapshot
from wiring.policy import policy

app = build_app(router)
lambda_handler = api_handler(app)

prime_on_snapshot(app, policy)  # SnapStart: what the published version's snapshot holds
