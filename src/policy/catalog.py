"""A policy's purposes and record categories in the shapes the domain applies (domain.consent.catalog's
PurposeCatalog, domain.records' RecordCategories): the policy is their only source."""

from domain.consent.catalog import LegalBasis, Purpose, PurposeCatalog
from domain.minors.mail import ParentNotice, offered_languages
from domain.minors.rules import AgeOfConsentTable
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
        honours_dnt=policy.signals.dnt.honoured,
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
                direct_marketing=purpose.direct_marketing,
                for_minors=purpose.for_minors,
            )
            for purpose in policy.purposes
        ],
    )


def to_record_categories(policy: Policy) -> RecordCategories:
    """The policy's record categories as domain.records applies them: a category kept for a period from a record's
    date gets a RetentionRule; one kept while the account exists gets none."""
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


def to_age_table(policy: Policy, statutory: AgeOfConsentTable) -> AgeOfConsentTable:
    """The ages of digital consent this product applies, per country: never below the law's (`statutory`,
    domain/data/age_of_consent.json), raised where the policy is stricter.

    flat: the policy's minimum age everywhere (Imocloud's 18); statutory: the law's age, the policy's minimum where
    the law's table has no country; listed: the policy's age for the countries it names, its minimum elsewhere
    (Mindomo: 13 in the US, 16 elsewhere)."""
    minors = policy.minors

    def policy_age(country: str | None) -> int:
        if minors.ages == "listed" and country is not None:
            return minors.country_ages.get(country, minors.minimum_age)
        return minors.minimum_age if minors.ages != "statutory" or country is None else 0

    countries = set(statutory.ages) | set(minors.country_ages)
    ages = {country: max(statutory.ages.get(country, statutory.default), policy_age(country)) for country in countries}
    default = minors.minimum_age if minors.ages == "statutory" else max(statutory.default, minors.minimum_age)
    return AgeOfConsentTable(
        source=[*statutory.source, f"policy {policy.product} {policy.version}"], default=default, ages=ages
    )


def to_parent_notice(policy: Policy) -> ParentNotice | None:
    """What the parent's consent mail says is collected and why (None: the policy has no parental path). Every
    language of the policy must be one the mail is written in, or a parent could be asked in words we cannot send."""
    section = policy.minors.parent_notice
    if section is None:
        return None
    notice = ParentNotice(collected=dict(section.collected), why=dict(section.why))
    unwritten = sorted(set(policy.languages) - set(offered_languages(notice)))
    if unwritten:
        raise ValueError(f"minors.parent_notice: the parent's mail has no wording in {', '.join(unwritten)}")
    return notice
