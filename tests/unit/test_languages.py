"""Accept-Language negotiation on its own: which offered language a caller gets, and the fallback."""

import pytest

from api.languages import MAX_RANGES, LanguageRange, negotiate, parse_accept_language

OFFERED = ("en", "ro", "de", "fr", "es", "it")


def test_ranges_are_read_most_preferred_first_and_ties_keep_the_callers_order() -> None:
    ranges = parse_accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5, it;q=0.8")
    assert ranges == [
        LanguageRange("fr-ch", 1.0),
        LanguageRange("fr", 0.9),
        LanguageRange("en", 0.8),
        LanguageRange("it", 0.8),
        LanguageRange("de", 0.7),
        LanguageRange("*", 0.5),
    ]


@pytest.mark.parametrize(
    "header",
    ["", "   ", ",,,", "12", "en_US", "de;q=2", "de;q=abc", "de;q=0.1234", "x" * 9, "de;level=1"],
)
def test_a_header_that_cannot_be_read_falls_back_to_the_default(header: str) -> None:
    assert negotiate(header, OFFERED, "en") == "en"


def test_no_header_falls_back_to_the_default() -> None:
    assert negotiate(None, OFFERED, "en") == "en"


def test_a_language_not_offered_falls_back_to_the_default() -> None:
    assert negotiate("ja, zh-CN;q=0.9", OFFERED, "en") == "en"


def test_a_regional_range_matches_its_language() -> None:
    assert negotiate("ro-RO", OFFERED, "en") == "ro"


def test_a_language_range_matches_a_regional_offer() -> None:
    assert negotiate("pt", ("en", "pt-BR"), "en") == "pt-BR"


def test_an_exact_match_wins_over_a_looser_one_at_the_same_weight() -> None:
    assert negotiate("en-GB", ("en", "en-GB"), "en") == "en-GB"


def test_the_weights_decide_not_the_order() -> None:
    assert negotiate("de;q=0.5, it;q=0.9, ja", OFFERED, "en") == "it"


def test_the_first_offered_language_the_caller_accepts_wins_as_browsers_send_them() -> None:
    # Chrome with Japanese, then Romanian, then English
    assert negotiate("ja,ro;q=0.9,en-US;q=0.8,en;q=0.7", OFFERED, "en") == "ro"


def test_matching_ignores_case() -> None:
    assert negotiate("DE-at", OFFERED, "en") == "de"


def test_q_zero_refuses_a_language_and_its_regional_forms() -> None:
    assert negotiate("*, de;q=0", ("de-AT", "fr"), "en") == "fr"


def test_a_refused_regional_form_leaves_the_language_acceptable() -> None:
    assert negotiate("de-AT;q=0, de;q=0.5", OFFERED, "en") == "de"


def test_the_wildcard_takes_an_offered_language_not_named_elsewhere() -> None:
    assert negotiate("en;q=0.1, *", ("en", "fr"), "en") == "fr"


def test_nothing_acceptable_falls_back_to_the_default() -> None:
    assert negotiate("en;q=0, *;q=0", ("en", "fr"), "en") == "en"


def test_spaces_around_the_weight_are_tolerated() -> None:
    assert negotiate("de ; q = 0.3 , fr ; q=0.2", OFFERED, "en") == "de"


def test_only_the_first_ranges_of_a_long_header_are_read() -> None:
    header = ", ".join(["ja"] * MAX_RANGES + ["de"])
    assert negotiate(header, OFFERED, "en") == "en"
