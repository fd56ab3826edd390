"""The e-mail that asks a parent for consent (GDPR Art. 8, COPPA), one wording per language.

The policy (Mindomo's "How we protect children's privacy" and "Parent rights") promises the parent an e-mail that
explains what is collected about the child, how it is used, and the parent's rights over it. The confirmation
token is in the link only: this mail is the one place it goes (never the host application's answer, never an
event), so only whoever reads the parent's mailbox can answer for the parent.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

Language = Literal["en", "de", "fr", "es"]
LANGUAGES: Final[tuple[Language, ...]] = ("en", "de", "fr", "es")
LINK_PARAMETER: Final = "parental_consent"


@dataclass(frozen=True)
class ParentMail:
    to: str
    language: Language
    subject: str
    body: str
    sections: dict[str, str] = field(default_factory=dict)  # what the body explains, by topic (for review and tests)


@dataclass(frozen=True)
class _Wording:
    subject: str
    greeting: str
    collected: str
    why: str
    rights: str
    answer: str  # {link}, {expires}
    closing: str


_WORDINGS: Final[dict[Language, _Wording]] = {
    "en": _Wording(
        subject="Your consent is needed for your child's account",
        greeting="Hello,\n\nYour child has asked to create an account with us. Because of their age, the law "
        "(GDPR, COPPA) requires your consent first. Until you answer, we keep nothing about your child: only your "
        "e-mail address, to ask you.",
        collected="What we collect if you agree: the e-mail address or user name and the password your child "
        "chose, their name, birth date and country, what they create in the service, and usage data (pages viewed, "
        "IP address, browser type and language).",
        why="Why: to provide the service to your child, to keep their account secure, and to understand how the "
        "service is used so that we can improve it. We never sell this data.",
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
        collected="Was wir mit Ihrer Zustimmung erheben: die E-Mail-Adresse oder den Benutzernamen und das Passwort, "
        "die Ihr Kind gewählt hat, Name, Geburtsdatum und Land, was es im Dienst erstellt, sowie Nutzungsdaten "
        "(aufgerufene Seiten, IP-Adresse, Browsertyp und -sprache).",
        why="Wozu: um Ihrem Kind den Dienst bereitzustellen, sein Konto zu schützen und zu verstehen, wie der Dienst "
        "genutzt wird, damit wir ihn verbessern können. Wir verkaufen diese Daten nie.",
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
        collected="Ce que nous collectons si vous acceptez : l'adresse e-mail ou le nom d'utilisateur et le mot de "
        "passe choisis par votre enfant, ses nom, date de naissance et pays, ce qu'il crée dans le service, et des "
        "données d'utilisation (pages vues, adresse IP, type et langue du navigateur).",
        why="Pourquoi : pour fournir le service à votre enfant, protéger son compte et comprendre comment le service "
        "est utilisé afin de l'améliorer. Nous ne vendons jamais ces données.",
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
        collected="Qué recogemos si acepta: la dirección de correo o el nombre de usuario y la contraseña que eligió "
        "su hijo o hija, su nombre, fecha de nacimiento y país, lo que crea en el servicio y datos de uso (páginas "
        "vistas, dirección IP, tipo e idioma del navegador).",
        why="Para qué: para prestarle el servicio, proteger su cuenta y entender cómo se usa el servicio para "
        "mejorarlo. Nunca vendemos estos datos.",
        rights="Sus derechos: en cualquier momento puede ver qué guardamos sobre su hijo o hija, obtener una copia, "
        "pedir que se corrija o se borre, y retirar su consentimiento, lo que detiene toda recogida y uso.",
        answer="Para aceptar o rechazar, abra este enlace (válido una vez, hasta el {expires} UTC):\n{link}\n\n"
        "Si no recibimos respuesta para entonces, borramos su dirección de correo y todo lo de la inscripción.",
        closing="Si no esperaba este correo, ignórelo: no se guardará nada.",
    ),
}


def confirmation_link(base_url: str, token: str) -> str:
    """The page the parent opens: `base_url` with the token as its one query parameter (tokens are URL-safe)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{LINK_PARAMETER}={token}"


def consent_request_mail(to: str, *, language: Language, link: str, expires_at: datetime) -> ParentMail:
    wording = _WORDINGS[language]
    expires = expires_at.strftime("%Y-%m-%d %H:%M")
    answer = wording.answer.format(link=link, expires=expires)
    body = "\n\n".join([wording.greeting, wording.collected, wording.why, wording.rights, answer, wording.closing])
    sections = {"collected": wording.collected, "why": wording.why, "rights": wording.rights}
    return ParentMail(to=to, language=language, subject=wording.subject, body=body + "\n", sections=sections)
