"""GET /me/recipients' answer made from each product's policy (GDPR Art. 19): every recipient, and the purposes each
one serves, titled in the language asked for."""

import pytest

from policy.loader import load_policy
from policy.recipients import recipients_view

PRODUCTS = ("imind", "intermind", "mindomo", "imocloud")


@pytest.mark.parametrize("product", PRODUCTS)
def test_every_recipient_of_the_policy_is_listed_with_its_disclosure(product: str) -> None:
    policy = load_policy(product)
    view = recipients_view(policy, "en")
    assert (view.product, view.version, view.language) == (product, policy.version, "en")
    assert [(i.name, i.role, i.purpose, i.country, i.safeguard) for i in view.items] == [
        (r.name, r.role, r.purpose, r.country, r.safeguard) for r in policy.recipients
    ]


@pytest.mark.parametrize("product", PRODUCTS)
def test_each_purpose_naming_a_recipient_is_listed_under_it(product: str) -> None:
    policy = load_policy(product)
    view = {item.name: {p.id for p in item.purposes} for item in recipients_view(policy).items}
    for purpose in policy.purposes:
        for name in purpose.recipients:
            assert purpose.id in view[name]


def test_a_cookie_vendor_serves_the_purpose_of_its_cookie() -> None:
    # Given iMind's social media buttons, whose recipients are the networks that set them
    view = {item.name: item for item in recipients_view(load_policy("imind"), "ro").items}
    # Then Facebook serves that purpose, titled in Romanian
    (served,) = view["Facebook"].purposes
    assert served.id == "social_media_buttons"
    assert served.title == next(p.title["ro"] for p in load_policy("imind").purposes if p.id == "social_media_buttons")


def test_a_language_the_policy_lacks_is_answered_in_its_default() -> None:
    assert recipients_view(load_policy("mindomo"), "ja").language == "en"
