"""EventBridge-style content filtering, the subset Lambda event filters use: exact values, prefix, exists,
anything-but, numeric equality. Enough to honour the FilterCriteria of template.yaml locally."""

import json
from typing import Any


def _value_matches(rule: Any, value: Any, present: bool) -> bool:
    if isinstance(rule, dict):
        if "exists" in rule:
            return bool(rule["exists"]) == present
        if "prefix" in rule:
            return present and isinstance(value, str) and value.startswith(rule["prefix"])
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            return present and value not in (excluded if isinstance(excluded, list) else [excluded])
        if "numeric" in rule:
            operator, operand = rule["numeric"][0], rule["numeric"][1]
            return present and operator == "=" and float(value) == float(operand)
        return False
    return present and value == rule


def matches(pattern: dict[str, Any] | str, document: dict[str, Any]) -> bool:
    if isinstance(pattern, str):
        pattern = json.loads(pattern)
    assert isinstance(pattern, dict)
    for key, rule in pattern.items():
        present = isinstance(document, dict) and key in document
        value = document.get(key) if isinstance(document, dict) else None
        if isinstance(rule, dict):
            if not present or not isinstance(value, dict) or not matches(rule, value):
                return False
        elif not any(_value_matches(option, value, present) for option in rule):
            return False
    return True
