"""The consent routes end to end under moto: handler, service, store, audit log and secrets together."""

import base64
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

import wiring
import wiring.consent
import wiring.erasure
import wiring.shared
from config import ConfigurationError
from domain.audit.model import pseudonym_of
from domain.consent.ports import Owner
from domain.consent.unsubscribe import issue_token, verify_token
from handlers import consent_api
from tests.support import as_subject, at_path, load_event, publish_policy_version, purge_now, sign_up, with_body

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
VISITOR_ID = "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f"


# ---------------------------------------------------------------- helpers


def invoke(event: dict[str, Any], context: Any) -> tuple[int, Any]:
    response = consent_api.lambda_handler(event, context)
    body = response.get("body")
    return response["statusCode"], json.loads(body) if body else None


def new_subject() -> str:
    return str(uuid.uuid4())


def with_query(event: dict[str, Any], **params: Any) -> dict[str, Any]:
    event["rawQueryString"] = urlencode(params)
    if params:
        event["queryStringParameters"] = {key: str(value) for key, value in params.items()}
    else:
        event.pop("queryStringParameters", None)
    return event


def consents_put(sub: str, decisions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    event = as_subject(load_event("consent_api/put_my_consents.json"), sub)
    return with_body(event, {"decisions": decisions, "source": "banner", **extra})


def my_consents(sub: str) -> dict[str, Any]:
    return as_subject(load_event("consent_api/get_my_consents.json"), sub)


def my_history(sub: str, **query: Any) -> dict[str, Any]:
    return with_query(as_subject(load_event("consent_api/get_my_consent_history.json"), sub), **query)


def my_receipt(sub: str, receipt_id: str) -> dict[str, Any]:
    event = as_subject(load_event("consent_api/get_my_receipt.json"), sub)
    return at_path(event, f"/me/consents/receipts/{receipt_id}", receipt_id=receipt_id)


def visitor_put(visitor_id: str, decisions: dict[str, Any]) -> dict[str, Any]:
    event = load_event("consent_api/put_visitor_consents.json")
    at_path(event, f"/visitors/{visitor_id}/consents", visitor_id=visitor_id)
    return with_body(event, {"decisions": decisions, "source": "banner"})


def visitor_get(visitor_id: str) -> dict[str, Any]:
    event = load_event("consent_api/get_visitor_consents.json")
    return at_path(event, f"/visitors/{visitor_id}/consents", visitor_id=visitor_id)


def claim(sub: str, visitor_id: str) -> dict[str, Any]:
    return with_body(as_subject(load_event("consent_api/claim_visitor.json"), sub), {"visitor_id": visitor_id})


def token_request(subject_id: str, purpose: str) -> dict[str, Any]:
    event = load_event("consent_api/post_unsubscribe_token.json")
    at_path(event, f"/app/subjects/{subject_id}/unsubscribe-tokens", subject_id=subject_id)
    return with_body(event, {"purpose": purpose})


def unsubscribe_post(token: str) -> dict[str, Any]:
    return with_query(load_event("consent_api/post_unsubscribe.json"), token=token)


def unsubscribe_get(token: str) -> dict[str, Any]:
    return with_query(load_event("consent_api/get_unsubscribe.json"), token=token)


def grant(context: Any, sub: str, **decisions: bool) -> dict[str, Any]:
    status, receipt = invoke(consents_put(sub, decisions), context)
    assert status == 200, receipt
    return receipt  # type: ignore[no-any-return]


def consents_of(context: Any, sub: str) -> dict[str, Any]:
    status, body = invoke(my_consents(sub), context)
    assert status == 200, body
    return body["consents"]  # type: ignore[no-any-return]


def history_of(context: Any, sub: str) -> list[dict[str, Any]]:
    status, body = invoke(my_history(sub, limit=100), context)
    assert status == 200, body
    return body["items"]  # type: ignore[no-any-return]


def issue_app_token(context: Any, sub: str, purpose: str) -> str:
    status, body = invoke(token_request(sub, purpose), context)
    assert status == 200, body
    return body["token"]  # type: ignore[no-any-return]


def secret_of(aws: Any, logical_id: str) -> bytes:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=aws.physical_ids[logical_id])
    return secret["SecretString"].encode()  # type: ignore[no-any-return]


def subscriber(context: Any) -> str:
    """A signed-up subject who granted newsletters."""
    sub = sign_up(new_subject())
    grant(context, sub, newsletters=True)
    return sub


def purge(aws: Any, context: Any, sub: str) -> None:
    """The subject deletes their account and the purge runs (the restore window left out)."""
    purge_now(aws, context, sub)


def partition(ddb: Any, table: str, pk: str) -> list[dict[str, Any]]:
    answer = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}})
    return answer["Items"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- purposes and current consents


def test_purposes_list_the_catalog_with_its_policy_version(aws, context):
    # Given the public sample event of GET /consent/purposes (no authorizer block)
    event = load_event("consent_api/get_purposes.json")
    # When it is handled
    status, body = invoke(event, context)
    # Then it answers 200 with a policy version and every purpose described
    assert status == 200
    assert body["policy_version"]
    assert body["purposes"]
    for purpose in body["purposes"]:
        assert {"id", "title", "legal_basis", "required", "gpc_opt_out"} <= purpose.keys()


def test_the_catalog_says_which_purposes_an_objection_applies_to(aws, context):
    # When the privacy center asks for the catalog
    status, body = invoke(load_event("consent_api/get_purposes.json"), context)
    # Then direct marketing is marked and objectable; consent and contract purposes are not objectable
    assert status == 200
    by_id = {purpose["id"]: purpose for purpose in body["purposes"]}
    assert (by_id["marketing_emails"]["direct_marketing"], by_id["marketing_emails"]["objectable"]) == (True, True)
    assert (by_id["analytics"]["direct_marketing"], by_id["analytics"]["objectable"]) == (False, False)
    assert by_id["account"]["objectable"] is False  # required (contract): nothing to object to


def _purposes(context: Any, **headers: str) -> dict[str, Any]:
    event = load_event("consent_api/get_purposes.json")
    event.setdefault("headers", {}).update(headers)
    return consent_api.lambda_handler(event, context)


def test_the_catalog_is_cacheable_by_browsers_and_cdns_with_a_strong_etag(aws, context):
    # When the banner asks for the catalog
    response = _purposes(context)
    # Then browsers and CDNs may keep it and revalidate it in the background, under a strong tag
    assert response["statusCode"] == 200
    cache_control = response["headers"]["Cache-Control"]
    assert cache_control.startswith("public")
    assert re.search(r"max-age=\d+", cache_control)
    assert re.search(r"stale-while-revalidate=\d+", cache_control)
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["headers"]["ETag"])  # strong: no W/ prefix


def test_a_revalidation_with_the_current_etag_answers_304_without_a_body(aws, context):
    # Given the tag of the catalog a browser holds
    etag = _purposes(context)["headers"]["ETag"]
    # When it revalidates with it (alone, weakly, or among others)
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = _purposes(context, **{"if-none-match": if_none_match})
        # Then it answers 304, with no body, the same tag and the same caching rules
        assert response["statusCode"] == 304, if_none_match
        assert not response.get("body")
        assert response["headers"]["ETag"] == etag
        assert response["headers"]["Cache-Control"].startswith("public")


def test_a_revalidation_with_an_old_etag_gets_the_catalog(aws, context):
    response = _purposes(context, **{"if-none-match": '"0123456789abcdef0123456789abcdef"'})
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["purposes"]


def test_the_catalog_answers_in_the_language_negotiated_and_says_it_varies_by_it(aws, context):
    # Given a browser that prefers Romanian, then English
    response = _purposes(context, **{"accept-language": "ro-RO,ro;q=0.9,en;q=0.8"})
    # Then it gets the catalog in Romanian (the policy's words), says so, and tells caches that the answer depends
    # on Accept-Language
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Language"] == "ro"
    assert response["headers"]["Vary"] == "Accept-Language"
    assert json.loads(response["body"])["purposes"]


def test_a_request_without_accept_language_gets_the_default_language(aws, context):
    response = _purposes(context)
    assert response["headers"]["Content-Language"] == "en"  # every policy's default
    assert response["headers"]["Vary"] == "Accept-Language"


def test_an_unreadable_accept_language_falls_back_to_the_default_instead_of_failing(aws, context):
    response = _purposes(context, **{"accept-language": "!!; q=bogus, " + "x" * 2000})
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Language"] == "en"  # every policy's default


def test_a_304_carries_the_language_and_vary_of_the_200_it_stands_for(aws, context):
    etag = _purposes(context, **{"accept-language": "en"})["headers"]["ETag"]
    response = _purposes(context, **{"accept-language": "en", "if-none-match": etag})
    assert response["statusCode"] == 304
    assert response["headers"]["Content-Language"] == "en"
    assert response["headers"]["Vary"] == "Accept-Language"


def test_each_language_of_the_catalog_has_its_own_words_and_etag(aws, context):
    # When the banner asks for the catalog in English and in Romanian
    english = _purposes(context, **{"accept-language": "en"})
    romanian = _purposes(context, **{"accept-language": "ro-RO,ro;q=0.9"})
    # Then each comes in its language, with the policy's own words, under its own tag
    assert (english["headers"]["Content-Language"], romanian["headers"]["Content-Language"]) == ("en", "ro")
    assert english["headers"]["ETag"] != romanian["headers"]["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', romanian["headers"]["ETag"])
    english_titles = {p["id"]: p["title"] for p in json.loads(english["body"])["purposes"]}
    romanian_titles = {p["id"]: p["title"] for p in json.loads(romanian["body"])["purposes"]}
    assert english_titles.keys() == romanian_titles.keys()
    assert english_titles != romanian_titles


def test_answers_about_a_subject_are_never_cached(aws, context):
    sub = new_subject()
    response = consent_api.lambda_handler(as_subject(load_event("consent_api/get_my_consents.json"), sub), context)
    assert response["statusCode"] == 200
    assert response["headers"]["Cache-Control"] == "no-store"


def test_a_new_subject_sees_the_catalog_defaults(aws, context):
    # Given a subject who never decided anything
    sub = new_subject()
    # When they read their consents
    status, body = invoke(my_consents(sub), context)
    # Then consent purposes are not granted, required ones are granted, and nothing is stale
    assert status == 200
    consents = body["consents"]
    assert consents["analytics"]["granted"] is False
    assert consents["login"]["granted"] is True
    for view in consents.values():
        assert view["granted"] is view["required"]
        assert view["stale"] is False
        assert view["decided"] is False


# ---------------------------------------------------------------- changes, receipts


def test_granted_purposes_read_back_as_granted_from_the_banner(aws, context):
    # Given a subject who grants analytics and refuses newsletters from the banner
    sub = new_subject()
    grant(context, sub, analytics=True, newsletters=False)
    # When they read their consents
    consents = consents_of(context, sub)
    # Then analytics shows granted, newsletters refused, both decided from the banner
    analytics = consents["analytics"]
    assert (analytics["granted"], analytics["decided"], analytics["stale"]) == (True, True, False)
    assert analytics["source"] == "banner"
    assert consents["newsletters"]["granted"] is False
    assert consents["newsletters"]["source"] == "banner"


def test_a_change_returns_a_receipt_naming_each_purpose_with_its_legal_basis(aws, context):
    # Given the sample PUT /me/consents event (analytics granted, newsletters refused, from Chrome)
    sub = new_subject()
    event = as_subject(load_event("consent_api/put_my_consents.json"), sub)
    # When it is handled
    status, receipt = invoke(event, context)
    # Then the receipt has an id, names the subject and each purpose with its legal basis and decision
    assert status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", receipt["receipt_id"])
    assert receipt["subject"] == sub
    assert receipt["collection_method"] == "banner via Chrome"
    by_purpose = {item["purpose"]: item for item in receipt["purposes"]}
    assert set(by_purpose) == {"analytics", "newsletters"}
    assert by_purpose["analytics"]["legal_basis"] == "consent"
    assert by_purpose["analytics"]["decision"] is True
    assert by_purpose["newsletters"]["decision"] is False


def test_a_receipt_can_be_fetched_again_by_its_id(aws, context):
    # Given a subject holding the receipt of a change
    sub = new_subject()
    receipt = grant(context, sub, analytics=True)
    # When they ask for it by id (the sample GET receipt event)
    status, body = invoke(my_receipt(sub, receipt["receipt_id"]), context)
    # Then they get the very same receipt
    assert status == 200
    assert body == receipt


def test_another_subject_cannot_read_someone_elses_receipt(aws, context):
    # Given a receipt of one subject
    owner = new_subject()
    receipt = grant(context, owner, analytics=True)
    # When another subject asks for that receipt id
    status, body = invoke(my_receipt(new_subject(), receipt["receipt_id"]), context)
    # Then it does not exist for them
    assert status == 404
    assert body["error"] == "not_found"


def test_a_withdrawal_after_a_grant_shows_both_events_newest_first(aws, context):
    # Given a subject who granted analytics and then withdrew it
    sub = new_subject()
    grant(context, sub, analytics=True)
    grant(context, sub, analytics=False)
    # When they read their history
    items = history_of(context, sub)
    # Then both events are there, the withdrawal first, recording what it replaced
    assert [(item["purpose"], item["decision"], item["previous"]) for item in items] == [
        ("analytics", False, True),
        ("analytics", True, None),
    ]


# ---------------------------------------------------------------- rejected changes


def test_refusing_a_required_purpose_is_rejected_and_writes_nothing(aws, context):
    # Given a subject who tries to refuse the strictly necessary "login" purpose
    sub = new_subject()
    # When the change is submitted
    status, body = invoke(consents_put(sub, {"analytics": True, "login": False}), context)
    # Then it is refused as a required purpose, and nothing is recorded
    assert status == 422
    assert body["error"] == "required_purpose"
    assert history_of(context, sub) == []


def test_an_unknown_purpose_is_rejected(aws, context):
    # Given a change naming a purpose that is not in the catalog
    sub = new_subject()
    # When it is submitted
    status, body = invoke(consents_put(sub, {"telepathy": True}), context)
    # Then it is rejected as an unknown purpose
    assert status == 422
    assert body["error"] == "unknown_purpose"
    assert history_of(context, sub) == []


def test_a_non_boolean_decision_is_rejected_without_echoing_the_value(aws, context):
    # Given a change whose decision is the string "yes" instead of a boolean
    sub = new_subject()
    # When it is submitted
    status, body = invoke(consents_put(sub, {"analytics": "yes"}), context)
    # Then it is a validation error that never sends the submitted value back
    assert status == 422
    assert body["error"] == "validation_error"
    assert "yes" not in body["message"]
    assert "yes" not in json.dumps(body["details"])


def test_an_unknown_top_level_field_is_rejected(aws, context):
    # Given a change with a field the API does not define
    sub = new_subject()
    # When it is submitted
    status, body = invoke(consents_put(sub, {"analytics": True}, remember_me=True), context)
    # Then it is rejected and nothing is recorded
    assert status == 422
    assert body["error"] == "validation_error"
    assert history_of(context, sub) == []


# ---------------------------------------------------------------- Global Privacy Control


def test_gpc_turns_a_third_party_sharing_grant_into_a_refusal(aws, context):
    # Given a browser sending Sec-GPC: 1 that grants targeted advertising and analytics
    sub = new_subject()
    event = consents_put(sub, {"third_party_sharing": True, "analytics": True})
    event["headers"]["sec-gpc"] = "1"
    # When the change is submitted
    status, receipt = invoke(event, context)
    # Then targeted advertising is recorded refused by GPC, while analytics (not covered by GPC) is granted
    assert status == 200
    assert receipt["gpc_signal"] is True
    by_purpose = {item["purpose"]: item for item in receipt["purposes"]}
    assert (by_purpose["third_party_sharing"]["decision"], by_purpose["third_party_sharing"]["source"]) == (
        False,
        "gpc",
    )
    assert (by_purpose["analytics"]["decision"], by_purpose["analytics"]["source"]) == (True, "banner")
    consents = consents_of(context, sub)
    assert (consents["third_party_sharing"]["granted"], consents["third_party_sharing"]["source"]) == (False, "gpc")
    assert (consents["analytics"]["granted"], consents["analytics"]["source"]) == (True, "banner")


def test_an_acknowledged_gpc_conflict_records_the_explicit_grant(aws, context):
    # Given a browser sending Sec-GPC: 1 whose user confirmed the grant despite the conflict
    sub = new_subject()
    event = consents_put(sub, {"third_party_sharing": True}, gpc_conflict_acknowledged=True)
    event["headers"]["sec-gpc"] = "1"
    # When the change is submitted
    status, receipt = invoke(event, context)
    # Then targeted advertising is recorded granted, and the receipt proves the acknowledgement
    assert status == 200
    assert receipt["gpc_conflict_acknowledged"] is True
    assert receipt["purposes"][0]["decision"] is True
    consents = consents_of(context, sub)
    assert (consents["third_party_sharing"]["granted"], consents["third_party_sharing"]["source"]) == (True, "banner")


@pytest.mark.parametrize("acknowledgement", ["yes", 1, "true"])
def test_a_gpc_acknowledgement_that_is_not_a_boolean_is_rejected(aws, context, acknowledgement):
    # Given a browser sending Sec-GPC: 1 whose client sends an acknowledgement that is not a plain boolean
    sub = new_subject()
    event = consents_put(sub, {"third_party_sharing": True}, gpc_conflict_acknowledged=acknowledgement)
    event["headers"]["sec-gpc"] = "1"
    # When the change is submitted
    status, body = invoke(event, context)
    # Then it is a validation error and nothing is granted: overriding GPC needs an unambiguous true
    assert status == 422
    assert body["error"] == "validation_error"
    assert history_of(context, sub) == []


# ---------------------------------------------------------------- history pagination


def test_history_pages_follow_the_next_cursor(aws, context):
    # Given a subject with three changes
    sub = new_subject()
    grant(context, sub, analytics=True)
    grant(context, sub, surveys=True)
    grant(context, sub, analytics=False)
    # When they read the history two at a time (the sample event asks limit=2) and follow the cursor
    status, first = invoke(as_subject(load_event("consent_api/get_my_consent_history.json"), sub), context)
    assert status == 200
    status, second = invoke(my_history(sub, limit=2, cursor=first["next"]), context)
    # Then the first page has two items and a cursor, the second the last item and no cursor
    assert status == 200
    assert len(first["items"]) == 2
    assert first["next"]
    assert len(second["items"]) == 1
    assert second["next"] is None
    sequences = [item["sequence"] for item in first["items"] + second["items"]]
    assert sequences == [3, 2, 1]


def test_a_forged_history_cursor_is_rejected(aws, context):
    # Given a cursor pointing at a receipt item rather than a history page
    sub = new_subject()
    receipt = grant(context, sub, analytics=True)
    forged = base64.urlsafe_b64encode(f"RECEIPT#{receipt['receipt_id']}".encode()).decode().rstrip("=")
    # When it is used to page the history
    status, body = invoke(my_history(sub, limit=2, cursor=forged), context)
    # Then it is refused as an invalid cursor
    assert status == 400
    assert body["error"] == "invalid_cursor"


# ---------------------------------------------------------------- anonymous visitors


def test_a_visitor_records_and_reads_consents_without_a_token(aws, context):
    # Given the sample visitor events, which carry no authorizer claims
    put = load_event("consent_api/put_visitor_consents.json")
    assert "authorizer" not in put["requestContext"]
    # When the visitor records analytics granted and newsletters refused, then reads back
    status, receipt = invoke(put, context)
    assert status == 200
    status, body = invoke(load_event("consent_api/get_visitor_consents.json"), context)
    # Then the receipt names the visitor and the decisions read back as recorded
    assert status == 200
    assert receipt["subject"] == f"visitor:{VISITOR_ID}"
    assert body["consents"]["analytics"]["granted"] is True
    assert body["consents"]["newsletters"]["granted"] is False
    assert body["consents"]["newsletters"]["decided"] is True


def test_a_receipt_states_that_its_country_was_claimed_by_the_client(aws, context):
    # Given a direct API call whose client sets CloudFront's country header itself
    event = visitor_put(str(uuid.uuid4()), {"analytics": True})
    event["headers"]["cloudfront-viewer-country"] = "fr"
    # When the visitor records a decision
    status, receipt = invoke(event, context)
    # Then the receipt keeps the country, marked as what the client claimed, not as a verified location
    assert status == 200
    assert (receipt["jurisdiction"], receipt["jurisdiction_source"]) == ("FR", "client_claim")


@pytest.mark.parametrize("header", ["<script>", "F", "12", "FRA"])
def test_a_country_header_that_is_no_country_code_is_not_recorded(aws, context, header):
    # Given a client sending a country header that is no two-letter code
    event = visitor_put(str(uuid.uuid4()), {"analytics": True})
    event["headers"]["cloudfront-viewer-country"] = header
    # When the visitor records a decision
    status, receipt = invoke(event, context)
    # Then the receipt records no jurisdiction rather than the client's text
    assert status == 200
    assert (receipt["jurisdiction"], receipt["jurisdiction_source"]) == (None, None)


@pytest.mark.parametrize("visitor_id", ["short", "bad id!"])
def test_a_malformed_visitor_id_is_rejected(aws, context, visitor_id):
    # Given a visitor id that is not a 16-64 character url-safe id
    event = visitor_put(visitor_id, {"analytics": True})
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/visitors/{visitor_id.replace(' ', '%20')}/consents"
    # When the visitor tries to record a decision under it
    status, body = invoke(event, context)
    # Then the request is invalid
    assert status == 422
    assert body["error"] == "validation_error"


def test_visitor_records_expire_after_the_consent_max_age(aws, context, ddb):
    # Given a visitor who records a decision
    visitor_id = uuid.uuid4().hex
    status, _ = invoke(visitor_put(visitor_id, {"analytics": True}), context)
    assert status == 200
    # When the raw state item is read
    item = ddb.get_item(
        TableName=aws.physical_ids["SubjectsTable"],
        Key={"pk": {"S": f"VISITOR#{visitor_id}"}, "sk": {"S": "CONSENTS"}},
    )["Item"]
    # Then it carries a TTL about 396 days ahead (the 13 months a cookie choice may be relied upon)
    expected = (datetime.now(UTC) + timedelta(days=396)).timestamp()
    assert abs(int(item["expires_at"]["N"]) - expected) < 120


def test_a_consent_lifetime_longer_than_the_policys_stops_the_consent_api_at_cold_start(aws, context, monkeypatch):
    # Given a stack whose CONSENT_MAX_AGE_DAYS would rely on a decision a day past the policy's 396 days
    monkeypatch.setenv("CONSENT_MAX_AGE_DAYS", "397")
    wiring.reset()
    # When the consent service is built, Then it refuses, naming the setting and the policy
    with pytest.raises(ConfigurationError, match="CONSENT_MAX_AGE_DAYS 397 exceeds the imind policy's 396 days"):
        wiring.consent.consents()
    # And no decision is recorded under it: the request fails
    assert invoke(visitor_put(uuid.uuid4().hex, {"analytics": True}), context)[0] == 500


def test_a_shorter_consent_lifetime_is_applied_as_configured(aws, context, ddb, monkeypatch):
    # Given a stack that asks again after 180 days, sooner than the policy requires (and keeps a visitor's chain that
    # lifetime plus the accountability period: 180 + 1095)
    monkeypatch.setenv("CONSENT_MAX_AGE_DAYS", "180")
    monkeypatch.setenv("VISITOR_AUDIT_RETENTION_DAYS", "1275")
    wiring.reset()
    visitor_id = uuid.uuid4().hex
    # When a visitor records a decision
    assert invoke(visitor_put(visitor_id, {"analytics": True}), context)[0] == 200
    # Then the visitor's record expires 180 days ahead
    item = ddb.get_item(
        TableName=aws.physical_ids["SubjectsTable"],
        Key={"pk": {"S": f"VISITOR#{visitor_id}"}, "sk": {"S": "CONSENTS"}},
    )["Item"]
    assert abs(int(item["expires_at"]["N"]) - (datetime.now(UTC) + timedelta(days=180)).timestamp()) < 120


# ---------------------------------------------------------------- claim


def test_claiming_copies_only_the_newer_visitor_decisions(aws, context):
    # Given a subject who refused analytics, then a visitor who granted analytics and surveys,
    # then the subject refusing surveys (newer than the visitor's choice)
    sub, visitor_id = new_subject(), uuid.uuid4().hex
    grant(context, sub, analytics=False)
    assert invoke(visitor_put(visitor_id, {"analytics": True, "surveys": True}), context)[0] == 200
    grant(context, sub, surveys=False)
    # When the subject claims the visitor's choices
    status, body = invoke(claim(sub, visitor_id), context)
    # Then only the newer visitor decision (analytics) is copied, recorded as a claim
    assert status == 200
    assert body["claimed"] is True
    assert body["receipt_id"]
    consents = consents_of(context, sub)
    assert (consents["analytics"]["granted"], consents["analytics"]["source"]) == (True, "claim")
    assert (consents["surveys"]["granted"], consents["surveys"]["source"]) == (False, "banner")


def test_a_claimed_visitor_record_is_deleted(aws, context, ddb):
    # Given a visitor with decisions (the sample visitor PUT) and the sample claim event naming it
    assert invoke(load_event("consent_api/put_visitor_consents.json"), context)[0] == 200
    event = as_subject(load_event("consent_api/claim_visitor.json"), new_subject())
    # When the subject claims it
    status, _ = invoke(event, context)
    # Then nothing of the visitor remains
    assert status == 200
    assert partition(ddb, aws.physical_ids["SubjectsTable"], f"VISITOR#{VISITOR_ID}") == []
    status, body = invoke(visitor_get(VISITOR_ID), context)
    assert status == 200
    assert body["consents"]["analytics"]["decided"] is False


def test_claiming_an_unknown_visitor_is_not_found(aws, context):
    # Given a visitor id with no record
    sub = new_subject()
    # When a subject claims it
    status, body = invoke(claim(sub, uuid.uuid4().hex), context)
    # Then it is not found and the subject's consents are untouched
    assert status == 404
    assert body["error"] == "not_found"
    assert history_of(context, sub) == []


@pytest.fixture
def reword(aws, tmp_path, monkeypatch) -> Callable[[str], str]:
    """Deploys a new policy version that rewords one purpose (as the e2e tests do); returns the new version."""

    def deploy(purpose_id: str) -> str:
        publish_policy_version(tmp_path, wiring.shared.settings().policy, "2099-01-01", reword=purpose_id)
        monkeypatch.setenv("POLICY_DOCUMENTS", str(tmp_path))
        wiring.reset(secrets=False)  # the deployment's functions start again (cold), with the new version
        return "2099-01-01"

    return deploy


def visitor_view(context: Any, visitor_id: str, purpose: str) -> dict[str, Any]:
    status, body = invoke(visitor_get(visitor_id), context)
    assert status == 200, body
    return body["consents"][purpose]  # type: ignore[no-any-return]


def test_a_claimed_grant_given_under_old_wording_stays_stale(aws, context, reword):
    # Given a visitor who granted analytics, whose wording has since changed (the visitor's view says stale)
    sub, visitor_id = new_subject(), uuid.uuid4().hex
    assert invoke(visitor_put(visitor_id, {"analytics": True}), context)[0] == 200
    given = visitor_view(context, visitor_id, "analytics")
    reword("analytics")
    assert visitor_view(context, visitor_id, "analytics")["stale"] is True
    # When the visitor signs in and the banner claims the record
    assert invoke(claim(sub, visitor_id), context)[0] == 200
    # Then the subject's grant is still the one given under the old wording: stale, with its own version and time
    analytics = consents_of(context, sub)["analytics"]
    assert (analytics["granted"], analytics["stale"], analytics["source"]) == (True, True, "claim")
    assert (analytics["policy_version"], analytics["at"]) == (given["policy_version"], given["at"])


def test_a_claimed_banner_choice_keeps_its_age(aws, context, clock):
    # Given a visitor who granted analytics a year ago and signs in now
    sub, visitor_id = new_subject(), uuid.uuid4().hex
    assert invoke(visitor_put(visitor_id, {"analytics": True}), context)[0] == 200
    clock.advance_days(365)
    assert invoke(claim(sub, visitor_id), context)[0] == 200
    # When 40 more days pass (13 months since the choice, 40 days since the claim)
    clock.advance_days(40)
    # Then the grant is stale: it is as old as the choice, not as the claim
    assert consents_of(context, sub)["analytics"]["stale"] is True


def test_the_claim_receipt_and_history_say_when_it_was_claimed_and_what(aws, context, clock):
    # Given a visitor who granted analytics, and signs in 30 days later
    sub, visitor_id = new_subject(), uuid.uuid4().hex
    assert invoke(visitor_put(visitor_id, {"analytics": True}), context)[0] == 200
    given = visitor_view(context, visitor_id, "analytics")
    clock.advance_days(30)
    # When the record is claimed
    status, body = invoke(claim(sub, visitor_id), context)
    # Then the receipt is dated at the claim and names, per purpose, when and under which version it was given
    assert status == 200
    receipt = invoke(my_receipt(sub, body["receipt_id"]), context)[1]
    given_at = datetime.fromisoformat(given["at"])
    assert datetime.fromisoformat(receipt["timestamp"]) - given_at >= timedelta(days=30)
    (purpose,) = receipt["purposes"]
    assert (purpose["purpose"], purpose["decision"], purpose["source"]) == ("analytics", True, "claim")
    assert (datetime.fromisoformat(purpose["decided_at"]), purpose["policy_version"]) == (
        given_at,
        given["policy_version"],
    )
    # And the history item is dated at the claim, with the time the choice was made
    (item,) = history_of(context, sub)
    assert datetime.fromisoformat(item["at"]) == datetime.fromisoformat(receipt["timestamp"])
    assert datetime.fromisoformat(item["decided_at"]) == given_at
    assert (item["decision"], item["source"], item["policy_version"]) == (True, "claim", given["policy_version"])


def test_newest_wins_compares_when_choices_were_made_not_when_they_were_claimed(aws, context, clock):
    # Given a visitor who granted analytics, and ten days later (another browser) refused it,
    # and the subject claimed the older grant first
    sub, first, second = new_subject(), uuid.uuid4().hex, uuid.uuid4().hex
    assert invoke(visitor_put(first, {"analytics": True}), context)[0] == 200
    clock.advance_days(10)
    assert invoke(visitor_put(second, {"analytics": False}), context)[0] == 200
    clock.advance_days(10)
    assert invoke(claim(sub, first), context)[0] == 200
    # When the newer refusal is claimed
    assert invoke(claim(sub, second), context)[0] == 200
    # Then the refusal wins: it is the newest choice
    analytics = consents_of(context, sub)["analytics"]
    assert (analytics["granted"], analytics["source"]) == (False, "claim")


# ---------------------------------------------------------------- one-click unsubscribe


def test_one_click_unsubscribe_refuses_the_tokens_purpose(aws, context):
    # Given a subject who granted newsletters and a token the host application issued for it
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    # When the mail client posts List-Unsubscribe=One-Click to the link
    status, body = invoke(unsubscribe_post(token), context)
    # Then newsletters are now refused, recorded as an unsubscribe
    assert status == 200
    assert body["unsubscribed"] is True
    assert body["purpose"] == "newsletters"
    consents = consents_of(context, sub)
    assert (consents["newsletters"]["granted"], consents["newsletters"]["source"]) == (False, "unsubscribe")


def test_an_unsubscribe_token_works_only_once(aws, context):
    # Given a token already used to unsubscribe
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    assert invoke(unsubscribe_post(token), context)[0] == 200
    before = history_of(context, sub)
    # When it is posted again
    status, body = invoke(unsubscribe_post(token), context)
    # Then it is refused as used and the history is unchanged
    assert status == 400
    assert body["error"] == "token_used"
    assert history_of(context, sub) == before


def rotate_token_key(aws: Any) -> None:
    """A rotation as an operator does it: a new value becomes AWSCURRENT, the old one AWSPREVIOUS."""
    secrets = boto3.client("secretsmanager")
    secrets.put_secret_value(SecretId=aws.physical_ids["TokenKeySecret"], SecretString=uuid.uuid4().hex * 2)


def test_an_unsubscribe_link_sent_before_the_key_was_rotated_still_works(aws, context):
    # Given a link issued, then the token key rotated, and a new container
    from tests.integration.conftest import _clear_cached_clients

    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    rotate_token_key(aws)
    _clear_cached_clients()
    # When the link is used
    status, body = invoke(unsubscribe_post(token), context)
    # Then it unsubscribes, verified against the previous key
    assert status == 200, body
    assert consents_of(context, sub)["newsletters"]["granted"] is False


def test_a_link_issued_after_the_rotation_is_signed_with_the_new_key(aws, context):
    # Given the token key rotated
    sub = subscriber(context)
    rotate_token_key(aws)
    from tests.integration.conftest import _clear_cached_clients

    _clear_cached_clients()  # a container started after the rotation
    # When a link is issued, then it verifies against the current key alone
    token = issue_app_token(context, sub, "newsletters")
    assert verify_token(secret_of(aws, "TokenKeySecret"), token, now=datetime.now(UTC)).subject_id == sub


def test_a_container_holding_the_key_from_before_the_rotation_accepts_new_links(aws, context):
    # Given a warm container that cached the token key before the rotation
    sub = subscriber(context)
    issue_app_token(context, sub, "newsletters")  # caches the key in this container
    rotate_token_key(aws)
    # When a link signed with the new key reaches it
    token = issue_token(
        secret_of(aws, "TokenKeySecret"),
        subject_id=sub,
        purpose="newsletters",
        expires_at=datetime.now(UTC) + timedelta(days=1),
        token_id=uuid.uuid4().hex,
    )
    status, body = invoke(unsubscribe_post(token), context)
    # Then it is accepted: a failed check reads the secret's versions afresh
    assert status == 200, body


def test_a_tampered_unsubscribe_token_is_rejected(aws, context):
    # Given a valid token with one character in the middle changed
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    middle = len(token) // 2
    if token[middle] == ".":
        middle -= 1
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    # When it is posted
    status, body = invoke(unsubscribe_post(tampered), context)
    # Then it is refused as invalid and newsletters stay granted
    assert status == 400
    assert body["error"] == "invalid_token"
    assert consents_of(context, sub)["newsletters"]["granted"] is True


def test_unsubscribe_without_the_one_click_body_is_rejected(aws, context):
    # Given a valid token posted with an empty body (not RFC 8058 one-click)
    sub = subscriber(context)
    event = unsubscribe_post(issue_app_token(context, sub, "newsletters"))
    with_body(event, "")
    # When it is handled
    status, body = invoke(event, context)
    # Then it is a bad request and newsletters stay granted
    assert status == 400
    assert body["error"] == "bad_request"
    assert consents_of(context, sub)["newsletters"]["granted"] is True


def test_get_unsubscribe_explains_and_changes_nothing(aws, context):
    # Given a valid token, followed by a mail scanner with GET
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    # When GET /unsubscribe?token=... is handled
    status, body = invoke(unsubscribe_get(token), context)
    # Then it explains how to unsubscribe and nothing changes
    assert status == 200
    assert "List-Unsubscribe=One-Click" in body["message"]
    assert consents_of(context, sub)["newsletters"]["granted"] is True
    assert len(history_of(context, sub)) == 1


def test_a_user_token_cannot_issue_unsubscribe_tokens(aws, context):
    # Given the token-issuing event sent with a user's token (no privacy-app group)
    event = token_request(new_subject(), "newsletters")
    del event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"]
    # When it is handled
    status, body = invoke(event, context)
    # Then it is forbidden
    assert status == 403
    assert body["error"] == "forbidden"


def test_an_expired_unsubscribe_token_is_rejected(aws, context):
    # Given a correctly signed token that expired yesterday
    sub = subscriber(context)
    token = issue_token(
        secret_of(aws, "TokenKeySecret"),
        subject_id=sub,
        purpose="newsletters",
        expires_at=datetime.now(UTC) - timedelta(days=1),
        token_id=uuid.uuid4().hex,
    )
    # When it is posted
    status, body = invoke(unsubscribe_post(token), context)
    # Then it is refused as expired and newsletters stay granted
    assert status == 400
    assert body["error"] == "expired_token"
    assert consents_of(context, sub)["newsletters"]["granted"] is True


def post_link_of_a_gone_subject(aws: Any, ddb: Any, context: Any, sub: str, token: str) -> Any:
    """The unsubscribe link of `sub` posted: asserts that it answers gone (410, subject_gone) and leaves the subject's
    partition as it was; the answer's body."""
    table = aws.physical_ids["SubjectsTable"]
    left = partition(ddb, table, f"SUBJECT#{sub}")
    status, body = invoke(unsubscribe_post(token), context)
    assert status == 410
    assert body["error"] == "subject_gone"
    assert partition(ddb, table, f"SUBJECT#{sub}") == left
    return body


def test_an_unsubscribe_link_of_a_purged_subject_answers_gone_and_writes_nothing(aws, context, ddb):
    # Given a subscriber with a token from an old newsletter, who then deleted their account and was purged
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    purge(aws, context, sub)
    audit_records = ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"]
    # When the link is posted, Then it answers that the account is gone and its partition is left as it was
    body = post_link_of_a_gone_subject(aws, ddb, context, sub, token)
    # And the answer has no date or id, and nothing is written to the audit either
    assert sub not in json.dumps(body)
    assert ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"] == audit_records


def test_an_unsubscribe_link_outliving_the_purge_tombstone_still_writes_nothing(aws, context, ddb):
    # Given a purged subject whose tombstone has expired (it lasts 30 days; unsubscribe links last 60)
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    purge(aws, context, sub)
    table = aws.physical_ids["SubjectsTable"]
    ddb.delete_item(TableName=table, Key={"pk": {"S": f"SUBJECT#{sub}"}, "sk": {"S": "TOMBSTONE"}})
    # When the link is posted, Then it answers gone all the same and nothing comes back into the partition
    post_link_of_a_gone_subject(aws, ddb, context, sub, token)


def test_get_on_the_unsubscribe_link_of_a_purged_subject_answers_gone_too(aws, context):
    # Given a token of a purged subject, followed by a mail scanner
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    purge(aws, context, sub)
    # When GET /unsubscribe?token=... is handled
    status, body = invoke(unsubscribe_get(token), context)
    # Then it says what a POST would: the account is gone (instead of inviting a POST that cannot work)
    assert status == 410
    assert body["error"] == "subject_gone"


def test_an_unsubscribe_link_of_a_subject_pending_deletion_still_records_the_refusal(aws, context):
    # Given a subscriber with a token, who deleted their account (pending: the restore window is open)
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    wiring.erasure.erasure().schedule_deletion(sub, "user_request", actor="subject")
    # When the link is posted
    status, body = invoke(unsubscribe_post(token), context)
    # Then the refusal is recorded (the partition is purged with the rest when the window ends)
    assert status == 200
    assert body["unsubscribed"] is True
    state = wiring.consent.consents().store.load(Owner("subject", sub))
    assert (state.decisions["newsletters"].granted, state.decisions["newsletters"].source) == (False, "unsubscribe")


def test_an_unsubscribe_link_of_a_subject_due_for_purge_writes_nothing(aws, context, ddb):
    # Given a subscriber whose restore window has ended, whose purge may already be deleting the partition
    # (the profile goes last)
    sub = subscriber(context)
    token = issue_app_token(context, sub, "newsletters")
    wiring.erasure.erasure().schedule_deletion(sub, "user_request", actor="subject", grace=timedelta(0))
    # When the link is posted, Then it answers gone and writes nothing the purge could miss
    post_link_of_a_gone_subject(aws, ddb, context, sub, token)


def test_no_unsubscribe_token_is_issued_for_a_subject_without_a_profile(aws, context):
    # Given a subject id with no profile (never signed up, or purged)
    sub = new_subject()
    # When the host application asks for an unsubscribe token
    status, body = invoke(token_request(sub, "newsletters"), context)
    # Then it is not found and no token is given
    assert status == 404
    assert body["error"] == "not_found"
    assert "token" not in body


def test_no_unsubscribe_token_is_issued_for_a_purged_subject(aws, context):
    # Given a purged subject
    sub = subscriber(context)
    purge(aws, context, sub)
    # When the host application asks for an unsubscribe token
    status, body = invoke(token_request(sub, "newsletters"), context)
    # Then it is not found
    assert status == 404
    assert body["error"] == "not_found"


# ---------------------------------------------------------------- audit and outbox


def test_a_change_appends_one_pseudonymous_audit_record(aws, context, ddb):
    # Given a subject who makes one change
    sub = new_subject()
    grant(context, sub, analytics=True)
    # When the audit table is read
    items = ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"]
    # Then it holds exactly one record, naming the subject by pseudonym, with no subject id or e-mail
    assert len(items) == 1
    record = items[0]
    assert record["subject"]["S"] != sub
    assert record["subject"]["S"] == pseudonym_of(secret_of(aws, "PseudonymKeySecret"), sub)
    raw = json.dumps(items)
    assert sub not in raw
    assert not EMAIL.search(raw)


def test_history_items_carry_a_consent_changed_outbox_event(aws, context, ddb):
    # Given a subject who grants analytics
    sub = new_subject()
    grant(context, sub, analytics=True)
    # When the history items are read raw
    items = [
        item
        for item in partition(ddb, aws.physical_ids["SubjectsTable"], f"SUBJECT#{sub}")
        if item["sk"]["S"].startswith("CONSENTEVT#")
    ]
    # Then each carries a ConsentChanged outbox event describing the change
    assert len(items) == 1
    outbox = json.loads(items[0]["outbox"]["S"])
    assert outbox["detail_type"] == "ConsentChanged"
    detail = outbox["detail"]
    assert {key: detail[key] for key in ("subject_id", "purpose", "previous", "decision", "source")} == {
        "subject_id": sub,
        "purpose": "analytics",
        "previous": None,
        "decision": True,
        "source": "banner",
    }
