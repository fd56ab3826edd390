"""Writes the policy documents' JSON Schema: `PYTHONPATH=src python -m policy.schema_export docs/policy.schema.json`
(tests/unit/test_policies.py fails when the file and the model differ)."""

import json
import sys
from pathlib import Path
from typing import Any

from policy.model import Policy

SCHEMA_ID = "https://privacy-rights.example/schemas/policy.schema.json"


def policy_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **Policy.model_json_schema(mode="validation"),
    }


def render() -> str:
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m policy.schema_export <output.json>", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
