"""Canonical JSON: the one serialisation every hash and signature covers (audit records, deletion certificates,
signed audit chain heads, signed tokens). Keys sorted, no whitespace, ASCII only: what a verifier rebuilds byte for
byte from the parsed body."""

import json
from collections.abc import Mapping
from typing import Any


def canonical_json(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
