"""Operator routes (privacy-admin group): the request queue (rectifications applied at once), restores, legal holds,
audit chains and deletion certificates (api/routes/admin.py)."""

from api.http import api_handler, build_app
from api.routes.admin import router
from api.snapstart import prime_on_snapshot
from wiring.audit import audit
from wiring.erasure import erasure, holds
from wiring.requests import operator_desk, rectification, requests

app = build_app(router)
lambda_handler = api_handler(app)

prime_on_snapshot(
    app, requests, operator_desk, rectification, erasure, holds, audit
)  # SnapStart: what the published version's snapshot holds
