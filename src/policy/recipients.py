"""What `GET /me/recipients` answers (GDPR Art. 19, last sentence): the recipients the policy discloses personal data
to, and which of its purposes each one serves, with the purposes' titles in one language. Output models and the
mapping from the policy document; the route only negotiates the language."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from policy.model import Policy
from policy.public import RecipientView


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ServedPurpose(_View):
    id: str
    title: str = Field(description="In the negotiated language (`Content-Language`)")
    via: Literal["recipient", "cookie"] = Field(
        description="`recipient`: the purpose names it among its recipients; `cookie`: it sets one of the purpose's "
        "cookies"
    )


class RecipientOut(RecipientView):
    purposes: list[ServedPurpose] = Field(
        description="The policy's purposes this recipient serves; empty when the policy ties it to none"
    )


class RecipientsOut(_View):
    product: str
    version: str = Field(description="The policy version the list comes from")
    language: str
    items: list[RecipientOut]


def recipients_view(policy: Policy, language: str | None = None) -> RecipientsOut:
    """Every recipient of the policy, in its order, each with the purposes that name it or whose cookies it sets."""
    lang = policy.language_or_default(language)
    items = []
    for recipient in policy.recipients:
        served = []
        for purpose in policy.purposes:
            if recipient.name in purpose.recipients:
                served.append(ServedPurpose(id=purpose.id, title=purpose.title[lang], via="recipient"))
            elif any(cookie.vendor == recipient.name for cookie in purpose.cookies):
                served.append(ServedPurpose(id=purpose.id, title=purpose.title[lang], via="cookie"))
        items.append(
            RecipientOut(
                name=recipient.name,
                role=recipient.role,
                purpose=recipient.purpose,
                country=recipient.country,
                safeguard=recipient.safeguard,
                purposes=served,
            )
        )
    return RecipientsOut(product=policy.product, version=policy.version, language=lang, items=items)
