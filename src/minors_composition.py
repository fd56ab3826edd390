"""Composition root of the minors context: settings and services of the minors API, built once per container."""

import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.secrets import signing_keys
from composition import clock, store
from config import Settings, setting
from domain.clock import epoch_seconds

if TYPE_CHECKING:
    from adapters.parental_store import DynamoParentalStore
    from adapters.underage_purge import UnderagePurge
    from domain.consent.catalog import PurposeCatalog
    from domain.consent.service import ConsentService
    from domain.minors.service import ParentalService

# Stores and services are imported on first use: the host application's age check (POST /minors/checks) reads
# nothing from AWS, so its cold start does not import boto3 at all (docs/performance.md).


class MinorsSettings(Settings):
    token_secret_arn: str
    purge_queue_url: str
    exports_bucket: str
    parental_mail_sender: str
    parental_confirm_url: str  # the page the parent's mail links to (the token is appended as a query parameter)
    parental_consent_expiry_days: int = setting(default=7, minimum=1, maximum=30)
    minimum_consent_age: int = setting(default=0, minimum=0, maximum=18)  # 0: the age table decides alone
    consent_catalog_path: str | None = None
    consent_max_age_days: int = 396
    download_url_ttl_seconds: int = 900


@cache
def settings() -> MinorsSettings:
    return MinorsSettings.from_env()


@cache
def parental_store() -> "DynamoParentalStore":
    from adapters.parental_store import DynamoParentalStore

    return DynamoParentalStore(settings().subjects_table, store().audit, lambda: epoch_seconds(clock().now()))


@cache
def parental() -> "ParentalService":
    from adapters.parent_mail import SesParentMailer
    from domain.minors.rules import load_age_table
    from domain.minors.service import ParentalService

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
        age_table=load_age_table(),
        minimum_consent_age=config.minimum_consent_age,
    )


@cache
def catalog() -> "PurposeCatalog":
    from domain.consent.catalog import load_catalog

    path = settings().consent_catalog_path
    return load_catalog(Path(path) if path else None)


@cache
def consents() -> "ConsentService":
    from adapters.consent_store import DynamoConsentStore
    from domain.consent.service import ConsentService

    config = settings()
    return ConsentService(
        DynamoConsentStore(config.subjects_table, store().audit, lambda: epoch_seconds(clock().now())),
        catalog(),
        clock(),
        new_id=lambda: uuid.uuid4().hex,
        max_age=timedelta(days=config.consent_max_age_days),
        token_secret=lambda: signing_keys(config.token_secret_arn),
    )


@cache
def underage() -> "UnderagePurge":
    from adapters.underage_purge import UnderagePurge

    return UnderagePurge(settings().subjects_table, store().audit, settings().purge_queue_url)
