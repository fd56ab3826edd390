"""The privacy center's policy section (issue #18, deliverable 5; GDPR Art. 13/15): from GET /policy, in the page's
language, the user's rights, how long each kind of record is kept (in words), a link to who receives the data, the
controller's contact and the right to complain to the supervisory authority. Its words load only when it is opened."""

import json
import re
import uuid
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.support import ROOT

LOCALES = {"en": "en-GB", "de": "de-DE"}
# A period of whole years in words, as Intl says it in each language (the number comes from the policy)
YEARS = {"en": "{n} years", "de": "{n} Jahre"}


def _words(lang):
    parts = ["center", "consents", "policy"]
    return {k: v for part in parts for k, v in json.loads((ROOT / f"web/i18n/{part}/{lang}.json").read_text()).items()}


def _sign_in(page, words):
    page.goto("/")
    expect(page.get_by_role("heading", name=words["signInTitle"])).to_be_visible()
    page.get_by_label(words["username"]).fill(f"policy-{uuid.uuid4().hex[:10]}")
    page.get_by_role("button", name=words["signIn"], exact=True).click()
    expect(page.get_by_role("heading", name=words["consentsTitle"])).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_policy_section_shows_rights_retention_recipients_contact_and_complaint_in_the_language(
    page_with, cloud, lang, screenshot
):
    words = _words(lang)
    page = page_with(locale=LOCALES[lang])
    fetched = []
    page.on("request", lambda r: "/i18n/policy/" in r.url and fetched.append(urlparse(r.url).path))
    policy = page.request.get("/policy", headers={"Accept-Language": lang}).json()
    # Given a signed-in user: the policy's words are not fetched until the section is opened
    _sign_in(page, words)
    expect(page.locator("#policy")).to_be_hidden()
    assert fetched == []
    # When they open the policy section
    page.get_by_role("link", name=words["navPolicy"]).click()
    section = page.get_by_role("region", name=words["policyTitle"])
    expect(section).to_be_visible()
    assert fetched == [f"/i18n/policy/{lang}.json"]
    # Then the controller's contact e-mail, as a link to write to
    email = policy["controller"]["contact_email"]
    expect(section.get_by_role("link", name=email)).to_have_attribute("href", f"mailto:{email}")
    expect(section).to_contain_text(words["controllerText"].format(name=policy["controller"]["name"]))
    # And the supervisory authority, linked, under the right to complain
    authority = policy["supervisory_authority"]
    expect(section.get_by_role("heading", name=words["policyComplaint"])).to_be_visible()
    expect(section.get_by_role("link", name=authority["name"])).to_have_attribute("href", authority["url"])
    # And every right, in words
    expect(section.get_by_role("heading", name=words["policyRights"])).to_be_visible()
    rights = section.get_by_role("list").filter(has_text=words["right_access"]).get_by_role("listitem")
    expect(rights).to_have_text([words[f"right_{right}"] for right in policy["rights"]])
    # And how long each kind of record is kept, in words: a period of years, and "as long as the account exists"
    dated = next(r for r in policy["retention"] if re.fullmatch(r"P\d+Y", r["period"]))
    years = YEARS[lang].format(n=int(dated["period"][1:-1]))
    retention = section.get_by_role("table", name=words["policyRetention"])
    row = retention.get_by_role("row").filter(has_text=words[f"rc_{dated['category']}"])
    expect(row).to_contain_text(words["periodFrom"].format(period=years))
    expect(retention).to_contain_text(words["untilDeletion"])
    expect(retention).not_to_contain_text(dated["period"])
    expect(retention).not_to_contain_text("until_account_deletion")
    assert_no_axe_violations(page, f"center-{lang}-policy")
    screenshot(page)
    # And who receives the data: listed once, in the recipients section the policy links to
    section.get_by_role("link", name=words["recipientsSee"]).click()
    recipients = page.get_by_role("table", name=words["policyRecipients"])
    expect(recipients.get_by_role("row")).to_have_count(len(policy["recipients"]) + 1)
    expect(recipients).to_contain_text(policy["recipients"][0]["name"])
    expect(recipients).to_contain_text(words[f"role_{policy['recipients'][0]['role']}"])
    expect(page.locator("#recipients-title")).to_be_focused()


def test_the_policy_section_follows_a_change_of_language(page, cloud):
    en, de = _words("en"), _words("de")
    _sign_in(page, en)
    page.get_by_role("link", name=en["navPolicy"]).click()
    expect(page.get_by_role("heading", name=en["policyRights"])).to_be_visible()
    page.get_by_label("Language").select_option("de")
    expect(page.get_by_role("heading", name=de["policyRights"])).to_be_visible()
    expect(page.get_by_role("table", name=de["policyRetention"])).to_contain_text(de["untilDeletion"])
