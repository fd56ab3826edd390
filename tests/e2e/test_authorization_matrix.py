"""The authorization matrix, generated from the route table (docs/openapi.json, which a contract test keeps in
step with template.yaml): a new route is covered the day it is added, or the test fails asking for a sample.

For every operation with `security`:
  * no token and an expired token get 401 (API Gateway's JWT authorizer);
  * `/admin/*` refuses a plain user and a host-application token (403);
  * `/app/*`, `/minors/checks` and `/minors/consent-requests` refuse a plain user token (403);
  * every GET under a `me` segment, called by subject B with path parameters that name subject A's resources,
    answers 404 or 200 with B's own data: none of A's ids, e-mail or names appear (and A itself gets 200, so
    the ids are real);
  * every write (PUT, POST, PATCH, DELETE) that names a resource (a path parameter, or a body field ending in
    `_id`), called by subject B with A's ids, is refused (403 or 404, or 401/410 where the operation documents
    them) and changes nothing of A's: every stored item naming one of A's ids is the same before and after.
    The other writes (PATCH /me, PUT /me/consents...) can only act on the token's own subject: nothing in them
    names another one.

The same `check` runs once against a deliberately broken test-only app, in-process, to show it catches a read
and a write that ignore the token's subject.
"""

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from tests.e2e.helpers import aws_client, link_child, mailed_token, pseudonym
from tests.support import ROOT

pytestmark = pytest.mark.e2e

DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))

ANONYMOUS, EXPIRED, PLAIN_USER, HOST_APP = "anonymous", "expired_token", "plain_user", "host_app"
SUBJECT_A, SUBJECT_B = "subject_a", "subject_b"
HOST_APP_ONLY = ("/minors/checks", "/minors/consent-requests")
NO_FOREIGN_DATA = "404, or 200 without subject A's data"
REFUSED_UNCHANGED = "refused, subject A's data unchanged"
WRITES = ("PUT", "POST", "PATCH", "DELETE")
REFUSALS = {403, 404}
REFUSALS_WHERE_DOCUMENTED = {401, 410}


# ---------------------------------------------------------------------------------------------- the checker
@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the OpenAPI path template
    caller: str
    expect: str  # a status code, or NO_FOREIGN_DATA

    @property
    def label(self) -> str:
        return f"{self.method} {self.route} as {self.caller}"


class MissingSample(LookupError):
    """A route names a path parameter or a body the sample tables do not know: add one, so it is covered."""


Sample = str | Callable[[str], str]  # a value, or the value for a route template
Send = Callable[[str, str, str, Any], tuple[int, str]]  # (method, path, caller, json body) -> (status, body text)
Snapshot = Callable[[], Mapping[str, Any]]  # subject A's stored data, by key


def matrix_cases(document: Mapping[str, Any]) -> list[Case]:
    cases = []
    for route, operations in sorted(document["paths"].items()):
        for method, operation in sorted(operations.items()):
            if not operation.get("security"):
                continue
            verb = method.upper()
            cases += [Case(verb, route, ANONYMOUS, "401"), Case(verb, route, EXPIRED, "401")]
            if route.startswith("/admin/"):
                cases += [Case(verb, route, PLAIN_USER, "403"), Case(verb, route, HOST_APP, "403")]
            if route.startswith("/app/") or route in HOST_APP_ONLY:
                cases.append(Case(verb, route, PLAIN_USER, "403"))
            if verb == "GET" and "me" in route.split("/"):
                cases += [Case(verb, route, SUBJECT_A, "200"), Case(verb, route, SUBJECT_B, NO_FOREIGN_DATA)]
            if verb in WRITES and names_a_resource(document, route, operation):
                cases.append(Case(verb, route, SUBJECT_B, REFUSED_UNCHANGED))
    return cases


def names_a_resource(document: Mapping[str, Any], route: str, operation: Mapping[str, Any]) -> bool:
    """A path parameter, or a request body field ending in `_id`: what lets a caller point at someone else's data."""
    if re.search(r"\{\w+\+?\}", route):
        return True
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return any(name.endswith("_id") for name in schema.get("properties", {}))


def refusals(document: Mapping[str, Any], case: Case) -> set[int]:
    documented = {int(code) for code in document["paths"][case.route][case.method.lower()].get("responses", {})}
    return REFUSALS | (REFUSALS_WHERE_DOCUMENTED & documented)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [
        f"{'added' if key not in before else 'removed' if key not in after else 'changed'} {key}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def fill(route: str, samples: Mapping[str, Sample]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in samples:
            raise MissingSample(
                f"{route}: no sample for the path parameter '{name}'. Add one to path_samples() in "
                f"{__name__} so the authorization matrix covers this route."
            )
        sample = samples[name]
        return quote(sample(route) if callable(sample) else sample, safe="")

    return re.sub(r"\{(\w+)\+?\}", value, route)


def body_for(document: Mapping[str, Any], case: Case, bodies: Mapping[str, Any]) -> Any:
    operation = document["paths"][case.route][case.method.lower()]
    if "requestBody" not in operation:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else schema.get("title", "")
    if name not in bodies:
        raise MissingSample(f"{case.label}: no sample body for schema '{name}'. Add one to body_samples().")
    return bodies[name]


def check(
    case: Case,
    document: Mapping[str, Any],
    send: Send,
    samples: Mapping[str, Sample],
    bodies: Mapping[str, Any],
    foreign: Collection[str],
    snapshot: Snapshot | None = None,
) -> str | None:
    """The violation this case shows, or None. `foreign` are the values only subject A may ever see; `snapshot`
    reads subject A's stored data (needed by the write cases)."""
    path = fill(case.route, samples)
    body = body_for(document, case, bodies)
    where = f"{case.label} ({case.method} {path})"
    if case.expect == REFUSED_UNCHANGED:
        if snapshot is None:
            raise ValueError(f"{case.label}: a write case needs a snapshot of subject A's data")
        before = snapshot()
        if not before:
            return f"{where}: no stored data of subject A found, so 'unchanged' would prove nothing"
        status, text = send(case.method, path, case.caller, body)
        changed = changes(before, snapshot())
        allowed = refusals(document, case)
        problems = ([f"answered {status}, expected one of {sorted(allowed)}"] if status not in allowed else []) + (
            [f"changed subject A's data ({'; '.join(changed)[:500]})"] if changed else []
        )
        return f"{where}: {' and '.join(problems)}: {text[:300]}" if problems else None
    status, text = send(case.method, path, case.caller, body)
    if case.expect == NO_FOREIGN_DATA:
        if status not in (200, 404):
            return f"{where}: answered {status}, expected {NO_FOREIGN_DATA}: {text[:300]}"
        leaked = sorted(value for value in foreign if value and value in text)
        if leaked:
            return f"{where}: answered {status} with subject A's data {leaked}: {text[:300]}"
        return None
    if status != int(case.expect):
        return f"{where}: answered {status}, expected {case.expect}: {text[:300]}"
    return None


def run_matrix(
    document: Mapping[str, Any],
    send: Send,
    samples: Mapping[str, Sample],
    bodies: Mapping[str, Any],
    foreign: Collection[str],
    snapshot: Snapshot | None = None,
) -> list[str]:
    return [
        violation
        for case in matrix_cases(document)
        if (violation := check(case, document, send, samples, bodies, foreign, snapshot))
    ]


# ---------------------------------------------------------------------------------------------- the samples
@dataclass(frozen=True)
class SubjectA:
    """Subject A's resources, created through the API; subject B must never see any of them."""

    sub: str
    email: str
    family_name: str
    pseudonym: str
    request_id: str
    receipt_id: str
    claim_receipt_id: str
    visitor_id: str
    parental_request_id: str
    child_id: str
    child_request_id: str

    def foreign(self) -> list[str]:
        return [
            self.sub,
            self.email,
            self.family_name,
            self.pseudonym,
            self.request_id,
            self.receipt_id,
            self.claim_receipt_id,
            self.visitor_id,
            self.parental_request_id,
            self.child_id,
            self.child_request_id,
        ]


def path_samples(a: SubjectA) -> dict[str, Sample]:
    """One sample per path parameter name, naming subject A's real resources where A has one."""

    def request_id(route: str) -> str:
        if route.startswith("/parents/"):
            return a.child_request_id  # the request A filed for its child
        if route.startswith("/app/minors/"):
            return a.parental_request_id  # the parental consent request naming A as the parent
        return a.request_id

    return {
        "request_id": request_id,
        "receipt_id": a.receipt_id,
        "visitor_id": a.visitor_id,
        "subject_id": a.sub,
        "child_id": a.child_id,
        "category": "invoices",
        "record_id": "INV-A1",
        "system": "billing",
        "certificate_id": uuid.uuid5(uuid.NAMESPACE_URL, a.sub).hex,
        "subject_pseudonym": a.pseudonym,
    }


def body_samples(a: SubjectA) -> dict[str, Any]:
    """One valid body per request schema, so a refusal is the route's decision, not the validator's."""
    return {
        "ConsentChangeRequest": {"decisions": {"analytics": True}, "source": "settings"},
        "ClaimIn": {"visitor_id": a.visitor_id},
        "UnsubscribeTokenIn": {"purpose": "newsletters"},
        "Document": {"invoice_date": "2026-01-31", "total": 1},
        "ProfilePatch": {"given_name": "Mallory"},
        "RequestIn": {"type": "access"},
        "ReasonIn": {"reason": "authorization matrix probe"},
        "AdminRequestIn": {"subject_id": a.sub, "type": "access", "verified_by": "authorization matrix probe"},
        "HoldIn": {"category": "invoices", "until": "2099-01-01T00:00:00Z", "reason": "authorization matrix probe"},
        "RestoreIn": {"verified_by": "account_email_reply"},
        "LinkIn": {"child_subject_id": a.child_id},
        "ChildRequestIn": {"type": "access"},
        "ChildRestrictionIn": {"grounds": "objection_pending"},
        "CompellingGroundsIn": {"purpose": "marketing_emails", "reason": "authorization matrix probe"},
        "MinorCheckIn": {"birth_date": "2014-02-01", "country": "DE"},
        "ConsentRequestIn": {"parent_email": "probe@example.org", "country": "DE", "child_reference": "matrix-probe"},
        "ConfirmIn": {"token": "x" * 40, "decision": "approve"},
    }


PLACEHOLDER = SubjectA(*(f"{field}-placeholder" for field in SubjectA.__dataclass_fields__))


# ---------------------------------------------------------------------------------------------- the local cloud
def _claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def _expired(token: str) -> str:
    # Re-signed with the private key moto's user pools sign with: a token the pool issued, one hour expired.
    now = int(time.time())
    claims = {**_claims_of(token), "iat": now - 7200, "exp": now - 3600}
    return jwt.encode(
        {"alg": "RS256", "kid": "dummy"},
        claims,
        RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json")),
    )


def _created(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def world(cloud) -> tuple[SubjectA, dict[str, str | None]]:
    tag = uuid.uuid4().hex[:8]
    app = cloud.token(f"matrix-host-{tag}", ["privacy-app"])
    a = cloud.login(f"matrix-a-{tag}@example.org", given_name="Ada", family_name=f"Byron-{tag}", country="GB")
    a_token = a["access_token"]
    receipt = _created(
        cloud.call("PUT", "/me/consents", a_token, json={"decisions": {"analytics": True}, "source": "settings"})
    )
    visitor_id = f"matrix-visitor-{tag}"
    _created(
        cloud.call(
            "PUT", f"/visitors/{visitor_id}/consents", json={"decisions": {"newsletters": True}, "source": "banner"}
        )
    )
    claimed = _created(cloud.call("POST", "/me/consents/claim", a_token, json={"visitor_id": visitor_id}))
    request = _created(cloud.call("POST", "/me/requests", a_token, json={"type": "access"}), 202)
    _created(
        cloud.call("PUT", f"/app/subjects/{a['sub']}/records/invoices/INV-A1", app, json={"invoice_date": "2026-01-31"})
    )
    # A is also a parent, with a linked child and an access request about the child
    asked = _created(
        cloud.call(
            "POST",
            "/minors/consent-requests",
            app,
            json={"parent_email": f"matrix-a-{tag}@example.org", "country": "DE", "child_reference": tag},
        ),
        201,
    )
    confirm = {"token": mailed_token(cloud, f"matrix-a-{tag}@example.org"), "decision": "approve"}
    _created(cloud.call("POST", "/minors/consent-requests/confirm", json=confirm))
    child = cloud.login(
        f"matrix-child-{tag}@example.org",
        given_name="Kid",
        birth_date="2015-04-02",
        country="DE",
        client_metadata={"parental_request_id": asked["request_id"]},
    )
    _created(link_child(cloud, app, asked["request_id"], child, a))
    child_request = _created(
        cloud.call("POST", f"/parents/me/children/{child['sub']}/requests", a_token, json={"type": "access"}), 202
    )
    cloud.local("POST", "drain")  # the exports of both access requests are built
    subject_a = SubjectA(
        sub=a["sub"],
        email=a["username"],
        family_name=f"Byron-{tag}",
        pseudonym=pseudonym(cloud, a["sub"]),
        request_id=request["request_id"],
        receipt_id=receipt["receipt_id"],
        claim_receipt_id=claimed["receipt_id"],
        visitor_id=visitor_id,
        parental_request_id=asked["request_id"],
        child_id=child["sub"],
        child_request_id=child_request["request_id"],
    )
    plain = cloud.token(f"matrix-user-{tag}")
    tokens: dict[str, str | None] = {
        ANONYMOUS: None,
        EXPIRED: _expired(plain),
        PLAIN_USER: plain,
        HOST_APP: app,
        SUBJECT_A: a_token,
        SUBJECT_B: cloud.token(f"matrix-b-{tag}@example.org", given_name="Bea", family_name=f"Other-{tag}"),
    }
    return subject_a, tokens


def stored_data_of(cloud, a: SubjectA) -> Snapshot:
    """Every item of the subjects table that names one of A's ids (A's and A's child's partitions, A's requests and
    parental request, whatever is kept under A's pseudonym), by its key, read once the queues and streams are quiet.
    A scan, not the adapter's keys: whatever a route wrongly wrote about A is seen wherever it went."""
    ddb = aws_client(cloud, "dynamodb")
    table = cloud.info()["resources"]["SubjectsTable"]
    key_names = [key["AttributeName"] for key in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]
    ids = [value for value in a.foreign() if value]

    def snapshot() -> dict[str, str]:
        cloud.local("POST", "drain")
        items = {}
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                text = json.dumps(item, sort_keys=True)
                if any(value in text for value in ids):
                    items[json.dumps([item[name] for name in key_names], sort_keys=True)] = text
        return items

    return snapshot


def test_every_path_parameter_and_request_body_of_a_secured_route_has_a_sample():
    # A route added with a new parameter name or body schema fails here (and in the matrix), never silently skipped
    for case in matrix_cases(DOCUMENT):
        fill(case.route, path_samples(PLACEHOLDER))
        body_for(DOCUMENT, case, body_samples(PLACEHOLDER))


def test_the_sample_check_fails_loudly_for_an_unknown_parameter():
    with pytest.raises(MissingSample, match="'tenant_id'"):
        fill("/me/tenants/{tenant_id}", path_samples(PLACEHOLDER))


def test_every_write_that_names_a_resource_is_tried_with_another_subjects_token():
    writes = {
        (case.method, case.route): names_a_resource(
            DOCUMENT, case.route, DOCUMENT["paths"][case.route][case.method.lower()]
        )
        for case in matrix_cases(DOCUMENT)
        if case.method in WRITES
    }
    tried = {(case.method, case.route) for case in matrix_cases(DOCUMENT) if case.expect == REFUSED_UNCHANGED}
    # Every write naming a path parameter or an *_id body field gets a subject B case, and only those
    assert tried == {operation for operation, names in writes.items() if names}
    assert {
        ("POST", "/admin/subjects/{subject_id}/underage"),
        ("PUT", "/app/subjects/{subject_id}/records/{category}/{record_id}"),
        ("POST", "/admin/requests"),  # the subject is named in the body
        ("POST", "/me/consents/claim"),  # the visitor is named in the body
        ("POST", "/parents/me/children/{child_id}/erasure"),
    } <= tried
    # And the writes left out have nothing that could name another subject's data
    assert ("PATCH", "/me") in writes
    assert ("PATCH", "/me") not in tried


def test_every_secured_operation_is_in_the_matrix():
    secured = {
        (method.upper(), route)
        for route, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert {(case.method, case.route) for case in matrix_cases(DOCUMENT)} == secured
    assert len(secured) > 30


@pytest.mark.parametrize("case", matrix_cases(DOCUMENT), ids=lambda case: case.label)
def test_authorization_matrix(cloud, world, case):
    subject_a, tokens = world

    def send(method: str, path: str, caller: str, body: Any) -> tuple[int, str]:
        answer = cloud.call(method, path, tokens[caller], json=body)
        return answer.status_code, answer.text

    samples, bodies, foreign = path_samples(subject_a), body_samples(subject_a), subject_a.foreign()
    snapshot = stored_data_of(cloud, subject_a) if case.expect == REFUSED_UNCHANGED else None
    violation = check(case, DOCUMENT, send, samples, bodies, foreign, snapshot)
    assert violation is None, violation


def test_the_stored_data_check_sees_a_change_to_subject_a(cloud, world):
    # Given subject A's stored data, as the write cases read it
    subject_a, tokens = world
    snapshot = stored_data_of(cloud, subject_a)
    before = snapshot()
    # When A changes its own profile
    answer = cloud.call("PATCH", "/me", tokens[SUBJECT_A], json={"given_name": "Augusta"})
    assert answer.status_code == 200, answer.text
    # Then the check sees it: an item naming A changed
    changed = changes(before, snapshot())
    assert any(line.startswith("changed ") and subject_a.sub in line for line in changed), changed


# ---------------------------------------------------------------------------------------------- the checker checked
A_REQUEST, B_REQUEST = "a" * 32, "b" * 32


def _broken_app() -> tuple[Any, dict[str, dict[str, str]]]:
    """Test-only, never shipped: a read and a write that ignore the token's subject, a read and a write that honour
    it; with the requests they serve."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError

    from api.http import BEARER

    app = APIGatewayHttpResolver(enable_validation=True)
    requests_by_id = {
        A_REQUEST: {"request_id": A_REQUEST, "subject_id": "subject-a", "email": "a@example.org"},
        B_REQUEST: {"request_id": B_REQUEST, "subject_id": "subject-b", "email": "b@example.org"},
    }

    def sub() -> str:
        return str(app.current_event.request_context.authorizer.jwt_claim["sub"])

    @app.get("/me/requests/<request_id>", security=BEARER)
    def get_request(request_id: str) -> dict[str, str]:
        if request_id not in requests_by_id:  # BROKEN: looked up by id alone; the caller's sub is never compared
            raise NotFoundError("no such request")
        return requests_by_id[request_id]

    @app.get("/me/requests", security=BEARER)
    def list_requests() -> list[dict[str, str]]:
        return [r for r in requests_by_id.values() if r["subject_id"] == sub()]  # correct: the token's sub only

    @app.post("/me/requests/<request_id>/cancel", security=BEARER)
    def cancel_request(request_id: str) -> dict[str, str]:
        if request_id not in requests_by_id:  # BROKEN: cancelled by id alone, whoever asks
            raise NotFoundError("no such request")
        requests_by_id[request_id]["status"] = "cancelled"
        return {"request_id": request_id, "status": "cancelled"}

    @app.delete("/me/requests/<request_id>", security=BEARER)
    def withdraw_request(request_id: str) -> dict[str, str]:
        request = requests_by_id.get(request_id)
        if request is None or request["subject_id"] != sub():  # correct: only the caller's own request
            raise NotFoundError("no such request")
        request["status"] = "withdrawn"
        return {"request_id": request_id, "status": "withdrawn"}

    return app, requests_by_id


def _in_process(app: Any) -> Send:
    claims = {SUBJECT_A: {"sub": "subject-a"}, SUBJECT_B: {"sub": "subject-b"}, PLAIN_USER: {"sub": "someone"}}

    def send(method: str, path: str, caller: str, body: Any) -> tuple[int, str]:
        if caller not in claims:  # no token, an expired one: API Gateway's authorizer answers, the function never runs
            return 401, '{"message":"Unauthorized"}'
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {"content-type": "application/json"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "domainPrefix": "localhost",
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
                "requestId": uuid.uuid4().hex,
                "routeKey": "$default",
                "stage": "$default",
                "time": "12/Mar/2026:19:03:58 +0000",
                "timeEpoch": 1773342238390,
                "authorizer": {"jwt": {"claims": claims[caller], "scopes": None}},
            },
            "isBase64Encoded": False,
            **({"body": json.dumps(body)} if body is not None else {}),
        }
        answer = app.resolve(event, None)
        return int(answer["statusCode"]), str(answer.get("body") or "")

    return send


def _run_against_broken_app() -> list[str]:
    from api.http import SECURITY_SCHEMES

    app, requests_by_id = _broken_app()
    document = json.loads(app.get_openapi_json_schema(security_schemes=SECURITY_SCHEMES))
    samples = {"request_id": A_REQUEST}
    foreign = ["subject-a", "a@example.org", A_REQUEST]

    def subject_a_data() -> dict[str, str]:
        return {key: json.dumps(value, sort_keys=True) for key, value in requests_by_id.items() if key == A_REQUEST}

    return run_matrix(document, _in_process(app), samples, {}, foreign, subject_a_data)


def test_the_matrix_catches_a_route_that_returns_another_subjects_data():
    # Given a test-only app whose GET /me/requests/{request_id} ignores the token's subject
    # When the same matrix runs against it, in-process
    violations = [v for v in _run_against_broken_app() if v.startswith("GET ")]
    # Then it reports subject B reading A's request, and nothing about the read that honours the token
    assert len(violations) == 1, violations
    assert violations[0].startswith(f"GET /me/requests/{{request_id}} as {SUBJECT_B} (GET /me/requests/{A_REQUEST})")
    assert "with subject A's data" in violations[0]
    assert "a@example.org" in violations[0]


def test_the_matrix_catches_a_write_route_that_changes_another_subjects_data():
    # Given the test-only app, whose POST /me/requests/{request_id}/cancel ignores the token's subject
    # When the same matrix runs against it, in-process
    violations = [v for v in _run_against_broken_app() if not v.startswith("GET ")]
    # Then it reports subject B cancelling A's request: accepted, and A's request changed
    assert len(violations) == 1, violations
    label = f"POST /me/requests/{{request_id}}/cancel as {SUBJECT_B} (POST /me/requests/{A_REQUEST}/cancel)"
    assert violations[0].startswith(label)
    assert "answered 200, expected one of [403, 404]" in violations[0]
    assert f"changed subject A's data (changed {A_REQUEST})" in violations[0]
    # And nothing about DELETE /me/requests/{request_id}, which refuses B with 404 and changes nothing


# ---------------------------------------------------------------------------------------------- the declarations
API_HANDLERS = ("platform_api", "consent_api", "subject_api", "admin_api", "minors_api")


def declared_requirements() -> dict[tuple[str, str], Any]:
    """Every route's declared requirement (api.authorization), from the resolvers of the API functions."""
    import importlib

    from api.authorization import declared

    table: dict[tuple[str, str], Any] = {}
    for name in API_HANDLERS:
        table.update(declared(importlib.import_module(f"handlers.{name}").app))
    return table


def test_every_route_declares_the_group_the_matrix_expects_it_to_refuse_others_for():
    # Given the rules this matrix checks over HTTP (who gets 403 where) and what each route declares in the code
    from api.identity import ADMIN_GROUP, APP_GROUP

    declarations = declared_requirements()
    # Then every operation of the document is a route of the code, and each declares exactly the matrix's group
    assert {(method.upper(), route) for route, ops in DOCUMENT["paths"].items() for method in ops} <= set(declarations)
    for (method, route), requirement in sorted(declarations.items()):
        cases = {
            case.caller: case.expect for case in matrix_cases(DOCUMENT) if (case.method, case.route) == (method, route)
        }
        expected = (
            ADMIN_GROUP if cases.get(HOST_APP) == "403" else APP_GROUP if cases.get(PLAIN_USER) == "403" else None
        )
        assert (requirement.group if requirement else None) == expected, f"{method} {route}: declares {requirement}"
