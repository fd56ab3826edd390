"""A policy's GDPR Art. 15(1) details in the shape an export archive renders (domain.export.PolicyDisclosure): the
README.txt section and policy.json (the public view of `GET /policy` plus the recipients), so the domain renders
them without reading a policy."""

from typing import Any

from domain.export_disclosure import PolicyDisclosure, PurposeDisclosure, RecipientDisclosure, RetentionDisclosure
from policy.model import Policy


def policy_document(policy: Policy, language: str | None = None) -> dict[str, Any]:
    """policy.json: the public view in `language` (the policy's default when None or not offered), plus who
    receives the data. Nothing about the subject."""
    lang = policy.language_or_default(language)
    document: dict[str, Any] = {"language": lang, **policy.public_view(lang).model_dump(mode="json")}
    document["recipients"] = [
        recipient.model_dump(mode="json", include={"name", "role", "purpose", "country", "safeguard"})
        for recipient in policy.recipients
    ]
    document["data_sources"] = [
        source.model_dump(mode="json", include={"origin", "description"}) for source in policy.data_sources
    ]
    return document


def to_export_disclosure(policy: Policy, language: str | None = None) -> PolicyDisclosure:
    lang = policy.language_or_default(language)
    return PolicyDisclosure(
        product=policy.product,
        display_name=policy.display_name,
        version=policy.version,
        controller=policy.controller.name,
        contact_email=policy.controller.contact_email,
        purposes=[PurposeDisclosure(title=p.title[lang], legal_basis=p.legal_basis) for p in policy.purposes],
        recipients=[
            RecipientDisclosure(name=r.name, role=r.role, purpose=r.purpose, country=r.country, safeguard=r.safeguard)
            for r in policy.recipients
        ],
        retention=[
            RetentionDisclosure(
                category=c.id, description=c.description, period=c.retention.period, basis=c.retention.basis
            )
            for c in policy.record_categories
        ],
        source="\n".join(f"- {source.description}" for source in policy.data_sources),
        rights=[right.id for right in policy.rights],
        authority_name=policy.supervisory_authority.name,
        authority_url=policy.supervisory_authority.url,
        document=policy_document(policy, lang),
    )
