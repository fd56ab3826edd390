"""The privacy center's sign-in as deployed: the Cognito hosted UI with the authorization code flow and PKCE, set
up by the config.js that `make deploy-web` writes. The hosted UI is played by routes of the browser (moto has
none); the token it hands over is a real one of the local user pool, so the API accepts it."""

import base64
import hashlib
import json
import uuid
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from playwright.sync_api import expect

HOSTED_UI = "https://privacy-local-123456789012.auth.eu-west-1.amazoncognito.com"
CLIENT_ID = "center-client"


def test_sign_in_through_the_hosted_ui_with_the_code_flow_and_pkce(page, cloud, screenshot):
    # Given a privacy center configured for the hosted UI, and a user the user pool knows
    redirect = f"{cloud.url}/"
    config = {"apiUrl": "", "cognitoDomain": HOSTED_UI, "clientId": CLIENT_ID, "redirectUri": redirect}
    page.route(
        "**/config.js", lambda route: route.fulfill(body=f"window.PRIVACY_CENTER_CONFIG = {json.dumps(config)};")
    )
    login = requests.post(f"{cloud.url}/_local/login", json={"username": f"hosted-{uuid.uuid4().hex[:10]}"}, timeout=10)
    access_token = login.json()["access_token"]
    asked: dict[str, str] = {}

    def authorize(route):
        asked.update({name: values[0] for name, values in parse_qs(urlparse(route.request.url).query).items()})
        back = f"{asked['redirect_uri']}?{urlencode({'code': 'the-code', 'state': asked['state']})}"
        route.fulfill(status=302, headers={"location": back})

    def token(route):
        form = {name: values[0] for name, values in parse_qs(route.request.post_data or "").items()}
        asked.update({f"token_{name}": value for name, value in form.items()})
        body = json.dumps({"access_token": access_token, "token_type": "Bearer", "expires_in": 3600})
        cors = {"access-control-allow-origin": "*"}
        route.fulfill(status=200, body=body, headers={"content-type": "application/json", **cors})

    page.route(f"{HOSTED_UI}/oauth2/authorize?*", authorize)
    page.route(f"{HOSTED_UI}/oauth2/token", token)
    # When the user signs in
    page.goto("/")
    page.locator("#hosted-login").click()
    # Then they see their consents
    expect(page.get_by_role("heading", name="Your consents")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Usage analytics")).to_be_visible(timeout=30_000)  # a cold function
    screenshot(page)
    # And the page asked for a code with the OpenID scopes and a S256 challenge, back to the registered URL
    assert (asked["response_type"], asked["client_id"], asked["redirect_uri"]) == ("code", CLIENT_ID, redirect)
    assert asked["scope"] == "openid email profile"
    assert asked["code_challenge_method"] == "S256"
    # And redeemed it with the verifier of that challenge, and no secret
    assert (asked["token_grant_type"], asked["token_code"]) == ("authorization_code", "the-code")
    digest = hashlib.sha256(asked["token_code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert "token_client_secret" not in asked
    # And the code is gone from the address bar
    assert "code=" not in page.url
