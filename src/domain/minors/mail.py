"""The e-mail that asks a parent for consent (GDPR Art. 8, COPPA), one wording per language.

The policy (Mindomo's "How we protect children's privacy" and "Parent rights") promises the parent an e-mail that
explains what is collected about the child, how it is used, and the parent's rights over it. What is collected and
why are the product's policy's own words (its `minors.parent_notice`, a ParentNotice here); the rest of the mail is
the same for every product. The confirmation token is in the link only: this mail is the one place it goes (never
the host application's answer, never an event), so only whoever reads the parent's mailbox can answer for the parent.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from domain.errors import DomainError

LANGUAGES: Final[tuple[str, ...]] = ("en", "ro", "de", "fr", "es", "it")  # the project's UI languages
LINK_PARAMETER: Final = "parental_consent"


@dataclass(frozen=True)
class ParentMail:
    to: str
    language: str
    subject: str
    body: str
    sections: dict[str, str] = field(default_factory=dict)  # what the body explains, by topic (for review and tests)


@dataclass(frozen=True)
class ParentNotice:
    """What the product's policy says is collected about the child, and why, by language (policy.catalog builds it
    from the policy's `minors.parent_notice`)."""

    collected: Mapping[str, str]
    why: Mapping[str, str]

    @property
    def languages(self) -> list[str]:
        return [language for language in self.collected if language in self.why]


class LanguageNotOffered(DomainError):
    """A consent mail asked for in a language the product's policy does not offer (422)."""

    default_code = "language_not_offered"

    def __init__(self, offered: list[str]) -> None:
        super().__init__(
            f"The parent's mail can be sent in the policy's languages only: {', '.join(offered)}.",
            details=[{"field": "language", "offered": offered}],
        )


@dataclass(frozen=True)
class _Wording:
    subject: str
    greeting: str
    rights: str
    answer: str  # {link}, {expires}
    closing: str


_WORDINGS: Final[dict[str, _Wording]] = {
    "en": _Wording(
        subject="Your consent is needed for your child's account",
        greeting="Hello,\n\nYour child has asked to create an account with us. Because of their age, the law "
        "(GDPR, COPPA) requires your consent first. Until you answer, we keep nothing about your child: only your "
        "e-mail address, to ask you.",
        rights="Your rights: at any time you can see what we hold about your child, get a copy of it, have it "
        "corrected or deleted, and withdraw your consent, which stops any further collection and use.",
        answer="To agree or refuse, open this link (it works once, until {expires} UTC):\n{link}\n\nIf we have no "
        "answer by then, we delete your e-mail address and everything from your child's sign-up.",
        closing="If you did not expect this e-mail, ignore it: nothing will be kept.",
    ),
    "de": _Wording(
        subject="Ihre Einwilligung für das Konto Ihres Kindes",
        greeting="Guten Tag,\n\nIhr Kind möchte ein Konto bei uns anlegen. Wegen seines Alters verlangt das Gesetz "
        "(DSGVO, COPPA) zuerst Ihre Einwilligung. Bis zu Ihrer Antwort speichern wir nichts über Ihr Kind, nur Ihre "
        "E-Mail-Adresse, um Sie zu fragen.",
        rights="Ihre Rechte: Sie können jederzeit einsehen, was wir über Ihr Kind speichern, eine Kopie erhalten, "
        "die Daten berichtigen oder löschen lassen und Ihre Einwilligung widerrufen; dann endet jede weitere "
        "Erhebung und Nutzung.",
        answer="Um zuzustimmen oder abzulehnen, öffnen Sie diesen Link (einmal gültig, bis {expires} UTC):\n{link}"
        "\n\nOhne Antwort bis dahin löschen wir Ihre E-Mail-Adresse und alles aus der Anmeldung Ihres Kindes.",
        closing="Wenn Sie diese E-Mail nicht erwartet haben, ignorieren Sie sie: es wird nichts gespeichert.",
    ),
    "fr": _Wording(
        subject="Votre consentement est nécessaire pour le compte de votre enfant",
        greeting="Bonjour,\n\nVotre enfant souhaite créer un compte chez nous. En raison de son âge, la loi (RGPD, "
        "COPPA) exige d'abord votre consentement. Tant que vous n'avez pas répondu, nous ne gardons rien sur votre "
        "enfant : seulement votre adresse e-mail, pour vous le demander.",
        rights="Vos droits : à tout moment, vous pouvez voir ce que nous détenons sur votre enfant, en obtenir une "
        "copie, le faire rectifier ou supprimer, et retirer votre consentement, ce qui arrête toute collecte et "
        "utilisation.",
        answer="Pour accepter ou refuser, ouvrez ce lien (valable une fois, jusqu'au {expires} UTC) :\n{link}\n\n"
        "Sans réponse d'ici là, nous supprimons votre adresse e-mail et tout ce qui vient de l'inscription de votre "
        "enfant.",
        closing="Si vous n'attendiez pas cet e-mail, ignorez-le : rien ne sera conservé.",
    ),
    "es": _Wording(
        subject="Necesitamos su consentimiento para la cuenta de su hijo o hija",
        greeting="Hola:\n\nSu hijo o hija quiere crear una cuenta con nosotros. Por su edad, la ley (RGPD, COPPA) "
        "exige antes su consentimiento. Hasta que responda, no guardamos nada sobre su hijo o hija: solo su "
        "dirección de correo, para preguntarle.",
        rights="Sus derechos: en cualquier momento puede ver qué guardamos sobre su hijo o hija, obtener una copia, "
        "pedir que se corrija o se borre, y retirar su consentimiento, lo que detiene toda recogida y uso.",
        answer="Para aceptar o rechazar, abra este enlace (válido una vez, hasta el {expires} UTC):\n{link}\n\n"
        "Si no recibimos respuesta para entonces, borramos su dirección de correo y todo lo de la inscripción.",
        closing="Si no esperaba este correo, ignórelo: no se guardará nada.",
    ),
    "ro": _Wording(
        subject="Este nevoie de acordul dumneavoastră pentru contul copilului",
        greeting="Bună ziua,\n\nCopilul dumneavoastră dorește să își creeze un cont la noi. Din cauza vârstei sale, "
        "legea (GDPR, COPPA) cere mai întâi acordul dumneavoastră. Până la răspunsul dumneavoastră nu păstrăm nimic "
        "despre copil: doar adresa dumneavoastră de e-mail, pentru a vă întreba.",
        rights="Drepturile dumneavoastră: oricând puteți vedea ce păstrăm despre copil, puteți primi o copie, puteți "
        "cere corectarea sau ștergerea datelor și vă puteți retrage acordul, ceea ce oprește orice colectare și "
        "utilizare ulterioară.",
        answer="Pentru a accepta sau a refuza, deschideți acest link (valabil o singură dată, până la {expires} UTC):"
        "\n{link}\n\nDacă nu primim un răspuns până atunci, ștergem adresa dumneavoastră de e-mail și tot ce ține "
        "de înscrierea copilului.",
        closing="Dacă nu vă așteptați la acest e-mail, ignorați-l: nu se va păstra nimic.",
    ),
    "it": _Wording(
        subject="Serve il suo consenso per l'account di suo figlio o sua figlia",
        greeting="Buongiorno,\n\nSuo figlio o sua figlia vuole creare un account presso di noi. Per la sua età, la "
        "legge (GDPR, COPPA) richiede prima il suo consenso. Finché non risponde, non conserviamo nulla sul minore: "
        "solo il suo indirizzo e-mail, per chiederglielo.",
        rights="I suoi diritti: in qualsiasi momento può vedere cosa conserviamo sul minore, riceverne una copia, "
        "farlo rettificare o cancellare e revocare il consenso, il che interrompe ogni ulteriore raccolta e uso.",
        answer="Per accettare o rifiutare, apra questo link (valido una sola volta, fino al {expires} UTC):\n{link}"
        "\n\nSe non riceviamo risposta entro allora, cancelliamo il suo indirizzo e-mail e tutto ciò che riguarda "
        "l'iscrizione.",
        closing="Se non si aspettava questa e-mail, la ignori: non verrà conservato nulla.",
    ),
}


def confirmation_link(base_url: str, token: str) -> str:
    """The page the parent opens: `base_url` with the token as its one query parameter (tokens are URL-safe)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{LINK_PARAMETER}={token}"


def offered_languages(notice: ParentNotice) -> list[str]:
    """The languages a parent can be written to: the policy's notice and this mail's wording both exist in them."""
    return [language for language in notice.languages if language in _WORDINGS]


def check_language(notice: ParentNotice, language: str) -> None:
    if language not in offered_languages(notice):
        raise LanguageNotOffered(offered_languages(notice))


def consent_request_mail(
    to: str, *, language: str, link: str, expires_at: datetime, notice: ParentNotice
) -> ParentMail:
    check_language(notice, language)
    wording = _WORDINGS[language]
    collected, why = notice.collected[language], notice.why[language]
    expires = expires_at.strftime("%Y-%m-%d %H:%M")
    answer = wording.answer.format(link=link, expires=expires)
    body = "\n\n".join([wording.greeting, collected, why, wording.rights, answer, wording.closing])
    sections = {"collected": collected, "why": why, "rights": wording.rights}
    return ParentMail(to=to, language=language, subject=wording.subject, body=body + "\n", sections=sections)
