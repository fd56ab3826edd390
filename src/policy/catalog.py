"""A policy's purposes and record categories in the shapes today's consumers load (domain.consent.catalog's
PurposeCatalog, domain.records' RecordCategories), so switching their source is one line."""

from domain.consent.catalog import LegalBasis, Purpose, PurposeCatalog
from domain.records import RecordCategories, RetentionRule
from domain.records import RecordCategory as StoredCategory
from policy.model import Policy


def to_purpose_catalog(policy: Policy, language: str | None = None) -> PurposeCatalog:
    """The policy's purposes as a catalog, worded in `language` (the policy's default when None or not offered).

    Decisions record the wording hash of what the user was shown; the default language's hash is the one
    today's decisions carry, so a consumer that does not choose a language keeps them fresh."""
    lang = policy.language_or_default(language)
    return PurposeCatalog(
        policy_version=policy.version,
        purposes=[
            Purpose(
                id=purpose.id,
                title=purpose.title[lang],
                description=purpose.description[lang],
                legal_basis=LegalBasis(purpose.legal_basis),
                required=purpose.required,
                default=purpose.default,
                gpc_opt_out=purpose.gpc_opt_out,
                category=purpose.category,
            )
            for purpose in policy.purposes
        ],
    )


def to_record_categories(policy: Policy) -> RecordCategories:
    """The policy's record categories as domain.records loads them from data/record_categories.json: a category
    kept for a period from a record's date gets a RetentionRule; one kept while the account exists gets none."""
    categories = []
    for category in policy.record_categories:
        retention = category.retention
        rule = None
        if retention.period is not None and retention.date_field is not None:
            rule = RetentionRule(
                years=int(retention.period.removeprefix("P").removesuffix("Y")),
                date_field=retention.date_field,
                legal_basis=retention.basis,
            )
        categories.append(StoredCategory(id=category.id, description=category.description, retention=rule))
    return RecordCategories(categories=categories)
