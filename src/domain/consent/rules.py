"""Pure consent rules: applying a change request, reading the current view, merging visitor records.

Global Privacy Control (GPC) rule: when a request carries the GPC signal (`Sec-GPC: 1`), it is a valid
opt-out of sale/sharing, targeted advertising, third-party sharing and marketing (CCPA regs §7025). A grant
of any purpose with `gpc_opt_out` is therefore recorded as a refusal with source "gpc" — unless the client
showed the user that their choice conflicts with their GPC signal and the user confirmed it
(`gpc_conflict_acknowledged`, §7025(c)(3)); then the explicit grant is recorded with the request's source.
Refusals, and purposes not covered by GPC (e.g. analytics), are never changed by the signal.

Do Not Track (`DNT: 1`) counts only where the policy honours it (`PurposeCatalog.honours_dnt`; Imocloud's "does not
respond to Do Not Track" does not): it then refuses the same purposes as GPC, recorded with source "dnt", and the
receipt's `dnt_signal` says so. Where both signals are sent, the refusal is GPC's.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict, Unpack

from domain.consent.catalog import Purpose, PurposeCatalog, UnknownPurpose
from domain.consent.model import (
    ConsentChange,
    ConsentChangeRequest,
    ConsentEvent,
    ConsentReceipt,
    ConsentSource,
    ConsentState,
    ConsentView,
    Decision,
    ReceiptPurpose,
)
from domain.errors import DomainError


class RequiredPurposeRefused(DomainError):
    default_code = "required_purpose"

    @classmethod
    def for_ids(cls, purpose_ids: list[str]) -> "RequiredPurposeRefused":
        quoted = ", ".join(f"'{purpose_id}'" for purpose_id in purpose_ids)
        verb = "Purpose {} is" if len(purpose_ids) == 1 else "Purposes {} are"
        return cls(
            f"{verb.format(quoted)} strictly necessary and cannot be refused.",
            details=[{"purpose": purpose_id} for purpose_id in purpose_ids],
        )


class Circumstances(TypedDict):
    """What a change is planned under besides the state and the time: the catalog, the subject as receipts name
    them, and what the request said about itself (its signals, where it came from, the browser family)."""

    catalog: PurposeCatalog
    subject_ref: str
    gpc_signal: bool
    dnt_signal: NotRequired[bool]
    jurisdiction: NotRequired[str | None]
    user_agent_family: NotRequired[str | None]


def plan_change(
    state: ConsentState,
    request: ConsentChangeRequest,
    *,
    now: datetime,
    receipt_id: str,
    source_override: ConsentSource | None = None,
    **circumstances: Unpack[Circumstances],
) -> ConsentChange:
    """The state, events and receipt that result from applying `request` to `state`.

    Every submitted decision yields an event, even when unchanged: re-affirming consent is proof too.
    `source_override` (e.g. "unsubscribe", "parent") replaces the request's source in events and receipt.
    """
    _require_aware(now)
    catalog = circumstances["catalog"]
    _check_request_against_catalog(request, catalog)
    request_source: ConsentSource = source_override or request.source
    signal = _signal_source(circumstances)
    choices: list[_Choice] = []
    acknowledgement_used = False
    for purpose_id, wanted in request.decisions.items():
        purpose = catalog.get(purpose_id)
        conflicts_with_signal = signal is not None and purpose.gpc_opt_out and wanted
        acknowledgement_used |= conflicts_with_signal and request.gpc_conflict_acknowledged
        granted = wanted
        source: ConsentSource = request_source
        if signal is not None and conflicts_with_signal and not request.gpc_conflict_acknowledged:
            granted, source = False, signal
        choices.append(_Choice(purpose, granted, source, now, catalog.policy_version, purpose.wording_hash))
    # gpc_conflict_acknowledged: True only when the acknowledgement actually let a grant through, so the receipt
    # proves that case.
    receipt = _receipt_context(circumstances, request_source, acknowledged=acknowledgement_used)
    return _assemble(state, choices, now=now, receipt_id=receipt_id, receipt=receipt)


def _dnt_honoured(circumstances: Circumstances) -> bool:
    return circumstances.get("dnt_signal", False) and circumstances["catalog"].honours_dnt


def _signal_source(circumstances: Circumstances) -> ConsentSource | None:
    """The signal that refuses a covered grant: GPC's where sent, else DNT's where the policy honours it."""
    if circumstances["gpc_signal"]:
        return "gpc"
    return "dnt" if _dnt_honoured(circumstances) else None


def plan_claim(
    state: ConsentState,
    claimed: dict[str, Decision],
    *,
    now: datetime,
    receipt_id: str,
    **circumstances: Unpack[Circumstances],
) -> ConsentChange | None:
    """Copies a visitor's decisions (those `merge_states` chose) into a subject as they were made, or None if none
    is left to copy.

    A claimed decision keeps its own time, policy version and wording hash: a choice made under older wording or
    long ago stays stale, and the proof of consent names what the person saw, when. Only its source becomes
    "claim" and its receipt the claim's. The events and the receipt are dated `now`, when the claim was recorded,
    and carry each decision's own time and policy version. Purposes retired from the catalog, and refusals of
    purposes that have since become strictly necessary, are left out. A GPC signal on the claiming request still
    refuses a GPC-covered grant, as a new decision (source "gpc", dated now), as in `plan_change`.
    """
    _require_aware(now)
    catalog = circumstances["catalog"]
    signal = _signal_source(circumstances)
    choices: list[_Choice] = []
    for purpose_id, decision in claimed.items():
        purpose = catalog.find(purpose_id)
        if purpose is None or (purpose.required and not decision.granted):
            continue
        if signal is not None and purpose.gpc_opt_out and decision.granted:
            choices.append(_Choice(purpose, False, signal, now, catalog.policy_version, purpose.wording_hash))
        else:
            choices.append(
                _Choice(purpose, decision.granted, "claim", decision.at, decision.policy_version, decision.wording_hash)
            )
    if not choices:
        return None
    receipt = _receipt_context(circumstances, "claim", acknowledged=False)
    return _assemble(state, choices, now=now, receipt_id=receipt_id, receipt=receipt)


@dataclass(frozen=True)
class _Choice:
    """One decision to record: what, how, and when and under which wording it was made."""

    purpose: Purpose
    granted: bool
    source: ConsentSource
    decided_at: datetime
    policy_version: str
    wording_hash: str


@dataclass(frozen=True)
class _ReceiptContext:
    policy_version: str
    jurisdiction: str | None
    collection_method: str
    subject_ref: str
    gpc_signal: bool
    gpc_conflict_acknowledged: bool
    dnt_signal: bool


def _receipt_context(circumstances: Circumstances, source: ConsentSource, *, acknowledged: bool) -> _ReceiptContext:
    """The receipt's record of the circumstances (its DNT signal only where the policy honours it)."""
    return _ReceiptContext(
        policy_version=circumstances["catalog"].policy_version,
        jurisdiction=circumstances.get("jurisdiction"),
        collection_method=_collection_method(source, circumstances.get("user_agent_family")),
        subject_ref=circumstances["subject_ref"],
        gpc_signal=circumstances["gpc_signal"],
        gpc_conflict_acknowledged=acknowledged,
        dnt_signal=_dnt_honoured(circumstances),
    )


def _assemble(
    state: ConsentState, choices: list[_Choice], *, now: datetime, receipt_id: str, receipt: _ReceiptContext
) -> ConsentChange:
    new_version = state.version + 1
    decisions = dict(state.decisions)
    events: list[ConsentEvent] = []
    receipt_purposes: list[ReceiptPurpose] = []
    for choice in choices:
        purpose_id = choice.purpose.id
        previous = state.decisions.get(purpose_id)
        decisions[purpose_id] = Decision(
            granted=choice.granted,
            source=choice.source,
            at=choice.decided_at,
            policy_version=choice.policy_version,
            wording_hash=choice.wording_hash,
            receipt_id=receipt_id,
            withdrawn=not choice.granted and previous is not None and (previous.granted or previous.withdrawn),
        )
        events.append(
            ConsentEvent(
                purpose=purpose_id,
                decision=choice.granted,
                previous=None if previous is None else previous.granted,
                source=choice.source,
                at=now,
                receipt_id=receipt_id,
                policy_version=choice.policy_version,
                sequence=new_version,
                decided_at=choice.decided_at,
            )
        )
        receipt_purposes.append(
            ReceiptPurpose(
                purpose=purpose_id,
                title=choice.purpose.title,
                decision=choice.granted,
                legal_basis=choice.purpose.legal_basis,
                source=choice.source,
                decided_at=choice.decided_at,
                policy_version=choice.policy_version,
            )
        )
    return ConsentChange(
        new_state=ConsentState(version=new_version, decisions=decisions),
        events=events,
        receipt=ConsentReceipt(
            receipt_id=receipt_id,
            timestamp=now,
            policy_version=receipt.policy_version,
            jurisdiction=receipt.jurisdiction,
            # The only source of a jurisdiction is the request (api.context): a client's claim, and said so.
            jurisdiction_source="client_claim" if receipt.jurisdiction else None,
            collection_method=receipt.collection_method,
            subject=receipt.subject_ref,
            purposes=receipt_purposes,
            gpc_signal=receipt.gpc_signal,
            gpc_conflict_acknowledged=receipt.gpc_conflict_acknowledged,
            dnt_signal=receipt.dnt_signal,
        ),
    )


def view_consents(
    state: ConsentState,
    *,
    catalog: PurposeCatalog,
    now: datetime,
    max_age: timedelta,
) -> dict[str, ConsentView]:
    """The current choice for every catalog purpose, flagging decisions that must be asked again.

    A decision is stale when the purpose's wording changed since (its hash differs) or when it is older
    than `max_age` (the policy's consent lifetime). Undecided purposes show the catalog default. Required purposes are always granted.
    """
    _require_aware(now)
    return {
        purpose.id: _view_one(purpose, state.decisions.get(purpose.id), now=now, max_age=max_age)
        for purpose in catalog.purposes
    }


def merge_states(subject: ConsentState, visitor: ConsentState) -> dict[str, Decision]:
    """Visitor decisions to copy into the subject when the visitor signs in: only those made later.

    Both sides' `at` is when the choice was made (a claimed decision keeps its own), so the newest choice wins
    whatever order records are claimed in. On equal times the subject's own decision is kept.
    """
    return {
        purpose_id: decision
        for purpose_id, decision in visitor.decisions.items()
        if purpose_id not in subject.decisions or decision.at > subject.decisions[purpose_id].at
    }


def withdrawal_request(purpose_ids: Iterable[str], *, catalog: PurposeCatalog) -> ConsentChangeRequest | None:
    """A request refusing `purpose_ids` (unsubscribe, parental withdrawal), or None if nothing is left.

    Required purposes are skipped because they cannot be refused. Unknown ids are kept so that
    `plan_change` reports them instead of silently ignoring a typo. Callers pass `source_override`.
    """
    refusable = [pid for pid in dict.fromkeys(purpose_ids) if not _is_required(catalog, pid)]
    if not refusable:
        return None
    return ConsentChangeRequest(decisions=dict.fromkeys(refusable, False), source="api")


def _check_request_against_catalog(request: ConsentChangeRequest, catalog: PurposeCatalog) -> None:
    unknown = catalog.unknown_ids(request.decisions)
    if unknown:
        raise UnknownPurpose.for_ids(unknown)
    refused_required = [pid for pid, granted in request.decisions.items() if not granted and catalog.get(pid).required]
    if refused_required:
        raise RequiredPurposeRefused.for_ids(refused_required)


def _collection_method(source: ConsentSource, user_agent_family: str | None) -> str:
    return source if user_agent_family is None else f"{source} via {user_agent_family}"


def _view_one(purpose: Purpose, decision: Decision | None, *, now: datetime, max_age: timedelta) -> ConsentView:
    if decision is None:
        return ConsentView(
            granted=purpose.default,
            stale=False,
            decided=False,
            policy_version=None,
            source=None,
            at=None,
            required=purpose.required,
        )
    stale = decision.wording_hash != purpose.wording_hash or now - decision.at > max_age
    return ConsentView(
        granted=decision.granted or purpose.required,
        stale=stale and not purpose.required,
        decided=True,
        policy_version=decision.policy_version,
        source=decision.source,
        at=decision.at,
        required=purpose.required,
    )


def _is_required(catalog: PurposeCatalog, purpose_id: str) -> bool:
    purpose = catalog.find(purpose_id)
    return purpose is not None and purpose.required


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
