"""Purposes closed to minors (`for_minors: false`: marketing, advertising, third-party sharing): not granted by or
for a subject under the age of digital consent, and not offered to them. Refusals are always accepted; a visitor,
whose age nobody knows, is not concerned.

Whether a subject is under the age is the minors context's answer (ports.MinorPort: the one age rule on the
subject's profile); these rules only say which purposes it matters for."""

from collections.abc import Iterable, Mapping

from domain.consent.catalog import PurposeCatalog
from domain.consent.model import ConsentView
from domain.errors import DomainError


class PurposeNotForMinors(DomainError):
    """A grant of a purpose closed to minors by or for a subject under the age of digital consent (422)."""

    default_code = "purpose_not_for_minors"

    @classmethod
    def for_ids(cls, purpose_ids: list[str]) -> "PurposeNotForMinors":
        noun = "This purpose is" if len(purpose_ids) == 1 else "These purposes are"
        return cls(
            f"{noun} not offered to anyone under the age of digital consent and cannot be granted; refusing is "
            "always possible. See details.",
            details=[{"purpose": purpose_id} for purpose_id in purpose_ids],
        )


def closed_to_minors(catalog: PurposeCatalog) -> frozenset[str]:
    return frozenset(purpose.id for purpose in catalog.purposes if not purpose.for_minors)


def closed_grants(decisions: Mapping[str, bool], catalog: PurposeCatalog) -> list[str]:
    """The purposes `decisions` grant that are closed to minors, in the order given (unknown ids are left for the
    catalog check to report)."""
    closed = closed_to_minors(catalog)
    return [purpose_id for purpose_id, granted in decisions.items() if granted and purpose_id in closed]


def not_offered(views: Mapping[str, ConsentView], closed: Iterable[str]) -> dict[str, ConsentView]:
    """A minor's views: the purposes closed to minors marked `offered: false` (the decision shown as recorded)."""
    hidden = frozenset(closed)
    return {
        purpose_id: view.model_copy(update={"offered": False}) if purpose_id in hidden else view
        for purpose_id, view in views.items()
    }
