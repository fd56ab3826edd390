"""Erasure and restore end to end, on the local clock: the restore window, the purge, the certificate."""

import json
import uuid

import pytest

from localcloud.template import Stack
from tests.e2e.helpers import aws_client, events_of, partition, pseudonym

pytestmark = pytest.mark.e2e


GRACE_DAYS = int(Stack.from_template().parameters["ErasureGraceDays"])  # the restore window the local cloud deploys
ACTIVITY_FIELDS = ("last_active_day", "active_pk", "active_sk")  # a restore records the day (domain.erasure.service)


def _items(cloud, subject_id):
    return sorted(partition(cloud, f"SUBJECT#{subject_id}"), key=lambda i: i["sk"]["S"])


def _snapshot(cloud, subject_id):
    """Every item of the subject, but for the day of last activity."""
    items = [{k: v for k, v in item.items() if k not in ACTIVITY_FIELDS} for item in _items(cloud, subject_id)]
    return json.dumps(items, sort_keys=True)


@pytest.fixture
def person(cloud):
    login = cloud.login(
        f"erase-{uuid.uuid4().hex[:8]}@example.org", given_name="Grace", family_name="Hopper", country="DE"
    )
    token = login["access_token"]
    cloud.call("PUT", "/me/consents", token, json={"decisions": {"analytics": True}, "source": "settings"})
    app = cloud.token(f"shop-{uuid.uuid4().hex[:6]}", ["privacy-app"])
    record = {"invoice_date": "2026-01-31", "total": 99}
    assert (
        cloud.call("PUT", f"/app/subjects/{login['sub']}/records/invoices/INV-9", app, json=record).status_code == 200
    )
    assert (
        cloud.call("PUT", f"/app/subjects/{login['sub']}/records/orders/O-9", app, json={"item": "lamp"}).status_code
        == 200
    )
    cloud.local("POST", "drain")
    yield login
    cloud.local("POST", "clock", {"reset": True})


def test_restore_within_the_window_brings_everything_back_byte_for_byte(cloud, person):
    # Given a subject's data as it is
    token, before = person["access_token"], _snapshot(cloud, person["sub"])
    # When they delete their account
    deleted = cloud.call("DELETE", "/me", token)
    # Then it is unavailable at once, with the purge date, and the host app is told
    assert deleted.status_code == 202
    assert deleted.json()["state"] == "pending_deletion"
    for method, path in [("GET", "/me"), ("GET", "/me/consents"), ("PATCH", "/me"), ("POST", "/me/requests")]:
        answer = cloud.call(method, path, token, json={} if method != "GET" else None)
        assert answer.status_code == 410, path
        assert answer.json()["details"][0]["purge_at"]
    assert cloud.call("GET", "/me/status", token).json()["state"] == "pending_deletion"
    assert any(e["detail"]["subject_id"] == person["sub"] for e in events_of(cloud, "SubjectDeletionScheduled"))
    # When they restore on the window's last day
    cloud.local("POST", "clock", {"advance_days": GRACE_DAYS - 1})
    cloud.local("POST", "tick")
    restored = cloud.call("POST", "/me/restore", token)
    # Then everything is back exactly as it was, and the restore counts as today's activity (so an account that
    # stays unused is found by the inactivity sweep again)
    assert restored.status_code == 200
    assert _snapshot(cloud, person["sub"]) == before
    (profile,) = [item for item in _items(cloud, person["sub"]) if item["sk"]["S"] == "PROFILE"]
    assert profile["last_active_day"]["S"] == cloud.local("GET", "clock")["now"][:10]
    assert cloud.call("GET", "/me", token).json()["family_name"] == "Hopper"
    assert any(e["detail"]["subject_id"] == person["sub"] for e in events_of(cloud, "SubjectRestored"))


def test_after_the_window_the_subject_is_purged_with_a_certificate(cloud, person):
    # Given a subject who deleted their account, restored it on the window's last day, then deleted it again
    token, subject = person["access_token"], person["sub"]
    cloud.call("DELETE", "/me", token)
    cloud.local("POST", "clock", {"advance_days": GRACE_DAYS - 1})
    assert cloud.call("POST", "/me/restore", token).status_code == 200
    cloud.call("DELETE", "/me", token)
    # When the window passes (the daily sweep and TTL both run)
    cloud.local("POST", "clock", {"advance_days": GRACE_DAYS + 1})
    report = cloud.local("POST", "tick")
    # Then the subject is purged: status says so, restore is 410, the login is gone
    assert any(d["function"] == "PurgeWorkerFunction" and d["outcome"] == "ok" for d in report["deliveries"])
    status = cloud.call("GET", "/me/status", token)
    assert status.json()["state"] == "purged"
    assert cloud.call("POST", "/me/restore", token).status_code == 410
    assert cloud.call("GET", "/me", token).status_code == 410
    users = aws_client(cloud, "cognito-idp").list_users(
        UserPoolId=cloud.info()["resources"]["UserPool"], Filter=f'sub = "{subject}"'
    )
    assert users["Users"] == []
    # And a certificate exists, the invoice sits in a pseudonymous held partition, the audit holds no name
    audit_table = cloud.info()["resources"]["AuditTable"]
    ddb = aws_client(cloud, "dynamodb")
    items = ddb.scan(TableName=audit_table)["Items"]
    name = pseudonym(cloud, subject)
    certificates = [json.loads(i["certificate"]["S"]) for i in items if i["pk"]["S"].startswith("CERT#")]
    mine = [c for c in certificates if c["subject"] == name]
    assert len(mine) == 1
    assert mine[0]["held"][0]["category"] == "invoices"
    chain = [i for i in items if i["pk"]["S"] == f"AUDIT#{name}"]
    assert "Hopper" not in json.dumps(chain)
    assert person["username"] not in json.dumps(chain)
    assert any(e["detail"]["subject_id"] == subject for e in events_of(cloud, "SubjectPurged"))
    held = ddb.query(
        TableName=cloud.info()["resources"]["SubjectsTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"HELD#{name}"}},
    )["Items"]
    assert [i["sk"]["S"] for i in held] == ["RECORD#invoices#INV-9"]


def test_an_operators_hold_keeps_its_category_through_the_purge_until_the_hold_ends(cloud, person):
    from datetime import datetime, timedelta

    # Given a subject with an invoice and an order, and an operator's hold on its orders for 400 days
    token, subject = person["access_token"], person["sub"]
    admin = cloud.token(f"admin-{uuid.uuid4().hex[:6]}", ["privacy-admin"])
    until = (datetime.fromisoformat(cloud.local("GET", "clock")["now"]) + timedelta(days=400)).replace(microsecond=0)
    hold = {"category": "orders", "until": until.isoformat(), "reason": "Dispute over order O-9"}
    assert cloud.call("POST", f"/admin/subjects/{subject}/holds", admin, json=hold).status_code == 201
    # When the subject deletes its account and is purged 61 days later
    assert cloud.call("DELETE", "/me", token).status_code == 202
    cloud.local("POST", "clock", {"advance_days": 61})
    cloud.local("POST", "tick")
    assert cloud.call("GET", "/me/status", token).json()["state"] == "purged"
    # Then the order is kept beside the invoice in the pseudonymous held partition, until the hold ends
    name = pseudonym(cloud, subject)
    ddb = aws_client(cloud, "dynamodb")
    held = ddb.query(
        TableName=cloud.info()["resources"]["SubjectsTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"HELD#{name}"}},
    )["Items"]
    assert sorted(i["sk"]["S"] for i in held) == ["RECORD#invoices#INV-9", "RECORD#orders#O-9"]
    (order,) = [i for i in held if i["sk"]["S"].startswith("RECORD#orders#")]
    assert int(order["expires_at"]["N"]) == int(until.timestamp())
    # And the certificate lists it under the operator's hold
    items = ddb.scan(TableName=cloud.info()["resources"]["AuditTable"])["Items"]
    (certificate,) = [
        c
        for c in (json.loads(i["certificate"]["S"]) for i in items if i["pk"]["S"].startswith("CERT#"))
        if c["subject"] == name
    ]
    basis = {h["category"]: h["basis"] for h in certificate["held"]}
    assert basis["orders"] == "legal hold placed by an operator"
    assert set(basis) == {"invoices", "orders"}
    # And the subject is gone for the operator's hold routes too
    assert cloud.call("GET", f"/admin/subjects/{subject}/holds", admin).status_code == 410


def test_restore_of_an_active_account_is_a_conflict(cloud, person):
    answer = cloud.call("POST", "/me/restore", person["access_token"])
    assert answer.status_code == 409
    assert answer.json()["error"] == "not_scheduled"
