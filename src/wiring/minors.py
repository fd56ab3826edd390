"""The minors context: the age check, parental consent requests and the parent's rights over a linked child.

Stores and services are imported on first use: the host application's age check (POST /minors/checks) reads nothing
from AWS (docs/performance.md)."""

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from config import Settings, setting
from wiring import provider
from wiring.policy import policy
from wiring.shared import audit_log, clock, now_epoch, store
from wiring.shared import settings as shared_settings

if TYPE_CHECKING:
    from adapters.parental_store import DynamoParentalStore
    from domain.minors.ages import AgeCheck, SubjectAges
    from domain.minors.rules import AgeOfConsentTable
    from domain.minors.service import ParentalService
    from domain.minors.sign_up import SignUpRules
    from domain.minors.use_cases import ParentsOfChildren


class MinorsSettings(Settings):
    token_secret_arn: str
    parental_mail_sender: str
    parental_confirm_url: str  # the page the parent's mail links to (the token is appended as a query parameter)
    parental_consent_expiry_days: int = setting(default=7, minimum=1, maximum=30)
    minimum_consent_age: int = setting(default=0, minimum=0, maximum=18)  # 0: the age table decides alone
    download_url_ttl_seconds: int = 900
    # The pool whose logins' verified addresses decide who may be linked as a parent (none: no parent can be linked).
    user_pool_id: str | None = None


class AgeSettings(Settings):
    """What every function that counts ages has (the minors API, the consent API, the pre-sign-up trigger)."""

    minimum_consent_age: int = setting(default=0, minimum=0, maximum=18)  # 0: the age table decides alone


@provider
def settings() -> MinorsSettings:
    return MinorsSettings.from_env()


@provider
def age_settings() -> AgeSettings:
    return AgeSettings.from_env()


@provider
def parental_store() -> "DynamoParentalStore":
    """Built from the settings every function has: the pre-sign-up trigger reads approvals through it too."""
    from adapters.parental_store import DynamoParentalStore

    return DynamoParentalStore(shared_settings().subjects_table, audit_log(), now_epoch)


@provider
def age_table() -> "AgeOfConsentTable":
    """The law's ages of digital consent, raised where the product's policy is stricter."""
    from domain.minors.rules import load_age_table
    from policy.catalog import to_age_table

    return to_age_table(policy(), load_age_table())


@provider
def subject_ages() -> "SubjectAges":
    """Whether a subject is under the age of digital consent, from their profile (the consent API asks it)."""
    from domain.minors.ages import SubjectAges

    return SubjectAges(store(), clock(), table=age_table(), minimum_age=age_settings().minimum_consent_age)


@provider
def age_check() -> "AgeCheck":
    """The host application's age check: the age rules alone (no store, mailer or secret is built to answer it)."""
    from domain.minors.ages import AgeCheck

    return AgeCheck(
        clock=clock(),
        age_table=age_table(),
        minimum_age=age_settings().minimum_consent_age,
        parental_path=policy().minors.parental_consent,
    )


@provider
def sign_up_rules() -> "SignUpRules":
    """The age gate at sign-up (handlers.pre_sign_up): the product's minors rules."""
    from domain.minors.sign_up import SignUpRules

    minors = policy().minors
    return SignUpRules(
        birth_date_required=minors.birth_date_at_sign_up == "required",
        parental_path=minors.parental_consent,
        age_table=age_table(),
        minimum_age=age_settings().minimum_consent_age,
    )


@provider
def parental() -> "ParentalService":
    from adapters.parent_mail import SesParentMailer
    from adapters.secrets import secret_bytes, signing_keys
    from adapters.verified_emails import CognitoVerifiedEmails
    from domain.minors.service import ParentalService
    from policy.catalog import to_parent_notice

    config = settings()
    return ParentalService(
        parental_store(),
        clock(),
        new_id=lambda: uuid.uuid4().hex,
        token_secret=lambda: signing_keys(config.token_secret_arn),
        expiry=timedelta(days=config.parental_consent_expiry_days),
        mailer=SesParentMailer(config.parental_mail_sender),
        confirm_url=config.parental_confirm_url,
        profiles=store(),
        age_table=age_table(),
        notice=to_parent_notice(policy()),
        minimum_consent_age=config.minimum_consent_age,
        # The pseudonym key: stable (never rotated), and read by the same routes for their audit records anyway.
        address_key=lambda: secret_bytes(shared_settings().pseudonym_secret_arn),
        verified_emails=CognitoVerifiedEmails(config.user_pool_id or None),
    )


@provider
def parents() -> "ParentsOfChildren":
    """The flows that span contexts: a parent's view of, requests for, erasure of and withdrawal for a child, and an
    operator's removal of an underage account."""
    from domain.minors.use_cases import ParentsOfChildren
    from wiring.consent import catalog, consents
    from wiring.erasure import erasure, underage
    from wiring.requests import requests
    from wiring.standing import standing

    return ParentsOfChildren(
        parental=parental(),
        parental_store=parental_store(),
        profiles=store(),
        erasure=erasure(),
        requests=requests(),
        consents=consents,
        catalog=catalog,
        standing=standing,
        underage=underage,
        clock=clock(),
        minimum_consent_age=settings().minimum_consent_age,
        age_table=age_table(),
        parental_path=policy().minors.parental_consent,
    )
