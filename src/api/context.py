"""What a request tells about how it was made, reduced to what proof of consent may keep (no IP address)."""

import re

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from api.http import correlation_id_of
from domain.consent.service import RequestContext
from domain.consent.user_agent import user_agent_family

# An ISO 3166-1 alpha-2 code, as CloudFront sets it; anything else a client sends is not kept.
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def request_context(event: APIGatewayProxyEventV2) -> RequestContext:
    headers = event.headers or {}
    # CloudFront sets this header, but a direct call to the API carries whatever the client sends: the receipt keeps
    # it as the client's claim (ConsentReceipt.jurisdiction_source), and only if it has the form of a country code.
    country = headers.get("cloudfront-viewer-country", "").strip()
    return RequestContext(
        gpc_signal=headers.get("sec-gpc", "").strip() == "1",
        # Passed on as sent: whether DNT counts is the policy's (PurposeCatalog.honours_dnt), decided in the domain.
        dnt_signal=headers.get("dnt", "").strip() == "1",
        user_agent_family=user_agent_family(headers.get("user-agent")),
        jurisdiction=country.upper() if _COUNTRY.fullmatch(country) else None,
        correlation_id=correlation_id_of(event.raw_event),
    )
