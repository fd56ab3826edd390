"""Subject routes: the profile (access and rectification), activity, data-subject requests and their
downloads, and the records the host application registers about a subject (api/routes/subject.py)."""

from api.http import api_handler, build_app
from api.routes.standing import router as standing_router
from api.routes.subject import router
from api.snapstart import prime_on_snapshot
from wiring.erasure import erasure
from wiring.requests import requests
from wiring.shared import store
from wiring.standing import permission_rules, standing

app = build_app(router, standing_router)
lambda_handler = api_handler(app)

prime_on_snapshot(
    app, requests, erasure, store, standing, permission_rules
)  # SnapStart: what the published version's snapshot holds
