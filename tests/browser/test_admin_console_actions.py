"""The operator console's request actions beyond extend and reject (test_admin_console.py): marking a connected system
done, on a local cloud deployed with connected systems; and one call per action, however often it is pressed."""

import uuid

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.console import admin, confirm, operator_sign_in, status, subject_request, wait_until
from tests.e2e.conftest import CONNECTED_SYSTEMS


def test_an_operator_marks_a_connected_system_done(systems_page, systems_cloud, screenshot):
    # Given a request on a stack whose connected systems report on each request, and an operator on its page
    page = systems_page
    _, request = subject_request(systems_cloud)
    first, second = CONNECTED_SYSTEMS
    operator_sign_in(page)
    page.goto(f"/admin/#/requests/{request['request_id']}")
    systems = page.locator("#systems-list")
    expect(systems.get_by_role("button")).to_have_text([f"Mark {first} done…", f"Mark {second} done…"])
    assert_no_axe_violations(page, "console-request-systems")
    # When they mark the first system done
    systems.get_by_role("button", name=f"Mark {first} done…").click()
    dialog = page.get_by_role("dialog", name=f"Mark {first} done?")
    # Then the console says first what that records, and that it cannot be undone
    expect(dialog).to_contain_text(f"records that {first} finished its part")
    expect(dialog).to_contain_text("cannot be undone")
    confirm(page, f"Yes, {first} is done")
    # And, confirmed, it is recorded: announced, listed as done, no longer offered, and in the audit records
    expect(status(page)).to_contain_text(f"{first} is marked done")
    expect(systems.get_by_role("button")).to_have_text([f"Mark {second} done…"])
    expect(page.locator('#request-facts dt:text-is("Systems done") + dd')).to_have_text(first)
    expect(page.locator("#request-audit-rows")).to_contain_text("request.system_completed")
    stored = admin(systems_cloud, "GET", f"/admin/requests/{request['request_id']}")
    assert (stored["systems_done"], stored["systems_pending"]) == ([first], [second])
    screenshot(page, "one-done")
    # When the last one is marked done too
    systems.get_by_role("button", name=f"Mark {second} done…").click()
    confirm(page, f"Yes, {second} is done")
    # Then no system has work pending
    expect(status(page)).to_contain_text(f"{second} is marked done")
    expect(page.locator("#systems-none")).to_be_visible()
    stored = admin(systems_cloud, "GET", f"/admin/requests/{request['request_id']}")
    assert (stored["systems_done"], stored["systems_pending"]) == (list(CONNECTED_SYSTEMS), [])


def test_an_action_pressed_again_while_its_call_is_under_way_sends_one_call(page, cloud):
    # Given an operator on a request's page, whose extension call the network holds for a while
    _, request = subject_request(cloud)
    held = []
    page.route("**/admin/requests/*/extend", lambda route: held.append(route))
    operator_sign_in(page)
    page.goto(f"/admin/#/requests/{request['request_id']}")
    page.get_by_label("Reason for the extension").fill(f"Several connected systems hold the data {uuid.uuid4().hex}")
    extend = page.get_by_role("button", name="Extend the deadline…")
    # When they extend it, confirm, and press the button again while the call is under way
    extend.click()
    confirm(page, "Yes, extend the deadline")
    wait_until(page, lambda: held)
    expect(extend).to_have_attribute("aria-disabled", "true")
    extend.click(force=True)
    # Then nothing more is asked or sent: the one call goes on and is announced once it answers
    expect(page.get_by_role("dialog")).to_be_hidden()
    held[0].continue_()
    expect(status(page)).to_contain_text("Deadline extended")
    assert len(held) == 1
    assert admin(cloud, "GET", f"/admin/requests/{request['request_id']}")["extended"] is True
