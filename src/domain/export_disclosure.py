"""What an export archive tells the subject about the processing (GDPR Art. 15(1)): the purposes and their legal
bases, the recipients, the retention per category, the source, the rights and the right to complain. Pure: the
policy's details come in as a PolicyDisclosure (policy.disclosure builds it); README.txt and policy.json come out."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.export import README_TEXT, json_default


@dataclass(frozen=True, kw_only=True)
class PurposeDisclosure:
    title: str
    legal_basis: str  # policy.sections.LegalBasis: consent, contract, legal_obligation, ...


@dataclass(frozen=True, kw_only=True)
class RecipientDisclosure:
    name: str
    role: str  # processor | controller
    purpose: str
    country: str | None  # ISO 3166-1 alpha-2; None when the policy does not say
    safeguard: str  # within_eea | adequacy_decision | standard_contractual_clauses | not_stated


@dataclass(frozen=True, kw_only=True)
class RetentionDisclosure:
    category: str
    description: str
    period: str | None  # ISO 8601 years (P10Y) from each record's date; None = as long as the account exists
    basis: str


@dataclass(frozen=True, kw_only=True)
class PolicyDisclosure:
    """What GDPR Art. 15(1)(a)-(h) tells the subject besides the data itself, from the product's policy (the
    wiring maps the active policy onto it: this module never reads one). `document` is policy.json's content."""

    product: str
    display_name: str
    version: str
    controller: str
    contact_email: str | None
    purposes: Sequence[PurposeDisclosure]
    recipients: Sequence[RecipientDisclosure]
    retention: Sequence[RetentionDisclosure]
    source: str | None  # where the data comes from (Art. 15(1)(g)); None: the standard sentence below
    rights: Sequence[str]  # policy.sections.Right ids
    authority_name: str
    authority_url: str
    document: Mapping[str, Any]


LEGAL_BASES = {
    "consent": "your consent (GDPR Art. 6(1)(a))",
    "contract": "the contract with you (GDPR Art. 6(1)(b))",
    "legal_obligation": "a legal obligation (GDPR Art. 6(1)(c))",
    "vital_interests": "vital interests (GDPR Art. 6(1)(d))",
    "legitimate_interests": "our legitimate interests (GDPR Art. 6(1)(f))",
}
SAFEGUARDS = {
    "within_eea": "within the EEA, no transfer safeguard needed",
    "adequacy_decision": "an EU adequacy decision (GDPR Art. 45)",
    "standard_contractual_clauses": "standard contractual clauses (GDPR Art. 46)",
    "not_stated": "not stated in the policy",
}
RIGHTS = {
    "access": "access your data (Art. 15)",
    "rectification": "have it corrected (Art. 16)",
    "erasure": "have it deleted (Art. 17)",
    "restriction": "restrict its processing (Art. 18)",
    "portability": "receive it to take elsewhere (Art. 20)",
    "objection": "object to its processing (Art. 21)",
    "withdraw_consent": "withdraw a consent at any time (Art. 7(3))",
    "complaint": "complain to a supervisory authority (Art. 77)",
}
STANDARD_SOURCE = (
    "You gave us this data yourself (your account, your choices and your requests), or {product} recorded it "
    "while you used it (its records about you, such as invoices)."
)


def _years(period: str) -> str:
    count = period.removeprefix("P").removesuffix("Y")
    return f"{count} year" + ("" if count == "1" else "s")


def _retention_line(entry: RetentionDisclosure) -> str:
    kept = (
        f"kept {_years(entry.period)} from the record's date"
        if entry.period is not None
        else "kept as long as your account exists, deleted with it"
    )
    return f"- {entry.category} ({entry.description}): {kept}. Why: {entry.basis.rstrip('.')}."


def _recipient_line(recipient: RecipientDisclosure) -> str:
    country = recipient.country or "country not stated"
    safeguard = SAFEGUARDS.get(recipient.safeguard, recipient.safeguard)
    return f"- {recipient.name} ({recipient.role}, {country}; {safeguard}): {recipient.purpose}"


def _heading(title: str) -> list[str]:
    return [title, "-" * len(title)]


def disclosure_text(disclosure: PolicyDisclosure) -> str:
    """README.txt's Art. 15(1) section: plain text rendered from `disclosure` only."""
    contact = f" ({disclosure.contact_email})" if disclosure.contact_email else ""
    lines = [
        *_heading("How we process your data (GDPR Article 15(1))"),
        f"Controller: {disclosure.controller}{contact}. Policy: {disclosure.product}, version {disclosure.version}"
        f" (policy.json holds it).",
        "",
        "Purposes, and the legal basis of each:",
        *(f"- {p.title}: {LEGAL_BASES.get(p.legal_basis, p.legal_basis)}" for p in disclosure.purposes),
        "",
        "Recipients and processors (country where they process it; what covers a transfer outside the EEA):",
        *([_recipient_line(r) for r in disclosure.recipients] or ["- none: we disclose your data to nobody"]),
        "",
        "How long we keep records, per category (records.<name> above):",
        *([_retention_line(entry) for entry in disclosure.retention] or ["- no record categories"]),
        "",
        "Where the data comes from:",
        disclosure.source or STANDARD_SOURCE.format(product=disclosure.display_name),
        "",
        "Your rights: you can " + "; ".join(RIGHTS.get(right, right) for right in disclosure.rights) + ".",
        "",
        f"You have the right to lodge a complaint with a supervisory authority: {disclosure.authority_name}"
        f" ({disclosure.authority_url}).",
    ]
    return "\n".join(lines) + "\n"


def readme_text(disclosure: PolicyDisclosure) -> str:
    """The whole README.txt: the archive's files, then how the data is processed."""
    return README_TEXT + "\n" + disclosure_text(disclosure)


def policy_json(disclosure: PolicyDisclosure) -> str:
    return json.dumps(disclosure.document, indent=2, ensure_ascii=False, default=json_default) + "\n"
