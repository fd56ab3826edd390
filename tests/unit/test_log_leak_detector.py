"""The log check of tests/e2e/test_zz_pii_in_logs.py can fail: a plain powertools Logger leaks what the project's
logger (src/observability.py) scrubs, and the detector tells the two apart."""

import io

import pytest
from aws_lambda_powertools import Logger

from observability import logger as project_logger
from tests.log_leaks import find_leaks, seeded_in_sources
from tests.support import ROOT

FAKE_EMAIL = "jane.roe@example.org"
LINES = [
    f"password reset requested by {FAKE_EMAIL}",
    "download at https://bucket.s3.amazonaws.com/exports/x.zip?X-Amz-Credential=a&X-Amz-Signature=0123abcd",
    "caller sent Authorization: Bearer eyJraWQiOiJrMSJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl",
]


def _logged(logger: Logger, line: str) -> str:
    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        logger.info(line, extra={"body": {"email": FAKE_EMAIL}} if FAKE_EMAIL in line else None)
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    return stream.getvalue()


@pytest.mark.parametrize("line", LINES, ids=["e-mail", "presigned-url", "bearer-token"])
def test_an_unscrubbed_logger_is_flagged_and_the_project_logger_passes(line):
    # Given the same line logged by a plain powertools Logger and by the project's logger
    plain = _logged(Logger(service="unscrubbed-demo", stream=io.StringIO()), line)
    scrubbed = _logged(project_logger, line)
    assert plain
    assert scrubbed
    # Then the detector flags the plain output and passes the project's
    assert find_leaks(plain, {FAKE_EMAIL}), plain
    assert find_leaks(scrubbed, {FAKE_EMAIL}) == [], scrubbed


def test_a_seeded_name_is_flagged_as_a_whole_word_only():
    assert find_leaks('{"message":"hello Grace"}', {"Grace"}) == ["Grace"]
    assert find_leaks('{"message":"graceful Graceland"}', {"Grace"}) == []


def test_the_seeded_values_include_the_names_and_addresses_the_e2e_tests_write():
    seeded = seeded_in_sources(ROOT / "tests" / "e2e")
    assert {"Ada", "Byron", "Lovelace", "Grace", "Hopper", "probe@example.org"} <= seeded
