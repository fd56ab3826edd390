"""Public answers that browsers and CDNs may keep: the same for everyone, changed only by a deploy (the purposes
catalog, the policy). A strong ETag over the exact bytes served; a revalidation with the current tag answers 304,
with no body to validate (powertools' response validation would refuse an empty one) and no AWS call."""

import hashlib

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Router
from pydantic import BaseModel

# Kept five minutes, then served stale for a day while revalidated in the background: a deploy is seen within
# minutes, and a visitor's page never waits for it.
PUBLIC_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"


class NotModified(Exception):
    """The client's copy is current: answered 304 by the handler `register_not_modified` adds."""

    def __init__(self, etag: str, headers: dict[str, str]) -> None:
        super().__init__("not modified")
        self.etag, self.headers = etag, headers


def strong_etag(body: BaseModel, variant: str = "") -> str:
    """A digest of the variant (the language) and exactly the bytes served: no cache can answer one variant's
    revalidation with another's copy, even where their bytes happen to be the same."""
    digest = hashlib.sha256(f"{variant}\n{body.model_dump_json()}".encode())
    return '"' + digest.hexdigest()[:32] + '"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or any listed tag equal to ours under the weak comparison."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def public_answer[M: BaseModel](body: M, if_none_match: str | None, language: str) -> Response[M]:
    """200 with the body in `language`, its ETag and the public caching rules; NotModified (304) if the client
    holds it. Each language is its own representation (Content-Language, Vary: Accept-Language)."""
    etag = strong_etag(body, language)
    all_headers = {
        "ETag": etag,
        "Cache-Control": PUBLIC_CACHE_CONTROL,
        "Content-Language": language,
        "Vary": "Accept-Language",
    }
    if if_none_match is not None and etag_matches(if_none_match, etag):
        raise NotModified(etag, all_headers)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body, headers=all_headers)


def register_not_modified(app: APIGatewayHttpResolver | Router) -> None:
    @app.exception_handler(NotModified)
    def not_modified(error: NotModified) -> Response[None]:
        return Response(status_code=304, headers=error.headers)
