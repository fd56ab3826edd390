"""Data-subject requests through the subject and admin routes, under moto: deadlines, extensions, downloads,
the admin queue and the overdue sweep."""

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

import wiring.requests
import wiring.shared
from domain.audit.model import AuditEntry
from domain.profile import Profile
from handlers import subject_api
from tests.support import as_subject, at_path, load_event, routed, with_body

ADMIN = "op-7"


def signed_up(country: str = "DE") -> str:
    subject_id = str(uuid.uuid4())
    now = wiring.shared.clock().now()
    profile = Profile(subject_id=subject_id, email="ada@example.org", country=country, created_at=now, updated_at=now)
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    return subject_id


def admin_call(context, route, path, body=None, **path_parameters):
    from handlers import admin_api

    event = routed(load_event("admin_api/get_certificate.json"), route, path)
    event["pathParameters"] = path_parameters
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = ADMIN
    if body is not None:
        with_body(event, body)
    answer = admin_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null")


def admin_list(context, query):
    from handlers import admin_api

    event = routed(load_event("admin_api/get_certificate.json"), "GET /admin/requests")
    event["pathParameters"] = {}
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    answer = admin_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"])


def subject_call(context, subject_id, route, path, **path_parameters):

    event = at_path(routed(as_subject(load_event("subject_api/get_status.json"), subject_id), route), path)
    event["pathParameters"] = path_parameters
    answer = subject_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null")


def extend(context, request_id):
    path = f"/admin/requests/{request_id}/extend"
    return admin_call(
        context, "POST /admin/requests/{request_id}/extend", path, {"reason": "complex request"}, request_id=request_id
    )


def reject(context, request_id):
    path = f"/admin/requests/{request_id}/reject"
    return admin_call(
        context,
        "POST /admin/requests/{request_id}/reject",
        path,
        {"reason": "manifestly unfounded"},
        request_id=request_id,
    )


# ---------------------------------------------------------------- lost races


def test_an_admin_action_that_loses_a_race_for_the_request_is_a_409(aws, context, monkeypatch):
    # Given a request an operator read just before another change to it committed
    request = wiring.requests.requests().submit(signed_up(), "access")
    stale = wiring.requests.request_store().find(request.request_id)
    wiring.requests.request_store().update(
        replace(request, version=request.version + 1),
        audit=AuditEntry(action="request.download_url_issued", actor="subject", at=wiring.shared.clock().now()),
    )
    monkeypatch.setattr(wiring.requests.request_store(), "find", lambda request_id: stale)
    # When the operator extends it on the stale read
    status, body = extend(context, request.request_id)
    # Then they hear 409 concurrent_change, not 500
    assert (status, body["error"]) == (409, "concurrent_change")


def test_a_request_update_meeting_another_audited_write_is_saved(aws, context, monkeypatch):
    # Given a request, and another audited write for its subject committing while the extension is written
    from adapters.audit_log import AuditLog

    subject_id = signed_up()
    request = wiring.requests.requests().submit(subject_id, "access")
    original, moved = AuditLog.prepare, []

    def prepare(self, subject, entry):
        put = original(self, subject, entry)
        if not moved:
            moved.append(True)
            self.append(subject, AuditEntry(action="consent.changed", actor="subject", at=entry.at))
        return put

    monkeypatch.setattr(AuditLog, "prepare", prepare)
    # When an operator extends it
    status, body = extend(context, request.request_id)
    # Then the extension is saved
    assert status == 200, body
    assert wiring.requests.request_store().get(subject_id, request.request_id).extended is True


# ---------------------------------------------------------------- extensions


def test_a_request_is_extended_within_its_first_period(aws, context, local_clock):
    # Given a request received 20 days ago
    request = wiring.requests.requests().submit(signed_up(), "access")
    local_clock(20)
    # When an operator extends it
    status, body = extend(context, request.request_id)
    # Then the deadline moves
    assert status == 200
    assert body["extended"] is True
    assert body["due_at"] > request.due_at.isoformat()


def admin_get(context, request_id):
    path = f"/admin/requests/{request_id}"
    return admin_call(context, "GET /admin/requests/{request_id}", path, request_id=request_id)


@pytest.mark.parametrize(
    ("country", "jurisdiction", "months", "days", "extended_due"),
    [
        ("US", "ccpa", 0, 45, "2026-05-02T23:59:59.999999Z"),
        ("DE", "gdpr", 2, 0, "2026-05-01T23:59:59.999999Z"),
    ],
)
def test_an_operator_is_told_what_an_extension_will_do_and_it_does_that(
    aws, context, local_clock, country, jurisdiction, months, days, extended_due
):
    # Given a request received on 1 February 2026 from a subject living in `country`
    local_clock((datetime(2026, 2, 1, 9, tzinfo=UTC) - wiring.shared.clock().now()).total_seconds() / 86_400)
    request = wiring.requests.requests().submit(signed_up(country), "access")
    # When an operator reads it
    status, body = admin_get(context, request.request_id)
    # Then they see whose rule applies and where an extension moves the deadline (CCPA: 45 + 45 days; GDPR: 1 + 2
    # months, both counted from receipt)
    assert status == 200, body
    assert body["jurisdiction"] == jurisdiction
    assert body["extension"] == {"months": months, "days": days, "due_at": extended_due}
    # When they extend it
    status, extended = extend(context, request.request_id)
    # Then the deadline is where they were told, and no further extension is offered
    assert status == 200, extended
    assert (extended["due_at"], extended["extension"]) == (extended_due, None)


def test_an_overdue_request_can_no_longer_be_extended(aws, context, local_clock):
    # Given a request whose one-month deadline passed without an extension
    request = wiring.requests.requests().submit(signed_up(), "access")
    local_clock(32)
    # When an operator tries to extend it
    status, body = extend(context, request.request_id)
    # Then it is refused: the extension must be notified within the first period (GDPR Art. 12(3))
    assert (status, body["error"]) == (409, "extension_too_late")
    assert wiring.requests.request_store().get(request.subject_id, request.request_id).extended is False


# ---------------------------------------------------------------- downloads


@pytest.fixture
def crm_connected(aws, monkeypatch):
    """A connected system (CONNECTED_SYSTEMS=crm) that must report before any request completes."""
    monkeypatch.setenv("CONNECTED_SYSTEMS", "crm")
    wiring.requests.settings.cache_clear()
    wiring.requests.requests.cache_clear()


def exported(subject_id: str):
    """A request whose export the worker has written (the archive's key recorded on the request)."""
    service = wiring.requests.requests()
    request = service.start_export(service.submit(subject_id, "access"))
    return service.export_ready(request, key=f"exports/{request.request_id}.zip", sha256="0" * 64, counts={})


def download(context, request):
    path = f"/me/requests/{request.request_id}/download"
    route = "GET /me/requests/{request_id}/download"
    return subject_call(context, request.subject_id, route, path, request_id=request.request_id)


def test_an_export_is_downloadable_once_its_request_is_completed(aws, context):
    # Given an exported request and no connected system
    request = exported(signed_up())
    # When the subject asks for the download, then they get a link
    assert request.status == "completed"
    assert download(context, request)[0] == 200


def test_issuing_a_download_link_leaves_the_request_record_as_it_was(aws, context):
    # Given a completed export, as stored
    from adapters.aws import dynamodb

    request = exported(signed_up())
    key = {"pk": {"S": f"SUBJECT#{request.subject_id}"}, "sk": {"S": f"REQUEST#{request.request_id}"}}
    table = wiring.requests.settings().subjects_table
    before = dynamodb().get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    # When the subject asks for download links twice
    assert download(context, request)[0] == 200
    assert download(context, request)[0] == 200
    # Then the request record is untouched (a link is a read), and each link is in the subject's audit trail
    assert dynamodb().get_item(TableName=table, Key=key, ConsistentRead=True)["Item"] == before
    store = wiring.shared.store()
    actions = [record.action for record in store.audit.chain(store.audit.pseudonym(request.subject_id))]
    assert actions.count("request.download_url_issued") == 2


def test_an_export_is_not_downloadable_while_connected_systems_are_still_working(aws, context, crm_connected):
    # Given an exported request a connected system has not reported on yet
    request = exported(signed_up())
    # When the subject asks for the download
    status, body = download(context, request)
    # Then it is not ready: the request is still in progress
    assert request.status == "in_progress"
    assert (status, body["error"]) == (409, "export_not_ready")


def test_a_rejected_request_is_never_downloadable(aws, context, crm_connected):
    # Given an exported request an operator then rejected
    request = exported(signed_up())
    reject(context, request.request_id)
    # When the subject asks for the download
    status, body = download(context, request)
    # Then there is nothing to download
    assert (status, body["error"]) == (409, "export_not_ready")


# ---------------------------------------------------------------- expiry of exports


def test_an_export_past_its_lifetime_is_shown_expired_to_the_subject(aws, context, local_clock):
    # Given a completed export, 8 days later (exports live 7 days)
    request = exported(signed_up())
    local_clock(8)
    # When the subject looks at the request, and at their list of requests
    route, path = "GET /me/requests/{request_id}", f"/me/requests/{request.request_id}"
    _, shown = subject_call(context, request.subject_id, route, path, request_id=request.request_id)
    _, listed = subject_call(context, request.subject_id, "GET /me/requests", "/me/requests")
    # Then it is expired, with no export ready, as the download says (410)
    assert (shown["status"], shown["export_ready"]) == ("expired", False)
    assert [item["status"] for item in listed["items"]] == ["expired"]
    assert download(context, request)[1]["error"] == "export_expired"


def test_an_export_past_its_lifetime_is_shown_expired_to_the_operator(aws, context, local_clock):
    # Given a completed export, 8 days later
    request = exported(signed_up())
    local_clock(8)
    # When an operator looks at the request
    path = f"/admin/requests/{request.request_id}"
    _, shown = admin_call(context, "GET /admin/requests/{request_id}", path, request_id=request.request_id)
    # Then it is expired
    assert (shown["status"], shown["export_ready"]) == ("expired", False)


def test_an_export_within_its_lifetime_is_shown_completed_and_ready(aws, context, local_clock):
    request = exported(signed_up())
    local_clock(6)
    route, path = "GET /me/requests/{request_id}", f"/me/requests/{request.request_id}"
    _, shown = subject_call(context, request.subject_id, route, path, request_id=request.request_id)
    assert (shown["status"], shown["export_ready"]) == ("completed", True)


# ---------------------------------------------------------------- the admin queue and the overdue sweep


def listed(context, status):
    answer, body = admin_list(context, {"status": status})
    assert answer == 200, body
    return [item["request_id"] for item in body["items"]]


def test_the_operator_lists_rejected_requests(aws, context):
    # Given a rejected request
    request = wiring.requests.requests().submit(signed_up(), "access")
    reject(context, request.request_id)
    # When the operator lists rejected requests, then it is there (and no longer among those received)
    assert request.request_id in listed(context, "rejected")
    assert request.request_id not in listed(context, "received")


def test_the_operator_lists_completed_and_expired_requests_apart(aws, context, local_clock):
    # Given an export completed today, and one completed 8 days ago (expired since: exports live 7 days)
    old = exported(signed_up())
    local_clock(8)
    recent = exported(signed_up())
    # When the operator lists completed, then expired requests
    completed, expired = listed(context, "completed"), listed(context, "expired")
    # Then each is where its status says
    assert (recent.request_id in completed, old.request_id in completed) == (True, False)
    assert (recent.request_id in expired, old.request_id in expired) == (False, True)


def failed(subject_id: str):
    service = wiring.requests.requests()
    return service.export_failed(service.start_export(service.submit(subject_id, "access")), "RuntimeError")


def overdue_sweep(context):
    from handlers import overdue_sweep

    return overdue_sweep.lambda_handler(load_event("overdue_sweep/daily.json"), context)


def test_a_failed_request_past_its_deadline_is_reported_overdue(aws, context, local_clock):
    # Given a request whose export failed, and its deadline passed
    request = failed(signed_up())
    local_clock(32)
    # When the daily overdue sweep runs
    report = overdue_sweep(context)
    # Then it is reported (published and counted), so the alarm pages someone
    assert report == {"overdue": 1}
    assert [r.request_id for r in wiring.requests.operator_desk().overdue()] == [request.request_id]


def test_the_overdue_sweep_reads_only_the_open_and_failed_requests(aws, context, local_clock, monkeypatch):
    # Given closed requests past their deadline: completed, and rejected
    exported(signed_up())
    reject(context, wiring.requests.requests().submit(signed_up(), "access").request_id)
    local_clock(40)
    store, read = wiring.requests.request_store(), []
    original = store.list_by_status

    def list_by_status(status, **kwargs):
        read.append(status)
        return original(status, **kwargs)

    monkeypatch.setattr(store, "list_by_status", list_by_status)
    # When the daily overdue sweep runs
    report = overdue_sweep(context)
    # Then nothing is overdue, and only the partitions of open and failed requests were queried
    assert report == {"overdue": 0}
    assert sorted(set(read)) == ["failed", "in_progress", "received"]


def test_the_operator_closes_a_failed_request_so_it_stops_paging(aws, context, local_clock):
    # Given a failed request past its deadline (the subject asked again meanwhile)
    request = failed(signed_up())
    local_clock(32)
    # When the operator rejects it with the reason
    status, body = reject(context, request.request_id)
    # Then it is closed, and the sweep no longer reports it
    assert (status, body["status"]) == (200, "rejected")
    assert overdue_sweep(context) == {"overdue": 0}


def record_access_request(context, subject_id, verified_by="e-mail reply"):
    """An operator records an access request of `subject_id` received outside the privacy center."""
    return admin_call(
        context,
        "POST /admin/requests",
        "/admin/requests",
        {"subject_id": subject_id, "type": "access", "verified_by": verified_by},
    )


def test_an_operator_cannot_record_a_request_for_a_subject_who_does_not_exist(aws, context):
    # Given an id that no account has (a typo in the operator's form)
    unknown = str(uuid.uuid4())
    # When the operator records a request received by e-mail for it
    status, body = record_access_request(context, unknown)
    # Then it is refused as not found, and no request is queued
    assert (status, body["error"]) == (404, "not_found")
    assert admin_list(context, {"status": "received"})[1]["items"] == []


def test_an_operator_records_a_request_for_a_known_subject(aws, context):
    # Given a subject who signed up
    subject = signed_up()
    # When the operator records their e-mailed request
    status, body = record_access_request(context, subject)
    # Then it is queued for them
    assert status == 202
    assert body["subject_id"] == subject


def test_the_operator_sees_the_pseudonym_that_names_the_subjects_audit_chain(aws, context):
    # Given a request recorded for a subject (the operator console then shows that request's audit records)
    subject = signed_up()
    _, recorded = record_access_request(context, subject, verified_by="call")
    request_id = recorded["request_id"]
    # When the operator opens the request
    _, shown = admin_call(
        context, "GET /admin/requests/{request_id}", f"/admin/requests/{request_id}", request_id=request_id
    )
    # Then it names the subject's audit chain, whose records of this request it can read
    assert shown["subject_pseudonym"] == recorded["subject_pseudonym"] == wiring.shared.audit_log().pseudonym(subject)
    path = f"/admin/audit/{shown['subject_pseudonym']}"
    _, chain = admin_call(
        context, "GET /admin/audit/{subject_pseudonym}", path, subject_pseudonym=shown["subject_pseudonym"]
    )
    assert [r["action"] for r in chain["records"] if r.get("request_id") == request_id] == ["request.received"]


def _purged_without_its_requests(subject_id: str) -> None:
    """The state a purge leaves: the profile gone, a tombstone, the request records kept."""
    import boto3

    ddb, table = boto3.client("dynamodb"), wiring.requests.settings().subjects_table
    ddb.delete_item(TableName=table, Key={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}})
    tombstone = {"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "TOMBSTONE"}, "state": {"S": "purged"}}
    ddb.put_item(TableName=table, Item=tombstone)


def test_a_purged_subject_gets_no_download_link(aws, context):
    # Given an exported request, then the subject purged (their login token still valid for a while)
    request = exported(signed_up())
    _purged_without_its_requests(request.subject_id)
    # When the subject asks for the download
    status, body = download(context, request)
    # Then it is refused: the subject's data is gone, its exports with it
    assert (status, body["error"]) == (410, "subject_unavailable"), body


# ---------------------------------------------------------------- repeated exports (GDPR Art. 12(5))


def post_request(context, subject_id, body):

    event = routed(as_subject(load_event("subject_api/get_status.json"), subject_id), "POST /me/requests")
    event["pathParameters"] = {}
    with_body(event, body)
    answer = subject_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null"), answer.get("headers") or {}


def test_an_export_asked_again_within_the_cooldown_answers_429_with_the_one_just_made(aws, context, local_clock):
    # Given an access export completed an hour ago (cooldown: 24 hours by default)
    subject_id = signed_up()
    done = exported(subject_id)
    local_clock(1 / 24)
    # When the subject asks for the same export again
    status, body, headers = post_request(context, subject_id, {"type": "access"})
    # Then it is refused for now, says when to come back, and names the export already made
    assert (status, body["error"]) == (429, "export_cooldown")
    assert 22 * 3600 < int(headers["Retry-After"]) <= 23 * 3600
    assert body["details"][0]["request_id"] == done.request_id
    assert [r.request_id for r in wiring.requests.request_store().list_for(subject_id)] == [done.request_id]


def test_an_export_is_made_again_once_the_cooldown_has_passed(aws, context, local_clock):
    # Given an access export completed 25 hours ago
    subject_id = signed_up()
    exported(subject_id)
    local_clock(25 / 24)
    # When the subject asks again, then a new request is received
    status, body, _ = post_request(context, subject_id, {"type": "access"})
    assert (status, body["status"]) == (202, "received")


def test_the_cooldown_is_the_template_parameter(aws, context, local_clock, monkeypatch):
    # Given a cooldown of 2 hours, and an export completed 3 hours ago
    monkeypatch.setenv("EXPORT_COOLDOWN_HOURS", "2")
    wiring.requests.settings.cache_clear()
    wiring.requests.requests.cache_clear()
    subject_id = signed_up()
    exported(subject_id)
    local_clock(3 / 24)
    # When the subject asks again, then it is accepted
    assert post_request(context, subject_id, {"type": "access"})[0] == 202


def _cooldown_and_lifetime(monkeypatch, cooldown_hours: int, expiry_days: int) -> None:
    monkeypatch.setenv("EXPORT_COOLDOWN_HOURS", str(cooldown_hours))
    monkeypatch.setenv("EXPORT_EXPIRY_DAYS", str(expiry_days))
    wiring.requests.settings.cache_clear()
    wiring.requests.requests.cache_clear()


def test_an_export_whose_archive_has_expired_does_not_hold_back_a_new_one(aws, context, local_clock, monkeypatch):
    # Given a 72-hour cooldown, archives kept one day, and an access export completed 30 hours ago
    _cooldown_and_lifetime(monkeypatch, 72, 1)
    subject_id = signed_up()
    done = exported(subject_id)
    local_clock(30 / 24)
    assert wiring.requests.requests().get(subject_id, done.request_id).status == "expired"
    # When the subject, who has no copy any more, asks again, then a new export is made
    status, body, _ = post_request(context, subject_id, {"type": "access"})
    assert (status, body["status"]) == (202, "received")
    assert body["request_id"] != done.request_id


def test_a_repeated_export_may_be_asked_again_when_the_archive_expires_if_that_is_sooner(
    aws, context, local_clock, monkeypatch
):
    # Given a 72-hour cooldown, archives kept one day, and an access export completed an hour ago
    _cooldown_and_lifetime(monkeypatch, 72, 1)
    subject_id = signed_up()
    exported(subject_id)
    local_clock(1 / 24)
    # When the subject asks again, then it is refused for now, but only until the archive is gone (23 hours)
    status, body, headers = post_request(context, subject_id, {"type": "access"})
    assert (status, body["error"]) == (429, "export_cooldown")
    assert 22 * 3600 < int(headers["Retry-After"]) <= 23 * 3600


def test_the_cooldown_leaves_other_kinds_of_request_alone(aws, context):
    # Given an access export just completed
    subject_id = signed_up()
    exported(subject_id)
    # When the subject asks for a portability export, or for erasure, then neither is held back
    assert post_request(context, subject_id, {"type": "portability"})[0] == 202
    assert post_request(context, subject_id, {"type": "erasure"})[0] == 202


def test_the_cooldown_costs_one_query_of_the_subjects_own_requests_and_no_scan(aws, context, monkeypatch):
    # Given a subject with an export just completed
    from adapters.aws import dynamodb

    subject_id = signed_up()
    exported(subject_id)
    calls = []
    client = dynamodb()
    for name in ("query", "scan"):
        original = getattr(client, name)
        monkeypatch.setattr(client, name, lambda *a, _n=name, _o=original, **k: calls.append((_n, k)) or _o(*a, **k))
    # When the subject asks again
    assert post_request(context, subject_id, {"type": "access"})[0] == 429
    # Then the only read of requests is one query of the subject's own partition
    reads = [(name, k.get("ExpressionAttributeValues")) for name, k in calls]
    assert [name for name, _ in reads] == ["query"]
    assert reads[0][1][":pk"] == {"S": f"SUBJECT#{subject_id}"}
