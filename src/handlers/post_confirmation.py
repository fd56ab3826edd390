"""Cognito post-confirmation trigger: a confirmed sign-up gets its profile (the local cloud's login runs it too).

A child's sign-up that waits for a parent names the consent request in its client metadata
(`parental_request_id`): the account is then bound to that request, the only account the request may link
(domain.minors.model.check_bound_child), and the request's approval is marked as used by it: one approval, one
child (adapters.parental_binding). Only a sign-up binds: a password reset (`PostConfirmation_ConfirmForgotPassword`)
of an existing account never does.
"""

import re
from dataclasses import asdict
from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.parental_binding import bind_child
from domain.activity import activity_keys
from domain.audit.model import AuditEntry
from domain.profile import new_profile
from observability import logger
from wiring.shared import clock, settings, store

SIGN_UP = "PostConfirmation_ConfirmSignUp"
PARENTAL_REQUEST_KEY = "parental_request_id"
_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")  # domain.minors.model.REQUEST_ID_PATTERN, without importing pydantic here


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    attributes: dict[str, str] = event["request"]["userAttributes"]
    subject_id = attributes["sub"]
    now = clock().now()
    profile = new_profile(subject_id, attributes, now)
    audit = AuditEntry(
        action="profile.created",
        actor="system",
        at=now,
        details={"fields": sorted(name for name, value in asdict(profile).items() if value is not None)},
    )
    created = store().create_profile(profile, audit=audit)
    # Signing up is activity: the inactivity clock starts now. Also when the profile already existed: Cognito
    # retries a failed trigger, and the failure may have come after the profile was written but before this (one
    # conditional write, a no-op when today is already recorded or the account is pending deletion).
    today: date = now.date()
    store().record_activity(subject_id, today.isoformat(), activity_keys(subject_id, today))
    logger.info("profile created" if created else "profile already existed")
    request_id = (event["request"].get("clientMetadata") or {}).get(PARENTAL_REQUEST_KEY)
    if event.get("triggerSource") == SIGN_UP and isinstance(request_id, str) and _REQUEST_ID.match(request_id):
        # Also on a retried trigger (the profile existed): the binding may be what failed. It binds once, and an
        # approval binds one child (adapters.parental_binding).
        binding = bind_child(settings().subjects_table, subject_id, request_id, now)
        if binding == "consent_used":
            # Another sign-up with the same approval was bound first (both passed the pre-sign-up gate before
            # either was confirmed): this account is left unbound, so no parent is ever linked to it by this
            # approval. Reported, by ids only, in its audit trail and to the operators (an account under the age of
            # consent without a parent's consent is theirs to remove: POST /admin/subjects/{id}/underage).
            used = AuditEntry(action="parental.consent_used", actor="system", at=now, request_id=request_id)
            store().audit.append(subject_id, used)
            logger.warning(
                "sign-up presented a parental consent already used by another account: left unbound",
                extra={"code": "parental_consent_used", "subject_id": subject_id, "request_id": request_id},
            )
        else:
            logger.info("sign-up binding to a parental consent request", extra={"binding": binding})
    return event  # Cognito expects the event back
