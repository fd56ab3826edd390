"""Whether a subject is under the age of digital consent, from their own profile: what the consent context asks
before a purpose closed to minors is granted or offered (domain.consent.ports.MinorPort), and what a subject's own
correction of their birth date or country may not change (check_self_correction)."""

from dataclasses import dataclass
from datetime import date, datetime

from domain.clock import Clock
from domain.errors import Forbidden
from domain.minors.ports import ProfileStore
from domain.minors.rules import AgeOfConsentTable, InvalidBirthDate, MinorCheck, check_minor
from domain.profile import AGE_FIELDS, Profile


class AgeCorrectionNeedsVerification(Forbidden):
    """A subject's own word cannot end their minority: an operator verifies the correction first."""

    default_code = "age_correction_needs_verification"

    def __init__(self, fields: list[str]) -> None:
        # No date, age or country in the answer (they are personal data): the names of the fields sent only.
        super().__init__(
            "This correction of your birth date or country would make you of age: it must be verified first. Ask "
            "the privacy team for a rectification; they correct it once they have checked it.",
            details=[{"field": field, "problem": "can only be corrected by the privacy team"} for field in fields],
        )


def is_minor(
    birth_date: date | None, country: str | None, now: datetime, *, table: AgeOfConsentTable, minimum_age: int
) -> bool:
    """Under the age of digital consent in the country, or under the product's minimum age (both in `table` and
    `minimum_age`), counted now. No birth date: not known to be a minor. A birth date the rule cannot count from
    (after today everywhere): a minor, since the subject cannot be older than the day they gave."""
    if birth_date is None:
        return False
    try:
        return check_minor(birth_date, country, now, table=table, minimum_age=minimum_age).parental_consent_required
    except InvalidBirthDate:
        return True


def check_self_correction(
    stored: Profile, corrected: Profile, now: datetime, *, table: AgeOfConsentTable, minimum_age: int
) -> None:
    """SECURITY INVARIANT: a subject's own correction (PATCH /me) never moves them out of minority.

    A subject whose stored birth date and country make them a minor now (under the age of digital consent, or under
    the product's minimum age) and whose corrected profile would not (an older birth date, a country with a lower
    age, or no birth date at all) is refused with AgeCorrectionNeedsVerification, and nothing changes: else a child
    could end their parent's rights, grant the purposes closed to minors, or stay on a service that admits no one
    their age, by their own word. A correction that keeps them a minor, or makes them younger, and any correction by
    a subject who is not a minor, is theirs to make. The verified path is an operator's rectification
    (POST /admin/requests, type rectification), which this rule does not apply to."""
    if not is_minor(stored.birth_date, stored.country, now, table=table, minimum_age=minimum_age):
        return
    if not is_minor(corrected.birth_date, corrected.country, now, table=table, minimum_age=minimum_age):
        raise AgeCorrectionNeedsVerification([f for f in AGE_FIELDS if getattr(stored, f) != getattr(corrected, f)])


@dataclass(eq=False, kw_only=True)
class AgeCheck:
    """The host application's age check at sign-up (POST /minors/checks): the product's age rules and the clock only,
    nothing stored and nothing read from AWS, so the minors function builds none of the parental flows to answer it."""

    clock: Clock
    age_table: AgeOfConsentTable  # the law's ages, raised where the product's policy is stricter
    minimum_age: int
    parental_path: bool  # whether the policy lets a parent consent for a child under the age

    def check(self, birth_date: date, country: str | None) -> MinorCheck:
        # Ages are counted on the earliest date on Earth: never overestimated (domain.minors.rules).
        try:
            return check_minor(
                birth_date, country, self.clock.now(), table=self.age_table, minimum_age=self.minimum_age
            )
        except InvalidBirthDate:
            raise InvalidBirthDate("The birth date is in the future.") from None  # without the date in the answer

    def allowed(self, check: MinorCheck) -> bool:
        """Whether this person may have an account at all: of age, or under it where the policy lets a parent
        consent (Imocloud's 17-year-old may not; Mindomo's 12-year-old in the US may, with a parent)."""
        return not check.parental_consent_required or self.parental_path


class SubjectAges:
    def __init__(self, profiles: ProfileStore, clock: Clock, *, table: AgeOfConsentTable, minimum_age: int = 0) -> None:
        self.profiles = profiles
        self.clock = clock
        self.table = table  # the law's ages, raised where the product's policy is stricter
        self.minimum_age = minimum_age  # MINIMUM_CONSENT_AGE (0: the table decides alone)

    def under_age_of_consent(self, subject_id: str) -> bool:
        """One read of the profile; False without a profile or a birth date (no age known: the subject is treated
        as the adult they said nothing against), and for a birth date the age rule cannot count from."""
        profile = self.profiles.profile(subject_id)
        if profile is None or profile.birth_date is None:
            return False
        try:
            check = check_minor(
                profile.birth_date, profile.country, self.clock.now(), table=self.table, minimum_age=self.minimum_age
            )
        except InvalidBirthDate:
            return False
        return check.parental_consent_required

    def check_self_correction(self, stored: Profile, corrected: Profile) -> None:
        """check_self_correction, now, by this product's rules; reads nothing (the caller has both profiles)."""
        check_self_correction(stored, corrected, self.clock.now(), table=self.table, minimum_age=self.minimum_age)
