"""Sign-up, profile, requests (with Idempotency-Key), deletion and the sweeps, fed with the events/ samples."""

import json
import uuid
from datetime import datetime, timedelta

import boto3
import pytest

import wiring.erasure
import wiring.requests
import wiring.shared
from handlers import subject_api
from tests.support import load_event

SUBJECT = "5f0c7a3e-0d7b-4f0e-9d51-3c1b2a4e6f70"


def _api(name, subject=SUBJECT):
    event = load_event(name)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = subject
    return event


def _call(event, context):

    answer = subject_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null")


def _sign_up(context, subject=SUBJECT):
    from handlers import post_confirmation

    event = load_event("post_confirmation/confirm_sign_up.json")
    event["request"]["userAttributes"]["sub"] = subject
    return post_confirmation.lambda_handler(event, context)


def test_sign_up_creates_the_profile_once(aws, context):
    # Given a confirmed sign-up, delivered twice (Cognito retries triggers)
    _sign_up(context)
    _sign_up(context)
    # When the subject reads their profile
    status, profile = _call(_api("subject_api/get_me.json"), context)
    # Then it holds what they gave at sign-up
    assert status == 200
    assert (profile["given_name"], profile["country"], profile["birth_date"]) == ("Ada", "GB", "1990-12-10")


def test_a_sign_up_retried_after_its_activity_write_failed_still_starts_the_inactivity_clock(aws, context, monkeypatch):
    # Given a sign-up whose profile was created but whose activity write failed (the trigger failed; Cognito retries)
    from adapters.subject_store import DynamoSubjectStore

    recorded = DynamoSubjectStore.record_activity

    def lost(*args, **kwargs):
        raise RuntimeError("throttled")

    monkeypatch.setattr(DynamoSubjectStore, "record_activity", lost)
    with pytest.raises(RuntimeError):
        _sign_up(context)
    monkeypatch.setattr(DynamoSubjectStore, "record_activity", recorded)
    # When Cognito retries the trigger
    _sign_up(context)
    # Then the subject's day of last activity is recorded, so the inactivity sweep will find them one day
    item = boto3.client("dynamodb").get_item(
        TableName=aws.physical_ids["SubjectsTable"], Key={"pk": {"S": f"SUBJECT#{SUBJECT}"}, "sk": {"S": "PROFILE"}}
    )["Item"]
    assert "last_active_day" in item
    assert "active_pk" in item


def test_rectification_changes_only_the_fields_sent(aws, context):
    _sign_up(context)
    status, profile = _call(_api("subject_api/patch_me.json"), context)
    assert status == 200
    assert (profile["family_name"], profile["given_name"]) == ("Lovelace", "Ada")


def test_an_idempotency_key_replays_the_first_answer_even_after_the_request_closed(aws, context):
    # Given a request made with an Idempotency-Key, then rejected by an operator
    _sign_up(context)
    first_status, first = _call(_api("subject_api/post_request.json"), context)
    import wiring.erasure
    import wiring.requests
    import wiring.shared

    wiring.requests.operator_desk().reject(first["request_id"], "manifestly unfounded", admin="op")
    # When the client retries with the same key, and later asks again without one
    _, replay = _call(_api("subject_api/post_request.json"), context)
    fresh_event = _api("subject_api/post_request.json")
    del fresh_event["headers"]["idempotency-key"]
    _, fresh = _call(fresh_event, context)
    # Then the retry replays the first answer, and only a new request without the key creates another
    assert first_status == 202
    assert replay == first
    assert fresh["request_id"] != first["request_id"]


def test_an_idempotency_key_is_scoped_to_its_subject(aws, context):
    other = str(uuid.uuid4())
    _sign_up(context)
    _sign_up(context, other)
    _, mine = _call(_api("subject_api/post_request.json"), context)
    _, theirs = _call(_api("subject_api/post_request.json", other), context)
    assert mine["request_id"] != theirs["request_id"]


def test_a_retry_while_the_first_request_with_its_key_is_in_progress_gets_409_with_retry_after(
    aws, context, monkeypatch
):
    # Given a first request whose outcome could not be recorded, so its key stays claimed until its invocation ends

    _sign_up(context)

    def outcome_lost(*args, **kwargs):
        raise RuntimeError("the idempotency table is unavailable")

    monkeypatch.setattr(wiring.shared.idempotency_store(), "save_success", outcome_lost)
    assert _call(_api("subject_api/post_request.json"), context)[0] == 500
    # When the client retries with the same key
    answer = subject_api.lambda_handler(_api("subject_api/post_request.json"), context)
    # Then it hears 409 in the API's error format, with when to retry (at the latest when that invocation ends)
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 409
    assert body["error"] == "request_in_progress"
    assert "Idempotency-Key" in body["message"]
    assert body["details"] == []
    assert 1 <= int(answer["headers"]["Retry-After"]) <= context.get_remaining_time_in_millis() // 1000


def test_two_long_idempotency_keys_are_never_taken_for_one(aws, context):
    # Given two keys that share their first 255 characters, and an empty one
    _sign_up(context)
    keys = ["k" * 255 + "1", "k" * 255 + "2", ""]
    answers = []
    for key in keys:
        event = _api("subject_api/post_request.json")
        event["headers"]["idempotency-key"] = key
        answers.append(_call(event, context))
    # When each is sent, then each is refused with a 422 naming the header (no request is made for them)
    for status, body in answers:
        assert status == 422
        assert body["details"][0]["field"] == "header.idempotency-key"

    assert wiring.requests.requests().list_for(SUBJECT) == []


def test_deletion_makes_the_subject_unavailable_and_status_explains_it(aws, context):
    _sign_up(context)
    status, deleted = _call(_api("subject_api/delete_me.json"), context)
    assert status == 202
    assert _call(_api("subject_api/get_me.json"), context)[0] == 410
    assert _call(_api("subject_api/post_activity.json"), context)[0] == 410
    _, state = _call(_api("subject_api/get_status.json"), context)
    assert state == {
        "state": "pending_deletion",
        "purge_at": deleted["purge_at"],
        "reason": "user_request",
        "restriction": None,  # a pending deletion takes precedence over a restriction
        "objections": [],  # and hides the objections: nothing is processed any more
    }


def test_the_outbox_publisher_sends_the_committed_event(aws, context, bus_events):
    # Given an outbox item's INSERT record
    from handlers import event_publisher

    # When the publisher handles it
    result = event_publisher.lambda_handler(load_event("event_publisher/outbox_insert.json"), context)
    # Then the event is on the bus with a stable id, and no record failed
    (body,) = bus_events()
    assert result == {"batchItemFailures": []}
    assert body["detail-type"] == "SubjectRestored"
    assert body["detail"]["subject_id"] == SUBJECT
    assert len(body["detail"]["event_id"]) == 32


def test_the_daily_sweeps_cost_nothing_on_an_empty_table(aws, context):
    from handlers import overdue_sweep, purge_sweep

    wiring.erasure.purge_queue_settings.cache_clear()
    assert overdue_sweep.lambda_handler(load_event("overdue_sweep/daily.json"), context) == {"overdue": 0}
    assert purge_sweep.lambda_handler(load_event("purge_sweep/daily.json"), context) == {"queued": 0}


def test_every_function_has_a_sample_event():
    from localcloud.template import Stack
    from tests.support import EVENTS

    for function in Stack.from_template().of_type("AWS::Serverless::Function").values():
        module = function["Properties"]["Handler"].split(".")[1]
        assert list((EVENTS / module).glob("*.json")), f"events/{module}/ has no sample event"


# ---------------------------------------------------------------- records the host application registers


def _record_call(context, subject=SUBJECT, *, method="PUT", record_id="INV-2026-0042", document=None):
    """The host application (privacy-app group) registering, or removing, an invoice about `subject`."""
    event = load_event("subject_api/put_record.json")
    path = f"/app/subjects/{subject}/records/invoices/{record_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"subject_id": subject, "category": "invoices", "record_id": record_id}
    if document is not None:
        event["body"] = json.dumps(document)
        event["headers"]["content-length"] = str(len(event["body"]))
    if method == "DELETE":
        route = "DELETE /app/subjects/{subject_id}/records/{category}/{record_id}"
        event["routeKey"] = event["requestContext"]["routeKey"] = route
        event["requestContext"]["http"]["method"] = "DELETE"
        event["body"], event["headers"]["content-length"] = None, "0"
    return _call(event, context)


def _record_keys(aws, subject=SUBJECT):
    import boto3

    items = boto3.client("dynamodb").query(
        TableName=aws.physical_ids["SubjectsTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :record)",
        ExpressionAttributeValues={":pk": {"S": f"SUBJECT#{subject}"}, ":record": {"S": "RECORD#"}},
    )["Items"]
    return {item["sk"]["S"] for item in items}


def test_a_host_record_about_an_active_subject_is_stored(aws, context):
    # Given an active subject
    _sign_up(context)
    # When the host application registers an invoice about them
    status, body = _record_call(context)
    # Then it is stored
    assert (status, body["stored"]) == (200, True)
    assert _record_keys(aws) == {"RECORD#invoices#INV-2026-0042"}


def test_a_host_record_about_a_subject_pending_deletion_is_refused_with_410(aws, context):
    # Given a subject who deleted their account (their data is unavailable until the purge)
    _sign_up(context)
    _, deleted = _call(_api("subject_api/delete_me.json"), context)
    # When the host application registers an invoice about them
    status, body = _record_call(context)
    # Then it is refused as gone, with the purge date, and nothing is written
    assert status == 410
    assert body["error"] == "subject_unavailable"
    (detail,) = body["details"]
    assert detail["state"] == "pending_deletion"
    assert datetime.fromisoformat(detail["purge_at"]) == datetime.fromisoformat(deleted["purge_at"])
    assert _record_keys(aws) == set()


def test_a_host_record_about_a_subject_past_its_purge_date_is_refused_with_410(aws, context):

    # Given a subject whose restore window has ended, the purge not yet run (the profile item still lives)
    _sign_up(context)
    wiring.erasure.erasure().schedule_deletion(SUBJECT, "user_request", actor="subject", grace=timedelta(0))
    # When the host application registers an invoice about them
    status, body = _record_call(context)
    # Then it is refused as gone for good, and nothing is written
    assert (status, body["error"], body["details"][0]["state"]) == (410, "subject_unavailable", "purged")
    assert _record_keys(aws) == set()


def test_a_host_record_about_an_unknown_subject_is_404(aws, context):
    # Given no subject with this id
    # When the host application registers an invoice about it
    status, body = _record_call(context, str(uuid.uuid4()))
    # Then it is not found
    assert (status, body["error"]) == (404, "not_found")


def test_the_host_may_still_remove_a_record_of_a_subject_pending_deletion(aws, context):
    # Given a subject with a registered invoice, who then deleted their account
    _sign_up(context)
    assert _record_call(context)[0] == 200
    assert _call(_api("subject_api/delete_me.json"), context)[0] == 202
    # When the host application removes the invoice (removing data never needs the subject available)
    status, body = _record_call(context, method="DELETE")
    # Then it is gone
    assert (status, body["stored"]) == (200, False)
    assert _record_keys(aws) == set()


def test_a_host_invoice_without_its_date_is_refused_with_422_naming_the_field(aws, context):
    # Given an active subject
    _sign_up(context)
    # When the host application registers an invoice without the date its 10-year retention counts from
    status, body = _record_call(context, document={"total": "49.90", "customer": "ada@example.org"})
    # Then it is refused, naming the field and echoing nothing sent, and nothing is stored (the purge would have
    # had no date to keep it by)
    assert (status, body["error"]) == (422, "validation_error")
    assert [detail["field"] for detail in body["details"]] == ["invoice_date"]
    assert "ada@example.org" not in json.dumps(body)
    assert _record_keys(aws) == set()


# ---------------------------------------------------------------- erasure requests


def _erasure_event(subject=SUBJECT):
    event = _api("subject_api/post_request.json", subject)
    event["body"] = json.dumps({"type": "erasure"})
    del event["headers"]["idempotency-key"]
    return event


def _request_event(request_id, subject=SUBJECT):
    from tests.support import at_path, routed

    event = routed(_api("subject_api/get_status.json", subject), "GET /me/requests/{request_id}")
    return at_path(event, f"/me/requests/{request_id}", request_id=request_id)


def _restore_event(subject=SUBJECT):
    from tests.support import routed

    return routed(_api("subject_api/get_status.json", subject), "POST /me/restore")


def test_an_erasure_request_is_completed_once_the_data_is_unavailable_and_its_purge_scheduled(aws, context):
    # Given a subject
    _sign_up(context)
    # When they ask for erasure
    status, answer = _call(_erasure_event(), context)
    # Then the request is completed at once, within its deadline, and says when the data is purged
    _, state = _call(_api("subject_api/get_status.json"), context)
    _, shown = _call(_request_event(answer["request_id"]), context)
    assert status == 202
    assert answer["status"] == shown["status"] == "completed"
    assert shown["completed_at"] <= shown["due_at"]
    assert shown["purge_at"] == state["purge_at"]
    assert state["state"] == "pending_deletion"


def test_a_completed_erasure_request_is_never_reported_overdue(aws, context, local_clock):
    # Given an erasure request
    _sign_up(context)
    _call(_erasure_event(), context)
    # When its one-month deadline has passed, before the purge (60 days)
    local_clock(45)

    # Then the overdue sweep finds nothing
    assert wiring.requests.operator_desk().overdue() == []


def test_a_restore_leaves_no_erasure_request_open(aws, context):
    # Given an erasure request, then a restore within the window
    _sign_up(context)
    _, answer = _call(_erasure_event(), context)
    assert _call(_restore_event(), context)[0] == 200
    # When the subject looks at their requests
    _, shown = _call(_request_event(answer["request_id"]), context)
    # Then the erasure request is closed (it was acted on), not waiting forever
    assert shown["status"] == "completed"


def test_the_purge_leaves_a_completed_erasure_request_as_it_was(aws, context):
    # Given a completed erasure request

    _sign_up(context)
    _, answer = _call(_erasure_event(), context)
    before = wiring.requests.request_store().get(SUBJECT, answer["request_id"])
    # When the purge reports the erasure done (as it does for a request still open after a crash)
    wiring.requests.requests().erasure_done(SUBJECT, answer["request_id"])
    # Then nothing changes: no second completion
    assert wiring.requests.request_store().get(SUBJECT, answer["request_id"]) == before


# ---------------------------------------------------------------- audited writes racing for the subject's audit chain


@pytest.fixture
def chain_moves(monkeypatch):
    """`chain_moves(n)`: the next n audited writes each meet another audited write for the same subject, committed
    between their read of the chain's head and their own transaction (as a consent save at the same moment)."""
    from adapters.audit_log import AuditLog
    from domain.audit.model import AuditEntry

    original = AuditLog.prepare
    state = {"left": 0, "inside": False}

    def prepare(self, subject_id, entry):
        put = original(self, subject_id, entry)
        if state["left"] > 0 and not state["inside"]:
            state["left"] -= 1
            state["inside"] = True
            try:
                self.append(subject_id, AuditEntry(action="consent.changed", actor="subject", at=entry.at))
            finally:
                state["inside"] = False
        return put

    monkeypatch.setattr(AuditLog, "prepare", prepare)

    def moves(count):
        state["left"] = count

    return moves


def _chain_actions(subject=SUBJECT):

    audit = wiring.shared.store().audit
    return [record.action for record in audit.chain(audit.pseudonym(subject))]


def test_a_profile_correction_meeting_another_audited_write_is_saved(aws, context, chain_moves):
    # Given a subject, and another audited write for them committing while the correction is written
    _sign_up(context)
    chain_moves(1)
    # When they correct their profile
    status, _ = _call(_api("subject_api/patch_me.json"), context)
    # Then the correction is saved and audited after the other write
    assert status == 200
    assert _call(_api("subject_api/get_me.json"), context)[1]["family_name"] == "Lovelace"
    assert _chain_actions()[-2:] == ["consent.changed", "profile.rectified"]


def test_a_profile_correction_that_keeps_losing_the_race_is_a_409_concurrent_change(aws, context, chain_moves):
    # Given a subject whose audit chain moves on every attempt
    _sign_up(context)
    chain_moves(1_000)
    # When they correct their profile
    status, body = _call(_api("subject_api/patch_me.json"), context)
    # Then they hear 409 concurrent_change (retry later), not 500, and nothing was saved
    assert (status, body["error"]) == (409, "concurrent_change")
    chain_moves(0)
    assert _call(_api("subject_api/get_me.json"), context)[1]["family_name"] != "Lovelace"


def test_a_request_submitted_while_another_audited_write_commits_is_recorded(aws, context, chain_moves):
    # Given a subject, and another audited write for them committing while the request is written
    _sign_up(context)
    chain_moves(1)
    # When they ask for a copy of their data
    status, answer = _call(_api("subject_api/post_request.json"), context)
    # Then the request is recorded once

    assert status == 202
    assert [r.request_id for r in wiring.requests.requests().list_for(SUBJECT)] == [answer["request_id"]]


# ---------------------------------------------------------------- correlation ids in the audit trail


def _audit_actions(aws):
    """(action, correlation id) of every audit record, in the order of the chain."""
    items = boto3.client("dynamodb").scan(TableName=aws.physical_ids["AuditTable"])["Items"]
    records = sorted((i for i in items if i["sk"]["S"].startswith("SEQ#")), key=lambda i: i["sk"]["S"])
    return [(i["action"]["S"], i.get("correlation_id", {}).get("S")) for i in records]


def _with_correlation_id(event, correlation_id):
    event["headers"]["x-correlation-id"] = correlation_id
    return event


def test_every_audit_record_a_request_writes_carries_the_callers_correlation_id(aws, context):
    # Given a subject who signed up (a system action, no request to correlate)
    _sign_up(context)
    # When they correct their profile, ask for a copy and delete their account, each call with its correlation id
    _call(_with_correlation_id(_api("subject_api/patch_me.json"), "corr-patch"), context)
    _call(_with_correlation_id(_api("subject_api/post_request.json"), "corr-request"), context)
    _call(_with_correlation_id(_api("subject_api/delete_me.json"), "corr-delete"), context)
    # Then each audit record names the call that caused it
    assert _audit_actions(aws) == [
        ("profile.created", None),
        ("profile.rectified", "corr-patch"),
        ("request.received", "corr-request"),
        ("deletion.scheduled", "corr-delete"),
    ]


def test_without_a_usable_correlation_id_the_audit_record_names_api_gateways_request(aws, context):
    # Given a subject who signed up
    _sign_up(context)
    # When a call sends no correlation id, and another one that is not a plain token
    plain = _api("subject_api/patch_me.json")
    plain["headers"].pop("x-correlation-id", None)
    odd = _with_correlation_id(_api("subject_api/patch_me.json"), "ada@example.org")
    odd["body"] = json.dumps({**json.loads(odd["body"]), "given_name": "Augusta"})  # a second, different correction
    _call(plain, context)
    _call(odd, context)
    # Then both records carry API Gateway's id of the request instead, never the header's text
    rectified = [correlation for action, correlation in _audit_actions(aws) if action == "profile.rectified"]
    assert rectified == [plain["requestContext"]["requestId"], odd["requestContext"]["requestId"]]
