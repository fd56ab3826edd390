"""Deleting an account under a policy without a restore window (issue #18; Intermind, Mindomo, Imocloud:
`erasure.restore_window_days: 0`, purged at once): the privacy center says the deletion is immediate and final, and
neither promises nor offers a restore after it."""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page
from tests.e2e.conftest import Cloud, own_cloud
from tests.support import ROOT


@pytest.fixture(scope="module")
def intermind_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from own_cloud(tmp_path_factory, "browser-cloud-intermind", "--policy", "intermind")


@pytest.fixture
def intermind_page(browser: Any, intermind_cloud: Cloud) -> Iterator[Any]:
    yield from _new_page(browser, intermind_cloud)


def _words() -> dict[str, str]:
    parts = ["center", "consents", "account"]
    return {k: v for part in parts for k, v in json.loads((ROOT / f"web/i18n/{part}/en.json").read_text()).items()}


def test_a_product_without_a_restore_window_offers_no_restore_after_the_deletion(intermind_page, screenshot):
    page, words = intermind_page, _words()
    assert page.request.get("/policy").json()["erasure"]["restore_window_days"] == 0
    # Given a signed-in user of a product that purges at once
    page.goto("/")
    page.get_by_label(words["username"]).fill(f"final-{uuid.uuid4().hex[:10]}")
    page.get_by_role("button", name=words["signIn"], exact=True).click()
    expect(page.get_by_role("heading", name=words["consentsTitle"])).to_be_visible()
    # Then the deletion card says the deletion is immediate and final, and promises no restore window
    card = page.get_by_role("region", name=words["deleteTitle"])
    expect(card).to_contain_text(words["deleteTextFinal"])
    expect(card).not_to_contain_text(words["deleteText"])
    # When they delete their account
    page.get_by_role("button", name=words["deleteStart"]).click()
    page.get_by_role("button", name=words["deleteYes"]).click()
    # Then nothing offers or promises a restore: no Restore button, the deletion said to be final
    expect(page.locator("#status")).to_contain_text(words["deletedFinal"])
    expect(page.get_by_role("button", name=words["restore"])).to_have_count(0)
    expect(page.get_by_text(words["pendingRestore"])).to_have_count(0)
    screenshot(page, "deleted-without-restore")
