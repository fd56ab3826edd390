"""The one answer to "may the host process this purpose for this subject now?" (`permission`), and how an
objection is classified. Pure: facts in, answer out.

Precedence, first match wins:
1. purged, pending_deletion: nothing may be processed (the account state).
2. required: strictly necessary purposes stay allowed, also while restricted (Art. 18(2): storage, legal claims).
3. restricted: a restriction in force (lazily lifted at its announced `lift_at`) refuses every other purpose.
4. objected: an objection in force (direct marketing always; legitimate interests until an operator records
   compelling grounds) refuses the purpose.
5. minor: a purpose closed to minors (`for_minors: false`) for a subject under the age of consent (`check_minor`).
6. A purpose not based on consent (contract, legal obligation, vital or legitimate interests) that is not objected
   is allowed with reason "required": it needs no consent.
7. consent-based: "gpc" for a refusal recorded from a GPC signal ("dnt" from a DNT signal the policy honours); "consent" for a grant that is not stale (same
   wording, younger than the consent maximum age); "withdrawn" for a refusal of a purpose granted before
   (`Decision.withdrawn`, set when the refusal is recorded, since the state keeps only the latest decision);
   "refused" otherwise (never asked, refused, or a stale grant that must be asked again).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.consent.catalog import LegalBasis, Purpose, PurposeCatalog, UnknownPurpose
from domain.minors.rules import AgeOfConsentTable, check_minor
from domain.standing.model import ObjectionNotApplicable, PermissionReason, SubjectFacts


@dataclass(frozen=True)
class Permission:
    allowed: bool
    reason: PermissionReason


@dataclass(frozen=True, kw_only=True)
class PermissionRules:
    """The policy's inputs to the rule: consent maximum age and the age table (with the minimum age, 0: none)."""

    max_consent_age: timedelta
    age_table: AgeOfConsentTable
    minimum_age: int | None = None


def permission(purpose: Purpose, facts: SubjectFacts, now: datetime, rules: PermissionRules) -> Permission:
    if facts.status.state == "purged" or facts.status.gone_at(now):
        return Permission(False, "purged")
    if facts.status.state == "pending_deletion":
        return Permission(False, "pending_deletion")
    if purpose.required:
        return Permission(True, "required")
    if facts.standing.restriction_at(now) is not None:
        return Permission(False, "restricted")
    objection = facts.standing.objections.get(purpose.id)
    if objection is not None and objection.in_force:
        return Permission(False, "objected")
    if not purpose.for_minors and is_minor(facts, now, rules):
        return Permission(False, "minor")
    if purpose.legal_basis is not LegalBasis.CONSENT:
        return Permission(True, "required")
    decision = facts.consents.decisions.get(purpose.id)
    if decision is None:
        return Permission(purpose.default, "consent" if purpose.default else "refused")
    if not decision.granted:
        if decision.source in ("gpc", "dnt"):
            return Permission(False, decision.source)
        return Permission(False, "withdrawn" if decision.withdrawn else "refused")
    stale = decision.wording_hash != purpose.wording_hash or now - decision.at > rules.max_consent_age
    return Permission(False, "refused") if stale else Permission(True, "consent")


def is_minor(facts: SubjectFacts, now: datetime, rules: PermissionRules) -> bool:
    """Under the age of consent by THE age rule; an unknown birth date is not taken for a minor's."""
    if facts.birth_date is None:
        return False
    check = check_minor(facts.birth_date, facts.country, now, table=rules.age_table, minimum_age=rules.minimum_age)
    return check.parental_consent_required


def objection_targets(purpose_ids: list[str], catalog: PurposeCatalog) -> list[Purpose]:
    """The purposes an objection may stop (Art. 21): direct marketing (absolute, whatever its basis) and processing
    based on legitimate interests. Unknown ids: UnknownPurpose; any other purpose: ObjectionNotApplicable."""
    unknown = catalog.unknown_ids(purpose_ids)
    if unknown:
        raise UnknownPurpose.for_ids(unknown)
    purposes = [catalog.get(purpose_id) for purpose_id in dict.fromkeys(purpose_ids)]
    refused = [p.id for p in purposes if not objectable(p)]
    if refused:
        raise ObjectionNotApplicable(
            "An objection applies to direct marketing and to processing based on legitimate interests. To stop "
            "processing based on your consent, withdraw it with PUT /me/consents; see details.",
            details=[{"purpose": purpose_id, "use": "PUT /me/consents"} for purpose_id in refused],
        )
    return purposes


def objectable(purpose: Purpose) -> bool:
    if purpose.required:
        return False
    return purpose.direct_marketing or purpose.legal_basis is LegalBasis.LEGITIMATE_INTERESTS
