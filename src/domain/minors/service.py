"""Parental consent use cases: ask a parent, record the parent's single decision, link the accounts, and the
parent's view of the linked children. Events carry ids and the host's opaque reference, never an e-mail, and never
the confirmation token: that goes to the parent's mailbox only (domain.minors.mail)."""

from collections.abc import Callable
from datetime import datetime, timedelta

from domain.audit.model import Actor, AuditEntry
from domain.clock import Clock, epoch_seconds
from domain.errors import Conflict, NotFound
from domain.minors.mail import ParentNotice, check_language, confirmation_link, consent_request_mail
from domain.minors.model import (
    ApprovedRequest,
    ChildLink,
    ConfirmationTokenUsed,
    Decision,
    IssuedRequest,
    NoParentalPath,
    NotLinked,
    PendingRequest,
    address_digest,
    check_bound_child,
    check_child_of_link,
    check_parent_is_addressee,
    issue_confirmation_token,
    parent_of_link,
    verify_confirmation_token,
)
from domain.minors.ports import (
    BindingMoved,
    ChainMoved,
    ParentalStore,
    ParentMailPort,
    ProfileStore,
    RequestEnded,
    SubjectMissing,
    TokenSpent,
    VerifiedEmailPort,
)
from domain.minors.rules import AgeOfConsentTable
from domain.signed_tokens import Keys

LINK_ATTEMPTS = 5
DECISION_ATTEMPTS = 5
DECISION_ACTIONS: dict[Decision, str] = {"approve": "parental.consent_approved", "deny": "parental.consent_denied"}


def decision_audit_subject(request_id: str) -> str:
    """Whose audit chain holds a parent's decision. The child has no account when the parent answers (the host
    application links one later, and that link is recorded in the child's chain with the same request id), so
    the decision is chained under the consent request itself, as visitors' consents are under `visitor:<id>`."""
    return f"parental-request:{request_id}"


class ParentalService:
    def __init__(
        self,
        store: ParentalStore,
        clock: Clock,
        *,
        new_id: Callable[[], str],
        token_secret: Callable[[], Keys],
        expiry: timedelta,
        mailer: ParentMailPort,
        confirm_url: str,
        profiles: ProfileStore,
        age_table: AgeOfConsentTable,
        notice: ParentNotice | None,
        address_key: Callable[[], bytes],
        verified_emails: VerifiedEmailPort,
        minimum_consent_age: int = 0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.token_secret = token_secret
        self.expiry = expiry
        self.mailer = mailer
        self.confirm_url = confirm_url
        self.profiles = profiles
        self.age_table = age_table
        self.minimum_consent_age = minimum_consent_age
        self.notice = notice  # the policy's words on what is collected and why; None: the policy has no parental path
        self.address_key = address_key  # keys the digest of the mailed address that recognises the parent's account
        self.verified_emails = verified_emails

    # ------------------------------------------------------------------ host application
    def request(self, parent_email: str, country: str, child_reference: str, *, language: str = "en") -> IssuedRequest:
        """Stores the pending request, then e-mails the parent the link with the single-use token. The caller gets
        the request id only: whoever can answer for the parent must read the parent's mailbox. (If the mail service
        refuses, the request stays pending without a link and expires; the host application asks again.) A language
        the policy does not offer is refused before anything is stored."""
        if self.notice is None:
            raise NoParentalPath
        check_language(self.notice, language)
        now = self.clock.now()
        expires_at = datetime.fromtimestamp(epoch_seconds(now + self.expiry), tz=now.tzinfo)
        request = PendingRequest(
            request_id=self.new_id(),
            parent_email=parent_email,
            child_reference=child_reference,
            country=country,
            created_at=now,
            expires_at=expires_at,
        )
        token = issue_confirmation_token(
            self.token_secret(), request_id=request.request_id, expires_at=expires_at, token_id=self.new_id()
        )
        self.store.create(request, event=("ParentalConsentRequested", {"request_id": request.request_id}))
        link = confirmation_link(self.confirm_url, token)
        mail = consent_request_mail(
            parent_email, language=language, link=link, expires_at=expires_at, notice=self.notice
        )
        self.mailer.send(mail)
        return IssuedRequest(request_id=request.request_id, expires_at=expires_at)

    def link(self, request_id: str, child_subject_id: str, parent_subject_id: str | None = None) -> ChildLink:
        """Links the bound child to the parent: the account whose verified e-mail address received the consent mail
        (else ParentNotAddressee), whichever account the host application names."""
        verified: dict[str, str | None] = {}  # the identity provider is asked once per parent, not once per retry
        for _ in range(LINK_ATTEMPTS):
            approved = self.store.approved(request_id)
            if approved is None:
                raise NotFound("No approved parental consent request with this id (it may have expired).")
            parent = parent_of_link(approved, parent_subject_id)
            check_child_of_link(approved, child_subject_id, parent)
            now = self.clock.now()
            child = self.profiles.profile(child_subject_id)
            if child is None:
                raise NotFound("No account with this id: the child and the parent must both have signed up.")
            check_bound_child(
                approved,
                self.store.binding(child_subject_id),
                parent,
                child.birth_date,
                child.country,
                now,
                table=self.age_table,
                minimum_age=self.minimum_consent_age,
            )
            if parent not in verified:
                verified[parent] = self.verified_emails.verified_email(parent)
            check_parent_is_addressee(approved, verified[parent], self.address_key())
            link = ChildLink(
                parent_subject_id=parent,
                child_subject_id=child_subject_id,
                request_id=request_id,
                child_reference=approved.child_reference,
                approved_at=approved.approved_at,
                linked_at=now,
            )
            details: dict[str, str | int | bool | list[str]] = {"request_id": request_id}
            audits = [
                (parent, AuditEntry(action="parental.child_linked", actor="app", at=now, details=details)),
                (child_subject_id, AuditEntry(action="parental.consent_linked", actor="app", at=now, details=details)),
            ]
            try:
                self.store.link(approved, link, audits=audits)
                return link
            except SubjectMissing:
                raise NotFound("No account with this id: the child and the parent must both have signed up.") from None
            except (RequestEnded, BindingMoved, ChainMoved):
                continue  # read the approval again: a concurrent link either matches ours or conflicts
        raise Conflict("The consent request changed while linking; please retry.")

    # ------------------------------------------------------------------ parent, by the e-mailed link
    def confirm(self, token: str, decision: Decision, *, correlation_id: str | None = None) -> str:
        """Records the parent's decision once, with its audit record; returns the request id."""
        now = self.clock.now()
        claim = verify_confirmation_token(self.token_secret(), token, now=now)
        spend = (claim.token_id, epoch_seconds(claim.expires_at))
        for _ in range(DECISION_ATTEMPTS):
            request = self.store.pending(claim.request_id)
            if request is None:
                # Decided already (this token, or a replay of it): the request left the pending state.
                raise ConfirmationTokenUsed()
            entry = AuditEntry(
                action=DECISION_ACTIONS[decision],
                actor="parent",
                at=now,
                request_id=request.request_id,
                correlation_id=correlation_id,
            )
            audit = (decision_audit_subject(request.request_id), entry)
            detail: dict[str, object] = {"request_id": request.request_id, "child_reference": request.child_reference}
            try:
                if decision == "approve":
                    approved = self._approved(request, now)
                    self.store.approve(
                        request, approved, spend=spend, event=("ParentalConsentGranted", detail), audit=audit
                    )
                else:
                    self.store.deny(request, spend=spend, event=("ParentalConsentDenied", detail), audit=audit)
            except (TokenSpent, RequestEnded):
                raise ConfirmationTokenUsed() from None
            except ChainMoved:
                continue  # nothing was written: read the request again
            return request.request_id
        raise Conflict("The consent request changed while recording the decision; please retry.")

    def _approved(self, request: PendingRequest, now: datetime) -> ApprovedRequest:
        return ApprovedRequest(
            request_id=request.request_id,
            child_reference=request.child_reference,
            country=request.country,
            approved_at=now,
            expires_at=now + self.expiry,  # the time the host application has to link the accounts
            parent_email_digest=address_digest(self.address_key(), request.parent_email),
        )

    # ------------------------------------------------------------------ parent, signed in
    def children(self, parent_subject_id: str) -> list[ChildLink]:
        return sorted(self.store.children(parent_subject_id), key=lambda link: link.linked_at)

    def linked_child(self, parent_subject_id: str, child_subject_id: str) -> ChildLink:
        link = self.store.link_of(parent_subject_id, child_subject_id)
        if link is None:
            raise NotLinked()
        return link

    def record_withdrawal(self, link: ChildLink, *, receipt_id: str | None, actor: Actor = "parent") -> None:
        now = self.clock.now()
        detail: dict[str, object] = {
            "child_subject_id": link.child_subject_id,
            "parent_subject_id": link.parent_subject_id,
            "request_id": link.request_id,
            "receipt_id": receipt_id,
        }
        audit = AuditEntry(
            action="parental.consent_withdrawn",
            actor=actor,
            at=now,
            details={"request_id": link.request_id, "receipt_id": receipt_id or ""},
        )
        self.store.record_withdrawal(link, event=("ParentalConsentWithdrawn", detail), audit=audit)
