"""Parental consent for children under the age of digital consent (GDPR Art. 8, COPPA).

While a child's sign-up waits for a parent, nothing about the child is kept: only the parent's e-mail address
(to ask for consent, and only until the request expires), the host application's opaque reference of the
sign-up attempt and the country. The parent answers with a signed, single-use confirmation token; an
approval is linked to the child's account once it exists, and from then on the parent exercises the
child's rights.
"""

import hashlib
import hmac
from datetime import UTC, date, datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import Conflict, Forbidden, InvalidRequest, NotFound
from domain.minors.rules import AgeOfConsentTable, InvalidBirthDate, check_minor
from domain.signed_tokens import BadToken, Keys, decode_signed, encode_signed

TOKEN_TYPE: Final = "parental-consent"  # noqa: S105 - a token kind, not a secret
# An opaque id of the host application's sign-up attempt: no "@", so it cannot be an e-mail address.
CHILD_REFERENCE_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"
SUBJECT_ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"
REQUEST_ID_PATTERN: Final = r"^[0-9a-f]{32}$"
_MAX_EPOCH_SECONDS: Final = 253_402_300_799

Decision = Literal["approve", "deny"]
ChildReference = Annotated[str, Field(pattern=CHILD_REFERENCE_PATTERN)]
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN)]


# ---------------------------------------------------------------- errors
class InvalidConfirmationToken(InvalidRequest):
    default_code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("The confirmation token is malformed or its signature does not match.")


class ExpiredConfirmationToken(InvalidRequest):
    default_code = "expired_token"

    def __init__(self) -> None:
        super().__init__("The confirmation link has expired; the sign-up must ask for consent again.")


class ConfirmationTokenUsed(InvalidRequest):
    default_code = "token_used"

    def __init__(self) -> None:
        super().__init__("This confirmation link was already used; nothing was changed.")


class NotLinked(NotFound):
    """A parent asking about a child that is not theirs gets exactly what an unknown child gets."""

    def __init__(self) -> None:
        super().__init__("No child with this id is linked to your account.")


class LinkConflict(Conflict):
    default_code = "link_conflict"


class ChildNotBound(Conflict):
    """Only an account whose own sign-up named this request may be linked by it: never an existing account."""

    default_code = "child_not_bound"

    def __init__(self) -> None:
        super().__init__("This account was not bound to this consent request by its own sign-up; it cannot be linked.")


class ParentNotAddressee(Conflict):
    """Only the account whose verified e-mail address received the consent mail may be linked as the parent."""

    default_code = "parent_not_addressee"

    def __init__(self) -> None:
        super().__init__(
            "The consent mail went to another address: only an account whose verified e-mail address is the one the "
            "mail was sent to can be linked as the parent."
        )


class ParentalConsentNotRequired(Conflict):
    """The account's birth date is missing or says its consent is its own: a parent would have no rights over it."""

    default_code = "parental_consent_not_required"

    def __init__(self) -> None:
        super().__init__("This account's birth date does not require a parent's consent; it cannot be linked.")


class NoParentalPath(Conflict):
    """The product's policy lets no parent consent for a child under its age (Imocloud: no one under 18)."""

    default_code = "parental_consent_unavailable"

    def __init__(self) -> None:
        super().__init__("This service's policy admits no one under its minimum age, even with a parent's consent.")


class ChildAlreadyLinked(Conflict):
    default_code = "child_already_linked"

    def __init__(self) -> None:
        super().__init__("This child account is already linked to a parent.")


class ParentalRightsEnded(Forbidden):
    """The child is of age: their data and their rights are theirs alone (no age or date in the answer)."""

    default_code = "parental_rights_ended"

    def __init__(self) -> None:
        super().__init__(
            "This child has reached the age of digital consent: they exercise their rights themselves, "
            "and their data is no longer shown to a parent."
        )


# ---------------------------------------------------------------- the age check
def parental_rights_apply(
    birth_date: date | None, country: str | None, now: datetime, *, table: AgeOfConsentTable, minimum_age: int
) -> bool:
    """Whether a parent still exercises a linked child's rights: only while the child's age requires a parent's
    consent in the child's country (GDPR Art. 8, COPPA). Without a usable birth date the link, made because consent
    was required, stands."""
    if birth_date is None:
        return True
    try:
        return check_minor(birth_date, country, now, table=table, minimum_age=minimum_age).parental_consent_required
    except InvalidBirthDate:
        return True


# ---------------------------------------------------------------- entities
class PendingRequest(BaseModel):
    """A sign-up waiting for a parent: the only place the parent's e-mail address is ever stored."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    parent_email: str
    child_reference: str
    country: str
    created_at: datetime
    expires_at: datetime


class ApprovedRequest(BaseModel):
    """A parent said yes; the e-mail address is gone (only its keyed digest is kept, to recognise the parent's
    account), the link to the accounts is still to be made.

    `child_subject_id`: the one child the approval admits, set once, when that child's sign-up is bound to it (or
    when the link is made): no other sign-up may present it, no other account be linked by it."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    child_reference: str
    country: str
    approved_at: datetime
    expires_at: datetime
    parent_subject_id: str | None = None
    child_subject_id: str | None = None
    parent_email_digest: str | None = None  # address_digest of the address the consent mail went to


class ChildBinding(BaseModel):
    """A child's own sign-up named a consent request (its client metadata): the only account that request may link,
    and its one parent once linked."""

    model_config = ConfigDict(frozen=True)

    child_subject_id: str
    request_id: str
    bound_at: datetime
    parent_subject_id: str | None = None


class ChildLink(BaseModel):
    """Parent -> child: the proof of parental consent, and what lets the parent exercise the child's rights."""

    model_config = ConfigDict(frozen=True)

    parent_subject_id: str
    child_subject_id: str
    request_id: str
    child_reference: str
    approved_at: datetime
    linked_at: datetime


class IssuedRequest(BaseModel):
    """What the host application learns of a request: no token (that is in the parent's e-mail only)."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    expires_at: datetime


# ---------------------------------------------------------------- decision rules
def parent_of_link(approved: ApprovedRequest, given: str | None) -> str:
    """The parent an approval links to: the one named at approval, or the one the host application names now."""
    if approved.parent_subject_id and given and given != approved.parent_subject_id:
        raise LinkConflict("The consent was approved for another parent account.")
    parent = approved.parent_subject_id or given
    if not parent:
        raise InvalidRequest("The approval names no parent account: send parent_subject_id.", code="parent_required")
    return parent


def address_digest(key: bytes, address: str) -> str:
    """A keyed digest (HMAC-SHA256) of an e-mail address, trimmed and lower-cased: compares addresses, reveals none."""
    return hmac.new(key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def check_parent_is_addressee(approved: ApprovedRequest, verified_email: str | None, key: bytes) -> None:
    """The parent's account must hold, verified, the very address the consent mail went to: whoever answered it read
    that mailbox. An approval without a digest (recorded before digests were kept) links no one."""
    expected = approved.parent_email_digest
    if not expected or verified_email is None:
        raise ParentNotAddressee()
    if not hmac.compare_digest(address_digest(key, verified_email), expected):
        raise ParentNotAddressee()


def check_child_of_link(approved: ApprovedRequest, child_subject_id: str, parent_subject_id: str) -> None:
    if child_subject_id == parent_subject_id:
        raise InvalidRequest("A parent cannot be linked as their own child.", code="invalid_link")
    if approved.child_subject_id and approved.child_subject_id != child_subject_id:
        raise LinkConflict("This consent is already linked to another child account.")


def check_bound_child(
    approved: ApprovedRequest,
    binding: ChildBinding | None,
    parent_subject_id: str,
    birth_date: date | None,
    country: str | None,
    now: datetime,
    *,
    table: AgeOfConsentTable,
    minimum_age: int,
) -> None:
    """A link is made only for the account the request's own child sign-up bound to it, whose birth date needs a
    parent's consent now (in its country, else the request's), and which has no other parent."""
    if binding is None or binding.request_id != approved.request_id:
        raise ChildNotBound()
    if binding.parent_subject_id is not None and binding.parent_subject_id != parent_subject_id:
        raise ChildAlreadyLinked()
    if birth_date is None:
        raise ParentalConsentNotRequired()
    try:
        check = check_minor(birth_date, country or approved.country, now, table=table, minimum_age=minimum_age)
    except InvalidBirthDate:
        raise ParentalConsentNotRequired() from None
    if not check.parental_consent_required:
        raise ParentalConsentNotRequired()


# ---------------------------------------------------------------- confirmation tokens
class ConfirmationClaim(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    expires_at: datetime
    token_id: str


class _Payload(BaseModel):
    """The wire format: short keys; strict types and a fixed type reject anything we did not sign as this."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    typ: Literal["parental-consent"]
    rid: str = Field(pattern=REQUEST_ID_PATTERN)
    exp: int = Field(ge=0, le=_MAX_EPOCH_SECONDS)
    jti: str = Field(min_length=1, max_length=64)


def issue_confirmation_token(secret: Keys, *, request_id: str, expires_at: datetime, token_id: str) -> str:
    """A URL-safe token naming the request; `expires_at` is truncated to whole seconds."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be a timezone-aware datetime")
    payload = _Payload(typ=TOKEN_TYPE, rid=request_id, exp=int(expires_at.timestamp()), jti=token_id)
    return encode_signed(secret, payload.model_dump(exclude={"typ"}), typ=TOKEN_TYPE)


def verify_confirmation_token(secret: Keys, token: str, *, now: datetime) -> ConfirmationClaim:
    """The claim in `token`; InvalidConfirmationToken for anything we did not sign, else ExpiredConfirmationToken.

    Single use is the caller's job (it needs storage): spend `token_id` in the transaction that records the decision.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    try:
        payload = _Payload.model_validate(decode_signed(secret, token, typ=TOKEN_TYPE))
    except (BadToken, ValidationError) as error:
        raise InvalidConfirmationToken() from error
    expires_at = datetime.fromtimestamp(payload.exp, tz=UTC)
    if now >= expires_at:
        raise ExpiredConfirmationToken()
    return ConfirmationClaim(request_id=payload.rid, expires_at=expires_at, token_id=payload.jti)
