"""Intermind's policy sets no age rule and no inactivity rule, on a local cloud deployed with it: the law's ages of
digital consent apply as they are, and an inactive account is never removed for it."""

import uuid

import pytest

from tests.e2e.helpers import aws_client, born, host_app

pytestmark = pytest.mark.e2e
POLICY = "intermind"


def test_the_law_alone_sets_the_age_a_15_year_old_in_france_consents_alone(product_cloud):
    # France's age of digital consent is 15 (Mindomo's policy would ask a parent there until 16)
    host = host_app(product_cloud)
    check = product_cloud.call("POST", "/minors/checks", host, json={"birth_date": born(15), "country": "FR"}).json()
    assert (check["parental_consent_required"], check["age_of_consent"], check["allowed"]) == (False, 15, True)


def test_an_inactive_account_is_kept(product_cloud):
    policy = product_cloud.call("GET", "/policy").json()
    assert policy["inactivity"] == {"enabled": False, "after_days": None, "grace_days": None}
    login = product_cloud.login(f"idle-{uuid.uuid4().hex[:10]}@example.org")
    aws_client(product_cloud, "dynamodb").delete_item(
        TableName=product_cloud.info()["resources"]["SubjectsTable"],
        Key={"pk": {"S": "SWEEP#inactivity"}, "sk": {"S": "CHECKPOINT"}},
    )
    try:
        product_cloud.local("POST", "clock", {"advance_days": 400})
        product_cloud.local("POST", "tick")
        status = product_cloud.call("GET", "/me/status", login["access_token"]).json()
        assert status["state"] == "active"
    finally:
        product_cloud.local("POST", "clock", {"reset": True})
