"""Minors routes: the host application's age check and parental consent requests, the parent's one-time answer,
the parent's rights over a linked child's data, and the operator's purge of a child who signed up without consent
(api/routes/minors.py)."""

from api.http import api_handler, build_app
from api.routes.minors import router
from api.snapstart import prime_on_snapshot
from wiring.consent import catalog, consents
from wiring.erasure import erasure, underage
from wiring.minors import age_check, parental, parents
from wiring.requests import requests
from wiring.shared import store

app = build_app(router)
lambda_handler = api_handler(app)

prime_on_snapshot(
    app, requests, erasure, store, parental, consents, underage, catalog, parents, age_check
)  # SnapStart: what the published version's snapshot holds
