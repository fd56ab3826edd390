"""Mail to parents through Amazon SES (v2 API, simple content): the consent request with its single-use link.

The function's role may send only from the configured sender identity (template: ParentalMailSender). Nothing
about the message is logged: its address and its link are the parent's alone.
"""

from adapters.aws import client
from domain.minors.mail import ParentMail


class SesParentMailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, mail: ParentMail) -> None:
        client("sesv2").send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [mail.to]},
            Content={
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": mail.body, "Charset": "UTF-8"}},
                }
            },
        )
