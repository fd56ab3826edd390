"""template.yaml after the SAM transform, as JSON on stdout: what CloudFormation would deploy.

Run with the SAM CLI's interpreter (`.venv-sam/bin/python tests/sam_transform.py`): aws-sam-translator lives in
.venv-sam only. Managed policies named in the template are looked up in a stub map (no AWS account); the ones SAM
adds by itself (execution, tracing, event sources) it names by ARN.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # SAM builds ARNs for a region; any will do

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


class StubPolicyLoader:
    def load(self) -> dict[str, str]:
        return {}


def main() -> None:
    template = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/src.zip"  # what `sam package` puts there
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    json.dump(transform(template, parameters, StubPolicyLoader()), sys.stdout, indent=1, default=str)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
