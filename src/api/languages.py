"""Which language to answer in: `Accept-Language` (RFC 9110 12.5.4) against the languages a resource offers.

Pure functions, no I/O. A header that cannot be read never fails a request: the answer falls back to the default
language, which every resource offers.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A language range (RFC 4647 2.1): `*`, or up to 8 letters then subtags of up to 8 letters or digits.
_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_QUALITY = re.compile(r"[qQ]=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")
# A caller may send any header; only this many ranges are read (browsers send a handful).
MAX_RANGES = 32


@dataclass(frozen=True)
class LanguageRange:
    tag: str  # lowercased, e.g. "ro-ro" or "*"
    quality: float


def parse_accept_language(header: str | None) -> list[LanguageRange]:
    """The header's ranges, most preferred first (ties keep the caller's order); malformed entries are skipped."""
    ranges: list[LanguageRange] = []
    for entry in (header or "").split(",")[:MAX_RANGES]:
        tag, *parameters = (part.strip() for part in entry.split(";"))
        if not _RANGE.fullmatch(tag):
            continue
        quality = 1.0
        for parameter in parameters:
            found = _QUALITY.fullmatch(parameter.replace(" ", ""))
            if found is None:
                quality = -1.0  # a weight that cannot be read: the entry is skipped, not guessed at
                break
            quality = float(found.group(1))
        if quality >= 0:
            ranges.append(LanguageRange(tag.lower(), quality))
    return sorted(ranges, key=lambda r: -r.quality)


def _matches(range_tag: str, offered: str) -> bool:
    """Either names the other or a more specific form of it: `de` and `de-AT` match both ways (RFC 4647 3.3.1
    filtering, and 3.4 lookup's truncation of the range)."""
    return range_tag == offered or offered.startswith(range_tag + "-") or range_tag.startswith(offered + "-")


def negotiate(header: str | None, offered: Sequence[str], default: str) -> str:
    """The offered language the caller prefers most, else `default`.

    `q=0` refuses a language, and `*` stands for any offered language not named elsewhere in the header. An exact
    match wins over a looser one at the same weight (`en-GB` over `en` for a caller who asks for `en-GB`).
    """
    ranges = parse_accept_language(header)
    by_tag = {tag.lower(): tag for tag in offered}
    # A refusal covers the range and its more specific forms only: `de-AT;q=0` leaves `de` acceptable.
    refused = {
        tag
        for tag in by_tag
        if any(r.quality == 0 and (tag == r.tag or tag.startswith(r.tag + "-")) for r in ranges if r.tag != "*")
    }
    named = {tag for tag in by_tag if any(r.tag != "*" and _matches(r.tag, tag) for r in ranges)}
    for language_range in ranges:
        if language_range.quality == 0:
            continue
        if language_range.tag == "*":
            wildcard = [tag for tag in by_tag if tag not in named and tag not in refused]
            if wildcard:
                return by_tag[wildcard[0]]
            continue
        candidates = [tag for tag in by_tag if tag not in refused and _matches(language_range.tag, tag)]
        if candidates:
            exact = [tag for tag in candidates if tag == language_range.tag]
            return by_tag[(exact or candidates)[0]]
    return default
