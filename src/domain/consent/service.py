"""Consent use cases: read, change (with retry on a lost race), history, receipts, claim, unsubscribe."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.audit.model import Actor, AuditEntry
from domain.clock import Clock, epoch_seconds
from domain.consent.catalog import PurposeCatalog
from domain.consent.for_minors import PurposeNotForMinors, closed_grants, closed_to_minors, not_offered
from domain.consent.model import (
    ConsentChange,
    ConsentChangeRequest,
    ConsentReceipt,
    ConsentSource,
    ConsentState,
    ConsentView,
)
from domain.consent.ports import (
    ConcurrentChange,
    ConsentStore,
    HistoryPage,
    MinorPort,
    Owner,
    SubjectMissing,
    TokenSpent,
)
from domain.consent.rules import (
    Circumstances,
    merge_states,
    plan_change,
    plan_claim,
    view_consents,
    withdrawal_request,
)
from domain.consent.unsubscribe import InvalidToken, issue_token, verify_token
from domain.errors import Conflict, Gone, InvalidRequest, NotFound
from domain.retry import jittered_pause
from domain.signed_tokens import Keys

MAX_ATTEMPTS = 40  # a busy subject (50 simultaneous writers) still commits every change


class ChangeContended(Conflict):
    default_code = "concurrent_change"


class TokenAlreadyUsed(InvalidRequest):
    default_code = "token_used"


class SubjectGone(Gone):
    """An unsubscribe link whose account no longer exists: the link's job is done, nothing is written.

    The same answer for a purged account, one due for purge and an id that never had one; no id, no date."""

    default_code = "subject_gone"

    def __init__(self) -> None:
        super().__init__("The account this link was sent for no longer exists: there is nothing to unsubscribe from.")


@dataclass(frozen=True)
class RequestContext:
    """How a change reached us: proof of consent records this, never a raw IP address."""

    gpc_signal: bool = False
    dnt_signal: bool = False  # DNT: 1 as sent; it counts only where the catalog (the policy) honours it
    user_agent_family: str | None = None
    jurisdiction: str | None = None
    correlation_id: str | None = None


class ConsentService:
    def __init__(
        self,
        store: ConsentStore,
        catalog: PurposeCatalog,
        clock: Clock,
        *,
        new_id: Callable[[], str],
        max_age: timedelta,
        token_secret: Callable[[], Keys],
        pause: Callable[[int], None] = jittered_pause,
        visitor_accountability: timedelta,
        minors: MinorPort | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.new_id = new_id
        self.max_age = max_age
        self.token_secret = token_secret
        self.pause = pause
        self.visitor_accountability = visitor_accountability
        self.minors = minors  # who is under the age of digital consent (None: nobody's age is known)

    def current(self, owner: Owner, *, offers: bool = False) -> dict[str, ConsentView]:
        """The current view per purpose; with `offers`, the purposes closed to minors are marked not offered to a
        subject under the age of digital consent (one read of the profile when the catalog has such purposes)."""
        views = view_consents(self.store.load(owner), catalog=self.catalog, now=self.clock.now(), max_age=self.max_age)
        closed = closed_to_minors(self.catalog)
        if offers and closed and owner.kind == "subject" and self._is_minor(owner.id):
            return not_offered(views, closed)
        return views

    def _is_minor(self, subject_id: str) -> bool:
        return self.minors is not None and self.minors.under_age_of_consent(subject_id)

    def _check_grants_for_minors(self, owner: Owner, decisions: dict[str, bool]) -> None:
        """A subject under the age of digital consent cannot be granted a purpose closed to minors, whoever asks
        (the subject, or a parent): the profile is read only when such a purpose is granted."""
        closed = closed_grants(decisions, self.catalog)
        if closed and owner.kind == "subject" and self._is_minor(owner.id):
            raise PurposeNotForMinors.for_ids(closed)

    def change(
        self,
        owner: Owner,
        request: ConsentChangeRequest,
        context: RequestContext,
        *,
        actor: Actor,
        source_override: ConsentSource | None = None,
        spend_token: tuple[str, int] | None = None,
        require_subject: bool = False,
    ) -> ConsentReceipt:
        self._check_grants_for_minors(owner, request.decisions)

        def plan(state: ConsentState, now: datetime, receipt_id: str) -> ConsentChange:
            return plan_change(
                state,
                request,
                now=now,
                receipt_id=receipt_id,
                source_override=source_override,
                **self._circumstances(owner, context),
            )

        receipt = self._commit(
            owner, plan, context, actor=actor, spend_token=spend_token, require_subject=require_subject
        )
        if receipt is None:  # pragma: no cover - plan_change always plans a change
            raise RuntimeError("a consent change planned nothing")
        return receipt

    def _circumstances(self, owner: Owner, context: RequestContext) -> Circumstances:
        return Circumstances(
            catalog=self.catalog,
            subject_ref=owner.reference,
            gpc_signal=context.gpc_signal,
            dnt_signal=context.dnt_signal,
            jurisdiction=context.jurisdiction,
            user_agent_family=context.user_agent_family,
        )

    def _commit(
        self,
        owner: Owner,
        plan: Callable[[ConsentState, datetime, str], ConsentChange | None],
        context: RequestContext,
        *,
        actor: Actor,
        spend_token: tuple[str, int] | None = None,
        require_subject: bool = False,
    ) -> ConsentReceipt | None:
        """Plans against the current state and commits, re-reading and re-planning after a lost race.

        None when the plan has nothing to write (then nothing is written)."""
        for attempt in range(MAX_ATTEMPTS):
            state = self.store.load(owner)
            now = self.clock.now()
            change = plan(state, now, self.new_id())
            if change is None:
                return None
            # A visitor's consent record expires max_age after its last change; its audit record goes the
            # accountability period after that (domain.audit.model.AuditEntry.expires_at), a subject's is kept.
            expires_at = epoch_seconds(now + self.max_age) if owner.kind == "visitor" else None
            audit = AuditEntry(
                action="consent.changed",
                actor=actor,
                at=now,
                correlation_id=context.correlation_id,
                details={
                    "receipt_id": change.receipt.receipt_id,
                    "purposes": [event.purpose for event in change.events],
                    "source": change.events[0].source,
                },
                expires_at=None
                if expires_at is None
                else expires_at + int(self.visitor_accountability.total_seconds()),
            )
            try:
                self.store.save(
                    owner,
                    change,
                    expected_version=state.version,
                    audit=audit,
                    expires_at=expires_at,
                    spend_token=spend_token,
                    require_subject=require_subject,
                )
                return change.receipt
            except ConcurrentChange:
                self.pause(attempt)
            except TokenSpent:
                raise TokenAlreadyUsed("This unsubscribe link was already used; nothing was changed.") from None
            except SubjectMissing:
                raise SubjectGone() from None
        raise ChangeContended("Too many simultaneous changes to these consents; please retry.")

    def history(self, owner: Owner, *, cursor: str | None, limit: int) -> HistoryPage:
        return self.store.history(owner, cursor=cursor, limit=limit)

    def receipt(self, owner: Owner, receipt_id: str) -> ConsentReceipt:
        receipt = self.store.receipt(owner, receipt_id)
        if receipt is None:
            raise NotFound("No consent receipt with this id.")
        return receipt

    def claim(self, subject_id: str, visitor_id: str, context: RequestContext) -> ConsentReceipt | None:
        """Merge a visitor's banner choices into the signed-in subject: per purpose, the newest choice wins.

        Claimed decisions keep when and under which wording they were made (`plan_claim`), so a stale banner choice
        stays stale and the proof names what the person saw; the receipt and history say when it was claimed."""
        visitor = Owner("visitor", visitor_id)
        visitor_state = self.store.load(visitor)
        if not visitor_state.decisions:
            raise NotFound("No consent record for this visitor id (it may have expired).")
        subject = Owner("subject", subject_id)
        # A minor does not take over a visitor's grant of a purpose closed to minors (the refusals are kept).
        granted = {purpose_id: decision.granted for purpose_id, decision in visitor_state.decisions.items()}
        dropped = closed_grants(granted, self.catalog)
        if dropped and not self._is_minor(subject_id):
            dropped = []

        def plan(state: ConsentState, now: datetime, receipt_id: str) -> ConsentChange | None:
            merged = merge_states(state, visitor_state)  # against the subject's state of this attempt
            return plan_claim(
                state,
                {purpose_id: decision for purpose_id, decision in merged.items() if purpose_id not in dropped},
                now=now,
                receipt_id=receipt_id,
                **self._circumstances(subject, context),
            )

        receipt = self._commit(subject, plan, context, actor="subject")
        self.store.delete_visitor(visitor_id)
        return receipt

    def issue_unsubscribe_token(self, subject_id: str, purpose: str, lifetime: timedelta) -> tuple[str, int]:
        self.catalog.get(purpose)
        if not self.store.subject_exists(subject_id):
            raise NotFound("No account with this subject id: unsubscribe tokens are issued for account holders only.")
        expires_at = self.clock.now() + lifetime
        token = issue_token(
            self.token_secret(), subject_id=subject_id, purpose=purpose, expires_at=expires_at, token_id=self.new_id()
        )
        return token, epoch_seconds(expires_at)

    def unsubscribe(self, token: str, context: RequestContext) -> ConsentReceipt:
        """Withdraws the token's purpose; a subject gone (purged) gets SubjectGone and nothing is written: not the
        state, history, receipt, audit record or event, and not the token either. A subject pending deletion is
        still there: the refusal is recorded and purged with the rest."""
        claim = verify_token(self.token_secret(), token, now=self.clock.now())
        request = withdrawal_request([claim.purpose], catalog=self.catalog)
        if request is None:
            raise InvalidToken()
        return self.change(
            Owner("subject", claim.subject_id),
            request,
            context,
            actor="subject",
            source_override="unsubscribe",
            spend_token=(claim.token_id, epoch_seconds(claim.expires_at)),
            require_subject=True,
        )

    def check_unsubscribe_link(self, token: str) -> None:
        """For the GET on a link, which changes nothing: raises SubjectGone when a POST could only answer that.

        A token that does not verify is left for the POST to judge (the GET only explains)."""
        try:
            claim = verify_token(self.token_secret(), token, now=self.clock.now())
        except InvalidRequest:
            return
        if not self.store.subject_exists(claim.subject_id):
            raise SubjectGone()
