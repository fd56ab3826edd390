"""Imocloud's promises, on a local cloud deployed with its policy: no one under 18, even with a parent; no Do Not
Track handling; so no marketing to a minor, who cannot have an account."""

import uuid

import pytest

from tests.e2e.helpers import aws_client, born, host_app

pytestmark = pytest.mark.e2e
POLICY = "imocloud"


def test_a_17_year_old_is_refused_and_an_18_year_old_admitted(product_cloud):
    host = host_app(product_cloud)
    minor = product_cloud.call("POST", "/minors/checks", host, json={"birth_date": born(17), "country": "US"}).json()
    adult = product_cloud.call("POST", "/minors/checks", host, json={"birth_date": born(18), "country": "US"}).json()
    assert (minor["allowed"], minor["age_of_consent"]) == (False, 18)
    assert (adult["allowed"], adult["parental_consent_required"]) == (True, False)


def test_no_parent_is_asked_to_consent_for_a_minor(product_cloud):
    answer = product_cloud.call(
        "POST",
        "/minors/consent-requests",
        host_app(product_cloud),
        json={"parent_email": "probe@example.org", "country": "US", "child_reference": "imocloud-minor"},
    )
    assert (answer.status_code, answer.json()["error"]) == (409, "parental_consent_unavailable")


def test_the_policy_says_dnt_is_not_honoured_and_a_dnt_signal_changes_no_choice(product_cloud):
    policy = product_cloud.call("GET", "/policy").json()
    assert policy["signals"]["dnt"] is False
    assert policy["minors"] == {
        "minimum_age": 18,
        "parental_consent": False,
        "underage_account": "deactivate_and_delete",
    }
    # A visitor whose browser sends DNT: 1 and who grants marketing e-mails keeps that grant
    visitor = uuid.uuid4().hex
    chosen = product_cloud.call(
        "PUT",
        f"/visitors/{visitor}/consents",
        headers={"DNT": "1"},
        json={"decisions": {"marketing_emails": True}, "source": "banner"},
    )
    assert chosen.status_code == 200, chosen.text
    consents = product_cloud.call("GET", f"/visitors/{visitor}/consents").json()["consents"]
    assert consents["marketing_emails"]["granted"] is True


def _users_named(cloud, email):
    pool = cloud.info()["resources"]["UserPool"]
    users = aws_client(cloud, "cognito-idp").list_users(UserPoolId=pool, Filter=f'email = "{email}"')["Users"]
    return [user["Username"] for user in users]


def test_a_sign_up_with_a_birth_date_under_18_is_refused_and_creates_no_user(product_cloud):
    # Given a 17-year-old signing up (the pre-sign-up trigger runs before Cognito creates the user)
    email = f"teen-{uuid.uuid4().hex[:8]}@example.org"
    product_cloud.seeded.add(email)
    answer = product_cloud.http.post(
        f"{product_cloud.url}/_local/login",
        json={"username": email, "birth_date": born(17), "country": "US"},
    )
    # Then the sign-up is refused with the rule, and nothing the person sent, in the message
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == "sign_up_refused"
    assert "not available to anyone under 18" in body["message"]
    assert born(17) not in answer.text
    assert email not in answer.text
    # And no account exists
    assert _users_named(product_cloud, email) == []


def test_a_local_login_by_name_alone_signs_in_an_adult_though_the_policy_requires_a_birth_date(product_cloud):
    # A birth date is required at sign-up under Imocloud's policy: the local cloud gives a login by name an adult's
    name = f"adult-{uuid.uuid4().hex[:8]}"
    login = product_cloud.login(name)
    me = product_cloud.call("GET", "/me", login["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["birth_date"] == "1990-01-01"


def test_a_subject_learns_imoclouds_recipients_and_what_each_serves(product_cloud):
    # Given a user of Imocloud (signed in through Google, paying through Stripe)
    token = product_cloud.token(f"recipients-{uuid.uuid4().hex[:8]}@example.org")
    # When they ask who their data is disclosed to (GDPR Art. 19)
    answer = product_cloud.call("GET", "/me/recipients", token, headers={"Accept-Language": "es"})
    # Then they get Imocloud's recipients, each with the purposes it serves, titled in Spanish
    body = answer.json()
    assert (answer.status_code, body["product"], answer.headers["Content-Language"]) == (200, "imocloud", "es")
    served = {item["name"]: [p["id"] for p in item["purposes"]] for item in body["items"]}
    assert served == {"Stripe": ["order_processing"], "Google": ["login"]}
