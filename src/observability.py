"""The powertools singletons every function shares, with personal data scrubbed from every log line."""

import re

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord

# What must never reach a log: e-mail addresses, bearer tokens/JWTs, presigned URL signatures.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_PRESIGNED = re.compile(r"https?://\S*(?:X-Amz-Signature|Signature=)\S*")
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")


def scrub(text: str) -> str:
    """Replace personal data and secrets in free text by placeholders."""
    text = _PRESIGNED.sub("[presigned-url]", text)
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub("Bearer [token]", text)
    return _EMAIL.sub("[email]", text)


class ScrubbingFormatter(LambdaPowertoolsFormatter):
    """Scrubs the serialised record, so a mistaken `logger.info(user_input)` cannot leak either."""

    def serialize(self, log: LogRecord) -> str:
        return scrub(super().serialize(log))


logger = Logger(logger_formatter=ScrubbingFormatter(), log_uncaught_exceptions=True)
