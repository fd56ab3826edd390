"""The cookie banner in every language, each state checked by axe-core (WCAG 2.2 A and AA), by keyboard alone,
with reduced motion, and without a request to anyone but the site before consent."""

import json
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.support import ROOT

LANGUAGES = ["en", "ro", "de", "fr", "es", "it"]
WORDS = {lang: json.loads((ROOT / "web" / "i18n" / "banner" / f"{lang}.json").read_text("utf-8")) for lang in LANGUAGES}
LOCALES = {"en": "en-GB", "ro": "ro-RO", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT"}
FOCUS = "() => ({inDialog: !!document.activeElement.closest('[role=dialog]'), id: document.activeElement.id,"
FOCUS += " text: document.activeElement.textContent.trim()})"


def _word_files(requests):
    return sorted(urlparse(r.url).path for r in requests if "/i18n/" in r.url)


def _tab_to(page, text, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS)["text"] == text:
            return
    pytest.fail(f"Tab never reached {text!r}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_state_of_the_banner_in_each_language_has_no_axe_violation(page_with, cloud, lang, screenshot):
    # Given a visitor whose browser prefers the language
    page = page_with(locale=LOCALES[lang])
    sent = []
    page.on("request", lambda r: sent.append(r))
    words = WORDS[lang]
    # When the banner opens: the first layer, in that language, fetching only that language's words
    page.goto("/demo.html")
    dialog = page.get_by_role("dialog", name=words["title"])
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=words["accept"], exact=True)).to_be_visible()
    assert page.locator(".pc-root").get_attribute("lang") == lang
    assert _word_files(sent) == [f"/i18n/banner/{lang}.json"]
    assert_no_axe_violations(page, f"banner-{lang}-first-layer")
    screenshot(page, "first-layer")
    # And the detailed choices
    dialog.get_by_role("button", name=words["customize"]).click()
    expect(dialog.get_by_role("button", name=words["save"])).to_be_visible()
    assert_no_axe_violations(page, f"banner-{lang}-customize")
    screenshot(page, "customize")
    # And once saved: the banner is gone and says so
    dialog.get_by_role("button", name=words["save"]).click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text=words["saved"])).to_be_visible()
    assert_no_axe_violations(page, f"banner-{lang}-saved")
    screenshot(page, "saved")


def test_data_lang_on_the_script_tag_wins_over_the_browsers_languages(page_with, cloud):
    # Given a German browser on a host page that embeds the banner in Italian
    page = page_with(locale="de-DE")
    page.route(
        "**/demo.html",
        lambda route: route.fulfill(
            response=route.fetch(),
            body=route.fetch().text().replace('<script src="banner.js"', '<script src="banner.js" data-lang="it"'),
        ),
    )
    # When the banner opens
    page.goto("/demo.html")
    # Then it speaks Italian
    expect(page.get_by_role("dialog", name=WORDS["it"]["title"])).to_be_visible()


def test_a_language_we_do_not_have_falls_back_to_the_next_the_browser_accepts_then_english(page_with, cloud):
    # Given a browser that prefers Japanese, then French
    page = page_with(locale="ja-JP", extra_http_headers={"Accept-Language": "ja-JP,fr;q=0.8"})
    page.add_init_script("Object.defineProperty(navigator, 'languages', {get: () => ['ja-JP', 'fr-FR']})")
    page.goto("/demo.html")
    # Then the banner speaks French
    expect(page.get_by_role("dialog", name=WORDS["fr"]["title"])).to_be_visible()
    # And a browser with only Japanese gets English
    only_japanese = page_with(locale="ja-JP")
    only_japanese.goto("/demo.html")
    expect(only_japanese.get_by_role("dialog", name=WORDS["en"]["title"])).to_be_visible()


def test_purposes_are_shown_in_the_language_the_api_answers_and_marked_when_it_differs(page_with, cloud, screenshot):
    # Given a German visitor, and an API whose catalog has no German (a policy in English only: the API answers in
    # the policy's default language, as a request for a language it lacks does)
    page = page_with(locale="de-DE")
    asked = []

    def english_only(route):
        asked.append(dict(route.request.headers))  # what the banner asked for
        route.continue_(headers={**route.request.headers, "accept-language": "en"})

    page.route("**/consent/purposes", english_only)
    page.goto("/demo.html")
    dialog = page.get_by_role("dialog", name=WORDS["de"]["title"])
    dialog.get_by_role("button", name=WORDS["de"]["customize"]).click()
    # Then the banner asked for German, and marks the English purpose texts as English for screen readers
    assert asked[0]["accept-language"] == "de"
    label = page.locator("label[for=pc-purpose-analytics]")
    expect(label).to_have_text("Usage analytics")
    expect(label).to_have_attribute("lang", "en")
    expect(page.locator("#pc-purpose-analytics-desc")).to_have_attribute("lang", "en")


def test_purposes_in_the_visitors_language_are_shown_as_the_api_words_them(page_with, cloud, screenshot):
    # Given an API that has the catalog in German (as the policy document will bring)
    page = page_with(locale="de-DE")

    def german(route):
        response = route.fetch()
        catalog = response.json()
        for purpose in catalog["purposes"]:
            if purpose["id"] == "analytics":
                purpose["title"], purpose["description"] = (
                    "Nutzungsanalyse",
                    "Wir messen, wie die Website genutzt wird.",
                )
        headers = {**response.headers, "content-language": "de"}
        route.fulfill(response=response, headers=headers, body=json.dumps(catalog))

    page.route("**/consent/purposes", german)
    # When the visitor opens the detailed choices
    page.goto("/demo.html")
    dialog = page.get_by_role("dialog", name=WORDS["de"]["title"])
    dialog.get_by_role("button", name=WORDS["de"]["customize"]).click()
    # Then the purpose reads in German, with nothing marked as another language
    box = dialog.get_by_role("checkbox", name="Nutzungsanalyse", exact=True)
    expect(box).to_be_visible()
    assert page.locator("label[for=pc-purpose-analytics]").get_attribute("lang") is None
    screenshot(page)


def test_nothing_is_requested_from_anyone_but_the_site_before_or_after_a_choice(page_with, cloud):
    # Given a first-time visitor, every request of the page recorded
    page = page_with(locale="fr-FR")
    sent = []
    page.on("request", lambda r: sent.append(r.url))
    page.goto("/demo.html")
    expect(page.get_by_role("dialog", name=WORDS["fr"]["title"])).to_be_visible()
    page.wait_for_load_state("networkidle")
    # Then every request went to the site itself, and no cookie is set before a choice
    assert sent
    assert [url for url in sent if not url.startswith(cloud.url + "/")] == []
    assert page.context.cookies() == []
    # And refusing everything keeps it so
    page.get_by_role("button", name=WORDS["fr"]["reject"], exact=True).click()
    page.wait_for_load_state("networkidle")
    assert [url for url in sent if not url.startswith(cloud.url + "/")] == []


def test_the_dialog_moves_only_for_visitors_who_did_not_ask_for_reduced_motion(page_with, cloud):
    animation = "getComputedStyle(document.querySelector('.pc-dialog')).animationName"
    still = page_with(reduced_motion="reduce")
    still.goto("/demo.html")
    expect(still.get_by_role("dialog")).to_be_visible()
    assert still.evaluate(animation) == "none"
    moving = page_with(reduced_motion="no-preference")
    moving.goto("/demo.html")
    expect(moving.get_by_role("dialog")).to_be_visible()
    assert moving.evaluate(animation) != "none"


def test_keyboard_only_reject_all_then_reopen_from_cookie_settings_and_save_one_purpose(page_with, cloud, screenshot):
    # Given a Spanish visitor using only the keyboard
    page = page_with(locale="es-ES")
    words = WORDS["es"]
    page.goto("/demo.html")
    dialog = page.get_by_role("dialog", name=words["title"])
    expect(dialog).to_be_visible()
    # When they Tab to "Reject all" and press Enter
    _tab_to(page, words["reject"])
    page.keyboard.press("Enter")
    # Then everything optional is refused, the banner is gone and focus is back on the page
    expect(dialog).to_be_hidden()
    assert page.evaluate("window.PrivacyConsent.get()")["analytics"] is False
    # When they Tab to the "Cookie settings" link and press Enter
    page.locator("body").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "cookie-settings":
            break
    page.keyboard.press("Enter")
    # Then the banner is back with the choices open and focus inside it
    expect(dialog).to_be_visible()
    assert page.evaluate(FOCUS)["inDialog"]
    # When they Tab to a purpose, tick it with Space, Tab to "Save my choices" and press Enter
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "pc-purpose-analytics":
            break
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")
    page.keyboard.press("Space")
    _tab_to(page, words["save"])
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")
    page.keyboard.press("Enter")
    # Then that purpose alone is granted, they are told so, and focus is back on the link
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text=words["saved"])).to_be_visible()
    assert page.evaluate("window.PrivacyConsent.get()")["analytics"] is True
    assert page.evaluate("window.PrivacyConsent.get()")["surveys"] is False
    assert page.evaluate("document.activeElement.id") == "cookie-settings"
    screenshot(page)


def test_every_word_file_of_the_banner_is_used_by_it():
    # Given the keys of the English words and the banner's code
    code = (ROOT / "web" / "banner.js").read_text("utf-8")
    used = set(re.findall(r"\bt\('([A-Za-z]+)'\)", code)) | {"cookie", "processing"}  # categories: t(category)
    # Then every key the banner asks for exists, and no key is dead weight in the 3 KB budget
    assert used == set(WORDS["en"])
