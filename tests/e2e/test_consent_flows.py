"""Consent management end to end: real tokens, the local cloud, the local clock."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from localcloud.template import Stack
from tests.e2e.helpers import partition
from tests.support import publish_policy_version

pytestmark = pytest.mark.e2e
GRACE_DAYS = int(Stack.from_template().parameters["ErasureGraceDays"])  # the restore window the local cloud deploys
REFUSABLE = ["analytics", "surveys", "feature_testing", "site_preferences", "newsletters", "affiliate_tracking"]


def _user(cloud):
    return cloud.token(f"consent-{uuid.uuid4().hex[:10]}")


def _put(cloud, token, decisions, source="settings", **extra):
    return cloud.call("PUT", "/me/consents", token, json={"decisions": decisions, "source": source, **extra})


def _consents(cloud, token):
    answer = cloud.call("GET", "/me/consents", token)
    assert answer.status_code == 200
    return answer.json()["consents"]


def test_grant_then_withdraw_is_recorded_with_receipts(cloud):
    # Given a signed-in user who grants newsletters, then withdraws
    token = _user(cloud)
    granted = _put(cloud, token, {"newsletters": True})
    withdrawn = _put(cloud, token, {"newsletters": False})
    # Then the current state says refused, the history shows both changes newest first, and receipts are kept
    assert granted.status_code == withdrawn.status_code == 200
    assert _consents(cloud, token)["newsletters"]["granted"] is False
    history = cloud.call("GET", "/me/consents/history", token).json()["items"]
    assert [(i["decision"], i["previous"]) for i in history] == [(False, True), (True, None)]
    receipt = cloud.call("GET", f"/me/consents/receipts/{granted.json()['receipt_id']}", token).json()
    assert receipt["purposes"][0] == {
        "purpose": "newsletters",
        "title": receipt["purposes"][0]["title"],
        "decision": True,
        "legal_basis": "consent",
        "source": "settings",
        "decided_at": receipt["timestamp"],  # a choice made now: only a claimed one keeps an earlier time
        "policy_version": receipt["policy_version"],
    }


def test_gpc_blocks_a_grant_of_a_gpc_covered_purpose_but_not_of_others(cloud):
    # Given a browser sending Sec-GPC: 1
    token = _user(cloud)
    # When it grants affiliate tracking and analytics
    answer = _put(cloud, token, {"affiliate_tracking": True, "analytics": True}, source="banner", headers={})
    answer = cloud.call(
        "PUT",
        "/me/consents",
        token,
        json={"decisions": {"affiliate_tracking": True, "analytics": True}, "source": "banner"},
        headers={"Sec-GPC": "1"},
    )
    # Then affiliate tracking is recorded as refused by GPC, analytics as granted
    consents = _consents(cloud, token)
    assert answer.status_code == 200
    assert consents["affiliate_tracking"]["granted"] is False
    assert consents["affiliate_tracking"]["source"] == "gpc"
    assert consents["analytics"]["granted"] is True


def test_an_acknowledged_gpc_conflict_records_the_explicit_grant(cloud):
    token = _user(cloud)
    cloud.call(
        "PUT",
        "/me/consents",
        token,
        json={"decisions": {"affiliate_tracking": True}, "source": "banner", "gpc_conflict_acknowledged": True},
        headers={"Sec-GPC": "1"},
    )
    assert _consents(cloud, token)["affiliate_tracking"]["granted"] is True


def test_consent_goes_stale_after_thirteen_months(cloud):
    # Given a grant made today
    token = _user(cloud)
    _put(cloud, token, {"analytics": True})
    try:
        # When twelve months pass it still holds; after thirteen it is stale and must be asked again
        cloud.local("POST", "clock", {"advance_days": 365})
        assert _consents(cloud, token)["analytics"]["stale"] is False
        cloud.local("POST", "clock", {"advance_days": 32})
        assert _consents(cloud, token)["analytics"]["stale"] is True
    finally:
        cloud.local("POST", "clock", {"reset": True})


def test_consent_goes_stale_when_a_new_policy_version_rewords_the_purpose(cloud, policy_documents):
    # Given a grant of analytics and of surveys under the current policy
    token = _user(cloud)
    _put(cloud, token, {"analytics": True, "surveys": True})
    product = cloud.call("GET", "/policy").json()["product"]  # the policy the shared local cloud runs
    active = policy_documents / f"{product}.json"
    original = active.read_bytes()
    try:
        # When a new policy version rewords analytics and is deployed
        publish_policy_version(policy_documents, product, "2027-01-01", reword="analytics")
        cloud.local("POST", "restart")
        consents = cloud.call("GET", "/me/consents", token).json()
        # Then analytics is stale, surveys (unchanged wording) is not
        assert consents["policy_version"] == "2027-01-01"
        assert consents["consents"]["analytics"]["stale"] is True
        assert consents["consents"]["surveys"]["stale"] is False
    finally:
        active.write_bytes(original)
        cloud.local("POST", "restart")


def test_a_visitor_record_is_claimed_at_sign_in(cloud):
    # Given an anonymous visitor who accepted analytics in the banner
    visitor = str(uuid.uuid4())
    saved = cloud.call(
        "PUT", f"/visitors/{visitor}/consents", json={"decisions": {"analytics": True}, "source": "banner"}
    )
    assert saved.status_code == 200
    assert cloud.call("GET", f"/visitors/{visitor}/consents").json()["consents"]["analytics"]["granted"] is True
    # When they sign in and the banner claims the visitor record
    token = _user(cloud)
    claimed = cloud.call("POST", "/me/consents/claim", token, json={"visitor_id": visitor})
    # Then the subject has the decision and the visitor record is gone
    assert claimed.status_code == 200
    assert _consents(cloud, token)["analytics"]["granted"] is True
    assert cloud.call("GET", f"/visitors/{visitor}/consents").json()["consents"]["analytics"]["decided"] is False


def _issue_unsubscribe(cloud, subject_id, purpose="newsletters"):
    app_token = cloud.token(f"mailer-{uuid.uuid4().hex[:6]}", ["privacy-app"])
    answer = cloud.call("POST", f"/app/subjects/{subject_id}/unsubscribe-tokens", app_token, json={"purpose": purpose})
    assert answer.status_code == 200
    return answer.json()["token"]


def _one_click(cloud, token):
    return cloud.call(
        "POST",
        "/unsubscribe",
        params={"token": token},
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_one_click_unsubscribe_works_once(cloud):
    # Given a subscriber with a one-click unsubscribe token in a newsletter
    login = cloud.login(f"reader-{uuid.uuid4().hex[:8]}")
    _put(cloud, login["access_token"], {"newsletters": True})
    token = _issue_unsubscribe(cloud, login["sub"])
    # When a mail scanner follows the link (GET), nothing changes
    assert cloud.call("GET", "/unsubscribe", params={"token": token}).status_code == 200
    assert _consents(cloud, login["access_token"])["newsletters"]["granted"] is True
    # When the mail client posts the one-click unsubscribe
    first = _one_click(cloud, token)
    # Then newsletters are withdrawn without a login; the same token again is refused and changes nothing
    assert first.status_code == 200
    assert _consents(cloud, login["access_token"])["newsletters"]["source"] == "unsubscribe"
    history_before = cloud.call("GET", "/me/consents/history", login["access_token"]).json()["items"]
    again = _one_click(cloud, token)
    assert again.status_code == 400
    assert again.json()["error"] == "token_used"
    assert cloud.call("GET", "/me/consents/history", login["access_token"]).json()["items"] == history_before


def test_tampered_and_expired_unsubscribe_tokens_change_nothing(cloud):
    login = cloud.login(f"reader-{uuid.uuid4().hex[:8]}")
    _put(cloud, login["access_token"], {"newsletters": True})
    token = _issue_unsubscribe(cloud, login["sub"])
    middle = len(token) // 3
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    assert _one_click(cloud, tampered).json()["error"] == "invalid_token"
    try:
        cloud.local("POST", "clock", {"advance_days": 61})
        expired = _one_click(cloud, token)
        assert expired.status_code == 400
        assert expired.json()["error"] == "expired_token"
    finally:
        cloud.local("POST", "clock", {"reset": True})
    assert _consents(cloud, login["access_token"])["newsletters"]["granted"] is True


def test_an_unsubscribe_link_outliving_the_account_changes_nothing(cloud):
    # Given a subscriber who deleted their account and, on the last day of the restore window, got a newsletter
    login = cloud.login(f"reader-{uuid.uuid4().hex[:8]}")
    _put(cloud, login["access_token"], {"newsletters": True})
    assert cloud.call("DELETE", "/me", login["access_token"]).status_code == 202
    try:
        cloud.local("POST", "clock", {"advance_days": GRACE_DAYS - 1})
        token = _issue_unsubscribe(cloud, login["sub"])
        # When the account is purged and the link is followed, then posted
        cloud.local("POST", "clock", {"advance_days": 2})
        cloud.local("POST", "tick")
        looked = cloud.call("GET", "/unsubscribe", params={"token": token})
        posted = _one_click(cloud, token)
    finally:
        cloud.local("POST", "clock", {"reset": True})
    # Then both say the account is gone, and nothing came back into the purged partition
    assert (looked.status_code, looked.json()["error"]) == (410, "subject_gone")
    assert (posted.status_code, posted.json()["error"]) == (410, "subject_gone")
    left = partition(cloud, f"SUBJECT#{login['sub']}")
    assert {item["sk"]["S"] for item in left} == {"TOMBSTONE"}


def test_fifty_concurrent_changes_are_all_kept_and_the_state_is_the_last_commit(cloud):
    # Given one subject and fifty clients each setting a distinct combination of six purposes
    token = _user(cloud)
    combos = [{p: bool(i >> bit & 1) for bit, p in enumerate(REFUSABLE)} for i in range(50)]
    start = threading.Barrier(50)

    def change(decisions):
        start.wait()
        return _put(cloud, token, decisions).status_code

    # When they all PUT at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(change, combos))
    # Then every change committed, the history holds all of them, and the state equals the last commit
    assert statuses == [200] * 50
    items, cursor = [], None
    while True:
        page = cloud.call(
            "GET", "/me/consents/history", token, params={"limit": 100, **({"cursor": cursor} if cursor else {})}
        ).json()
        items += page["items"]
        if not (cursor := page["next"]):
            break
    assert sorted({i["sequence"] for i in items}) == list(range(1, 51))
    assert len(items) == 50 * len(REFUSABLE)
    last = {i["purpose"]: i["decision"] for i in items if i["sequence"] == 50}
    assert last in combos
    current = _consents(cloud, token)
    assert {p: current[p]["granted"] for p in REFUSABLE} == last


def test_every_consent_4xx_explains_itself(cloud):
    token = _user(cloud)
    answers = [
        _put(cloud, token, {"login": False}),
        _put(cloud, token, {"no_such_purpose": True}),
        cloud.call("PUT", "/me/consents", token, json={"decisions": {}, "source": "banner"}),
        cloud.call("GET", "/visitors/bad!/consents"),
        cloud.call("GET", "/me/consents/receipts/" + "0" * 32, token),
        cloud.call("GET", "/me/consents/history", token, params={"cursor": "forged"}),
        cloud.call("POST", "/me/consents/claim", token, json={"visitor_id": str(uuid.uuid4())}),
        cloud.call("POST", f"/app/subjects/{uuid.uuid4()}/unsubscribe-tokens", token, json={"purpose": "newsletters"}),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500
        body = answer.json()
        assert body["error"]
        assert len(body["message"]) > 10
