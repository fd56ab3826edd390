from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from domain.consent.catalog import LegalBasis, Purpose, PurposeCatalog, UnknownPurpose
from policy.catalog import to_purpose_catalog
from policy.loader import load_policy

PurposeFactory = Callable[..., dict[str, Any]]

COOKIE_CATEGORIES = {
    "account",
    "login",
    "surveys",
    "site_preferences",
    "newsletters",
    "order_processing",
    "forms",
    "analytics",
    "feature_testing",
    "affiliate_tracking",
    "social_media_buttons",
}
PROCESSING_PURPOSES = {"marketing_emails", "third_party_sharing"}


def imind_catalog() -> PurposeCatalog:
    """The catalog a stack running iMind's policy records decisions against (its only source: the policy)."""
    return to_purpose_catalog(load_policy("imind"))


@pytest.fixture
def purpose_data() -> PurposeFactory:
    """Raw purpose fields for a valid optional consent purpose; keyword arguments override fields."""

    def make(**overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": "analytics",
            "title": "Usage analytics",
            "description": "We measure how the site is used.",
            "legal_basis": "consent",
            "required": False,
            "default": False,
            "gpc_opt_out": False,
            "category": "cookie",
        }
        return data | overrides

    return make


def test_the_catalog_carries_the_policy_version_every_decision_records() -> None:
    # Given iMind's policy
    policy = load_policy("imind")
    # When its purposes are taken as the consent catalog
    catalog = to_purpose_catalog(policy)
    # Then the catalog is versioned with the policy: a new policy version is a new catalog version
    assert catalog.policy_version == policy.version


def test_imind_catalog_covers_every_cookie_category() -> None:
    # Given iMind's catalog
    catalog = imind_catalog()
    # When we collect its cookie purposes
    cookie_ids = {p.id for p in catalog.purposes if p.category == "cookie"}
    # Then every cookie category of the policy is present
    assert cookie_ids == COOKIE_CATEGORIES


def test_imind_catalog_covers_the_processing_purposes() -> None:
    # Given iMind's catalog
    catalog = imind_catalog()
    # When we collect its processing purposes
    processing_ids = {p.id for p in catalog.purposes if p.category == "processing"}
    # Then the mailing list and third-party sharing are present (iMind neither sells data nor targets ads)
    assert processing_ids == PROCESSING_PURPOSES


def test_imind_consent_purposes_are_not_pre_ticked() -> None:
    # Given iMind's catalog
    catalog = imind_catalog()
    # When we look at purposes relying on consent
    consent_purposes = [p for p in catalog.purposes if p.legal_basis is LegalBasis.CONSENT]
    # Then none of them defaults to granted
    assert consent_purposes
    assert not [p.id for p in consent_purposes if p.default]


def test_imind_required_purposes_are_the_strictly_necessary_ones() -> None:
    # Given iMind's catalog
    catalog = imind_catalog()
    # When we collect required purposes
    required = {p.id for p in catalog.purposes if p.required}
    # Then exactly account, login, order processing and forms cannot be refused
    assert required == {"account", "login", "order_processing", "forms"}


def test_imind_gpc_covers_sale_sharing_advertising_and_marketing() -> None:
    # Given iMind's catalog
    catalog = imind_catalog()
    # When we collect purposes a GPC signal opts out of
    gpc_covered = {p.id for p in catalog.purposes if p.gpc_opt_out}
    # Then they are the sharing and marketing purposes, and not analytics
    assert gpc_covered == {
        "newsletters",
        "marketing_emails",
        "affiliate_tracking",
        "social_media_buttons",
        "third_party_sharing",
    }


def test_duplicate_purpose_ids_are_rejected(purpose_data: PurposeFactory) -> None:
    # Given two purposes sharing one id
    purposes = [purpose_data(), purpose_data(title="Another title")]
    # When a catalog is built from them
    # Then validation fails naming the duplicate
    with pytest.raises(ValidationError, match="duplicated: analytics"):
        PurposeCatalog.model_validate({"policy_version": "v1", "purposes": purposes})


def test_required_purpose_relying_on_consent_is_rejected(purpose_data: PurposeFactory) -> None:
    # Given a required purpose whose legal basis is consent
    purpose = purpose_data(id="login", required=True, default=True, legal_basis="consent")
    # When a catalog is built with it
    # Then validation fails: consent that cannot be refused is not consent
    with pytest.raises(ValidationError, match="cannot rely on consent"):
        PurposeCatalog.model_validate({"policy_version": "v1", "purposes": [purpose]})


def test_required_purpose_defaulting_to_refused_is_rejected(purpose_data: PurposeFactory) -> None:
    # Given a required purpose that defaults to not granted
    purpose = purpose_data(id="login", required=True, default=False, legal_basis="contract")
    # When a catalog is built with it
    # Then validation fails
    with pytest.raises(ValidationError, match="must default to granted"):
        PurposeCatalog.model_validate({"policy_version": "v1", "purposes": [purpose]})


def test_consent_purpose_defaulting_to_granted_is_rejected(purpose_data: PurposeFactory) -> None:
    # Given a consent purpose that would be pre-ticked
    purpose = purpose_data(default=True)
    # When a catalog is built with it
    # Then validation fails
    with pytest.raises(ValidationError, match="must default to not granted"):
        PurposeCatalog.model_validate({"policy_version": "v1", "purposes": [purpose]})


def test_wording_hash_changes_with_description(purpose_data: PurposeFactory) -> None:
    # Given a purpose
    original = Purpose.model_validate(purpose_data())
    # When only its description is reworded
    reworded = Purpose.model_validate(purpose_data(description="We measure how the site is used, daily."))
    # Then its wording hash differs, so earlier decisions become stale
    assert reworded.wording_hash != original.wording_hash


def test_wording_hash_ignores_fields_the_user_does_not_read(purpose_data: PurposeFactory) -> None:
    # Given a purpose
    original = Purpose.model_validate(purpose_data())
    # When only its category changes
    recategorised = Purpose.model_validate(purpose_data(category="processing"))
    # Then the wording hash is the same
    assert recategorised.wording_hash == original.wording_hash


def test_dumped_purpose_loads_again(purpose_data: PurposeFactory) -> None:
    # Given a purpose serialised with its computed wording hash
    dumped = Purpose.model_validate(purpose_data()).model_dump()
    # When it is validated again
    reloaded = Purpose.model_validate(dumped)
    # Then the derived field does not count as an unknown extra field
    assert reloaded.wording_hash == dumped["wording_hash"]


def test_get_of_unknown_purpose_raises_unknown_purpose() -> None:
    # Given iMind's catalog
    catalog = imind_catalog()
    # When a purpose it does not hold is requested
    with pytest.raises(UnknownPurpose) as raised:
        catalog.get("telepathy")
    # Then the error has a stable code and lists the id in details, not in the message
    assert raised.value.code == "unknown_purpose"
    assert raised.value.details == [{"purpose": "telepathy"}]
    assert "telepathy" not in raised.value.message
