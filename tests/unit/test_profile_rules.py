"""Sign-up (domain.profile.new_profile, without pydantic) and PATCH /me (ProfilePatch) follow the same rules."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.profile import new_profile
from domain.profile_changes import ProfilePatch
from tests.support import ROOT

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TOMORROW = (date.today() + timedelta(days=1)).isoformat()
CASES = [
    ("email", "Ada@Example.org"),
    ("email", "ada@example"),
    ("email", "not an address"),
    ("email", "a" * 65 + "@example.org"),
    ("given_name", "  Ada  "),
    ("given_name", "   "),
    ("given_name", "x" * 100),
    ("given_name", "x" * 101),
    ("family_name", "Lovelace"),
    ("family_name", "\tByron\n"),
    ("country", "gb"),
    ("country", "GB"),
    ("country", "XX"),
    ("country", "GBR"),
    ("birth_date", "1990-12-10"),
    ("birth_date", "1990-02-30"),
    ("birth_date", "10/12/1990"),
    ("birth_date", TOMORROW),
]
ATTRIBUTE = {"birth_date": "birthdate"}


def _patched(field: str, raw: str) -> object:
    try:
        return getattr(ProfilePatch.model_validate({field: raw}), field)
    except ValidationError:
        return None


@pytest.mark.parametrize(("field", "raw"), CASES, ids=[f"{f}={r!r}"[:40] for f, r in CASES])
def test_sign_up_keeps_exactly_what_a_correction_would_accept(field, raw):
    signed_up = new_profile("s-1", {ATTRIBUTE.get(field, field): raw}, NOW)
    assert getattr(signed_up, field) == _patched(field, raw)


def test_custom_attributes_count_when_the_standard_one_is_missing():
    profile = new_profile("s-1", {"custom:country": "de", "given_name": ""}, NOW)
    assert (profile.country, profile.given_name) == ("DE", None)


def test_the_sign_up_trigger_and_the_workers_import_no_pydantic():
    # Their cold start is the reason (docs/performance.md): pydantic is for validating outside input at the API.
    modules = [
        "post_confirmation",
        "event_publisher",
        "overdue_sweep",
        "purge_sweep",
        "inactivity_sweep",
        "purge_worker",
        "inactivity_worker",
        "parental_expiry",
        "export_worker",
    ]
    code = "import sys\n" + "".join(f"import handlers.{m}\n" for m in modules) + "print('pydantic' in sys.modules)"
    done = subprocess.run(  # our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
