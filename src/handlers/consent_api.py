"""Consent routes: the purposes catalog, a subject's and a visitor's decisions, history, receipts, claim,
one-click unsubscribe (RFC 8058) and the tokens the host's mailer puts in its List-Unsubscribe headers
(api/routes/consent.py)."""

from api.http import api_handler, build_app
from api.routes.consent import router
from api.snapstart import prime_on_snapshot
from wiring.consent import consents, purposes
from wiring.erasure import erasure

app = build_app(router)
lambda_handler = api_handler(app)

prime_on_snapshot(app, consents, purposes, erasure)  # SnapStart: what the published version's snapshot holds
