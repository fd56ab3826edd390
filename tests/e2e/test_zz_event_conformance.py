"""Runs after the other end-to-end tests of the session: every event they caused conforms to its schema."""

import json

import pytest
from jsonschema import Draft202012Validator

from tests.support import EVENTS

pytestmark = pytest.mark.e2e


def test_every_published_event_conforms_to_its_schema(cloud):
    # Given every event published on the bus during this session
    cloud.local("POST", "drain")
    events = cloud.local("GET", "events")["events"]
    # Then each has a schema and conforms to it
    problems = []
    for event in events:
        path = EVENTS / "schemas" / f"{event['detail-type']}.json"
        if not path.exists():
            problems.append(f"no schema for {event['detail-type']}")
            continue
        for error in Draft202012Validator(json.loads(path.read_text())).iter_errors(event):
            problems.append(f"{event['detail-type']}: {error.message}")
    assert problems == []
