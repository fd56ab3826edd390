"""The parent's mail says what the product's policy says is collected about the child and why (issue 16 §1), in every
language the policy offers; a language it does not offer is refused, and a policy whose parental path lacks the
notice in one of its languages does not load."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import DomainError
from domain.minors.service import ParentalService
from policy.catalog import to_parent_notice
from policy.loader import DOCUMENTS, InvalidPolicy, load_policy
from tests.unit.test_parental import FakeMailer, FakeStore, FakeVerifiedEmails, parental_service

PARENTAL_POLICIES = ["imind", "intermind", "mindomo"]


def _service(name: str, store: FakeStore, mailer: FakeMailer) -> ParentalService:
    return parental_service(store, mailer, FakeVerifiedEmails(), notice=to_parent_notice(load_policy(name)))


@pytest.mark.parametrize("name", PARENTAL_POLICIES)
def test_the_parents_mail_says_what_the_policy_says_is_collected_and_why_in_each_of_its_languages(name: str) -> None:
    policy = load_policy(name)
    notice = policy.minors.parent_notice
    assert notice is not None
    for language in policy.languages:
        # Given a consent request in one of the policy's languages
        store, mailer = FakeStore(), FakeMailer()
        _service(name, store, mailer).request("parent@example.org", "DE", "signup-1", language=language)
        # Then the parent reads the policy's own text on what is collected and why, in that language
        (mail,) = mailer.sent
        assert mail.language == language
        assert notice.collected[language] in mail.body
        assert notice.why[language] in mail.body
        assert mail.sections["collected"] == notice.collected[language]
        assert mail.sections["why"] == notice.why[language]
        assert mail.sections["rights"] in mail.body


def test_mindomos_notice_tells_a_parent_about_the_childs_names_login_and_usage_data() -> None:
    notice = load_policy("mindomo").minors.parent_notice
    assert notice is not None
    for words in ("first and last name", "password", "IP address"):
        assert words in notice.collected["en"]
    assert [quote.seed for quote in notice.sources if hasattr(quote, "seed")] != []


def test_a_language_the_policy_does_not_offer_is_refused_and_nobody_is_mailed() -> None:
    store, mailer = FakeStore(), FakeMailer()
    with pytest.raises(DomainError) as refused:
        _service("mindomo", store, mailer).request("parent@example.org", "DE", "signup-1", language="ja")
    assert refused.value.code == "language_not_offered"
    assert "en" in json.dumps(refused.value.details)
    assert mailer.sent == []
    assert store.pending_items == {}


def _document(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((DOCUMENTS / f"{name}.json").read_text(encoding="utf-8")))


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    (tmp_path / f"{document['product']}.json").write_text(json.dumps(document), encoding="utf-8")
    return tmp_path


def test_a_parental_path_without_the_notice_in_one_of_the_policys_languages_does_not_load(tmp_path: Path) -> None:
    document = _document("mindomo")
    del document["minors"]["parent_notice"]["why"]["it"]
    with pytest.raises(InvalidPolicy, match=r"parent_notice why: .*missing \['it'\]"):
        load_policy("mindomo", _write(tmp_path, document))


def test_a_parental_path_without_a_notice_does_not_load(tmp_path: Path) -> None:
    document = _document("imind")
    del document["minors"]["parent_notice"]
    with pytest.raises(InvalidPolicy, match=r"parent_notice"):
        load_policy("imind", _write(tmp_path, document))


def test_a_policy_without_a_parental_path_needs_no_notice() -> None:
    policy = load_policy("imocloud")
    assert (policy.minors.parental_consent, policy.minors.parent_notice) == (False, None)
    assert to_parent_notice(policy) is None


def test_a_policy_language_the_parents_mail_is_not_written_in_does_not_load(tmp_path: Path) -> None:
    # Given Mindomo's policy offered in Portuguese too, every text of it included, but no mail wording in Portuguese
    document = _document("mindomo")
    document["languages"].append("pt")
    for purpose in document["purposes"]:
        for field in ("title", "description"):
            purpose[field]["pt"] = purpose[field]["en"]
    for field in ("collected", "why"):
        document["minors"]["parent_notice"][field]["pt"] = document["minors"]["parent_notice"][field]["en"]
    # Then it does not load: a parent could be asked for in a language no mail exists in
    with pytest.raises(InvalidPolicy, match=r"parent's mail has no wording in pt"):
        load_policy("mindomo", _write(tmp_path, document))
