"""Mindomo's promises, on a local cloud deployed with its policy: a parent's consent under 13 in the US and under
16 in the EU, a request that keeps only the parent's e-mail, and no purpose for advertising it says it never does."""

import re
import uuid

import pytest

from tests.e2e.helpers import born, host_app, mailed_token, partition

pytestmark = pytest.mark.e2e
POLICY = "mindomo"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}")


def test_the_product_shows_its_own_policy_and_asks_no_consent_for_advertising(product_cloud):
    policy = product_cloud.call("GET", "/policy").json()
    assert policy["product"] == "mindomo"
    catalog = product_cloud.call("GET", "/consent/purposes").json()
    ids = {purpose["id"] for purpose in catalog["purposes"]}
    assert ids == {purpose["id"] for purpose in policy["purposes"]}
    assert not {purpose for purpose in ids if "advertis" in purpose or purpose == "sale_or_share"}


@pytest.mark.parametrize(
    ("country", "age", "needs_parent"),
    [("US", 12, True), ("US", 13, False), ("DE", 15, True), ("RO", 15, True), ("DE", 16, False)],
)
def test_a_parent_consents_under_13_in_the_us_and_under_16_in_the_eu(product_cloud, country, age, needs_parent):
    answer = product_cloud.call(
        "POST", "/minors/checks", host_app(product_cloud), json={"birth_date": born(age), "country": country}
    )
    assert answer.status_code == 200, answer.text
    check = answer.json()
    assert (check["parental_consent_required"], check["allowed"]) == (needs_parent, True)
    assert check["age_of_consent"] == (13 if country == "US" else 16)


def _ask_parent(cloud, parent_email):
    """A new host application asks `parent_email` to consent to a child's sign-up in the US: the answer."""
    return cloud.call(
        "POST",
        "/minors/consent-requests",
        host_app(cloud),
        json={"parent_email": parent_email, "country": "US", "child_reference": f"signup-{uuid.uuid4().hex[:8]}"},
    )


def test_the_request_to_a_parent_keeps_only_the_parents_e_mail(product_cloud):
    # Given a 12-year-old in the US signing up: the host asks the parent
    parent = f"parent-{uuid.uuid4().hex[:10]}@example.org"
    product_cloud.seeded.add(parent)
    asked = _ask_parent(product_cloud, parent)
    assert asked.status_code == 201, asked.text
    # Then what is stored until the parent answers holds one e-mail address, the parent's, and nothing of the child
    items = partition(product_cloud, f"PARENTREQ#{asked.json()['request_id']}")
    assert items
    stored = " ".join(str(value) for item in items for value in item.values())
    assert set(EMAIL.findall(stored)) == {parent}
    assert not [name for item in items for name in item if "birth" in name or "name" in name]
    # And the parent, and only the parent, gets the link
    assert mailed_token(product_cloud, parent)


def _sign_up(cloud, email, **body):
    cloud.seeded.add(email)
    return cloud.http.post(f"{cloud.url}/_local/login", json={"username": email, **body})


def test_a_child_signs_up_only_once_a_parent_approved_the_request_the_sign_up_names(product_cloud):
    # Given a 12-year-old in the US, whose parent is asked for consent
    parent, child = (f"{who}-{uuid.uuid4().hex[:10]}@example.org" for who in ("parent", "kid"))
    product_cloud.seeded.add(parent)
    asked = _ask_parent(product_cloud, parent).json()
    child_sign_up = {
        "birth_date": born(12),
        "country": "US",
        "client_metadata": {"parental_request_id": asked["request_id"]},
    }
    # When the child signs up without naming the request, or naming it before the parent answered
    alone = _sign_up(product_cloud, child, birth_date=born(12), country="US")
    early = _sign_up(product_cloud, child, **child_sign_up)
    # Then both are refused, saying a parent must consent first
    for refused in (alone, early):
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "sign_up_refused"
        assert "parent must consent first" in refused.json()["message"]
    # And once the parent approved from the e-mailed link, the same sign-up passes
    confirmed = product_cloud.call(
        "POST",
        "/minors/consent-requests/confirm",
        json={"token": mailed_token(product_cloud, parent), "decision": "approve"},
    )
    assert confirmed.status_code == 200, confirmed.text
    admitted = _sign_up(product_cloud, child, **child_sign_up)
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["created"] is True


def test_a_subject_learns_mindomos_recipients_and_what_each_serves(product_cloud):
    # Given a user of Mindomo
    token = product_cloud.token(f"recipients-{uuid.uuid4().hex[:8]}@example.org")
    # When they ask who their data is disclosed to (GDPR Art. 19)
    body = product_cloud.call("GET", "/me/recipients", token).json()
    # Then they get Mindomo's recipients, not another product's: its hosts, payment processors and analytics
    assert body["product"] == "mindomo"
    served = {item["name"]: [p["id"] for p in item["purposes"]] for item in body["items"]}
    assert served["Braintree"] == served["2Checkout"] == ["order_processing"]
    assert served["Google Analytics"] == ["analytics"]
    assert {"Hetzner Online GmbH", "Amazon Web Services"} <= set(served)
    assert "Stripe" not in served
