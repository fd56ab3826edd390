"""The wiring template.yaml declares: HTTP routes, queue and stream subscriptions, schedules."""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from localcloud.template import Stack


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the template: /me/requests/{id}, /files/{proxy+}
    function: str
    authorized: bool
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in (method, "ANY"):
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class Subscription:
    """A function fed by a queue or a stream."""

    function: str
    source_arn: str
    batch_size: int
    partial_failures: bool
    filters: list[dict[str, Any]]
    on_failure: str | None = None  # a stream mapping's destination for the batches it gives up on (a queue's ARN)


@dataclass(frozen=True)
class Schedule:
    logical_id: str  # the function's logical id + the event's name, as SAM names the generated rule
    event_name: str
    function: str
    expression: str
    payload: dict[str, Any] | None


def _path_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", path)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(regex)


@dataclass
class Wiring:
    routes: list[Route]
    queues: list[Subscription]
    streams: list[Subscription]
    schedules: list[Schedule]

    @classmethod
    def from_stack(cls, stack: Stack) -> "Wiring":
        wiring = cls([], [], [], [])
        for function, resource in stack.of_type("AWS::Serverless::Function").items():
            for event_name, event in resource.get("Properties", {}).get("Events", {}).items():
                wiring._add(stack, function, event_name, event["Type"], event.get("Properties", {}))
        # Literal segments win over parameters, as in API Gateway.
        wiring.routes.sort(key=lambda r: (r.path.count("{"), -len(r.path)))
        return wiring

    def _add(self, stack: Stack, function: str, name: str, kind: str, props: dict[str, Any]) -> None:
        if kind == "HttpApi":
            authorized = props.get("Auth", {}).get("Authorizer") != "NONE"
            path = props["Path"]
            self.routes.append(Route(props["Method"].upper(), path, function, authorized, _path_pattern(path)))
        elif kind in ("SQS", "DynamoDB"):
            source = stack.resolve(props["Queue"] if kind == "SQS" else props["Stream"])
            filters = [f["Pattern"] for f in props.get("FilterCriteria", {}).get("Filters", [])]
            on_failure = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            subscription = Subscription(
                function=function,
                source_arn=source,
                batch_size=int(props.get("BatchSize", 10)),
                partial_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                filters=filters,
                on_failure=stack.resolve(on_failure) if on_failure else None,
            )
            (self.queues if kind == "SQS" else self.streams).append(subscription)
        elif kind in ("Schedule", "ScheduleV2"):
            payload = json.loads(props["Input"]) if "Input" in props else None
            self.schedules.append(
                Schedule(
                    f"{function}{name}",
                    name,
                    function,
                    props["Schedule" if kind == "Schedule" else "ScheduleExpression"],
                    payload,
                )
            )

    def find_route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def path_exists(self, path: str) -> bool:
        return any(route.pattern.fullmatch(path) for route in self.routes)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if name in (s.logical_id, s.event_name)), None)
