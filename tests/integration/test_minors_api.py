"""The minors routes under moto: handler, parental service, stores, audit, secrets and the purge queue together."""

import json
import os
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

import wiring.consent
import wiring.erasure
import wiring.requests
import wiring.shared
from domain.audit.model import pseudonym_of
from domain.consent.model import ConsentChangeRequest
from domain.consent.ports import Owner
from domain.consent.service import RequestContext
from domain.minors.model import issue_confirmation_token
from domain.minors.rules import check_minor, load_age_table
from handlers import minors_api, parental_expiry, post_confirmation, purge_worker, subject_api
from localcloud.mail import sent_mail
from tests.support import as_subject, at_path, load_event, purge_now, routed, sign_up, with_body

CHILD_REFERENCE = "signup-7f3a9c21"
PARENT_EMAIL = "parent@example.org"


# ---------------------------------------------------------------- helpers
def invoke(event: dict[str, Any], context: Any) -> tuple[int, Any]:
    response = minors_api.lambda_handler(event, context)
    body = response.get("body")
    return response["statusCode"], json.loads(body) if body else None


def as_caller(event: dict[str, Any], sub: str, groups: str | None = None) -> dict[str, Any]:
    claims = as_subject(event, sub)["requestContext"]["authorizer"]["jwt"]["claims"]
    if groups is None:
        claims.pop("cognito:groups", None)
    else:
        claims["cognito:groups"] = groups
    return event


def table(aws: Any) -> str:
    return aws.physical_ids["SubjectsTable"]  # type: ignore[no-any-return]


def items_of(ddb: Any, aws: Any, pk: str) -> dict[str, dict[str, Any]]:
    answer = ddb.query(
        TableName=table(aws), KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )
    return {item["sk"]["S"]: item for item in answer["Items"]}


def everything(ddb: Any, aws: Any) -> str:
    items = ddb.scan(TableName=table(aws))["Items"]
    return json.dumps(sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"])), sort_keys=True)


def outbox(ddb: Any, aws: Any, detail_type: str) -> list[dict[str, Any]]:
    found = []
    for item in ddb.scan(TableName=table(aws))["Items"]:
        if item["pk"]["S"].startswith("OUTBOX#"):
            event = json.loads(item["outbox"]["S"])
            if event["detail_type"] == detail_type:
                found.append(event["detail"])
    return found


def sign_up_parent(email: str = PARENT_EMAIL, *, verified: bool = True, **attributes: str) -> str:
    """A parent who signed up with `email` (their login in the stack's user pool, verified or not, and their profile):
    their subject id, the login's `sub`."""
    cognito, pool = boto3.client("cognito-idp"), os.environ["USER_POOL_ID"]
    login = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": str(verified).lower()}]
    cognito.admin_create_user(UserPoolId=pool, Username=email, UserAttributes=login, MessageAction="SUPPRESS")
    user = cognito.admin_get_user(UserPoolId=pool, Username=email)
    parent = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    sign_up(parent, email=email, **attributes)
    return parent


def sign_up_bound(
    context: Any, subject_id: str, request_id: str, birthdate: str | None = "2014-03-01", **attributes: str
) -> None:
    """A child's own sign-up naming the consent request in its client metadata (the post-confirmation trigger)."""
    event = load_event("post_confirmation/confirm_child_sign_up.json")
    user = event["request"]["userAttributes"]
    user.update({"sub": subject_id, "email": f"{subject_id[:8]}@example.org", **attributes})
    if birthdate is None:
        user.pop("birthdate")
    else:
        user["birthdate"] = birthdate
    event["request"]["clientMetadata"]["parental_request_id"] = request_id
    post_confirmation.lambda_handler(event, context)


def mailed_token(address: str = PARENT_EMAIL) -> str:
    """The confirmation token of the last mail to `address`, taken from its link as the parent would."""
    (*_, mail) = sent_mail(address)
    found = re.search(r"[?&]parental_consent=([A-Za-z0-9._-]+)", mail["body"])
    assert found, mail["body"]
    return found.group(1)


def request_consent(context: Any, reference: str = CHILD_REFERENCE, parent_email: str = PARENT_EMAIL) -> dict[str, Any]:
    """The host application asks; the token is then read from the parent's mail (the answer has none)."""
    event = with_body(
        load_event("minors_api/post_consent_request.json"),
        {"parent_email": parent_email, "country": "DE", "child_reference": reference},
    )
    status, body = invoke(event, context)
    assert status == 201, body
    assert "token" not in body
    return body | {"token": mailed_token(parent_email)}  # type: ignore[no-any-return]


def confirm(context: Any, token: str, decision: str = "approve") -> tuple[int, Any]:
    body: dict[str, Any] = {"token": token, "decision": decision}
    return invoke(with_body(load_event("minors_api/post_confirm.json"), body), context)


def link(context: Any, request_id: str, child: str, parent: str | None = None) -> tuple[int, Any]:
    event = load_event("minors_api/post_link.json")
    at_path(event, f"/app/minors/consent-requests/{request_id}/link", request_id=request_id)
    body = {"child_subject_id": child} | ({"parent_subject_id": parent} if parent else {})
    return invoke(with_body(event, body), context)


def approved_with_bound_child(context: Any, parent_email: str = PARENT_EMAIL) -> tuple[dict[str, Any], str]:
    """A request the parent at `parent_email` approved, and a child (in Germany) whose sign-up is bound to it, not
    linked yet: (the request as issued, the child)."""
    issued = request_consent(context, parent_email=parent_email)
    child = str(uuid.uuid4())
    sign_up_bound(context, child, issued["request_id"], country="DE")
    assert confirm(context, issued["token"])[0] == 200
    return issued, child


def linked_family(context: Any, birthdate: str = "2014-03-01") -> tuple[str, str, str]:
    """A parent and a child (in Germany), both signed up, linked by an approved request: (parent, child, request id)."""
    parent, child = sign_up_parent(given_name="Ada"), str(uuid.uuid4())
    issued = request_consent(context)
    sign_up_bound(context, child, issued["request_id"], birthdate, given_name="Kid", country="DE")
    assert confirm(context, issued["token"])[0] == 200
    status, body = link(context, issued["request_id"], child, parent)
    assert status == 200, body
    return parent, child, issued["request_id"]


def as_child(route: str, child: str, context: Any) -> tuple[int, Any]:
    """The child, signed in, calls one of their own routes (`route`: "POST /me/restore", "POST /me/activity")."""
    event = routed(as_subject(load_event("subject_api/post_activity.json"), child), route)
    response = subject_api.lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"] or "null")


def as_parent(relative: str, parent: str, child: str, **path: str) -> dict[str, Any]:
    event = as_caller(load_event(relative), parent)
    route = event["routeKey"].split(" ", 1)[1]
    concrete = route.replace("{child_id}", child)
    for name, value in path.items():
        concrete = concrete.replace(f"{{{name}}}", value)
    params = {"child_id": child, **path} if "{child_id}" in route else dict(path)
    return at_path(event, concrete, **params)


# ---------------------------------------------------------------- the age check
def test_the_host_app_learns_whether_parental_consent_is_needed_and_nothing_is_stored(aws, ddb, context):
    # Given the sample check of a child born 2013-05-17 in Germany, sent by the host application
    before = everything(ddb, aws)
    status, body = invoke(load_event("minors_api/post_check.json"), context)
    # Then the answer matches the age table and the table holds nothing new
    expected = check_minor(date(2013, 5, 17), "DE", datetime.now(UTC), table=load_age_table())
    assert status == 200
    assert body == {
        "parental_consent_required": expected.parental_consent_required,
        "age_of_consent": 16,
        "age": expected.age,
        "allowed": True,
    }
    assert everything(ddb, aws) == before


def _check_under(policy_name, birth_date, country, context, monkeypatch):
    import wiring

    monkeypatch.setenv("POLICY", policy_name)
    # A stack deployed with that policy, with its restore window and deletion bound (samconfig.toml: 0 and 30 days but
    # for iMind's 30 and 60)
    monkeypatch.setenv("ERASURE_GRACE_DAYS", "30" if policy_name == "imind" else "0")
    monkeypatch.setenv("PROMISED_DELETION_DAYS", "60" if policy_name == "imind" else "30")
    wiring.reset()
    event = load_event("minors_api/post_check.json")
    with_body(event, {"birth_date": birth_date.isoformat(), "country": country})
    return invoke(event, context)


def _born(years_ago: int, days_more: int = 30) -> date:
    today = datetime.now(UTC).date()
    return today.replace(year=today.year - years_ago) - timedelta(days=days_more)


@pytest.mark.parametrize(
    ("country", "age", "needs_parent", "age_of_consent"),
    [("US", 12, True, 13), ("US", 13, False, 13), ("DE", 15, True, 16), ("FR", 15, True, 16), ("DE", 16, False, 16)],
)
def test_mindomo_asks_a_parent_under_13_in_the_us_and_under_16_in_the_eu(
    aws, context, monkeypatch, country, age, needs_parent, age_of_consent
):
    status, body = _check_under("mindomo", _born(age), country, context, monkeypatch)
    assert status == 200
    assert (body["parental_consent_required"], body["age_of_consent"], body["allowed"]) == (
        needs_parent,
        age_of_consent,
        True,  # Mindomo has a parental path
    )


def test_imocloud_admits_no_one_under_18_even_with_a_parent(aws, context, monkeypatch):
    status, body = _check_under("imocloud", _born(17), "US", context, monkeypatch)
    assert status == 200
    assert (body["parental_consent_required"], body["age_of_consent"], body["allowed"]) == (True, 18, False)
    _, adult = _check_under("imocloud", _born(18), "US", context, monkeypatch)
    assert (adult["parental_consent_required"], adult["allowed"]) == (False, True)


def test_under_imocloud_no_parent_is_ever_asked(aws, context, monkeypatch):
    _check_under("imocloud", _born(30), "US", context, monkeypatch)  # the policy's container
    event = load_event("minors_api/post_consent_request.json")
    status, body = invoke(event, context)
    assert (status, body["error"]) == (409, "parental_consent_unavailable")


def test_a_client_credentials_token_with_the_minors_scope_may_check(aws, context):
    status, body = invoke(load_event("minors_api/post_check_client_credentials.json"), context)
    assert status == 200
    assert body["age_of_consent"] == 15


def test_a_user_token_may_not_check(aws, context):
    event = as_caller(load_event("minors_api/post_check.json"), str(uuid.uuid4()))
    status, body = invoke(event, context)
    assert status == 403
    assert body["error"] == "forbidden"


def test_the_configured_minimum_age_overrides_a_lower_country_age(aws, context, monkeypatch):
    # Given a service-wide minimum of 16 and a 15-year-old in France (where 15 is enough)
    monkeypatch.setitem(os.environ, "MINIMUM_CONSENT_AGE", "16")
    born = datetime.now(UTC).date().replace(year=datetime.now(UTC).year - 15) - timedelta(days=40)
    event = with_body(load_event("minors_api/post_check.json"), {"birth_date": born.isoformat(), "country": "FR"})
    status, body = invoke(event, context)
    assert status == 200
    assert body == {"parental_consent_required": True, "age_of_consent": 16, "age": 15, "allowed": True}


def test_a_future_birth_date_is_refused_without_echoing_it(aws, context):
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    event = with_body(load_event("minors_api/post_check.json"), {"birth_date": future, "country": "DE"})
    status, body = invoke(event, context)
    assert status == 422
    assert future not in json.dumps(body)


# ---------------------------------------------------------------- requests and answers
def test_a_request_keeps_only_the_parents_e_mail_and_publishes_no_e_mail(aws, ddb, context):
    issued = request_consent(context)
    item = items_of(ddb, aws, f"PARENTREQ#{issued['request_id']}")["PARENTREQ"]
    assert set(item) == {
        "pk",
        "sk",
        "request_id",
        "parent_email",
        "child_reference",
        "country",
        "created_at",
        "expires_at",
    }
    assert item["parent_email"]["S"] == PARENT_EMAIL
    expires_at = datetime.fromisoformat(issued["expires_at"])
    assert int(item["expires_at"]["N"]) == int(expires_at.timestamp())
    assert timedelta(days=7) - timedelta(minutes=1) < expires_at - datetime.now(UTC) <= timedelta(days=7)
    (detail,) = outbox(ddb, aws, "ParentalConsentRequested")
    assert detail == {"request_id": issued["request_id"]}
    assert "@" not in json.dumps(detail)


def test_the_host_application_gets_no_token_and_the_bus_carries_none(aws, ddb, context):
    """Attack step 1: a host credential asks for consent and hopes to answer for the parent itself."""
    # Given the host application asks a parent for consent
    event = with_body(
        load_event("minors_api/post_consent_request.json"),
        {"parent_email": PARENT_EMAIL, "country": "DE", "child_reference": CHILD_REFERENCE, "language": "de"},
    )
    status, body = invoke(event, context)
    # Then its answer names the request only
    assert status == 201, body
    assert set(body) == {"request_id", "expires_at"}
    # And the only copy of the token is in the one mail to the parent, in German, from the configured sender
    (mail,) = sent_mail(PARENT_EMAIL)
    token = mailed_token()
    assert mail["from"] == os.environ["PARENTAL_MAIL_SENDER"]
    assert mail["subject"] == "Ihre Einwilligung für das Konto Ihres Kindes"
    assert "Ihre Rechte" in mail["body"]
    assert token not in json.dumps(body)
    # And no event written for the bus carries it
    assert token not in everything(ddb, aws)
    assert all(token not in json.dumps(detail) for detail in outbox(ddb, aws, "ParentalConsentRequested"))


def test_the_parents_mail_quotes_mindomos_notice_in_italian(aws, context, monkeypatch):
    """Issue 16 §1: the mail says what is collected and why as the active policy says it, in any of its languages."""
    from policy.loader import load_policy

    _check_under("mindomo", _born(30), "DE", context, monkeypatch)  # the policy's container
    event = with_body(
        load_event("minors_api/post_consent_request.json"),
        {"parent_email": PARENT_EMAIL, "country": "IT", "child_reference": CHILD_REFERENCE, "language": "it"},
    )
    status, body = invoke(event, context)
    assert status == 201, body
    (mail,) = sent_mail(PARENT_EMAIL)
    notice = load_policy("mindomo").minors.parent_notice
    assert notice is not None
    assert notice.collected["it"] in mail["body"]
    assert notice.why["it"] in mail["body"]


def test_a_consent_request_in_a_language_the_policy_does_not_offer_is_refused(aws, ddb, context):
    event = with_body(
        load_event("minors_api/post_consent_request.json"),
        {"parent_email": PARENT_EMAIL, "country": "DE", "child_reference": CHILD_REFERENCE, "language": "ja"},
    )
    status, body = invoke(event, context)
    assert (status, body["error"]) == (422, "language_not_offered")
    assert "ja" not in body["message"] or "en" in body["message"]
    assert sent_mail(PARENT_EMAIL) == []
    assert outbox(ddb, aws, "ParentalConsentRequested") == []


def test_an_e_mail_address_as_child_reference_is_refused(aws, context):
    event = with_body(
        load_event("minors_api/post_consent_request.json"),
        {"parent_email": PARENT_EMAIL, "country": "DE", "child_reference": "kid@example.org"},
    )
    status, body = invoke(event, context)
    assert status == 422
    assert "kid@example.org" not in json.dumps(body)


def test_approval_forgets_the_e_mail_and_publishes_the_grant(aws, ddb, context):
    issued = request_consent(context)
    status, body = confirm(context, issued["token"])
    assert status == 200
    assert body == {"request_id": issued["request_id"], "decision": "approve", "recorded": True}
    items = items_of(ddb, aws, f"PARENTREQ#{issued['request_id']}")
    assert set(items) == {"APPROVED"}
    assert PARENT_EMAIL not in json.dumps(items)
    assert outbox(ddb, aws, "ParentalConsentGranted") == [
        {"request_id": issued["request_id"], "child_reference": CHILD_REFERENCE}
    ]


def test_the_public_confirmation_cannot_name_the_parents_account(aws, ddb, context):
    """Whoever holds the e-mailed token is not proven to own any account: only the host application links one."""
    issued = request_consent(context)
    body = {"token": issued["token"], "decision": "approve", "parent_subject_id": str(uuid.uuid4())}
    status, answer = invoke(with_body(load_event("minors_api/post_confirm.json"), body), context)
    assert status == 422, answer
    assert set(items_of(ddb, aws, f"PARENTREQ#{issued['request_id']}")) == {"PARENTREQ"}  # still pending


def test_a_replayed_token_changes_nothing(aws, ddb, context):
    issued = request_consent(context)
    assert confirm(context, issued["token"])[0] == 200
    before = everything(ddb, aws)
    for decision in ("approve", "deny"):
        status, body = confirm(context, issued["token"], decision)
        assert (status, body["error"]) == (400, "token_used")
    assert everything(ddb, aws) == before


def test_forged_and_expired_tokens_are_refused(aws, ddb, context):
    issued = request_consent(context)
    before = everything(ddb, aws)
    payload, signature = issued["token"].split(".")
    assert confirm(context, f"{payload}.{signature[::-1]}")[1]["error"] == "invalid_token"
    assert confirm(context, "not-a-token")[1]["error"] == "invalid_token"
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=aws.physical_ids["TokenKeySecret"])
    expired = issue_confirmation_token(
        secret["SecretString"].encode(),
        request_id=issued["request_id"],
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
        token_id="stale",
    )
    status, body = confirm(context, expired)
    assert (status, body["error"]) == (400, "expired_token")
    assert everything(ddb, aws) == before


def test_a_denial_deletes_the_request(aws, ddb, context):
    issued = request_consent(context)
    status, _ = confirm(context, issued["token"], "deny")
    assert status == 200
    assert items_of(ddb, aws, f"PARENTREQ#{issued['request_id']}") == {}
    assert outbox(ddb, aws, "ParentalConsentDenied") == [
        {"request_id": issued["request_id"], "child_reference": CHILD_REFERENCE}
    ]


def decision_records(ddb: Any, aws: Any) -> list[dict[str, Any]]:
    items = ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"]
    return [item for item in items if item["action"]["S"].startswith("parental.consent_")]


@pytest.mark.parametrize(
    ("decision", "action"), [("approve", "parental.consent_approved"), ("deny", "parental.consent_denied")]
)
def test_a_parents_decision_appends_one_audit_record_by_the_parent(aws, ddb, context, decision, action):
    # Given a pending consent request (no child account exists yet, so none is named)
    issued = request_consent(context)
    # When the parent decides
    assert confirm(context, issued["token"], decision)[0] == 200
    # Then one record of the decision is in the audit trail, by the parent, under the request's pseudonym
    (record,) = decision_records(ddb, aws)
    assert (record["action"]["S"], record["actor"]["S"]) == (action, "parent")
    assert record["request_id"]["S"] == issued["request_id"]
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=aws.physical_ids["PseudonymKeySecret"])
    expected = pseudonym_of(secret["SecretString"].encode(), f"parental-request:{issued['request_id']}")
    assert record["subject"]["S"] == expected
    assert record["correlation_id"]["S"] == load_event("minors_api/post_confirm.json")["requestContext"]["requestId"]


@pytest.mark.parametrize(
    "correlation_id", ["parent@example.org", "x" * 5000, "Ada Lovelace"], ids=["e-mail", "5000 chars", "name"]
)
def test_a_parents_decision_record_never_takes_a_correlation_id_that_is_not_a_plain_token(
    aws, ddb, context, correlation_id
):
    # Given a pending consent request
    issued = request_consent(context)
    # When the parent approves it through the public route, sending an x-correlation-id that is not a plain token
    event = with_body(load_event("minors_api/post_confirm.json"), {"token": issued["token"], "decision": "approve"})
    event["headers"]["x-correlation-id"] = correlation_id
    assert invoke(event, context)[0] == 200
    # Then the write-once record of the decision names API Gateway's request instead, and holds nothing of the header
    (record,) = decision_records(ddb, aws)
    assert record["correlation_id"]["S"] == event["requestContext"]["requestId"]
    assert correlation_id not in json.dumps(record)


def test_a_parents_decision_record_keeps_a_plain_correlation_id(aws, ddb, context):
    # Given a pending consent request
    issued = request_consent(context)
    # When the parent approves it, the call carrying a plain token as its correlation id
    event = with_body(load_event("minors_api/post_confirm.json"), {"token": issued["token"], "decision": "approve"})
    event["headers"]["x-correlation-id"] = "mail-click-7f3a9c21"
    assert invoke(event, context)[0] == 200
    # Then the record names that call
    (record,) = decision_records(ddb, aws)
    assert record["correlation_id"]["S"] == "mail-click-7f3a9c21"


def test_a_parents_decision_record_holds_no_e_mail_or_reference(aws, ddb, context):
    # Given a pending consent request
    issued = request_consent(context)
    # When the parent approves it
    confirm(context, issued["token"])
    # Then its audit record names neither the parent's e-mail address nor the host's reference of the child
    records = decision_records(ddb, aws)
    assert records
    raw = json.dumps(records)
    assert PARENT_EMAIL not in raw
    assert CHILD_REFERENCE not in raw


def test_a_replayed_token_appends_no_second_decision_record(aws, ddb, context):
    # Given a request the parent has approved
    issued = request_consent(context)
    confirm(context, issued["token"])
    # When the same link is used again, for either answer
    for decision in ("approve", "deny"):
        confirm(context, issued["token"], decision)
    # Then the audit trail still holds the one decision
    assert [r["action"]["S"] for r in decision_records(ddb, aws)] == ["parental.consent_approved"]


# ---------------------------------------------------------------- linking
def test_linking_puts_the_link_in_both_partitions(aws, ddb, context):
    parent, child, request_id = linked_family(context)
    assert f"CHILD#{child}" in items_of(ddb, aws, f"SUBJECT#{parent}")
    assert f"PARENT#{parent}" in items_of(ddb, aws, f"SUBJECT#{child}")
    approved = items_of(ddb, aws, f"PARENTREQ#{request_id}")["APPROVED"]
    assert approved["child_subject_id"]["S"] == child


def test_the_sample_child_sign_up_binds_the_account_to_its_request(aws, ddb, context):
    # Given the sample sign-up of a child whose client metadata names a consent request
    event = load_event("post_confirmation/confirm_child_sign_up.json")
    child = event["request"]["userAttributes"]["sub"]
    # When the post-confirmation trigger runs (twice: Cognito retries)
    post_confirmation.lambda_handler(event, context)
    post_confirmation.lambda_handler(event, context)
    # Then the child's partition holds the binding to that request, with no parent yet
    binding = items_of(ddb, aws, f"SUBJECT#{child}")["PARENTAL_BINDING"]
    assert binding["request_id"]["S"] == event["request"]["clientMetadata"]["parental_request_id"]
    assert "parent_subject_id" not in binding


def test_a_password_reset_or_a_second_sign_up_cannot_bind_an_existing_account(aws, ddb, context):
    # Given an existing account, and one bound to a request
    adult, bound = str(uuid.uuid4()), str(uuid.uuid4())
    sign_up(adult)
    sign_up_bound(context, bound, "a" * 32)
    # When a password reset of the adult names a request, and the bound account's trigger names another
    event = load_event("post_confirmation/confirm_child_sign_up.json")
    event["request"]["userAttributes"]["sub"] = adult
    event["triggerSource"] = "PostConfirmation_ConfirmForgotPassword"
    post_confirmation.lambda_handler(event, context)
    sign_up_bound(context, bound, "b" * 32)
    # Then the adult is bound to nothing and the other keeps its first request
    assert "PARENTAL_BINDING" not in items_of(ddb, aws, f"SUBJECT#{adult}")
    assert items_of(ddb, aws, f"SUBJECT#{bound}")["PARENTAL_BINDING"]["request_id"]["S"] == "a" * 32


def approved_request(context: Any) -> tuple[str, str]:
    """A request the parent approved from the e-mailed link, and the parent's account: (request id, parent)."""
    address = f"parent-{uuid.uuid4().hex[:8]}@example.org"  # one login per address: a test may ask more than once
    parent = sign_up_parent(address, given_name="Ada")
    issued = request_consent(context, parent_email=address)
    assert confirm(context, issued["token"])[0] == 200
    return issued["request_id"], parent


@pytest.mark.parametrize(
    "victim",
    [
        {},  # an adult who gave no birth date
        {"birthdate": "2015-04-02", "country": "DE"},  # an existing child
    ],
    ids=["adult-without-birth-date", "existing-child"],
)
def test_an_existing_account_cannot_be_linked_as_the_child(aws, ddb, context, victim):
    """Attack step 3: a host credential links an account that exists already to a 'parent' of its choice."""
    # Given an approved request and an existing account that no sign-up bound to it
    request_id, parent = approved_request(context)
    target = str(uuid.uuid4())
    sign_up(target, **victim)
    # When the host application links that account as the request's child
    status, body = link(context, request_id, target, parent)
    # Then it is refused with a conflict, and nothing is linked
    assert (status, body["error"]) == (409, "child_not_bound"), body
    assert not [sk for sk in items_of(ddb, aws, f"SUBJECT#{target}") if sk.startswith("PARENT#")]
    assert invoke(as_caller(load_event("minors_api/get_children.json"), parent), context)[1] == {"items": []}


def test_a_child_bound_to_another_request_cannot_be_linked(aws, context):
    request_id, parent = approved_request(context)
    child = str(uuid.uuid4())
    sign_up_bound(context, child, "c" * 32)
    status, body = link(context, request_id, child, parent)
    assert (status, body["error"]) == (409, "child_not_bound"), body


@pytest.mark.parametrize("birthdate", [None, "2000-01-01"], ids=["no-birth-date", "of-age"])
def test_a_bound_account_whose_birth_date_needs_no_parent_cannot_be_linked(aws, context, birthdate):
    # Given an account bound by its own sign-up, without a birth date or of age in Germany
    request_id, parent = approved_request(context)
    child = str(uuid.uuid4())
    sign_up_bound(context, child, request_id, birthdate, country="DE")
    # When the host application links it
    status, body = link(context, request_id, child, parent)
    # Then it is refused: no parent's rights would apply
    assert (status, body["error"]) == (409, "parental_consent_not_required"), body


def test_a_linked_child_cannot_be_given_another_parent(aws, context):
    # Given a child linked to its parent
    _, child, request_id = linked_family(context)
    other = str(uuid.uuid4())
    sign_up(other)
    # When the host application links the same child to another account
    status, body = link(context, request_id, child, other)
    # Then it is refused
    assert (status, body["error"]) == (409, "link_conflict"), body


def test_the_account_takeover_path_fails_at_every_step(aws, ddb, context):
    """Issue #16: a host credential asks, approves itself, links a victim, and its 'parent' acts for the victim."""
    # Given a victim (an adult who never gave a birth date) and an accomplice account
    victim, accomplice = str(uuid.uuid4()), str(uuid.uuid4())
    sign_up(victim)
    sign_up(accomplice)
    # Step 1: the host application opens a request; neither its answer nor the event holds a token
    event = with_body(
        load_event("minors_api/post_consent_request.json"),
        {"parent_email": PARENT_EMAIL, "country": "DE", "child_reference": CHILD_REFERENCE},
    )
    status, asked = invoke(event, context)
    assert status == 201
    assert set(asked) == {"request_id", "expires_at"}
    assert outbox(ddb, aws, "ParentalConsentRequested") == [{"request_id": asked["request_id"]}]
    # Step 2: without the mail, it cannot approve: anything but the mailed token is refused, nothing changes
    for guess in (asked["request_id"], "", "x.y"):
        status, _ = confirm(context, guess)
        assert status in (400, 422)
    assert set(items_of(ddb, aws, f"PARENTREQ#{asked['request_id']}")) == {"PARENTREQ"}
    # Step 3: even once the real parent approved, the victim cannot be linked to the accomplice
    assert confirm(context, mailed_token())[0] == 200
    status, body = link(context, asked["request_id"], victim, accomplice)
    assert (status, body["error"]) == (409, "child_not_bound")
    # Step 4: so the accomplice can neither see, export nor erase the victim's data
    assert invoke(as_caller(load_event("minors_api/get_children.json"), accomplice), context)[1] == {"items": []}
    erase = invoke(as_parent("minors_api/post_child_erasure.json", accomplice, victim), context)
    export = invoke(
        with_body(as_parent("minors_api/post_child_request.json", accomplice, victim), {"type": "access"}), context
    )
    assert (erase[0], export[0]) == (404, 404)
    assert wiring.erasure.erasure().status(victim).state == "active"


def test_the_host_application_cannot_link_the_child_to_an_account_that_was_not_mailed(aws, ddb, context):
    """Issue #16: the real parent approved from the mailed link, then the host names another account as the parent."""
    # Given the mailed parent, another account with its own verified address, and the child bound to the approved request
    parent = sign_up_parent()
    other = sign_up_parent("someone.else@example.org")
    issued, child = approved_with_bound_child(context)
    # When the host application links the child to the other account
    status, body = link(context, issued["request_id"], child, other)
    # Then it is refused, nothing is linked, and that account cannot act for the child
    assert (status, body["error"]) == (409, "parent_not_addressee"), body
    assert not [sk for sk in items_of(ddb, aws, f"SUBJECT#{child}") if sk.startswith("PARENT#")]
    assert not [sk for sk in items_of(ddb, aws, f"SUBJECT#{other}") if sk.startswith("CHILD#")]
    assert "parent_subject_id" not in items_of(ddb, aws, f"SUBJECT#{child}")["PARENTAL_BINDING"]
    assert invoke(as_caller(load_event("minors_api/get_children.json"), other), context)[1] == {"items": []}
    assert invoke(as_parent("minors_api/post_child_erasure.json", other, child), context)[0] == 404
    # And the parent the mail went to can still be linked
    status, body = link(context, issued["request_id"], child, parent)
    assert (status, body["parent_subject_id"]) == (200, parent), body


@pytest.mark.parametrize("login", ["unverified", "none"])
def test_a_parent_whose_address_is_not_verified_cannot_be_linked(aws, context, login):
    # Given an account holding the mailed address unverified, or with no login at all, and an approved request
    if login == "unverified":
        parent = sign_up_parent(verified=False)
    else:
        parent = str(uuid.uuid4())
        sign_up(parent, email=PARENT_EMAIL)
    issued, child = approved_with_bound_child(context)
    # When the host application links the child to it
    status, body = link(context, issued["request_id"], child, parent)
    # Then it is refused
    assert (status, body["error"]) == (409, "parent_not_addressee"), body


def test_the_mailed_address_matches_the_login_whatever_its_case(aws, context):
    parent = sign_up_parent("parent@example.org")
    issued, child = approved_with_bound_child(context, parent_email="Parent@Example.ORG")
    assert link(context, issued["request_id"], child, parent)[0] == 200


def test_linking_an_unknown_child_is_not_found(aws, context):
    parent = str(uuid.uuid4())
    sign_up(parent)
    issued = request_consent(context)
    confirm(context, issued["token"])
    assert link(context, issued["request_id"], "nobody-signed-up", parent)[0] == 404


def test_linking_a_denied_request_is_not_found(aws, context):
    child = str(uuid.uuid4())
    sign_up(child)
    issued = request_consent(context)
    confirm(context, issued["token"], "deny")
    assert link(context, issued["request_id"], child, "some-parent")[0] == 404


def test_a_user_cannot_link(aws, context):
    event = as_caller(load_event("minors_api/post_link.json"), str(uuid.uuid4()))
    assert invoke(event, context)[0] == 403


# ---------------------------------------------------------------- parents' rights
def test_a_parent_sees_the_child_and_what_is_held(aws, context):
    parent, child, request_id = linked_family(context)
    status, body = invoke(as_caller(load_event("minors_api/get_children.json"), parent), context)
    assert status == 200
    (item,) = body["items"]
    assert (item["child_subject_id"], item["request_id"], item["state"]) == (child, request_id, "active")
    assert item["profile"]["given_name"] == "Kid"
    assert item["collected"]["profile"] == 1
    assert item["collected"]["parent"] == 1


def children_of(parent: str, context: Any) -> list[dict[str, Any]]:
    status, body = invoke(as_caller(load_event("minors_api/get_children.json"), parent), context)
    assert status == 200, body
    return body["items"]  # type: ignore[no-any-return]


def on_child_restriction(parent: str, child: str, action: str = "", body: Any = None) -> dict[str, Any]:
    """The parent's POST .../restriction (with `body`) or .../restriction/lift (action "/lift")."""
    route = f"POST /parents/me/children/{{child_id}}/restriction{action}"
    event = routed(as_parent("minors_api/post_child_withdraw.json", parent, child), route)
    at_path(event, f"/parents/me/children/{child}/restriction{action}", child_id=child)
    return with_body(event, body) if body is not None else event


def test_a_parent_sees_whether_their_childs_processing_is_restricted_and_that_they_placed_it(aws, context):
    # Given a linked child whose processing is not restricted
    parent, child, _ = linked_family(context)
    (before,) = children_of(parent, context)
    assert (before["restricted"], before["restriction"]) == (False, None)
    # When the parent restricts it
    assert invoke(on_child_restriction(parent, child, body={"grounds": "legal_claims"}), context)[0] == 202
    # Then the listing says so: the grounds, since when, and that the parent placed it
    (restricted,) = children_of(parent, context)
    assert (restricted["state"], restricted["restricted"]) == ("active", True)
    assert (restricted["restriction"]["grounds"], restricted["restriction"]["restricted_by"]) == (
        "legal_claims",
        "parent",
    )
    assert restricted["restriction"]["since"]
    # And once the parent lifts it, the listing says it is not restricted any more
    status, lifted = invoke(on_child_restriction(parent, child, "/lift"), context)
    assert (status, lifted["state"], lifted["restriction"]) == (200, "active", None)
    (after,) = children_of(parent, context)
    assert (after["restricted"], after["restriction"]) == (False, None)


def test_a_restriction_the_child_placed_shows_as_the_childs(aws, context):
    # Given a linked child who restricted the processing of their own data
    parent, child, _ = linked_family(context)
    event = routed(as_subject(load_event("subject_api/post_activity.json"), child), "POST /me/requests")
    response = subject_api.lambda_handler(
        with_body(event, {"type": "restriction", "grounds": "accuracy_contested"}), context
    )
    assert response["statusCode"] == 202, response["body"]
    # When the parent lists their children
    (item,) = children_of(parent, context)
    # Then the child's restriction is shown as the child's
    assert item["restricted"] is True
    assert (item["restriction"]["grounds"], item["restriction"]["restricted_by"]) == ("accuracy_contested", "subject")


def test_a_child_pending_deletion_is_not_shown_as_restricted(aws, context):
    # Given a restricted child whose parent then had their data deleted
    parent, child, _ = linked_family(context)
    assert invoke(on_child_restriction(parent, child, body={"grounds": "objection_pending"}), context)[0] == 202
    assert invoke(as_parent("minors_api/post_child_erasure.json", parent, child), context)[0] == 202
    # When the parent lists their children
    (item,) = children_of(parent, context)
    # Then the deletion is what the listing says, as the child's own status does (pending takes precedence)
    assert (item["state"], item["restricted"], item["restriction"]) == ("pending_deletion", False, None)


def test_another_parent_sees_no_child_and_gets_404_on_its_routes(aws, context):
    _, child, _ = linked_family(context)
    stranger = str(uuid.uuid4())
    sign_up(stranger)
    assert invoke(as_caller(load_event("minors_api/get_children.json"), stranger), context)[1] == {"items": []}
    for relative in ("minors_api/post_child_erasure.json", "minors_api/post_child_withdraw.json"):
        status, body = invoke(as_parent(relative, stranger, child), context)
        assert (status, body["error"]) == (404, "not_found"), relative
    unknown = invoke(as_parent("minors_api/post_child_erasure.json", stranger, str(uuid.uuid4())), context)
    assert unknown[1]["message"] == body["message"]


def test_a_parent_asks_for_a_copy_of_the_childs_data(aws, ddb, context):
    parent, child, _ = linked_family(context)
    event = with_body(as_parent("minors_api/post_child_request.json", parent, child), {"type": "access"})
    status, body = invoke(event, context)
    assert status == 202
    assert body["type"] == "access"
    request = json.loads(items_of(ddb, aws, f"SUBJECT#{child}")[f"REQUEST#{body['request_id']}"]["request"]["S"])
    assert request["origin"] == "parent"
    seen = invoke(as_parent("minors_api/get_child_request.json", parent, child, request_id=body["request_id"]), context)
    assert seen[0] == 200
    assert seen[1]["status"] == "received"
    download = as_parent("minors_api/get_child_download.json", parent, child, request_id=body["request_id"])
    assert invoke(download, context)[1]["error"] == "export_not_ready"


def test_a_parent_has_the_childs_data_deleted(aws, context):
    parent, child, _ = linked_family(context)
    status, body = invoke(as_parent("minors_api/post_child_erasure.json", parent, child), context)
    assert status == 202
    assert (body["state"], body["reason"]) == ("pending_deletion", "parent_request")
    assert body["request_id"]
    assert wiring.erasure.erasure().status(child).state == "pending_deletion"


def test_a_parents_erasure_request_is_completed_once_the_childs_data_is_unavailable(aws, context):
    # Given a linked child
    parent, child, _ = linked_family(context)
    # When the parent has the child's data deleted
    _, body = invoke(as_parent("minors_api/post_child_erasure.json", parent, child), context)
    # Then the erasure request is completed at once (within its deadline), naming the purge date
    seen = invoke(as_parent("minors_api/get_child_request.json", parent, child, request_id=body["request_id"]), context)
    assert seen[1]["status"] == "completed"
    assert seen[1]["purge_at"] == body["purge_at"]


def test_withdrawal_refuses_every_refusable_purpose_and_schedules_deletion(aws, ddb, context):
    parent, child, _ = linked_family(context)
    status, body = invoke(as_parent("minors_api/post_child_withdraw.json", parent, child), context)
    assert status == 200
    assert (body["state"], body["reason"]) == ("pending_deletion", "parent_request")
    views = wiring.consent.consents().current(Owner("subject", child))
    for purpose, view in views.items():
        if not view.required:
            assert (view.granted, view.source) == (False, "parent"), purpose
    (detail,) = outbox(ddb, aws, "ParentalConsentWithdrawn")
    assert (detail["child_subject_id"], detail["parent_subject_id"]) == (child, parent)
    assert detail["receipt_id"] == body["receipt_id"]


@pytest.mark.parametrize("relative", ["minors_api/post_child_erasure.json", "minors_api/post_child_withdraw.json"])
def test_a_child_cannot_cancel_the_deletion_their_parent_asked_for(aws, context, relative):
    # Given a parent who asked for their child's deletion (erasure, or withdrawal of consent)
    parent, child, _ = linked_family(context)
    assert invoke(as_parent(relative, parent, child), context)[0] in (200, 202)
    # When the child restores their account with their own token
    status, body = as_child("POST /me/restore", child, context)
    # Then the restore is refused, saying why, and the deletion stands
    assert (status, body["error"]) == (409, "deletion_not_cancellable"), body
    assert "parent" in body["message"]
    assert wiring.erasure.erasure().status(child).reason == "parent_request"


def test_a_childs_activity_does_not_cancel_the_deletion_their_parent_asked_for(aws, context):
    # Given a parent who withdrew consent for their child
    parent, child, _ = linked_family(context)
    invoke(as_parent("minors_api/post_child_withdraw.json", parent, child), context)
    # When the child is active again in the host application
    status, body = as_child("POST /me/activity", child, context)
    # Then the account stays unavailable and pending deletion
    assert (status, body["error"]) == (410, "subject_unavailable")
    assert wiring.erasure.erasure().status(child).state == "pending_deletion"


def grant_everything(child: str) -> None:
    """The child, while their account was active, granted every purpose of the catalog open to minors."""
    catalog = wiring.consent.catalog()
    request = ConsentChangeRequest(decisions={p.id: True for p in catalog.purposes if p.for_minors}, source="settings")
    wiring.consent.consents().change(Owner("subject", child), request, RequestContext(), actor="subject")


def test_a_withdrawal_for_a_child_already_pending_deletion_still_refuses_every_refusable_purpose(aws, context):
    # Given a child who granted every purpose, then was scheduled for removal for inactivity
    parent, child, _ = linked_family(context)
    grant_everything(child)
    wiring.erasure.erasure().schedule_deletion(child, "inactivity", actor="system")
    # When the parent withdraws consent
    status, body = invoke(as_parent("minors_api/post_child_withdraw.json", parent, child), context)
    # Then every refusable purpose is refused by the parent, with a receipt
    assert status == 200, body
    assert body["receipt_id"]
    for purpose, view in wiring.consent.consents().current(Owner("subject", child)).items():
        if not view.required:
            assert (view.granted, view.source) == (False, "parent"), purpose


@pytest.mark.parametrize("relative", ["minors_api/post_child_erasure.json", "minors_api/post_child_withdraw.json"])
def test_a_parents_deletion_takes_over_a_pending_inactivity_removal_so_activity_cannot_cancel_it(
    aws, context, relative
):
    # Given a child scheduled for removal for inactivity
    parent, child, _ = linked_family(context)
    scheduled = wiring.erasure.erasure().schedule_deletion(child, "inactivity", actor="system")
    # When the parent asks for the deletion (erasure, or withdrawal of consent), then the child is active again
    body = invoke(as_parent(relative, parent, child), context)[1]
    activity = as_child("POST /me/activity", child, context)
    # Then the deletion is the parent's, with its first purge date, and it stands
    assert (body["state"], body["reason"]) == ("pending_deletion", "parent_request")
    assert datetime.fromisoformat(body["purge_at"]) == scheduled.purge_at
    assert activity[0] == 410
    assert as_child("POST /me/restore", child, context)[0] == 409
    assert wiring.erasure.erasure().status(child).reason == "parent_request"


def grown_up(ddb: Any, aws: Any, child: str) -> None:
    """Years later: the child's birth date now says 2000 (of age in Germany, where 16 is enough)."""
    ddb.update_item(
        TableName=table(aws),
        Key={"pk": {"S": f"SUBJECT#{child}"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET birth_date = :born",
        ExpressionAttributeValues={":born": {"S": "2000-01-01"}},
    )


def test_a_parent_no_longer_sees_a_child_who_is_of_age(aws, ddb, context):
    # Given a parent linked to a child who has since reached the age of consent in Germany
    parent, child, _ = linked_family(context)
    grown_up(ddb, aws, child)
    # When the parent lists their children
    status, body = invoke(as_caller(load_event("minors_api/get_children.json"), parent), context)
    # Then nothing about the adult is shown
    assert status == 200
    assert body == {"items": []}


@pytest.mark.parametrize(
    "relative",
    [
        "minors_api/post_child_request.json",
        "minors_api/post_child_erasure.json",
        "minors_api/post_child_withdraw.json",
        "minors_api/get_child_request.json",
        "minors_api/get_child_download.json",
    ],
)
def test_a_parents_rights_end_when_the_child_is_of_age(aws, ddb, context, relative):
    # Given a parent linked to a child who has since reached the age of consent in Germany
    parent, child, _ = linked_family(context)
    grown_up(ddb, aws, child)
    # When the parent exercises the child's rights
    event = as_parent(relative, parent, child, request_id=uuid.uuid4().hex)
    status, body = invoke(with_body(event, {"type": "access"}) if "post_child_request" in relative else event, context)
    # Then they are refused, saying why, and the adult's account is untouched
    assert (status, body["error"]) == (403, "parental_rights_ended"), body
    assert wiring.erasure.erasure().status(child).state == "active"
    assert wiring.requests.requests().list_for(child) == []


# ---------------------------------------------------------------- underage purge
def _purge_messages(aws: Any) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    answer = sqs.receive_message(QueueUrl=aws.physical_ids["PurgeQueue"], MaxNumberOfMessages=10)
    return answer.get("Messages", [])


def _sqs_event(aws: Any, message: dict[str, Any]) -> dict[str, Any]:
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": aws.attributes["PurgeQueue"]["Arn"],
        "awsRegion": "us-east-1",
    }
    return {"Records": [record]}


def test_an_underage_subject_is_queued_for_purge_now_and_purged(aws, ddb, context):
    child = str(uuid.uuid4())
    sign_up(child)
    event = at_path(load_event("minors_api/post_underage.json"), f"/admin/subjects/{child}/underage", subject_id=child)
    status, body = invoke(event, context)
    assert status == 202
    assert (body["state"], body["reason"], body["queued"]) == ("pending_deletion", "underage", True)
    assert datetime.fromisoformat(body["purge_at"]) <= datetime.now(UTC)
    (message,) = _purge_messages(aws)
    assert json.loads(message["Body"]) == {"subject_id": child}
    assert purge_worker.lambda_handler(_sqs_event(aws, message), context) == {"batchItemFailures": []}
    assert wiring.erasure.erasure().status(child).state == "purged"


def test_an_underage_subject_already_in_a_restore_window_loses_the_window(aws, context):
    child = str(uuid.uuid4())
    sign_up(child)
    wiring.erasure.erasure().schedule_deletion(child, "user_request", actor="subject")
    event = at_path(load_event("minors_api/post_underage.json"), f"/admin/subjects/{child}/underage", subject_id=child)
    status, body = invoke(event, context)
    assert status == 202
    assert body["reason"] == "underage"
    assert datetime.fromisoformat(body["purge_at"]) <= datetime.now(UTC)
    assert wiring.erasure.erasure().status(child).state == "purged"  # the window has ended: gone for everyone


def test_only_operators_may_purge_as_underage(aws, context):
    event = as_caller(load_event("minors_api/post_underage.json"), str(uuid.uuid4()))
    assert invoke(event, context)[0] == 403


# ---------------------------------------------------------------- expiry
def test_a_ttl_deletion_of_a_pending_request_publishes_the_expiry_without_the_e_mail(aws, context, bus_events):
    result = parental_expiry.lambda_handler(load_event("parental_expiry/ttl_request_removed.json"), context)
    assert result == {"batchItemFailures": []}
    (event,) = bus_events()
    assert event["detail-type"] == "ParentalConsentExpired"
    assert set(event["detail"]) == {"event_id", "request_id", "child_reference"}
    assert event["detail"]["request_id"] == "0b7f3c2a9d8e4f1a6b5c4d3e2f1a0b9c"
    assert "@" not in json.dumps(event)


@pytest.mark.parametrize("change", ["user_delete", "profile_ttl"])
def test_other_removals_publish_nothing(aws, context, change, bus_events):
    event = load_event("parental_expiry/ttl_request_removed.json")
    record = event["Records"][0]
    if change == "user_delete":  # a decision deletes the pending item: not an expiry
        record.pop("userIdentity")
    else:
        record["dynamodb"]["Keys"]["sk"] = {"S": "PROFILE"}
    assert parental_expiry.lambda_handler(event, context) == {"batchItemFailures": []}
    assert bus_events() == []


def test_a_parent_gets_no_download_link_for_a_purged_childs_export(aws, ddb, context):
    # Given a linked child whose export is ready, then the child purged
    parent, child, _ = linked_family(context)
    service = wiring.requests.requests()
    request = service.start_export(service.submit(child, "access", origin="parent"))
    service.export_ready(request, key=f"exports/{child}/{request.request_id}.zip", sha256="0" * 64, counts={})
    ddb.delete_item(TableName=table(aws), Key={"pk": {"S": f"SUBJECT#{child}"}, "sk": {"S": "PROFILE"}})
    tombstone = {"pk": {"S": f"SUBJECT#{child}"}, "sk": {"S": "TOMBSTONE"}, "state": {"S": "purged"}}
    ddb.put_item(TableName=table(aws), Item=tombstone)
    # When the parent asks for the download
    status, body = invoke(
        as_parent("minors_api/get_child_download.json", parent, child, request_id=request.request_id), context
    )
    # Then it is refused
    assert (status, body["error"]) == (410, "subject_unavailable"), body


def test_a_purge_removes_the_link_from_the_other_partition(aws, ddb, context):
    # Given a parent and a child linked, then the child's deletion due
    parent, child, _ = linked_family(context)
    # When the child is purged
    purge_now(aws, context, child)
    # Then neither side of the link is left: not in the child's partition, nor CHILD# in the parent's
    assert not [sk for sk in items_of(ddb, aws, f"SUBJECT#{parent}") if sk.startswith("CHILD#")]
    assert not [sk for sk in items_of(ddb, aws, f"SUBJECT#{child}") if sk.startswith("PARENT#")]
    # And the parent's audit chain says the link went, with no more than ids
    chain = wiring.shared.store().audit.chain(wiring.shared.store().audit.pseudonym(parent))
    assert chain[-1].action == "parental.link_removed"
    assert child not in json.dumps(chain[-1].details)


def test_a_parents_purge_leaves_no_item_of_the_child_naming_the_parent(aws, ddb, context):
    # Given a parent and a child linked, then the parent's deletion due
    parent, child, _ = linked_family(context)
    # When the parent is purged
    purge_now(aws, context, parent)
    # Then nothing in the child's partition names the parent: neither the link nor the binding the link set
    child_items = items_of(ddb, aws, f"SUBJECT#{child}")
    assert not [sk for sk in child_items if sk.startswith("PARENT#")]
    assert parent not in json.dumps(child_items)
    # And the child keeps its account and its binding to the request
    assert "PROFILE" in child_items
    assert "PARENTAL_BINDING" in child_items
