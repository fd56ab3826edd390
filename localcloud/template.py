"""template.yaml read as data: CloudFormation short-form tags, parameters and the intrinsics we need."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "privacy-local"
# The local deployment's own parameter values (a caller's overrides win): the local cloud serves web/ at / itself
# and signs in through /_local/login, so it deploys no S3 + CloudFront hosting and no hosted-UI client.
LOCAL_PARAMETERS = {"DeployPrivacyCenter": "false"}
NO_VALUE = object()  # !Ref AWS::NoValue: the list item or property it stands for is left out


def policy_document(name: str) -> dict[str, Any]:
    """Policy `name` as the functions read it: from POLICY_DOCUMENTS where the environment names a directory (a new
    version published without a build), else the bundled document."""
    documents = os.environ.get("POLICY_DOCUMENTS") or ROOT / "src" / "policy" / "documents"
    return json.loads((Path(documents) / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class _CfnLoader(yaml.SafeLoader):
    """Turns `!Ref X` into `{"Ref": "X"}` and friends, the long form every tool understands."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return document


@dataclass
class Stack:
    """The template plus what the local deployment made of it: parameter values, physical ids, attributes."""

    template: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    stack_name: str = STACK_NAME

    @classmethod
    def from_template(
        cls,
        template: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None,
        stack_name: str = STACK_NAME,
    ) -> "Stack":
        template = template or load_template()
        specs = template.get("Parameters", {})
        parameters = {name: spec.get("Default") for name, spec in specs.items()}
        parameters.update({name: value for name, value in LOCAL_PARAMETERS.items() if name in specs})
        parameters.update(overrides or {})
        for name, spec in specs.items():
            if spec.get("Type") == "CommaDelimitedList" and isinstance(parameters[name], str):
                parameters[name] = [part for part in parameters[name].split(",") if part]
        return cls(template=template, parameters=parameters, stack_name=stack_name)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]  # type: ignore[no-any-return]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == resource_type}

    def properties(self, logical_id: str) -> dict[str, Any]:
        return self.resolve(self.resources[logical_id].get("Properties", {}))  # type: ignore[no-any-return]

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def created(self, logical_id: str) -> bool:
        """Whether CloudFormation would create the resource: it has no Condition, or its condition holds."""
        condition = self.resources[logical_id].get("Condition")
        return condition is None or self.condition(condition)

    # ------------------------------------------------------------- intrinsics
    def _pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if (pseudo := self._pseudo(name)) is not None:
            return pseudo
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise KeyError(f"!Ref {name}: not a parameter and not created locally")

    def get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise KeyError(f"!GetAtt {logical_id}.{attribute}: not known locally") from None

    def _sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], self.resolve(value[1]))
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            token, _, rest = after.partition("}")
            out.append(before)
            if token in variables:
                out.append(str(variables[token]))
            elif "." in token:
                out.append(self.get_att(*token.split(".", 1)))
            else:
                out.append(str(self.ref(token)))
        out.append(rest)
        return "".join(out)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            match key:
                case "Ref":
                    return self.ref(arg)
                case "Fn::GetAtt":
                    return self.get_att(*arg)
                case "Fn::Sub":
                    return self._sub(arg)
                case "Fn::Join":
                    return str(arg[0]).join(str(item) for item in self.resolve(arg[1]))
                case "Fn::If":
                    return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
                case "Fn::Condition":
                    return self.condition(arg)
                case "Fn::Equals":
                    return self.resolve(arg[0]) == self.resolve(arg[1])
                case "Fn::Not":
                    return not self.resolve(arg[0])
                case "Fn::And":
                    return all(self.resolve(item) for item in arg)
                case "Fn::Or":
                    return any(self.resolve(item) for item in arg)
                case "Fn::Select":
                    return self.resolve(arg[1])[int(arg[0])]
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}
