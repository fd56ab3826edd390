"""The mail the functions sent through SES, as moto keeps it (moto's SESv2 SendEmail records into SES v1's backend).

Read in-process: the local cloud runs moto's server in its own process, and the integration tests run moto there
too, so both see the same backend. `GET /_local/mail?to=` serves this, so developers and tests can open the link a
parent would get.
"""

from typing import Any

from localcloud.template import ACCOUNT_ID, REGION


def sent_mail(to: str | None = None) -> list[dict[str, Any]]:
    """Every simple message sent in the local account and region, oldest first; only those to `to` if given."""
    from moto.ses.models import ses_backends

    found = []
    for message in ses_backends[ACCOUNT_ID][REGION].sent_messages:
        destinations = getattr(message, "destinations", None)
        if not isinstance(destinations, dict):
            continue  # raw or templated messages: the functions send neither
        recipients = [address for addresses in destinations.values() for address in addresses]
        if to is not None and to.lower() not in (address.lower() for address in recipients):
            continue
        found.append(
            {
                "message_id": message.id,
                "from": message.source,
                "to": recipients,
                "subject": message.subject,
                "body": message.body,
            }
        )
    return found
