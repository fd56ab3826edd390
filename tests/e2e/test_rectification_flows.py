"""Rectification on request and the notice to recipients (GDPR Art. 16 and 19), end to end: an operator records a
correction a subject asked for by e-mail, recipients are told the field names, connected systems report, the request
closes; an erasure likewise; the subject learns the recipients; an operator restores a deletion."""

import json
import uuid

import pytest
from jsonschema import Draft202012Validator

from tests.e2e.conftest import CONNECTED_SYSTEMS
from tests.e2e.helpers import events_of, pseudonym
from tests.support import EVENTS

pytestmark = pytest.mark.e2e
VERIFIED = "Confirmed by a reply from the account's e-mail address"


def _person(cloud):
    name = f"r-{uuid.uuid4().hex[:8]}"
    return cloud.login(f"{name}@example.org", given_name="Ada", family_name="Byron", country="GB")


def _admin(cloud):
    return cloud.token(f"admin-{uuid.uuid4().hex[:6]}", ["privacy-admin"])


def _rectify(cloud, admin, subject_id, changes):
    body = {"subject_id": subject_id, "type": "rectification", "verified_by": VERIFIED, "changes": changes}
    answer = cloud.call("POST", "/admin/requests", admin, json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()


def _conforms(event):
    schema = json.loads((EVENTS / "schemas" / f"{event['detail-type']}.json").read_text())
    Draft202012Validator(schema).validate(event)
    return event


def _report(cloud, admin, request_id, system):
    answer = cloud.call("POST", f"/admin/requests/{request_id}/systems/{system}/complete", admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_operator_rectifies_a_profile_audited_and_announced_by_field_name_only(cloud):
    # Given a subject who signed up as Ada Byron and wrote in to have their family name corrected
    login, admin = _person(cloud), _admin(cloud)
    cloud.seeded.add("Lovelace")  # tests/e2e/test_zz_pii_in_logs.py: no log line may hold it
    # When an operator records the rectification with the verification performed
    request = _rectify(cloud, admin, login["sub"], {"family_name": "Lovelace"})
    # Then the profile holds the correction
    assert cloud.call("GET", "/me", login["access_token"]).json()["family_name"] == "Lovelace"
    # And with no connected system the request is completed, and its record holds no value
    assert (request["type"], request["status"], request["origin"]) == ("rectification", "completed", "admin")
    shown = cloud.call("GET", f"/admin/requests/{request['request_id']}", admin)
    assert "Lovelace" not in shown.text
    assert "Byron" not in shown.text
    # And the subject's audit trail names the field and the operator's act, never a value, and verifies
    chain = cloud.call("GET", f"/admin/audit/{pseudonym(cloud, login['sub'])}", admin).json()
    rectified = [r for r in chain["records"] if r["action"] == "profile.rectified"]
    assert [(r["actor"], r["request_id"], r["details"]["fields"]) for r in rectified] == [
        ("admin", request["request_id"], ["family_name"])
    ]
    assert chain["verification"]["valid"] is True
    assert "Lovelace" not in json.dumps(chain)
    assert "Byron" not in json.dumps(chain)
    # And recipients are told which field changed, for which request, never the value
    (event,) = [
        e for e in events_of(cloud, "ProfileRectified") if e["detail"].get("request_id") == request["request_id"]
    ]
    assert (_conforms(event)["detail"]["subject_id"], event["detail"]["fields"]) == (login["sub"], ["family_name"])
    assert "Lovelace" not in json.dumps(event)


def test_a_rectification_without_changes_is_422_and_records_nothing(cloud):
    login, admin = _person(cloud), _admin(cloud)
    body = {"subject_id": login["sub"], "type": "rectification", "verified_by": VERIFIED, "changes": {}}
    answer = cloud.call("POST", "/admin/requests", admin, json=body)
    assert (answer.status_code, answer.json()["details"][0]["field"]) == (422, "changes")
    assert cloud.call("GET", "/me/requests", login["access_token"]).json()["items"] == []


def test_the_subject_learns_the_recipients_in_their_language(cloud):
    login = _person(cloud)
    answer = cloud.call("GET", "/me/recipients", login["access_token"], headers={"Accept-Language": "fr"})
    assert answer.status_code == 200
    assert answer.headers["Content-Language"] == "fr"
    policy = cloud.call("GET", "/policy", headers={"Accept-Language": "fr"}).json()
    assert [r["name"] for r in answer.json()["items"]] == [r["name"] for r in policy["recipients"]]
    titles = {p["id"]: p["title"] for p in policy["purposes"]}
    for recipient in answer.json()["items"]:
        for purpose in recipient["purposes"]:
            assert purpose["title"] == titles[purpose["id"]]


def test_an_operator_restores_a_deleted_account_for_a_subject_who_wrote_in(cloud):
    # Given a subject who deleted their account, then asked by e-mail to have it back
    login, admin = _person(cloud), _admin(cloud)
    assert cloud.call("DELETE", "/me", login["access_token"]).status_code == 202
    # When an operator restores it, having had a reply from the account's address
    answer = cloud.call(
        "POST", f"/admin/subjects/{login['sub']}/restore", admin, json={"verified_by": "account_email_reply"}
    )
    # Then the account is active, SubjectRestored is published, and the trail records the operator's act
    assert (answer.status_code, answer.json()["state"]) == (200, "active")
    assert cloud.call("GET", "/me/status", login["access_token"]).json()["state"] == "active"
    assert login["sub"] in [e["detail"]["subject_id"] for e in events_of(cloud, "SubjectRestored")]
    chain = cloud.call("GET", f"/admin/audit/{pseudonym(cloud, login['sub'])}", admin).json()
    (restored,) = [r for r in chain["records"] if r["action"] == "deletion.restored"]
    assert (restored["actor"], restored["details"]["verified_by"]) == ("admin", "account_email_reply")
    # And a second restore has nothing to restore
    again = cloud.call(
        "POST", f"/admin/subjects/{login['sub']}/restore", admin, json={"verified_by": "signed_in_session"}
    )
    assert (again.status_code, again.json()["error"]) == (409, "not_scheduled")


# ---------------------------------------------------------------- with connected systems


def test_a_rectification_stays_in_progress_until_each_connected_system_reports(systems_cloud):
    # Given a stack with two connected systems, and an operator's rectification for a subject
    cloud = systems_cloud
    login, admin = _person(cloud), _admin(cloud)
    request = _rectify(cloud, admin, login["sub"], {"given_name": "Augusta", "country": "IE"})
    request_id = request["request_id"]
    # Then it is in progress, waiting for both, and each recipient got the field names with the request
    assert (request["status"], request["systems_pending"]) == ("in_progress", list(CONNECTED_SYSTEMS))
    (event,) = [e for e in events_of(cloud, "ProfileRectified") if e["detail"].get("request_id") == request_id]
    assert _conforms(event)["detail"]["fields"] == ["country", "given_name"]
    # When the first system reports, it is still in progress (the subject sees it so too)
    assert _report(cloud, admin, request_id, CONNECTED_SYSTEMS[0])["status"] == "in_progress"
    assert cloud.call("GET", f"/me/requests/{request_id}", login["access_token"]).json()["status"] == "in_progress"
    # When the last one reports, it is completed, and that is published
    assert _report(cloud, admin, request_id, CONNECTED_SYSTEMS[1])["status"] == "completed"
    completed = [e for e in events_of(cloud, "DataSubjectRequestCompleted") if e["detail"]["request_id"] == request_id]
    assert [_conforms(e)["detail"]["type"] for e in completed] == ["rectification"]


def test_an_erasure_names_its_request_to_recipients_and_waits_for_each_connected_system(systems_cloud):
    # Given a stack with two connected systems, and a subject who asks for erasure
    cloud = systems_cloud
    login, admin = _person(cloud), _admin(cloud)
    erased = cloud.call("POST", "/me/requests", login["access_token"], json={"type": "erasure"})
    assert erased.status_code == 202, erased.text
    request_id = erased.json()["request_id"]
    # Then the deletion event names the request, so each recipient erases its copy and reports on it
    (scheduled,) = [
        e for e in events_of(cloud, "SubjectDeletionScheduled") if e["detail"]["subject_id"] == login["sub"]
    ]
    assert (_conforms(scheduled)["detail"]["request_id"], scheduled["detail"]["reason"]) == (
        request_id,
        "erasure_request",
    )
    assert erased.json()["status"] == "in_progress"
    # When the systems report one after the other, it completes only with the last
    assert _report(cloud, admin, request_id, CONNECTED_SYSTEMS[0])["status"] == "in_progress"
    assert _report(cloud, admin, request_id, CONNECTED_SYSTEMS[1])["status"] == "completed"
