"""The products' policy documents (src/policy/documents, linked from policies/): they load, they say what their
published policies say, every quote is really in its seed, and a wrong document stops a function with the reason."""

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policy.catalog import to_purpose_catalog, to_record_categories
from policy.loader import DOCUMENTS, InvalidPolicy, UnknownPolicy, available_policies, load_policy
from policy.model import ADVERTISING_PURPOSES, SALE_PURPOSES, Policy
from policy.schema_export import render
from policy.sources import GdprDefault, SeedQuote
from tests.support import ROOT

PRODUCTS = ["imind", "imocloud", "intermind", "mindomo"]
SEEDS = ROOT / "policies" / "seeds"
PUBLIC_KEYS = {
    "product",
    "version",
    "effective_date",
    "controller",
    "supervisory_authority",
    "purposes",
    "recipients",
    "retention",
    "erasure",
    "inactivity",
    "minors",
    "signals",
    "rights",
}
Document = dict[str, Any]
WritePolicy = Callable[[Document], Path]


def _normalize(text: str) -> str:
    """Whitespace collapsed and Markdown link syntax and emphasis dropped, as a reader sees the seed."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(text.replace("**", "").replace("\\", "").split())


def _raw(name: str) -> Document:
    document: Document = json.loads((DOCUMENTS / f"{name}.json").read_text(encoding="utf-8"))
    return document


@pytest.fixture
def write_policy(tmp_path: Path) -> WritePolicy:
    """Writes a document as <product>.json in a directory of its own and returns that directory."""

    def write(document: Document) -> Path:
        (tmp_path / f"{document['product']}.json").write_text(json.dumps(document), encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture
def imind_document() -> Document:
    return copy.deepcopy(_raw("imind"))


# --------------------------------------------------------------------------------------------- loading


def test_the_four_products_have_a_policy() -> None:
    assert available_policies() == PRODUCTS


@pytest.mark.parametrize("name", PRODUCTS)
def test_each_policy_loads_and_validates(name: str) -> None:
    # When the bundled policy is loaded
    policy = load_policy(name)
    # Then it is valid, named after its file, and has English
    assert policy.product == name
    assert "en" in policy.languages


@pytest.mark.parametrize("name", PRODUCTS)
def test_the_top_level_policies_directory_links_to_the_bundled_documents(name: str) -> None:
    linked = ROOT / "policies" / f"{name}.json"
    assert linked.read_bytes() == (DOCUMENTS / f"{name}.json").read_bytes()


def test_a_bundled_policy_is_parsed_once_per_process() -> None:
    assert load_policy("imind") is load_policy("imind")


def test_an_unknown_policy_fails_naming_the_known_ones() -> None:
    with pytest.raises(UnknownPolicy, match=r"unknown policy 'acme': the known policies are imind, imocloud"):
        load_policy("acme")


def test_a_name_cannot_reach_outside_the_documents() -> None:
    with pytest.raises(UnknownPolicy):
        load_policy("../documents/imind")


def test_an_invalid_value_fails_naming_its_field(imind_document: Document, write_policy: WritePolicy) -> None:
    # Given a document whose restore window is negative
    imind_document["erasure"]["restore_window_days"] = -1
    directory = write_policy(imind_document)
    # When it is loaded, then the error names the field
    with pytest.raises(InvalidPolicy, match=r"policy 'imind' is invalid: erasure\.restore_window_days: "):
        load_policy("imind", directory)


def test_a_missing_section_fails_naming_it(imind_document: Document, write_policy: WritePolicy) -> None:
    del imind_document["minors"]
    with pytest.raises(InvalidPolicy, match=r"minors: Field required"):
        load_policy("imind", write_policy(imind_document))


def test_a_purpose_missing_a_language_fails_naming_the_purpose_and_language(
    imind_document: Document, write_policy: WritePolicy
) -> None:
    del imind_document["purposes"][0]["title"]["de"]
    with pytest.raises(InvalidPolicy, match=r"purpose 'account' title: .*missing \['de'\]"):
        load_policy("imind", write_policy(imind_document))


def test_a_policy_without_english_is_refused(imind_document: Document, write_policy: WritePolicy) -> None:
    imind_document["languages"] = ["ro"]
    imind_document["default_language"] = "ro"
    with pytest.raises(InvalidPolicy, match=r"languages must include 'en'"):
        load_policy("imind", write_policy(imind_document))


def test_a_document_under_another_product_name_is_refused(imind_document: Document, tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text(json.dumps(imind_document), encoding="utf-8")
    with pytest.raises(InvalidPolicy, match=r"policy 'other' is invalid: product: is 'imind', must be its file name"):
        load_policy("other", tmp_path)


def test_a_required_purpose_on_consent_is_refused_by_the_catalog_rules(
    imind_document: Document, write_policy: WritePolicy
) -> None:
    # Given a strictly necessary purpose that claims consent (consent that cannot be refused is not free)
    imind_document["purposes"][0]["legal_basis"] = "consent"
    with pytest.raises(InvalidPolicy, match=r"purposes: .*required purpose 'account' cannot rely on consent"):
        load_policy("imind", write_policy(imind_document))


def test_a_policy_that_does_not_advertise_cannot_have_an_advertising_purpose(
    imind_document: Document, write_policy: WritePolicy
) -> None:
    imind_document["commitments"]["advertises"] = False
    with pytest.raises(InvalidPolicy, match=r"does not advertise, so it has no"):
        load_policy("imind", write_policy(imind_document))


def test_gpc_covered_purposes_need_gpc_to_be_honoured(imind_document: Document, write_policy: WritePolicy) -> None:
    imind_document["signals"]["gpc"]["honoured"] = False
    with pytest.raises(InvalidPolicy, match=r"GPC is not honoured, so no purpose can be opted out of by it"):
        load_policy("imind", write_policy(imind_document))


def test_honouring_dnt_needs_a_purpose_it_opts_out_of(write_policy: WritePolicy) -> None:
    # Given Imocloud (no GPC-covered purpose) claiming to honour Do Not Track
    document = copy.deepcopy(_raw("imocloud"))
    document["signals"]["dnt"]["honoured"] = True
    # Then the promise is refused: DNT would opt out of nothing
    with pytest.raises(InvalidPolicy, match=r"DNT is honoured, so some purpose must be opted out of by it"):
        load_policy("imocloud", write_policy(document))


def test_a_purpose_naming_an_unknown_recipient_is_refused(imind_document: Document, write_policy: WritePolicy) -> None:
    imind_document["purposes"][6]["recipients"] = ["Nobody Ltd"]
    with pytest.raises(InvalidPolicy, match=r"names recipients not in `recipients`: Nobody Ltd"):
        load_policy("imind", write_policy(imind_document))


def test_a_restore_window_longer_than_the_promise_is_refused(
    imind_document: Document, write_policy: WritePolicy
) -> None:
    imind_document["erasure"]["purge_within_days"] = imind_document["erasure"]["restore_window_days"] - 1
    with pytest.raises(InvalidPolicy, match=r"restore_window_days cannot exceed purge_within_days"):
        load_policy("imind", write_policy(imind_document))


# ------------------------------------------------------------------------------------- the sources are honest


@pytest.mark.parametrize("name", PRODUCTS)
def test_every_quote_occurs_in_its_seed(name: str) -> None:
    # Given every quote the policy cites
    policy = load_policy(name)
    quotes = policy.seed_quotes()
    assert quotes
    # Then each one is in its seed file, as a reader sees it
    for quote in quotes:
        seed = _normalize((SEEDS / quote.seed).read_text(encoding="utf-8"))
        assert _normalize(quote.quote) in seed, f"{name}: not in {quote.seed}: {quote.quote!r}"


def test_the_quote_check_catches_a_quote_that_is_not_there() -> None:
    seed = _normalize((SEEDS / "000_515bc1693b6b4032.txt").read_text(encoding="utf-8"))
    assert _normalize("it will be permanently deleted within 60 days") in seed
    assert _normalize("it will be permanently deleted within 30 days") not in seed


@pytest.mark.parametrize("name", PRODUCTS)
def test_every_purpose_has_every_language_the_policy_lists(name: str) -> None:
    document = _raw(name)
    for purpose in document["purposes"]:
        assert set(purpose["title"]) == set(document["languages"]), purpose["id"]
        assert set(purpose["description"]) == set(document["languages"]), purpose["id"]


def test_the_published_schema_is_the_models() -> None:
    # Regenerate with: PYTHONPATH=src .venv/bin/python -m policy.schema_export docs/policy.schema.json
    assert (ROOT / "docs" / "policy.schema.json").read_text(encoding="utf-8") == render()


# ---------------------------------------------------------------------------- what each policy says


def test_imind_restores_until_its_purge_and_is_gone_backups_included_within_60_days() -> None:
    erasure = load_policy("imind").erasure
    assert (erasure.restore_window_days, erasure.purge_within_days) == (30, 60)  # + 28 days of backups


def test_imind_removes_an_account_inactive_for_180_days_after_60_more() -> None:
    inactivity = load_policy("imind").inactivity
    assert inactivity.enabled
    assert (inactivity.after_days, inactivity.grace_days) == (180, 60)


def test_imind_asks_a_parent_under_16_unless_the_country_allows_less() -> None:
    minors = load_policy("imind").minors
    assert (minors.minimum_age, minors.ages, minors.parental_consent) == (16, "statutory", True)


def test_mindomo_asks_a_parent_under_13_in_the_us_and_under_16_elsewhere() -> None:
    minors = load_policy("mindomo").minors
    assert minors.ages == "listed"
    assert minors.country_ages == {"US": 13}
    assert minors.minimum_age == 16
    assert minors.parental_consent


def test_mindomo_has_no_advertising_or_selling_purpose() -> None:
    policy = load_policy("mindomo")
    assert not policy.commitments.advertises
    assert not policy.commitments.sells_personal_data
    assert not {p.id for p in policy.purposes} & (ADVERTISING_PURPOSES | SALE_PURPOSES)


def test_imocloud_is_for_adults_only_without_a_parental_path_and_ignores_dnt() -> None:
    policy = load_policy("imocloud")
    assert (policy.minors.minimum_age, policy.minors.ages) == (18, "flat")
    assert not policy.minors.parental_consent
    assert policy.minors.underage_account == "deactivate_and_delete"
    assert not policy.signals.dnt.honoured


def test_intermind_states_no_age_rule_so_the_gdpr_default_applies() -> None:
    minors = load_policy("intermind").minors
    assert (minors.minimum_age, minors.ages, minors.parental_consent) == (16, "statutory", True)
    assert all(isinstance(source, GdprDefault) for source in minors.sources)


@pytest.mark.parametrize("name", PRODUCTS)
def test_no_policy_sells_personal_data(name: str) -> None:
    policy = load_policy(name)
    assert not policy.commitments.sells_personal_data
    assert not {p.id for p in policy.purposes} & SALE_PURPOSES


def test_the_key_rules_of_imind_are_quoted_from_its_policy_not_defaulted() -> None:
    policy = load_policy("imind")
    for section in (policy.erasure, policy.minors, policy.unsubscribe, policy.export):
        assert any(isinstance(source, SeedQuote) for source in section.sources), type(section).__name__


# ---------------------------------------------------------------------------- the catalog and categories


def test_imind_as_a_catalog_keeps_each_purposes_rules_and_its_default_wording() -> None:
    # Given iMind's policy, converted to the catalog decisions are recorded against
    policy = load_policy("imind")
    catalog = to_purpose_catalog(policy)
    # Then the catalog has the policy's version and each purpose's rules, worded in the default language
    assert catalog.policy_version == policy.version
    rules = ("legal_basis", "required", "default", "gpc_opt_out", "category", "direct_marketing", "for_minors")
    for stated, purpose in zip(policy.purposes, catalog.purposes, strict=True):
        assert purpose.id == stated.id
        assert {rule: getattr(purpose, rule) for rule in rules} == stated.model_dump(include=set(rules))
        assert (purpose.title, purpose.description) == (
            stated.title[policy.default_language],
            stated.description[policy.default_language],
        )
    # And what it leaves out is what iMind's policy rules out ("does not sell"; it describes no targeted advertising)
    assert not {p.id for p in catalog.purposes} & {"sale_or_share", "targeted_advertising"}


def test_rewording_a_purpose_in_the_default_language_changes_only_its_wording_hash(
    imind_document: Document, write_policy: WritePolicy
) -> None:
    # Given iMind's policy, and a new version of it that rewords analytics
    before = {p.id: p.wording_hash for p in to_purpose_catalog(load_policy("imind")).purposes}
    reworded = copy.deepcopy(imind_document)
    reworded["version"] = "2099-01-01"
    next(p for p in reworded["purposes"] if p["id"] == "analytics")["description"]["en"] += " And load times."
    # When the new version is loaded
    after = {p.id: p.wording_hash for p in to_purpose_catalog(load_policy("imind", write_policy(reworded))).purposes}
    # Then only analytics' decisions go stale
    assert [purpose for purpose in before if before[purpose] != after[purpose]] == ["analytics"]


@pytest.mark.parametrize("name", PRODUCTS)
def test_every_policy_converts_to_a_catalog_in_each_of_its_languages(name: str) -> None:
    policy = load_policy(name)
    for language in policy.languages:
        catalog = to_purpose_catalog(policy, language)
        assert [p.id for p in catalog.purposes] == [p.id for p in policy.purposes]


def test_imind_record_categories_keep_invoices_for_their_statutory_period() -> None:
    categories = to_record_categories(load_policy("imind"))
    invoices = categories.get("invoices").retention
    assert invoices is not None
    assert (invoices.years, invoices.date_field) == (7, "invoice_date")
    assert categories.get("orders").retention is None


# ---------------------------------------------------------------------------- GET /policy


@pytest.mark.parametrize("name", PRODUCTS)
def test_the_public_view_has_the_contracts_fields(name: str) -> None:
    view = load_policy(name).public_view().model_dump(mode="json")
    assert set(view) == PUBLIC_KEYS
    assert set(view["controller"]) == {"name", "contact_email"}
    assert set(view["supervisory_authority"]) == {"name", "url"}
    assert {tuple(sorted(p)) for p in view["purposes"]} == {("id", "legal_basis", "required", "title")}
    assert {tuple(sorted(r)) for r in view["retention"]} <= {("basis", "category", "period")}
    assert {tuple(sorted(r)) for r in view["recipients"]} <= {("country", "name", "purpose", "role", "safeguard")}
    assert set(view["erasure"]) == {"restore_window_days", "purge_within_days"}
    assert set(view["inactivity"]) == {"enabled", "after_days", "grace_days"}
    assert set(view["minors"]) >= {"minimum_age", "parental_consent"}  # the contract's, plus what GET /policy adds
    assert set(view["signals"]) == {"gpc", "dnt"}
    assert view["rights"]


@pytest.mark.parametrize(("name", "underage_account"), [("imocloud", "deactivate_and_delete"), ("imind", "delete")])
def test_the_public_view_says_what_happens_to_an_account_under_the_minimum_age(
    name: str, underage_account: str
) -> None:
    # Given a product's policy (Imocloud: "we will deactivate the account and ... promptly delete such data")
    view = load_policy(name).public_view().model_dump(mode="json")
    # Then GET /policy tells users what happens to an under-age account
    assert view["minors"]["underage_account"] == underage_account


def test_the_public_view_speaks_the_asked_language_or_falls_back_to_english() -> None:
    policy = load_policy("mindomo")
    assert policy.public_view("de").purposes[0].title == "Ihr Konto"
    assert policy.public_view("xx").purposes[0].title == "Your account"


def test_the_public_view_of_imind_says_its_rules() -> None:
    view = load_policy("imind").public_view()
    assert view.erasure.restore_window_days == 30
    assert view.inactivity.after_days == 180
    assert view.signals.gpc is True
    assert view.signals.dnt is False
    invoices = next(r for r in view.retention if r.category == "invoices")
    assert invoices.period == "P7Y"


def test_the_public_view_names_the_recipients_art_13_1_e() -> None:
    policy = load_policy("imind")
    view = policy.public_view("de")
    assert [r.name for r in view.recipients] == [r.name for r in policy.recipients]
    stripe = next(r for r in view.recipients if r.name == "Stripe")
    assert (stripe.role, stripe.purpose, stripe.country, stripe.safeguard) == (
        "processor",
        "Processing payments",
        "US",
        "not_stated",
    )
    assert "sources" not in view.model_dump()["recipients"][0]


def test_a_policy_model_round_trips_through_json() -> None:
    policy = load_policy("imocloud")
    assert Policy.model_validate_json(policy.model_dump_json()) == policy


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mindomo", "required"), ("imocloud", "required"), ("imind", "optional"), ("intermind", "optional")],
)
def test_a_birth_date_is_required_at_sign_up_where_the_policy_promises_no_child_signs_up_alone(
    name: str, expected: str
) -> None:
    assert load_policy(name).minors.birth_date_at_sign_up == expected
