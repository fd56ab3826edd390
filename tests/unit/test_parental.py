"""Parental consent: confirmation tokens, the age check at its boundaries, and the use cases on a fake store."""

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import count

import pytest

from domain.audit.model import AuditEntry
from domain.clock import FixedClock
from domain.consent.unsubscribe import InvalidToken, issue_token, verify_token
from domain.errors import Conflict, InvalidRequest, NotFound
from domain.minors.mail import LANGUAGES, ParentMail, ParentNotice
from domain.minors.model import (
    ApprovedRequest,
    ChildAlreadyLinked,
    ChildBinding,
    ChildLink,
    ChildNotBound,
    ConfirmationClaim,
    ConfirmationTokenUsed,
    ExpiredConfirmationToken,
    InvalidConfirmationToken,
    LinkConflict,
    ParentalConsentNotRequired,
    ParentNotAddressee,
    PendingRequest,
    issue_confirmation_token,
    parent_of_link,
    parental_rights_apply,
    verify_confirmation_token,
)
from domain.minors.ports import Audit, BindingMoved, ChainMoved, Event, RequestEnded, Spend, SubjectMissing, TokenSpent
from domain.minors.rules import check_minor, load_age_table, minimum_age_override
from domain.minors.service import ParentalService
from domain.profile import Profile
from policy.catalog import to_parent_notice
from policy.loader import load_policy

SECRET = b"parental-secret-with-enough-entropy-0123456789"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ADDRESS_KEY = b"pseudonym-key-with-enough-entropy-0123456789"
EXPIRES_AT = NOW + timedelta(days=7)
REQUEST_ID = "0b7f3c2a9d8e4f1a6b5c4d3e2f1a0b9c"


@pytest.fixture
def token() -> str:
    return issue_confirmation_token(SECRET, request_id=REQUEST_ID, expires_at=EXPIRES_AT, token_id="jti-1")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------- tokens
def test_a_confirmation_token_verifies_to_what_was_issued(token):
    claim = verify_confirmation_token(SECRET, token, now=NOW)
    assert claim == ConfirmationClaim(request_id=REQUEST_ID, expires_at=EXPIRES_AT, token_id="jti-1")


def test_a_confirmation_token_carries_no_e_mail_and_only_the_request_id(token):
    payload = json.loads(_unb64(token.split(".")[0]))
    assert set(payload) == {"typ", "rid", "exp", "jti"}
    assert "@" not in token


def test_a_tampered_payload_is_rejected(token):
    payload, signature = token.split(".")
    forged = json.loads(_unb64(payload)) | {"rid": "f" * 32}
    forged_token = f"{_b64(json.dumps(forged, separators=(',', ':'), sort_keys=True).encode())}.{signature}"
    with pytest.raises(InvalidConfirmationToken):
        verify_confirmation_token(SECRET, forged_token, now=NOW)


def test_a_tampered_signature_is_rejected(token):
    payload, signature = token.split(".")
    flipped = bytearray(_unb64(signature))
    flipped[0] ^= 1
    with pytest.raises(InvalidConfirmationToken):
        verify_confirmation_token(SECRET, f"{payload}.{_b64(bytes(flipped))}", now=NOW)


def test_a_token_signed_with_another_secret_is_rejected(token):
    with pytest.raises(InvalidConfirmationToken):
        verify_confirmation_token(b"another-secret", token, now=NOW)


@pytest.mark.parametrize("moment", [EXPIRES_AT, EXPIRES_AT + timedelta(seconds=1), EXPIRES_AT + timedelta(days=30)])
def test_a_token_is_expired_from_its_expiry_on(token, moment):
    with pytest.raises(ExpiredConfirmationToken):
        verify_confirmation_token(SECRET, token, now=moment)


def test_a_token_is_valid_one_second_before_expiry(token):
    assert verify_confirmation_token(SECRET, token, now=EXPIRES_AT - timedelta(seconds=1)).request_id == REQUEST_ID


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "!!!.???", "a" * 3000, "e30.e30"])
def test_malformed_tokens_are_invalid_not_errors(garbage):
    with pytest.raises(InvalidConfirmationToken):
        verify_confirmation_token(SECRET, garbage, now=NOW)


def test_an_unsubscribe_token_is_not_a_confirmation_token_and_vice_versa(token):
    # Both kinds are signed with the same key: the token type keeps them apart
    unsubscribe = issue_token(SECRET, subject_id="s", purpose="newsletters", expires_at=EXPIRES_AT, token_id="t")
    with pytest.raises(InvalidConfirmationToken):
        verify_confirmation_token(SECRET, unsubscribe, now=NOW)
    with pytest.raises(InvalidToken):
        verify_token(SECRET, token, now=NOW)


# ---------------------------------------------------------------- age checks at the boundaries
def noon(day: date) -> datetime:
    """Noon UTC: the one moment of a day when it is that same date everywhere from UTC-12 to UTC+11."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


@pytest.mark.parametrize(
    ("country", "age_of_consent"), [("DE", 16), ("FR", 15), ("ES", 14), ("GB", 13), ("UK", 13), ("US", 13), ("BR", 16)]
)
def test_the_birthday_itself_is_enough_and_the_day_before_is_not(country, age_of_consent):
    today = noon(date(2026, 6, 1))
    born = date(2026 - age_of_consent, 6, 1)
    on_birthday = check_minor(born, country, today, table=load_age_table(), minimum_age=0)
    day_before = check_minor(born, country, today - timedelta(days=1), table=load_age_table(), minimum_age=0)
    assert (on_birthday.age, on_birthday.parental_consent_required) == (age_of_consent, False)
    assert (day_before.age, day_before.parental_consent_required) == (age_of_consent - 1, True)
    assert on_birthday.age_of_consent == day_before.age_of_consent == age_of_consent


def test_a_leap_day_child_reaches_the_age_on_the_first_of_march():
    born = date(2008, 2, 29)
    assert check_minor(born, "FR", noon(date(2023, 2, 28)), table=load_age_table(), minimum_age=0).age == 14
    assert check_minor(born, "FR", noon(date(2023, 3, 1)), table=load_age_table(), minimum_age=0).age == 15


def test_the_configured_minimum_makes_a_country_stricter():
    born, today = date(2012, 6, 1), noon(date(2026, 6, 1))  # 14 today
    assert check_minor(born, "ES", today, table=load_age_table(), minimum_age=0).parental_consent_required is False
    stricter = check_minor(born, "ES", today, table=load_age_table(), minimum_age=16)
    assert (stricter.age_of_consent, stricter.parental_consent_required) == (16, True)


def test_the_configured_minimum_never_lowers_the_law():
    check = check_minor(date(2012, 6, 1), "DE", noon(date(2026, 6, 1)), table=load_age_table(), minimum_age=13)
    assert (check.age_of_consent, check.parental_consent_required) == (16, True)


def test_zero_means_no_override():
    assert minimum_age_override(0) is None
    assert minimum_age_override(15) == 15


@pytest.mark.parametrize(
    ("born", "country", "expected"),
    [
        (date(2010, 6, 2), "DE", True),  # 15 in Germany, where 16 is needed
        (date(2010, 6, 1), "DE", False),  # 16 today
        (date(2000, 1, 1), "DE", False),
        (date(2013, 6, 1), "US", False),  # 13 today: COPPA no longer applies
        (date(2013, 6, 2), "US", True),
        (date(2010, 6, 2), None, True),  # no country: the default, 16
        (None, "DE", True),  # no birth date: the link, made because consent was needed, stands
    ],
)
def test_a_parent_acts_for_a_child_only_while_the_childs_age_needs_a_parents_consent(born, country, expected):
    today = noon(date(2026, 6, 1))
    assert parental_rights_apply(born, country, today, table=load_age_table(), minimum_age=0) is expected


def test_a_parent_still_acts_for_a_us_child_on_the_evening_before_their_13th_birthday():
    # 22:00 EDT on 23 November 2026 is already the 24th, the birthday, in UTC
    evening = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert parental_rights_apply(date(2013, 11, 24), "US", evening, table=load_age_table(), minimum_age=0)


def test_a_stricter_service_minimum_keeps_parental_rights_longer():
    assert parental_rights_apply(date(2010, 6, 1), "DE", noon(date(2026, 6, 1)), table=load_age_table(), minimum_age=18)


# ---------------------------------------------------------------- use cases on a fake store
class FakeStore:
    """Holds what the DynamoDB store holds, and records the events it would publish."""

    def __init__(self) -> None:
        self.pending_items: dict[str, PendingRequest] = {}
        self.approved_items: dict[str, ApprovedRequest] = {}
        self.spent: set[str] = set()
        self.links: dict[tuple[str, str], ChildLink] = {}
        self.profiles: set[str] = set()
        self.birth_dates: dict[str, date | None] = {}
        self.bindings: dict[str, ChildBinding] = {}
        self.events: list[Event] = []
        self.audits: list[tuple[str, AuditEntry]] = []
        self.chain_moves = 0  # how many decisions to cancel as if another record had landed in the chain first

    def create(self, request: PendingRequest, *, event: Event) -> None:
        self.pending_items[request.request_id] = request
        self.events.append(event)

    def pending(self, request_id: str) -> PendingRequest | None:
        return self.pending_items.get(request_id)

    def _spend(self, request: PendingRequest, spend: Spend, audit: Audit) -> None:
        if spend[0] in self.spent:
            raise TokenSpent
        if request.request_id not in self.pending_items:
            raise RequestEnded
        if self.chain_moves:
            self.chain_moves -= 1
            raise ChainMoved
        self.spent.add(spend[0])
        del self.pending_items[request.request_id]
        self.audits.append(audit)

    def approve(
        self, request: PendingRequest, approved: ApprovedRequest, *, spend: Spend, event: Event, audit: Audit
    ) -> None:
        self._spend(request, spend, audit)
        self.approved_items[request.request_id] = approved
        self.events.append(event)

    def deny(self, request: PendingRequest, *, spend: Spend, event: Event, audit: Audit) -> None:
        self._spend(request, spend, audit)
        self.events.append(event)

    def approved(self, request_id: str) -> ApprovedRequest | None:
        return self.approved_items.get(request_id)

    def sign_up(self, subject_id: str, *, born: date | None = None, bound_to: str | None = None) -> None:
        """A sign-up, as the post-confirmation trigger records it (bound to a consent request if it named one)."""
        self.profiles.add(subject_id)
        self.birth_dates[subject_id] = born
        if bound_to:
            self.bindings[subject_id] = ChildBinding(child_subject_id=subject_id, request_id=bound_to, bound_at=NOW)

    def profile(self, subject_id: str) -> Profile | None:
        if subject_id not in self.profiles:
            return None
        born = self.birth_dates.get(subject_id)
        return Profile(subject_id=subject_id, country="DE", birth_date=born, created_at=NOW, updated_at=NOW)

    def binding(self, child_subject_id: str) -> ChildBinding | None:
        return self.bindings.get(child_subject_id)

    def link(self, approved: ApprovedRequest, link: ChildLink, *, audits: list[tuple[str, AuditEntry]]) -> None:
        if not {link.parent_subject_id, link.child_subject_id} <= self.profiles:
            raise SubjectMissing
        binding = self.bindings.get(link.child_subject_id)
        if binding is None or binding.request_id != link.request_id:
            raise BindingMoved
        if binding.parent_subject_id not in (None, link.parent_subject_id):
            raise BindingMoved
        self.bindings[link.child_subject_id] = binding.model_copy(update={"parent_subject_id": link.parent_subject_id})
        self.approved_items[approved.request_id] = approved.model_copy(
            update={"parent_subject_id": link.parent_subject_id, "child_subject_id": link.child_subject_id}
        )
        self.links[(link.parent_subject_id, link.child_subject_id)] = link
        self.audits += audits

    def link_of(self, parent_subject_id: str, child_subject_id: str) -> ChildLink | None:
        return self.links.get((parent_subject_id, child_subject_id))

    def children(self, parent_subject_id: str) -> list[ChildLink]:
        return [link for (parent, _), link in self.links.items() if parent == parent_subject_id]

    def record_withdrawal(self, link: ChildLink, *, event: Event, audit: AuditEntry) -> None:
        self.events.append(event)
        self.audits.append((link.child_subject_id, audit))


class FakeMailer:
    """Records every mail the service sends, instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[ParentMail] = []

    def send(self, mail: ParentMail) -> None:
        self.sent.append(mail)

    def token_to(self, address: str) -> str:
        """The confirmation token in the last mail to `address`, as the parent would take it from the link."""
        (*_, mail) = [mail for mail in self.sent if mail.to == address]
        found = re.search(r"parental_consent=([A-Za-z0-9._-]+)", mail.body)
        assert found, mail.body
        return found.group(1)


CONFIRM_URL = "https://privacy.example/"
NOTICE = to_parent_notice(load_policy("mindomo"))


class FakeVerifiedEmails:
    """The identity provider's verified address of each login (a login without one is absent)."""

    def __init__(self) -> None:
        self.addresses: dict[str, str] = {"parent-1": "parent@example.org"}
        self.asked: list[str] = []

    def verified_email(self, subject_id: str) -> str | None:
        self.asked.append(subject_id)
        return self.addresses.get(subject_id)


@pytest.fixture
def verified_emails() -> FakeVerifiedEmails:
    return FakeVerifiedEmails()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


def parental_service(
    store: FakeStore, mailer: FakeMailer, verified_emails: FakeVerifiedEmails, notice: ParentNotice | None = NOTICE
) -> ParentalService:
    """The service at NOW over the fakes, with ids 1, 2, 3… and the given policy's notice (mindomo's by default)."""
    ids = count(1)
    return ParentalService(
        store,
        FixedClock(NOW),
        new_id=lambda: f"{next(ids):032x}",
        token_secret=lambda: SECRET,
        expiry=timedelta(days=7),
        mailer=mailer,
        confirm_url=CONFIRM_URL,
        profiles=store,
        age_table=load_age_table(),
        notice=notice,
        address_key=lambda: ADDRESS_KEY,
        verified_emails=verified_emails,
    )


@pytest.fixture
def service(store: FakeStore, mailer: FakeMailer, verified_emails: FakeVerifiedEmails) -> ParentalService:
    return parental_service(store, mailer, verified_emails)


@pytest.fixture
def sent_token(mailer: FakeMailer):
    return lambda: mailer.token_to("parent@example.org")


def test_a_request_keeps_the_e_mail_but_its_event_never_carries_it(service, store):
    issued = service.request("parent@example.org", "DE", "signup-1")
    assert store.pending_items[issued.request_id].parent_email == "parent@example.org"
    detail_type, detail = store.events[-1]
    assert detail_type == "ParentalConsentRequested"
    assert detail == {"request_id": issued.request_id}
    assert "@" not in json.dumps(detail)


def test_the_confirmation_token_reaches_only_the_parents_mailbox(service, store, mailer):
    # Given a host application asking a parent for consent
    issued = service.request("parent@example.org", "DE", "signup-1")
    # Then one mail went to the parent, with a link that carries a token valid for this request
    (mail,) = mailer.sent
    assert mail.to == "parent@example.org"
    token = mailer.token_to("parent@example.org")
    assert verify_confirmation_token(SECRET, token, now=NOW).request_id == issued.request_id
    assert f"{CONFIRM_URL}?parental_consent={token}" in mail.body
    # And neither the caller's answer nor the published event carries it (attack step 1: the host gets no token)
    assert "token" not in issued.model_dump()
    assert token not in issued.model_dump_json()
    assert all(token not in json.dumps(detail) for _, detail in store.events)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_parents_mail_says_what_is_collected_why_and_the_parents_rights(service, mailer, language):
    # Given a request in one of the supported languages
    service.request("parent@example.org", "FR", "signup-1", language=language)
    # Then the mail, in that language, explains collection, purpose and rights, and when the link expires
    (mail,) = mailer.sent
    assert mail.language == language
    for section in ("collected", "why", "rights"):
        assert mail.sections[section] in mail.body
    assert "2026-06-08" in mail.body
    assert "signup-1" not in mail.body  # the host's reference is not the parent's business


def test_each_language_has_its_own_wording():
    from domain.minors.mail import consent_request_mail

    bodies = {
        language: consent_request_mail("p@example.org", language=language, link="L", expires_at=NOW, notice=NOTICE).body
        for language in LANGUAGES
    }
    assert len(set(bodies.values())) == len(LANGUAGES) >= 3


def test_an_approval_drops_the_e_mail_and_a_replay_changes_nothing(service, store, sent_token):
    issued = service.request("parent@example.org", "DE", "signup-2")
    service.confirm(sent_token(), "approve")
    assert issued.request_id not in store.pending_items
    assert "parent@example.org" not in store.approved_items[issued.request_id].model_dump_json()
    assert store.events[-1] == (
        "ParentalConsentGranted",
        {"request_id": issued.request_id, "child_reference": "signup-2"},
    )
    events_before = list(store.events)
    with pytest.raises(ConfirmationTokenUsed):
        service.confirm(sent_token(), "deny")
    assert store.events == events_before


def test_a_denial_deletes_the_request_and_says_so(service, store, sent_token):
    issued = service.request("parent@example.org", "DE", "signup-3")
    service.confirm(sent_token(), "deny")
    assert store.pending_items == {}
    assert store.approved_items == {}
    assert store.events[-1] == (
        "ParentalConsentDenied",
        {"request_id": issued.request_id, "child_reference": "signup-3"},
    )


def test_a_decision_is_audited_as_the_parents_under_the_request(service, store, sent_token):
    # Given a pending request
    issued = service.request("parent@example.org", "DE", "signup-7")
    # When the parent denies it
    service.confirm(sent_token(), "deny", correlation_id="corr-1")
    # Then one audit record of the parent's decision is chained under the request, with no e-mail address
    ((subject, entry),) = store.audits
    assert subject == f"parental-request:{issued.request_id}"
    assert (entry.action, entry.actor, entry.request_id) == ("parental.consent_denied", "parent", issued.request_id)
    assert entry.correlation_id == "corr-1"
    assert "@" not in json.dumps(entry.details)


def test_a_decision_whose_audit_chain_moved_is_recorded_once_on_the_next_try(service, store, sent_token):
    # Given a pending request whose first decision transaction is cancelled because the audit chain moved
    issued = service.request("parent@example.org", "DE", "signup-8")
    store.chain_moves = 1
    # When the parent approves it
    service.confirm(sent_token(), "approve")
    # Then the approval and its one audit record are recorded
    assert issued.request_id in store.approved_items
    assert [entry.action for _, entry in store.audits] == ["parental.consent_approved"]


def test_a_spent_token_is_used_even_when_the_request_is_still_pending(service, store, sent_token):
    # Given a token id recorded as spent (a concurrent confirm committed first)
    service.request("parent@example.org", "DE", "signup-4")
    store.spent.add(verify_confirmation_token(SECRET, sent_token(), now=NOW).token_id)
    with pytest.raises(ConfirmationTokenUsed):
        service.confirm(sent_token(), "approve")


CHILD_BORN = date(2015, 4, 2)  # 11 on NOW: a parent's consent is needed everywhere


def test_link_needs_both_accounts_and_names_the_parent(service, store, sent_token):
    issued = service.request("parent@example.org", "DE", "signup-5")
    service.confirm(sent_token(), "approve")
    with pytest.raises(NotFound):
        service.link(issued.request_id, "child-1", "parent-1")
    store.sign_up("child-1", born=CHILD_BORN, bound_to=issued.request_id)
    store.sign_up("parent-1")
    with pytest.raises(InvalidRequest):
        service.link(issued.request_id, "child-1")  # nobody named the parent
    link = service.link(issued.request_id, "child-1", "parent-1")
    assert service.linked_child("parent-1", "child-1") == link
    assert [a.action for _, a in store.audits] == [
        "parental.consent_approved",
        "parental.child_linked",
        "parental.consent_linked",
    ]


def test_another_parent_cannot_see_the_child(service, store, sent_token):
    issued = service.request("parent@example.org", "DE", "signup-6")
    store.sign_up("child-1", born=CHILD_BORN, bound_to=issued.request_id)
    store.sign_up("parent-1")
    service.confirm(sent_token(), "approve")
    service.link(issued.request_id, "child-1", "parent-1")
    with pytest.raises(NotFound):
        service.linked_child("parent-2", "child-1")


def test_an_approval_for_one_parent_cannot_be_linked_to_another():
    approved = ApprovedRequest(
        request_id=REQUEST_ID,
        child_reference="r",
        country="DE",
        approved_at=NOW,
        expires_at=EXPIRES_AT,
        parent_subject_id="parent-1",
    )
    assert parent_of_link(approved, None) == "parent-1"
    assert parent_of_link(approved, "parent-1") == "parent-1"
    with pytest.raises(LinkConflict):
        parent_of_link(approved, "parent-2")
    assert issubclass(LinkConflict, Conflict)


def test_unknown_approvals_are_not_found(service):
    with pytest.raises(NotFound):
        service.link("f" * 32, "child-1", "parent-1")


# ---------------------------------------------------------------- a link needs a child bound by its own sign-up
@pytest.fixture
def approved_request(service, sent_token) -> str:
    """A request the parent approved from the e-mailed link, and the parent's account."""
    issued = service.request("parent@example.org", "DE", "signup-9")
    service.confirm(sent_token(), "approve")
    service.store.sign_up("parent-1")
    return issued.request_id


def test_an_existing_account_that_no_sign_up_bound_to_the_request_cannot_be_linked(service, store, approved_request):
    # Given an existing adult who never gave a birth date, and an existing child, neither bound to the request
    store.sign_up("adult-1")
    store.sign_up("other-child", born=CHILD_BORN)
    # When the host application links either as the request's child
    for victim in ("adult-1", "other-child"):
        with pytest.raises(ChildNotBound) as refused:
            service.link(approved_request, victim, "parent-1")
        # Then it is refused as a conflict, and nothing is linked
        assert refused.value.code == "child_not_bound"
    assert isinstance(refused.value, Conflict)
    assert store.links == {}


def test_a_child_bound_to_another_request_cannot_be_linked_by_this_one(service, store, approved_request):
    store.sign_up("child-1", born=CHILD_BORN, bound_to="f" * 32)
    with pytest.raises(ChildNotBound):
        service.link(approved_request, "child-1", "parent-1")
    assert store.links == {}


@pytest.mark.parametrize("born", [None, date(2000, 1, 1), date(2010, 5, 31)], ids=["no-date", "adult", "16-in-DE"])
def test_a_bound_account_whose_birth_date_needs_no_parent_cannot_be_linked(service, store, approved_request, born):
    # Given an account bound at sign-up whose birth date is missing or says consent is theirs to give (DE: 16)
    store.sign_up("child-1", born=born, bound_to=approved_request)
    # When the host application links it
    with pytest.raises(ParentalConsentNotRequired) as refused:
        service.link(approved_request, "child-1", "parent-1")
    # Then it is refused: a parent's rights would not apply to this account
    assert (refused.value.code, store.links) == ("parental_consent_not_required", {})
    assert isinstance(refused.value, Conflict)


def test_a_child_who_has_a_parent_cannot_get_another(service, store, approved_request):
    # Given a bound child already linked to another parent
    store.sign_up("child-1", born=CHILD_BORN, bound_to=approved_request)
    store.bindings["child-1"] = store.bindings["child-1"].model_copy(update={"parent_subject_id": "parent-0"})
    # When the host application links it to parent-1
    with pytest.raises(ChildAlreadyLinked) as refused:
        service.link(approved_request, "child-1", "parent-1")
    # Then it is refused
    assert (refused.value.code, store.links) == ("child_already_linked", {})
    assert isinstance(refused.value, Conflict)


def test_a_bound_child_under_the_age_of_consent_is_linked_once(service, store, approved_request):
    store.sign_up("child-1", born=CHILD_BORN, bound_to=approved_request)
    link = service.link(approved_request, "child-1", "parent-1")
    assert service.link(approved_request, "child-1", "parent-1").request_id == link.request_id  # a retry: the same
    assert store.bindings["child-1"].parent_subject_id == "parent-1"


# ---------------------------------------------------------------- the parent is the one the mail went to
def test_the_approval_keeps_a_keyed_digest_of_the_mailed_address_not_the_address(service, store, approved_request):
    approved = store.approved(approved_request)
    assert approved is not None
    assert approved.parent_email_digest
    assert "parent@example.org" not in approved.model_dump_json()
    # keyed: without the pseudonym key, the digest cannot be tried against guessed addresses
    assert approved.parent_email_digest == hmac.new(ADDRESS_KEY, b"parent@example.org", hashlib.sha256).hexdigest()


def test_an_account_that_did_not_get_the_mail_cannot_be_linked_as_the_parent(
    service, store, verified_emails, approved_request
):
    # Given the bound child, and another account whose verified address is not the one the mail went to
    store.sign_up("child-1", born=CHILD_BORN, bound_to=approved_request)
    store.sign_up("parent-2")
    verified_emails.addresses["parent-2"] = "someone.else@example.org"
    # When the host application names that account as the parent
    with pytest.raises(ParentNotAddressee) as refused:
        service.link(approved_request, "child-1", "parent-2")
    # Then it is refused as a conflict, nothing is linked, and the mailed parent still can be
    assert (refused.value.code, store.links) == ("parent_not_addressee", {})
    assert isinstance(refused.value, Conflict)
    assert service.link(approved_request, "child-1", "parent-1").parent_subject_id == "parent-1"


def test_an_account_without_a_verified_address_cannot_be_linked_as_the_parent(
    service, store, verified_emails, approved_request
):
    store.sign_up("child-1", born=CHILD_BORN, bound_to=approved_request)
    del verified_emails.addresses["parent-1"]  # the address is not verified (or there is no login)
    with pytest.raises(ParentNotAddressee):
        service.link(approved_request, "child-1", "parent-1")
    assert store.links == {}


@pytest.mark.parametrize("address", ["Parent@Example.ORG", "  parent@example.org "])
def test_the_mailed_address_matches_whatever_its_case_and_surrounding_spaces(service, store, mailer, address):
    issued = service.request(address, "DE", "signup-10")
    service.confirm(mailer.token_to(address), "approve")
    store.sign_up("parent-1")
    store.sign_up("child-1", born=CHILD_BORN, bound_to=issued.request_id)
    assert service.link(issued.request_id, "child-1", "parent-1").parent_subject_id == "parent-1"


def test_an_approval_recorded_without_a_digest_links_no_one(service, store, approved_request):
    # Given an approval recorded before digests were kept
    store.sign_up("child-1", born=CHILD_BORN, bound_to=approved_request)
    approved = store.approved(approved_request)
    assert approved is not None
    store.approved_items[approved_request] = approved.model_copy(update={"parent_email_digest": None})
    with pytest.raises(ParentNotAddressee):
        service.link(approved_request, "child-1", "parent-1")
