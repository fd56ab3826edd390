"""README.txt's GDPR Art. 15(1) section and policy.json: rendered from the data passed in, nothing else."""

import json

from domain.export import README_TEXT
from domain.export_disclosure import (
    PolicyDisclosure,
    PurposeDisclosure,
    RecipientDisclosure,
    RetentionDisclosure,
    disclosure_text,
    policy_json,
    readme_text,
)
from policy.disclosure import to_export_disclosure
from policy.loader import load_policy


def _disclosure(**changes: object) -> PolicyDisclosure:
    values: dict[str, object] = {
        "product": "acme",
        "display_name": "Acme Notes",
        "version": "2026-01-01",
        "controller": "Acme Ltd",
        "contact_email": "privacy@acme.example",
        "purposes": [PurposeDisclosure(title="Your account", legal_basis="contract")],
        "recipients": [
            RecipientDisclosure(
                name="Cloud Co", role="processor", purpose="Hosting", country="US", safeguard="adequacy_decision"
            ),
            RecipientDisclosure(
                name="Mail Co", role="processor", purpose="E-mail", country=None, safeguard="not_stated"
            ),
        ],
        "retention": [
            RetentionDisclosure(category="invoices", description="Invoices.", period="P1Y", basis="Tax law."),
            RetentionDisclosure(category="orders", description="Orders.", period=None, basis="Contract"),
        ],
        "source": None,
        "rights": ["access", "complaint"],
        "authority_name": "The Authority",
        "authority_url": "https://authority.example",
        "document": {"product": "acme", "recipients": [{"name": "Cloud Co"}]},
    }
    values.update(changes)
    return PolicyDisclosure(**values)  # type: ignore[arg-type]


def test_the_section_gives_purposes_recipients_retention_source_rights_and_the_authority():
    text = disclosure_text(_disclosure())
    assert "Controller: Acme Ltd (privacy@acme.example)" in text
    assert "- Your account: the contract with you (GDPR Art. 6(1)(b))" in text
    assert "- Cloud Co (processor, US; an EU adequacy decision (GDPR Art. 45)): Hosting" in text
    assert "- Mail Co (processor, country not stated; not stated in the policy): E-mail" in text
    assert "- invoices (Invoices.): kept 1 year from the record's date. Why: Tax law." in text
    assert "- orders (Orders.): kept as long as your account exists, deleted with it. Why: Contract." in text
    assert "or Acme Notes recorded it while you used it" in text
    assert "access your data (Art. 15); complain to a supervisory authority (Art. 77)" in text
    assert "supervisory authority: The Authority (https://authority.example)" in text


def test_a_policy_that_states_the_source_and_discloses_to_nobody_says_so():
    text = disclosure_text(_disclosure(source="From your school.", recipients=[], contact_email=None))
    assert "From your school." in text
    assert "- none: we disclose your data to nobody" in text
    assert "Controller: Acme Ltd." in text


def test_the_readme_keeps_its_files_section_then_adds_the_policy_one():
    readme = readme_text(_disclosure())
    assert readme.startswith(README_TEXT)
    assert "policy.json" in README_TEXT
    assert readme.endswith(disclosure_text(_disclosure()))


def test_policy_json_is_the_document_passed_in():
    assert json.loads(policy_json(_disclosure())) == {"product": "acme", "recipients": [{"name": "Cloud Co"}]}


def test_every_bundled_policy_maps_onto_a_disclosure_without_its_sources():
    for name in ("imind", "imocloud", "intermind", "mindomo"):
        policy = load_policy(name)
        disclosure = to_export_disclosure(policy)
        assert disclosure.document["product"] == name
        assert len(disclosure.document["recipients"]) == len(policy.recipients)
        assert '"sources"' not in json.dumps(disclosure.document)  # data_sources, without their seed quotes
        assert policy.supervisory_authority.name in disclosure_text(disclosure)
