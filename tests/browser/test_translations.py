"""Every word of the web clients in every language, within budget (no browser needed: these always run).

A missing translation fails here, not in front of a user: each language file has exactly the keys of English,
with the same placeholders; every key the pages use exists; every value the API can send has its words.
"""

import json
import re
from pathlib import Path

import pytest

from tests.support import ROOT

WEB = ROOT / "web"
I18N = WEB / "i18n"
LANGUAGES = ["en", "ro", "de", "fr", "es", "it"]
LIMIT = 3 * 1024
BANNER = "banner"
CENTER_PARTS = ["center", "consents", "account", "requests", "restriction", "objection", "parent", "policy"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _words(part: str, lang: str) -> dict[str, str]:
    return json.loads((I18N / part / f"{lang}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _center_keys() -> set[str]:
    return {key for part in CENTER_PARTS for key in _words(part, "en")}


def _enum(schema: str, field: str, items: bool = False) -> list[str]:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    prop = document["components"]["schemas"][schema]["properties"][field]
    return (prop["items"] if items else prop)["enum"]  # type: ignore[no-any-return]


def test_there_is_one_file_per_language_and_nothing_else():
    for part in [BANNER, *CENTER_PARTS]:
        assert sorted(p.stem for p in (I18N / part).glob("*")) == sorted(LANGUAGES), part


@pytest.mark.parametrize("part", [BANNER, *CENTER_PARTS])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_every_key_of_english_with_the_same_placeholders(part: str, lang: str):
    english, words = _words(part, "en"), _words(part, lang)
    missing, extra = sorted(english.keys() - words.keys()), sorted(words.keys() - english.keys())
    assert not missing, f"i18n/{part}/{lang}.json lacks {missing}"
    assert not extra, f"i18n/{part}/{lang}.json has keys English does not: {extra}"
    for key, text in words.items():
        assert text.strip(), f"i18n/{part}/{lang}.json: {key} is empty"
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), f"{part}/{lang}: {key}"


@pytest.mark.parametrize("part", [BANNER, *CENTER_PARTS])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_file_is_at_most_3_kb(part: str, lang: str):
    size = (I18N / part / f"{lang}.json").stat().st_size
    assert size <= LIMIT, f"i18n/{part}/{lang}.json is {size} bytes; the limit is {LIMIT}"


def test_no_key_is_defined_by_two_parts_of_the_privacy_center():
    seen: dict[str, str] = {}
    for part in CENTER_PARTS:
        for key in _words(part, "en"):
            assert key not in seen, f"{key} is in both {seen[key]} and {part}"
            seen[key] = part


def test_every_key_the_privacy_center_page_names_exists():
    html = (WEB / "index.html").read_text(encoding="utf-8")
    named = set(re.findall(r'data-i18n(?:-label|-date)?="([^"]+)"', html))
    assert named
    assert named - _center_keys() == set()


def test_every_key_the_privacy_center_script_asks_for_exists():
    code = (WEB / "privacy-center.js").read_text(encoding="utf-8")
    asked = set(re.findall(r"\bt\('(\w+)'", code)) | set(re.findall(r"known\('(\w+)'\)", code))
    asked |= {key for pair in re.findall(r"t\((\w+) \? '(\w+)' : '(\w+)'\)", code) for key in pair[1:]}
    assert len(asked) > 50
    assert asked - _center_keys() == set()


def test_every_value_the_api_sends_has_its_words():
    keys = _center_keys()
    expected = {f"s_{status}" for status in _enum("RequestOut", "status")}
    expected |= {f"t_{kind}" for kind in _enum("RequestOut", "type")}
    expected |= {f"cat_{category}" for category in _purpose_categories()}
    expected |= {f"basis_{basis}" for basis in _legal_bases()}
    expected |= {f"right_{right}" for right in _enum("PolicyView", "rights", items=True)}
    expected |= {f"role_{role}" for role in _enum("RecipientView", "role")}
    expected |= {f"sg_{safeguard}" for safeguard in _enum("RecipientView", "safeguard")}
    # g: the subject's own words for the grounds, gd: what they mean; pg: a parent's, for their child (ChildOut)
    expected |= {f"{key}_{grounds}" for grounds in _enum("RestrictionOut", "grounds") for key in ("g", "gd", "pg")}
    expected |= {f"src_{source}" for source in ["banner", "settings", "api", "gpc", "unsubscribe", "claim", "parent"]}
    assert expected - keys == set()


def _purpose_categories() -> set[str]:
    from domain.consent.catalog import PurposeCategory

    return set(PurposeCategory.__args__)


def _legal_bases() -> set[str]:
    from domain.consent.catalog import LegalBasis

    return {basis.value for basis in LegalBasis}


def test_the_pages_fetch_words_only_from_their_own_origin():
    for name in ("banner.js", "privacy-center.js"):
        code = (WEB / name).read_text(encoding="utf-8")
        for template in re.findall(r"`(i18n/[^`]*)`", code):
            assert not template.startswith(("http", "//")), f"{name} fetches {template}"


def test_the_language_files_are_valid_utf8_json_objects_of_strings():
    for path in sorted(Path(I18N).glob("*/*.json")):
        words = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(words, dict)
        assert all(isinstance(value, str) for value in words.values()), path
