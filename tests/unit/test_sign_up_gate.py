"""The age gate at sign-up (domain.minors.sign_up) under each product's policy: who may create an account."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from domain.minors.model import ApprovedRequest
from domain.minors.rules import load_age_table
from domain.minors.sign_up import SignUpRefused, SignUpRules, admit_sign_up, sign_up_verdict
from policy.catalog import to_age_table
from policy.loader import load_policy

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
REQUEST_ID = "0b7f3c2a9d8e4f1a6b5c4d3e2f1a0b9c"


def rules_of(product: str) -> SignUpRules:
    minors = load_policy(product).minors
    return SignUpRules(
        birth_date_required=minors.birth_date_at_sign_up == "required",
        parental_path=minors.parental_consent,
        age_table=to_age_table(load_policy(product), load_age_table()),
    )


def born(years_ago: int, country: str | None = None) -> dict[str, str]:
    """Attributes of someone who turned `years_ago` a month ago."""
    birth = date(NOW.year - years_ago, NOW.month - 1, NOW.day)
    return {"email": "x@example.org", "birthdate": birth.isoformat()} | ({"country": country} if country else {})


def approval(child: str | None = None) -> ApprovedRequest:
    return ApprovedRequest(
        request_id=REQUEST_ID,
        child_reference="signup-1",
        country="US",
        approved_at=NOW,
        expires_at=NOW.replace(year=2027),
        child_subject_id=child,
    )


def refusal_code(
    attributes: dict[str, str],
    product: str,
    metadata: dict[str, str] | None = None,
    approved: Callable[[str], ApprovedRequest | None] = lambda _: approval(),
) -> str:
    """The code of the refusal of this sign-up, whose parental request (if any) `approved` looks up (by default:
    approved, for no account yet)."""
    with pytest.raises(SignUpRefused) as refused:
        admit_sign_up(attributes, metadata or {}, NOW, rules=rules_of(product), approved=approved)
    return refused.value.code


# ---------------------------------------------------------------- Imocloud: adults only, no parental path
def test_imocloud_refuses_a_17_year_old_and_says_what_the_rule_is() -> None:
    with pytest.raises(SignUpRefused) as refused:
        sign_up_verdict(born(17, "DE"), NOW, rules_of("imocloud"))
    assert refused.value.code == "below_minimum_age"
    assert "under 18" in refused.value.message
    assert str(NOW.year - 17) not in refused.value.message  # nothing the person sent is echoed


def test_imocloud_refuses_a_child_even_with_an_approved_parental_request() -> None:
    assert refusal_code(born(12, "US"), "imocloud", {"parental_request_id": REQUEST_ID}) == "below_minimum_age"


def test_imocloud_admits_an_18_year_old() -> None:
    assert sign_up_verdict(born(18, "US"), NOW, rules_of("imocloud")) == "admit"


def test_imocloud_refuses_a_sign_up_without_a_birth_date() -> None:
    assert refusal_code({"email": "x@example.org"}, "imocloud") == "birth_date_required"


# ---------------------------------------------------------------- Mindomo: 13 in the US, 16 elsewhere, with a parent
@pytest.mark.parametrize(("age", "country"), [(12, "US"), (15, "DE"), (15, None)])
def test_mindomo_asks_for_a_parent_below_its_ages(age: int, country: str | None) -> None:
    assert sign_up_verdict(born(age, country), NOW, rules_of("mindomo")) == "needs_parental_consent"


@pytest.mark.parametrize(("age", "country"), [(13, "US"), (16, "DE"), (16, None)])
def test_mindomo_admits_from_its_ages(age: int, country: str | None) -> None:
    assert sign_up_verdict(born(age, country), NOW, rules_of("mindomo")) == "admit"


def test_mindomo_refuses_a_child_without_a_parental_request() -> None:
    assert refusal_code(born(12, "US"), "mindomo") == "parental_consent_required"


def test_mindomo_refuses_a_child_whose_request_is_not_approved() -> None:
    code = refusal_code(
        born(12, "US"),
        "mindomo",
        {"parental_request_id": REQUEST_ID},
        approved=lambda _: None,  # pending, denied, expired or unknown
    )
    assert code == "parental_consent_required"


def test_mindomo_admits_a_child_whose_request_a_parent_approved() -> None:
    asked: list[str] = []

    def approved(request_id: str) -> ApprovedRequest:
        asked.append(request_id)
        return approval()

    verdict = admit_sign_up(
        born(12, "US"), {"parental_request_id": REQUEST_ID}, NOW, rules=rules_of("mindomo"), approved=approved
    )
    assert (verdict, asked) == ("needs_parental_consent", [REQUEST_ID])


def test_mindomo_refuses_an_approval_already_used_by_another_account() -> None:
    code = refusal_code(
        born(12, "US"),
        "mindomo",
        {"parental_request_id": REQUEST_ID},
        approved=lambda _: approval(child="someone-else"),
    )
    assert code == "parental_consent_used"


def test_a_malformed_request_id_is_not_looked_up() -> None:
    def never(_: str) -> None:
        raise AssertionError("looked up")

    with pytest.raises(SignUpRefused):
        admit_sign_up(born(12, "US"), {"parental_request_id": "../x"}, NOW, rules=rules_of("mindomo"), approved=never)


def test_mindomo_refuses_a_sign_up_without_a_birth_date() -> None:
    assert refusal_code({"email": "x@example.org"}, "mindomo") == "birth_date_required"


# ---------------------------------------------------------------- iMind and Intermind: statutory ages, birth date optional
@pytest.mark.parametrize("product", ["imind", "intermind"])
def test_a_sign_up_without_a_birth_date_is_admitted_where_the_policy_does_not_ask_for_one(product: str) -> None:
    assert sign_up_verdict({"email": "x@example.org"}, NOW, rules_of(product)) == "admit"


@pytest.mark.parametrize("product", ["imind", "intermind"])
def test_a_14_year_old_in_germany_needs_a_parent_but_not_in_denmark(product: str) -> None:
    # Germany keeps GDPR's 16; Denmark lowered it to 13 (domain/data/age_of_consent.json)
    assert sign_up_verdict(born(14, "DE"), NOW, rules_of(product)) == "needs_parental_consent"
    assert sign_up_verdict(born(14, "DK"), NOW, rules_of(product)) == "admit"


@pytest.mark.parametrize("product", ["imind", "intermind"])
def test_a_child_without_an_approved_request_is_refused_where_a_birth_date_is_given(product: str) -> None:
    assert refusal_code(born(14, "DE"), product) == "parental_consent_required"


# ---------------------------------------------------------------- birth dates that are not
@pytest.mark.parametrize("text", ["01/02/2000", "2000-02-30", "yesterday"])
def test_a_birth_date_that_is_not_a_date_is_refused(text: str) -> None:
    assert refusal_code({"birthdate": text}, "imind") == "invalid_birth_date"


def test_a_birth_date_in_the_future_is_refused() -> None:
    assert refusal_code({"birthdate": f"{NOW.year + 1}-01-01"}, "imind") == "invalid_birth_date"


def test_a_stricter_minimum_consent_age_raises_the_age_of_the_gate() -> None:
    rules = rules_of("imind")
    stricter = SignUpRules(
        birth_date_required=rules.birth_date_required, parental_path=True, age_table=rules.age_table, minimum_age=18
    )
    assert sign_up_verdict(born(17, "DE"), NOW, stricter) == "needs_parental_consent"
