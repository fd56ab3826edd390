"""The cookie banner on a host page (web/demo.html), in Chromium, saving to the local cloud."""

import datetime as dt

import pytest
from playwright.sync_api import expect

GPC_REASON = "Turned off by your browser's Global Privacy Control signal"
FOCUS = """() => {
  const active = document.activeElement;
  return {inDialog: !!(active && active.closest('[role=dialog]')), text: (active && active.textContent || '').trim(),
          id: active && active.id};
}"""


@pytest.fixture(scope="module")
def catalog(cloud):
    return cloud.call("GET", "/consent/purposes").json()["purposes"]


@pytest.fixture(scope="module")
def refusable(catalog):
    return [p["id"] for p in catalog if not p["required"]]


@pytest.fixture(scope="module")
def gpc_covered(catalog):
    return [p["id"] for p in catalog if p["gpc_opt_out"] and not p["required"]]


def _open_demo(page):
    page.goto("/demo.html")
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog).to_be_visible()
    return dialog


def _decisions(page):
    return page.evaluate("window.PrivacyConsent.get()")


def _visitor(page):
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "privacy_visitor" in cookies, "the banner did not keep a visitor id"
    return cookies["privacy_visitor"]


def _server(cloud, visitor_id):
    answer = cloud.call("GET", f"/visitors/{visitor_id}/consents")
    assert answer.status_code == 200
    return answer.json()["consents"]


def _choose(page, dialog, button):
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_be_hidden()


def test_accept_all_grants_every_refusable_purpose_and_loads_analytics(page, cloud, refusable, screenshot):
    # Given a first-time visitor on a host page: the banner asks, nothing optional is loaded, no cookie is set yet
    dialog = _open_demo(page)
    assert page.evaluate("window.analyticsLoaded") is False
    assert _decisions(page) is None
    assert not [c for c in page.context.cookies() if c["name"] == "privacy_visitor"]
    # And Accept all and Reject all are equally prominent: same class, same size, same colours, one click each
    accept = dialog.get_by_role("button", name="Accept all", exact=True)
    reject = dialog.get_by_role("button", name="Reject all", exact=True)
    assert accept.get_attribute("class") == reject.get_attribute("class")
    accept_box, reject_box = accept.bounding_box(), reject.bounding_box()
    assert abs(accept_box["width"] - reject_box["width"]) < 1
    assert abs(accept_box["height"] - reject_box["height"]) < 1
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color, getComputedStyle(e).fontSize]"
    assert accept.evaluate(style) == reject.evaluate(style)
    screenshot(page, "banner")
    # When they accept all
    _choose(page, dialog, "Accept all")
    # Then every refusable purpose is granted, the host page loaded analytics and shows the decisions
    decisions = _decisions(page)
    assert {p: decisions[p] for p in refusable} == dict.fromkeys(refusable, True)
    assert page.evaluate("window.analyticsLoaded") is True
    expect(page.locator("#decisions")).to_contain_text('"analytics": true')
    # And the server agrees
    cookie = _visitor(page)
    consents = _server(cloud, cookie["value"])
    assert {p: (consents[p]["decided"], consents[p]["granted"]) for p in refusable} == dict.fromkeys(
        refusable, (True, True)
    )
    # And the visitor cookie is first-party, SameSite=Lax, kept about 13 months
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # the local cloud is plain http; on https the banner adds Secure
    days = (dt.datetime.fromtimestamp(cookie["expires"]) - dt.datetime.now()).days
    assert 390 <= days <= 397
    screenshot(page)
    # And on the next visit the banner stays away: everything is decided and nothing is stale
    page.reload()
    expect(page.locator("#decisions")).to_contain_text('"analytics": true')
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.evaluate("window.analyticsLoaded") is True


def test_reject_all_refuses_everything_and_loads_no_analytics(page, cloud, refusable, screenshot):
    # Given a first-time visitor
    dialog = _open_demo(page)
    # When they reject all, with one click
    _choose(page, dialog, "Reject all")
    # Then every refusable purpose is refused and analytics is not loaded, now or on the next visit
    decisions = _decisions(page)
    assert {p: decisions[p] for p in refusable} == dict.fromkeys(refusable, False)
    assert page.evaluate("window.analyticsLoaded") is False
    consents = _server(cloud, _visitor(page)["value"])
    assert {p: (consents[p]["decided"], consents[p]["granted"]) for p in refusable} == dict.fromkeys(
        refusable, (True, False)
    )
    page.reload()
    expect(page.locator("#decisions")).to_contain_text('"analytics": false')
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.evaluate("window.analyticsLoaded") is False
    screenshot(page)


def test_customize_grants_only_analytics(page, cloud, catalog, refusable, screenshot):
    # Given a first-time visitor who opens the detailed choices
    dialog = _open_demo(page)
    toggle = dialog.get_by_role("button", name="Customize")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # Then required purposes are on, cannot be changed and say so; optional ones start off
    for purpose in catalog:
        box = dialog.get_by_role("checkbox", name=purpose["title"], exact=True)
        if purpose["required"]:
            expect(box).to_be_checked()
            expect(box).to_be_disabled()
            expect(page.locator(f"#pc-purpose-{purpose['id']}-note")).to_have_text("Always on")
        else:
            expect(box).not_to_be_checked()
            expect(box).to_be_enabled()
    # When they tick only "Usage analytics" (through its label) and save
    dialog.get_by_text("Usage analytics", exact=True).click()
    screenshot(page, "customize")
    _choose(page, dialog, "Save my choices")
    # Then analytics alone is granted, in the page and on the server, and analytics is loaded
    decisions = _decisions(page)
    expected = {p: p == "analytics" for p in refusable}
    assert {p: decisions[p] for p in refusable} == expected
    assert page.evaluate("window.analyticsLoaded") is True
    consents = _server(cloud, _visitor(page)["value"])
    assert {p: consents[p]["granted"] for p in refusable} == expected
    screenshot(page)


def test_gpc_purposes_are_refused_with_the_reason_even_after_accept_all(
    gpc_page, cloud, catalog, refusable, gpc_covered, screenshot
):
    page = gpc_page
    # Given a browser that sends the Global Privacy Control signal
    dialog = _open_demo(page)
    assert page.evaluate("navigator.globalPrivacyControl") is True
    # When the visitor opens the detailed choices
    dialog.get_by_role("button", name="Customize").click()
    # Then every GPC-covered purpose is off, disabled, and says why; the others can still be chosen
    titles = {p["id"]: p["title"] for p in catalog}
    for purpose in refusable:
        box = dialog.get_by_role("checkbox", name=titles[purpose], exact=True)
        if purpose in gpc_covered:
            expect(box).not_to_be_checked()
            expect(box).to_be_disabled()
            note = page.locator(f"#pc-purpose-{purpose}-note")
            expect(note).to_be_visible()
            expect(note).to_have_text(GPC_REASON)
            assert f"pc-purpose-{purpose}-note" in (box.get_attribute("aria-describedby") or "")
        else:
            expect(box).to_be_enabled()
    page.locator("#pc-purpose-newsletters-note").scroll_into_view_if_needed()
    screenshot(page, "customize")
    # When they accept all
    _choose(page, dialog, "Accept all")
    # Then GPC-covered purposes stay refused, in the page and on the server; the others are granted
    decisions = _decisions(page)
    expected = {p: p not in gpc_covered for p in refusable}
    assert {p: decisions[p] for p in refusable} == expected
    assert page.evaluate("window.analyticsLoaded") is True
    consents = _server(cloud, _visitor(page)["value"])
    assert {p: consents[p]["granted"] for p in refusable} == expected
    screenshot(page)


def test_cookie_settings_link_reopens_the_banner_to_change_a_choice(page, cloud, refusable, screenshot):
    # Given a visitor who accepted all
    dialog = _open_demo(page)
    _choose(page, dialog, "Accept all")
    assert _decisions(page)["analytics"] is True
    page.evaluate("window.__events = []; window.PrivacyConsent.onChange(d => window.__events.push(d)); 0")
    # When they open "Cookie settings" from the page footer
    link = page.get_by_role("link", name="Cookie settings")
    link.click()
    # Then the banner shows again with their current choices, the details already open, focus inside it
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Customize")).to_have_attribute("aria-expanded", "true")
    analytics = dialog.get_by_role("checkbox", name="Usage analytics", exact=True)
    expect(analytics).to_be_checked()
    assert page.evaluate(FOCUS)["inDialog"] is True
    # When they withdraw analytics and save
    analytics.uncheck()
    screenshot(page, "reopened")
    _choose(page, dialog, "Save my choices")
    # Then the page and the server have analytics refused, the rest still granted, and listeners were told
    decisions = _decisions(page)
    assert {p: decisions[p] for p in refusable} == {p: p != "analytics" for p in refusable}
    consents = _server(cloud, _visitor(page)["value"])
    assert consents["analytics"]["granted"] is False
    assert consents["surveys"]["granted"] is True
    events = page.evaluate("window.__events")
    assert len(events) == 1
    assert events[0]["analytics"] is False
    expect(page.locator("#decisions")).to_contain_text('"analytics": false')
    # And focus went back to the link that opened the banner
    assert page.evaluate(FOCUS)["id"] == "cookie-settings"
    # And PrivacyConsent.open() reopens it too
    page.evaluate("window.PrivacyConsent.open()")
    expect(dialog).to_be_visible()
    screenshot(page)


def test_keyboard_only_focus_is_trapped_escape_does_not_dismiss_enter_accepts(page, cloud, refusable, screenshot):
    # Given a first-time visitor using only the keyboard
    dialog = _open_demo(page)
    # Then focus moved into the dialog when it opened
    assert page.evaluate(FOCUS)["inDialog"] is True
    # When they press Escape, the banner stays: no choice is implied
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    assert _decisions(page) is None
    # When they open the details with the keyboard
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS)["text"].startswith("Customize"):
            break
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Customize")).to_have_attribute("aria-expanded", "true")
    # Then Tab and Shift+Tab, many times, never leave the dialog
    for key in ["Tab"] * 45 + ["Shift+Tab"] * 45:
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS)
        assert focus["inDialog"], f"{key} moved focus out of the dialog, to {focus}"
    # And a checkbox reached with Tab shows a visible focus ring and toggles with Space
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "pc-purpose-analytics":
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused checkbox shows no focus ring"
    page.keyboard.press("Space")
    expect(dialog.get_by_role("checkbox", name="Usage analytics", exact=True)).to_be_checked()
    screenshot(page, "focus")
    # When they Tab to "Accept all" and press Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS)["text"] == "Accept all":
            break
    else:
        pytest.fail("Tab never reached Accept all")
    page.keyboard.press("Enter")
    # Then the banner closes with everything granted
    expect(dialog).to_be_hidden()
    decisions = _decisions(page)
    assert {p: decisions[p] for p in refusable} == dict.fromkeys(refusable, True)
    screenshot(page)


LOAD_FAILED = "Your privacy choices could not be loaded"


def _catalog_outage(page, failures=None):
    """GET /consent/purposes answers 503 (the first `failures` times, or until outage["down"] is set to False)."""
    outage = {"down": True, "failed": 0}

    def answer(route):
        if outage["down"] and (failures is None or outage["failed"] < failures):
            outage["failed"] += 1
            return route.fulfill(status=503, json={"error": "unavailable", "message": "Service Unavailable"})
        return route.continue_()

    page.route("**/consent/purposes", answer)
    return outage


def test_cookie_settings_loads_the_choices_again_after_the_catalog_failed_once(page, cloud, refusable, screenshot):
    # Given a returning visitor who rejected all, and whose next visit met one failed catalog load
    _choose(page, _open_demo(page), "Reject all")
    outage = _catalog_outage(page, failures=1)
    page.reload()
    page.wait_for_function("window.PrivacyConsent")
    page.evaluate("window.PrivacyConsent.ready")
    assert outage["failed"] == 1
    expect(page.get_by_role("dialog")).to_have_count(0)
    # When they open "Cookie settings" to change their mind
    page.get_by_role("link", name="Cookie settings").click()
    # Then the banner loads the choices again and shows them, with their stored decisions
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("checkbox", name="Usage analytics", exact=True)).not_to_be_checked()
    screenshot(page)
    # And the choice they make now is saved
    _choose(page, dialog, "Accept all")
    consents = _server(cloud, _visitor(page)["value"])
    assert {p: consents[p]["granted"] for p in refusable} == dict.fromkeys(refusable, True)
    assert _decisions(page)["analytics"] is True


def test_while_the_choices_cannot_load_the_banner_says_so_and_try_again_recovers(page, cloud, refusable, screenshot):
    # Given a first-time visitor while the consent API cannot serve the catalog
    outage = _catalog_outage(page)
    page.goto("/demo.html")
    # Then the banner shows an alert saying the choices could not be loaded, with a way to try again
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text(LOAD_FAILED)
    assert page.evaluate(FOCUS)["inDialog"] is True
    screenshot(page, "failed")
    # When they try again while it still fails, they are told again
    failed = outage["failed"]
    dialog.get_by_role("button", name="Try again").click()
    expect(dialog.get_by_role("alert")).to_contain_text(LOAD_FAILED)
    assert outage["failed"] == failed + 1
    # When the API is back and they try again
    outage["down"] = False
    dialog.get_by_role("button", name="Try again").click()
    # Then the choices are shown, the alert is gone, and Reject all is saved
    expect(dialog.get_by_role("button", name="Reject all", exact=True)).to_be_visible()
    expect(dialog.get_by_text(LOAD_FAILED)).to_have_count(0)
    assert page.evaluate(FOCUS)["inDialog"] is True
    _choose(page, dialog, "Reject all")
    consents = _server(cloud, _visitor(page)["value"])
    assert {p: consents[p]["granted"] for p in refusable} == dict.fromkeys(refusable, False)
    screenshot(page)


def test_a_banner_that_cannot_load_can_be_closed_and_reopened_from_cookie_settings(page, cloud):
    # Given a first-time visitor looking at the banner's load error
    outage = _catalog_outage(page)
    page.goto("/demo.html")
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog.get_by_role("alert")).to_contain_text(LOAD_FAILED)
    # When they close it
    dialog.get_by_role("button", name="Close").click()
    # Then it is gone, nothing was decided and no cookie was set
    expect(dialog).to_be_hidden()
    assert _decisions(page) is None
    assert not [c for c in page.context.cookies() if c["name"] == "privacy_visitor"]
    # When the API is back and they open "Cookie settings"
    outage["down"] = False
    page.get_by_role("link", name="Cookie settings").click()
    # Then the banner shows the choices
    expect(dialog.get_by_role("button", name="Accept all", exact=True)).to_be_visible()
    expect(dialog.get_by_text(LOAD_FAILED)).to_have_count(0)
