"""Parental consent for minors end to end: real tokens, the local cloud, its clock, TTL and streams."""

import json
import uuid
from datetime import date

import pytest

from tests.e2e.helpers import aws_client, events_of, host_app, link_child, mailed_token, partition, pseudonym

pytestmark = pytest.mark.e2e


def _person(cloud, **attributes):
    return cloud.login(f"minors-{uuid.uuid4().hex[:8]}@example.org", **attributes)


def _ask_parent(cloud, app, parent=None):
    """The host app asks; the token is then read from the parent's e-mail (`GET /_local/mail`), never the answer.
    Mailed to `parent`'s login address when given: only that account can then be linked as the parent."""
    tag = uuid.uuid4().hex[:12]
    reference = f"signup-{tag}"
    parent_email = str(parent["username"]) if parent else f"mum-{tag}@example.org"
    cloud.seeded.add(parent_email)
    answer = cloud.call(
        "POST",
        "/minors/consent-requests",
        app,
        json={"parent_email": parent_email, "country": "DE", "child_reference": reference},
    )
    assert answer.status_code == 201, answer.text
    assert "token" not in answer.json()
    token = mailed_token(cloud, parent_email)
    return answer.json() | {"child_reference": reference, "token": token, "parent_email": parent_email}


def _child_of(cloud, asked, birth_date="2015-04-02"):
    """The child's own sign-up, naming the consent request it waits for (client metadata): the account it may link."""
    metadata = {"parental_request_id": asked["request_id"]}
    return _person(cloud, given_name="Kid", birth_date=birth_date, country="DE", client_metadata=metadata)


def _confirm(cloud, token, decision="approve", **extra):
    return cloud.call("POST", "/minors/consent-requests/confirm", json={"token": token, "decision": decision, **extra})


def _linked_child(cloud, app, parent):
    """A child whose sign-up `parent` approved from the mail, linked to `parent` by the host app."""
    asked = _ask_parent(cloud, app, parent)
    assert _confirm(cloud, asked["token"]).status_code == 200
    child = _child_of(cloud, asked)
    assert link_child(cloud, app, asked["request_id"], child, parent).ok
    return child


def _request_items(cloud, request_id):
    return partition(cloud, f"PARENTREQ#{request_id}")


def test_a_user_token_cannot_ask_the_age_check(cloud):
    user = _person(cloud)["access_token"]
    answer = cloud.call("POST", "/minors/checks", user, json={"birth_date": "2014-02-01", "country": "DE"})
    assert answer.status_code == 403
    checked = cloud.call(
        "POST", "/minors/checks", host_app(cloud), json={"birth_date": "2014-02-01", "country": "DE"}
    ).json()
    assert checked["parental_consent_required"] is True
    assert checked["age_of_consent"] == 16


def test_a_parent_approves_the_accounts_are_linked_and_the_parent_exports_the_childs_data(cloud):
    # Given the host app asks a parent (who has an account) for consent to a child's sign-up
    app, parent = host_app(cloud), _person(cloud, given_name="Mum")
    asked = _ask_parent(cloud, app, parent)
    requested = [
        e for e in events_of(cloud, "ParentalConsentRequested") if e["detail"]["request_id"] == asked["request_id"]
    ]
    assert set(requested[0]["detail"]) == {"event_id", "request_id"}
    assert asked["token"] not in json.dumps(requested)
    assert "@" not in json.dumps(requested)
    # When the parent approves, the child signs up, and the host app links both accounts
    approved = _confirm(cloud, asked["token"])
    assert approved.status_code == 200
    granted = [
        e for e in events_of(cloud, "ParentalConsentGranted") if e["detail"]["request_id"] == asked["request_id"]
    ]
    assert granted[0]["detail"]["child_reference"] == asked["child_reference"]
    child = _child_of(cloud, asked)
    linked = link_child(cloud, app, asked["request_id"], child, parent)
    assert linked.status_code == 200, linked.text
    # Then the parent sees the child and what is held about it
    children = cloud.call("GET", "/parents/me/children", parent["access_token"]).json()["items"]
    assert [c["child_subject_id"] for c in children] == [child["sub"]]
    assert children[0]["profile"]["given_name"] == "Kid"
    assert children[0]["profile"]["birth_date"] == date(2015, 4, 2).isoformat()
    # And the parent's access request about the child completes once the workers ran
    base = f"/parents/me/children/{child['sub']}"
    submitted = cloud.call("POST", f"{base}/requests", parent["access_token"], json={"type": "access"})
    assert submitted.status_code == 202
    cloud.local("POST", "drain")
    request = cloud.call("GET", f"{base}/requests/{submitted.json()['request_id']}", parent["access_token"]).json()
    assert request["status"] == "completed"
    assert request["export_ready"] is True
    download = cloud.call("GET", f"{base}/requests/{request['request_id']}/download", parent["access_token"])
    assert download.status_code == 200
    assert download.json()["url"]
    # And nobody else may act for the child
    stranger = _person(cloud)["access_token"]
    assert cloud.call("POST", f"{base}/requests", stranger, json={"type": "access"}).status_code == 404


def test_an_unanswered_request_expires_and_leaves_nothing_behind(cloud):
    # Given a request nobody answers
    asked = _ask_parent(cloud, host_app(cloud))
    assert _request_items(cloud, asked["request_id"])
    try:
        # When eight days pass (the default expiry is seven) and TTL runs
        cloud.local("POST", "clock", {"advance_days": 8})
        cloud.local("POST", "tick")
        # Then nothing of it remains, not even the parent's e-mail address, and the host app is told
        assert _request_items(cloud, asked["request_id"]) == []
        expired = [
            e for e in events_of(cloud, "ParentalConsentExpired") if e["detail"]["request_id"] == asked["request_id"]
        ]
        assert len(expired) == 1
        assert expired[0]["detail"]["child_reference"] == asked["child_reference"]
        assert "@" not in json.dumps(expired)
        # And the token of the e-mail no longer works
        assert _confirm(cloud, asked["token"]).status_code == 400
    finally:
        cloud.local("POST", "clock", {"reset": True})


def test_replayed_and_forged_tokens_change_nothing(cloud):
    asked = _ask_parent(cloud, host_app(cloud))
    assert _confirm(cloud, asked["token"], "approve").status_code == 200
    before = _request_items(cloud, asked["request_id"])
    replayed = _confirm(cloud, asked["token"], "deny")
    payload, signature = asked["token"].split(".")
    forged = _confirm(cloud, f"{payload}.{signature[:-2]}AA")
    assert (replayed.status_code, replayed.json()["error"]) == (400, "token_used")
    assert (forged.status_code, forged.json()["error"]) == (400, "invalid_token")
    assert _request_items(cloud, asked["request_id"]) == before
    denied = [e for e in events_of(cloud, "ParentalConsentDenied") if e["detail"]["request_id"] == asked["request_id"]]
    granted = [
        e for e in events_of(cloud, "ParentalConsentGranted") if e["detail"]["request_id"] == asked["request_id"]
    ]
    assert (len(denied), len(granted)) == (0, 1)


def test_an_underage_account_is_purged_at_once_without_a_restore_window(cloud):
    # Given a child who signed up without consent (giving no birth date, which iMind does not require), with a
    # consent recorded
    child = _person(cloud, given_name="Kid", country="DE")
    token = child["access_token"]
    cloud.call("PUT", "/me/consents", token, json={"decisions": {"analytics": True}, "source": "settings"})
    admin = cloud.token(f"admin-{uuid.uuid4().hex[:6]}", ["privacy-admin"])
    # When an operator marks the account as underage
    answer = cloud.call("POST", f"/admin/subjects/{child['sub']}/underage", admin)
    assert answer.status_code == 202
    assert answer.json()["reason"] == "underage"
    assert cloud.call("GET", "/me", token).status_code == 410
    # Then, once the queues are drained (no daily sweep, no 60 days), it is purged with a certificate
    cloud.local("POST", "drain")
    assert cloud.call("GET", "/me/status", token).json()["state"] == "purged"
    assert cloud.call("POST", "/me/restore", token).status_code == 410
    audit = aws_client(cloud, "dynamodb").scan(TableName=cloud.info()["resources"]["AuditTable"])["Items"]
    certificates = [json.loads(i["certificate"]["S"]) for i in audit if i["pk"]["S"].startswith("CERT#")]
    mine = [c for c in certificates if c["subject"] == pseudonym(cloud, child["sub"])]
    assert len(mine) == 1
    assert mine[0]["reason"] == "underage"


def test_a_child_cannot_undo_their_parents_withdrawal(cloud):
    # Given a child linked to their parent, who withdraws consent
    app, parent = host_app(cloud), _person(cloud, given_name="Mum")
    child = _linked_child(cloud, app, parent)
    withdrawn = cloud.call("POST", f"/parents/me/children/{child['sub']}/withdraw", parent["access_token"])
    assert withdrawn.json()["reason"] == "parent_request"
    # When the child restores the account, or is active in the host application, with their own token
    restore = cloud.call("POST", "/me/restore", child["access_token"])
    activity = cloud.call("POST", "/me/activity", child["access_token"])
    # Then neither cancels the deletion
    assert (restore.status_code, restore.json()["error"]) == (409, "deletion_not_cancellable")
    assert activity.status_code == 410
    assert cloud.call("GET", "/me/status", child["access_token"]).json()["state"] == "pending_deletion"


def test_a_host_credential_cannot_take_over_an_account_through_parental_consent(cloud):
    """Issue #16: ask, approve without the parent, link a victim, then act for the victim. Every step fails."""
    app, accomplice = host_app(cloud), _person(cloud, given_name="Eve")
    victim = _person(cloud, given_name="Vic")  # an adult who never gave a birth date
    # Step 1: the host app asks; the answer and the event carry no token
    tag = uuid.uuid4().hex[:12]
    parent_email = f"mum-{tag}@example.org"
    answer = cloud.call(
        "POST",
        "/minors/consent-requests",
        app,
        json={"parent_email": parent_email, "country": "DE", "child_reference": f"signup-{tag}"},
    )
    assert answer.status_code == 201
    asked = answer.json()
    assert set(asked) == {"request_id", "expires_at"}
    requested = [
        e for e in events_of(cloud, "ParentalConsentRequested") if e["detail"]["request_id"] == asked["request_id"]
    ]
    assert [set(e["detail"]) for e in requested] == [{"event_id", "request_id"}]
    # Step 2: without the parent's mail the host app cannot approve
    assert _confirm(cloud, asked["request_id"]).status_code == 400
    assert {i["sk"]["S"] for i in _request_items(cloud, asked["request_id"])} == {"PARENTREQ"}
    # Step 3: once the real parent approved from the mail, the victim still cannot be linked to the accomplice
    assert _confirm(cloud, mailed_token(cloud, parent_email)).status_code == 200
    linked = link_child(cloud, app, asked["request_id"], victim, accomplice)
    assert (linked.status_code, linked.json()["error"]) == (409, "child_not_bound")
    # Step 4: so the accomplice cannot read, export or erase the victim's data
    base = f"/parents/me/children/{victim['sub']}"
    token = accomplice["access_token"]
    assert cloud.call("GET", "/parents/me/children", token).json() == {"items": []}
    assert cloud.call("POST", f"{base}/requests", token, json={"type": "access"}).status_code == 404
    assert cloud.call("POST", f"{base}/erasure", token).status_code == 404
    assert cloud.call("GET", "/me/status", victim["access_token"]).json()["state"] == "active"


def test_an_of_age_sign_up_bound_to_the_request_cannot_be_linked(cloud):
    app, parent = host_app(cloud), _person(cloud)
    asked = _ask_parent(cloud, app, parent)
    adult = _child_of(cloud, asked, birth_date="2000-01-01")
    assert _confirm(cloud, asked["token"]).status_code == 200
    linked = link_child(cloud, app, asked["request_id"], adult, parent)
    assert (linked.status_code, linked.json()["error"]) == (409, "parental_consent_not_required")
