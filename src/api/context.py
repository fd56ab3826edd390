"""What a request tells about how it was made, reduced to what proof of consent may keep (no IP address)."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from api.http import correlation_id_of
from domain.consent.service import RequestContext
from domain.consent.user_agent import user_agent_family


def request_context(event: APIGatewayProxyEventV2) -> RequestContext:
    headers = event.headers or {}
    country = headers.get("cloudfront-viewer-country")
    return RequestContext(
        gpc_signal=headers.get("sec-gpc", "").strip() == "1",
        user_agent_family=user_agent_family(headers.get("user-agent")),
        jurisdiction=country.upper()[:2] if country else None,
        correlation_id=correlation_id_of(event.raw_event),
    )
