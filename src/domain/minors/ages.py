"""Whether a subject is under the age of digital consent, from their own profile: what the consent context asks
before a purpose closed to minors is granted or offered (domain.consent.ports.MinorPort)."""

from domain.clock import Clock
from domain.minors.ports import ProfileStore
from domain.minors.rules import AgeOfConsentTable, InvalidBirthDate, check_minor


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
