"""The age gate at sign-up (the Cognito pre-sign-up trigger): who may create an account under the product's minors
rules (policy `minors`), decided by the one age rule (rules.check_minor).

- of age in their country: admitted;
- under the age where the policy has no parental path (Imocloud: no one under 18): refused;
- under the age where a parent may consent (Mindomo: 13 in the US, 16 elsewhere): admitted only when the sign-up's
  client metadata names a parental consent request (`parental_request_id`) that a parent has already approved and
  that no other account has used (SECURITY INVARIANT, below: one approval admits one child);
- no birth date: refused where the policy requires one at sign-up (`birth_date_at_sign_up`), else admitted (the
  age rules apply only to the ages we know).

Refusals carry a message that states the rule, never the birth date, the age or anything else the person sent: Cognito
shows it to the person signing up (UserLambdaValidationException).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from domain.errors import Forbidden
from domain.minors.model import REQUEST_ID_PATTERN, ApprovedRequest
from domain.minors.rules import AgeOfConsentTable, InvalidBirthDate, check_minor

PARENTAL_REQUEST_KEY: Final = "parental_request_id"  # the client metadata handlers.post_confirmation binds too
_BIRTH_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # OpenID Connect's `birthdate` (domain.profile)
_REQUEST_ID: Final = re.compile(REQUEST_ID_PATTERN)

Verdict = Literal["admit", "needs_parental_consent"]
ApprovalLookup = Callable[[str], ApprovedRequest | None]


class SignUpRefused(Forbidden):
    default_code = "sign_up_refused"


@dataclass(frozen=True)
class SignUpRules:
    """The product's minors rules as the gate applies them (wiring.minors.sign_up_rules builds them from the policy)."""

    birth_date_required: bool  # policy minors.birth_date_at_sign_up == "required"
    parental_path: bool  # policy minors.parental_consent
    age_table: AgeOfConsentTable  # the law's ages, raised where the policy is stricter (policy.catalog.to_age_table)
    minimum_age: int = 0  # MINIMUM_CONSENT_AGE (0: the table decides alone)


def _attribute(attributes: Mapping[str, str], name: str) -> str | None:
    value = attributes.get(name) or attributes.get(f"custom:{name}")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _birth_date(text: str) -> date:
    if not _BIRTH_DATE.match(text):
        raise SignUpRefused("The birth date must be a date (YYYY-MM-DD).", code="invalid_birth_date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SignUpRefused("The birth date must be a date (YYYY-MM-DD).", code="invalid_birth_date") from None


def sign_up_verdict(attributes: Mapping[str, str], now: datetime, rules: SignUpRules) -> Verdict:
    """What the sign-up's attributes (Cognito's `userAttributes`: `birthdate`, `country`) allow, by the policy's rules:
    admitted, or admitted only with a parent's approved consent; else SignUpRefused with the rule in its message."""
    text = _attribute(attributes, "birthdate")
    if text is None:
        if rules.birth_date_required:
            raise SignUpRefused(
                "A birth date is required to sign up: this service checks the age of digital consent at sign-up.",
                code="birth_date_required",
            )
        return "admit"
    try:
        check = check_minor(
            _birth_date(text),
            _attribute(attributes, "country"),
            now,
            table=rules.age_table,
            minimum_age=rules.minimum_age,
        )
    except InvalidBirthDate:
        raise SignUpRefused("The birth date cannot be in the future.", code="invalid_birth_date") from None
    if not check.parental_consent_required:
        return "admit"
    if not rules.parental_path:
        raise SignUpRefused(
            f"This service is not available to anyone under {check.age_of_consent}, even with a parent's consent.",
            code="below_minimum_age",
        )
    return "needs_parental_consent"


def admit_sign_up(
    attributes: Mapping[str, str],
    client_metadata: Mapping[str, str],
    now: datetime,
    *,
    rules: SignUpRules,
    approved: ApprovalLookup,
) -> Verdict:
    """The gate: returns the verdict the sign-up passed with, or raises SignUpRefused. `approved` reads a parental
    consent request's approval (ParentalStore.approved), only for a sign-up that needs one.

    SECURITY INVARIANT: an approved request admits exactly one child. The approval names the child it was used by
    (`child_subject_id`) from the moment that child's confirmed sign-up is bound to it (the post-confirmation
    trigger marks it in the binding's transaction, on condition that it names no other child: of two sign-ups racing
    with one approval, one is bound, the other never), and a sign-up presenting an approval that names a child is
    refused here with `parental_consent_used`."""
    verdict = sign_up_verdict(attributes, now, rules)
    if verdict == "admit":
        return verdict
    request_id = client_metadata.get(PARENTAL_REQUEST_KEY)
    approval = approved(request_id) if isinstance(request_id, str) and _REQUEST_ID.match(request_id) else None
    if approval is None:
        raise SignUpRefused(
            "Below the age of digital consent in this country a parent must consent first: sign up with the id of a "
            "parental consent request (parental_request_id) that the parent has approved.",
            code="parental_consent_required",
        )
    if approval.child_subject_id is not None:
        raise SignUpRefused(
            "This parental consent was already used for another account: ask the parent for a new one.",
            code="parental_consent_used",
        )
    return verdict
