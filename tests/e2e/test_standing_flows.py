"""Restriction (GDPR Art. 18) and objection (Art. 21) end to end, as the host application sees them through its one
permission question: real tokens, the local cloud, its streams and bus."""

import uuid

import pytest

from tests.e2e.helpers import events_of, host_app
from tests.e2e.test_minors_flows import _linked_child, _person

pytestmark = pytest.mark.e2e


def _user(cloud):
    return cloud.login(f"standing-{uuid.uuid4().hex[:8]}@example.org", country="DE", birth_date="1990-05-01")


def _permission(cloud, app, subject_id, purpose="marketing_emails"):
    answer = cloud.call("GET", f"/app/subjects/{subject_id}/permissions?purpose={purpose}", app)
    assert answer.status_code == 200, answer.text
    return answer.json()["purposes"][purpose]


def _grant_marketing(cloud, token):
    body = {"decisions": {"marketing_emails": True}, "source": "settings"}
    assert cloud.call("PUT", "/me/consents", token, json=body).status_code == 200


def test_a_restriction_stops_marketing_for_the_host_and_its_lift_resumes_it(cloud):
    # Given a user who granted marketing e-mails
    app, user = host_app(cloud), _user(cloud)
    token = user["access_token"]
    _grant_marketing(cloud, token)
    assert _permission(cloud, app, user["sub"]) == {"allowed": True, "reason": "consent"}
    # When they restrict processing
    asked = cloud.call("POST", "/me/requests", token, json={"type": "restriction", "grounds": "accuracy_contested"})
    assert asked.status_code == 202, asked.text
    # Then the host is told it is restricted, the status says so, and recipients are told by an event
    assert _permission(cloud, app, user["sub"]) == {"allowed": False, "reason": "restricted"}
    status = cloud.call("GET", "/me/status", token).json()
    assert status["state"] == "restricted"
    assert status["restriction"]["grounds"] == "accuracy_contested"
    cloud.local("POST", "drain")
    restricted = [e for e in events_of(cloud, "SubjectRestricted") if e["detail"]["subject_id"] == user["sub"]]
    assert [e["detail"]["grounds"] for e in restricted] == ["accuracy_contested"]
    # When they lift it, Then consent answers again
    assert cloud.call("POST", "/me/restriction/lift", token).json()["state"] == "active"
    assert _permission(cloud, app, user["sub"]) == {"allowed": True, "reason": "consent"}


def test_an_objection_to_marketing_wins_over_the_grant(cloud):
    app, user = host_app(cloud), _user(cloud)
    _grant_marketing(cloud, user["access_token"])
    body = {"type": "objection", "purposes": ["marketing_emails"]}
    assert cloud.call("POST", "/me/requests", user["access_token"], json=body).status_code == 202
    assert _permission(cloud, app, user["sub"]) == {"allowed": False, "reason": "objected"}


def test_a_parent_restricts_their_child_and_nothing_is_deleted(cloud):
    # Given a child linked to their parent
    app, parent = host_app(cloud), _person(cloud, given_name="Mum")
    child = _linked_child(cloud, app, parent)
    # When the parent restricts the child's processing
    path = f"/parents/me/children/{child['sub']}/restriction"
    answer = cloud.call("POST", path, parent["access_token"], json={"grounds": "objection_pending"})
    # Then collection stops for every purpose that is not required, and nothing is deleted
    assert answer.status_code == 202, answer.text
    assert answer.json()["type"] == "restriction"
    assert _permission(cloud, app, child["sub"], "analytics") == {"allowed": False, "reason": "restricted"}
    assert _permission(cloud, app, child["sub"], "account") == {"allowed": True, "reason": "required"}
    status = cloud.call("GET", "/me/status", child["access_token"]).json()
    assert status["state"] == "restricted"
    assert status["restriction"]["restricted_by"] == "parent"
    assert cloud.call("GET", "/me", child["access_token"]).status_code == 200
    assert cloud.call("GET", "/me/consents", child["access_token"]).status_code == 200
    # And someone else's parent gets what the other child routes answer
    stranger = _person(cloud, given_name="Other")
    refused = cloud.call("POST", path, stranger["access_token"], json={"grounds": "objection_pending"})
    assert refused.status_code == 404


def test_only_the_parent_lifts_the_restriction_they_placed_on_their_child(cloud):
    # Given a child whose parent restricted the processing of their data
    app, parent = host_app(cloud), _person(cloud, given_name="Dad")
    child = _linked_child(cloud, app, parent)
    restriction = f"/parents/me/children/{child['sub']}/restriction"
    assert cloud.call("POST", restriction, parent["access_token"], json={"grounds": "unlawful_processing"}).ok
    # When the child tries to lift it, directly or by restricting again first
    again = cloud.call(
        "POST", "/me/requests", child["access_token"], json={"type": "restriction", "grounds": "legal_claims"}
    )
    assert again.status_code == 202, again.text
    refused = cloud.call("POST", "/me/restriction/lift", child["access_token"])
    # Then it is refused and the restriction holds
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "restriction_by_parent"
    assert _permission(cloud, app, child["sub"], "analytics") == {"allowed": False, "reason": "restricted"}
    # And another parent cannot lift it either
    stranger = _person(cloud, given_name="Other")
    assert cloud.call("POST", f"{restriction}/lift", stranger["access_token"]).status_code == 404
    assert _permission(cloud, app, child["sub"], "analytics") == {"allowed": False, "reason": "restricted"}
    # But the parent can, and processing follows the child's consents again
    lifted = cloud.call("POST", f"{restriction}/lift", parent["access_token"])
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["state"] == "active"
    assert _permission(cloud, app, child["sub"], "analytics")["reason"] != "restricted"
    assert cloud.call("GET", "/me/status", child["access_token"]).json()["state"] == "active"
