"""The operator console's audit chains and deletion certificates, verified in Chromium with WebCrypto against the
published key; and the console under the Content-Security-Policy the distribution serves it with."""

import json
import uuid

import pytest
import requests
from playwright.sync_api import expect

from localcloud.template import Stack
from tests.browser.axe import assert_no_axe_violations
from tests.browser.console import operator_sign_in, subject_request
from tests.browser.test_privacy_center_csp import VIOLATIONS, deployed_policy
from tests.e2e.helpers import events_of, pseudonym


@pytest.fixture(scope="module")
def purged(cloud):
    """A subject who deleted their account, purged the day after the restore window: (pseudonym, certificate id)."""
    grace_days = int(Stack.from_template().template["Parameters"]["ErasureGraceDays"]["Default"])
    login = cloud.login(f"purged-{uuid.uuid4().hex[:10]}")
    assert cloud.call("DELETE", "/me", login["access_token"]).status_code == 202
    try:
        cloud.local("POST", "clock", {"advance_days": grace_days + 1})
        cloud.local("POST", "tick")
    finally:
        cloud.local("POST", "clock", {"reset": True})
    (event,) = [e for e in events_of(cloud, "SubjectPurged") if e["detail"]["subject_id"] == login["sub"]]
    return pseudonym(cloud, login["sub"]), event["detail"]["certificate_id"]


def _changed_once(text: str, at: int) -> str:
    """`text` with the one character at `at` replaced by another (ASCII in, ASCII out: one byte)."""
    return text[:at] + ("1" if text[at] != "1" else "2") + text[at + 1 :]


def test_a_certificate_verifies_in_the_browser_after_a_purge_and_fails_when_one_byte_changes(
    page, cloud, purged, screenshot
):
    name, certificate_id = purged
    # Given an operator on the audit screen
    operator_sign_in(page)
    page.get_by_role("link", name="Audit and certificates").click()
    # When they look up the purged subject's chain
    page.get_by_label("Subject pseudonym").fill(name)
    page.get_by_role("button", name="Verify the chain").click()
    # Then it verifies, every record anchored, and its signed head verifies in the browser
    expect(page.locator("#audit-verdict")).to_contain_text("Verified The chain of")
    facts = page.locator("#audit-facts")
    expect(facts).to_contain_text("records are anchored in the write-once store")
    expect(facts).to_contain_text("Signature verified offline in this browser")
    purge_record = page.locator("#audit-rows tr", has_text="subject.purged")
    expect(purge_record).to_have_count(1)
    assert_no_axe_violations(page, "console-audit")
    screenshot(page, "chain")
    # When they open the certificate its purge record names
    purge_record.get_by_role("link", name=certificate_id).click()
    # Then the browser verified it offline, and it shows what was deleted, naming the subject by pseudonym only
    verdict = page.locator("#certificate-verdict")
    expect(verdict).to_contain_text("Verified offline")
    expect(verdict).to_contain_text("exactly what was signed")
    expect(page.locator("#certificate-facts")).to_contain_text(name)
    expect(page.locator("#certificate-facts")).to_contain_text("Deleted")
    assert_no_axe_violations(page, "console-certificate")
    screenshot(page, "verified")

    # When one byte of the signed message is changed on its way to the browser
    def message_changed(route):
        response = route.fetch()
        signed = response.json()
        signed["signed_message"] = _changed_once(
            signed["signed_message"], signed["signed_message"].index(certificate_id)
        )
        route.fulfill(response=response, body=json.dumps(signed))

    page.route(f"**/admin/certificates/{certificate_id}", message_changed)
    page.reload()
    # Then the signature no longer verifies, and the console says so
    expect(verdict).to_contain_text("Failed")
    expect(verdict).to_contain_text("The signature does not match the signed message")
    screenshot(page, "tampered")
    page.unroute(f"**/admin/certificates/{certificate_id}")

    # When instead the certificate shown differs by one byte from the message that was signed
    def body_changed(route):
        response = route.fetch()
        signed = response.json()
        signed["certificate"]["purged_at"] = _changed_once(signed["certificate"]["purged_at"], 3)
        route.fulfill(response=response, body=json.dumps(signed))

    page.route(f"**/admin/certificates/{certificate_id}", body_changed)
    page.reload()
    # Then the console refuses it too: what it shows is not what was signed
    expect(verdict).to_contain_text("The certificate shown is not the one that was signed")


def test_a_malformed_pseudonym_is_refused_before_asking_the_api(page):
    operator_sign_in(page)
    page.goto("/admin/#/audit")
    page.get_by_label("Subject pseudonym").fill("not-a-pseudonym")
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.get_by_role("alert")).to_contain_text("64 hexadecimal characters")


@pytest.mark.xdist_group("browser")  # the browser tests' local cloud: no second one on another worker
def test_the_local_cloud_serves_the_console_at_admin_like_cloudfront(cloud):
    # Given the local cloud's static files
    # Then /admin is sent to /admin/, whose page is the console's index.html
    moved = requests.get(f"{cloud.url}/admin", allow_redirects=False, timeout=10)
    assert (moved.status_code, moved.headers["location"]) == (301, "/admin/")
    page = requests.get(f"{cloud.url}/admin/", timeout=10)
    assert page.status_code == 200
    assert "<title>Operator console</title>" in page.text
    assert requests.get(f"{cloud.url}/admin/console.js", timeout=10).headers["content-type"].endswith("javascript")


def test_the_console_works_under_its_deployed_content_security_policy(page, cloud, purged, screenshot):
    # Given the console served with the privacy center's deployed policy, and a request in the queue
    name, certificate_id = purged
    _, request = subject_request(cloud)
    policy = deployed_policy()
    page.context.add_init_script(VIOLATIONS)

    def with_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route(
        lambda url: url.split("#")[0].split("?")[0] in (f"{cloud.url}/admin/", f"{cloud.url}/admin/index.html"),
        with_policy,
    )
    # When an operator signs in, opens a request, a chain and a certificate
    operator_sign_in(page)
    page.goto(f"/admin/#/requests/{request['request_id']}")
    expect(page.locator("#request-audit-rows")).to_contain_text("request.received")
    page.goto(f"/admin/#/audit/{name}")
    expect(page.locator("#audit-facts")).to_contain_text("Signature verified offline")
    page.goto(f"/admin/#/certificates/{certificate_id}")
    expect(page.locator("#certificate-verdict")).to_contain_text("Verified offline")
    screenshot(page)
    # Then the policy blocked nothing (scripts, styles, WebCrypto, API calls), and the stylesheet applied
    assert page.evaluate("window.cspViolations") == []
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
