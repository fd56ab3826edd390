"""Every event this project publishes has a JSON Schema under events/schemas/ (the contract for consumers)."""

import json
import re

import pytest
from jsonschema import Draft202012Validator

from tests.support import EVENTS, ROOT

SCHEMAS = {path.stem: json.loads(path.read_text()) for path in (EVENTS / "schemas").glob("*.json")}
DETAIL_TYPE = re.compile(
    r'"(ConsentChanged|ProfileRectified|DataSubjectRequest[A-Za-z]*|Subject(?:Deletion|Restored|Purged|Inactive)[A-Za-z]*'
    r"|ParentalConsent[A-Za-z]*|PolicyChanged|Subject(?:Restricted|Objected)|Restriction(?:Lifted|LiftAnnounced)"
    r'|ObjectionOverridden)"'
)


def _published_detail_types() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        found.update(DETAIL_TYPE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_published_detail_type_has_a_schema():
    # Given every event name written in the source
    published = _published_detail_types()
    # Then each one has its schema (a new event without one fails here)
    assert published
    assert published - set(SCHEMAS) == set()


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schemas_are_valid_and_refuse_personal_data(name):
    schema = SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    detail_with_email = {"source": "privacy.rights", "detail-type": name, "detail": {"email": "x@example.org"}}
    assert not Draft202012Validator(schema).is_valid(detail_with_email)


def test_the_parental_consent_request_event_cannot_carry_a_token():
    """Whoever reads the bus (any rule target, any archive) must not be able to answer for the parent."""
    schema = Draft202012Validator(SCHEMAS["ParentalConsentRequested"])
    event = {"source": "privacy.rights", "detail-type": "ParentalConsentRequested"}
    assert schema.is_valid(event | {"detail": {"event_id": "e1", "request_id": "0" * 32}})
    assert not schema.is_valid(event | {"detail": {"event_id": "e1", "request_id": "0" * 32, "token": "abc.def"}})


def test_a_new_policy_version_is_announced_once_as_its_schema_says(aws, bus_events, context, monkeypatch):
    import wiring
    from handlers import overdue_sweep
    from policy.loader import load_policy
    from tests.support import load_event

    # When the daily sweep runs twice after the first deploy of the policy
    overdue_sweep.lambda_handler(load_event("overdue_sweep/daily.json"), context)
    overdue_sweep.lambda_handler(load_event("overdue_sweep/daily.json"), context)
    # Then the policy was announced once, as its schema says
    (first,) = [e for e in bus_events() if e["detail-type"] == "PolicyChanged"]
    Draft202012Validator(SCHEMAS["PolicyChanged"]).validate(first)
    assert (first["detail"]["product"], first["detail"]["previous_version"]) == ("imind", None)
    # When a deploy brings a new version whose analytics wording changed
    current = load_policy("imind")
    reworded = [
        p.model_copy(update={"title": {**p.title, "en": "Usage, counted"}}) if p.id == "analytics" else p
        for p in current.purposes
    ]
    newer = current.model_copy(update={"version": "2027-01-01", "purposes": reworded})
    monkeypatch.setitem(wiring.dependency_overrides, wiring.policy.policy, lambda: newer)
    overdue_sweep.lambda_handler(load_event("overdue_sweep/daily.json"), context)
    overdue_sweep.lambda_handler(load_event("overdue_sweep/daily.json"), context)
    # Then that version is announced once, naming the purpose to ask about again
    (second,) = [e for e in bus_events() if e["detail-type"] == "PolicyChanged"]
    Draft202012Validator(SCHEMAS["PolicyChanged"]).validate(second)
    assert (second["detail"]["version"], second["detail"]["previous_version"]) == ("2027-01-01", current.version)
    assert second["detail"]["reconsent_purposes"] == ["analytics"]
