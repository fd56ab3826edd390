"""The pre-sign-up trigger under moto: the age gate reads a parental approval from the table the minors API wrote."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import wiring
import wiring.minors
import wiring.policy
import wiring.shared
from domain.minors.sign_up import SignUpRefused
from handlers import pre_sign_up
from policy.loader import load_policy
from tests.integration.test_minors_api import confirm, request_consent
from tests.support import load_event


@pytest.fixture
def product(aws: Any) -> Iterator[Any]:
    """Runs the trigger under a product's policy: product("mindomo")."""

    def use(name: str) -> None:
        wiring.dependency_overrides[wiring.policy.policy] = lambda: load_policy(name)
        wiring.minors.age_table.cache_clear()  # built from the policy: a function's policy never changes
        wiring.minors.sign_up_rules.cache_clear()

    yield use
    wiring.reset()


def child_sign_up(request_id: str | None = None, birthdate: str | None = "2015-04-02") -> dict[str, Any]:
    event = load_event("pre_sign_up/sign_up_child.json")
    if request_id is None:
        event["request"].pop("clientMetadata")
    else:
        event["request"]["clientMetadata"]["parental_request_id"] = request_id
    if birthdate is None:
        event["request"]["userAttributes"].pop("birthdate")
    return event


def test_an_adult_sign_up_is_returned_as_cognito_sent_it(aws, context):
    event = load_event("pre_sign_up/sign_up.json")
    assert pre_sign_up.lambda_handler(event, context) == load_event("pre_sign_up/sign_up.json")


def test_a_child_whose_parent_approved_the_named_request_may_sign_up(aws, context, product):
    # Given a consent request the parent approved from the e-mailed link (iMind: 16 in Germany)
    issued = request_consent(context)
    assert confirm(context, issued["token"])[0] == 200
    # When the child's sign-up names it
    event = child_sign_up(issued["request_id"])
    # Then the trigger lets Cognito create the account
    assert pre_sign_up.lambda_handler(event, context)["request"]["clientMetadata"] == {
        "parental_request_id": issued["request_id"]
    }


def test_a_child_whose_request_still_waits_for_the_parent_is_refused(aws, context):
    issued = request_consent(context)
    with pytest.raises(SignUpRefused) as refused:
        pre_sign_up.lambda_handler(child_sign_up(issued["request_id"]), context)
    assert refused.value.code == "parental_consent_required"


def test_a_denied_request_does_not_admit_the_child(aws, context):
    issued = request_consent(context)
    assert confirm(context, issued["token"], "deny")[0] == 200
    with pytest.raises(SignUpRefused):
        pre_sign_up.lambda_handler(child_sign_up(issued["request_id"]), context)


def test_the_sample_child_sign_up_naming_an_unknown_request_is_refused(aws, context):
    with pytest.raises(SignUpRefused) as refused:
        pre_sign_up.lambda_handler(load_event("pre_sign_up/sign_up_child.json"), context)
    assert refused.value.code == "parental_consent_required"
    assert "2015" not in str(refused.value)


def test_under_imocloud_a_minor_is_refused_whatever_the_parent_said(aws, context, product):
    issued = request_consent(context)
    assert confirm(context, issued["token"])[0] == 200
    product("imocloud")
    with pytest.raises(SignUpRefused) as refused:
        pre_sign_up.lambda_handler(child_sign_up(issued["request_id"]), context)
    assert refused.value.code == "below_minimum_age"
    assert "under 18" in str(refused.value)


@pytest.mark.parametrize(("name", "admitted"), [("mindomo", False), ("imocloud", False), ("imind", True)])
def test_a_sign_up_without_a_birth_date_is_refused_where_the_policy_requires_one(aws, context, product, name, admitted):
    product(name)
    event = load_event("pre_sign_up/sign_up.json")
    event["request"]["userAttributes"].pop("birthdate")
    if admitted:
        assert pre_sign_up.lambda_handler(event, context) is event
    else:
        with pytest.raises(SignUpRefused, match="birth date is required"):
            pre_sign_up.lambda_handler(event, context)


# ---------------------------------------------------------------- one approval, one child
def confirmed_child(context: Any, request_id: str) -> str:
    """A child's sign-up naming the request, confirmed: the post-confirmation trigger binds it. Its account id."""
    from tests.integration.test_minors_api import sign_up_bound

    child = str(uuid.uuid4())
    sign_up_bound(context, child, request_id, "2015-04-02", country="DE")
    return child


def test_an_approval_admits_one_child_a_second_sign_up_with_it_is_refused(aws, context):
    """The attack: the approval of one parent presented by two sign-ups, to admit two children with one consent."""
    # Given a request the parent approved, and a first child who signed up with it and confirmed
    issued = request_consent(context)
    assert confirm(context, issued["token"])[0] == 200
    assert pre_sign_up.lambda_handler(child_sign_up(issued["request_id"]), context)
    first = confirmed_child(context, issued["request_id"])
    # When a second sign-up presents the same approval
    with pytest.raises(SignUpRefused) as refused:
        pre_sign_up.lambda_handler(child_sign_up(issued["request_id"]), context)
    # Then it is refused, saying the consent was used and a new one is needed
    assert refused.value.code == "parental_consent_used"
    assert "already used for another account" in str(refused.value)
    # And the approval names the first child as the one it admits
    approval = wiring.minors.parental_store().approved(issued["request_id"])
    assert approval is not None
    assert approval.child_subject_id == first


def test_of_two_sign_ups_admitted_before_either_was_confirmed_only_the_first_confirmed_is_bound(aws, ddb, context):
    """Both passed the gate while the approval was unused; the second confirmation is left unbound and reported, and
    the host application cannot link it."""
    from tests.integration.test_minors_api import approved_request, items_of, link

    # Given an approved request, and two sign-ups with it that both passed the gate
    request_id, parent = approved_request(context)
    for _ in range(2):
        pre_sign_up.lambda_handler(child_sign_up(request_id), context)
    # When both are confirmed
    first, second = confirmed_child(context, request_id), confirmed_child(context, request_id)
    # Then only the first is bound, the second is reported in its own audit trail
    assert items_of(ddb, aws, f"SUBJECT#{first}")["PARENTAL_BINDING"]["request_id"]["S"] == request_id
    assert "PARENTAL_BINDING" not in items_of(ddb, aws, f"SUBJECT#{second}")
    audit = wiring.shared.store().audit
    assert "parental.consent_used" in [r.action for r in audit.chain(audit.pseudonym(second))]
    # And the second cannot be linked to the parent; the first can
    status, body = link(context, request_id, second, parent)
    assert (status, body["error"]) == (409, "link_conflict"), body
    assert not [sk for sk in items_of(ddb, aws, f"SUBJECT#{second}") if sk.startswith("PARENT#")]
    assert link(context, request_id, first, parent)[0] == 200
