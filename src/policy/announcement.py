"""When a product's policy takes effect in a new version, the host application is told once (`PolicyChanged`), so
it can show users the new policy and ask again for the purposes whose wording changed.

Pure: what was announced last (a fingerprint: version, a digest per section, the wording hash per purpose) and the
policy in force give the event to publish, or none."""

import hashlib
import json
from datetime import datetime
from typing import Any

from policy.catalog import to_purpose_catalog
from policy.model import Policy

SECTIONS = (
    "controller",
    "supervisory_authority",
    "commitments",
    "purposes",
    "recipients",
    "record_categories",
    "erasure",
    "inactivity",
    "minors",
    "consent",
    "signals",
    "export",
    "unsubscribe",
    "rights",
    "languages",
)


def fingerprint(policy: Policy) -> dict[str, Any]:
    """What a later version is compared with: no text of the policy, only digests."""
    document = policy.model_dump(mode="json")
    sections = {
        name: hashlib.sha256(json.dumps(document[name], sort_keys=True).encode()).hexdigest() for name in SECTIONS
    }
    wording = {purpose.id: purpose.wording_hash for purpose in to_purpose_catalog(policy).purposes}
    return {"version": policy.version, "sections": sections, "wording": wording}


def policy_changed(policy: Policy, announced: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    """The PolicyChanged detail for `policy`, or None if its version was announced already. A first announcement
    names every section, and every purpose asking consent as one to ask about."""
    if announced is not None and announced.get("version") == policy.version:
        return None
    current = fingerprint(policy)
    before_sections = (announced or {}).get("sections", {})
    before_wording = (announced or {}).get("wording", {})
    catalog = to_purpose_catalog(policy)
    return {
        "event_id": f"policy:{policy.product}:{policy.version}",  # the same for a retried announcement
        "product": policy.product,
        "version": policy.version,
        "previous_version": announced.get("version") if announced else None,
        "effective_date": policy.effective_date.isoformat() if policy.effective_date else None,
        "changed": [name for name in SECTIONS if before_sections.get(name) != current["sections"][name]],
        "reconsent_purposes": [
            purpose.id
            for purpose in catalog.purposes
            if purpose.legal_basis.value == "consent" and before_wording.get(purpose.id) != purpose.wording_hash
        ],
        "at": now.isoformat(),
    }
