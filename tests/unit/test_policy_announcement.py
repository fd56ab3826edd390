"""PolicyChanged: each version of a product's policy is announced once, naming what changed and the purposes to
ask about again."""

from datetime import UTC, datetime

from policy.announcement import SECTIONS, fingerprint, policy_changed
from policy.loader import load_policy

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _reworded(policy, purpose_id: str, title: str):
    purposes = [
        purpose.model_copy(update={"title": {**purpose.title, "en": title}}) if purpose.id == purpose_id else purpose
        for purpose in policy.purposes
    ]
    return policy.model_copy(update={"purposes": purposes, "version": policy.version + "-b"})


def test_a_first_announcement_names_every_section_and_every_consent_purpose():
    policy = load_policy("mindomo")
    detail = policy_changed(policy, None, NOW)
    assert detail is not None
    assert (detail["product"], detail["version"], detail["previous_version"]) == ("mindomo", policy.version, None)
    assert detail["changed"] == list(SECTIONS)
    consent = {p.id for p in policy.purposes if p.legal_basis == "consent"}
    assert set(detail["reconsent_purposes"]) == consent


def test_a_version_already_announced_is_not_announced_again():
    policy = load_policy("imind")
    assert policy_changed(policy, fingerprint(policy), NOW) is None


def test_a_new_version_names_the_purposes_reworded_and_only_the_sections_changed():
    before = load_policy("imind")
    after = _reworded(before, "analytics", "How you use iMind, counted")
    detail = policy_changed(after, fingerprint(before), NOW)
    assert detail is not None
    assert detail["previous_version"] == before.version
    assert detail["changed"] == ["purposes"]
    assert detail["reconsent_purposes"] == ["analytics"]
    assert detail["event_id"] == f"policy:imind:{after.version}"  # a retried announcement keeps its id


def test_the_fingerprint_holds_digests_not_the_policys_texts():
    policy = load_policy("imind")
    stored = str(fingerprint(policy))
    assert policy.purposes[0].title["en"] not in stored
    assert policy.controller.name not in stored
