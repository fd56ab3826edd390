"""Property-based fuzzing of every operation, generated from the API's own OpenAPI document (schemathesis).

Each operation runs twice over a local cloud: without a token and with a valid user token. Whatever is sent,
valid or not, the API must not fail (no 5xx), must answer only statuses its document lists for the operation,
with a documented content type, and every answer must match the schema documented for its status.

Two of schemathesis' phases run: its coverage phase first (every case it derives from the document, as explicit
examples: boundary values of each parameter and body field, each constraint broken in turn, methods the path does
not serve, and Content-Type probes, i.e. a body sent as text/plain and a multipart/form-data without a boundary,
whose 5xx schemathesis reports as such), then random positive and negative cases (the fuzzing phase).

The operations are read from the document the cloud serves at /openapi.json; the committed copy in docs/ (kept in
step with the routes by test_template_contract) only names the test items at collection time.
(schemathesis' lazy `from_fixture` loader does not run on pytest 9.2, hence `as_strategy` with Hypothesis.)
"""

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.meta import content_type_probes_first
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import Cloud, own_cloud
from tests.support import ROOT

pytestmark = pytest.mark.e2e

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEED = int(os.environ.get("FUZZ_SEED", "20260301"))
# Random cases per operation and token, after the coverage phase (a fixed set, ~1,100 cases per token): bounded,
# so the run takes well under a minute on 2 cores (36 s with both phases); FUZZ_EXAMPLES=300 (about
# 5 minutes) or another FUZZ_SEED digs deeper.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, operations in json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))["paths"].items()
    for method in operations
]


@pytest.fixture(scope="module")
def fuzz_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """A local cloud of its own: the fuzzing deletes accounts and leaves junk that other tests must not see."""
    yield from own_cloud(tmp_path_factory, "fuzzcloud")


@pytest.fixture(scope="module")
def api_schema(fuzz_cloud: Cloud) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_cloud.url}/openapi.json")


@pytest.fixture(params=["without-token", "with-user-token"])
def auth_headers(request: pytest.FixtureRequest, fuzz_cloud: Cloud) -> dict[str, str]:
    """No token at all, or the token of a user of its own (one operation's DELETE /me must not 410 the others)."""
    if request.param == "without-token":
        return {}
    return {"Authorization": f"Bearer {fuzz_cloud.token(f'fuzz-{uuid.uuid4().hex[:12]}@example.org')}"}


def coverage_cases(operation: Any, headers: dict[str, str]) -> list[Case]:
    """The cases of schemathesis' coverage phase for the operation (what `schemathesis run --phases coverage` sends),
    with these headers on each."""
    generation = operation.schema.config.generation_for(operation=operation, phase="coverage")
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=generation.modes,
        generation_config=generation,
        auth_storage=None,
        override=Override(headers=dict(headers)),
        feedback=FeedbackSources(),
    )
    return list(generator)


# Operations fuzzed with an operator's token too: a user token gets 403 before their bodies are read, and these bodies
# carry rules of their own (a rectification's `changes`, by PATCH /me's rules; a restore's verification method).
AS_OPERATOR = ["POST /admin/requests", "POST /admin/subjects/{subject_id}/restore"]


@pytest.fixture
def operator_headers(fuzz_cloud: Cloud) -> dict[str, str]:
    token = fuzz_cloud.token(f"fuzz-operator-{uuid.uuid4().hex[:12]}@example.org", ["privacy-admin"])
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_answers_as_documented(api_schema: Any, auth_headers: dict[str, str], label: str) -> None:
    fuzz_operation(api_schema, auth_headers, label)


@pytest.mark.parametrize("label", AS_OPERATOR)
def test_operator_operation_answers_as_documented(
    api_schema: Any, operator_headers: dict[str, str], label: str
) -> None:
    fuzz_operation(api_schema, operator_headers, label)


def fuzz_operation(api_schema: Any, auth_headers: dict[str, str], label: str) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"the served document has no {label}: run `make openapi`"
    # Valid and invalid inputs alike: an invalid one must be refused with a documented 4xx, never a 5xx.
    # The token is a fixed header: generated (invalid) Authorization values must not replace it.
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, headers=auth_headers or None),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=auth_headers or None),
    )

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # explicit: the coverage phase; no shrinking: reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case: Any) -> None:
        case.call_and_validate(checks=CHECKS, timeout=60)

    # Attached as schemathesis attaches them: Hypothesis runs the last attached first, so the probes run last.
    for case in content_type_probes_first(coverage_cases(operation, auth_headers)):
        fuzz = example(case=case)(fuzz)
    fuzz()
