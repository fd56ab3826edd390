"""Profile rectification, host records and the operators' request queue, end to end."""

import uuid

import pytest

from tests.e2e.helpers import events_of, pseudonym

pytestmark = pytest.mark.e2e


def _person(cloud, **attributes):
    name = f"p-{uuid.uuid4().hex[:8]}"
    return cloud.login(f"{name}@example.org", given_name="Ada", family_name="Byron", country="GB", **attributes)


def _admin(cloud):
    return cloud.token(f"admin-{uuid.uuid4().hex[:6]}", ["privacy-admin"])


def _record(cloud, admin, subject_id, type_, **details):
    """The operator records a request of the subject received outside the privacy center: the answer."""
    return cloud.call("POST", "/admin/requests", admin, json={"subject_id": subject_id, "type": type_, **details})


def test_sign_up_creates_the_profile_and_rectification_is_audited_without_values(cloud):
    # Given a new user who signed up with their name and country
    login = _person(cloud)
    me = cloud.call("GET", "/me", login["access_token"]).json()
    assert (me["given_name"], me["family_name"], me["country"]) == ("Ada", "Byron", "GB")
    # When they correct their family name
    patched = cloud.call("PATCH", "/me", login["access_token"], json={"family_name": "Lovelace"})
    # Then the profile holds it, ProfileRectified names the field, and the audit chain verifies with no value in it,
    # every record anchored once the streams are drained
    assert patched.json()["family_name"] == "Lovelace"
    rectified = [e for e in events_of(cloud, "ProfileRectified") if e["detail"]["subject_id"] == login["sub"]]
    assert rectified[-1]["detail"]["fields"] == ["family_name"]
    chain = cloud.call("GET", f"/admin/audit/{pseudonym(cloud, login['sub'])}", _admin(cloud)).json()
    assert chain["verification"]["valid"] is True
    assert chain["verification"]["anchored_through"] == len(chain["records"])
    assert [r["action"] for r in chain["records"]][-1] == "profile.rectified"
    assert "Lovelace" not in str(chain)
    assert login["username"] not in str(chain)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"country": "XX"}, "country"),
        ({"nickname": "Zorro-the-fox"}, "nickname"),
        ({"given_name": "x" * 101}, "given_name"),
    ],
)
def test_invalid_corrections_are_422_naming_the_field_without_echoing_it(cloud, patch, field):
    login = _person(cloud)
    answer = cloud.call("PATCH", "/me", login["access_token"], json=patch)
    assert answer.status_code == 422
    assert answer.json()["details"][0]["field"] == field
    assert str(next(iter(patch.values()))) not in answer.text


def test_activity_is_written_at_most_once_a_day(cloud):
    login = _person(cloud)
    cloud.local("POST", "clock", {"advance_days": 1})
    try:
        first = cloud.call("POST", "/me/activity", login["access_token"]).json()
        second = cloud.call("POST", "/me/activity", login["access_token"]).json()
    finally:
        cloud.local("POST", "clock", {"reset": True})
    assert (first["recorded"], second["recorded"]) == (True, False)


def test_host_records_need_the_app_group_a_known_category_and_a_bounded_size(cloud):
    login = _person(cloud)
    app = cloud.token(f"shop-{uuid.uuid4().hex[:6]}", ["privacy-app"])
    path = f"/app/subjects/{login['sub']}/records/invoices/INV-1"
    invoice = {"invoice_date": "2026-01-31", "total": 42.5, "currency": "EUR"}
    assert cloud.call("PUT", path, app, json=invoice).status_code == 200
    assert cloud.call("PUT", path, login["access_token"], json=invoice).status_code == 403
    assert cloud.call("PUT", f"/app/subjects/{login['sub']}/records/gossip/1", app, json=invoice).status_code == 422
    assert cloud.call("PUT", path, app, json={"blob": "x" * 360_000}).status_code == 413
    assert cloud.call("PUT", f"/app/subjects/{uuid.uuid4()}/records/invoices/1", app, json=invoice).status_code == 404
    assert cloud.call("DELETE", path, app).status_code == 200
    assert cloud.call("DELETE", path, app).status_code == 404


def test_requests_are_idempotent_while_open_and_private_to_their_subject(cloud):
    login, other = _person(cloud), _person(cloud)
    first = cloud.call("POST", "/me/requests", login["access_token"], json={"type": "access"})
    again = cloud.call("POST", "/me/requests", login["access_token"], json={"type": "access"})
    assert first.status_code == again.status_code == 202
    assert first.json()["request_id"] == again.json()["request_id"]
    request_id = first.json()["request_id"]
    assert cloud.call("GET", f"/me/requests/{request_id}", other["access_token"]).status_code == 404
    assert cloud.call("GET", f"/me/requests/{request_id}/download", other["access_token"]).status_code == 404


def test_an_overdue_request_is_published_listed_and_extended_once(cloud):
    # Given a request received by e-mail and recorded by an operator, not yet processed
    login, admin = _person(cloud), _admin(cloud)
    recorded = _record(cloud, admin, login["sub"], "portability", verified_by="e-mail reply from the account address")
    assert recorded.status_code == 202
    request_id = recorded.json()["request_id"]
    try:
        # When 32 days pass and the daily sweep runs (before the export worker gets to it)
        cloud.local("POST", "clock", {"advance_days": 32})
        report = cloud.local("POST", "run/OverdueSweepFunctionDaily")
        # Then the request was overdue: published, and listed in the overdue queue
        assert report["schedules"][0]["outcome"] == "ok"
        overdue = [e["detail"]["request_id"] for e in events_of(cloud, "DataSubjectRequestOverdue")]
        assert request_id in overdue
    finally:
        cloud.local("POST", "clock", {"reset": True})


def test_extension_moves_the_due_date_once_and_rejection_closes(cloud):
    login, admin = _person(cloud), _admin(cloud)
    request = _record(cloud, admin, login["sub"], "access", format="csv", verified_by="signed letter").json()
    extended = cloud.call(
        "POST", f"/admin/requests/{request['request_id']}/extend", admin, json={"reason": "complex request"}
    )
    assert extended.status_code == 200
    assert extended.json()["due_at"] > request["due_at"]
    assert extended.json()["extended"] is True
    twice = cloud.call("POST", f"/admin/requests/{request['request_id']}/extend", admin, json={"reason": "again"})
    assert twice.status_code == 422
    assert twice.json()["error"] == "extension_not_allowed"
    listed = cloud.call("GET", "/admin/requests", admin, params={"status": "received"}).json()["items"]
    assert request["request_id"] in [item["request_id"] for item in listed]
    rejected = cloud.call(
        "POST", f"/admin/requests/{request['request_id']}/reject", admin, json={"reason": "manifestly unfounded"}
    )
    assert rejected.json()["status"] == "rejected"
    assert (
        cloud.call(
            "POST", f"/admin/requests/{request['request_id']}/reject", admin, json={"reason": "again"}
        ).status_code
        == 409
    )


def test_admin_routes_refuse_non_admins(cloud):
    login = _person(cloud)
    assert cloud.call("GET", "/admin/requests", login["access_token"]).status_code == 403


def test_an_operator_places_lists_and_lifts_a_legal_hold(cloud):
    # Given a subject and an operator
    login, admin = _person(cloud), _admin(cloud)
    holds = f"/admin/subjects/{login['sub']}/holds"
    hold = {"category": "orders", "until": "2099-01-01T00:00:00Z", "reason": "Dispute over an order"}
    # When the operator places a hold on the subject's orders
    placed = cloud.call("POST", holds, admin, json=hold)
    # Then it is created and listed; the subject itself may not touch it
    assert placed.status_code == 201, placed.text
    assert cloud.call("GET", holds, admin).json()["items"] == [placed.json()]
    assert cloud.call("DELETE", f"{holds}/orders", login["access_token"]).status_code == 403
    # When the operator lifts it
    lifted = cloud.call("DELETE", f"{holds}/orders", admin)
    # Then it is gone (204, no body), and lifting it again finds none
    assert lifted.status_code == 204
    assert lifted.content == b""
    assert cloud.call("GET", holds, admin).json()["items"] == []
    assert cloud.call("DELETE", f"{holds}/orders", admin).status_code == 404
