"""Steps the operator console's browser tests share: signing in, making requests to look at, finding rows."""

import uuid
from datetime import datetime
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Cloud


def operator_sign_in(page: Any, username: str | None = None) -> None:
    """Signs in at /admin/ through the local form as a privacy-admin member, and waits for the queue."""
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Operator sign-in")).to_be_visible()
    page.get_by_label("Username").fill(username or f"op-{uuid.uuid4().hex[:10]}")
    expect(page.get_by_label("Make this account a member of privacy-admin")).to_be_checked()
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Request queue")).to_be_visible()


def subject_request(cloud: Cloud, kind: str = "access") -> tuple[dict[str, Any], dict[str, Any]]:
    """A new subject and the export request they made in the privacy center (left `received`: nothing drains)."""
    login = cloud.login(f"subject-{uuid.uuid4().hex[:10]}")
    answer = cloud.call("POST", "/me/requests", login["access_token"], json={"type": kind})
    assert answer.status_code == 202, answer.text
    return login, answer.json()


def admin(cloud: Cloud, method: str, path: str) -> Any:
    """What the API says, asked with an operator token of its own (the console's view checked from outside)."""
    answer = cloud.call(method, path, cloud.token(f"checker-{uuid.uuid4().hex[:8]}", ["privacy-admin"]))
    assert answer.ok, answer.text
    return answer.json()


def server_now(cloud: Cloud) -> datetime:
    return datetime.fromisoformat(cloud.local("GET", "clock")["now"])


def queue_row(page: Any, request: dict[str, Any]) -> Any:
    return page.locator(f'#queue-rows tr[data-request="{request["request_id"]}"]')


def status(page: Any) -> Any:
    return page.locator("#status")


def confirm(page: Any, label: str) -> None:
    """Presses the confirmation dialog's button `label`, and waits for the dialog to close."""
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=label).click()
    expect(dialog).to_be_hidden()


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Presses Tab until the element `selector` has focus (fails after `limit` presses)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got focus after {limit} Tab presses")


def apply_filters(page: Any) -> None:
    """Applies the queue's filters and waits for the new rows (the table is aria-busy while they load)."""
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#queue-table")).not_to_have_attribute("aria-busy", "true")


def wait_until(page: Any, condition: Any, seconds: int = 15) -> None:
    """Lets the page run (route handlers included, which run only while Playwright is called) until `condition()`."""
    for _ in range(seconds * 10):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still not so after {seconds} s")
