"""Settings come from the function's environment; a deployment mistake stops the function with the variable's name."""

import pytest

from config import ConfigurationError, Settings, setting
from tests.support import POLICY_DOCUMENTS

BASE = {
    "SUBJECTS_TABLE": "subjects",
    "AUDIT_TABLE": "audit",
    "EVENT_BUS_NAME": "bus",
    "PSEUDONYM_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pseudonym",
}


class WorkerSettings(Settings):
    queue_url: str
    grace_days: int = setting(default=60, minimum=1, maximum=365)
    signing_key_id: str | None = None
    systems: list[str] = setting(default_factory=list)


def test_values_come_from_upper_case_variables_with_defaults_for_the_rest() -> None:
    settings = WorkerSettings.from_env({**BASE, "QUEUE_URL": "https://queue", "SYSTEMS": " crm, ,billing "})

    assert settings.subjects_table == "subjects"
    assert settings.stage == "dev"
    assert settings.queue_url == "https://queue"
    assert settings.grace_days == 60
    assert settings.signing_key_id is None
    assert settings.systems == ["crm", "billing"]


def test_integers_are_parsed_and_bounded() -> None:
    assert WorkerSettings.from_env({**BASE, "QUEUE_URL": "q", "GRACE_DAYS": "30"}).grace_days == 30
    with pytest.raises(ConfigurationError, match="GRACE_DAYS must be between 1 and 365, not 0"):
        WorkerSettings.from_env({**BASE, "QUEUE_URL": "q", "GRACE_DAYS": "0"})
    with pytest.raises(ConfigurationError, match="GRACE_DAYS must be an integer, not 'soon'"):
        WorkerSettings.from_env({**BASE, "QUEUE_URL": "q", "GRACE_DAYS": "soon"})


def test_a_missing_required_variable_is_named() -> None:
    with pytest.raises(ConfigurationError, match="QUEUE_URL is not set"):
        WorkerSettings.from_env(BASE)


def test_settings_are_frozen() -> None:
    settings = WorkerSettings.from_env({**BASE, "QUEUE_URL": "q"})
    with pytest.raises(AttributeError):
        settings.queue_url = "elsewhere"  # type: ignore[misc]


def test_a_function_deployed_with_an_unknown_policy_does_not_start():
    from config import ConfigurationError, Settings

    environ = {"SUBJECTS_TABLE": "t", "AUDIT_TABLE": "a", "EVENT_BUS_NAME": "b", "PSEUDONYM_SECRET_ARN": "s"}
    assert Settings.from_env({**environ, "POLICY": "mindomo"}).policy == "mindomo"
    with pytest.raises(ConfigurationError, match="POLICY 'acme' is not a bundled policy: choose one of imind"):
        Settings.from_env({**environ, "POLICY": "acme"})


def test_policy_documents_replace_the_bundled_ones_and_must_hold_the_policy(tmp_path):
    # Given a directory holding a new version of iMind's policy only (how a new version is published without a build)
    (tmp_path / "imind.json").write_bytes((POLICY_DOCUMENTS / "imind.json").read_bytes())
    environ = {**BASE, "POLICY_DOCUMENTS": str(tmp_path)}
    # Then a function on iMind's policy starts, and one on a policy the directory does not hold does not
    assert Settings.from_env({**environ, "POLICY": "imind"}).policy_documents == str(tmp_path)
    with pytest.raises(ConfigurationError, match=r"POLICY 'mindomo' is not in POLICY_DOCUMENTS: choose one of imind$"):
        Settings.from_env({**environ, "POLICY": "mindomo"})
